// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-insn: a QEMU TCG plugin that counts the instructions a guest
 * retires between two markers, for the lab's deterministic cost model
 * (make bench BENCH=cost).  Nested TCG's times swing by 20%; the
 * instructions of a code path do not.
 *
 * The markers are architectural no-ops that compilers never emit:
 *   xchg %bx,%bx (66 87 db)   start a window on this vCPU
 *   xchg %cx,%cx (66 87 c9)   end it: its count joins the series
 *   xchg %dx,%dx (66 87 d2)   end the series: print it, start another
 * A program in the guest (xpv-insncount) puts a start and an end marker
 * around the code it measures, once per sample.  A window counts every
 * instruction the vCPU executed in between, at any level: whatever the
 * vCPU did besides (an interrupt, a VM exit to the host's KVM) makes
 * that sample an outlier, so each series is summed up by its median and
 * quartiles over many samples, which repeat to the instruction.
 *
 * Counting is per translation block, at its entry; a marker in the
 * middle of a block corrects for the block's instructions after it.  A
 * block cut short by an exception counts in full, and its rest again
 * when it resumes: a fixed few instructions per fault, the same in every
 * run.
 *
 * Interrupt windows: with XPV_INSN_IRQ set in QEMU's environment to the
 * address of an interrupt entry in the guest (the XPV topology vector's
 * asm_sysvec_xpv_topology, from the guest kernel's System.map), and
 * between two more markers:
 *   xchg %si,%si (66 87 f6)   count interrupt windows from now on
 *   xchg %di,%di (66 87 ff)   stop: print them as a series
 * a window opens when a vCPU executes that entry and closes at its next
 * iretq (48 cf): the entry code, the handler, the exit code, and
 * whatever the vCPU ran in between (a VM exit for the EOI).  Any iretq
 * of that vCPU closes it, another level's too (an interrupt the host
 * took during the EOI's exit): such a sample comes out short, an
 * outlier, and the series is summed up by its median.  A window still
 * open when the series ends counts in no series.  The
 * address names an instruction of the guest that runs the markers'
 * program; another level may run other code there (the lab's L1 runs
 * the same image and never takes that vector), so set it only for a
 * guest whose kernel it is.
 *
 * Output (QEMU's log, -d plugin -D FILE), one line per series:
 *   xpv-insn: series N samples S median M q1 Q1 q3 Q3 min A max B
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS	64
#define MAX_SAMPLES	(1 << 20)

enum marker { M_NONE, M_START, M_END, M_SERIES, M_IRQ_ON, M_IRQ_OFF,
	      M_IRQ_ENTER, M_IRQ_RET };

static const uint8_t marks[][3] = {
	[M_START] = { 0x66, 0x87, 0xdb },
	[M_END] = { 0x66, 0x87, 0xc9 },
	[M_SERIES] = { 0x66, 0x87, 0xd2 },
	[M_IRQ_ON] = { 0x66, 0x87, 0xf6 },
	[M_IRQ_OFF] = { 0x66, 0x87, 0xff },
};

static const uint8_t iretq[2] = { 0x48, 0xcf };

/* Each vCPU's counter is written by that vCPU's thread only. */
static struct vcpu {
	uint64_t count;
	uint64_t start;
	int open;
	uint64_t irq_start;
	int irq_open;
	int irq_round;		/* the irq_round its window opened in */
} vcpus[MAX_VCPUS];

/* The series, shared: samples come from any vCPU. */
static GMutex lock;
static uint64_t *samples, *irq_samples;
static unsigned long nr_samples, nr_irq_samples, series;

/*
 * XPV_INSN_IRQ: the interrupt entry (0: none); irq_on: windows counted;
 * irq_round: which series they go to, one more at each M_IRQ_ON
 */
static uint64_t irq_entry;
static int irq_on, irq_round;

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Print the series @s (@n samples, none for a series that got none). */
static void print_samples(uint64_t *s, unsigned long n)
{
	g_autofree char *line = NULL;
	uint64_t none = 0;

	if (n)
		qsort(s, n, sizeof(*s), cmp);
	else
		s = &none;
	line = g_strdup_printf("xpv-insn: series %lu samples %lu median %" PRIu64
			       " q1 %" PRIu64 " q3 %" PRIu64 " min %" PRIu64
			       " max %" PRIu64 "\n", series, n, s[n / 2],
			       s[n / 4], s[3 * n / 4], s[0], s[n ? n - 1 : 0]);
	qemu_plugin_outs(line);
	series++;
}

static void print_series(void)
{
	if (nr_samples)
		print_samples(samples, nr_samples);
	nr_samples = 0;
}

/* A closed window's @count joins the series @s (*@n samples so far). */
static void add_sample(uint64_t *s, unsigned long *n, uint64_t count)
{
	g_mutex_lock(&lock);
	if (*n < MAX_SAMPLES)
		s[(*n)++] = count;
	g_mutex_unlock(&lock);
}

static void tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		vcpus[vcpu].count += (uintptr_t)udata;
}

/* udata: the marker in the low byte, the block's instructions after it
 * above. */
static void marker_exec(unsigned int vcpu, void *udata)
{
	uintptr_t u = (uintptr_t)udata;
	struct vcpu *v;
	uint64_t now;

	if (vcpu >= MAX_VCPUS)
		return;
	v = &vcpus[vcpu];
	now = v->count - (u >> 8);
	switch (u & 0xff) {
	case M_START:
		v->start = now;
		v->open = 1;
		break;
	case M_END:
		if (!v->open)
			break;
		v->open = 0;
		add_sample(samples, &nr_samples, now - v->start);
		break;
	case M_SERIES:
		g_mutex_lock(&lock);
		print_series();
		g_mutex_unlock(&lock);
		break;
	case M_IRQ_ON:
		g_mutex_lock(&lock);
		irq_round++;
		__atomic_store_n(&irq_on, 1, __ATOMIC_RELAXED);
		g_mutex_unlock(&lock);
		break;
	case M_IRQ_OFF:
		g_mutex_lock(&lock);
		__atomic_store_n(&irq_on, 0, __ATOMIC_RELAXED);
		/* an empty series is printed too: its name has no samples */
		print_samples(irq_samples, nr_irq_samples);
		nr_irq_samples = 0;
		g_mutex_unlock(&lock);
		break;
	case M_IRQ_ENTER:
		if (!__atomic_load_n(&irq_on, __ATOMIC_RELAXED))
			break;
		/* the entry instruction counts: it executed at now */
		v->irq_start = now - 1;
		v->irq_open = 1;
		v->irq_round = __atomic_load_n(&irq_round, __ATOMIC_RELAXED);
		break;
	case M_IRQ_RET:
		if (!v->irq_open)
			break;
		v->irq_open = 0;
		/* a window of a series that has ended counts in none */
		if (!__atomic_load_n(&irq_on, __ATOMIC_RELAXED) ||
		    v->irq_round != __atomic_load_n(&irq_round, __ATOMIC_RELAXED))
			break;
		add_sample(irq_samples, &nr_irq_samples, now - v->irq_start);
		break;
	}
}

static enum marker marker_of(struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);
	enum marker m;

	if (irq_entry && qemu_plugin_insn_vaddr(insn) == irq_entry)
		return M_IRQ_ENTER;
	if (qemu_plugin_insn_size(insn) == 2 && !memcmp(b, iretq, 2))
		return irq_entry ? M_IRQ_RET : M_NONE;
	if (qemu_plugin_insn_size(insn) != 3)
		return M_NONE;
	for (m = M_START; m <= M_IRQ_OFF; m++)
		if (!memcmp(b, marks[m], 3))
			return m;
	return M_NONE;
}

static void tb_trans(qemu_plugin_id_t id G_GNUC_UNUSED, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		enum marker m = marker_of(insn);

		if (m != M_NONE)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec,
				QEMU_PLUGIN_CB_NO_REGS,
				(void *)(((uintptr_t)(n - 1 - i) << 8) | m));
	}
}

static void at_exit(qemu_plugin_id_t id G_GNUC_UNUSED, void *p G_GNUC_UNUSED)
{
	g_mutex_lock(&lock);
	print_series();
	g_mutex_unlock(&lock);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc G_GNUC_UNUSED,
					   char **argv G_GNUC_UNUSED)
{
	const char *irq = getenv("XPV_INSN_IRQ");
	char *end;

	if (info->system_emulation && info->system.max_vcpus > MAX_VCPUS) {
		fprintf(stderr, "xpv-insn: at most %d vCPUs\n", MAX_VCPUS);
		return -1;
	}
	if (irq && *irq) {
		irq_entry = strtoull(irq, &end, 0);
		if (*end || !irq_entry) {
			fprintf(stderr, "xpv-insn: XPV_INSN_IRQ=%s is not an address\n", irq);
			return -1;
		}
	}
	samples = g_new(uint64_t, MAX_SAMPLES);
	irq_samples = g_new(uint64_t, MAX_SAMPLES);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}

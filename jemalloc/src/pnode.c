#include "jemalloc/internal/jemalloc_preamble.h"
#include "jemalloc/internal/jemalloc_internal_includes.h"

#include "jemalloc/internal/pnode.h"

/*
 * percpu_arena:pnode: the XPV guest kernel's vDSO and pnode memory
 * policies (see pnode.h).
 */

bool pnode_available = false;
atomic_u64_t pnode_nrebinds = ATOMIC_INIT(0);
atomic_u64_t pnode_version_seen = ATOMIC_INIT(0);
pnode_getnode_t *pnode_getnode = NULL;

#ifdef JEMALLOC_HAVE_XPV_PNODE
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>

typedef uint64_t (pnode_version_t)(void);
static pnode_version_t *pnode_vdso_version = NULL;

/* Bounds on the vDSO's tables: a vDSO larger than this is not parsed. */
#define PNODE_VDSO_MAX_PHDRS	32
#define PNODE_VDSO_MAX_DYNS	64
#define PNODE_VDSO_MAX_SYMS	1024

/*
 * The address of function NAME in the vDSO, or NULL.  The vDSO is an ELF
 * object the kernel maps into every process (AT_SYSINFO_EHDR); it is read
 * here directly, not through the dynamic loader, which may allocate (and
 * is absent from a static program).  Its symbol table is walked through
 * DT_HASH, which the kernel's vDSO carries (--hash-style=both).
 */
static void *
pnode_vdso_sym(const char *name) {
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (base == 0) {
		return NULL;
	}
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(ElfW(Phdr))) {
		return NULL;
	}

	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	const ElfW(Dyn) *dyn = NULL;
	uintptr_t load = 0;
	bool have_load = false;
	for (unsigned i = 0; i < eh->e_phnum && i < PNODE_VDSO_MAX_PHDRS;
	    i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = true;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const ElfW(Dyn) *)(base + ph[i].p_offset);
		}
	}
	if (!have_load || dyn == NULL) {
		return NULL;
	}

	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Word) *hash = NULL;
	for (unsigned i = 0; i < PNODE_VDSO_MAX_DYNS && dyn[i].d_tag != DT_NULL;
	    i++) {
		switch (dyn[i].d_tag) {
		case DT_SYMTAB:
			symtab = (const ElfW(Sym) *)(load + dyn[i].d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = (const char *)(load + dyn[i].d_un.d_ptr);
			break;
		case DT_HASH:
			hash = (const ElfW(Word) *)(load + dyn[i].d_un.d_ptr);
			break;
		default:
			break;
		}
	}
	if (symtab == NULL || strtab == NULL || hash == NULL) {
		return NULL;
	}

	/* hash[1] is nchain: the number of symbols. */
	for (ElfW(Word) i = 0; i < hash[1] && i < PNODE_VDSO_MAX_SYMS; i++) {
		const ElfW(Sym) *sym = &symtab[i];
		if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
		    sym->st_shndx == SHN_UNDEF) {
			continue;
		}
		if (strcmp(strtab + sym->st_name, name) == 0) {
			return (void *)(load + sym->st_value);
		}
	}
	return NULL;
}

bool
pnode_boot(const char **why) {
	pnode_version_t *version = (pnode_version_t *)
	    pnode_vdso_sym("__vdso_xpv_version");
	pnode_getnode_t *getnode = (pnode_getnode_t *)
	    pnode_vdso_sym("__vdso_xpv_getnode");
	if (version == NULL || getnode == NULL) {
		*why = "the kernel's vDSO has no XPV entry points (not an "
		    "XPV guest)";
		return true;
	}
	uint64_t v = version();
	unsigned p;
	if (v == 0 || getnode(NULL, &p) == -ENODEV) {
		*why = "XPV is not active in this guest (topology version 0)";
		return true;
	}
	pnode_vdso_version = version;
	atomic_store_u64(&pnode_version_seen, v, ATOMIC_RELAXED);
	pnode_getnode = getnode;
	pnode_available = true;
	return false;
}

uint64_t
pnode_version(void) {
	return pnode_vdso_version == NULL ? 0 : pnode_vdso_version();
}

bool
pnode_bind(void *addr, size_t size, unsigned p) {
	unsigned long mask[PNODE_MAX / (8 * sizeof(unsigned long)) + 1] = {0};
	const unsigned bits = 8 * sizeof(unsigned long);

	if (p >= PNODE_MAX) {
		return true;
	}
	mask[p / bits] |= 1UL << (p % bits);
	/* The kernel reads maxnode - 1 bits. */
	return syscall(SYS_mbind, addr, size, MPOL_BIND | MPOL_F_PNODES, mask,
	    sizeof(mask) * 8, 0) != 0;
}

void
pnode_note_rebind(void) {
	atomic_fetch_add_u64(&pnode_nrebinds, 1, ATOMIC_RELAXED);
	atomic_store_u64(&pnode_version_seen, pnode_version(), ATOMIC_RELAXED);
}

#else /* !JEMALLOC_HAVE_XPV_PNODE */

bool
pnode_boot(const char **why) {
	*why = "jemalloc was built without XPV support (its kernel headers "
	    "lack MPOL_F_PNODES)";
	return true;
}

uint64_t
pnode_version(void) {
	return 0;
}

bool
pnode_bind(void *addr, size_t size, unsigned p) {
	return true;
}

void
pnode_note_rebind(void) {
}

#endif /* JEMALLOC_HAVE_XPV_PNODE */

#include "test/jemalloc_test.h"

#include "jemalloc/internal/pnode.h"

/* Config -- "percpu_arena:pnode" (pnode.sh) */

/*
 * In an XPV guest (the vDSO answers, XPV active) percpu_arena:pnode gives
 * an arena per pnode; elsewhere it is percpu_arena:phycpu.
 */
TEST_BEGIN(test_pnode_mode) {
	test_skip_if(!have_percpu_arena);

	const char *mode;
	size_t sz = sizeof(mode);
	expect_d_eq(mallctl("opt.percpu_arena", (void *)&mode, &sz, NULL, 0),
	    0, "Unexpected mallctl() failure");
	if (pnode_available) {
		expect_str_eq(mode, "pnode",
		    "An XPV guest should have an arena per pnode");
	} else {
		expect_str_eq(mode, "phycpu",
		    "Without XPV, percpu_arena:pnode should be phycpu");
	}
}
TEST_END

static unsigned
arena_pnode(unsigned arena) {
	size_t mib[4];
	size_t miblen = sizeof(mib) / sizeof(size_t);
	unsigned pnode;
	size_t sz = sizeof(pnode);
	uint64_t epoch = 1;

	/* The statistics know the arenas that existed at the last epoch. */
	expect_d_eq(mallctl("epoch", NULL, NULL, (void *)&epoch,
	    sizeof(epoch)), 0, "Unexpected mallctl() failure");
	expect_d_eq(mallctlnametomib("stats.arenas.0.pnode", mib, &miblen), 0,
	    "Unexpected mallctlnametomib() failure");
	mib[2] = arena;
	expect_d_eq(mallctlbymib(mib, miblen, (void *)&pnode, &sz, NULL, 0), 0,
	    "Unexpected mallctlbymib() failure");
	return pnode;
}

/* The thread allocates from the arena of its CPU's pnode. */
TEST_BEGIN(test_pnode_arena) {
	test_skip_if(!have_percpu_arena || !pnode_available);

	/*
	 * Large enough to miss the tcache: the thread chooses its arena, and
	 * looks at its pnode at one choice in PNODE_LOOK_EVERY.
	 */
	for (unsigned i = 0; i < PNODE_LOOK_EVERY; i++) {
		dallocx(mallocx(1 << 20, 0), 0);
	}
	void *p = mallocx(1 << 20, 0);
	expect_ptr_not_null(p, "Unexpected mallocx() failure");

	unsigned arena;
	size_t sz = sizeof(arena);
	expect_d_eq(mallctl("thread.arena", (void *)&arena, &sz, NULL, 0), 0,
	    "Unexpected mallctl() failure");
	int pnode = pnode_current();
	expect_d_ge(pnode, 0, "The pnode of this CPU should be known");
	expect_u_eq(arena, (unsigned)pnode,
	    "The thread should use its pnode's arena");
	expect_u_eq(arena_pnode(arena), arena,
	    "stats.arenas.<i>.pnode should name the pnode of arena i");
	expect_u_eq(arena_ind_get(iaalloc(tsd_tsdn(tsd_fetch()), p)), arena,
	    "The object should come from the pnode's arena");

	uint64_t version;
	sz = sizeof(version);
	expect_d_eq(mallctl("stats.pnode.version", (void *)&version, &sz,
	    NULL, 0), 0, "Unexpected mallctl() failure");
	expect_u64_gt(version, 0, "The topology version should be seen");
	dallocx(p, 0);
}
TEST_END

/* Without XPV no arena serves a pnode, and nothing is counted. */
TEST_BEGIN(test_pnode_none) {
	test_skip_if(pnode_available);

	expect_u_eq(arena_pnode(0), UINT_MAX,
	    "Without XPV, no arena should serve a pnode");
	uint64_t rebinds;
	size_t sz = sizeof(rebinds);
	expect_d_eq(mallctl("stats.pnode.rebinds", (void *)&rebinds, &sz,
	    NULL, 0), 0, "Unexpected mallctl() failure");
	expect_u64_eq(rebinds, 0, "Without XPV, no thread should rebind");
}
TEST_END

int
main(void) {
	return test(
	    test_pnode_mode,
	    test_pnode_arena,
	    test_pnode_none);
}

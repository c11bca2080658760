/*
 * RTTs and the REC-driven commands, through hostsim with a look inside:
 * walks on tables built by RTT_CREATE, fold/unfold of unassigned, assigned
 * (protected, into a 2 MiB block) and unprotected tables, MAP/UNMAP
 * unprotected, and the commands that complete a REC's request (RTT_SET_RIPAS,
 * PSCI_COMPLETE) or check its state (REC_ENTER), with the request planted
 * directly in the REC since no REC can run yet.
 */
#include "rec.h"
#include "rmm_test_util.h"
#include "rtt.h"

struct realm {
	uint64_t rd, root, params;
};

static struct realm make_realm(uint16_t vmid)
{
	struct rmi_realm_params p = { 0 };
	struct realm r;

	r.root = test_delegated();
	r.rd = test_delegated();
	p.s2sz = 48;
	p.hash_algo = RMI_HASH_SHA_512;
	p.num_bps = 1;
	p.num_wps = 1;
	p.rtt_base = r.root;
	p.rtt_level_start = 0;
	p.rtt_num_start = 1;
	p.vmid = vmid;
	r.params = test_ns_struct(&p, sizeof(p));
	assert_int_equal(RMI(RMI_REALM_CREATE, r.rd, r.params).x[0], RMI_SUCCESS);
	return r;
}

/* RTTs for ipa down to `level`; returns the RTT created at each level. */
static void make_rtts(const struct realm *r, uint64_t ipa, int level, uint64_t *rtts)
{
	for (int l = 1; l <= level; l++) {
		uint64_t base = ipa & ~(s2tt_level_size(l - 1) - 1);

		rtts[l] = test_delegated();
		assert_int_equal(RMI(RMI_RTT_CREATE, r->rd, rtts[l], base, l).x[0], RMI_SUCCESS);
	}
}

static void test_walk(void **state)
{
	struct realm r = make_realm(1);
	uint64_t rtts[4], ipa = 0x8040201000ull; /* indices 1, 1, 1, 1 */
	struct granule *g_rd;
	struct rtt_walk w;
	struct rd *rd;

	(void)state;
	make_rtts(&r, ipa, 3, rtts);
	g_rd = granule_lock_expect(r.rd, GRANULE_STATE_RD);
	assert_non_null(g_rd);
	rd = rd_map(g_rd);
	for (int target = 0; target <= 3; target++) {
		rtt_walk_lock(rd, ipa, target, &w);
		assert_int_equal(w.level, target);
		assert_int_equal(w.index, 1);
		assert_ptr_equal(w.g, granule_from_pa(target ? rtts[target] : r.root));
		rtt_walk_unlock(&w);
	}
	/* Another IPA under the same level-1 table stops where the tables end. */
	rtt_walk_lock(rd, 0x8000000000ull, 3, &w);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.index, 0);
	assert_ptr_equal(w.g, granule_from_pa(rtts[1]));
	rtt_walk_unlock(&w);
	/* Only the table of the last step stays locked. */
	assert_true(plat_lock_try_acquire(&granule_from_pa(r.root)->lock));
	plat_lock_release(&granule_from_pa(r.root)->lock);
	granule_unmap(rd);
	granule_unlock(g_rd);

	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 3).x[1], 3);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0x8000000000ull, 3).x[1], 1);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0, 0).x[2], RMI_UNASSIGNED);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0x8000000000ull, 0).x[3], rtts[1]);
}

/* 512 delegated granules, contiguous and 2 MiB aligned. */
static uint64_t delegated_block(void)
{
	uint64_t pa, base;

	do {
		pa = test_alloc();
		if (pa % 0x200000)
			hostsim_host_free(pa);
	} while (pa % 0x200000);
	base = pa;
	for (unsigned i = 1; i < 512; i++)
		assert_int_equal(test_alloc(), base + i * 4096ull);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(RMI(RMI_GRANULE_DELEGATE, base + i * 4096ull).x[0], RMI_SUCCESS);
	return base;
}

static void test_fold_protected_block_and_unfold(void **state)
{
	struct realm r = make_realm(2);
	uint64_t rtts[4], ipa = 0x40200000, block = delegated_block();
	struct smc_regs x;

	(void)state;
	make_rtts(&r, ipa, 3, rtts);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, r.rd, block + i * 4096ull, ipa + i * 4096ull).x[0],
				 RMI_SUCCESS);
	assert_int_equal(test_granule_refcount(rtts[3]), 512);
	x = RMI(RMI_RTT_FOLD, r.rd, ipa, 3);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(x.x[1], rtts[3]);
	assert_int_equal(test_granule_state(rtts[3]), GRANULE_STATE_DELEGATED);
	assert_int_equal(test_granule_refcount(rtts[2]), 1);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 3);
	assert_int_equal(x.x[1], 2);
	assert_int_equal(x.x[2], RMI_ASSIGNED);
	assert_int_equal(x.x[3], block);
	assert_int_equal(x.x[4], RIPAS_EMPTY);
	/* A page inside a block cannot be destroyed until the block is unfolded. */
	assert_int_equal(RMI(RMI_DATA_DESTROY, r.rd, ipa + 0x5000).x[0], RMI_STATUS(RMI_ERROR_RTT, 2));
	assert_int_equal(RMI(RMI_RTT_CREATE, r.rd, rtts[3], ipa, 3).x[0], RMI_SUCCESS);
	assert_int_equal(test_granule_refcount(rtts[3]), 512);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa + 0x5000, 3);
	assert_int_equal(x.x[3], block + 0x5000);
	/* Not homogeneous once one page is gone. */
	assert_int_equal(RMI(RMI_DATA_DESTROY, r.rd, ipa + 0x5000).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_FOLD, r.rd, ipa, 3).x[0], RMI_STATUS(RMI_ERROR_RTT, 3));
	assert_int_equal(RMI(RMI_RTT_DESTROY, r.rd, ipa, 3).x[0], RMI_STATUS(RMI_ERROR_RTT, 3));
	for (unsigned i = 0; i < 512; i++)
		if (i != 5)
			assert_int_equal(RMI(RMI_DATA_DESTROY, r.rd, ipa + i * 4096ull).x[0], RMI_SUCCESS);
	/* All UNASSIGNED/EMPTY now (EMPTY pages stay EMPTY when destroyed). */
	x = RMI(RMI_RTT_FOLD, r.rd, ipa, 3);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(test_granule_refcount(rtts[2]), 0);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 3);
	assert_int_equal(x.x[1], 2);
	assert_int_equal(x.x[2], RMI_UNASSIGNED);
	assert_int_equal(x.x[4], RIPAS_EMPTY);
	for (unsigned i = 0; i < 512; i++)
		test_undelegate_free(block + i * 4096ull);
}

static void test_unprotected_map_fold_unmap(void **state)
{
	struct realm r = make_realm(3);
	uint64_t rtts[4], ipa = UINT64_C(1) << 47, ns = 0x80000000, attrs = (6u << 2) | (3u << 6);
	struct smc_regs x;

	(void)state;
	make_rtts(&r, ipa, 3, rtts);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, r.rd, 0x1000, 3, ns | attrs).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, r.rd, ipa, 3, ns | attrs | (1u << 5)).x[0], RMI_ERROR_INPUT);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, r.rd, ipa + i * 4096ull, 3,
				     (ns + i * 4096ull) | attrs).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, r.rd, ipa, 3, ns | attrs).x[0],
			 RMI_STATUS(RMI_ERROR_RTT, 3));
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa + 0x3000, 3);
	assert_int_equal(x.x[2], RMI_ASSIGNED);
	assert_int_equal(x.x[3], (ns + 0x3000) | attrs);
	assert_int_equal(x.x[4], RIPAS_EMPTY);
	assert_int_equal(RMI(RMI_RTT_FOLD, r.rd, ipa, 3).x[0], RMI_SUCCESS);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 2);
	assert_int_equal(x.x[1], 2);
	assert_int_equal(x.x[3], ns | attrs);
	/* A 2 MiB mapping is unmapped at level 2, not page by page. */
	x = RMI(RMI_RTT_UNMAP_UNPROTECTED, r.rd, ipa, 3);
	assert_int_equal(x.x[0], RMI_STATUS(RMI_ERROR_RTT, 2));
	x = RMI(RMI_RTT_UNMAP_UNPROTECTED, r.rd, ipa, 2);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(x.x[1], ipa + 0x40000000); /* nothing live left in the level-2 table */
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 2).x[2], RMI_UNASSIGNED);
	/* Destroying an unprotected table leaves UNASSIGNED_NS, not DESTROYED. */
	x = RMI(RMI_RTT_DESTROY, r.rd, ipa, 2);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(x.x[1], rtts[2]);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, ipa, 1);
	assert_int_equal(x.x[2], RMI_UNASSIGNED);
	assert_int_equal(x.x[4], RIPAS_EMPTY);
	assert_int_equal(RMI(RMI_RTT_MAP_UNPROTECTED, r.rd, ipa, 2, ns | attrs).x[0],
			 RMI_STATUS(RMI_ERROR_RTT, 1));
}

/* Runs fn on the REC struct inside its (locked) granule. */
static void poke_rec(uint64_t pa, void (*fn)(struct rec *, const void *), const void *arg)
{
	struct granule *g = granule_lock_expect(pa, GRANULE_STATE_REC);
	struct rec *rec;

	assert_non_null(g);
	rec = rec_map(g);
	fn(rec, arg);
	granule_unmap(rec);
	granule_unlock(g);
}

struct ripas_req {
	uint64_t base, top, value;
	bool destroyed;
};

static void plant_ripas_request(struct rec *rec, const void *arg)
{
	const struct ripas_req *q = arg;

	rec->ripas_addr = q->base;
	rec->ripas_top = q->top;
	rec->ripas_value = q->value;
	rec->ripas_change_destroyed = q->destroyed;
}

static uint64_t make_rec(const struct realm *r, uint64_t mpidr, bool runnable)
{
	struct rmi_rec_params p = { 0 };
	uint64_t rec = test_delegated();

	p.flags = runnable ? RMI_REC_FLAG_RUNNABLE : 0;
	p.mpidr = mpidr;
	p.num_aux = 2;
	p.aux[0] = test_delegated();
	p.aux[1] = test_delegated();
	assert_int_equal(RMI(RMI_REC_CREATE, r->rd, rec, test_ns_struct(&p, sizeof(p))).x[0], RMI_SUCCESS);
	return rec;
}

static void test_set_ripas(void **state)
{
	struct realm r = make_realm(4), other = make_realm(5);
	uint64_t rtts[4], data = test_delegated(), rec, rec_other;
	struct ripas_req q = { 0x2000, 0x6000, RIPAS_RAM, false };
	struct smc_regs x;

	(void)state;
	make_rtts(&r, 0, 3, rtts);
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, r.rd, data, 0x3000).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_DATA_DESTROY, r.rd, 0x3000).x[0], RMI_SUCCESS);   /* 0x3000 EMPTY */
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, r.rd, data, 0x4000).x[0], RMI_SUCCESS);
	rec = make_rec(&r, 0, true);
	rec_other = make_rec(&other, 0, true);
	/* No request yet. */
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x2000, 0x3000).x[0], RMI_ERROR_INPUT);
	poke_rec(rec, plant_ripas_request, &q);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec_other, 0x2000, 0x3000).x[0], RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x2000, 0x2000).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x1000, 0x3000).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x2000, 0x7000).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x2000, 0x2800).x[0], RMI_ERROR_INPUT);
	x = RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x2000, 0x4000);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(x.x[1], 0x4000);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0x3000, 3).x[4], RIPAS_RAM);
	/* The host continues where it stopped; an ASSIGNED EMPTY page becomes mapped. */
	x = RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x4000, 0x6000);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	x = RMI(RMI_RTT_READ_ENTRY, r.rd, 0x4000, 3);
	assert_int_equal(x.x[2], RMI_ASSIGNED);
	assert_int_equal(x.x[4], RIPAS_RAM);
	/* DESTROYED entries stay unless the realm asked for CHANGE_DESTROYED. */
	assert_int_equal(RMI(RMI_DATA_DESTROY, r.rd, 0x4000).x[0], RMI_SUCCESS); /* RAM -> DESTROYED */
	q = (struct ripas_req){ 0x4000, 0x5000, RIPAS_EMPTY, false };
	poke_rec(rec, plant_ripas_request, &q);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x4000, 0x5000).x[0], RMI_STATUS(RMI_ERROR_RTT, 3));
	q.destroyed = true;
	poke_rec(rec, plant_ripas_request, &q);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x4000, 0x5000).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0x4000, 3).x[4], RIPAS_EMPTY);
	/* Base must be aligned to the entry the walk reaches (a level-2 one
	 * here), and that whole entry must fit below top. */
	q = (struct ripas_req){ 0x401000, 0x800000, RIPAS_RAM, false };
	poke_rec(rec, plant_ripas_request, &q);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x401000, 0x500000).x[0], RMI_STATUS(RMI_ERROR_RTT, 2));
	q.base = 0x400000;
	poke_rec(rec, plant_ripas_request, &q);
	assert_int_equal(RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x400000, 0x500000).x[0], RMI_STATUS(RMI_ERROR_RTT, 2));
	x = RMI(RMI_RTT_SET_RIPAS, r.rd, rec, 0x400000, 0x800000);
	assert_int_equal(x.x[0], RMI_SUCCESS);
	assert_int_equal(x.x[1], 0x800000);
	assert_int_equal(RMI(RMI_RTT_READ_ENTRY, r.rd, 0x600000, 2).x[4], RIPAS_RAM);
}

struct psci_req {
	uint64_t fid, target, entry, context;
};

static void plant_psci_request(struct rec *rec, const void *arg)
{
	const struct psci_req *q = arg;

	rec->psci_pending = true;
	rec->psci_fid = q->fid;
	rec->psci_target_mpidr = q->target;
	rec->psci_entry = q->entry;
	rec->psci_context = q->context;
}

static void read_rec(struct rec *rec, const void *arg)
{
	memcpy((void *)arg, rec, sizeof(*rec));
}

static void test_psci_complete_and_rec_enter(void **state)
{
	struct realm r = make_realm(6), other = make_realm(7);
	uint64_t rec0 = make_rec(&r, 0, true), rec1 = make_rec(&r, 1, false);
	uint64_t foreign = make_rec(&other, 0, true), run = test_alloc();
	struct psci_req on = { PSCI_CPU_ON_64, 1, 0x8000, 0x77 };
	struct rmi_rec_run entry = { 0 };
	struct rec seen;

	(void)state;
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, run).x[0], RMI_STATUS(RMI_ERROR_REALM, 0));
	assert_int_equal(RMI(RMI_REALM_ACTIVATE, r.rd).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_REALM_ACTIVATE, r.rd).x[0], RMI_STATUS(RMI_ERROR_REALM, 0));
	assert_int_equal(RMI(RMI_REC_ENTER, rec1, run).x[0], RMI_ERROR_REC);      /* not runnable */
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, rec1).x[0], RMI_ERROR_INPUT);   /* run not NS */
	entry.entry.flags = RMI_REC_ENTRY_EMUL_MMIO;
	assert_true(hostsim_host_write(run, &entry, sizeof(entry)));
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, run).x[0], RMI_ERROR_REC);      /* rec_mmio */
	entry.entry.flags = 0;
	entry.entry.gicv3_lrs[3] = UINT64_C(1) << 61;
	assert_true(hostsim_host_write(run, &entry, sizeof(entry)));
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, run).x[0], RMI_ERROR_REC);      /* rec_gicv3 */
	entry.entry.gicv3_lrs[3] = 0;
	assert_true(hostsim_host_write(run, &entry, sizeof(entry)));
	test_rec_enter_halts(rec0, run);

	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec0, 0).x[0], RMI_ERROR_INPUT);  /* alias */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_ERROR_INPUT);  /* none pending */
	poke_rec(rec0, plant_psci_request, &on);
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, run).x[0], RMI_ERROR_REC);           /* rec_psci */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, foreign, 0).x[0], RMI_ERROR_INPUT); /* owner */
	on.target = 2;
	poke_rec(rec0, plant_psci_request, &on);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_ERROR_INPUT);  /* target */
	on.target = 1;
	poke_rec(rec0, plant_psci_request, &on);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, (uint64_t)-2).x[0], RMI_ERROR_INPUT); /* status */
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_SUCCESS);
	poke_rec(rec1, read_rec, &seen);
	assert_true(seen.runnable);
	assert_int_equal(seen.pc, 0x8000);
	assert_int_equal(seen.gprs[0], 0x77);
	poke_rec(rec0, read_rec, &seen);
	assert_false(seen.psci_pending);
	assert_int_equal(seen.gprs[0], PSCI_RET_SUCCESS);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_ERROR_INPUT);  /* done once */
	/* CPU_ON of a CPU that is on; AFFINITY_INFO reports it. */
	poke_rec(rec0, plant_psci_request, &on);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_SUCCESS);
	poke_rec(rec0, read_rec, &seen);
	assert_int_equal(seen.gprs[0], PSCI_RET_ALREADY_ON);
	on.fid = PSCI_AFFINITY_INFO_64;
	poke_rec(rec0, plant_psci_request, &on);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, PSCI_RET_DENIED).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_PSCI_COMPLETE, rec0, rec1, 0).x[0], RMI_SUCCESS);
	poke_rec(rec0, read_rec, &seen);
	assert_int_equal(seen.gprs[0], PSCI_AFFINITY_ON);
	test_rec_enter_halts(rec1, run);
}

static void test_realm_create_geometry(void **state)
{
	(void)state;
	assert_int_equal(realm_root_rtt_count(48, 0), 1);
	assert_int_equal(realm_root_rtt_count(40, 0), 1);
	assert_int_equal(realm_root_rtt_count(39, 0), 0); /* level 1 would do */
	assert_int_equal(realm_root_rtt_count(40, 1), 2);
	assert_int_equal(realm_root_rtt_count(43, 1), 16);
	assert_int_equal(realm_root_rtt_count(44, 1), 0);
	assert_int_equal(realm_root_rtt_count(32, 2), 4);
	assert_int_equal(realm_root_rtt_count(32, 3), 0);
	assert_int_equal(realm_root_rtt_count(48, -1), 0);
	assert_int_equal(realm_root_rtt_count(48, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_ON_MACHINE(test_walk),
		TEST_ON_MACHINE(test_fold_protected_block_and_unfold),
		TEST_ON_MACHINE(test_unprotected_map_fold_unmap),
		TEST_ON_MACHINE(test_set_ripas),
		TEST_ON_MACHINE(test_psci_complete_and_rec_enter),
		cmocka_unit_test(test_realm_create_geometry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

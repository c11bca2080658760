/*
 * RMI conformance: REALM_CREATE, REALM_ACTIVATE, REALM_DESTROY.
 */
#include "rmi_harness.h"

#include <string.h>

#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

static void expect_fresh_realm(const struct realm *r)
{
	struct rmm_debug_realm info;
	assert_true(rmm_debug_realm(r->rd, &info));
	assert_int_equal(info.state, REALM_STATE_NEW);
	assert_int_equal(info.hash_algo, r->cfg.hash_algo);
	assert_int_equal(info.ipa_bits, r->cfg.s2sz);
	assert_int_equal(info.vmid, r->cfg.vmid);
	assert_memory_equal(info.rpv, r->cfg.rpv, RMI_RPV_SIZE);
	uint8_t zero[64] = { 0 };
	for (int i = 0; i < 4; i++)
		assert_memory_equal(info.rem[i], zero, 64);

	assert_int_equal(granule_state(r->rd), GRANULE_STATE_RD);
	assert_int_equal(granule_refcount(r->rd), 0);
	for (unsigned i = 0; i < r->num_rtts; i++) {
		assert_int_equal(granule_state(r->rtt_base + i * GRANULE), GRANULE_STATE_RTT);
		assert_int_equal(granule_refcount(r->rtt_base + i * GRANULE), 0);
	}
	/* Every root entry, protected or not, starts UNASSIGNED with RIPAS EMPTY. */
	uint64_t step = rtt_level_size(r->start_level);
	for (uint64_t ipa = 0; ipa < realm_ipa_size(r); ipa += step) {
		struct rtte e = rtt_read(r, ipa, 3);
		assert_int_equal(e.level, r->start_level);
		assert_int_equal(e.state, RMI_UNASSIGNED);
		assert_int_equal(e.ripas, RIPAS_EMPTY);
		assert_int_equal(e.desc, 0);
	}
}

static void expect_all_ns(void)
{
	for (uint64_t pa = 0x10000; pa < rmi_dram_size(); pa += GRANULE) {
		if (granule_state(pa) != GRANULE_STATE_NS || hostsim_gpt_pas(pa) != HOSTSIM_PAS_NS) {
			print_error("granule 0x%llx state %u pas %u after teardown\n",
				    (unsigned long long)pa, granule_state(pa), hostsim_gpt_pas(pa));
			fail();
		}
	}
}

static void test_realm_create_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	expect_fresh_realm(r);
	/* The RD and root RTTs are out of the host's reach. */
	uint8_t b;
	assert_false(hostsim_host_read(r->rd, &b, 1));
	assert_false(hostsim_host_read(r->rtt_base, &b, 1));
	uint64_t rd = r->rd;
	realm_teardown(r);
	struct rmm_debug_realm info;
	assert_false(rmm_debug_realm(rd, &info));
	expect_all_ns();
}

/* Different IPA widths, start levels and numbers of concatenated root RTTs,
 * and both hash algorithms. */
static void test_realm_create_geometries(void **state)
{
	(void)state;
	struct rmi_features f = rmi_features();
	const unsigned widths[] = { 32, 33, 36, 39, 40, 42, 43, 44, 48 };
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		if (widths[i] > f.s2sz)
			continue;
		struct realm_cfg cfg;
		realm_cfg_default(&cfg);
		cfg.s2sz = (uint8_t)widths[i];
		cfg.hash_algo = (i & 1) ? RMI_HASH_SHA_512 : RMI_HASH_SHA_256;
		int level;
		unsigned num;
		rtt_geometry(cfg.s2sz, &level, &num);
		cfg.rtt_level_start = level;
		cfg.rtt_num_start = num;
		struct realm *r = realm_new(&cfg);
		expect_fresh_realm(r);
		/* An RTT at the level below the root, in the last root table. */
		uint64_t ipa = realm_ipa_size(r) - rtt_level_size(r->start_level);
		uint64_t rtt = realm_rtt_map(r, ipa, r->start_level + 1);
		assert_int_equal(granule_state(rtt), GRANULE_STATE_RTT);
		struct rtte e = rtt_read(r, ipa, r->start_level);
		assert_int_equal(e.state, RMI_TABLE);
		assert_int_equal(e.desc, rtt);
		assert_int_equal(granule_refcount(r->rtt_base + (num - 1) * GRANULE), 1);
		realm_teardown(r);
	}
	expect_all_ns();
}

struct create_fixture {
	struct state_zoo z;
	struct realm_cfg cfg;
	uint64_t rd, rtt;
};

static void fixture_build(struct create_fixture *fx)
{
	state_zoo_build(&fx->z);
	realm_cfg_default(&fx->cfg);
	fx->rd = delegated_alloc();
	fx->rtt = delegated_alloc_contig((unsigned)fx->cfg.rtt_num_start,
					 fx->cfg.rtt_num_start * GRANULE);
}

static void expect_create_fails(const struct realm_cfg *cfg, uint64_t rd, uint64_t rtt_base,
				int line)
{
	uint64_t params = realm_params_write(cfg, rtt_base);
	struct snapshot *s = snap_take();
	struct smc_regs r = RMI(RMI_REALM_CREATE, rd, params);
	rmi_expect_status(r.x[0], RMI_ERROR_INPUT, 0, "REALM_CREATE", __FILE__, line);
	snap_expect_same(s, __FILE__, line);
	snap_free(s);
	ns_free(params);
}

static void test_realm_create_failures(void **state)
{
	(void)state;
	struct create_fixture fx;
	fixture_build(&fx);
	struct rmi_features f = rmi_features();
	uint64_t dram = rmi_dram_size();
	struct realm_cfg c;

	/* params_align, params_bound, params_pas */
	uint64_t good = realm_params_write(&fx.cfg, fx.rtt);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, good + 8);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, good + 0x800);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, dram);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, UINT64_C(1) << 48);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, fx.z.delegated); /* Realm PAS */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, fx.rd, 0x1000);         /* Root PAS */

	/* params_valid */
	c = fx.cfg; c.hash_algo = 2;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.hash_algo = UINT64_MAX;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.s2sz = (uint8_t)(f.s2sz + 1);
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.s2sz = 0;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);

	/* params_supp: features beyond what FEATURES reports. */
	if (!f.lpa2) {
		c = fx.cfg; c.flags = RMI_REALM_FLAG_LPA2;
		expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	}
	c = fx.cfg; c.flags = RMI_REALM_FLAG_SVE; c.sve_vl = f.sve ? f.sve_vl + 1 : 0;
	if (!f.sve || f.sve_vl < 15)
		expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.flags = RMI_REALM_FLAG_PMU; c.pmu_num_ctrs = f.pmu ? 32 : 0;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.num_bps = 64;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.num_wps = 64;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.num_bps = f.num_bps + 1;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.num_wps = f.num_wps + 1;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	/* 0 breakpoints or watchpoints is a reserved value. */
	c = fx.cfg; c.num_bps = 0;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.num_wps = 0;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	if (!f.sha512) {
		c = fx.cfg; c.hash_algo = RMI_HASH_SHA_512;
		expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	}

	/* alias: the RD is one of the root RTT granules. */
	expect_create_fails(&fx.cfg, fx.rtt, fx.rtt, __LINE__);
	expect_create_fails(&fx.cfg, fx.rtt + (fx.cfg.rtt_num_start - 1) * GRANULE, fx.rtt, __LINE__);

	/* rd_align, rd_bound, rd_state */
	RMI_FAILS_WRONG_GRANULE(&fx.z, 1, GRANULE_STATE_DELEGATED, RMI_REALM_CREATE, fx.rd, good);

	/* rtt_align */
	expect_create_fails(&fx.cfg, fx.rd, fx.rtt + 8, __LINE__);
	expect_create_fails(&fx.cfg, fx.rd, fx.rtt + 0x800, __LINE__);

	/* rtt_num_level: start level and root count must match the IPA width. */
	c = fx.cfg; c.rtt_num_start = fx.cfg.rtt_num_start * 2;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.rtt_level_start = fx.cfg.rtt_level_start + 1;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.rtt_level_start = 4;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.rtt_level_start = -1;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.rtt_num_start = 0;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);
	c = fx.cfg; c.rtt_num_start = 17;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);

	/* rtt_state: a root granule that is not DELEGATED. */
	if (fx.z.rtt % (fx.cfg.rtt_num_start * GRANULE) == 0)
		expect_create_fails(&fx.cfg, fx.rd, fx.z.rtt, __LINE__);
	{
		unsigned n = (unsigned)fx.cfg.rtt_num_start;
		uint64_t ns_roots = ns_alloc_contig(n, n * GRANULE);
		expect_create_fails(&fx.cfg, fx.rd, ns_roots, __LINE__);
		if (n > 1) {
			/* Only the first root delegated. */
			struct smc_regs d = RMI(RMI_GRANULE_DELEGATE, ns_roots);
			assert_rmi_ok(d);
			expect_create_fails(&fx.cfg, fx.rd, ns_roots, __LINE__);
			delegated_free(ns_roots);
		} else {
			ns_free(ns_roots);
		}
		for (unsigned i = 1; i < n; i++)
			ns_free(ns_roots + i * GRANULE);
	}

	/* vmid_valid: the VMID of a live realm. */
	c = fx.cfg; c.vmid = fx.z.realm->cfg.vmid;
	expect_create_fails(&c, fx.rd, fx.rtt, __LINE__);

	/* The good parameters do work with these granules. */
	struct smc_regs ok = RMI(RMI_REALM_CREATE, fx.rd, good);
	assert_rmi_ok(ok);
	ok = RMI(RMI_REALM_DESTROY, fx.rd);
	assert_rmi_ok(ok);
	ns_free(good);
	delegated_free(fx.rd);
	for (unsigned i = 0; i < fx.cfg.rtt_num_start; i++)
		delegated_free(fx.rtt + i * GRANULE);
	state_zoo_free(&fx.z);
	expect_all_ns();
}

/* The RMM takes its copy of RmiRealmParams before validating it: a host
 * that rewrites the granule afterwards changes nothing. */
static void test_realm_params_copied(void **state)
{
	(void)state;
	struct realm_cfg cfg;
	realm_cfg_default(&cfg);
	cfg.hash_algo = RMI_HASH_SHA_512;
	struct realm *r = realm_new(&cfg);
	struct rmm_debug_realm before, after;
	assert_true(rmm_debug_realm(r->rd, &before));
	/* realm_new already freed the params granule; a new host write anywhere
	 * cannot reach the RD. */
	uint64_t p = realm_params_write(&cfg, r->rtt_base);
	struct rmi_realm_params junk;
	memset(&junk, 0xff, sizeof(junk));
	ns_write(p, &junk, sizeof(junk));
	assert_true(rmm_debug_realm(r->rd, &after));
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(after.hash_algo, RMI_HASH_SHA_512);
	ns_free(p);
	realm_teardown(r);
}

/* The monitor reports breakpoints and watchpoints a realm can have, and a
 * realm may ask for any number from 1 to that. */
static void test_realm_create_debug_counts(void **state)
{
	(void)state;
	struct rmi_features f = rmi_features();
	assert_true(f.num_bps >= 1);
	assert_true(f.num_wps >= 1);
	struct realm_cfg c;
	realm_cfg_default(&c);
	assert_int_equal(c.num_bps, f.num_bps);
	assert_int_equal(c.num_wps, f.num_wps);
	struct realm *r = realm_new(&c);
	realm_cfg_default(&c);
	c.num_bps = 1;
	c.num_wps = 1;
	struct realm *r1 = realm_new(&c);
	realm_teardown(r);
	realm_teardown(r1);
	expect_all_ns();
}

/* rtt_align: the root RTTs need only granule alignment, as the reference
 * monitor asks, not alignment to their total size. */
static void test_realm_create_roots_granule_aligned(void **state)
{
	(void)state;
	struct realm_cfg c;
	realm_cfg_default(&c);
	unsigned n = (unsigned)c.rtt_num_start;
	if (n < 2)
		skip(); /* one root table: any granule is aligned to its size */
	uint64_t run = delegated_alloc_contig(n + 1, (uint64_t)n * GRANULE);
	uint64_t roots = run + GRANULE; /* 4 KiB aligned, not n * 4 KiB */
	uint64_t rd = delegated_alloc();
	assert_true(roots % ((uint64_t)n * GRANULE) != 0);
	uint64_t params = realm_params_write(&c, roots);
	struct smc_regs r = RMI(RMI_REALM_CREATE, rd, params);
	assert_rmi_ok(r);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(granule_state(roots + i * GRANULE), GRANULE_STATE_RTT);
	/* The realm's tables work: an RTT below the last root. */
	uint64_t rtt = delegated_alloc();
	uint64_t ipa = (UINT64_C(1) << c.s2sz) - (UINT64_C(1) << 30); /* in the last root */
	r = RMI(RMI_RTT_CREATE, rd, rtt, ipa, c.rtt_level_start + 1);
	assert_rmi_ok(r);
	r = RMI(RMI_RTT_DESTROY, rd, ipa, c.rtt_level_start + 1);
	assert_rmi_ok(r);
	r = RMI(RMI_REALM_DESTROY, rd);
	assert_rmi_ok(r);
	delegated_free(rtt);
	delegated_free(rd);
	ns_free(params);
	for (unsigned i = 0; i < n + 1; i++)
		delegated_free(run + i * GRANULE);
	expect_all_ns();
}

static void test_vmid_reuse(void **state)
{
	(void)state;
	struct realm_cfg a;
	realm_cfg_default(&a);
	a.vmid = 77;
	struct realm *ra = realm_new(&a);

	struct realm_cfg b;
	realm_cfg_default(&b);
	b.vmid = 77;
	uint64_t rd = delegated_alloc();
	uint64_t rtt = delegated_alloc_contig((unsigned)b.rtt_num_start, b.rtt_num_start * GRANULE);
	uint64_t params = realm_params_write(&b, rtt);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REALM_CREATE, rd, params);

	/* A different VMID is fine while 77 is live... */
	struct realm *rc = realm_new_default();
	/* ...and 77 is free again once its realm is gone. */
	realm_teardown(ra);
	struct smc_regs r = RMI(RMI_REALM_CREATE, rd, params);
	assert_rmi_ok(r);
	struct rmm_debug_realm info;
	assert_true(rmm_debug_realm(rd, &info));
	assert_int_equal(info.vmid, 77);
	r = RMI(RMI_REALM_DESTROY, rd);
	assert_rmi_ok(r);
	ns_free(params);
	delegated_free(rd);
	for (unsigned i = 0; i < b.rtt_num_start; i++)
		delegated_free(rtt + i * GRANULE);
	realm_teardown(rc);
	expect_all_ns();
}

static void test_realm_activate(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct rmm_debug_realm before, after;
	assert_true(rmm_debug_realm(z.rd, &before));
	assert_int_equal(before.state, REALM_STATE_NEW);

	RMI_FAILS_WRONG_RD(&z, RMI_REALM_ACTIVATE, z.rd);

	struct smc_regs r = RMI(RMI_REALM_ACTIVATE, z.rd);
	assert_rmi_ok(r);
	assert_true(rmm_debug_realm(z.rd, &after));
	assert_int_equal(after.state, REALM_STATE_ACTIVE);
	assert_memory_equal(before.rim, after.rim, sizeof(before.rim)); /* activation is not measured */

	/* realm_state: only a NEW realm can be activated. */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REALM_ACTIVATE, z.rd);

	state_zoo_free(&z);
}

static void test_realm_destroy(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);

	RMI_FAILS_WRONG_RD(&z, RMI_REALM_DESTROY, z.rd);

	/* realm_live: a REC, RTTs and DATA hang off it. */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REALM_DESTROY, z.rd);
	struct realm *r = z.realm;

	/* Only the REC left gone: the root still has a live entry. */
	struct smc_regs d = RMI(RMI_REC_DESTROY, z.rec);
	assert_rmi_ok(d);
	delegated_free(z.rec);
	for (unsigned a = 0; a < r->recs[0].num_aux; a++)
		delegated_free(r->recs[0].aux[a]);
	r->nrecs = 0;
	assert_int_equal(granule_refcount(r->rd), 0);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REALM_DESTROY, z.rd);

	/* RTTs gone, but a REC again: the RD's refcount holds it. */
	d = RMI(RMI_DATA_DESTROY, r->rd, 0);
	assert_rmi_ok(d);
	delegated_free(d.x[1]);
	d = RMI(RMI_RTT_DESTROY, r->rd, 0, 3);
	assert_rmi_ok(d);
	delegated_free(d.x[1]);
	d = RMI(RMI_RTT_DESTROY, r->rd, 0, (uint64_t)r->start_level + 1);
	assert_rmi_ok(d);
	delegated_free(d.x[1]);
	for (unsigned i = 0; i < r->num_rtts; i++)
		assert_int_equal(granule_refcount(r->rtt_base + i * GRANULE), 0);
	struct rec_cfg rc = { .flags = RMI_REC_FLAG_RUNNABLE };
	uint64_t rec = realm_rec_create(r, &rc);
	assert_int_equal(granule_refcount(r->rd), 1);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REALM_DESTROY, z.rd);
	d = RMI(RMI_REC_DESTROY, rec);
	assert_rmi_ok(d);
	delegated_free(rec);
	for (unsigned a = 0; a < r->recs[0].num_aux; a++)
		delegated_free(r->recs[0].aux[a]);
	r->nrecs = 0;

	/* An ACTIVE realm with nothing left is destroyed; RD and roots are
	 * scrubbed and DELEGATED. */
	realm_activate(r);
	d = RMI(RMI_REALM_DESTROY, r->rd);
	assert_rmi_ok(d);
	assert_int_equal(granule_state(r->rd), GRANULE_STATE_DELEGATED);
	assert_true(granule_is_zero(r->rd));
	for (unsigned i = 0; i < r->num_rtts; i++) {
		assert_int_equal(granule_state(r->rtt_base + i * GRANULE), GRANULE_STATE_DELEGATED);
		assert_true(granule_is_zero(r->rtt_base + i * GRANULE));
	}
	struct rmm_debug_realm info;
	assert_false(rmm_debug_realm(r->rd, &info));
	/* A second destroy finds no RD. */
	d = RMI(RMI_REALM_DESTROY, r->rd);
	assert_rmi(d, RMI_ERROR_INPUT, 0);

	delegated_free(r->rd);
	for (unsigned i = 0; i < r->num_rtts; i++)
		delegated_free(r->rtt_base + i * GRANULE);
	/* The harness no longer tracks this realm's RD. */
	r->rd = 0;
	delegated_free(z.delegated);
	ns_free(z.ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_realm_create_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_create_geometries, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_create_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_params_copied, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_create_debug_counts, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_create_roots_granule_aligned, rmi_machine_up,
						rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_vmid_reuse, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_activate, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_realm_destroy, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * RMI conformance: DATA_CREATE, DATA_CREATE_UNKNOWN, DATA_DESTROY.
 */
#include "rmi_harness.h"

#include <string.h>

#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

static void test_data_create_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t l3 = realm_rtt_map(r, 0, 3);
	realm_init_ripas(r, 0, 0x10000);
	uint8_t rim0[64], rim1[64], rim2[64];
	realm_rim(r->rd, rim0);

	uint8_t content[GRANULE];
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 13 + 1);
	uint64_t src = ns_alloc();
	ns_write(src, content, sizeof(content));
	uint64_t data = delegated_alloc();
	struct smc_regs c = RMI(RMI_DATA_CREATE, r->rd, data, 0, src, RMI_MEASURE_CONTENT);
	assert_rmi_ok(c);
	assert_int_equal(granule_state(data), GRANULE_STATE_DATA);
	assert_memory_equal(hostsim_monitor_view(data), content, GRANULE);
	EXPECT_ENTRY(r, 0, 3, 3, RMI_ASSIGNED, RIPAS_RAM, data);
	assert_int_equal(granule_refcount(l3), 1);
	realm_rim(r->rd, rim1);
	assert_memory_not_equal(rim0, rim1, 64);
	/* The source is the host's, untouched; the copy is out of its reach. */
	uint8_t back[GRANULE];
	assert_true(hostsim_host_read(src, back, sizeof(back)));
	assert_memory_equal(back, content, sizeof(back));
	assert_false(hostsim_host_read(data, back, 1));
	/* Rewriting the source afterwards changes neither the copy nor the RIM. */
	memset(back, 0, sizeof(back));
	ns_write(src, back, sizeof(back));
	assert_memory_equal(hostsim_monitor_view(data), content, GRANULE);
	realm_rim(r->rd, rim2);
	assert_memory_equal(rim1, rim2, 64);

	/* NO_MEASURE_CONTENT still extends the RIM (IPA and flags). */
	uint64_t d2 = realm_data_create(r, GRANULE, content, RMI_NO_MEASURE_CONTENT);
	EXPECT_ENTRY(r, GRANULE, 3, 3, RMI_ASSIGNED, RIPAS_RAM, d2);
	realm_rim(r->rd, rim2);
	assert_memory_not_equal(rim1, rim2, 64);
	assert_int_equal(granule_refcount(l3), 2);
	ns_free(src);
	realm_teardown(r);
}

static void test_data_create_unknown_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t l3 = realm_rtt_map(r, 0, 3);
	realm_init_ripas(r, 0, 0x4000);
	uint8_t rim0[64], rim1[64];
	realm_rim(r->rd, rim0);

	/* RIPAS is kept: EMPTY stays EMPTY, RAM stays RAM; nothing measured. */
	uint64_t e = realm_data_create_unknown(r, 0x8000);
	EXPECT_ENTRY(r, 0x8000, 3, 3, RMI_ASSIGNED, RIPAS_EMPTY, e);
	assert_true(granule_is_zero(e));
	uint64_t m = realm_data_create_unknown(r, 0x1000);
	EXPECT_ENTRY(r, 0x1000, 3, 3, RMI_ASSIGNED, RIPAS_RAM, m);
	realm_rim(r->rd, rim1);
	assert_memory_equal(rim0, rim1, 64);
	assert_int_equal(granule_refcount(l3), 2);

	/* A DESTROYED entry (RAM data destroyed) stays DESTROYED. */
	struct smc_regs d = RMI(RMI_DATA_DESTROY, r->rd, 0x1000);
	assert_rmi_ok(d);
	delegated_free(d.x[1]);
	EXPECT_ENTRY(r, 0x1000, 3, 3, RMI_UNASSIGNED, RIPAS_DESTROYED, 0);
	uint64_t x = realm_data_create_unknown(r, 0x1000);
	EXPECT_ENTRY(r, 0x1000, 3, 3, RMI_ASSIGNED, RIPAS_DESTROYED, x);

	/* Allowed in an ACTIVE realm. */
	realm_activate(r);
	uint64_t a = realm_data_create_unknown(r, 0x9000);
	EXPECT_ENTRY(r, 0x9000, 3, 3, RMI_ASSIGNED, RIPAS_EMPTY, a);
	realm_teardown(r);
}

static void test_data_destroy_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t l3 = realm_rtt_map(r, 0, 3);
	realm_init_ripas(r, 0, 0x4000);
	uint8_t content[GRANULE];
	memset(content, 0x3c, sizeof(content));
	uint64_t d0 = realm_data_create(r, 0, content, RMI_MEASURE_CONTENT);
	uint64_t d3 = realm_data_create(r, 0x3000, content, RMI_NO_MEASURE_CONTENT);
	uint64_t d8 = realm_data_create_unknown(r, 0x8000);
	realm_activate(r); /* DATA_DESTROY works in any realm state */
	uint8_t rim0[64], rim1[64];
	realm_rim(r->rd, rim0);

	/* X1 = the DATA granule, X2 = the next live IPA. */
	struct smc_regs d = RMI(RMI_DATA_DESTROY, r->rd, 0);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], d0);
	assert_int_equal(d.x[2], 0x3000);
	assert_int_equal(granule_state(d0), GRANULE_STATE_DELEGATED);
	assert_true(granule_is_zero(d0)); /* scrubbed */
	assert_int_equal(granule_refcount(l3), 2);
	EXPECT_ENTRY(r, 0, 3, 3, RMI_UNASSIGNED, RIPAS_DESTROYED, 0); /* RAM -> DESTROYED */

	d = RMI(RMI_DATA_DESTROY, r->rd, 0x3000);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], d3);
	assert_int_equal(d.x[2], 0x8000);

	/* ASSIGNED/EMPTY -> UNASSIGNED/EMPTY; nothing live after it in the
	 * table: X2 is the end of the table's range. */
	d = RMI(RMI_DATA_DESTROY, r->rd, 0x8000);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], d8);
	assert_int_equal(d.x[2], SZ_2M);
	EXPECT_ENTRY(r, 0x8000, 3, 3, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	assert_int_equal(granule_refcount(l3), 0);
	realm_rim(r->rd, rim1);
	assert_memory_equal(rim0, rim1, 64);

	delegated_free(d0);
	delegated_free(d3);
	delegated_free(d8);
	realm_teardown(r);
}

struct data_fixture {
	struct state_zoo z; /* L3 at 0 with DATA (unknown) at 0 */
	uint64_t src, g;
	uint64_t unprot, top;
};

static void data_fixture_build(struct data_fixture *fx)
{
	state_zoo_build(&fx->z);
	realm_init_ripas(fx->z.realm, GRANULE, 0x10000);
	fx->src = ns_alloc();
	ns_fill(fx->src, 0x42);
	fx->g = delegated_alloc();
	fx->unprot = realm_unprotected(fx->z.realm, 0);
	fx->top = realm_ipa_size(fx->z.realm);
}

static void data_fixture_free(struct data_fixture *fx)
{
	state_zoo_free(&fx->z);
	ns_free(fx->src);
}

static void test_data_create_failures(void **state)
{
	(void)state;
	struct data_fixture fx;
	data_fixture_build(&fx);
	struct state_zoo *z = &fx.z;
	uint64_t rd = z->rd, g = fx.g, src = fx.src, dram = rmi_dram_size();
	const uint64_t ipa = GRANULE, M = RMI_MEASURE_CONTENT;

	/* flags */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, src, 2);
	/* src_align, src_bound, src_pas */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, src + 8, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, dram, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, UINT64_C(1) << 48, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, z->delegated, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, z->data, M); /* realm data as a source */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa, 0x1000, M);  /* Root PAS */
	/* data_align, data_bound, data_state */
	RMI_FAILS_WRONG_GRANULE(z, 2, GRANULE_STATE_DELEGATED, RMI_DATA_CREATE, rd, g, ipa, src, M);
	/* rd_align, rd_bound, rd_state */
	RMI_FAILS_WRONG_RD(z, RMI_DATA_CREATE, rd, g, ipa, src, M);
	/* ipa_align, ipa_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, ipa + 0x800, src, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, fx.unprot + ipa, src, M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, fx.top, src, M);
	/* rtt_walk */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_DATA_CREATE, rd, g, SZ_1G, src, M);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_DATA_CREATE, rd, g, SZ_2M, src, M);
	/* rtte_state */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_DATA_CREATE, rd, g, 0, src, M);
	/* Nothing of the source leaked into the granule on the way. */
	assert_true(granule_is_zero(g));
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, z->ns, ipa, 0x1000, M);    /* src_pas + data_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, z->ns, SZ_1G, src, M);     /* data_state + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, fx.unprot + SZ_1G, src, M); /* ipa_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g, 0x800, src, M);         /* ipa_align + rtte_state */

	/* The good arguments work. */
	struct smc_regs ok = RMI(RMI_DATA_CREATE, rd, g, ipa, src, M);
	assert_rmi_ok(ok);

	/* realm_state: only a NEW realm takes measured data. */
	realm_activate(z->realm);
	uint64_t g2 = delegated_alloc();
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, 2 * GRANULE, src, M);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, SZ_1G, src, M);   /* + rtt_walk */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, 0, src, M);       /* + rtte_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, z->ns, 2 * GRANULE, src, M); /* data_state first */
	/* realm_state before ipa_align and ipa_bound, as in TF-RMM rel0. */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, fx.unprot, src, M);      /* + ipa_bound */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, fx.top, src, M);         /* + ipa_bound */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_DATA_CREATE, rd, g2, 2 * GRANULE + 8, src, M); /* + ipa_align */
	/* The source and flags still come first. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g2, fx.unprot, 0x1000, M);   /* src_pas */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE, rd, g2, fx.unprot, src, 2);      /* flags */
	assert_true(granule_is_zero(g2));
	delegated_free(g2);
	data_fixture_free(&fx);
}

static void test_data_create_unknown_failures(void **state)
{
	(void)state;
	struct data_fixture fx;
	data_fixture_build(&fx);
	struct state_zoo *z = &fx.z;
	uint64_t rd = z->rd, g = fx.g;
	const uint64_t ipa = GRANULE;

	RMI_FAILS_WRONG_GRANULE(z, 2, GRANULE_STATE_DELEGATED, RMI_DATA_CREATE_UNKNOWN, rd, g, ipa);
	RMI_FAILS_WRONG_RD(z, RMI_DATA_CREATE_UNKNOWN, rd, g, ipa);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, g, ipa + 8);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, g, fx.unprot + ipa);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, g, fx.top);
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_DATA_CREATE_UNKNOWN, rd, g, SZ_1G);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_DATA_CREATE_UNKNOWN, rd, g, SZ_2M);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_DATA_CREATE_UNKNOWN, rd, g, 0);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, g, fx.unprot + SZ_1G);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, g, fx.unprot);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_CREATE_UNKNOWN, rd, z->ns, 0);
	data_fixture_free(&fx);
}

static void test_data_destroy_failures(void **state)
{
	(void)state;
	struct data_fixture fx;
	data_fixture_build(&fx);
	struct state_zoo *z = &fx.z;
	uint64_t rd = z->rd;
	realm_data_create(z->realm, 0x5000, NULL, RMI_NO_MEASURE_CONTENT);

	RMI_FAILS_WRONG_RD(z, RMI_DATA_DESTROY, rd, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, rd, 0x800);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, rd, fx.unprot);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, rd, fx.top);
	/* rtt_walk: X2 = the next live IPA after the walk's entry (none in
	 * the level-2 table, so the end of its range). */
	struct smc_regs r = RMI_FAILS(RMI_ERROR_RTT, 2, RMI_DATA_DESTROY, rd, SZ_2M);
	assert_int_equal(r.x[2], SZ_1G);
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_DATA_DESTROY, rd, SZ_1G);
	/* rtte_state: not ASSIGNED; X2 = the next live entry */
	r = RMI_FAILS(RMI_ERROR_RTT, 3, RMI_DATA_DESTROY, rd, GRANULE);
	assert_int_equal(r.x[2], 0x5000);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, rd, fx.unprot + SZ_1G); /* ipa_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, rd, SZ_1G + 8);         /* ipa_align + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_DATA_DESTROY, z->ns, SZ_1G);          /* rd_state + rtt_walk */
	data_fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_data_create_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_data_create_unknown_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_data_destroy_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_data_create_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_data_create_unknown_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_data_destroy_failures, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

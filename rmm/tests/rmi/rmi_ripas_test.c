/*
 * RMI conformance: RTT_INIT_RIPAS and RTT_SET_RIPAS. SET_RIPAS completes a
 * realm's RIPAS-change request, which needs REC execution; without one every
 * call must be refused, and these tests check the refusals and their order.
 */
#include "rmi_harness.h"

#include <string.h>

#include "rmm/rmm.h"

static void expect_ripas(const struct realm *r, uint64_t ipa, unsigned level, unsigned ripas)
{
	struct rtte e = rtt_read(r, ipa, 3);
	assert_int_equal(e.level, level);
	assert_int_equal(e.state, RMI_UNASSIGNED);
	assert_int_equal(e.ripas, ripas);
}

static void test_init_ripas_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	realm_rtt_map(r, 0, 3);
	uint8_t rim0[64], rim1[64];
	realm_rim(r->rd, rim0);

	/* Level-3 entries; X1 = how far it got. */
	struct smc_regs s = RMI(RMI_RTT_INIT_RIPAS, r->rd, 0, 0x4000);
	assert_rmi_ok(s);
	assert_int_equal(s.x[1], 0x4000);
	expect_ripas(r, 0, 3, RIPAS_RAM);
	expect_ripas(r, 0x3000, 3, RIPAS_RAM);
	expect_ripas(r, 0x4000, 3, RIPAS_EMPTY);
	realm_rim(r->rd, rim1);
	assert_memory_not_equal(rim0, rim1, 64);

	/* A range past the end of the level-3 table stops at its end. */
	s = RMI(RMI_RTT_INIT_RIPAS, r->rd, SZ_2M - 0x2000, 3 * SZ_2M);
	assert_rmi_ok(s);
	assert_int_equal(s.x[1], SZ_2M);
	expect_ripas(r, SZ_2M - 0x1000, 3, RIPAS_RAM);
	/* Level-2 entries, 2 MiB each. */
	s = RMI(RMI_RTT_INIT_RIPAS, r->rd, SZ_2M, 3 * SZ_2M);
	assert_rmi_ok(s);
	assert_int_equal(s.x[1], 3 * SZ_2M);
	expect_ripas(r, SZ_2M, 2, RIPAS_RAM);
	expect_ripas(r, 2 * SZ_2M + 0x1000, 2, RIPAS_RAM);
	expect_ripas(r, 3 * SZ_2M, 2, RIPAS_EMPTY);
	/* A level-1 entry, 1 GiB. */
	s = RMI(RMI_RTT_INIT_RIPAS, r->rd, SZ_1G, 2 * SZ_1G);
	assert_rmi_ok(s);
	assert_int_equal(s.x[1], 2 * SZ_1G);
	expect_ripas(r, SZ_1G + 0x1234000, 1, RIPAS_RAM);

	/* It stops in front of an ASSIGNED entry. */
	realm_data_create_unknown(r, 0x8000);
	s = RMI(RMI_RTT_INIT_RIPAS, r->rd, 0x6000, 0x10000);
	assert_rmi_ok(s);
	assert_int_equal(s.x[1], 0x8000);
	expect_ripas(r, 0x7000, 3, RIPAS_RAM);
	expect_ripas(r, 0x9000, 3, RIPAS_EMPTY);
	realm_teardown(r);
}

static void test_init_ripas_failures(void **state)
{
	(void)state;
	struct state_zoo z; /* L2, L3 at 0; DATA at 0 */
	state_zoo_build(&z);
	struct realm *r = z.realm;
	uint64_t rd = r->rd;
	uint64_t unprot = realm_unprotected(r, 0);

	/* rd_* */
	RMI_FAILS_WRONG_RD(&z, RMI_RTT_INIT_RIPAS, rd, 0x1000, 0x2000);
	/* size_valid */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x2000, 0x2000);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x3000, 0x2000);
	/* top_bound: protected IPAs only */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1000, unprot + 0x1000);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, unprot, unprot + 0x1000);
	/* base_align: aligned to the level where the walk ends */
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_INIT_RIPAS, rd, SZ_2M + 0x1000, 2 * SZ_2M);
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_INIT_RIPAS, rd, SZ_1G + SZ_2M, 2 * SZ_1G);
	/* rtte_state: ASSIGNED */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_INIT_RIPAS, rd, 0, 0x2000);
	/* top_gran_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1000, 0x2800);
	/* no_progress: the first entry is larger than the range */
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_INIT_RIPAS, rd, SZ_2M, SZ_2M + 0x1000);
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_INIT_RIPAS, rd, SZ_1G, SZ_1G + SZ_2M);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, SZ_2M, SZ_2M + 0x800);    /* top_gran_align + no_progress */
	/* A base that is not granule aligned is ERROR_INPUT even where the walk
	 * would stop at a block entry it is not aligned to. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, SZ_2M + 0x800, 2 * SZ_2M);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1008, 0x2000);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, z.ns, 0x3000, 0x2000);        /* rd_state + size_valid */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, SZ_2M + 0x1000, unprot + SZ_2M); /* top_bound + base_align */

	/* realm_state: NEW only; it outranks the RTT checks, input errors outrank it. */
	realm_activate(r);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_RTT_INIT_RIPAS, rd, 0x1000, 0x2000);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_RTT_INIT_RIPAS, rd, SZ_2M + 0x1000, 2 * SZ_2M); /* + base_align */
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_RTT_INIT_RIPAS, rd, 0, 0x2000);                 /* + rtte_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x3000, 0x2000);            /* size_valid first */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1000, unprot + 0x1000);   /* top_bound first */
	/* Granule alignment of base and top is ERROR_INPUT and comes before
	 * realm_state, as in TF-RMM rel0. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1008, 0x2000);            /* base_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, SZ_2M + 0x800, 2 * SZ_2M);  /* base_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, 0x1000, 0x2800);            /* top_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_INIT_RIPAS, rd, unprot, unprot + 0x1000);   /* base_bound */

	state_zoo_free(&z);
}

static void test_set_ripas_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct realm *r = z.realm;
	realm_init_ripas(r, 0x1000, 0x10000);
	struct realm *other = realm_new_default();
	struct rec_cfg rc = { .flags = RMI_REC_FLAG_RUNNABLE };
	uint64_t other_rec = realm_rec_create(other, &rc);
	realm_activate(r);
	realm_activate(other);
	uint64_t rd = r->rd, rec = z.rec;

	/* rd_* */
	RMI_FAILS_WRONG_RD(&z, RMI_RTT_SET_RIPAS, rd, rec, 0, 0x1000);
	/* rec_* */
	RMI_FAILS_WRONG_GRANULE(&z, 2, GRANULE_STATE_REC, RMI_RTT_SET_RIPAS, rd, rec, 0, 0x1000);
	/* rec_owner */
	RMI_FAILS(RMI_ERROR_REC, 0, RMI_RTT_SET_RIPAS, rd, other_rec, 0, 0x1000);
	RMI_FAILS(RMI_ERROR_REC, 0, RMI_RTT_SET_RIPAS, other->rd, rec, 0, 0x1000);
	/* size_valid */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, rd, rec, 0x1000, 0x1000);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, rd, rec, 0x2000, 0x1000);
	/* base_bound / top_bound: no RIPAS change was requested, so no range
	 * matches the REC's (empty) request. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, rd, rec, 0x1000, 0x2000);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, rd, rec, 0, 0x1000);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_REC, 0, RMI_RTT_SET_RIPAS, rd, other_rec, 0x2000, 0x1000); /* rec_owner + size_valid */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, z.ns, other_rec, 0, 0x1000);  /* rd_state + rec_owner */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_SET_RIPAS, rd, z.rd, 0x2000, 0x1000);    /* rec_state + size_valid */

	realm_teardown(other);
	state_zoo_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_ripas_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_init_ripas_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_set_ripas_failures, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * RMI conformance: REC_CREATE, REC_DESTROY, REC_ENTER (argument validation;
 * execution is not part of this suite) and PSCI_COMPLETE.
 */
#include "rmi_harness.h"

#include <string.h>

#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

static void test_rec_create_destroy_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	unsigned naux = realm_aux_count(r);
	uint8_t rim0[64], rim1[64], rim2[64];
	realm_rim(r->rd, rim0);

	struct rec_cfg runnable = { .flags = RMI_REC_FLAG_RUNNABLE, .pc = 0x80000,
				    .gprs = { 1, 2, 3, 4, 5, 6, 7, 8 } };
	uint64_t rec0 = realm_rec_create(r, &runnable);
	assert_int_equal(granule_state(rec0), GRANULE_STATE_REC);
	assert_int_equal(granule_refcount(rec0), 0);
	assert_int_equal(granule_refcount(r->rd), 1);
	for (unsigned i = 0; i < naux; i++)
		assert_int_equal(granule_state(r->recs[0].aux[i]), GRANULE_STATE_REC_AUX);
	realm_rim(r->rd, rim1);
	assert_memory_not_equal(rim0, rim1, 64); /* a runnable REC is measured */

	struct rec_cfg parked = { .flags = 0, .pc = 0x90000 };
	uint64_t rec1 = realm_rec_create(r, &parked);
	assert_int_equal(granule_refcount(r->rd), 2);
	realm_rim(r->rd, rim2);
	assert_memory_equal(rim1, rim2, 64); /* a non-runnable one is not */

	uint8_t b;
	assert_false(hostsim_host_read(rec1, &b, 1));

	struct smc_regs d = RMI(RMI_REC_DESTROY, rec1);
	assert_rmi_ok(d);
	assert_int_equal(granule_state(rec1), GRANULE_STATE_DELEGATED);
	assert_true(granule_is_zero(rec1));
	for (unsigned i = 0; i < naux; i++) {
		assert_int_equal(granule_state(r->recs[1].aux[i]), GRANULE_STATE_DELEGATED);
		assert_true(granule_is_zero(r->recs[1].aux[i]));
	}
	assert_int_equal(granule_refcount(r->rd), 1);
	/* A destroyed REC cannot be destroyed again. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_DESTROY, rec1);
	delegated_free(rec1);
	for (unsigned i = 0; i < naux; i++)
		delegated_free(r->recs[1].aux[i]);
	r->nrecs = 1;

	/* REC_DESTROY is allowed in an ACTIVE realm too. */
	realm_activate(r);
	d = RMI(RMI_REC_DESTROY, rec0);
	assert_rmi_ok(d);
	assert_int_equal(granule_refcount(r->rd), 0);
	delegated_free(rec0);
	for (unsigned i = 0; i < naux; i++)
		delegated_free(r->recs[0].aux[i]);
	r->nrecs = 0;
	realm_teardown(r);
}

/* Sixteen RECs in MPIDR order: Aff0 carries the low index bits. */
static void test_rec_create_many(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	struct rec_cfg c = { .flags = 0 };
	for (unsigned i = 0; i < HARNESS_MAX_RECS; i++)
		realm_rec_create(r, &c);
	assert_int_equal(granule_refcount(r->rd), HARNESS_MAX_RECS);
	realm_teardown(r);
}

struct rec_fixture {
	struct state_zoo z;
	unsigned naux;
	uint64_t rec, aux[RMI_REC_MAX_AUX];
};

static void rec_fixture_build(struct rec_fixture *fx)
{
	state_zoo_build(&fx->z);
	fx->naux = realm_aux_count(fx->z.realm);
	fx->rec = delegated_alloc();
	for (unsigned i = 0; i < fx->naux; i++)
		fx->aux[i] = delegated_alloc();
}

static uint64_t params_with(const struct rec_fixture *fx, uint64_t mpidr, unsigned naux,
			    const uint64_t *aux)
{
	struct rec_cfg c = { .flags = RMI_REC_FLAG_RUNNABLE, .mpidr = mpidr, .pc = 0x1000 };
	return rec_params_write(&c, naux, aux ? aux : fx->aux);
}

static void expect_rec_create_fails(unsigned status, uint64_t rd, uint64_t rec, uint64_t params,
				    int line)
{
	struct snapshot *s = snap_take();
	struct smc_regs r = RMI(RMI_REC_CREATE, rd, rec, params);
	rmi_expect_status(r.x[0], status, 0, "REC_CREATE", __FILE__, line);
	snap_expect_same(s, __FILE__, line);
	snap_free(s);
	ns_free(params);
}

static void test_rec_create_failures(void **state)
{
	(void)state;
	struct rec_fixture fx;
	rec_fixture_build(&fx);
	struct state_zoo *z = &fx.z;
	uint64_t dram = rmi_dram_size();
	const uint64_t next = 1; /* the zoo realm has one REC already */
	uint64_t good = params_with(&fx, next, fx.naux, NULL);

	/* params_align, params_bound, params_pas */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, good + 8);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, dram);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, UINT64_C(1) << 48);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, z->delegated);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, 0x1000);
	/* rec_align, rec_bound, rec_state */
	RMI_FAILS_WRONG_GRANULE(z, 2, GRANULE_STATE_DELEGATED, RMI_REC_CREATE, z->rd, fx.rec, good);
	/* rd_align, rd_bound, rd_state */
	RMI_FAILS_WRONG_RD(z, RMI_REC_CREATE, z->rd, fx.rec, good);
	/* Precedence: a bad params pointer outranks a bad REC. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, z->ns, 0x1000);

	/* mpidr_index: index 0 is taken, 2 skips 1, Aff1 = 1 is index 16. */
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 0, fx.naux, NULL), __LINE__);
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, fx.naux, NULL), __LINE__);
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 1u << 8, fx.naux, NULL), __LINE__);
	/* num_aux must be REC_AUX_COUNT */
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux + 1, NULL), __LINE__);
	if (fx.naux > 0)
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux - 1, NULL), __LINE__);
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, 17, NULL), __LINE__);
	if (fx.naux > 0) {
		uint64_t aux[RMI_REC_MAX_AUX];
		/* aux_align */
		memcpy(aux, fx.aux, sizeof(aux)); aux[0] += 8;
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux, aux), __LINE__);
		/* aux_alias: an aux granule that is the REC itself, or repeated */
		memcpy(aux, fx.aux, sizeof(aux)); aux[0] = fx.rec;
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux, aux), __LINE__);
		if (fx.naux > 1) {
			memcpy(aux, fx.aux, sizeof(aux)); aux[1] = aux[0];
			expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux, aux), __LINE__);
		}
		/* aux_state */
		const uint64_t wrong[] = { z->ns, z->rd, z->rec, z->rtt, z->data, z->rec_aux };
		for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
			memcpy(aux, fx.aux, sizeof(aux)); aux[fx.naux - 1] = wrong[i];
			expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, next, fx.naux, aux), __LINE__);
		}
	}

	/* The fixture itself is sound: the good parameters succeed. */
	struct smc_regs ok = RMI(RMI_REC_CREATE, z->rd, fx.rec, good);
	assert_rmi_ok(ok);
	ok = RMI(RMI_REC_DESTROY, fx.rec);
	assert_rmi_ok(ok);

	/* Reserved flag bits are ignored (only RUNNABLE means anything). */
	{
		struct rec_cfg c = { .flags = RMI_REC_FLAG_RUNNABLE | (UINT64_C(0xf0) << 56) | 0x6,
				     .mpidr = next + 1, .pc = 0x1000 }; /* index 1 was used */
		uint64_t pf = rec_params_write(&c, fx.naux, fx.aux);
		ok = RMI(RMI_REC_CREATE, z->rd, fx.rec, pf);
		assert_rmi_ok(ok);
		ok = RMI(RMI_REC_DESTROY, fx.rec);
		assert_rmi_ok(ok);
		ns_free(pf);
	}

	/* realm_state: no RECs once the realm is ACTIVE; it outranks
	 * mpidr_index and an exact num_aux mismatch, and the input errors
	 * before it (params, REC, RD, num_aux above the maximum, the aux
	 * granules' addresses and states) outrank it, as in TF-RMM rel0. */
	realm_activate(z->realm);
	uint64_t p2 = params_with(&fx, 2, fx.naux, NULL);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REC_CREATE, z->rd, fx.rec, p2);
	RMI_FAILS(RMI_ERROR_REALM, 0, RMI_REC_CREATE, z->rd, fx.rec, good);  /* + mpidr_index */
	if (fx.naux > 0)
		expect_rec_create_fails(RMI_ERROR_REALM, z->rd, fx.rec, params_with(&fx, 2, 0, NULL), __LINE__);
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, 17, NULL), __LINE__);
	expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, fx.naux + 1, NULL), __LINE__);
	if (fx.naux > 0) {
		uint64_t aux[RMI_REC_MAX_AUX];
		memcpy(aux, fx.aux, sizeof(aux)); aux[0] = z->ns;
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, fx.naux, aux), __LINE__);
		memcpy(aux, fx.aux, sizeof(aux)); aux[0] += 8;
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, fx.naux, aux), __LINE__);
		memcpy(aux, fx.aux, sizeof(aux)); aux[0] = fx.rec;
		expect_rec_create_fails(RMI_ERROR_INPUT, z->rd, fx.rec, params_with(&fx, 2, fx.naux, aux), __LINE__);
	}
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, z->ns, p2);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_CREATE, z->rd, fx.rec, 0x1000);
	ns_free(p2);
	ns_free(good);

	delegated_free(fx.rec);
	for (unsigned i = 0; i < fx.naux; i++)
		delegated_free(fx.aux[i]);
	state_zoo_free(z);
}

static void test_rec_destroy_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	RMI_FAILS_WRONG_GRANULE(&z, 1, GRANULE_STATE_REC, RMI_REC_DESTROY, z.rec);
	state_zoo_free(&z);
}

static void expect_enter_fails(unsigned status, unsigned index, uint64_t rec, uint64_t run, int line)
{
	uint8_t before[GRANULE], after[GRANULE];
	bool ns_run = hostsim_gpt_pas(run) == HOSTSIM_PAS_NS && run % GRANULE == 0;
	if (ns_run)
		assert_true(hostsim_host_read(run, before, GRANULE));
	struct snapshot *s = snap_take();
	struct smc_regs r = RMI(RMI_REC_ENTER, rec, run);
	rmi_expect_status(r.x[0], status, index, "REC_ENTER", __FILE__, line);
	snap_expect_same(s, __FILE__, line);
	snap_free(s);
	if (ns_run) {
		/* A refused entry writes no exit record. */
		assert_true(hostsim_host_read(run, after, GRANULE));
		assert_memory_equal(before, after, GRANULE);
	}
}

static void test_rec_enter_validation(void **state)
{
	(void)state;
	struct state_zoo z; /* a NEW realm with a non-runnable REC */
	state_zoo_build(&z);
	struct realm *act = realm_new_default();
	struct rec_cfg run_cfg = { .flags = RMI_REC_FLAG_RUNNABLE, .pc = 0x1000 };
	struct rec_cfg park_cfg = { .flags = 0 };
	uint64_t runnable = realm_rec_create(act, &run_cfg);
	uint64_t parked = realm_rec_create(act, &park_cfg);
	realm_activate(act);
	uint64_t dram = rmi_dram_size();

	uint64_t run = ns_alloc();
	struct rmi_rec_run rr;
	memset(&rr, 0, sizeof(rr));
	rr.exit.exit_reason = 0x77; /* a marker the monitor must not touch on failure */
	ns_write(run, &rr, sizeof(rr));

	/* run_align, run_bound, run_pas */
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, run + 8, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, dram, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, UINT64_C(1) << 48, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, z.delegated, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, 0x1000, __LINE__);
	/* rec_align, rec_bound, rec_state */
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked + 8, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, dram, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.ns, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.delegated, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.rd, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.rtt, run, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.data, run, __LINE__);
	if (z.rec_aux)
		expect_enter_fails(RMI_ERROR_INPUT, 0, z.rec_aux, run, __LINE__);

	/* realm NEW -> ERROR_REALM index 0, ahead of the REC's own state */
	expect_enter_fails(RMI_ERROR_REALM, 0, z.rec, run, __LINE__);
	/* Precedence: run_pas / run_bound outrank realm NEW. */
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.rec, 0x1000, __LINE__);
	expect_enter_fails(RMI_ERROR_INPUT, 0, z.rec, dram, __LINE__);
	/* and outrank a non-runnable REC. */
	expect_enter_fails(RMI_ERROR_INPUT, 0, parked, z.delegated, __LINE__);

	/* rec_runnable */
	expect_enter_fails(RMI_ERROR_REC, 0, parked, run, __LINE__);

	/* rec_mmio: emulated-MMIO completion for a REC that made no MMIO exit. */
	rr.entry.flags = RMI_REC_ENTRY_EMUL_MMIO;
	ns_write(run, &rr, sizeof(rr));
	expect_enter_fails(RMI_ERROR_REC, 0, runnable, run, __LINE__);
	/* realm NEW outranks it. */
	expect_enter_fails(RMI_ERROR_REALM, 0, z.rec, run, __LINE__);

	ns_free(run);
	realm_teardown(act);
	state_zoo_free(&z);
}

static void test_psci_complete_validation(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct realm *r = realm_new_default();
	struct rec_cfg c0 = { .flags = RMI_REC_FLAG_RUNNABLE };
	struct rec_cfg c1 = { .flags = 0 };
	uint64_t rec0 = realm_rec_create(r, &c0);
	uint64_t rec1 = realm_rec_create(r, &c1);
	realm_activate(r);
	const uint64_t psci_success = 0;

	/* alias */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_PSCI_COMPLETE, rec0, rec0, psci_success);
	/* calling_align, calling_bound, calling_state */
	RMI_FAILS_WRONG_GRANULE(&z, 1, GRANULE_STATE_REC, RMI_PSCI_COMPLETE, rec0, rec1, psci_success);
	/* target_align, target_bound, target_state */
	RMI_FAILS_WRONG_GRANULE(&z, 2, GRANULE_STATE_REC, RMI_PSCI_COMPLETE, rec0, rec1, psci_success);
	/* pending: no PSCI request is outstanding on the calling REC. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_PSCI_COMPLETE, rec0, rec1, psci_success);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_PSCI_COMPLETE, rec1, rec0, psci_success);
	/* target owned by another realm */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_PSCI_COMPLETE, rec0, z.rec, psci_success);

	realm_teardown(r);
	state_zoo_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rec_create_destroy_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rec_create_many, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rec_create_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rec_destroy_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rec_enter_validation, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_psci_complete_validation, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

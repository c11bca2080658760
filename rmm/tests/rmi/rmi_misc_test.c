/*
 * RMI conformance: VERSION, FEATURES, REC_AUX_COUNT, function-ID dispatch.
 */
#include "rmi_harness.h"

#include "abi/el3.h"
#include "hostsim/hostsim.h"

/* VERSION: 1.0 is implemented; the outputs name the range either way. */
static void test_version_1_0(void **state)
{
	(void)state;
	struct smc_regs r = RMI(RMI_VERSION, RMI_ABI_VERSION);
	assert_rmi_ok(r);
	assert_int_equal(r.x[1], ABI_VERSION(1, 0));
	assert_int_equal(r.x[2], ABI_VERSION(1, 0));
}

static void test_version_unsupported(void **state)
{
	(void)state;
	const uint64_t asks[] = { ABI_VERSION(1, 1), ABI_VERSION(2, 0), ABI_VERSION(0, 9),
				  ABI_VERSION(0, 0), ABI_VERSION(0x7fff, 0xffff) };
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		struct smc_regs r = RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_VERSION, asks[i]);
		/* The host negotiates from these: they must name 1.0..1.0. */
		assert_int_equal(r.x[1], ABI_VERSION(1, 0));
		assert_int_equal(r.x[2], ABI_VERSION(1, 0));
	}
}

/* Bit 16 of the FID is the SVE hint and never selects a different function. */
static void test_sve_hint_ignored(void **state)
{
	(void)state;
	struct smc_regs r = RMI(RMI_VERSION | SMC_FID_SVE_HINT, RMI_ABI_VERSION);
	assert_rmi_ok(r);
	assert_int_equal(r.x[1], ABI_VERSION(1, 0));

	uint64_t pa = ns_alloc();
	r = RMI(RMI_GRANULE_DELEGATE | SMC_FID_SVE_HINT, pa);
	assert_rmi_ok(r);
	assert_int_equal(granule_state(pa), GRANULE_STATE_DELEGATED);
	r = RMI(RMI_GRANULE_UNDELEGATE | SMC_FID_SVE_HINT, pa);
	assert_rmi_ok(r);
	assert_int_equal(granule_state(pa), GRANULE_STATE_NS);
}

static void test_features(void **state)
{
	(void)state;
	struct rmi_features f = rmi_features();
	assert_true(f.s2sz >= 32 && f.s2sz <= 52);
	assert_true(f.sha256);
	assert_true(f.sha512);
	/* No fields beyond MAX_RECS_ORDER are defined in 1.0. */
	assert_int_equal(f.raw >> 42, 0);

	/* Only register 0 exists; the others read as zero. */
	struct smc_regs r = RMI(RMI_FEATURES, 1);
	assert_rmi_ok(r);
	assert_int_equal(r.x[1], 0);
	r = RMI(RMI_FEATURES, 0xffff);
	assert_rmi_ok(r);
	assert_int_equal(r.x[1], 0);
}

static void test_rec_aux_count(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct smc_regs r = RMI(RMI_REC_AUX_COUNT, z.rd);
	assert_rmi_ok(r);
	assert_true(r.x[1] <= RMI_REC_MAX_AUX);
	/* The count is a property of the realm, stable across calls. */
	struct smc_regs again = RMI(RMI_REC_AUX_COUNT, z.rd);
	assert_int_equal(again.x[1], r.x[1]);

	RMI_FAILS_WRONG_RD(&z, RMI_REC_AUX_COUNT, z.rd);                     /* rd_align, rd_bound, rd_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_REC_AUX_COUNT, UINT64_C(1) << 52); /* rd_bound */
	realm_teardown(z.realm);
}

static void expect_unknown(uint64_t fid)
{
	struct snapshot *s = snap_take();
	struct smc_regs r = RMI(fid, 0x1000, 0x2000);
	if (r.x[0] != SMC_UNKNOWN) {
		print_error("FID 0x%llx: X0=0x%llx, expected SMC_UNKNOWN\n",
			    (unsigned long long)fid, (unsigned long long)r.x[0]);
		fail();
	}
	snap_expect_same(s, __FILE__, __LINE__);
	snap_free(s);
}

/* Holes in the RMI range and FIDs from other ranges are not RMI commands. */
static void test_unknown_fids(void **state)
{
	(void)state;
	const uint64_t holes[] = { 0x156, 0x160, 0x163, 0x16A, 0x170, 0x18F };
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
		expect_unknown(SMC64_STD_FID(holes[i]));
	expect_unknown(SMC64_STD_FID(0x14F));        /* just below the RMI range */
	expect_unknown(SMC64_STD_FID(0x200));
	expect_unknown(UINT64_C(0x84000150));        /* SMC32 flavour of VERSION */
	expect_unknown(SMC64_STD_FID(0x190));        /* RSI_VERSION from the host */
	expect_unknown(SMC64_STD_FID(0x194));        /* RSI_ATTEST_TOKEN_INIT from the host */
}

/* The RMM-EL3 services belong to the monitor: the normal world cannot flip
 * a granule's PAS or fetch keys by calling EL3 directly. */
static void test_el3_services_refused_to_host(void **state)
{
	(void)state;
	uint64_t pa = ns_alloc();
	const uint64_t el3[] = { RMM_GTSI_DELEGATE, RMM_GTSI_UNDELEGATE, RMM_GET_REALM_ATTEST_KEY,
				 RMM_GET_PLAT_TOKEN, RMM_BOOT_COMPLETE };
	for (size_t i = 0; i < sizeof(el3) / sizeof(el3[0]); i++) {
		struct smc_regs r = RMI(el3[i], pa);
		assert_int_equal(r.x[0], SMC_UNKNOWN);
		assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);
		assert_int_equal(granule_state(pa), GRANULE_STATE_NS);
	}
	uint64_t word = 0x1234;
	assert_true(hostsim_host_write(pa, &word, sizeof(word)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version_1_0, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_version_unsupported, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_sve_hint_ignored, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_features, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rec_aux_count, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_unknown_fids, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_el3_services_refused_to_host, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

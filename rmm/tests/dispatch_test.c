/*
 * RMI dispatch: unknown FIDs, the SVE hint bit, argument counts, VERSION
 * negotiation and the FEATURES register.
 */
#include "rmm_test_util.h"

static void test_unknown_fids(void **state)
{
	/* Holes in the RMI table, the ends of the range, RSI, EL3 and others. */
	uint64_t fids[] = { SMC64_STD_FID(0x156), SMC64_STD_FID(0x160), SMC64_STD_FID(0x163),
			    SMC64_STD_FID(0x16A), SMC64_STD_FID(0x18F), SMC64_STD_FID(0x14F),
			    SMC64_STD_FID(0x190), SMC64_STD_FID(0x1B0), 0, UINT64_MAX,
			    RMI_VERSION & 0xffffffffu & ~UINT64_C(0x40000000) };

	(void)state;
	for (unsigned i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		struct smc_regs r = { .x = { fids[i], 1, 2, 3 } };

		rmm_handle_rmi(&r);
		assert_int_equal(r.x[0], SMC_UNKNOWN);
	}
	assert_true(rmm_is_rmi_fid(RMI_VERSION));
	assert_true(rmm_is_rmi_fid(RMI_VERSION | SMC_FID_SVE_HINT));
	assert_true(rmm_is_rmi_fid(SMC64_STD_FID(0x18F)));
	assert_false(rmm_is_rmi_fid(SMC64_STD_FID(0x190)));
	assert_false(rmm_is_rmi_fid(SMC64_STD_FID(0x14F)));
}

static void test_sve_hint_is_masked(void **state)
{
	struct smc_regs r = { .x = { RMI_VERSION | SMC_FID_SVE_HINT, RMI_ABI_VERSION } };
	uint64_t pa = test_alloc();

	(void)state;
	rmm_handle_rmi(&r);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], RMI_ABI_VERSION);
	r = (struct smc_regs){ .x = { RMI_GRANULE_DELEGATE | SMC_FID_SVE_HINT, pa } };
	rmm_handle_rmi(&r);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(test_granule_state(pa), GRANULE_STATE_DELEGATED);
	test_undelegate_free(pa);
}

static void test_version_negotiation(void **state)
{
	uint64_t asks[] = { ABI_VERSION(1, 1), ABI_VERSION(0, 9), ABI_VERSION(2, 0), 0, UINT64_MAX };
	struct smc_regs r;

	(void)state;
	r = RMI(RMI_VERSION, ABI_VERSION(1, 0));
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 0x10000);
	assert_int_equal(r.x[2], 0x10000);
	for (unsigned i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		r = RMI(RMI_VERSION, asks[i]);
		assert_int_equal(r.x[0], RMI_ERROR_INPUT);
		assert_int_equal(r.x[1], 0x10000); /* the host learns what it can have */
		assert_int_equal(r.x[2], 0x10000);
	}
}

static void test_features(void **state)
{
	struct smc_regs r = RMI(RMI_FEATURES, 0);
	uint64_t f = r.x[1];

	(void)state;
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(f & 0xff, 48);                           /* S2SZ */
	assert_false(f & (1u << RMI_FEAT0_LPA2_SHIFT));
	assert_false(f & (1u << RMI_FEAT0_SVE_EN_SHIFT));
	assert_false(f & (1u << RMI_FEAT0_PMU_EN_SHIFT));
	assert_true(f & (UINT64_C(1) << RMI_FEAT0_SHA_256_SHIFT));
	assert_true(f & (UINT64_C(1) << RMI_FEAT0_SHA_512_SHIFT));
	assert_int_equal(f >> 42, 0);                             /* reserved bits */
	r = RMI(RMI_FEATURES, 1);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 0);
}

static void test_registers_beyond_outputs_preserved(void **state)
{
	struct smc_regs r = { .x = { RMI_FEATURES, 0 } };

	(void)state;
	for (unsigned i = 5; i < 18; i++)
		r.x[i] = 0x1000 + i;
	r.x[2] = r.x[3] = r.x[4] = 0xdead;
	rmm_handle_rmi(&r);
	assert_int_equal(r.x[2], 0); /* unused outputs are zeroed, never left stale */
	assert_int_equal(r.x[4], 0);
	for (unsigned i = 5; i < 18; i++)
		assert_int_equal(r.x[i], 0x1000 + i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_fids),
		cmocka_unit_test(test_sve_hint_is_masked),
		cmocka_unit_test(test_version_negotiation),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_registers_beyond_outputs_preserved),
	};

	return cmocka_run_group_tests(tests, test_machine_up, test_machine_down);
}

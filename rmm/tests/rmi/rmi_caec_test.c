/*
 * The CAEC extension's realm identity and configuration (caec-ext.md):
 * - every realm gets a 32-byte random realm ID at REALM_CREATE, distinct
 *   from every other realm's, also from a realm created with the same
 *   parameters in a freed RD;
 * - RMI_CAEC_REALM_CONFIG extends the RIM by its 0x100-byte descriptor
 *   (recomputed here with OpenSSL), records the flags, and is refused, with
 *   nothing changed, for bad flags, a non-RD granule, a second call, a call
 *   after a DATA, RIPAS or REC step, and an active realm;
 * - RMI_CSM_VERSION says 1.0; unused IDs of the range are unknown.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "abi/caec.h"
#include "rmi_harness.h"
#include "rmm/rmm.h"

static struct rmm_debug_realm debug_realm(uint64_t rd)
{
	struct rmm_debug_realm info;

	assert_true(rmm_debug_realm(rd, &info));
	return info;
}

static void test_realm_ids_are_random_and_distinct(void **state)
{
	enum { N = 8 };
	struct realm *r[N];
	uint8_t ids[N][CAEC_REALM_ID_SIZE], zero[CAEC_REALM_ID_SIZE] = { 0 };

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		r[i] = realm_new_default();
		memcpy(ids[i], debug_realm(r[i]->rd).realm_id, CAEC_REALM_ID_SIZE);
		assert_memory_not_equal(ids[i], zero, CAEC_REALM_ID_SIZE);
		for (unsigned j = 0; j < i; j++)
			assert_memory_not_equal(ids[i], ids[j], CAEC_REALM_ID_SIZE);
	}
	/* A new realm in the same RD granule, with the same VMID, after the old
	 * one was destroyed: another ID. */
	struct realm_cfg cfg = r[0]->cfg;
	uint64_t old_rd = r[0]->rd;
	realm_teardown(r[0]);
	struct realm *again = realm_new(&cfg);
	struct rmm_debug_realm info = debug_realm(again->rd);
	if (again->rd == old_rd)
		print_message("(the new realm reuses the old RD granule)\n");
	for (unsigned j = 0; j < N; j++)
		assert_memory_not_equal(info.realm_id, ids[j], CAEC_REALM_ID_SIZE);
	realm_teardown(again);
	for (unsigned i = 1; i < N; i++)
		realm_teardown(r[i]);
}

/* The RIM after RMI_CAEC_REALM_CONFIG(flags), from the RIM before it. */
static void expected_config_rim(unsigned algo, const uint8_t before[64], uint64_t flags, uint8_t out[64])
{
	uint8_t desc[0x100] = { 0 };
	unsigned len = 0;
	uint64_t type = CAEC_MEASURE_CONFIG_TYPE, size = sizeof(desc);

	memcpy(desc + 0x00, &type, 8); /* little endian, as the host */
	memcpy(desc + 0x08, &size, 8);
	memcpy(desc + 0x10, before, 64);
	memcpy(desc + 0x50, &flags, 8);
	memset(out, 0, 64);
	assert_int_equal(EVP_Digest(desc, sizeof(desc), out, &len,
				    algo == RMI_HASH_SHA_512 ? EVP_sha512() : EVP_sha256(), NULL), 1);
}

static void config_measured(uint64_t hash_algo)
{
	struct realm_cfg cfg;
	uint8_t before[64], want[64];
	uint64_t flags = CAEC_REALM_POLICY_REQUIRED | CAEC_REALM_CSM_EXITS;

	realm_cfg_default(&cfg);
	cfg.hash_algo = hash_algo;
	struct realm *r = realm_new(&cfg);
	realm_rim(r->rd, before);
	assert_int_equal(debug_realm(r->rd).caec_flags, 0);
	expected_config_rim((unsigned)hash_algo, before, flags, want);
	assert_rmi_ok(RMI(RMI_CAEC_REALM_CONFIG, r->rd, flags));
	struct rmm_debug_realm info = debug_realm(r->rd);
	assert_memory_equal(info.rim, want, 64);
	assert_int_equal(info.caec_flags, flags);
	/* Once only, whatever the flags. */
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, r->rd, flags);
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, r->rd, 0);
	assert_memory_equal(debug_realm(r->rd).rim, want, 64);
	realm_teardown(r);
}

static void test_config_measured_sha256(void **state)
{
	(void)state;
	config_measured(RMI_HASH_SHA_256);
}

static void test_config_measured_sha512(void **state)
{
	(void)state;
	config_measured(RMI_HASH_SHA_512);
}

/* Flags 0 are a configuration too: measured, so a verifier sees it. */
static void test_config_zero_flags_measured(void **state)
{
	uint8_t before[64], want[64];

	(void)state;
	struct realm *r = realm_new_default();
	realm_rim(r->rd, before);
	expected_config_rim(RMI_HASH_SHA_256, before, 0, want);
	assert_rmi_ok(RMI(RMI_CAEC_REALM_CONFIG, r->rd, 0));
	assert_memory_equal(debug_realm(r->rd).rim, want, 64);
	realm_teardown(r);
}

static void test_config_refusals(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t ns = ns_alloc(), del = delegated_alloc();

	/* Not an RD: ERROR_INPUT, whatever the rest. */
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, ns, 0);
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, del, 0);
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, r->rd + 8, 0);
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, rmi_dram_size() + 0x80000000ull, 0);
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, r->rtt_base, 0);
	/* Unknown flags, before the realm's state is looked at. */
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, r->rd, UINT64_C(1) << 2);
	ASSERT_RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_CAEC_REALM_CONFIG, r->rd, UINT64_C(1) << 63);
	assert_int_equal(debug_realm(r->rd).caec_flags, 0);
	delegated_free(del);
	ns_free(ns);
	realm_teardown(r);
}

/* After any step that extended the RIM, the configuration would not be
 * the first measurement: refused. */
static void test_config_after_rim_steps(void **state)
{
	(void)state;
	/* RIPAS */
	struct realm *a = realm_new_default();
	realm_rtt_map(a, 0, 3);
	realm_init_ripas(a, 0, GRANULE);
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, a->rd, 0);
	realm_teardown(a);
	/* DATA */
	struct realm *c = realm_new_default();
	realm_rtt_map(c, 0, 3);
	realm_data_create(c, 0, NULL, RMI_MEASURE_CONTENT);
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, c->rd, 0);
	realm_teardown(c);
	/* REC */
	struct realm *d = realm_new_default();
	struct rec_cfg rc = { .flags = RMI_REC_FLAG_RUNNABLE, .pc = 0x1000 };
	realm_rec_create(d, &rc);
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, d->rd, 0);
	realm_teardown(d);
	/* Active */
	struct realm *e = realm_new_default();
	realm_activate(e);
	ASSERT_RMI_FAILS(RMI_ERROR_REALM, 0, RMI_CAEC_REALM_CONFIG, e->rd, 0);
	realm_teardown(e);
}

/* RMI_CSM_VERSION says 1.0; the unused IDs of the range are unknown. */
static void test_csm_version_and_range(void **state)
{
	(void)state;
	struct smc_regs v = RMI(RMI_CSM_VERSION);
	assert_int_equal(v.x[0], RMI_SUCCESS);
	assert_int_equal(v.x[1], 0x10000);
	for (uint64_t fid = RMI_CAEC_FID_FIRST; fid <= RMI_CAEC_FID_LAST; fid++) {
		bool there = fid <= RMI_CAEC_REALM_CONFIG;
		if (there)
			assert_int_not_equal(RMI(fid).x[0], SMC_UNKNOWN);
		else
			assert_int_equal(RMI(fid).x[0], SMC_UNKNOWN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_realm_ids_are_random_and_distinct, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_config_measured_sha256, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_config_measured_sha512, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_config_zero_flags_measured, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_config_refusals, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_config_after_rim_steps, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_csm_version_and_range, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

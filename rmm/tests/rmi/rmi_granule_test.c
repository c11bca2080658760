/*
 * RMI conformance: GRANULE_DELEGATE and GRANULE_UNDELEGATE, including what
 * the granule protection table makes of them from the host's side.
 */
#include "rmi_harness.h"

#include <string.h>

#include "hostsim/hostsim.h"

static void test_delegate_success(void **state)
{
	(void)state;
	uint64_t pa = ns_alloc();
	ns_fill(pa, 0x5a); /* host data that must not survive delegation */
	assert_int_equal(granule_state(pa), GRANULE_STATE_NS);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);

	struct smc_regs r = RMI(RMI_GRANULE_DELEGATE, pa);
	assert_rmi_ok(r);
	assert_int_equal(granule_state(pa), GRANULE_STATE_DELEGATED);
	assert_int_equal(granule_refcount(pa), 0);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_REALM);
	assert_true(granule_is_zero(pa));

	/* The host now takes a granule-protection fault on it, both ways. */
	uint8_t buf[64];
	uint64_t faults = hostsim_gpf_count();
	assert_false(hostsim_host_read(pa, buf, sizeof(buf)));
	assert_false(hostsim_host_write(pa, buf, sizeof(buf)));
	assert_false(hostsim_host_read(pa + 0x800, buf, 8));
	assert_true(hostsim_gpf_count() >= faults + 3);
	/* A failed write changed nothing. */
	assert_true(granule_is_zero(pa));

	/* Neighbours are untouched. */
	delegated_free(pa);
}

static void test_undelegate_success(void **state)
{
	(void)state;
	uint64_t pa = delegated_alloc();
	struct smc_regs r = RMI(RMI_GRANULE_UNDELEGATE, pa);
	assert_rmi_ok(r);
	assert_int_equal(granule_state(pa), GRANULE_STATE_NS);
	assert_int_equal(granule_refcount(pa), 0);
	assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_NS);

	uint8_t buf[GRANULE], zero[GRANULE];
	memset(buf, 0xee, sizeof(buf));
	memset(zero, 0, sizeof(zero));
	assert_true(hostsim_host_read(pa, buf, sizeof(buf)));
	assert_memory_equal(buf, zero, sizeof(buf));

	/* The cycle can repeat. */
	for (int i = 0; i < 3; i++) {
		ns_fill(pa, (uint8_t)i);
		r = RMI(RMI_GRANULE_DELEGATE, pa);
		assert_rmi_ok(r);
		assert_true(granule_is_zero(pa));
		r = RMI(RMI_GRANULE_UNDELEGATE, pa);
		assert_rmi_ok(r);
		assert_true(hostsim_host_read(pa, buf, sizeof(buf)));
		assert_memory_equal(buf, zero, sizeof(buf));
	}
	ns_free(pa);
}

/* Data the realm had in a granule never reaches the host: DATA_DESTROY
 * scrubs it before it can be undelegated. */
static void test_undelegate_after_data_reads_zero(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	realm_rtt_map(r, 0, 3);
	realm_init_ripas(r, 0, 0x1000);
	uint8_t secret[GRANULE];
	memset(secret, 0xc3, sizeof(secret));
	uint64_t data = realm_data_create(r, 0, secret, RMI_NO_MEASURE_CONTENT);
	assert_memory_equal(hostsim_monitor_view(data), secret, sizeof(secret));
	struct smc_regs d = RMI(RMI_DATA_DESTROY, r->rd, 0);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], data);
	struct smc_regs u = RMI(RMI_GRANULE_UNDELEGATE, data);
	assert_rmi_ok(u);
	uint8_t buf[GRANULE], zero[GRANULE];
	memset(zero, 0, sizeof(zero));
	assert_true(hostsim_host_read(data, buf, sizeof(buf)));
	assert_memory_equal(buf, zero, sizeof(buf));
	ns_free(data);
	realm_teardown(r);
}

static void test_delegate_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	uint64_t dram = rmi_dram_size();

	/* gran_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.ns + 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.ns + 8);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.ns + 0x800);
	/* gran_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, dram);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, dram + GRANULE);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, UINT64_C(1) << 48);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, ~UINT64_C(0xfff));
	/* gran_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.delegated);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.rd);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.rec);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.rtt);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.data);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.realm->rtt_base);
	if (z.rec_aux)
		RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, z.rec_aux);
	/* gran_gpt: firmware (Root PAS) granules are not the host's to give. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, 0xF000);
	assert_int_equal(hostsim_gpt_pas(0), HOSTSIM_PAS_ROOT);
	/* Precedence: misaligned and out of bounds at once. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_DELEGATE, dram + 8);

	state_zoo_free(&z);
}

static void test_undelegate_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	uint64_t dram = rmi_dram_size();

	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.delegated + 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.delegated + 0x800);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, dram);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, UINT64_C(1) << 48);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.ns);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.rd);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.rec);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.rtt);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.data);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.realm->rtt_base);
	if (z.rec_aux)
		RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, z.rec_aux);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_GRANULE_UNDELEGATE, 0);

	/* A live DATA granule stays unreadable to the host. */
	uint8_t b;
	assert_false(hostsim_host_read(z.data, &b, 1));

	state_zoo_free(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delegate_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_undelegate_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_undelegate_after_data_reads_zero, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_delegate_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_undelegate_failures, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

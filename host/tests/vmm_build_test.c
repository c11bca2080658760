/*
 * Building realms through the monitor: the RIM the monitor computes equals
 * the offline prediction (measure.c) for every layout shape, the realm is
 * ACTIVE with the expected memory, and the teardown gives every granule back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/measure.h"
#include "host/rmi_call.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "vmm_test_util.h"

struct shape {
	const char *name;
	size_t image_size;
	uint64_t mem;
	unsigned vcpus, hash, ipa_bits;
	uint64_t image_base;
	uint64_t caec_flags;
};

static const struct shape shapes[] = {
	{ "default", 20000, UINT64_C(16) << 20, 1, RMI_HASH_SHA_256, 39, 0, 0 },
	{ "sha512, 32-bit IPA, base 64K", 4096, UINT64_C(1) << 20, 2, RMI_HASH_SHA_512, 32, 0x10000, 0 },
	{ "crosses 2 MiB, 48-bit IPA", 9000, (UINT64_C(3) << 20) + 4096, 4, RMI_HASH_SHA_256, 48, 0x1fe000, 0 },
	{ "unaligned base, sha512, 40-bit IPA", 70000, (UINT64_C(5) << 20) + 12288, 2, RMI_HASH_SHA_512, 40, 0x7000, 0 },
	{ "CAEC CSM exits", 20000, UINT64_C(2) << 20, 1, RMI_HASH_SHA_256, 39, 0, CAEC_REALM_CSM_EXITS },
	{ "CAEC both flags, sha512", 9000, UINT64_C(1) << 20, 2, RMI_HASH_SHA_512, 39, 0x3000,
	  CAEC_REALM_CSM_EXITS | CAEC_REALM_POLICY_REQUIRED },
};

static void check_shape(struct vmm *vmm, const struct shape *s)
{
	struct vmm_realm_opts opts;
	struct vmm_measurement m;
	struct vmm_realm *r = NULL;
	struct vmm_error err = { "" };
	struct rmm_debug_realm info;
	struct leak_snapshot before, after;
	uint8_t *img = vmm_test_fake_image(s->image_size, (unsigned)s->mem);

	vmm_realm_opts_default(&opts);
	opts.mem_size = s->mem;
	opts.vcpus = s->vcpus;
	opts.hash_algo = s->hash;
	opts.ipa_bits = s->ipa_bits;
	opts.image_base = s->image_base;
	opts.caec_flags = s->caec_flags;
	memset(opts.rpv, 0x5a, sizeof(opts.rpv));

	assert_int_equal(vmm_measure(img, s->image_size, &opts, &m, NULL), 0);
	leak_snapshot_take(&vmm->ledger, &before);
	int rc = vmm_realm_create(vmm, img, s->image_size, &opts, &r, &err);
	if (rc)
		print_error("%s: %s\n", s->name, err.msg);
	assert_int_equal(rc, 0);

	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_int_equal(info.state, REALM_STATE_ACTIVE);
	if (memcmp(info.rim, m.rim, sizeof(info.rim)) != 0) {
		print_error("%s: monitor RIM and offline RIM differ\n", s->name);
		fail();
	}
	assert_memory_equal(info.rpv, opts.rpv, sizeof(opts.rpv));
	assert_int_equal(vmm_realm_num_recs(r), s->vcpus);

	/* Every image and RAM granule is backed by a DATA granule in the Realm PAS. */
	const struct vmm_layout *l = vmm_realm_layout(r);
	for (uint64_t ipa = l->image_base; ipa < l->top; ipa += (l->top - l->image_base) / 7 & ~UINT64_C(0xfff)) {
		uint64_t pa = vmm_realm_data_pa(r, ipa);
		unsigned state, ref;

		assert_true(pa != 0);
		assert_true(rmm_debug_granule(pa, &state, &ref));
		assert_int_equal(state, GRANULE_STATE_DATA);
		assert_int_equal(hostsim_gpt_pas(pa), HOSTSIM_PAS_REALM);
	}

	assert_int_equal(vmm_realm_destroy(r), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_true(leak_snapshot_same(&before, &after));
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
	vmm_measurement_free(&m);
	free(img);
}

static void test_rim_matches_monitor(void **state)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		check_shape(*state, &shapes[i]);
}

/* The RPV and the nonce-free run-time inputs never change the RIM; the image
 * bytes, memory size and hash algorithm do. */
static void test_rim_depends_on_measured_inputs_only(void **state)
{
	struct vmm_realm_opts a, b;
	struct vmm_measurement ma, mb;
	uint8_t *img = vmm_test_fake_image(8192, 1);

	(void)state;
	vmm_realm_opts_default(&a);
	b = a;
	memset(b.rpv, 0xff, sizeof(b.rpv));
	assert_int_equal(vmm_measure(img, 8192, &a, &ma, NULL), 0);
	assert_int_equal(vmm_measure(img, 8192, &b, &mb, NULL), 0);
	assert_memory_equal(ma.rim, mb.rim, 64);
	vmm_measurement_free(&mb);

	b = a;
	b.mem_size += 4096;
	assert_int_equal(vmm_measure(img, 8192, &b, &mb, NULL), 0);
	assert_memory_not_equal(ma.rim, mb.rim, 32);
	vmm_measurement_free(&mb);

	/* The CAEC configuration is measured, as the second step, flags and all. */
	struct vmm_measurement mc;
	b = a;
	b.caec_flags = CAEC_REALM_CSM_EXITS;
	assert_int_equal(vmm_measure(img, 8192, &b, &mb, NULL), 0);
	assert_memory_not_equal(ma.rim, mb.rim, 32);
	assert_int_equal(mb.nsteps, ma.nsteps + 1);
	assert_int_equal(mb.steps[1].type, VMM_STEP_CAEC_CONFIG);
	assert_int_equal(mb.steps[1].flags, CAEC_REALM_CSM_EXITS);
	b.caec_flags |= CAEC_REALM_POLICY_REQUIRED;
	assert_int_equal(vmm_measure(img, 8192, &b, &mc, NULL), 0);
	assert_memory_not_equal(mc.rim, mb.rim, 32);
	vmm_measurement_free(&mc);
	vmm_measurement_free(&mb);
	b.caec_flags = UINT64_C(1) << 2; /* no such flag */
	assert_int_equal(vmm_measure(img, 8192, &b, &mb, NULL), -EINVAL);

	img[5000] ^= 1;
	assert_int_equal(vmm_measure(img, 8192, &a, &mb, NULL), 0);
	assert_memory_not_equal(ma.rim, mb.rim, 32);
	vmm_measurement_free(&mb);
	vmm_measurement_free(&ma);
	free(img);
}

/* POLICY_REQUIRED gives the realm a policy granule between image and RAM:
 * the host's blob is in it, its place is measured and its content is not
 * (the blob names the RIM). A blob without the flag, or over 2 KiB, is
 * refused. */
static void test_policy_granule(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_measurement m;
	struct vmm_realm *r = NULL;
	struct vmm_error err = { "" };
	struct rmm_debug_realm info;
	uint8_t *img = vmm_test_fake_image(9000, 3);
	static uint8_t blob[POLICY_MAX_SIZE + 1];

	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(1) << 20;
	opts.caec_flags = CAEC_REALM_CSM_EXITS | CAEC_REALM_POLICY_REQUIRED;
	memset(blob, 0xa5, sizeof(blob));
	opts.policy_blob = blob;
	opts.policy_len = 100;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m, NULL), 0);
	assert_int_equal(vmm_realm_create(vmm, img, 9000, &opts, &r, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_memory_equal(info.rim, m.rim, sizeof(info.rim));
	const struct vmm_layout *l = vmm_realm_layout(r);
	assert_int_equal(l->policy_ipa, l->image_base + l->image_span);
	assert_int_equal(l->ram_base, l->policy_ipa + 4096);
	const uint8_t *page = hostsim_monitor_view(vmm_realm_data_pa(r, l->policy_ipa));
	assert_memory_equal(page, blob, 100);
	assert_int_equal(page[100], 0);
	assert_int_equal(vmm_realm_destroy(r), 0);
	/* Another blob: the same RIM. */
	struct vmm_measurement m2;
	blob[0] ^= 0xff;
	opts.policy_len = 2048;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), 0);
	assert_memory_equal(m.rim, m2.rim, sizeof(m.rim));
	vmm_measurement_free(&m2);
	opts.policy_len = POLICY_MAX_SIZE + 1;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), -EINVAL);
	opts.policy_len = 100;
	opts.caec_flags = CAEC_REALM_CSM_EXITS;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), -EINVAL);
	vmm_measurement_free(&m);
	free(img);
}

/* Host data (a sealed model): in granules after RAM, their place and size
 * measured, their content not: the monitor's RIM equals the offline one,
 * the bytes are in the realm, other bytes of the same size give the same
 * RIM and another size another RIM. */
static void test_host_data(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_measurement m, m2;
	struct vmm_realm *r = NULL;
	struct vmm_error err = { "" };
	struct rmm_debug_realm info;
	uint8_t *img = vmm_test_fake_image(9000, 3);
	static uint8_t data[3 * 4096 + 100];

	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(1) << 20;
	opts.caec_flags = CAEC_REALM_CSM_EXITS | CAEC_REALM_POLICY_REQUIRED;
	memset(data, 0x3c, sizeof(data));
	opts.host_data = data;
	opts.host_data_size = sizeof(data);
	assert_int_equal(vmm_measure(img, 9000, &opts, &m, NULL), 0);
	assert_int_equal(vmm_realm_create(vmm, img, 9000, &opts, &r, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_memory_equal(info.rim, m.rim, sizeof(info.rim));
	const struct vmm_layout *l = vmm_realm_layout(r);
	assert_int_equal(l->host_data_ipa, l->ram_base + l->ram_size);
	assert_int_equal(l->top, l->host_data_ipa + 4 * 4096);
	const uint8_t *last = hostsim_monitor_view(vmm_realm_data_pa(r, l->host_data_ipa + 3 * 4096));
	assert_int_equal(last[99], 0x3c);
	assert_int_equal(last[100], 0);
	assert_int_equal(vmm_realm_destroy(r), 0);
	data[5] ^= 0xff;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), 0);
	assert_memory_equal(m.rim, m2.rim, sizeof(m.rim));
	vmm_measurement_free(&m2);
	opts.host_data_size = 4 * 4096 + 1; /* one granule more */
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), 0);
	assert_memory_not_equal(m.rim, m2.rim, sizeof(m.rim));
	vmm_measurement_free(&m2);
	opts.host_data = NULL;
	assert_int_equal(vmm_measure(img, 9000, &opts, &m2, NULL), -EINVAL);
	vmm_measurement_free(&m);
	free(img);
}

/* A realm that does not fit the machine fails cleanly and leaks nothing. */
static void test_out_of_memory_leaks_nothing(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_realm *r = (struct vmm_realm *)1;
	struct vmm_error err = { "" };
	struct leak_snapshot before, after;
	uint8_t *img = vmm_test_fake_image(4096, 2);

	vmm_realm_opts_default(&opts);
	opts.mem_size = VMM_TEST_DRAM; /* the whole machine: cannot fit */
	leak_snapshot_take(&vmm->ledger, &before);
	assert_int_equal(vmm_realm_create(vmm, img, 4096, &opts, &r, &err), -ENOMEM);
	assert_null(r);
	assert_true(strlen(err.msg) > 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_true(leak_snapshot_same(&before, &after));
	assert_int_equal(after.held, 0);
	free(img);
}

static void test_bad_options_refused_before_any_rmi(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_realm *r;
	struct vmm_error err = { "" };
	uint8_t *img = vmm_test_fake_image(4096, 3);

	vmm_realm_opts_default(&opts);
	opts.vcpus = 0;
	assert_int_equal(vmm_realm_create(vmm, img, 4096, &opts, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "vCPU"));
	assert_int_equal(atomic_load(&vmm->ledger.allocated), 0);
	free(img);
}

/* Breakpoints and watchpoints: by default the most RMI_FEATURES offers (the
 * offline measurement assumes hostsim's values, which the monitor reports);
 * an explicit count is measured the same way by both; more than the machine
 * offers is refused before anything is built. */
static void test_debug_counts_from_features(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_measurement md, m1;
	struct vmm_realm *r;
	struct vmm_error err = { "" };
	struct rmm_debug_realm info;
	uint8_t *img = vmm_test_fake_image(4096, 5);
	struct smc_regs f = RMI(RMI_FEATURES, 0);

	assert_int_equal(f.x[0], RMI_SUCCESS);
	assert_int_equal((f.x[1] >> RMI_FEAT0_NUM_BPS_SHIFT) & 0x3f, VMM_HOSTSIM_NUM_BPS);
	assert_int_equal((f.x[1] >> RMI_FEAT0_NUM_WPS_SHIFT) & 0x3f, VMM_HOSTSIM_NUM_WPS);

	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(1) << 20;
	assert_int_equal(vmm_measure(img, 4096, &opts, &md, NULL), 0);
	assert_int_equal(md.steps[0].num_bps, VMM_HOSTSIM_NUM_BPS);
	assert_int_equal(md.steps[0].num_wps, VMM_HOSTSIM_NUM_WPS);
	assert_int_equal(vmm_realm_create(vmm, img, 4096, &opts, &r, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_memory_equal(info.rim, md.rim, sizeof(info.rim));
	assert_int_equal(vmm_realm_destroy(r), 0);

	opts.num_bps = 1;
	opts.num_wps = 2;
	assert_int_equal(vmm_measure(img, 4096, &opts, &m1, NULL), 0);
	assert_memory_not_equal(m1.rim, md.rim, 32);
	assert_int_equal(vmm_realm_create(vmm, img, 4096, &opts, &r, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_memory_equal(info.rim, m1.rim, sizeof(info.rim));
	assert_int_equal(vmm_realm_destroy(r), 0);

	opts.num_bps = VMM_HOSTSIM_NUM_BPS + 1;
	assert_int_equal(vmm_realm_create(vmm, img, 4096, &opts, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most"));
	assert_int_equal(atomic_load(&vmm->ledger.held), 0);
	vmm_measurement_free(&md);
	vmm_measurement_free(&m1);
	free(img);
}

/* A NEW realm can be activated later, and a second ACTIVATE is refused. */
static void test_create_new_then_activate(void **state)
{
	struct vmm *vmm = *state;
	struct vmm_realm_opts opts;
	struct vmm_realm *r;
	struct vmm_error err = { "" };
	struct rmm_debug_realm info;
	uint8_t *img = vmm_test_fake_image(4096, 4);

	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(1) << 20;
	assert_int_equal(vmm_realm_create_new(vmm, img, 4096, &opts, &r, &err), 0);
	assert_true(rmm_debug_realm(vmm_realm_rd(r), &info));
	assert_int_equal(info.state, REALM_STATE_NEW);
	assert_int_equal(vmm_realm_activate(r, &err), 0);
	assert_int_equal(vmm_realm_activate(r, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "RMI_REALM_ACTIVATE"));
	assert_int_equal(vmm_realm_destroy(r), 0);
	assert_int_equal(atomic_load(&vmm->ledger.held), 0);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rim_matches_monitor, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test(test_rim_depends_on_measured_inputs_only),
		cmocka_unit_test_setup_teardown(test_policy_granule, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test_setup_teardown(test_host_data, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test_setup_teardown(test_out_of_memory_leaks_nothing, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test_setup_teardown(test_bad_options_refused_before_any_rmi, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test_setup_teardown(test_create_new_then_activate, vmm_test_machine_up, vmm_test_machine_down),
		cmocka_unit_test_setup_teardown(test_debug_counts_from_features, vmm_test_machine_up,
						vmm_test_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

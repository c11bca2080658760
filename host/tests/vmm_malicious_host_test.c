/*
 * The malicious host: a VMM that attacks its own realm through every door it
 * has. Each attack must be refused and must leave the machine exactly as it
 * was (granule states, the GPT, the realm's RIM and RTT entries), and the
 * realm must still tear down without leaking a granule.
 */
#include <stdlib.h>
#include <string.h>

#include "host/rmi_call.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "vmm_test_util.h"

#define PAGE 4096u

struct victim {
	struct vmm *vmm;
	struct vmm_realm *realm;
	uint8_t *image;
	uint64_t data_ipa, data_pa; /* an image granule: measured secret-ish bytes */
	uint64_t run;               /* an RmiRecRun page */
};

/* What must not change: the realm record, the attacked granules, the GPT. */
struct observation {
	struct rmm_debug_realm info;
	unsigned data_state, data_ref, rec_state, rec_ref, rd_state, rd_ref;
	unsigned data_pas;
	uint64_t e_level, e_state, e_desc, e_ripas;
	uint64_t unprot_state;
};

static void observe(const struct victim *v, struct observation *o)
{
	uint64_t rd = vmm_realm_rd(v->realm);
	struct smc_regs e;

	memset(o, 0, sizeof(*o));
	assert_true(rmm_debug_realm(rd, &o->info));
	assert_true(rmm_debug_granule(v->data_pa, &o->data_state, &o->data_ref));
	assert_true(rmm_debug_granule(vmm_realm_rec(v->realm, 0), &o->rec_state, &o->rec_ref));
	assert_true(rmm_debug_granule(rd, &o->rd_state, &o->rd_ref));
	o->data_pas = hostsim_gpt_pas(v->data_pa);
	e = RMI(RMI_RTT_READ_ENTRY, rd, v->data_ipa, 3);
	assert_int_equal(e.x[0], RMI_SUCCESS);
	o->e_level = e.x[1];
	o->e_state = e.x[2];
	o->e_desc = e.x[3];
	o->e_ripas = e.x[4];
	e = RMI(RMI_RTT_READ_ENTRY, rd, vmm_realm_unprotected_ipa(v->realm, v->data_ipa), 3);
	o->unprot_state = e.x[0] == RMI_SUCCESS ? e.x[2] : UINT64_MAX;
}

static void expect_unchanged(const struct victim *v, const struct observation *before)
{
	struct observation now;

	observe(v, &now);
	assert_memory_equal(&now.info, &before->info, sizeof(now.info));
	assert_int_equal(now.data_state, before->data_state);
	assert_int_equal(now.data_ref, before->data_ref);
	assert_int_equal(now.rec_state, before->rec_state);
	assert_int_equal(now.rec_ref, before->rec_ref);
	assert_int_equal(now.rd_state, before->rd_state);
	assert_int_equal(now.rd_ref, before->rd_ref);
	assert_int_equal(now.data_pas, before->data_pas);
	assert_int_equal(now.e_state, before->e_state);
	assert_int_equal(now.e_desc, before->e_desc);
	assert_int_equal(now.e_ripas, before->e_ripas);
	assert_int_equal(now.unprot_state, before->unprot_state);
}

static int victim_up(void **state)
{
	struct victim *v = calloc(1, sizeof(*v));
	struct vmm_realm_opts opts;
	struct vmm_error err = { "" };

	if (!v || vmm_test_machine_up((void **)&v->vmm) != 0)
		return -1;
	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(1) << 20;
	opts.vcpus = 2;
	v->image = vmm_test_fake_image(3 * PAGE, 9);
	if (vmm_realm_create(v->vmm, v->image, 3 * PAGE, &opts, &v->realm, &err) != 0) {
		print_error("victim realm: %s\n", err.msg);
		return -1;
	}
	v->data_ipa = PAGE; /* the image's second granule */
	v->data_pa = vmm_realm_data_pa(v->realm, v->data_ipa);
	v->run = hostsim_host_alloc();
	*state = v;
	return v->data_pa && v->run != HOSTSIM_NO_PA ? 0 : -1;
}

/* The teardown after every attack: nothing leaked. */
static int victim_down(void **state)
{
	struct victim *v = *state;
	int rc = 0;

	if (v->realm) {
		rc = vmm_realm_destroy(v->realm);
		struct leak_snapshot s;
		leak_snapshot_take(&v->vmm->ledger, &s);
		if (rc || s.held || s.not_ns) {
			print_error("teardown leaked: rc %d, %llu held, %llu in the Realm PAS\n", rc,
				    (unsigned long long)s.held, (unsigned long long)s.not_ns);
			rc = -1;
		}
	}
	hostsim_host_free(v->run);
	free(v->image);
	void *vmm = v->vmm;
	vmm_test_machine_down(&vmm);
	free(v);
	return rc;
}

/* Reading a realm's DATA granule through the host window: a GPF, nothing read. */
static void test_host_cannot_read_realm_memory(void **state)
{
	struct victim *v = *state;
	uint8_t buf[PAGE];
	uint64_t gpf = hostsim_gpf_count();
	struct observation before;

	observe(v, &before);
	memset(buf, 0xA5, sizeof(buf));
	assert_false(hostsim_host_read(v->data_pa, buf, sizeof(buf)));
	assert_int_equal(hostsim_gpf_count(), gpf + 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xA5); /* not one byte of the realm's */
	/* A read that merely touches the granule's last byte fails as a whole. */
	assert_false(hostsim_host_read(v->data_pa - 8, buf, 16));
	assert_int_equal(hostsim_gpf_count(), gpf + 2);
	assert_false(hostsim_host_write(v->data_pa, buf, 8));
	assert_int_equal(hostsim_gpf_count(), gpf + 3);
	expect_unchanged(v, &before);
	/* And the realm's copy still holds the image bytes. */
	assert_memory_equal(hostsim_monitor_view(v->data_pa), v->image + PAGE, PAGE);
}

/* DATA_CREATE into an ACTIVE realm: measured content can only be added
 * while the realm is NEW. */
static void test_data_create_into_active_realm(void **state)
{
	struct victim *v = *state;
	uint64_t rd = vmm_realm_rd(v->realm);
	uint64_t src = hostsim_host_alloc(), data = hostsim_host_alloc();
	uint64_t ipa = vmm_realm_layout(v->realm)->top; /* unused protected IPA */
	struct observation before;

	assert_int_equal(RMI(RMI_GRANULE_DELEGATE, data).x[0], RMI_SUCCESS);
	observe(v, &before);
	assert_int_equal(RMI(RMI_DATA_CREATE, rd, data, ipa, src, RMI_MEASURE_CONTENT).x[0],
			 RMI_STATUS(RMI_ERROR_REALM, 0));
	/* Over a live mapping, too. */
	assert_int_not_equal(RMI(RMI_DATA_CREATE, rd, data, v->data_ipa, src, RMI_MEASURE_CONTENT).x[0],
			     RMI_SUCCESS);
	expect_unchanged(v, &before);
	unsigned st, ref;
	assert_true(rmm_debug_granule(data, &st, &ref));
	assert_int_equal(st, GRANULE_STATE_DELEGATED);
	assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, data).x[0], RMI_SUCCESS);
	hostsim_host_free(data);
	hostsim_host_free(src);
}

/* UNDELEGATE of a granule the realm uses (DATA, REC, RD). */
static void test_undelegate_assigned_granules(void **state)
{
	struct victim *v = *state;
	uint64_t victims[] = { v->data_pa, vmm_realm_rec(v->realm, 0), vmm_realm_rd(v->realm) };
	struct observation before;

	observe(v, &before);
	for (size_t i = 0; i < sizeof(victims) / sizeof(victims[0]); i++) {
		assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, victims[i]).x[0], RMI_STATUS(RMI_ERROR_INPUT, 0));
		assert_int_equal(hostsim_gpt_pas(victims[i]), HOSTSIM_PAS_REALM);
	}
	expect_unchanged(v, &before);
}

/* Mapping a realm DATA granule's PA at an unprotected IPA, to make the realm
 * (or the host through the realm) reach it as shared memory. Refused, or (as
 * RMM 1.0 allows) accepted without granting any access: see below. */
static void test_map_data_granule_as_unprotected(void **state)
{
	struct victim *v = *state;
	uint64_t rd = vmm_realm_rd(v->realm);
	uint64_t ipa = vmm_realm_unprotected_ipa(v->realm, v->data_ipa);
	uint64_t desc = v->data_pa | (UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8);
	struct smc_regs r;
	struct observation before;

	/* The RTTs for the unprotected IPA exist, so only the PA is at issue. */
	for (int level = vmm_realm_layout(v->realm)->rtt_level_start + 1; level <= 3; level++) {
		uint64_t t = hostsim_host_alloc();
		assert_int_equal(RMI(RMI_GRANULE_DELEGATE, t).x[0], RMI_SUCCESS);
		r = RMI(RMI_RTT_CREATE, rd, t, ipa & ~(vmm_rtt_level_size(level - 1) - 1), (uint64_t)level);
		if (r.x[0] != RMI_SUCCESS) {
			RMI(RMI_GRANULE_UNDELEGATE, t);
			hostsim_host_free(t);
		}
	}
	observe(v, &before);
	/* The monitor refuses an unprotected mapping whose output address is a
	 * granule it gave to the Realm world (the granule protection check
	 * would also stop the access, but the mapping must not even exist). */
	r = RMI(RMI_RTT_MAP_UNPROTECTED, rd, ipa, 3, desc);
	assert_int_equal(r.x[0], RMI_ERROR_INPUT);
	assert_int_equal(hostsim_gpt_pas(v->data_pa), HOSTSIM_PAS_REALM);
	expect_unchanged(v, &before);
	/* The tables created above are torn down with the realm (the VMM does
	 * not know them): destroy them here so the teardown finds no stranger. */
	for (int level = 3; level > vmm_realm_layout(v->realm)->rtt_level_start; level--) {
		r = RMI(RMI_RTT_DESTROY, rd, ipa & ~(vmm_rtt_level_size(level - 1) - 1), (uint64_t)level);
		if (r.x[0] == RMI_SUCCESS) {
			assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, r.x[1]).x[0], RMI_SUCCESS);
			hostsim_host_free(r.x[1]);
		}
	}
}

/* REALM_DESTROY while the realm still has RECs. */
static void test_destroy_realm_with_live_recs(void **state)
{
	struct victim *v = *state;
	struct observation before;

	observe(v, &before);
	assert_int_equal(RMI(RMI_REALM_DESTROY, vmm_realm_rd(v->realm)).x[0], RMI_STATUS(RMI_ERROR_REALM, 0));
	expect_unchanged(v, &before);
}

/* REC_ENTER on a REC of a realm that was destroyed: the REC is gone with it,
 * whatever the host does with its old granule afterwards. */
static void test_enter_rec_of_destroyed_realm(void **state)
{
	struct victim *v = *state;
	uint64_t rec = vmm_realm_rec(v->realm, 1);
	uint64_t rec0 = vmm_realm_rec(v->realm, 0);
	unsigned st, ref;

	assert_int_equal(vmm_realm_destroy(v->realm), 0);
	v->realm = NULL;
	/* The old REC granules are NS again; entering them is refused... */
	assert_int_equal(RMI(RMI_REC_ENTER, rec, v->run).x[0], RMI_STATUS(RMI_ERROR_INPUT, 0));
	assert_int_equal(RMI(RMI_REC_ENTER, rec0, v->run).x[0], RMI_STATUS(RMI_ERROR_INPUT, 0));
	/* ...even when the host delegates one again to pass the PAS check. */
	uint64_t g = hostsim_host_alloc();
	assert_int_equal(RMI(RMI_GRANULE_DELEGATE, g).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_REC_ENTER, g, v->run).x[0], RMI_STATUS(RMI_ERROR_INPUT, 0));
	assert_true(rmm_debug_granule(g, &st, &ref));
	assert_int_equal(st, GRANULE_STATE_DELEGATED);
	assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, g).x[0], RMI_SUCCESS);
	hostsim_host_free(g);
	struct leak_snapshot s;
	leak_snapshot_take(&v->vmm->ledger, &s);
	assert_int_equal(s.held, 0);
	assert_int_equal(s.not_ns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_cannot_read_realm_memory, victim_up, victim_down),
		cmocka_unit_test_setup_teardown(test_data_create_into_active_realm, victim_up, victim_down),
		cmocka_unit_test_setup_teardown(test_undelegate_assigned_granules, victim_up, victim_down),
		cmocka_unit_test_setup_teardown(test_map_data_granule_as_unprotected, victim_up, victim_down),
		cmocka_unit_test_setup_teardown(test_destroy_realm_with_live_recs, victim_up, victim_down),
		cmocka_unit_test_setup_teardown(test_enter_rec_of_destroyed_realm, victim_up, victim_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

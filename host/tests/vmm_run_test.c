/*
 * The run loop against real realm images (argv: realm_exercise.so,
 * realm_exercise_crash.so): every exit served, secondaries started and
 * restarted, a dying vCPU reported as a crash, an RSI call into memory the
 * host destroyed reported as a host error, and after every run the
 * teardown leaves no granule behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/realm_image.h"
#include "realm_internal.h"
#include "vmm_test_util.h"

static const char *exercise_path, *crash_path, *destroyed_path;

struct console {
	char text[8192];
	size_t len;
};

static void capture(void *ctx, const char *bytes, size_t len)
{
	struct console *c = ctx;

	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* On a machine of its own: builds path's realm, runs it, tears it down;
 * asserts nothing leaked. cmocka installs its own SIGSEGV handler around each
 * test body, and the machine's stage-2 faults arrive as SIGSEGV: the machine
 * starts here, inside the body, so hostsim's handler is the one installed last. */
static void run_image(const char *path, unsigned vcpus, struct console *con,
		      struct vmm_run_result *res)
{
	void *machine = NULL;
	struct realm_image img;
	struct vmm_realm_opts opts;
	struct vmm_realm *r;
	struct vmm_error err = { "" };
	struct vmm_run_config cfg = { .console = capture, .console_ctx = con };
	struct leak_snapshot after;

	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(path, &img), 0);
	vmm_realm_opts_default(&opts);
	opts.vcpus = vcpus;
	opts.mem_size = UINT64_C(4) << 20;
	if (vmm_realm_create(vmm, img.bytes, img.size, &opts, &r, &err) != 0) {
		print_error("%s: %s\n", path, err.msg);
		fail();
	}
	assert_int_equal(vmm_realm_run(r, &cfg, res), 0);
	assert_int_equal(vmm_realm_run(r, &cfg, res + 1), -EINVAL); /* one run per realm */
	assert_int_equal(vmm_realm_destroy(r), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

/* A host that destroys the page the realm names on its console: what the
 * realm's next RSI call into it leads to. */
struct destroyer {
	struct console con;
	struct vmm_realm *realm;
	uint64_t ipa;
	int rc;
};

static void destroy_on_request(void *ctx, const char *bytes, size_t len)
{
	struct destroyer *d = ctx;
	struct vmm_error err = { "" };
	const char *p;

	capture(&d->con, bytes, len);
	p = strstr(d->con.text, "exercise: destroy 0x");
	if (!p || d->ipa)
		return;
	d->ipa = strtoull(p + strlen("exercise: destroy 0x"), NULL, 16);
	pthread_mutex_lock(&d->realm->mm_lock);
	d->rc = realm_data_destroy(d->realm, d->ipa, &err);
	pthread_mutex_unlock(&d->realm->mm_lock);
}

static void test_rsi_call_into_destroyed_memory_ends_the_run(void **state)
{
	void *machine = NULL;
	struct realm_image img;
	struct vmm_realm_opts opts;
	struct vmm_error err = { "" };
	struct destroyer d = { .rc = -1 };
	struct vmm_run_config cfg = { .console = destroy_on_request, .console_ctx = &d, .timeout_ms = 20000 };
	struct vmm_run_result res;
	struct leak_snapshot after;
	char want[64];

	(void)state;
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	assert_int_equal(realm_image_load(destroyed_path, &img), 0);
	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(4) << 20;
	assert_int_equal(vmm_realm_create(vmm, img.bytes, img.size, &opts, &d.realm, &err), 0);
	assert_int_equal(vmm_realm_run(d.realm, &cfg, &res), 0);
	assert_int_equal(d.rc, 0);
	/* Not entered again for ever, nor backed: a host error that says why. */
	if (res.stop != VMM_STOP_HOST_ERROR || !strstr(res.detail, "DESTROYED"))
		print_error("stop %d: %s\nconsole:\n%s\n", res.stop, res.detail, d.con.text);
	assert_int_equal(res.stop, VMM_STOP_HOST_ERROR);
	assert_non_null(strstr(res.detail, "DESTROYED"));
	snprintf(want, sizeof(want), "IPA 0x%llx", (unsigned long long)d.ipa);
	assert_non_null(strstr(res.detail, want));
	assert_false(res.exit_reported);
	vmm_run_result_free(&res);
	assert_int_equal(vmm_realm_destroy(d.realm), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

static void test_every_exit_served(void **state)
{
	struct console con = { .len = 0 };
	struct vmm_run_result res[2];

	(void)state;
	run_image(exercise_path, 2, &con, res);
	if (res[0].stop != VMM_STOP_SYSTEM_OFF || res[0].exit_status != 0)
		print_error("stop %d status %llu: %s\nconsole:\n%s\n", res[0].stop,
			    (unsigned long long)res[0].exit_status, res[0].detail, con.text);
	assert_int_equal(res[0].stop, VMM_STOP_SYSTEM_OFF);
	assert_true(res[0].exit_reported);
	assert_int_equal(res[0].exit_status, 0);
	assert_true(res[0].exits.sync >= 1);
	assert_int_equal(res[0].unprotected_maps, 1);
	assert_int_equal(res[0].ripas_changes, 2); /* EMPTY, RAM; the rejected one is not counted */
	assert_true(res[0].exits.ripas_change >= 3);
	/* 2 CPU_SUSPEND, 2 CPU_ON, >= 3 AFFINITY_INFO, SYSTEM_OFF */
	assert_true(res[0].exits.psci >= 8);
	assert_int_equal(count(con.text, "secondary vCPU ran"), 2);
	assert_non_null(strstr(con.text, "exercise: all exits served"));
	assert_null(res[0].token);
	vmm_run_result_free(&res[0]);
}

static void test_dying_vcpu_is_a_crash(void **state)
{
	struct console con = { .len = 0 };
	struct vmm_run_result res[2];

	(void)state;
	run_image(crash_path, 1, &con, res);
	assert_non_null(strstr(con.text, "touching memory given back"));
	assert_int_equal(res[0].stop, VMM_STOP_CRASHED);
	assert_false(res[0].exit_reported);
	assert_true(strlen(res[0].detail) > 0);
	vmm_run_result_free(&res[0]);
}

/* The platform loader runs bytes copied out of realm memory, so it checks
 * them itself: a VMM that skips realm_image_load and builds a realm from a
 * truncated image gets a realm that does not boot (a crash, reported), never
 * a signal in the process. */
static void test_truncated_image_refused_by_loader(void **state)
{
	static const size_t cuts[] = { 1000, 4100, 9000, 20000 };
	struct realm_image img;

	(void)state;
	assert_int_equal(realm_image_load(exercise_path, &img), 0);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		void *machine = NULL;
		struct vmm_realm_opts opts;
		struct vmm_realm *r;
		struct vmm_error err = { "" };
		struct console con = { .len = 0 };
		struct vmm_run_config cfg = { .console = capture, .console_ctx = &con };
		struct vmm_run_result res;
		struct leak_snapshot after;

		assert_true(cuts[i] < img.size);
		assert_int_equal(vmm_test_machine_up(&machine), 0);
		struct vmm *vmm = machine;
		vmm_realm_opts_default(&opts);
		opts.mem_size = UINT64_C(4) << 20;
		assert_int_equal(vmm_realm_create(vmm, img.bytes, cuts[i], &opts, &r, &err), 0);
		assert_int_equal(vmm_realm_run(r, &cfg, &res), 0);
		assert_int_equal(res.stop, VMM_STOP_CRASHED);
		assert_false(res.exit_reported);
		assert_int_equal(con.len, 0);
		vmm_run_result_free(&res);
		assert_int_equal(vmm_realm_destroy(r), 0);
		leak_snapshot_take(&vmm->ledger, &after);
		assert_int_equal(after.held, 0);
		assert_int_equal(after.not_ns, 0);
		vmm_test_machine_down(&machine);
	}
	realm_image_free(&img);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: vmm_run REALM_EXERCISE.so REALM_EXERCISE_CRASH.so REALM_EXERCISE_DESTROYED.so\n");
		return 2;
	}
	exercise_path = argv[1];
	crash_path = argv[2];
	destroyed_path = argv[3];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_exit_served),
		cmocka_unit_test(test_dying_vcpu_is_a_crash),
		cmocka_unit_test(test_rsi_call_into_destroyed_memory_ends_the_run),
		cmocka_unit_test(test_truncated_image_refused_by_loader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

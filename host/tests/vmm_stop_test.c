/*
 * Stopping a run from outside the realm (argv: realm_spin.so,
 * realm_cpu_cycles.so, realm_exercise.so): a realm that never turns itself
 * off ends at its deadline or on vmm_request_stop() from another thread,
 * with 1 or 2 vCPUs, within a bound, and is torn down with no granule left
 * behind; a deadline a realm beats changes nothing. Also the sdk side of
 * secondaries: many CPU_ON/CPU_OFF cycles in a small realm do not use up
 * its heap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/realm_image.h"
#include "vmm_test_util.h"

static const char *spin_path, *cycles_path, *exercise_path;

struct console {
	char text[8192];
	size_t len;
	atomic_bool spinning;   /* the spin realm said all its vCPUs spin */
};

static void capture(void *ctx, const char *bytes, size_t len)
{
	struct console *c = ctx;

	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
	if (strstr(c->text, "spinning\n"))
		atomic_store(&c->spinning, true);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Asks the VMM to stop once the realm spins (or after 10 s regardless). */
struct stopper {
	struct vmm *vmm;
	struct console *con;
	double asked_at;
};

static void *stop_when_spinning(void *arg)
{
	struct stopper *s = arg;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 5000000 };

	for (int i = 0; i < 2000 && !atomic_load(&s->con->spinning); i++)
		nanosleep(&tick, NULL);
	nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = 100000000 }, NULL);
	s->asked_at = now_s();
	vmm_request_stop(s->vmm);
	return NULL;
}

enum stop_how { STOP_NONE, STOP_BEFORE_RUN, STOP_FROM_THREAD };

struct run {
	const char *path;
	unsigned vcpus;
	uint64_t mem;
	uint64_t timeout_ms;
	enum stop_how how;
	/* out */
	struct console con;
	struct vmm_run_result res;
	double seconds;          /* vmm_realm_run's duration */
	double after_request;    /* from vmm_request_stop to the run's end */
};

/* On a machine of its own (cmocka installs its own SIGSEGV handler around a
 * test body, so the machine starts inside it): builds, runs and tears down;
 * asserts the teardown left nothing behind. */
static void run_realm(struct run *run)
{
	void *machine = NULL;
	struct realm_image img;
	struct vmm_realm_opts opts;
	struct vmm_realm *r;
	struct vmm_error err = { "" };
	struct vmm_run_config cfg = { .console = capture, .console_ctx = &run->con,
				      .timeout_ms = run->timeout_ms };
	struct leak_snapshot after;
	struct stopper stopper = { .con = &run->con };
	pthread_t thread;
	double start;

	atomic_init(&run->con.spinning, false);
	assert_int_equal(vmm_test_machine_up(&machine), 0);
	struct vmm *vmm = machine;
	stopper.vmm = vmm;
	assert_int_equal(realm_image_load(run->path, &img), 0);
	vmm_realm_opts_default(&opts);
	opts.vcpus = run->vcpus;
	opts.mem_size = run->mem;
	if (vmm_realm_create(vmm, img.bytes, img.size, &opts, &r, &err) != 0) {
		print_error("%s: %s\n", run->path, err.msg);
		fail();
	}
	if (run->how == STOP_BEFORE_RUN)
		vmm_request_stop(vmm);
	if (run->how == STOP_FROM_THREAD)
		assert_int_equal(pthread_create(&thread, NULL, stop_when_spinning, &stopper), 0);
	start = now_s();
	assert_int_equal(vmm_realm_run(r, &cfg, &run->res), 0);
	run->seconds = now_s() - start;
	if (run->how == STOP_FROM_THREAD) {
		pthread_join(thread, NULL);
		run->after_request = now_s() - stopper.asked_at;
	}
	assert_int_equal(vmm_realm_destroy(r), 0);
	leak_snapshot_take(&vmm->ledger, &after);
	assert_int_equal(after.held, 0);
	assert_int_equal(after.not_ns, 0);
	realm_image_free(&img);
	vmm_test_machine_down(&machine);
}

static void spin_until_deadline(unsigned vcpus)
{
	struct run *run = calloc(1, sizeof(*run));

	assert_non_null(run);
	*run = (struct run){ .path = spin_path, .vcpus = vcpus, .mem = UINT64_C(4) << 20,
			     .timeout_ms = 1500 };
	run_realm(run);
	if (run->res.stop != VMM_STOP_TIMEOUT)
		print_error("stop %d: %s\nconsole:\n%s\n", run->res.stop, run->res.detail, run->con.text);
	assert_int_equal(run->res.stop, VMM_STOP_TIMEOUT);
	assert_string_equal(vmm_stop_reason_name(run->res.stop), "timeout");
	assert_non_null(strstr(run->res.detail, "deadline"));
	assert_false(run->res.exit_reported);
	/* Every vCPU really spun (the realm said so) and was preempted. */
	char line[64];
	snprintf(line, sizeof(line), "spin: %u vCPUs spinning", vcpus);
	assert_non_null(strstr(run->con.text, line));
	assert_true(run->res.exits.irq >= 1);
	/* At the deadline, not before, and not long after: a time slice or a
	 * poll interval plus joining, with room for a loaded machine. */
	assert_true(run->seconds >= 1.5);
	assert_true(run->seconds < 6.0);
	vmm_run_result_free(&run->res);
	free(run);
}

static void test_deadline_stops_one_vcpu(void **state)
{
	(void)state;
	spin_until_deadline(1);
}

static void test_deadline_stops_two_vcpus(void **state)
{
	(void)state;
	spin_until_deadline(2);
}

static void test_request_stop_from_another_thread(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	*run = (struct run){ .path = spin_path, .vcpus = 2, .mem = UINT64_C(4) << 20,
			     .how = STOP_FROM_THREAD };
	run_realm(run);
	assert_int_equal(run->res.stop, VMM_STOP_INTERRUPTED);
	assert_string_equal(vmm_stop_reason_name(run->res.stop), "interrupted");
	assert_non_null(strstr(run->con.text, "spin: 2 vCPUs spinning"));
	assert_true(run->after_request < 3.0);
	vmm_run_result_free(&run->res);
	free(run);
}

static void test_request_before_run_never_enters(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	*run = (struct run){ .path = spin_path, .vcpus = 1, .mem = UINT64_C(4) << 20,
			     .how = STOP_BEFORE_RUN };
	run_realm(run);
	assert_int_equal(run->res.stop, VMM_STOP_INTERRUPTED);
	assert_int_equal(run->con.len, 0);
	assert_int_equal(run->res.exits.irq + run->res.exits.host_call + run->res.exits.psci, 0);
	vmm_run_result_free(&run->res);
	free(run);
}

static void test_deadline_a_realm_beats_changes_nothing(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	*run = (struct run){ .path = exercise_path, .vcpus = 2, .mem = UINT64_C(4) << 20,
			     .timeout_ms = 60000 };
	run_realm(run);
	assert_int_equal(run->res.stop, VMM_STOP_SYSTEM_OFF);
	assert_true(run->res.exit_reported);
	assert_int_equal(run->res.exit_status, 0);
	vmm_run_result_free(&run->res);
	free(run);
}

static void test_cpu_on_off_cycles_keep_the_heap(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	/* 200 x 64 KiB of stacks would be 12.5 MiB: three times the RAM. */
	*run = (struct run){ .path = cycles_path, .vcpus = 2, .mem = UINT64_C(4) << 20,
			     .timeout_ms = 120000 };
	run_realm(run);
	if (run->res.stop != VMM_STOP_SYSTEM_OFF || run->res.exit_status != 0)
		print_error("stop %d (%s) status %llu\nconsole:\n%s\n", run->res.stop, run->res.detail,
			    (unsigned long long)run->res.exit_status, run->con.text);
	assert_int_equal(run->res.stop, VMM_STOP_SYSTEM_OFF);
	assert_true(run->res.exit_reported);
	assert_int_equal(run->res.exit_status, 0);
	assert_non_null(strstr(run->con.text, "cycles: 200 CPU_ON/CPU_OFF rounds"));
	vmm_run_result_free(&run->res);
	free(run);
}

static void test_stop_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_SYSTEM_OFF), "system_off");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_SYSTEM_RESET), "system_reset");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_ALL_OFF), "all_cpus_off");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_CRASHED), "crashed");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_HOST_ERROR), "host_error");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_TIMEOUT), "timeout");
	assert_string_equal(vmm_stop_reason_name(VMM_STOP_INTERRUPTED), "interrupted");
	assert_string_equal(vmm_stop_reason_name((enum vmm_stop_reason)99), "?");
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: vmm_stop REALM_SPIN.so REALM_CPU_CYCLES.so REALM_EXERCISE.so\n");
		return 2;
	}
	spin_path = argv[1];
	cycles_path = argv[2];
	exercise_path = argv[3];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_reason_names),
		cmocka_unit_test(test_deadline_stops_one_vcpu),
		cmocka_unit_test(test_deadline_stops_two_vcpus),
		cmocka_unit_test(test_request_stop_from_another_thread),
		cmocka_unit_test(test_request_before_run_never_enters),
		cmocka_unit_test(test_deadline_a_realm_beats_changes_nothing),
		cmocka_unit_test(test_cpu_on_off_cycles_keep_the_heap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The host window: what the normal world can and cannot reach. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define GRANULES 64u
#define ROOT     16u

static void host_write_is_seen_by_monitor(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	const char msg[] = "from the normal world";
	assert_true(hostsim_host_write(G(20) + 100, msg, sizeof(msg)));
	assert_memory_equal((const char *)hostsim_monitor_view(G(20)) + 100, msg, sizeof(msg));
	assert_memory_equal((const char *)hostsim_host_va(G(20)) + 100, msg, sizeof(msg));
	char back[sizeof(msg)] = { 0 };
	assert_true(hostsim_host_read(G(20) + 100, back, sizeof(back)));
	assert_memory_equal(back, msg, sizeof(msg));
	/* A range across granules. */
	static uint8_t big[3 * PLAT_GRANULE_SIZE];
	memset(big, 0x3c, sizeof(big));
	assert_true(hostsim_host_write(G(30) + 7, big, sizeof(big)));
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(33)))[6], 0x3c);
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(33)))[7], 0);
	assert_int_equal(hostsim_gpf_count(), 0);
}

static void read_of_delegated_granule_fails_and_counts(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t buf[64];

	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(20)), E_RMM_OK);
	memset(plat_granule_map(G(20)), 0x5e, PLAT_GRANULE_SIZE); /* realm data */
	memset(buf, 0xee, sizeof(buf));
	assert_false(hostsim_host_read(G(20), buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee); /* nothing read */
	assert_int_equal(hostsim_gpf_count(), 1);
	assert_false(hostsim_host_write(G(20) + 8, buf, 1));
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(20)))[8], 0x5e);
	assert_int_equal(hostsim_gpf_count(), 2);
}

static void range_touching_delegated_granule_copies_nothing(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	static uint8_t buf[2 * PLAT_GRANULE_SIZE];
	static uint8_t ones[2 * PLAT_GRANULE_SIZE];

	memset(ones, 1, sizeof(ones));
	assert_true(hostsim_host_write(G(40), ones, PLAT_GRANULE_SIZE));
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(41)), E_RMM_OK);
	memset(buf, 0xee, sizeof(buf));
	assert_false(hostsim_host_read(G(40), buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
	memset(ones, 2, sizeof(ones));
	assert_false(hostsim_host_write(G(40) + 16, ones, PLAT_GRANULE_SIZE));
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(G(40)))[16], 1);
	assert_int_equal(hostsim_gpf_count(), 2);
}

static void root_granules_are_unreachable(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t b = 0;
	assert_false(hostsim_host_read(0, &b, 1));
	assert_false(hostsim_host_read(G(ROOT) - 1, &b, 2));
	assert_false(hostsim_host_write(G(3), &b, 1));
	assert_int_equal(hostsim_gpf_count(), 3);
	assert_true(hostsim_host_read(G(ROOT), &b, 1));
}

static void out_of_dram_is_refused_without_gpf(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint8_t b[2] = { 0 };
	assert_false(hostsim_host_read(G(GRANULES), b, 1));
	assert_false(hostsim_host_read(G(GRANULES) - 1, b, 2));
	assert_false(hostsim_host_write(UINT64_MAX, b, 2));
	assert_false(hostsim_host_read(G(20), b, SIZE_MAX));
	assert_true(hostsim_host_read(G(GRANULES) - 1, b, 1));
	assert_true(hostsim_host_read(G(GRANULES), b, 0));
	assert_int_equal(hostsim_gpf_count(), 0);
}

static void touch_delegated(void *arg)
{
	volatile uint8_t *p = hostsim_host_va(*(uint64_t *)arg);
	(void)*p;
}

static void unguarded_access_to_delegated_granule_aborts(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = G(25) + 0x123;
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, G(25)), E_RMM_OK);
	assert_true(death_test(touch_delegated, &pa, SIGABRT,
			       "hostsim: granule protection fault: host access to PA 0x19123 (PAS REALM)"));
	/* The parent never touched it. */
	assert_int_equal(hostsim_gpf_count(), 0);
}

static void unguarded_access_to_root_aborts(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = 8;
	assert_true(death_test(touch_delegated, &pa, SIGABRT,
			       "hostsim: granule protection fault: host access to PA 0x8 (PAS ROOT)"));
}

static void undelegated_granule_is_reachable_again(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = G(26);
	assert_int_equal(el3_call(RMM_GTSI_DELEGATE, pa), E_RMM_OK);
	assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, pa), E_RMM_OK);
	*(volatile uint8_t *)hostsim_host_va(pa) = 9; /* would abort if still closed */
	assert_int_equal(((const uint8_t *)hostsim_monitor_view(pa))[0], 9);
}

/* ---- a raw access racing with undelegate ----
 * EL3 sets the PAS to NS before it reopens the window, so a host access that
 * follows the GPT closely can fault on a granule that is already NS: that is
 * not a GPF, the access must be retried. */

#define RACE_ROUNDS 2000
static _Atomic int race_round;
static _Atomic int race_ack;

static void *race_reader(void *arg)
{
	uint64_t pa = *(uint64_t *)arg;
	for (int round = 1; round <= RACE_ROUNDS; round++) {
		/* Spin hard to catch the moment the PAS flips, but let the other
		 * thread run when both share one core. */
		for (unsigned spins = 1;
		     atomic_load(&race_round) != round || hostsim_gpt_pas(pa) != HOSTSIM_PAS_NS; spins++)
			if (spins % 4096 == 0)
				sched_yield();
		(void)*(volatile uint8_t *)hostsim_host_va(pa); /* may fault: retried */
		atomic_store(&race_ack, round);
	}
	return NULL;
}

static void raw_access_racing_with_undelegate_is_retried(void **state)
{
	(void)state;
	test_hw_start(GRANULES, ROOT);
	uint64_t pa = G(27);
	pthread_t t;

	atomic_store(&race_round, 0);
	atomic_store(&race_ack, 0);
	assert_int_equal(pthread_create(&t, NULL, race_reader, &pa), 0);
	for (int round = 1; round <= RACE_ROUNDS; round++) {
		assert_int_equal(el3_call(RMM_GTSI_DELEGATE, pa), E_RMM_OK);
		atomic_store(&race_round, round);
		assert_int_equal(el3_call(RMM_GTSI_UNDELEGATE, pa), E_RMM_OK);
		while (atomic_load(&race_ack) != round)
			sched_yield();
	}
	pthread_join(t, NULL);
	assert_int_equal(hostsim_gpf_count(), 0);
}

/* ---- faults that are not hostsim's go to the previous handler ---- */

static void exit_42(int sig)
{
	(void)sig;
	_exit(42);
}

static void foreign_fault_child(void *arg)
{
	(void)arg;
	signal(SIGSEGV, exit_42);
	test_hw_start(GRANULES, ROOT);
	volatile uint8_t *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)*guard;
	_exit(1);
}

static void foreign_fault_reaches_previous_handler(void **state)
{
	(void)state;
	/* Run in a child so cmocka's own handler is not in the way. */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		foreign_fault_child(NULL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

static void default_fault_child(void *arg)
{
	(void)arg;
	signal(SIGSEGV, SIG_DFL);
	test_hw_start(GRANULES, ROOT);
	volatile uint8_t *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)*guard;
}

static void foreign_fault_with_default_handler_kills(void **state)
{
	(void)state;
	assert_true(death_test(default_fault_child, NULL, SIGSEGV, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(host_write_is_seen_by_monitor, test_hw_stop),
		cmocka_unit_test_teardown(read_of_delegated_granule_fails_and_counts, test_hw_stop),
		cmocka_unit_test_teardown(range_touching_delegated_granule_copies_nothing, test_hw_stop),
		cmocka_unit_test_teardown(root_granules_are_unreachable, test_hw_stop),
		cmocka_unit_test_teardown(out_of_dram_is_refused_without_gpf, test_hw_stop),
		cmocka_unit_test_teardown(unguarded_access_to_delegated_granule_aborts, test_hw_stop),
		cmocka_unit_test_teardown(unguarded_access_to_root_aborts, test_hw_stop),
		cmocka_unit_test_teardown(undelegated_granule_is_reachable_again, test_hw_stop),
		cmocka_unit_test_teardown(raw_access_racing_with_undelegate_is_retried, test_hw_stop),
		cmocka_unit_test(foreign_fault_reaches_previous_handler),
		cmocka_unit_test(foreign_fault_with_default_handler_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Concurrent delegate / undelegate / host and monitor copies / allocation on a
 * small pool of granules for a bounded time, then a consistency check.
 *
 * A thread that delegates a granule owns it as "realm memory" until it
 * undelegates it: it checks that delegation left the granule zero (no host
 * write landed after the GPT said REALM), fills it with realm secrets, scrubs
 * it and gives it back. Every other thread meanwhile reads and writes random
 * pool granules as the host and as the monitor: a copy that succeeds must
 * never see a secret, and every host copy that fails must be counted as a GPF.
 * HOSTSIM_STRESS_MS sets the run time (default 1500 ms).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "abi/el3.h"
#include "hostsim_internal.h"
#include "test_support.h"

#define THREADS  4
#define ROOT     4u
#define POOL     24u /* granules ROOT .. ROOT + POOL - 1 */
#define GRANULES (ROOT + POOL)
#define SECRET   0xee
#define HOSTDATA 0x11

static _Atomic bool stop;
static _Atomic uint64_t host_copy_failures;
static _Atomic int delegated_tally[GRANULES];
static _Atomic int alloc_owner[GRANULES];

struct worker_stats {
	unsigned delegations, host_ok, ns_ok, allocs;
	bool leaked_secret, dirty_after_delegate, bad_undelegate, double_alloc;
};

static uint8_t *buf_for_check(void)
{
	static uint8_t b[PLAT_GRANULE_SIZE];
	return b;
}

static bool has_secret(const uint8_t *p, size_t n)
{
	return memchr(p, SECRET, n) != NULL;
}

static void own_as_realm(uint64_t g, struct worker_stats *st)
{
	uint8_t *p = plat_granule_map(G(g));

	atomic_fetch_add(&delegated_tally[g], 1);
	st->delegations++;
	for (size_t i = 0; i < PLAT_GRANULE_SIZE; i++)
		if (p[i] != 0)
			st->dirty_after_delegate = true;
	memset(p, SECRET, PLAT_GRANULE_SIZE);
	sched_yield();
	memset(p, 0, PLAT_GRANULE_SIZE); /* the monitor scrubs before giving it back */
	atomic_fetch_sub(&delegated_tally[g], 1);
	if (el3_call(RMM_GTSI_UNDELEGATE, G(g)) != E_RMM_OK)
		st->bad_undelegate = true;
}

static void *worker(void *arg)
{
	struct worker_stats *st = arg;
	unsigned seed = (unsigned)(uintptr_t)arg;
	uint8_t buf[2 * PLAT_GRANULE_SIZE];
	uint8_t host[128];

	memset(host, HOSTDATA, sizeof(host));
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t g = ROOT + (uint64_t)rand_r(&seed) % POOL;
		uint64_t off = (uint64_t)rand_r(&seed) % PLAT_GRANULE_SIZE;
		/* Ranges may cross into the next granule, but stay inside DRAM. */
		size_t len = 1 + (size_t)rand_r(&seed) % PLAT_GRANULE_SIZE;
		if (G(g) + off + len > G(GRANULES))
			len = (size_t)(G(GRANULES) - G(g) - off);

		switch (rand_r(&seed) % 6) {
		case 0:
			if (el3_call(RMM_GTSI_DELEGATE, G(g)) == E_RMM_OK)
				own_as_realm(g, st);
			break;
		case 1:
			if (hostsim_host_read(G(g) + off, buf, len)) {
				st->host_ok++;
				st->leaked_secret |= has_secret(buf, len);
			} else {
				atomic_fetch_add(&host_copy_failures, 1);
			}
			break;
		case 2:
			if (plat_ns_read(G(g) + off, buf, len)) {
				st->ns_ok++;
				st->leaked_secret |= has_secret(buf, len);
			}
			break;
		case 3:
			if (!hostsim_host_write(G(g) + off, host, len < sizeof(host) ? len : sizeof(host)))
				atomic_fetch_add(&host_copy_failures, 1);
			break;
		case 4:
			(void)plat_ns_write(G(g) + off, host, len < sizeof(host) ? len : sizeof(host));
			break;
		case 5: {
			uint64_t pa = hostsim_host_alloc();
			if (pa == HOSTSIM_NO_PA)
				break;
			uint64_t a = pa >> PLAT_GRANULE_SHIFT;
			if (a < ROOT || a >= GRANULES || atomic_exchange(&alloc_owner[a], 1) != 0)
				st->double_alloc = true;
			st->allocs++;
			atomic_store(&alloc_owner[a], 0);
			hostsim_host_free(pa);
			break;
		}
		}
	}
	return NULL;
}

static void concurrent_gpt_stays_consistent(void **state)
{
	(void)state;
	const char *env = getenv("HOSTSIM_STRESS_MS");
	long ms = env ? atol(env) : 1500;
	pthread_t t[THREADS];
	struct worker_stats st[THREADS];

	test_hw_start(GRANULES, ROOT);
	memset(st, 0, sizeof(st));
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &st[i]), 0);
	struct timespec nap = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&nap, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);

	unsigned delegations = 0, host_ok = 0, ns_ok = 0, allocs = 0;
	for (int i = 0; i < THREADS; i++) {
		assert_false(st[i].leaked_secret);
		assert_false(st[i].dirty_after_delegate);
		assert_false(st[i].bad_undelegate);
		assert_false(st[i].double_alloc);
		delegations += st[i].delegations;
		host_ok += st[i].host_ok;
		ns_ok += st[i].ns_ok;
		allocs += st[i].allocs;
	}
	print_message("delegations %u, host reads %u, monitor reads %u, allocs %u, GPFs %llu\n",
		      delegations, host_ok, ns_ok, allocs, (unsigned long long)hostsim_gpf_count());
	/* Every op kind happened, including both outcomes of host copies. */
	assert_true(delegations > 0 && host_ok > 0 && ns_ok > 0 && allocs > 0);
	assert_true(atomic_load(&host_copy_failures) > 0);
	assert_int_equal(hostsim_gpf_count(), atomic_load(&host_copy_failures));
	/* Every owner gave its granule back: all NS, readable, and no secret left. */
	for (unsigned g = ROOT; g < GRANULES; g++) {
		assert_int_equal(atomic_load(&delegated_tally[g]), 0);
		assert_int_equal(hostsim_gpt_pas(G(g)), HOSTSIM_PAS_NS);
		assert_true(hostsim_host_read(G(g), buf_for_check(), PLAT_GRANULE_SIZE));
		assert_false(has_secret(buf_for_check(), PLAT_GRANULE_SIZE));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(concurrent_gpt_stays_consistent, test_hw_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

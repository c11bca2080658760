/*
 * Granule lookup and locking: PA checks, lock sets taken in ascending PA
 * order whatever order they are given in, all-or-nothing failure, and many
 * threads locking overlapping sets without deadlock (label concurrency).
 */
#include <pthread.h>
#include <time.h>

#include "granule.h"
#include "rmm_test_util.h"

static int machine_up(void **state)
{
	(void)state;
	return hostsim_start(&(struct hostsim_config){ .dram_size = 64u << 20 });
}

static int machine_down(void **state)
{
	(void)state;
	hostsim_stop();
	return 0;
}

static bool is_locked(struct granule *g)
{
	if (!plat_lock_try_acquire(&g->lock))
		return true;
	plat_lock_release(&g->lock);
	return false;
}

static void test_lookup(void **state)
{
	(void)state;
	assert_non_null(granule_from_pa(0));
	assert_null(granule_from_pa(0x10));
	assert_null(granule_from_pa(64u << 20));
	assert_non_null(granule_from_pa((64u << 20) - 4096));
	assert_int_equal(granule_pa(granule_from_pa(0x5000)), 0x5000);
	assert_null(granule_lock_expect(0x5001, GRANULE_STATE_NS));
	assert_null(granule_lock_expect(0x5000, GRANULE_STATE_RD));
	assert_false(is_locked(granule_from_pa(0x5000)));
}

static void test_lock_set_any_order(void **state)
{
	struct granule_lock_req reqs[4] = {
		{ .pa = 0x40000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x20000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x90000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x30000, .expected = GRANULE_STATE_NS },
	};

	(void)state;
	assert_true(granule_lock_set(reqs, 4));
	for (unsigned i = 0; i < 4; i++) {
		assert_ptr_equal(reqs[i].g, granule_from_pa(reqs[i].pa)); /* in argument order */
		assert_true(is_locked(reqs[i].g));
	}
	granule_unlock_set(reqs, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_false(is_locked(reqs[i].g));
}

static void test_lock_set_all_or_nothing(void **state)
{
	struct granule_lock_req bad_state[3] = {
		{ .pa = 0x20000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x30000, .expected = GRANULE_STATE_RD }, /* it is NS */
		{ .pa = 0x40000, .expected = GRANULE_STATE_NS },
	};
	struct granule_lock_req alias[2] = {
		{ .pa = 0x20000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x20000, .expected = GRANULE_STATE_NS },
	};
	struct granule_lock_req bad_pa[2] = {
		{ .pa = 0x20000, .expected = GRANULE_STATE_NS },
		{ .pa = 0x30008, .expected = GRANULE_STATE_NS },
	};

	(void)state;
	assert_false(granule_lock_set(bad_state, 3));
	assert_false(granule_lock_set(alias, 2));
	assert_false(granule_lock_set(bad_pa, 2));
	for (uint64_t pa = 0x20000; pa <= 0x40000; pa += 0x10000)
		assert_false(is_locked(granule_from_pa(pa)));
}

#define THREADS 4
#define POOL 8

static struct {
	uint64_t counters[POOL];
	volatile int stop;
} shared;

static void *locker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	uint64_t rounds = 0;

	while (!__atomic_load_n(&shared.stop, __ATOMIC_RELAXED)) {
		struct granule_lock_req reqs[3];
		unsigned n = 2 + rand_r(&seed) % 2, picked[3];

		for (unsigned i = 0; i < n; i++) {
			bool dup;

			do {
				picked[i] = (unsigned)rand_r(&seed) % POOL;
				dup = false;
				for (unsigned j = 0; j < i; j++)
					dup |= picked[j] == picked[i];
			} while (dup);
			reqs[i] = (struct granule_lock_req){ .pa = 0x100000 + picked[i] * 4096ull,
							     .expected = GRANULE_STATE_NS };
		}
		assert_true(granule_lock_set(reqs, n));
		for (unsigned i = 0; i < n; i++)
			shared.counters[picked[i]]++; /* plain: the locks must order these */
		granule_unlock_set(reqs, n);
		rounds++;
	}
	return (void *)(uintptr_t)rounds;
}

static void test_concurrent_lock_sets(void **state)
{
	pthread_t t[THREADS];
	uint64_t total = 0, sum = 0;
	struct timespec delay = { 0, 300 * 1000 * 1000 };

	(void)state;
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, locker, (void *)(uintptr_t)(i + 1)), 0);
	nanosleep(&delay, NULL);
	__atomic_store_n(&shared.stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < THREADS; i++) {
		void *rounds;

		pthread_join(t[i], &rounds);
		total += (uint64_t)(uintptr_t)rounds;
		assert_true((uintptr_t)rounds > 0); /* every thread made progress */
	}
	for (unsigned i = 0; i < POOL; i++)
		sum += shared.counters[i];
	assert_true(sum >= 2 * total && sum <= 3 * total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lock_set_any_order),
		cmocka_unit_test(test_lock_set_all_or_nothing),
		cmocka_unit_test(test_concurrent_lock_sets),
	};

	return cmocka_run_group_tests(tests, machine_up, machine_down);
}

/* plat_lock_t: mutual exclusion, ordering, progress with more threads than cores. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plat/plat.h"

#define THREADS    8 /* several per core on the 2-core CI machine */
#define ITERATIONS 20000

static plat_lock_t lock;
static uint64_t counter;    /* plain: only the lock protects it (TSan checks) */
static uint64_t shadow[4];  /* written as a group under the lock */

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERATIONS; i++) {
		if (i % 7 == 0) {
			while (!plat_lock_try_acquire(&lock))
				;
		} else {
			plat_lock_acquire(&lock);
		}
		counter++;
		for (int k = 0; k < 4; k++)
			shadow[k] = counter;
		plat_lock_release(&lock);
	}
	return NULL;
}

static void mutual_exclusion_under_contention(void **state)
{
	(void)state;
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, (uint64_t)THREADS * ITERATIONS);
	for (int k = 0; k < 4; k++)
		assert_int_equal(shadow[k], counter);
	assert_int_equal(atomic_load(&lock.word), 0);
}

static void try_acquire_fails_while_held(void **state)
{
	(void)state;
	plat_lock_t l = { 0 };

	assert_true(plat_lock_try_acquire(&l));
	assert_false(plat_lock_try_acquire(&l));
	plat_lock_release(&l);
	assert_int_equal(atomic_load(&l.word), 0);
	plat_lock_acquire(&l);
	assert_false(plat_lock_try_acquire(&l));
	plat_lock_release(&l);
	assert_true(plat_lock_try_acquire(&l));
	plat_lock_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(try_acquire_fails_while_held),
		cmocka_unit_test(mutual_exclusion_under_contention),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

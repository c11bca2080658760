/*
 * plat_lock_t on bare metal: a test-and-set lock from C11 atomics that waits
 * with WFE instead of spinning hot. The releasing CPU issues SEV after its
 * store, so a waiter that saw the lock held and then executes WFE wakes up
 * (the event register is set even if SEV came before the WFE).
 */
#include "plat/plat.h"

bool plat_lock_try_acquire(plat_lock_t *lock)
{
	uint32_t expected = 0;

	return atomic_compare_exchange_strong_explicit(&lock->word, &expected, 1,
						       memory_order_acquire, memory_order_relaxed);
}

void plat_lock_acquire(plat_lock_t *lock)
{
	while (atomic_exchange_explicit(&lock->word, 1, memory_order_acquire) != 0) {
		while (atomic_load_explicit(&lock->word, memory_order_relaxed) != 0)
			__asm__ volatile("wfe" ::: "memory");
	}
}

void plat_lock_release(plat_lock_t *lock)
{
	atomic_store_explicit(&lock->word, 0, memory_order_release);
	/* Make the store visible before waking the waiters. */
	__asm__ volatile("dsb ishst\n\tsev" ::: "memory");
}

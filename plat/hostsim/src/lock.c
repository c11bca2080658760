/*
 * plat_lock_t on Linux: a three-state futex lock built from C11 atomics.
 *
 * 0 free, 1 held, 2 held and someone may sleep on it. Acquire spins briefly
 * (a granule lock is held for a few hundred instructions), then sleeps in the
 * kernel, so many threads contending on 2 cores make progress instead of
 * burning each other's time slices. Ordering comes from the atomics alone
 * (acquire on taking, release on giving back), which is what ThreadSanitizer
 * models; the futex calls only park and wake threads.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "plat/plat.h"

enum { LOCK_FREE = 0, LOCK_HELD = 1, LOCK_CONTENDED = 2 };
#define LOCK_SPINS 100

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_one(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

bool plat_lock_try_acquire(plat_lock_t *lock)
{
	uint32_t expected = LOCK_FREE;

	return atomic_compare_exchange_strong_explicit(&lock->word, &expected, LOCK_HELD,
						       memory_order_acquire, memory_order_relaxed);
}

void plat_lock_acquire(plat_lock_t *lock)
{
	for (int i = 0; i < LOCK_SPINS; i++) {
		if (atomic_load_explicit(&lock->word, memory_order_relaxed) == LOCK_FREE &&
		    plat_lock_try_acquire(lock))
			return;
		cpu_relax();
	}
	/* Mark the lock contended; whoever gets it this way keeps it marked, so
	 * the release wakes the next sleeper. */
	while (atomic_exchange_explicit(&lock->word, LOCK_CONTENDED, memory_order_acquire) != LOCK_FREE)
		futex_wait(&lock->word, LOCK_CONTENDED);
}

void plat_lock_release(plat_lock_t *lock)
{
	if (atomic_exchange_explicit(&lock->word, LOCK_FREE, memory_order_release) == LOCK_CONTENDED)
		futex_wake_one(&lock->word);
}

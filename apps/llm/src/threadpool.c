/*
 * A forward pass runs the pool a few dozen times per token, every few
 * microseconds, so a worker that slept on a condition variable after each
 * job would pay a wake-up (tens of microseconds) every time. Workers
 * therefore spin on the job word for a bounded time (LLM_POOL_SPIN_NS)
 * before sleeping, and the caller spins the same way before sleeping while
 * it waits for the last task. Past the first microseconds the spin yields
 * the CPU at every check: with more threads than free CPUs, a pure spin
 * would hold the CPU the thread it waits for needs (measured with 2 threads
 * pinned to one CPU: generation at 45% of one thread's rate, 100% with the
 * yield).
 *
 * The job word packs a 32-bit generation and the next unclaimed task. A
 * task is claimed by compare-and-swap only while the word still holds the
 * generation the worker read the job under, so a worker that wakes late (a
 * busy machine) can never run a task of the wrong job, and the caller waits
 * for tasks finished, not for every worker to check in: when workers are
 * not scheduled the caller runs the tasks itself instead of waiting for
 * them. The job's fields are atomics because such a late worker may read
 * them while the next job is being written; it then finds the generation
 * changed and drops what it read.
 *
 * Sleeping follows one pattern on both sides: the sleeper announces itself
 * (sleepers / caller_sleeping, sequentially consistent), then re-checks the
 * condition under the mutex before waiting; the waker changes the
 * condition, then signals under the mutex if anyone announced. Either the
 * sleeper sees the change or the waker sees the sleeper, so no wake-up is
 * lost.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() ((void)0)
#endif

#include "llm/threadpool.h"

struct llm_threadpool {
	const struct llm_allocator *alloc;
	unsigned n_workers;
	unsigned threads_cap; /* entries allocated in threads */
	pthread_t *threads;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a new job or stop, for sleeping workers */
	pthread_cond_t done; /* the last task finished, for a sleeping caller */
	atomic_uint sleepers;
	atomic_bool caller_sleeping;
	atomic_bool stop;
	/* generation << 32 | next task; the generation is never 0 for a job. */
	_Alignas(64) _Atomic uint64_t job;
	_Atomic(llm_task_fn) fn;
	_Atomic(void *) arg;
	atomic_uint n_tasks;
	_Alignas(64) atomic_uint finished; /* tasks of the current job done */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Spins until done(p, v) or LLM_POOL_SPIN_NS pass; true if done. For the
 * first SPIN_PAUSE_NS with a pause instruction, then with sched_yield: on a
 * CPU that another runnable thread wants (more threads than free CPUs, even
 * the pool's own caller) the spinner hands it over instead of burning its
 * time slice, and on an idle CPU the call returns at once. The clock is read
 * every 64 pauses only, as a pause lasts from a few to ~150 cycles.
 */
#define SPIN_PAUSE_NS 30000u

static bool spin_until(struct llm_threadpool *p, bool (*done)(struct llm_threadpool *, uint64_t), uint64_t v)
{
	uint64_t start = 0;
	bool yielding = false;
	for (unsigned i = 0;; i++) {
		if (done(p, v))
			return true;
		if (yielding || (i & 63) == 63) {
			uint64_t t = now_ns();
			if (!start)
				start = t;
			else if (t - start >= LLM_POOL_SPIN_NS)
				return false;
			yielding = t - start >= SPIN_PAUSE_NS;
		}
		if (yielding)
			sched_yield();
		else
			cpu_relax();
	}
}

/* Both checks are sequentially consistent: the sleep pattern needs it, and
 * on x86 such a load is a plain load anyway. */
static bool job_changed(struct llm_threadpool *p, uint64_t gen)
{
	return (atomic_load(&p->job) >> 32) != gen || atomic_load(&p->stop);
}

static bool job_finished(struct llm_threadpool *p, uint64_t n_tasks)
{
	return atomic_load(&p->finished) == n_tasks;
}

/* Runs tasks of generation gen until none is left or the job is another. */
static void run_tasks(struct llm_threadpool *p, uint64_t gen, llm_task_fn fn, void *arg, unsigned n_tasks)
{
	uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
	for (;;) {
		if ((w >> 32) != gen || (uint32_t)w >= n_tasks)
			return;
		if (!atomic_compare_exchange_weak_explicit(&p->job, &w, w + 1, memory_order_acquire,
							   memory_order_acquire))
			continue;
		fn(arg, (uint32_t)w);
		if (atomic_fetch_add(&p->finished, 1) + 1 == n_tasks &&
		    atomic_load(&p->caller_sleeping)) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
		w = atomic_load_explicit(&p->job, memory_order_acquire);
	}
}

static void *worker_main(void *opaque)
{
	struct llm_threadpool *p = opaque;
	uint64_t seen = 0;
	for (;;) {
		if (!spin_until(p, job_changed, seen)) {
			pthread_mutex_lock(&p->lock);
			atomic_fetch_add(&p->sleepers, 1);
			while (!job_changed(p, seen))
				pthread_cond_wait(&p->wake, &p->lock);
			atomic_fetch_sub(&p->sleepers, 1);
			pthread_mutex_unlock(&p->lock);
		}
		if (atomic_load(&p->stop))
			return NULL;
		seen = atomic_load_explicit(&p->job, memory_order_acquire) >> 32;
		/* Acquire: a field already rewritten for a later job makes the
		 * retired job word (see run) visible, so nothing is claimed. */
		llm_task_fn fn = atomic_load_explicit(&p->fn, memory_order_acquire);
		void *arg = atomic_load_explicit(&p->arg, memory_order_acquire);
		unsigned n_tasks = atomic_load_explicit(&p->n_tasks, memory_order_acquire);
		run_tasks(p, seen, fn, arg, n_tasks);
	}
}

static void wake_sleepers(struct llm_threadpool *p)
{
	if (atomic_load(&p->sleepers)) {
		pthread_mutex_lock(&p->lock);
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
	}
}

static void stop_workers(struct llm_threadpool *p, unsigned started)
{
	atomic_store(&p->stop, true);
	pthread_mutex_lock(&p->lock); /* a worker between its check and its wait holds the lock */
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->threads[i], NULL);
}

int llm_threadpool_create(struct llm_threadpool **out, unsigned n_threads,
			  const struct llm_allocator *alloc)
{
	*out = NULL;
	if (n_threads == 0 || n_threads > 256)
		return -EINVAL;
	struct llm_threadpool *p = llm_alloc(alloc, sizeof(*p), _Alignof(struct llm_threadpool));
	if (!p)
		return -ENOMEM;
	p->alloc = alloc;
	p->n_workers = n_threads - 1;
	p->threads_cap = p->n_workers;
	p->threads = NULL;
	if (p->n_workers) {
		p->threads = llm_alloc_array(alloc, p->n_workers, sizeof(pthread_t), _Alignof(pthread_t));
		if (!p->threads) {
			llm_free(alloc, p, sizeof(*p));
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->sleepers, 0);
	atomic_init(&p->caller_sleeping, false);
	atomic_init(&p->stop, false);
	atomic_init(&p->job, 0);
	atomic_init(&p->fn, NULL);
	atomic_init(&p->arg, NULL);
	atomic_init(&p->n_tasks, 0);
	atomic_init(&p->finished, 0);
	for (unsigned i = 0; i < p->n_workers; i++) {
		int rc = pthread_create(&p->threads[i], NULL, worker_main, p);
		if (rc) {
			stop_workers(p, i);
			p->n_workers = i; /* only these were started */
			llm_threadpool_free(p);
			return -rc;
		}
	}
	*out = p;
	return 0;
}

void llm_threadpool_run(struct llm_threadpool *p, llm_task_fn fn, void *arg, unsigned n_tasks)
{
	if (p->n_workers == 0 || n_tasks <= 1) {
		for (unsigned t = 0; t < n_tasks; t++)
			fn(arg, t);
		return;
	}
	/* Only the caller writes the job, and the previous job is finished. A
	 * late worker may still hold that job's generation and read the fields
	 * below as they change: retiring the old word first (no task left to
	 * claim under it, whatever n_tasks the worker read) keeps it from
	 * claiming a task with a mix of two jobs' fields. */
	uint64_t old = atomic_load_explicit(&p->job, memory_order_relaxed) >> 32;
	atomic_store(&p->job, old << 32 | UINT32_MAX);
	uint64_t gen = (uint32_t)(old + 1) ? (uint32_t)(old + 1) : 1; /* 0: what workers start from */
	atomic_store_explicit(&p->fn, fn, memory_order_release);
	atomic_store_explicit(&p->arg, arg, memory_order_release);
	atomic_store_explicit(&p->n_tasks, n_tasks, memory_order_release);
	atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
	atomic_store(&p->job, gen << 32); /* publishes the fields (seq_cst for wake_sleepers) */
	wake_sleepers(p);

	run_tasks(p, gen, fn, arg, n_tasks);

	if (!spin_until(p, job_finished, n_tasks)) {
		pthread_mutex_lock(&p->lock);
		atomic_store(&p->caller_sleeping, true);
		while (!job_finished(p, n_tasks))
			pthread_cond_wait(&p->done, &p->lock);
		atomic_store(&p->caller_sleeping, false);
		pthread_mutex_unlock(&p->lock);
	}
}

unsigned llm_threadpool_size(const struct llm_threadpool *p)
{
	return p->n_workers + 1;
}

void llm_threadpool_free(struct llm_threadpool *p)
{
	if (!p)
		return;
	if (!atomic_load(&p->stop))
		stop_workers(p, p->n_workers);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	if (p->threads)
		llm_free(p->alloc, p->threads, (size_t)p->threads_cap * sizeof(pthread_t));
	llm_free(p->alloc, p, sizeof(*p));
}

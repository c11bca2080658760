/*
 * The thread pool of a realm build (llm/threadpool.h): its workers are the
 * realm's own vCPUs, started with PSCI CPU_ON through sdk_cpu_on, never
 * host threads. Worker i (1 .. n_threads - 1) runs on vCPU i; the caller is
 * the vCPU that creates the pool. The vCPUs are the realm's, not the
 * pool's, so one pool at a time may hold them: a second create while one
 * lives fails with -EBUSY.
 *
 * Task claiming is the host pool's: the job word packs a generation and the
 * next unclaimed task, a task is claimed by compare-and-swap under the
 * generation the worker read, and the caller waits for tasks finished, not
 * for workers, running unclaimed tasks itself. So a worker that was never
 * scheduled (or is off) only costs parallelism, never a wrong result, and
 * results do not depend on the thread count.
 *
 * A vCPU has no condition variable to sleep on, and the only sleep the sdk
 * offers (a CSM doorbell) belongs to a channel. So a worker spins with a
 * pause instruction between jobs, and once it has found no job for
 * IDLE_OFF_NS it turns its vCPU off (returns from its function: CPU_OFF);
 * the next run() starts it again. An idle pool thus costs no CPU after a few
 * milliseconds, and a forward pass (jobs microseconds apart) never waits
 * for a start. A worker's state word says whether it is, or is about to
 * be, running: ON is set only by the caller (before CPU_ON), OFF only by
 * the worker (after its last claim) or by the caller when CPU_ON failed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "caec/arch.h"
#include "llm/threadpool.h"
#include "sdk/psci.h"
#include "sdk/realm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() ((void)0)
#endif

/* Longer than the gaps between the jobs of a forward pass and between the
 * tokens of a generation (LLM_POOL_SPIN_NS), short against the time between
 * requests. */
#define IDLE_OFF_NS (UINT64_C(20) * 1000000u)

enum { WORKER_OFF, WORKER_ON };

struct worker {
	struct llm_threadpool *pool;
	unsigned vcpu;
	_Alignas(64) atomic_uint state;
};

struct llm_threadpool {
	const struct llm_allocator *alloc;
	unsigned n_workers;
	struct worker *workers;
	atomic_bool stop;
	/* generation << 32 | next task; the generation is never 0 for a job. */
	_Alignas(64) _Atomic uint64_t job;
	_Atomic(llm_task_fn) fn;
	_Atomic(void *) arg;
	atomic_uint n_tasks;
	_Alignas(64) atomic_uint finished;
};

/* The vCPUs belong to one pool at a time. */
static atomic_bool vcpus_taken;

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
		atomic_fetch_add(&p->finished, 1);
		w = atomic_load_explicit(&p->job, memory_order_acquire);
	}
}

static void worker_main(void *opaque)
{
	struct worker *me = opaque;
	struct llm_threadpool *p = me->pool;
	/* 0: no job has it, so a (re)started worker joins the current job;
	 * claiming under the job's generation keeps a finished one finished. */
	uint64_t seen = 0;
	for (;;) {
		uint64_t idle_since = caec_arch_now_ns();
		unsigned spins = 0;
		while ((atomic_load(&p->job) >> 32) == seen && !atomic_load(&p->stop)) {
			cpu_relax();
			if ((++spins & 255) == 0 && caec_arch_now_ns() - idle_since >= IDLE_OFF_NS) {
				atomic_store(&me->state, WORKER_OFF);
				return; /* the sdk turns the vCPU off */
			}
		}
		if (atomic_load(&p->stop)) {
			atomic_store(&me->state, WORKER_OFF);
			return;
		}
		seen = atomic_load_explicit(&p->job, memory_order_acquire) >> 32;
		llm_task_fn fn = atomic_load_explicit(&p->fn, memory_order_acquire);
		void *arg = atomic_load_explicit(&p->arg, memory_order_acquire);
		unsigned n_tasks = atomic_load_explicit(&p->n_tasks, memory_order_acquire);
		run_tasks(p, seen, fn, arg, n_tasks);
	}
}

/* Starts worker w's vCPU if it is off; false when CPU_ON failed (the old
 * run may still be on its way off: the next run() tries again). */
static int64_t start_worker(struct worker *w)
{
	if (atomic_load(&w->state) == WORKER_ON)
		return PSCI_SUCCESS;
	atomic_store(&w->state, WORKER_ON);
	int64_t rc = sdk_cpu_on(sdk_vcpu_mpidr(w->vcpu), worker_main, w);
	if (rc != PSCI_SUCCESS)
		atomic_store(&w->state, WORKER_OFF);
	return rc;
}

/* Every worker told to stop, then waited for until its vCPU is off. */
static void stop_workers(struct llm_threadpool *p)
{
	atomic_store(&p->stop, true);
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];
		while (atomic_load(&w->state) != WORKER_OFF)
			cpu_relax();
		while (psci_affinity_info(sdk_vcpu_mpidr(w->vcpu)) != PSCI_AFFINITY_OFF)
			cpu_relax();
	}
	sdk_cpu_reclaim_stacks();
}

int llm_threadpool_create(struct llm_threadpool **out, unsigned n_threads,
			  const struct llm_allocator *alloc)
{
	*out = NULL;
	/* One thread per vCPU: the caller's and one worker on each other vCPU. */
	if (n_threads == 0 || n_threads > sdk_realm_info()->nr_cpus || n_threads > SDK_MAX_CPUS)
		return -EINVAL;
	struct llm_threadpool *p = llm_alloc(alloc, sizeof(*p), _Alignof(struct llm_threadpool));
	if (!p)
		return -ENOMEM;
	p->alloc = alloc;
	p->n_workers = n_threads - 1;
	atomic_init(&p->stop, false);
	atomic_init(&p->job, 0);
	atomic_init(&p->fn, NULL);
	atomic_init(&p->arg, NULL);
	atomic_init(&p->n_tasks, 0);
	atomic_init(&p->finished, 0);
	if (p->n_workers == 0) {
		*out = p;
		return 0;
	}
	bool expected = false;
	if (!atomic_compare_exchange_strong(&vcpus_taken, &expected, true)) {
		llm_free(alloc, p, sizeof(*p));
		return -EBUSY;
	}
	p->workers = llm_alloc_array(alloc, p->n_workers, sizeof(*p->workers), _Alignof(struct worker));
	if (!p->workers) {
		atomic_store(&vcpus_taken, false);
		llm_free(alloc, p, sizeof(*p));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p->n_workers; i++) {
		p->workers[i].pool = p;
		p->workers[i].vcpu = i + 1;
		atomic_init(&p->workers[i].state, WORKER_OFF);
	}
	for (unsigned i = 0; i < p->n_workers; i++) {
		int64_t rc = start_worker(&p->workers[i]);
		if (rc != PSCI_SUCCESS) {
			llm_threadpool_free(p);
			return rc == PSCI_INTERNAL_FAILURE ? -ENOMEM : -EBUSY;
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
	/* As in the host pool: retire the old word before rewriting the
	 * fields, so a late worker cannot claim with a mix of two jobs. */
	uint64_t old = atomic_load_explicit(&p->job, memory_order_relaxed) >> 32;
	atomic_store(&p->job, old << 32 | UINT32_MAX);
	uint64_t gen = (uint32_t)(old + 1) ? (uint32_t)(old + 1) : 1;
	atomic_store_explicit(&p->fn, fn, memory_order_release);
	atomic_store_explicit(&p->arg, arg, memory_order_release);
	atomic_store_explicit(&p->n_tasks, n_tasks, memory_order_release);
	atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
	atomic_store(&p->job, gen << 32);
	/* Workers that went idle and off come back for this job (or, if still
	 * on their way off, for a later one). */
	for (unsigned i = 0; i < p->n_workers; i++)
		if (atomic_load_explicit(&p->workers[i].state, memory_order_relaxed) == WORKER_OFF)
			start_worker(&p->workers[i]);

	run_tasks(p, gen, fn, arg, n_tasks);
	while (atomic_load(&p->finished) != n_tasks)
		cpu_relax();
}

unsigned llm_threadpool_size(const struct llm_threadpool *p)
{
	return p->n_workers + 1;
}

void llm_threadpool_free(struct llm_threadpool *p)
{
	if (!p)
		return;
	if (p->n_workers) {
		stop_workers(p);
		llm_free(p->alloc, p->workers, (size_t)p->n_workers * sizeof(*p->workers));
		atomic_store(&vcpus_taken, false);
	}
	llm_free(p->alloc, p, sizeof(*p));
}

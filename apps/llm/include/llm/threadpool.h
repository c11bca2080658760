/*
 * A small pool of worker threads owned by one inference context.
 *
 * llm_threadpool_run(fn, arg, n_tasks) calls fn(arg, i) once for every i in
 * [0, n_tasks), spread over the workers and the calling thread, and returns
 * when all calls have finished. Tasks are claimed from an atomic counter, so
 * which thread runs a task varies, but the work each task does must not
 * depend on that; the engine splits by rows, so results are identical for
 * any thread count. The pool is not shared between contexts and has no
 * global state; run() must not be called concurrently on one pool.
 *
 * Between jobs, workers spin for up to LLM_POOL_SPIN_NS (a pause
 * instruction first, then sched_yield, which hands the CPU to any other
 * runnable thread) before they sleep, so jobs that follow each other within
 * microseconds, as in a forward pass, start without a wake-up; an idle pool
 * costs no CPU after that. run() never waits for a worker that has not
 * started a task: on a busy machine the caller does the work itself.
 */
#ifndef LLM_THREADPOOL_H
#define LLM_THREADPOOL_H

#include "llm/alloc.h"

struct llm_threadpool;

/* How long an idle worker (and a caller waiting for the last task) spins:
 * longer than the gaps inside a forward pass and between generated tokens
 * of small models, short enough that a pool left idle frees its CPUs. */
#define LLM_POOL_SPIN_NS 200000u

typedef void (*llm_task_fn)(void *arg, unsigned task);

/* n_threads counts the caller: 1 creates no worker threads. */
int llm_threadpool_create(struct llm_threadpool **out, unsigned n_threads,
			  const struct llm_allocator *alloc);
void llm_threadpool_run(struct llm_threadpool *p, llm_task_fn fn, void *arg, unsigned n_tasks);
unsigned llm_threadpool_size(const struct llm_threadpool *p);
void llm_threadpool_free(struct llm_threadpool *p);

#endif

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
 */
#ifndef LLM_THREADPOOL_H
#define LLM_THREADPOOL_H

#include "llm/alloc.h"

struct llm_threadpool;

typedef void (*llm_task_fn)(void *arg, unsigned task);

/* n_threads counts the caller: 1 creates no worker threads. */
int llm_threadpool_create(struct llm_threadpool **out, unsigned n_threads,
			  const struct llm_allocator *alloc);
void llm_threadpool_run(struct llm_threadpool *p, llm_task_fn fn, void *arg, unsigned n_tasks);
unsigned llm_threadpool_size(const struct llm_threadpool *p);
void llm_threadpool_free(struct llm_threadpool *p);

#endif

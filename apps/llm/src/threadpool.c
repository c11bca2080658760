/*
 * Worker threads sleep on a condition variable between jobs. A job is
 * published under the mutex with a new generation number; every worker
 * checks in when it has finished the job (even with no task claimed), so the
 * caller knows no worker still reads the job before it publishes the next.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "llm/threadpool.h"

struct llm_threadpool {
	const struct llm_allocator *alloc;
	unsigned n_workers;
	unsigned threads_cap; /* entries allocated in threads */
	pthread_t *threads;
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* a new generation or stop */
	pthread_cond_t done;  /* busy reached 0 */
	unsigned long generation;
	bool stop;
	unsigned busy;        /* workers not yet finished with the current job */
	/* The current job; written under lock before generation changes. */
	llm_task_fn fn;
	void *arg;
	unsigned n_tasks;
	atomic_uint next_task;
};

static void run_tasks(struct llm_threadpool *p, llm_task_fn fn, void *arg, unsigned n_tasks)
{
	for (;;) {
		unsigned t = atomic_fetch_add_explicit(&p->next_task, 1, memory_order_relaxed);
		if (t >= n_tasks)
			return;
		fn(arg, t);
	}
}

static void *worker_main(void *opaque)
{
	struct llm_threadpool *p = opaque;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->generation == seen && !p->stop)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		seen = p->generation;
		llm_task_fn fn = p->fn;
		void *arg = p->arg;
		unsigned n_tasks = p->n_tasks;
		pthread_mutex_unlock(&p->lock);
		run_tasks(p, fn, arg, n_tasks);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void stop_workers(struct llm_threadpool *p, unsigned started)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
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
	atomic_init(&p->next_task, 0);
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
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->arg = arg;
	p->n_tasks = n_tasks;
	atomic_store_explicit(&p->next_task, 0, memory_order_relaxed);
	p->busy = p->n_workers;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);

	run_tasks(p, fn, arg, n_tasks);

	pthread_mutex_lock(&p->lock);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

unsigned llm_threadpool_size(const struct llm_threadpool *p)
{
	return p->n_workers + 1;
}

void llm_threadpool_free(struct llm_threadpool *p)
{
	if (!p)
		return;
	if (!p->stop)
		stop_workers(p, p->n_workers);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	if (p->threads)
		llm_free(p->alloc, p->threads, (size_t)p->threads_cap * sizeof(pthread_t));
	llm_free(p->alloc, p, sizeof(*p));
}

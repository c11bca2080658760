/*
 * Channel ends for two threads (chan_thread.h).
 */
#include <time.h>

#include "chan_thread.h"

void chan_thread_bell_init(struct chan_thread_bell *b)
{
	pthread_condattr_t a;

	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &a);
	pthread_condattr_destroy(&a);
	b->pending[0] = b->pending[1] = false;
	b->alive[0] = b->alive[1] = true;
}

void chan_thread_bell_destroy(struct chan_thread_bell *b)
{
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

void chan_thread_bell_kill(struct chan_thread_bell *b, unsigned who)
{
	pthread_mutex_lock(&b->lock);
	b->alive[who] = false;
	b->pending[!who] = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static uint64_t now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void doorbell(void *ctx)
{
	struct chan_thread_end *e = ctx;

	pthread_mutex_lock(&e->bell->lock);
	e->bell->pending[!e->self] = true;
	pthread_cond_broadcast(&e->bell->cond);
	pthread_mutex_unlock(&e->bell->lock);
}

static void sleep_ns(void *ctx, uint64_t max_ns)
{
	struct chan_thread_end *e = ctx;
	uint64_t until = now_ns(NULL) + max_ns;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u) };

	pthread_mutex_lock(&e->bell->lock);
	while (!e->bell->pending[e->self] && e->bell->alive[!e->self]) {
		if (pthread_cond_timedwait(&e->bell->cond, &e->bell->lock, &ts) != 0)
			break;
	}
	e->bell->pending[e->self] = false;
	pthread_mutex_unlock(&e->bell->lock);
}

static bool peer_alive(void *ctx)
{
	struct chan_thread_end *e = ctx;

	pthread_mutex_lock(&e->bell->lock);
	bool alive = e->bell->alive[!e->self];
	pthread_mutex_unlock(&e->bell->lock);
	return alive;
}

const struct chan_ops chan_thread_ops = {
	.doorbell = doorbell,
	.sleep = sleep_ns,
	.now_ns = now_ns,
	.peer_alive = peer_alive,
};

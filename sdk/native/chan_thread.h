/*
 * Channel ends for two threads of one process (no realm, no monitor): the
 * doorbell is a condition variable with a pending flag per end. The raw-ring
 * floor of `caec bench channel` and the channel library's native tests use
 * it; the rings and framing are the same code realms run (sdk/src).
 */
#ifndef CAEC_SDK_CHAN_THREAD_H
#define CAEC_SDK_CHAN_THREAD_H

#include <pthread.h>
#include <stdbool.h>

#include "sdk/channel.h"

struct chan_thread_bell {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending[2];  /* a doorbell rang for end 0 / end 1 */
	bool alive[2];    /* cleared to play a peer that died */
};

/* The per-end context chan_open takes with chan_thread_ops. */
struct chan_thread_end {
	struct chan_thread_bell *bell;
	unsigned self; /* 0 or 1 */
};

extern const struct chan_ops chan_thread_ops;

void chan_thread_bell_init(struct chan_thread_bell *b);
void chan_thread_bell_destroy(struct chan_thread_bell *b);
/* Plays end `who` dying: the other end's peer_alive() turns false. */
void chan_thread_bell_kill(struct chan_thread_bell *b, unsigned who);

#endif

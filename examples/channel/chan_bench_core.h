/*
 * The measuring loops of `caec bench channel`, the same code for every
 * transport: compiled into the bench realm (csm, ns-plain) and into the
 * caec program (raw: two threads, no monitor). Times are CPU counter ticks
 * (the TSC here); the caller converts with the counter's frequency.
 *
 * A job is one size: `warmup` unmeasured round trips, then `iters` measured
 * ones (the client sends `size` bytes stamped with the counter, the server
 * answers with as many), then a stream of `iters` messages one way that the
 * server acknowledges at the end. Each side reports medians and p95s of
 * what it saw: the client the round trips and its own send and receive
 * work, the server the one-way latency (from the stamp to its receive) and
 * its work, and the client the stream's duration.
 */
#ifndef CAEC_CHAN_BENCH_CORE_H
#define CAEC_CHAN_BENCH_CORE_H

#include <stdint.h>

#include "sdk/channel.h"

#define BENCH_API_COPY     0u
#define BENCH_API_ZEROCOPY 1u
#define BENCH_MAX_ITERS    100000u

struct bench_job {
	uint32_t size, iters, warmup, api;
	uint32_t stream; /* messages in the one-way stream (iters round trips before it) */
};

/* The copying API's calls; NULL: the channel's own (chan_send, chan_recv).
 * The sealed modes put chan_sealed_send/recv here (they always copy). */
struct bench_io {
	int (*send)(void *ctx, uint16_t type, uint64_t id, const void *buf, size_t len, uint64_t timeout_ns);
	int (*recv)(void *ctx, uint16_t *type, uint64_t *id, void *buf, size_t cap, size_t *len, uint64_t timeout_ns);
	void *ctx;
};

struct bench_side {
	uint64_t rtt_med, rtt_p95;         /* client */
	uint64_t oneway_med, oneway_p95;   /* server */
	uint64_t work_med;                 /* ticks per round trip this side spent sending and receiving */
	uint64_t stream_ticks;             /* client: first send to the acknowledgement */
	int err;                           /* 0 or a CHAN_E* error */
};

/* buf: size + BENCH_BUF_SLACK bytes of scratch; samples, work: iters
 * entries; io: NULL or the sealed calls. */
#define BENCH_BUF_SLACK 64u
void bench_client(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		  uint8_t *buf, uint64_t *samples, uint64_t *work, struct bench_side *out);
void bench_server(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		  uint8_t *buf, uint64_t *samples, uint64_t *work, struct bench_side *out);

#endif

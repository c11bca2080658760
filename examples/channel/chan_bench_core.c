/*
 * The measuring loops of `caec bench channel` (chan_bench_core.h). No C
 * library: this also runs in realms.
 */
#include "chan_bench_core.h"
#include "sdk/copy.h"

#define OP_TIMEOUT_NS (UINT64_C(20) * 1000000000u)

static void sort(uint64_t *v, uint32_t n)
{
	/* Shell sort: no library, n is at most BENCH_MAX_ITERS. */
	static const uint32_t gaps[] = { 1750, 701, 301, 132, 57, 23, 10, 4, 1 };
	for (unsigned g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		for (uint32_t i = gaps[g]; i < n; i++) {
			uint64_t x = v[i];
			uint32_t j = i;
			for (; j >= gaps[g] && v[j - gaps[g]] > x; j -= gaps[g])
				v[j] = v[j - gaps[g]];
			v[j] = x;
		}
	}
}

static uint64_t pct(uint64_t *v, uint32_t n, unsigned p)
{
	sort(v, n);
	return n ? v[(uint64_t)(n - 1) * p / 100] : 0;
}

static void put_stamp(void *at, uint64_t t)
{
	__builtin_memcpy(at, &t, sizeof(t));
}

/* Waits until a message is there (not timed), so that what is timed next is
 * the work of taking it, not the wait for the peer. */
static int wait_message(struct chan *c)
{
	struct chan_msg m;
	int r = chan_peek(c, &m, OP_TIMEOUT_NS);

	return r == CHAN_ETOOBIG ? 0 : r;
}

/* One message of j->size bytes from buf, stamped; ticks spent in *work. */
static int send_one(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		    uint8_t *buf, uint16_t type, uint64_t id, uint64_t *work)
{
	uint64_t t0 = counter();
	int r;

	if (io) {
		put_stamp(buf, t0);
		r = io->send(io->ctx, type, id, buf, j->size, OP_TIMEOUT_NS);
	} else if (j->api == BENCH_API_ZEROCOPY) {
		void *slot;
		r = chan_reserve(c, j->size, &slot, OP_TIMEOUT_NS);
		if (r == 0) {
			caec_copy(slot, buf, j->size);
			put_stamp(slot, t0);
			chan_commit(c, type, id, j->size);
		}
	} else {
		put_stamp(buf, t0);
		r = chan_send(c, type, id, buf, j->size, OP_TIMEOUT_NS);
	}
	*work += counter() - t0;
	return r;
}

/* Takes the next message (zero-copy: reads its stamp in place); *stamp. */
static int recv_one(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		    uint8_t *buf, uint64_t *stamp, uint64_t *work)
{
	int r = wait_message(c);

	if (r != 0)
		return r;
	uint64_t t0 = counter();
	if (io) {
		size_t len;
		r = io->recv(io->ctx, NULL, NULL, buf, j->size + BENCH_BUF_SLACK, &len, OP_TIMEOUT_NS);
		if (r == 0 && len >= 8)
			__builtin_memcpy(stamp, buf, 8);
	} else if (j->api == BENCH_API_ZEROCOPY) {
		struct chan_msg m;
		r = chan_peek(c, &m, 0);
		if (r == 0) {
			if (m.len >= 8)
				__builtin_memcpy(stamp, m.data, 8);
			chan_release(c);
		}
	} else {
		size_t len;
		r = chan_recv(c, NULL, NULL, buf, j->size + BENCH_BUF_SLACK, &len, OP_TIMEOUT_NS);
		if (r == 0 && len >= 8)
			__builtin_memcpy(stamp, buf, 8);
	}
	*work += counter() - t0;
	return r;
}

void bench_client(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		  uint8_t *buf, uint64_t *samples, uint64_t *work, struct bench_side *out)
{
	uint64_t stamp;
	int r = 0;

	*out = (struct bench_side){ 0 };
	for (uint32_t i = 0; i < j->warmup + j->iters && r == 0; i++) {
		uint64_t w = 0, t0 = counter();
		r = send_one(c, io, j, counter, buf, CHAN_MSG_REQUEST, i, &w);
		if (r == 0)
			r = recv_one(c, io, j, counter, buf, &stamp, &w);
		uint64_t t1 = counter();
		if (i >= j->warmup) {
			samples[i - j->warmup] = t1 - t0;
			work[i - j->warmup] = w;
		}
	}
	if (r == 0) {
		out->rtt_p95 = pct(samples, j->iters, 95);
		out->rtt_med = pct(samples, j->iters, 50);
		out->work_med = pct(work, j->iters, 50);
	}
	/* The stream: j->stream messages one way, then the server's acknowledgement. */
	uint64_t t0 = counter(), w = 0;
	for (uint32_t i = 0; i < j->stream && r == 0; i++)
		r = send_one(c, io, j, counter, buf, CHAN_MSG_STREAM, i, &w);
	if (r == 0) {
		uint64_t ack_stamp, ack_work = 0;
		struct bench_job ack = *j;
		ack.api = BENCH_API_COPY;
		r = recv_one(c, io, &ack, counter, buf, &ack_stamp, &ack_work);
	}
	out->stream_ticks = counter() - t0;
	out->err = r;
}

void bench_server(struct chan *c, const struct bench_io *io, const struct bench_job *j, uint64_t (*counter)(void),
		  uint8_t *buf, uint64_t *samples, uint64_t *work, struct bench_side *out)
{
	uint64_t stamp = 0;
	int r = 0;

	*out = (struct bench_side){ 0 };
	for (uint32_t i = 0; i < j->warmup + j->iters && r == 0; i++) {
		uint64_t w = 0;
		r = recv_one(c, io, j, counter, buf, &stamp, &w);
		uint64_t t = counter();
		if (r == 0)
			r = send_one(c, io, j, counter, buf, CHAN_MSG_RESPONSE, i, &w);
		if (i >= j->warmup) {
			samples[i - j->warmup] = t - stamp;
			work[i - j->warmup] = w;
		}
	}
	if (r == 0) {
		out->oneway_p95 = pct(samples, j->iters, 95);
		out->oneway_med = pct(samples, j->iters, 50);
		out->work_med = pct(work, j->iters, 50);
	}
	uint64_t w = 0;
	for (uint32_t i = 0; i < j->stream && r == 0; i++)
		r = recv_one(c, io, j, counter, buf, &stamp, &w);
	if (r == 0) {
		struct bench_job ack = *j;
		ack.api = BENCH_API_COPY;
		ack.size = 8;
		r = send_one(c, io, &ack, counter, buf, CHAN_MSG_RESPONSE, j->stream, &w);
	}
	out->err = r;
}

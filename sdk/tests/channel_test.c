/*
 * The channel library (sdk/channel.h, sdk/ring.h) natively, two threads of
 * this process as the two ends (chan_thread.h): framing, fragments, both
 * APIs, timeouts, a peer that closes or dies, a hostile peer's indices,
 * lengths and frames, a ring that starts over early, and a soak of 1 GiB with sequence numbers and
 * checksums (a quarter of that under ThreadSanitizer).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chan_thread.h"
#include "sdk/channel.h"

#define AREA_SIZE (UINT64_C(64) << 10) /* two 16 KiB rings */

struct pair {
	uint8_t *area;
	uint64_t size;
	struct chan_thread_bell bell;
	struct chan_thread_end end[2];
	struct chan a, b; /* a: the creator */
};

static void pair_open(struct pair *p, uint64_t size)
{
	struct chan_geometry g;

	p->size = size;
	p->area = aligned_alloc(4096, size);
	assert_non_null(p->area);
	memset(p->area, 0xee, size);
	assert_int_equal(chan_geometry_default(size, &g), 0);
	assert_int_equal(chan_format(p->area, size, &g), 0);
	chan_thread_bell_init(&p->bell);
	p->end[0] = (struct chan_thread_end){ &p->bell, 0 };
	p->end[1] = (struct chan_thread_end){ &p->bell, 1 };
	assert_int_equal(chan_open(&p->a, p->area, size, true, &chan_thread_ops, &p->end[0]), 0);
	assert_int_equal(chan_open(&p->b, p->area, size, false, &chan_thread_ops, &p->end[1]), 0);
}

static void pair_close(struct pair *p)
{
	chan_thread_bell_destroy(&p->bell);
	free(p->area);
}

static void test_header_checked(void **state)
{
	struct pair p;
	struct chan c;
	struct chan_header h;

	(void)state;
	pair_open(&p, AREA_SIZE);
	memcpy(&h, p.area, sizeof(h));
	assert_int_equal(h.ring_size[0], 16384);
	assert_int_equal(h.ring_offset[1], 4096 + 16384);
	struct { size_t off; uint64_t value; unsigned width; } bad[] = {
		{ offsetof(struct chan_header, magic), 0x4141, 8 },
		{ offsetof(struct chan_header, version), CHAN_VERSION + 1, 4 },
		{ offsetof(struct chan_header, version), 1, 4 }, /* the layout before the flags had lines of their own */
		{ offsetof(struct chan_header, header_size), 8192, 4 },
		{ offsetof(struct chan_header, area_size), AREA_SIZE + 4096, 8 },     /* more than mapped */
		{ offsetof(struct chan_header, ring_offset[1]), 4096 + 8192, 8 },     /* overlaps ring 0 */
		{ offsetof(struct chan_header, ring_offset[0]), 0, 8 },               /* over the header */
		{ offsetof(struct chan_header, ring_offset[1]), 4096 + 16384 + 8, 8 }, /* unaligned */
		{ offsetof(struct chan_header, ring_size[1]), 12288, 8 },             /* not a power of two */
		{ offsetof(struct chan_header, ring_size[1]), UINT64_C(1) << 62, 8 }, /* past the end */
		{ offsetof(struct chan_header, ring_offset[1]), UINT64_MAX - 4095, 8 }, /* wraps */
		{ offsetof(struct chan_header, max_message), 0, 4 },
		{ offsetof(struct chan_header, max_message), CHAN_MAX_MESSAGE + 1, 4 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(p.area, &h, sizeof(h));
		memcpy(p.area + bad[i].off, &bad[i].value, bad[i].width);
		if (chan_open(&c, p.area, p.size, false, &chan_thread_ops, &p.end[1]) != CHAN_EHEADER)
			fail_msg("header case %u accepted", i);
	}
	memcpy(p.area, &h, sizeof(h));
	assert_int_equal(chan_open(&c, p.area, 4095, false, &chan_thread_ops, &p.end[1]), CHAN_EHEADER);
	assert_int_equal(chan_open(&c, p.area, p.size - 4096, false, &chan_thread_ops, &p.end[1]), CHAN_EHEADER);
	struct chan_geometry g;
	assert_int_equal(chan_geometry_default(8192, &g), CHAN_EINVAL);
	assert_int_equal(chan_geometry_default(AREA_SIZE + 1, &g), CHAN_EINVAL);
	pair_close(&p);
}

static void test_messages_in_order(void **state)
{
	struct pair p;
	uint8_t buf[2000], out[2000];

	(void)state;
	pair_open(&p, AREA_SIZE);
	for (unsigned round = 0; round < 50; round++) {
		for (unsigned i = 0; i < 5; i++) {
			size_t len = (round * 37 + i * 101) % sizeof(buf);
			memset(buf, (int)(round + i), len);
			assert_int_equal(chan_send(&p.a, CHAN_MSG_REQUEST + (uint16_t)(i % 4), 1000 * round + i,
						   buf, len, 0), 0);
		}
		for (unsigned i = 0; i < 5; i++) {
			uint16_t type;
			uint64_t id;
			size_t len;
			assert_int_equal(chan_recv(&p.b, &type, &id, out, sizeof(out), &len, 0), 0);
			assert_int_equal(type, CHAN_MSG_REQUEST + i % 4);
			assert_int_equal(id, 1000 * round + i);
			assert_int_equal(len, (round * 37 + i * 101) % sizeof(buf));
			for (size_t k = 0; k < len; k++)
				assert_int_equal(out[k], (uint8_t)(round + i));
		}
	}
	/* Empty: nothing now; a reply goes the other way. */
	size_t len;
	assert_int_equal(chan_recv(&p.b, NULL, NULL, out, sizeof(out), &len, 0), CHAN_EAGAIN);
	assert_int_equal(chan_send(&p.b, CHAN_MSG_RESPONSE, 7, "ok", 2, 0), 0);
	uint16_t type;
	uint64_t id;
	assert_int_equal(chan_recv(&p.a, &type, &id, out, sizeof(out), &len, 0), 0);
	assert_int_equal(type, CHAN_MSG_RESPONSE);
	assert_int_equal(id, 7);
	assert_memory_equal(out, "ok", 2);
	/* Bad arguments. */
	assert_int_equal(chan_send(&p.a, 0, 1, buf, 1, 0), CHAN_EINVAL);
	assert_int_equal(chan_send(&p.a, 5, 1, buf, 1, 0), CHAN_EINVAL);
	assert_int_equal(chan_send(&p.a, CHAN_MSG_REQUEST, 1, NULL, 1, 0), CHAN_EINVAL);
	pair_close(&p);
}

/* ---- two threads ---- */

struct big_job {
	struct chan *c;
	uint8_t *buf;
	size_t len;
	int result;
};

static void *send_big(void *arg)
{
	struct big_job *j = arg;

	j->result = chan_send(j->c, CHAN_MSG_STREAM, 42, j->buf, j->len, 5000000000u);
	return NULL;
}

static void test_fragments_reassembled(void **state)
{
	struct pair p;
	const size_t len = 5 * 16384 + 123; /* five rings' worth */

	(void)state;
	pair_open(&p, AREA_SIZE);
	uint8_t *in = malloc(len), *out = malloc(len);
	for (size_t i = 0; i < len; i++)
		in[i] = (uint8_t)(i * 7 + (i >> 9));
	struct big_job j = { .c = &p.a, .buf = in, .len = len };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, send_big, &j), 0);
	/* Too small a buffer first: the message stays. */
	size_t got;
	uint16_t type;
	uint64_t id;
	assert_int_equal(chan_recv(&p.b, &type, &id, out, 100, &got, 5000000000u), CHAN_ENOSPC);
	assert_int_equal(got, len);
	assert_int_equal(chan_recv(&p.b, &type, &id, out, len, &got, 5000000000u), 0);
	pthread_join(t, NULL);
	assert_int_equal(j.result, 0);
	assert_int_equal(got, len);
	assert_int_equal(type, CHAN_MSG_STREAM);
	assert_int_equal(id, 42);
	assert_memory_equal(in, out, len);
	free(in);
	free(out);
	pair_close(&p);
}

static void test_zero_copy(void **state)
{
	struct pair p;
	void *slot;
	struct chan_msg m;

	(void)state;
	pair_open(&p, AREA_SIZE);
	uint32_t max = chan_max_zerocopy(&p.a);
	assert_true(max > 8000 && max < 8192);
	assert_int_equal(chan_reserve(&p.a, max + 1, &slot, 0), CHAN_ETOOBIG);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(chan_reserve(&p.a, 1000, &slot, 0), 0);
		memset(slot, (int)i, 600);
		chan_commit(&p.a, CHAN_MSG_REQUEST, i, 600);
		assert_int_equal(chan_peek(&p.b, &m, 0), 0);
		assert_int_equal(m.type, CHAN_MSG_REQUEST);
		assert_int_equal(m.msg_id, i);
		assert_int_equal(m.len, 600);
		assert_int_equal(((const uint8_t *)m.data)[599], (uint8_t)i);
		chan_release(&p.b);
	}
	/* A full ring: no room, then room again once the consumer releases. */
	unsigned n = 0;
	while (chan_reserve(&p.a, 4000, &slot, 0) == 0) {
		chan_commit(&p.a, CHAN_MSG_STREAM, n++, 4000);
		assert_true(n < 10);
	}
	assert_int_equal(chan_reserve(&p.a, 4000, &slot, 2000000), CHAN_ETIMEDOUT);
	assert_int_equal(chan_peek(&p.b, &m, 0), 0);
	chan_release(&p.b);
	assert_int_equal(chan_reserve(&p.a, 4000, &slot, 0), 0);
	chan_commit(&p.a, CHAN_MSG_STREAM, n++, 4000);
	for (unsigned i = 1; i < n; i++) {
		assert_int_equal(chan_peek(&p.b, &m, 0), 0);
		assert_int_equal(m.msg_id, i);
		chan_release(&p.b);
	}
	/* A fragmented message is chan_recv's. */
	static uint8_t big[20000], back[20000];
	struct big_job j = { .c = &p.a, .buf = big, .len = sizeof(big) };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, send_big, &j), 0);
	assert_int_equal(chan_peek(&p.b, &m, 5000000000u), CHAN_ETOOBIG);
	size_t len;
	assert_int_equal(chan_recv(&p.b, NULL, NULL, back, sizeof(back), &len, 5000000000u), 0);
	pthread_join(t, NULL);
	assert_int_equal(len, sizeof(big));
	pair_close(&p);
}

static void test_timeouts(void **state)
{
	struct pair p;
	uint8_t out[64];
	size_t len;

	(void)state;
	pair_open(&p, AREA_SIZE);
	assert_int_equal(chan_recv(&p.b, NULL, NULL, out, sizeof(out), &len, 3000000), CHAN_ETIMEDOUT);
	assert_true(p.b.sleeps > 0);
	static uint8_t big[100000];
	assert_int_equal(chan_send(&p.a, CHAN_MSG_STREAM, 1, big, sizeof(big), 3000000), CHAN_ETIMEDOUT);
	/* The receiver gets the cut message's start, times out on it, and drops
	 * the rest; the next whole message arrives intact. */
	static uint8_t back[100000];
	assert_int_equal(chan_recv(&p.b, NULL, NULL, back, sizeof(back), &len, 3000000), CHAN_ETIMEDOUT);
	assert_int_equal(chan_send(&p.a, CHAN_MSG_REQUEST, 2, "next", 4, 0), 0);
	uint64_t id;
	assert_int_equal(chan_recv(&p.b, NULL, &id, back, sizeof(back), &len, 0), 0);
	assert_int_equal(id, 2);
	assert_int_equal(len, 4);
	pair_close(&p);
}

struct closer {
	struct pair *p;
	bool die;
};

static void *close_later(void *arg)
{
	struct closer *c = arg;
	struct timespec ts = { 0, 20000000 };

	nanosleep(&ts, NULL);
	if (c->die)
		chan_thread_bell_kill(&c->p->bell, 0);
	else
		chan_close(&c->p->a);
	return NULL;
}

static void test_peer_closes_or_dies(void **state)
{
	uint8_t out[64];
	size_t len;

	(void)state;
	for (unsigned die = 0; die < 2; die++) {
		struct pair p;
		pair_open(&p, AREA_SIZE);
		assert_int_equal(chan_send(&p.a, CHAN_MSG_REQUEST, 1, "one", 3, 0), 0);
		struct closer c = { &p, die != 0 };
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, close_later, &c), 0);
		/* What was sent before still arrives; then the wait ends. */
		assert_int_equal(chan_recv(&p.b, NULL, NULL, out, sizeof(out), &len, CHAN_FOREVER), 0);
		assert_int_equal(chan_recv(&p.b, NULL, NULL, out, sizeof(out), &len, CHAN_FOREVER), CHAN_EPEER);
		pthread_join(t, NULL);
		if (!die) {
			assert_int_equal(chan_send(&p.b, CHAN_MSG_RESPONSE, 1, "x", 1, 0), CHAN_EPEER);
		} else {
			/* A dead peer leaves a full ring: sending waits, then fails. */
			static uint8_t big[100000];
			assert_int_equal(chan_send(&p.b, CHAN_MSG_STREAM, 2, big, sizeof(big), CHAN_FOREVER), CHAN_EPEER);
		}
		pair_close(&p);
	}
}

/* ---- a hostile peer ---- */

static struct ring_control *ctl(struct pair *p, unsigned d)
{
	return (struct ring_control *)(p->area + CHAN_CTL_OFFSET + d * sizeof(struct ring_control));
}

static int recv_once(struct pair *p)
{
	static uint8_t out[70000];
	size_t len;

	return chan_recv(&p->b, NULL, NULL, out, sizeof(out), &len, 0);
}

/* Each case breaks ring 0 (a -> b) a different way; b must refuse it. */
static void test_hostile_producer(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 10; k++) {
		struct pair p;
		pair_open(&p, AREA_SIZE);
		uint8_t *data = p.area + 4096;
		uint32_t hdr[2];
		struct chan_frame f = { .msg_id = 1, .type = CHAN_MSG_REQUEST,
					.flags = CHAN_FRAG_FIRST | CHAN_FRAG_LAST, .total_len = 8 };
		/* An honest first record to start from. */
		assert_int_equal(chan_send(&p.a, CHAN_MSG_REQUEST, 1, "12345678", 8, 0), 0);
		switch (k) {
		case 0: /* head past the ring */
			atomic_store(&ctl(&p, 0)->p.head, 16384 + 8 + 16 + 8);
			break;
		case 1: /* head unaligned */
			atomic_store(&ctl(&p, 0)->p.head, 12);
			break;
		case 2: /* a length past what was produced */
			hdr[0] = 4000, hdr[1] = RING_KIND_DATA;
			memcpy(data, hdr, 8);
			break;
		case 3: /* a length past the end of the ring */
			hdr[0] = UINT32_MAX - 7, hdr[1] = RING_KIND_DATA;
			memcpy(data, hdr, 8);
			atomic_store(&ctl(&p, 0)->p.head, 16384);
			break;
		case 4: /* an unknown kind */
			hdr[0] = 24, hdr[1] = 9;
			memcpy(data, hdr, 8);
			break;
		case 5: /* a PAD at offset 0 */
			hdr[0] = 16384 - 8, hdr[1] = RING_KIND_PAD;
			memcpy(data, hdr, 8);
			atomic_store(&ctl(&p, 0)->p.head, 16384);
			break;
		case 6: /* a record shorter than a frame */
			hdr[0] = 4, hdr[1] = RING_KIND_DATA;
			memcpy(data, hdr, 8);
			break;
		case 7: /* a frame of a bad type */
			f.type = 77;
			memcpy(data + 8, &f, sizeof(f));
			break;
		case 8: /* a total above the channel's maximum */
			f.total_len = UINT32_MAX;
			memcpy(data + 8, &f, sizeof(f));
			break;
		case 9: /* a fragment of no message */
			f.flags = CHAN_FRAG_LAST;
			memcpy(data + 8, &f, sizeof(f));
			break;
		}
		if (recv_once(&p) != CHAN_ECORRUPT)
			fail_msg("hostile case %u not refused", k);
		/* For good: even an honest record afterwards is refused. */
		assert_int_equal(recv_once(&p), CHAN_ECORRUPT);
		struct chan_msg m;
		assert_int_equal(chan_peek(&p.b, &m, 0), CHAN_ECORRUPT);
		pair_close(&p);
	}
}

static void test_hostile_consumer(void **state)
{
	struct pair p;
	void *slot;

	(void)state;
	pair_open(&p, AREA_SIZE);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(chan_reserve(&p.a, 5000, &slot, 0), 0);
		chan_commit(&p.a, CHAN_MSG_STREAM, i, 5000);
	}
	/* A tail ahead of the head: the producer stops. */
	atomic_store(&ctl(&p, 0)->c.tail, UINT64_C(1) << 40);
	assert_int_equal(chan_reserve(&p.a, 5000, &slot, 0), CHAN_ECORRUPT);
	assert_int_equal(chan_send(&p.a, CHAN_MSG_STREAM, 9, "x", 1, 0), CHAN_ECORRUPT);
	pair_close(&p);
}

/* ---- soak: 1 GiB, nothing lost, duplicated or reordered ---- */

/* 1 GiB; a quarter of it under ThreadSanitizer, whose instrumented copies
 * would take over a minute for the whole (every other build moves 1 GiB). */
#if defined(__SANITIZE_THREAD__)
#define SOAK_BYTES (UINT64_C(1) << 28)
#else
#define SOAK_BYTES (UINT64_C(1) << 30)
#endif

struct soak {
	struct chan *c;
	uint64_t bytes, messages;
	int result;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

/* Message seq: length from seq, payload from seq, checksum in the last 8 bytes. */
static size_t soak_len(uint64_t seq)
{
	uint64_t r = mix(seq);
	if (r % 64 == 0)
		return 40000 + r % 30000; /* fragmented */
	return 16 + (r >> 8) % 8192;
}

static void soak_fill(uint8_t *buf, uint64_t seq, size_t len)
{
	uint64_t sum = 0;

	memcpy(buf, &seq, 8);
	for (size_t i = 8; i + 8 < len; i++) {
		buf[i] = (uint8_t)(seq + i);
		sum = sum * 31 + buf[i];
	}
	memcpy(buf + len - 8, &sum, 8);
}

static void *soak_sender(void *arg)
{
	struct soak *s = arg;
	static uint8_t buf[70000];

	for (uint64_t seq = 0; s->bytes < SOAK_BYTES; seq++) {
		size_t len = soak_len(seq);
		soak_fill(buf, seq, len);
		s->result = chan_send(s->c, CHAN_MSG_STREAM, seq, buf, len, 10000000000u);
		if (s->result)
			return NULL;
		s->bytes += len;
		s->messages++;
	}
	chan_close(s->c);
	return NULL;
}

/* A ring much larger than its traffic: once the producer is RING_REWIND_AT
 * into it and the room it needs at 0 is free, it starts over there; while
 * the consumer still holds what lies there, it goes on and overwrites
 * nothing. Every record arrives, in order, intact. */
static void test_rewind(void **state)
{
	static struct ring_control ctl;
	const uint64_t size = UINT64_C(1) << 20;
	uint8_t *data = aligned_alloc(4096, size);
	struct ring_end tx, rx;
	void *slot;
	const void *got;
	uint32_t len, rec = 20000;

	(void)state;
	assert_non_null(data);
	ring_control_init(&ctl);
	assert_int_equal(ring_producer_open(&tx, &ctl, data, size), 0);
	assert_int_equal(ring_consumer_open(&rx, &ctl, data, size), 0);
	/* Taken as soon as sent: the records stay in the first RING_REWIND_AT. */
	uint64_t far = 0;
	unsigned starts = 0;
	for (unsigned i = 0; i < 500; i++) {
		assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
		uint64_t at = (uint64_t)((uint8_t *)slot - data);
		far = at > far ? at : far;
		starts += at == RING_RECORD_HDR;
		memset(slot, (int)i, rec);
		ring_commit(&tx, rec);
		assert_int_equal(ring_peek(&rx, &got, &len), 0);
		assert_int_equal(len, rec);
		assert_int_equal(((const uint8_t *)got)[rec - 1], (uint8_t)i);
		ring_release(&rx);
	}
	assert_true(far < RING_REWIND_AT + rec);
	assert_true(starts >= 500 / (RING_REWIND_AT / rec + 2));
	/* Right after starting over the producer still has RING_REWIND_AT of
	 * room, though the consumer has not passed the PAD yet. */
	do {
		assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
		ring_commit(&tx, rec);
		assert_int_equal(ring_peek(&rx, &got, &len), 0);
		ring_release(&rx);
	} while (tx.own % size >= RING_REWIND_AT || tx.own % size < RING_RECORD_HDR + rec);
	uint64_t room = 0;
	while (room < RING_REWIND_AT - rec) {
		assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
		memset(slot, 0x22, rec);
		ring_commit(&tx, rec);
		room += RING_RECORD_HDR + rec;
	}
	while (ring_peek(&rx, &got, &len) == 0) {
		assert_int_equal(((const uint8_t *)got)[rec - 1], (uint8_t)0x22);
		ring_release(&rx);
	}
	/* The consumer holds the record at 0 (it has passed the PAD): the
	 * producer must not start over on top of it, however far it goes. */
	while (tx.own % size >= RING_REWIND_AT || tx.own % size < RING_RECORD_HDR + rec) {
		assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
		ring_commit(&tx, rec);
		assert_int_equal(ring_peek(&rx, &got, &len), 0);
		ring_release(&rx);
	}
	assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
	uint64_t first = (uint64_t)((uint8_t *)slot - data);
	memset(slot, 0x11, rec);
	ring_commit(&tx, rec);
	assert_int_equal(ring_peek(&rx, &got, &len), 0);
	assert_ptr_equal(got, data + first);
	unsigned queued = 1;
	uint64_t last = 0;
	while (last < 3 * RING_REWIND_AT) {
		assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
		last = (uint64_t)((uint8_t *)slot - data);
		assert_true(last > first);
		memset(slot, 0x11 + (int)queued, rec);
		ring_commit(&tx, rec);
		queued++;
	}
	for (unsigned i = 0; i < queued; i++) {
		assert_int_equal(ring_peek(&rx, &got, &len), 0);
		assert_int_equal(len, rec);
		assert_int_equal(((const uint8_t *)got)[0], (uint8_t)(0x11 + i));
		assert_int_equal(((const uint8_t *)got)[rec - 1], (uint8_t)(0x11 + i));
		ring_release(&rx);
	}
	assert_int_equal(ring_peek(&rx, &got, &len), CHAN_EAGAIN);
	/* With all of it taken the producer starts over again. */
	assert_int_equal(ring_reserve(&tx, rec, &slot), 0);
	assert_ptr_equal(slot, data + RING_RECORD_HDR);
	free(data);
}

static void test_soak(void **state)
{
	struct pair p;
	static uint8_t buf[70000], want[70000];
	struct soak s = { 0 };

	(void)state;
	pair_open(&p, UINT64_C(1) << 20);
	s.c = &p.a;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, soak_sender, &s), 0);
	uint64_t seq = 0, bytes = 0;
	for (;;) {
		uint64_t id;
		size_t len;
		int r = chan_recv(&p.b, NULL, &id, buf, sizeof(buf), &len, 10000000000u);
		if (r == CHAN_EPEER)
			break;
		if (r != 0)
			fail_msg("message %llu: %s", (unsigned long long)seq, chan_strerror(r));
		if (id != seq || len != soak_len(seq))
			fail_msg("message %llu arrived as %llu (%zu bytes)", (unsigned long long)seq,
				 (unsigned long long)id, len);
		soak_fill(want, seq, len);
		if (memcmp(buf, want, len) != 0)
			fail_msg("message %llu: content differs", (unsigned long long)seq);
		bytes += len;
		seq++;
	}
	pthread_join(t, NULL);
	assert_int_equal(s.result, 0);
	assert_int_equal(seq, s.messages);
	assert_int_equal(bytes, s.bytes);
	assert_true(bytes >= SOAK_BYTES);
	print_message("soak: %llu messages, %llu bytes, %llu doorbells, %llu sleeps\n",
		      (unsigned long long)seq, (unsigned long long)bytes,
		      (unsigned long long)(p.a.doorbells + p.b.doorbells),
		      (unsigned long long)(p.a.sleeps + p.b.sleeps));
	pair_close(&p);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_checked),
		cmocka_unit_test(test_messages_in_order),
		cmocka_unit_test(test_fragments_reassembled),
		cmocka_unit_test(test_zero_copy),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_peer_closes_or_dies),
		cmocka_unit_test(test_hostile_producer),
		cmocka_unit_test(test_hostile_consumer),
		cmocka_unit_test(test_rewind),
		cmocka_unit_test(test_soak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

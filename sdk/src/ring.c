/*
 * The SPSC record ring (ring.h). Everything the peer can write is loaded
 * once and checked before it is used; a failed check is sticky.
 */
#include "sdk/ring.h"

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~UINT64_C(7);
}

const char *chan_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case CHAN_EAGAIN:
		return "nothing to read or no room right now";
	case CHAN_ETIMEDOUT:
		return "timed out";
	case CHAN_ECORRUPT:
		return "the peer broke the channel protocol";
	case CHAN_EPEER:
		return "the peer is gone (closed, detached, died or revoked)";
	case CHAN_EINVAL:
		return "invalid argument";
	case CHAN_ETOOBIG:
		return "larger than the channel allows";
	case CHAN_ENOSPC:
		return "the buffer is too small for the message";
	case CHAN_EHEADER:
		return "not a channel this library accepts (header)";
	case CHAN_ESYSTEM:
		return "the region, the doorbell or the monitor failed";
	case CHAN_EATTEST:
		return "the peer's attestation token did not check out";
	case CHAN_EAUTH:
		return "a sealed record failed authentication (tampered, replayed, reordered or truncated)";
	default:
		return "unknown channel error";
	}
}

void ring_control_init(struct ring_control *ctl)
{
	atomic_store_explicit(&ctl->p.head, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->p.waiting, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->p.closed, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->c.tail, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->c.waiting, 0, memory_order_relaxed);
	atomic_store_explicit(&ctl->c.closed, 0, memory_order_release);
}

uint32_t ring_max_record(uint64_t size)
{
	uint64_t max = size / 2 - RING_RECORD_HDR;

	return max > UINT32_MAX - 8 ? UINT32_MAX - 8 : (uint32_t)(max & ~UINT64_C(7));
}

static int corrupt(struct ring_end *e)
{
	e->corrupt = true;
	return CHAN_ECORRUPT;
}

/* head - tail in [0, size]: the only relation two honest indices have. */
static bool indices_ok(uint64_t head, uint64_t tail, uint64_t size)
{
	return head - tail <= size;
}

static int open_end(struct ring_end *e, struct ring_control *ctl, void *data, uint64_t size, bool producer)
{
	if (!e || !ctl || !data || size < RING_MIN_SIZE || (size & (size - 1)) != 0)
		return CHAN_EINVAL;
	*e = (struct ring_end){ .ctl = ctl, .data = data, .size = size, .mask = size - 1 };
	uint64_t head = atomic_load_explicit(&ctl->p.head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&ctl->c.tail, memory_order_acquire);
	if (!indices_ok(head, tail, size) || (head & 7) || (tail & 7))
		return corrupt(e);
	e->own = producer ? head : tail;
	e->peer_cache = producer ? tail : head;
	return 0;
}

int ring_producer_open(struct ring_end *e, struct ring_control *ctl, void *data, uint64_t size)
{
	return open_end(e, ctl, data, size, true);
}

int ring_consumer_open(struct ring_end *e, struct ring_control *ctl, void *data, uint64_t size)
{
	return open_end(e, ctl, data, size, false);
}

int ring_reserve(struct ring_end *e, uint32_t len, void **out)
{
	if (e->corrupt)
		return CHAN_ECORRUPT;
	if (len > ring_max_record(e->size))
		return CHAN_ETOOBIG;
	uint64_t need = RING_RECORD_HDR + align8(len);
	uint64_t pos = e->own & e->mask;
	uint64_t pad = pos + need > e->size ? e->size - pos : 0;

	if (pad == 0 && pos >= RING_REWIND_AT && e->own >= e->rewind_next) {
		/* Far from the start: if what the consumer has not read yet lies
		 * past the room we need at 0, and RING_REWIND_AT more besides (the
		 * PAD counts as unread until the consumer passes it: the room
		 * left is what we keep writing into meanwhile), start over there,
		 * so that a ring much larger than its traffic keeps that traffic
		 * in the same cache lines and TLB entries instead of sweeping all
		 * of it through them. The cached tail first; the shared one at
		 * most once per RING_REWIND_AT/4 bytes. */
		uint64_t used = e->size - pos + need + RING_REWIND_AT;
		if (e->own + used - e->peer_cache > e->size) {
			uint64_t tail = atomic_load_explicit(&e->ctl->c.tail, memory_order_acquire);
			if (!indices_ok(e->own, tail, e->size) || (tail & 7))
				return corrupt(e);
			e->peer_cache = tail;
		}
		if (e->own + used - e->peer_cache <= e->size)
			pad = e->size - pos;
		else
			e->rewind_next = e->own + RING_REWIND_AT / 4;
	}
	uint64_t total = pad + need;

	if (e->own + total - e->peer_cache > e->size) {
		uint64_t tail = atomic_load_explicit(&e->ctl->c.tail, memory_order_acquire);
		/* The consumer never gets ahead of us nor leaves more than the ring. */
		if (!indices_ok(e->own, tail, e->size) || (tail & 7))
			return corrupt(e);
		e->peer_cache = tail;
		if (e->own + total - tail > e->size)
			return CHAN_EAGAIN;
	}
	e->pending = total;
	e->pad_bytes = pad;
	*out = e->data + (pad ? 0 : pos) + RING_RECORD_HDR;
	return 0;
}

static void put_header(uint8_t *at, uint32_t len, uint32_t kind)
{
	uint32_t h[2] = { len, kind };

	__builtin_memcpy(at, h, sizeof(h));
}

void ring_commit(struct ring_end *e, uint32_t len)
{
	uint64_t pos = e->own & e->mask;

	if (e->corrupt || e->pending == 0 ||
	    RING_RECORD_HDR + align8(len) > e->pending - e->pad_bytes)
		return; /* nothing reserved, or more than was: a caller's bug, ignored */
	if (e->pad_bytes) {
		put_header(e->data + pos, (uint32_t)(e->pad_bytes - RING_RECORD_HDR), RING_KIND_PAD);
		pos = 0;
	}
	put_header(e->data + pos, len, RING_KIND_DATA);
	e->own += e->pad_bytes + RING_RECORD_HDR + align8(len);
	e->pending = 0;
	e->pad_bytes = 0;
	atomic_store_explicit(&e->ctl->p.head, e->own, memory_order_release);
}

int ring_peek(struct ring_end *e, const void **payload, uint32_t *len)
{
	if (e->corrupt)
		return CHAN_ECORRUPT;
	/* At most one PAD before a record: a PAD runs to the end, and one at
	 * offset 0 (the whole ring) is not allowed. */
	for (unsigned round = 0; round < 2; round++) {
		if (e->peer_cache == e->own) {
			uint64_t head = atomic_load_explicit(&e->ctl->p.head, memory_order_acquire);
			if (!indices_ok(head, e->own, e->size) || (head & 7))
				return corrupt(e);
			e->peer_cache = head;
			if (head == e->own)
				return CHAN_EAGAIN;
		}
		uint64_t avail = e->peer_cache - e->own;
		uint64_t pos = e->own & e->mask;
		uint32_t h[2];

		if (avail < RING_RECORD_HDR)
			return corrupt(e);
		__builtin_memcpy(h, e->data + pos, sizeof(h));
		if (h[1] == RING_KIND_PAD) {
			uint64_t skip = e->size - pos;
			if (pos == 0 || h[0] != skip - RING_RECORD_HDR || skip > avail)
				return corrupt(e);
			e->own += skip;
			atomic_store_explicit(&e->ctl->c.tail, e->own, memory_order_release);
			continue;
		}
		uint64_t rec = RING_RECORD_HDR + align8(h[0]);
		if (h[1] != RING_KIND_DATA || h[0] > ring_max_record(e->size) || rec > avail ||
		    pos + rec > e->size)
			return corrupt(e);
		*payload = e->data + pos + RING_RECORD_HDR;
		*len = h[0];
		e->pending = rec;
		return 0;
	}
	return corrupt(e);
}

void ring_release(struct ring_end *e)
{
	if (e->corrupt || e->pending == 0)
		return;
	e->own += e->pending;
	e->pending = 0;
	atomic_store_explicit(&e->ctl->c.tail, e->own, memory_order_release);
}

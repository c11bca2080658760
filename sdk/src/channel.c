/*
 * Duplex channels over two rings (channel.h): the header, framing,
 * fragmentation and waiting. Ordering of the doorbell handshake: a waiter
 * stores its flag, fences, and checks the ring once more before it sleeps;
 * a publisher stores its index, fences, and reads the flag. With a full
 * fence on both sides one of them sees the other, so no wake-up is lost.
 */
#include "sdk/channel.h"
#include "sdk/copy.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* A full barrier for the doorbell handshake. ThreadSanitizer does not model
 * fences (GCC refuses them there): a sequentially consistent read-modify-
 * write, a full barrier on the hardware too, stands in for it. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHAN_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CHAN_TSAN 1
#endif
static inline void full_fence(void)
{
#ifdef CHAN_TSAN
	static _Atomic unsigned barrier;
	atomic_fetch_add_explicit(&barrier, 0, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

static bool is_pow2(uint64_t x)
{
	return x && (x & (x - 1)) == 0;
}

int chan_geometry_default(uint64_t area_size, struct chan_geometry *g)
{
	if (!g || area_size % 4096 || area_size < CHAN_HEADER_SIZE + 2 * RING_MIN_SIZE)
		return CHAN_EINVAL;
	uint64_t ring = RING_MIN_SIZE;
	while (2 * (ring * 2) <= area_size - CHAN_HEADER_SIZE)
		ring *= 2;
	g->ring_size = ring;
	g->max_message = UINT32_C(16) << 20;
	return 0;
}

/* The header's geometry holds for an area of area_size bytes. */
static bool header_ok(const struct chan_header *h, uint64_t area_size)
{
	if (h->magic != CHAN_MAGIC || h->version != CHAN_VERSION || h->header_size != CHAN_HEADER_SIZE ||
	    h->area_size > area_size || h->max_message == 0 || h->max_message > CHAN_MAX_MESSAGE)
		return false;
	for (unsigned d = 0; d < 2; d++) {
		uint64_t off = h->ring_offset[d], size = h->ring_size[d];
		if (off < CHAN_HEADER_SIZE || off % 4096 || !is_pow2(size) || size < RING_MIN_SIZE ||
		    off > h->area_size || size > h->area_size - off)
			return false;
	}
	/* The rings do not overlap. */
	uint64_t a = h->ring_offset[0], b = h->ring_offset[1];
	return a + h->ring_size[0] <= b || b + h->ring_size[1] <= a;
}

static struct ring_control *control(void *area, unsigned d)
{
	return (struct ring_control *)((uint8_t *)area + CHAN_CTL_OFFSET + d * sizeof(struct ring_control));
}

int chan_format(void *area, uint64_t area_size, const struct chan_geometry *g)
{
	if (!area || !g)
		return CHAN_EINVAL;
	struct chan_header h = {
		.magic = CHAN_MAGIC,
		.version = CHAN_VERSION,
		.header_size = CHAN_HEADER_SIZE,
		.area_size = area_size,
		.ring_offset = { CHAN_HEADER_SIZE, CHAN_HEADER_SIZE + g->ring_size },
		.ring_size = { g->ring_size, g->ring_size },
		.max_message = g->max_message,
	};
	if (g->ring_size > area_size || !header_ok(&h, area_size))
		return CHAN_EINVAL;
	__builtin_memset(area, 0, CHAN_HEADER_SIZE);
	ring_control_init(control(area, 0));
	ring_control_init(control(area, 1));
	__builtin_memcpy(area, &h, sizeof(h));
	full_fence(); /* the header before whatever tells the peer it may look */
	return 0;
}

int chan_open(struct chan *c, void *area, uint64_t area_size, bool creator, const struct chan_ops *ops,
	      void *ctx)
{
	struct chan_header h;
	int r;

	if (!c || !area || !ops || !ops->doorbell || !ops->sleep || !ops->now_ns)
		return CHAN_EINVAL;
	if (area_size < CHAN_HEADER_SIZE)
		return CHAN_EHEADER;
	__builtin_memcpy(&h, area, sizeof(h)); /* read once: the peer may still write it */
	if (!header_ok(&h, area_size))
		return CHAN_EHEADER;
	*c = (struct chan){ .ops = ops, .ctx = ctx, .max_message = h.max_message, .spin_ns = CHAN_SPIN_NS,
			    .slice_ns = CHAN_SLICE_NS, .next_id = 1, .frag_max = CHAN_FRAG_MAX };
	unsigned out = creator ? 0 : 1, in = creator ? 1 : 0;
	r = ring_producer_open(&c->tx, control(area, out), (uint8_t *)area + h.ring_offset[out], h.ring_size[out]);
	if (r == 0)
		r = ring_consumer_open(&c->rx, control(area, in), (uint8_t *)area + h.ring_offset[in], h.ring_size[in]);
	return r;
}

void chan_close(struct chan *c)
{
	atomic_store_explicit(&c->tx.ctl->p.closed, 1, memory_order_seq_cst);
	atomic_store_explicit(&c->rx.ctl->c.closed, 1, memory_order_seq_cst);
	c->ops->doorbell(c->ctx);
}

uint64_t chan_next_id(struct chan *c)
{
	return c->next_id++;
}

/* ---- waiting ---- */

/* Wakes the peer if it sleeps on what we just published. */
static void notify(struct chan *c, bool published_tx)
{
	full_fence();
	if (ring_peer_waiting(published_tx ? &c->tx : &c->rx, published_tx)) {
		c->doorbells++;
		c->ops->doorbell(c->ctx);
	}
}

static bool peer_closed(const struct chan *c, bool sending)
{
	return sending ? atomic_load_explicit(&c->tx.ctl->c.closed, memory_order_acquire) != 0
		       : atomic_load_explicit(&c->rx.ctl->p.closed, memory_order_acquire) != 0;
}

typedef int (*attempt_fn)(struct chan *c, void *arg);

/* Runs attempt until it stops saying CHAN_EAGAIN, the peer is gone or the
 * timeout passes; sending: waits for room in tx, else for a record in rx. */
static int wait_for(struct chan *c, bool sending, uint64_t timeout_ns, attempt_fn attempt, void *arg)
{
	int r = attempt(c, arg);

	if (r != CHAN_EAGAIN || timeout_ns == 0)
		return r;
	_Atomic uint32_t *flag = sending ? &c->tx.ctl->p.waiting : &c->rx.ctl->c.waiting;
	uint64_t start = c->ops->now_ns(c->ctx), checked = start;
	uint64_t deadline = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	for (;;) {
		if (peer_closed(c, sending)) {
			r = attempt(c, arg); /* what it sent before closing is still ours */
			return r == CHAN_EAGAIN ? CHAN_EPEER : r;
		}
		uint64_t now = c->ops->now_ns(c->ctx);
		if (now >= deadline)
			return CHAN_ETIMEDOUT;
		if (now - start < c->spin_ns) {
			cpu_relax();
		} else {
			/* Asking whether the peer lives may cost a call to the monitor:
			 * once a slice. */
			if (c->ops->peer_alive && now - checked >= c->slice_ns) {
				checked = now;
				if (!c->ops->peer_alive(c->ctx)) {
					r = attempt(c, arg);
					return r == CHAN_EAGAIN ? CHAN_EPEER : r;
				}
			}
			atomic_store_explicit(flag, 1, memory_order_seq_cst);
			full_fence();
			r = attempt(c, arg);
			if (r == CHAN_EAGAIN && !peer_closed(c, sending)) {
				uint64_t left = deadline - now;
				c->sleeps++;
				c->ops->sleep(c->ctx, left < c->slice_ns ? left : c->slice_ns);
			}
			atomic_store_explicit(flag, 0, memory_order_relaxed);
			if (r != CHAN_EAGAIN)
				return r;
		}
		r = attempt(c, arg);
		if (r != CHAN_EAGAIN)
			return r;
	}
}

/* ---- sending ---- */

struct reserve_arg {
	uint32_t len;
	void *out;
};

static int try_reserve(struct chan *c, void *arg)
{
	struct reserve_arg *a = arg;

	return ring_reserve(&c->tx, a->len, &a->out);
}

static void put_frame(void *at, uint64_t id, uint16_t type, uint16_t flags, uint32_t total)
{
	struct chan_frame f = { .msg_id = id, .type = type, .flags = flags, .total_len = total };

	__builtin_memcpy(at, &f, sizeof(f));
}

static bool type_ok(uint16_t type)
{
	return type >= CHAN_MSG_REQUEST && type <= CHAN_MSG_STREAM;
}

uint32_t chan_max_zerocopy(const struct chan *c)
{
	uint32_t max = ring_max_record(c->tx.size) - CHAN_FRAME_SIZE;

	return max < c->max_message ? max : c->max_message;
}

int chan_send(struct chan *c, uint16_t type, uint64_t msg_id, const void *buf, size_t len, uint64_t timeout_ns)
{
	const uint8_t *p = buf;
	uint32_t frag_max = ring_max_record(c->tx.size) - CHAN_FRAME_SIZE;
	size_t sent = 0;

	if (c->frag_max && c->frag_max < frag_max)
		frag_max = c->frag_max;

	if (!type_ok(type) || (!buf && len))
		return CHAN_EINVAL;
	if (len > c->max_message)
		return CHAN_ETOOBIG;
	if (peer_closed(c, true))
		return CHAN_EPEER;
	uint64_t start = c->ops->now_ns(c->ctx);
	do {
		size_t n = len - sent < frag_max ? len - sent : frag_max;
		uint16_t flags = (sent == 0 ? CHAN_FRAG_FIRST : 0) | (sent + n == len ? CHAN_FRAG_LAST : 0);
		struct reserve_arg a = { .len = (uint32_t)(CHAN_FRAME_SIZE + n) };
		uint64_t spent = c->ops->now_ns(c->ctx) - start;
		uint64_t left = timeout_ns == CHAN_FOREVER ? CHAN_FOREVER : (spent < timeout_ns ? timeout_ns - spent : 0);
		int r = wait_for(c, true, left, try_reserve, &a);
		if (r != 0)
			return r; /* a message cut short: the receiver times out on it */
		put_frame(a.out, msg_id, type, flags, (uint32_t)len);
		if (n)
			caec_copy((uint8_t *)a.out + CHAN_FRAME_SIZE, p + sent, n);
		ring_commit(&c->tx, a.len);
		notify(c, true);
		sent += n;
	} while (sent < len);
	return 0;
}

int chan_reserve(struct chan *c, uint32_t len, void **data, uint64_t timeout_ns)
{
	if (len > chan_max_zerocopy(c))
		return CHAN_ETOOBIG;
	if (peer_closed(c, true))
		return CHAN_EPEER;
	struct reserve_arg a = { .len = CHAN_FRAME_SIZE + len };
	int r = wait_for(c, true, timeout_ns, try_reserve, &a);
	if (r == 0)
		*data = (uint8_t *)a.out + CHAN_FRAME_SIZE;
	return r;
}

void chan_commit(struct chan *c, uint16_t type, uint64_t msg_id, uint32_t len)
{
	uint8_t *rec;

	if (c->tx.pending == 0 || !type_ok(type))
		return;
	rec = c->tx.data + (c->tx.pad_bytes ? 0 : (c->tx.own & c->tx.mask)) + RING_RECORD_HDR;
	put_frame(rec, msg_id, type, CHAN_FRAG_FIRST | CHAN_FRAG_LAST, len);
	ring_commit(&c->tx, CHAN_FRAME_SIZE + len);
	notify(c, true);
}

/* ---- receiving ---- */

struct peek_arg {
	struct chan_frame f;
	const uint8_t *payload; /* after the frame */
	uint32_t len;           /* payload bytes after the frame */
};

static int frame_corrupt(struct chan *c)
{
	c->rx.corrupt = true;
	return CHAN_ECORRUPT;
}

/* The next record with its frame read once and checked. */
static int try_peek(struct chan *c, void *arg)
{
	struct peek_arg *a = arg;
	const void *p;
	uint32_t len;

	for (;;) {
		int r = ring_peek(&c->rx, &p, &len);
		if (r != 0)
			return r;
		if (len < CHAN_FRAME_SIZE)
			return frame_corrupt(c);
		__builtin_memcpy(&a->f, p, sizeof(a->f));
		a->payload = (const uint8_t *)p + CHAN_FRAME_SIZE;
		a->len = len - CHAN_FRAME_SIZE;
		if (!type_ok(a->f.type) || (a->f.flags & ~(CHAN_FRAG_FIRST | CHAN_FRAG_LAST)) ||
		    a->f.total_len > c->max_message || a->len > a->f.total_len)
			return frame_corrupt(c);
		/* The rest of a message given up on earlier is dropped here. */
		if (c->dropping && !(a->f.flags & CHAN_FRAG_FIRST) && a->f.msg_id == c->drop_id) {
			if (a->f.flags & CHAN_FRAG_LAST)
				c->dropping = false;
			ring_release(&c->rx);
			notify(c, false);
			continue;
		}
		c->dropping = false;
		return 0;
	}
}

static void release_record(struct chan *c)
{
	ring_release(&c->rx);
	notify(c, false);
}

int chan_recv(struct chan *c, uint16_t *type, uint64_t *msg_id, void *buf, size_t cap, size_t *len,
	      uint64_t timeout_ns)
{
	struct peek_arg a;
	uint8_t *out = buf;

	if (!len || (!buf && cap))
		return CHAN_EINVAL;
	uint64_t start = c->ops->now_ns(c->ctx);
	int r = wait_for(c, false, timeout_ns, try_peek, &a);
	if (r != 0)
		return r;
	if (!(a.f.flags & CHAN_FRAG_FIRST))
		return frame_corrupt(c); /* a fragment of no message */
	*len = a.f.total_len;
	if (a.f.total_len > cap)
		return CHAN_ENOSPC;
	uint64_t id = a.f.msg_id, total = a.f.total_len, got = 0;
	uint16_t t = a.f.type;
	for (;;) {
		bool last = (a.f.flags & CHAN_FRAG_LAST) != 0;
		if (a.len > total - got || (last != (got + a.len == total)))
			return frame_corrupt(c);
		caec_copy(out + got, a.payload, a.len);
		got += a.len;
		release_record(c);
		if (last)
			break;
		uint64_t spent = c->ops->now_ns(c->ctx) - start;
		uint64_t left = timeout_ns == CHAN_FOREVER ? CHAN_FOREVER : (spent < timeout_ns ? timeout_ns - spent : 0);
		r = wait_for(c, false, left ? left : 1, try_peek, &a);
		if (r == CHAN_ETIMEDOUT || r == CHAN_EAGAIN) {
			c->dropping = true; /* the rest, when it comes, goes */
			c->drop_id = id;
			return CHAN_ETIMEDOUT;
		}
		if (r != 0)
			return r;
		if ((a.f.flags & CHAN_FRAG_FIRST) || a.f.msg_id != id || a.f.type != t || a.f.total_len != total)
			return frame_corrupt(c);
	}
	if (type)
		*type = t;
	if (msg_id)
		*msg_id = id;
	return 0;
}

int chan_drop(struct chan *c, uint16_t *type, uint64_t *msg_id)
{
	struct peek_arg a;
	int r = try_peek(c, &a);

	if (r != 0)
		return r;
	if (!(a.f.flags & CHAN_FRAG_FIRST))
		return frame_corrupt(c);
	if (type)
		*type = a.f.type;
	if (msg_id)
		*msg_id = a.f.msg_id;
	if (!(a.f.flags & CHAN_FRAG_LAST)) {
		c->dropping = true; /* its other fragments go as they come */
		c->drop_id = a.f.msg_id;
	}
	release_record(c);
	return 0;
}

int chan_peek(struct chan *c, struct chan_msg *m, uint64_t timeout_ns)
{
	struct peek_arg a;
	int r = wait_for(c, false, timeout_ns, try_peek, &a);

	if (r != 0)
		return r;
	if (!(a.f.flags & CHAN_FRAG_FIRST))
		return frame_corrupt(c);
	if (!(a.f.flags & CHAN_FRAG_LAST))
		return CHAN_ETOOBIG;
	if (a.len != a.f.total_len)
		return frame_corrupt(c);
	*m = (struct chan_msg){ .type = a.f.type, .msg_id = a.f.msg_id, .data = a.payload, .len = a.len };
	return 0;
}

void chan_release(struct chan *c)
{
	release_record(c);
}

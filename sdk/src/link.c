/* The gateway realm's link to the network (sdk/link.h). */
#include <stdbool.h>

#include "abi/caec_pipeline.h"
#include "caec/arch.h"
#include "sdk/host_call.h"
#include "sdk/link.h"

#define SPINS 2000u
#define WAIT_SLICE_NS (UINT64_C(50) * 1000000u)

static uint64_t acquire(const volatile uint64_t *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static void release(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE);
}

static void ring_bell(struct link *l)
{
	sdk_shared_doorbell(SDK_DOORBELL_RING_SHARED, l->ipa, 0);
}

/* Waits for the host a little: spins, then sleeps on the link's doorbell
 * (which the host rings on every change). Returns false once timeout_ns
 * since start have passed. */
static bool wait_some(struct link *l, unsigned *spins, uint64_t start, uint64_t timeout_ns)
{
	if (caec_arch_now_ns() - start >= timeout_ns)
		return false;
	if ((*spins)++ < SPINS) {
		caec_arch_relax();
		return true;
	}
	uint64_t left = timeout_ns - (caec_arch_now_ns() - start);
	sdk_shared_doorbell(SDK_DOORBELL_WAIT_SHARED, l->ipa, left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS);
	return true;
}

int link_open(struct link *l)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };

	__builtin_memset(l, 0, sizeof(*l));
	if (sdk_host_call(PIPE_CALL_LINK, g) != RSI_SUCCESS || g[0] != 0)
		return LINK_ENOLINK;
	if (g[2] != LINK_PAGES || g[1] % 4096)
		return LINK_EBROKEN;
	void *base = caec_arch_ipa_to_ptr(g[1]);
	if (!base || !caec_arch_ipa_to_ptr(g[1] + LINK_PAGES * UINT64_C(4096) - 1))
		return LINK_EBROKEN;
	l->h = base;
	if (l->h->magic != LINK_MAGIC || l->h->version != LINK_VERSION || l->h->ring_pages != LINK_RING_PAGES)
		return LINK_EBROKEN;
	l->ring = LINK_RING_PAGES * UINT64_C(4096);
	l->in = (const volatile uint8_t *)base + 4096;
	l->out = (volatile uint8_t *)base + 4096 + l->ring;
	l->ipa = g[1];
	/* Our own positions start where the header says (0 on a fresh link);
	 * from here on only we write them. */
	l->in_tail = l->h->in_tail;
	l->out_head = l->h->out_head;
	return 0;
}

int link_accept(struct link *l, uint64_t timeout_ns)
{
	uint64_t start = caec_arch_now_ns();
	unsigned spins = 0;

	for (;;) {
		uint64_t conn = acquire(&l->h->conn);
		if (conn > l->conn) {
			uint64_t from = acquire(&l->h->conn_in_start), head = acquire(&l->h->in_head);
			/* The new connection's bytes begin between what we read and
			 * what the host wrote. */
			if (from < l->in_tail || from > head || head - l->in_tail > l->ring)
				return LINK_EBROKEN;
			l->conn = conn;
			l->in_tail = from;
			release(&l->h->in_tail, from);
			ring_bell(l);
			return 0;
		}
		if (!wait_some(l, &spins, start, timeout_ns))
			return LINK_ETIMEOUT;
	}
}

long link_read(struct link *l, void *buf, size_t cap, uint64_t timeout_ns)
{
	uint64_t start = caec_arch_now_ns();
	unsigned spins = 0;
	uint8_t *b = buf;

	for (;;) {
		uint64_t head = acquire(&l->h->in_head);
		if (head < l->in_tail || head - l->in_tail > l->ring)
			return LINK_EBROKEN;
		if (head != l->in_tail) {
			size_t n = head - l->in_tail < cap ? (size_t)(head - l->in_tail) : cap;
			for (size_t i = 0; i < n; i++)
				b[i] = l->in[(l->in_tail + i) % l->ring];
			l->in_tail += n;
			release(&l->h->in_tail, l->in_tail);
			ring_bell(l);
			return (long)n;
		}
		/* EOF only once every byte before it was read (the host sets it
		 * after its last in_head). */
		if (acquire(&l->h->in_eof) == l->conn && acquire(&l->h->in_head) == l->in_tail)
			return 0;
		if (acquire(&l->h->conn) != l->conn)
			return 0; /* the host moved on: this connection is over */
		if (!wait_some(l, &spins, start, timeout_ns))
			return LINK_ETIMEOUT;
	}
}

int link_write(struct link *l, const void *buf, size_t len, uint64_t timeout_ns)
{
	const uint8_t *b = buf;
	uint64_t start = caec_arch_now_ns();
	unsigned spins = 0;

	while (len) {
		uint64_t tail = acquire(&l->h->out_tail);
		if (tail > l->out_head || l->out_head - tail > l->ring)
			return LINK_EBROKEN;
		uint64_t room = l->ring - (l->out_head - tail);
		if (room == 0) {
			if (acquire(&l->h->conn) != l->conn)
				return LINK_EBROKEN;
			if (!wait_some(l, &spins, start, timeout_ns))
				return LINK_ETIMEOUT;
			continue;
		}
		size_t n = len < room ? len : (size_t)room;
		for (size_t i = 0; i < n; i++)
			l->out[(l->out_head + i) % l->ring] = b[i];
		l->out_head += n;
		release(&l->h->out_head, l->out_head);
		ring_bell(l);
		b += n;
		len -= n;
		spins = 0;
	}
	return 0;
}

void link_close(struct link *l)
{
	release(&l->h->out_close, l->conn);
	ring_bell(l);
}

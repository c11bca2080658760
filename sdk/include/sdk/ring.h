/*
 * A single-producer/single-consumer ring of variable-length records in
 * memory two parties share (a CSM region, host-visible memory, or plain
 * process memory), the transport under the channel library (channel.h).
 *
 * Shared state: a control block of two halves, one per writer — the
 * producer's half holds the head (bytes produced, free running) and its
 * flags, the consumer's half the tail (bytes consumed) and its flags — and
 * a data area of a power-of-two size. An index and its writer's flags sit
 * on separate 128-byte lines: the index changes with every record, the
 * flags almost never, and the peer reads the flags after every record it
 * publishes (does the other side sleep?), which must not cost a transfer
 * of the line the other side is writing. Each field has exactly one writer;
 * each side keeps its own index privately and a cached copy of the other's,
 * reading the shared one only when the cache says the ring is full (empty).
 * The producer writes the payload, then publishes the head with a release
 * store; the consumer reads the head with an acquire load before the
 * payload, and the tail the same way round.
 *
 * A record is an 8-byte header (u32 payload length, u32 kind) and its
 * payload, padded to 8 bytes; it never wraps: a producer that would cross
 * the end writes a PAD record to the end and starts over at 0. Records are
 * at most ring_max_record() bytes of payload (a little under half the ring),
 * so one always fits an empty ring. A producer more than RING_REWIND_AT
 * bytes into the ring starts over at 0 the same way (a PAD to the end) as
 * soon as the room it needs there is free with RING_REWIND_AT to spare (a
 * ring of at least 4 x RING_REWIND_AT never holds less), so that traffic much smaller
 * than the ring stays in the same cache lines instead of sweeping the whole
 * ring through the caches; the consumer sees nothing new.
 *
 * The other side may be hostile. Everything read from shared memory is read
 * once into private memory and checked before use: an index outside the
 * ring, a length past what was produced or past the end, an unknown kind or
 * a PAD in the wrong place make the ring CHAN_ECORRUPT for good, and nothing
 * outside the data area is ever read or written. A payload returned by peek
 * stays in shared memory: a hostile producer can still change it, so treat
 * it as untrusted bytes (the copying API copies it once).
 */
#ifndef CAEC_SDK_RING_H
#define CAEC_SDK_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors of the ring and the channel (negative; 0 is success). */
#define CHAN_EAGAIN    (-1)  /* nothing to read, or no room, right now */
#define CHAN_ETIMEDOUT (-2)  /* the wait's timeout passed */
#define CHAN_ECORRUPT  (-3)  /* the peer broke the protocol; the channel is dead */
#define CHAN_EPEER     (-4)  /* the peer closed, detached, died or was revoked */
#define CHAN_EINVAL    (-5)  /* a bad argument */
#define CHAN_ETOOBIG   (-6)  /* larger than the channel's maximum message or record */
#define CHAN_ENOSPC    (-7)  /* the buffer is too small for the message (it stays queued) */
#define CHAN_EHEADER   (-8)  /* the channel header is not one this library accepts */
#define CHAN_ESYSTEM   (-9)  /* the region, the doorbell or the monitor failed */
#define CHAN_EAUTH     (-10) /* a sealed record failed authentication (chan_sealed.h):
			      * tampered, replayed, reordered or truncated */
#define CHAN_EATTEST   (-11) /* the peer's attestation did not check out (peer_attest.h) */

/* A one-line description of a CHAN_E* error ("ok" for 0). */
const char *chan_strerror(int err);

#define RING_CACHE_LINE   128u /* two 64-byte lines: no false sharing with the prefetcher */
#define RING_RECORD_HDR   8u
#define RING_MIN_SIZE     4096u
#define RING_REWIND_AT    (64u * 1024u) /* well inside a core's L2 with the copy's source */
#define RING_KIND_DATA    1u
#define RING_KIND_PAD     2u

struct ring_producer_half {
	_Atomic uint64_t head;
	uint8_t pad0[RING_CACHE_LINE - 8];
	_Atomic uint32_t waiting; /* the producer sleeps until there is room */
	_Atomic uint32_t closed;  /* the producer will write no more */
	uint8_t pad1[RING_CACHE_LINE - 8];
};

struct ring_consumer_half {
	_Atomic uint64_t tail;
	uint8_t pad0[RING_CACHE_LINE - 8];
	_Atomic uint32_t waiting; /* the consumer sleeps until there is a record */
	_Atomic uint32_t closed;  /* the consumer reads no more */
	uint8_t pad1[RING_CACHE_LINE - 8];
};

struct ring_control {
	struct ring_producer_half p;
	struct ring_consumer_half c;
};
_Static_assert(sizeof(struct ring_control) == 4 * RING_CACHE_LINE, "ring control layout");

/* One side's private view of a ring. */
struct ring_end {
	struct ring_control *ctl;
	uint8_t *data;
	uint64_t size, mask;
	uint64_t own;         /* producer: head; consumer: tail */
	uint64_t peer_cache;  /* producer: the tail last read; consumer: the head */
	uint64_t pending;     /* producer: bytes reserved (pad included); consumer: record size peeked */
	uint64_t pad_bytes;   /* producer: the PAD in front of the reservation */
	uint64_t rewind_next; /* producer: do not look for an empty ring before this head */
	bool corrupt;
};

/* Zeroes a ring's control block (its creator, before the other side uses it). */
void ring_control_init(struct ring_control *ctl);

/* The largest payload a record may have in a ring of size bytes. */
uint32_t ring_max_record(uint64_t size);

/* Binds an end to a ring (size: a power of two, >= RING_MIN_SIZE). The
 * indices are read from the control block and checked (a consumer joining
 * a used ring starts where it stands). CHAN_EINVAL or CHAN_ECORRUPT. */
int ring_producer_open(struct ring_end *e, struct ring_control *ctl, void *data, uint64_t size);
int ring_consumer_open(struct ring_end *e, struct ring_control *ctl, void *data, uint64_t size);

/* Producer: room for a payload of len bytes, contiguous, at *out. 0,
 * CHAN_EAGAIN (no room now), CHAN_ETOOBIG, CHAN_ECORRUPT. A reservation is
 * published by ring_commit (with any length up to len) or dropped by the
 * next reserve. */
int ring_reserve(struct ring_end *e, uint32_t len, void **out);
void ring_commit(struct ring_end *e, uint32_t len);

/* Consumer: the oldest record's payload and length. 0, CHAN_EAGAIN (empty),
 * CHAN_ECORRUPT. ring_release frees it for the producer. */
int ring_peek(struct ring_end *e, const void **payload, uint32_t *len);
void ring_release(struct ring_end *e);

/* The peer's flags, for the channel's waiting (acquire loads). */
static inline bool ring_peer_waiting(const struct ring_end *e, bool producer)
{
	return producer ? atomic_load_explicit(&e->ctl->c.waiting, memory_order_seq_cst) != 0
			: atomic_load_explicit(&e->ctl->p.waiting, memory_order_seq_cst) != 0;
}

#endif

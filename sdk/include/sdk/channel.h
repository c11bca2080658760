/*
 * Duplex channels: two realms (or two threads, for the raw-ring floor) talk
 * through one shared memory area at memory speed. The area is laid out by
 * its creator (chan_format): page 0 holds the header (magic, version,
 * geometry, the maximum message size) and the control blocks of the two
 * rings (ring.h), creator -> peer and peer -> creator; the rings follow,
 * each a power of two. The peer validates the header before it uses the
 * area (chan_open) and reads it only once.
 *
 * Messages carry a 16-byte frame: a 64-bit message ID, a type (request,
 * response, error, stream) and fragment flags; a message larger than one
 * record, or than frag_max (64 KiB: the receiver copies one fragment while
 * the sender writes the next), travels as several records (first ... last)
 * and is reassembled by chan_recv. Two APIs share the rings: copying (chan_send / chan_recv, any
 * size up to the channel's maximum, with a timeout) and zero-copy
 * (chan_reserve / chan_commit, chan_peek / chan_release, one record each).
 * One thread sends and one receives on each end (or one does both).
 *
 * Waiting spins for spin_ns, then sleeps on the doorbell: the waiter sets
 * its waiting flag, checks once more, and sleeps (ops->sleep); the other
 * side rings (ops->doorbell, which carries no data) whenever it publishes
 * while the flag is set. Sleeps are cut into slices so that a peer that
 * closed (its flag in the ring), or that ops->peer_alive() says is gone
 * (detached, destroyed, revoked), ends the wait with CHAN_EPEER, and a
 * timeout with CHAN_ETIMEDOUT: no call waits forever on a peer that cannot
 * answer. A peer that breaks the protocol makes every later call
 * CHAN_ECORRUPT; nothing outside the area is ever touched.
 *
 * Errors are the CHAN_E* codes of ring.h (chan_strerror).
 */
#ifndef CAEC_SDK_CHANNEL_H
#define CAEC_SDK_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/ring.h"

#define CHAN_MAGIC        UINT64_C(0x314e484343454143) /* "CAECCHN1" */
#define CHAN_VERSION      2u /* 2: each ring's flags on lines of their own */
#define CHAN_HEADER_SIZE  4096u
#define CHAN_CTL_OFFSET   1024u /* control block of ring 0; ring 1's follows */
#define CHAN_MAX_MESSAGE  (UINT32_C(1) << 30)
#define CHAN_FRAME_SIZE   16u

/* Message types. */
#define CHAN_MSG_REQUEST  1u
#define CHAN_MSG_RESPONSE 2u
#define CHAN_MSG_ERROR    3u
#define CHAN_MSG_STREAM   4u

/* Fragment flags in a frame. */
#define CHAN_FRAG_FIRST   1u
#define CHAN_FRAG_LAST    2u

struct chan_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t area_size;
	uint64_t ring_offset[2]; /* ring 0: creator -> peer; ring 1: peer -> creator */
	uint64_t ring_size[2];
	uint32_t max_message;
	uint32_t reserved0;
	uint64_t reserved[8];
};

struct chan_frame {
	uint64_t msg_id;
	uint16_t type;
	uint16_t flags;
	uint32_t total_len; /* the whole message's length (every fragment says it) */
};
_Static_assert(sizeof(struct chan_frame) == CHAN_FRAME_SIZE, "frame layout");

/* How an end waits and wakes its peer. */
struct chan_ops {
	void (*doorbell)(void *ctx);               /* wake the peer (no data) */
	void (*sleep)(void *ctx, uint64_t max_ns); /* until a doorbell rings for us or max_ns */
	uint64_t (*now_ns)(void *ctx);
	bool (*peer_alive)(void *ctx);             /* NULL: only the peer's closed flag counts */
};

struct chan {
	struct ring_end tx, rx;
	const struct chan_ops *ops;
	void *ctx;
	uint32_t max_message;
	uint64_t spin_ns;   /* spin this long before sleeping (default CHAN_SPIN_NS) */
	uint64_t slice_ns;  /* the longest sleep between checks of the peer (CHAN_SLICE_NS) */
	uint32_t frag_max;  /* chan_send's largest fragment (CHAN_FRAG_MAX; 0: what the ring takes) */
	uint64_t next_id;
	/* chan_recv: a message whose rest is being dropped (its first fragments
	 * went with a timeout). */
	uint64_t drop_id;
	bool dropping;
	/* statistics */
	uint64_t doorbells, sleeps;
};

#define CHAN_SPIN_NS  50000u      /* 50 us */
/* chan_send cuts messages into fragments of at most this much, so that the
 * receiver copies one while the sender writes the next. */
#define CHAN_FRAG_MAX (64u << 10)
#define CHAN_SLICE_NS 10000000u   /* 10 ms */
#define CHAN_FOREVER  UINT64_MAX

/* The geometry of an area of area_size bytes (a multiple of 4096, at least
 * 3 pages): two equal power-of-two rings after page 0, as large as fit. */
struct chan_geometry {
	uint64_t ring_size;
	uint32_t max_message;
};
int chan_geometry_default(uint64_t area_size, struct chan_geometry *g);

/* The creator lays out the area (header, zeroed control blocks). */
int chan_format(void *area, uint64_t area_size, const struct chan_geometry *g);
/* Opens an end: the creator's (creator = true) or the peer's. The peer's
 * validates the header against area_size (CHAN_EHEADER). */
int chan_open(struct chan *c, void *area, uint64_t area_size, bool creator, const struct chan_ops *ops,
	      void *ctx);
/* Tells the peer this end is done (its next waits end with CHAN_EPEER once
 * it has read everything). */
void chan_close(struct chan *c);

/* A fresh message ID (this end's counter; IDs need only be unique per end). */
uint64_t chan_next_id(struct chan *c);

/* Copying API. chan_send queues len bytes (fragments if needed), waiting up
 * to timeout_ns for room. chan_recv waits up to timeout_ns for a whole
 * message and copies it into buf: *len is its length; with CHAN_ENOSPC it is
 * the length needed and the message stays queued. */
int chan_send(struct chan *c, uint16_t type, uint64_t msg_id, const void *buf, size_t len, uint64_t timeout_ns);
int chan_recv(struct chan *c, uint16_t *type, uint64_t *msg_id, void *buf, size_t cap, size_t *len,
	      uint64_t timeout_ns);

/* Zero-copy API: one record each (len <= chan_max_zerocopy()). */
/* After chan_recv said CHAN_ENOSPC: drops that message (its fragments too,
 * as they arrive), saying its type and ID, so a receiver can answer "too
 * large" instead of reading it. 0, CHAN_EAGAIN (nothing queued) or
 * CHAN_ECORRUPT. */
int chan_drop(struct chan *c, uint16_t *type, uint64_t *msg_id);

uint32_t chan_max_zerocopy(const struct chan *c);
int chan_reserve(struct chan *c, uint32_t len, void **data, uint64_t timeout_ns);
void chan_commit(struct chan *c, uint16_t type, uint64_t msg_id, uint32_t len);
struct chan_msg {
	uint16_t type;
	uint64_t msg_id;
	const void *data; /* in the shared area: untrusted, may change under you */
	uint32_t len;
};
/* The next message, in place; CHAN_ETOOBIG if it is fragmented (chan_recv
 * takes those). chan_release frees it. */
int chan_peek(struct chan *c, struct chan_msg *m, uint64_t timeout_ns);
void chan_release(struct chan *c);

#endif

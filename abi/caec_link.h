/*
 * The gateway link: how the untrusted host relays a TCP connection's bytes
 * to the pipeline's gateway realm (`caec run --listen`) through
 * host-visible memory. Everything here is visible to the host and to anyone
 * who controls it, so the gateway treats it as the network: it runs TLS
 * over it, and it checks every index the host writes before using it.
 *
 * The link area is LINK pages of NS memory mapped at an unprotected IPA of
 * the gateway (PIPE_CALL_LINK tells it where). Page 0 is the header below;
 * then the "in" ring (host -> realm bytes) and the "out" ring (realm ->
 * host), ring_pages pages each. Ring positions are byte counts that only
 * grow; a byte at position p sits at offset p % ring_size. Each field has
 * one writer; a writer stores its data, then the position (release), then
 * rings the doorbell of page 0 (host calls 0xCAE4 ops 3/4 on the realm
 * side); the reader loads the position (acquire), then the data.
 *
 * Connections follow one another: the host accepts one, publishes
 * conn_in_start (where its bytes begin in the in ring) and then conn (its
 * number, from 1); the realm skips what is left of older connections, reads
 * the new one's bytes, and when the client closed its side sees in_eof ==
 * conn after the last byte. The realm ends a connection by setting
 * out_close = conn; the host sends what is left of the out ring, closes
 * the socket and may accept the next one.
 */
#ifndef CAEC_ABI_CAEC_LINK_H
#define CAEC_ABI_CAEC_LINK_H

#include <stdint.h>

/* The gateway's attestation binds its TLS key for a client's nonce: the
 * token's challenge is SHA-512(LINK_TLS_KEY_LABEL || the key's uncompressed
 * P-256 point (65 bytes) || the client's 64-byte nonce). */
#define LINK_TLS_KEY_LABEL "caec gateway tls key"

#define LINK_MAGIC   UINT64_C(0x314b4e4c43454143) /* "CAECLNK1" */
#define LINK_VERSION 1u
#define LINK_RING_PAGES 16u /* 64 KiB each way */
#define LINK_PAGES   (1u + 2u * LINK_RING_PAGES)

struct link_header {
	/* Written by the host before the realm learns of the link. */
	uint64_t magic, version, ring_pages, reserved0[5];
	/* The host's line. */
	uint64_t conn, conn_in_start, in_head, in_eof, out_tail, reserved1[3];
	/* The realm's line. */
	uint64_t in_tail, out_head, out_close, reserved2[5];
};

#define LINK_OFF_CONN      64u
#define LINK_OFF_IN_START  72u
#define LINK_OFF_IN_HEAD   80u
#define LINK_OFF_IN_EOF    88u
#define LINK_OFF_OUT_TAIL  96u
#define LINK_OFF_IN_TAIL   128u
#define LINK_OFF_OUT_HEAD  136u
#define LINK_OFF_OUT_CLOSE 144u

_Static_assert(__builtin_offsetof(struct link_header, conn) == LINK_OFF_CONN, "link layout");
_Static_assert(__builtin_offsetof(struct link_header, out_tail) == LINK_OFF_OUT_TAIL, "link layout");
_Static_assert(__builtin_offsetof(struct link_header, in_tail) == LINK_OFF_IN_TAIL, "link layout");
_Static_assert(__builtin_offsetof(struct link_header, out_close) == LINK_OFF_OUT_CLOSE, "link layout");
_Static_assert(sizeof(struct link_header) == 192, "link layout");

#endif

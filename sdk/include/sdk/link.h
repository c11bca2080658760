/*
 * The gateway realm's end of its link to the network (abi/caec_link.h):
 * the bytes of one TCP connection after another, which the untrusted host
 * relays through host-visible memory. It is the network, not a channel:
 * whatever comes in may be forged, and everything going out is seen, so a
 * gateway runs TLS over it. Every index the host writes is checked before
 * use; a host that breaks the protocol ends the connection (LINK_EBROKEN),
 * never a read or write outside the link area.
 */
#ifndef CAEC_SDK_LINK_H
#define CAEC_SDK_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec_link.h"

#define LINK_EBROKEN  (-1) /* the host broke the link's rules */
#define LINK_ETIMEOUT (-2)
#define LINK_ENOLINK  (-3) /* the run has no link for this realm */

struct link {
	volatile struct link_header *h;
	const volatile uint8_t *in;
	volatile uint8_t *out;
	uint64_t ring;      /* bytes per ring */
	uint64_t ipa;       /* of the header page: its doorbell */
	uint64_t conn;      /* the connection being served, 0 none */
	uint64_t in_tail, out_head; /* this side's positions */
};

/* Asks the host for the link (PIPE_CALL_LINK) and checks its header. 0 or
 * a LINK_E* code. */
int link_open(struct link *l);
/* Waits at most timeout_ns for the next connection. 0 or LINK_E*. */
int link_accept(struct link *l, uint64_t timeout_ns);
/* Up to cap bytes of the connection: how many (> 0), 0 at its end (the
 * client closed its side), or LINK_E*. Waits at most timeout_ns for one. */
long link_read(struct link *l, void *buf, size_t cap, uint64_t timeout_ns);
/* All of buf, waiting at most timeout_ns for room each time. 0 or LINK_E*. */
int link_write(struct link *l, const void *buf, size_t len, uint64_t timeout_ns);
/* Ends the connection (the host sends what is left and closes it). */
void link_close(struct link *l);

#endif

/*
 * Channels over confidential shared memory (channel.h on csm.h): the realm
 * that creates the channel owns a CSM region, lays the channel out in it
 * and only then grants it, read/write, to the one realm that is to be its
 * peer (by RIM or by realm ID, admitting one realm); the peer attaches the
 * region by its csm_id (which the owner hands it through the host: it is no
 * secret, the ACL is the protection) and validates the header.
 *
 * Waiting sleeps on the region's doorbell (host call 0xCAE4); a peer that
 * is no longer mapped (it detached, was destroyed, or the owner revoked
 * it), as the monitor's region report says, ends every wait with
 * CHAN_EPEER. The owner's waits before the peer first joined simply wait
 * (until their timeout).
 */
#ifndef CAEC_SDK_CHAN_CSM_H
#define CAEC_SDK_CHAN_CSM_H

#include "sdk/channel.h"
#include "sdk/csm.h"

struct chan_csm {
	struct chan ch;
	uint64_t csm_id;
	void *base;
	uint64_t size;
	bool owner;
	bool peer_seen;         /* the peer mapped the region at some point */
	uint64_t grant;         /* the owner's ACL entry for the peer */
	uint8_t *report;        /* for the region report (peer checks) */
	bool data_free_bell;    /* the monitor refused the doorbell naming the region
				 * (a policy's "doorbell" mode): the data-free one */
	size_t report_cap;
};

/* Who may join: rim (rim_len bytes, the owner's hash size) or realm_id. */
struct chan_csm_peer {
	const uint8_t *rim;
	size_t rim_len;
	const uint8_t *realm_id; /* CAEC_REALM_ID_SIZE bytes, instead of rim */
};

/* The owner's end: a region of `pages` pages (>= 3), laid out with geometry
 * g (NULL: chan_geometry_default), then granted to peer. The csm_id for the
 * peer is cc->csm_id. 0 or a CHAN_E* error (CHAN_ESYSTEM: the region could
 * not be made or granted; *csm_err, if given, says the SDK_CSM_* error). */
int chan_csm_create(struct chan_csm *cc, uint64_t pages, const struct chan_csm_peer *peer,
		    const struct chan_geometry *g, int *csm_err);
/* The owner's end of channel `channel` of the realm's policy p (which it
 * has set): the region of the channel's pages, laid out, granted by RIM to
 * the channel's one other member and sealed. The channel must join this
 * realm (its owner) and one peer, both "rw"; else CHAN_EINVAL. */
struct sdk_policy;
int chan_csm_create_declared(struct chan_csm *cc, const struct sdk_policy *p, unsigned channel,
			     const struct chan_geometry *g, int *csm_err);
/* The peer's end of region csm_id. */
int chan_csm_join(struct chan_csm *cc, uint64_t csm_id, int *csm_err);
/* The owner takes the peer's access away (RSI_CSM_REVOKE): the monitor
 * unmaps the peer, whose next access to the region aborts, and this end's
 * waits end with CHAN_EPEER. 0 or CHAN_ESYSTEM (*csm_err). */
int chan_csm_revoke_peer(struct chan_csm *cc, int *csm_err);
/* Closes the channel and unmaps the region. */
void chan_csm_close(struct chan_csm *cc);

/* Rings (SDK_DOORBELL_RING) or waits at most max_ns on (SDK_DOORBELL_WAIT)
 * region csm_id's doorbell; where the realm's policy allows only the
 * data-free doorbell, that one (*data_free is set the first time, so the
 * refused call is not tried again). */
void csm_region_bell(uint64_t csm_id, uint64_t op, uint64_t max_ns, bool *data_free);

/* Realms mapping the region now (from its report); -1 if it cannot be read. */
int chan_csm_mapped_members(struct chan_csm *cc);

/* The same for any region csm_id, its report read into buf[0..cap); with
 * owner_only, whether its owner is among them (0 or 1). */
int csm_mapped_members(uint64_t csm_id, uint8_t *buf, size_t cap, bool owner_only);

#endif

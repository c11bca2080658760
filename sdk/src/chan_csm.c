/*
 * Channels over CSM (chan_csm.h): the region's life around a channel, and
 * the waiting ops a realm has: the doorbell host call, the CPU counter, and
 * the monitor's region report for the peer's liveness.
 */
#include "caec/arch.h"
#include "sdk/chan_csm.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/policy.h"

/* The doorbell that names the region (and a wait's bound) where the
 * realm's policy allows it; else the data-free one (abi/caec.h), which
 * wakes for any of the realm's regions and waits the host's own bound. */
void csm_region_bell(uint64_t csm_id, uint64_t op, uint64_t max_ns, bool *data_free)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { op, csm_id, max_ns };

	if (!*data_free) {
		if (sdk_host_call(SDK_HOST_CALL_DOORBELL, g) != RSI_ERROR_STATE)
			return;
		*data_free = true;
	}
	uint64_t none[RSI_HOST_CALL_GPRS] = { 0 };
	sdk_host_call(op == SDK_DOORBELL_RING ? CAEC_HOST_CALL_DOORBELL_RING : CAEC_HOST_CALL_DOORBELL_WAIT, none);
}

static void bell(struct chan_csm *cc, uint64_t op, uint64_t max_ns)
{
	csm_region_bell(cc->csm_id, op, max_ns, &cc->data_free_bell);
}

static void doorbell(void *ctx)
{
	bell(ctx, SDK_DOORBELL_RING, 0);
}

static void nap(void *ctx, uint64_t max_ns)
{
	bell(ctx, SDK_DOORBELL_WAIT, max_ns);
}

static uint64_t now_ns(void *ctx)
{
	(void)ctx;
	return caec_arch_now_ns();
}

int csm_mapped_members(uint64_t csm_id, uint8_t *buf, size_t cap, bool owner_only)
{
	size_t len;
	struct csm_report_header h;

	if (csm_info(csm_id, buf, cap, &len, NULL) != 0 || len < sizeof(h))
		return -1;
	__builtin_memcpy(&h, buf, sizeof(h));
	size_t at = sizeof(h) + h.acl_count * sizeof(struct csm_report_acl_entry);
	uint64_t n;
	if (at + 8 > len)
		return -1;
	__builtin_memcpy(&n, buf + at, 8);
	int mapped = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct csm_report_member m;
		if (at + 8 + (i + 1) * sizeof(m) > len)
			return -1;
		__builtin_memcpy(&m, buf + at + 8 + i * sizeof(m), sizeof(m));
		if (m.state == CSM_REPORT_MEMBER_MAPPED &&
		    (!owner_only || __builtin_memcmp(m.realm_id, h.owner_realm_id, CAEC_REALM_ID_SIZE) == 0))
			mapped++;
	}
	return mapped;
}

int chan_csm_mapped_members(struct chan_csm *cc)
{
	if (!cc->report) {
		cc->report_cap = 8192;
		cc->report = sdk_malloc(cc->report_cap);
		if (!cc->report)
			return -1;
	}
	return csm_mapped_members(cc->csm_id, cc->report, cc->report_cap, false);
}

/* Both ends map the region: once the peer has joined, anything less means
 * it is gone. Before it joined, waiting for it is waiting for a message. */
static bool peer_alive(void *ctx)
{
	struct chan_csm *cc = ctx;
	int n = chan_csm_mapped_members(cc);

	/* It joined if it ever took or sent anything, even between two checks. */
	if (atomic_load_explicit(&cc->ch.tx.ctl->c.tail, memory_order_acquire) != 0 ||
	    atomic_load_explicit(&cc->ch.rx.ctl->p.head, memory_order_acquire) != 0)
		cc->peer_seen = true;

	if (n >= 2)
		cc->peer_seen = true;
	return n >= 2 || (!cc->peer_seen && n >= 0);
}

static const struct chan_ops csm_ops = {
	.doorbell = doorbell,
	.sleep = nap,
	.now_ns = now_ns,
	.peer_alive = peer_alive,
};

static int fail(int *csm_err, int err)
{
	if (csm_err)
		*csm_err = err;
	return CHAN_ESYSTEM;
}

/* The owner's region: made (for a policy's channel, or none), mapped, laid
 * out, and only then granted by grant(ctx) and sealed. */
static int create_common(struct chan_csm *cc, uint64_t pages, uint64_t channel, const struct chan_geometry *g,
			 int (*grant)(struct chan_csm *cc, const void *ctx), const void *ctx, int *csm_err)
{
	struct chan_geometry def;
	int r;

	*cc = (struct chan_csm){ .owner = true, .size = pages * 4096 };
	if (!g) {
		if ((r = chan_geometry_default(cc->size, &def)) != 0)
			return r;
		g = &def;
	}
	r = channel == POLICY_NO_CHANNEL ? csm_create(pages, &cc->csm_id, NULL)
					 : csm_create_channel(pages, channel, &cc->csm_id, NULL);
	if (r != 0)
		return fail(csm_err, r);
	if ((r = csm_attach(cc->csm_id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &cc->base, NULL)) != 0)
		return fail(csm_err, r);
	/* Laid out before anyone else may map it: a peer never sees it half done. */
	if ((r = chan_format(cc->base, cc->size, g)) != 0 ||
	    (r = chan_open(&cc->ch, cc->base, cc->size, true, &csm_ops, cc)) != 0) {
		csm_detach(cc->csm_id, NULL);
		return r;
	}
	r = grant(cc, ctx);
	if (r == 0)
		r = csm_seal(cc->csm_id, NULL);
	if (r != 0) {
		csm_detach(cc->csm_id, NULL);
		return fail(csm_err, r);
	}
	return 0;
}

static int grant_peer(struct chan_csm *cc, const void *ctx)
{
	const struct chan_csm_peer *peer = ctx;
	uint64_t perms = CSM_PERM_READ | CSM_PERM_WRITE | csm_admit(1);

	return peer->realm_id ? csm_grant_realm_id(cc->csm_id, peer->realm_id, perms, &cc->grant, NULL)
			      : csm_grant_rim(cc->csm_id, peer->rim, peer->rim_len, perms, &cc->grant, NULL);
}

int chan_csm_create(struct chan_csm *cc, uint64_t pages, const struct chan_csm_peer *peer,
		    const struct chan_geometry *g, int *csm_err)
{
	if (!cc || !peer || (!peer->rim && !peer->realm_id) || pages < 3)
		return CHAN_EINVAL;
	return create_common(cc, pages, POLICY_NO_CHANNEL, g, grant_peer, peer, csm_err);
}

struct declared {
	const struct sdk_policy *p;
	unsigned peer;
};

/* The channel's one other member, by RIM, read and write (as checked). */
static int grant_declared(struct chan_csm *cc, const void *ctx)
{
	const struct declared *d = ctx;
	const struct policy_realm *r = &d->p->realms[d->peer];

	return csm_grant_rim(cc->csm_id, r->rim, r->rim_size, CSM_PERM_READ | CSM_PERM_WRITE | csm_admit(1),
			     &cc->grant, NULL);
}

int chan_csm_create_declared(struct chan_csm *cc, const struct sdk_policy *p, unsigned channel,
			     const struct chan_geometry *g, int *csm_err)
{
	if (!cc || !p || channel >= p->hdr->num_channels)
		return CHAN_EINVAL;
	const struct policy_channel *c = &p->channels[channel];
	unsigned members = 0, peer = 0;
	for (unsigned i = 0; i < p->hdr->num_realms; i++)
		if (c->perms[i]) {
			members++;
			if (i != p->hdr->self)
				peer = i;
		}
	/* A duplex channel joins its owner (this realm) and exactly one peer,
	 * both reading and writing. */
	if (c->owner != p->hdr->self || members != 2 || c->pages < 3 ||
	    c->perms[peer] != (CSM_PERM_READ | CSM_PERM_WRITE) || c->perms[c->owner] != (CSM_PERM_READ | CSM_PERM_WRITE))
		return CHAN_EINVAL;
	struct declared d = { p, peer };
	return create_common(cc, c->pages, channel, g, grant_declared, &d, csm_err);
}

int chan_csm_join(struct chan_csm *cc, uint64_t csm_id, int *csm_err)
{
	struct csm_report_header h;
	int r;

	if (!cc)
		return CHAN_EINVAL;
	*cc = (struct chan_csm){ .csm_id = csm_id };
	if ((r = csm_attach(csm_id, 0, CSM_PERM_READ | CSM_PERM_WRITE, &cc->base, NULL)) != 0)
		return fail(csm_err, r);
	/* The region's size is the monitor's word, not the header's. */
	if (chan_csm_mapped_members(cc) < 0) {
		csm_detach(csm_id, NULL);
		return fail(csm_err, SDK_CSM_MONITOR);
	}
	__builtin_memcpy(&h, cc->report, sizeof(h));
	cc->size = h.num_granules * 4096;
	r = chan_open(&cc->ch, cc->base, cc->size, false, &csm_ops, cc);
	if (r != 0)
		csm_detach(csm_id, NULL);
	cc->peer_seen = true; /* the owner maps its region from the start */
	return r;
}

int chan_csm_revoke_peer(struct chan_csm *cc, int *csm_err)
{
	int r;

	if (!cc->owner)
		return CHAN_EINVAL;
	if ((r = csm_revoke(cc->csm_id, cc->grant, NULL)) != 0)
		return fail(csm_err, r);
	return 0;
}

void chan_csm_close(struct chan_csm *cc)
{
	chan_close(&cc->ch);
	csm_detach(cc->csm_id, NULL);
	if (cc->report)
		sdk_free(cc->report);
	cc->report = NULL;
}

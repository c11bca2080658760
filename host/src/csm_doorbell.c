/*
 * Channel doorbells (host call 0xCAE4, host_call_abi.h): a realm that
 * waits for its peer sleeps in the host until the peer rings the region's
 * doorbell. Each region counts the doorbells rung for it (bell_seq); each
 * realm's reference remembers the count it last woke at (bell_seen), so a
 * WAIT returns at once when a doorbell rang since: the channel sets its
 * waiting flag, checks its ring once more and only then WAITs, and a ring
 * in between is not lost. A realm's own RING does not wake its own WAIT
 * unless it had missed another. The host sees which region's doorbell rang,
 * and nothing else. A channel in host-visible memory (a system without
 * CSM) has the same doorbell keyed by an NS page instead of a region.
 *
 * Locks: the realm's mm_lock (its references), then the VMM's bell_lock (a
 * leaf). The region stays alive while a waiter sleeps on it: the waiter's
 * realm holds a reference, which only that realm's own teardown drops.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "host/host_call_abi.h"
#include "realm_internal.h"

void csm_doorbell_init(struct vmm *vmm)
{
	pthread_condattr_t a;

	pthread_mutex_init(&vmm->bell_lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&vmm->bell_cond, &a);
	pthread_condattr_destroy(&a);
}

static struct realm_csm_ref *ref_by_id(struct vmm_realm *r, uint64_t csm_id)
{
	for (size_t i = 0; i < r->ncsm_refs; i++)
		if (csm_id != 0 && r->csm_refs[i].region->csm_id == csm_id)
			return &r->csm_refs[i];
	return NULL;
}

void csm_doorbell_ring_region(struct vmm *vmm, struct vmm_csm_region *c)
{
	pthread_mutex_lock(&vmm->bell_lock);
	c->bell_seq++;
	pthread_cond_broadcast(&vmm->bell_cond);
	pthread_mutex_unlock(&vmm->bell_lock);
}

static uint64_t ring(struct vmm_realm *r, uint64_t csm_id)
{
	struct vmm *vmm = r->vmm;

	pthread_mutex_lock(&r->mm_lock);
	struct realm_csm_ref *ref = ref_by_id(r, csm_id);
	if (ref) {
		pthread_mutex_lock(&vmm->bell_lock);
		struct vmm_csm_region *c = ref->region;
		if (ref->bell_seen == c->bell_seq)
			ref->bell_seen++; /* not a wake-up for ourselves */
		c->bell_seq++;
		pthread_cond_broadcast(&vmm->bell_cond);
		pthread_mutex_unlock(&vmm->bell_lock);
	}
	pthread_mutex_unlock(&r->mm_lock);
	return ref ? HOST_CALL_OK : HOST_CALL_ERROR;
}

static uint64_t monotonic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec deadline_in(uint64_t max_ns)
{
	if (max_ns > HOST_DOORBELL_MAX_WAIT_NS)
		max_ns = HOST_DOORBELL_MAX_WAIT_NS;
	uint64_t until = monotonic_now_ns() + max_ns;
	return (struct timespec){ .tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u) };
}

/* Sleeps (bell_lock held) until seq_of(key) moves off `seen`, the deadline
 * passes or the realm or VMM stops; returns the count it woke at. */
static uint64_t sleep_while(struct vmm_realm *r, uint64_t (*seq_of)(struct vmm *, const void *),
			    const void *key, uint64_t seen, const struct timespec *until)
{
	struct vmm *vmm = r->vmm;
	uint64_t now;

	while ((now = seq_of(vmm, key)) == seen && !realm_stopping(r) && !vmm_stop_requested(vmm))
		if (pthread_cond_timedwait(&vmm->bell_cond, &vmm->bell_lock, until) == ETIMEDOUT)
			break;
	return seq_of(vmm, key);
}

static uint64_t region_seq(struct vmm *vmm, const void *c)
{
	(void)vmm;
	return ((const struct vmm_csm_region *)c)->bell_seq;
}

static uint64_t wait(struct vmm_realm *r, uint64_t csm_id, uint64_t max_ns)
{
	struct vmm *vmm = r->vmm;
	struct timespec ts = deadline_in(max_ns);

	pthread_mutex_lock(&r->mm_lock);
	struct realm_csm_ref *ref = ref_by_id(r, csm_id);
	if (!ref) {
		pthread_mutex_unlock(&r->mm_lock);
		return HOST_CALL_ERROR;
	}
	struct vmm_csm_region *c = ref->region;
	pthread_mutex_lock(&vmm->bell_lock);
	uint64_t seen = ref->bell_seen;
	pthread_mutex_unlock(&r->mm_lock);
	uint64_t now_seq = sleep_while(r, region_seq, c, seen, &ts);
	pthread_mutex_unlock(&vmm->bell_lock);
	/* Remember what we woke at (the reference may have moved meanwhile). */
	pthread_mutex_lock(&r->mm_lock);
	ref = ref_by_id(r, csm_id);
	if (ref) {
		pthread_mutex_lock(&vmm->bell_lock);
		ref->bell_seen = now_seq;
		pthread_mutex_unlock(&vmm->bell_lock);
	}
	pthread_mutex_unlock(&r->mm_lock);
	return HOST_CALL_OK;
}

/* ---- doorbells of host-visible memory (HOST_DOORBELL_*_SHARED): counted
 * by NS granule, so every realm the host maps that page into shares it. */

/* The realm's page of a host-visible buffer at ipa (mm_lock held): only a
 * vmm_ns_buffer's pages, the memory the host shares between realms, whose
 * doorbells vmm_ns_buffer_free forgets. The last one found is tried first: a
 * channel names the same page every time. */
static struct shared_page *shared_page_at(struct vmm_realm *r, uint64_t ipa)
{
	if (ipa % GRANULE)
		return NULL;
	if (r->bell_page_hint < r->nshared && r->shared[r->bell_page_hint].ipa == ipa &&
	    r->shared[r->bell_page_hint].foreign)
		return &r->shared[r->bell_page_hint];
	for (size_t i = 0; i < r->nshared; i++)
		if (r->shared[i].ipa == ipa && r->shared[i].foreign) {
			r->bell_page_hint = i;
			return &r->shared[i];
		}
	return NULL;
}

/* The count of pa's doorbell (bell_lock held); a page nobody rang is at 0. */
static struct vmm_shared_bell *shared_bell(struct vmm *vmm, uint64_t pa, bool create)
{
	for (size_t i = 0; i < vmm->nshared_bells; i++)
		if (vmm->shared_bells[i].pa == pa)
			return &vmm->shared_bells[i];
	if (!create)
		return NULL;
	if (vmm->nshared_bells == vmm->shared_bells_cap) {
		size_t cap = vmm->shared_bells_cap ? 2 * vmm->shared_bells_cap : 16;
		struct vmm_shared_bell *b = realloc(vmm->shared_bells, cap * sizeof(*b));
		if (!b)
			return NULL;
		vmm->shared_bells = b;
		vmm->shared_bells_cap = cap;
	}
	vmm->shared_bells[vmm->nshared_bells] = (struct vmm_shared_bell){ pa, 0 };
	return &vmm->shared_bells[vmm->nshared_bells++];
}

static uint64_t shared_seq(struct vmm *vmm, const void *pa)
{
	const struct vmm_shared_bell *b = shared_bell(vmm, *(const uint64_t *)pa, false);
	return b ? b->seq : 0;
}

static uint64_t ring_shared(struct vmm_realm *r, uint64_t ipa)
{
	struct vmm *vmm = r->vmm;
	uint64_t rc = HOST_CALL_ERROR;

	pthread_mutex_lock(&r->mm_lock);
	struct shared_page *page = shared_page_at(r, ipa);
	if (page) {
		pthread_mutex_lock(&vmm->bell_lock);
		struct vmm_shared_bell *b = shared_bell(vmm, page->pa, true);
		if (b) {
			if (page->bell_seen == b->seq)
				page->bell_seen++; /* not a wake-up for ourselves */
			b->seq++;
			pthread_cond_broadcast(&vmm->bell_cond);
			if (vmm->shared_bell_hook)
				vmm->shared_bell_hook(vmm->shared_bell_ctx, page->pa);
			rc = HOST_CALL_OK;
		}
		pthread_mutex_unlock(&vmm->bell_lock);
	}
	pthread_mutex_unlock(&r->mm_lock);
	return rc;
}

static uint64_t wait_shared(struct vmm_realm *r, uint64_t ipa, uint64_t max_ns)
{
	struct vmm *vmm = r->vmm;
	struct timespec ts = deadline_in(max_ns);

	pthread_mutex_lock(&r->mm_lock);
	struct shared_page *page = shared_page_at(r, ipa);
	if (!page) {
		pthread_mutex_unlock(&r->mm_lock);
		return HOST_CALL_ERROR;
	}
	uint64_t pa = page->pa;
	pthread_mutex_lock(&vmm->bell_lock);
	uint64_t seen = page->bell_seen;
	pthread_mutex_unlock(&r->mm_lock);
	uint64_t now_seq = sleep_while(r, shared_seq, &pa, seen, &ts);
	pthread_mutex_unlock(&vmm->bell_lock);
	pthread_mutex_lock(&r->mm_lock);
	page = shared_page_at(r, ipa);
	if (page && page->pa == pa) {
		pthread_mutex_lock(&vmm->bell_lock);
		page->bell_seen = now_seq;
		pthread_mutex_unlock(&vmm->bell_lock);
	}
	pthread_mutex_unlock(&r->mm_lock);
	return HOST_CALL_OK;
}

void vmm_shared_doorbell_ring(struct vmm *vmm, uint64_t pa)
{
	pthread_mutex_lock(&vmm->bell_lock);
	struct vmm_shared_bell *b = shared_bell(vmm, pa, true);
	if (b)
		b->seq++;
	pthread_cond_broadcast(&vmm->bell_cond);
	pthread_mutex_unlock(&vmm->bell_lock);
}

void csm_doorbell_forget_shared(struct vmm *vmm, const uint64_t *pas, size_t n)
{
	pthread_mutex_lock(&vmm->bell_lock);
	for (size_t i = 0; i < vmm->nshared_bells;) {
		bool gone = false;
		for (size_t j = 0; j < n && !gone; j++)
			gone = vmm->shared_bells[i].pa == pas[j];
		if (gone)
			vmm->shared_bells[i] = vmm->shared_bells[--vmm->nshared_bells];
		else
			i++;
	}
	if (vmm->nshared_bells == 0) {
		free(vmm->shared_bells);
		vmm->shared_bells = NULL;
		vmm->shared_bells_cap = 0;
	}
	pthread_cond_broadcast(&vmm->bell_cond); /* a waiter on a freed page wakes */
	pthread_mutex_unlock(&vmm->bell_lock);
}

uint64_t csm_doorbell_call(struct vmm_realm *r, const uint64_t *gprs)
{
	switch (gprs[0]) {
	case HOST_DOORBELL_RING:
		return ring(r, gprs[1]);
	case HOST_DOORBELL_WAIT:
		return wait(r, gprs[1], gprs[2]);
	case HOST_DOORBELL_RING_SHARED:
		return ring_shared(r, gprs[1]);
	case HOST_DOORBELL_WAIT_SHARED:
		return wait_shared(r, gprs[1], gprs[2]);
	default:
		return HOST_CALL_ERROR;
	}
}

/* ---- the data-free doorbell (abi/caec.h: CAEC_HOST_CALL_DOORBELL_RING /
 * _WAIT, every register zero), the only one a policy's "doorbell" mode lets
 * through: the host cannot learn which region it is about, so RING rings
 * every region the realm holds and WAIT returns when any of them rang (or
 * after HOST_DOORBELL_MAX_WAIT_NS). A waiter then finds out for itself
 * whether its ring has something; a wake-up too many costs a look. */

uint64_t csm_doorbell_ring_all(struct vmm_realm *r)
{
	struct vmm *vmm = r->vmm;

	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&vmm->bell_lock);
	for (size_t i = 0; i < r->ncsm_refs; i++) {
		struct realm_csm_ref *ref = &r->csm_refs[i];
		if (ref->bell_seen == ref->region->bell_seq)
			ref->bell_seen++; /* not a wake-up for ourselves */
		ref->region->bell_seq++;
	}
	pthread_cond_broadcast(&vmm->bell_cond);
	pthread_mutex_unlock(&vmm->bell_lock);
	pthread_mutex_unlock(&r->mm_lock);
	return HOST_CALL_OK;
}

/* What a waiter looks at: its regions and the count each was at. */
struct bell_watch {
	struct vmm_csm_region *region;
	uint64_t seen;
};

uint64_t csm_doorbell_wait_any(struct vmm_realm *r)
{
	struct vmm *vmm = r->vmm;
	struct bell_watch w[CSM_MAX_REGIONS];
	size_t n = 0;
	struct timespec ts = deadline_in(HOST_DOORBELL_MAX_WAIT_NS);

	/* The regions stay alive while the waiter sleeps: its realm holds
	 * references to them, which only that realm's teardown drops. */
	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&vmm->bell_lock);
	for (size_t i = 0; i < r->ncsm_refs && n < CSM_MAX_REGIONS; i++)
		w[n++] = (struct bell_watch){ r->csm_refs[i].region, r->csm_refs[i].bell_seen };
	pthread_mutex_unlock(&r->mm_lock);
	for (;;) {
		bool rang = false;
		for (size_t i = 0; i < n && !rang; i++)
			rang = w[i].region->bell_seq != w[i].seen;
		if (rang || realm_stopping(r) || vmm_stop_requested(vmm) ||
		    pthread_cond_timedwait(&vmm->bell_cond, &vmm->bell_lock, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&vmm->bell_lock);
	/* Remember what we woke at (references may have moved meanwhile). */
	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&vmm->bell_lock);
	for (size_t i = 0; i < r->ncsm_refs; i++)
		r->csm_refs[i].bell_seen = r->csm_refs[i].region->bell_seq;
	pthread_mutex_unlock(&vmm->bell_lock);
	pthread_mutex_unlock(&r->mm_lock);
	return HOST_CALL_OK;
}

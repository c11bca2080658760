/*
 * Channel doorbells (host call 0xCAE4, host_call_abi.h): a realm that
 * waits for its peer sleeps in the host until the peer rings the region's
 * doorbell. Each region counts the doorbells rung for it (bell_seq); each
 * realm's reference remembers the count it last woke at (bell_seen), so a
 * WAIT returns at once when a doorbell rang since: the channel sets its
 * waiting flag, checks its ring once more and only then WAITs, and a ring
 * in between is not lost. A realm's own RING does not wake its own WAIT
 * unless it had missed another. The host sees which region's doorbell rang,
 * and nothing else.
 *
 * Locks: the realm's mm_lock (its references), then the VMM's bell_lock (a
 * leaf). The region stays alive while a waiter sleeps on it: the waiter's
 * realm holds a reference, which only that realm's own teardown drops.
 */
#include <errno.h>
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

static uint64_t wait(struct vmm_realm *r, uint64_t csm_id, uint64_t max_ns)
{
	struct vmm *vmm = r->vmm;

	if (max_ns > HOST_DOORBELL_MAX_WAIT_NS)
		max_ns = HOST_DOORBELL_MAX_WAIT_NS;
	uint64_t until = monotonic_now_ns() + max_ns;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u) };

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
	while (c->bell_seq == seen && !realm_stopping(r) && !vmm_stop_requested(vmm))
		if (pthread_cond_timedwait(&vmm->bell_cond, &vmm->bell_lock, &ts) == ETIMEDOUT)
			break;
	uint64_t now_seq = c->bell_seq;
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

uint64_t csm_doorbell_call(struct vmm_realm *r, const uint64_t *gprs)
{
	switch (gprs[0]) {
	case HOST_DOORBELL_RING:
		return ring(r, gprs[1]);
	case HOST_DOORBELL_WAIT:
		return wait(r, gprs[1], gprs[2]);
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
	uint64_t until = monotonic_now_ns() + HOST_DOORBELL_MAX_WAIT_NS;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u), .tv_nsec = (long)(until % 1000000000u) };

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

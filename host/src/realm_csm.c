/*
 * The CSM request exit (exit_reason 0x80, caec-ext.md) as the run loop
 * serves it, and a realm's part in its regions' end (vmm.h says what the
 * VMM does for each request and when regions are reclaimed).
 *
 * The realm's answer never comes from the VMM: the monitor tells the realm
 * at its next entry whether the region was bound or mapped. So a request
 * the VMM cannot serve is undone and the REC entered again (the realm gets
 * ERROR_STATE); the run goes on. Only an operation the VMM does not know
 * ends the run.
 *
 * Locks: the realm's mm_lock (its RTTs and region references), then the
 * VMM's csm_lock (the regions).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/rmi_call.h"
#include "realm_internal.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void add_time(struct vmm_realm *r, uint64_t *total, uint64_t since)
{
	uint64_t ns = monotonic_ns() - since;

	pthread_mutex_lock(&r->run_lock);
	*total += ns;
	pthread_mutex_unlock(&r->run_lock);
}

static void count(struct vmm_realm *r, uint64_t *counter)
{
	pthread_mutex_lock(&r->run_lock);
	(*counter)++;
	pthread_mutex_unlock(&r->run_lock);
}

static enum exit_action refused(struct vmm_vcpu *v, const char *op, const struct vmm_error *err)
{
	struct vmm_realm *r = v->realm;

	pthread_mutex_lock(&r->run_lock);
	r->result->csm_refused++;
	snprintf(r->result->csm_error, sizeof(r->result->csm_error), "vCPU %u: CSM %s: %.120s", v->index,
		 op, err->msg);
	pthread_mutex_unlock(&r->run_lock);
	return EXIT_RESUME;
}

/* The realm's reference to c (mm_lock), or NULL. */
static struct realm_csm_ref *ref_of(struct vmm_realm *r, const struct vmm_csm_region *c)
{
	for (size_t i = 0; i < r->ncsm_refs; i++)
		if (r->csm_refs[i].region == c)
			return &r->csm_refs[i];
	return NULL;
}

/* Adds a reference from r to c (mm_lock and csm_lock held). */
static struct realm_csm_ref *ref_add(struct vmm_realm *r, struct vmm_csm_region *c)
{
	struct realm_csm_ref *ref = ref_of(r, c);

	if (ref)
		return ref;
	if (r->ncsm_refs == r->csm_refs_cap) {
		size_t cap = r->csm_refs_cap ? 2 * r->csm_refs_cap : 4;
		struct realm_csm_ref *v = realloc(r->csm_refs, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->csm_refs = v;
		r->csm_refs_cap = cap;
	}
	ref = &r->csm_refs[r->ncsm_refs++];
	memset(ref, 0, sizeof(*ref));
	ref->region = c;
	c->refs++;
	return ref;
}

/* ---- CREATE -------------------------------------------------------------------- */

static enum exit_action serve_create(struct vmm_vcpu *v, uint64_t num)
{
	struct vmm_realm *r = v->realm;
	struct vmm_error err = { "" };
	struct vmm_csm_region *c = csm_region_create(r, v->rec, num, &err);
	bool kept = false;

	if (!c)
		return refused(v, "CREATE", &err);
	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&r->vmm->csm_lock);
	if (csm_region_register(r->vmm, c) == 0) {
		kept = ref_add(r, c) != NULL;
		if (!kept)
			csm_region_unregister(r->vmm, c);
	}
	pthread_mutex_unlock(&r->vmm->csm_lock);
	pthread_mutex_unlock(&r->mm_lock);
	if (!kept) {
		vmm_err(&err, "out of memory recording the region");
		if (csm_region_reclaim(c) != 0)
			vmm_err(&err, "out of memory recording the region, and the monitor kept its granules");
		return refused(v, "CREATE", &err);
	}
	count(r, &r->result->csm_created);
	return EXIT_RESUME;
}

/* ---- ATTACH -------------------------------------------------------------------- */

/* The level-3 table for ipa and its parents, created where missing (mm_lock). */
static int ensure_rtts(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err)
{
	for (int level = r->layout.rtt_level_start + 1; level <= 3; level++) {
		if (rtt_set_find(&r->rtts, level, ipa, NULL))
			continue;
		int rc = realm_rtt_create(r, ipa, level, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Where a region of size bytes may go: inside the protected IPA space and
 * clear of the realm's own image and RAM. The monitor enforces it anyway
 * (it maps only over RIPAS EMPTY); the VMM checks it as soon as it knows
 * which region (so its size) the request names, and undoes the first step
 * if it fails, rather than create RTTs for a range it will not serve. */
static bool range_ok(const struct vmm_realm *r, uint64_t ipa, uint64_t size)
{
	uint64_t protected_top = UINT64_C(1) << (r->layout.ipa_bits - 1);

	return ipa % GRANULE == 0 && size <= protected_top && ipa <= protected_top - size &&
	       (ipa + size <= r->layout.image_base || ipa >= r->layout.top);
}

/* Removes r's mapping of c from low upwards (the monitor's order) until
 * top; at most one level-3 table per call. The lowest IPA still mapped is
 * low or a later level-3 table boundary (a realm's DETACH that stopped
 * half-way moved it there): the VMM tries each in turn, as long as the
 * monitor answers ERROR_INPUT (not the lowest IPA, or not a member). 0 when
 * r maps nothing of c any more, -EBUSY otherwise. */
static int unmap_range(struct vmm_realm *r, const struct vmm_csm_region *c, uint64_t low, uint64_t top)
{
	const uint64_t table = vmm_rtt_level_size(2);
	bool found = false;

	for (uint64_t ipa = low; ipa < top;) {
		struct smc_regs res = RMI(RMI_CSM_UNMAP, r->rd, c->csmd, ipa);

		if (res.x[0] == RMI_SUCCESS) {
			if (res.x[1] <= ipa || res.x[1] > top)
				return -EBUSY; /* the monitor went somewhere we never mapped */
			found = true;
			ipa = res.x[1];
			continue;
		}
		if (found || RMI_STATUS_CODE(res.x[0]) != RMI_ERROR_INPUT)
			return -EBUSY;
		ipa = (ipa + table) & ~(table - 1);
	}
	return 0;
}

/* The first MAP call of a request, for region c. ERROR_REC with a region
 * whose csm_id the VMM does not know yet means "not this one". */
static uint64_t map_first(struct vmm_realm *r, struct vmm_vcpu *v, const struct vmm_csm_region *c,
			  uint64_t ipa, uint64_t *next)
{
	struct smc_regs res = RMI(RMI_CSM_MAP, r->rd, v->rec, c->csmd, ipa);

	*next = res.x[1];
	return res.x[0];
}

/* The region the request names, and the result of its first MAP step
 * (csm_lock held). NULL when none of the VMM's regions is it. */
static struct vmm_csm_region *find_and_map(struct vmm_vcpu *v, uint64_t csm_id, uint64_t ipa,
					   uint64_t *x0, uint64_t *next)
{
	struct vmm *vmm = v->realm->vmm;

	for (size_t i = 0; i < vmm->ncsm_regions; i++) {
		struct vmm_csm_region *c = vmm->csm_regions[i];

		if (c->csm_id == csm_id) {
			*x0 = map_first(v->realm, v, c, ipa, next);
			return c;
		}
	}
	for (size_t i = 0; i < vmm->ncsm_regions; i++) {
		struct vmm_csm_region *c = vmm->csm_regions[i];

		if (c->csm_id != 0)
			continue;
		*x0 = map_first(v->realm, v, c, ipa, next);
		if (RMI_STATUS_CODE(*x0) != RMI_ERROR_REC)
			return c;
	}
	return NULL;
}

/* Maps the rest of c after the first step reached *next (mm_lock). */
static int map_rest(struct vmm_vcpu *v, const struct vmm_csm_region *c, uint64_t top, uint64_t *next,
		    struct vmm_error *err)
{
	struct vmm_realm *r = v->realm;

	while (*next < top) {
		uint64_t ipa = *next;
		int rc = ensure_rtts(r, ipa, err);

		if (rc)
			return rc;
		struct smc_regs res = RMI(RMI_CSM_MAP, r->rd, v->rec, c->csmd, ipa);
		if (res.x[0] != RMI_SUCCESS) {
			char what[64];

			snprintf(what, sizeof(what), "RMI_CSM_MAP(ipa 0x%llx)", (unsigned long long)ipa);
			return vmm_rmi_fail(err, what, res.x[0]);
		}
		if (res.x[1] <= ipa || res.x[1] > top) {
			vmm_err(err, "RMI_CSM_MAP(ipa 0x%llx) reported next IPA 0x%llx", (unsigned long long)ipa,
				(unsigned long long)res.x[1]);
			return -EPROTO;
		}
		*next = res.x[1];
	}
	return 0;
}

/* With mm_lock and csm_lock: the whole request. */
static int attach_locked(struct vmm_vcpu *v, uint64_t csm_id, uint64_t ipa, struct vmm_error *err)
{
	struct vmm_realm *r = v->realm;
	struct vmm_csm_region *c;
	struct realm_csm_ref *ref;
	uint64_t x0 = RMI_SUCCESS, next = ipa, top;
	int rc = ensure_rtts(r, ipa, err);

	if (rc)
		return rc;
	c = find_and_map(v, csm_id, ipa, &x0, &next);
	if (!c) {
		vmm_err(err, "region 0x%llx is none of this VMM's", (unsigned long long)csm_id);
		return -ENOENT;
	}
	if (x0 != RMI_SUCCESS)
		return vmm_rmi_fail(err, "RMI_CSM_MAP (first step)", x0);
	if (c->csm_id == 0)
		c->csm_id = csm_id; /* the monitor accepted it for this request: it is this one */
	if (!range_ok(r, ipa, csm_region_size(c))) {
		vmm_err(err, "[0x%llx, +0x%llx) overlaps the realm's memory or leaves its IPA space",
			(unsigned long long)ipa, (unsigned long long)csm_region_size(c));
		rc = -EINVAL;
	}
	top = ipa + csm_region_size(c);
	if (rc == 0 && (next <= ipa || next > top)) {
		vmm_err(err, "RMI_CSM_MAP reported next IPA 0x%llx", (unsigned long long)next);
		rc = -EPROTO;
	}
	if (rc == 0)
		rc = map_rest(v, c, top, &next, err);
	ref = rc == 0 ? ref_add(r, c) : NULL;
	if (rc == 0 && !ref) {
		vmm_err(err, "out of memory recording the mapping");
		rc = -ENOMEM;
	}
	if (rc) {
		/* The host gave up half-way: what was mapped goes again. */
		if (unmap_range(r, c, ipa, next > top ? top : next) != 0) {
			char why[sizeof(err->msg)];

			memcpy(why, err->msg, sizeof(why));
			vmm_err(err, "%.100s; and the partial mapping could not be removed", why);
		}
		return rc;
	}
	ref->mapped = true;
	ref->base = ipa;
	atomic_store(&r->last_csm_id, csm_id);
	ref->mapped_top = top;
	return 0;
}

static enum exit_action serve_attach(struct vmm_vcpu *v, uint64_t csm_id, uint64_t ipa)
{
	struct vmm_realm *r = v->realm;
	struct vmm_error err = { "" };
	int rc;

	/* The protected IPA space only; the monitor checked the rest. */
	if (ipa % GRANULE || ipa >= UINT64_C(1) << (r->layout.ipa_bits - 1)) {
		vmm_err(&err, "IPA 0x%llx is not a protected granule", (unsigned long long)ipa);
		return refused(v, "ATTACH", &err);
	}
	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&r->vmm->csm_lock);
	rc = attach_locked(v, csm_id, ipa, &err);
	pthread_mutex_unlock(&r->vmm->csm_lock);
	pthread_mutex_unlock(&r->mm_lock);
	if (rc)
		return refused(v, "ATTACH", &err);
	count(r, &r->result->csm_attached);
	return EXIT_RESUME;
}

/* ---- DETACHED ------------------------------------------------------------------ */

static enum exit_action serve_detached(struct vmm_vcpu *v, uint64_t csm_id)
{
	struct vmm_realm *r = v->realm;

	pthread_mutex_lock(&r->mm_lock);
	pthread_mutex_lock(&r->vmm->csm_lock);
	for (size_t i = 0; i < r->ncsm_refs; i++)
		if (r->csm_refs[i].region->csm_id == csm_id) {
			r->csm_refs[i].mapped = false;
			csm_doorbell_ring_region(r->vmm, r->csm_refs[i].region); /* the others look again */
		}
	pthread_mutex_unlock(&r->vmm->csm_lock);
	pthread_mutex_unlock(&r->mm_lock);
	count(r, &r->result->csm_detached);
	return EXIT_RESUME;
}

enum exit_action realm_handle_csm(struct vmm_vcpu *v, const struct rmi_rec_exit *exit,
				  struct rmi_rec_entry *entry)
{
	uint64_t t0 = monotonic_ns();
	enum exit_action a;

	(void)entry; /* the monitor answers the realm, never the entry registers */
	switch (exit->gprs[0]) {
	case CSM_OP_CREATE:
		a = serve_create(v, exit->gprs[1]);
		add_time(v->realm, &v->realm->result->csm_create_ns, t0);
		return a;
	case CSM_OP_ATTACH:
		a = serve_attach(v, exit->gprs[1], exit->gprs[2]);
		add_time(v->realm, &v->realm->result->csm_attach_ns, t0);
		return a;
	case CSM_OP_DETACHED:
		return serve_detached(v, exit->gprs[1]);
	default:
		realm_stop(v->realm, VMM_STOP_HOST_ERROR, "vCPU %u: CSM request %llu, which the VMM does not know",
			   v->index, (unsigned long long)exit->gprs[0]);
		return EXIT_STOP;
	}
}

/* ---- teardown ------------------------------------------------------------------- */

int realm_csm_unmap_all(struct vmm_realm *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->ncsm_refs; i++) {
		struct realm_csm_ref *ref = &r->csm_refs[i];

		/* Mapped as far as the VMM knows; a realm that detached fully but
		 * whose DETACHED exit was never served is found mapping nothing. */
		if (!ref->mapped)
			continue;
		if (unmap_range(r, ref->region, ref->base, ref->mapped_top) != 0) {
			rc = -EBUSY;
			continue;
		}
		ref->mapped = false;
		csm_doorbell_ring_region(r->vmm, ref->region); /* its peers notice */
	}
	return rc;
}

int realm_csm_release(struct vmm_realm *r)
{
	struct vmm *vmm = r->vmm;
	int rc = 0;

	pthread_mutex_lock(&vmm->csm_lock);
	for (size_t i = 0; i < r->ncsm_refs; i++) {
		struct vmm_csm_region *c = r->csm_refs[i].region;

		if (--c->refs != 0)
			continue;
		csm_region_unregister(vmm, c);
		if (csm_region_reclaim(c) != 0) {
			/* Still the monitor's: kept on the VMM's list, so it shows
			 * (the ledger counts its granules either way). */
			(void)csm_region_register(vmm, c);
			rc = -EBUSY;
		}
	}
	pthread_mutex_unlock(&vmm->csm_lock);
	free(r->csm_refs);
	r->csm_refs = NULL;
	r->ncsm_refs = r->csm_refs_cap = 0;
	return rc;
}

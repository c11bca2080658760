/*
 * Tearing a realm down: every granule the VMM gave it goes back to the NS
 * world and to the host allocator. Order: the realm's CSM mappings
 * (RMI_CSM_UNMAP: RTTs holding them cannot go, nor can the RD of a realm
 * that maps a region), DATA (protected memory), shared NS
 * pages (unprotected mappings), RTTs from the deepest level up (a table can
 * only be destroyed once nothing below it is live), RECs with their aux
 * granules, then the realm itself with its root RTTs; last, the realm drops
 * its references to CSM regions, and a region no realm of the VMM references
 * any more is reclaimed. A step the monitor
 * refuses leaves its granule held (and counted by the ledger) rather than
 * freeing memory the monitor still uses; the teardown carries on with the
 * rest and reports -EBUSY.
 */
#include <errno.h>
#include <stdlib.h>

#include "host/rmi_call.h"
#include "realm_internal.h"

static int destroy_data(struct vmm_realm *r)
{
	int rc = 0;

	for (uint64_t i = 0; i < r->ndata_slots; i++)
		if (r->data[i] && realm_data_destroy(r, r->layout.image_base + i * GRANULE, NULL) != 0)
			rc = -EBUSY;
	return rc;
}

static int unmap_shared(struct vmm_realm *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nshared; i++) {
		struct shared_page *s = &r->shared[i];
		struct smc_regs res = RMI(RMI_RTT_UNMAP_UNPROTECTED, r->rd, s->ipa, 3);

		if (res.x[0] == RMI_SUCCESS) {
			if (!s->foreign)
				ledger_free_ns(&r->vmm->ledger, s->pa);
		} else
			r->shared[kept++] = *s;
	}
	r->nshared = kept;
	return kept ? -EBUSY : 0;
}

struct rtt_list {
	size_t n;
	struct rtt_ref {
		int level;
		uint64_t ipa, pa;
	} *v;
};

static void collect(int level, uint64_t ipa, uint64_t pa, void *ctx)
{
	struct rtt_list *l = ctx;

	l->v[l->n++] = (struct rtt_ref){ .level = level, .ipa = ipa, .pa = pa };
}

static int deepest_first(const void *a, const void *b)
{
	const struct rtt_ref *x = a, *y = b;

	if (x->level != y->level)
		return y->level - x->level;
	return x->ipa < y->ipa ? -1 : x->ipa > y->ipa;
}

static int destroy_rtts(struct vmm_realm *r)
{
	struct rtt_list l = { .n = 0, .v = malloc((r->rtts.count + 1) * sizeof(*l.v)) };
	int rc = 0;

	if (!l.v)
		return -ENOMEM;
	rtt_set_each(&r->rtts, collect, &l);
	qsort(l.v, l.n, sizeof(*l.v), deepest_first);
	for (size_t i = 0; i < l.n; i++) {
		struct smc_regs res = RMI(RMI_RTT_DESTROY, r->rd, l.v[i].ipa, (uint64_t)l.v[i].level);

		if (res.x[0] != RMI_SUCCESS || res.x[1] != l.v[i].pa ||
		    ledger_free_delegated(&r->vmm->ledger, l.v[i].pa) != 0) {
			rc = -EBUSY;
			continue;
		}
		rtt_set_remove(&r->rtts, l.v[i].level, l.v[i].ipa);
	}
	free(l.v);
	return rc;
}

static void free_delegated(struct vmm_realm *r, uint64_t *pa, int *rc)
{
	if (*pa == GRANULE_LEDGER_NO_PA || *pa == 0)
		return;
	if (ledger_free_delegated(&r->vmm->ledger, *pa) != 0)
		*rc = -EBUSY;
	else
		*pa = GRANULE_LEDGER_NO_PA;
}

static int destroy_recs(struct vmm_realm *r)
{
	int rc = 0;

	for (unsigned i = 0; i < r->nvcpus; i++) {
		struct vmm_vcpu *v = &r->vcpus[i];

		if (v->is_rec) {
			if (RMI(RMI_REC_DESTROY, v->rec).x[0] != RMI_SUCCESS) {
				rc = -EBUSY;
				continue; /* the REC and its aux stay the monitor's */
			}
			v->is_rec = false;
		}
		free_delegated(r, &v->rec, &rc);
		for (unsigned a = 0; a < v->num_aux; a++)
			free_delegated(r, &v->aux[a], &rc);
		if (v->run != GRANULE_LEDGER_NO_PA && v->run != 0) {
			ledger_free_ns(&r->vmm->ledger, v->run);
			v->run = GRANULE_LEDGER_NO_PA;
		}
	}
	return rc;
}

static int destroy_rd(struct vmm_realm *r)
{
	int rc = 0;

	if (r->created) {
		if (RMI(RMI_REALM_DESTROY, r->rd).x[0] != RMI_SUCCESS)
			return -EBUSY;
		r->created = false;
	}
	free_delegated(r, &r->rd, &rc);
	if (r->rtt_base != GRANULE_LEDGER_NO_PA && r->rtt_base != 0) {
		for (unsigned i = 0; i < r->layout.rtt_num_start; i++) {
			uint64_t pa = r->rtt_base + i * GRANULE;

			free_delegated(r, &pa, &rc);
		}
		r->rtt_base = GRANULE_LEDGER_NO_PA;
	}
	return rc;
}

int realm_teardown(struct vmm_realm *r)
{
	int rc = 0, step;

	pthread_mutex_lock(&r->mm_lock);
	if ((step = realm_csm_unmap_all(r)) != 0)
		rc = step;
	if ((step = destroy_data(r)) != 0)
		rc = step;
	if ((step = unmap_shared(r)) != 0)
		rc = step;
	if ((step = destroy_rtts(r)) != 0)
		rc = step;
	pthread_mutex_unlock(&r->mm_lock);
	if ((step = destroy_recs(r)) != 0)
		rc = step;
	if ((step = destroy_rd(r)) != 0)
		rc = step;
	if ((step = realm_csm_release(r)) != 0)
		rc = step;
	return rc;
}

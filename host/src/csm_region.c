/*
 * The VMM's CSM regions (vmm.h): the granules it gave the monitor for each
 * region, how it binds them to a realm's CREATE request and how it takes
 * them back. A region lists its pages in its CSMD up to CSM_INLINE_PAGES,
 * beyond that in list granules of CSM_LIST_ENTRIES pages each, added before
 * their pages. Every granule is taken through the ledger, so the leak
 * checker sees one that was not given back, and undelegated only once the
 * monitor says it is DELEGATED again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "host/rmi_call.h"
#include "realm_internal.h"

static uint64_t lists_needed(uint64_t num)
{
	return num <= CSM_INLINE_PAGES ? 0 : (num + CSM_LIST_ENTRIES - 1) / CSM_LIST_ENTRIES;
}

static struct vmm_csm_region *region_alloc(uint64_t num)
{
	struct vmm_csm_region *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->num_granules = num;
	c->nlists = lists_needed(num);
	c->pages = calloc(num, sizeof(*c->pages));
	c->lists = calloc(c->nlists ? c->nlists : 1, sizeof(*c->lists));
	if (!c->pages || !c->lists) {
		free(c->pages);
		free(c->lists);
		free(c);
		return NULL;
	}
	return c;
}

static void region_free(struct vmm_csm_region *c)
{
	free(c->pages);
	free(c->lists);
	free(c);
}

/* Undelegates *pa (unless 0) and clears it; false when the monitor refused. */
static bool give_back(struct granule_ledger *l, uint64_t *pa)
{
	if (*pa == 0)
		return true;
	if (ledger_free_delegated(l, *pa) != 0)
		return false;
	*pa = 0;
	return true;
}

/* A delegated granule, or 0 (as in the VMM's other records: PA 0 is the
 * firmware's, in the Root PAS, never a granule the host allocator gives). */
static uint64_t delegated(struct granule_ledger *l)
{
	uint64_t pa = ledger_alloc_delegated(l);

	return pa == GRANULE_LEDGER_NO_PA ? 0 : pa;
}

static int bind(struct vmm_realm *r, struct vmm_csm_region *c, uint64_t rec, struct vmm_error *err)
{
	struct granule_ledger *l = &r->vmm->ledger;
	struct smc_regs res;
	char what[80];

	c->csmd = delegated(l);
	c->meta = delegated(l);
	if (!c->csmd || !c->meta) {
		vmm_err(err, "no memory for a region's CSMD and CSM_META");
		return -ENOMEM;
	}
	res = RMI(RMI_CSM_CREATE, r->rd, rec, c->csmd, c->meta, c->num_granules);
	if (res.x[0] != RMI_SUCCESS)
		return vmm_rmi_fail(err, "RMI_CSM_CREATE", res.x[0]);
	c->bound = true;
	for (uint64_t s = 0; s < c->nlists; s++) {
		uint64_t pa = delegated(l);

		if (!pa) {
			vmm_err(err, "no memory for a region's page list");
			return -ENOMEM;
		}
		res = RMI(RMI_CSM_LIST_ADD, c->csmd, pa, s);
		if (res.x[0] != RMI_SUCCESS) {
			ledger_free_delegated(l, pa);
			snprintf(what, sizeof(what), "RMI_CSM_LIST_ADD(slot %llu)", (unsigned long long)s);
			return vmm_rmi_fail(err, what, res.x[0]);
		}
		c->lists[s] = pa;
	}
	for (uint64_t i = 0; i < c->num_granules; i++) {
		uint64_t pa = delegated(l);

		if (!pa) {
			vmm_err(err, "no memory for page %llu of %llu of a region", (unsigned long long)i,
				(unsigned long long)c->num_granules);
			return -ENOMEM;
		}
		res = RMI(RMI_CSM_DATA_ADD, c->csmd, pa, i);
		if (res.x[0] != RMI_SUCCESS) {
			ledger_free_delegated(l, pa);
			snprintf(what, sizeof(what), "RMI_CSM_DATA_ADD(index %llu)", (unsigned long long)i);
			return vmm_rmi_fail(err, what, res.x[0]);
		}
		c->pages[i] = pa;
	}
	return 0;
}

struct vmm_csm_region *csm_region_create(struct vmm_realm *r, uint64_t rec, uint64_t num,
					 struct vmm_error *err)
{
	struct vmm_csm_region *c;
	int rc;

	if (num == 0 || num > CSM_MAX_GRANULES) {
		vmm_err(err, "a region of %llu pages (1..%u)", (unsigned long long)num, CSM_MAX_GRANULES);
		return NULL;
	}
	c = region_alloc(num);
	if (!c) {
		vmm_err(err, "out of memory recording a region of %llu pages", (unsigned long long)num);
		return NULL;
	}
	c->ledger = &r->vmm->ledger;
	rc = bind(r, c, rec, err);
	if (rc) {
		/* The realm's next entry finds its request unanswered (or the
		 * region DYING) and gets ERROR_STATE. */
		csm_region_reclaim(c);
		return NULL;
	}
	return c;
}

/* The list slot whose granule is pa, or nlists. */
static uint64_t list_slot_of(const struct vmm_csm_region *c, uint64_t pa)
{
	uint64_t s;

	for (s = 0; s < c->nlists && c->lists[s] != pa; s++)
		;
	return s;
}

static bool remove_pages(struct vmm_csm_region *c, struct granule_ledger *l)
{
	bool ok = true;

	for (uint64_t i = 0; i < c->num_granules; i++) {
		if (c->pages[i] == 0)
			continue;
		struct smc_regs res = RMI(RMI_CSM_DATA_REMOVE, c->csmd, i);

		if (res.x[0] != RMI_SUCCESS || res.x[1] != c->pages[i]) {
			ok = false;
			continue;
		}
		ok &= give_back(l, &c->pages[i]);
		if (res.x[2] != 0) {
			uint64_t s = list_slot_of(c, res.x[2]);

			if (s == c->nlists)
				ok = false; /* the monitor names a list we never gave */
			else
				ok &= give_back(l, &c->lists[s]);
		}
	}
	return ok;
}

int csm_region_reclaim(struct vmm_csm_region *c)
{
	struct granule_ledger *l = c->ledger;
	bool ok = true;

	if (c->bound) {
		ok = remove_pages(c, l);
		if (ok && RMI(RMI_CSM_DESTROY, c->csmd).x[0] == RMI_SUCCESS)
			c->bound = false;
		else
			ok = false;
	}
	if (c->bound)
		return -EBUSY; /* the monitor keeps them: so does the record */
	/* Pages never added, lists that never got a page (DESTROY released
	 * them), CSM_META and the CSMD are DELEGATED now. */
	for (uint64_t i = 0; i < c->num_granules; i++)
		ok &= give_back(l, &c->pages[i]);
	for (uint64_t s = 0; s < c->nlists; s++)
		ok &= give_back(l, &c->lists[s]);
	ok &= give_back(l, &c->meta);
	ok &= give_back(l, &c->csmd);
	if (!ok)
		return -EBUSY;
	region_free(c);
	return 0;
}

int csm_region_register(struct vmm *vmm, struct vmm_csm_region *c)
{
	if (vmm->ncsm_regions == vmm->csm_regions_cap) {
		size_t cap = vmm->csm_regions_cap ? 2 * vmm->csm_regions_cap : 8;
		struct vmm_csm_region **v = realloc(vmm->csm_regions, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vmm->csm_regions = v;
		vmm->csm_regions_cap = cap;
	}
	vmm->csm_regions[vmm->ncsm_regions++] = c;
	return 0;
}

void csm_region_unregister(struct vmm *vmm, struct vmm_csm_region *c)
{
	for (size_t i = 0; i < vmm->ncsm_regions; i++) {
		if (vmm->csm_regions[i] == c) {
			vmm->csm_regions[i] = vmm->csm_regions[--vmm->ncsm_regions];
			break;
		}
	}
	if (vmm->ncsm_regions == 0) {
		free(vmm->csm_regions);
		vmm->csm_regions = NULL;
		vmm->csm_regions_cap = 0;
	}
}

size_t vmm_csm_region_count(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->csm_lock);
	size_t n = vmm->ncsm_regions;
	pthread_mutex_unlock(&vmm->csm_lock);
	return n;
}

uint64_t vmm_realm_last_csm_id(struct vmm_realm *r)
{
	return atomic_load(&r->last_csm_id);
}

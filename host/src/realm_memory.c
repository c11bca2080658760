/*
 * A realm's memory as the VMM manages it: RTTs created on demand, DATA
 * granules, NS pages shared through unprotected IPAs. Every granule taken
 * here is recorded (rtt_set, data[], shared[]) so the teardown can give it
 * back. Callers hold r->mm_lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "host/rmi_call.h"
#include "hostsim/hostsim.h"
#include "realm_internal.h"

/* Stage-2 attributes of an unprotected mapping (VMSAv8-64, FWB): normal
 * write-back memory, read/write, inner shareable. The monitor accepts only
 * these host-controlled bits next to the output address. */
#define S2_DESC_NORMAL_WB (UINT64_C(6) << 2)
#define S2_DESC_RW        (UINT64_C(3) << 6)
#define S2_DESC_INNER_SH  (UINT64_C(3) << 8)

void vmm_err(struct vmm_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int vmm_rmi_fail(struct vmm_error *err, const char *what, uint64_t x0)
{
	vmm_err(err, "%s -> %s(%u)", what, rmi_status_name(x0), RMI_STATUS_INDEX(x0));
	return -EPROTO;
}

bool realm_ipa_in_ram_range(const struct vmm_realm *r, uint64_t ipa)
{
	return ipa >= r->layout.image_base && ipa < r->layout.top;
}

bool realm_ipa_is_unprotected(const struct vmm_realm *r, uint64_t ipa)
{
	uint64_t half = UINT64_C(1) << (r->layout.ipa_bits - 1);

	return ipa >= half && ipa < 2 * half;
}

int realm_rtt_create(struct vmm_realm *r, uint64_t ipa, int level, struct vmm_error *err)
{
	uint64_t base = ipa & ~(vmm_rtt_level_size(level - 1) - 1);
	uint64_t pa = ledger_alloc_delegated(&r->vmm->ledger);
	struct smc_regs res;
	char what[80];

	if (pa == GRANULE_LEDGER_NO_PA) {
		vmm_err(err, "no memory for an RTT");
		return -ENOMEM;
	}
	res = RMI(RMI_RTT_CREATE, r->rd, pa, base, (uint64_t)level);
	if (res.x[0] != RMI_SUCCESS) {
		ledger_free_delegated(&r->vmm->ledger, pa);
		snprintf(what, sizeof(what), "RMI_RTT_CREATE(ipa 0x%llx, level %d)",
			 (unsigned long long)base, level);
		return vmm_rmi_fail(err, what, res.x[0]);
	}
	if (rtt_set_add(&r->rtts, level, base, pa) != 0) {
		/* The table is live in the realm; without a record the teardown
		 * could not find it, so take it back out now. */
		res = RMI(RMI_RTT_DESTROY, r->rd, base, (uint64_t)level);
		if (res.x[0] == RMI_SUCCESS)
			ledger_free_delegated(&r->vmm->ledger, pa);
		vmm_err(err, "out of memory recording an RTT");
		return -ENOMEM;
	}
	return 0;
}

int realm_with_rtts(struct vmm_realm *r, uint64_t ipa,
		    uint64_t (*call)(struct vmm_realm *, uint64_t ipa, void *ctx), void *ctx,
		    const char *what, struct vmm_error *err)
{
	/* Each retry creates one level deeper, so four rounds always suffice. */
	for (int round = 0; round <= 4; round++) {
		uint64_t x0 = call(r, ipa, ctx);
		int level = (int)RMI_STATUS_INDEX(x0);
		char buf[96];

		if (x0 == RMI_SUCCESS)
			return 0;
		if (RMI_STATUS_CODE(x0) != RMI_ERROR_RTT || level >= 3 || level < r->layout.rtt_level_start) {
			snprintf(buf, sizeof(buf), "%s(ipa 0x%llx)", what, (unsigned long long)ipa);
			return vmm_rmi_fail(err, buf, x0);
		}
		int rc = realm_rtt_create(r, ipa, level + 1, err);
		if (rc)
			return rc;
	}
	vmm_err(err, "%s(ipa 0x%llx): no progress after creating RTTs", what, (unsigned long long)ipa);
	return -EPROTO;
}

struct init_ripas_ctx {
	uint64_t top;
	uint64_t reached;
};

static uint64_t call_init_ripas(struct vmm_realm *r, uint64_t base, void *ctx)
{
	struct init_ripas_ctx *c = ctx;
	struct smc_regs res = RMI(RMI_RTT_INIT_RIPAS, r->rd, base, c->top);

	c->reached = res.x[1];
	return res.x[0];
}

int realm_init_ripas(struct vmm_realm *r, uint64_t base, uint64_t top, struct vmm_error *err)
{
	struct init_ripas_ctx c = { .top = top };

	while (base < top) {
		int rc = realm_with_rtts(r, base, call_init_ripas, &c, "RMI_RTT_INIT_RIPAS", err);

		if (rc)
			return rc;
		if (c.reached <= base || c.reached > top) {
			vmm_err(err, "RMI_RTT_INIT_RIPAS(0x%llx): monitor reported top 0x%llx",
				(unsigned long long)base, (unsigned long long)c.reached);
			return -EPROTO;
		}
		base = c.reached;
	}
	return 0;
}

static uint64_t *data_slot(struct vmm_realm *r, uint64_t ipa)
{
	if (!realm_ipa_in_ram_range(r, ipa))
		return NULL;
	return &r->data[(ipa - r->layout.image_base) / GRANULE];
}

struct data_create_ctx {
	uint64_t data, src, flags;
	bool unknown;
};

static uint64_t call_data_create(struct vmm_realm *r, uint64_t ipa, void *ctx)
{
	struct data_create_ctx *c = ctx;

	if (c->unknown)
		return RMI(RMI_DATA_CREATE_UNKNOWN, r->rd, c->data, ipa).x[0];
	return RMI(RMI_DATA_CREATE, r->rd, c->data, ipa, c->src, c->flags).x[0];
}

static int data_create(struct vmm_realm *r, uint64_t ipa, const uint8_t *page, uint64_t flags,
		       struct vmm_error *err)
{
	struct data_create_ctx c = { .unknown = page == NULL, .flags = flags };
	uint64_t *slot = data_slot(r, ipa);
	int rc;

	if (!slot || *slot) {
		vmm_err(err, "DATA at IPA 0x%llx: outside the realm's range or mapped already",
			(unsigned long long)ipa);
		return -EINVAL;
	}
	c.data = ledger_alloc_delegated(&r->vmm->ledger);
	if (c.data == GRANULE_LEDGER_NO_PA) {
		vmm_err(err, "no memory for realm DATA");
		return -ENOMEM;
	}
	if (page) {
		/* The source is an NS granule the monitor copies from; it is ours
		 * again as soon as DATA_CREATE returns. */
		c.src = ledger_alloc_ns(&r->vmm->ledger);
		if (c.src == GRANULE_LEDGER_NO_PA || !hostsim_host_write(c.src, page, GRANULE)) {
			if (c.src != GRANULE_LEDGER_NO_PA)
				ledger_free_ns(&r->vmm->ledger, c.src);
			ledger_free_delegated(&r->vmm->ledger, c.data);
			vmm_err(err, "no memory for a DATA source page");
			return -ENOMEM;
		}
	}
	rc = realm_with_rtts(r, ipa, call_data_create, &c,
			     page ? "RMI_DATA_CREATE" : "RMI_DATA_CREATE_UNKNOWN", err);
	if (page)
		ledger_free_ns(&r->vmm->ledger, c.src);
	if (rc) {
		ledger_free_delegated(&r->vmm->ledger, c.data);
		return rc;
	}
	*slot = c.data;
	return 0;
}

int realm_data_create(struct vmm_realm *r, uint64_t ipa, const uint8_t page[GRANULE], struct vmm_error *err)
{
	return data_create(r, ipa, page, RMI_MEASURE_CONTENT, err);
}

int realm_data_create_unmeasured(struct vmm_realm *r, uint64_t ipa, const uint8_t page[GRANULE],
				 struct vmm_error *err)
{
	return data_create(r, ipa, page, RMI_NO_MEASURE_CONTENT, err);
}

int realm_data_create_unknown(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err)
{
	return data_create(r, ipa, NULL, 0, err);
}

int realm_data_destroy(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err)
{
	uint64_t *slot = data_slot(r, ipa);
	struct smc_regs res;
	char what[64];

	if (!slot || !*slot)
		return 0;
	res = RMI(RMI_DATA_DESTROY, r->rd, ipa);
	snprintf(what, sizeof(what), "RMI_DATA_DESTROY(ipa 0x%llx)", (unsigned long long)ipa);
	if (res.x[0] != RMI_SUCCESS)
		return vmm_rmi_fail(err, what, res.x[0]);
	if (res.x[1] != *slot) {
		vmm_err(err, "%s returned PA 0x%llx, expected 0x%llx", what,
			(unsigned long long)res.x[1], (unsigned long long)*slot);
		return -EPROTO;
	}
	if (ledger_free_delegated(&r->vmm->ledger, res.x[1]) != 0) {
		vmm_err(err, "%s: the granule could not be undelegated", what);
		return -EBUSY;
	}
	*slot = 0;
	return 0;
}

static uint64_t call_map_unprotected(struct vmm_realm *r, uint64_t ipa, void *ctx)
{
	uint64_t pa = *(uint64_t *)ctx;
	uint64_t desc = pa | S2_DESC_NORMAL_WB | S2_DESC_RW | S2_DESC_INNER_SH;

	return RMI(RMI_RTT_MAP_UNPROTECTED, r->rd, ipa, 3, desc).x[0];
}

static int shared_room(struct vmm_realm *r, struct vmm_error *err)
{
	if (r->nshared == r->shared_cap) {
		size_t cap = r->shared_cap ? r->shared_cap * 2 : 16;
		struct shared_page *p = realloc(r->shared, cap * sizeof(*p));

		if (!p) {
			vmm_err(err, "out of memory recording a shared page");
			return -ENOMEM;
		}
		r->shared = p;
		r->shared_cap = cap;
	}
	return 0;
}

int realm_map_shared(struct vmm_realm *r, uint64_t ipa, struct vmm_error *err)
{
	uint64_t pa;
	int rc = shared_room(r, err);

	if (rc)
		return rc;
	pa = ledger_alloc_ns(&r->vmm->ledger);
	if (pa == GRANULE_LEDGER_NO_PA) {
		vmm_err(err, "no memory for a shared page");
		return -ENOMEM;
	}
	rc = realm_with_rtts(r, ipa, call_map_unprotected, &pa, "RMI_RTT_MAP_UNPROTECTED", err);
	if (rc) {
		ledger_free_ns(&r->vmm->ledger, pa);
		return rc;
	}
	r->shared[r->nshared++] = (struct shared_page){ .ipa = ipa, .pa = pa };
	return 0;
}

/* ---- host-visible buffers shared by several realms ---- */

int vmm_ns_buffer_alloc(struct vmm *vmm, size_t pages, struct vmm_ns_buffer *b, struct vmm_error *err)
{
	*b = (struct vmm_ns_buffer){ .vmm = vmm };
	if (pages == 0 || !(b->pas = calloc(pages, sizeof(*b->pas)))) {
		vmm_err(err, pages ? "out of memory for %zu pages" : "an empty buffer (%zu pages)", pages);
		return pages ? -ENOMEM : -EINVAL;
	}
	for (b->n = 0; b->n < pages; b->n++) {
		b->pas[b->n] = ledger_alloc_ns(&vmm->ledger);
		if (b->pas[b->n] == GRANULE_LEDGER_NO_PA) {
			vmm_ns_buffer_free(b);
			vmm_err(err, "no memory for a shared buffer of %zu pages", pages);
			return -ENOMEM;
		}
	}
	return 0;
}

void vmm_ns_buffer_free(struct vmm_ns_buffer *b)
{
	if (b->n)
		csm_doorbell_forget_shared(b->vmm, b->pas, b->n);
	for (size_t i = 0; i < b->n; i++)
		ledger_free_ns(&b->vmm->ledger, b->pas[i]);
	free(b->pas);
	*b = (struct vmm_ns_buffer){ 0 };
}

int vmm_realm_map_ns_buffer(struct vmm_realm *r, const struct vmm_ns_buffer *b, uint64_t ipa, uint64_t *unprot_ipa,
			    struct vmm_error *err)
{
	uint64_t base = vmm_realm_unprotected_ipa(r, ipa);
	int rc = 0;

	if (ipa % GRANULE || !realm_ipa_is_unprotected(r, base) ||
	    !realm_ipa_is_unprotected(r, base + b->n * GRANULE - 1)) {
		vmm_err(err, "IPA 0x%llx + %zu pages is not in the realm's unprotected space",
			(unsigned long long)ipa, b->n);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->mm_lock);
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		uint64_t pa = b->pas[i], at = base + i * GRANULE;
		if ((rc = shared_room(r, err)) != 0)
			break;
		rc = realm_with_rtts(r, at, call_map_unprotected, &pa, "RMI_RTT_MAP_UNPROTECTED", err);
		if (rc == 0)
			r->shared[r->nshared++] = (struct shared_page){ .ipa = at, .pa = pa, .foreign = true };
	}
	pthread_mutex_unlock(&r->mm_lock);
	if (rc == 0 && unprot_ipa)
		*unprot_ipa = base;
	return rc;
}

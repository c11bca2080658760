/*
 * Building a realm, in the order the specification expects (vmm.h): the
 * offline measurement (measure.c) predicts the RIM of exactly this sequence,
 * so any change here must be made there too, and the tests compare both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/rmi_call.h"
#include "hostsim/hostsim.h"
#include "realm_internal.h"

void vmm_init(struct vmm *vmm)
{
	memset(vmm, 0, sizeof(*vmm));
	atomic_store(&vmm->next_vmid, 1);
	atomic_store(&vmm->stop_requested, 0);
	pthread_mutex_init(&vmm->csm_lock, NULL);
	csm_doorbell_init(vmm);
}

/* `num` delegated granules, physically contiguous and aligned to their total
 * size (VTTBR's rule for concatenated root tables). The host allocator hands
 * out ascending granules from a cursor, so a run appears quickly; granules
 * that do not fit the run go straight back. */
static uint64_t alloc_root_rtts(struct granule_ledger *l, unsigned num)
{
	enum { MAX_TRIES = 4096 };
	uint64_t *got = malloc(MAX_TRIES * sizeof(*got));
	uint64_t start = GRANULE_LEDGER_NO_PA;
	unsigned n = 0;

	if (!got)
		return start;
	while (n < MAX_TRIES && start == GRANULE_LEDGER_NO_PA) {
		uint64_t pa = ledger_alloc_ns(l);

		if (pa == GRANULE_LEDGER_NO_PA)
			break;
		got[n++] = pa;
		uint64_t first = pa - (uint64_t)(num - 1) * GRANULE;
		if (pa < (uint64_t)(num - 1) * GRANULE || first % (num * GRANULE) != 0 || n < num)
			continue;
		bool run = true;
		for (unsigned k = 1; k < num && run; k++)
			run = got[n - 1 - k] == pa - k * GRANULE;
		if (run)
			start = first;
	}
	for (unsigned i = 0; i < n; i++)
		if (start == GRANULE_LEDGER_NO_PA || got[i] < start || got[i] >= start + num * GRANULE)
			ledger_free_ns(l, got[i]);
	free(got);
	if (start == GRANULE_LEDGER_NO_PA)
		return start;
	for (unsigned k = 0; k < num; k++) {
		if (RMI(RMI_GRANULE_DELEGATE, start + k * GRANULE).x[0] != RMI_SUCCESS) {
			for (unsigned j = 0; j < num; j++) {
				if (j < k)
					RMI(RMI_GRANULE_UNDELEGATE, start + j * GRANULE);
				ledger_free_ns(l, start + j * GRANULE);
			}
			return GRANULE_LEDGER_NO_PA;
		}
	}
	return start;
}

/* Breakpoints and watchpoints: what the options ask for, or, for 0, the
 * most RMI_FEATURES register 0 reports (as KVM does). The monitor refuses 0
 * and anything above its maximum, so asking for more fails here, clearly. */
static int resolve_debug_counts(struct vmm_realm *r, struct vmm_error *err)
{
	struct smc_regs res = RMI(RMI_FEATURES, 0);
	uint64_t feat0 = res.x[1];
	unsigned max_bps, max_wps;

	if (res.x[0] != RMI_SUCCESS)
		return vmm_rmi_fail(err, "RMI_FEATURES", res.x[0]);
	max_bps = (unsigned)((feat0 >> RMI_FEAT0_NUM_BPS_SHIFT) &
			     ((1u << RMI_FEAT0_NUM_BPS_WIDTH) - 1));
	max_wps = (unsigned)((feat0 >> RMI_FEAT0_NUM_WPS_SHIFT) &
			     ((1u << RMI_FEAT0_NUM_WPS_WIDTH) - 1));
	if (r->layout.num_bps == 0)
		r->layout.num_bps = max_bps;
	if (r->layout.num_wps == 0)
		r->layout.num_wps = max_wps;
	if (r->layout.num_bps == 0 || r->layout.num_wps == 0) {
		vmm_err(err, "the monitor offers realms no breakpoints or watchpoints");
		return -ENOTSUP;
	}
	if (r->layout.num_bps > max_bps || r->layout.num_wps > max_wps) {
		vmm_err(err, "the machine offers at most %u breakpoints and %u watchpoints", max_bps,
			max_wps);
		return -EINVAL;
	}
	return 0;
}

static int create_rd(struct vmm_realm *r, struct vmm_error *err)
{
	struct granule_ledger *l = &r->vmm->ledger;
	struct rmi_realm_params p;
	struct smc_regs res;
	uint64_t params;
	int rc = resolve_debug_counts(r, err);

	if (rc)
		return rc;
	r->rd = ledger_alloc_delegated(l);
	r->rtt_base = alloc_root_rtts(l, r->layout.rtt_num_start);
	params = ledger_alloc_ns(l);
	if (r->rd == GRANULE_LEDGER_NO_PA || r->rtt_base == GRANULE_LEDGER_NO_PA ||
	    params == GRANULE_LEDGER_NO_PA) {
		if (params != GRANULE_LEDGER_NO_PA)
			ledger_free_ns(l, params);
		vmm_err(err, "no memory for the realm descriptor and root RTTs");
		return -ENOMEM;
	}
	vmm_layout_realm_params(&r->layout, &r->opts, &p);
	p.vmid = r->vmid;
	p.rtt_base = r->rtt_base;
	if (!hostsim_host_write(params, &p, sizeof(p))) {
		ledger_free_ns(l, params);
		vmm_err(err, "could not write RmiRealmParams");
		return -EIO;
	}
	res = RMI(RMI_REALM_CREATE, r->rd, params);
	ledger_free_ns(l, params);
	if (res.x[0] != RMI_SUCCESS)
		return vmm_rmi_fail(err, "RMI_REALM_CREATE", res.x[0]);
	r->created = true;
	/* The extension's configuration must be the first thing measured after
	 * the realm's parameters (the monitor refuses it later). */
	if (r->layout.caec_flags) {
		res = RMI(RMI_CSM_VERSION);
		if (res.x[0] != RMI_SUCCESS ||
		    ABI_VERSION_MAJOR(res.x[1]) != ABI_VERSION_MAJOR(CAEC_CSM_ABI_VERSION)) {
			vmm_err(err, "the monitor does not offer the CAEC extension %u.x (RMI_CSM_VERSION)",
				(unsigned)ABI_VERSION_MAJOR(CAEC_CSM_ABI_VERSION));
			return -ENOTSUP;
		}
		res = RMI(RMI_CAEC_REALM_CONFIG, r->rd, r->layout.caec_flags);
		if (res.x[0] != RMI_SUCCESS)
			return vmm_rmi_fail(err, "RMI_CAEC_REALM_CONFIG", res.x[0]);
	}
	return 0;
}

static int load_image(struct vmm_realm *r, const uint8_t *image, struct vmm_error *err)
{
	const struct vmm_layout *l = &r->layout;
	uint8_t page[GRANULE];

	for (uint64_t off = 0; off < l->image_span; off += GRANULE) {
		uint64_t n = l->image_size - off < GRANULE ? l->image_size - off : GRANULE;
		int rc;

		memset(page, 0, sizeof(page));
		memcpy(page, image + off, n);
		rc = realm_data_create(r, l->image_base + off, page, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The policy granule (realm_layout.h): the host's blob, not measured. */
static int load_policy(struct vmm_realm *r, struct vmm_error *err)
{
	uint8_t page[GRANULE];

	if (!r->layout.policy_ipa)
		return 0;
	memset(page, 0, sizeof(page));
	if (r->opts.policy_len)
		memcpy(page, r->opts.policy_blob, r->opts.policy_len);
	r->opts.policy_blob = NULL; /* the caller's, read once */
	r->opts.policy_len = 0;
	return realm_data_create_unmeasured(r, r->layout.policy_ipa, page, err);
}

/* The host data granules (realm_layout.h): given, not measured. */
static int load_host_data(struct vmm_realm *r, struct vmm_error *err)
{
	const struct vmm_layout *l = &r->layout;
	const uint8_t *data = r->opts.host_data;
	uint8_t page[GRANULE];

	for (uint64_t off = 0; l->host_data_ipa && off < l->host_data_size; off += GRANULE) {
		uint64_t n = l->host_data_size - off < GRANULE ? l->host_data_size - off : GRANULE;
		int rc;

		memset(page, 0, sizeof(page));
		memcpy(page, data + off, n);
		if ((rc = realm_data_create_unmeasured(r, l->host_data_ipa + off, page, err)))
			return rc;
	}
	r->opts.host_data = NULL; /* the caller's, read once */
	return 0;
}

static int populate_ram(struct vmm_realm *r, struct vmm_error *err)
{
	const struct vmm_layout *l = &r->layout;

	for (uint64_t ipa = l->ram_base; ipa < l->ram_base + l->ram_size; ipa += GRANULE) {
		int rc = realm_data_create_unknown(r, ipa, err);

		if (rc)
			return rc;
	}
	return 0;
}

static int create_rec(struct vmm_realm *r, unsigned index, struct vmm_error *err)
{
	struct granule_ledger *l = &r->vmm->ledger;
	struct vmm_vcpu *v = &r->vcpus[index];
	struct rmi_rec_params p;
	struct smc_regs res;
	uint64_t params;

	res = RMI(RMI_REC_AUX_COUNT, r->rd);
	if (res.x[0] != RMI_SUCCESS || res.x[1] > RMI_REC_MAX_AUX)
		return vmm_rmi_fail(err, "RMI_REC_AUX_COUNT", res.x[0]);
	v->realm = r;
	v->index = index;
	v->mpidr = vmm_vcpu_mpidr(index);
	v->run = ledger_alloc_ns(l);
	v->rec = ledger_alloc_delegated(l);
	params = ledger_alloc_ns(l);
	for (unsigned i = 0; i < res.x[1]; i++) {
		v->aux[i] = ledger_alloc_delegated(l);
		if (v->aux[i] == GRANULE_LEDGER_NO_PA)
			break;
		v->num_aux++;
	}
	/* Counted as created from here on, so the teardown frees what we got. */
	r->nvcpus++;
	if (v->run == GRANULE_LEDGER_NO_PA || v->rec == GRANULE_LEDGER_NO_PA ||
	    params == GRANULE_LEDGER_NO_PA || v->num_aux != res.x[1]) {
		if (params != GRANULE_LEDGER_NO_PA)
			ledger_free_ns(l, params);
		vmm_err(err, "no memory for a REC");
		return -ENOMEM;
	}
	vmm_layout_rec_params(&r->layout, index, &p);
	p.num_aux = v->num_aux;
	memcpy(p.aux, v->aux, sizeof(v->aux[0]) * v->num_aux);
	bool written = hostsim_host_write(params, &p, sizeof(p));
	res = written ? RMI(RMI_REC_CREATE, r->rd, v->rec, params) : (struct smc_regs){ { RMI_ERROR_INPUT } };
	ledger_free_ns(l, params);
	if (res.x[0] != RMI_SUCCESS) { /* not a REC: the teardown only undelegates it */
		char what[48];

		snprintf(what, sizeof(what), "RMI_REC_CREATE(vCPU %u)", index);
		return vmm_rmi_fail(err, what, res.x[0]);
	}
	v->is_rec = true;
	return 0;
}

static struct vmm_realm *realm_alloc(struct vmm *vmm, const struct vmm_realm_opts *opts,
				     const struct vmm_layout *l)
{
	struct vmm_realm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->vmm = vmm;
	r->opts = *opts;
	r->layout = *l;
	r->ndata_slots = (l->top - l->image_base) / GRANULE;
	r->data = calloc(r->ndata_slots, sizeof(*r->data));
	r->vcpus = calloc(l->vcpus, sizeof(*r->vcpus));
	if (!r->data || !r->vcpus) {
		free(r->data);
		free(r->vcpus);
		free(r);
		return NULL;
	}
	rtt_set_init(&r->rtts);
	pthread_mutex_init(&r->mm_lock, NULL);
	pthread_mutex_init(&r->run_lock, NULL);
	pthread_cond_init(&r->run_cond, NULL);
	/* VMIDs are never reused by one VMM; 16 bits are plenty for its life. */
	r->vmid = (uint16_t)atomic_fetch_add(&vmm->next_vmid, 1);
	return r;
}

static void realm_release(struct vmm_realm *r)
{
	rtt_set_fini(&r->rtts);
	pthread_mutex_destroy(&r->mm_lock);
	pthread_mutex_destroy(&r->run_lock);
	pthread_cond_destroy(&r->run_cond);
	free(r->data);
	free(r->vcpus);
	free(r->shared);
	free(r->csm_refs);
	free(r->token_buf);
	free(r);
}

static int build(struct vmm_realm *r, const uint8_t *image, struct vmm_error *err)
{
	int rc = create_rd(r, err);

	pthread_mutex_lock(&r->mm_lock);
	if (rc == 0)
		rc = realm_init_ripas(r, r->layout.image_base, r->layout.top, err);
	if (rc == 0)
		rc = load_image(r, image, err);
	if (rc == 0)
		rc = load_policy(r, err);
	if (rc == 0)
		rc = populate_ram(r, err);
	if (rc == 0)
		rc = load_host_data(r, err);
	pthread_mutex_unlock(&r->mm_lock);
	for (unsigned i = 0; rc == 0 && i < r->layout.vcpus; i++)
		rc = create_rec(r, i, err);
	return rc;
}

int vmm_realm_create_new(struct vmm *vmm, const uint8_t *image, size_t size,
			 const struct vmm_realm_opts *opts, struct vmm_realm **out,
			 struct vmm_error *err)
{
	struct vmm_layout l;
	const char *why = NULL;
	struct vmm_realm *r;
	int rc;

	*out = NULL;
	rc = vmm_layout_compute(opts, size, &l, &why);
	if (rc) {
		vmm_err(err, "%s", why);
		return rc;
	}
	r = realm_alloc(vmm, opts, &l);
	if (!r) {
		vmm_err(err, "out of memory");
		return -ENOMEM;
	}
	rc = build(r, image, err);
	if (rc) {
		/* Whatever was built goes back; a failure there is a leak the
		 * checker reports, and the original error is the one to show. */
		realm_teardown(r);
		realm_release(r);
		return rc;
	}
	*out = r;
	return 0;
}

int vmm_realm_activate(struct vmm_realm *r, struct vmm_error *err)
{
	struct smc_regs res = RMI(RMI_REALM_ACTIVATE, r->rd);

	return res.x[0] == RMI_SUCCESS ? 0 : vmm_rmi_fail(err, "RMI_REALM_ACTIVATE", res.x[0]);
}

int vmm_realm_create(struct vmm *vmm, const uint8_t *image, size_t size,
		     const struct vmm_realm_opts *opts, struct vmm_realm **out, struct vmm_error *err)
{
	int rc = vmm_realm_create_new(vmm, image, size, opts, out, err);

	if (rc)
		return rc;
	rc = vmm_realm_activate(*out, err);
	if (rc) {
		vmm_realm_destroy(*out);
		*out = NULL;
	}
	return rc;
}

int vmm_realm_destroy(struct vmm_realm *r)
{
	int rc;

	if (!r)
		return 0;
	rc = realm_teardown(r);
	realm_release(r);
	return rc;
}

uint64_t vmm_realm_rd(const struct vmm_realm *r)
{
	return r->rd;
}

const struct vmm_layout *vmm_realm_layout(const struct vmm_realm *r)
{
	return &r->layout;
}

unsigned vmm_realm_num_recs(const struct vmm_realm *r)
{
	return r->nvcpus;
}

uint64_t vmm_realm_rec(const struct vmm_realm *r, unsigned index)
{
	return index < r->nvcpus ? r->vcpus[index].rec : 0;
}

uint64_t vmm_realm_data_pa(const struct vmm_realm *r, uint64_t ipa)
{
	if (!realm_ipa_in_ram_range(r, ipa))
		return 0;
	return r->data[(ipa - r->layout.image_base) / GRANULE];
}

uint64_t vmm_realm_unprotected_ipa(const struct vmm_realm *r, uint64_t ipa)
{
	return ipa | (UINT64_C(1) << (r->layout.ipa_bits - 1));
}

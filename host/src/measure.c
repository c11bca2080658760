/*
 * Offline RIM (see measure.h). Descriptor layouts, RMM 1.0:
 *   realm: H(zeroed 4 KiB RmiRealmParams with flags (u64), s2sz, sve_vl,
 *          num_bps, num_wps, pmu_num_ctrs, hash_algo (u8 each) at their offsets)
 *   extension: RIM = H(0x100-byte descriptor: 0x00 type, 0x08 length 0x100,
 *          0x10 RIM[64], then DATA 0x50 ipa 0x58 flags 0x60 content[64];
 *          REC 0x50 content[64]; RIPAS 0x50 base 0x58 top), little endian.
 *   CAEC configuration (caec-ext.md): the same header with type 0x80 and
 *          the flags at 0x50.
 */
#include "host/measure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rtt_set.h"

#define GRANULE RMI_GRANULE_SIZE
#define DESC_SIZE 0x100
#define DESC_DATA 0u
#define DESC_REC 1u
#define DESC_RIPAS 2u

struct measurer {
	const EVP_MD *md;
	size_t hash_size;
	struct vmm_measurement *m;
	size_t cap;
};

static bool hash(const struct measurer *ms, const void *data, size_t len, uint8_t out[VMM_MEASURE_SLOT])
{
	unsigned int n = 0;

	memset(out, 0, VMM_MEASURE_SLOT);
	return EVP_Digest(data, len, out, &n, ms->md, NULL) == 1 && n == ms->hash_size;
}

static void put_u64(uint8_t *dst, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

static struct vmm_measure_step *new_step(struct measurer *ms, enum vmm_measure_step_type type)
{
	struct vmm_measurement *m = ms->m;

	if (m->nsteps == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 64;
		struct vmm_measure_step *s = realloc(m->steps, cap * sizeof(*s));

		if (!s)
			return NULL;
		m->steps = s;
		ms->cap = cap;
	}
	memset(&m->steps[m->nsteps], 0, sizeof(m->steps[0]));
	m->steps[m->nsteps].type = type;
	return &m->steps[m->nsteps++];
}

/* RIM = H(descriptor); the step records the RIM after it. */
static int extend(struct measurer *ms, struct vmm_measure_step *step, uint8_t desc[DESC_SIZE])
{
	if (!hash(ms, desc, DESC_SIZE, ms->m->rim))
		return -EIO;
	memcpy(step->rim_after, ms->m->rim, VMM_MEASURE_SLOT);
	return 0;
}

static void desc_header(uint8_t desc[DESC_SIZE], unsigned type, const uint8_t rim[VMM_MEASURE_SLOT])
{
	memset(desc, 0, DESC_SIZE);
	put_u64(desc + 0x00, type);
	put_u64(desc + 0x08, DESC_SIZE);
	memcpy(desc + 0x10, rim, VMM_MEASURE_SLOT);
}

static int measure_realm(struct measurer *ms, const struct rmi_realm_params *p)
{
	struct vmm_measure_step *s = new_step(ms, VMM_STEP_REALM);
	uint8_t *image;
	int rc = 0;

	if (!s)
		return -ENOMEM;
	s->flags = p->flags;
	s->s2sz = p->s2sz;
	s->sve_vl = p->sve_vl;
	s->num_bps = p->num_bps;
	s->num_wps = p->num_wps;
	s->pmu_num_ctrs = p->pmu_num_ctrs;
	s->hash_algo = p->hash_algo;
	image = calloc(1, GRANULE);
	if (!image)
		return -ENOMEM;
	put_u64(image + 0x000, s->flags);
	image[0x008] = (uint8_t)s->s2sz;
	image[0x010] = (uint8_t)s->sve_vl; /* UInt8 fields, reserved bytes zero */
	image[0x018] = (uint8_t)s->num_bps;
	image[0x020] = (uint8_t)s->num_wps;
	image[0x028] = (uint8_t)s->pmu_num_ctrs;
	image[0x030] = (uint8_t)s->hash_algo;
	if (!hash(ms, image, GRANULE, ms->m->rim))
		rc = -EIO;
	memcpy(s->rim_after, ms->m->rim, VMM_MEASURE_SLOT);
	free(image);
	return rc;
}

static int measure_caec_config(struct measurer *ms, uint64_t flags)
{
	struct vmm_measure_step *s = new_step(ms, VMM_STEP_CAEC_CONFIG);
	uint8_t desc[DESC_SIZE];

	if (!s)
		return -ENOMEM;
	s->flags = flags;
	desc_header(desc, (unsigned)CAEC_MEASURE_CONFIG_TYPE, ms->m->rim);
	put_u64(desc + CAEC_MEASURE_CONFIG_FLAGS, flags);
	return extend(ms, s, desc);
}

static int measure_ripas(struct measurer *ms, uint64_t base, uint64_t top)
{
	struct vmm_measure_step *s = new_step(ms, VMM_STEP_RIPAS);
	uint8_t desc[DESC_SIZE];

	if (!s)
		return -ENOMEM;
	s->base = base;
	s->top = top;
	desc_header(desc, DESC_RIPAS, ms->m->rim);
	put_u64(desc + 0x50, base);
	put_u64(desc + 0x58, top);
	return extend(ms, s, desc);
}

/* Replays the VMM's RTT_INIT_RIPAS loop (realm_build.c) against a model of
 * the RTTs: the monitor's walk stops at the deepest existing table; an entry
 * is processed only if base is aligned to it and it fits below top, else the
 * VMM creates the next-level table (ERROR_RTT) and calls again. Processing
 * continues through the rest of that table while entries fit. */
static int measure_init_ripas(struct measurer *ms, const struct vmm_layout *l)
{
	struct rtt_set tables;
	uint64_t base = l->image_base, top = l->top;
	int rc = 0;

	rtt_set_init(&tables);
	while (rc == 0 && base < top) {
		int level = l->rtt_level_start;

		while (level < 3 && rtt_set_find(&tables, level + 1, base, NULL))
			level++;
		uint64_t size = vmm_rtt_level_size(level);
		if (base % size != 0 || base + size > top) {
			rc = rtt_set_add(&tables, level + 1, base, 0);
			continue;
		}
		for (uint64_t i = (base / size) % RMI_RTT_ENTRIES; rc == 0 && i < RMI_RTT_ENTRIES &&
		     base + size <= top; i++, base += size)
			rc = measure_ripas(ms, base, base + size);
	}
	rtt_set_fini(&tables);
	return rc;
}

/* A DATA step; page NULL: created without MEASURE_CONTENT (its content
 * slot stays zero). */
static int measure_data(struct measurer *ms, uint64_t ipa, const uint8_t page[GRANULE])
{
	struct vmm_measure_step *s = new_step(ms, VMM_STEP_DATA);
	uint8_t desc[DESC_SIZE];

	if (!s)
		return -ENOMEM;
	s->ipa = ipa;
	s->flags = page ? RMI_MEASURE_CONTENT : 0;
	if (page && !hash(ms, page, GRANULE, s->content))
		return -EIO;
	desc_header(desc, DESC_DATA, ms->m->rim);
	put_u64(desc + 0x50, ipa);
	put_u64(desc + 0x58, s->flags);
	memcpy(desc + 0x60, s->content, VMM_MEASURE_SLOT);
	return extend(ms, s, desc);
}

static int measure_image(struct measurer *ms, const struct vmm_layout *l, const uint8_t *image)
{
	uint8_t page[GRANULE];
	int rc = 0;

	for (uint64_t off = 0; rc == 0 && off < l->image_span; off += GRANULE) {
		uint64_t n = l->image_size - off < GRANULE ? l->image_size - off : GRANULE;

		memset(page, 0, sizeof(page));
		memcpy(page, image + off, n);
		rc = measure_data(ms, l->image_base + off, page);
	}
	return rc;
}

static int measure_rec(struct measurer *ms, const struct rmi_rec_params *p)
{
	struct vmm_measure_step *s = new_step(ms, VMM_STEP_REC);
	uint8_t desc[DESC_SIZE];
	uint8_t *image;

	if (!s)
		return -ENOMEM;
	s->flags = p->flags;
	s->pc = p->pc;
	memcpy(s->gprs, p->gprs, sizeof(s->gprs));
	image = calloc(1, GRANULE);
	if (!image)
		return -ENOMEM;
	put_u64(image + 0x000, s->flags);
	put_u64(image + 0x200, s->pc);
	for (unsigned i = 0; i < RMI_REC_PARAMS_GPRS; i++)
		put_u64(image + 0x300 + 8 * i, s->gprs[i]);
	bool ok = hash(ms, image, GRANULE, s->content);
	free(image);
	if (!ok)
		return -EIO;
	desc_header(desc, DESC_REC, ms->m->rim);
	memcpy(desc + 0x50, s->content, VMM_MEASURE_SLOT);
	return extend(ms, s, desc);
}

int vmm_measure(const uint8_t *image, size_t size, const struct vmm_realm_opts *opts,
		struct vmm_measurement *out, const char **why)
{
	struct measurer ms = { 0 };
	struct rmi_realm_params params;
	struct rmi_rec_params rec;
	struct vmm_layout l;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = vmm_layout_compute(opts, size, &l, why);
	if (rc)
		return rc;
	ms.md = l.hash_algo == RMI_HASH_SHA_512 ? EVP_sha512() : EVP_sha256();
	ms.hash_size = l.hash_algo == RMI_HASH_SHA_512 ? 64 : 32;
	ms.m = out;
	out->hash_algo = l.hash_algo;
	out->hash_size = ms.hash_size;

	/* No machine to ask: realms measured offline run on hostsim, whose
	 * monitor offers these (the VMM asks it, realm_build.c). */
	if (l.num_bps == 0)
		l.num_bps = VMM_HOSTSIM_NUM_BPS;
	if (l.num_wps == 0)
		l.num_wps = VMM_HOSTSIM_NUM_WPS;
	vmm_layout_realm_params(&l, opts, &params);
	rc = measure_realm(&ms, &params);
	if (rc == 0 && l.caec_flags)
		rc = measure_caec_config(&ms, l.caec_flags);
	if (rc == 0)
		rc = measure_init_ripas(&ms, &l);
	if (rc == 0)
		rc = measure_image(&ms, &l, image);
	if (rc == 0 && l.policy_ipa)
		rc = measure_data(&ms, l.policy_ipa, NULL); /* the policy granule: its place, not its content */
	/* The host data granules likewise (created after RAM, which adds no step). */
	for (uint64_t off = 0; rc == 0 && l.host_data_ipa && off < l.host_data_size; off += RMI_GRANULE_SIZE)
		rc = measure_data(&ms, l.host_data_ipa + off, NULL);
	/* Only the runnable boot REC is measured; the others are created later
	 * not runnable and the monitor leaves them out. */
	for (unsigned i = 0; rc == 0 && i < l.vcpus; i++) {
		vmm_layout_rec_params(&l, i, &rec);
		if (rec.flags & RMI_REC_FLAG_RUNNABLE)
			rc = measure_rec(&ms, &rec);
	}
	if (rc) {
		vmm_measurement_free(out);
		if (why)
			*why = rc == -ENOMEM ? "out of memory" : "hash computation failed";
	}
	return rc;
}

void vmm_measurement_free(struct vmm_measurement *m)
{
	free(m->steps);
	memset(m, 0, sizeof(*m));
}

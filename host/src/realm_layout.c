/* The realm layout shared by the builder and the offline measurement. */
#include "host/realm_layout.h"

#include <errno.h>
#include <string.h>

#define GRANULE RMI_GRANULE_SIZE

void vmm_realm_opts_default(struct vmm_realm_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->mem_size = VMM_DEFAULT_MEM_SIZE;
	opts->vcpus = 1;
	opts->hash_algo = RMI_HASH_SHA_256;
	opts->ipa_bits = VMM_DEFAULT_IPA_BITS;
}

uint64_t vmm_rtt_level_size(int level)
{
	return UINT64_C(1) << (12 + 9 * (3 - level));
}

/* The start level VMSAv8-64 uses for a stage-2 IPA width with 4 KiB
 * granules: the deepest level whose concatenated root tables (at most 16)
 * still cover the width. */
static void root_geometry(unsigned ipa_bits, int *level, unsigned *num)
{
	for (int l = 3; l >= 0; l--) {
		unsigned bits = 12 + 9 * (unsigned)(4 - l); /* IPA bits one table at l covers */

		if (ipa_bits <= bits + 4 || l == 0) {
			*level = l;
			*num = ipa_bits > bits ? 1u << (ipa_bits - bits) : 1u;
			return;
		}
	}
}

static int reject(const char **why, const char *msg, int err)
{
	if (why)
		*why = msg;
	return err;
}

int vmm_layout_compute(const struct vmm_realm_opts *opts, uint64_t image_size,
		       struct vmm_layout *out, const char **why)
{
	uint64_t span, protected_top;

	if (opts->ipa_bits < VMM_MIN_IPA_BITS || opts->ipa_bits > VMM_MAX_IPA_BITS)
		return reject(why, "IPA width must be 32..48 bits", -EINVAL);
	if (opts->vcpus < 1 || opts->vcpus > VMM_MAX_VCPUS)
		return reject(why, "vCPU count must be 1..64", -EINVAL);
	if (opts->hash_algo != RMI_HASH_SHA_256 && opts->hash_algo != RMI_HASH_SHA_512)
		return reject(why, "hash algorithm must be sha256 or sha512", -EINVAL);
	if (opts->mem_size % GRANULE || opts->mem_size < VMM_MIN_MEM_SIZE ||
	    opts->mem_size > VMM_MAX_MEM_SIZE)
		return reject(why, "memory size must be a 4 KiB multiple, 128 KiB..4 GiB", -EINVAL);
	if (image_size == 0 || image_size > VMM_MAX_IMAGE_SIZE)
		return reject(why, "image must be 1 byte..256 MiB", -EINVAL);
	if (opts->image_base % GRANULE)
		return reject(why, "image base must be 4 KiB aligned", -EINVAL);
	if (opts->num_bps > 63 || opts->num_wps > 63)
		return reject(why, "breakpoints and watchpoints must be 1..63 (0 = the machine's most)", -EINVAL);
	if (opts->caec_flags & ~CAEC_REALM_FLAGS_VALID)
		return reject(why, "CAEC realm flags: only POLICY_REQUIRED and CSM_EXITS exist", -EINVAL);

	if (opts->policy_len > POLICY_MAX_SIZE || (opts->policy_len && !opts->policy_blob))
		return reject(why, "a policy blob is at most 2 KiB", -EINVAL);
	if (opts->policy_len && !(opts->caec_flags & CAEC_REALM_POLICY_REQUIRED))
		return reject(why, "a policy blob needs POLICY_REQUIRED (the policy granule)", -EINVAL);

	if (opts->host_data_size > VMM_MAX_IMAGE_SIZE || (opts->host_data_size && !opts->host_data))
		return reject(why, "host data is at most 256 MiB", -EINVAL);
	uint64_t host_span = (opts->host_data_size + GRANULE - 1) & ~(GRANULE - 1);

	span = (image_size + GRANULE - 1) & ~(GRANULE - 1);
	uint64_t policy = opts->caec_flags & CAEC_REALM_POLICY_REQUIRED ? GRANULE : 0;
	protected_top = UINT64_C(1) << (opts->ipa_bits - 1);
	/* Each term is bounded (<= 2^47, 256 MiB, 4 GiB): no overflow in 64 bits. */
	if (opts->image_base + span + policy + opts->mem_size + host_span > protected_top)
		return reject(why, "image and RAM do not fit in the protected IPA space", -E2BIG);

	memset(out, 0, sizeof(*out));
	out->image_base = opts->image_base;
	out->image_size = image_size;
	out->image_span = span;
	out->policy_ipa = policy ? opts->image_base + span : 0;
	out->ram_base = opts->image_base + span + policy;
	out->ram_size = opts->mem_size;
	out->host_data_ipa = host_span ? out->ram_base + opts->mem_size : 0;
	out->host_data_size = opts->host_data_size;
	out->top = out->ram_base + opts->mem_size + host_span;
	out->ipa_bits = opts->ipa_bits;
	out->vcpus = opts->vcpus;
	out->hash_algo = opts->hash_algo;
	out->num_bps = opts->num_bps;
	out->num_wps = opts->num_wps;
	out->caec_flags = opts->caec_flags;
	root_geometry(opts->ipa_bits, &out->rtt_level_start, &out->rtt_num_start);
	return 0;
}

void vmm_layout_realm_params(const struct vmm_layout *l, const struct vmm_realm_opts *opts,
			     struct rmi_realm_params *p)
{
	memset(p, 0, sizeof(*p));
	p->flags = 0; /* no LPA2, SVE or PMU */
	p->s2sz = (uint8_t)l->ipa_bits;
	p->hash_algo = (uint8_t)l->hash_algo;
	p->num_bps = (uint8_t)l->num_bps;
	p->num_wps = (uint8_t)l->num_wps;
	memcpy(p->rpv, opts->rpv, sizeof(p->rpv));
	p->rtt_level_start = l->rtt_level_start;
	p->rtt_num_start = l->rtt_num_start;
}

uint64_t vmm_vcpu_mpidr(unsigned index)
{
	return (index & 0xfu) | ((uint64_t)((index >> 4) & 0xffu) << 8);
}

void vmm_layout_rec_params(const struct vmm_layout *l, unsigned index, struct rmi_rec_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mpidr = vmm_vcpu_mpidr(index);
	if (index != 0)
		return; /* started later by PSCI CPU_ON, with the entry point it names */
	p->flags = RMI_REC_FLAG_RUNNABLE;
	p->pc = l->image_base;
	p->gprs[0] = l->image_base;
	p->gprs[1] = l->image_size;
	p->gprs[2] = l->ram_base;
	p->gprs[3] = l->ram_size;
	p->gprs[4] = l->vcpus;
}

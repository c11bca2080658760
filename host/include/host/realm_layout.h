/*
 * Where a realm's pieces go, decided once and used twice: by the VMM that
 * builds the realm through the monitor and by the offline measurement that
 * predicts its RIM without one. Both must agree to the byte, so neither
 * decides anything on its own.
 *
 * The layout (the project's conventions for realm images):
 *   [image_base, ram_base)       the image FILE bytes, zero-padded to whole
 *                                granules, DATA_CREATE'd with MEASURE_CONTENT
 *   [policy_ipa, +4 KiB)          only with POLICY_REQUIRED: the policy
 *                                granule, the blob the host provides for
 *                                RSI_POLICY_SET (vmm_realm_opts.policy_blob,
 *                                zero-padded), DATA_CREATE'd without
 *                                MEASURE_CONTENT: its place is measured, its
 *                                content is not (the blob names the realm's
 *                                RIM, so the RIM cannot cover it; what the
 *                                realm uploads is attested by claim 65003)
 *   [ram_base, ram_base+ram_size) realm RAM, DATA_CREATE_UNKNOWN (see below)
 *   [host_data_ipa, top)          only with vmm_realm_opts.host_data_size:
 *                                bytes the host gives the realm (a sealed
 *                                model), zero-padded, DATA_CREATE'd without
 *                                MEASURE_CONTENT: their place and size in
 *                                granules are measured, their content is
 *                                not, so it must be something the realm
 *                                authenticates itself
 *   RIPAS RAM over [image_base, top), set by INIT_RIPAS.
 * vCPU 0 is the only runnable REC: pc = image_base (the ELF header), X0 =
 * image_base, X1 = image size in bytes, X2 = RAM base, X3 = RAM size, X4 =
 * number of vCPUs. The other RECs are created not runnable (so unmeasured)
 * and start with PSCI CPU_ON.
 *
 * RAM is not measured content: it is DATA_CREATE_UNKNOWN. Its contents are
 * zero anyway (the monitor zeroes every granule it delegates and a DELEGATED
 * granule stays zero), its RIPAS is measured (INIT_RIPAS), and hashing one
 * zero page per granule would only lengthen the RIM's log by thousands of
 * identical steps without telling a verifier anything more.
 */
#ifndef CAEC_HOST_REALM_LAYOUT_H
#define CAEC_HOST_REALM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/caec_policy.h"
#include "abi/rmi.h"

#define VMM_DEFAULT_MEM_SIZE  (UINT64_C(16) << 20)
/* 39 bits: a 512 GiB IPA window per realm on hostsim, which TSan's address
 * layout still has room for (hostsim.h). */
#define VMM_DEFAULT_IPA_BITS  39u
#define VMM_MIN_IPA_BITS      32u
#define VMM_MAX_IPA_BITS      48u
#define VMM_MAX_VCPUS         64u
/* Bounds that keep a realm a realm and not a typo: 128 KiB .. 4 GiB of RAM,
 * images up to 256 MiB. The least RAM is what a realm built with the SDK
 * boots in: its boot stack at the top of RAM (CAEC_ARCH_BOOT_STACK_SIZE) and a
 * heap of as much again for the SDK's buffers, the attestation token's among
 * them; with less it cannot even report an exit status. */
#define VMM_MIN_BOOT_STACK    (UINT64_C(64) << 10)
#define VMM_MIN_MEM_SIZE      (2 * VMM_MIN_BOOT_STACK)
#define VMM_MAX_MEM_SIZE      (UINT64_C(4) << 30)
#define VMM_MAX_IMAGE_SIZE    (UINT64_C(256) << 20)

struct vmm_realm_opts {
	uint64_t mem_size;         /* realm RAM in bytes, a granule multiple */
	unsigned vcpus;            /* 1 .. VMM_MAX_VCPUS */
	unsigned hash_algo;        /* RMI_HASH_SHA_256 / RMI_HASH_SHA_512 */
	unsigned ipa_bits;         /* s2sz */
	uint64_t image_base;       /* IPA of the image, granule aligned */
	uint8_t rpv[RMI_RPV_SIZE]; /* personalization value, not measured */
	/* Breakpoints and watchpoints the realm asks for (measured). 0 = the
	 * most the machine offers: the VMM reads it from RMI_FEATURES, as KVM
	 * does; the offline measurement, which has no machine, takes hostsim's
	 * (VMM_HOSTSIM_NUM_BPS/WPS). */
	unsigned num_bps, num_wps;
	/* The CAEC extension's realm configuration (RMI_CAEC_REALM_CONFIG flags,
	 * CAEC_REALM_*). 0: the VMM never calls it and the realm is built as
	 * an RMM 1.0 host would build it. Otherwise it is called right after
	 * REALM_CREATE, before anything else extends the RIM, and it is
	 * measured (a 0x80 descriptor with the flags). CAEC_REALM_CSM_EXITS
	 * opts in to the CSM request exit, which the run loop then serves
	 * (vmm.h); without it the realm's CSM calls fail with ERROR_STATE. */
	uint64_t caec_flags;
	/* With CAEC_REALM_POLICY_REQUIRED: the policy blob the policy granule
	 * holds (at most POLICY_MAX_SIZE bytes; NULL: the granule is zero), read
	 * while the realm is built. Not measured. */
	const void *policy_blob;
	size_t policy_len;
	/* Bytes for the host data granules after RAM (see the layout), at most
	 * VMM_MAX_IMAGE_SIZE; read while the realm is built. Only their size
	 * is measured. 0: none. */
	const void *host_data;
	uint64_t host_data_size;
};

/* What hostsim's monitor reports in RMI_FEATURES register 0 (NUM_BPS,
 * NUM_WPS); the build tests check the VMM, which asks the monitor, and the
 * offline measurement, which uses these, agree. */
#define VMM_HOSTSIM_NUM_BPS 5u
#define VMM_HOSTSIM_NUM_WPS 3u

/* 16 MiB, one vCPU, SHA-256, 39-bit IPAs, image at IPA 0, RPV zero. */
void vmm_realm_opts_default(struct vmm_realm_opts *opts);

struct vmm_layout {
	uint64_t image_base;
	uint64_t image_size;       /* file bytes */
	uint64_t image_span;       /* image_size rounded up to granules */
	uint64_t policy_ipa;       /* the policy granule, 0: none */
	uint64_t ram_base;
	uint64_t ram_size;
	uint64_t host_data_ipa;    /* 0: none */
	uint64_t host_data_size;   /* bytes (the granules: rounded up) */
	uint64_t top;              /* end of the protected range the realm uses */
	unsigned ipa_bits;
	int rtt_level_start;       /* root RTT level for ipa_bits */
	unsigned rtt_num_start;    /* concatenated root RTTs */
	unsigned vcpus;
	unsigned hash_algo;
	unsigned num_bps, num_wps; /* as in the options: 0 until resolved */
	uint64_t caec_flags;       /* as in the options */
};

/* Validates the options against an image of image_size bytes and fills the
 * layout. -EINVAL for an option out of range (message in why, if not NULL),
 * -E2BIG when the image plus RAM does not fit the protected IPA space. */
int vmm_layout_compute(const struct vmm_realm_opts *opts, uint64_t image_size,
		       struct vmm_layout *out, const char **why);

/* RmiRealmParams as the VMM passes them (rtt_base and vmid left zero: the
 * builder fills them; they are not measured). */
void vmm_layout_realm_params(const struct vmm_layout *l, const struct vmm_realm_opts *opts,
			     struct rmi_realm_params *p);
/* RmiRecParams of vCPU `index` (num_aux/aux left zero for the builder). */
void vmm_layout_rec_params(const struct vmm_layout *l, unsigned index, struct rmi_rec_params *p);

/* MPIDR of the vCPU with linear index i (Aff0 = i[3:0], Aff1 = i[11:4]), the
 * order the monitor requires RECs to be created in. */
uint64_t vmm_vcpu_mpidr(unsigned index);
/* Size of the IPA range one RTT entry at `level` maps (4 KiB granules). */
uint64_t vmm_rtt_level_size(int level);

#endif

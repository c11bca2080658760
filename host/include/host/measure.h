/*
 * Offline measurement: the RIM a realm built by this VMM will have, computed
 * from the image and the options alone, with no monitor, plus the ordered
 * log of the steps that produce it so anyone can recompute it.
 *
 * The steps are those of RMM 1.0 (spec/rmm-abi.md "Measurement"): the
 * initial RIM from the realm parameters, then one RIPAS step per RTT entry
 * RTT_INIT_RIPAS processes, one DATA step per measured image granule in
 * ascending IPA, one REC step for the runnable boot REC. A realm built with
 * CAEC flags (realm_layout.h caec_flags) has one more step right after the
 * initial RIM: the CAEC configuration descriptor (type 0x80, the flags at
 * 0x50), as RMI_CAEC_REALM_CONFIG extends it. This file writes its
 * own descriptors (it shares no code with the monitor's measurement) and
 * replays the VMM's RTT_INIT_RIPAS loop (realm_layout.h) to know at which RTT
 * level each RIPAS step lands.
 */
#ifndef CAEC_HOST_MEASURE_H
#define CAEC_HOST_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "host/realm_layout.h"

#define VMM_MEASURE_SLOT 64

enum vmm_measure_step_type {
	VMM_STEP_REALM = 0,
	VMM_STEP_RIPAS = 1,
	VMM_STEP_DATA = 2,
	VMM_STEP_REC = 3,
	VMM_STEP_CAEC_CONFIG = 4, /* RMI_CAEC_REALM_CONFIG (caec-ext.md) */
};

struct vmm_measure_step {
	enum vmm_measure_step_type type;
	/* REALM: the measured RmiRealmParams fields. CAEC_CONFIG: flags. */
	uint64_t flags;
	uint64_t s2sz, sve_vl, num_bps, num_wps, pmu_num_ctrs, hash_algo;
	/* RIPAS: [base, top). DATA: ipa, flags. REC: flags, pc, gprs. */
	uint64_t base, top, ipa, pc;
	uint64_t gprs[RMI_REC_PARAMS_GPRS];
	/* DATA: H(granule contents); REC: H(RmiRecParams image). The descriptor's
	 * 64-byte "content" field; hash-size bytes significant. */
	uint8_t content[VMM_MEASURE_SLOT];
	uint8_t rim_after[VMM_MEASURE_SLOT];
};

struct vmm_measurement {
	unsigned hash_algo;
	size_t hash_size;
	uint8_t rim[VMM_MEASURE_SLOT];
	size_t nsteps;
	struct vmm_measure_step *steps;
};

/* Computes the RIM of image[0..size) built with opts. 0, -EINVAL/-E2BIG for
 * options vmm_layout_compute refuses (why says which), -ENOMEM, -EIO when
 * OpenSSL fails. */
int vmm_measure(const uint8_t *image, size_t size, const struct vmm_realm_opts *opts,
		struct vmm_measurement *out, const char **why);
void vmm_measurement_free(struct vmm_measurement *m);

/* {"rim": hex, "hash_algo": "sha256"|"sha512", "log": [steps]}: each step an
 * object with "type" ("realm"|"caec_config"|"ripas"|"data"|"rec"), the fields it hashes
 * (integers as JSON numbers, content and gprs as the spec names them; the
 * realm step's hash_algo by name, as at the top: "sha256" is the RMI value 0,
 * "sha512" 1) and "rim" after the step. NULL on allocation failure. */
json_t *vmm_measurement_to_json(const struct vmm_measurement *m);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void vmm_hex(const uint8_t *bytes, size_t n, char *out);

#endif

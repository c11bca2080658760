/*
 * hostsim's platform token: what EL3 says about the machine, signed by the
 * CPAK, for the monitor to put beside its realm tokens (RMM_GET_PLAT_TOKEN).
 *
 * The claims are listed, with exactly what is measured, in hostsim.h
 * ("Attestation"). The firmware measurements are taken once, when the
 * machine starts: the code of the platform (hostsim: EL3 and the emulated
 * hardware) and the code of the monitor, each hashed as it is mapped in the
 * process from the program section the build gives it (caec_plat_text,
 * caec_rmm_text), so a token names the very bytes that execute, tells the two
 * apart, and a relying party can recompute each from the program file
 * (`objcopy -O binary --only-section=caec_rmm_text PROGRAM rmm.bin`).
 *
 * The token is a COSE_Sign1 (tag 18) with protected header {1: -35} (ES384),
 * an empty unprotected header and the claims map as payload, encoded with
 * the monitor's deterministic CBOR encoder (rmm/src/cbor_enc.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "abi/el3.h"
#include "cbor_enc.h"
#include "el3_attest.h"
#include "hostsim_internal.h"

/* The profile of both collection forms: the platform tokens relying parties
 * of RMM 1.0-rel0 see beside tag 399 carry it too. */
#define PLAT_PROFILE        "tag:arm.com,2023:cca_platform#1.0.0"
#define IMPLEMENTATION_NAME "caec hostsim"
#define FIRMWARE_VERSION    "0.1.0"
#define VERIFICATION_SERVICE "caec attest verify"
#define LIFECYCLE_PSA_ROT_DEBUG 0x5000u

/* Claim keys of the CCA platform token. */
#define CLAIM_CHALLENGE     10
#define CLAIM_INSTANCE_ID   256
#define CLAIM_PROFILE       265
#define CLAIM_LIFECYCLE     2395
#define CLAIM_IMPL_ID       2396
#define CLAIM_SW_COMPONENTS 2399
#define CLAIM_VERIFICATION  2400
#define CLAIM_CONFIG        2401
#define CLAIM_HASH_ALG      2402
#define SWC_TYPE      1
#define SWC_MEAS      2
#define SWC_VERSION   4
#define SWC_SIGNER    5
#define SWC_HASH_ALG  6

#define COSE_TAG_SIGN1  18
#define CONFIG_SIZE     16
#define MAX_COMPONENTS  2

/* The monitor, when the program links it (hardware-only tests do not). */
extern int rmm_boot(void) __attribute__((weak));

struct component {
	const char *type;
	uint8_t measurement[32];
};

static struct {
	bool ready;
	uint8_t impl_id[32];
	uint8_t instance_id[33];
	uint8_t signer_id[32];
	uint8_t config[CONFIG_SIZE];
	unsigned num_components;
	struct component components[MAX_COMPONENTS];
} el3;

/* The code of each firmware component, in a section of its own
 * (caec_code_section in cmake/CaecBuild.cmake): the linker brackets each with
 * these symbols. Weak: a program without the monitor has no monitor section. */
extern const uint8_t __start_caec_plat_text[] __attribute__((weak));
extern const uint8_t __stop_caec_plat_text[] __attribute__((weak));
extern const uint8_t __start_caec_rmm_text[] __attribute__((weak));
extern const uint8_t __stop_caec_rmm_text[] __attribute__((weak));

/* SHA-256 of [start, stop), the section that must hold entry (the code the
 * component starts at, so what is measured is what runs): 0, -ENOEXEC when the
 * program has no such section or entry lies outside it, -EIO when hashing
 * fails. */
static int measure_code(const uint8_t *start, const uint8_t *stop, const void *entry,
			uint8_t out[32])
{
	uintptr_t at = (uintptr_t)entry;
	unsigned len = 0;

	if (!start || !stop || stop <= start || at < (uintptr_t)start || at >= (uintptr_t)stop)
		return -ENOEXEC;
	if (EVP_Digest(start, (size_t)(stop - start), out, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return -EIO;
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int hostsim_attest_start(const struct hostsim_config *cfg)
{
	uint8_t point[HOSTSIM_EC_POINT_SIZE];
	int rc = hostsim_attest_keys_start(cfg);

	if (rc)
		return rc;
	memset(&el3, 0, sizeof(el3));
	rc = -EIO;
	if (!hostsim_attest_cpak_point(point) ||
	    EVP_Digest(point, sizeof(point), el3.instance_id + 1, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(point, sizeof(point), el3.signer_id, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(IMPLEMENTATION_NAME, strlen(IMPLEMENTATION_NAME), el3.impl_id, NULL,
		       EVP_sha256(), NULL) != 1)
		goto fail;
	el3.instance_id[0] = 0x01; /* an EAT UEID of type RAND */
	put_le(el3.config, cfg && cfg->dram_size ? cfg->dram_size : HOSTSIM_DEFAULT_DRAM_SIZE, 8);
	put_le(el3.config + 8,
	       cfg && cfg->root_granules ? cfg->root_granules : HOSTSIM_DEFAULT_ROOT_GRANULES, 4);
	put_le(el3.config + 12, hostsim_attest_token_format(), 4);

	el3.components[0].type = "BL31";
	rc = measure_code(__start_caec_plat_text, __stop_caec_plat_text, (const void *)plat_el3_smc,
			  el3.components[0].measurement);
	if (rc)
		goto fail;
	el3.num_components = 1;
	if (rmm_boot) {
		el3.components[1].type = "RMM";
		rc = measure_code(__start_caec_rmm_text, __stop_caec_rmm_text,
				  (const void *)rmm_boot, el3.components[1].measurement);
		if (rc)
			goto fail;
		el3.num_components = 2;
	}
	el3.ready = true;
	return 0;
fail:
	hostsim_attest_stop();
	return rc;
}

void hostsim_attest_stop(void)
{
	memset(&el3, 0, sizeof(el3));
	hostsim_attest_keys_stop();
}

static void put_claims(struct cbor_enc *e, const uint8_t *challenge, size_t challenge_len)
{
	/* Keys in deterministic order: 10, 256, 265, 2395, 2396, 2399..2402. */
	cbor_enc_map(e, 9);
	cbor_enc_uint(e, CLAIM_CHALLENGE);
	cbor_enc_bstr(e, challenge, challenge_len);
	cbor_enc_uint(e, CLAIM_INSTANCE_ID);
	cbor_enc_bstr(e, el3.instance_id, sizeof(el3.instance_id));
	cbor_enc_uint(e, CLAIM_PROFILE);
	cbor_enc_cstr(e, PLAT_PROFILE);
	cbor_enc_uint(e, CLAIM_LIFECYCLE);
	cbor_enc_uint(e, LIFECYCLE_PSA_ROT_DEBUG);
	cbor_enc_uint(e, CLAIM_IMPL_ID);
	cbor_enc_bstr(e, el3.impl_id, sizeof(el3.impl_id));
	cbor_enc_uint(e, CLAIM_SW_COMPONENTS);
	cbor_enc_array(e, el3.num_components);
	for (unsigned i = 0; i < el3.num_components; i++) {
		cbor_enc_map(e, 5);
		cbor_enc_uint(e, SWC_TYPE);
		cbor_enc_cstr(e, el3.components[i].type);
		cbor_enc_uint(e, SWC_MEAS);
		cbor_enc_bstr(e, el3.components[i].measurement, 32);
		cbor_enc_uint(e, SWC_VERSION);
		cbor_enc_cstr(e, FIRMWARE_VERSION);
		cbor_enc_uint(e, SWC_SIGNER);
		cbor_enc_bstr(e, el3.signer_id, sizeof(el3.signer_id));
		cbor_enc_uint(e, SWC_HASH_ALG);
		cbor_enc_cstr(e, "sha-256");
	}
	cbor_enc_uint(e, CLAIM_VERIFICATION);
	cbor_enc_cstr(e, VERIFICATION_SERVICE);
	cbor_enc_uint(e, CLAIM_CONFIG);
	cbor_enc_bstr(e, el3.config, sizeof(el3.config));
	cbor_enc_uint(e, CLAIM_HASH_ALG);
	cbor_enc_cstr(e, "sha-256");
}

/* {1: -35}: alg ES384 */
static const uint8_t protected_es384[] = { 0xa1, 0x01, 0x38, 0x22 };

int hostsim_plat_token_build(const uint8_t *challenge, size_t challenge_len, uint8_t *buf,
			     size_t cap, size_t *len)
{
	struct cbor_enc count, e;
	uint8_t digest[48], sig[HOSTSIM_ES384_SIG_SIZE];
	size_t payload_len;
	EVP_MD_CTX *md;
	bool ok;

	if (challenge_len != 32 && challenge_len != 48 && challenge_len != 64)
		return -EINVAL;
	if (!el3.ready)
		return -ENODEV;
	cbor_enc_init(&count, NULL, 0);
	put_claims(&count, challenge, challenge_len);
	payload_len = count.len;

	/* Sig_structure = ["Signature1", protected, h'', payload], hashed as it
	 * is encoded: the payload is encoded straight into the hash. */
	uint8_t head[64];
	cbor_enc_init(&e, head, sizeof(head));
	cbor_enc_array(&e, 4);
	cbor_enc_cstr(&e, "Signature1");
	cbor_enc_bstr(&e, protected_es384, sizeof(protected_es384));
	cbor_enc_bstr(&e, NULL, 0);
	cbor_enc_head(&e, CBOR_MAJOR_BSTR, payload_len);
	uint8_t *payload = malloc(payload_len);
	if (!payload)
		return -ENOMEM;
	struct cbor_enc pe;
	cbor_enc_init(&pe, payload, payload_len);
	put_claims(&pe, challenge, challenge_len);
	md = EVP_MD_CTX_new();
	ok = md && cbor_enc_ok(&e) && cbor_enc_ok(&pe) &&
	     EVP_DigestInit_ex(md, EVP_sha384(), NULL) == 1 &&
	     EVP_DigestUpdate(md, head, e.len) == 1 &&
	     EVP_DigestUpdate(md, payload, payload_len) == 1 &&
	     EVP_DigestFinal_ex(md, digest, NULL) == 1 && hostsim_attest_cpak_sign(digest, sig);
	EVP_MD_CTX_free(md);
	if (!ok) {
		free(payload);
		return -EIO;
	}

	/* 18([protected, {}, payload, signature]) */
	cbor_enc_init(&e, buf, cap);
	cbor_enc_tag(&e, COSE_TAG_SIGN1);
	cbor_enc_array(&e, 4);
	cbor_enc_bstr(&e, protected_es384, sizeof(protected_es384));
	cbor_enc_map(&e, 0);
	cbor_enc_bstr(&e, payload, payload_len);
	cbor_enc_bstr(&e, sig, sizeof(sig));
	free(payload);
	*len = e.len;
	return cbor_enc_ok(&e) ? 0 : -ENOSPC;
}

/* Every granule of [pa, pa + size) is in DRAM and in the Realm PAS. */
static uint64_t realm_buffer_check(uint64_t pa, uint64_t size)
{
	if (size == 0 || !hostsim_dram_range_ok(pa, size))
		return E_RMM_BAD_ADDR;
	for (uint64_t g = pa >> PLAT_GRANULE_SHIFT; g <= (pa + size - 1) >> PLAT_GRANULE_SHIFT; g++)
		if (hostsim_gpt_entry_pas(g) != HOSTSIM_PAS_REALM)
			return E_RMM_BAD_PAS;
	return E_RMM_OK;
}

void hostsim_el3_get_plat_token(struct smc_regs *regs)
{
	uint64_t pa = regs->x[1], size = regs->x[2], challenge_len = regs->x[3];
	uint8_t challenge[64];
	size_t len = 0;
	uint64_t status;
	int rc;

	regs->x[1] = 0;
	status = realm_buffer_check(pa, size);
	if (status != E_RMM_OK) {
		regs->x[0] = status;
		return;
	}
	if (challenge_len > sizeof(challenge) || challenge_len > size) {
		regs->x[0] = E_RMM_INVAL;
		return;
	}
	/* The monitor owns the buffer while it waits for EL3: no lock needed. */
	uint8_t *va = hostsim_dram_monitor_ptr(pa);
	memcpy(challenge, va, challenge_len);
	rc = hostsim_plat_token_build(challenge, challenge_len, va, size, &len);
	switch (rc) {
	case 0:
		regs->x[0] = E_RMM_OK;
		regs->x[1] = len;
		break;
	case -ENOSPC:
		regs->x[0] = E_RMM_NOMEM;
		regs->x[1] = len;
		break;
	case -EINVAL:
		regs->x[0] = E_RMM_INVAL;
		break;
	default:
		regs->x[0] = E_RMM_UNK;
		break;
	}
}

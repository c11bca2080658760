/*
 * Attestation: RSI_ATTEST_TOKEN_INIT / RSI_ATTEST_TOKEN_CONTINUE.
 *
 * A realm asks for a CCA attestation token bound to a 64-byte challenge of
 * its choosing. INIT builds the whole token at once: the platform token comes
 * from EL3 (RMM_GET_PLAT_TOKEN, challenge = SHA-256 of the RAK public key
 * claim), the realm token (claims of this REC's realm, COSE_Sign1 ES384) is
 * signed by the RAK through plat_rak_sign(), and both are wrapped in the CCA
 * collection: CBOR tag 907 with each token as [263, bstr], or, for relying
 * parties of RMM 1.0-rel0, the collection that release's reference monitor
 * emits, tag 399 with each token a plain bstr. Only the wrapping differs: the
 * realm token (profile claim, RAK as a COSE_Key) is the same in both, and
 * the platform chooses the form (plat_attest_token_format). The token bytes
 * live in the REC's first auxiliary granule, which belongs to attestation alone;
 * only the small bookkeeping struct rec_attest sits in the REC itself.
 * CONTINUE then copies the next chunk into a realm granule, returning
 * RSI_INCOMPLETE until the last byte is out. A new INIT restarts.
 *
 * The RSI dispatcher (rsi.c) calls the two handlers with the REC it runs (the
 * REC is held: refcount 1, nobody else touches it or its aux granules) and
 * the realm's X0..X17, like every RSI handler (rsi_handlers.h).
 */
#ifndef RMM_ATTEST_H
#define RMM_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/caec.h"
#include "abi/smc.h"
#include "plat/plat.h"

struct rec;

/* Per-REC attestation bookkeeping, embedded in struct rec (zero = idle). */
struct rec_attest {
	uint32_t state;     /* ATTEST_STATE_* */
	uint32_t pad;
	uint64_t token_len; /* bytes of the token in the aux granule */
	uint64_t copied;    /* bytes already handed out by CONTINUE */
};

#define ATTEST_STATE_IDLE  0u /* no INIT yet (or the last token was fully read) */
#define ATTEST_STATE_READY 1u /* a token is built; CONTINUE hands it out */

/* The RSI handlers, rsi_attest_token_init / rsi_attest_token_continue, are
 * declared with the other RSI commands in rsi_handlers.h (attest_rsi.c). */

/* ---- The token builder (attest_token.c), exposed for unit tests ---------- */

#define ATTEST_CHALLENGE_SIZE 64
#define ATTEST_SLOT_SIZE      64
#define ATTEST_NUM_REMS       4
/* Largest raw claim 44237: a COSE_Key with two 48-byte coordinates. */
#define ATTEST_RAK_CLAIM_MAX  112
/* The largest token: it is kept in this many of a REC's aux granules. A
 * SHA-512 realm that owns or maps CSM_MAX_REGIONS regions needs more than
 * one granule (the claims of each region alone are about 260 bytes). */
#define ATTEST_TOKEN_GRANULES 2u

/* What the realm token says about a realm, copied out of its RD. */
struct attest_realm_state {
	uint32_t hash_algo;                    /* RMI_HASH_SHA_256 / RMI_HASH_SHA_512 */
	uint8_t rim[ATTEST_SLOT_SIZE];
	uint8_t rem[ATTEST_NUM_REMS][ATTEST_SLOT_SIZE];
	uint8_t rpv[ATTEST_SLOT_SIZE];
	uint8_t realm_id[CAEC_REALM_ID_SIZE]; /* claim 65001 */
	uint64_t caec_flags;                  /* claim 65004 */
	bool has_policy;                      /* claim 65003, once a policy is set */
	uint8_t policy_digest[ATTEST_SLOT_SIZE];
	/* Claim 65002 (attest_csm.c): the regions the realm owns or maps, their
	 * CSMDs locked while the token is built. */
	uint64_t rd_pa;
	unsigned num_regions;
	struct attest_region {
		uint64_t csm_id, csmd_pa;
		bool owner;
		struct granule *g;
	} regions[CSM_MAX_REGIONS];
};

struct rd;
struct cbor_enc;
/* attest_csm.c: the realm's region references (RD locked); then the
 * regions still valid, locked; the claim; the locks given back. */
void attest_regions_snapshot(const struct rd *rd, uint64_t rd_pa, struct attest_realm_state *st);
void attest_regions_lock(struct attest_realm_state *st);
void attest_regions_unlock(struct attest_realm_state *st);
/* Key 65002 and its array; false if hashing failed. */
bool attest_put_regions(struct cbor_enc *e, const struct attest_realm_state *st);

/* The raw bytes of claim 44237 for the platform's RAK: the COSE_Key
 * {1: 2 (EC2), -1: 2 (P-384), -2: x, -3: y}, in either collection form.
 * False without a RAK. */
bool attest_rak_claim(uint8_t out[ATTEST_RAK_CLAIM_MAX], size_t *len);

/* The realm token, a COSE_Sign1 signed by the RAK, into buf. False when it
 * does not fit (*len = the size it needs), the hash algorithm is unknown or
 * the platform fails to hash or sign (*len = 0). */
bool attest_realm_token_build(const struct attest_realm_state *st,
			      const uint8_t challenge[ATTEST_CHALLENGE_SIZE],
			      const uint8_t *rak_claim, size_t rak_claim_len, uint8_t *buf,
			      size_t cap, size_t *len);

/* The whole token: the platform token from EL3 (challenge = SHA-256 of the
 * raw claim 44237) and the realm token, in the collection of the platform's
 * format, into buf[0..cap). EL3 writes the platform token into el3_buf, which
 * is DRAM in the Realm PAS at physical address el3_pa with room for el3_cap
 * bytes; it may overlap buf (the token is moved into place). False, *len = 0,
 * on any failure. */
bool attest_token_build(const struct attest_realm_state *st,
			const uint8_t challenge[ATTEST_CHALLENGE_SIZE], uint8_t *buf, size_t cap,
			uint8_t *el3_buf, uint64_t el3_pa, size_t el3_cap, size_t *len);

#endif

/*
 * A CCA attestation token: the collection of a platform token and a realm
 * token, and its verification (spec/rmm-abi.md, "Attestation token").
 *
 * The collection is CBOR tag 907 around {44234: [263, platform COSE_Sign1],
 * 44241: [263, realm COSE_Sign1]} or, legacy, tag 399 with bare bstrs. The
 * platform token is signed by the platform key the relying party trusts; it
 * vouches for the realm attestation key (RAK) through its challenge, the
 * "binder" = H_{44240}(raw bytes of claim 44237); the RAK signs the realm
 * token, whose challenge is the relying party's nonce.
 *
 * cca_token_verify runs the checks in this order and stops at the first
 * failure, naming it in struct verify_result:
 *   collection, platform-token, platform-signature, platform-claims,
 *   realm-token, realm-claims, realm-key, realm-signature, binder, nonce.
 * Appraisal against reference values is separate (verify/appraise.h).
 */
#ifndef CAEC_VERIFY_TOKEN_H
#define CAEC_VERIFY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verify/claims.h"
#include "verify/cose.h"
#include "verify/result.h"

#define CCA_TAG_COLLECTION        907
#define CCA_TAG_COLLECTION_LEGACY 399
#define CCA_COLLECTION_PLATFORM   44234
#define CCA_COLLECTION_REALM      44241
#define CCA_CONTENT_FORMAT_SIGN1  263 /* application/eat+cwt, cose-sign1 */

struct cca_token {
	uint64_t tag; /* 907 or 399 */
	struct cca_bytes platform_raw; /* the platform COSE_Sign1 bytes */
	struct cca_bytes realm_raw;
	struct cose_sign1 platform;
	struct cose_sign1 realm;
	struct cca_platform_claims platform_claims;
	struct cca_realm_claims realm_claims;
};

struct verify_options {
	EVP_PKEY *const *platform_keys; /* any one of them may sign the platform token */
	size_t num_platform_keys;
	const uint8_t *nonce; /* expected realm challenge; NULL: not checked */
	size_t nonce_len;
	bool strict; /* refuse unknown claims */
};

/* Only the collection: tag and the two COSE_Sign1 byte strings. */
int cca_token_decode_collection(const uint8_t *buf, size_t len, bool strict,
				struct cca_token *tok, struct verify_result *res);
/* Collection, both COSE_Sign1 and both claims maps; no signature is checked. */
int cca_token_decode(const uint8_t *buf, size_t len, bool strict, struct cca_token *tok,
		     struct verify_result *res);
/* Every check; 0 when the token is valid, else -EBADMSG with res set. */
int cca_token_verify(const uint8_t *buf, size_t len, const struct verify_options *opts,
		     struct cca_token *tok, struct verify_result *res);

/* H_alg(data) into out (64 bytes); returns the digest size or 0. */
size_t cca_hash(enum cca_hash_alg alg, const void *data, size_t len, uint8_t out[64]);

#endif

/*
 * The model owner's key-release service (abi/caec_model.h, "Key release"):
 * it answers an llm realm's request with the sealed model's key wrapped to
 * the realm's X25519 key, and only when the realm's token verifies under a
 * trusted platform key, is bound to that X25519 key and this service's
 * nonce, and names a RIM and a policy digest (claim 65003) the owner
 * expects. Everything else is refused with the reason for the operator.
 */
#ifndef CAEC_VERIFY_KEY_RELEASE_H
#define CAEC_VERIFY_KEY_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "abi/caec_model.h"

#define KEY_RELEASE_WHY_MAX 256
#define KEY_RELEASE_MAX_RIMS 8

struct key_release_rim {
	uint8_t value[64];
	size_t len; /* 32, 48 or 64 */
};

struct key_release_policy {
	EVP_PKEY *const *platform_keys; /* any one may sign the platform token */
	size_t num_platform_keys;
	struct key_release_rim rims[KEY_RELEASE_MAX_RIMS]; /* the llm realms the owner accepts */
	size_t num_rims;
	uint8_t policy_digest[64]; /* the policy the realm must run under */
	size_t policy_digest_len;  /* 32 or 64; 0 refuses every request */
	uint8_t model_key[CAEC_MODEL_KEY_SIZE];
};

/* Answers req[0..len) for the nonce this service sent: 0 and the response
 * in resp, or -EBADMSG (malformed request), -EACCES (refused: token, RIM,
 * policy), -EIO (a crypto failure), each with why. */
int key_release_answer(const struct key_release_policy *p, const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
		       const uint8_t *req, size_t len, uint8_t resp[CAEC_KEY_RESPONSE_SIZE],
		       char why[KEY_RELEASE_WHY_MAX]);

/* The challenge a request's token must carry: SHA-512(label || pub || nonce). */
void key_release_challenge(const uint8_t pub[CAEC_KEY_X25519_SIZE], const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
			   uint8_t challenge[64]);

#endif

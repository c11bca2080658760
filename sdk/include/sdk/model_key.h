/*
 * The llm realm's side of key release (abi/caec_model.h, "Key release"):
 * it binds a fresh X25519 key into its attestation token, sends the token
 * and the key to the model owner's service, and unwraps the model key the
 * service answers with. BearSSL; the private key never leaves the realm and
 * is wiped once the answer is opened (or refused).
 */
#ifndef CAEC_SDK_MODEL_KEY_H
#define CAEC_SDK_MODEL_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "abi/caec_model.h"

#define MODEL_KEY_EINVAL (-1) /* a bad argument, or no room */
#define MODEL_KEY_EREPLY (-2) /* the answer is not one for this request, or not the expected key */

struct model_key_request {
	uint8_t priv[CAEC_KEY_X25519_SIZE];
	uint8_t pub[CAEC_KEY_X25519_SIZE];
	uint8_t nonce[CAEC_KEY_NONCE_SIZE];
};

/* A request for the service's nonce: the key pair from seed (32 random
 * bytes), and the challenge the realm's token must carry. */
int model_key_request_begin(struct model_key_request *r, const uint8_t nonce[CAEC_KEY_NONCE_SIZE],
			    const uint8_t seed[CAEC_KEY_X25519_SIZE], uint8_t challenge[64]);

/* The request message with the realm's token: its length, or 0 when it does
 * not fit cap (CAEC_KEY_REQUEST_HEADER + token_len bytes). */
size_t model_key_request_encode(const struct model_key_request *r, const uint8_t *token, size_t token_len,
				uint8_t *out, size_t cap);

/* Opens the service's answer: the model key, which must be the key whose ID
 * is key_id (the sealed file's header; NULL: any). 0 or MODEL_KEY_EREPLY
 * (key then all zero). The request's private key is wiped either way. */
int model_key_accept(struct model_key_request *r, const uint8_t *resp, size_t len,
		     const uint8_t key_id[CAEC_MODEL_ID_SIZE], uint8_t key[CAEC_MODEL_KEY_SIZE]);

#endif

/*
 * Opening a sealed model (abi/caec_model.h) inside a realm: the llm realm
 * gets the owner's key from the key-release service and decrypts the
 * sealed bytes the host handed it, chunk by chunk, into memory the host
 * cannot read (its own RAM or a CSM region), so plaintext weights never
 * pass through host-visible memory. BearSSL's AES-256-GCM (AES-NI and
 * PCLMULQDQ where the CPU has them, constant-time portable code otherwise).
 *
 * A chunk that does not authenticate leaves zeros where its plaintext would
 * have gone, and the whole unseal fails: a realm never runs on weights the
 * owner did not seal.
 */
#ifndef CAEC_SDK_MODEL_UNSEAL_H
#define CAEC_SDK_MODEL_UNSEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/caec_model.h"

#define MODEL_SEAL_EFORMAT (-1) /* not a sealed model, or a header this version does not know */
#define MODEL_SEAL_EKEY    (-2) /* the key is not the one the file was sealed with */
#define MODEL_SEAL_EAUTH   (-3) /* a chunk does not authenticate: changed, moved or cut */
#define MODEL_SEAL_ESIZE   (-4) /* the bytes are not the size the header says, or no room */

/* What a header says (checked: magic, version, chunk size, reserved zero). */
struct model_sealed_info {
	uint32_t chunk_size;
	uint64_t plain_size;
	uint64_t num_chunks;
	uint64_t sealed_size; /* header + every chunk and tag */
	uint8_t file_id[CAEC_MODEL_ID_SIZE];
	uint8_t key_id[CAEC_MODEL_ID_SIZE];
};

int model_sealed_header(const void *header, size_t len, struct model_sealed_info *out);

/* The key ID a key gives (the header's key_id for the right key). */
void model_key_id(const uint8_t key[CAEC_MODEL_KEY_SIZE], uint8_t id[CAEC_MODEL_ID_SIZE]);

/* Chunk-by-chunk opening, for callers that receive the file in pieces. */
struct model_unsealer {
	uint64_t gcm[32];      /* br_gcm_context */
	uint64_t aes_keys[64]; /* br_aes_gen_ctr_keys */
	uint8_t header[CAEC_MODEL_HEADER_SIZE];
	struct model_sealed_info info;
	uint64_t next; /* the chunk expected next */
};

/* Checks the header and that key is its key. 0 or MODEL_SEAL_E*. */
int model_unseal_init(struct model_unsealer *u, const uint8_t key[CAEC_MODEL_KEY_SIZE], const void *header,
		      size_t len);
/* Plaintext bytes of chunk i. */
size_t model_unseal_chunk_plain(const struct model_unsealer *u, uint64_t i);
/* Opens chunk u->next: in[0..in_len) is its ciphertext and tag, out gets its
 * model_unseal_chunk_plain bytes (out may equal in). 0, or MODEL_SEAL_EAUTH
 * (out zeroed) or MODEL_SEAL_ESIZE; the unsealer then refuses further chunks. */
int model_unseal_chunk(struct model_unsealer *u, const void *in, size_t in_len, void *out);
/* Whether every chunk was opened. */
bool model_unseal_done(const struct model_unsealer *u);
void model_unseal_wipe(struct model_unsealer *u);

/* The whole file sealed[0..len) into out[0..cap): *plain_len bytes. progress
 * (may be NULL) after each chunk. On failure out[0..cap) holds no plaintext. */
int model_unseal(const uint8_t key[CAEC_MODEL_KEY_SIZE], const void *sealed, size_t len, void *out, size_t cap,
		 size_t *plain_len, void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

const char *model_seal_strerror(int err);

#endif

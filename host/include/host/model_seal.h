/*
 * Sealing a model file for GuaranTEE-style private ML (abi/caec_model.h
 * gives the format): what the model owner runs (`caec model seal`), and the
 * owner's own check that a sealed file opens (`caec model unseal`). OpenSSL's
 * AES-256-GCM, streaming one chunk at a time, so a model of several GiB
 * needs two chunks of memory. The realm opens the file with its own code
 * (sdk/model_unseal.h, BearSSL); the tests check the two agree.
 */
#ifndef CAEC_HOST_MODEL_SEAL_H
#define CAEC_HOST_MODEL_SEAL_H

#include <stdint.h>
#include <stdio.h>

#include "abi/caec_model.h"

/* Called after each chunk: plaintext bytes done of total. */
typedef void (*model_seal_progress)(void *ctx, uint64_t done, uint64_t total);

/* Seals size bytes read from in into out under key, with chunk_size (a power
 * of two in [CAEC_MODEL_CHUNK_MIN, CAEC_MODEL_CHUNK_MAX]) and a fresh random
 * file ID. 0, or -1 with one line in err (what failed: a read, a write, the
 * input shorter than size). */
int model_seal_stream(FILE *in, uint64_t size, FILE *out, const uint8_t key[CAEC_MODEL_KEY_SIZE],
		      uint32_t chunk_size, model_seal_progress progress, void *ctx, char *err, size_t err_size);

/* Opens a sealed stream into out (when non-NULL; NULL only checks it). 0, or
 * -1 with the reason in err; what was written before a failing chunk is the
 * caller's to discard. *plain_size (when non-NULL) gets the header's size. */
int model_unseal_stream(FILE *in, FILE *out, const uint8_t key[CAEC_MODEL_KEY_SIZE], model_seal_progress progress,
			void *ctx, uint64_t *plain_size, char *err, size_t err_size);

/* What a sealed file's header says, once checked (magic, version, chunk
 * size, reserved bytes zero). */
struct model_seal_header {
	uint32_t chunk_size;
	uint64_t plain_size, num_chunks, sealed_size;
	const uint8_t *file_id, *key_id; /* CAEC_MODEL_ID_SIZE bytes in the header */
};

/* Checks header[0..CAEC_MODEL_HEADER_SIZE). 0, or -1 with the reason in err. */
int model_seal_header_read(const uint8_t *header, struct model_seal_header *out, char *err, size_t err_size);

/* The key ID of a key (the header's key_id). */
void model_seal_key_id(const uint8_t key[CAEC_MODEL_KEY_SIZE], uint8_t id[CAEC_MODEL_ID_SIZE]);

#endif

/* Sealing and opening model files with OpenSSL (host/model_seal.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "host/model_seal.h"

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void model_seal_key_id(const uint8_t key[CAEC_MODEL_KEY_SIZE], uint8_t id[CAEC_MODEL_ID_SIZE])
{
	uint8_t d[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, CAEC_MODEL_KEY_ID_LABEL, strlen(CAEC_MODEL_KEY_ID_LABEL)) != 1 ||
	    EVP_DigestUpdate(md, key, CAEC_MODEL_KEY_SIZE) != 1 || EVP_DigestFinal_ex(md, d, NULL) != 1)
		abort(); /* SHA-256 of a few bytes cannot fail but for lack of memory */
	EVP_MD_CTX_free(md);
	memcpy(id, d, CAEC_MODEL_ID_SIZE);
}

/* The file key (abi/caec_model.h). */
static bool file_key(const uint8_t key[CAEC_MODEL_KEY_SIZE], const uint8_t *file_id, uint8_t out[32])
{
	uint8_t msg[sizeof(CAEC_MODEL_FILE_KEY_LABEL) - 1 + CAEC_MODEL_ID_SIZE];
	unsigned len = 0;

	memcpy(msg, CAEC_MODEL_FILE_KEY_LABEL, sizeof(CAEC_MODEL_FILE_KEY_LABEL) - 1);
	memcpy(msg + sizeof(CAEC_MODEL_FILE_KEY_LABEL) - 1, file_id, CAEC_MODEL_ID_SIZE);
	return HMAC(EVP_sha256(), key, CAEC_MODEL_KEY_SIZE, msg, sizeof(msg), out, &len) && len == 32;
}

static uint64_t num_chunks(uint64_t plain, uint32_t chunk)
{
	return plain == 0 ? 1 : plain / chunk + (plain % chunk != 0);
}

/* One chunk through GCM: seal (tag out) or open (tag checked). */
static bool gcm_chunk(EVP_CIPHER_CTX *c, const uint8_t fkey[32], bool seal, const uint8_t *header, uint64_t i,
		      bool last, uint8_t *buf, size_t n, uint8_t tag[CAEC_MODEL_TAG_SIZE])
{
	uint8_t nonce[12] = { 0 }, tail[9];
	int len;

	put_le64(nonce, i);
	put_le64(tail, i);
	tail[8] = last;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, fkey, nonce, seal) != 1 ||
	    EVP_CipherUpdate(c, NULL, &len, header, CAEC_MODEL_HEADER_SIZE) != 1 ||
	    EVP_CipherUpdate(c, NULL, &len, tail, sizeof(tail)) != 1)
		return false;
	if (n > 0 && EVP_CipherUpdate(c, buf, &len, buf, (int)n) != 1)
		return false;
	if (!seal && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, CAEC_MODEL_TAG_SIZE, tag) != 1)
		return false;
	if (EVP_CipherFinal_ex(c, buf + n, &len) != 1)
		return false;
	return !seal || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, CAEC_MODEL_TAG_SIZE, tag) == 1;
}

int model_seal_header_read(const uint8_t *header, struct model_seal_header *out, char *err, size_t err_size)
{
	if (memcmp(header, CAEC_MODEL_MAGIC, 8) != 0)
		return fail(err, err_size, "not a sealed model (no CAECMDL header)");
	uint32_t version = (uint32_t)le(header + CAEC_MODEL_OFF_VERSION, 4);
	uint32_t chunk = (uint32_t)le(header + CAEC_MODEL_OFF_CHUNK_SIZE, 4);
	uint64_t size = le(header + CAEC_MODEL_OFF_PLAIN_SIZE, 8);
	if (version != CAEC_MODEL_VERSION)
		return fail(err, err_size, "sealed model version %u (this build reads %u)", version, CAEC_MODEL_VERSION);
	bool reserved_zero = true;
	for (unsigned i = CAEC_MODEL_OFF_RESERVED; i < CAEC_MODEL_HEADER_SIZE; i++)
		reserved_zero &= header[i] == 0;
	if (chunk < CAEC_MODEL_CHUNK_MIN || chunk > CAEC_MODEL_CHUNK_MAX || (chunk & (chunk - 1)) || !reserved_zero ||
	    size > UINT64_MAX / 2)
		return fail(err, err_size, "the sealed model's header is malformed");
	uint64_t n = num_chunks(size, chunk);
	*out = (struct model_seal_header){ chunk, size, n, CAEC_MODEL_HEADER_SIZE + size + n * CAEC_MODEL_TAG_SIZE,
					   header + CAEC_MODEL_OFF_FILE_ID, header + CAEC_MODEL_OFF_KEY_ID };
	return 0;
}

int model_seal_stream(FILE *in, uint64_t size, FILE *out, const uint8_t key[CAEC_MODEL_KEY_SIZE],
		      uint32_t chunk_size, model_seal_progress progress, void *ctx, char *err, size_t err_size)
{
	uint8_t header[CAEC_MODEL_HEADER_SIZE] = { 0 }, fkey[32], tag[CAEC_MODEL_TAG_SIZE];
	int rc = -1;

	if (chunk_size < CAEC_MODEL_CHUNK_MIN || chunk_size > CAEC_MODEL_CHUNK_MAX || (chunk_size & (chunk_size - 1)))
		return fail(err, err_size, "the chunk size %u is not a power of two from %u to %u", chunk_size,
			    CAEC_MODEL_CHUNK_MIN, CAEC_MODEL_CHUNK_MAX);
	memcpy(header, CAEC_MODEL_MAGIC, 8);
	put_le32(header + CAEC_MODEL_OFF_VERSION, CAEC_MODEL_VERSION);
	put_le32(header + CAEC_MODEL_OFF_CHUNK_SIZE, chunk_size);
	put_le64(header + CAEC_MODEL_OFF_PLAIN_SIZE, size);
	if (RAND_bytes(header + CAEC_MODEL_OFF_FILE_ID, CAEC_MODEL_ID_SIZE) != 1)
		return fail(err, err_size, "no random bytes for the file ID");
	model_seal_key_id(key, header + CAEC_MODEL_OFF_KEY_ID);
	uint8_t *buf = malloc((size_t)chunk_size + 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!buf || !c) {
		fail(err, err_size, "out of memory");
		goto out;
	}
	if (!file_key(key, header + CAEC_MODEL_OFF_FILE_ID, fkey)) {
		fail(err, err_size, "HMAC-SHA256 failed");
		goto out;
	}
	if (fwrite(header, 1, sizeof(header), out) != sizeof(header)) {
		fail(err, err_size, "writing the header: %s", ferror(out) ? "write error" : "short write");
		goto out;
	}
	uint64_t n = num_chunks(size, chunk_size), done = 0;
	for (uint64_t i = 0; i < n; i++) {
		size_t len = (size_t)(i + 1 < n ? chunk_size : size - done);
		if (len && fread(buf, 1, len, in) != len) {
			fail(err, err_size, "the model ended after %llu of %llu bytes",
			     (unsigned long long)done, (unsigned long long)size);
			goto out;
		}
		if (!gcm_chunk(c, fkey, true, header, i, i + 1 == n, buf, len, tag)) {
			fail(err, err_size, "AES-256-GCM failed on chunk %llu", (unsigned long long)i);
			goto out;
		}
		if (fwrite(buf, 1, len, out) != len || fwrite(tag, 1, sizeof(tag), out) != sizeof(tag)) {
			fail(err, err_size, "writing chunk %llu failed", (unsigned long long)i);
			goto out;
		}
		done += len;
		if (progress)
			progress(ctx, done, size);
	}
	if (fgetc(in) != EOF) {
		fail(err, err_size, "the model is longer than its %llu bytes", (unsigned long long)size);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(fkey, sizeof(fkey));
	if (buf)
		OPENSSL_cleanse(buf, (size_t)chunk_size + 16);
	free(buf);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int model_unseal_stream(FILE *in, FILE *out, const uint8_t key[CAEC_MODEL_KEY_SIZE], model_seal_progress progress,
			void *ctx, uint64_t *plain_size, char *err, size_t err_size)
{
	uint8_t header[CAEC_MODEL_HEADER_SIZE], id[CAEC_MODEL_ID_SIZE], fkey[32], tag[CAEC_MODEL_TAG_SIZE];
	int rc = -1;

	struct model_seal_header h;
	if (fread(header, 1, sizeof(header), in) != sizeof(header))
		return fail(err, err_size, "not a sealed model (no CAECMDL header)");
	if (model_seal_header_read(header, &h, err, err_size) != 0)
		return -1;
	uint32_t chunk = h.chunk_size;
	uint64_t size = h.plain_size;
	if (plain_size)
		*plain_size = size;
	model_seal_key_id(key, id);
	if (CRYPTO_memcmp(id, header + CAEC_MODEL_OFF_KEY_ID, sizeof(id)) != 0)
		return fail(err, err_size, "the key is not the one the model was sealed with");
	uint8_t *buf = malloc((size_t)chunk + 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!buf || !c || !file_key(key, header + CAEC_MODEL_OFF_FILE_ID, fkey)) {
		fail(err, err_size, "out of memory");
		goto out;
	}
	uint64_t n = h.num_chunks, done = 0;
	for (uint64_t i = 0; i < n; i++) {
		size_t len = (size_t)(i + 1 < n ? chunk : size - done);
		if ((len && fread(buf, 1, len, in) != len) || fread(tag, 1, sizeof(tag), in) != sizeof(tag)) {
			fail(err, err_size, "the sealed model is cut short in chunk %llu of %llu", (unsigned long long)i,
			     (unsigned long long)n);
			goto out;
		}
		if (!gcm_chunk(c, fkey, false, header, i, i + 1 == n, buf, len, tag)) {
			OPENSSL_cleanse(buf, len);
			fail(err, err_size, "chunk %llu does not authenticate: the sealed model was changed", (unsigned long long)i);
			goto out;
		}
		if (out && fwrite(buf, 1, len, out) != len) {
			fail(err, err_size, "writing the model failed");
			goto out;
		}
		done += len;
		if (progress)
			progress(ctx, done, size);
	}
	if (fgetc(in) != EOF) {
		fail(err, err_size, "bytes follow the sealed model's last chunk");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(fkey, sizeof(fkey));
	if (buf)
		OPENSSL_cleanse(buf, (size_t)chunk + 16);
	free(buf);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

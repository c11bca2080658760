/* Opening a sealed model with BearSSL (sdk/model_unseal.h). */
#include <bearssl.h>

#include "gcm_init.h"

#include "sdk/model_unseal.h"

_Static_assert(sizeof(((struct model_unsealer *)0)->gcm) >= sizeof(br_gcm_context), "GCM room");
_Static_assert(sizeof(((struct model_unsealer *)0)->aes_keys) >= sizeof(br_aes_gen_ctr_keys), "AES room");

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Constant-time comparison: a key ID is derived from a secret. */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int model_sealed_header(const void *header, size_t len, struct model_sealed_info *out)
{
	const uint8_t *h = header;

	if (!h || len < CAEC_MODEL_HEADER_SIZE || __builtin_memcmp(h, CAEC_MODEL_MAGIC, 8) != 0 ||
	    le32(h + CAEC_MODEL_OFF_VERSION) != CAEC_MODEL_VERSION)
		return MODEL_SEAL_EFORMAT;
	uint32_t chunk = le32(h + CAEC_MODEL_OFF_CHUNK_SIZE);
	if (chunk < CAEC_MODEL_CHUNK_MIN || chunk > CAEC_MODEL_CHUNK_MAX || (chunk & (chunk - 1)) != 0)
		return MODEL_SEAL_EFORMAT;
	for (unsigned i = CAEC_MODEL_OFF_RESERVED; i < CAEC_MODEL_HEADER_SIZE; i++)
		if (h[i] != 0)
			return MODEL_SEAL_EFORMAT;
	uint64_t plain = le64(h + CAEC_MODEL_OFF_PLAIN_SIZE);
	uint64_t n = plain == 0 ? 1 : plain / chunk + (plain % chunk != 0);
	/* header + plain + n tags must fit 64 bits (n <= plain / 4096 + 1 keeps it far) */
	if (plain > UINT64_MAX / 2)
		return MODEL_SEAL_EFORMAT;
	*out = (struct model_sealed_info){ .chunk_size = chunk, .plain_size = plain, .num_chunks = n,
					   .sealed_size = CAEC_MODEL_HEADER_SIZE + plain + n * CAEC_MODEL_TAG_SIZE };
	__builtin_memcpy(out->file_id, h + CAEC_MODEL_OFF_FILE_ID, CAEC_MODEL_ID_SIZE);
	__builtin_memcpy(out->key_id, h + CAEC_MODEL_OFF_KEY_ID, CAEC_MODEL_ID_SIZE);
	return 0;
}

void model_key_id(const uint8_t key[CAEC_MODEL_KEY_SIZE], uint8_t id[CAEC_MODEL_ID_SIZE])
{
	br_sha256_context h;
	uint8_t d[32];

	br_sha256_init(&h);
	br_sha256_update(&h, CAEC_MODEL_KEY_ID_LABEL, sizeof(CAEC_MODEL_KEY_ID_LABEL) - 1);
	br_sha256_update(&h, key, CAEC_MODEL_KEY_SIZE);
	br_sha256_out(&h, d);
	__builtin_memcpy(id, d, CAEC_MODEL_ID_SIZE);
}

int model_unseal_init(struct model_unsealer *u, const uint8_t key[CAEC_MODEL_KEY_SIZE], const void *header,
		      size_t len)
{
	uint8_t id[CAEC_MODEL_ID_SIZE], file_key[32];
	int r;

	__builtin_memset(u, 0, sizeof(*u));
	if ((r = model_sealed_header(header, len, &u->info)) != 0)
		return r;
	model_key_id(key, id);
	if (!same(id, u->info.key_id, sizeof(id)))
		return MODEL_SEAL_EKEY;
	__builtin_memcpy(u->header, header, CAEC_MODEL_HEADER_SIZE);

	br_hmac_key_context kc;
	br_hmac_context hc;
	br_hmac_key_init(&kc, &br_sha256_vtable, key, CAEC_MODEL_KEY_SIZE);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, CAEC_MODEL_FILE_KEY_LABEL, sizeof(CAEC_MODEL_FILE_KEY_LABEL) - 1);
	br_hmac_update(&hc, u->info.file_id, CAEC_MODEL_ID_SIZE);
	br_hmac_out(&hc, file_key);
	__builtin_memset(&kc, 0, sizeof(kc));
	__builtin_memset(&hc, 0, sizeof(hc));

	sdk_gcm_init((br_gcm_context *)u->gcm, (br_aes_gen_ctr_keys *)u->aes_keys, file_key, sizeof(file_key));
	__builtin_memset(file_key, 0, sizeof(file_key));
	return 0;
}

size_t model_unseal_chunk_plain(const struct model_unsealer *u, uint64_t i)
{
	const struct model_sealed_info *f = &u->info;

	if (i >= f->num_chunks)
		return 0;
	if (i + 1 < f->num_chunks)
		return f->chunk_size;
	return (size_t)(f->plain_size - i * f->chunk_size);
}

int model_unseal_chunk(struct model_unsealer *u, const void *in, size_t in_len, void *out)
{
	uint64_t i = u->next;
	size_t n = model_unseal_chunk_plain(u, i);

	if (i >= u->info.num_chunks || in_len != n + CAEC_MODEL_TAG_SIZE) {
		u->next = UINT64_MAX;
		return MODEL_SEAL_ESIZE;
	}
	uint8_t nonce[12] = { 0 }, tail[9];
	put_le64(nonce, i);
	put_le64(tail, i);
	tail[8] = i + 1 == u->info.num_chunks;
	uint8_t tag[CAEC_MODEL_TAG_SIZE];
	__builtin_memcpy(tag, (const uint8_t *)in + n, sizeof(tag));
	if (out != in)
		__builtin_memmove(out, in, n);
	br_gcm_context *g = (br_gcm_context *)u->gcm;
	br_gcm_reset(g, nonce, sizeof(nonce));
	br_gcm_aad_inject(g, u->header, sizeof(u->header));
	br_gcm_aad_inject(g, tail, sizeof(tail));
	br_gcm_flip(g);
	br_gcm_run(g, 0, out, n);
	if (br_gcm_check_tag(g, tag) != 1) {
		__builtin_memset(out, 0, n);
		u->next = UINT64_MAX;
		return MODEL_SEAL_EAUTH;
	}
	u->next = i + 1;
	return 0;
}

bool model_unseal_done(const struct model_unsealer *u)
{
	return u->next == u->info.num_chunks;
}

void model_unseal_wipe(struct model_unsealer *u)
{
	volatile uint8_t *p = (volatile uint8_t *)u;

	for (size_t i = 0; i < sizeof(*u); i++)
		p[i] = 0;
}

int model_unseal(const uint8_t key[CAEC_MODEL_KEY_SIZE], const void *sealed, size_t len, void *out, size_t cap,
		 size_t *plain_len, void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	struct model_unsealer u;
	const uint8_t *p = sealed;
	int r = model_unseal_init(&u, key, sealed, len);

	*plain_len = 0;
	if (r == 0 && (u.info.sealed_size != len || u.info.plain_size > cap))
		r = MODEL_SEAL_ESIZE;
	size_t at = CAEC_MODEL_HEADER_SIZE, done = 0;
	for (uint64_t i = 0; r == 0 && i < u.info.num_chunks; i++) {
		size_t n = model_unseal_chunk_plain(&u, i);
		r = model_unseal_chunk(&u, p + at, n + CAEC_MODEL_TAG_SIZE, (uint8_t *)out + done);
		at += n + CAEC_MODEL_TAG_SIZE;
		done += n;
		if (r == 0 && progress)
			progress(ctx, done, u.info.plain_size);
	}
	if (r != 0) /* the failing chunk zeroed its own bytes already */
		__builtin_memset(out, 0, done);
	else
		*plain_len = done;
	model_unseal_wipe(&u);
	return r;
}

const char *model_seal_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case MODEL_SEAL_EFORMAT:
		return "not a sealed model (or a version this build does not know)";
	case MODEL_SEAL_EKEY:
		return "the key is not the one the model was sealed with";
	case MODEL_SEAL_EAUTH:
		return "the sealed model does not authenticate: it was changed, reordered or cut";
	case MODEL_SEAL_ESIZE:
		return "the sealed model is not the size its header says, or does not fit";
	default:
		return "unknown error";
	}
}

/*
 * The monitor's hashes, from OpenSSL's EVP interface.
 *
 * The incremental context keeps an EVP_MD_CTX pointer in the opaque storage of
 * struct plat_hash_ctx; plat_hash_final releases it whether or not it
 * succeeds, so every successful plat_hash_init must be followed by exactly one
 * plat_hash_final.
 */
#include <openssl/evp.h>
#include <string.h>

#include "plat/plat.h"

struct evp_hash_state {
	EVP_MD_CTX *md_ctx;
};
_Static_assert(sizeof(struct evp_hash_state) <= sizeof(struct plat_hash_ctx),
	       "the EVP state fits in plat_hash_ctx");

static const EVP_MD *evp_md(enum plat_hash_alg alg)
{
	switch (alg) {
	case PLAT_HASH_SHA256:
		return EVP_sha256();
	case PLAT_HASH_SHA384:
		return EVP_sha384();
	case PLAT_HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

size_t plat_hash_size(enum plat_hash_alg alg)
{
	const EVP_MD *md = evp_md(alg);

	return md ? (size_t)EVP_MD_get_size(md) : 0;
}

bool plat_hash(enum plat_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = evp_md(alg);

	return md && EVP_Digest(data, len, out, NULL, md, NULL) == 1;
}

static struct evp_hash_state *state_of(struct plat_hash_ctx *ctx)
{
	return (struct evp_hash_state *)ctx->opaque;
}

bool plat_hash_init(struct plat_hash_ctx *ctx, enum plat_hash_alg alg)
{
	struct evp_hash_state *st = state_of(ctx);
	const EVP_MD *md = evp_md(alg);

	memset(ctx, 0, sizeof(*ctx));
	if (!md)
		return false;
	st->md_ctx = EVP_MD_CTX_new();
	if (!st->md_ctx)
		return false;
	if (EVP_DigestInit_ex(st->md_ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(st->md_ctx);
		st->md_ctx = NULL;
		return false;
	}
	return true;
}

bool plat_hash_update(struct plat_hash_ctx *ctx, const void *data, size_t len)
{
	struct evp_hash_state *st = state_of(ctx);

	return st->md_ctx && EVP_DigestUpdate(st->md_ctx, data, len) == 1;
}

bool plat_hash_final(struct plat_hash_ctx *ctx, uint8_t *out)
{
	struct evp_hash_state *st = state_of(ctx);
	bool ok;

	if (!st->md_ctx)
		return false;
	ok = EVP_DigestFinal_ex(st->md_ctx, out, NULL) == 1;
	EVP_MD_CTX_free(st->md_ctx);
	st->md_ctx = NULL;
	return ok;
}

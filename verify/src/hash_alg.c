/* Hash algorithm names as CCA claims spell them ("sha-256", ...). */
#include <errno.h>
#include <string.h>

#include "verify/claims.h"

static const struct {
	const char *name;
	size_t size;
} hash_algs[] = {
	[CCA_HASH_SHA256] = { "sha-256", 32 },
	[CCA_HASH_SHA384] = { "sha-384", 48 },
	[CCA_HASH_SHA512] = { "sha-512", 64 },
};

bool cca_text_eq(struct cca_text t, const char *s)
{
	size_t n = strlen(s);
	return t.len == n && memcmp(t.ptr, s, n) == 0;
}

bool cca_bytes_eq(struct cca_bytes a, struct cca_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int cca_hash_alg_from_name(struct cca_text name, enum cca_hash_alg *alg)
{
	for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++) {
		if (cca_text_eq(name, hash_algs[i].name)) {
			*alg = (enum cca_hash_alg)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t cca_hash_size(enum cca_hash_alg alg)
{
	return (unsigned)alg < 3 ? hash_algs[alg].size : 0;
}

const char *cca_hash_name(enum cca_hash_alg alg)
{
	return (unsigned)alg < 3 ? hash_algs[alg].name : "?";
}

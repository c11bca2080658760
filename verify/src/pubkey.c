/* EC public key import: SEC1 points, COSE_Key, PEM and JWK. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "claims_map.h"
#include "verify/pubkey.h"

#define KEY_FILE_MAX (64 * 1024)

static int fail(char *why, int err, const char *msg)
{
	if (why) {
		/* Truncates long reasons (a nested CBOR error) by design. */
		size_t n = strnlen(msg, PUBKEY_WHY_MAX - 1);
		memcpy(why, msg, n);
		why[n] = '\0';
	}
	ERR_clear_error();
	return err;
}

/* The OpenSSL group for a coordinate size in bytes. */
static const char *group_for_coord(size_t coord)
{
	switch (coord) {
	case 32:
		return "P-256";
	case 48:
		return "P-384";
	case 66:
		return "P-521";
	default:
		return NULL;
	}
}

int pubkey_from_sec1(const uint8_t *p, size_t n, EVP_PKEY **out, char *why)
{
	*out = NULL;
	if (n < 1 || p[0] != 0x04)
		return fail(why, -EINVAL, "not an uncompressed SEC1 point (first byte must be 0x04)");
	const char *group = group_for_coord((n - 1) / 2);
	if (!group || (n - 1) % 2 != 0)
		return fail(why, -EINVAL, "SEC1 point length is not that of P-256, P-384 or P-521");

	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *key = NULL;
	int rc = -EINVAL;
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, p, n) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld))) {
		rc = fail(why, -ENOMEM, "out of memory building the key");
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		rc = fail(why, -EINVAL, "the point is not on the curve");
		goto out;
	}
	check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) {
		rc = fail(why, -EINVAL, "the point is not a valid public key on its curve");
		goto out;
	}
	*out = key;
	key = NULL;
	rc = 0;
out:
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* Builds 0x04 || x || y and imports it. */
static int from_coords(const uint8_t *x, const uint8_t *y, size_t coord, EVP_PKEY **out, char *why)
{
	uint8_t point[1 + 2 * 66];
	if (coord > 66)
		return fail(why, -EINVAL, "coordinate too long");
	point[0] = 0x04;
	memcpy(point + 1, x, coord);
	memcpy(point + 1 + coord, y, coord);
	return pubkey_from_sec1(point, 1 + 2 * coord, out, why);
}

static size_t coord_for_cose_crv(int64_t crv)
{
	switch (crv) {
	case COSE_CRV_P256:
		return 32;
	case COSE_CRV_P384:
		return 48;
	case COSE_CRV_P521:
		return 66;
	default:
		return 0;
	}
}

int pubkey_from_cose_key(const uint8_t *p, size_t n, EVP_PKEY **out, char *why)
{
	struct cbor_reader r;
	struct claims_map m;
	struct claim_key key;
	struct verify_result res;
	int64_t kty = 0, crv = 0;
	const uint8_t *x = NULL, *y = NULL;
	size_t xlen = 0, ylen = 0;
	int rc;

	*out = NULL;
	verify_result_clear(&res);
	cbor_reader_init(&r, p, n);
	if (claims_map_open(&m, &r, VERIFY_CHECK_REALM_KEY, "COSE_Key", &res) != 0)
		return fail(why, -EINVAL, res.reason);
	while ((rc = claims_map_next(&m, &key, VERIFY_CHECK_REALM_KEY, "COSE_Key", &res)) == 1) {
		int64_t label = key.is_text ? 0 : key.num;
		struct cbor_head h;
		if (label == COSE_KEY_KTY)
			rc = cbor_read_int(&r, &kty);
		else if (label == COSE_KEY_CRV)
			rc = cbor_read_int(&r, &crv);
		else if (label == COSE_KEY_X)
			rc = cbor_read_bstr(&r, &x, &xlen);
		else if (label == COSE_KEY_Y) {
			if (cbor_peek_head(&r, &h) == 0 && h.major == CBOR_MAJOR_SIMPLE)
				return fail(why, -EINVAL, "COSE_Key: compressed points are not supported");
			rc = cbor_read_bstr(&r, &y, &ylen);
		} else
			rc = cbor_skip(&r, NULL, NULL);
		if (rc != 0) {
			claims_fail_cbor(&res, VERIFY_CHECK_REALM_KEY, "COSE_Key", &r);
			return fail(why, -EINVAL, res.reason);
		}
	}
	if (rc < 0)
		return fail(why, -EINVAL, res.reason);
	if (!cbor_at_end(&r))
		return fail(why, -EINVAL, "COSE_Key: bytes after the key map");
	if (kty != COSE_KTY_EC2)
		return fail(why, -EINVAL, "COSE_Key: key type (label 1) must be EC2 (2)");
	size_t coord = coord_for_cose_crv(crv);
	if (!coord)
		return fail(why, -EINVAL, "COSE_Key: curve (label -1) must be P-256, P-384 or P-521");
	if (!x || !y)
		return fail(why, -EINVAL, "COSE_Key: x (-2) or y (-3) coordinate missing");
	if (xlen != coord || ylen != coord)
		return fail(why, -EINVAL, "COSE_Key: coordinate length does not match the curve");
	return from_coords(x, y, coord, out, why);
}

int pubkey_from_rak_claim(const uint8_t *p, size_t n, EVP_PKEY **out, char *why)
{
	/* A COSE_Key is a CBOR map (major type 5); a SEC1 point starts with 0x04. */
	if (n > 0 && (p[0] >> 5) == CBOR_MAJOR_MAP)
		return pubkey_from_cose_key(p, n, out, why);
	return pubkey_from_sec1(p, n, out, why);
}

static int check_supported(EVP_PKEY *key, char *why)
{
	char group[64];
	size_t glen = 0;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return fail(why, -EINVAL, "not an elliptic-curve key");
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   &glen) != 1)
		return fail(why, -EINVAL, "EC key without a named curve");
	if (strcmp(group, "prime256v1") && strcmp(group, "secp384r1") && strcmp(group, "secp521r1") &&
	    strcmp(group, "P-256") && strcmp(group, "P-384") && strcmp(group, "P-521"))
		return fail(why, -EINVAL, "curve is not P-256, P-384 or P-521");
	return 0;
}

int pubkey_from_pem(const char *pem, size_t n, EVP_PKEY **out, char *why)
{
	*out = NULL;
	if (n > KEY_FILE_MAX)
		return fail(why, -EFBIG, "PEM text too large");
	BIO *bio = BIO_new_mem_buf(pem, (int)n);
	if (!bio)
		return fail(why, -ENOMEM, "out of memory");
	EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		return fail(why, -EINVAL, "no PEM public key (expected -----BEGIN PUBLIC KEY-----)");
	int rc = check_supported(key, why);
	if (rc != 0) {
		EVP_PKEY_free(key);
		return rc;
	}
	*out = key;
	return 0;
}

/* base64url without padding (RFC 7515); -1 on a bad character or overflow. */
static long b64url_decode(const char *in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (const char *c = in; *c; c++) {
		int v;
		if (*c >= 'A' && *c <= 'Z')
			v = *c - 'A';
		else if (*c >= 'a' && *c <= 'z')
			v = *c - 'a' + 26;
		else if (*c >= '0' && *c <= '9')
			v = *c - '0' + 52;
		else if (*c == '-')
			v = 62;
		else if (*c == '_')
			v = 63;
		else if (*c == '=')
			break;
		else
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)n;
}

int pubkey_from_jwk(const char *text, size_t n, EVP_PKEY **out, char *why)
{
	*out = NULL;
	json_error_t jerr;
	json_t *jwk = json_loadb(text, n, 0, &jerr);
	if (!jwk || !json_is_object(jwk)) {
		json_decref(jwk);
		return fail(why, -EINVAL, "JWK is not a JSON object");
	}
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	const char *xs = json_string_value(json_object_get(jwk, "x"));
	const char *ys = json_string_value(json_object_get(jwk, "y"));
	size_t coord = 0;
	int rc;
	if (!kty || strcmp(kty, "EC") != 0) {
		rc = fail(why, -EINVAL, "JWK: kty must be \"EC\"");
		goto out;
	}
	if (crv && !strcmp(crv, "P-256"))
		coord = 32;
	else if (crv && !strcmp(crv, "P-384"))
		coord = 48;
	else if (crv && !strcmp(crv, "P-521"))
		coord = 66;
	if (!coord) {
		rc = fail(why, -EINVAL, "JWK: crv must be P-256, P-384 or P-521");
		goto out;
	}
	uint8_t x[66], y[66];
	if (!xs || !ys || b64url_decode(xs, x, sizeof(x)) != (long)coord ||
	    b64url_decode(ys, y, sizeof(y)) != (long)coord) {
		rc = fail(why, -EINVAL, "JWK: x and y must be base64url coordinates of the curve's size");
		goto out;
	}
	rc = from_coords(x, y, coord, out, why);
out:
	json_decref(jwk);
	return rc;
}

int pubkey_from_text(const char *text, size_t n, EVP_PKEY **out, char *why)
{
	size_t i = 0;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i < n && text[i] == '{')
		return pubkey_from_jwk(text, n, out, why);
	return pubkey_from_pem(text, n, out, why);
}

int pubkey_load_file(const char *path, EVP_PKEY **out, char *why)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (why)
			snprintf(why, PUBKEY_WHY_MAX, "cannot open %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	static const size_t cap = KEY_FILE_MAX;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return fail(why, -ENOMEM, "out of memory");
	}
	size_t n = fread(buf, 1, cap, f);
	bool too_big = n == cap;
	fclose(f);
	int rc = too_big ? fail(why, -EFBIG, "key file larger than 64 KiB")
			 : pubkey_from_text(buf, n, out, why);
	free(buf);
	return rc;
}

size_t pubkey_to_sec1(EVP_PKEY *key, uint8_t *out, size_t cap)
{
	size_t len = 0;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out, cap, &len) != 1) {
		ERR_clear_error();
		return 0;
	}
	return len;
}

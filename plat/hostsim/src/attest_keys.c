/*
 * The machine's attestation keys, kept by its EL3 firmware.
 *
 * Both are ECDSA P-384 keys: the CPAK signs platform tokens (el3_attest.c),
 * the RAK signs realm tokens for the monitor (plat_rak_sign). Each is either
 * generated when the machine starts, so every machine has its own identity,
 * or loaded from a PEM file so that a relying party can trust a fixed key
 * across runs. The keys are set before the monitor boots and only read
 * afterwards, so any number of CPUs may sign at once (each signature has its
 * own OpenSSL context).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "el3_attest.h"
#include "plat/plat.h"

static EVP_PKEY *cpak;
static EVP_PKEY *rak;
static unsigned token_format;

/* A key file carries both halves; the machine publishes the public one and
 * signs with the private one, so they must be one key pair. */
static bool halves_match(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	bool ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* EL3 has no one to ask for a passphrase: an encrypted key file is refused
 * (OpenSSL's default would prompt on the terminal or read stdin). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool is_p384_private_key(EVP_PKEY *key)
{
	char group[32];
	BIGNUM *priv = NULL;
	bool ok;

	if (!EVP_PKEY_is_a(key, "EC"))
		return false;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		return false;
	ok = strcmp(group, "secp384r1") == 0 &&
	     EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1;
	BN_clear_free(priv);
	return ok && halves_match(key);
}

/* A P-384 private key from the PEM file at path, or a new one if path is NULL. */
static int key_get(const char *path, EVP_PKEY **out)
{
	EVP_PKEY *key;

	if (!path) {
		key = EVP_EC_gen("P-384");
		if (!key)
			return -ENOMEM;
		*out = key;
		return 0;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return -EINVAL;
	key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!key || !is_p384_private_key(key)) {
		EVP_PKEY_free(key);
		return -EINVAL;
	}
	*out = key;
	return 0;
}

int hostsim_attest_keys_start(const struct hostsim_config *cfg)
{
	unsigned format = cfg ? cfg->token_format : HOSTSIM_TOKEN_CCA;
	EVP_PKEY *c = NULL, *r = NULL;
	int rc;

	if (format != HOSTSIM_TOKEN_CCA && format != HOSTSIM_TOKEN_LEGACY)
		return -EINVAL;
	rc = key_get(cfg ? cfg->cpak_pem_path : NULL, &c);
	if (rc)
		return rc;
	rc = key_get(cfg ? cfg->rak_pem_path : NULL, &r);
	if (rc) {
		EVP_PKEY_free(c);
		return rc;
	}
	hostsim_attest_keys_stop();
	cpak = c;
	rak = r;
	token_format = format;
	return 0;
}

void hostsim_attest_keys_stop(void)
{
	EVP_PKEY_free(cpak);
	EVP_PKEY_free(rak);
	cpak = NULL;
	rak = NULL;
	token_format = HOSTSIM_TOKEN_CCA;
}

unsigned hostsim_attest_token_format(void)
{
	return token_format;
}

static bool key_point(EVP_PKEY *key, uint8_t point[HOSTSIM_EC_POINT_SIZE])
{
	size_t len = 0;

	if (!key)
		return false;
	/* An EC key's encoded public key is the uncompressed point unless the key
	 * asks otherwise; a compressed one would fail the length check. */
	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
					     HOSTSIM_EC_POINT_SIZE, &len))
		return false;
	return len == HOSTSIM_EC_POINT_SIZE && point[0] == 0x04;
}

/* ECDSA over a SHA-384 digest; the DER signature becomes raw r || s. */
static bool es384_sign(EVP_PKEY *key, const uint8_t digest[48], uint8_t sig[HOSTSIM_ES384_SIG_SIZE])
{
	EVP_PKEY_CTX *ctx;
	uint8_t der[128];
	size_t der_len = sizeof(der);
	const uint8_t *p = der;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	bool ok = false;

	if (!key)
		return false;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (!ctx)
		return false;
	if (EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, digest, 48) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, sig, 48) == 48 && BN_bn2binpad(s, sig + 48, 48) == 48;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

bool hostsim_attest_cpak_point(uint8_t point[HOSTSIM_EC_POINT_SIZE])
{
	return key_point(cpak, point);
}

bool hostsim_attest_cpak_sign(const uint8_t digest[48], uint8_t sig[HOSTSIM_ES384_SIG_SIZE])
{
	return es384_sign(cpak, digest, sig);
}

/* ---- The platform interface (plat.h, "Attestation") ---- */

bool plat_rak_public(uint8_t x[PLAT_RAK_COORD_SIZE], uint8_t y[PLAT_RAK_COORD_SIZE])
{
	uint8_t point[HOSTSIM_EC_POINT_SIZE];

	if (!key_point(rak, point))
		return false;
	memcpy(x, point + 1, PLAT_RAK_COORD_SIZE);
	memcpy(y, point + 1 + PLAT_RAK_COORD_SIZE, PLAT_RAK_COORD_SIZE);
	return true;
}

bool plat_rak_sign(const uint8_t digest[PLAT_RAK_DIGEST_SIZE], uint8_t sig[PLAT_RAK_SIG_SIZE])
{
	return es384_sign(rak, digest, sig);
}

enum plat_token_format plat_attest_token_format(void)
{
	return token_format == HOSTSIM_TOKEN_LEGACY ? PLAT_TOKEN_FORMAT_LEGACY
						   : PLAT_TOKEN_FORMAT_CCA;
}

/* ---- The host's view ---- */

int hostsim_platform_key_pem(char *buf, size_t len)
{
	BIO *bio;
	char *data;
	long n;
	int rc;

	if (!cpak)
		return -ENODEV;
	bio = BIO_new(BIO_s_mem());
	if (!bio)
		return -ENOMEM;
	if (PEM_write_bio_PUBKEY(bio, cpak) != 1) {
		BIO_free(bio);
		return -ENOMEM;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n < 0 || (size_t)n >= len) {
		rc = -ENOSPC;
	} else {
		memcpy(buf, data, (size_t)n);
		buf[n] = '\0';
		rc = (int)n;
	}
	BIO_free(bio);
	return rc;
}

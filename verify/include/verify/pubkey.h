/*
 * Elliptic-curve public keys in the forms CCA attestation meets them.
 *
 * The platform key (CPAK) comes from the relying party as PEM
 * (SubjectPublicKeyInfo) or JWK; the realm attestation key (RAK) comes from
 * the token itself, claim 44237, as a COSE_Key (current) or a raw SEC1
 * uncompressed point (legacy). Only P-256, P-384 and P-521 are accepted and
 * every point is checked to lie on its curve. Keys are OpenSSL EVP_PKEYs
 * the caller frees with EVP_PKEY_free.
 */
#ifndef CAEC_VERIFY_PUBKEY_H
#define CAEC_VERIFY_PUBKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define PUBKEY_WHY_MAX 160

/* COSE_Key labels and values (RFC 9052/9053). */
#define COSE_KEY_KTY   1
#define COSE_KEY_CRV   (-1)
#define COSE_KEY_X     (-2)
#define COSE_KEY_Y     (-3)
#define COSE_KTY_EC2   2
#define COSE_CRV_P256  1
#define COSE_CRV_P384  2
#define COSE_CRV_P521  3

/* All return 0, or a negative errno with a reason in why (PUBKEY_WHY_MAX bytes). */
int pubkey_from_sec1(const uint8_t *p, size_t n, EVP_PKEY **out, char *why);
int pubkey_from_cose_key(const uint8_t *p, size_t n, EVP_PKEY **out, char *why);
/* Claim 44237: a COSE_Key map or, failing the map's first byte, a SEC1 point. */
int pubkey_from_rak_claim(const uint8_t *p, size_t n, EVP_PKEY **out, char *why);
int pubkey_from_pem(const char *pem, size_t n, EVP_PKEY **out, char *why);
int pubkey_from_jwk(const char *json, size_t n, EVP_PKEY **out, char *why);
/* PEM text or a JWK object, told apart by the first non-blank character. */
int pubkey_from_text(const char *text, size_t n, EVP_PKEY **out, char *why);
int pubkey_load_file(const char *path, EVP_PKEY **out, char *why);

/* Uncompressed SEC1 encoding of key (65/97/133 bytes) into out; length or 0. */
size_t pubkey_to_sec1(EVP_PKEY *key, uint8_t *out, size_t cap);

#endif

/*
 * The gateway's TLS identity: a P-256 key drawn inside the realm and a
 * self-signed X.509 certificate for it. No CA vouches for it: a client
 * trusts the key because the gateway's attestation token binds it (the
 * token's challenge is gw_cert_challenge() of the key and the client's
 * nonce), which is what `caec chat` checks before it sends anything.
 * Realm code (BearSSL, no C library).
 */
#ifndef CAEC_AGENTEE_GW_CERT_H
#define CAEC_AGENTEE_GW_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define GW_PUB_SIZE  65   /* uncompressed point 04 || X || Y */
#define GW_CERT_MAX  512
#define GW_NONCE_SIZE 64

struct gw_identity {
	br_ec_private_key sk;
	unsigned char sk_buf[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char pub[GW_PUB_SIZE];
	unsigned char cert[GW_CERT_MAX];
	size_t cert_len;
};

/* A fresh key from rng and its certificate (subject and issuer CN=cn). 0,
 * or -1 when a step failed. */
int gw_identity_make(struct gw_identity *id, const br_prng_class **rng, const char *cn);

/* SHA-512("caec gateway tls key" || pub || nonce): the challenge a
 * gateway's token carries for a client's nonce. */
void gw_cert_challenge(const unsigned char pub[GW_PUB_SIZE], const unsigned char nonce[GW_NONCE_SIZE],
		       unsigned char out[64]);

#endif

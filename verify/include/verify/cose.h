/*
 * COSE_Sign1 (RFC 9052) as CCA tokens use it: a four-element array
 * [protected header bstr, unprotected header map, payload bstr, signature],
 * usually under tag 18, signed with ECDSA (ES256, ES384 or ES512, RFC 9053).
 *
 * COSE carries ECDSA signatures as raw r||s (each half the curve's size);
 * OpenSSL wants DER, so verification converts. The signed bytes are the
 * Sig_structure ["Signature1", protected, h'', payload], which is fed to the
 * digest piecewise so nothing the size of the payload is copied.
 */
#ifndef CAEC_VERIFY_COSE_H
#define CAEC_VERIFY_COSE_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/result.h"

#define COSE_TAG_SIGN1 18
#define COSE_HDR_ALG   1
#define COSE_HDR_CRIT  2

enum cose_alg {
	COSE_ALG_ES256 = -7,
	COSE_ALG_ES384 = -35,
	COSE_ALG_ES512 = -36,
};

struct cose_sign1 {
	bool tagged;
	int64_t alg;
	struct cca_bytes protected_hdr; /* the bstr's content, as signed */
	struct cca_bytes payload;
	struct cca_bytes signature;
};

/* "ES384" etc., or NULL for an algorithm this verifier does not support. */
const char *cose_alg_name(int64_t alg);
/* Curve size in bits the algorithm requires (256, 384, 521), or 0. */
int cose_alg_curve_bits(int64_t alg);

/* Decodes one COSE_Sign1 filling buf exactly; failures are recorded as check. */
int cose_sign1_decode(const uint8_t *buf, size_t len, struct cose_sign1 *out,
		      enum verify_check check, struct verify_result *res);

/* 0 when the signature verifies with key; else -EBADMSG recorded as check. */
int cose_sign1_verify(const struct cose_sign1 *s, EVP_PKEY *key, enum verify_check check,
		      struct verify_result *res);

/* Writes the Sig_structure that a signer signs (for producers and tests). */
void cose_sig_structure_write(struct cbor_writer *w, struct cca_bytes protected_hdr,
			      struct cca_bytes payload);

#endif

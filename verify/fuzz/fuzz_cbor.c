/*
 * libFuzzer harness for the decoding layers: the CBOR reader, COSE_Sign1,
 * both claims decoders (strict and lenient) and RAK key parsing. Every input
 * must be refused or accepted without a crash, leak or over-read; accepted
 * claims must point inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "verify/cbor.h"
#include "verify/claims.h"
#include "verify/cose.h"
#include "verify/pubkey.h"

static void inside(const uint8_t *buf, size_t len, struct cca_bytes b)
{
	if (b.len && (b.ptr < buf || b.ptr + b.len > buf + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cca_realm_claims realm;
	static struct cca_platform_claims plat;
	struct verify_result res;
	struct cbor_error err;
	struct cose_sign1 s;
	char why[PUBKEY_WHY_MAX];
	EVP_PKEY *key = NULL;

	int wf = cbor_check_well_formed(data, size, &err);
	if (wf != 0 && (err.reason == NULL || err.offset > size))
		abort();
	for (int strict = 0; strict < 2; strict++) {
		verify_result_clear(&res);
		if (cca_realm_claims_decode(data, size, strict, &realm, &res) == 0) {
			if (wf != 0)
				abort(); /* accepted claims must be well-formed CBOR */
			inside(data, size, realm.rim);
			inside(data, size, realm.rak);
			for (size_t i = 0; i < realm.num_regions; i++)
				inside(data, size, realm.regions[i].membership_digest);
		} else if (res.failed != VERIFY_CHECK_REALM_CLAIMS || res.reason[0] == '\0') {
			abort();
		}
		verify_result_clear(&res);
		if (cca_platform_claims_decode(data, size, strict, &plat, &res) == 0) {
			for (size_t i = 0; i < plat.num_sw_components; i++)
				inside(data, size, plat.sw_components[i].measurement);
		} else if (res.failed != VERIFY_CHECK_PLATFORM_CLAIMS) {
			abort();
		}
	}
	verify_result_clear(&res);
	if (cose_sign1_decode(data, size, &s, VERIFY_CHECK_REALM_TOKEN, &res) == 0) {
		inside(data, size, s.payload);
		inside(data, size, s.signature);
	}
	if (pubkey_from_rak_claim(data, size, &key, why) == 0)
		EVP_PKEY_free(key);
	return 0;
}

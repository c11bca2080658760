/*
 * libFuzzer harness for the whole verifier: cca_token_verify with the shared
 * vectors' platform key (read at start-up from $CAEC_SHARED_DIR, or a fresh
 * key if absent), a nonce, strict and lenient; then the dump and appraisal
 * paths that run on decoded tokens (debug platforms allowed or not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "verify/appraise.h"
#include "verify/dump.h"
#include "verify/pubkey.h"
#include "verify/token.h"

static EVP_PKEY *platform_key;
static struct verify_refvals *refvals;
static struct csm_evidence *evidence;

#define ID32  "2222222222222222222222222222222222222222222222222222222222222222"
#define RPV64 ID32 ID32
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char path[4096], why[REF_WHY_MAX];
	const char *shared = getenv("CAEC_SHARED_DIR");
	snprintf(path, sizeof(path), "%s/testvectors/cca/cca_platform.pub", shared ? shared : "../shared");
	if (pubkey_load_file(path, &platform_key, why) != 0)
		platform_key = EVP_EC_gen("P-384");
	static const char ref[] =
		"{\"rims\": [\"311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49\"],"
		" \"rems\": [null, [\"00\"], null, null], \"sw_components\": [{\"measurement\": \"00\"}],"
		" \"csm\": [{\"owner_rim\": \"00\", \"sealed\": true, \"members\": [{\"rim\": \"11\"},"
		" {\"rim\": \"11\", \"rpv\": \"" RPV64 "\"}, {\"realm_id\": \"" ID32 "\"}]}]}";
	if (verify_refvals_parse(ref, strlen(ref), NULL, &refvals, why) != 0)
		abort();
	/* Region reports for the regions a mutated token may carry (csm_id 0 and 1). */
	static const char ev[] =
		"{\"regions\": [{\"csm_id\": 0, \"members\": [{\"realm_id\": \"" ID32 "\", \"rim\": \"11\", \"perms\": 3}],"
		" \"acl\": [{\"kind\": 1, \"value\": \"11\", \"perms\": 515}, {\"kind\": 3, \"value\": \"11\", \"perms\": 1}]},"
		" {\"csm_id\": 1, \"generation\": 1, \"members\": [], \"acl\": [{\"kind\": 2, \"value\": \"" ID32 "\", \"perms\": \"r\"}]}]}";
	if (csm_evidence_parse(ev, strlen(ev), &evidence, why) != 0)
		abort();
	sink = fopen("/dev/null", "w");
	return platform_key && sink ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cca_token tok;
	static const uint8_t nonce[64] = { 0xab };
	struct verify_result res;
	struct verify_appraisal ap;
	const struct appraise_options debug_ok = { .allow_debug = size & 2 };

	for (int strict = 0; strict < 2; strict++) {
		struct verify_options opts = { .platform_keys = &platform_key, .num_platform_keys = 1,
					       .nonce = strict ? nonce : NULL, .nonce_len = 64,
					       .strict = strict };
		int rc = cca_token_verify(data, size, &opts, &tok, &res);
		if ((rc == 0) != (res.failed == VERIFY_CHECK_NONE))
			abort();
		if (rc == 0)
			verify_appraise(&tok, refvals, size & 4 ? evidence : NULL, &debug_ok, &ap);
	}
	/* Appraisal also runs on tokens that merely decode (no signature needed). */
	verify_result_clear(&res);
	if (cca_token_decode(data, size, false, &tok, &res) == 0)
		verify_appraise(&tok, refvals, evidence, &debug_ok, &ap);
	cca_token_dump(sink, data, size, size & 1, &res);
	return 0;
}

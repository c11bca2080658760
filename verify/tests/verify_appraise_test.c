/*
 * Appraisal: reference values loaded from JSON (keys as paths, inline PEM and
 * JWK; malformed files refused with a reason), one verdict per check on the
 * shared ffm token, and the CSM co-membership rules on tokens of our own
 * producer with member lists whose digest must match the token's claim.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>

#include "abi/caec.h"
#include "test_files.h"
#include "token_builder.h"
#include "verify/appraise.h"
#include "verify/hex.h"
#include "verify/token.h"

#define FFM_RIM "311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49"
#define FFM_IMPL "7f454c4602010100000000000000000003003e00010000005058000000000000"
#define FFM_RMM "a1fb50e6c86fae1679ef3351296fd6713411a08cf8dd1790a4fd05fae8688164"
#define FFM_REM0 "24d5b0a296cc05cbd8068c5067c5bd473b770dda6ae082fe3ba30abe3f9a6ab1"

static struct verify_refvals *parse(const char *json, char *why)
{
	struct verify_refvals *ref = NULL;
	int rc = verify_refvals_parse(json, strlen(json), NULL, &ref, why);
	if (rc != 0)
		return NULL;
	return ref;
}

static const struct verify_verdict *verdict(const struct verify_appraisal *a, const char *check)
{
	for (size_t i = 0; i < a->count; i++)
		if (!strcmp(a->verdicts[i].check, check))
			return &a->verdicts[i];
	fail_msg("no verdict for %s", check);
	return NULL;
}

static struct cca_token *decode_ffm(uint8_t **buf)
{
	size_t len;
	struct verify_result res;
	struct cca_token *tok = malloc(sizeof(*tok));
	*buf = test_read_vector("cca-token-draft-ffm-00.cbor", &len);
	verify_result_clear(&res);
	assert_int_equal(cca_token_decode(*buf, len, false, tok, &res), 0);
	return tok;
}

static void platform_keys_in_every_form(void **state)
{
	(void)state;
	char why[REF_WHY_MAX];
	size_t pem_len, jwk_len;
	char *pem = (char *)test_read_vector("cca_platform.pub", &pem_len);
	char *jwk = (char *)test_read_vector("cpak.json", &jwk_len);
	pem[pem_len] = jwk[jwk_len] = '\0';
	/* Inline PEM needs JSON escaping of its newlines. */
	char inline_pem[1024];
	size_t o = 0;
	for (size_t i = 0; i < pem_len; i++) {
		if (pem[i] == '\n') {
			inline_pem[o++] = '\\';
			inline_pem[o++] = 'n';
		} else {
			inline_pem[o++] = pem[i];
		}
	}
	inline_pem[o] = '\0';
	char json[4096];
	snprintf(json, sizeof(json), "{\"platform_keys\": [\"%s\", \"%s\", %s]}",
		 test_vector_path("cca_platform.pub"), inline_pem, jwk);
	struct verify_refvals *ref = parse(json, why);
	if (!ref)
		fail_msg("%s", why);
	assert_int_equal(ref->num_platform_keys, 3);

	/* Each form verifies the shared token on its own. */
	size_t len;
	uint8_t *buf = test_read_vector("cca-token-01.cbor", &len);
	struct cca_token *tok = malloc(sizeof(*tok));
	for (size_t i = 0; i < 3; i++) {
		struct verify_result res;
		struct verify_options opts = { .platform_keys = &ref->platform_keys[i],
					       .num_platform_keys = 1 };
		assert_int_equal(cca_token_verify(buf, len, &opts, tok, &res), 0);
	}
	free(tok);
	free(buf);
	free(pem);
	free(jwk);
	verify_refvals_free(ref);
}

static void malformed_reference_files_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json, *reason;
	} bad[] = {
		{ "[1,2]", "top level" },
		{ "{\"rims\": \"abcd\"}", "rims" },
		{ "{\"rims\": [\"abc\"]}", "rims[0]" },
		{ "{\"rims\": [\"zz\"]}", "rims[0]" },
		{ "{\"rims\": [\"ab\"], \"rims\": [\"cd\"]}", "JSON error" },
		{ "{\"rems\": [[], []]}", "rems" },
		{ "{\"platform_keys\": [\"/nonexistent/key.pem\"]}", "platform_keys[0]" },
		{ "{\"platform_keys\": [{\"kty\": \"RSA\"}]}", "platform_keys[0]" },
		{ "{\"platform_keys\": [\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"]}",
		  "platform_keys[0]" },
		{ "{\"sw_components\": [{\"type\": \"RMM\"}]}", "measurement" },
		{ "{\"csm\": [{\"members\": []}]}", "owner_rim" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"members\": [{\"rim\": \"aa\", \"realm_id\": \"bb\"}]}]}",
		  "exactly one" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"members\": [{\"realm_id\": \"bb\"}]}]}", "32 bytes" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"members\": [{\"rim\": \"bb\", \"perms\": \"x\"}]}]}",
		  "perms" },
		{ "{", "JSON error" },
		/* A misspelled member is an error naming it and the member meant. */
		{ "{\"rim\": [\"aa\"]}", "unknown member 'rim' (did you mean 'rims'?)" },
		{ "{\"platform_key\": []}", "unknown member 'platform_key' (did you mean 'platform_keys'?)" },
		{ "{\"whatever\": 1}", "unknown member 'whatever' (known: platform_keys, implementation_ids" },
		{ "{\"sw_components\": [{\"measurment\": \"aa\"}]}",
		  "sw_components[0]: unknown member 'measurment' (did you mean 'measurement'?)" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"member\": []}]}",
		  "csm[0]: unknown member 'member' (did you mean 'members'?)" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"members\": [{\"rim\": \"aa\", \"perm\": \"r\"}]}]}",
		  "csm[0].members[0]: unknown member 'perm' (did you mean 'perms'?)" },
		{ "{\"csm\": [{\"owner_rim\": \"aa\", \"members\": [{\"rmi\": \"aa\"}]}]}",
		  "csm[0].members[0]: unknown member 'rmi' (did you mean 'rim'?)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[REF_WHY_MAX] = "";
		struct verify_refvals *ref = parse(bad[i].json, why);
		if (ref)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(why, bad[i].reason))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", bad[i].json, why, bad[i].reason);
	}
}

static void verdicts_on_shared_token(void **state)
{
	(void)state;
	char why[REF_WHY_MAX];
	uint8_t *buf;
	struct cca_token *tok = decode_ffm(&buf);
	struct verify_appraisal a;

	/* Nothing constrained: every reference check skipped (and said so), nothing fails. */
	struct verify_refvals *ref = parse("{}", why);
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_true(a.ok);
	assert_true(a.all_skip);
	assert_int_equal(verdict(&a, "lifecycle")->status, VERDICT_PASS);
	for (size_t i = 0; i < a.count; i++)
		if (strcmp(a.verdicts[i].check, "lifecycle"))
			assert_int_equal(a.verdicts[i].status, VERDICT_SKIP);
	verify_refvals_free(ref);
	/* No reference values at all: the lifecycle only. */
	verify_appraise(tok, NULL, NULL, NULL, &a);
	assert_true(a.ok && a.all_skip);
	assert_int_equal(a.count, 1);

	/* The token's own values pass. */
	ref = parse("{\"rims\": [\"00\", \"" FFM_RIM "\"], \"implementation_ids\": [\"" FFM_IMPL "\"],"
		    " \"rems\": [[\"" FFM_REM0 "\"], null, null, null],"
		    " \"rpvs\": [\"54686520717569636b2062726f776e20666f78206a756d7073206f766572203133206c617a7920646f67732e54686520717569636b2062726f776e20666f7820\"]}",
		    why);
	assert_non_null(ref);
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_true(a.ok);
	assert_false(a.all_skip);
	assert_int_equal(verdict(&a, "rim")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "implementation-id")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "rems")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "rpv")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "sw-components")->status, VERDICT_SKIP);
	verify_refvals_free(ref);

	/* Other values fail, each in its own verdict. */
	ref = parse("{\"rims\": [\"aa\"], \"implementation_ids\": [\"bb\"], \"rpvs\": [\"cc\"],"
		    " \"rems\": [null, [\"dd\"], null, null]}",
		    why);
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_false(a.ok);
	assert_int_equal(verdict(&a, "rim")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "rim")->reason, "311314ab"));
	assert_int_equal(verdict(&a, "implementation-id")->status, VERDICT_FAIL);
	assert_int_equal(verdict(&a, "rpv")->status, VERDICT_FAIL);
	assert_int_equal(verdict(&a, "rems")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "rems")->reason, "REM1"));
	verify_refvals_free(ref);
	free(tok);
	free(buf);
}

static void software_components(void **state)
{
	(void)state;
	char why[REF_WHY_MAX], json[8192];
	uint8_t *buf;
	struct cca_token *tok = decode_ffm(&buf);
	struct verify_appraisal a;
	const struct cca_platform_claims *pc = &tok->platform_claims;

	/* All 13 components listed (measurement + signer + type): pass. */
	size_t o = (size_t)snprintf(json, sizeof(json), "{\"sw_components\": [");
	for (size_t i = 0; i < pc->num_sw_components; i++) {
		const struct cca_sw_component *c = &pc->sw_components[i];
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s{\"type\": \"%.*s\", \"measurement\": \"",
				      i ? "," : "", (int)c->type.len, c->type.ptr);
		for (size_t b = 0; b < c->measurement.len; b++)
			o += (size_t)snprintf(json + o, sizeof(json) - o, "%02x", c->measurement.ptr[b]);
		o += (size_t)snprintf(json + o, sizeof(json) - o, "\", \"signer\": \"");
		for (size_t b = 0; b < c->signer_id.len; b++)
			o += (size_t)snprintf(json + o, sizeof(json) - o, "%02x", c->signer_id.ptr[b]);
		o += (size_t)snprintf(json + o, sizeof(json) - o, "\"}");
	}
	snprintf(json + o, sizeof(json) - o, "]}");
	struct verify_refvals *ref = parse(json, why);
	assert_non_null(ref);
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "sw-components")->status, VERDICT_PASS);

	/* The RMM entry with a different type no longer matches. */
	for (size_t i = 0; i < ref->num_sw_components; i++)
		if (ref->sw_components[i].type && !strcmp(ref->sw_components[i].type, "RMM"))
			ref->sw_components[i].type[0] = 'X';
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "sw-components")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "sw-components")->reason, "(RMM)"));
	verify_refvals_free(ref);

	/* Only the RMM known: the first component fails. */
	ref = parse("{\"sw_components\": [{\"measurement\": \"" FFM_RMM "\"}]}", why);
	verify_appraise(tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "sw-components")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "sw-components")->reason, "RSE_BL1_2"));
	verify_refvals_free(ref);
	free(tok);
	free(buf);
}

/* ---- CSM co-membership --------------------------------------------------- */

static void hexstr(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

struct csm_case {
	EVP_PKEY *key;
	struct tb_options o;
	uint8_t buf[16384];
	struct cca_token tok;
	struct csm_member members[3];
	struct csm_member_list list;
};

/* A member realm (RIM 0x11.., ID 0x22..) in a region owned by RIM 00..00,
 * co-member RIM 0x44.. with ID 0x55..; the token carries the list's digest. */
static void build_case(struct csm_case *c)
{
	struct verify_result res;
	c->key = EVP_EC_gen("P-384");
	tb_defaults(&c->o, c->key, c->key);
	c->o.caec_claims = true;
	memset(c->members, 0, sizeof(c->members));
	memset(c->members[0].realm_id, 0x22, 32);
	memset(c->members[0].rim.bytes, 0x11, 32);
	c->members[0].rim.len = 32;
	c->members[0].perms = 3;
	memset(c->members[1].realm_id, 0x55, 32);
	memset(c->members[1].rim.bytes, 0x44, 32);
	c->members[1].rim.len = 32;
	c->members[1].perms = 1;
	memset(c->members[2].realm_id, 0x01, 32); /* the owner: RIM 00..00 */
	c->members[2].rim.len = 32;
	c->members[2].perms = 3;
	c->list = (struct csm_member_list){ .csm_id = 0x1234567890abcdefull, .num_members = 3, .members = c->members };
	struct csm_member copy[3];
	memcpy(copy, c->members, sizeof(copy));
	struct csm_member_list tmp = { .csm_id = c->list.csm_id, .num_members = 3, .members = copy };
	uint8_t digest[64];
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &tmp, digest), 32);
	memcpy(c->o.membership_digest, digest, 32);
	/* Sorting is by realm ID: the owner (0x01..) comes first. */
	assert_int_equal(copy[0].realm_id[0], 0x01);
	size_t n = tb_build(&c->o, c->buf, sizeof(c->buf));
	struct verify_options opts = { .platform_keys = &c->key, .num_platform_keys = 1 };
	assert_int_equal(cca_token_verify(c->buf, n, &opts, &c->tok, &res), 0);
}

static void csm_rules(void **state)
{
	(void)state;
	static struct csm_case c;
	char why[REF_WHY_MAX], json[2048], zero[65] = { 0 }, rim11[65], rim44[65], id22[65], id55[65];
	struct verify_appraisal a;
	uint8_t b[32];
	build_case(&c);
	memset(b, 0, 32), hexstr(b, 32, zero);
	memset(b, 0x11, 32), hexstr(b, 32, rim11);
	memset(b, 0x44, 32), hexstr(b, 32, rim44);
	memset(b, 0x22, 32), hexstr(b, 32, id22);
	memset(b, 0x55, 32), hexstr(b, 32, id55);
	struct csm_evidence ev = { 1, &c.list };

	/* Allowed by RIM (self) and realm ID (co-member): both checks pass. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\", \"perms\": \"rw\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 zero, rim11, id55);
	struct verify_refvals *ref = parse(json, why);
	assert_non_null(ref);
	verify_appraise(&c.tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "csm-regions")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_SKIP);
	verify_appraise(&c.tok, ref, &ev, NULL, &a);
	assert_true(a.ok);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_PASS);

	/* A member list that differs from what the token attests is refused. */
	c.members[1].perms = 3;
	verify_appraise(&c.tok, ref, &ev, NULL, &a);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "csm-members")->reason, "digest"));
	c.members[1].perms = 1;
	struct csm_member_list shorter = { .csm_id = c.list.csm_id, .num_members = 2, .members = c.members };
	struct csm_evidence ev_short = { 1, &shorter };
	verify_appraise(&c.tok, ref, &ev_short, NULL, &a);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_FAIL);
	/* Evidence for another region only. */
	struct csm_member_list other = { .csm_id = 99, .num_members = 3, .members = c.members };
	struct csm_evidence ev_other = { 1, &other };
	verify_appraise(&c.tok, ref, &ev_other, NULL, &a);
	assert_non_null(strstr(verdict(&a, "csm-members")->reason, "no member list"));
	verify_refvals_free(ref);

	/* The co-member is not allowed (only the realm itself is). */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"}]}]}", zero, rim11);
	ref = parse(json, why);
	verify_appraise(&c.tok, ref, &ev, NULL, &a);
	assert_int_equal(verdict(&a, "csm-regions")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "csm-members")->reason, "5555"));
	verify_refvals_free(ref);

	/* The realm itself may only read, but maps read-write. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 zero, id22);
	ref = parse(json, why);
	verify_appraise(&c.tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "csm-regions")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "csm-regions")->reason, "perms 3"));
	verify_refvals_free(ref);

	/* No rule for this owner. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"}]}]}", rim44, rim11);
	ref = parse(json, why);
	verify_appraise(&c.tok, ref, NULL, NULL, &a);
	assert_int_equal(verdict(&a, "csm-regions")->status, VERDICT_FAIL);
	assert_non_null(strstr(verdict(&a, "csm-regions")->reason, "no rule"));
	verify_refvals_free(ref);
	EVP_PKEY_free(c.key);
}

static void evidence_json(void **state)
{
	(void)state;
	char why[REF_WHY_MAX];
	struct csm_evidence *ev = NULL;
	static const char good[] =
		"{\"regions\": [{\"csm_id\": \"0x1234567890abcdef\", \"members\": ["
		"{\"realm_id\": \"2222222222222222222222222222222222222222222222222222222222222222\","
		" \"rim\": \"1111\", \"perms\": \"rw\"}]}]}";
	assert_int_equal(csm_evidence_parse(good, strlen(good), &ev, why), 0);
	assert_int_equal(ev->num_regions, 1);
	assert_true(ev->regions[0].csm_id == 0x1234567890abcdefull);
	assert_int_equal(ev->regions[0].members[0].perms, 3);
	csm_evidence_free(ev);
	static const char *const bad[] = {
		"{}",
		"{\"regions\": [{\"csm_id\": -1, \"members\": []}]}",
		"{\"regions\": [{\"csm_id\": \"0xzz\", \"members\": []}]}",
		"{\"regions\": [{\"csm_id\": 1, \"members\": [{\"realm_id\": \"22\", \"rim\": \"11\", \"perms\": 1}]}]}",
		"{\"regions\": [{\"csm_id\": 1, \"members\": [{\"realm_id\": \"2222222222222222222222222222222222222222222222222222222222222222\", \"rim\": \"11\", \"perms\": 9}]}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ev = NULL;
		assert_int_not_equal(csm_evidence_parse(bad[i], strlen(bad[i]), &ev, why), 0);
		assert_null(ev);
	}
	/* Misspelled members, at each level. */
	static const struct {
		const char *json, *reason;
	} typos[] = {
		{ "{\"region\": []}", "unknown member 'region' (did you mean 'regions'?)" },
		{ "{\"regions\": [{\"csmid\": 1, \"members\": []}]}",
		  "regions[0]: unknown member 'csmid' (did you mean 'csm_id'?)" },
		{ "{\"regions\": [{\"csm_id\": 1, \"members\": [{\"realm_id\": \"2222222222222222222222222222222222222222222222222222222222222222\", \"rim\": \"11\", \"perms\": 1, \"prems\": 1}]}]}",
		  "regions[0].members[0]: unknown member 'prems' (did you mean 'perms'?)" },
	};
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		ev = NULL;
		assert_int_not_equal(csm_evidence_parse(typos[i].json, strlen(typos[i].json), &ev, why), 0);
		if (!strstr(why, typos[i].reason))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", typos[i].json, why, typos[i].reason);
	}
}

/* ---- Lifecycle --------------------------------------------------------------- */

static void lifecycle_states_named(void **state)
{
	(void)state;
	static const struct {
		uint64_t value;
		enum cca_lifecycle state;
		const char *name;
		bool debug;
	} cases[] = {
		{ 0x0000, CCA_LIFECYCLE_UNKNOWN, "unknown", false },
		{ 0x00ff, CCA_LIFECYCLE_UNKNOWN, "unknown", false },
		{ 0x1000, CCA_LIFECYCLE_ASSEMBLY_AND_TEST, "assembly-and-test", true },
		{ 0x2001, CCA_LIFECYCLE_ROT_PROVISIONING, "cca-platform-rot-provisioning", true },
		{ 0x3000, CCA_LIFECYCLE_SECURED, "secured", false },
		{ 0x30ff, CCA_LIFECYCLE_SECURED, "secured", false },
		{ 0x4000, CCA_LIFECYCLE_NON_ROT_DEBUG, "non-cca-platform-rot-debug", true },
		{ 0x5000, CCA_LIFECYCLE_RECOVERABLE_ROT_DEBUG, "recoverable-cca-platform-rot-debug", true },
		{ 0x6000, CCA_LIFECYCLE_DECOMMISSIONED, "decommissioned", false },
		{ 0x3100, CCA_LIFECYCLE_INVALID, "invalid", false },
		{ 0x0100, CCA_LIFECYCLE_INVALID, "invalid", false },
		{ 0x7000, CCA_LIFECYCLE_INVALID, "invalid", false },
		{ 0xffff, CCA_LIFECYCLE_INVALID, "invalid", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum cca_lifecycle st = cca_lifecycle_state(cases[i].value);
		if (st != cases[i].state)
			fail_msg("0x%04x: state %d, want %d", (unsigned)cases[i].value, st, cases[i].state);
		assert_string_equal(cca_lifecycle_name(st), cases[i].name);
		assert_int_equal(cca_lifecycle_is_debug(st), cases[i].debug);
	}
}

/*
 * Only a secured platform passes; --allow-debug admits the debug and factory
 * states (saying so), never unknown, decommissioned or invalid ones. The
 * check runs without reference values too.
 */
static void lifecycle_appraised(void **state)
{
	(void)state;
	static uint8_t buf[16384];
	static struct cca_token tok;
	static const struct {
		uint64_t value;
		bool pass_strict, pass_debug;
	} cases[] = {
		{ 0x3003, true, true },   { 0x5000, false, true }, { 0x4000, false, true },
		{ 0x1000, false, true },  { 0x2000, false, true }, { 0x0000, false, false },
		{ 0x6000, false, false }, { 0x3100, false, false },
	};
	EVP_PKEY *key = EVP_EC_gen("P-384");
	struct verify_refvals *ref = parse("{}", (char[REF_WHY_MAX]){ 0 });
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tb_options o;
		struct verify_result res;
		struct verify_appraisal a;
		char name[64];
		tb_defaults(&o, key, key);
		o.lifecycle = cases[i].value;
		size_t n = tb_build(&o, buf, sizeof(buf));
		struct verify_options opts = { .platform_keys = &key, .num_platform_keys = 1 };
		assert_int_equal(cca_token_verify(buf, n, &opts, &tok, &res), 0);
		snprintf(name, sizeof(name), "(0x%04x)", (unsigned)cases[i].value);
		for (int with_ref = 0; with_ref < 2; with_ref++) {
			const struct verify_refvals *r = with_ref ? ref : NULL;
			verify_appraise(&tok, r, NULL, NULL, &a);
			assert_int_equal(a.ok, cases[i].pass_strict);
			assert_int_equal(verdict(&a, "lifecycle")->status,
					 cases[i].pass_strict ? VERDICT_PASS : VERDICT_FAIL);
			assert_non_null(strstr(verdict(&a, "lifecycle")->reason, name));
			assert_false(a.debug_platform);
			const struct appraise_options allow = { .allow_debug = true };
			verify_appraise(&tok, r, NULL, &allow, &a);
			assert_int_equal(a.ok, cases[i].pass_debug);
			bool debug_pass = cases[i].pass_debug && !cases[i].pass_strict;
			assert_int_equal(a.debug_platform, debug_pass);
			if (debug_pass)
				assert_non_null(strstr(verdict(&a, "lifecycle")->reason, "DEBUG platform"));
			if (!cases[i].pass_debug)
				assert_null(strstr(verdict(&a, "lifecycle")->reason, "--allow-debug"));
		}
	}
	verify_refvals_free(ref);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(platform_keys_in_every_form),
		cmocka_unit_test(malformed_reference_files_refused),
		cmocka_unit_test(verdicts_on_shared_token),
		cmocka_unit_test(software_components),
		cmocka_unit_test(csm_rules),
		cmocka_unit_test(evidence_json),
		cmocka_unit_test(lifecycle_states_named),
		cmocka_unit_test(lifecycle_appraised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

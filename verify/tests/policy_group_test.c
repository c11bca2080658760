/*
 * Group attestation (verify/group.h) on tokens of the test producer: a
 * three-realm pipeline (agent, llm, net) with two channels, "prompt" (owner
 * agent, agent rw + llm rw) and "fetch" (owner net, net rw + agent r). The
 * correct group is accepted in any order with the same verdict; each single
 * deviation is rejected, naming the realm (or the token) and the check:
 * an extra member, a missing member, a wrong RIM, a missing realm, a realm
 * claiming another's identity, a wrong policy digest, a token of another
 * nonce, wrong perms, an undeclared region, and a few more.
 */
#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "abi/caec.h"
#include "group_model.h"
#include "token_builder.h"
#include "verify/appraise.h"
#include "verify/group.h"
#include "verify/policy.h"
#include "verify/token.h"

#define AGENT      GM_AGENT
#define LLM        GM_LLM
#define NET        GM_NET
#define NUM_REALMS GM_NUM_REALMS
#define MAX_TOKENS GM_MAX_TOKENS
#define PROMPT_ID  GM_PROMPT_ID
#define FETCH_ID   GM_FETCH_ID
#define RW         (CSM_PERM_READ | CSM_PERM_WRITE)
#define R          CSM_PERM_READ

static const char *const labels[MAX_TOKENS] = { "agent.cbor", "llm.cbor", "net.cbor",
						"t3.cbor", "t4.cbor", "t5.cbor" };

struct fixture {
	struct group_model m;
	EVP_PKEY *other_cpak;
	struct group_verdict verdict, other;
};

/* Judges the tokens in the given order (order[i]: which token goes i-th). */
static int judge(struct fixture *f, const size_t *order, struct group_verdict *v)
{
	struct group_token in[MAX_TOKENS];
	for (size_t i = 0; i < f->m.n; i++) {
		size_t t = order ? order[i] : i;
		in[i] = (struct group_token){ f->m.buf[t], f->m.len[t], labels[t] };
	}
	struct group_options opts = {
		.verify = { .platform_keys = &f->m.cpak, .num_platform_keys = 1 },
		.appraise = { .allow_debug = false },
	};
	return group_verify(&f->m.src, f->m.nonce, in, f->m.n, &opts, v);
}

/* The verdict (in the given order and reversed, which must agree): rejected
 * by check, naming realm (NO realm: -1) and, when token >= 0, that token. */
static void expect_rejected(struct fixture *f, enum group_check check, int realm, int token)
{
	size_t rev[MAX_TOKENS];
	gm_build(&f->m);
	for (size_t i = 0; i < f->m.n; i++)
		rev[i] = f->m.n - 1 - i;
	assert_int_equal(judge(f, NULL, &f->verdict), -EBADMSG);
	print_message("    %s\n", f->verdict.reason);
	assert_false(f->verdict.accepted);
	assert_string_equal(group_check_name(f->verdict.failed), group_check_name(check));
	assert_int_equal(f->verdict.realm, realm);
	if (token >= 0)
		assert_int_equal(f->verdict.token, token);
	if (realm >= 0) {
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "realm '%s': ", gm_names[realm]);
		assert_memory_equal(f->verdict.reason, prefix, strlen(prefix));
		assert_int_equal(f->verdict.realms[realm].failed, check);
	} else if (token >= 0) {
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "token '%s': ", labels[token]);
		assert_memory_equal(f->verdict.reason, prefix, strlen(prefix));
		assert_int_equal(f->verdict.tokens[token].failed, check);
	}
	/* The other order: the same verdict. */
	assert_int_equal(judge(f, rev, &f->other), -EBADMSG);
	assert_int_equal(f->other.failed, f->verdict.failed);
	assert_int_equal(f->other.realm, f->verdict.realm);
	assert_string_equal(f->other.reason, f->verdict.reason);
	if (f->verdict.token >= 0)
		assert_int_equal(f->other.token, (int)f->m.n - 1 - f->verdict.token);
	for (int r = 0; r < NUM_REALMS; r++) {
		assert_int_equal(f->other.realms[r].failed, f->verdict.realms[r].failed);
		assert_string_equal(f->other.realms[r].reason, f->verdict.realms[r].reason);
	}
}

/* ---- accepted ---------------------------------------------------------------- */

static void correct_group_in_two_orders(void **state)
{
	struct fixture *f = *state;
	static const size_t order2[NUM_REALMS] = { NET, AGENT, LLM };
	gm_correct(&f->m);
	gm_build(&f->m);

	assert_int_equal(judge(f, NULL, &f->verdict), 0);
	assert_true(f->verdict.accepted);
	assert_int_equal(f->verdict.failed, GROUP_CHECK_NONE);
	assert_true(f->verdict.graph_checked);
	assert_int_equal(f->verdict.num_realms, NUM_REALMS);
	assert_int_equal(f->verdict.num_tokens, NUM_REALMS);
	for (int r = 0; r < NUM_REALMS; r++) {
		assert_int_equal(f->verdict.realms[r].failed, GROUP_CHECK_NONE);
		assert_int_equal(f->verdict.realms[r].token, r);
		assert_int_equal(f->verdict.realms[r].nonce, GROUP_NONCE_GROUP);
		assert_int_equal(f->verdict.tokens[r].realm, r);
		assert_int_equal(f->verdict.tokens[r].rim_len, 32);
	}

	assert_int_equal(judge(f, order2, &f->other), 0);
	assert_true(f->other.accepted);
	for (int r = 0; r < NUM_REALMS; r++) {
		/* Token i of the second run is order2[i]: realm r's token is where r went. */
		int at = f->other.realms[r].token;
		assert_true(at >= 0);
		assert_int_equal(order2[at], r);
		assert_string_equal(f->other.tokens[at].label, labels[r]);
		assert_int_equal(f->other.tokens[at].realm, r);
	}
}

/* Each realm bound to its own nonce derived from the group's, or a mix. */
static void realm_nonces_accepted(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	group_realm_nonce(f->m.nonce, "llm", f->m.o[LLM].nonce);
	group_realm_nonce(f->m.nonce, "net", f->m.o[NET].nonce);
	gm_build(&f->m);
	assert_int_equal(judge(f, NULL, &f->verdict), 0);
	assert_int_equal(f->verdict.realms[AGENT].nonce, GROUP_NONCE_GROUP);
	assert_int_equal(f->verdict.realms[LLM].nonce, GROUP_NONCE_REALM);
	assert_int_equal(f->verdict.realms[NET].nonce, GROUP_NONCE_REALM);

	/* Another realm's nonce is not this realm's. */
	group_realm_nonce(f->m.nonce, "agent", f->m.o[LLM].nonce);
	expect_rejected(f, GROUP_CHECK_NONCE, LLM, LLM);
}

/* SHA-512("caec-group-nonce" || nonce || name), computed here by hand. */
static void realm_nonce_derivation(void **state)
{
	(void)state;
	uint8_t nonce[64], in[16 + 64 + 3], want[64], got[64];
	unsigned len = 0;
	for (int i = 0; i < 64; i++)
		nonce[i] = (uint8_t)i;
	memcpy(in, "caec-group-nonce", 16);
	memcpy(in + 16, nonce, 64);
	memcpy(in + 80, "llm", 3);
	assert_int_equal(EVP_Digest(in, sizeof(in), want, &len, EVP_sha512(), NULL), 1);
	group_realm_nonce(nonce, "llm", got);
	assert_memory_equal(got, want, 64);
	group_realm_nonce(nonce, "net", got);
	assert_memory_not_equal(got, want, 64);
}

/* ---- rejected: one deviation each -------------------------------------------- */

/* net maps the prompt region too (and the monitor's digests say so). */
static void extra_member(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	gm_add_region(&f->m, NET, PROMPT_ID, 1, R, AGENT);
	expect_rejected(f, GROUP_CHECK_MEMBERS, NET, NET);
	assert_non_null(strstr(f->verdict.reason, "channel 'prompt'"));
}

/* llm never attached to prompt. */
static void missing_member(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.caec[LLM].num_regions = 0;
	expect_rejected(f, GROUP_CHECK_MEMBERS, LLM, LLM);
	assert_non_null(strstr(f->verdict.reason, "maps no region"));
}

/* llm's token comes from another image: its RIM is no realm of the policy. */
static void wrong_rim(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	memset(f->m.o[LLM].rim, 0xee, 32);
	expect_rejected(f, GROUP_CHECK_RIM, -1, LLM);
	assert_int_equal(f->verdict.tokens[LLM].realm, -1);
	assert_int_equal(f->verdict.realms[LLM].failed, GROUP_CHECK_MISSING);
	assert_int_equal(f->verdict.realms[LLM].token, -1);
}

/* net's token is left out. */
static void missing_realm(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	gm_build(&f->m);
	f->m.keep_digests = true;
	f->m.n = 2;
	expect_rejected(f, GROUP_CHECK_MISSING, NET, -1);
	assert_false(f->verdict.graph_checked);
}

/* A fourth token with llm's RIM (another instance of llm, or a realm saying
 * it is llm): two tokens of one identity. */
static void realm_claims_another_identity(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.n = 4;
	gm_realm_token(&f->m, 3, LLM);
	gm_add_region(&f->m, 3, PROMPT_ID, 1, RW, AGENT);
	expect_rejected(f, GROUP_CHECK_DUPLICATE, LLM, -1);
	assert_int_equal(f->verdict.tokens[LLM].failed, GROUP_CHECK_DUPLICATE);
	assert_int_equal(f->verdict.tokens[3].failed, GROUP_CHECK_DUPLICATE);
	assert_int_equal(f->verdict.realms[LLM].token, -1);
	assert_non_null(strstr(f->verdict.reason, "llm.cbor"));
	assert_non_null(strstr(f->verdict.reason, "t3.cbor"));

	/* Also when the impostor replaces another realm's token. */
	gm_correct(&f->m);
	gm_realm_token(&f->m, NET, LLM);
	expect_rejected(f, GROUP_CHECK_DUPLICATE, LLM, -1);
	assert_int_equal(f->verdict.realms[NET].failed, GROUP_CHECK_MISSING);
}

/* llm carries agent's policy digest, or none. */
static void wrong_policy_digest(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	gm_policy_digest(&f->m.src, AGENT, CCA_HASH_SHA256, f->m.caec[LLM].policy_digest);
	expect_rejected(f, GROUP_CHECK_POLICY_DIGEST, LLM, LLM);
	assert_non_null(strstr(f->verdict.reason, "claim 65003 is not the policy's digest"));

	gm_correct(&f->m);
	f->m.caec[LLM].has_policy_digest = false;
	expect_rejected(f, GROUP_CHECK_POLICY_DIGEST, LLM, LLM);

	/* A policy that differs in anything (here host_calls) has other digests. */
	gm_correct(&f->m);
	gm_build(&f->m);
	f->m.keep_digests = true;
	f->m.src.host_calls = POLICY_HOST_CALLS_ALLOW;
	expect_rejected(f, GROUP_CHECK_POLICY_DIGEST, AGENT, AGENT);
	gm_policy(&f->m.src);
}

/* net's token answers an old nonce. */
static void reused_nonce(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	memset(f->m.o[NET].nonce, 0x5a, 64);
	expect_rejected(f, GROUP_CHECK_NONCE, NET, NET);
}

/* llm maps prompt read-only, the policy says rw; the owner maps with
 * perms other than its own. */
static void wrong_perms(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.caec[LLM].regions[0].perms = R;
	expect_rejected(f, GROUP_CHECK_PERMS, LLM, LLM);
	assert_non_null(strstr(f->verdict.reason, "perms r, the policy declares rw"));

	gm_correct(&f->m);
	f->m.caec[NET].regions[0].perms = R;
	expect_rejected(f, GROUP_CHECK_PERMS, NET, NET);

	/* The owner that does not map its region is fine. */
	gm_correct(&f->m);
	f->m.caec[AGENT].regions[0].perms = 0;
	gm_build(&f->m);
	assert_int_equal(judge(f, NULL, &f->verdict), 0);
}

/* agent also owns a region shared with net, which no channel declares. */
static void undeclared_region(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	gm_add_region(&f->m, AGENT, 0x3003, 0, RW, AGENT);
	gm_add_region(&f->m, NET, 0x3003, 1, RW, AGENT);
	expect_rejected(f, GROUP_CHECK_UNDECLARED_REGION, AGENT, AGENT);
	assert_int_equal(f->verdict.realms[NET].failed, GROUP_CHECK_UNDECLARED_REGION);

	/* A second region of the prompt's shape is one too many. */
	gm_correct(&f->m);
	gm_add_region(&f->m, AGENT, 0x1002, 0, RW, AGENT);
	gm_add_region(&f->m, LLM, 0x1002, 1, RW, AGENT);
	expect_rejected(f, GROUP_CHECK_UNDECLARED_REGION, AGENT, AGENT);
	assert_non_null(strstr(f->verdict.reason, "0x1002"));
}

/* ---- more deviations ---------------------------------------------------------- */

/* A member without a token in the group: the digests count it, the tokens do not. */
static void hidden_member(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	gm_realm_token(&f->m, 3, LLM);
	f->m.n = 4;
	gm_add_region(&f->m, 3, PROMPT_ID, 1, R, AGENT);
	gm_recompute_digests(&f->m); /* the monitor's view: four realms */
	f->m.n = 3;                  /* the relying party's: token 3 is not shown */
	f->m.keep_digests = true;
	expect_rejected(f, GROUP_CHECK_MEMBERSHIP_DIGEST, AGENT, AGENT);
	assert_int_equal(f->verdict.realms[LLM].failed, GROUP_CHECK_MEMBERSHIP_DIGEST);
	assert_int_equal(f->verdict.realms[NET].failed, GROUP_CHECK_NONE);
}

/* The fetch channel has no region at all. */
static void channel_without_region(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.caec[NET].num_regions = 0;
	f->m.caec[AGENT].num_regions = 1;
	expect_rejected(f, GROUP_CHECK_CHANNEL, NET, NET);
	assert_non_null(strstr(f->verdict.reason, "'fetch'"));
}

/* llm's view of prompt is of another generation than agent's. */
static void stale_generation(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.caec[LLM].regions[0].generation = 2;
	expect_rejected(f, GROUP_CHECK_REGION, LLM, LLM);
}

/* A region whose owner is not in the group. */
static void region_of_a_stranger(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	struct tb_region *g = gm_add_region(&f->m, LLM, 0x4004, 1, RW, AGENT);
	memset(g->owner_realm_id, 0x77, 32);
	memset(g->owner_rim, 0x77, 32);
	expect_rejected(f, GROUP_CHECK_UNDECLARED_REGION, LLM, LLM);
	assert_non_null(strstr(f->verdict.reason, "no realm of the group"));
}

/* An owner entry naming another realm ID is refused. */
static void owner_entry_of_another(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	memset(f->m.caec[AGENT].regions[0].owner_realm_id, 0x99, 32);
	memset(f->m.caec[LLM].regions[0].owner_realm_id, 0x99, 32);
	expect_rejected(f, GROUP_CHECK_REGION, AGENT, AGENT);
}

/* A token signed by a platform key the relying party does not trust. */
static void untrusted_platform(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.o[LLM].platform_key = f->other_cpak;
	expect_rejected(f, GROUP_CHECK_TOKEN, -1, LLM);
	assert_int_equal(f->verdict.tokens[LLM].verify_failed, VERIFY_CHECK_PLATFORM_SIGNATURE);
	assert_int_equal(f->verdict.realms[LLM].failed, GROUP_CHECK_MISSING);
}

/* A debug platform is refused unless allowed, as by caec attest verify. */
static void debug_platform(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	f->m.o[AGENT].lifecycle = 0x5000;
	expect_rejected(f, GROUP_CHECK_APPRAISAL, AGENT, AGENT);
	assert_non_null(strstr(f->verdict.reason, "lifecycle"));
}

/* The same realm ID in two tokens. */
static void shared_realm_id(void **state)
{
	struct fixture *f = *state;
	gm_correct(&f->m);
	memcpy(f->m.caec[NET].realm_id, f->m.caec[LLM].realm_id, 32);
	for (size_t i = 0; i < f->m.caec[NET].num_regions; i++)
		if (f->m.caec[NET].regions[i].role == 0)
			memcpy(f->m.caec[NET].regions[i].owner_realm_id, f->m.caec[LLM].realm_id, 32);
	memcpy(f->m.caec[AGENT].regions[1].owner_realm_id, f->m.caec[LLM].realm_id, 32);
	expect_rejected(f, GROUP_CHECK_REALM_ID, NET, NET);
}

/* sha-512 realms: 64-byte RIMs, digests and claim 65003. */
static void sha512_group(void **state)
{
	struct fixture *f = *state;
	for (int r = 0; r < NUM_REALMS; r++) {
		memset(f->m.src.realms[r].rim + 32, 0xf0 + r, 32);
		f->m.src.realms[r].rim_size = 64;
	}
	gm_correct(&f->m);
	gm_build(&f->m);
	assert_int_equal(judge(f, NULL, &f->verdict), 0);
	assert_int_equal(f->verdict.tokens[LLM].rim_len, 64);

	/* The sha-256 digest of the right blob is not a sha-512 realm's claim. */
	gm_policy_digest(&f->m.src, LLM, CCA_HASH_SHA256, f->m.caec[LLM].policy_digest);
	expect_rejected(f, GROUP_CHECK_POLICY_DIGEST, LLM, LLM);
	/* Nor is a RIM of the right prefix, but 32 bytes. */
	gm_correct(&f->m);
	f->m.o[NET].meas_len = 32;
	expect_rejected(f, GROUP_CHECK_RIM, -1, NET);
	gm_policy(&f->m.src);
}

/* Inputs that cannot be judged. */
static void unusable_inputs(void **state)
{
	struct fixture *f = *state;
	struct group_token many[GROUP_MAX_TOKENS + 1];
	struct group_options opts = { .verify = { .platform_keys = &f->m.cpak, .num_platform_keys = 1 } };
	memset(many, 0, sizeof(many));
	assert_int_equal(group_verify(&f->m.src, f->m.nonce, many, GROUP_MAX_TOKENS + 1, &opts, &f->verdict),
			 -EINVAL);
	assert_false(f->verdict.accepted);
	assert_non_null(strstr(f->verdict.reason, "at most"));
	/* No token at all: every realm is missing. */
	assert_int_equal(group_verify(&f->m.src, f->m.nonce, many, 0, &opts, &f->verdict), -EBADMSG);
	assert_int_equal(f->verdict.failed, GROUP_CHECK_MISSING);
	assert_int_equal(f->verdict.realm, AGENT);
	/* A token with no label is named by its digest. */
	gm_correct(&f->m);
	gm_build(&f->m);
	uint8_t junk[4] = { 1, 2, 3, 4 };
	struct group_token one = { junk, sizeof(junk), NULL };
	assert_int_equal(group_verify(&f->m.src, f->m.nonce, &one, 1, &opts, &f->verdict), -EBADMSG);
	assert_int_equal(f->verdict.failed, GROUP_CHECK_TOKEN);
	assert_memory_equal(f->verdict.reason, "token 'token ", 13);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->m.cpak = EVP_EC_gen("P-384");
	f->m.rak = EVP_EC_gen("P-384");
	f->other_cpak = EVP_EC_gen("P-384");
	if (!f->m.cpak || !f->m.rak || !f->other_cpak)
		return -1;
	gm_policy(&f->m.src);
	for (int i = 0; i < GROUP_NONCE_SIZE; i++)
		f->m.nonce[i] = (uint8_t)(0xc0 ^ i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gm_free(&f->m);
	EVP_PKEY_free(f->m.cpak);
	EVP_PKEY_free(f->m.rak);
	EVP_PKEY_free(f->other_cpak);
	free(f);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(correct_group_in_two_orders),
		cmocka_unit_test(realm_nonces_accepted),
		cmocka_unit_test(realm_nonce_derivation),
		cmocka_unit_test(extra_member),
		cmocka_unit_test(missing_member),
		cmocka_unit_test(wrong_rim),
		cmocka_unit_test(missing_realm),
		cmocka_unit_test(realm_claims_another_identity),
		cmocka_unit_test(wrong_policy_digest),
		cmocka_unit_test(reused_nonce),
		cmocka_unit_test(wrong_perms),
		cmocka_unit_test(undeclared_region),
		cmocka_unit_test(hidden_member),
		cmocka_unit_test(channel_without_region),
		cmocka_unit_test(stale_generation),
		cmocka_unit_test(region_of_a_stranger),
		cmocka_unit_test(owner_entry_of_another),
		cmocka_unit_test(untrusted_platform),
		cmocka_unit_test(debug_platform),
		cmocka_unit_test(shared_realm_id),
		cmocka_unit_test(sha512_group),
		cmocka_unit_test(unusable_inputs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * CSM appraisal at revision 2 of the extension: the membership and ACL
 * digests against bytes built by hand (and one computed by Python's
 * hashlib), the region report as --members evidence, --ref csm rules with
 * RIM + RPV identities, an ACL digest and flags, and the owner-clone check:
 * a realm with the owner's RIM is the owner only when it has the owner's
 * realm ID (claim 65002 key 7).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "abi/caec.h"
#include "token_builder.h"
#include "verify/appraise.h"
#include "verify/token.h"

/* ---- Digests, known answers ------------------------------------------------ */

static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned len = 0;
	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

static struct csm_acl_entry acl_entry(uint64_t kind, uint8_t fill, size_t n, uint64_t perms)
{
	struct csm_acl_entry e = { .kind = kind, .perms = perms };
	memset(e.value, fill, n);
	return e;
}

/* Appends b n times. */
static size_t put(uint8_t *buf, size_t at, uint8_t b, size_t n)
{
	memset(buf + at, b, n);
	return at + n;
}

/*
 * Three entries, one of each kind, under sha-256, in an order that is not
 * the sorted one; the expected bytes are written out by hand from the
 * README's definition.
 */
static void acl_digest_known_answer_sha256(void **state)
{
	(void)state;
	struct csm_acl_entry acl[3];
	acl[0] = acl_entry(CSM_IDENTITY_REALM_ID, 0xaa, 32, 0x0201); /* r, admits 2 */
	acl[1] = acl_entry(CSM_IDENTITY_RIM_RPV, 0x44, 32, 1);
	acl[1].value[64] = 0x70; /* RPV 70 00 .. 00 */
	acl[2] = acl_entry(CSM_IDENTITY_RIM, 0x11, 32, 3);

	uint8_t want_bytes[512], want[32], got[64];
	size_t n = 0;
	want_bytes[n++] = 0x83; /* array of 3, sorted: kind 1 < kind 2 < kind 3 */
	/* [1, h'11' x 32, 3] */
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x01, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x11, 32);
	want_bytes[n++] = 0x03;
	/* [2, h'aa' x 32, 0x0201] */
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x02, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0xaa, 32);
	want_bytes[n++] = 0x19, want_bytes[n++] = 0x02, want_bytes[n++] = 0x01;
	/* [3, RIM h'44' x 32 || RPV 70 00 x 63 (96 bytes), 1] */
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x03, want_bytes[n++] = 0x58, want_bytes[n++] = 0x60;
	n = put(want_bytes, n, 0x44, 32);
	want_bytes[n++] = 0x70;
	n = put(want_bytes, n, 0x00, 63);
	want_bytes[n++] = 0x01;
	sha256(want_bytes, n, want);

	char why[REF_WHY_MAX];
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, acl, 3, got, why), 32);
	assert_memory_equal(got, want, 32);
	/* The order given does not matter. */
	struct csm_acl_entry swapped[3] = { acl[2], acl[0], acl[1] };
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, swapped, 3, got, why), 32);
	assert_memory_equal(got, want, 32);
	/* Within one kind the value, then the perms, decide: [1, v, 3] < [1, v, 0x203]. */
	struct csm_acl_entry same[2] = { acl_entry(CSM_IDENTITY_RIM, 0x11, 32, 0x0203),
					 acl_entry(CSM_IDENTITY_RIM, 0x11, 32, 3) };
	n = 0;
	want_bytes[n++] = 0x82;
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x01, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x11, 32);
	want_bytes[n++] = 0x03;
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x01, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x11, 32);
	want_bytes[n++] = 0x19, want_bytes[n++] = 0x02, want_bytes[n++] = 0x03;
	sha256(want_bytes, n, want);
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, same, 2, got, why), 32);
	assert_memory_equal(got, want, 32);
	/* The empty ACL: H(0x80). */
	uint8_t empty = 0x80;
	sha256(&empty, 1, want);
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, NULL, 0, got, why), 32);
	assert_memory_equal(got, want, 32);
}

/*
 * Under sha-512 kind 3 is the whole 128-byte value. Expected digest from
 * Python's hashlib over the README's bytes:
 *   entries = [[3, b"\x44"*64 + b"\x70" + bytes(63), 0x102],
 *              [2, b"\xaa"*32, 3], [1, b"\x11"*64, 1]]
 *   sha512(cbor_array(sorted(cbor(e) for e in entries)))
 */
static void acl_digest_known_answer_sha512(void **state)
{
	(void)state;
	static const char want_hex[] =
		"fe54ccef0bb68fbf01fa2abf7ccd7a0035a971e78f58b7c7534ca9356c88bfcd"
		"723a4c43e0c00b67106de8962a9867e8228f65643c06932804526e44d976e67b";
	struct csm_acl_entry acl[3];
	acl[0] = acl_entry(CSM_IDENTITY_RIM_RPV, 0x44, 64, 0x0102);
	acl[0].value[64] = 0x70;
	acl[1] = acl_entry(CSM_IDENTITY_REALM_ID, 0xaa, 32, 3);
	acl[2] = acl_entry(CSM_IDENTITY_RIM, 0x11, 64, 1);
	uint8_t got[64];
	char why[REF_WHY_MAX], hex[129];
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA512, acl, 3, got, why), 64);
	for (size_t i = 0; i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	assert_string_equal(hex, want_hex);
}

/* The membership digest's bytes, by hand: sorted by realm ID. */
static void membership_digest_known_answer(void **state)
{
	(void)state;
	struct csm_member m[2] = { 0 };
	memset(m[0].realm_id, 0x55, 32);
	memset(m[0].rim.bytes, 0x44, 32);
	m[0].rim.len = 32;
	m[0].perms = 1;
	memset(m[1].realm_id, 0x01, 32);
	m[1].rim.len = 32; /* 00 x 32 */
	m[1].perms = 3;
	struct csm_member_list list = { .num_members = 2, .members = m };
	uint8_t want_bytes[256], want[32], got[64];
	size_t n = 0;
	want_bytes[n++] = 0x82;
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x01, 32);
	want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x00, 32);
	want_bytes[n++] = 0x03;
	want_bytes[n++] = 0x83, want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x55, 32);
	want_bytes[n++] = 0x58, want_bytes[n++] = 0x20;
	n = put(want_bytes, n, 0x44, 32);
	want_bytes[n++] = 0x01;
	sha256(want_bytes, n, want);
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &list, got), 32);
	assert_memory_equal(got, want, 32);
}

/* Entries the digest could not bind, or that name no identity, are refused. */
static void acl_digest_refuses_what_it_cannot_bind(void **state)
{
	(void)state;
	static const struct {
		enum cca_hash_alg alg;
		uint64_t kind;
		size_t nonzero_at; /* 0: none */
		uint64_t perms;
		const char *reason;
	} bad[] = {
		{ CCA_HASH_SHA256, 0, 0, 3, "kinds are 1, 2 and 3" },
		{ CCA_HASH_SHA256, 4, 0, 3, "kinds are 1, 2 and 3" },
		{ CCA_HASH_SHA256, CSM_IDENTITY_RIM, 32, 3, "value[32..128) is not zero" },
		{ CCA_HASH_SHA384, CSM_IDENTITY_RIM, 48, 3, "value[48..128) is not zero" },
		{ CCA_HASH_SHA256, CSM_IDENTITY_REALM_ID, 100, 3, "value[32..128) is not zero" },
		/* Between a sha-256 RIM and the RPV. */
		{ CCA_HASH_SHA256, CSM_IDENTITY_RIM_RPV, 40, 3, "value[32..64)" },
		{ CCA_HASH_SHA256, CSM_IDENTITY_RIM, 0, 0x4, "perms 0x4" },
		{ CCA_HASH_SHA256, CSM_IDENTITY_RIM, 0, 0x10003, "perms 0x10003" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct csm_acl_entry e = acl_entry(bad[i].kind, 0x11, 32, bad[i].perms);
		uint8_t out[64];
		char why[REF_WHY_MAX] = "";
		if (bad[i].nonzero_at)
			e.value[bad[i].nonzero_at] = 1;
		if (caec_acl_digest(bad[i].alg, &e, 1, out, why) != 0)
			fail_msg("case %zu accepted", i);
		if (!strstr(why, bad[i].reason))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, why, bad[i].reason);
	}
	/* Under sha-512, value[40] is part of the RIM of a kind 3 entry. */
	struct csm_acl_entry e = acl_entry(CSM_IDENTITY_RIM_RPV, 0x11, 64, 3);
	uint8_t out[64];
	char why[REF_WHY_MAX];
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA512, &e, 1, out, why), 64);
}

/* ---- A region seen by a member realm ----------------------------------------- */

/*
 * The token's realm: RIM 11.., realm ID 22.., RPV 70 00.., a member (rw) of
 * region 0x1234567890abcdef owned by realm 01.. (RIM 00..); co-member
 * realm 55.. (RIM 44.., r). ACL: RIM 11.. rw admitting 2, realm ID 55.. r.
 */
struct scenario {
	EVP_PKEY *key;
	struct tb_options o;
	struct csm_member members[4];
	struct csm_acl_entry acl[4];
	struct csm_member_list list;
	struct csm_evidence ev;
	uint8_t buf[16384];
	struct cca_token tok;
};

static struct csm_member member(uint8_t id, uint8_t rim, uint64_t perms)
{
	struct csm_member m = { .perms = perms };
	memset(m.realm_id, id, 32);
	memset(m.rim.bytes, rim, 32);
	m.rim.len = 32;
	return m;
}

static void scenario_init(struct scenario *s, EVP_PKEY *key)
{
	memset(s, 0, sizeof(*s));
	s->key = key;
	tb_defaults(&s->o, key, key);
	s->o.caec_claims = true;
	s->members[0] = member(0x22, 0x11, 3);
	s->members[1] = member(0x55, 0x44, 1);
	s->members[2] = member(0x01, 0x00, 3); /* the owner maps its region */
	s->acl[0] = acl_entry(CSM_IDENTITY_RIM, 0x11, 32, 0x0203);
	s->acl[1] = acl_entry(CSM_IDENTITY_REALM_ID, 0x55, 32, 1);
	s->list = (struct csm_member_list){ .csm_id = 0x1234567890abcdefull, .num_members = 3,
					    .members = s->members, .has_acl = true, .num_acl = 2,
					    .acl = s->acl };
	s->ev = (struct csm_evidence){ 1, &s->list };
}

/* Signs a token whose digests are those of the current list and ACL. */
static void scenario_sign(struct scenario *s)
{
	struct csm_member copy[4];
	struct csm_member_list tmp = { .num_members = s->list.num_members, .members = copy };
	uint8_t digest[64];
	char why[REF_WHY_MAX];
	memcpy(copy, s->members, sizeof(copy));
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &tmp, digest), 32);
	memcpy(s->o.membership_digest, digest, 32);
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, s->acl, s->list.num_acl, digest, why), 32);
	memcpy(s->o.acl_digest, digest, 32);
	size_t n = tb_build(&s->o, s->buf, sizeof(s->buf));
	struct verify_options opts = { .platform_keys = &s->key, .num_platform_keys = 1 };
	struct verify_result res;
	assert_int_equal(cca_token_verify(s->buf, n, &opts, &s->tok, &res), 0);
}

/* n bytes of b as hex (16 rotating buffers: at most 16 calls per expression). */
static const char *rep(uint8_t b, size_t n)
{
	static char bufs[16][257];
	static int next;
	char *out = bufs[next++ % 16];
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b);
	return out;
}

static const struct verify_verdict *verdict(const struct verify_appraisal *a, const char *check)
{
	for (size_t i = 0; i < a->count; i++)
		if (!strcmp(a->verdicts[i].check, check))
			return &a->verdicts[i];
	fail_msg("no verdict for %s", check);
	return NULL;
}

/* Appraises with the rules in json; returns the verdict of check. */
static const struct verify_verdict *appraise(const struct scenario *s, const char *json,
					     const struct csm_evidence *ev, const char *check,
					     struct verify_appraisal *a)
{
	char why[REF_WHY_MAX];
	struct verify_refvals *ref = NULL;
	if (verify_refvals_parse(json, strlen(json), NULL, &ref, why) != 0)
		fail_msg("%s: %s", json, why);
	verify_appraise(&s->tok, ref, ev, NULL, a);
	verify_refvals_free(ref);
	return verdict(a, check);
}

static void expect(const struct scenario *s, const char *json, const struct csm_evidence *ev,
		   const char *check, enum verdict_status want, const char *reason)
{
	struct verify_appraisal a;
	const struct verify_verdict *v = appraise(s, json, ev, check, &a);
	if (v->status != want)
		fail_msg("%s is %s (%s), want %s; rules %s", check,
			 verdict_status_name(v->status), v->reason, verdict_status_name(want), json);
	if (reason && !strstr(v->reason, reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", check, v->reason, reason);
}

/* The rules that admit exactly the scenario: RIM 11.. rw, realm ID 55.. r. */
static const char *default_rules(const char *extra)
{
	static char json[1024];
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\", \"perms\": \"rw\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}]%s}]}",
		 rep(0, 32), rep(0x11, 32), rep(0x55, 32), extra);
	return json;
}

static void region_claim_and_evidence_pass(void **state)
{
	static struct scenario s;
	scenario_init(&s, *state);
	s.o.region_flags = CAEC_REGION_FLAG_SEALED;
	scenario_sign(&s);
	const struct caec_region *reg = &s.tok.realm_claims.regions[0];
	assert_memory_equal(reg->acl_digest.ptr, s.o.acl_digest, 32);
	assert_int_equal(reg->flags, CAEC_REGION_FLAG_SEALED);
	struct verify_appraisal a;
	appraise(&s, default_rules(", \"sealed\": true"), &s.ev, "csm-acl", &a);
	assert_true(a.ok);
	assert_int_equal(verdict(&a, "csm-regions")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "csm-members")->status, VERDICT_PASS);
	assert_int_equal(verdict(&a, "csm-acl")->status, VERDICT_PASS);
	/* Without member lists, or without "acl" in them, the co-checks are skip. */
	expect(&s, default_rules(""), NULL, "csm-members", VERDICT_SKIP, "no member lists");
	expect(&s, default_rules(""), NULL, "csm-acl", VERDICT_SKIP, "no member list gives \"acl\"");
	s.list.has_acl = false;
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_PASS, NULL);
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_SKIP, "no member list gives \"acl\"");
}

/* A rule may require the ACL digest, the owner's realm ID and each flag. */
static void rule_constraints_on_the_claim(void **state)
{
	static struct scenario s;
	char extra[300];
	scenario_init(&s, *state);
	s.o.region_flags = CAEC_REGION_FLAG_SEALED;
	scenario_sign(&s);
	expect(&s, default_rules(", \"sealed\": false"), NULL, "csm-regions", VERDICT_FAIL,
	       "requires \"sealed\": false, but its flags are 0x2");
	expect(&s, default_rules(", \"owner_destroyed\": true"), NULL, "csm-regions", VERDICT_FAIL,
	       "requires \"owner_destroyed\": true, but its flags are 0x2");
	expect(&s, default_rules(", \"owner_destroyed\": false, \"sealed\": null"), NULL,
	       "csm-regions", VERDICT_PASS, NULL);
	snprintf(extra, sizeof(extra), ", \"acl_digest\": \"%s\"", rep(0x66, 32));
	expect(&s, default_rules(extra), NULL, "csm-regions", VERDICT_FAIL,
	       "is not the rule's acl_digest");
	char digest[65];
	for (size_t i = 0; i < 32; i++)
		snprintf(digest + 2 * i, 3, "%02x", s.o.acl_digest[i]);
	snprintf(extra, sizeof(extra), ", \"acl_digest\": \"%s\"", digest);
	expect(&s, default_rules(extra), NULL, "csm-regions", VERDICT_PASS, NULL);
	snprintf(extra, sizeof(extra), ", \"owner_realm_id\": \"%s\"", rep(0x02, 32));
	expect(&s, default_rules(extra), NULL, "csm-regions", VERDICT_FAIL,
	       "is not the rule's owner_realm_id");
	snprintf(extra, sizeof(extra), ", \"owner_realm_id\": \"%s\"", rep(0x01, 32));
	expect(&s, default_rules(extra), NULL, "csm-regions", VERDICT_PASS, NULL);
	/* Not sealed: "sealed": true fails. */
	s.o.region_flags = 0;
	scenario_sign(&s);
	expect(&s, default_rules(", \"sealed\": true"), NULL, "csm-regions", VERDICT_FAIL,
	       "requires \"sealed\": true, but its flags are 0x0");
}

/* The ACL given must hash to key 8, and every entry must be within the rule. */
static void acl_entries_against_the_rule(void **state)
{
	static struct scenario s;
	char json[1024];
	scenario_init(&s, *state);
	scenario_sign(&s);
	/* An ACL that is not the attested one. */
	s.acl[1].perms = 3;
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_FAIL,
	       "does not match the token's ACL digest");
	/* ... also when only the admit count differs. */
	s.acl[1].perms = 0x0101;
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_FAIL, "ACL digest");
	s.acl[1].perms = 1;
	/* Entry 0 admits any realm measuring 11..; a rule naming only this realm's ID is narrower. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"realm_id\": \"%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0x22, 32), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-members", VERDICT_PASS, NULL);
	expect(&s, json, &s.ev, "csm-acl", VERDICT_FAIL,
	       "ACL entry 0 admits any realm with RIM 1111111111111111..(32 B) (perms 3)");
	/* The rule allows 55.. only to read; the entry lets it write. */
	s.acl[1].perms = 3;
	s.members[1].perms = 1;
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_FAIL,
	       "ACL entry 1 admits realm 5555555555555555..(32 B) with perms 3");
	/* An entry naming the owner's realm ID admits only the owner: fine. */
	scenario_init(&s, *state);
	s.acl[2] = acl_entry(CSM_IDENTITY_REALM_ID, 0x01, 32, 3);
	s.list.num_acl = 3;
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_PASS, NULL);
	/* An entry naming the owner's RIM admits its clones: nothing can allow that. */
	s.acl[2] = acl_entry(CSM_IDENTITY_RIM, 0x00, 32, 1);
	scenario_sign(&s);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"},"
		 " {\"rim\": \"%s\"}, {\"realm_id\": \"%s\"}]}]}",
		 rep(0, 32), rep(0, 32), rep(0x11, 32), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-acl", VERDICT_FAIL,
	       "ACL entry 2 admits any realm with the owner's RIM: clones of the owner");
	/* RIM + RPV entries: within a RIM rule, or a RIM + RPV rule with that RPV. */
	s.acl[2] = acl_entry(CSM_IDENTITY_RIM_RPV, 0x44, 32, 1);
	s.acl[2].value[64] = 0x99;
	scenario_sign(&s);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}, {\"rim\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0x55, 32), rep(0x44, 32));
	expect(&s, json, &s.ev, "csm-acl", VERDICT_PASS, NULL);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}, {\"rim\": \"%s\", \"rpv\": \"99%s\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0x55, 32), rep(0x44, 32), rep(0, 63));
	expect(&s, json, &s.ev, "csm-acl", VERDICT_PASS, NULL);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}, {\"rim\": \"%s\", \"rpv\": \"98%s\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0x55, 32), rep(0x44, 32), rep(0, 63));
	expect(&s, json, &s.ev, "csm-acl", VERDICT_FAIL, "and its RPV");
	/* A RIM + RPV rule is narrower than a RIM entry. */
	s.acl[2] = acl_entry(CSM_IDENTITY_RIM, 0x44, 32, 1);
	scenario_sign(&s);
	expect(&s, json, &s.ev, "csm-acl", VERDICT_FAIL, "ACL entry 2 admits any realm with RIM 4444");
	/* An empty ACL (sealed after every grant was revoked) hashes to H(0x80) and passes. */
	s.list.num_acl = 0;
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-acl", VERDICT_PASS, NULL);
}

/*
 * The owner-clone check. A clone of the owner (realm 77.., the owner's RIM
 * 00..) in the member list was taken for the owner by its RIM; it is the
 * owner only with the owner's realm ID, else a co-member that only a
 * realm-ID rule admits, even when a rule names the owner's RIM.
 */
static void owner_clone_flagged(void **state)
{
	static struct scenario s;
	char json[1024];
	scenario_init(&s, *state);
	s.members[3] = member(0x77, 0x00, 1);
	s.list.num_members = 4;
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_FAIL,
	       "realm 7777777777777777..(32 B) has the owner's RIM but not its realm ID: a clone of the owner");
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"}, {\"rim\": \"%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0, 32), rep(0x11, 32), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-members", VERDICT_FAIL, "a clone of the owner");
	/* A realm-ID rule naming it is the relying party's informed choice. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"realm_id\": \"%s\", \"perms\": \"r\"},"
		 " {\"rim\": \"%s\"}, {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0x77, 32), rep(0x11, 32), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-members", VERDICT_PASS, NULL);
	/* ... with its perms. */
	s.members[3].perms = 3;
	scenario_sign(&s);
	expect(&s, json, &s.ev, "csm-members", VERDICT_FAIL, "a clone of the owner");
	/* The owner needs no rule; a realm-ID rule naming it is fine too. */
	s.list.num_members = 3;
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_PASS, NULL);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"realm_id\": \"%s\"},"
		 " {\"rim\": \"%s\"}, {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0x01, 32), rep(0x11, 32), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-members", VERDICT_PASS, NULL);
	/* A listed member with the owner's realm ID but another RIM is not the owner. */
	s.members[2] = member(0x01, 0x11, 3);
	scenario_sign(&s);
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_FAIL,
	       "has the owner's realm ID but another RIM");
}

/* The token's own realm: owner by realm ID, never by RIM alone. */
static void own_realm_owner_or_clone(void **state)
{
	static struct scenario s;
	char json[1024];
	scenario_init(&s, *state);
	/* This realm measures like the owner (RIM 00..) but is realm 22..: a clone. */
	memset(s.o.rim, 0, sizeof(s.o.rim));
	s.members[0] = member(0x22, 0x00, 3);
	scenario_sign(&s);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"}]}]}", rep(0, 32),
		 rep(0, 32));
	expect(&s, json, NULL, "csm-regions", VERDICT_FAIL,
	       "realm 2222222222222222..(32 B) has the owner's RIM but not its realm ID");
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"realm_id\": \"%s\"}]}]}",
		 rep(0, 32), rep(0x22, 32));
	expect(&s, json, NULL, "csm-regions", VERDICT_PASS, NULL);
	/* Claiming the owner role takes the owner's realm ID as well as its RIM. */
	s.o.region_role = 0;
	scenario_sign(&s);
	expect(&s, json, NULL, "csm-regions", VERDICT_FAIL,
	       "the realm claims to own it but its realm ID is not the owner's");
	memset(s.o.realm_id, 0x01, 32);
	scenario_sign(&s);
	expect(&s, json, NULL, "csm-regions", VERDICT_PASS, NULL);
	memset(s.o.rim, 0x11, 32);
	scenario_sign(&s);
	expect(&s, json, NULL, "csm-regions", VERDICT_FAIL, "but its RIM is not the owner's");
	/* The owner's realm ID with the member role contradicts itself. */
	memset(s.o.rim, 0x00, 32);
	s.o.region_role = 1;
	scenario_sign(&s);
	expect(&s, json, NULL, "csm-regions", VERDICT_FAIL,
	       "has the owner's realm ID but claims the member role");
	/* Without claim 65001 no realm can be told from a clone. */
	scenario_init(&s, *state);
	s.o.omit_realm_claim = CAEC_CLAIM_REALM_ID;
	scenario_sign(&s);
	expect(&s, default_rules(""), NULL, "csm-regions", VERDICT_FAIL, "no realm ID (claim 65001)");
}

/* RIM + RPV rules: the token carries this realm's RPV, a member list none. */
static void rim_rpv_rules(void **state)
{
	static struct scenario s;
	char json[1024];
	scenario_init(&s, *state);
	scenario_sign(&s);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\", \"rpv\": \"70%s\"},"
		 " {\"realm_id\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0, 63), rep(0x55, 32));
	expect(&s, json, &s.ev, "csm-regions", VERDICT_PASS, NULL);
	expect(&s, json, &s.ev, "csm-members", VERDICT_PASS, NULL);
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\", \"rpv\": \"71%s\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0, 63));
	expect(&s, json, NULL, "csm-regions", VERDICT_FAIL, "is not allowed with perms 3");
	/* The co-member 55.. (RIM 44..) has no RPV in the member list: not admitted. */
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"%s\", \"members\": [{\"rim\": \"%s\"},"
		 " {\"rim\": \"%s\", \"rpv\": \"%s\"}]}]}",
		 rep(0, 32), rep(0x11, 32), rep(0x44, 32), rep(0x70, 64));
	expect(&s, json, &s.ev, "csm-members", VERDICT_FAIL,
	       "only a rim+rpv rule names its RIM, and a member list reports no RPV");
}

/* The report's fields beside the lists must be the token's. */
static void report_fields_match_the_claim(void **state)
{
	static struct scenario s;
	scenario_init(&s, *state);
	s.o.region_flags = CAEC_REGION_FLAG_OWNER_DESTROYED | CAEC_REGION_FLAG_SEALED;
	scenario_sign(&s);
	s.list.has_generation = true;
	s.list.generation = 7;
	s.list.has_flags = true;
	s.list.flags = 3;
	s.list.has_owner = true;
	memset(s.list.owner_realm_id, 0x01, 32);
	s.list.owner_rim.len = 32;
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_PASS, NULL);
	s.list.generation = 8;
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_FAIL,
	       "the report's generation is not the token's");
	s.list.generation = 7;
	s.list.flags = 2;
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_FAIL, "the report's flags");
	s.list.flags = 3;
	s.list.owner_realm_id[31] = 2;
	expect(&s, default_rules(""), &s.ev, "csm-members", VERDICT_FAIL, "the report's owner");
}

/* ---- The --members file in the region report's form -------------------------- */

static void evidence_region_report(void **state)
{
	(void)state;
	char json[4096], why[REF_WHY_MAX];
	struct csm_evidence *ev = NULL;
	snprintf(json, sizeof(json),
		 "{\"regions\": [{\"csm_id\": \"0x1234567890abcdef\", \"version\": 1,"
		 " \"num_granules\": 16, \"generation\": 7, \"flags\": 2,"
		 " \"owner\": {\"realm_id\": \"%s\", \"rim\": \"%s\"},"
		 " \"acl\": [{\"kind\": \"rim\", \"value\": \"%s\", \"perms\": 515},"
		 "          {\"kind\": 2, \"value\": \"%s\", \"perms\": \"r\"},"
		 "          {\"kind\": \"rim_rpv\", \"value\": \"%s%s\", \"perms\": \"0x0101\"}],"
		 " \"members\": [{\"realm_id\": \"%s\", \"rim\": \"%s\", \"perms\": \"rw\","
		 "                \"state\": \"mapped\", \"policy_digest\": \"%s\"},"
		 "               {\"realm_id\": \"%s\", \"rim\": \"%s\", \"perms\": 1, \"state\": 3}]}]}",
		 rep(0x01, 32), rep(0, 32), rep(0x11, 32), rep(0x55, 32), rep(0x44, 64), rep(0x70, 64),
		 rep(0x22, 32), rep(0x11, 32), rep(0xdd, 32), rep(0x55, 32), rep(0x44, 32));
	if (csm_evidence_parse(json, strlen(json), &ev, why) != 0)
		fail_msg("%s", why);
	const struct csm_member_list *l = &ev->regions[0];
	assert_true(l->has_acl && l->has_generation && l->has_flags && l->has_owner);
	assert_int_equal(l->num_acl, 3);
	assert_int_equal(l->acl[0].kind, CSM_IDENTITY_RIM);
	assert_int_equal(l->acl[0].perms, 0x203);
	assert_int_equal(l->acl[0].value[31], 0x11);
	assert_int_equal(l->acl[0].value[32], 0);
	assert_int_equal(l->acl[1].perms, 1);
	assert_int_equal(l->acl[2].kind, CSM_IDENTITY_RIM_RPV);
	assert_int_equal(l->acl[2].perms, 0x101);
	assert_int_equal(l->acl[2].value[64], 0x70);
	assert_int_equal(l->members[0].state, CSM_MEMBER_MAPPED);
	assert_true(l->members[0].has_policy_digest);
	assert_int_equal(l->members[1].state, CSM_MEMBER_DETACHING);
	assert_false(l->members[1].has_policy_digest);
	assert_int_equal(l->generation, 7);
	assert_int_equal(l->flags, 2);
	csm_evidence_free(ev);

	static const struct {
		const char *region, *reason;
	} bad[] = {
		{ "\"acl\": {}", "regions[0].acl: an array" },
		{ "\"acl\": [{\"kind\": 4, \"value\": \"11\", \"perms\": 1}]", "kind must be 1" },
		{ "\"acl\": [{\"kind\": \"rpv\", \"value\": \"11\", \"perms\": 1}]", "kind must be 1" },
		{ "\"acl\": [{\"kind\": 1, \"value\": \"\", \"perms\": 1}]", "1..128 bytes of hex" },
		{ "\"acl\": [{\"kind\": 1, \"value\": \"11\", \"perms\": 65536}]", "bits outside 0, 1 and 8..15" },
		{ "\"acl\": [{\"kind\": 1, \"value\": \"11\", \"perms\": 4}]", "bits outside" },
		{ "\"acl\": [{\"kind\": 1, \"value\": \"11\", \"perms\": \"x\"}]", "perms must be" },
		{ "\"acl\": [{\"kind\": 1, \"value\": \"11\", \"perm\": 1}]",
		  "regions[0].acl[0]: unknown member 'perm' (did you mean 'perms'?)" },
		{ "\"generation\": -1", "regions[0].generation: an unsigned integer" },
		{ "\"flags\": \"sealed\"", "regions[0].flags: an unsigned integer" },
		{ "\"owner\": {\"realm_id\": \"11\", \"rim\": \"00\"}", "regions[0].owner: realm_id must be 32 bytes" },
		{ "\"owner\": {\"realmid\": \"11\"}", "unknown member 'realmid' (did you mean 'realm_id'?)" },
		{ "\"acls\": []", "unknown member 'acls' (did you mean 'acl'?)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{\"regions\": [{\"csm_id\": 1, \"members\": [], %s}]}",
			 bad[i].region);
		ev = NULL;
		why[0] = '\0';
		if (csm_evidence_parse(json, strlen(json), &ev, why) == 0)
			fail_msg("accepted: %s", json);
		assert_null(ev);
		if (!strstr(why, bad[i].reason))
			fail_msg("%s: \"%s\" lacks \"%s\"", json, why, bad[i].reason);
	}
	static const struct {
		const char *member, *reason;
	} bad_members[] = {
		{ "\"state\": \"maped\"", "state 'maped' (did you mean 'mapped'?)" },
		{ "\"state\": 4", "state must be" },
		{ "\"state\": 0", "state must be" },
		{ "\"policy_digest\": \"zz\"", "policy_digest" },
		{ "\"perms\": 259", "perms must be" }, /* an admit count is an ACL entry's */
		{ "\"stat\": \"mapped\"", "unknown member 'stat' (did you mean 'state'?)" },
	};
	for (size_t i = 0; i < sizeof(bad_members) / sizeof(bad_members[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"regions\": [{\"csm_id\": 1, \"members\": [{\"realm_id\": \"%s\", \"rim\": \"11\", %s%s}]}]}",
			 rep(0x22, 32), strstr(bad_members[i].member, "\"perms\"") ? "" : "\"perms\": 1, ",
			 bad_members[i].member);
		ev = NULL;
		why[0] = '\0';
		if (csm_evidence_parse(json, strlen(json), &ev, why) == 0)
			fail_msg("accepted: %s", json);
		if (!strstr(why, bad_members[i].reason))
			fail_msg("%s: \"%s\" lacks \"%s\"", json, why, bad_members[i].reason);
	}
	/* One realm listed twice is not a report (the digest would depend on the order). */
	snprintf(json, sizeof(json),
		 "{\"regions\": [{\"csm_id\": 1, \"members\": [{\"realm_id\": \"%s\", \"rim\": \"11\", \"perms\": 1},"
		 " {\"realm_id\": \"%s\", \"rim\": \"11\", \"perms\": 3}]}]}",
		 rep(0x22, 32), rep(0x22, 32));
	ev = NULL;
	assert_int_not_equal(csm_evidence_parse(json, strlen(json), &ev, why), 0);
	assert_non_null(strstr(why, "regions[0].members[0] and [1] have the same realm ID"));
}

/* Reference files: the new rule and identity members, and their typos. */
static void csm_rule_files(void **state)
{
	(void)state;
	char json[1024];
	static const struct {
		const char *rule, *reason;
	} bad[] = {
		{ "\"sealed\": 1", "csm[0].sealed: true or false" },
		{ "\"owner_destroyed\": \"yes\"", "csm[0].owner_destroyed: true or false" },
		{ "\"acl_digest\": \"1122\"", "csm[0].acl_digest: a digest is 32, 48 or 64 bytes" },
		{ "\"owner_realm_id\": \"11\"", "csm[0].owner_realm_id: a realm ID is 32 bytes" },
		{ "\"seal\": true", "csm[0]: unknown member 'seal' (did you mean 'sealed'?)" },
		{ "\"members\": [{\"rim\": \"11\", \"rpv\": \"70\"}]", "rpv must be 64 bytes" },
		{ "\"members\": [{\"realm_id\": \"%s\", \"rpv\": \"70\"}]", "exactly one of" },
		{ "\"members\": [{\"rim\": \"11\", \"rvp\": \"70\"}]", "unknown member 'rvp' (did you mean 'rpv'?)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char rule[256], why[REF_WHY_MAX] = "";
		struct verify_refvals *ref = NULL;
		snprintf(rule, sizeof(rule), bad[i].rule, rep(0x22, 32));
		snprintf(json, sizeof(json), "{\"csm\": [{\"owner_rim\": \"00\", %s%s}]}", rule,
			 strstr(rule, "\"members\"") ? "" : ", \"members\": []");
		if (verify_refvals_parse(json, strlen(json), NULL, &ref, why) == 0)
			fail_msg("accepted: %s", json);
		if (!strstr(why, bad[i].reason))
			fail_msg("%s: \"%s\" lacks \"%s\"", json, why, bad[i].reason);
	}
	struct verify_refvals *ref = NULL;
	char why[REF_WHY_MAX];
	snprintf(json, sizeof(json),
		 "{\"csm\": [{\"owner_rim\": \"00\", \"sealed\": true, \"owner_destroyed\": false,"
		 " \"members\": [{\"rim\": \"11\", \"rpv\": \"%s\", \"perms\": \"r\"}]}]}",
		 rep(0x70, 64));
	if (verify_refvals_parse(json, strlen(json), NULL, &ref, why) != 0)
		fail_msg("%s", why);
	const struct ref_csm_rule *r = &ref->csm_rules[0];
	assert_int_equal(r->sealed, REF_FLAG_SET);
	assert_int_equal(r->owner_destroyed, REF_FLAG_CLEAR);
	assert_int_equal(r->members[0].kind, CSM_ID_RIM_RPV);
	assert_int_equal(r->members[0].rpv.len, 64);
	assert_int_equal(r->members[0].max_perms, CSM_PERM_READ);
	verify_refvals_free(ref);
}

static int setup(void **state)
{
	*state = EVP_EC_gen("P-256");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	EVP_PKEY_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acl_digest_known_answer_sha256),
		cmocka_unit_test(acl_digest_known_answer_sha512),
		cmocka_unit_test(membership_digest_known_answer),
		cmocka_unit_test(acl_digest_refuses_what_it_cannot_bind),
		cmocka_unit_test(region_claim_and_evidence_pass),
		cmocka_unit_test(rule_constraints_on_the_claim),
		cmocka_unit_test(acl_entries_against_the_rule),
		cmocka_unit_test(owner_clone_flagged),
		cmocka_unit_test(own_realm_owner_or_clone),
		cmocka_unit_test(rim_rpv_rules),
		cmocka_unit_test(report_fields_match_the_claim),
		cmocka_unit_test(evidence_region_report),
		cmocka_unit_test(csm_rule_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

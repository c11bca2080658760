/*
 * Writes tokens of the test producer (token_builder.c) for the CLI tests,
 * each differing from a valid, secured one in one respect:
 *   platform.pem        the platform public key that signs them all
 *   secured.cbor        lifecycle 0x3003; nonce 0x5a x 64
 *   debug.cbor          lifecycle 0x5000 (recoverable-cca-platform-rot-debug, as hostsim's)
 *   decommissioned.cbor lifecycle 0x6000
 *   meas64.cbor         64-byte RIM and REMs under "sha-256" (as some third-party tokens)
 *   short-nonce.cbor    challenge ab ab then 62 zero bytes ("--nonce abab")
 *   csm.cbor            CAEC claims: a member (realm 22.., RIM 11..) of a sealed
 *                       region owned by realm 01.. (RIM 00..), with co-member 55..
 *                       (RIM 44..); csm-members.json is its region report
 *                       (members and ACL), whose digests the token carries
 *   csm-clone.cbor      the same with a clone of the owner (realm 77.., RIM 00..)
 *                       among the members (csm-clone-members.json)
 * Usage: make_test_tokens DIR
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "abi/caec.h"
#include "token_builder.h"
#include "verify/appraise.h"

static const char *out_dir;

static void write_file(const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static struct csm_member member(uint8_t id, uint8_t rim, uint64_t perms)
{
	struct csm_member m = { .perms = perms };
	memset(m.realm_id, id, 32);
	memset(m.rim.bytes, rim, 32);
	m.rim.len = 32;
	return m;
}

/* NAME.cbor carrying the digests of this list and ACL, and NAME-members.json giving them. */
static void write_csm(const char *name, struct tb_options *o, const struct csm_member *members,
		      size_t n, const struct csm_acl_entry *acl, size_t nacl)
{
	static uint8_t buf[16384];
	struct csm_member copy[8];
	struct csm_member_list list = { .num_members = n, .members = copy };
	uint8_t digest[64];
	char why[REF_WHY_MAX], path[4096];
	assert_true(n <= 8);
	memcpy(copy, members, n * sizeof(*members));
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &list, digest), 32);
	memcpy(o->membership_digest, digest, 32);
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, acl, nacl, digest, why), 32);
	memcpy(o->acl_digest, digest, 32);
	snprintf(path, sizeof(path), "%s.cbor", name);
	write_file(path, buf, tb_build(o, buf, sizeof(buf)));

	snprintf(path, sizeof(path), "%s/%s-members.json", out_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"regions\": [{\"csm_id\": \"0x1234567890abcdef\", \"generation\": 7, \"flags\": %llu,\n",
		(unsigned long long)o->region_flags);
	fprintf(f, "  \"owner\": {\"realm_id\": \"");
	hex(f, o->owner_realm_id, 32);
	fprintf(f, "\", \"rim\": \"");
	hex(f, o->owner_rim, 32);
	fprintf(f, "\"},\n  \"acl\": [");
	for (size_t i = 0; i < nacl; i++) {
		fprintf(f, "%s\n    {\"kind\": %llu, \"value\": \"", i ? "," : "",
			(unsigned long long)acl[i].kind);
		hex(f, acl[i].value, sizeof(acl[i].value));
		fprintf(f, "\", \"perms\": %llu}", (unsigned long long)acl[i].perms);
	}
	fprintf(f, "],\n  \"members\": [");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\"realm_id\": \"", i ? "," : "");
		hex(f, members[i].realm_id, 32);
		fprintf(f, "\", \"rim\": \"");
		hex(f, members[i].rim.bytes, members[i].rim.len);
		fprintf(f, "\", \"perms\": %llu, \"state\": \"mapped\"}", (unsigned long long)members[i].perms);
	}
	fprintf(f, "]}]}\n");
	assert_int_equal(fclose(f), 0);
}

static void make_csm_tokens(EVP_PKEY *cpak, EVP_PKEY *rak)
{
	struct tb_options o;
	struct csm_member members[4] = { member(0x22, 0x11, 3), member(0x55, 0x44, 1),
					 member(0x01, 0x00, 3), member(0x77, 0x00, 1) };
	struct csm_acl_entry acl[2] = { { .kind = CSM_IDENTITY_RIM, .perms = 0x0203 },
					{ .kind = CSM_IDENTITY_REALM_ID, .perms = 1 } };
	memset(acl[0].value, 0x11, 32);
	memset(acl[1].value, 0x55, 32);
	tb_defaults(&o, cpak, rak);
	o.caec_claims = true;
	o.region_flags = CAEC_REGION_FLAG_SEALED;
	write_csm("csm", &o, members, 3, acl, 2);
	write_csm("csm-clone", &o, members, 4, acl, 2);
}

static void make_tokens(void **state)
{
	(void)state;
	static uint8_t buf[16384];
	EVP_PKEY *cpak = EVP_EC_gen("P-384"), *rak = EVP_EC_gen("P-384");
	assert_non_null(cpak);
	assert_non_null(rak);
	struct tb_options o;
	char path[4096];
	snprintf(path, sizeof(path), "%s/platform.pem", out_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, cpak), 1);
	assert_int_equal(fclose(f), 0);

	tb_defaults(&o, cpak, rak);
	write_file("secured.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	o.lifecycle = 0x5000;
	write_file("debug.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	o.lifecycle = 0x6000;
	write_file("decommissioned.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	tb_defaults(&o, cpak, rak);
	o.meas_len = 64;
	write_file("meas64.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	tb_defaults(&o, cpak, rak);
	memset(o.nonce, 0, sizeof(o.nonce));
	o.nonce[0] = o.nonce[1] = 0xab;
	write_file("short-nonce.cbor", buf, tb_build(&o, buf, sizeof(buf)));
	make_csm_tokens(cpak, rak);
	EVP_PKEY_free(cpak);
	EVP_PKEY_free(rak);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_test_tokens DIR\n");
		return 2;
	}
	out_dir = argv[1];
	const struct CMUnitTest tests[] = { cmocka_unit_test(make_tokens) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Policies on the host side (verify/policy.h): a source compiles into the
 * blob the monitor's parser accepts and reads back field for field; every
 * rule of that parser refuses a blob broken in its way, and no byte of a
 * valid blob can change unnoticed; a source's mistakes are refused with the
 * name of the realm or channel; the digest is the one an independent
 * encoder computes; the static checks find the chains to the host and the
 * paths around a guard.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/caec.h"
#include "rmm/policy_blob.h"
#include "verify/policy.h"

#define RIM_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define RIM_L "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" \
	      "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
#define RIM_N "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"

/* The pipeline of the known-answer test: its blob was written by a Python
 * encoder of abi/caec_policy.h's layout (struct.pack), and hashed with
 * hashlib, independently of this code. */
static const char pipeline[] =
	"{\"version\": 1, \"self\": \"llm\","
	" \"realms\": {\"agent\": {\"rim\": \"" RIM_A "\"},"
	"              \"llm\": {\"rim\": \"" RIM_L "\", \"gateway\": false},"
	"              \"net\": {\"rim\": \"" RIM_N "\", \"gateway\": true}},"
	" \"channels\": {\"prompt\": {\"owner\": \"agent\", \"pages\": 16, \"members\": {\"agent\": \"rw\", \"llm\": \"r\"}},"
	"                \"out\": {\"owner\": \"llm\", \"pages\": 1, \"members\": {\"llm\": \"w\", \"net\": \"r\"}}},"
	" \"host_calls\": \"doorbell\", \"strict\": true}";
#define PIPELINE_SIZE 320
#define PIPELINE_SHA256 "35796d8f3ef8bcdb32986735d6076697eac8ed636757f5b5b9557f2763bdf149"
#define PIPELINE_SHA512 "879b47ea7691558943f6df9dec62c434f5b0fadfcf21231f6a7fdfcb1d016e08" \
			"6c6ba797101682ab1e1684eaac2f25162f637369e7a8ea44f490687119a81bfd"
#define PIPELINE_HEAD "43504f4c010020004001000001000201030220" /* magic .. names_offset's low byte */

static int load(const char *text, struct policy_source *src, struct policy_err *err)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("test JSON does not parse: %s: %s", je.text, text);
	int rc = policy_source_from_json(root, ".", NULL, NULL, src, err);
	json_decref(root);
	return rc;
}

static void must_load(const char *text, struct policy_source *src)
{
	struct policy_err err = { "" };
	if (load(text, src, &err) != 0)
		fail_msg("source refused: %s", err.msg);
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- round trip ---- */

static void round_trip(void **state)
{
	(void)state;
	struct policy_source src;
	uint64_t blob[POLICY_MAX_SIZE / 8];
	struct policy_view v;
	struct policy_err err;
	size_t len;

	must_load(pipeline, &src);
	assert_int_equal(src.num_realms, 3);
	assert_int_equal(src.num_channels, 2);
	assert_int_equal(src.self, 1);
	for (int self = 0; self < 3; self++) {
		assert_int_equal(policy_compile(&src, self, (uint8_t *)blob, sizeof(blob), &len, &err), 0);
		assert_int_equal(len, PIPELINE_SIZE);
		assert_int_equal(policy_blob_size(&src), len);
		assert_int_equal(policy_blob_check(blob, len, &v), POLICY_BLOB_OK);
		assert_int_equal(v.hdr->self, self);
		assert_int_equal(v.hdr->num_realms, 3);
		assert_int_equal(v.hdr->num_channels, 2);
		assert_int_equal(v.hdr->host_calls, POLICY_HOST_CALLS_DOORBELL);
		assert_int_equal(v.hdr->flags, POLICY_FLAG_STRICT);
		static const char *const names[] = { "agent", "llm", "net" };
		for (unsigned i = 0; i < 3; i++) {
			assert_int_equal(v.realms[i].name_len, strlen(names[i]));
			assert_memory_equal(policy_realm_name(&v, i), names[i], strlen(names[i]));
			assert_int_equal(v.realms[i].rim_size, src.realms[i].rim_size);
			assert_memory_equal(v.realms[i].rim, src.realms[i].rim, src.realms[i].rim_size);
		}
		assert_int_equal(v.realms[1].rim_size, 64);
		assert_int_equal(v.realms[0].rim[31], 0x1f);
		assert_int_equal(v.realms[0].flags, 0);
		assert_int_equal(v.realms[2].flags, POLICY_REALM_GATEWAY);
		assert_int_equal(policy_find_realm(&v, src.realms[2].rim, 32), 2);
		assert_int_equal(policy_find_channel(&v, "out", 3), 1);
		assert_int_equal(v.channels[0].owner, 0);
		assert_int_equal(v.channels[0].pages, 16);
		assert_int_equal(v.channels[0].perms[0], CSM_PERM_READ | CSM_PERM_WRITE);
		assert_int_equal(v.channels[0].perms[1], CSM_PERM_READ);
		assert_int_equal(v.channels[0].perms[2], 0);
		assert_int_equal(v.channels[1].owner, 1);
		assert_int_equal(v.channels[1].perms[1], CSM_PERM_WRITE);
		assert_int_equal(v.channels[1].perms[2], CSM_PERM_READ);
		/* And back: the blob decodes to the source, which compiles to it. */
		struct policy_source back;
		uint8_t again[POLICY_MAX_SIZE];
		size_t len2;
		assert_int_equal(policy_source_from_blob((uint8_t *)blob, len, &back, &err), 0);
		assert_int_equal(back.self, self);
		assert_string_equal(back.channels[1].name, "out");
		assert_int_equal(policy_compile(&back, -1, again, sizeof(again), &len2, &err), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, blob, len);
		/* The source form written back reads as the same policy. */
		json_t *j = policy_source_to_json(&back);
		assert_non_null(j);
		struct policy_source reread;
		assert_int_equal(policy_source_from_json(j, ".", NULL, NULL, &reread, &err), 0);
		json_decref(j);
		assert_int_equal(policy_compile(&reread, -1, again, sizeof(again), &len2, &err), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, blob, len);
	}
	/* -1: the source's self. */
	assert_int_equal(policy_compile(&src, -1, (uint8_t *)blob, sizeof(blob), &len, &err), 0);
	assert_int_equal(((uint8_t *)blob)[offsetof(struct policy_header, self)], 1);
}

/* The realms and channels keep the file's order, not the alphabet's. */
static void source_order_and_defaults(void **state)
{
	(void)state;
	struct policy_source src;
	struct policy_err err;
	uint8_t blob[POLICY_MAX_SIZE];
	size_t len;

	must_load("{\"version\": 1, \"realms\": {\"zeta\": {\"rim\": \"" RIM_N "\"}, \"alpha\": {\"rim\": \"" RIM_A "\"}},"
		  " \"channels\": {\"z\": {\"owner\": \"alpha\", \"pages\": 1, \"members\": {\"zeta\": \"r\"}},"
		  "              \"a\": {\"owner\": \"zeta\", \"pages\": 2, \"members\": {\"alpha\": \"w\"}}}}",
		  &src);
	assert_string_equal(src.realms[0].name, "zeta");
	assert_string_equal(src.realms[1].name, "alpha");
	assert_string_equal(src.channels[0].name, "z");
	assert_int_equal(src.channels[0].owner, 1);
	assert_int_equal(src.channels[0].perms[0], CSM_PERM_READ);
	/* Each left-out key is its most restrictive value. */
	assert_int_equal(src.self, -1);
	assert_int_equal(src.host_calls, POLICY_HOST_CALLS_DENY);
	assert_true(src.strict);
	assert_false(src.realms[0].gateway);
	/* No self in the source: compile needs one. */
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	assert_non_null(strstr(err.msg, "no \"self\""));
	assert_int_equal(policy_compile(&src, 2, blob, sizeof(blob), &len, &err), -1);
	assert_int_equal(policy_compile(&src, 0, blob, 40, &len, &err), -1);
	assert_non_null(strstr(err.msg, "buffer holds 40"));
	assert_int_equal(policy_compile(&src, 0, blob, sizeof(blob), &len, &err), 0);
	/* No channels at all is a policy too; strict false and allow are kept. */
	must_load("{\"version\": 1, \"self\": \"x\", \"realms\": {\"x\": {\"rim\": \"0x" RIM_A "\"}},"
		  " \"host_calls\": \"allow\", \"strict\": false}", &src);
	assert_int_equal(src.num_channels, 0);
	assert_int_equal(src.host_calls, POLICY_HOST_CALLS_ALLOW);
	assert_false(src.strict);
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), 0);
	assert_int_equal(len, 32 + 72 + 8);
	assert_int_equal(policy_blob_check(blob, len, NULL), POLICY_BLOB_OK);
}

/* ---- the parser's rules on broken blobs ---- */

struct mutation {
	const char *what;
	enum policy_blob_error want;
	void (*apply)(uint8_t *b, size_t *len);
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

#define HDR(f)        offsetof(struct policy_header, f)
#define REALM(i, f)   (32 + 72 * (i) + offsetof(struct policy_realm, f))
#define CHAN(i, f)    (32 + 72 * 3 + 24 * (i) + offsetof(struct policy_channel, f))
#define NAMES         (32 + 72 * 3 + 24 * 2)

static void m_short(uint8_t *b, size_t *len) { (void)b; *len = 31; }
static void m_long(uint8_t *b, size_t *len) { (void)b; *len = POLICY_MAX_SIZE + 8; }
static void m_total(uint8_t *b, size_t *len) { put32(b + HDR(total_size), (uint32_t)*len + 8); }
static void m_cut(uint8_t *b, size_t *len) { (void)b; *len -= 8; }
static void m_magic(uint8_t *b, size_t *len) { (void)len; b[0] ^= 0x20; }
static void m_version(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(version), 2); }
static void m_header_size(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(header_size), 40); }
static void m_realms_offset(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(realms_offset), 40); }
static void m_channels_offset(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(channels_offset), 0); }
static void m_names_offset(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(names_offset), NAMES + 8); }
static void m_names_size(uint8_t *b, size_t *len) { (void)len; put16(b + HDR(names_size), 16); }
/* Eight more bytes of zero padding: a whole padding word is not the layout's. */
static void m_padding_long(uint8_t *b, size_t *len)
{
	*len += 8;
	put32(b + HDR(total_size), (uint32_t)*len);
	put16(b + HDR(names_size), (uint16_t)(*len - NAMES));
}
static void m_padding_set(uint8_t *b, size_t *len) { b[*len - 1] = 1; }
static void m_flags(uint8_t *b, size_t *len) { (void)len; b[HDR(flags)] |= 2; }
static void m_host_calls(uint8_t *b, size_t *len) { (void)len; b[HDR(host_calls)] = 3; }
static void m_reserved(uint8_t *b, size_t *len) { (void)len; b[HDR(reserved) + 5] = 1; }
static void m_realm_flags(uint8_t *b, size_t *len) { (void)len; b[REALM(1, flags)] = 0x80; }
static void m_realm_reserved(uint8_t *b, size_t *len) { (void)len; b[REALM(2, reserved) + 2] = 1; }
static void m_no_realm(uint8_t *b, size_t *len) { (void)len; b[HDR(num_realms)] = 0; }
static void m_many_realms(uint8_t *b, size_t *len) { (void)len; b[HDR(num_realms)] = POLICY_MAX_REALMS + 1; }
static void m_many_channels(uint8_t *b, size_t *len) { (void)len; b[HDR(num_channels)] = POLICY_MAX_CHANNELS + 1; }
static void m_self(uint8_t *b, size_t *len) { (void)len; b[HDR(self)] = 3; }
static void m_name_empty(uint8_t *b, size_t *len) { (void)len; b[REALM(0, name_len)] = 0; }
static void m_name_long(uint8_t *b, size_t *len) { (void)len; b[REALM(0, name_len)] = POLICY_NAME_MAX + 1; }
static void m_name_char(uint8_t *b, size_t *len) { (void)len; b[NAMES + 1] = '/'; }
static void m_name_place(uint8_t *b, size_t *len) { (void)len; put16(b + REALM(1, name_offset), 0); }
static void m_name_past(uint8_t *b, size_t *len) { (void)len; b[CHAN(1, name_len)] = 20; }
static void m_channel_name_char(uint8_t *b, size_t *len) { (void)len; b[NAMES + 16] = ' '; }
/* The names are agent (0..5) llm (5..8) net (8..11) prompt (11..17)
 * out (17..20): "net" becomes "llm". */
static void m_dup_name(uint8_t *b, size_t *len)
{
	(void)len;
	memcpy(b + NAMES + 8, "llm", 3);
}
static void m_dup_rim(uint8_t *b, size_t *len)
{
	(void)len;
	memcpy(b + REALM(2, rim), b + REALM(0, rim), 32);
}
static void m_dup_channel(uint8_t *b, size_t *len)
{
	(void)len;
	/* Both channels become "out", packed at 11 and 14; the rest is zero. */
	memcpy(b + NAMES + 11, "out", 3);
	b[CHAN(0, name_len)] = 3;
	put16(b + CHAN(1, name_offset), 14);
	memcpy(b + NAMES + 14, "out", 3);
	memset(b + NAMES + 17, 0, 3);
}
static void m_rim_size(uint8_t *b, size_t *len) { (void)len; b[REALM(0, rim_size)] = 48; }
static void m_rim_tail(uint8_t *b, size_t *len) { (void)len; b[REALM(2, rim) + 40] = 1; }
static void m_owner(uint8_t *b, size_t *len) { (void)len; b[CHAN(0, owner)] = 3; }
static void m_pages_zero(uint8_t *b, size_t *len) { (void)len; put32(b + CHAN(0, pages), 0); }
static void m_pages_many(uint8_t *b, size_t *len) { (void)len; put32(b + CHAN(1, pages), CSM_MAX_GRANULES + 1); }
static void m_perm_bits(uint8_t *b, size_t *len) { (void)len; b[CHAN(0, perms) + 1] = 4; }
static void m_perm_past(uint8_t *b, size_t *len) { (void)len; b[CHAN(1, perms) + 3] = CSM_PERM_READ; }
static void m_no_member(uint8_t *b, size_t *len) { (void)len; memset(b + CHAN(1, perms), 0, POLICY_MAX_REALMS); }

static const struct mutation mutations[] = {
	{ "shorter than a header", POLICY_BLOB_E_SIZE, m_short },
	{ "over 2 KiB", POLICY_BLOB_E_SIZE, m_long },
	{ "total_size is not the length", POLICY_BLOB_E_SIZE, m_total },
	{ "cut short", POLICY_BLOB_E_SIZE, m_cut },
	{ "magic", POLICY_BLOB_E_MAGIC, m_magic },
	{ "version 2", POLICY_BLOB_E_VERSION, m_version },
	{ "header_size", POLICY_BLOB_E_LAYOUT, m_header_size },
	{ "realms_offset", POLICY_BLOB_E_LAYOUT, m_realms_offset },
	{ "channels_offset", POLICY_BLOB_E_LAYOUT, m_channels_offset },
	{ "names_offset", POLICY_BLOB_E_LAYOUT, m_names_offset },
	{ "names_size", POLICY_BLOB_E_LAYOUT, m_names_size },
	{ "a whole word of padding", POLICY_BLOB_E_LAYOUT, m_padding_long },
	{ "padding not zero", POLICY_BLOB_E_LAYOUT, m_padding_set },
	{ "unknown flag", POLICY_BLOB_E_FLAGS, m_flags },
	{ "host_calls 3", POLICY_BLOB_E_FLAGS, m_host_calls },
	{ "header reserved", POLICY_BLOB_E_FLAGS, m_reserved },
	{ "realm flag", POLICY_BLOB_E_FLAGS, m_realm_flags },
	{ "realm reserved", POLICY_BLOB_E_FLAGS, m_realm_reserved },
	{ "no realm", POLICY_BLOB_E_COUNT, m_no_realm },
	{ "17 realms", POLICY_BLOB_E_COUNT, m_many_realms },
	{ "17 channels", POLICY_BLOB_E_COUNT, m_many_channels },
	{ "self past the realms", POLICY_BLOB_E_SELF, m_self },
	{ "empty name", POLICY_BLOB_E_NAME, m_name_empty },
	{ "32-byte name", POLICY_BLOB_E_NAME, m_name_long },
	{ "'/' in a name", POLICY_BLOB_E_NAME, m_name_char },
	{ "a name out of place", POLICY_BLOB_E_NAME, m_name_place },
	{ "a name past the names", POLICY_BLOB_E_NAME, m_name_past },
	{ "' ' in a channel name", POLICY_BLOB_E_NAME, m_channel_name_char },
	{ "two realms of one name", POLICY_BLOB_E_DUPLICATE, m_dup_name },
	{ "two realms of one RIM", POLICY_BLOB_E_DUPLICATE, m_dup_rim },
	{ "two channels of one name", POLICY_BLOB_E_DUPLICATE, m_dup_channel },
	{ "48-byte RIM", POLICY_BLOB_E_RIM, m_rim_size },
	{ "a byte past the RIM", POLICY_BLOB_E_RIM, m_rim_tail },
	{ "owner past the realms", POLICY_BLOB_E_CHANNEL, m_owner },
	{ "no pages", POLICY_BLOB_E_CHANNEL, m_pages_zero },
	{ "too many pages", POLICY_BLOB_E_CHANNEL, m_pages_many },
	{ "permission bit 2", POLICY_BLOB_E_CHANNEL, m_perm_bits },
	{ "a member past the realms", POLICY_BLOB_E_CHANNEL, m_perm_past },
	{ "no member", POLICY_BLOB_E_CHANNEL, m_no_member },
};

static size_t compile_pipeline(uint8_t *blob, size_t cap)
{
	struct policy_source src;
	struct policy_err err;
	size_t len;

	must_load(pipeline, &src);
	assert_int_equal(policy_compile(&src, -1, blob, cap, &len, &err), 0);
	return len;
}

static void every_rule_refuses(void **state)
{
	(void)state;
	uint64_t good[POLICY_MAX_SIZE / 8 + 2], bad[POLICY_MAX_SIZE / 8 + 2];
	bool reached[POLICY_BLOB_E_CHANNEL + 1] = { false };
	struct policy_view v;
	size_t len = compile_pipeline((uint8_t *)good, POLICY_MAX_SIZE);

	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		size_t n = len;
		memset(bad, 0, sizeof(bad));
		memcpy(bad, good, len);
		mutations[i].apply((uint8_t *)bad, &n);
		memset(&v, 0xee, sizeof(v));
		enum policy_blob_error e = policy_blob_check(bad, n, &v);
		if (e != mutations[i].want)
			fail_msg("%s: got %d (%s), expected %d (%s)", mutations[i].what, e, policy_blob_strerror(e),
				 mutations[i].want, policy_blob_strerror(mutations[i].want));
		assert_true(v.hdr == (void *)(uintptr_t)0xeeeeeeeeeeeeeeeeu); /* no view of a refused blob */
		reached[e] = true;
		assert_string_not_equal(policy_blob_strerror(e), policy_blob_strerror(POLICY_BLOB_OK));
	}
	/* Misaligned and absent blobs are refused for their size. */
	memcpy((uint8_t *)bad + 1, good, len);
	assert_int_equal(policy_blob_check((uint8_t *)bad + 1, len, NULL), POLICY_BLOB_E_SIZE);
	assert_int_equal(policy_blob_check(NULL, len, NULL), POLICY_BLOB_E_SIZE);
	for (int e = POLICY_BLOB_E_SIZE; e <= POLICY_BLOB_E_CHANNEL; e++)
		if (!reached[e])
			fail_msg("no mutation reached policy blob error %d (%s)", e, policy_blob_strerror(e));
	assert_int_equal(policy_blob_check(good, len, NULL), POLICY_BLOB_OK);
}

/* Every byte of a valid blob, changed in three ways: refused, or accepted as
 * a different policy (another digest) whose own compile is that very blob,
 * so no two blobs mean one policy. */
static void tampered_bytes(void **state)
{
	(void)state;
	uint64_t good[POLICY_MAX_SIZE / 8], bad[POLICY_MAX_SIZE / 8];
	uint8_t d0[64], d1[64], again[POLICY_MAX_SIZE];
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	size_t len = compile_pipeline((uint8_t *)good, sizeof(good)), accepted = 0;
	struct policy_source back;
	struct policy_err err;

	assert_int_equal(policy_blob_digest((uint8_t *)good, len, 32, d0), 0);
	for (size_t i = 0; i < len; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(bad, good, len);
			((uint8_t *)bad)[i] ^= flips[f];
			if (policy_blob_check(bad, len, NULL) != POLICY_BLOB_OK)
				continue;
			accepted++;
			assert_int_equal(policy_blob_digest((uint8_t *)bad, len, 32, d1), 0);
			if (!memcmp(d0, d1, 32))
				fail_msg("byte %zu ^ 0x%02x: accepted with the same digest", i, flips[f]);
			size_t n;
			assert_int_equal(policy_source_from_blob((uint8_t *)bad, len, &back, &err), 0);
			assert_int_equal(policy_compile(&back, -1, again, sizeof(again), &n, &err), 0);
			assert_int_equal(n, len);
			assert_memory_equal(again, bad, len);
		}
	}
	/* RIM bytes, names, pages, flags: some changes are other policies. */
	assert_true(accepted > 0);
	/* The decoder refuses what the parser refuses, with its phrase. */
	memcpy(bad, good, len);
	((uint8_t *)bad)[0] ^= 1;
	assert_int_equal(policy_source_from_blob((uint8_t *)bad, len, &back, &err), -1);
	assert_string_equal(err.msg, policy_blob_strerror(POLICY_BLOB_E_MAGIC));
	static uint8_t big[POLICY_MAX_SIZE + 100];
	memcpy(big, good, len);
	assert_int_equal(policy_source_from_blob(big, sizeof(big), &back, &err), -1);
	assert_string_equal(err.msg, policy_blob_strerror(POLICY_BLOB_E_SIZE));
}

/* ---- the digest ---- */

static void digest_known_answer(void **state)
{
	(void)state;
	uint8_t blob[POLICY_MAX_SIZE], d[64];
	char hex[2 * POLICY_MAX_SIZE + 1];
	size_t len = compile_pipeline(blob, sizeof(blob));

	assert_int_equal(len, PIPELINE_SIZE);
	hex_of(blob, 19, hex);
	assert_string_equal(hex, PIPELINE_HEAD);
	assert_int_equal(policy_blob_digest(blob, len, 32, d), 0);
	hex_of(d, 32, hex);
	assert_string_equal(hex, PIPELINE_SHA256);
	assert_int_equal(policy_blob_digest(blob, len, 64, d), 0);
	hex_of(d, 64, hex);
	assert_string_equal(hex, PIPELINE_SHA512);
	assert_int_equal(policy_blob_digest(blob, len, 48, d), -1);
	assert_int_equal(policy_blob_digest(NULL, len, 32, d), -1);
}

/* ---- the source's errors name what they are about ---- */

struct bad_source {
	const char *json;
	const char *says;
};

#define R1 "\"agent\": {\"rim\": \"" RIM_A "\"}"
#define R2 "\"llm\": {\"rim\": \"" RIM_N "\"}"
#define SRC(rest) "{\"version\": 1, \"realms\": {" R1 ", " R2 "}" rest "}"
#define CHAN_P(body) SRC(", \"channels\": {\"prompt\": {" body "}}")

static const struct bad_source bad_sources[] = {
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 4, \"members\": {\"agent\": \"rw\", \"tool\": \"r\"}"),
	  "channel 'prompt': member 'tool' is not a declared realm (declared: agent, llm)" },
	{ CHAN_P("\"owner\": \"boss\", \"pages\": 4, \"members\": {\"agent\": \"rw\"}"),
	  "channel 'prompt': owner 'boss' is not a declared realm" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 4, \"members\": {\"llm\": \"x\"}"),
	  "channel 'prompt': member 'llm': the permission must be" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 4, \"members\": {}"), "channel 'prompt': no members" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 0, \"members\": {\"llm\": \"r\"}"), "channel 'prompt': \"pages\"" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 245761, \"members\": {\"llm\": \"r\"}"), "channel 'prompt': \"pages\"" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 2.5, \"members\": {\"llm\": \"r\"}"), "channel 'prompt': \"pages\"" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 1"), "channel 'prompt': no \"members\"" },
	{ CHAN_P("\"pages\": 1, \"members\": {\"llm\": \"r\"}"), "channel 'prompt': \"owner\"" },
	{ CHAN_P("\"owner\": \"agent\", \"pages\": 1, \"members\": {\"llm\": \"r\"}, \"size\": 1"),
	  "channel 'prompt': unknown key 'size'" },
	{ SRC(", \"channels\": {\"bad name\": {}}"), "channel name 'bad name'" },
	{ SRC(", \"channels\": []"), "\"channels\" must be an object" },
	{ SRC(", \"chanels\": {}"), "unknown key 'chanels' (did you mean 'channels'?)" },
	{ SRC(", \"self\": \"tool\""), "\"self\": 'tool' is not a declared realm" },
	{ SRC(", \"self\": 3"), "\"self\" must name a realm" },
	{ SRC(", \"host_calls\": \"some\""), "\"host_calls\" must be" },
	{ SRC(", \"strict\": 1"), "\"strict\" must be true or false" },
	{ "{\"realms\": {" R1 "}}", "no \"version\"" },
	{ "{\"version\": 2, \"realms\": {" R1 "}}", "\"version\" must be 1" },
	{ "{\"version\": 1}", "no \"realms\"" },
	{ "{\"version\": 1, \"realms\": {}}", "\"realms\" is empty" },
	{ "[1]", "a policy source is a JSON object" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"0011\"}}}",
	  "realm 'agent': \"rim\" has 4 hex digits; a RIM has 64 (SHA-256) or 128 (SHA-512)" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_A "0\"}}}", "realm 'agent': \"rim\" has 65" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"zz" RIM_A "\"}}}", "realm 'agent': \"rim\" has 66" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}}}",
	  "realm 'agent': \"rim\" is not hex" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": 5}}}", "realm 'agent': \"rim\" must be a string" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {}}}", "realm 'agent': no \"rim\"" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_A "\", \"image\": \"a.so\"}}}",
	  "realm 'agent': give \"rim\" or \"image\", not both" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"image\": \"a.so\"}}}", "realm 'agent': \"image\" needs" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_A "\", \"memory\": \"32M\"}}}",
	  "realm 'agent': \"memory\" is an option of an \"image\"" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_A "\", \"gatway\": true}}}",
	  "realm 'agent': unknown key 'gatway' (did you mean 'gateway'?)" },
	{ "{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_A "\", \"gateway\": 1}}}",
	  "realm 'agent': \"gateway\" must be true or false" },
	{ "{\"version\": 1, \"realms\": {\"agent\": 1}}", "realm 'agent': must be an object" },
	{ "{\"version\": 1, \"realms\": {\"a/b\": {\"rim\": \"" RIM_A "\"}}}", "realm name 'a/b'" },
	{ "{\"version\": 1, \"realms\": {\"abcdefghijabcdefghijabcdefghij12\": {\"rim\": \"" RIM_A "\"}}}",
	  "realm name 'abcdefghijabcdefghijabcdefghij12'" },
	{ "{\"version\": 1, \"realms\": {" R1 ", \"twin\": {\"rim\": \"" RIM_A "\"}}}",
	  "realms 'agent' and 'twin' have the same RIM" },
};

static void source_errors_name_the_item(void **state)
{
	(void)state;
	struct policy_source src;

	for (size_t i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++) {
		struct policy_err err = { "" };
		if (load(bad_sources[i].json, &src, &err) == 0)
			fail_msg("accepted: %s", bad_sources[i].json);
		if (!strstr(err.msg, bad_sources[i].says))
			fail_msg("source %zu: said \"%s\", expected \"%s\"", i, err.msg, bad_sources[i].says);
	}
}

/* Bounds: 17 realms, 17 channels, a blob over 2 KiB. */
static void source_bounds(void **state)
{
	(void)state;
	char text[16384], *p;
	struct policy_source src;
	struct policy_err err;

	p = text + sprintf(text, "{\"version\": 1, \"realms\": {");
	for (int i = 0; i < 17; i++)
		p += sprintf(p, "%s\"r%02d\": {\"rim\": \"%064x\"}", i ? ", " : "", i, i + 1);
	sprintf(p, "}}");
	assert_int_equal(load(text, &src, &err), -1);
	assert_non_null(strstr(err.msg, "17 realms: at most 16"));

	/* 16 realms and 16 channels of 31-character names: 2560 bytes. */
	p = text + sprintf(text, "{\"version\": 1, \"realms\": {");
	for (int i = 0; i < 16; i++)
		p += sprintf(p, "%s\"realm_%025d\": {\"rim\": \"%064x\"}", i ? ", " : "", i, i + 1);
	p += sprintf(p, "}, \"channels\": {");
	for (int i = 0; i < 16; i++)
		p += sprintf(p, "%s\"chan_%026d\": {\"owner\": \"realm_%025d\", \"pages\": 1, \"members\": {\"realm_%025d\": \"r\"}}",
			     i ? ", " : "", i, i, i);
	sprintf(p, "}}");
	assert_int_equal(load(text, &src, &err), -1);
	assert_non_null(strstr(err.msg, "the blob would be 2560 bytes, over the 2048-byte limit"));

	p = text + sprintf(text, "{\"version\": 1, \"realms\": {" R1 "}, \"channels\": {");
	for (int i = 0; i < 17; i++)
		p += sprintf(p, "%s\"c%d\": {\"owner\": \"agent\", \"pages\": 1, \"members\": {\"agent\": \"r\"}}",
			     i ? ", " : "", i);
	sprintf(p, "}}");
	assert_int_equal(load(text, &src, &err), -1);
	assert_non_null(strstr(err.msg, "17 channels: at most 16"));
}

/* A source built by hand meets the same rules when compiled. */
static void hand_built_sources(void **state)
{
	(void)state;
	struct policy_source src;
	struct policy_err err;
	uint8_t blob[POLICY_MAX_SIZE];
	size_t len;

	must_load(pipeline, &src);
	src.channels[0].perms[5] = CSM_PERM_READ;
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	assert_non_null(strstr(err.msg, "channel 'prompt': realm 5"));
	must_load(pipeline, &src);
	src.realms[1].rim_size = 48;
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	assert_non_null(strstr(err.msg, "realm 'llm': a RIM is 32 or 64 bytes"));
	must_load(pipeline, &src);
	memcpy(src.realms[2].name, "agent", 6);
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	assert_non_null(strstr(err.msg, "realm 'agent' is declared twice"));
	must_load(pipeline, &src);
	src.host_calls = 7;
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	must_load(pipeline, &src);
	memset(src.channels[1].name, 'x', sizeof(src.channels[1].name)); /* no terminator */
	assert_int_equal(policy_compile(&src, -1, blob, sizeof(blob), &len, &err), -1);
	assert_non_null(strstr(err.msg, "channel 1: the name"));
}

/* ---- images: the resolver's part ---- */

struct fake_resolver {
	char path[128], base[128];
	int calls;
	int64_t memory;
};

static int fake_measure(void *ctx, const char *image_path, const char *base_dir, const json_t *realm,
			uint8_t rim[POLICY_RIM_SIZE], size_t *size, struct policy_err *err)
{
	struct fake_resolver *f = ctx;
	f->calls++;
	snprintf(f->path, sizeof(f->path), "%s", image_path);
	snprintf(f->base, sizeof(f->base), "%s", base_dir);
	f->memory = json_integer_value(json_object_get(realm, "memory"));
	if (!strcmp(image_path, "missing.so")) {
		snprintf(err->msg, sizeof(err->msg), "image %s does not exist", image_path);
		return -1;
	}
	memset(rim, 0, POLICY_RIM_SIZE);
	rim[0] = (uint8_t)f->calls;
	*size = 32;
	return 0;
}

static void image_resolver(void **state)
{
	(void)state;
	char dir[] = "/tmp/policy_test.XXXXXX", path[256];
	struct fake_resolver f = { .calls = 0 };
	struct policy_source src;
	struct policy_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/src.json", dir);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "{\"version\": 1, \"realms\": {\"a\": {\"image\": \"a.so\", \"memory\": 65536, \"vcpus\": 2},"
		     " \"b\": {\"image\": \"b.so\", \"gateway\": true}}}");
	fclose(out);
	assert_int_equal(policy_source_load(path, fake_measure, &f, &src, &err), 0);
	assert_int_equal(f.calls, 2);
	assert_string_equal(f.path, "b.so");
	assert_string_equal(f.base, dir); /* relative to the source's folder */
	assert_int_equal(src.realms[0].rim[0], 1);
	assert_int_equal(src.realms[1].rim[0], 2);
	assert_true(src.realms[1].gateway);
	/* The first realm's object went to the resolver with its options. */
	f.calls = 0;
	out = fopen(path, "w");
	fprintf(out, "{\"version\": 1, \"realms\": {\"a\": {\"image\": \"a.so\", \"memory\": 65536},"
		     " \"late\": {\"image\": \"missing.so\"}}}");
	fclose(out);
	assert_int_equal(policy_source_load(path, fake_measure, &f, &src, &err), -1);
	assert_string_equal(err.msg, "realm 'late': image missing.so does not exist");
	/* Syntax errors give the place; duplicate keys are refused. */
	out = fopen(path, "w");
	fprintf(out, "{\"version\": 1,\n \"realms\": {\"a\": {\"rim\": \"" RIM_A "\"}, \"a\": {\"rim\": \"" RIM_N "\"}}}");
	fclose(out);
	assert_int_equal(policy_source_load(path, fake_measure, &f, &src, &err), -1);
	assert_non_null(strstr(err.msg, "src.json:2:"));
	assert_non_null(strstr(err.msg, "duplicate"));
	unlink(path);
	assert_int_equal(policy_source_load(path, fake_measure, &f, &src, &err), -1);
	assert_non_null(strstr(err.msg, "src.json"));
	rmdir(dir);
}

/* ---- static checks ---- */

#define NOTES "\"notes\": {\"rim\": \"" RIM_A "\"}"
#define AGENT "\"agent\": {\"rim\": \"" RIM_N "\"}"
#define NET   "\"net\": {\"rim\": \"" RIM_L "\", \"gateway\": true}"
#define RIM_G "1111111111111111111111111111111111111111111111111111111111111111"
#define GUARD "\"guard\": {\"rim\": \"" RIM_G "\"}"

static void host_reach(void **state)
{
	(void)state;
	struct policy_source src;
	struct policy_chain chains[POLICY_MAX_REALMS];
	char text[256];
	static const char chain_src[] =
		"{\"version\": 1, \"realms\": {" NOTES ", " AGENT ", " NET "},"
		" \"channels\": {\"tools\": {\"owner\": \"agent\", \"pages\": 1, \"members\": {\"notes\": \"w\", \"agent\": \"r\"}},"
		"               \"net-chan\": {\"owner\": \"agent\", \"pages\": 1, \"members\": {\"agent\": \"rw\", \"net\": \"r\"}}},"
		" \"host_calls\": \"doorbell\"}";

	must_load(chain_src, &src);
	assert_int_equal(policy_check_host_reach(&src, chains), 2);
	policy_chain_format(&src, &chains[0], text, sizeof(text));
	assert_string_equal(text, "notes -> [tools] -> agent -> [net-chan] -> net -> host");
	policy_chain_format(&src, &chains[1], text, sizeof(text));
	assert_string_equal(text, "agent -> [net-chan] -> net -> host");
	assert_int_equal(chains[2].len, 0); /* net is a gateway */
	assert_int_equal(chains[0].len, 4);
	assert_int_equal(chains[0].nodes[3], POLICY_NODE_HOST);
	assert_int_equal(chains[0].hops[2], POLICY_HOP_HOST);
	/* The agent's answers are meant to leave: "reaches_host" says so, and
	 * only the agent is excused; notes still is not. */
	src.realms[1].reaches_host = true;
	assert_int_equal(policy_check_host_reach(&src, chains), 1);
	assert_int_equal(chains[1].len, 0);
	assert_int_equal(chains[0].len, 4);
	static const char meant_src[] =
		"{\"version\": 1, \"realms\": {\"agent\": {\"rim\": \"" RIM_N "\", \"reaches_host\": true}, " NET "},"
		" \"channels\": {\"net-chan\": {\"owner\": \"agent\", \"pages\": 1, \"members\": {\"agent\": \"rw\", \"net\": \"r\"}}}}";
	must_load(meant_src, &src);
	assert_true(src.realms[0].reaches_host);
	assert_int_equal(policy_check_host_reach(&src, chains), 0);

	/* Reading from the gateway is no way out; nor is a doorbell. */
	must_load("{\"version\": 1, \"realms\": {" NOTES ", " NET "},"
		  " \"channels\": {\"in\": {\"owner\": \"net\", \"pages\": 1, \"members\": {\"net\": \"w\", \"notes\": \"r\"}}},"
		  " \"host_calls\": \"doorbell\"}", &src);
	assert_int_equal(policy_check_host_reach(&src, chains), 0);
	/* host_calls allow: every realm reaches the host itself. */
	src.host_calls = POLICY_HOST_CALLS_ALLOW;
	assert_int_equal(policy_check_host_reach(&src, chains), 1);
	policy_chain_format(&src, &chains[0], text, sizeof(text));
	assert_string_equal(text, "notes -> host");
	/* A channel a realm both writes and reads is no edge to itself. */
	must_load("{\"version\": 1, \"realms\": {" NOTES "},"
		  " \"channels\": {\"self\": {\"owner\": \"notes\", \"pages\": 1, \"members\": {\"notes\": \"rw\"}}}}", &src);
	assert_int_equal(policy_check_host_reach(&src, chains), 0);
}

static void path_through_guard(void **state)
{
	(void)state;
	struct policy_source src;
	struct policy_chain c;
	char text[256];
	bool reach;
	static const char guarded[] =
		"{\"version\": 1, \"realms\": {" NOTES ", " GUARD ", " NET "},"
		" \"channels\": {\"a\": {\"owner\": \"notes\", \"pages\": 1, \"members\": {\"notes\": \"w\", \"guard\": \"r\"}},"
		"               \"b\": {\"owner\": \"guard\", \"pages\": 1, \"members\": {\"guard\": \"w\", \"net\": \"r\"}}%s}}";
	char text_src[2048];

	snprintf(text_src, sizeof(text_src), guarded, "");
	must_load(text_src, &src);
	assert_int_equal(policy_check_path(&src, 0, 2, 1, &c, &reach), 1);
	assert_true(reach);
	assert_int_equal(policy_check_path(&src, 0, POLICY_NODE_HOST, 1, &c, &reach), 1);
	assert_true(reach);
	/* From the host (the gateway's side) to notes: no way at all. */
	assert_int_equal(policy_check_path(&src, POLICY_NODE_HOST, 0, 1, &c, &reach), 1);
	assert_false(reach);
	/* A channel around the guard is found. */
	snprintf(text_src, sizeof(text_src), guarded,
		 ", \"side\": {\"owner\": \"net\", \"pages\": 1, \"members\": {\"notes\": \"rw\", \"net\": \"r\"}}");
	must_load(text_src, &src);
	assert_int_equal(policy_check_path(&src, 0, POLICY_NODE_HOST, 1, &c, &reach), 0);
	policy_chain_format(&src, &c, text, sizeof(text));
	assert_string_equal(text, "notes -> [side] -> net -> host");
	/* Nodes out of range or not distinct. */
	assert_int_equal(policy_check_path(&src, 0, 0, 1, &c, &reach), -1);
	assert_int_equal(policy_check_path(&src, 0, 2, 0, &c, &reach), -1);
	assert_int_equal(policy_check_path(&src, 0, 3, 1, &c, &reach), -1);
	assert_int_equal(policy_check_path(&src, 0, 2, POLICY_NODE_HOST, &c, &reach), 0);
}

static void references_all_reported(void **state)
{
	(void)state;
	struct policy_err lines[8];
	json_t *root = json_loads(
		"{\"version\": 1, \"self\": \"ghost\", \"realms\": {" R1 "},"
		" \"channels\": {\"p\": {\"owner\": \"boss\", \"pages\": 1, \"members\": {\"agent\": \"r\", \"tool\": \"w\"}},"
		"               \"q\": {\"owner\": \"agent\", \"pages\": 1, \"members\": {\"x\": \"r\"}}}}",
		JSON_PRESERVE_ORDER, NULL);
	assert_non_null(root);
	assert_int_equal(policy_check_references(root, lines, 8), 4);
	assert_string_equal(lines[0].msg, "\"self\": 'ghost' is not a declared realm (declared: agent)");
	assert_string_equal(lines[1].msg, "channel 'p': owner 'boss' is not a declared realm (declared: agent)");
	assert_string_equal(lines[2].msg, "channel 'p': member 'tool' is not a declared realm (declared: agent)");
	assert_string_equal(lines[3].msg, "channel 'q': member 'x' is not a declared realm (declared: agent)");
	assert_int_equal(policy_check_references(root, lines, 2), 4); /* counted past max */
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(source_order_and_defaults),
		cmocka_unit_test(every_rule_refuses),
		cmocka_unit_test(tampered_bytes),
		cmocka_unit_test(digest_known_answer),
		cmocka_unit_test(source_errors_name_the_item),
		cmocka_unit_test(source_bounds),
		cmocka_unit_test(hand_built_sources),
		cmocka_unit_test(image_resolver),
		cmocka_unit_test(host_reach),
		cmocka_unit_test(path_through_guard),
		cmocka_unit_test(references_all_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Writes the group attestation CLI test's inputs (policy_group_cli) into DIR:
 * policy.json (group_model.h's pipeline as a policy source), platform.pem,
 * nonce.hex, and one folder per scenario holding one token per realm
 * (agent.cbor, llm.cbor, net.cbor, and impostor.cbor where there is one):
 * good, realm-nonces, extra-member, missing-member, wrong-rim,
 * missing-realm, impostor, wrong-digest, old-nonce, wrong-perms, undeclared.
 * The tokens' claim 65003 is computed from policy.json as the CLI loads it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "abi/caec.h"
#include "group_model.h"
#include "verify/group.h"

static const char *out_dir;

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static const char *perms_text(uint8_t perms)
{
	return perms == (CSM_PERM_READ | CSM_PERM_WRITE) ? "rw" : perms == CSM_PERM_READ ? "r" : "w";
}

/* The policy source of src in the spec's JSON form. */
static void write_policy(const struct policy_source *src, const char *path)
{
	static const char *const host_calls[] = { "allow", "deny", "doorbell" };
	json_t *root = json_object(), *realms = json_object(), *channels = json_object();
	char rim[2 * POLICY_RIM_SIZE + 1];
	json_object_set_new(root, "version", json_integer(1));
	for (unsigned r = 0; r < src->num_realms; r++) {
		hex(src->realms[r].rim, src->realms[r].rim_size, rim);
		json_object_set_new(realms, src->realms[r].name,
				    json_pack("{s:s, s:b}", "rim", rim, "gateway", src->realms[r].gateway));
	}
	for (unsigned c = 0; c < src->num_channels; c++) {
		const struct policy_source_channel *ch = &src->channels[c];
		json_t *members = json_object();
		for (unsigned r = 0; r < src->num_realms; r++)
			if (ch->perms[r])
				json_object_set_new(members, src->realms[r].name, json_string(perms_text(ch->perms[r])));
		json_object_set_new(channels, ch->name,
				    json_pack("{s:s, s:i, s:o}", "owner", src->realms[ch->owner].name, "pages",
					      (json_int_t)ch->pages, "members", members));
	}
	json_object_set_new(root, "realms", realms);
	json_object_set_new(root, "channels", channels);
	json_object_set_new(root, "host_calls", json_string(host_calls[src->host_calls]));
	json_object_set_new(root, "strict", json_boolean(src->strict));
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(2)), 0);
	json_decref(root);
}

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Builds the model's tokens into DIR/scenario, token t named names[t]. */
static void write_scenario(struct group_model *m, const char *scenario, const char *const *names)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, scenario);
	assert_int_equal(mkdir(path, 0755), 0);
	gm_build(m);
	for (size_t t = 0; t < m->n; t++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.cbor", names[t]);
		write_file(scenario, name, m->buf[t], m->len[t]);
	}
}

static void make_group_tokens(void **state)
{
	(void)state;
	static const char *const realm_files[] = { "agent", "llm", "net", "impostor" };
	static struct group_model m;
	char path[4096], nonce_hex[2 * GROUP_NONCE_SIZE + 2];
	struct policy_err err;

	m.cpak = EVP_EC_gen("P-384");
	m.rak = EVP_EC_gen("P-384");
	assert_non_null(m.cpak);
	assert_non_null(m.rak);
	for (int i = 0; i < GROUP_NONCE_SIZE; i++)
		m.nonce[i] = (uint8_t)(0x3c ^ (7 * i));

	snprintf(path, sizeof(path), "%s/platform.pem", out_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, m.cpak), 1);
	assert_int_equal(fclose(f), 0);
	hex(m.nonce, GROUP_NONCE_SIZE, nonce_hex);
	strcat(nonce_hex, "\n");
	write_file(".", "nonce.hex", (const uint8_t *)nonce_hex, strlen(nonce_hex));

	gm_policy(&m.src);
	snprintf(path, sizeof(path), "%s/policy.json", out_dir);
	write_policy(&m.src, path);
	/* The digests as the CLI will compute them: from the file. */
	if (policy_source_load(path, NULL, NULL, &m.src, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(m.src.num_realms, GM_NUM_REALMS);
	for (int r = 0; r < GM_NUM_REALMS; r++)
		assert_string_equal(m.src.realms[r].name, gm_names[r]);

	gm_correct(&m);
	write_scenario(&m, "good", realm_files);

	gm_correct(&m);
	group_realm_nonce(m.nonce, "llm", m.o[GM_LLM].nonce);
	group_realm_nonce(m.nonce, "net", m.o[GM_NET].nonce);
	write_scenario(&m, "realm-nonces", realm_files);

	gm_correct(&m);
	gm_add_region(&m, GM_NET, GM_PROMPT_ID, 1, CSM_PERM_READ, GM_AGENT);
	write_scenario(&m, "extra-member", realm_files);

	gm_correct(&m);
	m.caec[GM_LLM].num_regions = 0;
	write_scenario(&m, "missing-member", realm_files);

	gm_correct(&m);
	memset(m.o[GM_LLM].rim, 0xee, 32);
	write_scenario(&m, "wrong-rim", realm_files);

	gm_correct(&m);
	gm_recompute_digests(&m);
	m.keep_digests = true;
	m.n = 2;
	write_scenario(&m, "missing-realm", realm_files);

	gm_correct(&m);
	m.n = 4;
	gm_realm_token(&m, 3, GM_LLM);
	gm_add_region(&m, 3, GM_PROMPT_ID, 1, CSM_PERM_READ | CSM_PERM_WRITE, GM_AGENT);
	write_scenario(&m, "impostor", realm_files);

	gm_correct(&m);
	gm_policy_digest(&m.src, GM_AGENT, CCA_HASH_SHA256, m.caec[GM_LLM].policy_digest);
	write_scenario(&m, "wrong-digest", realm_files);

	gm_correct(&m);
	memset(m.o[GM_NET].nonce, 0x5a, sizeof(m.o[GM_NET].nonce));
	write_scenario(&m, "old-nonce", realm_files);

	gm_correct(&m);
	m.caec[GM_LLM].regions[0].perms = CSM_PERM_READ;
	write_scenario(&m, "wrong-perms", realm_files);

	gm_correct(&m);
	gm_add_region(&m, GM_AGENT, 0x3003, 0, CSM_PERM_READ | CSM_PERM_WRITE, GM_AGENT);
	gm_add_region(&m, GM_NET, 0x3003, 1, CSM_PERM_READ | CSM_PERM_WRITE, GM_AGENT);
	write_scenario(&m, "undeclared", realm_files);

	gm_free(&m);
	EVP_PKEY_free(m.cpak);
	EVP_PKEY_free(m.rak);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_group_tokens DIR\n");
		return 2;
	}
	out_dir = argv[1];
	const struct CMUnitTest tests[] = { cmocka_unit_test(make_group_tokens) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}

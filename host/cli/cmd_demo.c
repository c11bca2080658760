/*
 * caec demo csm: three realms share one region of confidential shared
 * memory on a fresh hostsim machine, through the real monitor and VMM. The
 * owner creates the region, writes a message, grants realms of its own image
 * (by RIM, read/write, two of them) and seals the ACL; a writer maps it
 * read/write, reads the message and writes a reply; a reader maps it
 * read-only and reads both. Each prints its view of the region's report and
 * hands the host an attestation token for the challenge it was given; caec
 * verifies each token (platform key, nonce) and prints its CSM claims.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/caec.h"
#include "cli.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CMD        "demo csm"
#define PARTY_IMG  "examples/csm/csm_party.so" /* in the build */
#define DEMO_DRAM  (UINT64_C(1) << 30)
#define NUM_PARTIES 3
/* 8 GiB of IPA space per realm (RAM, and the SDK's region slots from 1 GiB):
 * three realms' IPA windows fit this process at once, also under TSan. */
#define DEMO_IPA_BITS 33u

static const char usage_text[] =
	"usage: caec demo csm [--image FILE] [--json]\n"
	"\n"
	"Three realms share one region of confidential shared memory: the owner\n"
	"writes a message and grants realms of its image read/write; a writer maps\n"
	"it read/write, reads the message and replies; a reader maps it read-only\n"
	"and reads both. Each prints the region's report as the monitor gives it\n"
	"and fetches an attestation token, which caec verifies (platform key,\n"
	"nonce; hostsim's debug platform accepted) and whose CSM claims it prints.\n"
	"\n"
	"  --image FILE   the realms' image (default: csm_party.so of the build,\n"
	"                 ../examples/csm/ from caec's folder)\n"
	"  --json         print {members, tokens, messages_ok, platform_key, ...} on\n"
	"                 stdout (the realms' consoles on stderr)\n"
	"\n"
	"Verify a token yourself: caec attest verify TOKEN --platform-key KEY\n"
	"  --nonce HEX --allow-debug (the JSON gives all three).\n"
	"\n" CLI_EXIT_CODES;

static const char *const role_name[NUM_PARTIES] = { "owner", "writer", "reader" };

struct party {
	struct vmm_realm *realm;
	uint8_t challenge[HOST_CALL_CHALLENGE_SIZE];
	struct vmm_run_result res;
	struct rmm_debug_realm info;
	bool ran_ok, token_ok;
	struct cca_token tok;
};

struct demo {
	const char *image;
	bool json;
	struct realm_image img;
	struct vmm vmm;
	struct vmm_realm_opts opts;
	uint8_t rim[64];
	size_t rim_size;
	char key_pem[1024];
	EVP_PKEY *key;
	struct party p[NUM_PARTIES];
	uint64_t csm_id;
};

static int run_party(struct demo *d, unsigned i)
{
	struct party *p = &d->p[i];
	struct cli_console con = { .echo = d->json ? stderr : stdout };
	struct vmm_run_config cfg = { .console = cli_console_out, .console_ctx = &con, .challenge = p->challenge };
	struct vmm_error err = { "" };

	memset(p->challenge, 0, sizeof(p->challenge));
	p->challenge[0] = (uint8_t)(i + 1); /* the party's part (csm_party.c) */
	cli_put_le64(p->challenge + 16, d->csm_id);
	memcpy(p->challenge + 24, d->rim, 32);
	if (vmm_realm_create(&d->vmm, d->img.bytes, d->img.size, &d->opts, &p->realm, &err) != 0)
		return cli_fail(CMD, "building the %s realm: %s", role_name[i], err.msg);
	rmm_debug_realm(vmm_realm_rd(p->realm), &p->info);
	if (vmm_realm_run(p->realm, &cfg, &p->res) != 0)
		return cli_fail(CMD, "no host thread for the %s realm", role_name[i]);
	p->ran_ok = p->res.stop == VMM_STOP_SYSTEM_OFF && p->res.exit_reported && p->res.exit_status == 0;
	if (!p->ran_ok)
		return cli_fail(CMD, "the %s realm failed (%s%s%s)", role_name[i], vmm_stop_reason_name(p->res.stop),
				p->res.csm_error[0] ? ": " : "", p->res.csm_error);
	if (i == 0) {
		const char *s = strstr(con.text, "owner: region 0x");
		unsigned long long id = 0;
		if (!s || sscanf(s, "owner: region 0x%llx", &id) != 1)
			return cli_fail(CMD, "the owner named no region");
		d->csm_id = id;
	}
	return CLI_OK;
}

/* Verifies party i's token and prints its CSM claims. */
static int check_token(struct demo *d, unsigned i)
{
	struct party *p = &d->p[i];
	struct verify_result vr;
	struct verify_options opts = { .platform_keys = &d->key, .num_platform_keys = 1,
				       .nonce = p->challenge, .nonce_len = sizeof(p->challenge) };
	FILE *out = d->json ? stderr : stdout;

	if (!p->res.token)
		return cli_fail(CMD, "the %s realm reported no token", role_name[i]);
	if (cca_token_verify(p->res.token, p->res.token_len, &opts, &p->tok, &vr) != 0)
		return cli_fail(CMD, "the %s realm's token does not verify: %s: %s", role_name[i],
				verify_check_name(vr.failed), vr.reason);
	const struct cca_realm_claims *rc = &p->tok.realm_claims;
	if (rc->num_regions != 1 || rc->regions[0].csm_id != d->csm_id)
		return cli_fail(CMD, "the %s realm's token does not list the region", role_name[i]);
	const struct caec_region *r = &rc->regions[0];
	fprintf(out, "token of the %s: valid (platform key, nonce); region 0x%llx role %s perms %s generation %llu "
		     "flags 0x%llx\n", role_name[i], (unsigned long long)r->csm_id, r->role == 0 ? "owner" : "member",
		r->perms == 3 ? "rw" : r->perms == 1 ? "r" : "-", (unsigned long long)r->generation,
		(unsigned long long)r->flags);
	p->token_ok = true;
	return CLI_OK;
}

static json_t *demo_json(const struct demo *d, bool ok)
{
	json_t *j = json_object(), *members = json_array(), *tokens = json_array();

	for (unsigned i = 0; i < NUM_PARTIES; i++) {
		const struct party *p = &d->p[i];
		json_t *m = json_object(), *t = json_object();
		json_object_set_new(m, "role", json_string(role_name[i]));
		json_object_set_new(m, "realm_id", cli_hex_json(p->info.realm_id, sizeof(p->info.realm_id)));
		json_object_set_new(m, "rim", cli_hex_json(p->info.rim, d->rim_size));
		json_object_set_new(m, "perms", json_string(i == 2 ? "r" : "rw"));
		json_array_append_new(members, m);
		json_object_set_new(t, "role", json_string(role_name[i]));
		json_object_set_new(t, "nonce", cli_hex_json(p->challenge, sizeof(p->challenge)));
		json_object_set_new(t, "token", p->res.token ? cli_hex_json(p->res.token, p->res.token_len) : json_null());
		json_object_set_new(t, "valid", json_boolean(p->token_ok));
		json_array_append_new(tokens, t);
	}
	char id[24];
	snprintf(id, sizeof(id), "0x%016llx", (unsigned long long)d->csm_id); /* 64 bits: not every JSON integer */
	json_object_set_new(j, "csm_id", json_string(id));
	json_object_set_new(j, "members", members);
	json_object_set_new(j, "tokens", tokens);
	json_object_set_new(j, "platform_key", json_string(d->key_pem));
	json_object_set_new(j, "messages_ok", json_boolean(ok));
	return j;
}

static int demo_csm(int argc, char **argv)
{
	static const struct cli_option options[] = { { "--image", NULL, true }, { "--json", NULL, false } };
	static struct demo d;
	struct cli_parser cp;
	struct hostsim_config hc = { .dram_size = DEMO_DRAM };
	struct vmm_measurement m;
	struct leak_snapshot before, after;
	const char *why = NULL;
	char path[4200], kwhy[256];
	int opt, rc = CLI_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	memset(&d, 0, sizeof(d));
	cli_parser_init(&cp, CMD, options, 2, argc, argv);
	while ((opt = cli_next(&cp)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			return CLI_USAGE;
		if (opt == CLI_ARG)
			return cli_usage_error(CMD, "unexpected argument '%s' (try 'caec %s --help')", cp.value, CMD);
		if (opt == 0)
			d.image = cp.value;
		else
			d.json = true;
	}
	if (!d.image)
		d.image = cli_build_file(PARTY_IMG, path, sizeof(path));
	if (cli_check_input(CMD, "--image", d.image) != CLI_OK)
		rc = CLI_USAGE;
	else if (realm_image_load(d.image, &d.img) != 0)
		rc = cli_usage_error(CMD, "--image %s is not a realm image", d.image);
	if (rc != CLI_OK) {
		if (d.json)
			cli_print_json(NULL, true);
		return rc;
	}
	vmm_realm_opts_default(&d.opts);
	d.opts.mem_size = UINT64_C(2) << 20;
	d.opts.caec_flags = CAEC_REALM_CSM_EXITS;
	d.opts.ipa_bits = DEMO_IPA_BITS;
	if (vmm_measure(d.img.bytes, d.img.size, &d.opts, &m, &why) != 0) {
		rc = cli_fail(CMD, "measuring the image: %s", why);
	} else {
		memcpy(d.rim, m.rim, sizeof(d.rim));
		d.rim_size = m.hash_size;
		vmm_measurement_free(&m);
		if (hostsim_start(&hc) != 0)
			rc = cli_fail(CMD, "the hostsim machine did not start");
	}
	if (rc == CLI_OK) {
		if (hostsim_platform_key_pem(d.key_pem, sizeof(d.key_pem)) < 0 ||
		    pubkey_from_pem(d.key_pem, strlen(d.key_pem), &d.key, kwhy) != 0)
			rc = cli_fail(CMD, "no platform key from the machine");
		vmm_init(&d.vmm);
		leak_snapshot_take(&d.vmm.ledger, &before);
		for (unsigned i = 0; i < NUM_PARTIES && rc == CLI_OK; i++)
			rc = run_party(&d, i);
		for (unsigned i = 0; i < NUM_PARTIES && rc == CLI_OK; i++)
			rc = check_token(&d, i);
		for (unsigned i = 0; i < NUM_PARTIES; i++)
			if (d.p[i].realm && vmm_realm_destroy(d.p[i].realm) != 0 && rc == CLI_OK)
				rc = cli_fail(CMD, "the monitor refused to tear the %s realm down", role_name[i]);
		leak_snapshot_take(&d.vmm.ledger, &after);
		if (rc == CLI_OK && (!leak_snapshot_same(&before, &after) || vmm_csm_region_count(&d.vmm) != 0))
			rc = cli_fail(CMD, "granules leaked: %llu held, %llu in the Realm PAS",
				      (unsigned long long)after.held, (unsigned long long)after.not_ns);
		if (rc == CLI_OK && !d.json)
			printf("demo csm: the messages arrived, every token verified, the region reclaimed, "
			       "no granule left behind\n");
		hostsim_stop();
	}
	if (d.json)
		cli_print_json(demo_json(&d, rc == CLI_OK), rc != CLI_OK);
	for (unsigned i = 0; i < NUM_PARTIES; i++)
		vmm_run_result_free(&d.p[i].res);
	EVP_PKEY_free(d.key);
	realm_image_free(&d.img);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const struct cli_subcommand demos[] = { { "csm", demo_csm } };
	static const struct cli_command demo = {
		.name = "demo",
		.usage = "usage: caec demo <what> [options]\n\ndemos:\n"
			 "  csm      three realms share confidential memory, with verified tokens (caec demo csm --help)\n\n"
			 CLI_EXIT_CODES,
		.noun = "demo",
		.subcommands = demos,
		.num_subcommands = 1,
	};
	return cli_dispatch(&demo, argc, argv);
}

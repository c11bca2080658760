/*
 * caec demo csm: three realms share one region of confidential shared
 * memory on a fresh hostsim machine, through the real monitor and VMM, under
 * one communication policy. The policy names the three realms by RIM (each
 * part is an image of its own) and one channel: owned by the owner, read/
 * write for the owner and the writer, read-only for the reader. Every realm
 * is built with POLICY_REQUIRED and its blob in its policy granule, and
 * uploads it before anything else. The owner creates the channel's region,
 * writes a message, grants the other members what the policy gives them and
 * seals the ACL; the writer maps it read/write, reads the message and writes
 * a reply; the reader maps it read-only and reads both. Each prints its view
 * of the region's report and hands the host an attestation token for the
 * group's nonce; caec verifies each token (platform key, nonce, the policy
 * digest) and prints its CSM claims. `caec attest group` checks the tokens
 * together against the policy (the JSON gives the policy and the nonce).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "abi/caec.h"
#include "cli.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "verify/hex.h"
#include "verify/policy.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CMD        "demo csm"
#define PARTY_DIR  "examples/csm" /* in the build: csm_party_<role>.so */
/* The parties' application host calls (csm_party.c). */
#define PARTY_CALL_REGION   0xCB01u /* a member asks for the region's csm_id: g[0] */
#define PARTY_CALL_ANNOUNCE 0xCB02u /* the owner names its region: g[0] */
#define PARTY_CALL_READY    0xCB03u /* a party did its part; returns once all three did */
#define DEMO_DRAM  (UINT64_C(1) << 30)
#define NUM_PARTIES 3
/* 8 GiB of IPA space per realm (RAM, and the SDK's region slots from 1 GiB):
 * three realms' IPA windows fit this process at once, also under TSan. */
#define DEMO_IPA_BITS 33u

static const char usage_text[] =
	"usage: caec demo csm [--images DIR] [--nonce HEX] [--json]\n"
	"\n"
	"Three realms share one region of confidential shared memory under one\n"
	"policy, which each realm uploads before it can do anything else: the owner\n"
	"writes a message and grants the members what the policy gives them; a\n"
	"writer maps it read/write, reads the message and replies; a reader maps it\n"
	"read-only and reads both. Each prints the region's report as the monitor\n"
	"gives it and fetches an attestation token for the group's nonce, which\n"
	"caec verifies (platform key, nonce, policy digest; hostsim's debug\n"
	"platform accepted) and whose CSM claims it prints.\n"
	"\n"
	"  --images DIR   the folder of csm_party_owner.so, csm_party_writer.so and\n"
	"                 csm_party_reader.so (default: the build's examples/csm)\n"
	"  --nonce HEX    the group's nonce, 64 bytes (default: drawn at random)\n"
	"  --json         print {members, tokens, policy, nonce, messages_ok,\n"
	"                 platform_key, ...} on stdout (the realms' consoles on stderr)\n"
	"\n"
	"Verify a token yourself: caec attest verify TOKEN --platform-key KEY\n"
	"  --nonce HEX --allow-debug; the group: caec attest group --policy FILE\n"
	"  --nonce HEX --platform-key KEY --allow-debug TOKEN... (the JSON gives\n"
	"  the policy, the nonce, the key and the tokens).\n"
	"\n" CLI_EXIT_CODES;

static const char *const role_name[NUM_PARTIES] = { "owner", "writer", "reader" };

struct party {
	struct demo *d;
	struct vmm_realm *realm;
	struct cli_console con;
	struct vmm_run_config cfg;
	pthread_t thread;
	bool started, finished;
	struct realm_image img;
	char path[4200];
	uint8_t rim[64];
	uint8_t blob[POLICY_MAX_SIZE];
	size_t blob_len;
	uint8_t challenge[HOST_CALL_CHALLENGE_SIZE];
	struct vmm_run_result res;
	struct rmm_debug_realm info;
	bool ran_ok, token_ok;
	struct cca_token tok;
};

struct demo {
	const char *images;
	bool json, have_nonce;
	uint8_t nonce[HOST_CALL_CHALLENGE_SIZE];
	struct vmm vmm;
	struct vmm_realm_opts opts;
	size_t rim_size;
	json_t *policy;
	/* The parties run at once: each does its part, then waits until all
	 * have (PARTY_CALL_READY), so that every token shows the same region. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	bool abort;
	char key_pem[1024];
	EVP_PKEY *key;
	struct party p[NUM_PARTIES];
	uint64_t csm_id;
};

/* The parties' calls: the region's csm_id, and the meeting point. */
static void party_call(void *ctx, struct vmm_realm *r, uint16_t imm, uint64_t *g)
{
	struct demo *d = ctx;

	(void)r;
	pthread_mutex_lock(&d->lock);
	switch (imm) {
	case PARTY_CALL_ANNOUNCE:
		d->csm_id = g[0];
		g[0] = 0;
		break;
	case PARTY_CALL_REGION:
		g[0] = d->csm_id;
		break;
	case PARTY_CALL_READY:
		d->ready++;
		pthread_cond_broadcast(&d->cond);
		while (d->ready < NUM_PARTIES && !d->abort)
			pthread_cond_wait(&d->cond, &d->lock);
		g[0] = d->abort ? 1 : 0;
		break;
	default:
		g[0] = UINT64_MAX;
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

static void *party_thread(void *arg)
{
	struct party *p = arg;
	struct demo *d = p->d;

	if (vmm_realm_run(p->realm, &p->cfg, &p->res) != 0)
		p->res.stop = VMM_STOP_HOST_ERROR;
	pthread_mutex_lock(&d->lock);
	p->finished = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Builds party i and starts it; waits until it did its part (or ended). */
static int start_party(struct demo *d, unsigned i)
{
	struct party *p = &d->p[i];
	struct vmm_error err = { "" };
	struct vmm_realm_opts opts = d->opts;

	p->d = d;
	p->con = (struct cli_console){ .echo = d->json ? stderr : stdout };
	p->cfg = (struct vmm_run_config){ .console = cli_console_out, .console_ctx = &p->con,
					  .challenge = p->challenge, .app_call = party_call, .app_ctx = d };
	memcpy(p->challenge, d->nonce, sizeof(p->challenge));
	opts.policy_blob = p->blob;
	opts.policy_len = p->blob_len;
	if (vmm_realm_create(&d->vmm, p->img.bytes, p->img.size, &opts, &p->realm, &err) != 0)
		return cli_fail(CMD, "building the %s realm: %s", role_name[i], err.msg);
	rmm_debug_realm(vmm_realm_rd(p->realm), &p->info);
	if (pthread_create(&p->thread, NULL, party_thread, p) != 0)
		return cli_fail(CMD, "no host thread for the %s realm", role_name[i]);
	p->started = true;
	pthread_mutex_lock(&d->lock);
	while (d->ready <= i && !p->finished)
		pthread_cond_wait(&d->cond, &d->lock);
	bool done = d->ready > i;
	pthread_mutex_unlock(&d->lock);
	return done ? CLI_OK : cli_fail(CMD, "the %s realm ended before its part was done", role_name[i]);
}

/* Lets every party go (or tells them to give up), waits for them, judges. */
static int finish_parties(struct demo *d, int rc)
{
	pthread_mutex_lock(&d->lock);
	d->abort = rc != CLI_OK;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < NUM_PARTIES; i++) {
		struct party *p = &d->p[i];
		if (!p->started)
			continue;
		pthread_join(p->thread, NULL);
		p->ran_ok = p->res.stop == VMM_STOP_SYSTEM_OFF && p->res.exit_reported && p->res.exit_status == 0;
		if (!p->ran_ok && rc == CLI_OK)
			rc = cli_fail(CMD, "the %s realm failed (%s%s%s)", role_name[i], vmm_stop_reason_name(p->res.stop),
				      p->res.csm_error[0] ? ": " : "", p->res.csm_error);
	}
	if (rc == CLI_OK && d->csm_id == 0)
		rc = cli_fail(CMD, "the owner named no region");
	return rc;
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
	uint8_t digest[64];
	if (policy_blob_digest(p->blob, p->blob_len, d->rim_size, digest) != 0 || !rc->has_policy_digest ||
	    rc->policy_digest.len != d->rim_size || memcmp(rc->policy_digest.ptr, digest, d->rim_size) != 0)
		return cli_fail(CMD, "the %s realm's token does not carry its policy's digest", role_name[i]);
	const struct caec_region *r = &rc->regions[0];
	fprintf(out, "token of the %s: valid (platform key, nonce, policy digest); region 0x%llx role %s perms %s generation %llu "
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
		json_object_set_new(m, "image", json_string(p->path));
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
	json_object_set_new(j, "policy", d->policy ? json_incref(d->policy) : json_null());
	json_object_set_new(j, "nonce", cli_hex_json(d->nonce, sizeof(d->nonce)));
	json_object_set_new(j, "messages_ok", json_boolean(ok));
	return j;
}

/* The policy of the demo, as a source a user would write (RIMs in hex). */
static json_t *demo_policy(const struct demo *d)
{
	json_t *realms = json_object(), *members = json_object(), *channels = json_object();

	for (unsigned i = 0; i < NUM_PARTIES; i++) {
		json_t *r = json_object();
		json_object_set_new(r, "rim", cli_hex_json(d->p[i].rim, d->rim_size));
		json_object_set_new(r, "gateway", json_false());
		json_object_set_new(realms, role_name[i], r);
		json_object_set_new(members, role_name[i], json_string(i == 2 ? "r" : "rw"));
	}
	json_t *c = json_object();
	json_object_set_new(c, "owner", json_string("owner"));
	json_object_set_new(c, "pages", json_integer(1));
	json_object_set_new(c, "members", members);
	json_object_set_new(channels, "shared", c);
	json_t *pol = json_object();
	json_object_set_new(pol, "version", json_integer(1));
	json_object_set_new(pol, "realms", realms);
	json_object_set_new(pol, "channels", channels);
	/* The parties print and report over host calls: a demo's console. */
	json_object_set_new(pol, "host_calls", json_string("allow"));
	json_object_set_new(pol, "strict", json_true());
	return pol;
}

/* Loads and measures the three images, makes the policy and each blob. */
static int prepare(struct demo *d)
{
	struct policy_source src;
	struct policy_err perr;
	struct vmm_measurement m;
	const char *why = NULL;

	for (unsigned i = 0; i < NUM_PARTIES; i++) {
		struct party *p = &d->p[i];
		snprintf(p->path, sizeof(p->path), "%s/csm_party_%s.so", d->images, role_name[i]);
		int rc = cli_check_input(CMD, "--images", p->path);
		if (rc != CLI_OK)
			return rc;
		if (realm_image_load(p->path, &p->img) != 0)
			return cli_usage_error(CMD, "%s is not a realm image", p->path);
		if (vmm_measure(p->img.bytes, p->img.size, &d->opts, &m, &why) != 0)
			return cli_fail(CMD, "measuring %s: %s", p->path, why);
		memcpy(p->rim, m.rim, sizeof(p->rim));
		d->rim_size = m.hash_size;
		vmm_measurement_free(&m);
	}
	d->policy = demo_policy(d);
	if (policy_source_from_json(d->policy, NULL, NULL, NULL, &src, &perr) != 0)
		return cli_fail(CMD, "the demo's policy: %s", perr.msg);
	for (unsigned i = 0; i < NUM_PARTIES; i++)
		if (policy_compile(&src, (int)i, d->p[i].blob, sizeof(d->p[i].blob), &d->p[i].blob_len, &perr) != 0)
			return cli_fail(CMD, "compiling the %s's policy: %s", role_name[i], perr.msg);
	return CLI_OK;
}

static int demo_csm(int argc, char **argv)
{
	static const struct cli_option options[] = { { "--images", NULL, true },
						     { "--nonce", NULL, true },
						     { "--json", NULL, false } };
	static struct demo d;
	struct cli_parser cp;
	struct hostsim_config hc = { .dram_size = DEMO_DRAM };
	struct leak_snapshot before, after;
	char dir[4200], kwhy[256];
	int opt, rc = CLI_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.cond, NULL);
	cli_parser_init(&cp, CMD, options, 3, argc, argv);
	while (rc == CLI_OK && (opt = cli_next(&cp)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			rc = CLI_USAGE;
		else if (opt == CLI_ARG)
			rc = cli_usage_error(CMD, "unexpected argument '%s' (try 'caec %s --help')", cp.value, CMD);
		else if (opt == 0)
			d.images = cp.value;
		else if (opt == 1) {
			if (hex_decode_padded(cp.value, d.nonce, sizeof(d.nonce)) != 0 ||
			    strlen(cp.value) != 2 * sizeof(d.nonce))
				rc = cli_bad_value(&cp, "128 hex digits (64 bytes)");
			d.have_nonce = true;
		} else {
			d.json = true;
		}
	}
	if (rc == CLI_OK && !d.images) {
		const char *any = cli_build_file(PARTY_DIR "/csm_party_owner.so", dir, sizeof(dir));
		char *slash = any ? strrchr(dir, '/') : NULL;
		if (slash)
			*slash = '\0';
		d.images = dir;
	}
	vmm_realm_opts_default(&d.opts);
	d.opts.mem_size = UINT64_C(2) << 20;
	d.opts.caec_flags = CAEC_REALM_CSM_EXITS | CAEC_REALM_POLICY_REQUIRED;
	d.opts.ipa_bits = DEMO_IPA_BITS;
	if (rc == CLI_OK)
		rc = prepare(&d);
	if (rc == CLI_OK && !d.have_nonce && RAND_bytes(d.nonce, sizeof(d.nonce)) != 1)
		rc = cli_fail(CMD, "no random nonce");
	if (rc == CLI_OK && hostsim_start(&hc) != 0)
		rc = cli_fail(CMD, "the hostsim machine did not start");
	if (rc == CLI_OK) {
		if (hostsim_platform_key_pem(d.key_pem, sizeof(d.key_pem)) < 0 ||
		    pubkey_from_pem(d.key_pem, strlen(d.key_pem), &d.key, kwhy) != 0)
			rc = cli_fail(CMD, "no platform key from the machine");
		vmm_init(&d.vmm);
		leak_snapshot_take(&d.vmm.ledger, &before);
		for (unsigned i = 0; i < NUM_PARTIES && rc == CLI_OK; i++)
			rc = start_party(&d, i);
		rc = finish_parties(&d, rc);
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
			printf("demo csm: the messages arrived, every token verified with its policy's digest, the region "
			       "reclaimed, no granule left behind\n");
		hostsim_stop();
	}
	if (d.json)
		cli_print_json(rc == CLI_USAGE ? NULL : demo_json(&d, rc == CLI_OK), rc != CLI_OK);
	for (unsigned i = 0; i < NUM_PARTIES; i++) {
		vmm_run_result_free(&d.p[i].res);
		realm_image_free(&d.p[i].img);
	}
	json_decref(d.policy);
	EVP_PKEY_free(d.key);
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

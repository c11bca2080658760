/*
 * caec attest group: the tokens of every realm of a pipeline, judged together
 * against its policy source (verify/group.h).
 *
 *   caec attest group --policy SRC.json --nonce HEX TOKEN... [--platform-key KEY]...
 *                     [--ref REF.json] [--allow-debug] [--strict] [--json]
 *
 * Exit 0 when the group is accepted, 1 when it is rejected (one line on
 * stderr naming the realm, or the token, and the check), 2 on usage errors
 * and inputs that cannot be used (a policy that does not load, an unreadable
 * token). With --json the verdict is printed on stdout whatever happens.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "verify/appraise.h"
#include "verify/cbor.h"
#include "verify/group.h"
#include "verify/hex.h"
#include "verify/policy.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CMD_GROUP "attest group"

#define MAX_CLI_KEYS CLI_MAX_KEYS

static const char group_usage[] =
	"usage: caec attest group --policy SRC.json --nonce HEX TOKEN... [--platform-key KEY]...\n"
	"                         [--ref REF.json] [--allow-debug] [--strict] [--json]\n"
	"\n"
	"Judges the attestation tokens of every realm of a pipeline together, against the\n"
	"pipeline's policy source (the JSON that 'caec policy compile' reads). A realm is\n"
	"its measurement: each token belongs to the policy realm whose RIM it carries.\n"
	"The group is accepted when\n"
	"  - every token verifies (as 'caec attest verify' checks it, lifecycle included)\n"
	"    and its RIM is a realm of the policy, each realm having exactly one token;\n"
	"  - each token's challenge is the group nonce, or its realm's nonce\n"
	"    SHA-512(\"caec-group-nonce\" || nonce || realm name);\n"
	"  - each realm's policy digest (claim 65003) is that of the policy's blob for it;\n"
	"  - the CSM claims (65002) of all tokens form exactly the declared channels: the\n"
	"    declared owner, exactly the declared members with the declared perms, the\n"
	"    membership digests of what the tokens show, and no other region.\n"
	"The verdict is the same whatever the order of the tokens.\n"
	"\n"
	"  --policy SRC.json    the policy source (a realm's \"image\" is measured offline\n"
	"                       as 'caec policy' measures it)\n"
	"  --nonce HEX          the group nonce: up to 64 bytes of hex (optional 0x),\n"
	"                       zero-padded to 64, as 'caec attest verify --nonce' takes it\n"
	"  --platform-key KEY   a platform public key, PEM or JWK file; repeat it to\n"
	"                       accept several (they add to the reference file's)\n"
	"  --ref REF.json       reference values every token is appraised against, as by\n"
	"                       'caec attest verify --ref' (platform keys, implementation\n"
	"                       IDs, software components, ...)\n"
	"  --allow-debug        accept a platform in a debug or factory lifecycle state\n"
	"  --strict             refuse unknown claims and the deviations accepted by\n"
	"                       default with a note\n"
	"  --json               print the verdict as JSON on stdout (also on failure, with\n"
	"                       an \"error\" member): accepted, failed_check, realm, token,\n"
	"                       reason, and one entry per realm and per token\n"
	"\n"
	"TOKEN '-' reads one token from standard input. A rejected group exits 1.\n"
	CLI_EXIT_CODES;

struct group_args {
	const char *policy, *ref;
	const char *tokens[GROUP_MAX_TOKENS];
	size_t num_tokens;
	const char *keys[MAX_CLI_KEYS];
	size_t num_keys;
	uint8_t nonce[GROUP_NONCE_SIZE];
	bool has_nonce, allow_debug, strict, json;
};

enum { OPT_POLICY, OPT_NONCE, OPT_KEY, OPT_REF, OPT_ALLOW_DEBUG, OPT_STRICT, OPT_JSON };

static const struct cli_option group_options_table[] = {
	[OPT_POLICY] = { "--policy", NULL, true },
	[OPT_NONCE] = { "--nonce", NULL, true },
	[OPT_KEY] = { "--platform-key", NULL, true },
	[OPT_REF] = { "--ref", NULL, true },
	[OPT_ALLOW_DEBUG] = { "--allow-debug", NULL, false },
	[OPT_STRICT] = { "--strict", NULL, false },
	[OPT_JSON] = { "--json", NULL, false },
};

static int check_args(const struct group_args *a)
{
	int from_stdin = a->ref && !strcmp(a->ref, "-");
	if (!a->policy)
		return cli_usage_error(CMD_GROUP, "no --policy given (try 'caec attest group --help')");
	if (!a->has_nonce)
		return cli_usage_error(CMD_GROUP, "no --nonce given: a group is judged against the nonce its tokens answer");
	if (a->num_tokens == 0)
		return cli_usage_error(CMD_GROUP, "no TOKEN given (try 'caec attest group --help')");
	if (!strcmp(a->policy, "-"))
		return cli_usage_error(CMD_GROUP, "--policy: give a file (its folder resolves relative paths)");
	for (size_t i = 0; i < a->num_tokens; i++)
		from_stdin += !strcmp(a->tokens[i], "-");
	if (from_stdin > 1)
		return cli_usage_error(CMD_GROUP, "only one of the TOKENs and --ref can be '-' (standard input)");
	for (size_t i = 0; i < a->num_keys; i++)
		if (!strcmp(a->keys[i], "-"))
			return cli_usage_error(CMD_GROUP, "--platform-key: give a file (standard input is not read for keys)");
	return CLI_OK;
}

/* CLI_OK or CLI_USAGE (with the message printed). */
static int parse_group_args(int argc, char **argv, struct group_args *a)
{
	struct cli_parser p;
	int opt;

	memset(a, 0, sizeof(*a));
	cli_parser_init(&p, CMD_GROUP, group_options_table,
			sizeof(group_options_table) / sizeof(group_options_table[0]), argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			if (a->num_tokens == GROUP_MAX_TOKENS)
				return cli_usage_error(CMD_GROUP, "at most %d TOKENs ('%s' is one too many)",
						       GROUP_MAX_TOKENS, p.value);
			a->tokens[a->num_tokens++] = p.value;
			break;
		case OPT_POLICY:
			a->policy = p.value;
			break;
		case OPT_NONCE:
			if (hex_decode_padded(p.value, a->nonce, sizeof(a->nonce)) != 0)
				return cli_bad_value(&p, "hex of 1 to 64 bytes");
			a->has_nonce = true;
			break;
		case OPT_KEY:
			if (a->num_keys == MAX_CLI_KEYS)
				return cli_usage_error(CMD_GROUP, "--platform-key: at most %d keys (put more in the reference file's platform_keys)",
						       MAX_CLI_KEYS);
			a->keys[a->num_keys++] = p.value;
			break;
		case OPT_REF:
			a->ref = p.value;
			break;
		case OPT_ALLOW_DEBUG:
			a->allow_debug = true;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		}
	}
	return check_args(a);
}

/* Everything loaded before the tokens are judged. */
struct group_inputs {
	struct policy_source src;
	struct cli_verify_keys k; /* --platform-key and --ref */
	uint8_t *tokens[GROUP_MAX_TOKENS];
	size_t token_len[GROUP_MAX_TOKENS];
};

static void free_inputs(struct group_inputs *in)
{
	cli_verify_keys_free(&in->k);
	for (size_t i = 0; i < GROUP_MAX_TOKENS; i++)
		free(in->tokens[i]);
}


/* CLI_OK, or CLI_USAGE with the message printed. */
static int load_inputs(const struct group_args *a, struct group_inputs *in)
{
	struct policy_err err;

	memset(in, 0, sizeof(*in));
	/* Every file is checked before any is read. */
	if (cli_check_input(CMD_GROUP, "--policy", a->policy) != CLI_OK)
		return CLI_USAGE;
	for (size_t i = 0; i < a->num_tokens; i++)
		if (cli_check_input(CMD_GROUP, "TOKEN", a->tokens[i]) != CLI_OK)
			return CLI_USAGE;
	for (size_t i = 0; i < a->num_keys; i++)
		if (cli_check_input(CMD_GROUP, "--platform-key", a->keys[i]) != CLI_OK)
			return CLI_USAGE;
	if (a->ref && cli_check_input(CMD_GROUP, "--ref", a->ref) != CLI_OK)
		return CLI_USAGE;
	/* "image" realms are measured offline, as `caec policy` measures them. */
	if (cli_policy_source_load(a->policy, &in->src, &err) != 0)
		return cli_usage_error(CMD_GROUP, "--policy %s: %s", a->policy, err.msg);
	if (cli_verify_keys_load(CMD_GROUP, a->keys, a->num_keys, a->ref, &in->k) != CLI_OK)
		return CLI_USAGE;
	for (size_t i = 0; i < a->num_tokens; i++) {
		in->tokens[i] = cli_read_bounded(CMD_GROUP, "TOKEN", a->tokens[i], CBOR_MAX_INPUT, "1 MiB",
						 &in->token_len[i]);
		if (!in->tokens[i])
			return CLI_USAGE;
	}
	return CLI_OK;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *realms_json(const struct group_args *a, const struct group_inputs *in,
			   const struct group_verdict *v)
{
	json_t *arr = json_array();
	for (unsigned r = 0; r < in->src.num_realms; r++) {
		const struct group_realm_result *rr = &v->realms[r];
		bool failed = rr->failed != GROUP_CHECK_NONE;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(in->src.realms[r].name));
		json_object_set_new(o, "token", str_or_null(rr->token >= 0 ? a->tokens[rr->token] : NULL));
		json_object_set_new(o, "rim", cli_hex_json(in->src.realms[r].rim, in->src.realms[r].rim_size));
		json_object_set_new(o, "ok", json_boolean(!failed && v->graph_checked));
		json_object_set_new(o, "failed_check", str_or_null(failed ? group_check_name(rr->failed) : NULL));
		json_object_set_new(o, "reason", str_or_null(failed ? rr->reason : NULL));
		json_object_set_new(o, "nonce", str_or_null(rr->nonce == GROUP_NONCE_GROUP   ? "group"
							    : rr->nonce == GROUP_NONCE_REALM ? "realm"
											     : NULL));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *tokens_json(const struct group_args *a, const struct group_inputs *in,
			   const struct group_verdict *v)
{
	json_t *arr = json_array();
	for (size_t t = 0; t < v->num_tokens; t++) {
		const struct group_token_result *tr = &v->tokens[t];
		bool failed = tr->failed != GROUP_CHECK_NONE;
		json_t *o = json_object();
		json_object_set_new(o, "file", json_string(a->tokens[t]));
		json_object_set_new(o, "realm", str_or_null(tr->realm >= 0 ? in->src.realms[tr->realm].name : NULL));
		json_object_set_new(o, "rim", tr->rim_len ? cli_hex_json(tr->rim, tr->rim_len) : json_null());
		json_object_set_new(o, "ok", json_boolean(!failed && v->graph_checked));
		json_object_set_new(o, "failed_check", str_or_null(failed ? group_check_name(tr->failed) : NULL));
		json_object_set_new(o, "verify_check",
				    str_or_null(tr->failed == GROUP_CHECK_TOKEN ? verify_check_name(tr->verify_failed) : NULL));
		json_object_set_new(o, "reason", str_or_null(failed ? tr->reason : NULL));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void print_json(const struct group_args *a, const struct group_inputs *in,
		       const struct group_verdict *v)
{
	json_t *j = json_object();
	bool ok = v->accepted;
	json_object_set_new(j, "accepted", json_boolean(ok));
	json_object_set_new(j, "verdict", json_string(ok ? "accepted" : "rejected"));
	json_object_set_new(j, "failed_check", str_or_null(ok ? NULL : group_check_name(v->failed)));
	json_object_set_new(j, "realm", str_or_null(v->realm >= 0 ? in->src.realms[v->realm].name : NULL));
	json_object_set_new(j, "token", str_or_null(v->token >= 0 ? a->tokens[v->token] : NULL));
	json_object_set_new(j, "reason", str_or_null(ok ? NULL : v->reason));
	json_object_set_new(j, "policy", json_string(a->policy));
	json_object_set_new(j, "nonce", cli_hex_json(a->nonce, sizeof(a->nonce)));
	json_object_set_new(j, "strict", json_boolean(a->strict));
	json_object_set_new(j, "graph_checked", json_boolean(v->graph_checked));
	json_object_set_new(j, "realms", realms_json(a, in, v));
	json_object_set_new(j, "tokens", tokens_json(a, in, v));
	if (ok)
		json_object_set_new(j, "error", json_null());
	cli_print_json(j, !ok);
}

static void print_text(const struct group_args *a, const struct group_inputs *in,
		       const struct group_verdict *v)
{
	printf("accepted: %u realm%s and %u channel%s of %s, every token bound to the nonce\n",
	       in->src.num_realms, in->src.num_realms == 1 ? "" : "s", in->src.num_channels,
	       in->src.num_channels == 1 ? "" : "s", a->policy);
	for (unsigned r = 0; r < in->src.num_realms; r++) {
		const struct group_realm_result *rr = &v->realms[r];
		printf("  %-16s %s (%s nonce)\n", in->src.realms[r].name, a->tokens[rr->token],
		       rr->nonce == GROUP_NONCE_REALM ? "realm" : "group");
	}
}

static int run_group(const struct group_args *a, const struct group_inputs *in, struct group_verdict *v)
{
	struct group_token toks[GROUP_MAX_TOKENS];
	struct group_options opts = {
		.verify = { .platform_keys = in->k.keys, .num_platform_keys = in->k.num_keys, .strict = a->strict },
		.ref = in->k.ref,
		.appraise = { .allow_debug = a->allow_debug },
	};
	for (size_t i = 0; i < a->num_tokens; i++)
		toks[i] = (struct group_token){ in->tokens[i], in->token_len[i],
						strcmp(a->tokens[i], "-") ? a->tokens[i] : "(standard input)" };
	int rc = group_verify(&in->src, a->nonce, toks, a->num_tokens, &opts, v);
	if (rc == -EINVAL || rc == -ENOMEM) {
		int status = rc == -EINVAL ? cli_usage_error(CMD_GROUP, "%s", v->reason)
					   : cli_fail(CMD_GROUP, "%s", v->reason);
		if (a->json)
			cli_print_json(json_pack("{s:b}", "accepted", 0), true);
		return status;
	}
	if (rc != 0)
		cli_fail(CMD_GROUP, "rejected: %s", v->reason);
	if (a->json)
		print_json(a, in, v);
	else if (rc == 0)
		print_text(a, in, v);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}

int attest_group(int argc, char **argv)
{
	struct group_args a;
	bool json = false;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		json |= !strcmp(argv[i], "--json");
	if (cli_wants_help(argc, argv)) {
		fputs(group_usage, stdout);
		return CLI_OK;
	}
	if (parse_group_args(argc, argv, &a) != CLI_OK) {
		if (json)
			cli_print_json(json_pack("{s:b}", "accepted", 0), true);
		return CLI_USAGE;
	}
	struct group_inputs *in = calloc(1, sizeof(*in));
	struct group_verdict *v = calloc(1, sizeof(*v));
	int rc;
	if (!in || !v) {
		rc = cli_fail(CMD_GROUP, "out of memory");
		if (json)
			cli_print_json(json_pack("{s:b}", "accepted", 0), true);
	} else if (load_inputs(&a, in) != CLI_OK) {
		rc = CLI_USAGE;
		if (json)
			cli_print_json(json_pack("{s:b}", "accepted", 0), true);
	} else {
		rc = run_group(&a, in, v);
	}
	if (in)
		free_inputs(in);
	free(in);
	free(v);
	return rc;
}

/*
 * caec attest: verify and inspect CCA attestation tokens.
 *
 *   caec attest verify TOKEN [--platform-key KEY]... [--ref REF.json]
 *                      [--members MEMBERS.json] [--nonce HEX] [--allow-debug]
 *                      [--strict] [--json]
 *   caec attest show TOKEN [--json]
 *   caec attest group --policy SRC.json --nonce HEX TOKEN... (cmd_attest_group.c)
 *
 * verify exits 0 when the token is valid and its appraisal passes (the
 * platform's lifecycle always, the reference values with --ref), 1 when it
 * does not (one line on stderr naming the failed check and why), 2 on usage
 * errors and unusable inputs. TOKEN, --ref and --members may be "-"
 * (standard input, one of them at most). With --json the result is printed
 * on stdout whatever happens, with an "error" member when it failed.
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
#include "verify/dump.h"
#include "verify/hex.h"
#include "verify/pubkey.h"
#include "verify/token.h"

#define CMD_VERIFY "attest verify" /* messages start "caec attest verify: " */
#define CMD_SHOW   "attest show"

#define MAX_CLI_KEYS  CLI_MAX_KEYS
#define JSON_FILE_MAX (4 * 1024 * 1024)

static const char verify_usage[] =
	"usage: caec attest verify TOKEN [--platform-key KEY]... [--ref REF.json]\n"
	"                          [--members MEMBERS.json] [--nonce HEX] [--allow-debug]\n"
	"                          [--strict] [--json]\n"
	"\n"
	"Verifies a CCA attestation token (tag 907 or legacy 399): the platform signature\n"
	"with an accepted platform key, the realm signature with the RAK of claim 44237,\n"
	"the binder, the nonce, and every mandatory claim; then appraises it: the\n"
	"platform's security lifecycle always (only a secured platform passes unless\n"
	"--allow-debug), and with --ref the claims against reference values (format:\n"
	"verify/README.md). TOKEN '-' reads the token from standard input.\n"
	"\n"
	"  --platform-key KEY   a platform public key, PEM or JWK file; repeat it to\n"
	"                       accept several (they add to the reference file's\n"
	"                       platform_keys; any one of them may sign)\n"
	"  --ref REF.json       reference values: platform keys, RIMs, RPVs, REMs,\n"
	"                       implementation IDs, software components, CSM rules\n"
	"                       (members by RIM, RIM + RPV or realm ID; a region's\n"
	"                       owner realm ID, ACL digest, sealed, owner_destroyed);\n"
	"                       an unknown member is an error\n"
	"  --members FILE.json  CSM region reports (members and ACL, as RSI_CSM_INFO\n"
	"                       writes them), checked against the token's membership\n"
	"                       and ACL digests and the CSM rules; a realm with the\n"
	"                       owner's RIM but not its realm ID is a clone of the\n"
	"                       owner, admitted only by a realm_id rule\n"
	"  --nonce HEX          expected realm challenge: up to 64 bytes of hex (optional\n"
	"                       0x), zero-padded to 64, as 'caec realm run --nonce' takes it\n"
	"  --allow-debug        accept a platform whose lifecycle is a debug or factory\n"
	"                       state (assembly-and-test, rot-provisioning, *-rot-debug),\n"
	"                       as hostsim's is; the verdict says so. Never unknown,\n"
	"                       decommissioned or invalid states\n"
	"  --strict             refuse unknown claims, and deviations that are accepted\n"
	"                       by default with a note because Veraison accepts them\n"
	"                       (RIM/REM sizes that are not the hash algorithm's)\n"
	"  --json               print the result as JSON on stdout (also on failure,\n"
	"                       with an \"error\" member)\n"
	"\n"
	"A token that does not verify, or whose appraisal fails, exits 1.\n"
	CLI_EXIT_CODES;

static const char show_usage[] =
	"usage: caec attest show TOKEN [--json]\n"
	"\n"
	"Prints every claim of the platform and realm tokens: names for known claims,\n"
	"hex for byte strings, the lifecycle by state name. Signatures are not checked\n"
	"(use 'caec attest verify'). TOKEN '-' reads the token from standard input.\n"
	"\n"
	"  --json   print the claims as JSON on stdout (snake_case keys; also on\n"
	"           failure, with an \"error\" member)\n"
	"\n"
	"A malformed token exits 1.\n"
	CLI_EXIT_CODES;

static const char attest_usage[] =
	"usage: caec attest <verify|show> TOKEN [options]\n"
	"       caec attest group --policy SRC.json --nonce HEX TOKEN... [options]\n"
	"\n"
	"  verify   check a token's signatures, binder, nonce, claims, lifecycle and\n"
	"           reference values\n"
	"  show     print every claim of a token\n"
	"  group    check the tokens of every realm of a policy together: identities,\n"
	"           nonces, policy digests and the declared channel graph\n"
	"\n"
	"'caec attest verify --help' and 'caec attest show --help' describe each.\n"
	CLI_EXIT_CODES;

/* Whether --json is among the options, so that even a usage error is reported as JSON. */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

/* {"error": message} for a failure before there is anything else to report. */
static void print_json_error(bool verify)
{
	json_t *root = json_object();
	if (verify)
		json_object_set_new(root, "valid", json_false());
	json_object_set_new(root, "error", json_string(cli_last_error()));
	json_dumpf(root, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(root);
}


/* ---- verify ---------------------------------------------------------------- */

struct verify_args {
	const char *token, *ref, *members;
	const char *keys[MAX_CLI_KEYS];
	size_t num_keys;
	uint8_t nonce[CCA_REALM_CHALLENGE_SIZE];
	bool has_nonce, allow_debug, strict, json;
};

enum { OPT_KEY, OPT_REF, OPT_MEMBERS, OPT_NONCE, OPT_ALLOW_DEBUG, OPT_STRICT, OPT_JSON };

static const struct cli_option verify_options_table[] = {
	[OPT_KEY] = { "--platform-key", NULL, true },
	[OPT_REF] = { "--ref", NULL, true },
	[OPT_MEMBERS] = { "--members", NULL, true },
	[OPT_NONCE] = { "--nonce", NULL, true },
	[OPT_ALLOW_DEBUG] = { "--allow-debug", NULL, false },
	[OPT_STRICT] = { "--strict", NULL, false },
	[OPT_JSON] = { "--json", NULL, false },
};

/* CLI_OK or CLI_USAGE (with the message printed). */
static int parse_verify_args(int argc, char **argv, struct verify_args *a)
{
	struct cli_parser p;
	int opt;

	memset(a, 0, sizeof(*a));
	cli_parser_init(&p, CMD_VERIFY, verify_options_table,
			sizeof(verify_options_table) / sizeof(verify_options_table[0]), argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			if (a->token)
				return cli_usage_error(CMD_VERIFY, "one TOKEN only ('%s' is extra)", p.value);
			a->token = p.value;
			break;
		case OPT_KEY:
			if (a->num_keys == MAX_CLI_KEYS)
				return cli_usage_error(CMD_VERIFY, "--platform-key: at most %d keys (put more in the reference file's platform_keys)",
						       MAX_CLI_KEYS);
			a->keys[a->num_keys++] = p.value;
			break;
		case OPT_REF:
			a->ref = p.value;
			break;
		case OPT_MEMBERS:
			a->members = p.value;
			break;
		case OPT_NONCE:
			if (hex_decode_padded(p.value, a->nonce, sizeof(a->nonce)) != 0)
				return cli_bad_value(&p, "hex of 1 to 64 bytes");
			a->has_nonce = true;
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
	if (!a->token)
		return cli_usage_error(CMD_VERIFY, "no TOKEN given (try 'caec attest verify --help')");
	const char *stdin_users[3] = { a->token, a->ref, a->members };
	int from_stdin = 0;
	for (int i = 0; i < 3; i++)
		from_stdin += stdin_users[i] && !strcmp(stdin_users[i], "-");
	if (from_stdin > 1)
		return cli_usage_error(CMD_VERIFY, "only one of TOKEN, --ref and --members can be '-' (standard input)");
	for (size_t i = 0; i < a->num_keys; i++)
		if (!strcmp(a->keys[i], "-"))
			return cli_usage_error(CMD_VERIFY, "--platform-key: give a file (standard input is not read for keys)");
	return CLI_OK;
}

/* Everything a verify run loads before looking at the token. */
struct verify_inputs {
	struct cli_verify_keys k; /* --platform-key and --ref */
	struct csm_evidence *members;
	uint8_t *token;
	size_t token_len;
};

static void free_inputs(struct verify_inputs *in)
{
	cli_verify_keys_free(&in->k);
	csm_evidence_free(in->members);
	free(in->token);
}

static int load_json_inputs(const struct verify_args *a, struct verify_inputs *in)
{
	char why[REF_WHY_MAX];
	size_t len;
	if (a->members) {
		char *text = (char *)cli_read_bounded(CMD_VERIFY, "--members", a->members, JSON_FILE_MAX,
						"4 MiB", &len);
		if (!text)
			return CLI_USAGE;
		int rc = csm_evidence_parse(text, len, &in->members, why);
		free(text);
		if (rc != 0)
			return cli_usage_error(CMD_VERIFY, "--members %s: %s", a->members, why);
	}
	return CLI_OK;
}

/* CLI_OK, or CLI_USAGE with the message printed (an input that cannot be used). */
static int load_inputs(const struct verify_args *a, struct verify_inputs *in)
{
	memset(in, 0, sizeof(*in));
	/* Every file is checked before any is read, with the same wording. */
	if (cli_check_input(CMD_VERIFY, "TOKEN", a->token) != CLI_OK)
		return CLI_USAGE;
	for (size_t i = 0; i < a->num_keys; i++)
		if (cli_check_input(CMD_VERIFY, "--platform-key", a->keys[i]) != CLI_OK)
			return CLI_USAGE;
	if ((a->ref && cli_check_input(CMD_VERIFY, "--ref", a->ref) != CLI_OK) ||
	    (a->members && cli_check_input(CMD_VERIFY, "--members", a->members) != CLI_OK))
		return CLI_USAGE;
	if (cli_verify_keys_load(CMD_VERIFY, a->keys, a->num_keys, a->ref, &in->k) != CLI_OK ||
	    load_json_inputs(a, in) != CLI_OK)
		return CLI_USAGE;
	in->token = cli_read_bounded(CMD_VERIFY, "TOKEN", a->token, CBOR_MAX_INPUT, "1 MiB", &in->token_len);
	if (!in->token)
		return CLI_USAGE;
	return CLI_OK;
}

/* What one verify run found, for the text and JSON reports. */
struct verify_outcome {
	struct cca_token tok;
	struct verify_result res;
	struct verify_appraisal ap;
	bool appraised;          /* the token verified, so it was appraised */
	const char *failed;      /* the failed check's name, NULL when everything passed */
	const char *reason;
};

static const char *check_status(const struct verify_result *res, enum verify_check c, bool nonce)
{
	if (c == VERIFY_CHECK_NONCE && !nonce && res->failed == VERIFY_CHECK_NONE)
		return "skip";
	if (res->failed == VERIFY_CHECK_NONE || c < res->failed)
		return "pass";
	return c == res->failed ? "fail" : "not-run";
}

/* Whether the platform claims were decoded (the lifecycle is known). */
static bool platform_claims_known(const struct verify_result *res)
{
	return res->failed == VERIFY_CHECK_NONE || res->failed > VERIFY_CHECK_PLATFORM_CLAIMS;
}

static json_t *notes_json(const struct verify_result *res)
{
	json_t *notes = json_array();
	for (size_t i = 0; i < res->num_notes; i++) {
		json_t *n = json_object();
		json_object_set_new(n, "check", json_string(verify_check_name(res->notes[i].check)));
		json_object_set_new(n, "rule", json_string(res->notes[i].rule));
		json_object_set_new(n, "note", json_string(res->notes[i].text));
		json_array_append_new(notes, n);
	}
	return notes;
}

static json_t *lifecycle_json(const struct verify_outcome *o)
{
	if (!platform_claims_known(&o->res))
		return json_null();
	enum cca_lifecycle st = cca_lifecycle_state(o->tok.platform_claims.lifecycle);
	json_t *lc = json_object();
	json_object_set_new(lc, "value", json_integer((json_int_t)o->tok.platform_claims.lifecycle));
	json_object_set_new(lc, "state", json_string(cca_lifecycle_name(st)));
	json_object_set_new(lc, "secured", json_boolean(st == CCA_LIFECYCLE_SECURED));
	json_object_set_new(lc, "debug", json_boolean(cca_lifecycle_is_debug(st)));
	return lc;
}

static void print_json(const struct verify_args *a, const struct verify_outcome *o)
{
	json_t *root = json_object();
	json_t *checks = json_array();
	json_object_set_new(root, "valid", json_boolean(o->failed == NULL));
	json_object_set_new(root, "failed_check", o->failed ? json_string(o->failed) : json_null());
	json_object_set_new(root, "reason", o->failed ? json_string(o->reason) : json_null());
	json_object_set_new(root, "error", o->failed ? json_string(cli_last_error()) : json_null());
	json_object_set_new(root, "nonce_checked", json_boolean(a->has_nonce));
	json_object_set_new(root, "strict", json_boolean(a->strict));
	json_object_set_new(root, "lifecycle", lifecycle_json(o));
	json_object_set_new(root, "debug_platform", json_boolean(o->ap.debug_platform));
	json_object_set_new(root, "notes", notes_json(&o->res));
	json_object_set_new(root, "all_skip", json_boolean(!o->appraised || o->ap.all_skip));
	for (int c = VERIFY_CHECK_COLLECTION; c < VERIFY_CHECK_COUNT; c++) {
		json_t *one = json_object();
		json_object_set_new(one, "check", json_string(verify_check_name((enum verify_check)c)));
		json_object_set_new(one, "status",
				    json_string(check_status(&o->res, (enum verify_check)c, a->has_nonce)));
		if (c == (int)o->res.failed)
			json_object_set_new(one, "reason", json_string(o->res.reason));
		json_array_append_new(checks, one);
	}
	for (size_t i = 0; o->appraised && i < o->ap.count; i++) {
		const struct verify_verdict *v = &o->ap.verdicts[i];
		json_t *one = json_object();
		json_object_set_new(one, "check", json_string(v->check));
		json_object_set_new(one, "status", json_string(verdict_status_name(v->status)));
		json_object_set_new(one, "reason", json_string(v->reason));
		json_array_append_new(checks, one);
	}
	json_object_set_new(root, "checks", checks);
	json_dumpf(root, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(root);
}

static void print_text(const struct verify_args *a, const struct verify_outcome *o)
{
	const struct cca_token *tok = &o->tok;
	printf("valid: %s token, platform %s, realm %s%s", tok->tag == CCA_TAG_COLLECTION ? "CCA" : "legacy CCA",
	       cose_alg_name(tok->platform.alg), cose_alg_name(tok->realm.alg),
	       a->has_nonce ? ", nonce matches" : " (nonce not checked: no --nonce)");
	if (o->ap.debug_platform)
		printf("; DEBUG platform (lifecycle %s), accepted by --allow-debug",
		       cca_lifecycle_name(o->ap.lifecycle));
	putchar('\n');
	for (size_t i = 0; i < o->ap.count; i++)
		printf("  %-18s %s: %s\n", o->ap.verdicts[i].check,
		       verdict_status_name(o->ap.verdicts[i].status), o->ap.verdicts[i].reason);
	if (!a->ref)
		printf("  no reference values (--ref): RIM, RPV, REMs, implementation ID and software components not appraised\n");
	else if (o->ap.all_skip)
		printf("  every reference check is skip: %s constrains none of the claims, nothing was compared\n",
		       a->ref);
	for (size_t i = 0; i < o->res.num_notes; i++)
		printf("  note: %s: %s\n", verify_check_name(o->res.notes[i].check), o->res.notes[i].text);
}

static int run_verify(const struct verify_args *a, const struct verify_inputs *in,
		      struct verify_outcome *o)
{
	struct verify_options opts = {
		.platform_keys = in->k.keys, .num_platform_keys = in->k.num_keys,
		.nonce = a->has_nonce ? a->nonce : NULL, .nonce_len = sizeof(a->nonce),
		.strict = a->strict,
	};
	struct appraise_options aopts = { .allow_debug = a->allow_debug };

	if (cca_token_verify(in->token, in->token_len, &opts, &o->tok, &o->res) != 0) {
		o->failed = verify_check_name(o->res.failed);
		o->reason = o->res.reason;
	} else {
		o->appraised = true;
		verify_appraise(&o->tok, in->k.ref, in->members, &aopts, &o->ap);
		for (size_t i = 0; i < o->ap.count && !o->failed; i++)
			if (o->ap.verdicts[i].status == VERDICT_FAIL) {
				o->failed = o->ap.verdicts[i].check;
				o->reason = o->ap.verdicts[i].reason;
			}
	}
	if (o->failed)
		cli_fail(CMD_VERIFY, "invalid: %s: %s", o->failed, o->reason);
	if (a->json)
		print_json(a, o);
	else if (!o->failed)
		print_text(a, o);
	return o->failed ? CLI_FAIL : CLI_OK;
}

static int attest_verify(int argc, char **argv)
{
	struct verify_args a;
	struct verify_inputs in;
	bool json = wants_json(argc, argv);

	if (cli_wants_help(argc, argv)) {
		fputs(verify_usage, stdout);
		return CLI_OK;
	}
	if (parse_verify_args(argc, argv, &a) != CLI_OK) {
		if (json)
			print_json_error(true);
		return CLI_USAGE;
	}
	if (load_inputs(&a, &in) != CLI_OK) {
		free_inputs(&in);
		if (json)
			print_json_error(true);
		return CLI_USAGE;
	}
	struct verify_outcome *o = calloc(1, sizeof(*o));
	int rc;
	if (!o) {
		rc = cli_fail(CMD_VERIFY, "out of memory");
		if (json)
			print_json_error(true);
	} else {
		rc = run_verify(&a, &in, o);
	}
	free(o);
	free_inputs(&in);
	return rc;
}

/* ---- show ------------------------------------------------------------------ */

static int attest_show(int argc, char **argv)
{
	static const struct cli_option opts[] = { { "--json", NULL, false } };
	struct cli_parser p;
	const char *token = NULL;
	bool json = wants_json(argc, argv);
	int opt;

	if (cli_wants_help(argc, argv)) {
		fputs(show_usage, stdout);
		return CLI_OK;
	}
	cli_parser_init(&p, CMD_SHOW, opts, 1, argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			goto usage;
		if (opt == CLI_ARG && token) {
			cli_usage_error(CMD_SHOW, "one TOKEN only ('%s' is extra)", p.value);
			goto usage;
		}
		if (opt == CLI_ARG)
			token = p.value;
	}
	if (!token) {
		cli_usage_error(CMD_SHOW, "no TOKEN given (try 'caec attest show --help')");
		goto usage;
	}
	size_t len = 0;
	uint8_t *buf = cli_read_bounded(CMD_SHOW, "TOKEN", token, CBOR_MAX_INPUT, "1 MiB", &len);
	if (!buf)
		goto usage;
	struct verify_result res;
	int rc = cca_token_dump(stdout, buf, len, json, &res);
	free(buf);
	if (rc == 0)
		return CLI_OK;
	cli_fail(CMD_SHOW, "%s: %s", verify_check_name(res.failed), res.reason);
	/* The claims checks fail after the dump is printed; the structure's before. */
	bool printed = res.failed == VERIFY_CHECK_PLATFORM_CLAIMS || res.failed == VERIFY_CHECK_REALM_CLAIMS;
	if (json && !printed)
		print_json_error(false);
	return CLI_FAIL;
usage:
	if (json)
		print_json_error(false);
	return CLI_USAGE;
}

int cmd_attest(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = {
		{ "verify", attest_verify },
		{ "show", attest_show },
		{ "group", attest_group },
	};
	static const struct cli_command attest = {
		.name = "attest",
		.usage = attest_usage,
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&attest, argc, argv);
}

/*
 * caec attest: verify and inspect CCA attestation tokens.
 *
 *   caec attest verify TOKEN [--platform-key KEY] [--ref REF.json]
 *                      [--members MEMBERS.json] [--nonce HEX] [--strict] [--json]
 *   caec attest show TOKEN [--json]
 *
 * verify exits 0 when the token is valid (and, with --ref, every appraisal
 * check passes), 1 when it is not (one line on stderr naming the failed check
 * and why), 2 on usage errors (including unreadable input files).
 */
#include <errno.h>
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

static const char verify_usage[] =
	"usage: caec attest verify TOKEN [--platform-key KEY] [--ref REF.json]\n"
	"                          [--members MEMBERS.json] [--nonce HEX] [--strict] [--json]\n"
	"\n"
	"Verifies a CCA attestation token (tag 907 or legacy 399): the platform signature\n"
	"with an accepted platform key, the realm signature with the RAK of claim 44237,\n"
	"the binder, the nonce, and every mandatory claim; then, with --ref, appraises\n"
	"the claims against reference values (format: verify/README.md).\n"
	"\n"
	"  --platform-key KEY   platform public key, PEM or JWK file (adds to the\n"
	"                       reference file's platform_keys)\n"
	"  --ref REF.json       reference values: platform keys, RIMs, RPVs, REMs,\n"
	"                       implementation IDs, software components, CSM rules\n"
	"  --members FILE.json  CSM member lists (as RSI_CSM_INFO reports them), checked\n"
	"                       against the token's membership digests and the CSM rules\n"
	"  --nonce HEX          expected realm challenge (64 bytes, 128 hex digits)\n"
	"  --strict             refuse unknown claims\n"
	"  --json               print the result as JSON on stdout\n"
	"\n"
	"Exit status: 0 valid, 1 invalid (the failed check and why on stderr), 2 usage.\n";

static const char show_usage[] =
	"usage: caec attest show TOKEN [--json]\n"
	"\n"
	"Prints every claim of the platform and realm tokens: names for known claims,\n"
	"hex for byte strings. Signatures are not checked (use 'caec attest verify').\n"
	"\n"
	"Exit status: 0 decoded, 1 malformed token, 2 usage.\n";

static const char attest_usage[] =
	"usage: caec attest <verify|show> TOKEN [options]\n"
	"\n"
	"  verify   check a token's signatures, binder, nonce, claims and reference values\n"
	"  show     print every claim of a token\n"
	"\n"
	"'caec attest verify --help' and 'caec attest show --help' describe each.\n";

/* Reads a whole token file; one byte past the verifier's limit so it can refuse. */
static uint8_t *read_token(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "caec attest: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = CBOR_MAX_INPUT + 1;
	uint8_t *buf = malloc(cap);
	if (buf)
		*len = fread(buf, 1, cap, f);
	if (buf && ferror(f)) {
		fprintf(stderr, "caec attest: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

#define CMD_VERIFY "attest verify" /* messages start "caec attest verify: " */
#define CMD_SHOW   "attest show"

struct verify_args {
	const char *token, *platform_key, *ref, *members, *nonce_hex;
	bool strict, json;
};

/* CLI_OK or CLI_USAGE (with the message printed). */
static int parse_verify_args(int argc, char **argv, struct verify_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char **value = NULL;
		if (!strcmp(argv[i], "--platform-key"))
			value = &a->platform_key;
		else if (!strcmp(argv[i], "--ref"))
			value = &a->ref;
		else if (!strcmp(argv[i], "--members"))
			value = &a->members;
		else if (!strcmp(argv[i], "--nonce"))
			value = &a->nonce_hex;
		else if (!strcmp(argv[i], "--strict"))
			a->strict = true;
		else if (!strcmp(argv[i], "--json"))
			a->json = true;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage_error(CMD_VERIFY, "unknown option '%s' (try --help)", argv[i]);
		else if (!a->token)
			a->token = argv[i];
		else
			return cli_usage_error(CMD_VERIFY, "one TOKEN only ('%s' is extra)", argv[i]);
		if (value) {
			if (i + 1 >= argc)
				return cli_usage_error(CMD_VERIFY, "%s needs a value", argv[i]);
			*value = argv[++i];
		}
	}
	if (!a->token)
		return cli_usage_error(CMD_VERIFY, "no TOKEN given (try --help)");
	return CLI_OK;
}

/* Everything a verify run loads before looking at the token. */
struct verify_inputs {
	EVP_PKEY *cli_key;
	struct verify_refvals *ref;
	struct csm_evidence *members;
	uint8_t nonce[CCA_REALM_CHALLENGE_SIZE];
	bool has_nonce;
	EVP_PKEY **keys;
	size_t num_keys;
};

static void free_inputs(struct verify_inputs *in)
{
	EVP_PKEY_free(in->cli_key);
	verify_refvals_free(in->ref);
	csm_evidence_free(in->members);
	free(in->keys);
}

/* CLI_OK, or CLI_USAGE with the message printed (an input that cannot be used). */
static int load_inputs(const struct verify_args *a, struct verify_inputs *in)
{
	char why[REF_WHY_MAX];
	memset(in, 0, sizeof(*in));
	if (a->nonce_hex) {
		size_t n;
		if (hex_decode(a->nonce_hex, in->nonce, sizeof(in->nonce), &n) != 0 ||
		    n != sizeof(in->nonce))
			return cli_usage_error(CMD_VERIFY, "--nonce must be 64 bytes as 128 hex digits");
		in->has_nonce = true;
	}
	if (a->platform_key && pubkey_load_file(a->platform_key, &in->cli_key, why) != 0)
		return cli_usage_error(CMD_VERIFY, "--platform-key %s: %s", a->platform_key, why);
	if (a->ref && verify_refvals_load(a->ref, &in->ref, why) != 0)
		return cli_usage_error(CMD_VERIFY, "--ref %s: %s", a->ref, why);
	if (a->members && csm_evidence_load(a->members, &in->members, why) != 0)
		return cli_usage_error(CMD_VERIFY, "--members %s: %s", a->members, why);
	size_t ref_keys = in->ref ? in->ref->num_platform_keys : 0;
	in->keys = calloc(ref_keys + 1, sizeof(EVP_PKEY *));
	if (!in->keys)
		return CLI_USAGE;
	if (in->cli_key)
		in->keys[in->num_keys++] = in->cli_key;
	for (size_t i = 0; i < ref_keys; i++)
		in->keys[in->num_keys++] = in->ref->platform_keys[i];
	return CLI_OK;
}

static const char *check_status(const struct verify_result *res, enum verify_check c, bool nonce)
{
	if (c == VERIFY_CHECK_NONCE && !nonce && res->failed == VERIFY_CHECK_NONE)
		return "skip";
	if (res->failed == VERIFY_CHECK_NONE || c < res->failed)
		return "pass";
	return c == res->failed ? "fail" : "not-run";
}

static void print_json(const struct verify_result *res, const struct verify_appraisal *ap,
		       bool appraised, bool has_nonce, const char *failed, const char *reason)
{
	json_t *root = json_object();
	json_t *checks = json_array();
	json_object_set_new(root, "valid", json_boolean(failed == NULL));
	json_object_set_new(root, "failed_check", failed ? json_string(failed) : json_null());
	json_object_set_new(root, "reason", failed ? json_string(reason) : json_null());
	for (int c = VERIFY_CHECK_COLLECTION; c < VERIFY_CHECK_COUNT; c++) {
		json_t *one = json_object();
		json_object_set_new(one, "check", json_string(verify_check_name((enum verify_check)c)));
		json_object_set_new(one, "status",
				    json_string(check_status(res, (enum verify_check)c, has_nonce)));
		if (c == (int)res->failed)
			json_object_set_new(one, "reason", json_string(res->reason));
		json_array_append_new(checks, one);
	}
	for (size_t i = 0; appraised && i < ap->count; i++) {
		json_t *one = json_object();
		json_object_set_new(one, "check", json_string(ap->verdicts[i].check));
		json_object_set_new(one, "status", json_string(verdict_status_name(ap->verdicts[i].status)));
		json_object_set_new(one, "reason", json_string(ap->verdicts[i].reason));
		json_array_append_new(checks, one);
	}
	json_object_set_new(root, "checks", checks);
	json_dumpf(root, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(root);
}

static int attest_verify(int argc, char **argv)
{
	struct verify_args a;
	struct verify_inputs in;
	if (cli_wants_help(argc, argv)) {
		fputs(verify_usage, stdout);
		return CLI_OK;
	}
	if (parse_verify_args(argc, argv, &a) != CLI_OK)
		return CLI_USAGE;
	if (load_inputs(&a, &in) != CLI_OK) {
		free_inputs(&in);
		return CLI_USAGE;
	}
	size_t len = 0;
	uint8_t *buf = read_token(a.token, &len);
	if (!buf) {
		free_inputs(&in);
		return CLI_USAGE;
	}

	struct cca_token *tok = calloc(1, sizeof(*tok));
	struct verify_result res;
	struct verify_appraisal ap = { 0 };
	struct verify_options opts = {
		.platform_keys = in.keys, .num_platform_keys = in.num_keys,
		.nonce = in.has_nonce ? in.nonce : NULL, .nonce_len = sizeof(in.nonce),
		.strict = a.strict,
	};
	if (!tok) {
		free(buf);
		free_inputs(&in);
		return CLI_FAIL;
	}
	bool valid = cca_token_verify(buf, len, &opts, tok, &res) == 0;
	const char *failed = valid ? NULL : verify_check_name(res.failed);
	const char *reason = res.reason;
	bool appraised = valid && in.ref;
	if (appraised) {
		verify_appraise(tok, in.ref, in.members, &ap);
		for (size_t i = 0; i < ap.count && !failed; i++)
			if (ap.verdicts[i].status == VERDICT_FAIL) {
				failed = ap.verdicts[i].check;
				reason = ap.verdicts[i].reason;
			}
	}

	if (a.json) {
		print_json(&res, &ap, appraised, in.has_nonce, failed, reason);
	} else if (!failed) {
		printf("valid: %s token, platform %s, realm %s%s\n",
		       tok->tag == CCA_TAG_COLLECTION ? "CCA" : "legacy CCA",
		       cose_alg_name(tok->platform.alg), cose_alg_name(tok->realm.alg),
		       in.has_nonce ? ", nonce matches" : " (nonce not checked: no --nonce)");
		for (size_t i = 0; i < ap.count; i++)
			printf("  %-18s %s: %s\n", ap.verdicts[i].check,
			       verdict_status_name(ap.verdicts[i].status), ap.verdicts[i].reason);
	}
	if (failed)
		fprintf(stderr, "invalid: %s: %s\n", failed, reason);

	free(tok);
	free(buf);
	free_inputs(&in);
	return failed ? CLI_FAIL : CLI_OK;
}

static int attest_show(int argc, char **argv)
{
	const char *token = NULL;
	bool json = false;
	if (cli_wants_help(argc, argv)) {
		fputs(show_usage, stdout);
		return CLI_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(CMD_SHOW, "unknown option '%s' (try --help)", argv[i]);
		} else if (!token) {
			token = argv[i];
		} else {
			return cli_usage_error(CMD_SHOW, "one TOKEN only ('%s' is extra)", argv[i]);
		}
	}
	if (!token)
		return cli_usage_error(CMD_SHOW, "no TOKEN given (try --help)");
	size_t len = 0;
	uint8_t *buf = read_token(token, &len);
	if (!buf)
		return CLI_USAGE;
	struct verify_result res;
	int rc = cca_token_dump(stdout, buf, len, json, &res);
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "caec attest show: %s: %s\n", verify_check_name(res.failed), res.reason);
		return CLI_FAIL;
	}
	return CLI_OK;
}

int cmd_attest(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = {
		{ "verify", attest_verify },
		{ "show", attest_show },
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

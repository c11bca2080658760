/*
 * caec realm run|measure: run a realm image on a fresh hostsim machine, or
 * compute its RIM offline. The VMM (host/vmm.h) does the work; this file
 * parses options, streams the console and prints results. A run that must
 * end from outside (--timeout, SIGINT, SIGTERM) is stopped through the VMM,
 * so the realm is still torn down and checked for leaks.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "abi/caec.h"
#include "cli.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"
#include "rmm/rmm.h"
#include "verify/hex.h"

static const char realm_usage[] =
	"usage: caec realm <run|measure> IMAGE.so [options]\n"
	"\n"
	"  run       build the realm on a fresh hostsim machine, run it until it turns\n"
	"            itself off (or --timeout, Ctrl-C), stream its console, tear it down\n"
	"  measure   compute the realm's RIM offline (no monitor) with the log of steps\n"
	"\n"
	"'caec realm <run|measure> --help' lists the options.\n";

static const char run_usage[] =
	"usage: caec realm run IMAGE.so [--mem SIZE] [--vcpus N] [--rpv HEX] [--hash sha256|sha512]\n"
	"                      [--ipa-bits N] [--num-bps N] [--num-wps N] [--dram SIZE] [--csm-exits]\n"
	"                      [--nonce HEX] [--cpak PEM] [--json] [--exit-status]\n"
	"                      [--token-out FILE] [--key-out FILE] [--timeout SECONDS]\n"
	"\n"
	"Builds a realm from IMAGE.so, runs it to PSCI SYSTEM_OFF with its console on\n"
	"stdout (stderr with --json), tears it down and checks that no granule leaked.\n"
	"\n"
	"A realm image is the program a realm runs: C code built against caec's realm\n"
	"SDK (sdk/include/sdk: console, heap, attestation, vCPUs) into a position-\n"
	"independent shared object with no C library, by caec_add_realm_image() in CMake\n"
	"(examples/template shows one to copy; README: \"Write your own realm\"). Its\n"
	"bytes become the realm's first memory and are measured into the RIM: change one\n"
	"byte and the realm attests as a different one. Its realm_main() returns the\n"
	"realm's exit status.\n"
	"\n"
	"  --mem SIZE        realm RAM, bytes with optional K/M/G suffix (default 16M;\n"
	"                    at least 128K, the SDK's boot stack and heap)\n"
	"  --vcpus N         vCPUs, 1..64 (default 1); vCPU 0 boots, others start with CPU_ON\n"
	"  --rpv HEX         realm personalization value, up to 64 bytes (zero-padded)\n"
	"  --hash ALG        measurement algorithm: sha256 (default) or sha512\n"
	"  --ipa-bits N      IPA width, 32..46 (default 39); the hostsim machine reserves\n"
	"                    2^N bytes of address space for a realm, and 47 or 48 do not\n"
	"                    fit in a 47-bit user address space ('realm measure' takes 48)\n"
	"  --num-bps N       breakpoints the realm asks for, 1..63; 0 (default): the\n"
	"                    most the machine offers (measured)\n"
	"  --num-wps N       watchpoints the realm asks for, 1..63; 0 (default): the\n"
	"                    most the machine offers (measured)\n"
	"  --dram SIZE       the machine's DRAM, bytes with optional K/M/G suffix (default\n"
	"                    4G, or more when --mem needs it; untouched DRAM costs nothing)\n"
	"  --nonce HEX       attestation challenge the realm gets from host call 0xCAE2,\n"
	"                    up to 64 bytes (optional 0x, zero-padded to 64); default: 64\n"
	"                    random bytes, printed on stderr (in \"nonce\" with --json)\n"
	"  --cpak PEM        platform attestation key (P-384 private key PEM); default:\n"
	"                    a fresh key generated for this machine\n"
	"  --csm-exits       let the realm use confidential shared memory: the host\n"
	"                    serves its CSM requests (RMI_CAEC_REALM_CONFIG CSM_EXITS,\n"
	"                    measured: 'realm measure --csm-exits' gives the RIM)\n"
	"  --json            print {rim, realm_id, exit_status, stop, token, nonce, ...}\n"
	"                    on stdout, with \"error\" when the run failed\n"
	"  --exit-status     exit with the realm's own exit status (0..125) when the run\n"
	"                    succeeded, instead of 0\n"
	"  --token-out FILE  write the last token the realm fetched (CBOR) to FILE\n"
	"  --key-out FILE    write the platform public key (PEM) to FILE\n"
	"  --timeout SECONDS stop the realm if it has not turned itself off this many\n"
	"                    seconds (decimals allowed, e.g. 0.5) after it started;\n"
	"                    default: no limit\n"
	"\n"
	"SIGINT (Ctrl-C) or SIGTERM stops the realm at its vCPUs' next exit (within\n"
	"a time slice, 20 ms) and tears it down as usual; a second one kills caec at\n"
	"once, without teardown.\n"
	"\n"
	"Verify the token with:\n"
	"  caec attest verify TOKEN --platform-key KEY --nonce HEX --allow-debug\n"
	"(--allow-debug: hostsim's platform reports a debug lifecycle state, since its\n"
	"keys live in an ordinary process; a real CCA platform's token needs none).\n"
	"\n"
	"The run succeeds (0) when the realm turned itself off after reporting an exit\n"
	"status (host call 0xCAE1, what realm_main returned) and nothing leaked; the\n"
	"realm's status is printed (stderr, when not 0) and is \"exit_status\" in the JSON.\n"
	"A timeout, a crash or a leak is a failure (1; \"stop\" says which).\n"
	CLI_EXIT_CODES;

static const char measure_usage[] =
	"usage: caec realm measure IMAGE.so [--mem SIZE] [--vcpus N] [--rpv HEX]\n"
	"                          [--hash sha256|sha512] [--ipa-bits N] [--num-bps N]\n"
	"                          [--num-wps N] [--csm-exits] [--json]\n"
	"\n"
	"Computes the RIM the realm will have when `caec realm run` builds it with the\n"
	"same options, without a monitor. With --json also prints \"log\", the ordered\n"
	"measurement steps (realm parameters, RIPAS, DATA, REC) with the fields each\n"
	"one hashes and the RIM after it, so anyone can recompute the RIM.\n"
	"--num-bps/--num-wps 0 (the default) take hostsim's maximum (5 and 3), as\n"
	"`caec realm run` does on its machine.\n"
	"\n"
	CLI_EXIT_CODES;

struct realm_args {
	const char *image;
	struct vmm_realm_opts opts;
	uint8_t nonce[HOST_CALL_CHALLENGE_SIZE];
	bool have_nonce;
	const char *cpak;
	const char *token_out;
	const char *key_out;
	const char *timeout;       /* as given, for messages */
	uint64_t timeout_ms;       /* 0 = none */
	uint64_t dram_size;        /* run: --dram, 0 = sized from --mem */
	bool json;
	bool exit_status;          /* run: the realm's exit status becomes caec's */
};

/* DRAM below which a realm of mem bytes with an image of image_size cannot be
 * built: its RAM and image, a level-3 RTT per 2 MiB of them, and room for
 * the firmware, the realm's RD, RECs, root RTTs and the host's buffers. */
static uint64_t dram_needed(uint64_t mem, uint64_t image_size)
{
	uint64_t data = mem + image_size;

	return data + data / 256 + (UINT64_C(16) << 20);
}

#define DEFAULT_DRAM_SIZE (UINT64_C(4) << 30)

/* Up to cap bytes of hex (optional 0x) into out, zero-padded: the forms
 * `caec attest verify --nonce` takes too. */
static bool parse_hex(const char *s, uint8_t *out, size_t cap)
{
	return hex_decode_padded(s, out, cap) == 0;
}

/* Seconds, optionally with up to three decimals ("5", "0.25"), more than 0
 * and at most a day, into milliseconds. */
static bool parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	unsigned frac_digits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 86400)
			return false;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++frac_digits > 3)
				return false;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (frac_digits == 0)
			return false;
	}
	if (*p)
		return false;
	while (frac_digits++ < 3)
		frac *= 10;
	*ms = whole * 1000 + frac;
	return *ms > 0 && *ms <= UINT64_C(86400000);
}

/* The options of run and measure; measure takes the first MEASURE_OPTS. */
enum realm_opt {
	OPT_MEM, OPT_VCPUS, OPT_RPV, OPT_HASH, OPT_IPA_BITS, OPT_NUM_BPS, OPT_NUM_WPS, OPT_JSON,
	OPT_CSM_EXITS,
	MEASURE_OPTS,
	OPT_DRAM = MEASURE_OPTS, OPT_NONCE, OPT_CPAK, OPT_TOKEN_OUT, OPT_KEY_OUT, OPT_TIMEOUT,
	OPT_EXIT_STATUS,
	RUN_OPTS
};

static const struct cli_option realm_options[RUN_OPTS] = {
	[OPT_MEM] = { "--mem", NULL, true },
	[OPT_VCPUS] = { "--vcpus", NULL, true },
	[OPT_RPV] = { "--rpv", NULL, true },
	[OPT_HASH] = { "--hash", NULL, true },
	[OPT_IPA_BITS] = { "--ipa-bits", NULL, true },
	[OPT_NUM_BPS] = { "--num-bps", NULL, true },
	[OPT_NUM_WPS] = { "--num-wps", NULL, true },
	[OPT_JSON] = { "--json", NULL, false },
	[OPT_CSM_EXITS] = { "--csm-exits", NULL, false },
	[OPT_DRAM] = { "--dram", NULL, true },
	[OPT_NONCE] = { "--nonce", NULL, true },
	[OPT_CPAK] = { "--cpak", NULL, true },
	[OPT_TOKEN_OUT] = { "--token-out", NULL, true },
	[OPT_KEY_OUT] = { "--key-out", NULL, true },
	[OPT_TIMEOUT] = { "--timeout", NULL, true },
	[OPT_EXIT_STATUS] = { "--exit-status", NULL, false },
};

/* One option's value into a; CLI_OK or CLI_USAGE with the message printed. */
static int parse_option(const struct cli_parser *p, enum realm_opt opt, struct realm_args *a)
{
	const char *val = p->value;
	uint64_t u;

	switch (opt) {
	case OPT_MEM:
		if (!cli_parse_size(val, &a->opts.mem_size))
			return cli_bad_value(p, "a size (bytes, or with a K, M or G suffix)");
		if (a->opts.mem_size < VMM_MIN_MEM_SIZE)
			return cli_usage_error(p->cmd, "--mem %s is too small to boot a realm: at least %llu KiB "
					       "(the SDK's %llu KiB boot stack and its heap)", val,
					       (unsigned long long)(VMM_MIN_MEM_SIZE >> 10),
					       (unsigned long long)(VMM_MIN_BOOT_STACK >> 10));
		if (a->opts.mem_size > VMM_MAX_MEM_SIZE || a->opts.mem_size % RMI_GRANULE_SIZE)
			return cli_bad_value(p, "a multiple of 4K, at most 4G");
		break;
	case OPT_VCPUS:
		if (!cli_parse_u64(val, VMM_MAX_VCPUS, &u) || u == 0)
			return cli_bad_value(p, "1..64");
		a->opts.vcpus = (unsigned)u;
		break;
	case OPT_RPV:
		if (!parse_hex(val, a->opts.rpv, sizeof(a->opts.rpv)))
			return cli_bad_value(p, "hex of at most 64 bytes");
		break;
	case OPT_HASH:
		if (!strcmp(val, "sha256"))
			a->opts.hash_algo = RMI_HASH_SHA_256;
		else if (!strcmp(val, "sha512"))
			a->opts.hash_algo = RMI_HASH_SHA_512;
		else
			return cli_bad_value(p, "sha256 or sha512");
		break;
	case OPT_IPA_BITS:
		if (!cli_parse_u64(val, VMM_MAX_IPA_BITS, &u) || u < VMM_MIN_IPA_BITS)
			return cli_bad_value(p, "32..48");
		a->opts.ipa_bits = (unsigned)u;
		break;
	case OPT_NUM_BPS:
	case OPT_NUM_WPS:
		if (!cli_parse_u64(val, 63, &u))
			return cli_bad_value(p, "0..63");
		*(opt == OPT_NUM_BPS ? &a->opts.num_bps : &a->opts.num_wps) = (unsigned)u;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_CSM_EXITS:
		a->opts.caec_flags |= CAEC_REALM_CSM_EXITS;
		break;
	case OPT_DRAM:
		if (!cli_parse_size(val, &a->dram_size) || a->dram_size == 0 ||
		    a->dram_size % RMI_GRANULE_SIZE || a->dram_size > HOSTSIM_MAX_DRAM_SIZE)
			return cli_bad_value(p, "a size of 4K granules, 4K..1T");
		break;
	case OPT_NONCE:
		if (!parse_hex(val, a->nonce, sizeof(a->nonce)))
			return cli_bad_value(p, "hex of at most 64 bytes");
		a->have_nonce = true;
		break;
	case OPT_CPAK:
		a->cpak = val;
		break;
	case OPT_TOKEN_OUT:
		a->token_out = val;
		break;
	case OPT_KEY_OUT:
		a->key_out = val;
		break;
	case OPT_TIMEOUT:
		if (!parse_seconds(val, &a->timeout_ms))
			return cli_bad_value(p, "a number of seconds, 0.001..86400");
		a->timeout = val;
		break;
	case OPT_EXIT_STATUS:
		a->exit_status = true;
		break;
	default:
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Every file the command will read or write, checked before any work. */
static int check_files(const char *cmd, const struct realm_args *a)
{
	if (cli_check_input(cmd, "IMAGE", a->image) != CLI_OK ||
	    (a->cpak && cli_check_input(cmd, "--cpak", a->cpak) != CLI_OK) ||
	    (a->token_out && cli_check_output(cmd, "--token-out", a->token_out) != CLI_OK) ||
	    (a->key_out && cli_check_output(cmd, "--key-out", a->key_out) != CLI_OK))
		return CLI_USAGE;
	if (!strcmp(a->image, "-"))
		return cli_usage_error(cmd, "IMAGE must be a file (a realm image is loaded from its path)");
	return CLI_OK;
}

static int parse_args(const char *cmd, int argc, char **argv, bool run, struct realm_args *a)
{
	struct cli_parser p;
	int opt, rc;

	memset(a, 0, sizeof(*a));
	vmm_realm_opts_default(&a->opts);
	cli_parser_init(&p, cmd, realm_options, run ? RUN_OPTS : MEASURE_OPTS, argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			return CLI_USAGE;
		if (opt == CLI_ARG) {
			if (a->image)
				return cli_usage_error(cmd, "one IMAGE only ('%s' is extra)", p.value);
			a->image = p.value;
			continue;
		}
		if ((rc = parse_option(&p, (enum realm_opt)opt, a)) != CLI_OK)
			return rc;
	}
	if (!a->image)
		return cli_usage_error(cmd, "no IMAGE.so given (try 'caec %s --help')", cmd);
	return CLI_OK;
}

static int load_image(const char *cmd, const char *path, struct realm_image *img)
{
	int rc = realm_image_load(path, img);

	if (rc == 0)
		return CLI_OK;
	if (rc == -ENOEXEC)
		cli_usage_error(cmd, "IMAGE %s: %s", path, img->why);
	else if (rc == -EFBIG || rc == -EINVAL)
		cli_usage_error(cmd, "IMAGE %s: an image must be 1 byte..256 MiB", path);
	else
		cli_usage_error(cmd, "IMAGE %s cannot be read: %s", path, strerror(-rc));
	return CLI_USAGE;
}

static void print_hex_line(FILE *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
	fputc('\n', out);
}

static int cmd_measure(int argc, char **argv)
{
	struct realm_args a;
	struct realm_image img;
	struct vmm_measurement m;
	const char *why = "";
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(measure_usage, stdout);
		return CLI_OK;
	}
	if ((rc = parse_args("realm measure", argc, argv, false, &a)) != CLI_OK)
		return rc;
	if ((rc = check_files("realm measure", &a)) != CLI_OK ||
	    (rc = load_image("realm measure", a.image, &img)) != CLI_OK) {
		if (a.json)
			cli_print_json(NULL, true);
		return rc;
	}
	rc = vmm_measure(img.bytes, img.size, &a.opts, &m, &why);
	realm_image_free(&img);
	if (rc) {
		int status = rc == -EINVAL || rc == -E2BIG ? CLI_USAGE : CLI_FAIL;
		cli_usage_error("realm measure", "%s", why);
		if (a.json)
			cli_print_json(NULL, true);
		return status;
	}
	if (a.json) {
		json_t *j = vmm_measurement_to_json(&m);
		if (!j)
			rc = cli_fail("realm measure", "out of memory writing JSON");
		cli_print_json(j, rc != 0);
	} else {
		print_hex_line(stdout, m.rim, m.hash_size);
	}
	vmm_measurement_free(&m);
	return rc ? CLI_FAIL : CLI_OK;
}

/* ---- run --------------------------------------------------------------------- */

static void console_out(void *ctx, const char *bytes, size_t len)
{
	FILE *out = ctx;

	fwrite(bytes, 1, len, out);
	fflush(out);
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		cli_fail("realm run", "cannot write %s: %s", path, strerror(errno));
	return ok ? 0 : -1;
}

struct run_report {
	bool ran;                  /* the realm was built and entered */
	uint8_t rim[64];
	size_t rim_size;
	uint8_t realm_id[32];      /* the monitor's realm ID (claim 65001) */
	struct vmm_run_result res;
	char key_pem[1024];
	bool leaked;
	int teardown_rc;
};

/* The run's result as JSON; cli_print_json adds "error" when it failed. */
static json_t *run_json(const struct realm_args *a, const struct run_report *rep)
{
	json_t *j = json_object();
	json_t *ex = json_object();

	if (!j || !ex) {
		json_decref(j);
		json_decref(ex);
		return NULL;
	}
	json_object_set_new(j, "rim", rep->rim_size ? cli_hex_json(rep->rim, rep->rim_size) : json_null());
	json_object_set_new(j, "realm_id", rep->rim_size ? cli_hex_json(rep->realm_id, sizeof(rep->realm_id))
						 : json_null());
	json_object_set_new(j, "exit_status", rep->res.exit_reported
						      ? json_integer((json_int_t)rep->res.exit_status)
						      : json_null());
	json_object_set_new(j, "stop", rep->ran ? json_string(vmm_stop_reason_name(rep->res.stop))
						: json_null());
	json_object_set_new(j, "token", rep->res.token ? cli_hex_json(rep->res.token, rep->res.token_len)
						       : json_null());
	json_object_set_new(j, "nonce", cli_hex_json(a->nonce, sizeof(a->nonce)));
	json_object_set_new(j, "nonce_random", json_boolean(!a->have_nonce));
	json_object_set_new(j, "platform_key", rep->key_pem[0] ? json_string(rep->key_pem) : json_null());
	json_object_set_new(j, "hash_algo",
			    json_string(a->opts.hash_algo == RMI_HASH_SHA_512 ? "sha512" : "sha256"));
	json_object_set_new(j, "leaked_granules", json_boolean(rep->leaked));
	json_t *csm = json_object();
	json_object_set_new(csm, "created", json_integer((json_int_t)rep->res.csm_created));
	json_object_set_new(csm, "attached", json_integer((json_int_t)rep->res.csm_attached));
	json_object_set_new(csm, "detached", json_integer((json_int_t)rep->res.csm_detached));
	json_object_set_new(csm, "refused", json_integer((json_int_t)rep->res.csm_refused));
	json_object_set_new(csm, "last_error", rep->res.csm_error[0] ? json_string(rep->res.csm_error) : json_null());
	json_object_set_new(j, "csm", csm);
	json_object_set_new(ex, "sync", json_integer((json_int_t)rep->res.exits.sync));
	json_object_set_new(ex, "irq", json_integer((json_int_t)rep->res.exits.irq));
	json_object_set_new(ex, "psci", json_integer((json_int_t)rep->res.exits.psci));
	json_object_set_new(ex, "ripas_change", json_integer((json_int_t)rep->res.exits.ripas_change));
	json_object_set_new(ex, "host_call", json_integer((json_int_t)rep->res.exits.host_call));
	json_object_set_new(ex, "serror", json_integer((json_int_t)rep->res.exits.serror));
	json_object_set_new(ex, "csm", json_integer((json_int_t)rep->res.exits.csm));
	json_object_set_new(j, "exits", ex);
	return j;
}

/* Builds, runs and tears down on a machine that is already up. */
static int run_on_machine(const struct realm_args *a, const struct realm_image *img,
			  struct run_report *rep)
{
	struct vmm vmm;
	struct vmm_realm *realm;
	struct vmm_error err = { "" };
	struct leak_snapshot before, after;
	struct rmm_debug_realm info;
	struct vmm_run_config cfg = {
		.console = console_out,
		.console_ctx = a->json ? stderr : stdout,
		.challenge = a->nonce,
		.timeout_ms = a->timeout_ms,
	};
	int rc;

	vmm_init(&vmm);
	cli_publish_vmm(&vmm);
	leak_snapshot_take(&vmm.ledger, &before);
	rc = vmm_realm_create(&vmm, img->bytes, img->size, &a->opts, &realm, &err);
	if (rc) {
		cli_publish_vmm(NULL);
		cli_fail("realm run", "building the realm failed: %s", err.msg);
		return rc == -EINVAL || rc == -E2BIG ? CLI_USAGE : CLI_FAIL;
	}
	/* The RIM as the machine's monitor recorded it: hostsim is the machine
	 * this command runs, so it reads it the way a platform debugger would.
	 * The same value is in the token (claim 44238) the realm fetched. */
	rep->rim_size = a->opts.hash_algo == RMI_HASH_SHA_512 ? 64 : 32;
	if (rmm_debug_realm(vmm_realm_rd(realm), &info)) {
		memcpy(rep->rim, info.rim, sizeof(rep->rim));
		memcpy(rep->realm_id, info.realm_id, sizeof(rep->realm_id));
	}
	rc = vmm_realm_run(realm, &cfg, &rep->res);
	rep->ran = rc == 0;
	cli_publish_vmm(NULL); /* the vmm lives on this stack only until we return */
	if (rc)
		snprintf(rep->res.detail, sizeof(rep->res.detail), "the run loop could not start: %s",
			 strerror(-rc));
	rep->teardown_rc = vmm_realm_destroy(realm);
	leak_snapshot_take(&vmm.ledger, &after);
	rep->leaked = rep->teardown_rc != 0 || !leak_snapshot_same(&before, &after);
	if (rep->leaked)
		cli_fail("realm run", "teardown leaked granules: %llu still held by the VMM, "
			 "%llu more in the Realm PAS",
			(unsigned long long)(after.held - before.held),
			(unsigned long long)(after.not_ns - before.not_ns));
	return rc ? CLI_FAIL : CLI_OK;
}

#define CMD_RUN "realm run" /* messages start "caec realm run: " */

/* caec's exit status for a run that reached teardown, with the failure told. */
static int run_status(const struct realm_args *a, const struct run_report *rep)
{
	const struct vmm_run_result *res = &rep->res;

	if (res->stop == VMM_STOP_TIMEOUT)
		return cli_fail(CMD_RUN, "the realm did not turn itself off within %s s; stopped and torn down",
				a->timeout);
	if (res->stop == VMM_STOP_INTERRUPTED) {
		int sig = cli_stop_signal();
		cli_fail(CMD_RUN, "interrupted by %s; the realm was stopped and torn down", cli_signal_name(sig));
		return sig == SIGTERM ? 128 + SIGTERM : CLI_INTERRUPTED;
	}
	if (res->stop != VMM_STOP_SYSTEM_OFF)
		return cli_fail(CMD_RUN, "the realm did not turn itself off (%s): %s",
				vmm_stop_reason_name(res->stop), res->detail);
	if (rep->leaked)
		return CLI_FAIL; /* told by run_on_machine */
	if (!res->exit_reported)
		return cli_fail(CMD_RUN, "the realm turned off without reporting an exit status");
	if (a->exit_status) {
		/* A status that does not fit an exit code is a failure, never a
		 * silent success. */
		if (res->exit_status > 125)
			return cli_fail(CMD_RUN, "the realm exited with status %llu, which is not an exit "
					"code of 0..125", (unsigned long long)res->exit_status);
		return (int)res->exit_status;
	}
	if (res->exit_status != 0 && !a->json)
		fprintf(stderr, "caec realm run: the realm exited with status %lld (caec's own status is 0: "
			"the run succeeded; --exit-status makes the realm's caec's)\n",
			(long long)res->exit_status);
	return CLI_OK;
}

/* Writes --token-out and --key-out; CLI_OK or CLI_FAIL with the failure told. */
static int write_outputs(const struct realm_args *a, const struct run_report *rep)
{
	int rc = CLI_OK;

	if (a->token_out && !rep->res.token)
		rc = cli_fail(CMD_RUN, "the realm fetched no token; --token-out %s not written", a->token_out);
	else if (a->token_out && write_file(a->token_out, rep->res.token, rep->res.token_len) != 0)
		rc = CLI_FAIL;
	if (a->key_out && write_file(a->key_out, rep->key_pem, strlen(rep->key_pem)) != 0)
		rc = CLI_FAIL;
	return rc;
}

/* Checks the options against each other and the image; the DRAM size. */
static int size_machine(struct realm_args *a, const struct realm_image *img)
{
	if (a->opts.ipa_bits > HOSTSIM_MAX_IPA_BITS)
		return cli_usage_error(CMD_RUN, "--ipa-bits %u: the hostsim machine runs realms of at most "
				       "%u IPA bits (a realm's IPA window is 2^N bytes of this process's "
				       "address space)", a->opts.ipa_bits, HOSTSIM_MAX_IPA_BITS);
	uint64_t need = dram_needed(a->opts.mem_size, img->size);
	if (a->dram_size && a->dram_size < need)
		return cli_usage_error(CMD_RUN, "--mem %llu MiB needs at least %llu MiB of DRAM with its image "
				       "and tables; --dram is %llu MiB (give a larger --dram)",
				       (unsigned long long)(a->opts.mem_size >> 20),
				       (unsigned long long)((need + (1 << 20) - 1) >> 20),
				       (unsigned long long)(a->dram_size >> 20));
	if (!a->dram_size)
		a->dram_size = need > DEFAULT_DRAM_SIZE ? (need + (UINT64_C(1) << 30) - 1) & ~((UINT64_C(1) << 30) - 1)
						       : DEFAULT_DRAM_SIZE;
	return CLI_OK;
}

/* Starts the machine, runs the realm on it, stops the machine. */
static int run_machine(const struct realm_args *a, const struct realm_image *img, struct run_report *rep)
{
	struct hostsim_config hc;
	struct cli_saved_signals saved;
	int rc;

	memset(&hc, 0, sizeof(hc));
	hc.cpak_pem_path = a->cpak;
	hc.dram_size = a->dram_size;
	cli_catch_stop_signals(&saved);
	rc = hostsim_start(&hc);
	if (rc) {
		cli_restore_stop_signals(&saved);
		return cli_fail(CMD_RUN, "the hostsim machine did not start: %s%s", strerror(-rc),
				a->cpak ? " (is --cpak a P-384 private key PEM?)" : "");
	}
	if (hostsim_platform_key_pem(rep->key_pem, sizeof(rep->key_pem)) < 0)
		rep->key_pem[0] = '\0';
	rc = run_on_machine(a, img, rep);
	hostsim_stop();
	cli_restore_stop_signals(&saved);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	struct realm_args a;
	struct realm_image img;
	struct run_report *rep;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(run_usage, stdout);
		return CLI_OK;
	}
	if ((rc = parse_args(CMD_RUN, argc, argv, true, &a)) != CLI_OK)
		return rc;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return cli_fail(CMD_RUN, "out of memory");
	if ((rc = check_files(CMD_RUN, &a)) != CLI_OK) {
		/* told */
	} else if (!a.have_nonce && RAND_bytes(a.nonce, sizeof(a.nonce)) != 1) {
		rc = cli_fail(CMD_RUN, "no randomness for a nonce; give one with --nonce");
	} else if ((rc = load_image(CMD_RUN, a.image, &img)) == CLI_OK) {
		rc = size_machine(&a, &img);
		if (rc == CLI_OK && !a.have_nonce && !a.json) {
			char hex[2 * sizeof(a.nonce) + 1];
			vmm_hex(a.nonce, sizeof(a.nonce), hex);
			fprintf(stderr, "caec realm run: nonce (chosen at random; --nonce sets it): %s\n", hex);
		}
		if (rc == CLI_OK)
			rc = run_machine(&a, &img, rep);
		realm_image_free(&img);
		if (rc == CLI_OK) {
			int out_rc = write_outputs(&a, rep);
			rc = run_status(&a, rep);
			if (rc == CLI_OK || a.exit_status)
				rc = out_rc != CLI_OK ? out_rc : rc;
		}
	}
	if (a.json)
		cli_print_json(run_json(&a, rep),
			       rc != CLI_OK && !(a.exit_status && rep->ran && rep->res.exit_reported &&
						 rc == (int)rep->res.exit_status));
	vmm_run_result_free(&rep->res);
	free(rep);
	return rc;
}

int cmd_realm(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = {
		{ "run", cmd_run },
		{ "measure", cmd_measure },
	};
	static const struct cli_command realm = {
		.name = "realm",
		.usage = realm_usage,
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&realm, argc, argv);
}

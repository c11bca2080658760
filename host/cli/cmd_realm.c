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
	"                      [--ipa-bits N] [--num-bps N] [--num-wps N] [--dram SIZE]\n"
	"                      [--nonce HEX] [--cpak PEM] [--json]\n"
	"                      [--token-out FILE] [--key-out FILE] [--timeout SECONDS]\n"
	"\n"
	"Builds a realm from IMAGE.so (a realm image: caec_add_realm_image), runs it to\n"
	"PSCI SYSTEM_OFF with its console on stdout (stderr with --json), tears it down\n"
	"and checks that no granule leaked.\n"
	"\n"
	"  --mem SIZE        realm RAM, bytes with optional K/M/G suffix (default 16M)\n"
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
	"                    up to 64 bytes (zero-padded); default: 64 random bytes\n"
	"  --cpak PEM        platform attestation key (P-384 private key PEM); default:\n"
	"                    a fresh key generated for this machine\n"
	"  --json            print {rim, exit, token, nonce, platform_key, ...} on stdout\n"
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
	"Verify the token with: caec attest verify TOKEN --platform-key KEY --nonce HEX\n"
	"Exit status: the realm's own exit status (host call 0xCAE1) when it ran to\n"
	"SYSTEM_OFF and nothing leaked; 1 for anything else (a timeout or a signal\n"
	"included; the JSON's \"stop\" then says \"timeout\" or \"interrupted\");\n"
	"2 for usage errors.\n";

static const char measure_usage[] =
	"usage: caec realm measure IMAGE.so [--mem SIZE] [--vcpus N] [--rpv HEX]\n"
	"                          [--hash sha256|sha512] [--ipa-bits N] [--num-bps N]\n"
	"                          [--num-wps N] [--json]\n"
	"\n"
	"Computes the RIM the realm will have when `caec realm run` builds it with the\n"
	"same options, without a monitor. With --json also prints \"log\", the ordered\n"
	"measurement steps (realm parameters, RIPAS, DATA, REC) with the fields each\n"
	"one hashes and the RIM after it, so anyone can recompute the RIM.\n"
	"--num-bps/--num-wps 0 (the default) take hostsim's maximum (5 and 3), as\n"
	"`caec realm run` does on its machine.\n";

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

/* Up to cap bytes of hex (optional 0x) into out, zero-padded; false for
 * nothing, odd length, a bad digit or too many bytes. */
static bool parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n;
	memset(out, 0, cap);
	return hex_decode(s, out, cap, &n) == 0 && n > 0;
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

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "caec realm %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try 'caec realm %s --help')\n", cmd);
	return CLI_USAGE;
}

static int parse_args(const char *cmd, int argc, char **argv, bool run, struct realm_args *a)
{
	memset(a, 0, sizeof(*a));
	vmm_realm_opts_default(&a->opts);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		bool takes_value = strcmp(opt, "--json") != 0;

		if (opt[0] != '-') {
			if (a->image)
				return usage_error(cmd, "unexpected argument '%s'", opt);
			a->image = opt;
			continue;
		}
		if (takes_value && !val)
			return usage_error(cmd, "%s needs a value", opt);
		if (!strcmp(opt, "--json")) {
			a->json = true;
			continue;
		}
		i++;
		if (!strcmp(opt, "--mem")) {
			if (!cli_parse_size(val, &a->opts.mem_size))
				return usage_error(cmd, "--mem: '%s' is not a size", val);
		} else if (!strcmp(opt, "--vcpus")) {
			if (!cli_parse_u64(val, VMM_MAX_VCPUS, &u) || u == 0)
				return usage_error(cmd, "--vcpus: '%s' is not 1..64", val);
			a->opts.vcpus = (unsigned)u;
		} else if (!strcmp(opt, "--rpv")) {
			if (!parse_hex(val, a->opts.rpv, sizeof(a->opts.rpv)))
				return usage_error(cmd, "--rpv: '%s' is not hex of at most 64 bytes", val);
		} else if (!strcmp(opt, "--hash")) {
			if (!strcmp(val, "sha256"))
				a->opts.hash_algo = RMI_HASH_SHA_256;
			else if (!strcmp(val, "sha512"))
				a->opts.hash_algo = RMI_HASH_SHA_512;
			else
				return usage_error(cmd, "--hash: '%s' is not sha256 or sha512", val);
		} else if (!strcmp(opt, "--ipa-bits")) {
			if (!cli_parse_u64(val, VMM_MAX_IPA_BITS, &u) || u < VMM_MIN_IPA_BITS)
				return usage_error(cmd, "--ipa-bits: '%s' is not 32..48", val);
			a->opts.ipa_bits = (unsigned)u;
		} else if (!strcmp(opt, "--num-bps")) {
			if (!cli_parse_u64(val, 63, &u))
				return usage_error(cmd, "--num-bps: '%s' is not 0..63", val);
			a->opts.num_bps = (unsigned)u;
		} else if (!strcmp(opt, "--num-wps")) {
			if (!cli_parse_u64(val, 63, &u))
				return usage_error(cmd, "--num-wps: '%s' is not 0..63", val);
			a->opts.num_wps = (unsigned)u;
		} else if (run && !strcmp(opt, "--dram")) {
			if (!cli_parse_size(val, &a->dram_size) || a->dram_size == 0 ||
			    a->dram_size % RMI_GRANULE_SIZE || a->dram_size > HOSTSIM_MAX_DRAM_SIZE)
				return usage_error(cmd, "--dram: '%s' is not a size of 4K granules, 4K..1T", val);
		} else if (run && !strcmp(opt, "--nonce")) {
			if (!parse_hex(val, a->nonce, sizeof(a->nonce)))
				return usage_error(cmd, "--nonce: '%s' is not hex of at most 64 bytes", val);
			a->have_nonce = true;
		} else if (run && !strcmp(opt, "--cpak")) {
			a->cpak = val;
		} else if (run && !strcmp(opt, "--token-out")) {
			a->token_out = val;
		} else if (run && !strcmp(opt, "--key-out")) {
			a->key_out = val;
		} else if (run && !strcmp(opt, "--timeout")) {
			if (!parse_seconds(val, &a->timeout_ms))
				return usage_error(cmd, "--timeout: '%s' is not a number of seconds, 0.001..86400", val);
			a->timeout = val;
		} else {
			return usage_error(cmd, "unknown option '%s'", opt);
		}
	}
	if (!a->image)
		return usage_error(cmd, "%s", "missing IMAGE.so");
	return CLI_OK;
}

static int load_image(const char *cmd, const char *path, struct realm_image *img)
{
	int rc = realm_image_load(path, img);

	if (rc == 0)
		return CLI_OK;
	if (rc == -ENOEXEC)
		fprintf(stderr, "caec realm %s: %s: %s\n", cmd, path, img->why);
	else if (rc == -EFBIG || rc == -EINVAL)
		fprintf(stderr, "caec realm %s: %s: image must be 1 byte..256 MiB\n", cmd, path);
	else
		fprintf(stderr, "caec realm %s: cannot read %s: %s\n", cmd, path, strerror(-rc));
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
	if ((rc = parse_args("measure", argc, argv, false, &a)) != CLI_OK)
		return rc;
	if ((rc = load_image("measure", a.image, &img)) != CLI_OK)
		return rc;
	rc = vmm_measure(img.bytes, img.size, &a.opts, &m, &why);
	realm_image_free(&img);
	if (rc) {
		fprintf(stderr, "caec realm measure: %s\n", why);
		return rc == -EINVAL || rc == -E2BIG ? CLI_USAGE : CLI_FAIL;
	}
	if (a.json) {
		json_t *j = vmm_measurement_to_json(&m);

		if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) != 0) {
			fprintf(stderr, "caec realm measure: out of memory writing JSON\n");
			rc = -ENOMEM;
		}
		fputc('\n', stdout);
		json_decref(j);
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

/* ---- stopping on a signal -------------------------------------------------------
 * The handler may run before the VMM exists (while the machine starts) or
 * after: it counts the signal, and stops the VMM if there is one; whoever
 * publishes the VMM checks the count afterwards. A second signal restores
 * the default action and raises it again: the user wants out now. Only
 * lock-free atomics and async-signal-safe calls here. */
static struct vmm *_Atomic signal_vmm;
static atomic_int stop_signals;       /* signals received */
static atomic_int first_stop_signal;  /* the first one's number */

static void on_stop_signal(int sig)
{
	if (atomic_fetch_add(&stop_signals, 1) > 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	atomic_store(&first_stop_signal, sig);
	struct vmm *vmm = atomic_load(&signal_vmm);
	if (vmm)
		vmm_request_stop(vmm);
}

struct saved_signals {
	struct sigaction intr, term;
};

static void catch_stop_signals(struct saved_signals *saved)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	atomic_store(&stop_signals, 0);
	atomic_store(&first_stop_signal, 0);
	/* Also when the shell ignored SIGINT (a background job): whoever sends
	 * it to this process by its id means it. */
	sigaction(SIGINT, &sa, &saved->intr);
	sigaction(SIGTERM, &sa, &saved->term);
}

static void restore_stop_signals(const struct saved_signals *saved)
{
	sigaction(SIGINT, &saved->intr, NULL);
	sigaction(SIGTERM, &saved->term, NULL);
}

/* Makes vmm the one a signal stops (NULL: none). */
static void publish_vmm(struct vmm *vmm)
{
	atomic_store(&signal_vmm, vmm);
	if (vmm && atomic_load(&stop_signals) > 0)
		vmm_request_stop(vmm);
}

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "caec realm run: cannot write %s: %s\n", path, strerror(errno));
	return ok ? 0 : -1;
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	vmm_hex(b, n, s);
	j = json_string(s);
	free(s);
	return j;
}

struct run_report {
	uint8_t rim[64];
	size_t rim_size;
	struct vmm_run_result res;
	char key_pem[1024];
	bool leaked;
	int teardown_rc;
};

static void print_run_json(const struct realm_args *a, const struct run_report *rep)
{
	json_t *j = json_object();

	json_object_set_new(j, "rim", hex_json(rep->rim, rep->rim_size));
	json_object_set_new(j, "exit", rep->res.exit_reported ? json_integer((json_int_t)rep->res.exit_status)
							       : json_null());
	json_object_set_new(j, "stop", json_string(vmm_stop_reason_name(rep->res.stop)));
	if (rep->res.detail[0] && rep->res.stop != VMM_STOP_SYSTEM_OFF)
		json_object_set_new(j, "error", json_string(rep->res.detail));
	json_object_set_new(j, "token", rep->res.token ? hex_json(rep->res.token, rep->res.token_len)
						       : json_null());
	json_object_set_new(j, "nonce", hex_json(a->nonce, sizeof(a->nonce)));
	json_object_set_new(j, "platform_key", json_string(rep->key_pem));
	json_object_set_new(j, "hash_algo",
			    json_string(a->opts.hash_algo == RMI_HASH_SHA_512 ? "sha512" : "sha256"));
	json_object_set_new(j, "leaked_granules", json_boolean(rep->leaked));
	json_t *ex = json_object();
	json_object_set_new(ex, "sync", json_integer((json_int_t)rep->res.exits.sync));
	json_object_set_new(ex, "irq", json_integer((json_int_t)rep->res.exits.irq));
	json_object_set_new(ex, "psci", json_integer((json_int_t)rep->res.exits.psci));
	json_object_set_new(ex, "ripas_change", json_integer((json_int_t)rep->res.exits.ripas_change));
	json_object_set_new(ex, "host_call", json_integer((json_int_t)rep->res.exits.host_call));
	json_object_set_new(ex, "serror", json_integer((json_int_t)rep->res.exits.serror));
	json_object_set_new(j, "exits", ex);
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(j);
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
	publish_vmm(&vmm);
	leak_snapshot_take(&vmm.ledger, &before);
	rc = vmm_realm_create(&vmm, img->bytes, img->size, &a->opts, &realm, &err);
	if (rc) {
		publish_vmm(NULL);
		fprintf(stderr, "caec realm run: building the realm failed: %s\n", err.msg);
		return rc == -EINVAL || rc == -E2BIG ? CLI_USAGE : CLI_FAIL;
	}
	/* The RIM as the machine's monitor recorded it: hostsim is the machine
	 * this command runs, so it reads it the way a platform debugger would.
	 * The same value is in the token (claim 44238) the realm fetched. */
	rep->rim_size = a->opts.hash_algo == RMI_HASH_SHA_512 ? 64 : 32;
	if (rmm_debug_realm(vmm_realm_rd(realm), &info))
		memcpy(rep->rim, info.rim, sizeof(rep->rim));
	rc = vmm_realm_run(realm, &cfg, &rep->res);
	publish_vmm(NULL); /* the vmm lives on this stack only until we return */
	if (rc)
		snprintf(rep->res.detail, sizeof(rep->res.detail), "the run loop could not start: %s",
			 strerror(-rc));
	rep->teardown_rc = vmm_realm_destroy(realm);
	leak_snapshot_take(&vmm.ledger, &after);
	rep->leaked = rep->teardown_rc != 0 || !leak_snapshot_same(&before, &after);
	if (rep->leaked)
		fprintf(stderr, "caec realm run: teardown leaked granules: %llu still held by the VMM, "
			"%llu more in the Realm PAS\n",
			(unsigned long long)(after.held - before.held),
			(unsigned long long)(after.not_ns - before.not_ns));
	return rc ? CLI_FAIL : CLI_OK;
}

static int cmd_run(int argc, char **argv)
{
	struct realm_args a;
	struct realm_image img;
	struct run_report *rep;
	struct hostsim_config hc;
	struct saved_signals saved;
	int rc;

	if (cli_wants_help(argc, argv)) {
		fputs(run_usage, stdout);
		return CLI_OK;
	}
	if ((rc = parse_args("run", argc, argv, true, &a)) != CLI_OK)
		return rc;
	if (!a.have_nonce && RAND_bytes(a.nonce, sizeof(a.nonce)) != 1) {
		fprintf(stderr, "caec realm run: no randomness for a nonce; give one with --nonce\n");
		return CLI_FAIL;
	}
	if (a.opts.ipa_bits > HOSTSIM_MAX_IPA_BITS) {
		fprintf(stderr, "caec realm run: --ipa-bits %u: the hostsim machine runs realms of at most "
			"%u IPA bits (a realm's IPA window is 2^N bytes of this process's address space)\n",
			a.opts.ipa_bits, HOSTSIM_MAX_IPA_BITS);
		return CLI_USAGE;
	}
	if ((rc = load_image("run", a.image, &img)) != CLI_OK)
		return rc;
	uint64_t need = dram_needed(a.opts.mem_size, img.size);
	if (a.dram_size && a.dram_size < need) {
		fprintf(stderr, "caec realm run: --mem %llu MiB needs at least %llu MiB of DRAM with its image "
			"and tables; --dram is %llu MiB (give a larger --dram)\n",
			(unsigned long long)(a.opts.mem_size >> 20), (unsigned long long)((need + (1 << 20) - 1) >> 20),
			(unsigned long long)(a.dram_size >> 20));
		realm_image_free(&img);
		return CLI_USAGE;
	}
	if (!a.dram_size)
		a.dram_size = need > DEFAULT_DRAM_SIZE ? (need + (UINT64_C(1) << 30) - 1) & ~((UINT64_C(1) << 30) - 1)
						       : DEFAULT_DRAM_SIZE;
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		realm_image_free(&img);
		fprintf(stderr, "caec realm run: out of memory\n");
		return CLI_FAIL;
	}
	memset(&hc, 0, sizeof(hc));
	hc.cpak_pem_path = a.cpak;
	hc.dram_size = a.dram_size;
	catch_stop_signals(&saved);
	rc = hostsim_start(&hc);
	if (rc) {
		restore_stop_signals(&saved);
		fprintf(stderr, "caec realm run: the hostsim machine did not start: %s%s\n", strerror(-rc),
			a.cpak ? " (is --cpak a P-384 private key PEM?)" : "");
		realm_image_free(&img);
		free(rep);
		return CLI_FAIL;
	}
	if (hostsim_platform_key_pem(rep->key_pem, sizeof(rep->key_pem)) < 0)
		rep->key_pem[0] = '\0';
	rc = run_on_machine(&a, &img, rep);
	hostsim_stop();
	restore_stop_signals(&saved);
	realm_image_free(&img);
	if (rc == CLI_OK) {
		if (a.json)
			print_run_json(&a, rep);
		if (a.token_out && rep->res.token &&
		    write_file(a.token_out, rep->res.token, rep->res.token_len) != 0)
			rc = CLI_FAIL;
		if (a.token_out && !rep->res.token) {
			fprintf(stderr, "caec realm run: the realm fetched no token; %s not written\n", a.token_out);
			rc = CLI_FAIL;
		}
		if (a.key_out && write_file(a.key_out, rep->key_pem, strlen(rep->key_pem)) != 0)
			rc = CLI_FAIL;
		if (rep->res.stop == VMM_STOP_TIMEOUT) {
			fprintf(stderr, "caec realm run: the realm did not turn itself off within %s s; "
				"stopped and torn down\n", a.timeout);
			rc = CLI_FAIL;
		} else if (rep->res.stop == VMM_STOP_INTERRUPTED) {
			fprintf(stderr, "caec realm run: interrupted by %s; the realm was stopped and torn down\n",
				signal_name(atomic_load(&first_stop_signal)));
			rc = CLI_FAIL;
		} else if (rep->res.stop != VMM_STOP_SYSTEM_OFF) {
			fprintf(stderr, "caec realm run: the realm did not turn itself off (%s): %s\n",
				vmm_stop_reason_name(rep->res.stop), rep->res.detail);
			rc = CLI_FAIL;
		} else if (rep->leaked) {
			rc = CLI_FAIL;
		} else if (rc == CLI_OK) {
			/* The realm's own verdict; a status that does not fit an exit
			 * code is a failure, never a silent success. */
			rc = !rep->res.exit_reported ? CLI_FAIL
			     : rep->res.exit_status <= 125 ? (int)rep->res.exit_status : CLI_FAIL;
			if (!rep->res.exit_reported)
				fprintf(stderr, "caec realm run: the realm turned off without reporting an exit status\n");
		}
	}
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

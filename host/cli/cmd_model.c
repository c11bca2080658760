/*
 * caec model seal|unseal|info: the model owner's side of private ML
 * (abi/caec_model.h). seal encrypts a model file under the owner's key so
 * that only a realm given the key (by the owner's key-release service,
 * after attestation) can read the weights; unseal is the owner's check that
 * a sealed file opens; info reads a header without any key.
 *
 * The key file is 64 hex digits and a newline, mode 0600; --new-key makes
 * one and never overwrites a file. Outputs are written to a temporary file
 * beside the target and renamed into place only when complete, so a failure
 * leaves nothing half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli.h"
#include "host/model_seal.h"
#include "host/measure.h"
#include "verify/hex.h"

#define CMD_SEAL   "model seal"
#define CMD_UNSEAL "model unseal"
#define CMD_INFO   "model info"

static const char model_usage[] =
	"usage: caec model <seal|unseal|info> ... [options]\n"
	"\n"
	"The model owner's tools for private models (the weights stay secret from\n"
	"the host and every realm but an attested llm realm):\n"
	"  seal MODEL -o OUT (--key KEY | --new-key KEY)   encrypt a model file\n"
	"  unseal SEALED --key KEY -o OUT                   decrypt it (the owner's check)\n"
	"  info SEALED                                      what a sealed file's header says\n"
	"'caec model <subcommand> --help' tells more.\n"
	"\n" CLI_EXIT_CODES;

static const char seal_usage[] =
	"usage: caec model seal MODEL -o OUT (--key KEY | --new-key KEY) [--chunk-size N] [--json]\n"
	"\n"
	"Encrypts MODEL (any model file the engine loads) with AES-256-GCM in\n"
	"authenticated chunks under a key of this file alone, derived from the\n"
	"owner's KEY; the result opens only with KEY and refuses any change.\n"
	"  -o, --output OUT   the sealed file (written whole or not at all)\n"
	"  --key KEY          the owner's key file (64 hex digits)\n"
	"  --new-key KEY      make a fresh random key and write it to KEY (mode 0600;\n"
	"                     an existing file is never overwritten)\n"
	"  --chunk-size N     plaintext bytes per chunk, a power of two from 4K to 64M\n"
	"                     (default 1M)\n"
	"  --json             the result as JSON on stdout\n"
	"\n" CLI_EXIT_CODES;

static const char unseal_usage[] =
	"usage: caec model unseal SEALED --key KEY -o OUT [--json]\n"
	"\n"
	"Decrypts a sealed model with the owner's key, checking every chunk; OUT is\n"
	"written only if all of it authenticates. '-o -' checks without writing.\n"
	"  --key KEY          the key file the model was sealed with\n"
	"  -o, --output OUT   the model file\n"
	"  --json             the result as JSON on stdout\n"
	"\n" CLI_EXIT_CODES;

static const char info_usage[] =
	"usage: caec model info SEALED [--json]\n"
	"\n"
	"Prints a sealed model's header: sizes, chunking, file ID and key ID (which\n"
	"key it needs, without saying anything about the key).\n"
	"\n" CLI_EXIT_CODES;

static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--json"))
			return true;
	}
	return false;
}

static int out_status(bool json, int rc)
{
	if (json && rc != CLI_OK)
		cli_print_json(NULL, true);
	return rc;
}

/* ---- key files ---- */

static int read_key(const char *cmd, const char *path, uint8_t key[CAEC_MODEL_KEY_SIZE])
{
	char text[2 * CAEC_MODEL_KEY_SIZE + 3];
	FILE *f = fopen(path, "r");

	if (!f)
		return cli_usage_error(cmd, "--key %s cannot be read: %s", path, strerror(errno));
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = 0;
	size_t got = 0;
	bool ok = n == 2 * CAEC_MODEL_KEY_SIZE && hex_decode(text, key, CAEC_MODEL_KEY_SIZE, &got) == 0 &&
		  got == CAEC_MODEL_KEY_SIZE;
	OPENSSL_cleanse(text, sizeof(text));
	if (!ok)
		return cli_usage_error(cmd, "--key %s is not a key: it must hold %u hex digits", path,
				       2 * CAEC_MODEL_KEY_SIZE);
	return CLI_OK;
}

static int new_key(const char *cmd, const char *path, uint8_t key[CAEC_MODEL_KEY_SIZE])
{
	char text[2 * CAEC_MODEL_KEY_SIZE + 2];

	if (RAND_bytes(key, CAEC_MODEL_KEY_SIZE) != 1)
		return cli_fail(cmd, "no random bytes for a key");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return cli_usage_error(cmd, "--new-key %s: %s", path,
				       errno == EEXIST ? "the file exists (a key is never overwritten)" : strerror(errno));
	vmm_hex(key, CAEC_MODEL_KEY_SIZE, text);
	size_t len = strlen(text);
	text[len++] = '\n';
	bool ok = write(fd, text, len) == (ssize_t)len;
	ok = fsync(fd) == 0 && ok;
	ok = close(fd) == 0 && ok;
	OPENSSL_cleanse(text, sizeof(text));
	if (!ok) {
		unlink(path);
		return cli_fail(cmd, "--new-key %s: writing the key failed", path);
	}
	return CLI_OK;
}

/* ---- outputs written whole or not at all ---- */

struct output {
	const char *path;
	char tmp[4096];
	FILE *f;
	bool to_stdout;
};

static int output_open(const char *cmd, const char *path, struct output *o)
{
	*o = (struct output){ .path = path, .to_stdout = !strcmp(path, "-") };
	if (o->to_stdout) {
		o->f = stdout;
		return CLI_OK;
	}
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(o->tmp))
		return cli_usage_error(cmd, "-o %s: the name is too long", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
		if (fd >= 0)
			close(fd);
		o->tmp[0] = 0;
		return cli_usage_error(cmd, "-o %s cannot be written: %s", path, strerror(errno));
	}
	return CLI_OK;
}

/* Renames the complete file into place (ok), or removes it. */
static int output_close(const char *cmd, struct output *o, bool ok)
{
	if (o->to_stdout)
		return fflush(stdout) == 0 || !ok ? CLI_OK : cli_fail(cmd, "writing standard output failed");
	if (!o->f)
		return CLI_OK;
	bool closed = fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;
	closed = fclose(o->f) == 0 && closed;
	o->f = NULL;
	if (ok && closed && rename(o->tmp, o->path) == 0)
		return CLI_OK;
	int e = errno;
	unlink(o->tmp);
	return ok ? cli_fail(cmd, "-o %s: writing failed: %s", o->path, strerror(e)) : CLI_OK;
}

/* ---- progress on stderr (a terminal only: logs get the result line) ---- */

struct progress {
	const char *cmd;
	bool shown;
	unsigned last_pct;
};

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;

	if (total < (64u << 20) || !isatty(STDERR_FILENO))
		return;
	unsigned pct = (unsigned)(done * 100 / total);
	if (pct == p->last_pct && done != total)
		return;
	p->last_pct = pct;
	p->shown = true;
	fprintf(stderr, "\rcaec %s: %llu of %llu MiB (%u%%)", p->cmd, (unsigned long long)(done >> 20),
		(unsigned long long)(total >> 20), pct);
	if (done == total)
		fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static json_t *header_json(const struct model_seal_header *h)
{
	json_t *j = json_object();
	char hex[2 * CAEC_MODEL_ID_SIZE + 1];

	json_object_set_new(j, "plain_size", json_integer((json_int_t)h->plain_size));
	json_object_set_new(j, "sealed_size", json_integer((json_int_t)h->sealed_size));
	json_object_set_new(j, "chunk_size", json_integer(h->chunk_size));
	json_object_set_new(j, "chunks", json_integer((json_int_t)h->num_chunks));
	vmm_hex(h->file_id, CAEC_MODEL_ID_SIZE, hex);
	json_object_set_new(j, "file_id", json_string(hex));
	vmm_hex(h->key_id, CAEC_MODEL_ID_SIZE, hex);
	json_object_set_new(j, "key_id", json_string(hex));
	return j;
}

/* Reads and checks a sealed file's header (without a key). */
static int read_header(const char *cmd, const char *path, uint8_t header[CAEC_MODEL_HEADER_SIZE],
		       struct model_seal_header *h)
{
	FILE *f = fopen(path, "rb");
	char err[160];

	if (!f)
		return cli_usage_error(cmd, "%s cannot be read: %s", path, strerror(errno));
	size_t n = fread(header, 1, CAEC_MODEL_HEADER_SIZE, f);
	fclose(f);
	if (n != CAEC_MODEL_HEADER_SIZE || memcmp(header, CAEC_MODEL_MAGIC, 8) != 0)
		return cli_usage_error(cmd, "%s is not a sealed model (no CAECMDL header)", path);
	if (model_seal_header_read(header, h, err, sizeof(err)) != 0)
		return cli_usage_error(cmd, "%s: %s", path, err);
	return CLI_OK;
}

/* ---- seal ---- */

enum { S_OUT, S_KEY, S_NEW_KEY, S_CHUNK, S_JSON, NUM_S };

static int model_seal(int argc, char **argv)
{
	static const struct cli_option opts[NUM_S] = {
		[S_OUT] = { "--output", "-o", true },   [S_KEY] = { "--key", NULL, true },
		[S_NEW_KEY] = { "--new-key", NULL, true }, [S_CHUNK] = { "--chunk-size", NULL, true },
		[S_JSON] = { "--json", NULL, false },
	};
	const char *model = NULL, *out = NULL, *key_path = NULL, *new_key_path = NULL;
	uint64_t chunk = CAEC_MODEL_CHUNK_DEFAULT;
	bool json = wants_json(argc, argv);
	struct cli_parser p;
	int o, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(seal_usage, stdout);
		return CLI_OK;
	}
	cli_parser_init(&p, CMD_SEAL, opts, NUM_S, argc, argv);
	while ((o = cli_next(&p)) != CLI_ARG_END) {
		switch (o) {
		case CLI_ARG_BAD:
			return out_status(json, CLI_USAGE);
		case CLI_ARG:
			if (model)
				return out_status(json, cli_usage_error(CMD_SEAL, "one MODEL only ('%s' is another)", p.value));
			model = p.value;
			break;
		case S_OUT: out = p.value; break;
		case S_KEY: key_path = p.value; break;
		case S_NEW_KEY: new_key_path = p.value; break;
		case S_CHUNK:
			if (!cli_parse_size(p.value, &chunk) || chunk < CAEC_MODEL_CHUNK_MIN || chunk > CAEC_MODEL_CHUNK_MAX ||
			    (chunk & (chunk - 1)))
				return out_status(json, cli_bad_value(&p, "a power of two from 4K to 64M"));
			break;
		default: break;
		}
	}
	if (!model)
		return out_status(json, cli_usage_error(CMD_SEAL, "no MODEL: say which model file to seal"));
	if (!out)
		return out_status(json, cli_usage_error(CMD_SEAL, "no -o OUT: say where the sealed model goes"));
	if (!key_path == !new_key_path)
		return out_status(json, cli_usage_error(CMD_SEAL, "give exactly one of --key KEY and --new-key KEY"));
	if (!strcmp(model, "-"))
		return out_status(json, cli_usage_error(CMD_SEAL, "MODEL must be a file (its size goes into the header)"));
	if (json && !strcmp(out, "-"))
		return out_status(json, cli_usage_error(CMD_SEAL, "--json and '-o -' would share standard output"));
	if ((rc = cli_check_input(CMD_SEAL, "MODEL", model)) != CLI_OK || (rc = cli_check_output(CMD_SEAL, "-o", out)) != CLI_OK)
		return out_status(json, rc);
	FILE *in = fopen(model, "rb");
	struct stat st;
	if (!in || fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
		if (in)
			fclose(in);
		return out_status(json, cli_usage_error(CMD_SEAL, "MODEL %s cannot be read as a file", model));
	}
	uint8_t key[CAEC_MODEL_KEY_SIZE];
	rc = key_path ? read_key(CMD_SEAL, key_path, key) : new_key(CMD_SEAL, new_key_path, key);
	if (rc != CLI_OK) {
		fclose(in);
		return out_status(json, rc);
	}
	struct output w;
	if ((rc = output_open(CMD_SEAL, out, &w)) != CLI_OK) {
		fclose(in);
		OPENSSL_cleanse(key, sizeof(key));
		return out_status(json, rc);
	}
	struct progress prog = { "seal", false, 101 };
	char err[256] = "";
	double t0 = now_s();
	int sealed = model_seal_stream(in, (uint64_t)st.st_size, w.f, key, (uint32_t)chunk, show_progress, &prog, err,
				       sizeof(err));
	double secs = now_s() - t0;
	fclose(in);
	OPENSSL_cleanse(key, sizeof(key));
	rc = output_close(CMD_SEAL, &w, sealed == 0);
	if (sealed != 0)
		rc = cli_fail(CMD_SEAL, "%s: %s", model, err);
	if (rc != CLI_OK && new_key_path)
		unlink(new_key_path); /* a key that sealed nothing is not kept */
	if (rc != CLI_OK)
		return out_status(json, rc);
	uint8_t header[CAEC_MODEL_HEADER_SIZE];
	struct model_seal_header h;
	if (w.to_stdout)
		return CLI_OK; /* the sealed bytes were the output */
	if ((rc = read_header(CMD_SEAL, out, header, &h)) != CLI_OK)
		return out_status(json, rc);
	json_t *j = header_json(&h);
	double mb_s = secs > 0 ? (double)st.st_size / secs / 1e6 : 0;
	if (json) {
		json_object_set_new(j, "sealed", json_string(out));
		json_object_set_new(j, "model", json_string(model));
		json_object_set_new(j, "key", json_string(key_path ? key_path : new_key_path));
		json_object_set_new(j, "new_key", json_boolean(new_key_path != NULL));
		json_object_set_new(j, "seconds", json_real(secs));
		json_object_set_new(j, "mb_per_s", json_real(mb_s));
		cli_print_json(j, false);
		return CLI_OK;
	}
	printf("%s: %s sealed, %lld bytes in %lld chunks of %lld (%.0f MB/s); key ID %s%s%s\n", out, model,
	       (long long)json_integer_value(json_object_get(j, "sealed_size")),
	       (long long)json_integer_value(json_object_get(j, "chunks")), (long long)chunk, mb_s,
	       json_string_value(json_object_get(j, "key_id")), new_key_path ? ", new key in " : "",
	       new_key_path ? new_key_path : "");
	json_decref(j);
	return CLI_OK;
}

/* ---- unseal ---- */

enum { U_OUT, U_KEY, U_JSON, NUM_U };

static int model_unseal(int argc, char **argv)
{
	static const struct cli_option opts[NUM_U] = {
		[U_OUT] = { "--output", "-o", true },
		[U_KEY] = { "--key", NULL, true },
		[U_JSON] = { "--json", NULL, false },
	};
	const char *sealed = NULL, *out = NULL, *key_path = NULL;
	bool json = wants_json(argc, argv);
	struct cli_parser p;
	int o, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(unseal_usage, stdout);
		return CLI_OK;
	}
	cli_parser_init(&p, CMD_UNSEAL, opts, NUM_U, argc, argv);
	while ((o = cli_next(&p)) != CLI_ARG_END) {
		switch (o) {
		case CLI_ARG_BAD:
			return out_status(json, CLI_USAGE);
		case CLI_ARG:
			if (sealed)
				return out_status(json, cli_usage_error(CMD_UNSEAL, "one SEALED only ('%s' is another)", p.value));
			sealed = p.value;
			break;
		case U_OUT: out = p.value; break;
		case U_KEY: key_path = p.value; break;
		default: break;
		}
	}
	if (!sealed)
		return out_status(json, cli_usage_error(CMD_UNSEAL, "no SEALED: say which sealed model to open"));
	if (!key_path)
		return out_status(json, cli_usage_error(CMD_UNSEAL, "no --key KEY: a sealed model opens only with its key"));
	if (!out)
		return out_status(json, cli_usage_error(CMD_UNSEAL, "no -o OUT (use '-o -' to check without writing)"));
	uint8_t header[CAEC_MODEL_HEADER_SIZE], key[CAEC_MODEL_KEY_SIZE];
	struct model_seal_header h;
	if ((rc = cli_check_input(CMD_UNSEAL, "SEALED", sealed)) != CLI_OK ||
	    (rc = read_header(CMD_UNSEAL, sealed, header, &h)) != CLI_OK ||
	    (strcmp(out, "-") && (rc = cli_check_output(CMD_UNSEAL, "-o", out)) != CLI_OK) ||
	    (rc = read_key(CMD_UNSEAL, key_path, key)) != CLI_OK)
		return out_status(json, rc);
	FILE *in = fopen(sealed, "rb");
	if (!in) {
		OPENSSL_cleanse(key, sizeof(key));
		return out_status(json, cli_usage_error(CMD_UNSEAL, "%s cannot be read: %s", sealed, strerror(errno)));
	}
	/* '-o -' checks only: the plaintext goes nowhere. */
	bool check_only = !strcmp(out, "-");
	struct output w = { 0 };
	if (!check_only && (rc = output_open(CMD_UNSEAL, out, &w)) != CLI_OK) {
		fclose(in);
		OPENSSL_cleanse(key, sizeof(key));
		return out_status(json, rc);
	}
	struct progress prog = { "unseal", false, 101 };
	char err[256] = "";
	uint64_t plain = 0;
	double t0 = now_s();
	int opened = model_unseal_stream(in, check_only ? NULL : w.f, key, show_progress, &prog, &plain, err, sizeof(err));
	double secs = now_s() - t0;
	fclose(in);
	OPENSSL_cleanse(key, sizeof(key));
	rc = check_only ? CLI_OK : output_close(CMD_UNSEAL, &w, opened == 0);
	if (opened != 0)
		rc = cli_fail(CMD_UNSEAL, "%s: %s", sealed, err);
	if (rc != CLI_OK)
		return out_status(json, rc);
	if (json) {
		json_t *j = header_json(&h);
		json_object_set_new(j, "sealed", json_string(sealed));
		json_object_set_new(j, "model", check_only ? json_null() : json_string(out));
		json_object_set_new(j, "authentic", json_true());
		json_object_set_new(j, "seconds", json_real(secs));
		cli_print_json(j, false);
		return CLI_OK;
	}
	printf("%s: %llu bytes, every chunk authentic%s%s\n", sealed, (unsigned long long)plain,
	       check_only ? "" : ", written to ", check_only ? "" : out);
	return CLI_OK;
}

/* ---- info ---- */

static int model_info(int argc, char **argv)
{
	static const struct cli_option opts[] = { { "--json", NULL, false } };
	const char *sealed = NULL;
	bool json = wants_json(argc, argv);
	struct cli_parser p;
	int o, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(info_usage, stdout);
		return CLI_OK;
	}
	cli_parser_init(&p, CMD_INFO, opts, 1, argc, argv);
	while ((o = cli_next(&p)) != CLI_ARG_END) {
		if (o == CLI_ARG_BAD)
			return out_status(json, CLI_USAGE);
		if (o == CLI_ARG) {
			if (sealed)
				return out_status(json, cli_usage_error(CMD_INFO, "one SEALED only ('%s' is another)", p.value));
			sealed = p.value;
		}
	}
	if (!sealed)
		return out_status(json, cli_usage_error(CMD_INFO, "no SEALED: say which sealed model to read"));
	uint8_t header[CAEC_MODEL_HEADER_SIZE];
	struct model_seal_header h;
	if ((rc = cli_check_input(CMD_INFO, "SEALED", sealed)) != CLI_OK ||
	    (rc = read_header(CMD_INFO, sealed, header, &h)) != CLI_OK)
		return out_status(json, rc);
	json_t *j = header_json(&h);
	if (json) {
		json_object_set_new(j, "sealed", json_string(sealed));
		cli_print_json(j, false);
		return CLI_OK;
	}
	printf("%s: sealed model version %u\n  model size  %lld bytes\n  sealed size %lld bytes\n"
	       "  chunks      %lld of %lld bytes\n  file ID     %s\n  key ID      %s\n",
	       sealed, CAEC_MODEL_VERSION, (long long)json_integer_value(json_object_get(j, "plain_size")),
	       (long long)json_integer_value(json_object_get(j, "sealed_size")),
	       (long long)json_integer_value(json_object_get(j, "chunks")),
	       (long long)json_integer_value(json_object_get(j, "chunk_size")),
	       json_string_value(json_object_get(j, "file_id")), json_string_value(json_object_get(j, "key_id")));
	json_decref(j);
	return CLI_OK;
}

int cmd_model(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = {
		{ "seal", model_seal },
		{ "unseal", model_unseal },
		{ "info", model_info },
	};
	static const struct cli_command model = {
		.name = "model",
		.usage = model_usage,
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&model, argc, argv);
}

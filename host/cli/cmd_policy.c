/*
 * caec policy compile|show|check: communication policies (verify/policy.h).
 *
 *   caec policy compile SRC.json -o BLOB [--self NAME] [--json]
 *   caec policy show BLOB [--json]
 *   caec policy check SRC.json [--path FROM:TO:VIA]... [--json]
 *
 * A realm given as "image" is measured here, offline, exactly as `caec realm
 * measure` would with the options the realm's entry names (measure_image),
 * and as `caec run` builds it: a "model" in its image, a "sealed_model" as
 * host data, whose size only is measured (abi/caec_pipeline.h).
 * compile and show exit 1 only when the operation fails (a blob the parser
 * refuses); a source that cannot be used is a usage error (2). check exits 1
 * when a check fails, a mistake in the policy included; 2 when the source
 * cannot be read or parsed as JSON, an image cannot be measured, or a --path
 * is malformed.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "abi/caec.h"
#include "cli.h"
#include "hostsim/hostsim.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "rmm/policy_blob.h"
#include "verify/policy.h"

#define CMD_COMPILE "policy compile"
#define CMD_SHOW    "policy show"
#define CMD_CHECK   "policy check"

#define SOURCE_MAX (1024 * 1024)
#define MAX_PATHS  16

static const char policy_usage[] =
	"usage: caec policy <compile|show|check> ... [options]\n"
	"\n"
	"  compile   a JSON policy source into the blob a realm uploads (RSI_POLICY_SET)\n"
	"  show      decode a blob with the monitor's parser\n"
	"  check     static checks of a source: declared realms, no way to the host,\n"
	"            paths through a guard\n"
	"\n"
	"'caec policy <compile|show|check> --help' describes each; the source format\n"
	"is in verify/README.md (\"Policies\").\n"
	CLI_EXIT_CODES;

static const char compile_usage[] =
	"usage: caec policy compile SRC.json -o BLOB [--self NAME] [--json]\n"
	"\n"
	"Compiles a policy source into its blob (magic CPOL, little endian, at most\n"
	"2 KiB) for one realm of it, and prints the blob's digests: claim 65003 of\n"
	"that realm's tokens is the one of its hash algorithm. SRC '-' reads standard\n"
	"input (relative image paths are then relative to the current folder).\n"
	"\n"
	"A realm is {\"rim\": hex} (64 or 128 hex digits) or {\"image\": \"path.so\"},\n"
	"measured offline as 'caec realm measure' does, with the entry's optional\n"
	"\"memory\" (bytes, or a string with K/M/G; default 16M), \"vcpus\" (default 1),\n"
	"\"hash\" (\"sha256\" default, or \"sha512\"), \"csm_exits\" (bool, --csm-exits) and\n"
	"\"policy_required\" (bool: CAEC_REALM_POLICY_REQUIRED and CSM_EXITS, as a realm\n"
	"that must set its policy before anything else is built); a relative path is\n"
	"relative to the source file's folder.\n"
	"\n"
	"  -o, --output BLOB  the blob's file ('-': standard output)\n"
	"  --self NAME        the realm the blob is for (default: the source's \"self\")\n"
	"  --json             print {blob, size, self, digests, realms} on stdout (with\n"
	"                     \"error\" on failure)\n"
	"\n"
	CLI_EXIT_CODES;

static const char show_usage[] =
	"usage: caec policy show BLOB [--json]\n"
	"\n"
	"Decodes a policy blob with the parser the monitor runs at RSI_POLICY_SET: the\n"
	"realm it is for, host_calls, strict, the digests (claim 65003), each realm's\n"
	"name, RIM and gateway flag, each channel's owner, pages and members' permissions.\n"
	"A blob the parser refuses exits 1 with the rule it breaks. BLOB '-' reads\n"
	"standard input.\n"
	"\n"
	"  --json   print {size, self, digests, source} on stdout, \"source\" being the\n"
	"           policy in the source form (compiling it gives the same blob)\n"
	"\n"
	CLI_EXIT_CODES;

static const char check_usage[] =
	"usage: caec policy check SRC.json [--path FROM:TO:VIA]... [--json]\n"
	"\n"
	"Checks a policy source and explains each failure with its names:\n"
	"  declared  every channel's owner and members (and \"self\") are declared realms\n"
	"  form      the source is well formed (as compile requires)\n"
	"  host      no non-gateway realm can send data to the host, directly (host_calls\n"
	"            \"allow\") or through a chain of channels and realms to a gateway,\n"
	"            e.g. notes -> [tools] -> agent -> [net-chan] -> net -> host, unless\n"
	"            its entry says \"reaches_host\": true (the flow is meant; add a\n"
	"            --path to make it pass through a guard)\n"
	"  path      with --path FROM:TO:VIA, every path from FROM to TO passes through\n"
	"            VIA (a guardrail, a sanitiser); FROM, TO and VIA are realms or\n"
	"            'host'. Repeat it for several (at most 16).\n"
	"Data flows from a realm that may write a channel to every realm that may read\n"
	"it; the host exchanges data with gateway realms, and with every realm when\n"
	"host_calls is \"allow\" (a doorbell carries none).\n"
	"\n"
	"  --json   print {source, passed, checks: [{check, status, findings}]} on stdout\n"
	"\n"
	"A failed check exits 1.\n"
	CLI_EXIT_CODES;

/* Whether --json is among the options, so that even a usage error is reported as JSON. */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

static int usage_out(bool json, int rc)
{
	if (json)
		cli_print_json(NULL, true);
	return rc;
}

/* s at the end of buf[0..size), cut to fit. */
static void append(char *buf, size_t size, const char *s)
{
	size_t used = strlen(buf), n = strlen(s);

	if (used + 1 >= size)
		return;
	if (n > size - used - 1)
		n = size - used - 1;
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

/* ---- measuring "image" realms ------------------------------------------------ */

struct measure_ctx {
	bool failed; /* an image could not be read or measured: unusable input */
};

/* A bad option is a mistake in the policy, not an unusable input. */
static int option_fail(struct measure_ctx *mc, struct policy_err *err, const char *msg)
{
	(void)mc;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return -1;
}

/* The options `caec realm measure` takes, from the realm's entry; every other
 * option keeps measure's default (vmm_realm_opts_default). */
static int image_options(const json_t *realm, struct vmm_realm_opts *o, struct measure_ctx *mc,
			 struct policy_err *err)
{
	const json_t *mem = json_object_get(realm, "memory"), *vcpus = json_object_get(realm, "vcpus");
	const json_t *hash = json_object_get(realm, "hash"), *csm = json_object_get(realm, "csm_exits");
	const json_t *required = json_object_get(realm, "policy_required");
	const json_t *ipa = json_object_get(realm, "ipa_bits");

	vmm_realm_opts_default(o);
	/* The IPA width (measured): each realm's IPA window is reserved address
	 * space of the hostsim process (2^ipa_bits bytes), and a pipeline of
	 * many realms may want a narrower one than the default. */
	if (ipa) {
		if (!json_is_integer(ipa) || json_integer_value(ipa) < VMM_MIN_IPA_BITS ||
		    json_integer_value(ipa) > HOSTSIM_MAX_IPA_BITS)
			return option_fail(mc, err, "\"ipa_bits\" must be a whole number 32..46");
		o->ipa_bits = (unsigned)json_integer_value(ipa);
	}
	if (mem) {
		uint64_t size = 0;
		bool ok = json_is_integer(mem) ? json_integer_value(mem) > 0 && (size = (uint64_t)json_integer_value(mem))
					       : json_is_string(mem) && cli_parse_size(json_string_value(mem), &size);
		if (!ok || size < VMM_MIN_MEM_SIZE || size > VMM_MAX_MEM_SIZE || size % RMI_GRANULE_SIZE)
			return option_fail(mc, err, "\"memory\" must be bytes (or a string with K, M or G), a multiple of 4K, 128K..4G");
		o->mem_size = size;
	}
	if (vcpus) {
		if (!json_is_integer(vcpus) || json_integer_value(vcpus) < 1 || json_integer_value(vcpus) > VMM_MAX_VCPUS)
			return option_fail(mc, err, "\"vcpus\" must be 1..64");
		o->vcpus = (unsigned)json_integer_value(vcpus);
	}
	if (hash) {
		const char *h = json_string_value(hash);
		if (h && !strcmp(h, "sha256"))
			o->hash_algo = RMI_HASH_SHA_256;
		else if (h && !strcmp(h, "sha512"))
			o->hash_algo = RMI_HASH_SHA_512;
		else
			return option_fail(mc, err, "\"hash\" must be \"sha256\" or \"sha512\"");
	}
	if ((csm && !json_is_boolean(csm)) || (required && !json_is_boolean(required)))
		return option_fail(mc, err, csm && !json_is_boolean(csm) ? "\"csm_exits\" must be true or false"
									: "\"policy_required\" must be true or false");
	if (csm && json_is_true(csm))
		o->caec_flags |= CAEC_REALM_CSM_EXITS;
	if (required && json_is_true(required))
		o->caec_flags |= CAEC_REALM_POLICY_REQUIRED | CAEC_REALM_CSM_EXITS;
	return 0;
}

/* path relative to the source's folder; 0, or -1 with err. */
static int model_path(const json_t *realm, const char *key, const char *base_dir, char *path, size_t cap,
		      struct policy_err *err)
{
	const char *file = json_string_value(json_object_get(realm, key));
	int n;

	if (!file || !*file) {
		snprintf(err->msg, sizeof(err->msg), "\"%s\" must be the path of a %s file", key,
			 strcmp(key, "model_key") ? "model" : "key");
		return -1;
	}
	n = file[0] == '/' || !strcmp(base_dir, ".") ? snprintf(path, cap, "%s", file)
						     : snprintf(path, cap, "%s/%s", base_dir, file);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err->msg, sizeof(err->msg), "the \"%s\" path is too long", key);
		return -1;
	}
	return 0;
}

/* A realm's model as `caec run` delivers it: a "model" appended to the
 * image (measured), a "sealed_model" as host data whose size alone is
 * measured (so only its size is read here; the content pointer is never
 * read by the measurement). 0, or -1 with err. */
static int realm_models(const json_t *realm, const char *base_dir, struct realm_image *img,
			struct vmm_realm_opts *opts, struct policy_err *err)
{
	static const uint8_t unread;
	char path[PATH_MAX];
	struct stat st;
	bool model = json_object_get(realm, "model"), sealed = json_object_get(realm, "sealed_model");

	if (model && (sealed || json_object_get(realm, "model_key"))) {
		snprintf(err->msg, sizeof(err->msg), "give \"model\" or \"sealed_model\" with its \"model_key\", not both");
		return -1;
	}
	if (sealed != (bool)json_object_get(realm, "model_key")) {
		snprintf(err->msg, sizeof(err->msg), "\"sealed_model\" and \"model_key\" go together");
		return -1;
	}
	if (model) {
		if (model_path(realm, "model", base_dir, path, sizeof(path), err) != 0)
			return -1;
		int e = realm_image_add_model(img, path);
		if (e != 0) {
			snprintf(err->msg, sizeof(err->msg), "model %.160s cannot be loaded: %s", path,
				 e == -EINVAL ? "it is empty" : e == -EFBIG ? "with the image it is larger than 256 MiB" : strerror(-e));
			return -1;
		}
	}
	if (sealed) {
		char key[PATH_MAX];
		if (model_path(realm, "model_key", base_dir, key, sizeof(key), err) != 0 ||
		    model_path(realm, "sealed_model", base_dir, path, sizeof(path), err) != 0)
			return -1;
		if (stat(path, &st) != 0) {
			snprintf(err->msg, sizeof(err->msg), "sealed_model %.160s cannot be read: %s", path, strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || st.st_size == 0 || (uint64_t)st.st_size > VMM_MAX_IMAGE_SIZE) {
			snprintf(err->msg, sizeof(err->msg), "sealed_model %.160s is not a file of 1 byte..256 MiB", path);
			return -1;
		}
		opts->host_data = &unread;
		opts->host_data_size = (uint64_t)st.st_size;
	}
	return 0;
}

static int measure_image(void *ctx, const char *image_path, const char *base_dir, const json_t *realm,
			 uint8_t rim[POLICY_RIM_SIZE], size_t *size, struct policy_err *err)
{
	struct measure_ctx *mc = ctx;
	struct vmm_realm_opts opts;
	struct realm_image img;
	struct vmm_measurement m;
	const char *why = "";
	char path[PATH_MAX];

	if (image_options(realm, &opts, mc, err) != 0)
		return -1;
	if (image_path[0] == '/' || !strcmp(base_dir, "."))
		snprintf(path, sizeof(path), "%s", image_path);
	else
		snprintf(path, sizeof(path), "%s/%s", base_dir, image_path);
	mc->failed = true; /* until it is measured */
	int rc = realm_image_load(path, &img);
	if (rc == -ENOEXEC) {
		snprintf(err->msg, sizeof(err->msg), "image %.100s: %.120s", path, img.why);
		return -1;
	}
	if (rc != 0) {
		snprintf(err->msg, sizeof(err->msg), "image %.160s cannot be read: %s", path,
			 rc == -EINVAL ? "it is empty" : strerror(-rc));
		return -1;
	}
	if (realm_models(realm, base_dir, &img, &opts, err) != 0) {
		realm_image_free(&img);
		return -1;
	}
	rc = vmm_measure(img.bytes, img.size, &opts, &m, &why);
	realm_image_free(&img);
	if (rc != 0) {
		snprintf(err->msg, sizeof(err->msg), "image %.100s cannot be measured: %.120s", path,
			 why ? why : strerror(-rc));
		return -1;
	}
	memcpy(rim, m.rim, m.hash_size);
	*size = m.hash_size;
	vmm_measurement_free(&m);
	mc->failed = false;
	return 0;
}

/* ---- reading a source --------------------------------------------------------- */

/* The source's JSON: NULL after the message (CLI_USAGE). */
static json_t *read_source_json(const char *cmd, const char *path)
{
	size_t len;
	json_error_t je;
	char *text = (char *)cli_read_input(cmd, "SRC", path, SOURCE_MAX, &len);

	if (!text)
		return NULL;
	if (len > SOURCE_MAX) {
		free(text);
		cli_usage_error(cmd, "SRC %s is larger than 1 MiB", path);
		return NULL;
	}
	json_t *root = json_loadb(text, len, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!root)
		cli_usage_error(cmd, "SRC %s:%d:%d: %s", strcmp(path, "-") ? path : "(standard input)", je.line,
				je.column, je.text);
	return root;
}

static int from_json(const json_t *root, const char *path, struct measure_ctx *mc, struct policy_source *src,
		     struct policy_err *err)
{
	char dir[PATH_MAX];

	cli_folder_of(path, dir, sizeof(dir));
	mc->failed = false;
	return policy_source_from_json(root, dir, measure_image, mc, src, err);
}

int cli_policy_source_from_json(const json_t *root, const char *path, struct policy_source *src,
				struct policy_err *err)
{
	struct measure_ctx mc = { false };

	return from_json(root, path, &mc, src, err);
}

int cli_policy_realm_image(const json_t *root, const char *path, const char *name, char *image, size_t cap,
			   struct vmm_realm_opts *opts, struct policy_err *err)
{
	struct measure_ctx mc = { false };
	const json_t *realm = json_object_get(json_object_get(root, "realms"), name);
	const char *file = json_string_value(json_object_get(realm, "image"));
	char dir[PATH_MAX];

	if (!file) {
		snprintf(err->msg, sizeof(err->msg), "realm '%.40s' names no \"image\" to run", name);
		return -1;
	}
	if (image_options(realm, opts, &mc, err) != 0)
		return -1;
	cli_folder_of(path, dir, sizeof(dir));
	if (file[0] == '/' || !strcmp(dir, "."))
		snprintf(image, cap, "%s", file);
	else
		snprintf(image, cap, "%s/%s", dir, file);
	return 0;
}

int cli_policy_source_load(const char *path, struct policy_source *src, struct policy_err *err)
{
	struct measure_ctx mc = { false };
	json_error_t je;
	json_t *root = json_load_file(path, JSON_PRESERVE_ORDER | JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		snprintf(err->msg, sizeof(err->msg), "%d:%d: %.200s", je.line, je.column, je.text);
		return -1;
	}
	int rc = from_json(root, path, &mc, src, err);
	json_decref(root);
	return rc;
}

static json_t *digests_json(const uint8_t *blob, size_t len)
{
	uint8_t d[64];
	char hex[129];
	json_t *j = json_object();

	if (policy_blob_digest(blob, len, 32, d) == 0) {
		vmm_hex(d, 32, hex);
		json_object_set_new(j, "sha256", json_string(hex));
	}
	if (policy_blob_digest(blob, len, 64, d) == 0) {
		vmm_hex(d, 64, hex);
		json_object_set_new(j, "sha512", json_string(hex));
	}
	return j;
}

static void print_digests(const uint8_t *blob, size_t len)
{
	uint8_t d[64];
	char hex[129];

	if (policy_blob_digest(blob, len, 32, d) == 0) {
		vmm_hex(d, 32, hex);
		printf("claim 65003 (sha256): %s\n", hex);
	}
	if (policy_blob_digest(blob, len, 64, d) == 0) {
		vmm_hex(d, 64, hex);
		printf("claim 65003 (sha512): %s\n", hex);
	}
}

/* ---- compile ------------------------------------------------------------------- */

static int write_blob(const char *path, const uint8_t *blob, size_t len)
{
	bool out = !strcmp(path, "-");
	FILE *f = out ? stdout : fopen(path, "wb");

	if (!f)
		return cli_usage_error(CMD_COMPILE, "-o %s cannot be written: %s", path, strerror(errno));
	bool ok = fwrite(blob, 1, len, f) == len;
	ok = (out ? fflush(f) == 0 : fclose(f) == 0) && ok;
	if (!ok)
		return cli_fail(CMD_COMPILE, "-o %s: writing failed: %s", path, strerror(errno));
	return CLI_OK;
}

static json_t *compile_json(const char *out, const struct policy_source *src, int self, const uint8_t *blob,
			    size_t len)
{
	json_t *j = json_object(), *realms = json_array();
	char hex[129];

	json_object_set_new(j, "blob", json_string(out));
	json_object_set_new(j, "size", json_integer((json_int_t)len));
	json_object_set_new(j, "self", json_string(src->realms[self].name));
	json_object_set_new(j, "digests", digests_json(blob, len));
	for (unsigned i = 0; i < src->num_realms; i++) {
		json_t *r = json_object();
		vmm_hex(src->realms[i].rim, src->realms[i].rim_size, hex);
		json_object_set_new(r, "name", json_string(src->realms[i].name));
		json_object_set_new(r, "rim", json_string(hex));
		json_object_set_new(r, "gateway", json_boolean(src->realms[i].gateway));
		json_array_append_new(realms, r);
	}
	json_object_set_new(j, "realms", realms);
	return j;
}

struct compile_args {
	const char *src, *out, *self;
	bool json;
};

static int parse_compile_args(int argc, char **argv, struct compile_args *a)
{
	enum { OPT_OUT, OPT_SELF, OPT_JSON };
	static const struct cli_option opts[] = {
		[OPT_OUT] = { "--output", "-o", true },
		[OPT_SELF] = { "--self", NULL, true },
		[OPT_JSON] = { "--json", NULL, false },
	};
	struct cli_parser p;
	int opt;

	memset(a, 0, sizeof(*a));
	cli_parser_init(&p, CMD_COMPILE, opts, sizeof(opts) / sizeof(opts[0]), argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			if (a->src)
				return cli_usage_error(CMD_COMPILE, "one SRC.json only ('%s' is extra)", p.value);
			a->src = p.value;
			break;
		case OPT_OUT:
			a->out = p.value;
			break;
		case OPT_SELF:
			a->self = p.value;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		}
	}
	if (!a->src)
		return cli_usage_error(CMD_COMPILE, "no SRC.json given (try 'caec policy compile --help')");
	if (!a->out)
		return cli_usage_error(CMD_COMPILE, "no -o BLOB given: say where the blob goes ('-': standard output)");
	if (a->json && !strcmp(a->out, "-"))
		return cli_usage_error(CMD_COMPILE, "--json and -o - both write to standard output: give -o a file");
	if (cli_check_input(CMD_COMPILE, "SRC", a->src) != CLI_OK || cli_check_output(CMD_COMPILE, "-o", a->out) != CLI_OK)
		return CLI_USAGE;
	return CLI_OK;
}

/* The realm index the blob is for; -1 after the message. */
static int compile_self(const struct compile_args *a, const struct policy_source *src)
{
	char list[POLICY_ERR_MAX] = "";

	for (unsigned i = 0; i < src->num_realms; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", src->realms[i].name);
	if (a->self) {
		int i = policy_source_find_realm(src, a->self);
		if (i < 0)
			cli_usage_error(CMD_COMPILE, "--self %s is not a realm of %s (its realms: %s)", a->self, a->src, list);
		return i;
	}
	if (src->self < 0)
		cli_usage_error(CMD_COMPILE, "%s has no \"self\": say which realm the blob is for with --self (one of %s)",
				a->src, list);
	return src->self;
}

static int policy_compile_cmd(int argc, char **argv)
{
	struct compile_args a;
	struct policy_source src;
	struct policy_err err = { "" };
	struct measure_ctx mc = { false };
	uint8_t blob[POLICY_MAX_SIZE];
	size_t len;
	bool json = wants_json(argc, argv);

	if (cli_wants_help(argc, argv)) {
		fputs(compile_usage, stdout);
		return CLI_OK;
	}
	if (parse_compile_args(argc, argv, &a) != CLI_OK)
		return usage_out(json, CLI_USAGE);
	json_t *root = read_source_json(CMD_COMPILE, a.src);
	if (!root)
		return usage_out(json, CLI_USAGE);
	int rc = from_json(root, a.src, &mc, &src, &err);
	json_decref(root);
	if (rc != 0) {
		cli_usage_error(CMD_COMPILE, "%s: %s", a.src, err.msg);
		return usage_out(json, CLI_USAGE);
	}
	int self = compile_self(&a, &src);
	if (self < 0)
		return usage_out(json, CLI_USAGE);
	if (policy_compile(&src, self, blob, sizeof(blob), &len, &err) != 0) {
		cli_fail(CMD_COMPILE, "%s: %s", a.src, err.msg);
		return usage_out(json, CLI_FAIL);
	}
	if ((rc = write_blob(a.out, blob, len)) != CLI_OK)
		return usage_out(json, rc);
	if (json) {
		cli_print_json(compile_json(a.out, &src, self, blob, len), false);
	} else if (strcmp(a.out, "-")) {
		printf("%s: %zu bytes, the policy of realm '%s' (%u realms, %u channels)\n", a.out, len,
		       src.realms[self].name, src.num_realms, src.num_channels);
		print_digests(blob, len);
	}
	return CLI_OK;
}

/* ---- show ------------------------------------------------------------------------- */

static void show_text(const struct policy_source *src, const uint8_t *blob, size_t len)
{
	char hex[129];

	printf("policy blob version %u, %zu bytes, for realm '%s' (%d)\n", POLICY_VERSION, len,
	       src->realms[src->self].name, src->self);
	printf("host_calls: %s\nstrict: %s\n", policy_host_calls_name(src->host_calls), src->strict ? "yes" : "no");
	print_digests(blob, len);
	printf("realms (%u):\n", src->num_realms);
	for (unsigned i = 0; i < src->num_realms; i++) {
		vmm_hex(src->realms[i].rim, src->realms[i].rim_size, hex);
		printf("  %2u %-12s rim %s%s\n", i, src->realms[i].name, hex, src->realms[i].gateway ? "  gateway" : "");
	}
	printf("channels (%u):\n", src->num_channels);
	for (unsigned i = 0; i < src->num_channels; i++) {
		const struct policy_source_channel *c = &src->channels[i];
		printf("  %2u %-12s owner %s, %u page%s:", i, c->name, src->realms[c->owner].name, (unsigned)c->pages,
		       c->pages == 1 ? "" : "s");
		const char *sep = " ";
		for (unsigned k = 0; k < src->num_realms; k++)
			if (c->perms[k]) {
				printf("%s%s %s", sep, src->realms[k].name, policy_perm_name(c->perms[k]));
				sep = ", ";
			}
		putchar('\n');
	}
}

static int policy_show_cmd(int argc, char **argv)
{
	static const struct cli_option opts[] = { { "--json", NULL, false } };
	struct cli_parser p;
	const char *path = NULL;
	bool json = wants_json(argc, argv);
	int opt;

	if (cli_wants_help(argc, argv)) {
		fputs(show_usage, stdout);
		return CLI_OK;
	}
	cli_parser_init(&p, CMD_SHOW, opts, 1, argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		if (opt == CLI_ARG_BAD)
			return usage_out(json, CLI_USAGE);
		if (opt == CLI_ARG && path) {
			cli_usage_error(CMD_SHOW, "one BLOB only ('%s' is extra)", p.value);
			return usage_out(json, CLI_USAGE);
		}
		if (opt == CLI_ARG)
			path = p.value;
	}
	if (!path) {
		cli_usage_error(CMD_SHOW, "no BLOB given (try 'caec policy show --help')");
		return usage_out(json, CLI_USAGE);
	}
	size_t len = 0;
	/* Up to one byte more than a blob may have, so that the parser refuses it. */
	uint8_t *blob = cli_read_input(CMD_SHOW, "BLOB", path, POLICY_MAX_SIZE, &len);
	if (!blob)
		return usage_out(json, CLI_USAGE);
	struct policy_source src;
	struct policy_err err = { "" };
	if (policy_source_from_blob(blob, len, &src, &err) != 0) {
		free(blob);
		cli_fail(CMD_SHOW, "BLOB %s: %s", strcmp(path, "-") ? path : "(standard input)", err.msg);
		return usage_out(json, CLI_FAIL);
	}
	if (json) {
		json_t *j = json_object();
		json_object_set_new(j, "size", json_integer((json_int_t)len));
		json_object_set_new(j, "version", json_integer(POLICY_VERSION));
		json_object_set_new(j, "self", json_string(src.realms[src.self].name));
		json_object_set_new(j, "digests", digests_json(blob, len));
		json_object_set_new(j, "source", policy_source_to_json(&src));
		cli_print_json(j, false);
	} else {
		show_text(&src, blob, len);
	}
	free(blob);
	return CLI_OK;
}

/* ---- check ------------------------------------------------------------------------ */

/* A --path as given, and as nodes once the source is read. */
struct path_spec {
	const char *text;
	char names[3][POLICY_NAME_MAX + 2];
	unsigned nodes[3];
};

struct check_args {
	const char *src;
	struct path_spec paths[MAX_PATHS];
	unsigned num_paths;
	bool json;
};

static int parse_path(const struct cli_parser *p, struct path_spec *ps)
{
	const char *s = p->value;

	ps->text = s;
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(s, ":");
		if (n == 0 || n > POLICY_NAME_MAX || (i < 2 && s[n] != ':') || (i == 2 && s[n] != '\0'))
			return cli_bad_value(p, "FROM:TO:VIA, three realm names (or 'host')");
		memcpy(ps->names[i], s, n);
		ps->names[i][n] = '\0';
		s += n + (i < 2);
	}
	return CLI_OK;
}

static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	enum { OPT_PATH, OPT_JSON };
	static const struct cli_option opts[] = {
		[OPT_PATH] = { "--path", NULL, true },
		[OPT_JSON] = { "--json", NULL, false },
	};
	struct cli_parser p;
	int opt;

	memset(a, 0, sizeof(*a));
	cli_parser_init(&p, CMD_CHECK, opts, sizeof(opts) / sizeof(opts[0]), argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			if (a->src)
				return cli_usage_error(CMD_CHECK, "one SRC.json only ('%s' is extra)", p.value);
			a->src = p.value;
			break;
		case OPT_PATH:
			if (a->num_paths == MAX_PATHS)
				return cli_usage_error(CMD_CHECK, "--path: at most %d of them", MAX_PATHS);
			if (parse_path(&p, &a->paths[a->num_paths]) != CLI_OK)
				return CLI_USAGE;
			a->num_paths++;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		}
	}
	if (!a->src)
		return cli_usage_error(CMD_CHECK, "no SRC.json given (try 'caec policy check --help')");
	return cli_check_input(CMD_CHECK, "SRC", a->src);
}

/* The --path names as nodes; CLI_USAGE after the message for an unknown one. */
static int resolve_paths(struct check_args *a, const struct policy_source *src)
{
	static const char *const role[3] = { "FROM", "TO", "VIA" };

	for (unsigned i = 0; i < a->num_paths; i++) {
		struct path_spec *ps = &a->paths[i];
		for (int k = 0; k < 3; k++) {
			int r = policy_source_find_realm(src, ps->names[k]);
			if (!strcmp(ps->names[k], "host"))
				ps->nodes[k] = POLICY_NODE_HOST;
			else if (r >= 0)
				ps->nodes[k] = (unsigned)r;
			else
				return cli_usage_error(CMD_CHECK, "--path %s: %s '%s' is not a realm of %s (nor 'host')", ps->text,
						       role[k], ps->names[k], a->src);
		}
		if (ps->nodes[0] == ps->nodes[1] || ps->nodes[0] == ps->nodes[2] || ps->nodes[1] == ps->nodes[2])
			return cli_usage_error(CMD_CHECK, "--path %s: FROM, TO and VIA must be three different nodes", ps->text);
	}
	return CLI_OK;
}

/* One check's outcome, as text lines and JSON findings. */
struct check_result {
	char name[2 * (POLICY_NAME_MAX + 1) + 48];
	const char *status; /* "pass", "fail", "not-run" */
	char summary[POLICY_ERR_MAX];
	json_t *findings;
	unsigned num_findings;
};

static void result_init(struct check_result *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->status = "pass";
	r->findings = json_array();
}

static void add_finding(struct check_result *r, const char *text, json_t *extra)
{
	json_t *f = extra ? extra : json_object();
	json_object_set_new(f, "text", json_string(text));
	json_array_append_new(r->findings, f);
	r->status = "fail";
	r->num_findings++;
}

static json_t *chain_json(const struct policy_source *src, const struct policy_chain *c)
{
	json_t *j = json_object(), *nodes = json_array(), *chans = json_array();
	char text[512];

	for (unsigned i = 0; i < c->len; i++)
		json_array_append_new(nodes, json_string(c->nodes[i] == POLICY_NODE_HOST ? "host"
										 : src->realms[c->nodes[i]].name));
	for (unsigned i = 0; i + 1 < c->len; i++)
		json_array_append_new(chans, c->hops[i] < src->num_channels ? json_string(src->channels[c->hops[i]].name)
									     : json_null());
	policy_chain_format(src, c, text, sizeof(text));
	json_object_set_new(j, "nodes", nodes);
	json_object_set_new(j, "channels", chans);
	json_object_set_new(j, "chain", json_string(text));
	return j;
}

static void check_host(const struct policy_source *src, struct check_result *r)
{
	struct policy_chain chains[POLICY_MAX_REALMS];
	char text[512], line[1024];

	result_init(r, "host");
	unsigned n = policy_check_host_reach(src, chains);
	for (unsigned i = 0; i < src->num_realms; i++) {
		if (!chains[i].len)
			continue;
		const struct policy_chain *c = &chains[i];
		unsigned last = c->nodes[c->len - 2];
		char why[96];
		if (src->realms[last].gateway)
			snprintf(why, sizeof(why), "%s is a gateway", src->realms[last].name);
		else
			snprintf(why, sizeof(why), "host_calls is \"allow\"");
		policy_chain_format(src, c, text, sizeof(text));
		snprintf(line, sizeof(line), "realm '%s' can send data to the host: %s (%s)", src->realms[i].name, text, why);
		json_t *f = chain_json(src, c);
		json_object_set_new(f, "realm", json_string(src->realms[i].name));
		add_finding(r, line, f);
	}
	if (n == 0)
		snprintf(r->summary, sizeof(r->summary), "no non-gateway realm can send data to the host");
	else
		snprintf(r->summary, sizeof(r->summary), "%u non-gateway realm%s can send data to the host", n,
			 n == 1 ? "" : "s");
}

static void check_path(const struct policy_source *src, const struct path_spec *ps, struct check_result *r)
{
	struct policy_chain c;
	bool reach = false;
	char text[512], line[700], name[80];

	snprintf(name, sizeof(name), "path %s", ps->text);
	result_init(r, name);
	int rc = policy_check_path(src, ps->nodes[0], ps->nodes[1], ps->nodes[2], &c, &reach);
	if (rc == 0) {
		policy_chain_format(src, &c, text, sizeof(text));
		snprintf(line, sizeof(line), "a path from %s to %s avoids %s: %s", ps->names[0], ps->names[1], ps->names[2],
			 text);
		add_finding(r, line, chain_json(src, &c));
		snprintf(r->summary, sizeof(r->summary), "not every path from %s to %s passes through %s", ps->names[0],
			 ps->names[1], ps->names[2]);
	} else if (!reach) {
		snprintf(r->summary, sizeof(r->summary), "no path leads from %s to %s at all", ps->names[0], ps->names[1]);
	} else {
		snprintf(r->summary, sizeof(r->summary), "every path from %s to %s passes through %s", ps->names[0],
			 ps->names[1], ps->names[2]);
	}
}

static void print_results(const struct check_result *res, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct check_result *r = &res[i];
		if (strcmp(r->status, "fail")) {
			printf("%-7s %s: %s\n", r->status, r->name, r->summary);
			continue;
		}
		size_t k;
		json_t *f;
		json_array_foreach(r->findings, k, f)
			printf("%-7s %s: %s\n", "fail", r->name, json_string_value(json_object_get(f, "text")));
	}
}

static json_t *results_json(const char *path, const struct check_result *res, unsigned n, bool passed)
{
	json_t *j = json_object(), *checks = json_array();

	json_object_set_new(j, "source", json_string(path));
	json_object_set_new(j, "passed", json_boolean(passed));
	for (unsigned i = 0; i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "check", json_string(res[i].name));
		json_object_set_new(c, "status", json_string(res[i].status));
		json_object_set_new(c, "summary", json_string(res[i].summary));
		json_object_set_new(c, "findings", json_incref(res[i].findings));
		json_array_append_new(checks, c);
	}
	json_object_set_new(j, "checks", checks);
	return j;
}

/* declared and form; true when the source loaded, so the flow checks can run. */
static bool check_source(const json_t *root, const struct check_args *a, struct measure_ctx *mc,
			 struct policy_source *src, struct check_result *declared, struct check_result *form)
{
	struct policy_err lines[2 * POLICY_MAX_CHANNELS * (POLICY_MAX_REALMS + 1) + 1];
	struct policy_err err = { "" };

	result_init(declared, "declared");
	unsigned n = policy_check_references(root, lines, sizeof(lines) / sizeof(lines[0]));
	for (unsigned i = 0; i < n && i < sizeof(lines) / sizeof(lines[0]); i++)
		add_finding(declared, lines[i].msg, NULL);
	snprintf(declared->summary, sizeof(declared->summary),
		 n ? "%u name%s of no declared realm" : "every channel's owner and members are declared realms", n,
		 n == 1 ? "" : "s");
	result_init(form, "form");
	if (n) {
		form->status = "not-run";
		snprintf(form->summary, sizeof(form->summary), "the source names realms it does not declare");
		return false;
	}
	if (from_json(root, a->src, mc, src, &err) != 0) {
		add_finding(form, err.msg, NULL);
		snprintf(form->summary, sizeof(form->summary), "%s", err.msg);
		return false;
	}
	snprintf(form->summary, sizeof(form->summary), "%u realms, %u channels, a blob of %zu bytes", src->num_realms,
		 src->num_channels, policy_blob_size(src));
	return true;
}

static int policy_check_cmd(int argc, char **argv)
{
	struct check_args a;
	struct policy_source src;
	struct measure_ctx mc = { false };
	struct check_result res[3 + MAX_PATHS];
	unsigned n = 0, failed = 0;
	bool json = wants_json(argc, argv);

	if (cli_wants_help(argc, argv)) {
		fputs(check_usage, stdout);
		return CLI_OK;
	}
	if (parse_check_args(argc, argv, &a) != CLI_OK)
		return usage_out(json, CLI_USAGE);
	json_t *root = read_source_json(CMD_CHECK, a.src);
	if (!root)
		return usage_out(json, CLI_USAGE);
	bool loaded = check_source(root, &a, &mc, &src, &res[0], &res[1]);
	json_decref(root);
	n = 2;
	int rc = CLI_OK;
	if (!loaded && mc.failed) {
		/* An image that cannot be measured is unusable input, not a policy mistake. */
		rc = cli_usage_error(CMD_CHECK, "%s: %s", a.src, res[1].summary);
	} else if (loaded && resolve_paths(&a, &src) != CLI_OK) {
		rc = CLI_USAGE;
	} else if (loaded) {
		check_host(&src, &res[n++]);
		for (unsigned i = 0; i < a.num_paths; i++)
			check_path(&src, &a.paths[i], &res[n++]);
	} else {
		result_init(&res[n], "host");
		res[n].status = "not-run";
		snprintf(res[n++].summary, sizeof(res[0].summary), "the source is not a valid policy");
		for (unsigned i = 0; i < a.num_paths; i++) {
			char name[80];
			snprintf(name, sizeof(name), "path %s", a.paths[i].text);
			result_init(&res[n], name);
			res[n].status = "not-run";
			snprintf(res[n++].summary, sizeof(res[0].summary), "the source is not a valid policy");
		}
	}
	if (rc == CLI_OK) {
		char names[256] = "";
		for (unsigned i = 0; i < n; i++)
			if (!strcmp(res[i].status, "fail")) {
				failed++;
				append(names, sizeof(names), failed > 1 ? ", " : "");
				append(names, sizeof(names), res[i].name);
			}
		if (!json)
			print_results(res, n);
		if (failed)
			rc = cli_fail(CMD_CHECK, "%s: %u check%s failed (%s)", a.src, failed, failed == 1 ? "" : "s", names);
		if (json)
			cli_print_json(results_json(a.src, res, n, failed == 0), failed != 0);
	} else if (json) {
		cli_print_json(NULL, true);
	}
	for (unsigned i = 0; i < n; i++)
		json_decref(res[i].findings);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	static const struct cli_subcommand subcommands[] = {
		{ "compile", policy_compile_cmd },
		{ "show", policy_show_cmd },
		{ "check", policy_check_cmd },
	};
	static const struct cli_command policy = {
		.name = "policy",
		.usage = policy_usage,
		.noun = "subcommand",
		.subcommands = subcommands,
		.num_subcommands = sizeof(subcommands) / sizeof(subcommands[0]),
	};
	return cli_dispatch(&policy, argc, argv);
}

/*
 * caec bench csm: what confidential shared memory costs and saves, on the
 * hostsim machine, through the real monitor and VMM.
 *
 * Time: for each region size, a realm creates a region (the host delegates
 * and adds every page: RMI_CSM_CREATE, LIST_ADD, DATA_ADD), then another
 * realm attaches it read-only (the host creates the RTTs and maps it one
 * level-3 table per RMI_CSM_MAP). Each figure is the time the VMM spent
 * serving that request, the monitor's work included (vmm_run_result's
 * csm_create_ns / csm_attach_ns), the median of --repeat rounds; per page
 * and in total.
 * Memory: three realms share one read-only region (the first creates and
 * maps it, the two others attach it), against three realms holding a
 * private copy each (each creates and maps its own region of that size):
 * the granules the host gave the monitor, counted by the VMM's ledger.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "abi/caec.h"
#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"

#define CMD "bench csm" /* messages start "caec bench csm: " */

/* The realm's modes (examples/csm/csm_bench_realm.c). */
#define MODE_CREATE 1u
#define MODE_ATTACH 2u
#define MODE_OWN    3u

#define MAX_SIZES       8
#define DEFAULT_REPEAT  3
#define BENCH_DRAM      (UINT64_C(4) << 30)
#define BENCH_IMAGE     "examples/csm/csm_bench_realm.so" /* in the build */
/* 8 GiB of IPA space per realm: RAM, and the SDK's region slots from 1 GiB
 * (each up to 1 GiB), with room for several realms' IPA windows at once in
 * this process (also under TSan, whose address layout has less). */
#define BENCH_IPA_BITS  33u

static void usage(FILE *out)
{
	fprintf(out,
		"usage: caec bench csm [--sizes LIST] [--share SIZE] [--repeat N] [--image FILE]\n"
		"                      [--quick] [--json]\n"
		"\n"
		"Times creating a confidential shared memory region and attaching it\n"
		"read-only, for each size, and counts the memory three realms use when they\n"
		"share one read-only region against three private copies.\n"
		"  --sizes LIST   region sizes, K/M/G suffixes (default 1M,64M,256M)\n"
		"  --share SIZE   the shared region of the memory comparison (default 64M)\n"
		"  --repeat N     rounds per size, the median is reported (default 3)\n"
		"  --image FILE   the benchmark's realm image (default: csm_bench_realm.so\n"
		"                 of the build, next to caec's folder: ../examples/csm/)\n"
		"  --quick        sizes 1M,16M, share 16M, one round (a smoke run)\n"
		"  --json         print the figures as JSON on stdout (the table on stderr)\n"
		"\n"
		"Times are what the host spends serving the realm's request, the monitor's\n"
		"work included (hostsim runs the monitor natively: not a real CCA machine's).\n"
		"\n" CLI_EXIT_CODES);
}

struct bench {
	uint64_t sizes[MAX_SIZES];
	unsigned num_sizes, repeat;
	uint64_t share;
	const char *image;
	bool json;
	struct realm_image img;
	struct vmm vmm;
	struct vmm_realm_opts opts;
	uint8_t rim[32];
};

struct size_result {
	uint64_t size, pages;
	double create_ns, attach_ns;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Builds and runs the bench realm in mode; the time the VMM spent serving
 * its CREATE or ATTACH in *ns and, after a create, the region's id. The
 * realm stays (the caller destroys it). */
static int run_realm(struct bench *b, unsigned mode, uint64_t pages, uint64_t id, struct vmm_realm **out,
		     double *ns, uint64_t *created)
{
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE] = { 0 };
	struct cli_console con = { .echo = NULL };
	struct vmm_run_config cfg = { .console = cli_console_out, .console_ctx = &con, .challenge = ch };
	struct vmm_run_result res;
	struct vmm_error err = { "" };
	int rc = CLI_OK;

	ch[0] = (uint8_t)mode;
	cli_put_le64(ch + 8, pages);
	cli_put_le64(ch + 16, id);
	memcpy(ch + 24, b->rim, sizeof(b->rim));
	if (vmm_realm_create(&b->vmm, b->img.bytes, b->img.size, &b->opts, out, &err) != 0)
		return cli_fail(CMD, "building a realm: %s", err.msg);
	if (vmm_realm_run(*out, &cfg, &res) != 0)
		return cli_fail(CMD, "no host thread for the realm");
	*ns = (double)(mode == MODE_ATTACH ? res.csm_attach_ns : res.csm_create_ns);
	if (res.stop != VMM_STOP_SYSTEM_OFF || !res.exit_reported || res.exit_status != 0)
		rc = cli_fail(CMD, "the realm failed (%s%s%s): %s", vmm_stop_reason_name(res.stop),
			      res.csm_error[0] ? ", " : "", res.csm_error, con.text);
	if (rc == CLI_OK && created) {
		const char *p = strstr(con.text, "bench: region 0x");
		unsigned long long v = 0;
		if (!p || sscanf(p, "bench: region 0x%llx", &v) != 1)
			rc = cli_fail(CMD, "the realm named no region: %s", con.text);
		*created = v;
	}
	vmm_run_result_free(&res);
	return rc;
}

static int bench_size(struct bench *b, uint64_t size, struct size_result *r)
{
	double create[16], attach[16];
	int rc = CLI_OK;

	r->size = size;
	r->pages = size / 4096;
	for (unsigned i = 0; i < b->repeat && rc == CLI_OK; i++) {
		struct vmm_realm *owner = NULL, *member = NULL;
		uint64_t id = 0;
		rc = run_realm(b, MODE_CREATE, r->pages, 0, &owner, &create[i], &id);
		if (rc == CLI_OK)
			rc = run_realm(b, MODE_ATTACH, 0, id, &member, &attach[i], NULL);
		if ((member && vmm_realm_destroy(member) != 0) || (owner && vmm_realm_destroy(owner) != 0))
			rc = cli_fail(CMD, "the monitor refused to destroy a realm");
	}
	if (rc != CLI_OK)
		return rc;
	qsort(create, b->repeat, sizeof(double), cmp_double);
	qsort(attach, b->repeat, sizeof(double), cmp_double);
	r->create_ns = create[b->repeat / 2];
	r->attach_ns = attach[b->repeat / 2];
	return CLI_OK;
}

static uint64_t held(struct bench *b)
{
	struct leak_snapshot s;
	leak_snapshot_take(&b->vmm.ledger, &s);
	return s.held;
}

/* Granules for three realms sharing one region, and for three private copies. */
static int bench_memory(struct bench *b, uint64_t *shared, uint64_t *private)
{
	struct vmm_realm *r[3] = { NULL };
	uint64_t base = held(b), id = 0;
	double ns;
	int rc = run_realm(b, MODE_OWN, b->share / 4096, 0, &r[0], &ns, &id);

	for (unsigned i = 1; i < 3 && rc == CLI_OK; i++)
		rc = run_realm(b, MODE_ATTACH, 0, id, &r[i], &ns, NULL);
	*shared = held(b) - base;
	for (unsigned i = 0; i < 3; i++)
		if (r[i] && vmm_realm_destroy(r[i]) != 0)
			rc = cli_fail(CMD, "the monitor refused to destroy a realm");
	for (unsigned i = 0; i < 3; i++)
		r[i] = NULL;
	base = held(b);
	for (unsigned i = 0; i < 3 && rc == CLI_OK; i++)
		rc = run_realm(b, MODE_OWN, b->share / 4096, 0, &r[i], &ns, &id);
	*private = held(b) - base;
	for (unsigned i = 0; i < 3; i++)
		if (r[i] && vmm_realm_destroy(r[i]) != 0)
			rc = cli_fail(CMD, "the monitor refused to destroy a realm");
	return rc;
}

enum { OPT_SIZES, OPT_SHARE, OPT_REPEAT, OPT_IMAGE, OPT_QUICK, OPT_JSON, NUM_OPTS };
static const struct cli_option options[NUM_OPTS] = {
	[OPT_SIZES] = { "--sizes", NULL, true }, [OPT_SHARE] = { "--share", NULL, true },
	[OPT_REPEAT] = { "--repeat", NULL, true }, [OPT_IMAGE] = { "--image", NULL, true },
	[OPT_QUICK] = { "--quick", NULL, false }, [OPT_JSON] = { "--json", NULL, false },
};

static bool region_size_ok(uint64_t s)
{
	return s >= 4096 && s % 4096 == 0 && s / 4096 <= CSM_MAX_GRANULES;
}


static int parse(int argc, char **argv, struct bench *b)
{
	struct cli_parser p;
	uint64_t u;
	int opt;

	cli_parser_init(&p, CMD, options, NUM_OPTS, argc, argv);
	while ((opt = cli_next(&p)) != CLI_ARG_END) {
		switch (opt) {
		case CLI_ARG_BAD:
			return CLI_USAGE;
		case CLI_ARG:
			return cli_usage_error(CMD, "unexpected argument '%s' (try 'caec %s --help')", p.value, CMD);
		case OPT_SIZES:
			if (cli_parse_size_list(&p, b->sizes, MAX_SIZES, &b->num_sizes, region_size_ok,
						"a list of up to 8 sizes of 4K..960M in 4K steps") != CLI_OK)
				return CLI_USAGE;
			break;
		case OPT_SHARE:
			if (!cli_parse_size(p.value, &b->share) || !region_size_ok(b->share))
				return cli_bad_value(&p, "a size of 4K..960M in 4K steps");
			break;
		case OPT_REPEAT:
			if (!cli_parse_u64(p.value, 15, &u) || u == 0)
				return cli_bad_value(&p, "1..15");
			b->repeat = (unsigned)u;
			break;
		case OPT_IMAGE:
			b->image = p.value;
			break;
		case OPT_QUICK:
			b->sizes[0] = UINT64_C(1) << 20;
			b->sizes[1] = UINT64_C(16) << 20;
			b->num_sizes = 2;
			b->share = UINT64_C(16) << 20;
			b->repeat = 1;
			break;
		case OPT_JSON:
			b->json = true;
			break;
		}
	}
	return CLI_OK;
}

static json_t *results_json(const struct bench *b, const struct size_result *r, unsigned n, uint64_t shared,
			    uint64_t private)
{
	json_t *j = json_object(), *sizes = json_array(), *mem = json_object();
	json_object_set_new(j, "benchmark", json_string("csm"));
	for (unsigned i = 0; i < n; i++) {
		json_t *s = json_object();
		json_object_set_new(s, "size_bytes", json_integer((json_int_t)r[i].size));
		json_object_set_new(s, "pages", json_integer((json_int_t)r[i].pages));
		json_object_set_new(s, "create_ms", json_real(r[i].create_ns / 1e6));
		json_object_set_new(s, "create_us_per_page", json_real(r[i].create_ns / 1e3 / (double)r[i].pages));
		json_object_set_new(s, "attach_ms", json_real(r[i].attach_ns / 1e6));
		json_object_set_new(s, "attach_us_per_page", json_real(r[i].attach_ns / 1e3 / (double)r[i].pages));
		json_array_append_new(sizes, s);
	}
	json_object_set_new(j, "sizes", sizes);
	json_object_set_new(j, "repeat", json_integer(b->repeat));
	json_object_set_new(mem, "region_bytes", json_integer((json_int_t)b->share));
	json_object_set_new(mem, "realms", json_integer(3));
	json_object_set_new(mem, "shared_granules", json_integer((json_int_t)shared));
	json_object_set_new(mem, "private_granules", json_integer((json_int_t)private));
	json_object_set_new(mem, "saved_fraction",
			    json_real(private ? 1.0 - (double)shared / (double)private : 0.0));
	json_object_set_new(j, "memory", mem);
	return j;
}

int bench_csm(int argc, char **argv)
{
	struct bench b = { .sizes = { UINT64_C(1) << 20, UINT64_C(64) << 20, UINT64_C(256) << 20 },
			   .num_sizes = 3, .repeat = DEFAULT_REPEAT, .share = UINT64_C(64) << 20 };
	struct size_result res[MAX_SIZES];
	struct hostsim_config hc = { .dram_size = BENCH_DRAM };
	struct vmm_measurement m;
	uint64_t shared = 0, private = 0;
	char path[4200];
	const char *why = NULL;
	int rc;

	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return CLI_OK;
	}
	if ((rc = parse(argc, argv, &b)) != CLI_OK)
		return rc;
	if (!b.image)
		b.image = cli_build_file(BENCH_IMAGE, path, sizeof(path));
	if ((rc = cli_check_input(CMD, "--image", b.image)) != CLI_OK ||
	    (realm_image_load(b.image, &b.img) != 0 && (rc = cli_usage_error(CMD, "--image %s is not a realm image", b.image)))) {
		if (b.json)
			cli_print_json(NULL, true);
		return rc ? rc : CLI_USAGE;
	}
	vmm_realm_opts_default(&b.opts);
	b.opts.mem_size = UINT64_C(2) << 20;
	b.opts.caec_flags = CAEC_REALM_CSM_EXITS;
	b.opts.ipa_bits = BENCH_IPA_BITS;
	if (vmm_measure(b.img.bytes, b.img.size, &b.opts, &m, &why) != 0) {
		rc = cli_fail(CMD, "measuring the realm image: %s", why);
	} else {
		memcpy(b.rim, m.rim, sizeof(b.rim));
		vmm_measurement_free(&m);
		if (hostsim_start(&hc) != 0)
			rc = cli_fail(CMD, "the hostsim machine did not start");
	}
	if (rc == CLI_OK) {
		vmm_init(&b.vmm);
		for (unsigned i = 0; i < b.num_sizes && rc == CLI_OK; i++) {
			if (!b.json)
				fprintf(stderr, "caec bench csm: %llu KiB ...\n", (unsigned long long)(b.sizes[i] >> 10));
			rc = bench_size(&b, b.sizes[i], &res[i]);
		}
		if (rc == CLI_OK)
			rc = bench_memory(&b, &shared, &private);
		hostsim_stop();
	}
	if (rc == CLI_OK) {
		FILE *out = b.json ? stderr : stdout;
		fprintf(out, "%10s %8s %10s %14s %10s %14s\n", "size", "pages", "create_ms", "create_us/page",
			"attach_ms", "attach_us/page");
		for (unsigned i = 0; i < b.num_sizes; i++)
			fprintf(out, "%7llu MiB %8llu %10.2f %14.3f %10.2f %14.3f\n",
				(unsigned long long)(res[i].size >> 20), (unsigned long long)res[i].pages,
				res[i].create_ns / 1e6, res[i].create_ns / 1e3 / (double)res[i].pages,
				res[i].attach_ns / 1e6, res[i].attach_ns / 1e3 / (double)res[i].pages);
		fprintf(out, "memory, 3 realms and a %llu MiB region: shared read-only %llu granules (%.1f MiB), "
			"three private copies %llu granules (%.1f MiB): sharing saves %.1f%%\n",
			(unsigned long long)(b.share >> 20), (unsigned long long)shared, (double)shared / 256.0,
			(unsigned long long)private, (double)private / 256.0,
			private ? 100.0 * (1.0 - (double)shared / (double)private) : 0.0);
	}
	if (b.json)
		cli_print_json(rc == CLI_OK ? results_json(&b, res, b.num_sizes, shared, private) : NULL, rc != CLI_OK);
	realm_image_free(&b.img);
	return rc;
}

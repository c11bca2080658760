/*
 * csm_demo: two realms on one VMM share confidential memory. The host
 *   1. measures the reader image offline (its RIM is what the writer grants),
 *   2. builds the writer with CSM exits and runs it, handing it the
 *      reader's RIM: the writer creates a region, writes a message, grants
 *      the reader's RIM and prints the region's csm_id,
 *   3. builds the reader with CSM exits and runs it, handing it the csm_id:
 *      it maps the region read-only and prints the message,
 *   4. destroys both realms (the VMM reclaims the region with the last
 *      one) and checks that no granule stayed behind.
 * Usage: csm_demo CSM_WRITER.so CSM_READER.so. Exit 0 when all of that
 * worked, 1 with one line on stderr saying what did not.
 */
#include <stdio.h>
#include <string.h>

#include "host/measure.h"
#include "host/realm_image.h"
#include "host/vmm.h"
#include "hostsim/hostsim.h"

#define DEMO_DRAM (UINT64_C(64) << 20)

struct console {
	char text[4096];
	size_t len;
};

static void capture(void *ctx, const char *bytes, size_t len)
{
	struct console *c = ctx;

	fwrite(bytes, 1, len, stdout);
	if (len > sizeof(c->text) - 1 - c->len)
		len = sizeof(c->text) - 1 - c->len;
	memcpy(c->text + c->len, bytes, len);
	c->len += len;
	c->text[c->len] = '\0';
}

static int run(struct vmm *vmm, const struct realm_image *img, const struct vmm_realm_opts *opts,
	       const uint8_t *challenge, struct console *con, struct vmm_realm **out)
{
	struct vmm_run_config cfg = { .console = capture, .console_ctx = con, .challenge = challenge };
	struct vmm_run_result res;
	struct vmm_error err = { "" };
	int ok;

	if (vmm_realm_create(vmm, img->bytes, img->size, opts, out, &err) != 0) {
		fprintf(stderr, "csm_demo: building a realm: %s\n", err.msg);
		return -1;
	}
	if (vmm_realm_run(*out, &cfg, &res) != 0) {
		fprintf(stderr, "csm_demo: no host thread for the realm\n");
		return -1;
	}
	ok = res.stop == VMM_STOP_SYSTEM_OFF && res.exit_reported && res.exit_status == 0;
	if (!ok)
		fprintf(stderr, "csm_demo: the realm ended with %s, status %llu%s%s\n", vmm_stop_reason_name(res.stop),
			(unsigned long long)res.exit_status, res.csm_error[0] ? "; " : "", res.csm_error);
	vmm_run_result_free(&res);
	return ok ? 0 : -1;
}

static int demo(struct vmm *vmm, const struct realm_image *writer, const struct realm_image *reader)
{
	struct vmm_realm_opts opts;
	struct vmm_measurement m;
	struct vmm_realm *w = NULL, *r = NULL;
	struct console con_w = { .len = 0 }, con_r = { .len = 0 };
	uint8_t ch[HOST_CALL_CHALLENGE_SIZE] = { 0 };
	unsigned long long id = 0;
	const char *why = NULL, *p;
	int rc = -1;

	vmm_realm_opts_default(&opts);
	opts.mem_size = UINT64_C(2) << 20;
	opts.caec_flags = CAEC_REALM_CSM_EXITS;
	if (vmm_measure(reader->bytes, reader->size, &opts, &m, &why) != 0) {
		fprintf(stderr, "csm_demo: measuring the reader: %s\n", why);
		return -1;
	}
	memcpy(ch, m.rim, m.hash_size);
	vmm_measurement_free(&m);
	if (run(vmm, writer, &opts, ch, &con_w, &w) == 0) {
		p = strstr(con_w.text, "region 0x");
		if (!p || sscanf(p, "region 0x%llx", &id) != 1) {
			fprintf(stderr, "csm_demo: the writer named no region\n");
		} else {
			memset(ch, 0, sizeof(ch));
			for (unsigned i = 0; i < 8; i++)
				ch[i] = (uint8_t)(id >> (8 * i));
			rc = run(vmm, reader, &opts, ch, &con_r, &r);
		}
	}
	if (vmm_realm_destroy(w) != 0 || vmm_realm_destroy(r) != 0) {
		fprintf(stderr, "csm_demo: the monitor refused a teardown step\n");
		rc = -1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct hostsim_config cfg = { .dram_size = DEMO_DRAM };
	struct realm_image writer, reader;
	struct leak_snapshot before, after;
	struct vmm vmm;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: csm_demo CSM_WRITER.so CSM_READER.so\n");
		return 2;
	}
	if (realm_image_load(argv[1], &writer) != 0 || realm_image_load(argv[2], &reader) != 0) {
		fprintf(stderr, "csm_demo: cannot load the realm images %s and %s\n", argv[1], argv[2]);
		return 1;
	}
	if (hostsim_start(&cfg) != 0) {
		fprintf(stderr, "csm_demo: the hostsim machine did not start\n");
		return 1;
	}
	vmm_init(&vmm);
	leak_snapshot_take(&vmm.ledger, &before);
	rc = demo(&vmm, &writer, &reader);
	leak_snapshot_take(&vmm.ledger, &after);
	if (rc == 0 && (!leak_snapshot_same(&before, &after) || vmm_csm_region_count(&vmm) != 0)) {
		fprintf(stderr, "csm_demo: granules leaked: %llu held, %llu in the Realm PAS\n",
			(unsigned long long)after.held, (unsigned long long)after.not_ns);
		rc = -1;
	}
	if (rc == 0)
		printf("csm_demo: both realms torn down, the region reclaimed, no granule left behind\n");
	hostsim_stop();
	realm_image_free(&writer);
	realm_image_free(&reader);
	return rc == 0 ? 0 : 1;
}

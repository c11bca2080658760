/*
 * One compliance-suite test on a fresh machine: `acs_runner TEST` starts
 * hostsim with the monitor, runs the test's host side as the suite's own
 * dispatcher does (test init, the test, the postamble that destroys what the
 * test left, as in the suite's combined build), and exits 0 when the suite
 * says passed, ACS_EXIT_SKIP when it says skipped, 1 otherwise.
 */
#include "pal_cdefs.h" /* first: the suite's headers use its __aligned */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "acs_hostsim.h"
#include "acs_realm.h"
#include "acs_tests.h"
#include "pal_interfaces.h"
#include "val_framework.h"
#include "val_host_alloc.h"
#include "val_host_realm.h"

extern uint64_t skip_for_val_logs;

static const struct acs_test *find_test(const char *name)
{
	for (unsigned i = 0; i < acs_num_tests; i++)
		if (strcmp(acs_tests[i].name, name) == 0)
			return &acs_tests[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: acs_runner TEST\ntests:");
	for (unsigned i = 0; i < acs_num_tests; i++)
		fprintf(out, " %s", acs_tests[i].name);
	fprintf(out, "\n");
}

/* The realm image where the suite's host side takes it from: its bytes at
 * PLATFORM_REALM_IMAGE_BASE (NS memory, reached at VA == PA: stores, not a
 * read(2), which would not open the host window's granules), the rest of
 * the image range zero. The top of the range is the realm's RAM. */
static int load_realm_image(void)
{
	static char bytes[ACS_REALM_IMAGE_SIZE - ACS_REALM_RAM_SIZE];
	FILE *f = fopen(ACS_REALM_IMAGE, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "acs: cannot open the realm image %s: %s\n", ACS_REALM_IMAGE,
			strerror(errno));
		return -1;
	}
	n = fread(bytes, 1, sizeof(bytes), f);
	bool too_big = n == sizeof(bytes) && fgetc(f) != EOF;
	bool failed = ferror(f);
	fclose(f);
	if (failed || too_big) {
		fprintf(stderr, "acs: %s: %s\n", ACS_REALM_IMAGE,
			too_big ? "larger than the suite's realm image range leaves room for"
				: "read error");
		return -1;
	}
	memcpy((void *)(uintptr_t)PLATFORM_REALM_IMAGE_BASE, bytes, n);
	return 0;
}

static void test_init(unsigned num, const char *name)
{
	char *shared = val_get_shared_region_base();

	val_set_security_state_flag(1);
	*(uint64_t *)(shared + PRINT_OFFSET) = UINT64_MAX;
	val_set_status(RESULT_START(VAL_STATUS_INVALID));
	val_set_curr_test_num(num);
	val_set_curr_test_name((char *)name);
	val_host_reset_mem_tack();
	val_host_mem_alloc_init();
}

/* The suite's verdict as an exit status, with one line on stderr unless
 * it passed. */
static int verdict(const char *name)
{
	uint32_t status = val_get_status();
	uint32_t state = (status >> TEST_STATE_SHIFT) & TEST_STATE_MASK;
	uint32_t code = status & TEST_STATUS_CODE_MASK;

	switch (state) {
	case TEST_PASS:
		printf("%s: passed\n", name);
		return 0;
	case TEST_SKIP:
		printf("%s: skipped (skip code %u)\n", name, code);
		return ACS_EXIT_SKIP;
	case TEST_START:
		fprintf(stderr, "acs: %s reported no result\n", name);
		return 1;
	case TEST_ERROR:
		fprintf(stderr, "acs: %s: error (code %u)\n", name, code);
		return 1;
	default:
		fprintf(stderr, "acs: %s: failed at check point %u\n", name, code);
		return 1;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "--help") == 0) {
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	const struct acs_test *t = find_test(argv[1]);
	if (!t) {
		fprintf(stderr, "acs: no test named '%s' in this build\n", argv[1]);
		usage(stderr);
		return 2;
	}
	if (acs_machine_start(ACS_HOSTSIM_DRAM_SIZE, ACS_HOSTSIM_ROOT_GRANULES) != 0)
		return 1;
	if (load_realm_image() != 0) {
		acs_machine_stop();
		return 1;
	}

	test_init((unsigned)(t - acs_tests) + 1, t->name);
	pal_watchdog_enable();
	skip_for_val_logs = 1;
	t->host_fn();
	skip_for_val_logs = 0;
	if (val_host_postamble()) {
		LOG(ERROR, "\tval_host_postamble failed\n", 0, 0);
		val_set_status(RESULT_FAIL(VAL_ERROR));
	}
	pal_watchdog_disable();

	int rc = verdict(t->name);
	acs_machine_stop();
	return rc;
}

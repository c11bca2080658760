/* sdk_policy_read: a blob the policy compiler made reads back as its source
 * said; one the monitor's parser refuses is refused with its reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sdk/csm.h"
#include "sdk/policy.h"
#include "verify/policy.h"

static const char source[] =
	"{\"version\": 1, \"self\": \"agent\","
	" \"realms\": {\"agent\": {\"rim\": \"" "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" "\"},"
	"             \"llm\": {\"rim\": \"" "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2" "\"}},"
	" \"channels\": {\"prompt\": {\"owner\": \"agent\", \"pages\": 16,"
	"                            \"members\": {\"agent\": \"rw\", \"llm\": \"r\"}}}}";

static size_t compile(uint64_t *blob, size_t cap)
{
	json_error_t je;
	json_t *root = json_loads(source, 0, &je);
	struct policy_source src;
	struct policy_err err = { "" };
	size_t len = 0;

	assert_non_null(root);
	if (policy_source_from_json(root, ".", NULL, NULL, &src, &err) != 0 ||
	    policy_compile(&src, -1, (uint8_t *)blob, cap, &len, &err) != 0)
		fail_msg("the test policy does not compile: %s", err.msg);
	json_decref(root);
	return len;
}

static void test_reads_what_the_source_says(void **state)
{
	static uint64_t blob[POLICY_MAX_SIZE / 8];
	size_t len = compile(blob, sizeof(blob));
	struct sdk_policy p;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sdk_policy_read(blob, len, &p, &why), 0);
	assert_int_equal(p.hdr->num_realms, 2);
	assert_int_equal(p.hdr->num_channels, 1);
	size_t n;
	const char *name = sdk_policy_realm_name(&p, p.hdr->self, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(name, "agent", 5);
	name = sdk_policy_realm_name(&p, 1, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(name, "llm", 3);
	name = sdk_policy_channel_name(&p, 0, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(name, "prompt", 6);
	assert_int_equal(p.channels[0].pages, 16);
	assert_int_equal(p.channels[0].perms[1], CSM_PERM_READ);
	assert_int_equal(p.realms[1].rim_size, 32);
	assert_int_equal(p.realms[1].rim[0], 0xb2);
}

static void test_refuses_what_the_monitor_refuses(void **state)
{
	static uint64_t blob[POLICY_MAX_SIZE / 8];
	size_t len = compile(blob, sizeof(blob));
	struct sdk_policy p;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sdk_policy_read(blob, len - 8, &p, &why), SDK_CSM_INVALID);
	assert_non_null(why);
	assert_int_equal(sdk_policy_read(NULL, len, &p, &why), SDK_CSM_INVALID);
	((uint8_t *)blob)[0] ^= 1; /* the magic */
	why = NULL;
	assert_int_equal(sdk_policy_read(blob, len, &p, &why), SDK_CSM_INVALID);
	assert_non_null(why);
	/* Every single flipped byte is refused or reads as a canonical blob. */
	((uint8_t *)blob)[0] ^= 1;
	for (size_t i = 0; i < len; i++) {
		((uint8_t *)blob)[i] ^= 0x80;
		int r = sdk_policy_read(blob, len, &p, &why);
		assert_true(r == 0 || r == SDK_CSM_INVALID);
		if (r == 0)
			assert_true(p.hdr->num_realms <= POLICY_MAX_REALMS && p.hdr->num_channels <= POLICY_MAX_CHANNELS);
		((uint8_t *)blob)[i] ^= 0x80;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_what_the_source_says),
		cmocka_unit_test(test_refuses_what_the_monitor_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

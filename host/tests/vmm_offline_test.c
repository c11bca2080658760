/*
 * The VMM's pieces that need no machine: option validation and layout, the
 * offline measurement and its JSON log (recomputed here independently from
 * the log alone), the RTT set, and the host-call numbers both sides share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "host/host_call_abi.h"
#include "host/measure.h"
#include "sdk/host_call.h"
#include "vmm_test_util.h"
#include "../src/rtt_set.h"

_Static_assert(HOST_CALL_CONSOLE == SDK_HOST_CALL_CONSOLE, "console");
_Static_assert(HOST_CALL_EXIT_STATUS == SDK_HOST_CALL_EXIT_STATUS, "exit status");
_Static_assert(HOST_CALL_CHALLENGE == SDK_HOST_CALL_CHALLENGE, "challenge");
_Static_assert(HOST_CALL_TOKEN_REPORT == SDK_HOST_CALL_TOKEN_REPORT, "token report");
_Static_assert(HOST_CALL_DOORBELL == SDK_HOST_CALL_DOORBELL, "doorbell");
_Static_assert(HOST_DOORBELL_RING == SDK_DOORBELL_RING && HOST_DOORBELL_WAIT == SDK_DOORBELL_WAIT,
	       "doorbell ops");
_Static_assert(HOST_DOORBELL_RING_SHARED == SDK_DOORBELL_RING_SHARED &&
	       HOST_DOORBELL_WAIT_SHARED == SDK_DOORBELL_WAIT_SHARED, "shared doorbell ops");
_Static_assert(HOST_CALL_APP_FIRST == SDK_HOST_CALL_APP_FIRST && HOST_CALL_APP_LAST == SDK_HOST_CALL_APP_LAST,
	       "application calls");
_Static_assert(HOST_CALL_ERROR == SDK_HOST_CALL_ERROR, "error value");
_Static_assert(HOST_CALL_CONSOLE_MAX == SDK_CONSOLE_CHUNK, "console chunk");
_Static_assert(HOST_CALL_TOKEN_CHUNK_MAX == SDK_TOKEN_CHUNK, "token chunk");
_Static_assert(HOST_CALL_CHALLENGE_SIZE == SDK_CHALLENGE_SIZE, "challenge size");

static void test_layout_rejects_each_bad_option(void **state)
{
	struct vmm_realm_opts o;
	struct vmm_layout l;
	const char *why;

	(void)state;
#define REJECT(field, value, err_)                                            \
	do {                                                                  \
		vmm_realm_opts_default(&o);                                   \
		o.field = value;                                              \
		why = NULL;                                                   \
		assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), err_); \
		assert_non_null(why);                                         \
	} while (0)
	REJECT(ipa_bits, 31, -EINVAL);
	REJECT(ipa_bits, 49, -EINVAL);
	REJECT(vcpus, 0, -EINVAL);
	REJECT(vcpus, VMM_MAX_VCPUS + 1, -EINVAL);
	REJECT(hash_algo, 2, -EINVAL);
	REJECT(mem_size, 4097, -EINVAL);
	REJECT(mem_size, VMM_MIN_MEM_SIZE - 4096, -EINVAL);
	REJECT(mem_size, VMM_MAX_MEM_SIZE + 4096, -EINVAL);
	REJECT(image_base, 0x800, -EINVAL);
	REJECT(image_base, (UINT64_C(1) << 38) - 4096, -E2BIG); /* 39-bit: protected half is 2^38 */
	vmm_realm_opts_default(&o);
	assert_int_equal(vmm_layout_compute(&o, 0, &l, &why), -EINVAL);
	assert_int_equal(vmm_layout_compute(&o, VMM_MAX_IMAGE_SIZE + 1, &l, &why), -EINVAL);
	o.ipa_bits = 32;
	o.mem_size = VMM_MAX_MEM_SIZE; /* 4 GiB cannot fit a 2 GiB protected half */
	assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), -E2BIG);
	/* Host data: bounded, present when sized, and counted in the fit. */
	static const uint8_t byte;
	vmm_realm_opts_default(&o);
	o.host_data = &byte;
	o.host_data_size = VMM_MAX_IMAGE_SIZE + 1;
	assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), -EINVAL);
	o.host_data = NULL;
	o.host_data_size = 1;
	assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), -EINVAL);
	o.host_data = &byte;
	o.ipa_bits = 32;
	o.mem_size = (UINT64_C(2) << 30) - 4096; /* image and RAM fill the half; host data does not fit */
	assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), -E2BIG);
	o.host_data_size = 0;
	assert_int_equal(vmm_layout_compute(&o, 4096, &l, &why), 0);
#undef REJECT
}

static void test_layout_and_boot_registers(void **state)
{
	struct vmm_realm_opts o;
	struct vmm_layout l;
	struct rmi_rec_params p;

	(void)state;
	vmm_realm_opts_default(&o);
	o.image_base = 0x200000;
	o.vcpus = 3;
	assert_int_equal(vmm_layout_compute(&o, 5000, &l, NULL), 0);
	assert_int_equal(l.image_span, 8192);
	assert_int_equal(l.ram_base, 0x202000);
	assert_int_equal(l.top, 0x202000 + VMM_DEFAULT_MEM_SIZE);
	assert_int_equal(l.rtt_level_start, 1);
	assert_int_equal(l.rtt_num_start, 1);
	vmm_layout_rec_params(&l, 0, &p);
	assert_int_equal(p.flags, RMI_REC_FLAG_RUNNABLE);
	assert_int_equal(p.pc, 0x200000);
	uint64_t want[8] = { 0x200000, 5000, 0x202000, VMM_DEFAULT_MEM_SIZE, 3, 0, 0, 0 };
	assert_memory_equal(p.gprs, want, sizeof(want));
	vmm_layout_rec_params(&l, 2, &p);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.mpidr, 2);
	assert_int_equal(vmm_vcpu_mpidr(17), 0x101);
	/* Root geometry: concatenated tables for widths just above a level. */
	o.image_base = 0;
	o.ipa_bits = 40;
	assert_int_equal(vmm_layout_compute(&o, 1, &l, NULL), 0);
	assert_int_equal(l.rtt_level_start, 1);
	assert_int_equal(l.rtt_num_start, 2);
	o.ipa_bits = 32;
	o.mem_size = 1 << 20;
	assert_int_equal(vmm_layout_compute(&o, 1, &l, NULL), 0);
	assert_int_equal(l.rtt_level_start, 2);
	assert_int_equal(l.rtt_num_start, 4);
	o.ipa_bits = 48;
	assert_int_equal(vmm_layout_compute(&o, 1, &l, NULL), 0);
	assert_int_equal(l.rtt_level_start, 0);
	assert_int_equal(l.rtt_num_start, 1);
}

static void hexdecode(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void put64(uint8_t *d, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

/* Recomputes the RIM from the JSON log alone, as a verifier would, with the
 * image bytes to check each DATA content hash. */
static void recompute_from_log(json_t *root, const uint8_t *image, size_t image_size, size_t hs,
			       const EVP_MD *md)
{
	json_t *log = json_object_get(root, "log");
	uint8_t rim[64] = { 0 }, desc[0x100], big[4096], h[64];
	unsigned n;

	assert_true(json_is_array(log));
	for (size_t i = 0; i < json_array_size(log); i++) {
		json_t *s = json_array_get(log, i);
		const char *type = json_string_value(json_object_get(s, "type"));

		memset(desc, 0, sizeof(desc));
		put64(desc + 0x08, 0x100);
		memcpy(desc + 0x10, rim, 64);
		if (i == 0) {
			assert_string_equal(type, "realm");
			memset(big, 0, sizeof(big));
			put64(big, num(s, "flags"));
			big[8] = (uint8_t)num(s, "s2sz");
			put64(big + 0x10, num(s, "sve_vl"));
			put64(big + 0x18, num(s, "num_bps"));
			put64(big + 0x20, num(s, "num_wps"));
			put64(big + 0x28, num(s, "pmu_num_ctrs"));
			const char *algo = json_string_value(json_object_get(s, "hash_algo"));
			assert_non_null(algo);
			put64(big + 0x30, !strcmp(algo, "sha512") ? RMI_HASH_SHA_512 : RMI_HASH_SHA_256);
			memset(rim, 0, 64);
			EVP_Digest(big, sizeof(big), rim, &n, md, NULL);
		} else if (!strcmp(type, "caec_config")) {
			assert_int_equal(i, 1); /* right after the realm's parameters */
			put64(desc, 0x80);
			put64(desc + 0x50, num(s, "flags"));
		} else if (!strcmp(type, "ripas")) {
			put64(desc, 2);
			put64(desc + 0x50, num(s, "base"));
			put64(desc + 0x58, num(s, "top"));
		} else if (!strcmp(type, "data")) {
			uint64_t ipa = num(s, "ipa");
			memset(big, 0, sizeof(big));
			if (ipa < image_size)
				memcpy(big, image + ipa, image_size - ipa < 4096 ? image_size - ipa : 4096);
			EVP_Digest(big, sizeof(big), h, &n, md, NULL);
			uint8_t claimed[64];
			hexdecode(json_string_value(json_object_get(s, "content")), claimed, hs);
			assert_memory_equal(claimed, h, hs);
			put64(desc, 0);
			put64(desc + 0x50, ipa);
			put64(desc + 0x58, num(s, "flags"));
			memcpy(desc + 0x60, h, hs);
		} else {
			assert_string_equal(type, "rec");
			json_t *g = json_object_get(s, "gprs");
			assert_int_equal(json_array_size(g), 8);
			memset(big, 0, sizeof(big));
			put64(big, num(s, "flags"));
			put64(big + 0x200, num(s, "pc"));
			for (size_t k = 0; k < 8; k++)
				put64(big + 0x300 + 8 * k, (uint64_t)json_integer_value(json_array_get(g, k)));
			EVP_Digest(big, sizeof(big), h, &n, md, NULL);
			put64(desc, 1);
			memcpy(desc + 0x50, h, hs);
		}
		if (i > 0) {
			memset(rim, 0, 64);
			EVP_Digest(desc, sizeof(desc), rim, &n, md, NULL);
		}
		uint8_t after[64];
		hexdecode(json_string_value(json_object_get(s, "rim")), after, hs);
		assert_memory_equal(after, rim, hs);
	}
	uint8_t final[64];
	hexdecode(json_string_value(json_object_get(root, "rim")), final, hs);
	assert_memory_equal(final, rim, hs);
}

static void test_log_recomputes_rim(void **state)
{
	const unsigned algos[] = { RMI_HASH_SHA_256, RMI_HASH_SHA_512 };

	(void)state;
	for (size_t a = 0; a < 2; a++) {
		struct vmm_realm_opts o;
		struct vmm_measurement m;
		uint8_t *img = vmm_test_fake_image(10000, 4);

		vmm_realm_opts_default(&o);
		o.hash_algo = algos[a];
		o.mem_size = (UINT64_C(2) << 20) + 8192; /* not a whole 2 MiB block */
		o.vcpus = 2;
		assert_int_equal(vmm_measure(img, 10000, &o, &m, NULL), 0);
		assert_int_equal(m.hash_size, a ? 64 : 32);
		/* realm, RIPAS steps, 3 image granules, one REC (vCPU 1 is not measured). */
		assert_int_equal(m.steps[0].type, VMM_STEP_REALM);
		assert_int_equal(m.steps[m.nsteps - 1].type, VMM_STEP_REC);
		assert_int_equal(m.steps[m.nsteps - 2].type, VMM_STEP_DATA);
		assert_int_equal(m.steps[m.nsteps - 4].type, VMM_STEP_DATA);
		assert_int_equal(m.steps[m.nsteps - 5].type, VMM_STEP_RIPAS);
		/* RIPAS steps tile [image_base, top) in order, each one RTT entry. */
		uint64_t at = 0;
		for (size_t i = 1; m.steps[i].type == VMM_STEP_RIPAS; i++) {
			uint64_t size = m.steps[i].top - m.steps[i].base;
			assert_int_equal(m.steps[i].base, at);
			assert_true(size == 4096 || size == (2u << 20));
			assert_int_equal(m.steps[i].base % size, 0);
			at = m.steps[i].top;
		}
		assert_int_equal(at, 12288 + o.mem_size);
		json_t *j = vmm_measurement_to_json(&m);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "hash_algo")), a ? "sha512" : "sha256");
		recompute_from_log(j, img, 10000, m.hash_size, a ? EVP_sha512() : EVP_sha256());
		json_decref(j);
		vmm_measurement_free(&m);
		free(img);
	}
}

/* A realm built with CAEC flags: the configuration step in the log, second,
 * with its flags; the log still recomputes the RIM. */
static void test_log_shows_caec_config(void **state)
{
	struct vmm_realm_opts o;
	struct vmm_measurement m;
	uint8_t *img = vmm_test_fake_image(6000, 9);

	(void)state;
	vmm_realm_opts_default(&o);
	o.mem_size = UINT64_C(1) << 20;
	o.caec_flags = CAEC_REALM_CSM_EXITS;
	assert_int_equal(vmm_measure(img, 6000, &o, &m, NULL), 0);
	json_t *j = vmm_measurement_to_json(&m);
	assert_non_null(j);
	json_t *step = json_array_get(json_object_get(j, "log"), 1);
	assert_string_equal(json_string_value(json_object_get(step, "type")), "caec_config");
	assert_int_equal(num(step, "flags"), CAEC_REALM_CSM_EXITS);
	recompute_from_log(j, img, 6000, m.hash_size, EVP_sha256());
	json_decref(j);
	vmm_measurement_free(&m);
	free(img);
}

static void test_measure_refuses_bad_options(void **state)
{
	struct vmm_realm_opts o;
	struct vmm_measurement m;
	const char *why = NULL;
	uint8_t img[16] = "\177ELF";

	(void)state;
	vmm_realm_opts_default(&o);
	o.hash_algo = 7;
	assert_int_equal(vmm_measure(img, sizeof(img), &o, &m, &why), -EINVAL);
	assert_non_null(why);
	assert_null(m.steps);
	assert_int_equal(m.nsteps, 0);
}

static void visit_count(int level, uint64_t ipa, uint64_t pa, void *ctx)
{
	(void)level;
	(void)ipa;
	*(uint64_t *)ctx += pa;
}

static void test_rtt_set(void **state)
{
	struct rtt_set s;
	uint64_t pa, sum = 0, want = 0;

	(void)state;
	rtt_set_init(&s);
	assert_false(rtt_set_find(&s, 3, 0, &pa));
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(rtt_set_add(&s, 3, i << 21, 0x1000 + i), 0);
		want += 0x1000 + i;
	}
	assert_int_equal(rtt_set_add(&s, 2, 0, 0x9000), 0);
	want += 0x9000;
	assert_int_equal(s.count, 1001);
	/* Any IPA inside the table's range finds it; another level does not. */
	assert_true(rtt_set_find(&s, 3, (5u << 21) + 0x1234, &pa));
	assert_int_equal(pa, 0x1005);
	assert_true(rtt_set_find(&s, 2, 0x3fffffff, &pa));
	assert_int_equal(pa, 0x9000);
	assert_false(rtt_set_find(&s, 2, 1u << 30, &pa));
	rtt_set_each(&s, visit_count, &sum);
	assert_int_equal(sum, want);
	for (uint64_t i = 0; i < 1000; i += 2)
		assert_true(rtt_set_remove(&s, 3, i << 21));
	assert_false(rtt_set_remove(&s, 3, 0));
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(rtt_set_find(&s, 3, i << 21, NULL), i % 2 == 1);
	assert_int_equal(s.count, 501);
	rtt_set_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_rejects_each_bad_option),
		cmocka_unit_test(test_layout_and_boot_registers),
		cmocka_unit_test(test_log_recomputes_rim),
		cmocka_unit_test(test_log_shows_caec_config),
		cmocka_unit_test(test_measure_refuses_bad_options),
		cmocka_unit_test(test_rtt_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

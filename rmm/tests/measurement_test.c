/*
 * Measurement descriptors and RIM/REM arithmetic, against digests computed
 * here with OpenSSL from the layout in the specification.
 */
#include "measurement.h"
#include "rmm_test_util.h"

static const unsigned algos[] = { RMI_HASH_SHA_256, RMI_HASH_SHA_512 };

static void test_hash_sizes_and_padding(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_int_equal(measurement_hash_size(RMI_HASH_SHA_256), 32);
	assert_int_equal(measurement_hash_size(RMI_HASH_SHA_512), 64);
	assert_int_equal(measurement_hash_size(2), 0);
	memset(out, 0xff, sizeof(out));
	measurement_hash(RMI_HASH_SHA_256, "abc", 3, out);
	for (unsigned i = 32; i < 64; i++)
		assert_int_equal(out[i], 0); /* SHA-256 slot: 32 significant bytes, rest zero */
}

static void test_rim_init_measures_only_listed_fields(void **state)
{
	struct rmi_realm_params p = { 0 }, image = { 0 };
	uint8_t rim[64], expect[64];

	(void)state;
	for (unsigned a = 0; a < 2; a++) {
		memset(&p, 0x5a, sizeof(p));
		p.flags = 0;
		p.s2sz = 44;
		p.sve_vl = 1;
		p.num_bps = 2;
		p.num_wps = 3;
		p.pmu_num_ctrs = 4;
		p.hash_algo = algos[a];
		memset(&image, 0, sizeof(image));
		image.s2sz = 44;
		image.sve_vl = 1;
		image.num_bps = 2;
		image.num_wps = 3;
		image.pmu_num_ctrs = 4;
		image.hash_algo = algos[a];
		measurement_rim_init(algos[a], &p, rim);
		test_hash(algos[a], &image, sizeof(image), expect);
		assert_memory_equal(rim, expect, 64);
		/* RPV, VMID and RTT geometry are not measured. */
		memset(p.rpv, 0x11, sizeof(p.rpv));
		p.vmid = 99;
		p.rtt_base = 0x1234000;
		measurement_rim_init(algos[a], &p, rim);
		assert_memory_equal(rim, expect, 64);
	}
}

static void test_descriptor_layouts(void **state)
{
	uint8_t rim[64], hash[64], desc[0x100], expect[0x100];

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		rim[i] = (uint8_t)i;
		hash[i] = (uint8_t)(0x80 + i);
	}
	measurement_data_desc(desc, rim, 0x7000, 1, hash);
	memset(expect, 0, sizeof(expect));
	test_put64(expect, 0);
	test_put64(expect + 8, 0x100);
	memcpy(expect + 0x10, rim, 64);
	test_put64(expect + 0x50, 0x7000);
	test_put64(expect + 0x58, 1);
	memcpy(expect + 0x60, hash, 64);
	assert_memory_equal(desc, expect, sizeof(expect));

	measurement_data_desc(desc, rim, 0x7000, 0, NULL);
	memset(expect + 0x60, 0, 64);
	test_put64(expect + 0x58, 0);
	assert_memory_equal(desc, expect, sizeof(expect));

	measurement_rec_desc(desc, rim, hash);
	memset(expect, 0, sizeof(expect));
	test_put64(expect, 1);
	test_put64(expect + 8, 0x100);
	memcpy(expect + 0x10, rim, 64);
	memcpy(expect + 0x50, hash, 64);
	assert_memory_equal(desc, expect, sizeof(expect));

	measurement_ripas_desc(desc, rim, 0x200000, 0x400000);
	memset(expect, 0, sizeof(expect));
	test_put64(expect, 2);
	test_put64(expect + 8, 0x100);
	memcpy(expect + 0x10, rim, 64);
	test_put64(expect + 0x50, 0x200000);
	test_put64(expect + 0x58, 0x400000);
	assert_memory_equal(desc, expect, sizeof(expect));
}

static void test_extensions_match_openssl(void **state)
{
	static uint8_t page[4096];
	struct rmi_rec_params rp, image;
	uint8_t rim[64], expect[64], desc[0x100], h[64];

	(void)state;
	for (unsigned i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i ^ 0x3c);
	for (unsigned a = 0; a < 2; a++) {
		unsigned algo = algos[a];

		memset(rim, 0x42, sizeof(rim));
		if (algo == RMI_HASH_SHA_256)
			memset(rim + 32, 0, 32);
		memcpy(expect, rim, 64);
		measurement_extend_data(algo, rim, 0x3000, 1, page);
		test_hash(algo, page, sizeof(page), h);
		memset(desc, 0, sizeof(desc));
		test_put64(desc + 8, 0x100);
		memcpy(desc + 0x10, expect, 64);
		test_put64(desc + 0x50, 0x3000);
		test_put64(desc + 0x58, 1);
		memcpy(desc + 0x60, h, 64);
		test_hash(algo, desc, sizeof(desc), expect);
		assert_memory_equal(rim, expect, 64);

		measurement_extend_ripas(algo, rim, 0, 0x1000);
		memset(desc, 0, sizeof(desc));
		test_put64(desc, 2);
		test_put64(desc + 8, 0x100);
		memcpy(desc + 0x10, expect, 64);
		test_put64(desc + 0x58, 0x1000);
		test_hash(algo, desc, sizeof(desc), expect);
		assert_memory_equal(rim, expect, 64);

		memset(&rp, 0x77, sizeof(rp)); /* mpidr, num_aux, aux are not measured */
		rp.flags = RMI_REC_FLAG_RUNNABLE;
		memset(&image, 0, sizeof(image));
		image.flags = rp.flags;
		image.pc = rp.pc;
		memcpy(image.gprs, rp.gprs, sizeof(rp.gprs));
		measurement_extend_rec(algo, rim, &rp);
		test_hash(algo, &image, sizeof(image), h);
		memset(desc, 0, sizeof(desc));
		test_put64(desc, 1);
		test_put64(desc + 8, 0x100);
		memcpy(desc + 0x10, expect, 64);
		memcpy(desc + 0x50, h, 64);
		test_hash(algo, desc, sizeof(desc), expect);
		assert_memory_equal(rim, expect, 64);
	}
}

static void test_rem_extend(void **state)
{
	uint8_t rem[64] = { 0 }, buf[128], expect[64], value[64];

	(void)state;
	for (unsigned a = 0; a < 2; a++) {
		size_t hs = measurement_hash_size(algos[a]);

		memset(rem, 0, sizeof(rem));
		memset(value, 0xee, sizeof(value));
		measurement_extend_rem(algos[a], rem, value, 17);
		memset(buf, 0, sizeof(buf));
		memcpy(buf + hs, value, 17);
		test_hash(algos[a], buf, hs + 17, expect);
		assert_memory_equal(rem, expect, 64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_sizes_and_padding),
		cmocka_unit_test(test_rim_init_measures_only_listed_fields),
		cmocka_unit_test(test_descriptor_layouts),
		cmocka_unit_test(test_extensions_match_openssl),
		cmocka_unit_test(test_rem_extend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

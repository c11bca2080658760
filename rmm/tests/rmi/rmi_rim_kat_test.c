/*
 * Known-answer test of the Realm Initial Measurement.
 *
 * The test builds a realm through RMI and computes, on its own with OpenSSL,
 * the RIM the specification's descriptors give (rmm-abi.md, "Measurement"):
 *   RIM0 = H(4 KiB zero image of RmiRealmParams with only flags (u64), s2sz,
 *            sve_vl, num_bps, num_wps, pmu_num_ctrs, hash_algo (u8 each))
 *   RIM  = H(0x100-byte descriptor holding the previous RIM) per
 *          RIPAS entry (type 2), DATA granule (type 0), runnable REC (type 1).
 * It compares after every step, with SHA-256 and SHA-512.
 */
#include "rmi_harness.h"

#include <string.h>

#include <openssl/evp.h>

#include "rmm/rmm.h"

#define DESC_SIZE 0x100

enum { DESC_DATA = 0, DESC_REC = 1, DESC_RIPAS = 2 };

struct kat {
	unsigned algo;
	size_t len;
	uint8_t rim[64];
};

static void hash(const struct kat *k, const void *data, size_t n, uint8_t out[64])
{
	unsigned int len = 0;
	memset(out, 0, 64);
	assert_int_equal(EVP_Digest(data, n, out, &len,
				    k->algo == RMI_HASH_SHA_512 ? EVP_sha512() : EVP_sha256(), NULL), 1);
	assert_int_equal(len, k->len);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v)); /* the host is little-endian, as the ABI */
}

static void kat_init(struct kat *k, const struct realm_cfg *cfg)
{
	uint8_t image[GRANULE];
	memset(image, 0, sizeof(image));
	k->algo = (unsigned)cfg->hash_algo;
	k->len = k->algo == RMI_HASH_SHA_512 ? 64 : 32;
	put64(image + 0x00, cfg->flags);
	image[0x08] = cfg->s2sz;
	/* One byte each: the specification's widths (UInt8). */
	image[0x10] = (uint8_t)cfg->sve_vl;
	image[0x18] = (uint8_t)cfg->num_bps;
	image[0x20] = (uint8_t)cfg->num_wps;
	image[0x28] = (uint8_t)cfg->pmu_num_ctrs;
	image[0x30] = (uint8_t)cfg->hash_algo;
	hash(k, image, sizeof(image), k->rim);
}

static void kat_extend(struct kat *k, uint8_t desc[DESC_SIZE], uint64_t type)
{
	put64(desc + 0x00, type);
	put64(desc + 0x08, DESC_SIZE);
	memcpy(desc + 0x10, k->rim, 64);
	hash(k, desc, DESC_SIZE, k->rim);
}

static void kat_ripas(struct kat *k, uint64_t base, uint64_t top)
{
	uint8_t d[DESC_SIZE] = { 0 };
	put64(d + 0x50, base);
	put64(d + 0x58, top);
	kat_extend(k, d, DESC_RIPAS);
}

static void kat_data(struct kat *k, uint64_t ipa, uint64_t flags, const uint8_t content[GRANULE])
{
	uint8_t d[DESC_SIZE] = { 0 };
	put64(d + 0x50, ipa);
	put64(d + 0x58, flags);
	if (flags == RMI_MEASURE_CONTENT)
		hash(k, content, GRANULE, d + 0x60);
	kat_extend(k, d, DESC_DATA);
}

static void kat_rec(struct kat *k, const struct rec_cfg *rc)
{
	uint8_t image[GRANULE];
	memset(image, 0, sizeof(image));
	put64(image + 0x000, rc->flags);
	put64(image + 0x200, rc->pc);
	for (unsigned i = 0; i < RMI_REC_PARAMS_GPRS; i++)
		put64(image + 0x300 + 8 * i, rc->gprs[i]);
	uint8_t d[DESC_SIZE] = { 0 };
	hash(k, image, sizeof(image), d + 0x50);
	kat_extend(k, d, DESC_REC);
}

static void expect_rim(const struct realm *r, const struct kat *k, const char *step)
{
	struct rmm_debug_realm info;
	assert_true(rmm_debug_realm(r->rd, &info));
	if (memcmp(info.rim, k->rim, 64) != 0) {
		print_error("RIM mismatch after %s (%s)\n", step, k->algo ? "SHA-512" : "SHA-256");
		fail();
	}
}

/* INIT_RIPAS base..top where every RTT entry in the range is entry_size
 * bytes; the calls may stop early (end of a table), the descriptors don't. */
static void init_ripas(struct realm *r, struct kat *k, uint64_t base, uint64_t top, uint64_t entry_size)
{
	realm_init_ripas(r, base, top);
	for (uint64_t a = base; a < top; a += entry_size)
		kat_ripas(k, a, a + entry_size);
	expect_rim(r, k, "RTT_INIT_RIPAS");
}

static void fill(uint8_t *buf, unsigned seed)
{
	for (size_t i = 0; i < GRANULE; i++)
		buf[i] = (uint8_t)((i * 31 + seed * 17) ^ (i >> 7));
}

static void kat_realm_cfg(struct realm_cfg *cfg, unsigned algo)
{
	struct rmi_features f = rmi_features();
	realm_cfg_default(cfg);
	cfg->hash_algo = algo;
	if (f.sve) {
		cfg->flags |= RMI_REALM_FLAG_SVE;
		cfg->sve_vl = f.sve_vl;
	}
	if (f.pmu) {
		cfg->flags |= RMI_REALM_FLAG_PMU;
		cfg->pmu_num_ctrs = f.pmu_num_ctrs < 3 ? f.pmu_num_ctrs : 3;
	}
	/* As a VMM asks (KVM does the same): the most the monitor offers. */
	cfg->num_bps = f.num_bps;
	cfg->num_wps = f.num_wps;
	for (unsigned i = 0; i < RMI_RPV_SIZE; i++)
		cfg->rpv[i] = (uint8_t)(0x5c ^ (i * 3));
}

static void rim_kat(unsigned algo)
{
	struct realm_cfg cfg;
	kat_realm_cfg(&cfg, algo);
	struct kat k;
	kat_init(&k, &cfg);
	struct realm *r = realm_new(&cfg);
	expect_rim(r, &k, "REALM_CREATE");

	struct rmm_debug_realm info;
	assert_true(rmm_debug_realm(r->rd, &info));
	assert_int_equal(info.hash_algo, algo);
	assert_memory_equal(info.rpv, cfg.rpv, RMI_RPV_SIZE);

	realm_rtt_map(r, 0, 3);
	realm_rtt_map(r, SZ_2M, 3);
	/* RIPAS over level-3 entries, across two level-3 tables, over level-2
	 * entries and over a level-1 entry. */
	init_ripas(r, &k, 0, 0x6000, GRANULE);
	init_ripas(r, &k, SZ_2M - 0x2000, SZ_2M + 0x3000, GRANULE);
	init_ripas(r, &k, 2 * SZ_2M, 4 * SZ_2M, SZ_2M);
	init_ripas(r, &k, SZ_1G, 2 * SZ_1G, SZ_1G);

	/* Measured and unmeasured DATA, ascending IPA. */
	static const struct { uint64_t ipa, flags; } pages[] = {
		{ 0x0000, RMI_MEASURE_CONTENT },
		{ 0x1000, RMI_MEASURE_CONTENT },
		{ 0x2000, RMI_NO_MEASURE_CONTENT },
		{ 0x5000, RMI_MEASURE_CONTENT },
		{ SZ_2M + 0x1000, RMI_MEASURE_CONTENT },
	};
	uint8_t content[GRANULE];
	for (unsigned i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		fill(content, i + 1);
		realm_data_create(r, pages[i].ipa, content, pages[i].flags);
		kat_data(&k, pages[i].ipa, pages[i].flags, content);
		expect_rim(r, &k, "DATA_CREATE");
	}
	/* DATA_CREATE_UNKNOWN is not measured. */
	realm_data_create_unknown(r, 0x9000);
	expect_rim(r, &k, "DATA_CREATE_UNKNOWN");

	/* A runnable REC is measured, a parked one is not. */
	struct rec_cfg rec0 = { .flags = RMI_REC_FLAG_RUNNABLE, .pc = 0x80000,
				.gprs = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0x8888 } };
	realm_rec_create(r, &rec0);
	kat_rec(&k, &rec0);
	expect_rim(r, &k, "REC_CREATE (runnable)");
	struct rec_cfg rec1 = { .flags = 0, .pc = 0x90000, .gprs = { 9, 9, 9 } };
	realm_rec_create(r, &rec1);
	expect_rim(r, &k, "REC_CREATE (not runnable)");

	realm_activate(r);
	expect_rim(r, &k, "REALM_ACTIVATE");
	assert_true(rmm_debug_realm(r->rd, &info));
	uint8_t zero[64] = { 0 };
	for (int i = 0; i < 4; i++)
		assert_memory_equal(info.rem[i], zero, 64);
	if (algo == RMI_HASH_SHA_256)
		assert_memory_equal(info.rim + 32, zero, 32);
	realm_teardown(r);
}

static void test_rim_kat_sha256(void **state)
{
	(void)state;
	rim_kat(RMI_HASH_SHA_256);
}

static void test_rim_kat_sha512(void **state)
{
	(void)state;
	rim_kat(RMI_HASH_SHA_512);
}

/* The RPV is reported as given and is not measured: two realms differing
 * only in RPV (and VMID, RTT base) have the same RIM. */
static void rpv_not_measured(unsigned algo)
{
	struct realm_cfg a, b;
	kat_realm_cfg(&a, algo);
	kat_realm_cfg(&b, algo);
	for (unsigned i = 0; i < RMI_RPV_SIZE; i++)
		b.rpv[i] = (uint8_t)~a.rpv[i];
	struct realm *ra = realm_new(&a);
	struct realm *rb = realm_new(&b);
	struct kat k;
	kat_init(&k, &a);
	expect_rim(ra, &k, "REALM_CREATE (RPV a)");
	expect_rim(rb, &k, "REALM_CREATE (RPV b)");
	struct rmm_debug_realm ia, ib;
	assert_true(rmm_debug_realm(ra->rd, &ia));
	assert_true(rmm_debug_realm(rb->rd, &ib));
	assert_memory_equal(ia.rpv, a.rpv, RMI_RPV_SIZE);
	assert_memory_equal(ib.rpv, b.rpv, RMI_RPV_SIZE);
	assert_memory_equal(ia.rim, ib.rim, 64);

	/* The same build steps keep them equal. */
	struct realm *rs[2] = { ra, rb };
	for (int i = 0; i < 2; i++) {
		realm_rtt_map(rs[i], 0, 3);
		realm_init_ripas(rs[i], 0, 0x2000);
		uint8_t content[GRANULE];
		fill(content, 7);
		realm_data_create(rs[i], 0, content, RMI_MEASURE_CONTENT);
		realm_activate(rs[i]);
	}
	assert_true(rmm_debug_realm(ra->rd, &ia));
	assert_true(rmm_debug_realm(rb->rd, &ib));
	assert_memory_equal(ia.rim, ib.rim, 64);
	assert_memory_equal(ib.rpv, b.rpv, RMI_RPV_SIZE);
	realm_teardown(ra);
	realm_teardown(rb);
}

static void test_rpv_not_measured(void **state)
{
	(void)state;
	rpv_not_measured(RMI_HASH_SHA_256);
	rpv_not_measured(RMI_HASH_SHA_512);
}

/* Every measured parameter matters: changing one changes RIM0. */
static void test_rim_covers_params(void **state)
{
	(void)state;
	struct realm_cfg base;
	kat_realm_cfg(&base, RMI_HASH_SHA_256);
	struct realm *r0 = realm_new(&base);
	struct rmm_debug_realm i0, i1;
	assert_true(rmm_debug_realm(r0->rd, &i0));

	struct realm_cfg c = base;
	c.vmid = rmi_fresh_vmid();
	c.s2sz = 39;
	int level;
	unsigned num;
	rtt_geometry(c.s2sz, &level, &num);
	c.rtt_level_start = level;
	c.rtt_num_start = num;
	struct realm *r1 = realm_new(&c);
	assert_true(rmm_debug_realm(r1->rd, &i1));
	assert_memory_not_equal(i0.rim, i1.rim, 64);
	struct kat k;
	kat_init(&k, &c);
	expect_rim(r1, &k, "REALM_CREATE (s2sz 39)");

	c = base;
	c.vmid = rmi_fresh_vmid();
	c.hash_algo = RMI_HASH_SHA_512;
	struct realm *r2 = realm_new(&c);
	kat_init(&k, &c);
	expect_rim(r2, &k, "REALM_CREATE (SHA-512)");
	realm_teardown(r0);
	realm_teardown(r1);
	realm_teardown(r2);
}

/* Bytes the specification reserves next to the measured fields (and the
 * high bytes of rtt_num_start's 64-bit slot) are ignored: parameters with
 * garbage there are accepted and give the RIM of clean ones. */
static void test_reserved_bytes_ignored(void **state)
{
	(void)state;
	struct realm_cfg cfg;
	kat_realm_cfg(&cfg, RMI_HASH_SHA_256);
	struct kat k;
	kat_init(&k, &cfg);

	struct rmi_realm_params p;
	memset(&p, 0xa5, sizeof(p));
	p.flags = cfg.flags;
	p.s2sz = cfg.s2sz;
	p.sve_vl = (uint8_t)cfg.sve_vl;
	p.num_bps = (uint8_t)cfg.num_bps;
	p.num_wps = (uint8_t)cfg.num_wps;
	p.pmu_num_ctrs = (uint8_t)cfg.pmu_num_ctrs;
	p.hash_algo = (uint8_t)cfg.hash_algo;
	memcpy(p.rpv, cfg.rpv, sizeof(p.rpv));
	p.vmid = cfg.vmid;
	p.rtt_level_start = cfg.rtt_level_start;
	p.rtt_num_start = (uint32_t)cfg.rtt_num_start;
	unsigned n = (unsigned)cfg.rtt_num_start;
	uint64_t rd = delegated_alloc();
	uint64_t roots = delegated_alloc_contig(n, (uint64_t)n * GRANULE);
	p.rtt_base = roots;
	uint64_t params = ns_alloc();
	ns_write(params, &p, sizeof(p));
	/* The garbage really is there, right next to each field. */
	const uint8_t *raw = (const uint8_t *)&p;
	assert_int_equal(raw[0x09], 0xa5);
	assert_int_equal(raw[0x11], 0xa5);
	assert_int_equal(raw[0x19], 0xa5);
	assert_int_equal(raw[0x21], 0xa5);
	assert_int_equal(raw[0x29], 0xa5);
	assert_int_equal(raw[0x31], 0xa5);
	assert_int_equal(raw[0x81c], 0xa5);

	struct smc_regs r = RMI(RMI_REALM_CREATE, rd, params);
	assert_rmi_ok(r);
	struct rmm_debug_realm info;
	assert_true(rmm_debug_realm(rd, &info));
	assert_memory_equal(info.rim, k.rim, 64);

	/* The same RIM as a realm created from clean parameters. */
	struct realm_cfg clean = cfg;
	clean.vmid = rmi_fresh_vmid();
	struct realm *rc = realm_new(&clean);
	struct rmm_debug_realm ci;
	assert_true(rmm_debug_realm(rc->rd, &ci));
	assert_memory_equal(info.rim, ci.rim, 64);

	r = RMI(RMI_REALM_DESTROY, rd);
	assert_rmi_ok(r);
	ns_free(params);
	delegated_free(rd);
	for (unsigned i = 0; i < n; i++)
		delegated_free(roots + i * GRANULE);
	realm_teardown(rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rim_kat_sha256, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rim_kat_sha512, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rpv_not_measured, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rim_covers_params, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_reserved_bytes_ignored, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

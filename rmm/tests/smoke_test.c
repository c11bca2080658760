/*
 * End to end through hostsim: build a realm (concatenated root RTTs, RTTs
 * down to level 3, INIT_RIPAS, measured and unknown DATA, a runnable REC),
 * activate it, check the RIM against one computed here from the descriptor
 * layout, tear it all down and check every granule is NS and zero again.
 */
#include "rmm_test_util.h"

struct realm_fixture {
	uint64_t rd, roots, l2, l3, data[2], rec, aux[2];
	uint64_t params, src, rec_params, run;
	uint8_t content[4096];
	uint8_t rim[64];
};

static void expect_rim_init(struct realm_fixture *f, const struct rmi_realm_params *p)
{
	struct rmi_realm_params image;

	memset(&image, 0, sizeof(image));
	image.flags = p->flags;
	image.s2sz = p->s2sz;
	image.sve_vl = p->sve_vl;
	image.num_bps = p->num_bps;
	image.num_wps = p->num_wps;
	image.pmu_num_ctrs = p->pmu_num_ctrs;
	image.hash_algo = p->hash_algo;
	test_hash(RMI_HASH_SHA_256, &image, sizeof(image), f->rim);
}

static void expect_extend(struct realm_fixture *f, uint64_t type, const uint8_t *tail, size_t tail_len)
{
	uint8_t desc[0x100] = { 0 };

	test_put64(desc, type);
	test_put64(desc + 8, 0x100);
	memcpy(desc + 0x10, f->rim, 64);
	memcpy(desc + 0x50, tail, tail_len);
	test_hash(RMI_HASH_SHA_256, desc, sizeof(desc), f->rim);
}

static void build_realm(struct realm_fixture *f)
{
	struct rmi_realm_params p = { 0 };
	struct rmi_rec_params rp = { 0 };
	uint8_t tail[0xb0];

	f->roots = test_delegated_run(2);
	f->rd = test_delegated();
	f->l2 = test_delegated();
	f->l3 = test_delegated();
	f->data[0] = test_delegated();
	f->data[1] = test_delegated();
	f->rec = test_delegated();
	f->aux[0] = test_delegated();
	f->aux[1] = test_delegated();
	assert_int_equal(hostsim_gpt_pas(f->rd), HOSTSIM_PAS_REALM);

	p.s2sz = 40;
	p.hash_algo = RMI_HASH_SHA_256;
	p.num_bps = 1;
	p.num_wps = 1;
	p.rtt_base = f->roots;
	p.rtt_level_start = 1;
	p.rtt_num_start = 2;
	p.vmid = 7;
	memset(p.rpv, 0xa5, sizeof(p.rpv));
	f->params = test_ns_struct(&p, sizeof(p));
	assert_int_equal(RMI(RMI_REALM_CREATE, f->rd, f->params).x[0], RMI_SUCCESS);
	expect_rim_init(f, &p);
	assert_int_equal(test_granule_state(f->rd), GRANULE_STATE_RD);
	assert_int_equal(test_granule_state(f->roots + 4096), GRANULE_STATE_RTT);

	assert_int_equal(RMI(RMI_RTT_CREATE, f->rd, f->l2, 0, 2).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, f->rd, f->l3, 0, 3).x[0], RMI_SUCCESS);
	assert_int_equal(test_granule_refcount(f->roots), 1);

	struct smc_regs r = RMI(RMI_RTT_INIT_RIPAS, f->rd, 0, 0x2000);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 0x2000);
	for (uint64_t base = 0; base < 0x2000; base += 0x1000) {
		memset(tail, 0, sizeof(tail));
		test_put64(tail, base);
		test_put64(tail + 8, base + 0x1000);
		expect_extend(f, 2, tail, 16);
	}

	for (unsigned i = 0; i < sizeof(f->content); i++)
		f->content[i] = (uint8_t)(i * 7 + 1);
	f->src = test_ns_struct(f->content, sizeof(f->content));
	assert_int_equal(RMI(RMI_DATA_CREATE, f->rd, f->data[0], 0, f->src, RMI_MEASURE_CONTENT).x[0],
			 RMI_SUCCESS);
	memset(tail, 0, sizeof(tail));
	test_put64(tail, 0);
	test_put64(tail + 8, RMI_MEASURE_CONTENT);
	test_hash(RMI_HASH_SHA_256, f->content, sizeof(f->content), tail + 0x10);
	expect_extend(f, 0, tail, 0x50);
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, f->rd, f->data[1], 0x1000).x[0], RMI_SUCCESS);

	rp.flags = RMI_REC_FLAG_RUNNABLE;
	rp.pc = 0x1000;
	rp.gprs[0] = 42;
	rp.num_aux = 2;
	rp.aux[0] = f->aux[0];
	rp.aux[1] = f->aux[1];
	f->rec_params = test_ns_struct(&rp, sizeof(rp));
	assert_int_equal(RMI(RMI_REC_CREATE, f->rd, f->rec, f->rec_params).x[0], RMI_SUCCESS);
	{
		struct rmi_rec_params image = { 0 };

		image.flags = rp.flags;
		image.pc = rp.pc;
		memcpy(image.gprs, rp.gprs, sizeof(rp.gprs));
		memset(tail, 0, sizeof(tail));
		test_hash(RMI_HASH_SHA_256, &image, sizeof(image), tail);
		expect_extend(f, 1, tail, 64);
	}
	assert_int_equal(test_granule_refcount(f->rd), 1);
	assert_int_equal(test_granule_state(f->aux[0]), GRANULE_STATE_REC_AUX);
	assert_int_equal(test_granule_state(f->aux[1]), GRANULE_STATE_REC_AUX);
}

static void test_realm_lifecycle(void **state)
{
	struct realm_fixture f;
	struct rmm_debug_realm info;
	struct smc_regs r;
	uint8_t zero[4096] = { 0 }, buf[4096];
	uint64_t all[10];

	(void)state;
	build_realm(&f);

	r = RMI(RMI_REC_AUX_COUNT, f.rd);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 2); /* the token's two granules */
	r = RMI(RMI_RTT_READ_ENTRY, f.rd, 0, 3);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], 3);
	assert_int_equal(r.x[2], RMI_ASSIGNED);
	assert_int_equal(r.x[3], f.data[0]);
	assert_int_equal(r.x[4], RIPAS_RAM);

	assert_true(rmm_debug_realm(f.rd, &info));
	assert_int_equal(info.state, REALM_STATE_NEW);
	assert_int_equal(info.vmid, 7);
	assert_memory_equal(info.rim, f.rim, 64);

	assert_int_equal(RMI(RMI_REALM_ACTIVATE, f.rd).x[0], RMI_SUCCESS);
	f.run = test_alloc();
	/* Every check passes; the REC's PC is a data page, not an image, so its
	 * CPU halts and the host sees an SError exit. */
	test_rec_enter_halts(f.rec, f.run);

	/* Teardown in the order a VMM would use. */
	assert_int_equal(RMI(RMI_REALM_DESTROY, f.rd).x[0], RMI_STATUS(RMI_ERROR_REALM, 0));
	assert_int_equal(RMI(RMI_REC_DESTROY, f.rec).x[0], RMI_SUCCESS);
	r = RMI(RMI_DATA_DESTROY, f.rd, 0);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], f.data[0]);
	assert_int_equal(r.x[2], 0x1000); /* the next live entry */
	r = RMI(RMI_RTT_READ_ENTRY, f.rd, 0, 3);
	assert_int_equal(r.x[2], RMI_UNASSIGNED);
	assert_int_equal(r.x[4], RIPAS_DESTROYED);
	r = RMI(RMI_DATA_DESTROY, f.rd, 0x1000);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], f.data[1]);
	assert_int_equal(r.x[2], 0x200000); /* nothing live left in the table */
	r = RMI(RMI_RTT_DESTROY, f.rd, 0, 3);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], f.l3);
	r = RMI(RMI_RTT_DESTROY, f.rd, 0, 2);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], f.l2);
	assert_int_equal(RMI(RMI_REALM_DESTROY, f.rd).x[0], RMI_SUCCESS);

	all[0] = f.rd; all[1] = f.roots; all[2] = f.roots + 4096; all[3] = f.l2; all[4] = f.l3;
	all[5] = f.data[0]; all[6] = f.data[1]; all[7] = f.rec; all[8] = f.aux[0];
	all[9] = f.aux[1];
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(test_granule_state(all[i]), GRANULE_STATE_DELEGATED);
		assert_memory_equal(hostsim_monitor_view(all[i]), zero, sizeof(zero));
		test_undelegate_free(all[i]);
		assert_int_equal(test_granule_state(all[i]), GRANULE_STATE_NS);
		assert_int_equal(hostsim_gpt_pas(all[i]), HOSTSIM_PAS_NS);
		assert_true(hostsim_host_read(all[i], buf, sizeof(buf)));
		assert_memory_equal(buf, zero, sizeof(zero));
	}
	/* The VMID is free again: a new realm may take it. */
	{
		struct realm_fixture g;

		build_realm(&g);
		assert_true(rmm_debug_realm(g.rd, &info));
		assert_memory_equal(info.rim, g.rim, 64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST_ON_MACHINE(test_realm_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The execution tests' realm (exec_realm.h).
 */
#include "exec_realm.h"

#include "abi/caec.h"

#include "exec_fake_cpu.h"

/* Realms built on this machine so far: each gets its own VMID. */
static unsigned realms_built;

int exec_machine_up(void **state)
{
	(void)state;
	realms_built = 0;
	return hostsim_start(NULL);
}

int exec_machine_down(void **state)
{
	(void)state;
	exec_fake_set_step(NULL);
	hostsim_stop();
	return 0;
}

static uint64_t rec_create(struct exec_realm *r, unsigned i, bool runnable)
{
	struct rmi_rec_params rp = { 0 };
	uint64_t params;

	r->rec[i] = test_delegated();
	r->aux[i][0] = test_delegated();
	r->aux[i][1] = test_delegated();
	rp.flags = runnable ? RMI_REC_FLAG_RUNNABLE : 0;
	rp.mpidr = i;
	rp.pc = 0;
	rp.gprs[0] = 0x11;
	rp.num_aux = EXEC_REC_AUX;
	rp.aux[0] = r->aux[i][0];
	rp.aux[1] = r->aux[i][1];
	params = test_ns_struct(&rp, sizeof(rp));
	return RMI(RMI_REC_CREATE, r->rd, r->rec[i], params).x[0];
}

void exec_realm_build(struct exec_realm *r, const void *data1)
{
	exec_realm_build_config(r, data1, EXEC_NO_CAEC_CONFIG);
}

void exec_realm_build_config(struct exec_realm *r, const void *data1, uint64_t caec_flags)
{
	exec_realm_build_at(r, test_delegated(), data1, caec_flags);
}

void exec_realm_build_at(struct exec_realm *r, uint64_t rd, const void *data1, uint64_t caec_flags)
{
	exec_realm_build_hash(r, rd, RMI_HASH_SHA_256, data1, caec_flags);
}

void exec_realm_build_hash(struct exec_realm *r, uint64_t rd, unsigned hash_algo, const void *data1,
			   uint64_t caec_flags)
{
	struct rmi_realm_params p = { 0 };
	uint8_t content[4096];
	uint64_t src;

	r->root = test_delegated();
	r->rd = rd;
	p.s2sz = EXEC_IPA_BITS;
	p.hash_algo = (uint8_t)hash_algo;
	p.num_bps = 1;
	p.num_wps = 1;
	p.rtt_base = r->root;
	p.rtt_level_start = 1;
	p.rtt_num_start = 1;
	p.vmid = (uint16_t)(9 + realms_built++);
	memset(p.rpv, 0x5c, sizeof(p.rpv));
	assert_int_equal(RMI(RMI_REALM_CREATE, r->rd, test_ns_struct(&p, sizeof(p))).x[0], RMI_SUCCESS);
	if (caec_flags != EXEC_NO_CAEC_CONFIG)
		assert_int_equal(RMI(RMI_CAEC_REALM_CONFIG, r->rd, caec_flags).x[0], RMI_SUCCESS);
	r->l2 = test_delegated();
	r->l3 = test_delegated();
	r->ul2 = test_delegated();
	r->ul3 = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, r->rd, r->l2, 0, 2).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, r->rd, r->l3, 0, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, r->rd, r->ul2, EXEC_UNPROT_BASE, 2).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, r->rd, r->ul3, EXEC_UNPROT_BASE, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_INIT_RIPAS, r->rd, 0, EXEC_RAM_TOP).x[0], RMI_SUCCESS);
	for (unsigned i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 13 + 5);
	src = test_ns_struct(content, sizeof(content));
	r->data[0] = test_delegated();
	assert_int_equal(RMI(RMI_DATA_CREATE, r->rd, r->data[0], 0, src, RMI_MEASURE_CONTENT).x[0],
			 RMI_SUCCESS);
	memset(content, 0, sizeof(content));
	if (data1)
		memcpy(content, data1, sizeof(content));
	assert_true(hostsim_host_write(src, content, sizeof(content)));
	r->data[1] = test_delegated();
	assert_int_equal(RMI(RMI_DATA_CREATE, r->rd, r->data[1], 0x1000, src, RMI_MEASURE_CONTENT).x[0],
			 RMI_SUCCESS);
	r->data[2] = test_delegated();
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, r->rd, r->data[2], 0x2000).x[0], RMI_SUCCESS);
	assert_int_equal(rec_create(r, 0, true), RMI_SUCCESS);
	assert_int_equal(rec_create(r, 1, false), RMI_SUCCESS);
	assert_int_equal(RMI(RMI_REALM_ACTIVATE, r->rd).x[0], RMI_SUCCESS);
	r->run = test_alloc();
}

uint64_t exec_enter(const struct exec_realm *r, unsigned rec, uint64_t flags, const uint64_t *gprs)
{
	struct rmi_rec_entry entry;

	memset(&entry, 0, sizeof(entry));
	entry.flags = flags;
	if (gprs)
		memcpy(entry.gprs, gprs, sizeof(entry.gprs));
	assert_true(hostsim_host_write(r->run, &entry, sizeof(entry)));
	return RMI(RMI_REC_ENTER, r->rec[rec], r->run).x[0];
}

struct rmi_rec_exit exec_exit(const struct exec_realm *r)
{
	struct rmi_rec_exit exit;

	assert_true(hostsim_host_read(r->run + offsetof(struct rmi_rec_run, exit), &exit, sizeof(exit)));
	return exit;
}

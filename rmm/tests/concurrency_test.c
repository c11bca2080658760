/*
 * SMP safety: host threads race RMI calls on shared granules and realms
 * (delegate/undelegate, DATA create/destroy, RTT create/destroy, REC
 * create/destroy of the same granules), then the granule states and
 * refcounts are checked against the realms' RTTs, every DELEGATED granule
 * must be zero, and teardown must return every granule to NS. Bounded by
 * RMM_CONCURRENCY_MS (default 700 ms). Label: concurrency (runs under TSan).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "rec.h"
#include "rmm_test_util.h"

#define REALMS  2
#define POOL    24
#define PAGES   8
#define THREADS 4

static struct {
	uint64_t rd[REALMS], root[REALMS], l1[REALMS], l2[REALMS];
	uint64_t pool[POOL];
	uint64_t rec_params[POOL]; /* NS page: RmiRecParams naming pool[i + 1] and pool[i + 2] as aux */
	int stop;
	uint64_t successes[9]; /* per kind of call, so the test knows it raced something */
} w;

static int machine_up(void **state)
{
	(void)state;
	return hostsim_start(&(struct hostsim_config){ .dram_size = 256u << 20 });
}

static int machine_down(void **state)
{
	(void)state;
	hostsim_stop();
	return 0;
}

static void setup_world(void)
{
	for (unsigned r = 0; r < REALMS; r++) {
		struct rmi_realm_params p = { 0 };

		w.root[r] = test_delegated();
		w.rd[r] = test_delegated();
		w.l1[r] = test_delegated();
		w.l2[r] = test_delegated();
		p.s2sz = 48;
		p.rtt_base = w.root[r];
		p.vmid = (uint16_t)(100 + r);
		p.rtt_num_start = 1;
		p.num_bps = 1;
		p.num_wps = 1;
		assert_int_equal(RMI(RMI_REALM_CREATE, w.rd[r], test_ns_struct(&p, sizeof(p))).x[0], RMI_SUCCESS);
		assert_int_equal(RMI(RMI_RTT_CREATE, w.rd[r], w.l1[r], 0, 1).x[0], RMI_SUCCESS);
		assert_int_equal(RMI(RMI_RTT_CREATE, w.rd[r], w.l2[r], 0, 2).x[0], RMI_SUCCESS);
	}
	for (unsigned i = 0; i < POOL; i++)
		w.pool[i] = test_alloc();
	for (unsigned i = 0; i < POOL; i++) {
		struct rmi_rec_params rp = { 0 };

		rp.num_aux = 2;
		rp.aux[0] = w.pool[(i + 1) % POOL];
		rp.aux[1] = w.pool[(i + 2) % POOL];
		w.rec_params[i] = test_ns_struct(&rp, sizeof(rp));
	}
}

static void one_random_call(unsigned *seed)
{
	unsigned r = (unsigned)rand_r(seed) % REALMS, i = (unsigned)rand_r(seed) % POOL;
	uint64_t page = ((unsigned)rand_r(seed) % PAGES) * 4096ull;
	uint64_t table_ipa = ((unsigned)rand_r(seed) % 2) * 0x200000ull;
	uint64_t status;
	unsigned kind = (unsigned)rand_r(seed) % 9;

	switch (kind) {
	case 0: status = RMI(RMI_GRANULE_DELEGATE, w.pool[i]).x[0]; break;
	case 1: status = RMI(RMI_GRANULE_UNDELEGATE, w.pool[i]).x[0]; break;
	case 2: status = RMI(RMI_DATA_CREATE_UNKNOWN, w.rd[r], w.pool[i], page).x[0]; break;
	case 3: status = RMI(RMI_DATA_DESTROY, w.rd[r], page).x[0]; break;
	case 4: status = RMI(RMI_RTT_CREATE, w.rd[r], w.pool[i], table_ipa, 3).x[0]; break;
	case 5: status = RMI(RMI_RTT_DESTROY, w.rd[r], table_ipa, 3).x[0]; break;
	case 6: status = RMI(RMI_REC_CREATE, w.rd[r], w.pool[i], w.rec_params[i]).x[0]; break;
	case 7: status = RMI(RMI_REC_DESTROY, w.pool[i]).x[0]; break;
	default: status = RMI(RMI_RTT_READ_ENTRY, w.rd[r], page, 3).x[0]; break;
	}
	assert_true(RMI_STATUS_CODE(status) <= RMI_ERROR_RTT);
	if (status == RMI_SUCCESS)
		__atomic_fetch_add(&w.successes[kind], 1, __ATOMIC_RELAXED);
}

static void *racer(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!__atomic_load_n(&w.stop, __ATOMIC_RELAXED))
		one_random_call(&seed);
	return NULL;
}

/* Who references pool granule pa, according to the realms' RTTs and RECs. */
static unsigned rtt_references(uint64_t pa, unsigned *data_refs)
{
	unsigned tables = 0;

	*data_refs = 0;
	for (unsigned r = 0; r < REALMS; r++) {
		for (uint64_t t = 0; t < 2; t++) {
			struct smc_regs e = RMI(RMI_RTT_READ_ENTRY, w.rd[r], t * 0x200000, 2);

			if (e.x[2] == RMI_TABLE && e.x[3] == pa)
				tables++;
		}
		for (uint64_t p = 0; p < PAGES; p++) {
			struct smc_regs e = RMI(RMI_RTT_READ_ENTRY, w.rd[r], p * 4096, 3);

			if (e.x[1] == 3 && e.x[2] == RMI_ASSIGNED && e.x[3] == pa)
				(*data_refs)++;
		}
	}
	return tables;
}

static void check_invariants(void)
{
	unsigned recs[REALMS] = { 0 };
	uint8_t zero[4096] = { 0 };

	for (unsigned i = 0; i < POOL; i++) {
		unsigned state = test_granule_state(w.pool[i]), data_refs;
		unsigned tables = rtt_references(w.pool[i], &data_refs);

		assert_int_equal(tables, state == GRANULE_STATE_RTT);
		assert_int_equal(data_refs, state == GRANULE_STATE_DATA);
		if (state == GRANULE_STATE_DELEGATED)
			assert_memory_equal(hostsim_monitor_view(w.pool[i]), zero, sizeof(zero));
		if (state == GRANULE_STATE_REC) {
			struct granule *g = granule_lock_expect(w.pool[i], GRANULE_STATE_REC);
			struct rec *rec = rec_map(g);
			uint64_t owner = rec->owner_rd;

			for (unsigned a = 0; a < rec->num_aux; a++)
				assert_int_equal(test_granule_state(rec->aux[a]), GRANULE_STATE_REC_AUX);
			granule_unmap(rec);
			granule_unlock(g);
			recs[owner == w.rd[1]]++;
		}
		if (state == GRANULE_STATE_NS)
			assert_int_equal(hostsim_gpt_pas(w.pool[i]), HOSTSIM_PAS_NS);
		else
			assert_int_equal(hostsim_gpt_pas(w.pool[i]), HOSTSIM_PAS_REALM);
	}
	for (unsigned r = 0; r < REALMS; r++)
		assert_int_equal(test_granule_refcount(w.rd[r]), recs[r]);
}

/* RTT refcount = live entries, for every level-3 table in use. */
static void check_rtt_refcounts(void)
{
	for (unsigned r = 0; r < REALMS; r++)
		for (uint64_t t = 0; t < 2; t++) {
			struct smc_regs e = RMI(RMI_RTT_READ_ENTRY, w.rd[r], t * 0x200000, 2);
			unsigned live = 0;

			if (e.x[2] != RMI_TABLE)
				continue;
			for (uint64_t p = 0; p < 512; p++)
				live += RMI(RMI_RTT_READ_ENTRY, w.rd[r], t * 0x200000 + p * 4096, 3).x[2] ==
					RMI_ASSIGNED;
			assert_int_equal(test_granule_refcount(e.x[3]), live);
		}
}

static void teardown_world(void)
{
	for (unsigned i = 0; i < POOL; i++)
		if (test_granule_state(w.pool[i]) == GRANULE_STATE_REC)
			assert_int_equal(RMI(RMI_REC_DESTROY, w.pool[i]).x[0], RMI_SUCCESS);
	for (unsigned r = 0; r < REALMS; r++) {
		for (uint64_t p = 0; p < PAGES; p++)
			RMI(RMI_DATA_DESTROY, w.rd[r], p * 4096);
		for (uint64_t t = 0; t < 2; t++)
			RMI(RMI_RTT_DESTROY, w.rd[r], t * 0x200000, 3);
		assert_int_equal(RMI(RMI_RTT_DESTROY, w.rd[r], 0, 2).x[0], RMI_SUCCESS);
		assert_int_equal(RMI(RMI_RTT_DESTROY, w.rd[r], 0, 1).x[0], RMI_SUCCESS);
		assert_int_equal(RMI(RMI_REALM_DESTROY, w.rd[r]).x[0], RMI_SUCCESS);
		test_undelegate_free(w.rd[r]);
		test_undelegate_free(w.root[r]);
		test_undelegate_free(w.l1[r]);
		test_undelegate_free(w.l2[r]);
	}
	for (unsigned i = 0; i < POOL; i++) {
		if (test_granule_state(w.pool[i]) == GRANULE_STATE_DELEGATED)
			assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, w.pool[i]).x[0], RMI_SUCCESS);
		assert_int_equal(test_granule_state(w.pool[i]), GRANULE_STATE_NS);
		hostsim_host_free(w.pool[i]);
	}
}

static void test_racing_hosts(void **state)
{
	const char *env = getenv("RMM_CONCURRENCY_MS");
	long ms = env ? atol(env) : 700;
	struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };
	pthread_t t[THREADS];

	(void)state;
	setup_world();
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer, (void *)(uintptr_t)(i * 7 + 3)), 0);
	nanosleep(&delay, NULL);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (unsigned k = 0; k < 9; k++)
		if (k != 6 && k != 7) /* REC_CREATE succeeds once per realm at most */
			assert_true(w.successes[k] > 0);
	check_invariants();
	check_rtt_refcounts();
	teardown_world();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_racing_hosts, machine_up, machine_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

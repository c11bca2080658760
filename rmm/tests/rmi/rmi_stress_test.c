/*
 * SMP stress test of the monitor, with an invariant checker.
 *
 * Several host threads, each owning a few realms and a pool of granules,
 * issue random RMI sequences for a bounded time (RMI_STRESS_SECONDS, default
 * 3): RTT create/destroy/fold, DATA create/destroy, RIPAS, unprotected
 * mappings, RECs, delegation, realm destroy/re-create, and deliberately
 * invalid calls. A shared pool of granules is used by every thread at once,
 * so delegations, undelegations and DATA/RTT/REC creations race on the same
 * granules. Worker threads only count anomalies (cmocka asserts are not for
 * threads); after they are joined the main thread checks:
 *   - every RTT's refcount equals its live entries (walked with RTT_READ_ENTRY),
 *   - every RD's refcount equals its RECs,
 *   - every DATA/RTT/REC/REC_AUX granule is reachable from exactly one owner,
 *     and every granule in such a state is reachable,
 *   - every DELEGATED granule is zero, and the GPT agrees with each state,
 * then tears everything down and checks that every granule is NS again.
 */
#include "rmi_harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

#define NTHREADS 4
#define REALMS_PER_THREAD 2
#define POOL 48
#define SHARED 8
#define NS_PAGES 4

struct stress_realm {
	struct realm *r;
	uint64_t params;      /* RmiRealmParams, for re-creating after a destroy */
	unsigned rec_index;   /* next MPIDR index */
	bool active;
};

struct worker {
	pthread_t thread;
	unsigned id;
	uint64_t rng;
	uint64_t pool[POOL];
	uint64_t ns_pages[NS_PAGES];
	uint64_t src, rec_params;
	struct stress_realm realms[REALMS_PER_THREAD];
	unsigned long calls, successes, resets;
	unsigned aux_count;
};

static uint64_t shared_pool[SHARED];
static atomic_ulong anomalies;
static atomic_bool stop_flag;
static char first_anomaly[256];
static atomic_flag first_anomaly_taken = ATOMIC_FLAG_INIT;

static uint64_t rnd(struct worker *w)
{
	/* xorshift64*: per-thread, reproducible from the seed printed below */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * UINT64_C(2685821657736338717);
}

static void anomaly(const char *fmt, uint64_t fid, uint64_t x0)
{
	atomic_fetch_add(&anomalies, 1);
	if (!atomic_flag_test_and_set(&first_anomaly_taken))
		snprintf(first_anomaly, sizeof(first_anomaly), fmt, (unsigned long long)fid,
			 (unsigned long long)x0);
}

/* A status the ABI allows at all: a known code with a sensible index. */
static struct smc_regs call(struct worker *w, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			    uint64_t a4, uint64_t a5)
{
	struct smc_regs r = rmi_call(fid, a1, a2, a3, a4, a5, 0);
	w->calls++;
	unsigned code = RMI_STATUS_CODE(r.x[0]), index = RMI_STATUS_INDEX(r.x[0]);
	bool ok = (r.x[0] >> 16) == 0 && code <= RMI_ERROR_RTT &&
		  (code == RMI_ERROR_RTT ? index <= 3 : code == RMI_ERROR_REALM ? index <= 1 : index == 0);
	if (!ok)
		anomaly("FID 0x%llx returned impossible X0=0x%llx", fid, r.x[0]);
	if (r.x[0] == RMI_SUCCESS)
		w->successes++;
	return r;
}

static uint64_t pick_granule(struct worker *w)
{
	uint64_t x = rnd(w);
	if ((x & 3) == 0)
		return shared_pool[(x >> 2) % SHARED];
	return w->pool[(x >> 2) % POOL];
}

static uint64_t pick_ipa(struct worker *w, int level)
{
	/* A small window: two 2 MiB regions at 0 and one at 1 GiB. */
	uint64_t x = rnd(w);
	uint64_t region = (x & 3) == 3 ? SZ_1G : ((x >> 2) & 1) * SZ_2M;
	uint64_t off = ((x >> 8) % 512) * GRANULE;
	uint64_t ipa = region + off;
	return ipa & ~(rtt_level_size(level - 1 < 1 ? 1 : level) - 1);
}

static void try_recreate(struct worker *w, struct stress_realm *sr)
{
	struct smc_regs c = call(w, RMI_REALM_CREATE, sr->r->rd, sr->params, 0, 0, 0);
	if (c.x[0] != RMI_SUCCESS)
		anomaly("re-creating a destroyed realm (FID 0x%llx) failed: X0=0x%llx", RMI_REALM_CREATE, c.x[0]);
	sr->rec_index = 0;
	sr->active = false;
}

/* Tears the RTTs below `level` at base down with raw calls (no cmocka in
 * threads). False if something could not be removed. */
static bool raw_teardown_table(struct worker *w, struct realm *r, uint64_t base, int level, uint64_t n)
{
	uint64_t size = rtt_level_size(level);
	uint64_t unprot = UINT64_C(1) << (r->cfg.s2sz - 1);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ipa = base + i * size;
		struct smc_regs e = call(w, RMI_RTT_READ_ENTRY, r->rd, ipa, (uint64_t)level, 0, 0);
		if (e.x[0] != RMI_SUCCESS || e.x[1] != (uint64_t)level)
			return false;
		if (e.x[2] == RMI_ASSIGNED) {
			if (ipa >= unprot) {
				if (call(w, RMI_RTT_UNMAP_UNPROTECTED, r->rd, ipa, (uint64_t)level, 0, 0).x[0] != RMI_SUCCESS)
					return false;
				continue;
			}
			if (level == 3) {
				struct smc_regs d = call(w, RMI_DATA_DESTROY, r->rd, ipa, 0, 0, 0);
				if (d.x[0] != RMI_SUCCESS || d.x[1] != e.x[3])
					return false;
				continue;
			}
			/* A block: unfold it with any delegated pool granule. */
			bool unfolded = false;
			for (int k = 0; k < POOL && !unfolded; k++)
				unfolded = call(w, RMI_RTT_CREATE, r->rd, w->pool[k], ipa, (uint64_t)level + 1, 0).x[0] ==
					   RMI_SUCCESS;
			if (!unfolded)
				return false;
			e.x[2] = RMI_TABLE;
		}
		if (e.x[2] == RMI_TABLE) {
			if (!raw_teardown_table(w, r, ipa, level + 1, RMI_RTT_ENTRIES))
				return false;
			if (call(w, RMI_RTT_DESTROY, r->rd, ipa, (uint64_t)level + 1, 0, 0).x[0] != RMI_SUCCESS)
				return false;
		}
	}
	return true;
}

/* Destroys one realm completely and creates it again, NEW and empty, while
 * the other threads keep racing on the shared granules. */
static void realm_reset(struct worker *w, struct stress_realm *sr)
{
	struct realm *r = sr->r;
	while (r->nrecs > 0) {
		struct smc_regs c = call(w, RMI_REC_DESTROY, r->recs[r->nrecs - 1].pa, 0, 0, 0, 0);
		if (c.x[0] != RMI_SUCCESS) {
			anomaly("REC_DESTROY (FID 0x%llx) during reset: X0=0x%llx", RMI_REC_DESTROY, c.x[0]);
			return;
		}
		r->nrecs--;
	}
	if (!raw_teardown_table(w, r, 0, r->start_level, realm_ipa_size(r) / rtt_level_size(r->start_level))) {
		anomaly("tearing a realm down (FID 0x%llx) failed (0x%llx)", RMI_RTT_DESTROY, r->rd);
		return;
	}
	struct smc_regs c = call(w, RMI_REALM_DESTROY, r->rd, 0, 0, 0, 0);
	if (c.x[0] != RMI_SUCCESS) {
		anomaly("REALM_DESTROY (FID 0x%llx) of an empty realm: X0=0x%llx", RMI_REALM_DESTROY, c.x[0]);
		return;
	}
	try_recreate(w, sr);
	w->resets++;
}

static void rec_create(struct worker *w, struct stress_realm *sr)
{
	struct realm *r = sr->r;
	if (r->nrecs >= HARNESS_MAX_RECS)
		return;
	struct rmi_rec_params p;
	memset(&p, 0, sizeof(p));
	p.flags = rnd(w) & 1;
	p.mpidr = rmi_rec_mpidr(sr->rec_index);
	p.pc = rnd(w) & ~UINT64_C(3);
	p.num_aux = w->aux_count;
	for (unsigned i = 0; i < w->aux_count; i++)
		p.aux[i] = pick_granule(w);
	uint64_t rec = pick_granule(w);
	if (!hostsim_host_write(w->rec_params, &p, sizeof(p))) {
		anomaly("host write of REC params failed (FID 0x%llx, 0x%llx)", 0, 0);
		return;
	}
	struct smc_regs c = call(w, RMI_REC_CREATE, r->rd, rec, w->rec_params, 0, 0);
	if (c.x[0] == RMI_SUCCESS) {
		struct rec_handle *h = &r->recs[r->nrecs++];
		h->pa = rec;
		h->num_aux = w->aux_count;
		memcpy(h->aux, p.aux, sizeof(h->aux));
		sr->rec_index++;
	}
}

static void rec_destroy(struct worker *w, struct stress_realm *sr)
{
	struct realm *r = sr->r;
	if (r->nrecs == 0)
		return;
	unsigned i = (unsigned)(rnd(w) % r->nrecs);
	struct smc_regs c = call(w, RMI_REC_DESTROY, r->recs[i].pa, 0, 0, 0, 0);
	if (c.x[0] != RMI_SUCCESS) {
		anomaly("REC_DESTROY (FID 0x%llx) of an idle REC failed: X0=0x%llx", RMI_REC_DESTROY, c.x[0]);
		return;
	}
	r->recs[i] = r->recs[--r->nrecs];
}

static void one_op(struct worker *w)
{
	struct stress_realm *sr = &w->realms[rnd(w) % REALMS_PER_THREAD];
	struct realm *r = sr->r;
	uint64_t rd = r->rd, x = rnd(w);
	int level = 2 + (int)(x & 1);
	uint64_t unprot = realm_unprotected(r, 0);
	struct smc_regs c;

	switch ((x >> 1) % 20) {
	case 0:
	case 1:
		call(w, RMI_RTT_CREATE, rd, pick_granule(w), pick_ipa(w, level - 1) & ~(rtt_level_size(level - 1) - 1),
		     (uint64_t)level, 0);
		break;
	case 2:
		call(w, RMI_RTT_CREATE, rd, pick_granule(w), unprot + (pick_ipa(w, 3) & ~(rtt_level_size(level - 1) - 1)),
		     (uint64_t)level, 0);
		break;
	case 3:
		call(w, RMI_RTT_DESTROY, rd, pick_ipa(w, 3) & ~(rtt_level_size(level - 1) - 1), (uint64_t)level, 0, 0);
		break;
	case 4:
		call(w, RMI_RTT_FOLD, rd, pick_ipa(w, 3) & ~(rtt_level_size(level - 1) - 1), (uint64_t)level, 0, 0);
		break;
	case 5:
	case 6:
		call(w, RMI_DATA_CREATE, rd, pick_granule(w), pick_ipa(w, 3), w->src, (x >> 8) & 1);
		break;
	case 7:
		call(w, RMI_DATA_CREATE_UNKNOWN, rd, pick_granule(w), pick_ipa(w, 3), 0, 0);
		break;
	case 8:
		call(w, RMI_DATA_DESTROY, rd, pick_ipa(w, 3), 0, 0, 0);
		break;
	case 9: {
		uint64_t base = pick_ipa(w, 3);
		call(w, RMI_RTT_INIT_RIPAS, rd, base, base + GRANULE * (1 + ((x >> 9) % 8)), 0, 0);
		break;
	}
	case 10:
		call(w, RMI_GRANULE_DELEGATE, pick_granule(w), 0, 0, 0, 0);
		break;
	case 11:
		call(w, RMI_GRANULE_UNDELEGATE, pick_granule(w), 0, 0, 0, 0);
		break;
	case 12:
		call(w, RMI_RTT_MAP_UNPROTECTED, rd, unprot + pick_ipa(w, 3), 3,
		     w->ns_pages[(x >> 8) % NS_PAGES] | NS_ATTRS, 0);
		break;
	case 13:
		call(w, RMI_RTT_UNMAP_UNPROTECTED, rd, unprot + pick_ipa(w, 3), 3, 0, 0);
		break;
	case 14:
		rec_create(w, sr);
		break;
	case 15:
		if ((x >> 8) % 4 == 0)
			rec_destroy(w, sr);
		else
			rec_create(w, sr);
		break;
	case 16:
		call(w, RMI_RTT_READ_ENTRY, rd, pick_ipa(w, 3), 3, 0, 0);
		break;
	case 17:
		/* Deliberately invalid: misaligned or out-of-range arguments. */
		call(w, RMI_DATA_CREATE, rd, pick_granule(w) + 8, pick_ipa(w, 3), w->src, 0);
		call(w, RMI_RTT_CREATE, rd + 8, pick_granule(w), 0, 2, 0);
		call(w, RMI_GRANULE_DELEGATE, rmi_dram_size() + (x & 0xfff000), 0, 0, 0, 0);
		call(w, RMI_RTT_READ_ENTRY, rd, realm_ipa_size(r), 3, 0, 0);
		c = rmi_call(SMC64_STD_FID(0x156), rd, 0, 0, 0, 0, 0);
		if (c.x[0] != SMC_UNKNOWN)
			anomaly("unknown FID 0x%llx answered X0=0x%llx", SMC64_STD_FID(0x156), c.x[0]);
		break;
	case 18:
		if ((x >> 8) % 64 == 0 && !sr->active) {
			c = call(w, RMI_REALM_ACTIVATE, rd, 0, 0, 0, 0);
			if (c.x[0] != RMI_SUCCESS)
				anomaly("REALM_ACTIVATE (FID 0x%llx) of a NEW realm failed: X0=0x%llx",
					RMI_REALM_ACTIVATE, c.x[0]);
			sr->active = true;
		}
		break;
	case 19:
		if ((x >> 8) % 256 == 0) {
			realm_reset(w, sr);
			break;
		}
		c = call(w, RMI_REALM_DESTROY, rd, 0, 0, 0, 0);
		if (c.x[0] == RMI_SUCCESS) {
			if (r->nrecs != 0)
				anomaly("REALM_DESTROY (FID 0x%llx) succeeded with RECs alive (X0=0x%llx)",
					RMI_REALM_DESTROY, c.x[0]);
			try_recreate(w, sr);
		} else if (c.x[0] != RMI_STATUS(RMI_ERROR_REALM, 0)) {
			anomaly("REALM_DESTROY (FID 0x%llx) of a live realm: X0=0x%llx", RMI_REALM_DESTROY, c.x[0]);
		}
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	while (!atomic_load(&stop_flag)) {
		for (int i = 0; i < 64; i++)
			one_op(w);
	}
	return NULL;
}

/* ---- Invariant checker ----------------------------------------------------- */

enum owner_kind { OWN_NONE, OWN_RTT, OWN_DATA, OWN_RD, OWN_REC, OWN_AUX };

struct checker {
	uint64_t ngran;
	uint8_t *kind;          /* owner_kind per granule */
	unsigned *live;         /* live entries counted per RTT granule */
	unsigned errors;
	const struct realm *cur;
};

static void claim(struct checker *ck, uint64_t pa, enum owner_kind kind, const char *what)
{
	uint64_t g = pa / GRANULE;
	if (pa % GRANULE || g >= ck->ngran) {
		print_error("%s 0x%llx is not a DRAM granule\n", what, (unsigned long long)pa);
		ck->errors++;
		return;
	}
	if (ck->kind[g] != OWN_NONE) {
		print_error("granule 0x%llx reachable twice (%s, and kind %u before)\n",
			    (unsigned long long)pa, what, ck->kind[g]);
		ck->errors++;
		return;
	}
	ck->kind[g] = (uint8_t)kind;
}

static uint64_t table_of(const struct realm *r, uint64_t ipa, int level, uint64_t parent_table)
{
	if (level == r->start_level)
		return r->rtt_base + (ipa / (rtt_level_size(level) * RMI_RTT_ENTRIES)) * GRANULE;
	return parent_table;
}

struct walk_ctx {
	struct checker *ck;
	uint64_t table_at[4]; /* the RTT granule holding entries of each level, as we descend */
};

static void check_entry(const struct realm *r, uint64_t ipa, int level, const struct rtte *e, void *arg)
{
	struct walk_ctx *wc = arg;
	struct checker *ck = wc->ck;
	uint64_t table = table_of(r, ipa, level, wc->table_at[level]);
	bool unprot = ipa >= (UINT64_C(1) << (r->cfg.s2sz - 1));

	if (e->state == RMI_TABLE || e->state == RMI_ASSIGNED)
		ck->live[table / GRANULE]++;
	if (e->state == RMI_TABLE) {
		claim(ck, e->desc, OWN_RTT, "RTT");
		if (level < 3)
			wc->table_at[level + 1] = e->desc;
	} else if (e->state == RMI_ASSIGNED && !unprot) {
		uint64_t n = rtt_level_size(level) / GRANULE;
		for (uint64_t i = 0; i < n; i++)
			claim(ck, e->desc + i * GRANULE, OWN_DATA, "DATA");
	}
}

static void check_invariants(struct worker *ws)
{
	struct checker ck = { .ngran = rmi_dram_size() / GRANULE };
	ck.kind = calloc(ck.ngran, 1);
	ck.live = calloc(ck.ngran, sizeof(unsigned));
	assert_non_null(ck.kind);
	assert_non_null(ck.live);

	for (int t = 0; t < NTHREADS; t++) {
		for (int i = 0; i < REALMS_PER_THREAD; i++) {
			struct realm *r = ws[t].realms[i].r;
			struct rmm_debug_realm info;
			if (!rmm_debug_realm(r->rd, &info)) {
				print_error("realm rd=0x%llx vanished\n", (unsigned long long)r->rd);
				ck.errors++;
				continue;
			}
			claim(&ck, r->rd, OWN_RD, "RD");
			for (unsigned k = 0; k < r->num_rtts; k++)
				claim(&ck, r->rtt_base + k * GRANULE, OWN_RTT, "root RTT");
			struct walk_ctx wc = { .ck = &ck };
			realm_rtt_visit(r, check_entry, &wc);
			if (granule_refcount(r->rd) != r->nrecs) {
				print_error("RD 0x%llx refcount %u, RECs %u\n", (unsigned long long)r->rd,
					    granule_refcount(r->rd), r->nrecs);
				ck.errors++;
			}
			for (unsigned k = 0; k < r->nrecs; k++) {
				claim(&ck, r->recs[k].pa, OWN_REC, "REC");
				for (unsigned a = 0; a < r->recs[k].num_aux; a++)
					claim(&ck, r->recs[k].aux[a], OWN_AUX, "REC aux");
			}
		}
	}

	static const unsigned expect_state[] = {
		[OWN_RTT] = GRANULE_STATE_RTT, [OWN_DATA] = GRANULE_STATE_DATA, [OWN_RD] = GRANULE_STATE_RD,
		[OWN_REC] = GRANULE_STATE_REC, [OWN_AUX] = GRANULE_STATE_REC_AUX,
	};
	unsigned counts[8] = { 0 };
	for (uint64_t g = 0; g < ck.ngran; g++) {
		uint64_t pa = g * GRANULE;
		unsigned state, refcount;
		if (!rmm_debug_granule(pa, &state, &refcount)) {
			print_error("no granule record for 0x%llx\n", (unsigned long long)pa);
			ck.errors++;
			continue;
		}
		unsigned pas = hostsim_gpt_pas(pa);
		if (state < 8)
			counts[state]++;
		if (ck.kind[g] != OWN_NONE) {
			if (state != expect_state[ck.kind[g]]) {
				print_error("granule 0x%llx: state %u, but reachable as kind %u\n",
					    (unsigned long long)pa, state, ck.kind[g]);
				ck.errors++;
			}
			if (ck.kind[g] == OWN_RTT && refcount != ck.live[g]) {
				print_error("RTT 0x%llx: refcount %u, live entries %u\n",
					    (unsigned long long)pa, refcount, ck.live[g]);
				ck.errors++;
			}
			if ((ck.kind[g] == OWN_REC || ck.kind[g] == OWN_DATA || ck.kind[g] == OWN_AUX) && refcount != 0) {
				print_error("granule 0x%llx (kind %u) refcount %u while idle\n",
					    (unsigned long long)pa, ck.kind[g], refcount);
				ck.errors++;
			}
		} else if (state != GRANULE_STATE_NS && state != GRANULE_STATE_DELEGATED) {
			print_error("granule 0x%llx in state %u is reachable from no owner\n",
				    (unsigned long long)pa, state);
			ck.errors++;
		}
		if (state == GRANULE_STATE_DELEGATED && !granule_is_zero(pa)) {
			print_error("DELEGATED granule 0x%llx is not zero\n", (unsigned long long)pa);
			ck.errors++;
		}
		bool root = pas == HOSTSIM_PAS_ROOT;
		if (!root && state == GRANULE_STATE_NS && pas != HOSTSIM_PAS_NS) {
			print_error("NS granule 0x%llx has PAS %u\n", (unsigned long long)pa, pas);
			ck.errors++;
		}
		if (state != GRANULE_STATE_NS && pas != HOSTSIM_PAS_REALM) {
			print_error("granule 0x%llx in state %u has PAS %u\n", (unsigned long long)pa, state, pas);
			ck.errors++;
		}
	}
	print_message("invariants: %u delegated, %u RD, %u REC, %u aux, %u DATA, %u RTT granules checked\n",
		      counts[GRANULE_STATE_DELEGATED], counts[GRANULE_STATE_RD], counts[GRANULE_STATE_REC],
		      counts[GRANULE_STATE_REC_AUX], counts[GRANULE_STATE_DATA], counts[GRANULE_STATE_RTT]);
	free(ck.kind);
	free(ck.live);
	assert_int_equal(ck.errors, 0);
}

static double stress_seconds(void)
{
	const char *s = getenv("RMI_STRESS_SECONDS");
	double v = s ? atof(s) : 3.0;
	return v > 0 ? v : 3.0;
}

static void test_stress(void **state)
{
	(void)state;
	static struct worker ws[NTHREADS];
	memset(ws, 0, sizeof(ws));
	atomic_store(&anomalies, 0);
	atomic_store(&stop_flag, false);
	uint64_t seed = (uint64_t)time(NULL);
	const char *seed_env = getenv("RMI_STRESS_SEED");
	if (seed_env)
		seed = strtoull(seed_env, NULL, 0);
	print_message("stress: %d threads, %.1f s, seed %llu\n", NTHREADS, stress_seconds(),
		      (unsigned long long)seed);

	for (int i = 0; i < SHARED; i++)
		shared_pool[i] = ns_alloc();
	for (int t = 0; t < NTHREADS; t++) {
		struct worker *w = &ws[t];
		w->id = (unsigned)t;
		w->rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t)t * 0x632BE59BD9B4E019ull + 1;
		for (int i = 0; i < POOL; i++) {
			w->pool[i] = ns_alloc();
			if (i % 2 == 0) {
				struct smc_regs d = RMI(RMI_GRANULE_DELEGATE, w->pool[i]);
				assert_rmi_ok(d);
			}
		}
		for (int i = 0; i < NS_PAGES; i++)
			w->ns_pages[i] = ns_alloc();
		w->src = ns_alloc();
		ns_fill(w->src, (uint8_t)t);
		w->rec_params = ns_alloc();
		for (int i = 0; i < REALMS_PER_THREAD; i++) {
			struct realm_cfg cfg;
			realm_cfg_default(&cfg);
			cfg.hash_algo = (t + i) & 1;
			struct stress_realm *sr = &w->realms[i];
			sr->r = realm_new(&cfg);
			sr->params = realm_params_write(&cfg, sr->r->rtt_base);
		}
		w->aux_count = realm_aux_count(w->realms[0].r);
	}

	for (int t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&ws[t].thread, NULL, worker_main, &ws[t]), 0);
	struct timespec ts = { .tv_sec = (time_t)stress_seconds(),
			       .tv_nsec = (long)((stress_seconds() - (double)(time_t)stress_seconds()) * 1e9) };
	nanosleep(&ts, NULL);
	atomic_store(&stop_flag, true);
	unsigned long calls = 0, successes = 0, resets = 0;
	for (int t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(ws[t].thread, NULL), 0);
		calls += ws[t].calls;
		successes += ws[t].successes;
		resets += ws[t].resets;
	}
	print_message("stress: %lu RMI calls, %lu succeeded, %lu realm resets\n", calls, successes, resets);
	if (atomic_load(&anomalies) != 0) {
		print_error("%lu anomalies; first: %s\n", atomic_load(&anomalies), first_anomaly);
		fail();
	}
	/* Enough real work happened for the check to mean something. */
	assert_true(successes > 100);

	check_invariants(ws);

	/* Tear down: realms first (their granules only undelegated), then every
	 * pool granule back to the host. */
	for (int t = 0; t < NTHREADS; t++) {
		for (int i = 0; i < REALMS_PER_THREAD; i++) {
			realm_teardown_ex(ws[t].realms[i].r, false);
			ns_free(ws[t].realms[i].params);
		}
	}
	for (int t = 0; t < NTHREADS; t++) {
		struct worker *w = &ws[t];
		for (int i = 0; i < POOL; i++) {
			if (granule_state(w->pool[i]) == GRANULE_STATE_DELEGATED) {
				struct smc_regs u = RMI(RMI_GRANULE_UNDELEGATE, w->pool[i]);
				assert_rmi_ok(u);
			}
			ns_free(w->pool[i]);
		}
		for (int i = 0; i < NS_PAGES; i++)
			ns_free(w->ns_pages[i]);
		ns_free(w->src);
		ns_free(w->rec_params);
	}
	for (int i = 0; i < SHARED; i++) {
		if (granule_state(shared_pool[i]) == GRANULE_STATE_DELEGATED) {
			struct smc_regs u = RMI(RMI_GRANULE_UNDELEGATE, shared_pool[i]);
			assert_rmi_ok(u);
		}
		ns_free(shared_pool[i]);
	}
	for (uint64_t pa = 0; pa < rmi_dram_size(); pa += GRANULE) {
		if (hostsim_gpt_pas(pa) == HOSTSIM_PAS_ROOT)
			continue;
		if (granule_state(pa) != GRANULE_STATE_NS || hostsim_gpt_pas(pa) != HOSTSIM_PAS_NS) {
			print_error("granule 0x%llx: state %u PAS %u after teardown\n", (unsigned long long)pa,
				    granule_state(pa), hostsim_gpt_pas(pa));
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

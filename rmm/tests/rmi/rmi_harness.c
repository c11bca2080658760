/*
 * The RMI test kit: see rmi_harness.h. Everything here goes through the
 * public ABI (hostsim_smc) or the debug introspection; nothing reaches into
 * the monitor's internals.
 */
#include "rmi_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsim/hostsim.h"
#include "rmm/rmm.h"

#define MAX_REALMS 64

/* Test-process bookkeeping, reset with every machine: the realms built so
 * far (the snapshots cover them) and the next VMID to hand out. */
static struct realm *live_realms[MAX_REALMS];
static unsigned num_live_realms;
static uint64_t machine_dram;
static uint16_t next_vmid;

/* ---- Machine --------------------------------------------------------------- */

void rmi_machine_start(uint64_t dram_size)
{
	struct hostsim_config cfg = { .dram_size = dram_size, .root_granules = 0 };
	int rc = hostsim_start(&cfg);
	if (rc != 0) {
		print_error("hostsim_start(%llu bytes) failed: %d\n", (unsigned long long)dram_size, rc);
		fail();
	}
	machine_dram = dram_size ? dram_size : HOSTSIM_DEFAULT_DRAM_SIZE;
	num_live_realms = 0;
	next_vmid = 1;
}

int rmi_machine_up(void **state)
{
	(void)state;
	rmi_machine_start(RMI_TEST_DRAM_SIZE);
	return 0;
}

int rmi_machine_down(void **state)
{
	(void)state;
	for (unsigned i = 0; i < num_live_realms; i++)
		free(live_realms[i]);
	num_live_realms = 0;
	hostsim_stop();
	return 0;
}

uint64_t rmi_dram_size(void)
{
	return machine_dram;
}

/* ---- Calls ------------------------------------------------------------------ */

struct smc_regs rmi_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			 uint64_t a4, uint64_t a5, uint64_t a6)
{
	return hostsim_smc_call(fid, a1, a2, a3, a4, a5, a6);
}

static const char *status_name(unsigned s)
{
	static const char *names[] = { "SUCCESS", "ERROR_INPUT", "ERROR_REALM", "ERROR_REC", "ERROR_RTT" };
	return s < 5 ? names[s] : "?";
}

void rmi_expect_status(uint64_t x0, unsigned status, unsigned index,
		       const char *what, const char *file, int line)
{
	if (x0 == RMI_STATUS(status, index))
		return;
	print_error("%s:%d: %s\n  expected %s (index %u), got X0=0x%llx = %s (index %u)\n",
		    file, line, what, status_name(status), index, (unsigned long long)x0,
		    status_name(RMI_STATUS_CODE(x0)), RMI_STATUS_INDEX(x0));
	fail();
}

/* ---- Features --------------------------------------------------------------- */

static unsigned field(uint64_t v, unsigned shift, unsigned width)
{
	return (unsigned)((v >> shift) & ((UINT64_C(1) << width) - 1));
}

struct rmi_features rmi_features(void)
{
	struct smc_regs r = RMI(RMI_FEATURES, 0);
	assert_rmi_ok(r);
	struct rmi_features f = { .raw = r.x[1] };
	f.s2sz = field(f.raw, RMI_FEAT0_S2SZ_SHIFT, RMI_FEAT0_S2SZ_WIDTH);
	f.lpa2 = field(f.raw, RMI_FEAT0_LPA2_SHIFT, 1);
	f.sve = field(f.raw, RMI_FEAT0_SVE_EN_SHIFT, 1);
	f.sve_vl = field(f.raw, RMI_FEAT0_SVE_VL_SHIFT, RMI_FEAT0_SVE_VL_WIDTH);
	f.num_bps = field(f.raw, RMI_FEAT0_NUM_BPS_SHIFT, RMI_FEAT0_NUM_BPS_WIDTH);
	f.num_wps = field(f.raw, RMI_FEAT0_NUM_WPS_SHIFT, RMI_FEAT0_NUM_WPS_WIDTH);
	f.pmu = field(f.raw, RMI_FEAT0_PMU_EN_SHIFT, 1);
	f.pmu_num_ctrs = field(f.raw, RMI_FEAT0_PMU_NUM_CTRS_SHIFT, RMI_FEAT0_PMU_NUM_CTRS_WIDTH);
	f.sha256 = field(f.raw, RMI_FEAT0_SHA_256_SHIFT, 1);
	f.sha512 = field(f.raw, RMI_FEAT0_SHA_512_SHIFT, 1);
	return f;
}

/* ---- Granules --------------------------------------------------------------- */

uint64_t ns_alloc(void)
{
	uint64_t pa = hostsim_host_alloc();
	assert_true(pa != HOSTSIM_NO_PA);
	assert_int_equal(pa % GRANULE, 0);
	return pa;
}

void ns_free(uint64_t pa)
{
	hostsim_host_free(pa);
}

static bool run_present(const uint8_t *have, uint64_t first, unsigned n, uint64_t ngran)
{
	if (first + n > ngran)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!have[first + i])
			return false;
	return true;
}

uint64_t ns_alloc_contig(unsigned n, uint64_t align)
{
	uint64_t ngran = machine_dram / GRANULE;
	uint64_t align_g = align / GRANULE ? align / GRANULE : 1;
	uint8_t *have = calloc(ngran, 1);
	uint64_t *got = calloc(ngran, sizeof(*got));
	uint64_t count = 0, start = UINT64_MAX;
	assert_non_null(have);
	assert_non_null(got);

	/* Allocate until an aligned run of n granules is ours, then give the
	 * rest back: the allocator's order is its own business. */
	while (start == UINT64_MAX) {
		uint64_t pa = hostsim_host_alloc();
		if (pa == HOSTSIM_NO_PA)
			break;
		uint64_t g = pa / GRANULE;
		have[g] = 1;
		got[count++] = g;
		uint64_t lo = g >= n - 1 ? g - (n - 1) : 0;
		for (uint64_t s = (lo + align_g - 1) / align_g * align_g; s <= g; s += align_g) {
			if (run_present(have, s, n, ngran)) {
				start = s;
				break;
			}
		}
	}
	for (uint64_t i = 0; i < count; i++) {
		uint64_t g = got[i];
		if (start == UINT64_MAX || g < start || g >= start + n)
			hostsim_host_free(g * GRANULE);
	}
	free(have);
	free(got);
	if (start == UINT64_MAX) {
		print_error("no %u contiguous NS granules aligned to 0x%llx\n", n, (unsigned long long)align);
		fail();
	}
	return start * GRANULE;
}

uint64_t delegated_alloc(void)
{
	uint64_t pa = ns_alloc();
	struct smc_regs r = RMI(RMI_GRANULE_DELEGATE, pa);
	assert_rmi_ok(r);
	return pa;
}

uint64_t delegated_alloc_contig(unsigned n, uint64_t align)
{
	uint64_t base = ns_alloc_contig(n, align);
	for (unsigned i = 0; i < n; i++) {
		struct smc_regs r = RMI(RMI_GRANULE_DELEGATE, base + i * GRANULE);
		assert_rmi_ok(r);
	}
	return base;
}

void delegated_free(uint64_t pa)
{
	struct smc_regs r = RMI(RMI_GRANULE_UNDELEGATE, pa);
	assert_rmi_ok(r);
	ns_free(pa);
}

unsigned granule_state(uint64_t pa)
{
	unsigned state = 0, refcount = 0;
	assert_true(rmm_debug_granule(pa, &state, &refcount));
	return state;
}

unsigned granule_refcount(uint64_t pa)
{
	unsigned state = 0, refcount = 0;
	assert_true(rmm_debug_granule(pa, &state, &refcount));
	return refcount;
}

bool granule_is_zero(uint64_t pa)
{
	const uint8_t *p = hostsim_monitor_view(pa);
	assert_non_null(p);
	for (size_t i = 0; i < GRANULE; i++)
		if (p[i] != 0)
			return false;
	return true;
}

void ns_write(uint64_t pa, const void *src, size_t len)
{
	assert_true(hostsim_host_write(pa, src, len));
}

void ns_fill(uint64_t pa, uint8_t seed)
{
	uint8_t buf[GRANULE];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	ns_write(pa, buf, sizeof(buf));
}

/* ---- Parameters ------------------------------------------------------------- */

static unsigned table_bits(int level)
{
	return 12u + 9u * (unsigned)(4 - level); /* IPA bits one full table at level resolves */
}

void rtt_geometry(unsigned s2sz, int *level, unsigned *num)
{
	for (int l = 3; l >= 0; l--) {
		unsigned bits = table_bits(l);
		if (s2sz <= bits + 4 || l == 0) {
			*level = l;
			*num = s2sz > bits ? 1u << (s2sz - bits) : 1u;
			return;
		}
	}
}

uint16_t rmi_fresh_vmid(void)
{
	return next_vmid++;
}

void realm_cfg_default(struct realm_cfg *cfg)
{
	struct rmi_features f = rmi_features();
	int level;
	unsigned num;

	memset(cfg, 0, sizeof(*cfg));
	cfg->s2sz = (f.s2sz != 0 && f.s2sz < 40) ? (uint8_t)f.s2sz : 40;
	cfg->hash_algo = RMI_HASH_SHA_256;
	/* The most the monitor offers, as a VMM asks for (0 is reserved). */
	cfg->num_bps = f.num_bps;
	cfg->num_wps = f.num_wps;
	cfg->vmid = rmi_fresh_vmid();
	rtt_geometry(cfg->s2sz, &level, &num);
	cfg->rtt_level_start = level;
	cfg->rtt_num_start = num;
	for (unsigned i = 0; i < RMI_RPV_SIZE; i++)
		cfg->rpv[i] = (uint8_t)(0xA0 + i);
}

uint64_t realm_params_write(const struct realm_cfg *cfg, uint64_t rtt_base)
{
	struct rmi_realm_params p;
	memset(&p, 0, sizeof(p));
	p.flags = cfg->flags;
	p.s2sz = cfg->s2sz;
	p.sve_vl = cfg->sve_vl;
	p.num_bps = cfg->num_bps;
	p.num_wps = cfg->num_wps;
	p.pmu_num_ctrs = cfg->pmu_num_ctrs;
	p.hash_algo = cfg->hash_algo;
	memcpy(p.rpv, cfg->rpv, sizeof(p.rpv));
	p.vmid = cfg->vmid;
	p.rtt_base = rtt_base;
	p.rtt_level_start = cfg->rtt_level_start;
	p.rtt_num_start = cfg->rtt_num_start;
	uint64_t pa = ns_alloc();
	ns_write(pa, &p, sizeof(p));
	return pa;
}

uint64_t rmi_rec_mpidr(unsigned index)
{
	return (index & 0xfu) | ((uint64_t)((index >> 4) & 0xffu) << 8);
}

uint64_t rec_params_write(const struct rec_cfg *cfg, unsigned num_aux, const uint64_t *aux)
{
	struct rmi_rec_params p;
	memset(&p, 0, sizeof(p));
	p.flags = cfg->flags;
	p.mpidr = cfg->mpidr;
	p.pc = cfg->pc;
	memcpy(p.gprs, cfg->gprs, sizeof(p.gprs));
	p.num_aux = num_aux;
	for (unsigned i = 0; i < num_aux && i < RMI_REC_MAX_AUX; i++)
		p.aux[i] = aux[i];
	uint64_t pa = ns_alloc();
	ns_write(pa, &p, sizeof(p));
	return pa;
}

/* ---- Realms ----------------------------------------------------------------- */

static void realm_register(struct realm *r)
{
	assert_true(num_live_realms < MAX_REALMS);
	live_realms[num_live_realms++] = r;
}

static void realm_unregister(struct realm *r)
{
	for (unsigned i = 0; i < num_live_realms; i++) {
		if (live_realms[i] == r) {
			live_realms[i] = live_realms[--num_live_realms];
			return;
		}
	}
}

struct realm *realm_new(const struct realm_cfg *cfg)
{
	struct realm *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->cfg = *cfg;
	r->start_level = (int)cfg->rtt_level_start;
	r->num_rtts = (unsigned)cfg->rtt_num_start;
	r->rd = delegated_alloc();
	r->rtt_base = delegated_alloc_contig(r->num_rtts, r->num_rtts * GRANULE);
	uint64_t params = realm_params_write(cfg, r->rtt_base);
	struct smc_regs regs = RMI(RMI_REALM_CREATE, r->rd, params);
	ns_free(params);
	realm_register(r);
	assert_rmi_ok(regs);
	return r;
}

struct realm *realm_new_default(void)
{
	struct realm_cfg cfg;
	realm_cfg_default(&cfg);
	return realm_new(&cfg);
}

uint64_t realm_ipa_size(const struct realm *r)
{
	return UINT64_C(1) << r->cfg.s2sz;
}

uint64_t realm_unprotected(const struct realm *r, uint64_t ipa)
{
	return ipa | (UINT64_C(1) << (r->cfg.s2sz - 1));
}

void realm_rim(uint64_t rd, uint8_t rim[64])
{
	struct rmm_debug_realm info;

	assert_true(rmm_debug_realm(rd, &info));
	memcpy(rim, info.rim, 64);
}

uint64_t rtt_level_size(int level)
{
	return UINT64_C(1) << (12 + 9 * (3 - level));
}

struct rtte rtt_read(const struct realm *r, uint64_t ipa, int level)
{
	struct smc_regs regs = RMI(RMI_RTT_READ_ENTRY, r->rd, ipa, (uint64_t)level);
	assert_rmi_ok(regs);
	struct rtte e = {
		.level = (unsigned)regs.x[1],
		.state = (unsigned)regs.x[2],
		.desc = regs.x[3],
		.ripas = (unsigned)regs.x[4],
	};
	return e;
}

void rtt_expect_entry(const struct realm *r, uint64_t ipa, int level, unsigned walk_level,
		      unsigned state, unsigned ripas, uint64_t desc, const char *file, int line)
{
	struct rtte e = rtt_read(r, ipa, level);

	if (e.level != walk_level || e.state != state || e.ripas != ripas || e.desc != desc) {
		print_error("%s:%d: RTT_READ_ENTRY(0x%llx, %d) = level %u state %u ripas %u desc 0x%llx; "
			    "expected level %u state %u ripas %u desc 0x%llx\n",
			    file, line, (unsigned long long)ipa, level, e.level, e.state, e.ripas,
			    (unsigned long long)e.desc, walk_level, state, ripas, (unsigned long long)desc);
		fail();
	}
}

uint64_t realm_rtt_map(struct realm *r, uint64_t ipa, int level)
{
	uint64_t last = 0;
	for (int l = r->start_level + 1; l <= level; l++) {
		uint64_t parent_ipa = ipa & ~(rtt_level_size(l - 1) - 1);
		struct rtte e = rtt_read(r, parent_ipa, l - 1);
		assert_int_equal(e.level, l - 1);
		if (e.state == RMI_TABLE) {
			last = e.desc;
			continue;
		}
		uint64_t g = delegated_alloc();
		struct smc_regs regs = RMI(RMI_RTT_CREATE, r->rd, g, parent_ipa, (uint64_t)l);
		assert_rmi_ok(regs);
		last = g;
	}
	return last;
}

void realm_init_ripas(struct realm *r, uint64_t base, uint64_t top)
{
	while (base < top) {
		struct smc_regs regs = RMI(RMI_RTT_INIT_RIPAS, r->rd, base, top);
		assert_rmi_ok(regs);
		assert_true(regs.x[1] > base && regs.x[1] <= top);
		base = regs.x[1];
	}
}

uint64_t realm_data_create(struct realm *r, uint64_t ipa, const void *content, uint64_t flags)
{
	uint64_t src = ns_alloc();
	if (content)
		ns_write(src, content, GRANULE);
	uint64_t data = delegated_alloc();
	struct smc_regs regs = RMI(RMI_DATA_CREATE, r->rd, data, ipa, src, flags);
	ns_free(src);
	assert_rmi_ok(regs);
	return data;
}

uint64_t realm_data_create_unknown(struct realm *r, uint64_t ipa)
{
	uint64_t data = delegated_alloc();
	struct smc_regs regs = RMI(RMI_DATA_CREATE_UNKNOWN, r->rd, data, ipa);
	assert_rmi_ok(regs);
	return data;
}

unsigned realm_aux_count(const struct realm *r)
{
	struct smc_regs regs = RMI(RMI_REC_AUX_COUNT, r->rd);
	assert_rmi_ok(regs);
	assert_true(regs.x[1] <= RMI_REC_MAX_AUX);
	return (unsigned)regs.x[1];
}

uint64_t realm_rec_create(struct realm *r, const struct rec_cfg *cfg)
{
	assert_true(r->nrecs < HARNESS_MAX_RECS);
	struct rec_handle *h = &r->recs[r->nrecs];
	struct rec_cfg c = *cfg;
	c.mpidr = rmi_rec_mpidr(r->rec_index); /* RECs are created in MPIDR-index order */
	h->num_aux = realm_aux_count(r);
	for (unsigned i = 0; i < h->num_aux; i++)
		h->aux[i] = delegated_alloc();
	h->pa = delegated_alloc();
	uint64_t params = rec_params_write(&c, h->num_aux, h->aux);
	struct smc_regs regs = RMI(RMI_REC_CREATE, r->rd, h->pa, params);
	ns_free(params);
	assert_rmi_ok(regs);
	r->nrecs++;
	r->rec_index++;
	return h->pa;
}

void realm_activate(struct realm *r)
{
	struct smc_regs regs = RMI(RMI_REALM_ACTIVATE, r->rd);
	assert_rmi_ok(regs);
}

static void visit_table(const struct realm *r, uint64_t base, int level, uint64_t n,
			rtt_visitor fn, void *ctx)
{
	uint64_t size = rtt_level_size(level);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ipa = base + i * size;
		struct rtte e = rtt_read(r, ipa, level);
		assert_int_equal(e.level, level);
		fn(r, ipa, level, &e, ctx);
		if (e.state == RMI_TABLE) {
			assert_true(level < 3);
			visit_table(r, ipa, level + 1, RMI_RTT_ENTRIES, fn, ctx);
		}
	}
}

void realm_rtt_visit(const struct realm *r, rtt_visitor fn, void *ctx)
{
	uint64_t n = realm_ipa_size(r) / rtt_level_size(r->start_level);
	visit_table(r, 0, r->start_level, n, fn, ctx);
}

static void release(uint64_t pa, bool give_back)
{
	if (give_back) {
		delegated_free(pa);
		return;
	}
	struct smc_regs r = RMI(RMI_GRANULE_UNDELEGATE, pa);
	assert_rmi_ok(r);
}

static void teardown_table(struct realm *r, uint64_t base, int level, uint64_t n, bool give_back)
{
	uint64_t size = rtt_level_size(level);
	uint64_t unprot = UINT64_C(1) << (r->cfg.s2sz - 1);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ipa = base + i * size;
		struct rtte e = rtt_read(r, ipa, level);
		assert_int_equal(e.level, level);
		if (e.state == RMI_ASSIGNED) {
			if (ipa >= unprot) {
				struct smc_regs regs = RMI(RMI_RTT_UNMAP_UNPROTECTED, r->rd, ipa, (uint64_t)level);
				assert_rmi_ok(regs);
				continue;
			}
			if (level == 3) {
				struct smc_regs regs = RMI(RMI_DATA_DESTROY, r->rd, ipa);
				assert_rmi_ok(regs);
				assert_int_equal(regs.x[1], e.desc);
				release(regs.x[1], give_back);
				continue;
			}
			/* A block: unfold it, then destroy page by page. */
			uint64_t g = delegated_alloc();
			struct smc_regs regs = RMI(RMI_RTT_CREATE, r->rd, g, ipa, (uint64_t)(level + 1));
			assert_rmi_ok(regs);
			e.state = RMI_TABLE;
		}
		if (e.state == RMI_TABLE) {
			teardown_table(r, ipa, level + 1, RMI_RTT_ENTRIES, give_back);
			struct smc_regs regs = RMI(RMI_RTT_DESTROY, r->rd, ipa, (uint64_t)(level + 1));
			assert_rmi_ok(regs);
			release(regs.x[1], give_back);
		}
	}
}

void realm_teardown(struct realm *r)
{
	realm_teardown_ex(r, true);
}

void realm_teardown_ex(struct realm *r, bool give_back)
{
	teardown_table(r, 0, r->start_level, realm_ipa_size(r) / rtt_level_size(r->start_level), give_back);
	for (unsigned i = 0; i < r->nrecs; i++) {
		struct smc_regs regs = RMI(RMI_REC_DESTROY, r->recs[i].pa);
		assert_rmi_ok(regs);
		release(r->recs[i].pa, give_back);
		for (unsigned a = 0; a < r->recs[i].num_aux; a++)
			release(r->recs[i].aux[a], give_back);
	}
	r->nrecs = 0;
	struct smc_regs regs = RMI(RMI_REALM_DESTROY, r->rd);
	assert_rmi_ok(regs);
	delegated_free(r->rd);
	for (unsigned i = 0; i < r->num_rtts; i++)
		delegated_free(r->rtt_base + i * GRANULE);
	realm_unregister(r);
	free(r);
}

/* ---- Snapshots -------------------------------------------------------------- */

struct snap_granule {
	unsigned state, refcount, pas;
	bool known;
};

struct snap_entry {
	uint64_t ipa;
	int level;
	struct rtte e;
};

struct snap_realm {
	uint64_t rd;
	bool ok;
	struct rmm_debug_realm info;
	size_t n, cap;
	struct snap_entry *ent;
};

struct snapshot {
	uint64_t ngran;
	struct snap_granule *g;
	unsigned nrealms;
	struct snap_realm realms[MAX_REALMS];
};

static void snap_collect(const struct realm *r, uint64_t ipa, int level, const struct rtte *e, void *ctx)
{
	(void)r;
	struct snap_realm *sr = ctx;
	if (sr->n == sr->cap) {
		sr->cap = sr->cap ? sr->cap * 2 : 1024;
		sr->ent = realloc(sr->ent, sr->cap * sizeof(*sr->ent));
		assert_non_null(sr->ent);
	}
	sr->ent[sr->n++] = (struct snap_entry){ .ipa = ipa, .level = level, .e = *e };
}

struct snapshot *snap_take(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->ngran = machine_dram / GRANULE;
	s->g = calloc(s->ngran, sizeof(*s->g));
	assert_non_null(s->g);
	for (uint64_t i = 0; i < s->ngran; i++) {
		struct snap_granule *g = &s->g[i];
		g->known = rmm_debug_granule(i * GRANULE, &g->state, &g->refcount);
		g->pas = hostsim_gpt_pas(i * GRANULE);
	}
	s->nrealms = num_live_realms;
	for (unsigned i = 0; i < num_live_realms; i++) {
		struct snap_realm *sr = &s->realms[i];
		sr->rd = live_realms[i]->rd;
		sr->ok = rmm_debug_realm(sr->rd, &sr->info);
		if (sr->ok)
			realm_rtt_visit(live_realms[i], snap_collect, sr);
	}
	return s;
}

void snap_free(struct snapshot *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nrealms; i++)
		free(s->realms[i].ent);
	free(s->g);
	free(s);
}

static const char *realm_info_diff(const struct rmm_debug_realm *a, const struct rmm_debug_realm *b)
{
	if (a->state != b->state)
		return "state";
	if (a->hash_algo != b->hash_algo)
		return "hash_algo";
	if (a->ipa_bits != b->ipa_bits)
		return "ipa_bits";
	if (a->vmid != b->vmid)
		return "vmid";
	if (memcmp(a->rim, b->rim, sizeof(a->rim)) != 0)
		return "RIM";
	if (memcmp(a->rem, b->rem, sizeof(a->rem)) != 0)
		return "REMs";
	if (memcmp(a->rpv, b->rpv, sizeof(a->rpv)) != 0)
		return "RPV";
	return NULL;
}

void snap_expect_same(const struct snapshot *before, const char *file, int line)
{
	struct snapshot *now = snap_take();
	bool same = true;

	for (uint64_t i = 0; i < before->ngran && same; i++) {
		const struct snap_granule *a = &before->g[i], *b = &now->g[i];
		if (a->known != b->known || a->state != b->state || a->refcount != b->refcount ||
		    a->pas != b->pas) {
			print_error("%s:%d: granule 0x%llx changed: state %u->%u refcount %u->%u pas %u->%u\n",
				    file, line, (unsigned long long)(i * GRANULE), a->state, b->state,
				    a->refcount, b->refcount, a->pas, b->pas);
			same = false;
		}
	}
	for (unsigned i = 0; i < before->nrealms && same; i++) {
		const struct snap_realm *a = &before->realms[i], *b = &now->realms[i];
		if (a->ok != b->ok) {
			print_error("%s:%d: realm rd=0x%llx appeared/disappeared\n", file, line,
				    (unsigned long long)a->rd);
			same = false;
			break;
		}
		const char *d = a->ok ? realm_info_diff(&a->info, &b->info) : NULL;
		if (d) {
			print_error("%s:%d: realm rd=0x%llx: %s changed\n", file, line,
				    (unsigned long long)a->rd, d);
			same = false;
			break;
		}
		if (a->n != b->n) {
			print_error("%s:%d: realm rd=0x%llx: RTT entry count %zu -> %zu\n", file, line,
				    (unsigned long long)a->rd, a->n, b->n);
			same = false;
			break;
		}
		for (size_t k = 0; k < a->n; k++) {
			const struct snap_entry *x = &a->ent[k], *y = &b->ent[k];
			if (x->ipa != y->ipa || x->level != y->level || x->e.state != y->e.state ||
			    x->e.ripas != y->e.ripas || x->e.desc != y->e.desc) {
				print_error("%s:%d: realm rd=0x%llx: RTT entry ipa 0x%llx level %d changed: "
					    "state %u->%u ripas %u->%u desc 0x%llx->0x%llx\n",
					    file, line, (unsigned long long)a->rd, (unsigned long long)x->ipa,
					    x->level, x->e.state, y->e.state, x->e.ripas, y->e.ripas,
					    (unsigned long long)x->e.desc, (unsigned long long)y->e.desc);
				same = false;
				break;
			}
		}
	}
	snap_free(now);
	if (!same)
		fail();
}

struct smc_regs rmi_fails_unchanged(unsigned status, unsigned index, const char *what,
				    const char *file, int line, uint64_t fid, uint64_t a1,
				    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
				    uint64_t a6)
{
	struct snapshot *s = snap_take();
	struct smc_regs r = rmi_call(fid, a1, a2, a3, a4, a5, a6);
	rmi_expect_status(r.x[0], status, index, what, file, line);
	snap_expect_same(s, file, line);
	snap_free(s);
	return r;
}

/* ---- A granule in every state ----------------------------------------------- */

void state_zoo_build(struct state_zoo *z)
{
	memset(z, 0, sizeof(*z));
	z->realm = realm_new_default();
	z->rtt = realm_rtt_map(z->realm, 0, 3);
	z->data = realm_data_create_unknown(z->realm, 0);
	struct rec_cfg rc = { .flags = 0 };
	z->rec = realm_rec_create(z->realm, &rc);
	z->rec_aux = z->realm->recs[0].num_aux ? z->realm->recs[0].aux[0] : 0;
	z->rd = z->realm->rd;
	z->ns = ns_alloc();
	z->delegated = delegated_alloc();
}

void state_zoo_free(struct state_zoo *z)
{
	realm_teardown(z->realm);
	delegated_free(z->delegated);
	ns_free(z->ns);
}

void rmi_fails_wrong_granule(const struct state_zoo *z, unsigned arg, unsigned want,
			     const char *what, const char *file, int line, uint64_t fid,
			     uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
			     uint64_t a6)
{
	uint64_t args[7] = { fid, a1, a2, a3, a4, a5, a6 };
	const struct {
		const char *name;
		uint64_t pa;
		unsigned state;	/* of the zoo granule; UINT32_MAX: not a granule */
	} wrong[] = {
		{ "misaligned", args[arg] + 8, UINT32_MAX },
		{ "the end of DRAM", rmi_dram_size(), UINT32_MAX },
		{ "an NS granule", z->ns, GRANULE_STATE_NS },
		{ "a DELEGATED granule", z->delegated, GRANULE_STATE_DELEGATED },
		{ "an RD", z->rd, GRANULE_STATE_RD },
		{ "a REC", z->rec, GRANULE_STATE_REC },
		{ "an RTT", z->rtt, GRANULE_STATE_RTT },
		{ "a DATA granule", z->data, GRANULE_STATE_DATA },
		{ "a REC aux granule", z->rec_aux, GRANULE_STATE_REC_AUX },
	};
	char desc[160];

	assert_true(arg >= 1 && arg <= 6);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		if (wrong[i].state == want || (wrong[i].state == GRANULE_STATE_REC_AUX && !z->rec_aux))
			continue;
		uint64_t a[7];
		memcpy(a, args, sizeof(a));
		a[arg] = wrong[i].pa;
		snprintf(desc, sizeof(desc), "RMI(%s) with X%u = %s", what, arg, wrong[i].name);
		rmi_fails_unchanged(RMI_ERROR_INPUT, 0, desc, file, line, a[0], a[1], a[2], a[3],
				    a[4], a[5], a[6]);
	}
}

/*
 * A host-side kit for black-box tests of the monitor's RMI.
 *
 * The tests play the normal world of an emulated CCA machine (hostsim): they
 * own NS granules, hand some of them to the monitor with GRANULE_DELEGATE,
 * build realms through RMI calls only, and observe the result through the
 * ABI (RTT_READ_ENTRY), the granule protection table, and the monitor's
 * debug introspection (rmm_debug_granule, rmm_debug_realm).
 *
 * "Nothing changed" is checked with snapshots: the state and refcount and PAS
 * of every DRAM granule, every RTT entry of every realm the harness built,
 * and every such realm's rmm_debug_realm record (RIM included). A failing
 * RMI call must leave a snapshot identical to the one taken before it.
 *
 * All helpers assert with cmocka: they are for use inside a cmocka test.
 */
#ifndef CAEC_RMI_HARNESS_H
#define CAEC_RMI_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "abi/rmi.h"

#define GRANULE RMI_GRANULE_SIZE
#define SZ_2M   (UINT64_C(1) << 21)
#define SZ_1G   (UINT64_C(1) << 30)
/* Host attributes of an unprotected mapping: Normal WB (FWB encoding),
 * S2AP read/write, inner shareable. */
#define NS_ATTRS ((UINT64_C(6) << 2) | (UINT64_C(3) << 6) | (UINT64_C(3) << 8))

/* ---- The machine --------------------------------------------------------- */

/* DRAM of the machines the conformance tests boot: small enough that a
 * snapshot of every granule is cheap, large enough for 2 MiB blocks. */
#define RMI_TEST_DRAM_SIZE (UINT64_C(64) << 20)

/* cmocka setup/teardown: a fresh machine for every test. */
int rmi_machine_up(void **state);
int rmi_machine_down(void **state);
/* Boot a machine of dram_size bytes (0 = hostsim's default). */
void rmi_machine_start(uint64_t dram_size);
uint64_t rmi_dram_size(void);

/* ---- Calls --------------------------------------------------------------- */

struct smc_regs rmi_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3,
			 uint64_t a4, uint64_t a5, uint64_t a6);
/* RMI(fid, args...): missing arguments are zero. */
#define RMI_PAD_(fid, a1, a2, a3, a4, a5, a6, ...) \
	rmi_call((fid), (a1), (a2), (a3), (a4), (a5), (a6))
#define RMI(...) RMI_PAD_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* Asserts X0 == status | index << 8, printing both halves on mismatch. */
void rmi_expect_status(uint64_t x0, unsigned status, unsigned index,
		       const char *what, const char *file, int line);
#define assert_rmi(regs, status, index) \
	rmi_expect_status((regs).x[0], (status), (index), #regs, __FILE__, __LINE__)
#define assert_rmi_ok(regs) assert_rmi((regs), RMI_SUCCESS, 0)

/* ---- Feature register 0 -------------------------------------------------- */

struct rmi_features {
	uint64_t raw;
	unsigned s2sz, sve_vl, num_bps, num_wps, pmu_num_ctrs;
	bool lpa2, sve, pmu, sha256, sha512;
};
struct rmi_features rmi_features(void);

/* ---- Granules ------------------------------------------------------------ */

uint64_t ns_alloc(void);             /* a zeroed NS granule, asserted */
void ns_free(uint64_t pa);
/* n physically contiguous NS granules starting at a multiple of align. */
uint64_t ns_alloc_contig(unsigned n, uint64_t align);
uint64_t delegated_alloc(void);      /* NS granule, delegated (asserted) */
uint64_t delegated_alloc_contig(unsigned n, uint64_t align);
void delegated_free(uint64_t pa);    /* undelegate (asserted) and free */
unsigned granule_state(uint64_t pa);
unsigned granule_refcount(uint64_t pa);
bool granule_is_zero(uint64_t pa);   /* through hostsim_monitor_view */
void ns_write(uint64_t pa, const void *src, size_t len);   /* asserted */
void ns_fill(uint64_t pa, uint8_t seed);   /* a recognisable 4 KiB pattern */

/* ---- Realm and REC parameters -------------------------------------------- */

struct realm_cfg {
	uint64_t flags;
	uint8_t s2sz;
	uint64_t sve_vl, num_bps, num_wps, pmu_num_ctrs, hash_algo;
	uint8_t rpv[RMI_RPV_SIZE];
	uint16_t vmid;
	int64_t rtt_level_start;
	uint64_t rtt_num_start;
};
/* s2sz 40 (or the largest supported if smaller), matching start level and
 * number of root tables, SHA-256, a fresh VMID. */
void realm_cfg_default(struct realm_cfg *cfg);
/* The start level and number of concatenated root RTTs VMSAv8-64 uses for an
 * IPA width (4 KiB granules). */
void rtt_geometry(unsigned s2sz, int *level, unsigned *num);
uint16_t rmi_fresh_vmid(void);

/* Writes RmiRealmParams into a fresh NS granule; returns its PA. */
uint64_t realm_params_write(const struct realm_cfg *cfg, uint64_t rtt_base);

struct rec_cfg {
	uint64_t flags, mpidr, pc;
	uint64_t gprs[RMI_REC_PARAMS_GPRS];
};
/* The MPIDR of the REC with linear index i: Aff0 = i[3:0], Aff1 = i[11:4]. */
uint64_t rmi_rec_mpidr(unsigned index);
/* Writes RmiRecParams (num_aux/aux given) into a fresh NS granule. */
uint64_t rec_params_write(const struct rec_cfg *cfg, unsigned num_aux, const uint64_t *aux);

/* ---- Realms -------------------------------------------------------------- */

#define HARNESS_MAX_RECS 16

struct rec_handle {
	uint64_t pa;
	unsigned num_aux;
	uint64_t aux[RMI_REC_MAX_AUX];
};

struct realm {
	struct realm_cfg cfg;
	uint64_t rd, rtt_base;
	unsigned num_rtts;
	int start_level;
	unsigned nrecs;                  /* live RECs in recs[] */
	unsigned rec_index;              /* MPIDR index of the next REC */
	struct rec_handle recs[HARNESS_MAX_RECS];
};

/* Delegates the RD and root RTTs, REALM_CREATE (asserted). The realm joins
 * the set the snapshots cover. */
struct realm *realm_new(const struct realm_cfg *cfg);
struct realm *realm_new_default(void);
/* Protected IPA -> its unprotected alias. */
uint64_t realm_unprotected(const struct realm *r, uint64_t ipa);
uint64_t realm_ipa_size(const struct realm *r);
/* The realm's RIM as the monitor holds it (rmm_debug_realm, asserted). */
void realm_rim(uint64_t rd, uint8_t rim[64]);

struct rtte {
	unsigned level, state, ripas;
	uint64_t desc;
};
struct rtte rtt_read(const struct realm *r, uint64_t ipa, int level);
/* RTT_READ_ENTRY(ipa, level) must give exactly this walk level, state, RIPAS
 * and descriptor; a mismatch names the caller's line and both entries. */
void rtt_expect_entry(const struct realm *r, uint64_t ipa, int level, unsigned walk_level,
		      unsigned state, unsigned ripas, uint64_t desc, const char *file, int line);
#define EXPECT_ENTRY(r, ipa, lvl, wl, st, rp, desc) \
	rtt_expect_entry((r), (ipa), (lvl), (wl), (st), (rp), (desc), __FILE__, __LINE__)
/* Creates every missing RTT from the start level down to `level` for ipa
 * (level = the deepest RTT wanted, e.g. 3). Returns the last RTT's PA. */
uint64_t realm_rtt_map(struct realm *r, uint64_t ipa, int level);
/* INIT_RIPAS base..top, repeating while it makes progress (asserted). */
void realm_init_ripas(struct realm *r, uint64_t base, uint64_t top);
/* DATA_CREATE from a source granule holding content (4 KiB; NULL = zeros). */
uint64_t realm_data_create(struct realm *r, uint64_t ipa, const void *content, uint64_t flags);
uint64_t realm_data_create_unknown(struct realm *r, uint64_t ipa);
unsigned realm_aux_count(const struct realm *r);
/* REC_CREATE with the next MPIDR index and fresh aux granules. */
uint64_t realm_rec_create(struct realm *r, const struct rec_cfg *cfg);
void realm_activate(struct realm *r);
/* Tears every mapping, RTT and REC down, destroys the realm, undelegates and
 * frees every granule; asserts each step. */
void realm_teardown(struct realm *r);
/* The same, but with give_back false the granules the realm got from the
 * caller (RTTs below the root, DATA, RECs, aux) are only undelegated, left
 * to the caller to free; the RD and root RTTs are always freed. */
void realm_teardown_ex(struct realm *r, bool give_back);

/* Visits every RTT entry of a realm, parents before children. */
typedef void (*rtt_visitor)(const struct realm *r, uint64_t ipa, int level,
			    const struct rtte *e, void *ctx);
void realm_rtt_visit(const struct realm *r, rtt_visitor fn, void *ctx);

uint64_t rtt_level_size(int level);

/* ---- Snapshots ----------------------------------------------------------- */

struct snapshot;
struct snapshot *snap_take(void);
void snap_free(struct snapshot *s);
/* Takes a new snapshot and asserts it equals s, naming the first difference. */
void snap_expect_same(const struct snapshot *s, const char *file, int line);

/* Call an RMI command that must fail with (status, index) and change nothing. */
#define ASSERT_RMI_FAILS(status, index, ...)                                  \
	do {                                                                  \
		struct snapshot *snap_ = snap_take();                         \
		struct smc_regs r_ = RMI(__VA_ARGS__);                        \
		rmi_expect_status(r_.x[0], (status), (index), #__VA_ARGS__,   \
				  __FILE__, __LINE__);                        \
		snap_expect_same(snap_, __FILE__, __LINE__);                  \
		snap_free(snap_);                                             \
	} while (0)

/* The same, returning the output registers for further checks. */
struct smc_regs rmi_fails_unchanged(unsigned status, unsigned index, const char *what,
				    const char *file, int line, uint64_t fid, uint64_t a1,
				    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
				    uint64_t a6);
#define RMI_FAILS_PAD_(st, ix, fid, a1, a2, a3, a4, a5, a6, ...) \
	rmi_fails_unchanged((st), (ix), #fid, __FILE__, __LINE__, (fid), (a1), (a2), (a3), (a4), (a5), (a6))
#define RMI_FAILS(st, ix, ...) RMI_FAILS_PAD_(st, ix, __VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* Granules in each non-NS state, for the "wrong state" failure conditions. */
struct state_zoo {
	struct realm *realm;      /* NEW, with one L2 RTT, one DATA and one REC */
	uint64_t ns, delegated, rd, rec, rec_aux, rtt, data;
};
void state_zoo_build(struct state_zoo *z);
/* Tears the zoo's realm down and gives back its NS and DELEGATED granules. */
void state_zoo_free(struct state_zoo *z);

/*
 * The _align, _bound and _state failure conditions of a granule argument in
 * one call: RMI_FAILS_WRONG_GRANULE(z, arg, want, fid, a1, ...) makes the
 * call once for each wrong value of argument X<arg> (1..6) and expects
 * ERROR_INPUT and no change every time. The wrong values: the good value
 * + 8 (misaligned), the end of DRAM (out of bounds), and every granule of
 * the zoo whose state is not `want` (GRANULE_STATE_*), its REC's aux granule
 * included when there is one. A failure names the caller's line, the call
 * as written and the wrong value.
 */
void rmi_fails_wrong_granule(const struct state_zoo *z, unsigned arg, unsigned want,
			     const char *what, const char *file, int line, uint64_t fid,
			     uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
			     uint64_t a6);
#define RMI_FAILS_WRONG_PAD_(z, arg, want, what, fid, a1, a2, a3, a4, a5, a6, ...)      \
	rmi_fails_wrong_granule((z), (arg), (want), (what), __FILE__, __LINE__, (fid), (a1), \
				(a2), (a3), (a4), (a5), (a6))
#define RMI_FAILS_WRONG_GRANULE(z, arg, want, ...) \
	RMI_FAILS_WRONG_PAD_(z, arg, want, #__VA_ARGS__, __VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
/* The common case: X1 names the realm's RD. */
#define RMI_FAILS_WRONG_RD(z, ...) \
	RMI_FAILS_WRONG_PAD_(z, 1, GRANULE_STATE_RD, #__VA_ARGS__, __VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

#endif

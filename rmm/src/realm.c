/*
 * RMI commands on realms: REALM_CREATE, REALM_ACTIVATE, REALM_DESTROY.
 *
 * Locks (granule.c rule 1): REALM_CREATE takes the RD and the root RTTs as one
 * argument set; REALM_DESTROY takes the RD, then its root RTTs (owned).
 * Also the RD locking the other realm commands share (rmi_handlers.h).
 */
#include "checked_math.h"
#include "rmi_features.h"
#include "rmi_handlers.h"
#include "rtt.h"

unsigned realm_root_rtt_count(unsigned ipa_bits, long level_start)
{
	unsigned shift, cover;

	if (level_start < S2TT_MIN_START_LEVEL || level_start > S2TT_PAGE_LEVEL)
		return 0;
	shift = s2tt_level_shift((int)level_start);
	cover = shift + 9; /* IPA bits one table at this level translates */
	if (ipa_bits <= shift)
		return 0; /* the walk would start above the level the width needs */
	if (ipa_bits <= cover)
		return 1;
	if (ipa_bits - cover > 4)
		return 0; /* more than 16 concatenated tables */
	return 1u << (ipa_bits - cover);
}

/* params_valid and params_supp: encodings the ABI defines, values this
 * monitor supports (rmi_features.h). Each field is read at its ABI width, so
 * reserved bytes next to it play no part. A realm must ask for at least one
 * breakpoint and one watchpoint: 0 is a reserved value of num_bps and num_wps
 * (as the reference monitor treats it), and the most it may ask for is what
 * RMI_FEATURES reports. */
static bool realm_params_acceptable(const struct rmi_realm_params *p)
{
	uint64_t known_flags = RMI_REALM_FLAG_LPA2 | RMI_REALM_FLAG_SVE | RMI_REALM_FLAG_PMU;

	if ((p->flags & ~known_flags) || p->hash_algo > RMI_HASH_SHA_512 ||
	    measurement_hash_size(p->hash_algo) == 0)
		return false;
	if (p->flags & ~FEAT_SUPPORTED_REALM_FLAGS)
		return false;
	if (p->s2sz < REALM_MIN_IPA_BITS || p->s2sz > FEAT_MAX_IPA_BITS)
		return false;
	return p->num_bps != 0 && p->num_bps <= FEAT_NUM_BPS && p->num_wps != 0 &&
	       p->num_wps <= FEAT_NUM_WPS;
}

/* The root RTT range is [rtt_base, rtt_base + num * 4 KiB), granule aligned
 * (rtt_align: see smc_realm_create). */
static bool root_rtts_valid(const struct rmi_realm_params *p, uint64_t rd_pa, unsigned *num)
{
	uint64_t size, end;

	*num = realm_root_rtt_count(p->s2sz, (long)p->rtt_level_start);
	if (*num == 0 || p->rtt_num_start != *num)
		return false;
	size = (uint64_t)*num * GRANULE_SIZE;
	if (!is_aligned(p->rtt_base, GRANULE_SIZE) || add_u64_overflows(p->rtt_base, size, &end))
		return false;
	return rd_pa < p->rtt_base || rd_pa >= end; /* alias */
}

static void init_root_rtts(struct granule_lock_req *roots, unsigned num, const struct rd *rd)
{
	int level = rd->rtt_level_start;

	for (unsigned t = 0; t < num; t++) {
		uint64_t *table = granule_map(roots[t].g);

		for (unsigned i = 0; i < S2TT_ENTRIES; i++) {
			uint64_t ipa = ((uint64_t)t * S2TT_ENTRIES + i) << s2tt_level_shift(level);

			/* Delegated granules are zero, i.e. UNASSIGNED/EMPTY already. */
			if (ipa >= rd_protected_top(rd))
				rtt_entry_write(table, i, s2tte_make_unassigned_ns());
		}
		granule_unmap(table);
		atomic_store_explicit(&roots[t].g->refcount, 0, memory_order_relaxed);
	}
}

static void init_rd(struct rd *rd, const struct rmi_realm_params *p,
		    const uint8_t realm_id[CAEC_REALM_ID_SIZE])
{
	rd->state = REALM_STATE_NEW;
	rd->hash_algo = (uint32_t)p->hash_algo;
	rd->ipa_bits = p->s2sz;
	rd->rtt_level_start = (int32_t)p->rtt_level_start;
	rd->rtt_num_start = (uint32_t)p->rtt_num_start;
	rd->vmid = p->vmid;
	rd->rtt_base = p->rtt_base;
	rd->rec_count = 0;
	rd->flags = p->flags;
	rd->sve_vl = p->sve_vl;
	rd->num_bps = p->num_bps;
	rd->num_wps = p->num_wps;
	rd->pmu_num_ctrs = p->pmu_num_ctrs;
	__builtin_memcpy(rd->rpv, p->rpv, RMI_RPV_SIZE);
	__builtin_memcpy(rd->realm_id, realm_id, CAEC_REALM_ID_SIZE);
	rd->caec_flags = 0;
	rd->caec_configured = false;
	rd->rim_extended = false;
	measurement_rim_init(rd->hash_algo, p, rd->rim);
}

/*
 * REALM_CREATE(rd, params_ptr). Failure conditions, in order (all
 * ERROR_INPUT, so the order among them is not observable):
 *   params_align, params_bound, params_pas
 *   params_valid, params_supp (num_bps/num_wps 0 or above RMI_FEATURES)
 *   rtt_num_level, rtt_align (4 KiB only), alias (RD inside the root RTTs)
 *   rd_align, rd_bound, rd_state, rtt_state      (one lock set)
 *   vmid_valid
 * Beyond the specification, each realm gets a realm ID (the CAEC extension):
 * 32 bytes from the platform's entropy source, drawn before any lock is
 * taken. The chance that two realms of one machine draw the same ID is
 * negligible (2^-128 after 2^64 realms), so IDs are never reused in
 * practice; a platform whose entropy source fails cannot give the realm an
 * identity, and REALM_CREATE then fails with ERROR_INPUT (not a condition the
 * host controls, so its place in the order is not observable).
 * rtt_align asks only for granule alignment, as the specification's
 * condition and the reference monitor (TF-RMM rel0) do; rmm-abi.md does not
 * say, and this monitor used to ask for alignment to the tables' total size.
 * hostsim's stage 2 finds each concatenated root by its own address; a
 * hardware port whose VTTBR needs the concatenated tables aligned to their
 * total size must refuse such a base in its plat_ layer.
 */
uint64_t smc_realm_create(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_realm_create_args a = rmi_realm_create_args(x);
	struct rmi_realm_params params;
	struct granule_lock_req locks[1 + REALM_MAX_ROOT_RTTS];
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	uint64_t rd_pa = a.rd_pa, params_pa = a.params_pa;
	unsigned num;
	struct rd *rd;

	(void)res;
	if (!is_aligned(params_pa, GRANULE_SIZE) || !plat_ns_read(params_pa, &params, sizeof(params)))
		return RMI_INPUT_ERROR; /* params_align, params_bound, params_pas */
	if (!realm_params_acceptable(&params) || !root_rtts_valid(&params, rd_pa, &num))
		return RMI_INPUT_ERROR; /* params_valid, params_supp, alias, rtt_align, rtt_num_level */
	if (!plat_entropy(realm_id, sizeof(realm_id)))
		return RMI_INPUT_ERROR; /* no identity for the realm */
	locks[0] = (struct granule_lock_req){ .pa = rd_pa, .expected = GRANULE_STATE_DELEGATED };
	for (unsigned i = 0; i < num; i++)
		locks[1 + i] = (struct granule_lock_req){ .pa = params.rtt_base + i * GRANULE_SIZE,
							  .expected = GRANULE_STATE_DELEGATED };
	if (!granule_lock_set(locks, 1 + num))
		return RMI_INPUT_ERROR; /* rd_align/bound/state, rtt_state */
	if (!vmid_reserve(params.vmid)) {
		granule_unlock_set(locks, 1 + num);
		return RMI_INPUT_ERROR; /* vmid_valid */
	}
	rd = rd_map(locks[0].g);
	init_rd(rd, &params, realm_id);
	init_root_rtts(&locks[1], num, rd);
	granule_unmap(rd);
	for (unsigned i = 1; i <= num; i++)
		granule_unlock_transition(locks[i].g, GRANULE_STATE_RTT);
	granule_unlock_transition(locks[0].g, GRANULE_STATE_RD);
	return RMI_OK;
}

struct rd *rd_lock_owner(uint64_t rd_pa, struct granule **g_rd)
{
	*g_rd = granule_owned(rd_pa, "realm: a REC's owner RD is outside DRAM");
	granule_lock(*g_rd);
	return rd_map(*g_rd);
}

void rd_unlock(struct granule *g_rd, struct rd *rd)
{
	granule_unmap(rd);
	granule_unlock(g_rd);
}

uint64_t rd_command(const uint64_t *x, struct rmi_result *res, rd_command_fn *body)
{
	struct granule *g_rd = granule_lock_expect(rmi_rd_args(x).rd_pa, GRANULE_STATE_RD);
	uint64_t status;
	struct rd *rd;

	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	status = body(rd, x, res);
	rd_unlock(g_rd, rd);
	return status;
}

uint64_t rd_new_granule_command(const uint64_t *x, unsigned new_state, rd_new_granule_fn *body)
{
	const struct rmi_rd_args a = rmi_rd_args(x);
	struct granule_lock_req locks[2] = {
		{ .pa = a.rd_pa, .expected = GRANULE_STATE_RD },
		{ .pa = a.new_pa, .expected = GRANULE_STATE_DELEGATED },
	};
	uint64_t status;
	struct rd *rd;

	if (!granule_lock_set(locks, 2))
		return RMI_INPUT_ERROR;
	rd = rd_map(locks[0].g);
	status = body(rd, locks[1].g, x);
	granule_unmap(rd);
	if (status == RMI_OK)
		granule_unlock_transition(locks[1].g, new_state);
	else
		granule_unlock(locks[1].g);
	granule_unlock(locks[0].g);
	return status;
}

static uint64_t realm_activate(struct rd *rd, const uint64_t *x, struct rmi_result *res)
{
	(void)x;
	(void)res;
	if (rd->state != REALM_STATE_NEW)
		return RMI_REALM_ERROR(0);
	__atomic_store_n(&rd->state, REALM_STATE_ACTIVE, __ATOMIC_RELEASE);
	return RMI_OK;
}

uint64_t smc_realm_activate(const uint64_t *x, struct rmi_result *res)
{
	return rd_command(x, res, realm_activate);
}

/* Locks the root RTTs (owned by the held RD); false, none held, if any is live. */
static bool lock_idle_roots(const struct rd *rd, struct granule **roots)
{
	for (unsigned i = 0; i < rd->rtt_num_start; i++) {
		roots[i] = rtt_lock_table(rd->rtt_base + i * GRANULE_SIZE);
		if (granule_refcount(roots[i]) != 0) {
			for (unsigned k = 0; k <= i; k++)
				granule_unlock(roots[k]);
			return false;
		}
	}
	return true;
}

uint64_t smc_realm_destroy(const uint64_t *x, struct rmi_result *res)
{
	const struct rmi_realm_destroy_args a = rmi_realm_destroy_args(x);
	struct granule *g_rd = granule_lock_expect(a.rd_pa, GRANULE_STATE_RD);
	struct granule *roots[REALM_MAX_ROOT_RTTS];
	struct rd *rd;
	uint16_t vmid;
	unsigned num;

	(void)res;
	if (!g_rd)
		return RMI_INPUT_ERROR;
	rd = rd_map(g_rd);
	num = rd->rtt_num_start;
	vmid = rd->vmid;
	/* A realm that maps a region has live RTT entries, so its roots are
	 * live too; its member references say so directly (the CAEC
	 * extension). Regions it owns live on without it. */
	if (granule_refcount(g_rd) != 0 || rd_maps_regions(rd) || !lock_idle_roots(rd, roots)) {
		rd_unlock(g_rd, rd);
		return RMI_REALM_ERROR(0); /* realm_live */
	}
	granule_unmap(rd);
	for (unsigned i = 0; i < num; i++)
		granule_unlock_delegated(roots[i]);
	plat_s2_tlbi_vmid(vmid);
	vmid_release(vmid);
	granule_unlock_delegated(g_rd);
	return RMI_OK;
}

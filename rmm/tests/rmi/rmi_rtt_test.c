/*
 * RMI conformance: RTT_CREATE, RTT_DESTROY, RTT_FOLD (and unfolding by
 * RTT_CREATE), RTT_READ_ENTRY, RTT_MAP_UNPROTECTED, RTT_UNMAP_UNPROTECTED.
 *
 * The default realm has a 40-bit IPA space: start level 1 with two
 * concatenated root tables, 1 GiB per level-1 entry, 2 MiB per level-2
 * entry; the unprotected alias of IPA x is x | 1 << 39.
 */
#include "rmi_harness.h"

#include <string.h>

#include "hostsim/hostsim.h"

static void expect_scrubbed(uint64_t pa)
{
	assert_int_equal(granule_state(pa), GRANULE_STATE_DELEGATED);
	assert_int_equal(granule_refcount(pa), 0);
	assert_true(granule_is_zero(pa));
}

static void test_rtt_create_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	assert_int_equal(r->start_level, 1);
	uint64_t l2 = delegated_alloc();
	struct smc_regs c = RMI(RMI_RTT_CREATE, r->rd, l2, 0, 2);
	assert_rmi_ok(c);
	assert_int_equal(granule_state(l2), GRANULE_STATE_RTT);
	assert_int_equal(granule_refcount(l2), 0);
	assert_int_equal(granule_refcount(r->rtt_base), 1);
	struct rtte e = rtt_read(r, 0, 1);
	assert_int_equal(e.level, 1);
	assert_int_equal(e.state, RMI_TABLE);
	assert_int_equal(e.desc, l2);
	/* The new table's entries inherit the parent's UNASSIGNED/EMPTY. */
	EXPECT_ENTRY(r, 0, 3, 2, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	EXPECT_ENTRY(r, SZ_1G - SZ_2M, 2, 2, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	uint8_t b;
	assert_false(hostsim_host_read(l2, &b, 1));

	/* A level-3 table under a RAM level-2 entry is all RAM... */
	realm_init_ripas(r, 0, SZ_2M);
	EXPECT_ENTRY(r, 0, 3, 2, RMI_UNASSIGNED, RIPAS_RAM, 0);
	uint64_t l3 = delegated_alloc();
	c = RMI(RMI_RTT_CREATE, r->rd, l3, 0, 3);
	assert_rmi_ok(c);
	assert_int_equal(granule_refcount(l2), 1);
	for (uint64_t ipa = 0; ipa < SZ_2M; ipa += 0x7f000)
		EXPECT_ENTRY(r, ipa, 3, 3, RMI_UNASSIGNED, RIPAS_RAM, 0);
	EXPECT_ENTRY(r, SZ_2M - GRANULE, 3, 3, RMI_UNASSIGNED, RIPAS_RAM, 0);
	/* ...under an EMPTY one all EMPTY... */
	realm_rtt_map(r, SZ_2M, 3);
	EXPECT_ENTRY(r, SZ_2M + 0x5000, 3, 3, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	/* ...and under a DESTROYED one all DESTROYED. */
	uint64_t l3b = realm_rtt_map(r, 2 * SZ_2M, 3);
	c = RMI(RMI_RTT_DESTROY, r->rd, 2 * SZ_2M, 3);
	assert_rmi_ok(c);
	assert_int_equal(c.x[1], l3b);
	EXPECT_ENTRY(r, 2 * SZ_2M, 2, 2, RMI_UNASSIGNED, RIPAS_DESTROYED, 0);
	c = RMI(RMI_RTT_CREATE, r->rd, l3b, 2 * SZ_2M, 3);
	assert_rmi_ok(c);
	EXPECT_ENTRY(r, 2 * SZ_2M + 0x9000, 3, 3, RMI_UNASSIGNED, RIPAS_DESTROYED, 0);

	/* Unprotected half: reached through the second concatenated root. */
	uint64_t u = realm_unprotected(r, 0);
	uint64_t ul2 = realm_rtt_map(r, u, 2);
	assert_int_equal(granule_refcount(r->rtt_base + GRANULE), 1);
	e = rtt_read(r, u, 1);
	assert_int_equal(e.state, RMI_TABLE);
	assert_int_equal(e.desc, ul2);
	EXPECT_ENTRY(r, u + SZ_2M, 3, 2, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	realm_rtt_map(r, u, 3);
	EXPECT_ENTRY(r, u + 0x3000, 3, 3, RMI_UNASSIGNED, RIPAS_EMPTY, 0);

	realm_teardown(r);
}

static void test_rtt_create_failures(void **state)
{
	(void)state;
	struct state_zoo z; /* L2 and L3 RTTs at IPA 0, DATA at 0 */
	state_zoo_build(&z);
	uint64_t g = delegated_alloc();
	uint64_t rd = z.rd;
	uint64_t top = realm_ipa_size(z.realm);

	/* rd_align, rd_bound, rd_state */
	RMI_FAILS_WRONG_RD(&z, RMI_RTT_CREATE, rd, g, SZ_1G, 2);
	/* level_bound: not the start level (root RTTs come with the realm), not beyond 3 */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, 0, 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, 0, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, 0, 4);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, 0, UINT64_MAX);
	/* ipa_align: aligned to what the new table covers */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, SZ_2M + GRANULE, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, SZ_1G + SZ_2M, 2);
	/* ipa_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, top, 2);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, top * 2, 3);
	/* rtt_align, rtt_bound, rtt_state */
	RMI_FAILS_WRONG_GRANULE(&z, 2, GRANULE_STATE_DELEGATED, RMI_RTT_CREATE, rd, g, SZ_1G, 2);
	/* rtt_walk: no level-2 table at 1 GiB, the walk stops at level 1 */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_CREATE, rd, g, SZ_1G, 3);
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_CREATE, rd, g, realm_unprotected(z.realm, 0), 3);
	/* rtte_state: the parent entry is already a table */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_CREATE, rd, g, 0, 2);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_CREATE, rd, g, 0, 3);
	/* Precedence: input errors outrank the walk and the entry state. */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, z.ns, SZ_1G, 3);     /* rtt_state + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, z.data, 0, 3);       /* rtt_state + rtte_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, SZ_1G + GRANULE, 3); /* ipa_align + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, rd, g, 0, 4);            /* level_bound + rtte_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_CREATE, z.ns, z.ns, 0, 2);       /* rd_state + rtt_state */

	/* The granule itself was fine. */
	struct smc_regs ok = RMI(RMI_RTT_CREATE, rd, g, SZ_1G, 2);
	assert_rmi_ok(ok);
	state_zoo_free(&z);
}

static void test_rtt_destroy_success(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t l2 = realm_rtt_map(r, SZ_1G, 2);
	uint64_t l3a = realm_rtt_map(r, SZ_1G, 3);
	uint64_t l3b = realm_rtt_map(r, SZ_1G + 3 * SZ_2M, 3);
	realm_rtt_map(r, 3 * SZ_1G, 2);
	assert_int_equal(granule_refcount(l2), 2);

	/* X1 = the RTT, X2 = the next live entry in the parent table. */
	struct smc_regs d = RMI(RMI_RTT_DESTROY, r->rd, SZ_1G, 3);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], l3a);
	assert_int_equal(d.x[2], SZ_1G + 3 * SZ_2M);
	expect_scrubbed(l3a);
	assert_int_equal(granule_refcount(l2), 1);
	EXPECT_ENTRY(r, SZ_1G, 3, 2, RMI_UNASSIGNED, RIPAS_DESTROYED, 0);

	/* No live entry after it: top is the end of the parent table. */
	d = RMI(RMI_RTT_DESTROY, r->rd, SZ_1G + 3 * SZ_2M, 3);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], l3b);
	assert_int_equal(d.x[2], 2 * SZ_1G);
	assert_int_equal(granule_refcount(l2), 0);

	d = RMI(RMI_RTT_DESTROY, r->rd, SZ_1G, 2);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], l2);
	assert_int_equal(d.x[2], 3 * SZ_1G);
	expect_scrubbed(l2);
	EXPECT_ENTRY(r, SZ_1G, 3, 1, RMI_UNASSIGNED, RIPAS_DESTROYED, 0);
	delegated_free(l3a);
	delegated_free(l3b);
	delegated_free(l2);

	/* Unprotected: the parent becomes UNASSIGNED_NS, read as UNASSIGNED/EMPTY. */
	uint64_t u = realm_unprotected(r, 0);
	uint64_t ul2 = realm_rtt_map(r, u, 2);
	d = RMI(RMI_RTT_DESTROY, r->rd, u, 2);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], ul2);
	EXPECT_ENTRY(r, u, 3, 1, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	delegated_free(ul2);
	realm_teardown(r);
}

static void test_rtt_destroy_failures(void **state)
{
	(void)state;
	struct state_zoo z; /* L2 at 0, L3 at 0 with DATA at IPA 0 */
	state_zoo_build(&z);
	uint64_t rd = z.rd;
	uint64_t top = realm_ipa_size(z.realm);

	RMI_FAILS_WRONG_RD(&z, RMI_RTT_DESTROY, rd, 0, 3);
	/* level_bound: root RTTs go with REALM_DESTROY */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, 0, 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, 0, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, 0, 4);
	/* ipa_align, ipa_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, GRANULE, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, SZ_2M, 2);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, top, 2);
	/* rtt_walk: no level-2 table at 1 GiB */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_DESTROY, rd, SZ_1G, 3);
	/* rtte_state: the level-2 entry at 2 MiB is not a table */
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_DESTROY, rd, SZ_2M, 3);
	/* rtt_live: the level-3 table maps DATA; the level-2 table holds it */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_DESTROY, rd, 0, 3);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_DESTROY, rd, 0, 2);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, SZ_1G + GRANULE, 3); /* ipa_align + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, 0, 4);               /* level_bound + live */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_DESTROY, rd, top, 3);             /* ipa_bound + rtt_walk */

	state_zoo_free(&z);
}

static void test_rtt_fold_unassigned(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t l3 = realm_rtt_map(r, 0, 3);
	uint64_t l2 = rtt_read(r, 0, 1).desc;
	realm_init_ripas(r, 0, SZ_2M);
	EXPECT_ENTRY(r, SZ_2M - GRANULE, 3, 3, RMI_UNASSIGNED, RIPAS_RAM, 0);

	/* All 512 entries UNASSIGNED/RAM fold into one level-2 entry. */
	struct smc_regs f = RMI(RMI_RTT_FOLD, r->rd, 0, 3);
	assert_rmi_ok(f);
	assert_int_equal(f.x[1], l3);
	expect_scrubbed(l3);
	assert_int_equal(granule_refcount(l2), 0);
	EXPECT_ENTRY(r, 0x5000, 3, 2, RMI_UNASSIGNED, RIPAS_RAM, 0);
	delegated_free(l3);

	/* An EMPTY table folds to EMPTY. */
	uint64_t l3e = realm_rtt_map(r, SZ_2M, 3);
	f = RMI(RMI_RTT_FOLD, r->rd, SZ_2M, 3);
	assert_rmi_ok(f);
	assert_int_equal(f.x[1], l3e);
	EXPECT_ENTRY(r, SZ_2M, 3, 2, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	delegated_free(l3e);

	/* Non-homogeneous: one RAM entry among EMPTY ones. */
	uint64_t l3n = realm_rtt_map(r, 2 * SZ_2M, 3);
	realm_init_ripas(r, 2 * SZ_2M + 0x10000, 2 * SZ_2M + 0x11000);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_FOLD, r->rd, 2 * SZ_2M, 3);
	/* Non-homogeneous: one ASSIGNED entry among UNASSIGNED ones. */
	realm_rtt_map(r, 3 * SZ_2M, 3);
	realm_data_create_unknown(r, 3 * SZ_2M + 0x4000);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_FOLD, r->rd, 3 * SZ_2M, 3);
	(void)l3n;

	/* A level-2 table whose entries are all UNASSIGNED/EMPTY folds into a
	 * level-1 entry; a mixed one does not. */
	uint64_t l2b = realm_rtt_map(r, 2 * SZ_1G, 2);
	f = RMI(RMI_RTT_FOLD, r->rd, 2 * SZ_1G, 2);
	assert_rmi_ok(f);
	assert_int_equal(f.x[1], l2b);
	EXPECT_ENTRY(r, 2 * SZ_1G + SZ_2M, 3, 1, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	delegated_free(l2b);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_FOLD, r->rd, 0, 2); /* RAM, EMPTY and tables */

	realm_teardown(r);
}

static void test_rtt_fold_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	uint64_t rd = z.rd;
	uint64_t top = realm_ipa_size(z.realm);
	RMI_FAILS_WRONG_RD(&z, RMI_RTT_FOLD, rd, 0, 3);
	/* level_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, 0, 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, 0, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, 0, 4);
	/* ipa_align, ipa_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, GRANULE, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, SZ_2M, 2);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, top, 3);
	/* rtt_walk, rtte_state, rtte_homo */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_FOLD, rd, SZ_1G, 3);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_FOLD, rd, 3 * SZ_2M, 3);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_FOLD, rd, 0, 3);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, SZ_1G, 4);           /* level_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_FOLD, rd, 3 * SZ_2M + GRANULE, 3); /* ipa_align + rtte_state */
	state_zoo_free(&z);
}

/* 512 contiguous DATA granules at a 2 MiB-aligned PA fold into a block
 * entry; RTT_CREATE unfolds the block again. */
static void fold_assigned(struct realm *r, uint64_t ipa, bool ram)
{
	uint64_t l3 = realm_rtt_map(r, ipa, 3);
	uint64_t l2 = rtt_read(r, ipa & ~(SZ_1G - 1), 1).desc;
	uint64_t base = delegated_alloc_contig(RMI_RTT_ENTRIES, SZ_2M);
	uint64_t src = ns_alloc();
	if (ram)
		realm_init_ripas(r, ipa, ipa + SZ_2M);
	for (unsigned i = 0; i < RMI_RTT_ENTRIES; i++) {
		struct smc_regs c = ram ? RMI(RMI_DATA_CREATE, r->rd, base + i * GRANULE, ipa + i * GRANULE, src,
					      RMI_NO_MEASURE_CONTENT)
				       : RMI(RMI_DATA_CREATE_UNKNOWN, r->rd, base + i * GRANULE, ipa + i * GRANULE);
		assert_rmi_ok(c);
	}
	ns_free(src);
	unsigned ripas = ram ? RIPAS_RAM : RIPAS_EMPTY;
	assert_int_equal(granule_refcount(l3), RMI_RTT_ENTRIES);
	unsigned l2_refs = granule_refcount(l2);

	struct smc_regs f = RMI(RMI_RTT_FOLD, r->rd, ipa, 3);
	assert_rmi_ok(f);
	assert_int_equal(f.x[1], l3);
	expect_scrubbed(l3);
	delegated_free(l3);
	assert_int_equal(granule_refcount(l2), l2_refs); /* TABLE -> ASSIGNED: still one live entry */
	EXPECT_ENTRY(r, ipa, 2, 2, RMI_ASSIGNED, ripas, base);
	EXPECT_ENTRY(r, ipa + 0x7000, 3, 2, RMI_ASSIGNED, ripas, base);
	for (unsigned i = 0; i < RMI_RTT_ENTRIES; i += 97)
		assert_int_equal(granule_state(base + i * GRANULE), GRANULE_STATE_DATA);

	/* DATA_DESTROY works on pages only: the walk ends at the block. */
	struct smc_regs d = RMI_FAILS(RMI_ERROR_RTT, 2, RMI_DATA_DESTROY, r->rd, ipa + 0x3000);
	(void)d;

	/* Unfold: 512 ASSIGNED pages with the block's PAs and RIPAS. */
	uint64_t u = delegated_alloc();
	struct smc_regs c = RMI(RMI_RTT_CREATE, r->rd, u, ipa, 3);
	assert_rmi_ok(c);
	assert_int_equal(granule_refcount(u), RMI_RTT_ENTRIES);
	assert_int_equal(granule_refcount(l2), l2_refs);
	for (unsigned i = 0; i < RMI_RTT_ENTRIES; i++)
		EXPECT_ENTRY(r, ipa + i * GRANULE, 3, 3, RMI_ASSIGNED, ripas, base + i * GRANULE);

	/* One page gone: no longer foldable. */
	d = RMI(RMI_DATA_DESTROY, r->rd, ipa + 5 * GRANULE);
	assert_rmi_ok(d);
	assert_int_equal(d.x[1], base + 5 * GRANULE);
	delegated_free(d.x[1]);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_FOLD, r->rd, ipa, 3);
}

static void test_rtt_fold_assigned_and_unfold(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	fold_assigned(r, 0, true);
	fold_assigned(r, 4 * SZ_2M, false);
	/* A block left in place is torn down by unfolding it. */
	uint64_t l3 = realm_rtt_map(r, 8 * SZ_2M, 3);
	uint64_t base = delegated_alloc_contig(RMI_RTT_ENTRIES, SZ_2M);
	for (unsigned i = 0; i < RMI_RTT_ENTRIES; i++) {
		struct smc_regs c = RMI(RMI_DATA_CREATE_UNKNOWN, r->rd, base + i * GRANULE, 8 * SZ_2M + i * GRANULE);
		assert_rmi_ok(c);
	}
	struct smc_regs f = RMI(RMI_RTT_FOLD, r->rd, 8 * SZ_2M, 3);
	assert_rmi_ok(f);
	delegated_free(l3);
	/* RTT_DESTROY of the level-2 table is refused while the block is live. */
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_DESTROY, r->rd, 0, 2);
	realm_teardown(r);
}

static void test_rtt_read_entry(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct realm *r = z.realm;
	uint64_t rd = r->rd;
	uint64_t top = realm_ipa_size(r);

	/* Outputs: walk level, state, PA/descriptor, RIPAS. */
	struct rtte l1 = rtt_read(r, 0, 1);
	assert_int_equal(l1.level, 1);
	assert_int_equal(l1.state, RMI_TABLE);
	assert_int_equal(granule_state(l1.desc), GRANULE_STATE_RTT);
	struct rtte l2 = rtt_read(r, 0, 2);
	assert_int_equal(l2.state, RMI_TABLE);
	assert_int_equal(l2.desc, z.rtt);
	EXPECT_ENTRY(r, 0, 3, 3, RMI_ASSIGNED, RIPAS_EMPTY, z.data);
	EXPECT_ENTRY(r, GRANULE, 3, 3, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	EXPECT_ENTRY(r, SZ_1G, 3, 1, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	EXPECT_ENTRY(r, SZ_1G, 2, 1, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	EXPECT_ENTRY(r, top - GRANULE, 3, 1, RMI_UNASSIGNED, RIPAS_EMPTY, 0);

	RMI_FAILS_WRONG_RD(&z, RMI_RTT_READ_ENTRY, rd, 0, 3);
	/* level_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, 0, 4);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, 0, 0);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, 0, UINT64_MAX);
	/* ipa_align: aligned to the level asked for */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, GRANULE, 2);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, 8, 3);
	/* ipa_bound */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, top, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_READ_ENTRY, rd, UINT64_MAX & ~(GRANULE - 1), 3);

	state_zoo_free(&z);
}

static void test_map_unmap_unprotected(void **state)
{
	(void)state;
	struct realm *r = realm_new_default();
	uint64_t u = realm_unprotected(r, 0);
	uint64_t l3 = realm_rtt_map(r, u, 3);
	uint64_t l2 = rtt_read(r, u, 1).desc;
	uint64_t page = ns_alloc(), page2 = ns_alloc();

	struct smc_regs m = RMI(RMI_RTT_MAP_UNPROTECTED, r->rd, u, 3, page | NS_ATTRS);
	assert_rmi_ok(m);
	EXPECT_ENTRY(r, u, 3, 3, RMI_ASSIGNED, RIPAS_EMPTY, page | NS_ATTRS);
	assert_int_equal(granule_refcount(l3), 1);
	/* The host's page stays the host's. */
	assert_int_equal(granule_state(page), GRANULE_STATE_NS);
	assert_int_equal(hostsim_gpt_pas(page), HOSTSIM_PAS_NS);
	uint8_t b;
	assert_true(hostsim_host_read(page, &b, 1));

	m = RMI(RMI_RTT_MAP_UNPROTECTED, r->rd, u + 5 * GRANULE, 3, page2 | NS_ATTRS);
	assert_rmi_ok(m);
	assert_int_equal(granule_refcount(l3), 2);
	/* rtte_state: already mapped */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_MAP_UNPROTECTED, r->rd, u, 3, page2 | NS_ATTRS);
	/* An RTT with live entries cannot be destroyed or folded. */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_DESTROY, r->rd, u, 3);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_FOLD, r->rd, u, 3);

	/* UNMAP: X1 = the next live entry in the table, or the table's end. */
	struct smc_regs um = RMI(RMI_RTT_UNMAP_UNPROTECTED, r->rd, u, 3);
	assert_rmi_ok(um);
	assert_int_equal(um.x[1], u + 5 * GRANULE);
	EXPECT_ENTRY(r, u, 3, 3, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	um = RMI(RMI_RTT_UNMAP_UNPROTECTED, r->rd, u + 5 * GRANULE, 3);
	assert_rmi_ok(um);
	assert_int_equal(um.x[1], u + SZ_2M);
	assert_int_equal(granule_refcount(l3), 0);
	/* rtte_state: nothing mapped there any more */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_UNMAP_UNPROTECTED, r->rd, u, 3);

	/* A 2 MiB block mapping at level 2. */
	uint64_t blk = ns_alloc_contig(RMI_RTT_ENTRIES, SZ_2M);
	unsigned l2_refs = granule_refcount(l2);
	m = RMI(RMI_RTT_MAP_UNPROTECTED, r->rd, u + SZ_2M, 2, blk | NS_ATTRS);
	assert_rmi_ok(m);
	assert_int_equal(granule_refcount(l2), l2_refs + 1);
	EXPECT_ENTRY(r, u + SZ_2M + 0x3000, 3, 2, RMI_ASSIGNED, RIPAS_EMPTY, blk | NS_ATTRS);
	um = RMI(RMI_RTT_UNMAP_UNPROTECTED, r->rd, u + SZ_2M, 2);
	assert_rmi_ok(um);
	assert_int_equal(granule_refcount(l2), l2_refs);
	EXPECT_ENTRY(r, u + SZ_2M, 2, 2, RMI_UNASSIGNED, RIPAS_EMPTY, 0);
	for (unsigned i = 0; i < RMI_RTT_ENTRIES; i++)
		ns_free(blk + i * GRANULE);

	realm_teardown(r);
	ns_free(page);
	ns_free(page2);
}

static void test_map_unprotected_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct realm *r = z.realm;
	uint64_t rd = r->rd, dram = rmi_dram_size();
	uint64_t top = realm_ipa_size(r);
	uint64_t u = realm_unprotected(r, 0);
	realm_rtt_map(r, u, 3);
	uint64_t page = ns_alloc();
	uint64_t desc = page | NS_ATTRS;
	struct smc_regs m = RMI(RMI_RTT_MAP_UNPROTECTED, rd, u + GRANULE, 3, desc);
	assert_rmi_ok(m);

	/* attr_valid: bits the host does not control */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, desc | 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, desc | (UINT64_C(1) << 10));
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, desc | (UINT64_C(1) << 63));
	/* rd_* */
	RMI_FAILS_WRONG_RD(&z, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, desc);
	/* level_bound: blocks start at level 2 */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 1, (page & ~(SZ_1G - 1)) | NS_ATTRS);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 4, desc);
	/* addr_align: a 4 KiB-aligned PA in a 2 MiB block */
	if (page % SZ_2M != 0)
		RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u + SZ_2M, 2, desc);
	/* ipa_align */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u + 0x800, 3, desc);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u + SZ_2M + GRANULE, 2, (page & ~(SZ_2M - 1)) | NS_ATTRS);
	/* ipa_bound: protected IPAs and IPAs beyond the space */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, GRANULE, 3, desc);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, top, 3, desc);
	/* rtt_walk */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_MAP_UNPROTECTED, rd, u + SZ_1G, 3, desc);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_MAP_UNPROTECTED, rd, u + SZ_2M, 3, desc);
	/* rtte_state: mapped already; a level-2 entry that is a table */
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_MAP_UNPROTECTED, rd, u + GRANULE, 3, desc);
	uint64_t beyond = (dram + SZ_2M - 1) & ~(SZ_2M - 1); /* a block with no Realm granule */
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_MAP_UNPROTECTED, rd, u, 2, beyond | NS_ATTRS);
	/* output_pas (this monitor): the output range holds a granule given to
	 * the Realm world, alone or inside a block */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, z.data | NS_ATTRS);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, z.delegated | NS_ATTRS);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, z.rtt | NS_ATTRS);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 3, rd | NS_ATTRS);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u, 2, (z.data & ~(SZ_2M - 1)) | NS_ATTRS);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, SZ_1G, 3, desc);      /* ipa_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u + GRANULE, 3, desc | 1); /* attr + rtte_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, z.ns, u, 3, desc | 1);    /* attr + rd_state */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_MAP_UNPROTECTED, rd, u + SZ_1G, 4, desc);  /* level + rtt_walk */

	state_zoo_free(&z);
	ns_free(page);
}

static void test_unmap_unprotected_failures(void **state)
{
	(void)state;
	struct state_zoo z;
	state_zoo_build(&z);
	struct realm *r = z.realm;
	uint64_t rd = r->rd;
	uint64_t top = realm_ipa_size(r);
	uint64_t u = realm_unprotected(r, 0);
	realm_rtt_map(r, u, 3);
	uint64_t page = ns_alloc();
	struct smc_regs m = RMI(RMI_RTT_MAP_UNPROTECTED, rd, u, 3, page | NS_ATTRS);
	assert_rmi_ok(m);

	RMI_FAILS_WRONG_RD(&z, RMI_RTT_UNMAP_UNPROTECTED, rd, u, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u, 1);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u, 4);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u + 8, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u + GRANULE, 2);
	/* ipa_bound: a protected IPA, even one that maps DATA */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, 0, 3);
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, top, 3);
	/* rtt_walk, rtte_state */
	RMI_FAILS(RMI_ERROR_RTT, 1, RMI_RTT_UNMAP_UNPROTECTED, rd, u + SZ_1G, 3);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_UNMAP_UNPROTECTED, rd, u + SZ_2M, 3);
	RMI_FAILS(RMI_ERROR_RTT, 3, RMI_RTT_UNMAP_UNPROTECTED, rd, u + GRANULE, 3);
	RMI_FAILS(RMI_ERROR_RTT, 2, RMI_RTT_UNMAP_UNPROTECTED, rd, u, 2);
	/* Precedence */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, SZ_1G, 3);     /* ipa_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u + SZ_1G, 4); /* level_bound + rtt_walk */
	RMI_FAILS(RMI_ERROR_INPUT, 0, RMI_RTT_UNMAP_UNPROTECTED, rd, u + GRANULE, 4); /* level_bound + rtte_state */

	state_zoo_free(&z);
	ns_free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rtt_create_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_create_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_destroy_success, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_destroy_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_fold_unassigned, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_fold_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_fold_assigned_and_unfold, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_rtt_read_entry, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_map_unmap_unprotected, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_map_unprotected_failures, rmi_machine_up, rmi_machine_down),
		cmocka_unit_test_setup_teardown(test_unmap_unprotected_failures, rmi_machine_up, rmi_machine_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * One regression test for each weakness of the published CSM prototype that
 * caec-ext.md lists at its top. Each test plays the attack that worked there
 * and asserts that it is refused here and leaves no state changed; each fails
 * on a monitor with that weakness (the comment on each test says how).
 *
 *   1 no sharer count: a consumer's DATA_DESTROY freed a page others mapped
 *   2 a stale table pointer let an old realm act on a new realm's tables
 *   3 8-bit, creation-order identities
 *   4 permissions stored, never enforced
 *   5 unchecked indices, partial attach, lock order ignored
 *   6 sharing not attested
 */
#include <stdbool.h>
#include <string.h>

#include "exec_csm_support.h"
#include "exec_fake_cpu.h"

/* The owner grants `m` by its realm ID with perms; the grant's handle. */
static uint64_t grant_realm(uint64_t id, const struct exec_realm *m, uint64_t perms)
{
	struct rmm_debug_realm mi;

	assert_true(rmm_debug_realm(m->rd, &mi));
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, mi.realm_id, 32);
	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, perms) };
	run_prog(g, 1);
	assert_int_equal(g[0].x0, RSI_SUCCESS);
	return g[0].x1;
}

/* m attaches the one-page region at CSM_IPA with perms and the host maps it. */
static void member_maps(struct exec_realm *m, uint64_t id, uint64_t perms)
{
	cur = m;
	assert_true(realm_attaches(id, CSM_IPA, perms));
	assert_int_equal(RMI(RMI_CSM_MAP, m->rd, m->rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
}

static void fill_page(uint64_t pa, uint8_t byte)
{
	memset((void *)(uintptr_t)hostsim_monitor_view(pa), byte, RMI_GRANULE_SIZE);
}

static bool page_is(uint64_t pa, uint8_t byte)
{
	const uint8_t *p = hostsim_monitor_view(pa);

	for (unsigned i = 0; i < RMI_GRANULE_SIZE; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/*
 * 1. The consumer's host tries every way to free or reuse a page the provider
 * (the owner) and the consumer map: the page stays CSM_DATA, in both stage-2
 * tables, with its content. Once the consumer is gone the page is still
 * pinned by the owner's mapping. (A monitor without the mapped-member count,
 * or whose DATA_DESTROY accepts a CSM entry, frees the page here.)
 */
static void test_weakness_1_pages_pinned_while_mapped(void **state)
{
	(void)state;
	build_with_identities();
	uint64_t id = owned_region(&region);
	uint64_t page = region.pages[0];
	cur = &other;
	exec_realm_build_config(&other, NULL, CAEC_REALM_CSM_EXITS);
	grant_realm(id, &other, RW);
	member_maps(&realm, id, RW);
	member_maps(&other, id, RW);
	fill_page(page, 0xa5); /* what the provider wrote */

	assert_int_equal(RMI(RMI_DATA_DESTROY, other.rd, CSM_IPA).x[0], RMI_ERROR_RTT | (3 << 8));
	assert_int_equal(RMI(RMI_DATA_DESTROY, realm.rd, CSM_IPA).x[0], RMI_ERROR_RTT | (3 << 8));
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, 0).x[0], RMI_ERROR_REALM);
	assert_int_equal(RMI(RMI_CSM_DESTROY, region.csmd).x[0], RMI_ERROR_REALM);
	assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, page).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_RTT_DESTROY, other.rd, 0, 3).x[0] & 0xff, RMI_ERROR_RTT);
	assert_int_equal(RMI(RMI_REALM_DESTROY, other.rd).x[0], RMI_ERROR_REALM);
	/* The page as another realm's DATA, or as another region's page. */
	uint64_t src = test_alloc();
	assert_int_equal(RMI(RMI_DATA_CREATE, other.rd, page, 0x3000, src, 0).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_DATA_CREATE_UNKNOWN, other.rd, page, 0x3000).x[0], RMI_ERROR_INPUT);

	assert_int_equal(test_granule_state(page), GRANULE_STATE_CSM_DATA);
	assert_true(page_is(page, 0xa5));
	expect_mapped(&realm, &region, CSM_IPA, true);
	expect_mapped(&other, &region, CSM_IPA, true);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 2);
	expect_invariants();

	/* The consumer leaves; the provider's mapping still pins the page. */
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, 0).x[0], RMI_ERROR_REALM);
	assert_int_equal(test_granule_state(page), GRANULE_STATE_CSM_DATA);
	assert_true(page_is(page, 0xa5));
	expect_mapped(&realm, &region, CSM_IPA, true);
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	hostsim_host_free(src);
	remove_all(&region); /* now it goes, scrubbed */
}

/*
 * 2. Realms are destroyed and new ones built in their old RD granules: the
 * new realm at the owner's RD is not the owner, the new realm at a former
 * member's RD is not a member, and neither can reach the region through the
 * old references. (A monitor that trusts an RD pointer without checking the
 * realm ID lets the newcomer grant, seal, detach, or see the region.)
 */
static void test_weakness_2_stale_references(void **state)
{
	static struct exec_realm reborn_owner, reborn_member;

	(void)state;
	uint64_t id = owner_and_realms(2);
	grant_realm(id, &other, CSM_PERM_READ);
	member_maps(&other, id, CSM_PERM_READ);
	uint64_t by_third = grant_realm(id, &third, CSM_PERM_READ);
	member_maps(&third, id, CSM_PERM_READ);

	/* The member `third` is unmapped and destroyed; its RD is reused. */
	assert_int_equal(RMI(RMI_CSM_UNMAP, third.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	exec_realm_destroy(&third);
	cur = &reborn_member;
	exec_realm_build_at(&reborn_member, third.rd, identity_page(), CAEC_REALM_CSM_EXITS);
	/* The owner's RD too: the owner is destroyed while `other` maps the region. */
	uint64_t gen = debug_csm(region.csmd).generation;
	exec_realm_destroy(&realm);
	cur = &reborn_owner;
	exec_realm_build_at(&reborn_owner, realm.rd, identity_page(), CAEC_REALM_CSM_EXITS);

	/* Neither newcomer can act on the region or learn of it. */
	struct exec_realm *newcomers[] = { &reborn_owner, &reborn_member };
	for (unsigned i = 0; i < 2; i++) {
		cur = newcomers[i];
		struct call c[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ),
				    CALL(RSI_CSM_REVOKE, id, by_third, 0),
				    CALL(RSI_CSM_SEAL, id, 0, 0),
				    CALL(RSI_CSM_DETACH, id, 0, 0),
				    CALL(RSI_CSM_INFO, id, 0, 0) };
		run_prog(c, 5);
		for (unsigned k = 0; k < 5; k++)
			if (c[k].x0 != RSI_ERROR_INPUT)
				fail_msg("newcomer %u, call %u: status %llu", i, k, (unsigned long long)c[k].x0);
		assert_int_equal(RMI(RMI_CSM_UNMAP, cur->rd, region.csmd, CSM_IPA).x[0], RMI_ERROR_INPUT);
		struct rmm_debug_realm ni;
		assert_true(rmm_debug_realm(cur->rd, &ni));
		assert_int_equal(ni.csm_regions, 0);
#ifdef HAVE_CAEC_VERIFY
		static struct cca_token newcomer_tok;
		realm_token(cur, &newcomer_tok);
		assert_int_equal(newcomer_tok.realm_claims.num_regions, 0);
#endif
	}
	/* The region is as it was: the old owner's ID, one member, nothing granted since. */
	struct rmm_debug_csm d = debug_csm(region.csmd);
	assert_int_equal(d.mapped_members, 1);
	assert_int_equal(d.generation, gen);
#ifdef HAVE_CAEC_VERIFY
	static struct cca_token tok;
	realm_token(&other, &tok);
	assert_int_equal(tok.realm_claims.num_regions, 1);
	assert_int_equal(tok.realm_claims.regions[0].flags,
			 CAEC_REGION_FLAG_OWNER_DESTROYED | CAEC_REGION_FLAG_SEALED);
#endif
	expect_mapped(&other, &region, CSM_IPA, false);
	expect_invariants();
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	remove_all(&region);
}

/*
 * 3. Identities cannot be predicted or inherited. Realm IDs of realms built
 * one after the other in the same RD granule all differ and follow no
 * counter; a realm-ID grant to a destroyed realm does not admit its successor
 * (same image, same RD); csm_ids are 64-bit, follow no counter, and a
 * destroyed region's id stays dead while new regions come. (A monitor with
 * creation-order tags fails each of these.)
 */
static void test_weakness_3_identities(void **state)
{
	enum { N = 8 };
	static struct exec_realm gen_realm[N];
	uint8_t ids[N][32];

	(void)state;
	build_with_identities();
	uint64_t id = owned_region(&region);
	uint64_t rd = test_delegated();
	for (unsigned i = 0; i < N; i++) {
		struct rmm_debug_realm info;
		cur = &gen_realm[i];
		exec_realm_build_at(&gen_realm[i], rd, NULL, CAEC_REALM_CSM_EXITS);
		assert_true(rmm_debug_realm(rd, &info));
		memcpy(ids[i], info.realm_id, 32);
		unsigned zero = 0;
		for (unsigned b = 0; b < 32; b++)
			zero += ids[i][b] == 0;
		assert_true(zero < 8); /* random, not a small number */
		for (unsigned j = 0; j < i; j++)
			assert_memory_not_equal(ids[i], ids[j], 32);
		if (i == 0) {
			/* The first one is granted by realm ID, then destroyed. */
			grant_realm(id, &gen_realm[0], CSM_PERM_READ);
		} else if (i == 1) {
			/* Its successor in the same RD, same RIM: not admitted. */
			assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
			assert_int_equal(got_x0, RSI_ERROR_INPUT);
		}
		exec_realm_destroy(&gen_realm[i]);
	}
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);

	/* csm_ids: a dead region's id is refused while its successors live. */
	cur = &realm;
	uint64_t dead = id;
	remove_all(&region);
	uint64_t csm_ids[N], diff_or = 0, high_or = 0;
	static struct region live[N];
	for (unsigned i = 0; i < N; i++) {
		csm_ids[i] = owned_region(&live[i]);
		assert_true(csm_ids[i] != dead);
		high_or |= csm_ids[i] >> 32;
		if (i > 1)
			diff_or |= (csm_ids[i] - csm_ids[i - 1]) ^ (csm_ids[1] - csm_ids[0]);
	}
	assert_true(high_or != 0);  /* not a small counter */
	assert_true(diff_or != 0);  /* not an arithmetic sequence */
	assert_false(realm_attaches(dead, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	struct call c[] = { CALL(RSI_CSM_GRANT, dead, ID_RIM, CSM_PERM_READ), CALL(RSI_CSM_INFO, dead, 0, 0) };
	run_prog(c, 2);
	assert_int_equal(c[0].x0, RSI_ERROR_INPUT);
	assert_int_equal(c[1].x0, RSI_ERROR_INPUT);
	for (unsigned i = 0; i < N; i++)
		remove_all(&live[i]);
}


/*
 * 4. Permissions are in the stage-2 entries: a member granted READ cannot
 * attach RW, its entries lack S2AP write and are execute-never, and its
 * write or instruction fetch there is a synchronous external abort for the
 * realm, never an exit that shows the host anything. Even the owner maps
 * only what it asks for. (A monitor that keeps perms only in its tables maps
 * RW here.)
 */
static void test_weakness_4_permissions_enforced(void **state)
{
	(void)state;
	uint64_t id = owner_and_realms(1);
	grant_realm(id, &other, CSM_PERM_READ);
	cur = &other;
	assert_false(realm_attaches(id, CSM_IPA, RW));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	member_maps(&other, id, CSM_PERM_READ);
	uint64_t e = l3_entry(&other, CSM_IPA);
	assert_int_equal(e & DESC_S2AP_W, 0);
	assert_int_equal(e & DESC_S2AP_R, DESC_S2AP_R);
	assert_int_equal(e & DESC_XN, DESC_XN);
	fill_page(region.pages[0], 0x3c);

	exec_fake_set_step(permission_steps);
	assert_int_equal(exec_enter(&other, 0, 0, NULL), RMI_SUCCESS);
	struct rmi_rec_exit exit = exec_exit(&other);
	assert_int_equal(exit.exit_reason, RMI_EXIT_IRQ); /* no data abort exit */
	assert_int_equal(exec_fake_runs(), 4);
	assert_true(page_is(region.pages[0], 0x3c));
	assert_int_equal(l3_entry(&other, CSM_IPA), e);

	/* The owner asked for READ only: its entry is read-only too. */
	member_maps(&realm, id, CSM_PERM_READ);
	assert_int_equal(l3_entry(&realm, CSM_IPA) & DESC_S2AP_W, 0);
	expect_invariants();
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	remove_all(&region);
}

/* Every granule state and the region's counters, to compare before/after. */
struct snapshot {
	unsigned csmd, meta, page0, extra;
	uint64_t present, mapped, generation;
};

static struct snapshot snap(uint64_t extra)
{
	struct rmm_debug_csm d = debug_csm(region.csmd);

	return (struct snapshot){ test_granule_state(region.csmd), test_granule_state(region.meta),
				  test_granule_state(region.pages[0]), test_granule_state(extra),
				  d.pages_present, d.mapped_members, d.generation };
}

static void expect_unchanged(const struct snapshot *before, uint64_t extra)
{
	struct snapshot now = snap(extra);

	assert_memory_equal(before, &now, sizeof(now));
}

/*
 * 5. Every index is bounds checked and every multi-page step is all or
 * nothing or restartable. Out-of-range page, list and ACL indices and report
 * offsets are refused with nothing changed; a MAP that stops at a missing
 * table leaves the member ATTACHING with the first table mapped and resumes
 * where it stopped once the table exists; a realm that gives up mid-way is
 * unmapped whole. (A monitor without the checks writes past its tables or
 * leaves a half-mapped member nobody accounts for.) The lock order itself is
 * exercised by csm_stress under TSan.
 */
static void test_weakness_5_bounds_and_partial_attach(void **state)
{
	(void)state;
	build_with_identities();
	const uint64_t num = CSM_LIST_ENTRIES + 8; /* two level-3 tables */
	const uint64_t base = UINT64_C(0x200000) - 8 * RMI_GRANULE_SIZE;
	static struct region small;
	assert_false(realm_asks(UINT64_MAX, 0));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	/* A region whose pages sit in its descriptor: index 2 of 2 is refused. */
	assert_true(realm_asks(2, 0));
	bind_region(&small, 2);
	uint64_t spare = test_delegated();
	assert_int_equal(RMI(RMI_CSM_DATA_ADD, small.csmd, spare, 2).x[0], RMI_ERROR_INPUT);
	assert_int_equal(test_granule_state(spare), GRANULE_STATE_DELEGATED);
	assert_int_equal(debug_csm(small.csmd).pages_present, 0);
	add_pages(&small, 0, 2);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, small.csmd, 2).x[0], RMI_ERROR_INPUT);
	assert_int_equal(debug_csm(small.csmd).pages_present, 2);
	remove_all(&small);
	test_undelegate_free(spare);
	/* One with lists. */
	assert_true(realm_asks(num, 0));
	bind_region(&region, num);
	uint64_t extra = test_delegated();
	struct snapshot before = snap(extra);
	const uint64_t bad_index[] = { num, num + 1, UINT64_C(1) << 32, UINT64_MAX };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(RMI(RMI_CSM_DATA_ADD, region.csmd, extra, bad_index[i]).x[0], RMI_ERROR_INPUT);
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, extra, bad_index[i] / CSM_LIST_ENTRIES + 2).x[0],
				 RMI_ERROR_INPUT);
		assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, bad_index[i]).x[0], RMI_ERROR_INPUT);
	}
	expect_unchanged(&before, extra);
	for (unsigned s = 0; s < 2; s++) {
		region.lists[s] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, region.lists[s], s).x[0], RMI_SUCCESS);
	}
	add_pages(&region, 0, num);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	uint64_t id = got_x1;

	/* ACL handles and report offsets out of range. */
	before = snap(extra);
	struct call c[] = { CALL(RSI_CSM_REVOKE, id, 16, 0), CALL(RSI_CSM_REVOKE, id, 255, 0),
			    CALL(RSI_CSM_REVOKE, id, UINT64_MAX, 0),
			    CALL(RSI_CSM_INFO, id, 0, RMI_GRANULE_SIZE), CALL(RSI_CSM_INFO, id, 0, UINT64_MAX - 7) };
	run_prog(c, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(c[i].x0, RSI_ERROR_INPUT);
	expect_unchanged(&before, extra);

	/* A partial MAP: the second table is missing. */
	cur = &other;
	exec_realm_build_config(&other, NULL, CAEC_REALM_CSM_EXITS);
	grant_realm(id, &other, CSM_PERM_READ);
	cur = &other;
	assert_true(realm_attaches(id, base, CSM_PERM_READ));
	struct smc_regs r = RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, base);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], UINT64_C(0x200000));
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, r.x[1]).x[0],
			 RMI_ERROR_RTT | (2 << 8));
	/* The state says so: a member (ATTACHING), counted, its first table mapped. */
	assert_int_equal(debug_csm(region.csmd).mapped_members, 1);
	assert_int_equal(l3_entry(&other, base) & DESC_OA, region.pages[0]);
	expect_invariants();
	/* The host creates the table and the MAP resumes where it stopped. */
	uint64_t l3b = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, other.rd, l3b, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, base).x[0], RMI_ERROR_INPUT);
	r = RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, UINT64_C(0x200000));
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], base + num * RMI_GRANULE_SIZE);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	expect_mapped(&other, &region, base, false);
	expect_invariants();
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, base).x[0], RMI_SUCCESS);
	r = RMI(RMI_CSM_UNMAP, other.rd, region.csmd, UINT64_C(0x200000));
	assert_int_equal(r.x[0], RMI_SUCCESS);

	/* Given up half-way: the host maps one table and enters the REC again.
	 * The realm learns ERROR_STATE; the member stays ATTACHING, counted and
	 * reported as such, until the host unmaps what it mapped. (At new IPAs:
	 * what the host unmapped above is DESTROYED now, never mapped again.) */
	const uint64_t base2 = UINT64_C(0x600000) - 8 * RMI_GRANULE_SIZE;
	uint64_t l3c = test_delegated(), l3d = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, other.rd, l3c, UINT64_C(0x400000), 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_RTT_CREATE, other.rd, l3d, UINT64_C(0x600000), 3).x[0], RMI_SUCCESS);
	assert_true(realm_attaches(id, base2, CSM_PERM_READ));
	r = RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, base2);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], UINT64_C(0x600000));
	assert_int_equal(realm_resumes_prog(), RSI_ERROR_STATE);
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, UINT64_C(0x600000)).x[0],
			 RMI_ERROR_REC); /* the request is over */
	assert_int_equal(debug_csm(region.csmd).mapped_members, 1);
	expect_invariants();
	struct call q[] = { CALL(RSI_CSM_INFO, id, 0, 0) };
	run_prog(q, 1);
	assert_int_equal(q[0].x0, RSI_SUCCESS);
	const uint8_t *rep = hostsim_monitor_view(other.data[0]);
	struct csm_report_header h;
	memcpy(&h, rep, sizeof(h));
	uint64_t members;
	size_t at = sizeof(h) + h.acl_count * sizeof(struct csm_report_acl_entry);
	memcpy(&members, rep + at, 8);
	assert_int_equal(members, 1);
	struct csm_report_member mr;
	memcpy(&mr, rep + at + 8, sizeof(mr));
	assert_int_equal(mr.state, CSM_REPORT_MEMBER_ATTACHING);
	r = RMI(RMI_CSM_UNMAP, other.rd, region.csmd, base2);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], UINT64_C(0x600000));
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	cur = &realm;
	test_undelegate_free(extra);
	remove_all(&region);
}

#ifdef HAVE_CAEC_VERIFY
/* The member list of claim 65002 as the verifier computes it. */
static void membership_digest_of(uint64_t id, struct exec_realm *const *members, const uint64_t *perms,
				 unsigned n, uint8_t out[64])
{
	struct csm_member list_members[4];

	for (unsigned i = 0; i < n; i++) {
		struct rmm_debug_realm mi;
		assert_true(rmm_debug_realm(members[i]->rd, &mi));
		memset(&list_members[i], 0, sizeof(list_members[i]));
		list_members[i].perms = (uint32_t)perms[i];
		memcpy(list_members[i].realm_id, mi.realm_id, 32);
		memcpy(list_members[i].rim.bytes, mi.rim, 32);
		list_members[i].rim.len = 32;
	}
	struct csm_member_list list = { .csm_id = id, .num_members = n, .members = list_members };
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &list, out), 32);
}

/*
 * 6. Sharing is attested: every token of a realm that owns or maps a region
 * lists it (claim 65002) with the owner's identity and a digest of exactly
 * the current members, which changes when a member joins or is revoked; a
 * revoked member's next token no longer lists it. (A monitor that does not
 * report sharing gives tokens without these claims.)
 */
static void test_weakness_6_sharing_attested(void **state)
{
	static struct cca_token tok;
	uint8_t want[64];

	(void)state;
	uint64_t id = owner_and_realms(2);
	struct rmm_debug_realm own;
	assert_true(rmm_debug_realm(realm.rd, &own));

	realm_token(&realm, &tok); /* owned, no members yet */
	assert_int_equal(tok.realm_claims.num_regions, 1);
	membership_digest_of(id, NULL, NULL, 0, want);
	assert_memory_equal(tok.realm_claims.regions[0].membership_digest.ptr, want, 32);

	grant_realm(id, &other, CSM_PERM_READ);
	member_maps(&other, id, CSM_PERM_READ);
	uint64_t by_third = grant_realm(id, &third, RW);
	member_maps(&third, id, RW);
	struct exec_realm *both[] = { &other, &third };
	const uint64_t perms[] = { CSM_PERM_READ, RW };
	membership_digest_of(id, both, perms, 2, want);
	struct exec_realm *all[] = { &realm, &other, &third };
	for (unsigned i = 0; i < 3; i++) {
		realm_token(all[i], &tok);
		assert_int_equal(tok.realm_claims.num_regions, 1);
		const struct caec_region *reg = &tok.realm_claims.regions[0];
		assert_int_equal(reg->csm_id, id);
		assert_int_equal(reg->role, i == 0 ? 0 : 1);
		assert_memory_equal(reg->owner_realm_id.ptr, own.realm_id, 32);
		assert_memory_equal(reg->owner_rim.ptr, own.rim, 32);
		assert_memory_equal(reg->membership_digest.ptr, want, 32);
	}

	/* The owner revokes `third`: gone from its token and from the digest. */
	cur = &realm;
	struct call rv[] = { CALL(RSI_CSM_REVOKE, id, by_third, 0) };
	run_prog(rv, 1);
	assert_int_equal(rv[0].x0, RSI_SUCCESS);
	realm_token(&third, &tok);
	assert_int_equal(tok.realm_claims.num_regions, 0);
	membership_digest_of(id, both, perms, 1, want);
	realm_token(&other, &tok);
	assert_memory_equal(tok.realm_claims.regions[0].membership_digest.ptr, want, 32);
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	cur = &realm;
	remove_all(&region);
}
#endif

/* argv[1], if given: a cmocka name pattern (CTest runs each weakness apart). */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_weakness_1_pages_pinned_while_mapped),
		EXEC_TEST(test_weakness_2_stale_references),
		EXEC_TEST(test_weakness_3_identities),
		EXEC_TEST(test_weakness_4_permissions_enforced),
		EXEC_TEST(test_weakness_5_bounds_and_partial_attach),
#ifdef HAVE_CAEC_VERIFY
		EXEC_TEST(test_weakness_6_sharing_attested),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

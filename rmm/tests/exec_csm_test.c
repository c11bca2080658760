/*
 * Confidential shared memory, the life of a region (caec-ext.md): a realm's
 * RSI_CSM_CREATE exits to the host, which binds a CSMD and a CSM_META
 * (RMI_CSM_CREATE), adds lists and pages, and enters the REC again; the
 * realm then learns the csm_id, or ERROR_STATE when the host did not finish.
 * Removal and destruction scrub every granule and return it DELEGATED.
 * Every refusal is checked to change nothing (granule states, the RD's
 * region count, what the realm gets afterwards). The realm is played by a
 * scripted CPU (exec_fake_cpu.h).
 */
#include <stdbool.h>
#include <string.h>

#include "exec_csm_support.h"
#include "exec_fake_cpu.h"

static void test_create_and_destroy(void **state)
{
	(void)state;
	build_realm();
	assert_true(realm_asks(3, 0));
	bind_region(&region, 3);
	assert_int_equal(rd_regions(), 1);
	add_pages(&region, 0, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_true(is_zero_granule(region.pages[i]));
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	assert_true(got_x1 != 0 && got_x1 != UINT64_MAX);
	remove_all(&region);
	assert_int_equal(rd_regions(), 0);
}

/* Without the host's opt-in no exit 0x80 happens; bad arguments fail at once. */
static void test_rsi_create_refusals(void **state)
{
	(void)state;
	cur = &realm;
	exec_realm_build(&realm, NULL); /* no RMI_CAEC_REALM_CONFIG */
	assert_false(realm_asks(1, 0));
	assert_int_equal(got_x0, RSI_ERROR_STATE);
}

static void test_rsi_create_bad_arguments(void **state)
{
	(void)state;
	build_realm();
	assert_false(realm_asks(0, 0));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_asks(CSM_MAX_GRANULES + 1, 0));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_asks(1, 1));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_int_equal(rd_regions(), 0);
}

/* Each refused RMI_CSM_CREATE leaves every granule as it was. */
static void expect_create_fails(unsigned status, uint64_t rd, uint64_t rec, uint64_t csmd,
				uint64_t meta, uint64_t num)
{
	uint64_t watch_csmd = csmd & ~(uint64_t)(RMI_GRANULE_SIZE - 1);
	uint64_t watch_meta = meta & ~(uint64_t)(RMI_GRANULE_SIZE - 1);
	unsigned s_csmd = test_granule_state(watch_csmd), s_meta = test_granule_state(watch_meta);
	unsigned regions = rd_regions();

	assert_int_equal(RMI(RMI_CSM_CREATE, rd, rec, csmd, meta, num).x[0], status);
	assert_int_equal(test_granule_state(watch_csmd), s_csmd);
	assert_int_equal(test_granule_state(watch_meta), s_meta);
	assert_int_equal(rd_regions(), regions);
}

static void test_rmi_create_refusals(void **state)
{
	(void)state;
	build_realm();
	uint64_t csmd = test_delegated(), meta = test_delegated(), ns = test_alloc();

	/* No request yet. */
	expect_create_fails(RMI_ERROR_REC, realm.rd, realm.rec[0], csmd, meta, 2);
	assert_true(realm_asks(2, 0));
	/* Argument granules. */
	expect_create_fails(RMI_ERROR_INPUT, realm.rec[0], realm.rec[0], csmd, meta, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rd, csmd, meta, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], ns, meta, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], csmd, ns, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], csmd, csmd, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], csmd + 8, meta, 2);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], realm.data[0], meta, 2);
	/* The other REC made no request. */
	expect_create_fails(RMI_ERROR_REC, realm.rd, realm.rec[1], csmd, meta, 2);
	/* Not the size asked for. */
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], csmd, meta, 3);
	expect_create_fails(RMI_ERROR_INPUT, realm.rd, realm.rec[0], csmd, meta, 1);
	/* Bound once; a second region for the same request is refused. */
	assert_int_equal(RMI(RMI_CSM_CREATE, realm.rd, realm.rec[0], csmd, meta, 2).x[0], RMI_SUCCESS);
	uint64_t csmd2 = test_delegated(), meta2 = test_delegated();
	expect_create_fails(RMI_ERROR_REC, realm.rd, realm.rec[0], csmd2, meta2, 2);
	/* Half done: the realm gets ERROR_STATE, and the request is gone. */
	uint64_t page = test_delegated();
	assert_int_equal(RMI(RMI_CSM_DATA_ADD, csmd, page, 0).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes(), RSI_ERROR_STATE);
	expect_create_fails(RMI_ERROR_REC, realm.rd, realm.rec[0], csmd2, meta2, 2);
	/* The host cleans the half-built region up. */
	region = (struct region){ .csmd = csmd, .meta = meta, .num = 2 };
	region.pages[0] = page;
	remove_all(&region);
	assert_int_equal(rd_regions(), 0);
	test_undelegate_free(csmd2);
	test_undelegate_free(meta2);
	hostsim_host_free(ns);
}

/* A host that ignores the request: the realm gets ERROR_STATE. */
static void test_request_ignored(void **state)
{
	(void)state;
	build_realm();
	assert_true(realm_asks(1, 0));
	assert_int_equal(realm_resumes(), RSI_ERROR_STATE);
	assert_int_equal(rd_regions(), 0);
}

static void expect_add_fails(uint64_t fid, uint64_t csmd, uint64_t granule, uint64_t index)
{
	unsigned before = test_granule_state(granule);

	assert_int_equal(RMI(fid, csmd, granule, index).x[0], RMI_ERROR_INPUT);
	assert_int_equal(test_granule_state(granule), before);
}

static void test_page_refusals(void **state)
{
	(void)state;
	build_realm();
	assert_true(realm_asks(2, 0));
	bind_region(&region, 2);
	uint64_t extra = test_delegated(), ns = test_alloc();

	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, extra, 2);          /* index_bound */
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, ns, 0);             /* not DELEGATED */
	expect_add_fails(RMI_CSM_DATA_ADD, region.meta, extra, 0);          /* not a CSMD */
	expect_add_fails(RMI_CSM_LIST_ADD, region.csmd, extra, 0);          /* small region */
	add_pages(&region, 0, 1);
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, extra, 0);          /* page present */
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, region.pages[0], 1); /* already CSM_DATA */
	add_pages(&region, 1, 2);
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, extra, 1);          /* ACTIVE */
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	/* None of the region's granules can be undelegated. */
	uint64_t all[] = { region.csmd, region.meta, region.pages[0], region.pages[1] };
	for (unsigned i = 0; i < 4; i++) {
		unsigned before = test_granule_state(all[i]);
		assert_int_equal(RMI(RMI_GRANULE_UNDELEGATE, all[i]).x[0], RMI_ERROR_INPUT);
		assert_int_equal(test_granule_state(all[i]), before);
	}
	/* Destroy refuses while a page is present; removal refuses bad indices. */
	assert_int_equal(RMI(RMI_CSM_DESTROY, region.csmd).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, 2).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.meta, 0).x[0], RMI_ERROR_INPUT);
	struct smc_regs r = RMI(RMI_CSM_DATA_REMOVE, region.csmd, 0);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	test_undelegate_free(region.pages[0]);
	region.pages[0] = 0;
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, 0).x[0], RMI_ERROR_INPUT); /* gone */
	/* DYING: no page can come back. */
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, extra, 0);
	remove_all(&region);
	test_undelegate_free(extra);
	hostsim_host_free(ns);
}

/* A region of more than CSM_INLINE_PAGES pages keeps them in list granules. */
static void test_large_region_lists(void **state)
{
	(void)state;
	build_realm();
	const uint64_t num = CSM_LIST_ENTRIES + 1; /* above CSM_INLINE_PAGES: two lists */
	assert_true(realm_asks(num, 0));
	bind_region(&region, num);
	uint64_t page = test_delegated();
	expect_add_fails(RMI_CSM_DATA_ADD, region.csmd, page, 0);             /* no list yet */
	test_undelegate_free(page);
	for (unsigned s = 0; s < 2; s++) {
		region.lists[s] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, region.lists[s], s).x[0], RMI_SUCCESS);
		assert_int_equal(test_granule_state(region.lists[s]), GRANULE_STATE_CSM_LIST);
	}
	uint64_t extra = test_delegated();
	expect_add_fails(RMI_CSM_LIST_ADD, region.csmd, extra, 2);            /* slot_bound */
	expect_add_fails(RMI_CSM_LIST_ADD, region.csmd, extra, 1);            /* present */
	add_pages(&region, 0, num);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	remove_all(&region); /* each list comes back with its last page (X2) */
	test_undelegate_free(extra);
}

/* Lists that never got a page are released by DESTROY. */
static void test_destroy_releases_empty_lists(void **state)
{
	(void)state;
	build_realm();
	const uint64_t num = 2 * CSM_LIST_ENTRIES;
	assert_true(realm_asks(num, 0));
	bind_region(&region, num);
	for (unsigned s = 0; s < 2; s++) {
		region.lists[s] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, region.lists[s], s).x[0], RMI_SUCCESS);
	}
	add_pages(&region, 0, 1);
	assert_int_equal(realm_resumes(), RSI_ERROR_STATE);
	remove_all(&region); /* list 0 with page 0 (X2), list 1 by DESTROY */
}

/* csm_ids: never 0, never the same twice, also across destroyed regions. */
static void test_csm_ids_unique(void **state)
{
	enum { N = 20 };
	uint64_t ids[N];

	(void)state;
	build_realm();
	for (unsigned i = 0; i < N; i++) {
		assert_true(realm_asks(1, 0));
		bind_region(&region, 1);
		add_pages(&region, 0, 1);
		assert_int_equal(realm_resumes(), RSI_SUCCESS);
		ids[i] = got_x1;
		assert_true(ids[i] != 0);
		for (unsigned j = 0; j < i; j++)
			assert_true(ids[i] != ids[j]);
		remove_all(&region);
	}
}

/* A realm owns at most CSM_MAX_REGIONS regions. */
static void test_region_limit(void **state)
{
	static struct region many[CSM_MAX_REGIONS];

	(void)state;
	build_realm();
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		assert_true(realm_asks(1, 0));
		bind_region(&many[i], 1);
		add_pages(&many[i], 0, 1);
		assert_int_equal(realm_resumes(), RSI_SUCCESS);
	}
	assert_int_equal(rd_regions(), CSM_MAX_REGIONS);
#ifdef HAVE_CAEC_VERIFY
	{ /* the token still fits its granule with every region in claim 65002 */
		static struct cca_token tok;
		realm_token(&realm, &tok);
		assert_int_equal(tok.realm_claims.num_regions, CSM_MAX_REGIONS);
	}
#endif
	assert_false(realm_asks(1, 0));
	assert_int_equal(got_x0, RSI_ERROR_STATE);
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++)
		remove_all(&many[i]);
	assert_int_equal(rd_regions(), 0);
	assert_true(realm_asks(1, 0)); /* room again */
}

#ifdef HAVE_CAEC_VERIFY
/* The largest token: a SHA-512 realm owning CSM_MAX_REGIONS regions, each
 * with two ACL entries. It needs more than one
 * granule (5,407 bytes); the monitor keeps it in the REC's two aux granules. */
static void test_region_limit_sha512_token(void **state)
{
	static struct region many[CSM_MAX_REGIONS];
	static struct cca_token tok;

	(void)state;
	cur = &realm;
	exec_realm_build_hash(&realm, test_delegated(), RMI_HASH_SHA_512, identity_page(),
			      CAEC_REALM_CSM_EXITS);
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		uint64_t id = owned_region(&many[i]);
		struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_RIM_RPV, RW), CALL(RSI_CSM_GRANT, id, ID_REALM_ID, RW) };
		run_prog(g, 2);
		assert_int_equal(g[0].x0, RSI_SUCCESS);
	}
	struct call c[] = { CALL(RSI_ATTEST_TOKEN_INIT, 0, 0, 0) };
	run_prog(c, 1);
	assert_int_equal(c[0].x0, RSI_SUCCESS);
	assert_true(c[0].x1 > RMI_GRANULE_SIZE);
	print_message("token: %llu bytes\n", (unsigned long long)c[0].x1);
	realm_token(&realm, &tok);
	assert_int_equal(tok.realm_claims.num_regions, CSM_MAX_REGIONS);
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++) {
		assert_int_equal(tok.realm_claims.regions[i].owner_rim.len, 64);
		assert_int_equal(tok.realm_claims.regions[i].acl_digest.len, 64);
	}
	for (unsigned i = 0; i < CSM_MAX_REGIONS; i++)
		remove_all(&many[i]);
}
#endif

/* ---- the owner's ACL: GRANT and SEAL ---- */

static void test_grant(void **state)
{
	(void)state;
	build_with_identities();
	uint64_t id = owned_region(&region);
	struct call calls[] = {
		CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ),
		CALL(RSI_CSM_GRANT, id, ID_REALM_ID, RW),
		CALL(RSI_CSM_GRANT, id, ID_RIM_RPV, RW | (3 << CSM_PERM_ADMIT_SHIFT)),
	};
	run_prog(calls, 3);
	struct rmm_debug_csm d = debug_csm(region.csmd);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(calls[i].x0, RSI_SUCCESS);
		/* The handle names the entry: index and generation. */
		unsigned index = (unsigned)(calls[i].x1 & 0xff);
		assert_true(index < 16);
		assert_int_equal(d.acl[index].generation, calls[i].x1 >> 8);
		assert_int_equal(d.acl[index].perms, calls[i].a3);
	}
	assert_int_equal(d.acl[calls[0].x1 & 0xff].kind, CSM_IDENTITY_RIM);
	assert_int_equal(d.acl[calls[1].x1 & 0xff].kind, CSM_IDENTITY_REALM_ID);
	assert_int_equal(d.acl[calls[2].x1 & 0xff].kind, CSM_IDENTITY_RIM_RPV);
	assert_int_equal(d.acl[calls[2].x1 & 0xff].value[64], 0x44);
	assert_int_equal(d.generation, 3);
	assert_true(calls[0].x1 != calls[1].x1 && calls[1].x1 != calls[2].x1);
	remove_all(&region);
}

static void test_grant_refusals(void **state)
{
	(void)state;
	build_with_identities();
	uint64_t id = owned_region(&region);
	struct call calls[] = {
		CALL(RSI_CSM_GRANT, id, ID_RIM + 4, CSM_PERM_READ),          /* unaligned */
		CALL(RSI_CSM_GRANT, id, 0x1ff8, CSM_PERM_READ),              /* crosses the granule */
		CALL(RSI_CSM_GRANT, id, ID_RIM, 0),                          /* no READ */
		CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_WRITE),             /* WRITE alone */
		CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ | (1 << 16)),  /* reserved bit */
		CALL(RSI_CSM_GRANT, id, EXEC_UNPROT_BASE + 0x100, CSM_PERM_READ), /* host memory */
		CALL(RSI_CSM_GRANT, id, 0x5000, CSM_PERM_READ),              /* RIPAS EMPTY */
		CALL(RSI_CSM_GRANT, id, ID_BAD_KIND, CSM_PERM_READ),
		CALL(RSI_CSM_GRANT, id, ID_RIM_TAIL, CSM_PERM_READ),
		CALL(RSI_CSM_GRANT, id, ID_ID_TAIL, CSM_PERM_READ),
		CALL(RSI_CSM_GRANT, id ^ 1, ID_RIM, CSM_PERM_READ),          /* not its region */
		CALL(RSI_CSM_GRANT, 0, ID_RIM, CSM_PERM_READ),
		CALL(RSI_CSM_SEAL, id ^ 1, 0, 0),
	};
	unsigned n = sizeof(calls) / sizeof(calls[0]);
	run_prog(calls, n);
	for (unsigned i = 0; i < n; i++) {
		if (calls[i].x0 != RSI_ERROR_INPUT)
			fail_msg("call %u: status %llu, expected ERROR_INPUT", i, (unsigned long long)calls[i].x0);
		if (calls[i].fid == RSI_CSM_GRANT)
			assert_int_equal(calls[i].x1, 0);
	}
	struct rmm_debug_csm d = debug_csm(region.csmd);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(d.acl[i].kind, 0);
	assert_int_equal(d.generation, 0);
	assert_int_equal(d.flags, 0);
	remove_all(&region);
}

static void test_acl_full_and_seal(void **state)
{
	struct call calls[CSM_ACL_ENTRIES + 5];

	(void)state;
	build_with_identities();
	uint64_t id = owned_region(&region);
	for (unsigned i = 0; i < CSM_ACL_ENTRIES + 1; i++)
		calls[i] = CALL_VALUE(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ);
	calls[CSM_ACL_ENTRIES + 1] = CALL_VALUE(RSI_CSM_SEAL, id, 0, 0);
	calls[CSM_ACL_ENTRIES + 2] = CALL_VALUE(RSI_CSM_SEAL, id, 0, 0);
	run_prog(calls, CSM_ACL_ENTRIES + 3);
	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++)
		assert_int_equal(calls[i].x0, RSI_SUCCESS);
	assert_int_equal(calls[CSM_ACL_ENTRIES].x0, RSI_ERROR_STATE); /* full */
	assert_int_equal(calls[CSM_ACL_ENTRIES + 1].x0, RSI_SUCCESS);
	assert_int_equal(calls[CSM_ACL_ENTRIES + 2].x0, RSI_SUCCESS); /* twice is harmless */
	struct rmm_debug_csm d = debug_csm(region.csmd);
	assert_int_equal(d.flags, CAEC_REGION_FLAG_SEALED);
	assert_int_equal(d.generation, CSM_ACL_ENTRIES + 1);
	remove_all(&region);

	/* Sealed: no grant any more. */
	id = owned_region(&region);
	struct call sealed[] = {
		CALL(RSI_CSM_SEAL, id, 0, 0),
		CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ),
	};
	run_prog(sealed, 2);
	assert_int_equal(sealed[0].x0, RSI_SUCCESS);
	assert_int_equal(sealed[1].x0, RSI_ERROR_STATE);
	assert_int_equal(debug_csm(region.csmd).acl[0].kind, 0);
	/* Dying: no grant either (the region after its first page removal). */
	remove_all(&region);
}

/* A region that is not complete is not the realm's yet: no GRANT. */
static void test_grant_needs_a_complete_region(void **state)
{
	(void)state;
	build_with_identities();
	assert_true(realm_asks(2, 0));
	bind_region(&region, 2);
	add_pages(&region, 0, 1);
	assert_int_equal(realm_resumes(), RSI_ERROR_STATE);
	uint64_t id = debug_csm(region.csmd).csm_id;
	struct call calls[] = { CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ) };
	run_prog(calls, 1);
	assert_int_equal(calls[0].x0, RSI_ERROR_STATE);
	remove_all(&region);
}

/* ---- members: ATTACH, MAP, UNMAP ---- */

static void test_owner_maps_its_region(void **state)
{
	(void)state;
	build_realm();
	uint64_t id;

	assert_true(realm_asks(3, 0));
	bind_region(&region, 3);
	add_pages(&region, 0, 3);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	id = got_x1;

	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ | CSM_PERM_WRITE));
	struct smc_regs r = RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, CSM_IPA);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], CSM_IPA + 3 * RMI_GRANULE_SIZE);
	expect_mapped(&realm, &region, CSM_IPA, true);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	struct rmm_debug_csm d = debug_csm(region.csmd);
	assert_int_equal(d.mapped_members, 1);
	assert_int_equal(rd_regions(), 2); /* owner and member references */

	/* Pinned while mapped: no removal, no destruction, no data destroy,
	 * no RTT destroy or fold, no realm destroy. */
	assert_int_equal(RMI(RMI_CSM_DATA_REMOVE, region.csmd, 0).x[0], RMI_ERROR_REALM);
	assert_int_equal(RMI(RMI_CSM_DESTROY, region.csmd).x[0], RMI_ERROR_REALM);
	assert_int_equal(RMI(RMI_DATA_DESTROY, realm.rd, CSM_IPA).x[0], RMI_ERROR_RTT | (3 << 8));
	assert_int_equal(RMI(RMI_RTT_DESTROY, realm.rd, 0, 3).x[0] & 0xff, RMI_ERROR_RTT);
	assert_int_not_equal(RMI(RMI_RTT_FOLD, realm.rd, 0, 3).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_REALM_DESTROY, realm.rd).x[0], RMI_ERROR_REALM);
	expect_mapped(&realm, &region, CSM_IPA, true);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(test_granule_state(region.pages[i]), GRANULE_STATE_CSM_DATA);

	/* UNMAP from the lowest IPA only. */
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA + RMI_GRANULE_SIZE).x[0],
			 RMI_ERROR_INPUT);
	r = RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], CSM_IPA + 3 * RMI_GRANULE_SIZE);
	for (unsigned i = 0; i < 3; i++) {
		struct smc_regs re = RMI(RMI_RTT_READ_ENTRY, realm.rd, CSM_IPA + i * RMI_GRANULE_SIZE, 3);
		assert_int_equal(re.x[2], RMI_UNASSIGNED);
		assert_int_equal(re.x[4], RIPAS_DESTROYED);
	}
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	assert_int_equal(rd_regions(), 1);
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA).x[0], RMI_ERROR_INPUT);
	remove_all(&region);
}

static void test_attach_refusals(void **state)
{
	(void)state;
	build_realm();
	uint64_t id = owned_region(&region);

	assert_false(realm_attaches(id, CSM_IPA, 0));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_WRITE));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ | 4));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_attaches(id, CSM_IPA + 8, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_attaches(id ^ 1, CSM_IPA, CSM_PERM_READ)); /* no such region */
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_false(realm_attaches(id, EXEC_UNPROT_BASE, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT); /* the unprotected half */
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	/* Attached once: a second ATTACH is refused. */
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	assert_false(realm_attaches(id, CSM_IPA + 0x10000, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_STATE);
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	remove_all(&region);
}

static void test_map_refusals(void **state)
{
	(void)state;
	build_realm();
	uint64_t id = owned_region(&region);
	uint64_t rd = realm.rd, rec = realm.rec[0];

	/* No request. */
	assert_int_equal(RMI(RMI_CSM_MAP, rd, rec, region.csmd, CSM_IPA).x[0], RMI_ERROR_REC);
	/* Overlapping the realm's own RAM: the step is refused whole. */
	assert_true(realm_attaches(id, 0x2000, CSM_PERM_READ));
	struct smc_regs r = RMI(RMI_CSM_MAP, rd, rec, region.csmd, 0x2000);
	assert_int_equal(r.x[0], RMI_ERROR_RTT | (3 << 8));
	assert_int_equal(r.x[1], 0x2000);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	/* Another IPA than asked, another region, the other REC, not a CSMD. */
	assert_int_equal(RMI(RMI_CSM_MAP, rd, rec, region.csmd, 0x3000).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_CSM_MAP, rd, realm.rec[1], region.csmd, 0x2000).x[0], RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_CSM_MAP, rd, rec, region.meta, 0x2000).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_CSM_MAP, rec, rec, region.csmd, 0x2000).x[0], RMI_ERROR_INPUT);
	/* The realm resumes: not mapped, ERROR_STATE; the request is gone. */
	assert_int_equal(realm_resumes_prog(), RSI_ERROR_STATE);
	assert_int_equal(RMI(RMI_CSM_MAP, rd, rec, region.csmd, 0x2000).x[0], RMI_ERROR_REC);
	/* No level-3 RTT there: ERROR_RTT(2), nothing mapped. */
	assert_true(realm_attaches(id, UINT64_C(0x400000), CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, rd, rec, region.csmd, UINT64_C(0x400000)).x[0],
			 RMI_ERROR_RTT | (2 << 8));
	assert_int_equal(realm_resumes_prog(), RSI_ERROR_STATE);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	assert_int_equal(rd_regions(), 1);
	remove_all(&region);
}


static void test_read_only_member_faults(void **state)
{
	(void)state;
	build_realm();
	uint64_t id = owned_region(&region);
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	expect_mapped(&realm, &region, CSM_IPA, false);
	exec_fake_set_step(permission_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&realm).exit_reason, RMI_EXIT_IRQ);
	assert_int_equal(exec_fake_runs(), 4);
	assert_int_equal(RMI(RMI_CSM_UNMAP, realm.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	remove_all(&region);
}

static void test_member_admitted_by_acl(void **state)
{
	(void)state;
	uint64_t id = owner_and_realms(2);
	struct rmm_debug_realm oi;
	assert_true(rmm_debug_realm(other.rd, &oi));

	/* Not granted yet: refused, as an unknown region would be. */
	cur = &other;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);

	/* The owner grants the other realm by realm ID, read-only, one realm. */
	cur = &realm;
	/* The owner writes the record into its own memory (the scripted CPU
	 * does not run code, so the test writes for it). */
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ) };
	run_prog(g, 1);
	assert_int_equal(g[0].x0, RSI_SUCCESS);

	cur = &other;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ | CSM_PERM_WRITE)); /* more than granted */
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	/* The host maps it for that REC, not for the owner's. */
	assert_int_equal(RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, CSM_IPA).x[0], RMI_ERROR_REC);
	assert_int_equal(RMI(RMI_CSM_MAP, realm.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_ERROR_INPUT);
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	expect_mapped(&other, &region, CSM_IPA, false);

	/* The third realm (the same image as the other one, so the same RIM) has
	 * another realm ID: not admitted. */
	cur = &third;
	assert_false(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);

	/* A grant by RIM admitting one realm lets the third in. */
	cur = &realm;
	struct rmm_debug_realm ri;
	assert_true(rmm_debug_realm(third.rd, &ri));
	memcpy(owner_page + (ID_RIM - 0x1000) + 8, ri.rim, 32);
	struct call g2[] = { CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ) };
	run_prog(g2, 1);
	assert_int_equal(g2[0].x0, RSI_SUCCESS);
	cur = &third;
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, third.rd, third.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 2);
	expect_invariants();
	/* A member cannot be destroyed while it maps the region. */
	assert_int_equal(RMI(RMI_REALM_DESTROY, third.rd).x[0], RMI_ERROR_REALM);

	/* The host unmaps both; then the region can go. */
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_UNMAP, third.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	cur = &realm;
	remove_all(&region);
}

/* DETACH: the monitor unmaps the caller one table per call (INCOMPLETE),
 * then exits DETACHED; the realm gets SUCCESS; the range is EMPTY again. A
 * CSM page is never memory the monitor reads for the realm. */
static void test_detach(void **state)
{
	(void)state;
	build_with_identities();
	const uint64_t num = CSM_LIST_ENTRIES + 8; /* two level-3 tables at 0x1ff000 */
	const uint64_t base = UINT64_C(0x200000) - 8 * RMI_GRANULE_SIZE;
	assert_true(realm_asks(num, 0));
	bind_region(&region, num);
	for (unsigned s2 = 0; s2 < 2; s2++) {
		region.lists[s2] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, region.lists[s2], s2).x[0], RMI_SUCCESS);
	}
	add_pages(&region, 0, num);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	uint64_t id = got_x1;

	/* The range crosses into the next level-3 table, which the host creates. */
	uint64_t l3b = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, realm.rd, l3b, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);
	assert_true(realm_attaches(id, base, CSM_PERM_READ | CSM_PERM_WRITE));
	struct smc_regs r = RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, base);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], UINT64_C(0x200000)); /* one table per call */
	r = RMI(RMI_CSM_MAP, realm.rd, realm.rec[0], region.csmd, r.x[1]);
	assert_int_equal(r.x[0], RMI_SUCCESS);
	assert_int_equal(r.x[1], base + num * RMI_GRANULE_SIZE);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);

	/* A CSM page as an identity record: refused. */
	struct call g[] = { CALL(RSI_CSM_GRANT, id, base, CSM_PERM_READ),
			    CALL(RSI_CSM_DETACH, id, 0, 0),
			    CALL(RSI_CSM_DETACH, id ^ 1, 0, 0) };
	run_prog(g, 3);
	assert_int_equal(g[0].x0, RSI_ERROR_INPUT);
	assert_int_equal(g[1].x0, RSI_INCOMPLETE); /* the first table */
	assert_int_equal(g[2].x0, RSI_ERROR_INPUT);
	/* The last step exits DETACHED. */
	static struct call d[1];
	d[0] = CALL_VALUE(RSI_CSM_DETACH, id, 0, 0);
	prog = d;
	prog_len = 1;
	exec_fake_set_step(prog_steps);
	assert_int_equal(exec_enter(&realm, 0, 0, NULL), RMI_SUCCESS);
	struct rmi_rec_exit exit = exec_exit(&realm);
	assert_int_equal(exit.exit_reason, RMI_EXIT_CSM_REQUEST);
	assert_int_equal(exit.gprs[0], CSM_OP_DETACHED);
	assert_int_equal(exit.gprs[1], id);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	for (uint64_t ipa = base; ipa < base + num * RMI_GRANULE_SIZE; ipa += RMI_GRANULE_SIZE) {
		struct smc_regs re = RMI(RMI_RTT_READ_ENTRY, realm.rd, ipa, 3);
		assert_int_equal(re.x[2], RMI_UNASSIGNED);
		assert_int_equal(re.x[4], RIPAS_EMPTY);
	}
	/* Nothing mapped: the table can go, the region too. */
	assert_int_equal(RMI(RMI_RTT_DESTROY, realm.rd, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);
	test_undelegate_free(l3b);
	remove_all(&region);
}

/* REVOKE: a member admitted by another entry stays; one admitted by nothing
 * else is unmapped (RIPAS DESTROYED: its next access aborts); stale handles
 * and callers that are not the owner are refused. */
static void test_revoke(void **state)
{
	(void)state;
	uint64_t id = owner_and_realms(2);
	struct rmm_debug_realm oi;
	assert_true(rmm_debug_realm(other.rd, &oi)); /* other and third: the same RIM */
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	memcpy(owner_page + (ID_RIM - 0x1000) + 8, oi.rim, 32);

	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ),
			    CALL(RSI_CSM_GRANT, id, ID_RIM, CSM_PERM_READ | (2 << CSM_PERM_ADMIT_SHIFT)) };
	run_prog(g, 2);
	assert_int_equal(g[0].x0, RSI_SUCCESS);
	assert_int_equal(g[1].x0, RSI_SUCCESS);
	uint64_t by_id = g[0].x1, by_rim = g[1].x1;
	struct exec_realm *members[] = { &other, &third };
	for (unsigned i = 0; i < 2; i++) {
		cur = members[i];
		assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
		assert_int_equal(RMI(RMI_CSM_MAP, cur->rd, cur->rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
		assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	}
	assert_int_equal(debug_csm(region.csmd).mapped_members, 2);

	expect_invariants();
	/* Not the owner: refused. */
	cur = &other;
	struct call nope[] = { CALL(RSI_CSM_REVOKE, id, by_id, 0) };
	run_prog(nope, 1);
	assert_int_equal(nope[0].x0, RSI_ERROR_INPUT);

	/* The realm-ID entry goes; the RIM entry (room for two) keeps the other realm. */
	cur = &realm;
	uint64_t gen = debug_csm(region.csmd).generation;
	struct call r1[] = { CALL(RSI_CSM_REVOKE, id, by_id, 0), CALL(RSI_CSM_REVOKE, id, by_id, 0),
			     CALL(RSI_CSM_REVOKE, id, by_id + 0x100, 0), CALL(RSI_CSM_REVOKE, id, 16, 0) };
	run_prog(r1, 4);
	assert_int_equal(r1[0].x0, RSI_SUCCESS);
	assert_int_equal(r1[1].x0, RSI_ERROR_INPUT); /* stale now */
	assert_int_equal(r1[2].x0, RSI_ERROR_INPUT);
	assert_int_equal(r1[3].x0, RSI_ERROR_INPUT);
	struct rmm_debug_csm d = debug_csm(region.csmd);
	assert_int_equal(d.mapped_members, 2);
	assert_int_equal(d.acl[by_id & 0xff].kind, 0);
	assert_true(d.generation > gen);
	expect_mapped(&other, &region, CSM_IPA, false);

	/* The RIM entry goes: both members are unmapped; their next access aborts. */
	struct call r2[] = { CALL(RSI_CSM_REVOKE, id, by_rim, 0) };
	run_prog(r2, 1);
	assert_int_equal(r2[0].x0, RSI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	for (unsigned i = 0; i < 2; i++) {
		struct smc_regs re = RMI(RMI_RTT_READ_ENTRY, members[i]->rd, CSM_IPA, 3);
		assert_int_equal(re.x[2], RMI_UNASSIGNED);
		assert_int_equal(re.x[4], RIPAS_DESTROYED);
		cur = members[i];
		struct call det[] = { CALL(RSI_CSM_DETACH, id, 0, 0) }; /* nothing left to detach */
		run_prog(det, 1);
		assert_int_equal(det[0].x0, RSI_ERROR_INPUT);
	}
	/* A revoked realm cannot attach again. */
	assert_false(realm_attaches(id, CSM_IPA + 0x10000, CSM_PERM_READ));
	assert_int_equal(got_x0, RSI_ERROR_INPUT);
	cur = &realm;
	remove_all(&region);
}

/* INFO: the owner, a member and a realm an entry names see the region as
 * the monitor holds it; anyone else gets ERROR_INPUT, as for no region. */
static void test_info(void **state)
{
	(void)state;
	uint64_t id = owner_and_realms(2);
	struct rmm_debug_realm oi, own;
	assert_true(rmm_debug_realm(other.rd, &oi));
	assert_true(rmm_debug_realm(realm.rd, &own));
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ),
			    CALL(RSI_CSM_GRANT, id, ID_RIM_RPV, CSM_PERM_READ | CSM_PERM_WRITE) };
	run_prog(g, 2);
	cur = &other;
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);

	/* The member asks; the report lands in its RAM at IPA 0. */
	const uint64_t size = sizeof(struct csm_report_header) + 2 * sizeof(struct csm_report_acl_entry) +
			      8 + sizeof(struct csm_report_member);
	struct call q[] = { CALL(RSI_CSM_INFO, id, 0, 0), CALL(RSI_CSM_INFO, id, 0, RMI_GRANULE_SIZE),
			    CALL(RSI_CSM_INFO, id, 8, 0), CALL(RSI_CSM_INFO, id, CSM_IPA, 0),
			    CALL(RSI_CSM_INFO, id ^ 1, 0, 0) };
	run_prog(q, 5);
	assert_int_equal(q[0].x0, RSI_SUCCESS);
	assert_int_equal(q[0].x1, size);
	assert_int_equal(q[1].x0, RSI_ERROR_INPUT); /* past the end */
	assert_int_equal(q[2].x0, RSI_ERROR_INPUT); /* unaligned */
	assert_int_equal(q[3].x0, RSI_ERROR_INPUT); /* a CSM page */
	assert_int_equal(q[4].x0, RSI_ERROR_INPUT); /* no such region */
	const uint8_t *rep = hostsim_monitor_view(other.data[0]);
	struct csm_report_header h;
	memcpy(&h, rep, sizeof(h));
	assert_int_equal(h.version, CSM_REPORT_VERSION);
	assert_int_equal(h.csm_id, id);
	assert_int_equal(h.num_granules, 1);
	assert_int_equal(h.generation, debug_csm(region.csmd).generation);
	assert_int_equal(h.acl_count, 2);
	assert_memory_equal(h.owner_realm_id, own.realm_id, 32);
	assert_memory_equal(h.owner_rim, own.rim, 64);
	struct csm_report_acl_entry e;
	memcpy(&e, rep + sizeof(h), sizeof(e));
	assert_int_equal(e.kind, CSM_IDENTITY_REALM_ID);
	assert_memory_equal(e.value, oi.realm_id, 32);
	assert_int_equal(e.perms, CSM_PERM_READ);
	uint64_t members;
	memcpy(&members, rep + sizeof(h) + 2 * sizeof(e), 8);
	assert_int_equal(members, 1);
	struct csm_report_member mr;
	memcpy(&mr, rep + sizeof(h) + 2 * sizeof(e) + 8, sizeof(mr));
	assert_memory_equal(mr.realm_id, oi.realm_id, 32);
	assert_memory_equal(mr.rim, oi.rim, 64);
	assert_int_equal(mr.perms, CSM_PERM_READ);
	assert_int_equal(mr.state, CSM_REPORT_MEMBER_MAPPED);

	/* The owner sees it too; the third realm, named by nothing, does not. */
	cur = &realm;
	struct call o[] = { CALL(RSI_CSM_INFO, id, 0, 0) };
	run_prog(o, 1);
	assert_int_equal(o[0].x0, RSI_SUCCESS);
	cur = &third;
	struct call t[] = { CALL(RSI_CSM_INFO, id, 0, 0) };
	run_prog(t, 1);
	assert_int_equal(t[0].x0, RSI_ERROR_INPUT);
	assert_int_equal(t[0].x1, 0);
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	cur = &realm;
	remove_all(&region);
}

#ifdef HAVE_CAEC_VERIFY
/* Claim 65002 carries the digests the verifier computes from the region
 * report: the monitor's bytes are verify/README.md's. */
static void test_token_claims(void **state)
{
	static struct cca_token tok;

	(void)state;
	uint64_t id = owner_and_realms(1);
	struct rmm_debug_realm oi, own;
	assert_true(rmm_debug_realm(other.rd, &oi));
	assert_true(rmm_debug_realm(realm.rd, &own));
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ),
			    CALL(RSI_CSM_GRANT, id, ID_RIM_RPV, CSM_PERM_READ | CSM_PERM_WRITE | (2 << 8)),
			    CALL(RSI_CSM_SEAL, id, 0, 0) };
	run_prog(g, 3);
	cur = &other;
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	struct rmm_debug_csm d = debug_csm(region.csmd);

	/* What the verifier computes from the report. */
	struct csm_member member = { .perms = CSM_PERM_READ };
	memcpy(member.realm_id, oi.realm_id, 32);
	memcpy(member.rim.bytes, oi.rim, 32);
	member.rim.len = 32;
	struct csm_member_list list = { .csm_id = id, .num_members = 1, .members = &member };
	uint8_t want_members[64], want_acl[64];
	assert_int_equal(caec_membership_digest(CCA_HASH_SHA256, &list, want_members), 32);
	struct csm_acl_entry acl[16];
	size_t n = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (!d.acl[i].kind)
			continue;
		acl[n] = (struct csm_acl_entry){ .kind = d.acl[i].kind, .perms = d.acl[i].perms };
		memcpy(acl[n++].value, d.acl[i].value, 128);
	}
	char why[256];
	assert_int_equal(caec_acl_digest(CCA_HASH_SHA256, acl, n, want_acl, why), 32);

	/* The member's token. */
	realm_token(&other, &tok);
	const struct cca_realm_claims *rc = &tok.realm_claims;
	assert_true(rc->has_regions);
	assert_int_equal(rc->num_regions, 1);
	const struct caec_region *reg = &rc->regions[0];
	assert_int_equal(reg->csm_id, id);
	assert_int_equal(reg->role, 1);
	assert_int_equal(reg->perms, CSM_PERM_READ);
	assert_int_equal(reg->generation, d.generation);
	assert_int_equal(reg->flags, CAEC_REGION_FLAG_SEALED);
	assert_int_equal(reg->owner_rim.len, 32);
	assert_memory_equal(reg->owner_rim.ptr, own.rim, 32);
	assert_memory_equal(reg->owner_realm_id.ptr, own.realm_id, 32);
	assert_memory_equal(reg->membership_digest.ptr, want_members, 32);
	assert_memory_equal(reg->acl_digest.ptr, want_acl, 32);

	/* The owner's: role 0, no mapping of its own. */
	realm_token(&realm, &tok);
	assert_int_equal(tok.realm_claims.num_regions, 1);
	assert_int_equal(tok.realm_claims.regions[0].role, 0);
	assert_int_equal(tok.realm_claims.regions[0].perms, 0);
	assert_memory_equal(tok.realm_claims.regions[0].membership_digest.ptr, want_members, 32);

	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	/* Unmapped: the member's token lists no region. */
	realm_token(&other, &tok);
	assert_int_equal(tok.realm_claims.num_regions, 0);
	cur = &realm;
	remove_all(&region);
}
#endif

/* The realm learns the extension's version; RSI_POLICY_SET is there (an
 * empty blob is refused: exec_policy_test.c tests the rest). */
static void test_rsi_version(void **state)
{
	(void)state;
	build_realm();
	struct call c[] = { CALL(RSI_CSM_VERSION, 0, 0, 0), CALL(RSI_POLICY_SET, 0, 0, 0) };
	run_prog(c, 2);
	assert_int_equal(c[0].x0, RSI_SUCCESS);
	assert_int_equal(c[0].x1, CAEC_CSM_ABI_VERSION);
	assert_int_equal(c[1].x0, RSI_ERROR_INPUT);
}

/* The owner is destroyed while a member maps its region: the region lives
 * on, sealed and marked; a realm created afterwards is not its owner, even
 * if it got the old RD granule (references are validated by realm ID, which
 * is never reused). */
static void test_owner_destroyed(void **state)
{
	(void)state;
	uint64_t id = owner_and_realms(1);
	struct rmm_debug_realm oi;
	assert_true(rmm_debug_realm(other.rd, &oi));
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ) };
	run_prog(g, 1);
	cur = &other;
	assert_true(realm_attaches(id, CSM_IPA, CSM_PERM_READ));
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);

	exec_realm_destroy(&realm);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 1); /* lives on */
#ifdef HAVE_CAEC_VERIFY
	static struct cca_token tok;
	realm_token(&other, &tok);
	assert_int_equal(tok.realm_claims.regions[0].flags,
			 CAEC_REGION_FLAG_OWNER_DESTROYED | CAEC_REGION_FLAG_SEALED);
#endif
	/* A new realm: not the owner. */
	cur = &third;
	exec_realm_build_config(&third, NULL, CAEC_REALM_CSM_EXITS);
	struct call h[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ), CALL(RSI_CSM_SEAL, id, 0, 0),
			    CALL(RSI_CSM_INFO, id, 0, 0) };
	run_prog(h, 3);
	assert_int_equal(h[0].x0, RSI_ERROR_INPUT);
	assert_int_equal(h[1].x0, RSI_ERROR_INPUT);
	assert_int_equal(h[2].x0, RSI_ERROR_INPUT);
	/* The member still reads the report; the host cleans up as usual. */
	cur = &other;
	struct call q[] = { CALL(RSI_CSM_INFO, id, 0, 0) };
	run_prog(q, 1);
	assert_int_equal(q[0].x0, RSI_SUCCESS);
	assert_int_equal(RMI(RMI_CSM_UNMAP, other.rd, region.csmd, CSM_IPA).x[0], RMI_SUCCESS);
	remove_all(&region);
}

/* Review cases: a read-only member that points a host call or the token
 * buffer at a CSM page is refused, like any memory that is not its own RAM;
 * a REVOKE that races the host's MAP wins: the MAP fails, the partial
 * mapping is gone (DESTROYED), the realm gets ERROR_STATE. */
static void test_review_cases(void **state)
{
	(void)state;
	build_with_identities();
	const uint64_t num = CSM_LIST_ENTRIES + 8; /* two level-3 tables */
	const uint64_t base = UINT64_C(0x200000) - 8 * RMI_GRANULE_SIZE;
	assert_true(realm_asks(num, 0));
	bind_region(&region, num);
	for (unsigned i = 0; i < 2; i++) {
		region.lists[i] = test_delegated();
		assert_int_equal(RMI(RMI_CSM_LIST_ADD, region.csmd, region.lists[i], i).x[0], RMI_SUCCESS);
	}
	add_pages(&region, 0, num);
	assert_int_equal(realm_resumes(), RSI_SUCCESS);
	uint64_t id = got_x1;
	uint64_t l3b = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, realm.rd, l3b, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);

	cur = &other;
	exec_realm_build_config(&other, NULL, CAEC_REALM_CSM_EXITS);
	uint64_t ol3b = test_delegated();
	assert_int_equal(RMI(RMI_RTT_CREATE, other.rd, ol3b, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);
	struct rmm_debug_realm oi;
	assert_true(rmm_debug_realm(other.rd, &oi));
	uint8_t *owner_page = (uint8_t *)(uintptr_t)hostsim_monitor_view(realm.data[1]);
	memcpy(owner_page + (ID_REALM_ID - 0x1000) + 8, oi.realm_id, 32);
	cur = &realm;
	struct call g[] = { CALL(RSI_CSM_GRANT, id, ID_REALM_ID, CSM_PERM_READ) };
	run_prog(g, 1);
	assert_int_equal(g[0].x0, RSI_SUCCESS);

	/* The member maps it read-only; a host call or a token buffer there is refused. */
	cur = &other;
	assert_true(realm_attaches(id, base, CSM_PERM_READ));
	uint64_t next = RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, base).x[1];
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, next).x[0], RMI_SUCCESS);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);
	struct call bad[] = { CALL(RSI_HOST_CALL, base, 0, 0), CALL(RSI_ATTEST_TOKEN_INIT, 0, 0, 0),
			      CALL(RSI_ATTEST_TOKEN_CONTINUE, base, 0, 64) };
	run_prog(bad, 3);
	assert_int_equal(bad[0].x0, RSI_ERROR_INPUT);
	assert_int_equal(bad[1].x0, RSI_SUCCESS);
	assert_int_equal(bad[2].x0, RSI_ERROR_INPUT);
	/* The page stays as the owner left it (zero). */
	assert_true(is_zero_granule(region.pages[0]));
	cur = &other;
	struct call det[] = { CALL(RSI_CSM_DETACH, id, 0, 0) };
	run_prog(det, 1); /* the first table; the next call exits */
	assert_int_equal(det[0].x0, RSI_INCOMPLETE);
	static struct call d2[1];
	d2[0] = CALL_VALUE(RSI_CSM_DETACH, id, 0, 0);
	prog = d2;
	prog_len = 1;
	exec_fake_set_step(prog_steps);
	assert_int_equal(exec_enter(&other, 0, 0, NULL), RMI_SUCCESS);
	assert_int_equal(exec_exit(&other).exit_reason, RMI_EXIT_CSM_REQUEST);
	assert_int_equal(realm_resumes_prog(), RSI_SUCCESS);

	/* REVOKE racing MAP: attach again elsewhere, the host maps one table,
	 * the owner revokes, the host's next MAP fails. */
	assert_true(realm_attaches(id, base, CSM_PERM_READ));
	next = RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, base).x[1];
	assert_int_equal(next, UINT64_C(0x200000));
	assert_int_equal(debug_csm(region.csmd).mapped_members, 1);
	cur = &realm;
	struct call rv[] = { CALL(RSI_CSM_REVOKE, id, g[0].x1, 0) };
	run_prog(rv, 1);
	assert_int_equal(rv[0].x0, RSI_SUCCESS);
	assert_int_equal(debug_csm(region.csmd).mapped_members, 0);
	assert_int_equal(RMI(RMI_CSM_MAP, other.rd, other.rec[0], region.csmd, next).x[0], RMI_ERROR_INPUT);
	cur = &other;
	assert_int_equal(realm_resume_x0(), RSI_ERROR_STATE);
	for (uint64_t ipa = base; ipa < UINT64_C(0x200000); ipa += RMI_GRANULE_SIZE) {
		struct smc_regs re = RMI(RMI_RTT_READ_ENTRY, other.rd, ipa, 3);
		assert_int_equal(re.x[2], RMI_UNASSIGNED);
		assert_int_equal(re.x[4], RIPAS_DESTROYED);
	}
	cur = &realm;
	assert_int_equal(RMI(RMI_RTT_DESTROY, realm.rd, UINT64_C(0x200000), 3).x[0], RMI_SUCCESS);
	test_undelegate_free(l3b);
	remove_all(&region);
}

/* argv[1], if given: a cmocka name pattern; CTest runs the groups apart
 * (rmm/tests/CMakeLists.txt, the csm_* tests). */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		EXEC_TEST(test_create_and_destroy),
		EXEC_TEST(test_rsi_create_refusals),
		EXEC_TEST(test_rsi_create_bad_arguments),
		EXEC_TEST(test_rmi_create_refusals),
		EXEC_TEST(test_request_ignored),
		EXEC_TEST(test_page_refusals),
		EXEC_TEST(test_large_region_lists),
		EXEC_TEST(test_destroy_releases_empty_lists),
		EXEC_TEST(test_csm_ids_unique),
		EXEC_TEST(test_region_limit),
#ifdef HAVE_CAEC_VERIFY
		EXEC_TEST(test_region_limit_sha512_token),
#endif
		EXEC_TEST(test_grant),
		EXEC_TEST(test_grant_refusals),
		EXEC_TEST(test_acl_full_and_seal),
		EXEC_TEST(test_grant_needs_a_complete_region),
		EXEC_TEST(test_owner_maps_its_region),
		EXEC_TEST(test_attach_refusals),
		EXEC_TEST(test_map_refusals),
		EXEC_TEST(test_read_only_member_faults),
		EXEC_TEST(test_member_admitted_by_acl),
		EXEC_TEST(test_detach),
		EXEC_TEST(test_revoke),
		EXEC_TEST(test_info),
#ifdef HAVE_CAEC_VERIFY
		EXEC_TEST(test_token_claims),
#endif
		EXEC_TEST(test_rsi_version),
		EXEC_TEST(test_owner_destroyed),
		EXEC_TEST(test_review_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

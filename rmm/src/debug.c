/*
 * Test-only introspection (rmm/rmm.h): never reachable through the SMC ABI.
 */
#include "csm.h"
#include "csm_member.h"
#include "granule.h"
#include "rtt.h"
#include "realm.h"
#include "rmm/rmm.h"

bool rmm_debug_granule(uint64_t pa, unsigned *state, unsigned *refcount)
{
	struct granule *g = granule_from_pa(pa);

	if (!g)
		return false;
	granule_lock(g);
	*state = granule_state(g);
	*refcount = granule_refcount(g);
	granule_unlock(g);
	return true;
}

bool rmm_debug_realm(uint64_t rd_pa, struct rmm_debug_realm *out)
{
	struct granule *g = granule_lock_expect(rd_pa, GRANULE_STATE_RD);
	struct rd *rd;

	if (!g)
		return false;
	rd = rd_map(g);
	__builtin_memset(out, 0, sizeof(*out)); /* padding too: callers compare whole records */
	out->state = rd->state;
	out->hash_algo = rd->hash_algo;
	out->ipa_bits = rd->ipa_bits;
	out->vmid = rd->vmid;
	__builtin_memcpy(out->rim, rd->rim, sizeof(out->rim));
	__builtin_memcpy(out->rem, rd->rem, sizeof(out->rem));
	__builtin_memcpy(out->rpv, rd->rpv, sizeof(out->rpv));
	__builtin_memcpy(out->realm_id, rd->realm_id, sizeof(out->realm_id));
	out->caec_flags = rd->caec_flags;
	out->csm_regions = rd_csm_ref_count(rd);
	rd_unlock(g, rd);
	return true;
}

bool rmm_debug_csm(uint64_t csmd_pa, struct rmm_debug_csm *out)
{
	struct granule *g = granule_lock_expect(csmd_pa, GRANULE_STATE_CSMD);
	struct granule *g_meta;
	struct csm_meta *meta;
	struct csmd *csmd;

	if (!g)
		return false;
	csmd = csmd_map(g);
	__builtin_memset(out, 0, sizeof(*out));
	out->csm_id = csmd->csm_id;
	out->num_granules = csmd->num_granules;
	out->generation = csmd->generation;
	out->mapped_members = csmd->mapped_members;
	out->pages_present = csmd->pages_present;
	out->state = csmd->state;
	out->flags = csmd->flags;
	__builtin_memcpy(out->owner_realm_id, csmd->owner.realm_id, sizeof(out->owner_realm_id));
	g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "debug: CSM_META");
	meta = granule_map(g_meta);
	_Static_assert(sizeof(out->acl) / sizeof(out->acl[0]) == CSM_ACL_ENTRIES, "debug ACL size");
	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++) {
		out->acl[i].kind = meta->acl[i].kind;
		out->acl[i].perms = meta->acl[i].perms;
		out->acl[i].generation = meta->acl[i].generation;
		__builtin_memcpy(out->acl[i].value, meta->acl[i].value, sizeof(out->acl[i].value));
	}
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
	return true;
}

/* ---- the CSM invariants (rmm_debug_check_csm) ---- */

struct check {
	char *why;
	size_t cap;
	bool ok;
};

static bool check_fail(struct check *c, const char *what, uint64_t a, uint64_t b)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!c->ok)
		return false; /* the first failure is the one reported */
	c->ok = false;
	for (const char *p = what; *p && n + 1 < c->cap; p++)
		c->why[n++] = *p;
	for (unsigned v = 0; v < 2; v++) {
		uint64_t x = v ? b : a;
		if (n + 20 >= c->cap)
			break;
		c->why[n++] = ' ';
		c->why[n++] = '0';
		c->why[n++] = 'x';
		for (int s = 60; s >= 0; s -= 4)
			c->why[n++] = hex[(x >> s) & 15];
	}
	if (c->cap)
		c->why[n < c->cap ? n : c->cap - 1] = '\0';
	return false;
}

static unsigned granule_state_of(uint64_t pa)
{
	unsigned state = 0, refcount;

	return rmm_debug_granule(pa, &state, &refcount) ? state : 0xffu;
}

/* The member's RTT over [low, next): region pages at their place, its perms. */
static void check_member_rtt(struct check *c, const struct csmd *csmd, const struct csm_member *mb, struct rd *rd)
{
	for (uint64_t ipa = mb->low_ipa; ipa < mb->next_ipa && c->ok; ipa += GRANULE_SIZE) {
		struct rtt_walk w;
		uint64_t page = (ipa - mb->base_ipa) / GRANULE_SIZE;
		uint64_t want = csm_page_pa(csmd, page);

		rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, &w);
		uint64_t e = rtt_walk_entry(&w);
		bool is_csm = w.level == S2TT_PAGE_LEVEL && s2tte_state(e, w.level) == S2TTE_ASSIGNED_CSM;
		bool writable = (e & S2TTE_S2AP_WRITE) != 0;
		rtt_walk_unlock(&w);
		if (!is_csm)
			check_fail(c, "a member's mapped range has an entry that is not ASSIGNED_CSM at", ipa, 0);
		else if (s2tte_pa(e, S2TT_PAGE_LEVEL) != want)
			check_fail(c, "a member's CSM entry maps another page than the region's at", ipa, want);
		else if (writable != ((mb->perms & CSM_PERM_WRITE) != 0))
			check_fail(c, "a member's CSM entry has other permissions than its perms at", ipa, mb->perms);
	}
}

static void check_region(struct check *c, uint64_t csmd_pa)
{
	struct granule *g = granule_lock_expect(csmd_pa, GRANULE_STATE_CSMD);
	if (!g)
		return; /* changed meanwhile: not a quiescent machine */
	struct csmd *csmd = csmd_map(g);
	struct granule *g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "debug: CSM_META");
	struct csm_meta *meta = granule_map(g_meta);
	uint64_t present = 0, mapped = 0;

	if (csm_registry_find(csmd->csm_id) != csmd_pa)
		check_fail(c, "a live region is not in the registry", csmd->csm_id, csmd_pa);
	/* Pages: each recorded one is CSM_DATA; the count matches. */
	for (uint64_t i = 0; i < csmd->num_granules && c->ok; i++) {
		uint64_t pa = csm_page_pa(csmd, i);
		if (pa == 0)
			continue;
		present++;
		if (granule_state_of(pa) != GRANULE_STATE_CSM_DATA)
			check_fail(c, "a region's page is not CSM_DATA", csmd->csm_id, pa);
	}
	if (present != csmd->pages_present)
		check_fail(c, "a region's page count is not its pages", present, csmd->pages_present);
	/* Owner: a live owner holds the owner reference. */
	struct rd *rd;
	struct granule *g_rd = rd_lock_valid(csmd->owner.rd_pa, csmd->owner.realm_id, &rd);
	if (g_rd) {
		if (rd_csm_ref_find(rd, csmd->csm_id, RD_CSM_OWNER) != csmd_pa)
			check_fail(c, "a live owner does not reference its region", csmd->csm_id, csmd->owner.rd_pa);
		rd_unlock(g_rd, rd);
	}
	/* Members: live, referencing the region, their entries the region's. */
	for (unsigned m = 0; m < CSM_MAX_MEMBERS && c->ok; m++) {
		const struct csm_member *mb = &meta->members[m];
		if (mb->state == CSM_MEMBER_FREE)
			continue;
		mapped++;
		g_rd = rd_lock_valid(mb->rd_pa, mb->realm_id, &rd);
		if (!g_rd) {
			check_fail(c, "a member's RD is gone while it maps the region", csmd->csm_id, mb->rd_pa);
			break;
		}
		if (rd_csm_ref_find(rd, csmd->csm_id, RD_CSM_MEMBER) != csmd_pa)
			check_fail(c, "a member does not reference the region it maps", csmd->csm_id, mb->rd_pa);
		if (mb->low_ipa >= mb->next_ipa)
			check_fail(c, "a member maps nothing", mb->low_ipa, mb->next_ipa);
		check_member_rtt(c, csmd, mb, rd);
		rd_unlock(g_rd, rd);
	}
	if (mapped != csmd->mapped_members)
		check_fail(c, "a region's mapped count is not its members", mapped, csmd->mapped_members);
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
}

/* Every reference an RD holds names a live region that lists the realm so. */
static void check_rd_refs(struct check *c, uint64_t rd_pa)
{
	struct rd_csm_ref refs[CSM_MAX_REGIONS];
	uint8_t realm_id[CAEC_REALM_ID_SIZE];
	struct granule *g = granule_lock_expect(rd_pa, GRANULE_STATE_RD);

	if (!g)
		return;
	struct rd *rd = rd_map(g);
	__builtin_memcpy(refs, rd->csm_refs, sizeof(refs));
	__builtin_memcpy(realm_id, rd->realm_id, sizeof(realm_id));
	rd_unlock(g, rd);
	for (unsigned i = 0; i < CSM_MAX_REGIONS && c->ok; i++) {
		if (refs[i].csm_id == 0)
			continue;
		struct granule *gc = csmd_lock_valid(refs[i].csmd_pa, refs[i].csm_id);
		if (!gc) {
			check_fail(c, "an RD references a region that is gone", refs[i].csm_id, rd_pa);
			break;
		}
		struct csmd *csmd = csmd_map(gc);
		bool listed;
		if (refs[i].role == RD_CSM_OWNER) {
			listed = csmd->owner.rd_pa == rd_pa &&
				 __builtin_memcmp(csmd->owner.realm_id, realm_id, sizeof(realm_id)) == 0;
		} else {
			struct granule *gm = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META, "debug: CSM_META");
			struct csm_meta *meta = granule_map(gm);
			listed = false;
			for (unsigned m = 0; m < CSM_MAX_MEMBERS; m++)
				listed |= meta->members[m].state != CSM_MEMBER_FREE && meta->members[m].rd_pa == rd_pa &&
					  __builtin_memcmp(meta->members[m].realm_id, realm_id, sizeof(realm_id)) == 0;
			granule_unmap(meta);
			granule_unlock(gm);
		}
		granule_unmap(csmd);
		granule_unlock(gc);
		if (!listed)
			check_fail(c, "an RD's region reference is not matched by the region", refs[i].csm_id, rd_pa);
	}
}

bool rmm_debug_check_csm(char *why, size_t cap)
{
	struct check c = { .why = why, .cap = cap, .ok = true };
	uint64_t base = plat_dram_base(), top = base + plat_dram_size();

	if (cap)
		why[0] = '\0';
	for (uint64_t pa = base; pa < top && c.ok; pa += GRANULE_SIZE) {
		unsigned state = granule_state_of(pa);
		if (state == GRANULE_STATE_CSMD)
			check_region(&c, pa);
		else if (state == GRANULE_STATE_RD)
			check_rd_refs(&c, pa);
	}
	return c.ok;
}

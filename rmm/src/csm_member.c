/*
 * Members of a region (csm_member.h).
 */
#include "csm_member.h"
#include "csm_pages.h"
#include "measurement.h"
#include "rmi_status.h"
#include "rtt.h"

void csm_caller_of(const struct rd *rd, uint64_t rd_pa, struct csm_caller *c)
{
	c->rd_pa = rd_pa;
	__builtin_memcpy(c->realm_id, rd->realm_id, sizeof(c->realm_id));
	__builtin_memcpy(c->rim, rd->rim, sizeof(c->rim));
	__builtin_memcpy(c->rpv, rd->rpv, sizeof(c->rpv));
	c->hash_algo = rd->hash_algo;
}

struct granule *rd_lock_valid(uint64_t rd_pa, const uint8_t realm_id[CAEC_REALM_ID_SIZE], struct rd **rd)
{
	struct granule *g = granule_lock_expect(rd_pa, GRANULE_STATE_RD);

	if (!g)
		return NULL;
	*rd = rd_map(g);
	if (__builtin_memcmp((*rd)->realm_id, realm_id, CAEC_REALM_ID_SIZE) != 0) {
		rd_unlock(g, *rd);
		return NULL; /* another realm lives in that granule now */
	}
	return g;
}

struct granule *csm_lock_member_rd(const struct csm_member *mb, struct rd **rd)
{
	struct granule *g = rd_lock_valid(mb->rd_pa, mb->realm_id, rd);

	if (!g)
		plat_panic("csm: a member's RD is gone while it maps the region");
	return g;
}

int csm_member_find(const struct csm_meta *meta, const struct csm_caller *c)
{
	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++) {
		const struct csm_member *m = &meta->members[i];

		if (m->state != CSM_MEMBER_FREE && m->rd_pa == c->rd_pa &&
		    __builtin_memcmp(m->realm_id, c->realm_id, sizeof(m->realm_id)) == 0)
			return (int)i;
	}
	return -1;
}

static bool entry_matches(const struct csm_acl_entry *e, const struct csm_caller *c, size_t hash_size)
{
	switch (e->kind) {
	case CSM_IDENTITY_RIM:
		return __builtin_memcmp(e->value, c->rim, hash_size) == 0;
	case CSM_IDENTITY_REALM_ID:
		return __builtin_memcmp(e->value, c->realm_id, CAEC_REALM_ID_SIZE) == 0;
	case CSM_IDENTITY_RIM_RPV:
		return __builtin_memcmp(e->value, c->rim, hash_size) == 0 &&
		       __builtin_memcmp(e->value + CSM_IDENTITY_VALUE_SIZE / 2, c->rpv, 64) == 0;
	default:
		return false;
	}
}

static unsigned admitted_by(const struct csm_meta *meta, unsigned entry)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++)
		n += meta->members[i].state != CSM_MEMBER_FREE && meta->members[i].acl_index == entry;
	return n;
}

int csm_acl_admits(const struct csmd *csmd, const struct csm_meta *meta, const struct csm_caller *c,
		   uint64_t perms)
{
	size_t hash_size = measurement_hash_size(csmd->owner.hash_algo);
	uint64_t rw = perms & (CSM_PERM_READ | CSM_PERM_WRITE);

	if (c->rd_pa == csmd->owner.rd_pa &&
	    __builtin_memcmp(c->realm_id, csmd->owner.realm_id, CAEC_REALM_ID_SIZE) == 0)
		return (int)CSM_ACL_OWNER;
	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++) {
		const struct csm_acl_entry *e = &meta->acl[i];

		if (e->kind == 0 || e->revoking || (rw & ~(uint64_t)e->perms) != 0 ||
		    !entry_matches(e, c, hash_size))
			continue;
		if (admitted_by(meta, i) < csm_perm_admit(e->perms))
			return (int)i;
	}
	return -1;
}

bool csm_acl_lists(const struct csmd *csmd, const struct csm_meta *meta, const struct csm_caller *c)
{
	size_t hash_size = measurement_hash_size(csmd->owner.hash_algo);

	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++)
		if (meta->acl[i].kind != 0 && !meta->acl[i].revoking && entry_matches(&meta->acl[i], c, hash_size))
			return true;
	return false;
}

uint64_t csm_page_pa(const struct csmd *csmd, uint64_t index)
{
	if (!csm_uses_lists(csmd))
		return csmd->slots[index];
	struct granule *g_list = csm_lock_list(csmd, index);
	if (!g_list)
		return 0;
	const uint64_t *list = granule_map(g_list);
	uint64_t pa = list[csm_list_entry(index)];
	granule_unmap((void *)list);
	granule_unlock(g_list);
	return pa;
}

/* The walk to ipa's level-3 table, held; ERROR_RTT(level) if there is none. */
static uint64_t walk_l3(struct rd *rd, uint64_t ipa, struct rtt_walk *w)
{
	rtt_walk_lock(rd, ipa, S2TT_PAGE_LEVEL, w);
	if (w->level == S2TT_PAGE_LEVEL)
		return RMI_OK;
	uint64_t status = RMI_RTT_ERROR(w->level);
	rtt_walk_unlock(w);
	return status;
}

/* The end of ipa's step: its level-3 table's end, or top. */
static uint64_t step_end(uint64_t ipa, uint64_t top)
{
	uint64_t table_end = (ipa | (s2tt_level_size(S2TT_PAGE_LEVEL - 1) - 1)) + 1;

	return table_end < top ? table_end : top;
}

uint64_t csm_map_step(struct rd *rd, const struct csmd *csmd, uint64_t base, uint64_t ipa, bool writable,
		      uint64_t *next)
{
	uint64_t end = step_end(ipa, base + csm_size(csmd));
	unsigned first = s2tt_index(ipa, S2TT_PAGE_LEVEL), count = (unsigned)((end - ipa) / GRANULE_SIZE);
	struct rtt_walk w;
	uint64_t status = walk_l3(rd, ipa, &w);

	if (status != RMI_OK)
		return status;
	for (unsigned i = 0; i < count; i++) {
		uint64_t e = rtt_entry_read(w.table, first + i);

		if (s2tte_state(e, S2TT_PAGE_LEVEL) != S2TTE_UNASSIGNED ||
		    s2tte_ripas(e, S2TT_PAGE_LEVEL) != RIPAS_EMPTY) {
			rtt_walk_unlock(&w);
			return RMI_RTT_ERROR(S2TT_PAGE_LEVEL);
		}
	}
	for (unsigned i = 0; i < count; i++) {
		uint64_t page = (ipa - base) / GRANULE_SIZE + i;
		uint64_t pa = csm_page_pa(csmd, page);

		if (pa == 0)
			plat_panic("csm: an ACTIVE region lacks a page");
		rtt_entry_write(w.table, first + i, s2tte_make_assigned_csm(pa, writable));
	}
	granule_refcount_add(w.g, count);
	rtt_walk_unlock(&w);
	*next = end;
	return RMI_OK;
}

uint64_t csm_unmap_step(struct rd *rd, const struct csmd *csmd, uint64_t base, uint64_t ipa, uint64_t top,
			unsigned ripas, uint64_t *next)
{
	uint64_t end = step_end(ipa, top);
	unsigned first = s2tt_index(ipa, S2TT_PAGE_LEVEL), count = (unsigned)((end - ipa) / GRANULE_SIZE);
	struct rtt_walk w;
	uint64_t status = walk_l3(rd, ipa, &w);

	if (status != RMI_OK)
		return status;
	for (unsigned i = 0; i < count; i++) {
		uint64_t e = rtt_entry_read(w.table, first + i);
		uint64_t page = (ipa - base) / GRANULE_SIZE + i;

		if (s2tte_state(e, S2TT_PAGE_LEVEL) != S2TTE_ASSIGNED_CSM ||
		    s2tte_pa(e, S2TT_PAGE_LEVEL) != csm_page_pa(csmd, page)) {
			rtt_walk_unlock(&w);
			return RMI_RTT_ERROR(S2TT_PAGE_LEVEL);
		}
	}
	for (unsigned i = 0; i < count; i++)
		rtt_entry_write(w.table, first + i, s2tte_make_unassigned(ripas));
	plat_s2_tlbi_ipa(rd->vmid, ipa, end - ipa); /* one invalidation for the step */
	granule_refcount_sub(w.g, count);
	rtt_walk_unlock(&w);
	*next = end;
	return RMI_OK;
}

void csm_member_remove(struct csmd *csmd, struct csm_meta *meta, int m, struct rd *rd)
{
	meta->members[m] = (struct csm_member){ 0 };
	rd_csm_ref_remove(rd, csmd->csm_id, RD_CSM_MEMBER);
	csmd->mapped_members--;
	csmd->generation++;
}

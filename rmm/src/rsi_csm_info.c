/*
 * RSI_CSM_INFO(csm_id, ipa, offset) -> X1 report size: the live state of a
 * region as the monitor holds it (abi/caec.h, struct csm_report_*): its
 * owner, ACL and members with their RIMs, so a participant can confirm that
 * only the realms it expects can read it. The report is written in pieces
 * of one granule: bytes [offset, offset + 4096) (or to its end) go to the
 * granule at ipa, which must be the caller's private RAM; the rest of that
 * granule is left as it was. The caller must be the owner, a member or a
 * realm an ACL entry names; to anyone else the region does not exist.
 *
 * Locks: the caller's RD alone (its identity), then CSMD, CSM_META, each
 * member's RD in turn (its RIM, read before anything is written: the caller
 * may be a member), then the caller's RD and walk to write.
 *
 * Failure conditions, in order:
 *   ipa or offset not a multiple of 4 KiB                     ERROR_INPUT
 *   no region csm_id this realm may see                       ERROR_INPUT
 *   offset at or past the end of the report                   ERROR_INPUT
 *   ipa not the caller's private RAM (unmapped protected RAM:
 *     a stage-2 data abort exit, and the call runs again)     ERROR_INPUT
 */
#include "checked_math.h"
#include "csm_member.h"
#include "realm_mem.h"
#include "rsi_handlers.h"

/* Copies the report's bytes that fall in [from, from + GRANULE_SIZE). */
struct window {
	uint8_t *dst;
	uint64_t from, pos;
};

static void emit(struct window *w, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	for (uint64_t i = 0; i < len; i++, w->pos++)
		if (w->pos >= w->from && w->pos < w->from + GRANULE_SIZE)
			w->dst[w->pos - w->from] = s[i];
}

static unsigned count_members(const struct csm_meta *meta)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++)
		n += meta->members[i].state != CSM_MEMBER_FREE;
	return n;
}

static unsigned count_acl(const struct csm_meta *meta)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++)
		n += meta->acl[i].kind != 0;
	return n;
}

static uint64_t report_size(const struct csm_meta *meta)
{
	return sizeof(struct csm_report_header) + count_acl(meta) * sizeof(struct csm_report_acl_entry) +
	       sizeof(uint64_t) + count_members(meta) * sizeof(struct csm_report_member);
}

/* What the report says of a member that only its RD knows. */
struct member_ident {
	uint8_t rim[64];
	uint8_t policy_digest[64]; /* zero while it has no policy */
};

/* Each member's RIM and policy digest, from its RD (which lives while it
 * maps the region). */
static void member_idents(const struct csm_meta *meta, struct member_ident ids[CSM_MAX_MEMBERS])
{
	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++) {
		const struct csm_member *mb = &meta->members[i];

		if (mb->state == CSM_MEMBER_FREE)
			continue;
		struct rd *rd;
		struct granule *g_rd = csm_lock_member_rd(mb, &rd);
		__builtin_memcpy(ids[i].rim, rd->rim, 64);
		__builtin_memset(ids[i].policy_digest, 0, 64);
		if (rd->policy_len)
			__builtin_memcpy(ids[i].policy_digest, rd->policy_digest, 64);
		rd_unlock(g_rd, rd);
	}
}

/* Writes the report through w. */
static void write_report(struct window *w, const struct csmd *csmd, const struct csm_meta *meta,
			 const struct member_ident ids[CSM_MAX_MEMBERS])
{
	struct csm_report_header h = {
		.version = CSM_REPORT_VERSION,
		.csm_id = csmd->csm_id,
		.num_granules = csmd->num_granules,
		.generation = csmd->generation,
		.flags = csmd->flags,
		.acl_count = count_acl(meta),
	};
	uint64_t members = count_members(meta);

	__builtin_memcpy(h.owner_realm_id, csmd->owner.realm_id, sizeof(h.owner_realm_id));
	__builtin_memcpy(h.owner_rim, csmd->owner.rim, sizeof(h.owner_rim));
	emit(w, &h, sizeof(h));
	for (unsigned i = 0; i < CSM_ACL_ENTRIES; i++) {
		struct csm_report_acl_entry e = { .kind = meta->acl[i].kind, .perms = meta->acl[i].perms };

		if (meta->acl[i].kind == 0)
			continue;
		__builtin_memcpy(e.value, meta->acl[i].value, sizeof(e.value));
		emit(w, &e, sizeof(e));
	}
	emit(w, &members, sizeof(members));
	for (unsigned i = 0; i < CSM_MAX_MEMBERS; i++) {
		const struct csm_member *mb = &meta->members[i];
		struct csm_report_member r = { .perms = mb->perms, .state = mb->state };

		if (mb->state == CSM_MEMBER_FREE)
			continue;
		__builtin_memcpy(r.realm_id, mb->realm_id, sizeof(r.realm_id));
		__builtin_memcpy(r.rim, ids[i].rim, sizeof(r.rim));
		__builtin_memcpy(r.policy_digest, ids[i].policy_digest, sizeof(r.policy_digest));
		emit(w, &r, sizeof(r));
	}
}

static bool may_see(const struct csmd *csmd, const struct csm_meta *meta, const struct csm_caller *c)
{
	return csm_acl_admits(csmd, meta, c, CSM_PERM_READ) == (int)CSM_ACL_OWNER ||
	       csm_member_find(meta, c) >= 0 || csm_acl_lists(csmd, meta, c);
}

enum rec_action rsi_csm_info(struct rec_run *run, struct smc_regs *regs)
{
	uint64_t csm_id = regs->x[1], ipa = regs->x[2], offset = regs->x[3];
	uint64_t status = RSI_ERROR_INPUT, csmd_pa, size = 0;
	struct realm_mem_mapping m;
	enum realm_mem_status st = REALM_MEM_OK;
	struct csm_caller c;
	struct granule *g, *g_rd;
	struct rd *rd;

	if (!is_aligned(ipa, GRANULE_SIZE) || !is_aligned(offset, GRANULE_SIZE))
		return rsi_return(regs, RSI_ERROR_INPUT);
	rd = rd_lock_owner(run->rd_pa, &g_rd);
	csm_caller_of(rd, run->rd_pa, &c);
	rd_unlock(g_rd, rd);
	csmd_pa = csm_registry_find(csm_id);
	g = csmd_pa ? csmd_lock_valid(csmd_pa, csm_id) : NULL;
	if (!g)
		return rsi_return(regs, RSI_ERROR_INPUT);
	struct csmd *csmd = csmd_map(g);
	struct granule *g_meta = granule_lock_owned(csmd->meta_pa, GRANULE_STATE_CSM_META,
						     "csm: CSM_META is not CSM_META");
	struct csm_meta *meta = granule_map(g_meta);
	if (may_see(csmd, meta, &c) && offset < (size = report_size(meta))) {
		struct member_ident ids[CSM_MAX_MEMBERS];

		member_idents(meta, ids);
		st = realm_mem_map(run->rd_pa, ipa, &m);
		if (st == REALM_MEM_OK) {
			struct window w = { .dst = m.granule, .from = offset };
			write_report(&w, csmd, meta, ids);
			realm_mem_unmap(&m);
			status = RSI_SUCCESS;
		}
	}
	granule_unmap(meta);
	granule_unlock(g_meta);
	granule_unmap(csmd);
	granule_unlock(g);
	if (st == REALM_MEM_UNMAPPED)
		return rsi_unmapped(run, ipa, m.level);
	regs->x[1] = status == RSI_SUCCESS ? size : 0;
	return rsi_return(regs, status);
}

/*
 * Test-only introspection (rmm/rmm.h): never reachable through the SMC ABI.
 */
#include "csm.h"
#include "granule.h"
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

/*
 * Test-only introspection (rmm/rmm.h): never reachable through the SMC ABI.
 */
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

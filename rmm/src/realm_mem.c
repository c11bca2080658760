/*
 * Access to a realm's private memory (lock order: realm_mem.h).
 */
#include "realm_mem.h"

#include "checked_math.h"

static bool range_in_one_granule(uint64_t ipa, size_t len)
{
	uint64_t last;

	if (len == 0 || add_u64_overflows(ipa, len - 1, &last))
		return false;
	return (ipa >> GRANULE_SHIFT) == (last >> GRANULE_SHIFT);
}

/* With the walk held: what the entry behind ipa lets the monitor do. */
static enum realm_mem_status classify(const struct rtt_walk *w)
{
	uint64_t e = rtt_walk_entry(w);
	enum s2tte_state state = s2tte_state(e, w->level);
	unsigned ripas;

	if (state != S2TTE_UNASSIGNED && state != S2TTE_ASSIGNED)
		return REALM_MEM_REFUSED; /* no RIPAS at all (never for a protected IPA) */
	ripas = s2tte_ripas(e, w->level);
	if (ripas == RIPAS_EMPTY)
		return REALM_MEM_REFUSED;
	if (state == S2TTE_ASSIGNED && ripas == RIPAS_RAM)
		return REALM_MEM_OK;
	return REALM_MEM_UNMAPPED; /* UNASSIGNED RAM, or DESTROYED */
}

static uint8_t *map_assigned(const struct rtt_walk *w, uint64_t ipa)
{
	uint64_t e = rtt_walk_entry(w);
	uint64_t offset_in_block = (ipa & (s2tt_level_size(w->level) - 1)) & ~(GRANULE_SIZE - 1);
	uint8_t *va = plat_granule_map(s2tte_pa(e, w->level) + offset_in_block);

	if (!va)
		plat_panic("realm_mem: an ASSIGNED entry maps a PA outside DRAM");
	return va;
}

enum realm_mem_status realm_mem_map(uint64_t rd_pa, uint64_t ipa, struct realm_mem_mapping *m)
{
	enum realm_mem_status status = REALM_MEM_REFUSED;

	m->level = 0;
	m->g_rd = granule_lock_expect(rd_pa, GRANULE_STATE_RD);
	if (!m->g_rd)
		return REALM_MEM_REFUSED;
	m->rd = rd_map(m->g_rd);
	if (rd_ipa_is_protected(m->rd, ipa)) {
		rtt_walk_lock(m->rd, ipa, S2TT_PAGE_LEVEL, &m->walk);
		m->level = m->walk.level;
		status = classify(&m->walk);
		if (status == REALM_MEM_OK) {
			m->granule = map_assigned(&m->walk, ipa);
			return REALM_MEM_OK;
		}
		rtt_walk_unlock(&m->walk);
	}
	granule_unmap(m->rd);
	granule_unlock(m->g_rd);
	return status;
}

void realm_mem_unmap(struct realm_mem_mapping *m)
{
	plat_granule_unmap(m->granule);
	rtt_walk_unlock(&m->walk);
	granule_unmap(m->rd);
	granule_unlock(m->g_rd);
}

/* One copy between the monitor and realm memory inside one granule:
 * into the realm when to_realm, out of it otherwise. */
static enum realm_mem_status realm_mem_copy(uint64_t rd_pa, uint64_t ipa, void *buf, size_t len,
					    bool to_realm, int *level)
{
	struct realm_mem_mapping m;
	enum realm_mem_status status;

	*level = 0;
	if (!range_in_one_granule(ipa, len))
		return REALM_MEM_REFUSED;
	status = realm_mem_map(rd_pa, ipa, &m);
	*level = m.level;
	if (status != REALM_MEM_OK)
		return status;
	uint8_t *at = m.granule + (ipa & (GRANULE_SIZE - 1));
	if (to_realm)
		__builtin_memcpy(at, buf, len);
	else
		__builtin_memcpy(buf, at, len);
	realm_mem_unmap(&m);
	return REALM_MEM_OK;
}

enum realm_mem_status realm_mem_read(uint64_t rd_pa, uint64_t ipa, void *buf, size_t len, int *level)
{
	return realm_mem_copy(rd_pa, ipa, buf, len, false, level);
}

enum realm_mem_status realm_mem_write(uint64_t rd_pa, uint64_t ipa, const void *buf, size_t len,
				      int *level)
{
	/* Cast away const: with to_realm set, realm_mem_copy only reads buf. */
	return realm_mem_copy(rd_pa, ipa, (void *)(uintptr_t)buf, len, true, level);
}

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

/* With the walk held: the monitor's mapping of the granule behind ipa, or
 * NULL if that granule is not the realm's private RAM. */
static uint8_t *map_private_granule(const struct rtt_walk *w, uint64_t ipa)
{
	uint64_t e = rtt_walk_entry(w);
	uint64_t offset_in_block;
	uint8_t *va;

	if (s2tte_state(e, w->level) != S2TTE_ASSIGNED || s2tte_ripas(e, w->level) != RIPAS_RAM)
		return NULL;
	offset_in_block = (ipa & (s2tt_level_size(w->level) - 1)) & ~(GRANULE_SIZE - 1);
	va = plat_granule_map(s2tte_pa(e, w->level) + offset_in_block);
	if (!va)
		plat_panic("realm_mem: an ASSIGNED entry maps a PA outside DRAM");
	return va;
}

uint8_t *realm_mem_map(uint64_t rd_pa, uint64_t ipa, struct realm_mem_mapping *m)
{
	m->g_rd = granule_lock_expect(rd_pa, GRANULE_STATE_RD);
	if (!m->g_rd)
		return NULL;
	m->rd = rd_map(m->g_rd);
	if (rd_ipa_is_protected(m->rd, ipa)) {
		rtt_walk_lock(m->rd, ipa, S2TT_PAGE_LEVEL, &m->walk);
		m->granule = map_private_granule(&m->walk, ipa);
		if (m->granule)
			return m->granule;
		rtt_walk_unlock(&m->walk);
	}
	granule_unmap(m->rd);
	granule_unlock(m->g_rd);
	return NULL;
}

void realm_mem_unmap(struct realm_mem_mapping *m)
{
	plat_granule_unmap(m->granule);
	rtt_walk_unlock(&m->walk);
	granule_unmap(m->rd);
	granule_unlock(m->g_rd);
}

bool realm_mem_read(uint64_t rd_pa, uint64_t ipa, void *buf, size_t len)
{
	struct realm_mem_mapping m;
	uint8_t *granule;

	if (!range_in_one_granule(ipa, len) || !(granule = realm_mem_map(rd_pa, ipa, &m)))
		return false;
	__builtin_memcpy(buf, granule + (ipa & (GRANULE_SIZE - 1)), len);
	realm_mem_unmap(&m);
	return true;
}

bool realm_mem_write(uint64_t rd_pa, uint64_t ipa, const void *buf, size_t len)
{
	struct realm_mem_mapping m;
	uint8_t *granule;

	if (!range_in_one_granule(ipa, len) || !(granule = realm_mem_map(rd_pa, ipa, &m)))
		return false;
	__builtin_memcpy(granule + (ipa & (GRANULE_SIZE - 1)), buf, len);
	realm_mem_unmap(&m);
	return true;
}

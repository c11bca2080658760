/*
 * Stage-2 descriptor encoding and whole-table transformations (fold,
 * unfold). Pure functions: no locks, no platform calls, tested on their own.
 */
#include "s2tt.h"

#include "abi/rmi.h"

static uint64_t sw_state(uint64_t e)
{
	return (e & S2TTE_SW_STATE_MASK) >> S2TTE_SW_STATE_SHIFT;
}

static uint64_t oa_mask(int level)
{
	return S2TTE_OA_MASK & ~(s2tt_level_size(level) - 1);
}

/* Bit 1 of a leaf: 1 for a level-3 page, 0 for a block. */
static uint64_t leaf_type_bit(int level)
{
	return level == S2TT_PAGE_LEVEL ? S2TTE_TABLE_OR_PAGE : 0;
}

uint64_t s2tte_make_unassigned(unsigned ripas)
{
	return ((uint64_t)S2TTE_SW_UNASSIGNED << S2TTE_SW_STATE_SHIFT) |
	       ((uint64_t)ripas << S2TTE_RIPAS_SHIFT);
}

uint64_t s2tte_make_unassigned_ns(void)
{
	return (uint64_t)S2TTE_SW_UNASSIGNED_NS << S2TTE_SW_STATE_SHIFT;
}

uint64_t s2tte_make_assigned(uint64_t pa, unsigned ripas, int level)
{
	pa &= oa_mask(level);
	if (ripas == RIPAS_RAM)
		return pa | S2TTE_VALID | leaf_type_bit(level) | S2TTE_MEMATTR_FWB_NORMAL_WB |
		       S2TTE_S2AP_RW | S2TTE_SH_INNER | S2TTE_AF;
	return pa | ((uint64_t)S2TTE_SW_ASSIGNED << S2TTE_SW_STATE_SHIFT) |
	       ((uint64_t)ripas << S2TTE_RIPAS_SHIFT);
}

uint64_t s2tte_make_assigned_ns(uint64_t host_desc, int level)
{
	return (host_desc & (oa_mask(level) | S2TTE_HOST_ATTR_MASK)) | S2TTE_VALID |
	       leaf_type_bit(level) | S2TTE_AF | S2TTE_NS;
}

uint64_t s2tte_make_assigned_csm(uint64_t pa, bool writable)
{
	return (pa & oa_mask(S2TT_PAGE_LEVEL)) | S2TTE_VALID | S2TTE_TABLE_OR_PAGE |
	       S2TTE_MEMATTR_FWB_NORMAL_WB | S2TTE_S2AP_READ | (writable ? S2TTE_S2AP_WRITE : 0) |
	       S2TTE_SH_INNER | S2TTE_AF | S2TTE_XN_ALL | S2TTE_SW_CSM;
}

uint64_t s2tte_make_table(uint64_t rtt_pa)
{
	return (rtt_pa & S2TTE_OA_MASK) | S2TTE_VALID | S2TTE_TABLE_OR_PAGE;
}

enum s2tte_state s2tte_state(uint64_t e, int level)
{
	if (e & S2TTE_VALID) {
		bool bit1 = (e & S2TTE_TABLE_OR_PAGE) != 0;

		if (level < S2TT_PAGE_LEVEL && bit1)
			return S2TTE_TABLE;
		if (e & S2TTE_SW_CSM)
			return level == S2TT_PAGE_LEVEL && bit1 && !(e & S2TTE_NS) ? S2TTE_ASSIGNED_CSM
										  : S2TTE_CORRUPT;
		if ((level == S2TT_PAGE_LEVEL && bit1) ||
		    (level != S2TT_PAGE_LEVEL && !bit1 && s2tt_level_allows_block(level)))
			return (e & S2TTE_NS) ? S2TTE_ASSIGNED_NS : S2TTE_ASSIGNED;
		return S2TTE_CORRUPT;
	}
	switch (sw_state(e)) {
	case S2TTE_SW_UNASSIGNED:
		return S2TTE_UNASSIGNED;
	case S2TTE_SW_ASSIGNED:
		return s2tt_level_allows_block(level) ? S2TTE_ASSIGNED : S2TTE_CORRUPT;
	case S2TTE_SW_UNASSIGNED_NS:
		return S2TTE_UNASSIGNED_NS;
	default:
		return S2TTE_CORRUPT;
	}
}

unsigned s2tte_ripas(uint64_t e, int level)
{
	switch (s2tte_state(e, level)) {
	case S2TTE_ASSIGNED_CSM:
		return RIPAS_RAM;
	case S2TTE_ASSIGNED:
		if (e & S2TTE_VALID)
			return RIPAS_RAM;
		/* fall through */
	case S2TTE_UNASSIGNED:
		return (unsigned)((e & S2TTE_RIPAS_MASK) >> S2TTE_RIPAS_SHIFT);
	default:
		return RIPAS_EMPTY;
	}
}

uint64_t s2tte_pa(uint64_t e, int level)
{
	if (s2tte_state(e, level) == S2TTE_TABLE)
		return e & S2TTE_OA_MASK;
	return e & oa_mask(level);
}

bool s2tte_is_live(uint64_t e, int level)
{
	enum s2tte_state s = s2tte_state(e, level);

	return s == S2TTE_ASSIGNED || s == S2TTE_ASSIGNED_NS || s == S2TTE_ASSIGNED_CSM ||
	       s == S2TTE_TABLE;
}

uint64_t s2tte_with_ripas(uint64_t e, int level, unsigned ripas)
{
	if (s2tte_state(e, level) == S2TTE_ASSIGNED)
		return s2tte_make_assigned(s2tte_pa(e, level), ripas, level);
	return s2tte_make_unassigned(ripas);
}

bool s2tt_host_desc_valid(uint64_t desc, int level)
{
	if (!s2tt_level_allows_block(level))
		return false;
	if (desc & ~(oa_mask(level) | S2TTE_HOST_ATTR_MASK))
		return false; /* RES0 bits, or an address not aligned to the level */
	return (desc & S2TTE_MEMATTR_MASK) != S2TTE_MEMATTR_FWB_RESERVED;
}

uint64_t s2tte_host_view(uint64_t e, int level)
{
	switch (s2tte_state(e, level)) {
	case S2TTE_ASSIGNED_NS:
		return e & (oa_mask(level) | S2TTE_HOST_ATTR_MASK);
	case S2TTE_ASSIGNED:
	case S2TTE_ASSIGNED_CSM:
	case S2TTE_TABLE:
		return s2tte_pa(e, level);
	default:
		return 0;
	}
}

/* The entry a homogeneous leaf table folds into, given its first entry. */
static bool fold_leaves(const uint64_t *table, int level, uint64_t *parent_entry)
{
	enum s2tte_state s = s2tte_state(table[0], level);
	uint64_t step = s2tt_level_size(level);
	uint64_t base = s2tte_pa(table[0], level);
	unsigned ripas = s2tte_ripas(table[0], level);
	uint64_t attrs = table[0] & S2TTE_HOST_ATTR_MASK;

	if (!s2tt_level_allows_block(level - 1) || !s2tt_level_aligned(base, level - 1))
		return false;
	for (unsigned i = 1; i < S2TT_ENTRIES; i++) {
		uint64_t e = table[i];

		if (s2tte_state(e, level) != s || s2tte_pa(e, level) != base + i * step)
			return false;
		if (s == S2TTE_ASSIGNED && s2tte_ripas(e, level) != ripas)
			return false;
		if (s == S2TTE_ASSIGNED_NS && (e & S2TTE_HOST_ATTR_MASK) != attrs)
			return false;
	}
	if (s == S2TTE_ASSIGNED)
		*parent_entry = s2tte_make_assigned(base, ripas, level - 1);
	else
		*parent_entry = s2tte_make_assigned_ns(base | attrs, level - 1);
	return true;
}

bool s2tt_fold(const uint64_t *table, int level, uint64_t *parent_entry)
{
	enum s2tte_state s = s2tte_state(table[0], level);

	if (level <= S2TT_MIN_START_LEVEL || level > S2TT_PAGE_LEVEL)
		return false;
	if (s == S2TTE_ASSIGNED || s == S2TTE_ASSIGNED_NS)
		return fold_leaves(table, level, parent_entry);
	if (s != S2TTE_UNASSIGNED && s != S2TTE_UNASSIGNED_NS)
		return false;
	for (unsigned i = 1; i < S2TT_ENTRIES; i++)
		if (table[i] != table[0])
			return false; /* unassigned entries carry no address: equal words */
	*parent_entry = table[0];
	return true;
}

int s2tt_unfold(uint64_t parent_entry, int level, uint64_t *table)
{
	int parent_level = level - 1;
	uint64_t step = s2tt_level_size(level);
	uint64_t base = s2tte_pa(parent_entry, parent_level);

	switch (s2tte_state(parent_entry, parent_level)) {
	case S2TTE_UNASSIGNED:
	case S2TTE_UNASSIGNED_NS:
		for (unsigned i = 0; i < S2TT_ENTRIES; i++)
			table[i] = parent_entry;
		return 0;
	case S2TTE_ASSIGNED: {
		unsigned ripas = s2tte_ripas(parent_entry, parent_level);

		for (unsigned i = 0; i < S2TT_ENTRIES; i++)
			table[i] = s2tte_make_assigned(base + i * step, ripas, level);
		return (int)S2TT_ENTRIES;
	}
	case S2TTE_ASSIGNED_NS: {
		uint64_t attrs = parent_entry & S2TTE_HOST_ATTR_MASK;

		for (unsigned i = 0; i < S2TT_ENTRIES; i++)
			table[i] = s2tte_make_assigned_ns((base + i * step) | attrs, level);
		return (int)S2TT_ENTRIES;
	}
	default:
		return -1;
	}
}

uint64_t s2tt_skip_non_live(const uint64_t *table, int level, unsigned index, uint64_t ipa)
{
	uint64_t size = s2tt_level_size(level);
	unsigned i = index + 1;

	while (i < S2TT_ENTRIES && !s2tte_is_live(table[i], level))
		i++;
	return (ipa & ~(size - 1)) + (uint64_t)(i - index) * size;
}

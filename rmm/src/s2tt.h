/*
 * Stage-2 translation table entries (RTT entries) in the VMSAv8-64 format,
 * 4 KiB granules, levels 0..3, 512 entries per table.
 *
 * What the MMU sees: valid entries are architectural table, block (level 2)
 * and page (level 3) descriptors. Protected RAM is mapped Normal write-back
 * (FEAT_S2FWB MemAttr 0b110), read/write, inner shareable, AF set. Unprotected
 * (host-shared) mappings carry the host's MemAttr/S2AP/SH and the NS bit
 * (bit 55, the Realm-world stage-2 NS bit), so they reach NS memory.
 *
 * What only the monitor sees: the state of an entry that is not a valid
 * mapping lives in the ignored bits of the invalid descriptor (bit 0 = 0):
 *   bits [4:2]  entry state: 0 UNASSIGNED, 1 ASSIGNED (RIPAS not RAM),
 *               2 UNASSIGNED_NS
 *   bits [6:5]  RIPAS: 0 EMPTY, 1 RAM, 2 DESTROYED
 *   bits [47:12] output address (ASSIGNED only)
 * An all-zero entry is UNASSIGNED/EMPTY, so a scrubbed granule is a valid,
 * empty RTT. ASSIGNED with RIPAS RAM is always a valid mapping; ASSIGNED with
 * EMPTY or DESTROYED keeps its PA in an invalid descriptor so the realm faults.
 *
 * ASSIGNED_CSM (the CAEC extension): a valid level-3 page of a confidential
 * shared memory region, Normal write-back, S2AP from the member's
 * permissions (read-only or read/write), execute-never (XN[1:0] = 0b10) and
 * software bit 56 set, so the monitor tells it from the realm's own RAM.
 * The host sees it as ASSIGNED with RIPAS RAM.
 */
#ifndef RMM_S2TT_H
#define RMM_S2TT_H

#include <stdbool.h>
#include <stdint.h>

#define S2TT_ENTRIES         512u
#define S2TT_PAGE_LEVEL      3
#define S2TT_MIN_BLOCK_LEVEL 2 /* 2 MiB blocks; 1 GiB blocks are not used */
#define S2TT_MIN_START_LEVEL 0

/* Descriptor fields. */
#define S2TTE_VALID        (UINT64_C(1) << 0)
#define S2TTE_TABLE_OR_PAGE (UINT64_C(1) << 1) /* table at 0..2, page at 3 */
#define S2TTE_MEMATTR_SHIFT 2
#define S2TTE_MEMATTR_MASK (UINT64_C(7) << 2)  /* FWB MemAttr[2:0]; MemAttr[3] RES0 */
#define S2TTE_MEMATTR_FWB_NORMAL_WB (UINT64_C(6) << 2)
#define S2TTE_MEMATTR_FWB_RESERVED  (UINT64_C(4) << 2)
#define S2TTE_S2AP_MASK    (UINT64_C(3) << 6)
#define S2TTE_S2AP_RW      (UINT64_C(3) << 6)
#define S2TTE_SH_MASK      (UINT64_C(3) << 8)
#define S2TTE_SH_INNER     (UINT64_C(3) << 8)
#define S2TTE_AF           (UINT64_C(1) << 10)
#define S2TTE_NS           (UINT64_C(1) << 55)
#define S2TTE_S2AP_READ    (UINT64_C(1) << 6)
#define S2TTE_S2AP_WRITE   (UINT64_C(1) << 7)
#define S2TTE_XN_ALL       (UINT64_C(2) << 53)  /* XN[1:0] = 0b10: no execution at EL1 or EL0 */
#define S2TTE_SW_CSM       (UINT64_C(1) << 56)  /* software bit: a CSM page */
#define S2TTE_OA_MASK      UINT64_C(0x0000fffffffff000) /* bits [47:12] */
/* The attribute bits the host chooses for an unprotected mapping. */
#define S2TTE_HOST_ATTR_MASK (S2TTE_MEMATTR_MASK | S2TTE_S2AP_MASK | S2TTE_SH_MASK)

/* Invalid-descriptor software fields. */
#define S2TTE_SW_STATE_SHIFT 2
#define S2TTE_SW_STATE_MASK  (UINT64_C(7) << 2)
#define S2TTE_SW_UNASSIGNED    0u
#define S2TTE_SW_ASSIGNED      1u
#define S2TTE_SW_UNASSIGNED_NS 2u
#define S2TTE_RIPAS_SHIFT 5
#define S2TTE_RIPAS_MASK  (UINT64_C(3) << 5)

enum s2tte_state {
	S2TTE_UNASSIGNED,
	S2TTE_ASSIGNED,
	S2TTE_TABLE,
	S2TTE_UNASSIGNED_NS,
	S2TTE_ASSIGNED_NS,
	S2TTE_ASSIGNED_CSM, /* a page of a region a realm maps (the CAEC extension) */
	S2TTE_CORRUPT, /* an encoding the monitor never writes */
};

/* Geometry. */
static inline unsigned s2tt_level_shift(int level)
{
	return 12u + 9u * (unsigned)(3 - level);
}

static inline uint64_t s2tt_level_size(int level)
{
	return UINT64_C(1) << s2tt_level_shift(level);
}

static inline bool s2tt_level_aligned(uint64_t addr, int level)
{
	return (addr & (s2tt_level_size(level) - 1)) == 0;
}

static inline unsigned s2tt_index(uint64_t ipa, int level)
{
	return (unsigned)((ipa >> s2tt_level_shift(level)) & (S2TT_ENTRIES - 1));
}

static inline bool s2tt_level_allows_block(int level)
{
	return level >= S2TT_MIN_BLOCK_LEVEL && level <= S2TT_PAGE_LEVEL;
}

/* Encoding. */
uint64_t s2tte_make_unassigned(unsigned ripas);
uint64_t s2tte_make_unassigned_ns(void);
/* pa must be aligned to the level's size and the level must allow a mapping. */
uint64_t s2tte_make_assigned(uint64_t pa, unsigned ripas, int level);
/* host_desc: a descriptor accepted by s2tt_host_desc_valid() at this level. */
uint64_t s2tte_make_assigned_ns(uint64_t host_desc, int level);
uint64_t s2tte_make_table(uint64_t rtt_pa);
/* A level-3 page of a CSM region; writable selects S2AP read/write over read-only. */
uint64_t s2tte_make_assigned_csm(uint64_t pa, bool writable);

/* Decoding. */
enum s2tte_state s2tte_state(uint64_t e, int level);
/* RIPAS of an UNASSIGNED or ASSIGNED entry (EMPTY for every other state). */
unsigned s2tte_ripas(uint64_t e, int level);
/* Output address of an ASSIGNED, ASSIGNED_NS or TABLE entry. */
uint64_t s2tte_pa(uint64_t e, int level);
/* Live = its table must not be destroyed: ASSIGNED, ASSIGNED_NS,
 * ASSIGNED_CSM or TABLE. */
bool s2tte_is_live(uint64_t e, int level);
/* True when the MMU may have cached a translation from it. */
static inline bool s2tte_is_valid(uint64_t e)
{
	return (e & S2TTE_VALID) != 0;
}
/* The same entry with another RIPAS (UNASSIGNED or ASSIGNED entries only). */
uint64_t s2tte_with_ripas(uint64_t e, int level, unsigned ripas);

/* RTT_MAP_UNPROTECTED's desc: only MemAttr (not the reserved value), S2AP, SH
 * and an output address aligned to the level may be set. */
bool s2tt_host_desc_valid(uint64_t desc, int level);
/* RTT_READ_ENTRY's X3: output address (ASSIGNED, TABLE) plus the host's
 * attributes for ASSIGNED_NS; 0 otherwise. */
uint64_t s2tte_host_view(uint64_t e, int level);

/* Folding: if the table at `level` is homogeneous (all UNASSIGNED with one
 * RIPAS, all UNASSIGNED_NS, or all ASSIGNED/ASSIGNED_NS with contiguous
 * output addresses, one RIPAS or one attribute set, the first aligned to a
 * block at level - 1 and level - 1 allowing blocks), writes the single entry
 * that replaces it in the parent and returns true. */
bool s2tt_fold(const uint64_t *table, int level, uint64_t *parent_entry);
/* Unfolding: fills the table at `level` with the 512 entries equivalent to
 * the parent's entry at level - 1. Returns the number of live entries written
 * (0 or 512), or -1 if the parent entry is a TABLE or corrupt. */
int s2tt_unfold(uint64_t parent_entry, int level, uint64_t *table);

/* The end of the run of non-live entries that follows entry `index` of the
 * table at `level` (ipa lies in that entry): the base of the next live entry,
 * or the end of the table's range. Always above ipa. */
uint64_t s2tt_skip_non_live(const uint64_t *table, int level, unsigned index, uint64_t ipa);

#endif

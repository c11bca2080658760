/*
 * The stage-2 MMU's table walk, over a realm's RTT in emulated DRAM.
 *
 * hostsim is the hardware here: it reads the architectural VMSAv8-64
 * stage-2 descriptors (4 KiB granule) the monitor wrote, exactly as the MMU
 * would, and never asks the monitor what they mean. Table, block (levels 1
 * and 2) and page descriptors are valid; S2AP[0] grants reads, S2AP[1]
 * writes; AF must be set; bit 55 (NS) sends the output to the NS PAS. The
 * walk itself and its output are checked against the GPT like every other
 * access: RTTs must be Realm granules, outputs must be in the PAS the
 * descriptor names.
 *
 * Everything here is async-signal-safe: the fault handler walks.
 */
#include <string.h>

#include "hostsim_internal.h"

#define DESC_VALID      (UINT64_C(1) << 0)
#define DESC_TABLE_PAGE (UINT64_C(1) << 1)
#define DESC_S2AP_READ  (UINT64_C(1) << 6)
#define DESC_S2AP_WRITE (UINT64_C(1) << 7)
#define DESC_AF         (UINT64_C(1) << 10)
#define DESC_NS         (UINT64_C(1) << 55)
#define DESC_OA_MASK    UINT64_C(0x0000fffffffff000)
#define LEVEL_PAGE      3

static unsigned level_shift(int level)
{
	return 12u + 9u * (unsigned)(LEVEL_PAGE - level);
}

static void fault(struct hostsim_s2_translation *t, unsigned dfsc, int level)
{
	t->valid = false;
	t->dfsc = dfsc;
	t->level = level;
}

/* A table the walk reads: a Realm granule of DRAM (GPC of the walk). */
static const uint64_t *table_at(uint64_t pa)
{
	if ((pa & (PLAT_GRANULE_SIZE - 1)) != 0 || !hostsim_dram_range_ok(pa, PLAT_GRANULE_SIZE))
		return NULL;
	if (hostsim_gpt_entry_pas(pa >> PLAT_GRANULE_SHIFT) != HOSTSIM_PAS_REALM)
		return NULL;
	return (const uint64_t *)hostsim_dram_monitor_ptr(pa);
}

void hostsim_s2_translate(const struct plat_s2 *s2, uint64_t ipa, struct hostsim_s2_translation *t)
{
	int level = s2->level_start;

	memset(t, 0, sizeof(*t));
	if (s2->ipa_bits > 48 || level < 0 || level > 2 || (s2->ipa_bits < 64 && ipa >> s2->ipa_bits)) {
		fault(t, HOSTSIM_DFSC_ADDR_SIZE(0), 0);
		return;
	}
	/* Concatenated root tables: the bits above the start level's index pick one. */
	uint64_t root = ipa >> (level_shift(level) + 9);
	if (root >= s2->num_root_rtts) {
		fault(t, HOSTSIM_DFSC_TRANSLATION(level), level);
		return;
	}
	uint64_t table_pa = s2->rtt_base + root * PLAT_GRANULE_SIZE;
	for (;;) {
		const uint64_t *table = table_at(table_pa);
		if (!table) {
			fault(t, HOSTSIM_DFSC_GPF_WALK(level), level);
			return;
		}
		unsigned index = (unsigned)((ipa >> level_shift(level)) & 511u);
		uint64_t desc = __atomic_load_n(&table[index], __ATOMIC_ACQUIRE);
		if (!(desc & DESC_VALID)) {
			fault(t, HOSTSIM_DFSC_TRANSLATION(level), level);
			return;
		}
		if (level < LEVEL_PAGE && (desc & DESC_TABLE_PAGE)) {
			table_pa = desc & DESC_OA_MASK;
			level++;
			continue;
		}
		/* A leaf: a page at level 3, a block at 1 or 2 (none at 0 with 4 KiB). */
		if ((level == LEVEL_PAGE && !(desc & DESC_TABLE_PAGE)) || level == 0) {
			fault(t, HOSTSIM_DFSC_TRANSLATION(level), level);
			return;
		}
		if (!(desc & DESC_AF)) {
			fault(t, HOSTSIM_DFSC_ACCESS_FLAG(level), level);
			return;
		}
		t->valid = true;
		t->level = level;
		t->size = UINT64_C(1) << level_shift(level);
		t->ipa = ipa & ~(t->size - 1);
		t->pa = desc & DESC_OA_MASK & ~(t->size - 1);
		t->read = (desc & DESC_S2AP_READ) != 0;
		t->write = (desc & DESC_S2AP_WRITE) != 0;
		t->ns = (desc & DESC_NS) != 0;
		return;
	}
}

bool hostsim_s2_gpc_ok(uint64_t pa, uint64_t size, bool ns)
{
	unsigned want = ns ? HOSTSIM_PAS_NS : HOSTSIM_PAS_REALM;

	if (!hostsim_dram_range_ok(pa, size) || !hostsim_monitor_view(pa))
		return false;
	for (uint64_t off = 0; off < size; off += PLAT_GRANULE_SIZE)
		if (hostsim_gpt_entry_pas((pa + off) >> PLAT_GRANULE_SHIFT) != want)
			return false;
	return true;
}

/* The monitor-view address of ipa if it is protected realm memory with the
 * access allowed; NULL otherwise. `avail` receives the bytes left in its granule. */
static uint8_t *realm_byte(const struct plat_s2 *s2, uint64_t ipa, bool write, uint64_t *avail)
{
	struct hostsim_s2_translation t;

	if (s2->ipa_bits == 0 || ipa >> (s2->ipa_bits - 1))
		return NULL; /* unprotected: host memory is never code or boot data */
	hostsim_s2_translate(s2, ipa, &t);
	if (!t.valid || t.ns || !(write ? t.write : t.read))
		return NULL;
	uint64_t pa = t.pa + (ipa - t.ipa);
	uint64_t granule = pa & ~(PLAT_GRANULE_SIZE - 1);
	if (!hostsim_s2_gpc_ok(granule, PLAT_GRANULE_SIZE, false))
		return NULL;
	*avail = PLAT_GRANULE_SIZE - (pa - granule);
	return hostsim_dram_monitor_ptr(pa);
}

bool hostsim_s2_read(const struct plat_s2 *s2, uint64_t ipa, void *dst, uint64_t len)
{
	uint8_t *out = dst;

	if (ipa + len < ipa)
		return false;
	while (len) {
		uint64_t avail;
		const uint8_t *src = realm_byte(s2, ipa, false, &avail);
		if (!src)
			return false;
		uint64_t n = len < avail ? len : avail;
		memcpy(out, src, n);
		out += n;
		ipa += n;
		len -= n;
	}
	return true;
}

void *hostsim_s2_writable_ptr(const struct plat_s2 *s2, uint64_t ipa)
{
	uint64_t avail;

	return realm_byte(s2, ipa, true, &avail);
}

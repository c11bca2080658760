/*
 * Physical memory for the monitor on hardware: DRAM is mapped at a fixed
 * offset (0 = identity) by the boot code's stage-1 tables, so mapping a
 * granule is arithmetic.
 */
#include "plat/plat.h"
#include "plat_aarch64.h"

static uint64_t dram_base;
static uint64_t dram_size;
static uint64_t map_offset;

void plat_aarch64_setup(uint64_t base, uint64_t size, uint64_t offset)
{
	dram_base = base;
	dram_size = size;
	map_offset = offset;
}

uint64_t plat_dram_base(void)
{
	return dram_base;
}

uint64_t plat_dram_size(void)
{
	return dram_size;
}

static bool in_dram(uint64_t pa, uint64_t len)
{
	return pa >= dram_base && pa - dram_base <= dram_size && len <= dram_size - (pa - dram_base);
}

void *plat_granule_map(uint64_t pa)
{
	if ((pa & (PLAT_GRANULE_SIZE - 1)) != 0 || !in_dram(pa, PLAT_GRANULE_SIZE))
		return NULL;
	return (void *)(uintptr_t)(pa + map_offset);
}

void plat_granule_unmap(void *va)
{
	(void)va; /* the whole of DRAM stays mapped */
}

/*
 * Copies from and to host memory. On hardware the GPC is the check: the
 * mapping used here must carry the NS attribute, so touching a granule that
 * is not NS raises a granule protection fault at R-EL2. A board port must
 * route that fault to a fixup that makes these functions return false (an
 * exception table entry for the copy loop, as firmware does for user copies);
 * without it the fault is fatal, which is safe but not what plat.h promises.
 */
static void copy_bytes(volatile uint8_t *dst, const volatile uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i];
}

bool plat_ns_read(uint64_t pa, void *dst, size_t len)
{
	if (!in_dram(pa, len))
		return false;
	copy_bytes(dst, (const volatile uint8_t *)(uintptr_t)(pa + map_offset), len);
	return true;
}

bool plat_ns_write(uint64_t pa, const void *src, size_t len)
{
	if (!in_dram(pa, len))
		return false;
	copy_bytes((volatile uint8_t *)(uintptr_t)(pa + map_offset), src, len);
	return true;
}

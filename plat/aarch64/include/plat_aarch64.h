/*
 * plat/aarch64: plat.h for the monitor running as real firmware at R-EL2.
 *
 * This is the port target, compiled freestanding and linked with the monitor
 * core by scripts/check-freestanding.sh; it is not booted anywhere yet. What a
 * board port adds: the boot entry and exception vectors (which call rmm_boot
 * and rmm_handle_rmi), the MMU set-up that makes plat_granule_map valid, a
 * fault-recovering copy for host memory, a console for plat_panic, and crypto.
 */
#ifndef CAEC_PLAT_AARCH64_H
#define CAEC_PLAT_AARCH64_H

#include <stdint.h>

/* Called by the boot code before rmm_boot, with the DRAM layout EL3 hands
 * over in the boot manifest and the offset at which the monitor's stage-1
 * tables map DRAM (VA = PA + map_offset; 0 for an identity map). */
void plat_aarch64_setup(uint64_t dram_base, uint64_t dram_size, uint64_t map_offset);

#endif

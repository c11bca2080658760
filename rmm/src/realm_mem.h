/*
 * A realm's protected memory, as the monitor reads and writes it for RSI
 * commands (REALM_CONFIG, HOST_CALL, ATTEST_TOKEN_CONTINUE).
 *
 * The realm names memory by IPA; the monitor only touches it when the IPA is
 * protected and its RTT entry is ASSIGNED with RIPAS RAM, i.e. the realm's own
 * private memory. Anything else (unprotected, EMPTY, DESTROYED, UNASSIGNED)
 * is refused, so a realm can never make the monitor write into host memory
 * or into a granule that is not its own.
 *
 * Locks: the RD (an argument granule), then the walk (owned RTTs), held while
 * the granule is mapped; the caller holds no granule lock.
 */
#ifndef RMM_REALM_MEM_H
#define RMM_REALM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtt.h"

/* A realm granule mapped for the monitor, with the locks that keep it the
 * realm's private RAM until realm_mem_unmap(). */
struct realm_mem_mapping {
	struct granule *g_rd;
	struct rd *rd;
	struct rtt_walk walk;
	uint8_t *granule;
};

/* The monitor's view of the granule holding ipa (granule aligned or not), or
 * NULL (nothing held) when ipa is not a protected, ASSIGNED, RIPAS RAM address
 * of the realm whose RD is at rd_pa. */
uint8_t *realm_mem_map(uint64_t rd_pa, uint64_t ipa, struct realm_mem_mapping *m);
void realm_mem_unmap(struct realm_mem_mapping *m);

/* Copies len bytes between buf and the realm's memory at ipa. The range must
 * lie inside one granule. False (nothing copied) when realm_mem_map refuses
 * the IPA or the range crosses a granule boundary. */
bool realm_mem_read(uint64_t rd_pa, uint64_t ipa, void *buf, size_t len);
bool realm_mem_write(uint64_t rd_pa, uint64_t ipa, const void *buf, size_t len);

#endif

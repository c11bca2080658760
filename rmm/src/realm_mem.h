/*
 * A realm's protected memory, as the monitor reads and writes it for RSI
 * commands (REALM_CONFIG, HOST_CALL, ATTEST_TOKEN_CONTINUE).
 *
 * The realm names memory by IPA; the monitor only touches it when the IPA is
 * protected and its RTT entry is ASSIGNED with RIPAS RAM, i.e. the realm's own
 * private memory, so a realm can never make the monitor write into host
 * memory or into a granule that is not its own. Anything else is refused in
 * one of two ways, as RMM 1.0 (and TF-RMM rmm-spec-v1.0-rel0) tell them apart:
 *  - REALM_MEM_REFUSED: the IPA is not protected, or its RIPAS is EMPTY: the
 *    realm named memory it does not have (the command returns ERROR_INPUT);
 *  - REALM_MEM_UNMAPPED: protected, RIPAS RAM or DESTROYED, but no RAM
 *    granule behind it yet (UNASSIGNED, or ASSIGNED DESTROYED): the host has
 *    to act, so the command exits to it with a stage-2 data abort for the
 *    IPA and runs again at the next REC_ENTER (rsi_unmapped(), rsi.c).
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

enum realm_mem_status {
	REALM_MEM_OK,
	REALM_MEM_REFUSED,
	REALM_MEM_UNMAPPED,
};

/* A realm granule mapped for the monitor, with the locks that keep it the
 * realm's private RAM until realm_mem_unmap(). */
struct realm_mem_mapping {
	struct granule *g_rd;
	struct rd *rd;
	struct rtt_walk walk;
	uint8_t *granule;
	int level; /* REALM_MEM_UNMAPPED: the level at which the walk stopped */
};

/* Maps the granule holding ipa (granule aligned or not) of the realm whose RD
 * is at rd_pa. REALM_MEM_OK: m->granule is its monitor view, held until
 * realm_mem_unmap(); otherwise nothing is held (m->level says where the walk
 * stopped for REALM_MEM_UNMAPPED). */
enum realm_mem_status realm_mem_map(uint64_t rd_pa, uint64_t ipa, struct realm_mem_mapping *m);
void realm_mem_unmap(struct realm_mem_mapping *m);

/* Copies len bytes between buf and the realm's memory at ipa; the range must
 * lie inside one granule (else REALM_MEM_REFUSED). Nothing is copied unless
 * REALM_MEM_OK; *level as for realm_mem_map. */
enum realm_mem_status realm_mem_read(uint64_t rd_pa, uint64_t ipa, void *buf, size_t len, int *level);
enum realm_mem_status realm_mem_write(uint64_t rd_pa, uint64_t ipa, const void *buf, size_t len,
				      int *level);

#endif

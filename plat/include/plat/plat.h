/*
 * The platform interface: what the monitor (rmm/) needs from the machine.
 *
 * A real CCA machine gives the monitor physical memory it can map, the EL3
 * firmware (granule protection changes, attestation keys), TLB maintenance
 * for stage 2, locks and atomics, entropy and crypto. plat/hostsim provides
 * all of it by emulation on Linux; plat/aarch64 is the port target.
 *
 * This header is freestanding: the monitor includes it and nothing hosted.
 */
#ifndef CAEC_PLAT_PLAT_H
#define CAEC_PLAT_PLAT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

#define PLAT_GRANULE_SHIFT 12
#define PLAT_GRANULE_SIZE  (UINT64_C(1) << PLAT_GRANULE_SHIFT)

/* ---- Physical memory ------------------------------------------------------
 * DRAM is [plat_dram_base(), plat_dram_base() + plat_dram_size()), granule
 * aligned. The monitor reaches any granule of it through plat_granule_map(),
 * whatever its PAS: the monitor runs in the Realm world and the emulated GPT
 * lets it read Realm and NS granules (not Root ones).
 */
uint64_t plat_dram_base(void);
uint64_t plat_dram_size(void);
/* NULL when pa is not a granule-aligned DRAM address. */
void *plat_granule_map(uint64_t pa);
void plat_granule_unmap(void *va);

/* Copy to/from memory the host owns. Fails (false, nothing copied) unless every
 * byte lies in DRAM and in the NS PAS at the time of the copy: the monitor never
 * mistakes a delegated granule for a host structure. */
bool plat_ns_read(uint64_t pa, void *dst, size_t len);
bool plat_ns_write(uint64_t pa, const void *src, size_t len);

/* ---- EL3 firmware ----------------------------------------------------------
 * RMM-EL3 interface calls (abi/el3.h): GTSI_DELEGATE / GTSI_UNDELEGATE flip a
 * granule's PAS in the GPT (delegate leaves the granule zeroed), and the
 * attestation services. regs->x[0] = FID on entry, status on return. */
void plat_el3_smc(struct smc_regs *regs);

/* ---- Stage-2 TLB maintenance ----------------------------------------------
 * The monitor changes a realm's RTT, then invalidates what the MMU may have
 * cached from it, exactly as TLBI IPAS2E1IS / VMALLS12E1IS would. */
void plat_s2_tlbi_ipa(uint16_t vmid, uint64_t ipa, uint64_t size);
void plat_s2_tlbi_vmid(uint16_t vmid);

/* ---- Locks -----------------------------------------------------------------
 * A word-sized lock that may be embedded anywhere (one per granule). Zero is
 * unlocked. Acquire has acquire semantics, release has release semantics. */
typedef struct {
	_Atomic uint32_t word;
} plat_lock_t;

void plat_lock_acquire(plat_lock_t *lock);
bool plat_lock_try_acquire(plat_lock_t *lock);
void plat_lock_release(plat_lock_t *lock);

/* ---- Entropy and crypto ----------------------------------------------------*/
bool plat_entropy(void *buf, size_t len);

enum plat_hash_alg {
	PLAT_HASH_SHA256 = 0,
	PLAT_HASH_SHA384 = 1,
	PLAT_HASH_SHA512 = 2,
};
#define PLAT_HASH_MAX_SIZE 64

/* Digest length in bytes (32, 48, 64). */
size_t plat_hash_size(enum plat_hash_alg alg);
/* One-shot hash; out receives plat_hash_size(alg) bytes. */
bool plat_hash(enum plat_hash_alg alg, const void *data, size_t len, uint8_t *out);

/* Incremental hash; the context is storage the platform interprets. */
struct plat_hash_ctx {
	uint64_t opaque[32];
};
bool plat_hash_init(struct plat_hash_ctx *ctx, enum plat_hash_alg alg);
bool plat_hash_update(struct plat_hash_ctx *ctx, const void *data, size_t len);
bool plat_hash_final(struct plat_hash_ctx *ctx, uint8_t *out);

/* ---- Fatal errors ----------------------------------------------------------
 * For broken invariants only, never for input from the host or a realm. */
_Noreturn void plat_panic(const char *why);

#endif

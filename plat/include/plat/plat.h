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

/* ---- Realm execution: CPUs and stage-2 translation -------------------------
 * The monitor runs a REC on the calling CPU with plat_rec_run(): the platform
 * installs the realm's stage-2 translation (struct plat_s2: what VTTBR_EL2 and
 * VTCR_EL2 would hold), restores the REC's context and runs realm code until
 * the realm traps to EL2, then returns with the trap. The MMU walks the RTT
 * itself: only faults it cannot resolve from a valid descriptor trap. On
 * hardware this is ERET into the realm and the EL2 vector coming back; on
 * hostsim a REC's code runs on a thread of its own while the calling thread
 * waits in plat_rec_run().
 *
 * The context lives in the REC granule (monitor memory). gprs hold X0..X30 as
 * the realm left them at the trap (for an SMC: X0 = FID, X1..X17 arguments);
 * the monitor writes the results there before running the REC again.
 */
struct plat_s2 {
	uint64_t rtt_base;      /* PA of the first root RTT */
	uint16_t vmid;
	uint8_t ipa_bits;       /* s2sz */
	int8_t level_start;     /* level of the root RTTs */
	uint8_t num_root_rtts;  /* concatenated root RTTs */
};

enum plat_trap_kind {
	PLAT_TRAP_SMC = 0,      /* SMC: FID and arguments in ctx->gprs */
	PLAT_TRAP_S2_FAULT = 1, /* stage-2 fault: no valid descriptor, or a permission fault */
	PLAT_TRAP_IRQ = 2,      /* the REC's time slice ended (timer interrupt) */
	PLAT_TRAP_HALTED = 3,   /* the realm's CPU stopped and can never resume (its code
	                           crashed natively or returned from its entry); halt_reason says why */
};

struct plat_trap {
	enum plat_trap_kind kind;
	uint64_t ipa;           /* S2_FAULT: faulting IPA */
	uint64_t esr;           /* S2_FAULT: ESR_EL2 as the hardware reports it (EC data abort,
	                           ISS with WnR and DFSC) */
	const char *halt_reason;/* HALTED: a static string for the host's log */
};

/* Resume actions the monitor asks for before running the REC again. */
#define PLAT_RESUME_NORMAL     0u /* continue; a faulting access is retried */
#define PLAT_RESUME_INJECT_SEA 1u /* deliver a synchronous external abort for the last fault */

struct plat_rec_ctx {
	uint64_t gprs[31];
	uint64_t pc;            /* IPA where the REC starts, for its first run */
	uint32_t resume;        /* PLAT_RESUME_* for the next plat_rec_run */
	uint32_t started;       /* set by the platform once the REC has run */
	uint64_t cpu;           /* the platform's handle for the REC's execution context */
};

/* Runs the REC until it traps; fills *trap. Never called concurrently for the
 * same ctx (the monitor holds the REC: its refcount is 1 while it runs). */
void plat_rec_run(const struct plat_s2 *s2, struct plat_rec_ctx *ctx, struct plat_trap *trap);
/* The REC is destroyed: release its execution context. It never runs again. */
void plat_rec_destroy(struct plat_rec_ctx *ctx);

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

/* ---- Attestation -----------------------------------------------------------
 * Two P-384 keys stand behind a CCA attestation token. The platform key (CPAK)
 * belongs to EL3: it signs the platform token, which EL3 builds and hands out
 * with RMM_GET_PLAT_TOKEN. The realm attestation key (RAK) signs the realm
 * tokens the monitor builds; the monitor asks the platform to sign and never
 * holds the private half (TF-A hands the RAK's private key to the monitor with
 * RMM_GET_REALM_ATTEST_KEY and the monitor signs in its own crypto library;
 * a port with that shape implements plat_rak_* on top of it).
 *
 * RMM_GET_PLAT_TOKEN through plat_el3_smc():
 *   in:  X1 = PA of a buffer in the Realm PAS (monitor memory) whose first X3
 *        bytes hold the challenge, X2 = buffer size, X3 = challenge size
 *        (32, 48 or 64)
 *   out: X0 = E_RMM_OK, X1 = size of the platform token (a COSE_Sign1, CBOR
 *        tag 18) written at the start of the buffer; E_RMM_NOMEM with X1 =
 *        the size needed when it does not fit; E_RMM_BAD_ADDR / E_RMM_BAD_PAS
 *        when the buffer leaves DRAM / is not all Realm PAS; E_RMM_INVAL for
 *        another challenge size; E_RMM_UNK when EL3 offers no token.
 */
#define PLAT_RAK_COORD_SIZE  48 /* a P-384 affine coordinate, big endian */
#define PLAT_RAK_DIGEST_SIZE 48 /* what the RAK signs: a SHA-384 digest */
#define PLAT_RAK_SIG_SIZE    96 /* raw r || s, each 48 bytes big endian */

/* The RAK's public key. False when the platform has none. */
bool plat_rak_public(uint8_t x[PLAT_RAK_COORD_SIZE], uint8_t y[PLAT_RAK_COORD_SIZE]);
/* ECDSA P-384 signature by the RAK of a SHA-384 digest (ES384). */
bool plat_rak_sign(const uint8_t digest[PLAT_RAK_DIGEST_SIZE], uint8_t sig[PLAT_RAK_SIG_SIZE]);

/* The token format the platform's relying parties expect. Only the
 * collection differs; the realm token (profile, RAK as a COSE_Key) is the same. */
enum plat_token_format {
	PLAT_TOKEN_FORMAT_CCA = 0,    /* collection tag 907, entries [263, bstr] (current) */
	PLAT_TOKEN_FORMAT_LEGACY = 1, /* collection tag 399, entries bstr (RMM 1.0-rel0) */
};
enum plat_token_format plat_attest_token_format(void);

#endif

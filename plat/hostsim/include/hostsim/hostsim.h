/*
 * hostsim: an emulated Arm CCA machine inside one Linux process.
 *
 * The machine has physical memory ("DRAM", a memfd; a PA is an offset into
 * it), a granule protection table giving each 4 KiB granule a physical address
 * space (NS, REALM or ROOT), EL3 firmware that alone changes the GPT, and the
 * monitor (rmm/) running on top as real code. The host (the VMM and tests)
 * plays the normal world: it reaches DRAM only through a host window in which
 * exactly the NS granules are accessible, and calls the monitor only through
 * hostsim_smc(). A host access to a granule that is not NS is an emulated
 * granule-protection fault (GPF): hostsim_host_read/write report it by
 * failing; a load or store through a hostsim_host_va() pointer stops the
 * process with a message (hostsim's SIGSEGV handler; it chains to the
 * previous handler for faults that are not hostsim's).
 *
 * One machine per process at a time. hostsim_start/hostsim_stop must not race
 * with any other hostsim call; everything else is thread-safe.
 */
#ifndef CAEC_HOSTSIM_HOSTSIM_H
#define CAEC_HOSTSIM_HOSTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/smc.h"

#define HOSTSIM_DEFAULT_DRAM_SIZE     (UINT64_C(1) << 30) /* memfd pages are allocated on use */
#define HOSTSIM_DEFAULT_ROOT_GRANULES 16u
/* Largest DRAM hostsim emulates (the PA space of a 40-bit machine). */
#define HOSTSIM_MAX_DRAM_SIZE         (UINT64_C(1) << 40)
/* Widest realm IPA space hostsim runs: a realm's IPA window is a reservation
 * of 2^ipa_bits bytes of the process's address space, and a 47-bit user
 * address space (x86-64, and aarch64 with 48-bit VAs split in half) has no
 * room for 2^47. The monitor accepts up to 48 (RMI_FEATURES); hostsim halts
 * a REC of a wider realm on its first run with a message saying why. */
#define HOSTSIM_MAX_IPA_BITS          46u

/* Physical address spaces a granule can be in (hostsim_gpt_pas). */
#define HOSTSIM_PAS_NS    0u
#define HOSTSIM_PAS_REALM 1u
#define HOSTSIM_PAS_ROOT  2u
#define HOSTSIM_PAS_NONE  3u /* not a DRAM address (or no machine running) */

#define HOSTSIM_NO_PA UINT64_MAX

struct hostsim_config {
	uint64_t dram_size;     /* bytes, granule multiple; 0 = HOSTSIM_DEFAULT_DRAM_SIZE */
	unsigned root_granules; /* granules at the bottom of DRAM in the Root PAS (firmware);
	                           0 = HOSTSIM_DEFAULT_ROOT_GRANULES */
	/* Attestation (section "Attestation" below). NULL = a fresh P-384 key
	 * generated at machine start; else a PEM file with the private key
	 * (PKCS#8 or SEC1 "EC PRIVATE KEY", curve P-384). */
	const char *cpak_pem_path;  /* platform attestation key: signs platform tokens */
	const char *rak_pem_path;   /* realm attestation key: signs realm tokens */
	unsigned token_format;      /* HOSTSIM_TOKEN_CCA (0, default) or HOSTSIM_TOKEN_LEGACY */
	/* Live fills each realm's IPA window and the host window keep, like a
	 * TLB's entries: the oldest is evicted when a fill needs room, so the
	 * host mappings hostsim makes stay bounded whatever the access pattern.
	 * 0 = the environment variable CAEC_TLB_ENTRIES if it holds min..max,
	 * else HOSTSIM_DEFAULT_TLB_ENTRIES. At least HOSTSIM_MIN_TLB_ENTRIES, the
	 * pages one instruction may touch at once (a string move whose source
	 * and destination both cross a page boundary), or it could never finish;
	 * at most HOSTSIM_MAX_TLB_ENTRIES. */
	unsigned tlb_entries;
	/* Places the host window at VA == PA, so a host program that takes a PA
	 * for a pointer (as firmware with a flat stage-1 map does; Arm's RMM
	 * compliance suite is one) can dereference it: hostsim_host_va(pa) is
	 * then (void *)pa. The window is the same bounded TLB over the GPT at a
	 * fixed address: NS granules open on demand, a Realm or Root one still
	 * faults, and no other mapping of DRAM is made for the host. The range
	 * [root_granules * 4 KiB, dram_size) of the process's address space must
	 * be free and at or above vm.mmap_min_addr (the default 16 Root granules
	 * cover Linux's usual 64 KiB); else hostsim_start fails with -EEXIST or
	 * -EPERM. The Root granules below are left unmapped, and a host access
	 * there is a GPF like any other. Keep dram_size small enough to stay
	 * clear of the program's own mappings (a few hundred MiB at most). */
	bool host_va_is_pa;
};
#define HOSTSIM_DEFAULT_TLB_ENTRIES 1024u
#define HOSTSIM_MIN_TLB_ENTRIES     4u
#define HOSTSIM_MAX_TLB_ENTRIES     8192u

/* Builds the machine (DRAM, GPT with every granule NS except the Root ones,
 * host window, fault handler) and boots the monitor (rmm_boot), which must
 * report BOOT_COMPLETE to EL3. cfg may be NULL for the defaults.
 * Returns 0, -EBUSY if a machine is running, -EINVAL for a bad config, -errno
 * when the OS refuses memory, rmm_boot's negative value when the monitor
 * refuses the platform, -EPROTO when it never reported BOOT_COMPLETE. On
 * failure nothing is left behind. */
int hostsim_start(const struct hostsim_config *cfg);

/* Releases everything; another machine may start afterwards. No other thread
 * may use the machine while (or after) it stops. No-op when none runs. */
void hostsim_stop(void);

/* The normal world's SMC: RMI function IDs go to the monitor, anything else
 * (EL3's RMM-only services included) returns SMC_UNKNOWN in x[0]. */
void hostsim_smc(struct smc_regs *regs);

/* hostsim_smc with X0 = fid, X1..X6 = the arguments, every other register
 * zero; returns the registers as the call left them. */
static inline struct smc_regs hostsim_smc_call(uint64_t fid, uint64_t a1, uint64_t a2,
					       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct smc_regs regs = { .x = { fid, a1, a2, a3, a4, a5, a6 } };

	hostsim_smc(&regs);
	return regs;
}

/* Host-window address of pa (NULL outside DRAM; with host_va_is_pa, (void *)pa
 * and so NULL for PA 0 too, a Root granule). Loads and stores through it
 * fault unless the granule is NS, and the fault aborts the process with
 * "hostsim: granule protection fault: ...". (Code that replaces the SIGSEGV
 * handler after hostsim_start, as cmocka does around each test body and
 * fixture, sees its own handler run instead.) */
void *hostsim_host_va(uint64_t pa);

/* Copies through the host window. False when the range leaves DRAM, or when a
 * granule it touches is not NS (a GPF, counted once per call); then nothing
 * is copied at all. Atomic with respect to delegation of the granules. */
bool hostsim_host_read(uint64_t pa, void *dst, size_t len);
bool hostsim_host_write(uint64_t pa, const void *src, size_t len);

/* GPFs the host has taken since the machine started. */
uint64_t hostsim_gpf_count(void);

/* A free, zeroed NS granule for the host, or HOSTSIM_NO_PA when none is left.
 * Never a Root granule, never one that is delegated at the time of the call. */
uint64_t hostsim_host_alloc(void);
/* Returns a granule from hostsim_host_alloc(). Freeing anything else is a bug
 * in the host program: hostsim aborts with a message. */
void hostsim_host_free(uint64_t pa);

/* The PAS the GPT gives the granule holding pa (HOSTSIM_PAS_*). */
unsigned hostsim_gpt_pas(uint64_t pa);

/* Test-only: the byte at pa as the monitor sees it (any PAS but Root), so a
 * granule-aligned pa gives the whole granule. NULL outside DRAM or in a Root
 * granule. */
const void *hostsim_monitor_view(uint64_t pa);

/* Test-only, on a quiescent machine: the CAEC extension's isolation as the
 * hardware and the monitor hold it together. Every granule the monitor has
 * in a CSM state (CSMD, CSM_META, CSM_DATA, CSM_LIST) is in the Realm PAS and
 * not open in the host window, and the monitor's own CSM invariants hold
 * (rmm_debug_check_csm). False with the first violation in why[0..cap). */
bool hostsim_check_csm(char *why, size_t cap);

/* ---- Attestation -------------------------------------------------------------
 * hostsim's EL3 holds the two attestation keys, P-384 both: the platform key
 * (CPAK), which signs the platform token EL3 gives the monitor
 * (RMM_GET_PLAT_TOKEN), and the realm attestation key (RAK), which signs
 * realm tokens for the monitor (plat_rak_sign). They are generated when the
 * machine starts, or loaded from the PEM files named in hostsim_config; a
 * machine that cannot load them does not start (-EINVAL).
 *
 * The platform token's claims, and exactly what hostsim measures for them:
 *   2396 implementation ID = SHA-256("caec hostsim")
 *   256  instance ID = 0x01 || SHA-256(CPAK public key as a SEC1 uncompressed point)
 *   2401 config = dram_size (8 bytes LE) || root_granules (4 bytes LE) ||
 *        token_format (4 bytes LE), the machine's configuration
 *   2395 lifecycle = 0x5000 (PSA RoT debug): nothing keeps another thread of
 *        the process or a debugger from the keys, and the token says so
 *   2399 software components, each {1 type, 2 SHA-256 measurement, 4 version,
 *        5 signer ID = SHA-256 of the CPAK point, 6 "sha-256"}:
 *        "BL31": the platform's code (hostsim: EL3 and the emulated
 *                hardware), as mapped in memory: the program section
 *                caec_plat_text, into which the build moves libhostsim's code
 *        "RMM":  the monitor's code, the section caec_rmm_text (libcaec_rmm),
 *                present only when the monitor is linked in
 *        Each can be recomputed from the program file: SHA-256 of
 *        `objcopy -O binary --only-section=caec_rmm_text PROGRAM out.bin`.
 *   2400 verification service = "caec attest verify"
 *   2402 hash algorithm = "sha-256"
 *   265  profile = "tag:arm.com,2023:cca_platform#1.0.0" in both token
 *        formats: the format changes only the collection around the tokens
 *        (the config claim records which one the machine uses)
 */
#define HOSTSIM_TOKEN_CCA    0u /* collection tag 907, entries [263, bstr] */
#define HOSTSIM_TOKEN_LEGACY 1u /* collection tag 399, entries bstr, as RMM 1.0-rel0 */

/* The CPAK's public key as PEM (SubjectPublicKeyInfo), NUL-terminated, for a
 * relying party that verifies this machine's tokens. Returns the length
 * without the NUL, -ENODEV when no machine runs, -ENOSPC when len is short. */
int hostsim_platform_key_pem(char *buf, size_t len);

#endif

/* ==== Realm execution =======================================================
 * Each REC runs on an OS thread of its own, created on its first
 * plat_rec_run; the monitor's thread waits until the REC traps. A realm's
 * memory is reached through its IPA window, a reserved VA range of
 * 2^ipa_bits bytes that hostsim keeps equal to the realm's RTT as an MMU
 * would: a fault in it is resolved by walking the RTT (mapping the granule
 * with the descriptor's permissions) or becomes a stage-2 fault trap.
 * Reserve windows with care under TSan: keep ipa_bits <= 39 there.
 *
 * Realm code calls the emulated hardware through one function, the SMC gate
 * the loader stores in the image's `caec_smc_gate` (hostsim_smc_gate_fn).
 * SMC function IDs trap to the monitor (PLAT_TRAP_SMC); the hostsim gate IDs
 * below are answered by the platform itself, as system-register accesses
 * would be on hardware, and never reach the monitor.
 */
#ifndef CAEC_HOSTSIM_REALM_EXECUTION
#define CAEC_HOSTSIM_REALM_EXECUTION

typedef void (*hostsim_smc_gate_fn)(struct smc_regs *regs);
/* A realm's synchronous external abort vector: called on the realm's stack
 * with the faulting IPA and the ESR; it must not return. */
typedef void (*hostsim_sea_handler_fn)(uint64_t ipa, uint64_t esr);

/* Vendor-specific hypervisor range (SMCCC OEN 7): hostsim's own calls. */
#define HOSTSIM_GATE_FID(n)          (UINT64_C(0xC7000000) | (uint64_t)(n))
/* x1 = handler address (hostsim_sea_handler_fn) or 0 to remove it; x0 = 0. */
#define HOSTSIM_GATE_SET_SEA_HANDLER HOSTSIM_GATE_FID(1)
/* Out: x0 = 0, x1 = VA of IPA 0 in the caller's IPA window, x2 = window size. */
#define HOSTSIM_GATE_IPA_WINDOW      HOSTSIM_GATE_FID(2)
/* Out: x0 = 0, x1 = the frequency (Hz) of the counter realm code reads
 * directly (x86-64: the TSC, measured once against CLOCK_MONOTONIC; aarch64:
 * CNTFRQ_EL0), as CNTFRQ_EL0 would give it on hardware. */
#define HOSTSIM_GATE_COUNTER_FREQ    HOSTSIM_GATE_FID(3)

/* Time slice: a REC running longer is interrupted (SIGSYS to its thread,
 * a signal nothing else in the process uses) and traps PLAT_TRAP_IRQ; it
 * resumes exactly where it stopped. The default is overridden by the
 * environment variable CAEC_TIME_SLICE_MS (read when a REC first runs)
 * or by hostsim_set_time_slice_us (which wins; 0 restores the default). */
#define HOSTSIM_DEFAULT_TIME_SLICE_US UINT64_C(20000)
void hostsim_set_time_slice_us(uint64_t us);
uint64_t hostsim_time_slice_us(void);

/* The emulated hardware drops what every realm window cached in its
 * unprotected half, for EL3 after a GPT change: a granule that left the NS
 * PAS must not stay reachable through an unprotected stage-2 mapping, and
 * that half is the only place an NS granule can be mapped (protected IPAs only
 * ever map Realm granules). */
void hostsim_s2_invalidate_unprotected(void);

#endif /* realm execution */

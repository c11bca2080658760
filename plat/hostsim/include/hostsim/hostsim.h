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
};

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

/* Host-window address of pa (NULL outside DRAM). Loads and stores through it
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

#endif

/*
 * SMC calling convention shared by every layer.
 *
 * A call is eight 64-bit registers in (X0 = function ID, X1..X7 arguments) and
 * five out (X0 status, X1..X4 results), as SMCCC v1.2 fast calls pass them.
 * The host calls the monitor with rmi_call(), a realm with rsi_call(), the
 * monitor calls EL3 with plat_el3_smc(); all of them move a struct smc_regs.
 */
#ifndef CAEC_ABI_SMC_H
#define CAEC_ABI_SMC_H

#include <stdint.h>

#define SMC_NUM_ARGS    8 /* X0..X7 */
#define SMC_NUM_RESULTS 5 /* X0..X4; RSI_MEASUREMENT_READ uses X1..X8 via .x[] */

struct smc_regs {
	uint64_t x[18]; /* X0..X17: large enough for every call in the ABI */
};

#define SMC_UNKNOWN ((uint64_t)-1)

/* SMCCC: fast call, SMC64, standard secure service owner. */
#define SMC64_STD_FID(n) (UINT64_C(0xC4000000) | (uint64_t)(n))
/* SMCCC: fast call, SMC64, SiP service owner (the CAEC extension lives here). */
#define SMC64_SIP_FID(n) (UINT64_C(0xC2000000) | (uint64_t)(n))
/* Bit 16 of a function ID is the SVE live-state hint; it never selects a function. */
#define SMC_FID_SVE_HINT (UINT64_C(1) << 16)

#define SMCCC_VERSION_FID UINT64_C(0x80000000)

#define ABI_VERSION(major, minor) (((uint64_t)(major) << 16) | (uint64_t)(minor))
#define ABI_VERSION_MAJOR(v)      (((v) >> 16) & 0x7fff)
#define ABI_VERSION_MINOR(v)      ((v) & 0xffff)

#endif

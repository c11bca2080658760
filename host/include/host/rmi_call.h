/*
 * The VMM's only door into the monitor: one RMI call as the normal world makes
 * it, an SMC with the function ID in X0 and arguments in X1..X6.
 *
 * On hostsim the SMC instruction is hostsim_smc(); a VMM on hardware would
 * trap through its kernel driver instead. Nothing in host/ reaches the
 * monitor any other way, so the VMM sees exactly what a real host sees.
 */
#ifndef CAEC_HOST_RMI_CALL_H
#define CAEC_HOST_RMI_CALL_H

#include <stdint.h>

#include "abi/rmi.h"
#include "abi/smc.h"

/* X0 = fid, X1..X6 = args; returns X0..X4 (and the rest of the registers). */
struct smc_regs rmi_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			 uint64_t a5, uint64_t a6);

/* RMI(fid, args...): missing arguments are zero. */
#define RMI_CALL_PAD_(fid, a1, a2, a3, a4, a5, a6, ...) \
	rmi_call((fid), (a1), (a2), (a3), (a4), (a5), (a6))
#define RMI(...) RMI_CALL_PAD_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* "SUCCESS", "ERROR_RTT", ... for messages; "?" for anything else. */
const char *rmi_status_name(uint64_t x0);

#endif

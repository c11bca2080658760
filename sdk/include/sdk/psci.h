/*
 * PSCI from a realm (answered by the monitor, some with the host's help):
 * vCPUs are started with CPU_ON and stopped with CPU_OFF, the whole realm
 * with SYSTEM_OFF. sdk_cpu_on() starts a secondary vCPU running a C function
 * on a stack the sdk allocates from the realm heap.
 */
#ifndef CAEC_SDK_PSCI_H
#define CAEC_SDK_PSCI_H

#include <stdint.h>

#include "abi/rsi.h"

/* PSCI return values are signed (PSCI_SUCCESS, PSCI_ALREADY_ON, ...). */
int64_t psci_version(void);
int64_t psci_features(uint64_t fid);
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry_ipa, uint64_t context);
int64_t psci_cpu_off(void);
/* PSCI_AFFINITY_ON / OFF / ON_PENDING, or a negative error. */
int64_t psci_affinity_info(uint64_t mpidr);
_Noreturn void psci_system_off(void);
_Noreturn void psci_system_reset(void);

/* MPIDR of the vCPU with linear index i (Aff0 = i[3:0], Aff1 = i[11:4]). */
uint64_t sdk_vcpu_mpidr(unsigned index);

typedef void (*sdk_cpu_fn)(void *arg);
/* Starts vCPU mpidr running fn(arg) on a fresh stack; when fn returns the
 * vCPU turns off (CPU_OFF) and its stack is freed. PSCI_SUCCESS or the PSCI
 * error (PSCI_ALREADY_ON, PSCI_INVALID_PARAMETERS, ...); PSCI_INTERNAL_FAILURE
 * when the heap has no room for the stack. */
int64_t sdk_cpu_on(uint64_t mpidr, sdk_cpu_fn fn, void *arg);

#endif

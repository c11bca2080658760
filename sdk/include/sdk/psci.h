/*
 * PSCI from a realm (answered by the monitor, some with the host's help):
 * vCPUs are started with CPU_ON and stopped with CPU_OFF, the whole realm
 * with SYSTEM_OFF. sdk_cpu_on() starts a secondary vCPU running a C function
 * on a stack the sdk allocates from the realm heap; the stack goes back to
 * the heap once that vCPU is off again (see sdk_cpu_on).
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

/* vCPUs sdk_cpu_on can start: linear indexes 0 .. SDK_MAX_CPUS - 1. */
#define SDK_MAX_CPUS 64u

typedef void (*sdk_cpu_fn)(void *arg);
/* Starts vCPU mpidr (an sdk_vcpu_mpidr value) running fn(arg) on a fresh
 * 64 KiB heap stack; when fn returns the vCPU turns off (CPU_OFF).
 * PSCI_SUCCESS or the PSCI error (PSCI_ALREADY_ON, PSCI_INVALID_PARAMETERS
 * for an MPIDR of no sdk vCPU or a NULL fn, ...); PSCI_INTERNAL_FAILURE when
 * the heap has no room for the stack.
 * A vCPU cannot free the stack it turns off on, so its stack is freed later,
 * by whichever vCPU next calls sdk_cpu_on (any target) or
 * sdk_cpu_reclaim_stacks once PSCI AFFINITY_INFO reports the vCPU OFF: a slot
 * started again always gets its old stack freed first, so CPU_ON/CPU_OFF
 * cycles do not use up the heap. Only start vCPUs through this function: it
 * answers PSCI_ALREADY_ON while the slot's last function has not finished. */
int64_t sdk_cpu_on(uint64_t mpidr, sdk_cpu_fn fn, void *arg);
/* Frees the stack of every vCPU that sdk_cpu_on started and that is OFF
 * again; returns how many it freed (one PSCI AFFINITY_INFO per finished
 * vCPU). */
unsigned sdk_cpu_reclaim_stacks(void);

#endif

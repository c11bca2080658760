/* PSCI calls from the realm (see psci.h). */
#include "sdk/psci.h"

#include "sdk/rsi.h"

int64_t psci_version(void)
{
	return (int64_t)sdk_smc(PSCI_VERSION, 0, 0, 0, 0, 0, 0).x[0];
}

int64_t psci_features(uint64_t fid)
{
	return (int64_t)sdk_smc(PSCI_FEATURES, fid, 0, 0, 0, 0, 0).x[0];
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry_ipa, uint64_t context)
{
	return (int64_t)sdk_smc(PSCI_CPU_ON, mpidr, entry_ipa, context, 0, 0, 0).x[0];
}

int64_t psci_cpu_off(void)
{
	return (int64_t)sdk_smc(PSCI_CPU_OFF, 0, 0, 0, 0, 0, 0).x[0];
}

int64_t psci_affinity_info(uint64_t mpidr)
{
	return (int64_t)sdk_smc(PSCI_AFFINITY_INFO, mpidr, 0, 0, 0, 0, 0).x[0];
}

_Noreturn void psci_system_off(void)
{
	for (;;)
		sdk_smc(PSCI_SYSTEM_OFF, 0, 0, 0, 0, 0, 0);
}

_Noreturn void psci_system_reset(void)
{
	for (;;)
		sdk_smc(PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0, 0);
}

uint64_t sdk_vcpu_mpidr(unsigned index)
{
	return (index & 0xfu) | ((uint64_t)((index >> 4) & 0xffu) << 8);
}

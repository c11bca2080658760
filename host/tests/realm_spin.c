/*
 * A realm program that never turns itself off: every vCPU it has (the boot
 * vCPU and each secondary, started with CPU_ON) spins for ever. Only a host
 * that can stop a run from outside (a deadline, vmm_request_stop, Ctrl-C)
 * gets it to end. It says on its console once every vCPU spins, so a test
 * knows when the run is under way.
 */
#include <stdatomic.h>

#include "sdk/console.h"
#include "sdk/psci.h"
#include "sdk/realm.h"

static _Atomic unsigned spinning;

_Noreturn static void spin(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void secondary(void *arg)
{
	(void)arg;
	atomic_fetch_add(&spinning, 1);
	spin();
}

int realm_main(void)
{
	unsigned cpus = sdk_realm_info()->nr_cpus;

	atomic_store(&spinning, 1);
	for (unsigned i = 1; i < cpus; i++)
		if (sdk_cpu_on(sdk_vcpu_mpidr(i), secondary, NULL) != PSCI_SUCCESS)
			return 20;
	while (atomic_load(&spinning) < cpus)
		;
	sdk_printf("spin: %u vCPUs spinning\n", cpus);
	spin();
}

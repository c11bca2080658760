/*
 * A realm program that starts and stops the same secondary vCPU many times
 * (CPU_CYCLES rounds, each on a fresh 64 KiB sdk stack) in little RAM: it
 * only gets through if the sdk frees a secondary's stack once that vCPU is
 * off. It also checks the rules around it: a slot whose function still runs
 * answers PSCI_ALREADY_ON, an MPIDR of no sdk vCPU is refused, and after the
 * last round sdk_cpu_reclaim_stacks gives the heap back to what it was.
 * Needs 2 vCPUs. The exit status says which step failed (0 = all fine).
 */
#include <stdatomic.h>

#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/psci.h"
#include "sdk/realm.h"

#define CPU_CYCLES 200

static _Atomic unsigned runs;
static _Atomic int release_holder;

static void count_run(void *arg)
{
	(void)arg;
	atomic_fetch_add(&runs, 1);
}

/* Runs until the boot vCPU lets it go. */
static void hold(void *arg)
{
	(void)arg;
	while (!atomic_load(&release_holder))
		;
}

static int wait_off(uint64_t mpidr)
{
	for (long spin = 0; spin < 200000000L; spin++)
		if (psci_affinity_info(mpidr) == PSCI_AFFINITY_OFF)
			return 0;
	return -1;
}

int realm_main(void)
{
	uint64_t cpu1 = sdk_vcpu_mpidr(1);
	size_t free_at_start = sdk_heap_free_bytes(sdk_realm_heap());

	if (sdk_realm_info()->nr_cpus < 2)
		return 10;
	if (sdk_cpu_on(UINT64_C(1) << 16, count_run, NULL) != PSCI_INVALID_PARAMETERS) /* Aff2 */
		return 11;
	if (sdk_cpu_on(cpu1, NULL, NULL) != PSCI_INVALID_PARAMETERS)
		return 12;
	for (unsigned round = 1; round <= CPU_CYCLES; round++) {
		int64_t rc = sdk_cpu_on(cpu1, count_run, NULL);

		if (rc != PSCI_SUCCESS) {
			sdk_printf("cycles: CPU_ON %u -> %lld, heap free %zu of %zu\n", round, (long long)rc,
				   sdk_heap_free_bytes(sdk_realm_heap()), free_at_start);
			return 20;
		}
		if (wait_off(cpu1) != 0 || atomic_load(&runs) != round)
			return 21;
	}
	/* The last round's stack is still held: nothing has reused the slot. */
	if (sdk_heap_free_bytes(sdk_realm_heap()) >= free_at_start)
		return 30;
	if (sdk_cpu_reclaim_stacks() != 1 || sdk_cpu_reclaim_stacks() != 0)
		return 31;
	if (sdk_heap_free_bytes(sdk_realm_heap()) != free_at_start)
		return 32;

	/* A slot whose function still runs keeps its stack and says so. */
	if (sdk_cpu_on(cpu1, hold, NULL) != PSCI_SUCCESS)
		return 40;
	if (sdk_cpu_on(cpu1, count_run, NULL) != PSCI_ALREADY_ON || sdk_cpu_reclaim_stacks() != 0)
		return 41;
	atomic_store(&release_holder, 1);
	if (wait_off(cpu1) != 0 || sdk_cpu_reclaim_stacks() != 1)
		return 42;
	if (sdk_heap_free_bytes(sdk_realm_heap()) != free_at_start)
		return 43;
	sdk_printf("cycles: %u CPU_ON/CPU_OFF rounds, heap back to %zu bytes\n", CPU_CYCLES, free_at_start);
	return 0;
}

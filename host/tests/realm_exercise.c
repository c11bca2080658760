/*
 * A realm program that makes its host serve every kind of exit: a store to
 * an unprotected IPA (SYNC), an unknown host call, RIPAS changes to EMPTY
 * and back to RAM and one outside its memory (RIPAS_CHANGE), a secondary
 * vCPU started twice (PSCI CPU_ON, AFFINITY_INFO, CPU_OFF), CPU_SUSPEND and
 * the SMC32 forms of the PSCI calls that have one, then SYSTEM_OFF. RSI
 * calls on memory it gave back (EMPTY) are refused, not served.
 * Built with EXERCISE_CRASH it instead touches memory it gave back (EMPTY),
 * which the monitor answers with a synchronous external abort: the vCPU dies.
 * Built with EXERCISE_DESTROYED it asks its host (through the console) to
 * destroy one of its pages, then makes an RSI call into it: the monitor
 * exits to the host for that page, which cannot back DESTROYED memory.
 * The exit status says which step failed (0 = all served).
 */
#include <stdatomic.h>

#include "abi/rmi.h" /* RIPAS values */

#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/psci.h"
#include "sdk/realm.h"
#include "sdk/rsi.h"

#define PAGE 4096u

static _Atomic int secondary_runs;

static void secondary(void *arg)
{
	atomic_fetch_add((_Atomic int *)arg, 1);
	sdk_printf("exercise: secondary vCPU ran\n");
}

static int wait_off(uint64_t mpidr)
{
	for (long spin = 0; spin < 200000000L; spin++)
		if (psci_affinity_info(mpidr) == PSCI_AFFINITY_OFF)
			return 0;
	return -1;
}

static int set_ripas(uint64_t base, uint64_t top, unsigned ripas, uint64_t *response)
{
	while (base < top) {
		uint64_t next = base;

		if (rsi_ipa_state_set(base, top, ripas, 0, &next, response) != RSI_SUCCESS)
			return -1;
		if (*response != RSI_ACCEPT)
			return 0;
		if (next <= base)
			return -1;
		base = next;
	}
	return 0;
}

static unsigned ipa_width(void)
{
	struct rsi_realm_config *cfg = sdk_aligned_alloc(PAGE, sizeof(*cfg));
	unsigned w = 0;

	if (cfg && rsi_realm_config(cfg) == RSI_SUCCESS)
		w = (unsigned)cfg->ipa_width;
	sdk_free(cfg);
	return w;
}

int realm_main(void)
{
	const struct sdk_realm_info *info = sdk_realm_info();
	unsigned w = ipa_width();
	uint64_t response = 0, top = 0;
	unsigned ripas = 0;

	if (w == 0)
		return 10;
#ifdef EXERCISE_DESTROYED
	{
		struct rsi_realm_config *cfg = sdk_aligned_alloc(PAGE, PAGE);

		if (!cfg)
			return 30;
		sdk_printf("exercise: destroy 0x%llx\n", (unsigned long long)sdk_ipa_of(cfg));
		rsi_realm_config(cfg); /* the host ends the run here */
		return 31;
	}
#endif
	/* Memory to give back: 64 KiB of heap, granule aligned. */
	uint8_t *chunk = sdk_aligned_alloc(PAGE, 16 * PAGE);
	if (!chunk)
		return 11;
	uint64_t base = sdk_ipa_of(chunk);
	chunk[0] = 0x5a;
	if (set_ripas(base, base + 16 * PAGE, RIPAS_EMPTY, &response) != 0 || response != RSI_ACCEPT)
		return 12;
	if (rsi_ipa_state_get(base, base + 16 * PAGE, &top, &ripas) != RSI_SUCCESS || ripas != RIPAS_EMPTY)
		return 13;
	/* The monitor refuses to write into EMPTY memory; the host is not asked. */
	if (rsi_realm_config((struct rsi_realm_config *)(void *)(chunk + PAGE)) != RSI_ERROR_INPUT)
		return 22;
#ifdef EXERCISE_CRASH
	sdk_printf("exercise: touching memory given back\n");
	return *(volatile uint8_t *)chunk; /* synchronous external abort: never returns */
#endif
	if (set_ripas(base, base + 16 * PAGE, RIPAS_RAM, &response) != 0 || response != RSI_ACCEPT)
		return 14;
	for (unsigned i = 0; i < 16 * PAGE; i++)
		if (chunk[i] != 0) /* fresh granules: the old byte is gone */
			return 15;
	chunk[5 * PAGE] = 1;
	sdk_free(chunk);

	/* Outside the realm's memory the host has nothing to give: REJECT. */
	uint64_t beyond = info->ram_base + info->ram_size;
	if (set_ripas(beyond, beyond + PAGE, RIPAS_RAM, &response) != 0 || response != RSI_REJECT)
		return 16;

	/* Shared memory: the first store to an unprotected IPA exits to the host. */
	volatile uint64_t *shared = sdk_ptr_of((UINT64_C(1) << (w - 1)) + (UINT64_C(1) << 20));
	if (!shared)
		return 17;
	*shared = 0xC0FFEE;
	if (*shared != 0xC0FFEE)
		return 18;

	uint64_t g[RSI_HOST_CALL_GPRS] = { 7 };
	if (sdk_host_call(0x1234, g) != RSI_SUCCESS || g[0] != SDK_HOST_CALL_ERROR)
		return 19;

	/* CPU_SUSPEND is a notification to the host; both forms succeed. */
	if (sdk_smc(PSCI_CPU_SUSPEND, 0, 0, 0, 0, 0, 0).x[0] != PSCI_SUCCESS ||
	    sdk_smc(PSCI_CPU_SUSPEND_32, 0, 0, 0, 0, 0, 0).x[0] != PSCI_SUCCESS)
		return 23;

	if (info->nr_cpus > 1) {
		/* The SMC32 form reaches the host as such, which completes it. */
		if ((int64_t)sdk_smc(PSCI_AFFINITY_INFO_32, sdk_vcpu_mpidr(1), 0, 0, 0, 0, 0).x[0] != PSCI_AFFINITY_OFF)
			return 24;
		for (int round = 1; round <= 2; round++) {
			if (sdk_cpu_on(sdk_vcpu_mpidr(1), secondary, &secondary_runs) != PSCI_SUCCESS)
				return 20;
			if (wait_off(sdk_vcpu_mpidr(1)) != 0 || atomic_load(&secondary_runs) != round)
				return 21;
		}
	}
	sdk_printf("exercise: all exits served\n");
	return 0;
}

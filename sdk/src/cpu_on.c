/*
 * Starting secondary vCPUs (sdk_cpu_on, psci.h): the boot block and the
 * stack come from the heap; the arch layer's secondary entry switches to the
 * stack, runs the function and turns the vCPU off. A vCPU cannot free the
 * stack it is running on, so the block and stack stay allocated after it
 * turns off (64 KiB per start); they are freed at once when CPU_ON fails.
 */
#include "caec/arch.h"
#include "sdk/heap.h"
#include "sdk/psci.h"

#define SECONDARY_STACK_SIZE (UINT64_C(64) << 10)

struct secondary {
	struct caec_secondary_boot boot; /* first: the arch reads it from the context ID */
	void *stack;
};

int64_t sdk_cpu_on(uint64_t mpidr, sdk_cpu_fn fn, void *arg)
{
	struct secondary *s = sdk_malloc(sizeof(*s));
	void *stack = sdk_aligned_alloc(16, SECONDARY_STACK_SIZE);
	int64_t rc;

	if (!s || !stack) {
		sdk_free(s);
		sdk_free(stack);
		return PSCI_INTERNAL_FAILURE;
	}
	s->stack = stack;
	s->boot.stack_top = (char *)stack + SECONDARY_STACK_SIZE;
	s->boot.fn = fn;
	s->boot.arg = arg;
	rc = psci_cpu_on(mpidr, caec_arch_secondary_entry_ipa(), (uint64_t)(uintptr_t)&s->boot);
	if (rc != PSCI_SUCCESS) {
		sdk_free(stack);
		sdk_free(s);
	}
	return rc;
}

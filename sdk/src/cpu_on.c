/*
 * Starting secondary vCPUs (sdk_cpu_on, psci.h): the boot block and the
 * stack come from the heap; the arch layer's secondary entry switches to the
 * stack, runs the function (through secondary_main, which marks the block
 * finished) and turns the vCPU off with PSCI CPU_OFF, still on that stack.
 *
 * So a vCPU can never free its own stack, and nobody else may free it the
 * moment the function returns either: the CPU_OFF call itself still runs on
 * it. It is safe once PSCI AFFINITY_INFO reports the vCPU OFF: the CPU_OFF
 * trap has left realm code for good (the platform's trap path does not use
 * the realm stack) and the vCPU runs again only through another CPU_ON,
 * which only this file issues. Each vCPU slot (linear index of its MPIDR)
 * remembers its last block; sdk_cpu_on reclaims the finished-and-OFF blocks
 * of every slot before it allocates (so a slot that is reused always has its
 * old stack freed first), and sdk_cpu_reclaim_stacks does it on demand.
 * Blocks are freed at once when CPU_ON fails.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "caec/arch.h"
#include "sdk/heap.h"
#include "sdk/psci.h"

#define SECONDARY_STACK_SIZE (UINT64_C(64) << 10)

struct secondary {
	struct caec_secondary_boot boot; /* first: the arch reads it from the context ID */
	void *stack;
	uint64_t mpidr;
	sdk_cpu_fn fn;
	void *arg;
	atomic_bool finished;            /* fn returned: only CPU_OFF is left to run */
};

/* The last block started on each slot; guarded by slots_lock, which also
 * serialises the CPU_ON calls so two vCPUs never race for one slot. */
static struct secondary *slots[SDK_MAX_CPUS];
static atomic_flag slots_lock = ATOMIC_FLAG_INIT;

static void lock_slots(void)
{
	while (atomic_flag_test_and_set_explicit(&slots_lock, memory_order_acquire))
		;
}

static void unlock_slots(void)
{
	atomic_flag_clear_explicit(&slots_lock, memory_order_release);
}

/* Linear index of an MPIDR the sdk hands out (sdk_vcpu_mpidr), or -1. */
static int slot_of(uint64_t mpidr)
{
	uint64_t aff0 = mpidr & 0xfu, aff1 = (mpidr >> 8) & 0xffu;
	uint64_t index = aff0 | (aff1 << 4);

	if (mpidr != sdk_vcpu_mpidr((unsigned)index) || index >= SDK_MAX_CPUS)
		return -1;
	return (int)index;
}

static void release(struct secondary *s)
{
	sdk_free(s->stack);
	sdk_free(s);
}

/* The function the arch layer runs on the new stack. */
static void secondary_main(void *arg)
{
	struct secondary *s = arg;

	s->fn(s->arg);
	atomic_store_explicit(&s->finished, true, memory_order_release);
}

/* Frees the block of every slot whose vCPU finished and is OFF; slots_lock held. */
static unsigned reclaim_locked(void)
{
	unsigned freed = 0;

	for (unsigned i = 0; i < SDK_MAX_CPUS; i++) {
		struct secondary *s = slots[i];

		if (!s || !atomic_load_explicit(&s->finished, memory_order_acquire))
			continue;
		if (psci_affinity_info(s->mpidr) != PSCI_AFFINITY_OFF)
			continue; /* still on its way into CPU_OFF: next time */
		slots[i] = NULL;
		release(s);
		freed++;
	}
	return freed;
}

unsigned sdk_cpu_reclaim_stacks(void)
{
	unsigned freed;

	lock_slots();
	freed = reclaim_locked();
	unlock_slots();
	return freed;
}

int64_t sdk_cpu_on(uint64_t mpidr, sdk_cpu_fn fn, void *arg)
{
	int slot = slot_of(mpidr);
	struct secondary *s;
	void *stack;
	int64_t rc;

	if (slot < 0 || !fn)
		return PSCI_INVALID_PARAMETERS;
	lock_slots();
	reclaim_locked();
	if (slots[slot]) {
		/* The vCPU still runs the last function (or is on its way
		 * off): it is on, and its stack stays. */
		unlock_slots();
		return PSCI_ALREADY_ON;
	}
	s = sdk_malloc(sizeof(*s));
	stack = sdk_aligned_alloc(16, SECONDARY_STACK_SIZE);
	if (!s || !stack) {
		unlock_slots();
		sdk_free(s);
		sdk_free(stack);
		return PSCI_INTERNAL_FAILURE;
	}
	s->stack = stack;
	s->mpidr = mpidr;
	s->fn = fn;
	s->arg = arg;
	atomic_init(&s->finished, false);
	s->boot.stack_top = (char *)stack + SECONDARY_STACK_SIZE;
	s->boot.fn = secondary_main;
	s->boot.arg = s;
	rc = psci_cpu_on(mpidr, caec_arch_secondary_entry_ipa(), (uint64_t)(uintptr_t)&s->boot);
	if (rc == PSCI_SUCCESS)
		slots[slot] = s;
	unlock_slots();
	if (rc != PSCI_SUCCESS)
		release(s);
	return rc;
}

/*
 * How many threads a context runs when the caller leaves it to the engine
 * (the measurements behind the rule are in llm/context.h).
 */
#ifndef LLM_REALM
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#include <unistd.h>
#else
#include "sdk/realm.h"
#endif

#include "llm/context.h"

unsigned llm_threads_for(uint64_t weight_bytes, unsigned cpus)
{
	uint64_t n = weight_bytes / LLM_WEIGHT_BYTES_PER_THREAD;
	if (n < 1)
		n = 1;
	if (n > cpus)
		n = cpus;
	if (n > LLM_MAX_THREADS)
		n = LLM_MAX_THREADS;
	return n ? (unsigned)n : 1;
}

unsigned llm_cpus_available(void)
{
#ifdef LLM_REALM
	/* The realm's own vCPUs: its pool's workers are vCPUs (threadpool_realm.c). */
	unsigned n = sdk_realm_info()->nr_cpus;
	return n ? n : 1;
#else
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return (unsigned)n;
	}
	/* More CPUs than a cpu_set_t holds, or no affinity call: all online ones. */
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
#endif
}

unsigned llm_threads_default(const struct llm_model *m)
{
	return llm_threads_for(llm_model_weight_bytes(m), llm_cpus_available());
}

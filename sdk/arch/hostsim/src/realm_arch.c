/*
 * RSI calls and address translation for realm code on hostsim.
 */
#include <stdatomic.h>

#include "arch_internal.h"

void rsi_call(struct smc_regs *regs)
{
	if (!caec_smc_gate)
		__builtin_trap();
	caec_smc_gate(regs);
}

void *caec_arch_ipa_to_ptr(uint64_t ipa)
{
	if (ipa >= caec_arch.window_size)
		return 0;
	return (void *)(caec_arch.window + ipa);
}

uint64_t caec_arch_ptr_to_ipa(const void *ptr)
{
	return (uint64_t)((uintptr_t)ptr - caec_arch.window);
}

uint64_t caec_arch_code_to_ipa(const void *code)
{
	return caec_arch.image_base + (uint64_t)((uintptr_t)code - (uintptr_t)__ehdr_start);
}

const void *caec_arch_ipa_to_code(uint64_t ipa)
{
	return __ehdr_start + (ipa - caec_arch.image_base);
}

uint64_t caec_arch_image_base(void)
{
	return caec_arch.image_base;
}

uint64_t caec_arch_counter_freq(void)
{
	static _Atomic uint64_t freq;
	uint64_t f = atomic_load_explicit(&freq, memory_order_relaxed);

	if (f == 0) {
		struct smc_regs regs = { .x = { HOSTSIM_GATE_COUNTER_FREQ } };
		rsi_call(&regs);
		f = regs.x[0] == 0 && regs.x[1] ? regs.x[1] : 1000000000u;
		atomic_store_explicit(&freq, f, memory_order_relaxed);
	}
	return f;
}

uint64_t caec_arch_now_ns(void)
{
	uint64_t c = caec_arch_counter(), f = caec_arch_counter_freq();

	/* c / f seconds, without overflowing c * 1e9 */
	return (c / f) * 1000000000u + (c % f) * 1000000000u / f;
}

static bool random64(uint64_t *v)
{
	for (unsigned tries = 0; tries < 16; tries++) {
		unsigned char ok;
#if defined(__x86_64__)
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
#elif defined(__aarch64__)
		__asm__ volatile("mrs %0, s3_3_c2_c4_0; cset %w1, ne" : "=r"(*v), "=r"(ok) : : "cc"); /* RNDR */
#else
		ok = 0;
#endif
		if (ok)
			return true;
	}
	return false;
}

int caec_arch_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t v;
		if (!random64(&v))
			return -1;
		size_t n = len < 8 ? len : 8;
		__builtin_memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

int caec_arch_set_sea_handler(caec_sea_handler_fn handler)
{
	struct smc_regs regs = { .x = { HOSTSIM_GATE_SET_SEA_HANDLER, (uintptr_t)handler } };

	rsi_call(&regs);
	return regs.x[0] == 0 ? 0 : -1;
}

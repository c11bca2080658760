/* Run-time choice between the portable, AVX2 and AVX-512 kernels, and the
 * generic matrix-matrix product built on the matvec kernels. */
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "kernels_internal.h"

#if defined(__x86_64__)
/* F16C is not a feature name every compiler's __builtin_cpu_supports
 * knows (clang 14 does not), so read CPUID leaf 1, ECX bit 29. */
static bool cpu_has_f16c(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29));
}

/* AVX-512 as the kernels use it: the CPU's features (CPUID leaf 7: F, DQ,
 * BW, VL in EBX; VNNI in ECX) and the OS saving the opmask and ZMM state
 * (XCR0 bits 1, 2, 5, 6, 7, readable when CPUID says OSXSAVE): a CPU flag
 * alone does not make the registers usable. */
static bool cpu_has_avx512(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
		return false;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	if ((lo & 0xe6u) != 0xe6u)
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	const unsigned ebx = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31); /* F, DQ, BW, VL */
	return (b & ebx) == ebx && (c & (1u << 11)); /* VNNI */
}
#endif

bool llm_isa_available(enum llm_isa isa)
{
	switch (isa) {
	case LLM_ISA_PORTABLE:
		return true;
	case LLM_ISA_AVX2:
#if defined(__x86_64__)
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
#else
		return false;
#endif
	case LLM_ISA_AVX512:
#if defined(__x86_64__)
		return llm_isa_available(LLM_ISA_AVX2) && cpu_has_avx512();
#else
		return false;
#endif
	}
	return false;
}

enum llm_isa llm_isa_best(void)
{
	/* Not AVX-512 yet, though a CPU has it: measured on a Sapphire Rapids
	 * Xeon (caec bench llm --isa avx2|avx512, stories15M shapes) its
	 * kernels were no faster than AVX2's (F32 prompt +8%, generation -3%;
	 * Q8_0 10-15% slower: the per-block scale and sign steps cost more than
	 * VNNI saves at these row lengths). They stay selectable and tested. */
	return llm_isa_available(LLM_ISA_AVX2) ? LLM_ISA_AVX2 : LLM_ISA_PORTABLE;
}

const char *llm_isa_name(enum llm_isa isa)
{
	return isa == LLM_ISA_AVX512 ? "avx512" : isa == LLM_ISA_AVX2 ? "avx2" : "portable";
}

void llm_matvec(enum llm_isa isa, const struct llm_matrix *w, const struct llm_vec *x,
		float *out, uint32_t r0, uint32_t r1)
{
#if defined(__x86_64__)
	if (isa == LLM_ISA_AVX512 && llm_avx512_handles(w->type)) {
		llm_matvec_avx512(w, x, out, r0, r1);
		return;
	}
	if ((isa == LLM_ISA_AVX2 || isa == LLM_ISA_AVX512) && llm_avx2_handles(w->type)) {
		llm_matvec_avx2(w, x, out, r0, r1);
		return;
	}
#endif
	(void)isa;
	llm_matvec_portable(w, x, out, r0, r1);
}

/* Weight bytes per row tile of the generic llm_matmat: half of a typical
 * 32-48 KiB L1 data cache, leaving room for the column being read. */
#define MATMAT_TILE_BYTES (16u << 10)

void llm_matmat(enum llm_isa isa, const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols,
		float *out, size_t ld, uint32_t r0, uint32_t r1)
{
#if defined(__x86_64__)
	if (isa == LLM_ISA_AVX512 && n_cols > 1 && llm_matmat_avx512(w, xs, n_cols, out, ld, r0, r1))
		return;
	/* AVX-512's matvec is AVX2's for the types it has no kernel of its own
	 * for, so AVX2's multi-column kernels give its bits too. */
	if ((isa == LLM_ISA_AVX2 || (isa == LLM_ISA_AVX512 && !llm_avx512_handles(w->type))) && n_cols > 1 &&
	    llm_matmat_avx2(w, xs, n_cols, out, ld, r0, r1))
		return;
#endif
	size_t row_bytes = llm_row_bytes(w->type, w->cols);
	uint32_t tile = row_bytes >= MATMAT_TILE_BYTES ? 1 : (uint32_t)(MATMAT_TILE_BYTES / row_bytes);
	for (uint32_t t0 = r0; t0 < r1; t0 += tile) {
		uint32_t t1 = r1 - t0 > tile ? t0 + tile : r1;
		for (uint32_t j = 0; j < n_cols; j++)
			llm_matvec(isa, w, &xs[j], out + j * ld, t0, t1);
	}
}

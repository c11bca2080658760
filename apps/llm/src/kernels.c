/* Run-time choice between the portable and the AVX2 kernels, and the
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
	}
	return false;
}

enum llm_isa llm_isa_best(void)
{
	return llm_isa_available(LLM_ISA_AVX2) ? LLM_ISA_AVX2 : LLM_ISA_PORTABLE;
}

const char *llm_isa_name(enum llm_isa isa)
{
	return isa == LLM_ISA_AVX2 ? "avx2" : "portable";
}

void llm_matvec(enum llm_isa isa, const struct llm_matrix *w, const struct llm_vec *x,
		float *out, uint32_t r0, uint32_t r1)
{
#if defined(__x86_64__)
	if (isa == LLM_ISA_AVX2 && w->type != LLM_DTYPE_Q5_0 && w->type != LLM_DTYPE_Q4_1) { /* no AVX2 kernels yet */
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
	if (isa == LLM_ISA_AVX2 && n_cols > 1 && llm_matmat_avx2(w, xs, n_cols, out, ld, r0, r1))
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

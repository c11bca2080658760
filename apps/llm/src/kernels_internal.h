/* The per-ISA matvec entry points behind llm_matvec and llm_matmat. */
#ifndef LLM_KERNELS_INTERNAL_H
#define LLM_KERNELS_INTERNAL_H

#include "llm/kernels.h"

/* Q4_K/Q5_K's 12 scale bytes: bytes 0-3 hold scales 0-3 in their low six
 * bits, bytes 4-7 mins 0-3; scales and mins 4-7 keep their low nibbles in
 * bytes 8-11 and their top two bits in the top bits of bytes 0-3 / 4-7. */
static inline void llm_k_scales_unpack(const uint8_t *p, uint8_t sc[8], uint8_t mn[8])
{
	for (int j = 0; j < 4; j++) {
		sc[j] = p[j] & 63;
		mn[j] = p[j + 4] & 63;
		sc[j + 4] = (uint8_t)((p[j + 8] & 15) | (p[j] >> 6) << 4);
		mn[j + 4] = (uint8_t)((p[j + 8] >> 4) | (p[j + 4] >> 6) << 4);
	}
}

/* One K-quant super-block's share of a dot: dx * (d * isum - dmin * msum).
 * Out of line, in a file built without FMA, so that no kernel set's
 * compiler contracts it differently: every set gives the same bits. */
float llm_k_block_result(float dx, float d, float dmin, int32_t isum, int32_t msum);

void llm_matvec_portable(const struct llm_matrix *w, const struct llm_vec *x, float *out,
			 uint32_t r0, uint32_t r1);
#if defined(__x86_64__)
/* The types with an AVX2 matvec; the others run the portable one. */
bool llm_avx2_handles(enum llm_dtype t);
void llm_matvec_avx2(const struct llm_matrix *w, const struct llm_vec *x, float *out,
		     uint32_t r0, uint32_t r1);
/* llm_matmat for the types it has a multi-column kernel for; false (and
 * nothing written) for the others. */
bool llm_matmat_avx2(const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols, float *out,
		     size_t ld, uint32_t r0, uint32_t r1);
/* kernels_avx512.c */
bool llm_avx512_handles(enum llm_dtype t);
void llm_matvec_avx512(const struct llm_matrix *w, const struct llm_vec *x, float *out, uint32_t r0,
		       uint32_t r1);
bool llm_matmat_avx512(const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols, float *out,
		       size_t ld, uint32_t r0, uint32_t r1);
#endif

#endif

/* The per-ISA matvec entry points behind llm_matvec and llm_matmat. */
#ifndef LLM_KERNELS_INTERNAL_H
#define LLM_KERNELS_INTERNAL_H

#include "llm/kernels.h"

void llm_matvec_portable(const struct llm_matrix *w, const struct llm_vec *x, float *out,
			 uint32_t r0, uint32_t r1);
#if defined(__x86_64__)
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

/*
 * Matrix-vector kernels: out[r] = W[r,:] . x for a range of rows.
 *
 * Weights may be F32, F16, BF16 or quantised (Q4_0 ... Q8_0, Q2_K ... Q6_K).
 * For the quantised types the activation vector is
 * quantised too (blocks of 32 int8 with one float scale each, computed once
 * per matvec by llm_quantize_act_q8; for the K-quants ggml's Q8_K, blocks of
 * 256 with block sums, by llm_quantize_act_q8_k), so the inner loop is an int8 dot
 * product, the way Q8_0 inference is normally done; this costs a little
 * precision against a float reference (see the tolerance in the reference
 * tests). Each kernel exists in a portable C version, an AVX2/FMA version
 * (Q2_K and Q3_K run the portable one there too, for now)
 * and (F32, F16, Q8_0 with VNNI) an AVX-512 version; llm_isa_best() picks
 * at run time from what the CPU supports and what measured fastest
 * (kernels.c says why that is AVX2 today), and every set remains callable
 * (--isa) for tests and comparisons.
 *
 * llm_matmat multiplies a matrix by a batch of input vectors (the tokens of
 * a prompt processed together), so each weight row comes from memory once
 * per batch instead of once per token. Every output value is bitwise what
 * llm_matvec gives for the same row and vector: the batched and the
 * token-by-token forward pass agree exactly.
 */
#ifndef LLM_KERNELS_H
#define LLM_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "llm/model.h"

enum llm_isa {
	LLM_ISA_PORTABLE = 0,
	LLM_ISA_AVX2 = 1,   /* AVX2 + FMA + F16C */
	LLM_ISA_AVX512 = 2, /* AVX512F/BW/VL/DQ + VNNI (+ FMA, F16C), ZMM state saved by the OS;
			     * types it has no kernel for run the AVX2 ones */
};

bool llm_isa_available(enum llm_isa isa);
enum llm_isa llm_isa_best(void);
const char *llm_isa_name(enum llm_isa isa);

/* The input vector of one matvec, in the forms the kernels read. */
struct llm_vec {
	const float *f;     /* n floats */
	const float *scale; /* n / 32 block scales (Q8_0 weights only) */
	const int8_t *q;    /* n int8 (Q8_0 weights only) */
	/* The Q8_K form K-quant weights read (n a multiple of 256): one float
	 * scale per 256 values, the int8 values, and the sum of each run of 16,
	 * which meets the sub-block minimums without touching the values again. */
	const float *k_scale;  /* n / 256 */
	const int8_t *k_q;     /* n */
	const int16_t *k_sums; /* n / 16 */
};

/* Quantises x[0..n) (n a multiple of 32) into q and per-block scales. */
void llm_quantize_act_q8(const float *x, uint32_t n, float *scale, int8_t *q);

/* Quantises x[0..n) (n a multiple of 256) into Q8_K: per 256 values the
 * one of largest magnitude maps to -127, as ggml does. */
void llm_quantize_act_q8_k(const float *x, uint32_t n, float *scale, int8_t *q, int16_t *sums);

/* Whether matrices of type t read the Q8_0 (scale, q) or the Q8_K (k_*)
 * form of the input vector. */
bool llm_dtype_wants_q8(enum llm_dtype t);
bool llm_dtype_wants_q8_k(enum llm_dtype t);

/* out[r] for r in [r0, r1). */
void llm_matvec(enum llm_isa isa, const struct llm_matrix *w, const struct llm_vec *x,
		float *out, uint32_t r0, uint32_t r1);

/*
 * out[j * ld + r] = W[r,:] . xs[j] for j in [0, n_cols) and r in [r0, r1).
 * Any weight type llm_matvec supports works: rows are taken in tiles small
 * enough to stay in cache while every column runs llm_matvec over them; the
 * AVX2 kernels have faster versions for F32, F16 and Q8_0 that apply each
 * weight load to several columns (with the per-row summation order kept).
 */
void llm_matmat(enum llm_isa isa, const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols,
		float *out, size_t ld, uint32_t r0, uint32_t r1);

/* Row r of w as floats (embedding lookup). */
void llm_matrix_row_f32(const struct llm_matrix *w, uint32_t r, float *out);

float llm_f16_to_f32(uint16_t h);
uint16_t llm_f32_to_f16(float f); /* round to nearest even */

/* Quantises one row of n floats (n % 32 == 0) into Q8_0 blocks, as a file writer does. */
void llm_quantize_row_q8_0(const float *x, uint32_t n, uint8_t *out);
/* Quantises one row of n floats (n % 32 == 0) into Q4_0 blocks. */
void llm_quantize_row_q4_0(const float *x, uint32_t n, uint8_t *out);
/* Quantises one row of n floats (n % 32 == 0) into Q5_0 blocks. */
void llm_quantize_row_q5_0(const float *x, uint32_t n, uint8_t *out);
/* Quantises one row of n floats (n % 32 == 0) into Q4_1 blocks. */
void llm_quantize_row_q4_1(const float *x, uint32_t n, uint8_t *out);
/* Quantises one row of n floats (n % 32 == 0) into Q5_1 blocks. */
void llm_quantize_row_q5_1(const float *x, uint32_t n, uint8_t *out);
/* K-quant rows (n % 256 == 0): plain min/max fits (not llama-quantize's
 * search for the best scales), enough for test and random models. */
void llm_quantize_row_q4_k(const float *x, uint32_t n, uint8_t *out);
void llm_quantize_row_q5_k(const float *x, uint32_t n, uint8_t *out);
void llm_quantize_row_q6_k(const float *x, uint32_t n, uint8_t *out);
void llm_quantize_row_q2_k(const float *x, uint32_t n, uint8_t *out);
void llm_quantize_row_q3_k(const float *x, uint32_t n, uint8_t *out);
/* BF16 rounds to nearest even. */
uint16_t llm_f32_to_bf16(float f);
float llm_bf16_to_f32(uint16_t h);

#endif

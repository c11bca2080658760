/* Kernels: AVX2 and portable agree, the matrix-matrix product equals the
 * matvec bit for bit, number formats convert correctly, quantisation stays
 * within its error bound. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm/kernels.h"
#include "llm/sampler.h"

static void fill(float *v, size_t n, uint64_t seed)
{
	struct llm_rng r;
	llm_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		v[i] = 2.0f * llm_rng_float(&r) - 1.0f;
}

static void test_f16_round_trip_all_values(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 65536; h++) {
		float f = llm_f16_to_f32((uint16_t)h);
		if (isnan(f)) {
			assert_true(((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff));
			assert_true(isnan(llm_f16_to_f32(llm_f32_to_f16(f))));
			continue;
		}
		assert_int_equal(llm_f32_to_f16(f), h);
	}
}

static void test_f16_rounding(void **state)
{
	(void)state;
	assert_int_equal(llm_f32_to_f16(1.0f), 0x3c00);
	assert_int_equal(llm_f32_to_f16(-2.0f), 0xc000);
	assert_int_equal(llm_f32_to_f16(65504.0f), 0x7bff);
	assert_int_equal(llm_f32_to_f16(65520.0f), 0x7c00); /* rounds up to infinity */
	assert_int_equal(llm_f32_to_f16(1e-8f), 0x0000);
	assert_int_equal(llm_f32_to_f16(0x1p-24f), 0x0001); /* smallest subnormal */
	/* Halfway between 1 and the next half (1 + 2^-10): ties to even (1.0). */
	assert_int_equal(llm_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
	assert_int_equal(llm_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);
	assert_true(isinf(llm_f16_to_f32(0x7c00)));
}

/* Builds an n x cols matrix of type t from random floats. */
static struct llm_matrix make_matrix(enum llm_dtype t, uint32_t rows, uint32_t cols, float *f32, void *buf)
{
	uint8_t *o = buf;
	for (uint32_t r = 0; r < rows; r++) {
		float *row = f32 + (size_t)r * cols;
		uint8_t *dst = o + (size_t)r * llm_row_bytes(t, cols);
		if (t == LLM_DTYPE_F32)
			memcpy(dst, row, (size_t)cols * 4);
		else if (t == LLM_DTYPE_F16)
			for (uint32_t i = 0; i < cols; i++) {
				uint16_t h = llm_f32_to_f16(row[i]);
				memcpy(dst + 2 * i, &h, 2);
			}
		else if (t == LLM_DTYPE_Q4_0)
			llm_quantize_row_q4_0(row, cols, dst);
		else if (t == LLM_DTYPE_Q4_1)
			llm_quantize_row_q4_1(row, cols, dst);
		else if (t == LLM_DTYPE_Q5_0)
			llm_quantize_row_q5_0(row, cols, dst);
		else if (t == LLM_DTYPE_Q5_1)
			llm_quantize_row_q5_1(row, cols, dst);
		else if (t == LLM_DTYPE_Q4_K)
			llm_quantize_row_q4_k(row, cols, dst);
		else if (t == LLM_DTYPE_Q5_K)
			llm_quantize_row_q5_k(row, cols, dst);
		else if (t == LLM_DTYPE_Q6_K)
			llm_quantize_row_q6_k(row, cols, dst);
		else if (t == LLM_DTYPE_Q2_K)
			llm_quantize_row_q2_k(row, cols, dst);
		else if (t == LLM_DTYPE_Q3_K)
			llm_quantize_row_q3_k(row, cols, dst);
		else if (t == LLM_DTYPE_BF16)
			for (uint32_t i = 0; i < cols; i++) {
				uint16_t h = llm_f32_to_bf16(row[i]);
				memcpy(dst + 2 * i, &h, 2);
			}
		else
			llm_quantize_row_q8_0(row, cols, dst);
	}
	return (struct llm_matrix){ buf, t, rows, cols };
}

/* The input forms matrices of type t read, in buffers of the column's own
 * (freed by free_act). */
static struct llm_vec make_act(enum llm_dtype t, const float *x, uint32_t cols)
{
	struct llm_vec v = { .f = x };
	if (llm_dtype_wants_q8(t)) {
		float *scale = malloc((cols / 32 + 1) * 4);
		int8_t *q = malloc(cols);
		llm_quantize_act_q8(x, cols, scale, q);
		v.scale = scale, v.q = q;
	}
	if (llm_dtype_wants_q8_k(t)) {
		float *scale = malloc((cols / 256 + 1) * 4);
		int8_t *q = malloc(cols);
		int16_t *sums = malloc((cols / 16 + 1) * 2);
		llm_quantize_act_q8_k(x, cols, scale, q, sums);
		v.k_scale = scale, v.k_q = q, v.k_sums = sums;
	}
	return v;
}

static void free_act(struct llm_vec *v)
{
	free((void *)v->scale), free((void *)v->q);
	free((void *)v->k_scale), free((void *)v->k_q), free((void *)v->k_sums);
}

static void compare_isas(enum llm_isa isa, enum llm_dtype t, uint32_t rows, uint32_t cols)
{
	float *w = malloc((size_t)rows * cols * 4), *x = malloc((size_t)cols * 4);
	void *buf = malloc((size_t)rows * cols * 4);
	float *a = calloc(rows, 4), *b = calloc(rows, 4), *exact = calloc(rows, 4);
	fill(w, (size_t)rows * cols, rows * 31 + cols);
	fill(x, cols, cols);
	struct llm_matrix m = make_matrix(t, rows, cols, w, buf);
	struct llm_vec v = make_act(t, x, cols);
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, a, 0, rows);
	llm_matvec(isa, &m, &v, b, 0, rows);
	for (uint32_t r = 0; r < rows; r++) {
		double e = 0, mag = 0;
		for (uint32_t i = 0; i < cols; i++) {
			e += (double)w[(size_t)r * cols + i] * x[i];
			mag += fabs((double)w[(size_t)r * cols + i] * x[i]);
		}
		/* Same rounding of the inputs, different summation order. */
		if (fabs(a[r] - b[r]) > 1e-5 * (mag + 1))
			fail_msg("%s %ux%u row %u: portable %g %s %g", llm_dtype_name(t), rows, cols, r, a[r],
				 llm_isa_name(isa), b[r]);
		/* Against the exact product: the type's own precision. */
		double tol = t == LLM_DTYPE_F32 ? 1e-5 : t == LLM_DTYPE_F16 ? 2e-3 : t == LLM_DTYPE_BF16 ? 1e-2
			     : t == LLM_DTYPE_Q8_0 || t == LLM_DTYPE_Q6_K ? 2e-2 : t == LLM_DTYPE_Q2_K ? 0.2 : 0.1;
		if (fabs(a[r] - e) > tol * (mag + 1))
			fail_msg("%s row %u: %g vs exact %g", llm_dtype_name(t), r, a[r], e);
	}
	/* A sub-range writes only its rows. */
	memset(b, 0, rows * 4);
	llm_matvec(isa, &m, &v, b, 1, 3);
	assert_true(b[0] == 0 && b[3 % rows] == (rows > 3 ? 0 : b[3 % rows]));
	free_act(&v);
	free(w), free(x), free(buf), free(a), free(b), free(exact);
}

static void simd_matches_portable(enum llm_isa isa)
{
	if (!llm_isa_available(isa))
		skip();
	const uint32_t cols_f[] = { 1, 7, 8, 15, 16, 17, 31, 64, 100, 288, 777 };
	for (size_t i = 0; i < sizeof(cols_f) / sizeof(cols_f[0]); i++) {
		compare_isas(isa, LLM_DTYPE_F32, 5, cols_f[i]);
		compare_isas(isa, LLM_DTYPE_F16, 5, cols_f[i]);
		compare_isas(isa, LLM_DTYPE_BF16, 5, cols_f[i]);
	}
	const uint32_t cols_q[] = { 32, 64, 96, 288, 768 };
	for (size_t i = 0; i < sizeof(cols_q) / sizeof(cols_q[0]); i++) {
		compare_isas(isa, LLM_DTYPE_Q8_0, 9, cols_q[i]);
		compare_isas(isa, LLM_DTYPE_Q4_0, 9, cols_q[i]);
		compare_isas(isa, LLM_DTYPE_Q5_0, 9, cols_q[i]);
		compare_isas(isa, LLM_DTYPE_Q4_1, 9, cols_q[i]);
		compare_isas(isa, LLM_DTYPE_Q5_1, 9, cols_q[i]);
	}
	const uint32_t cols_k[] = { 256, 512, 768, 2048 };
	for (size_t i = 0; i < sizeof(cols_k) / sizeof(cols_k[0]); i++) {
		compare_isas(isa, LLM_DTYPE_Q4_K, 9, cols_k[i]);
		compare_isas(isa, LLM_DTYPE_Q5_K, 9, cols_k[i]);
		compare_isas(isa, LLM_DTYPE_Q6_K, 9, cols_k[i]);
		compare_isas(isa, LLM_DTYPE_Q2_K, 9, cols_k[i]);
		compare_isas(isa, LLM_DTYPE_Q3_K, 9, cols_k[i]);
	}
}

static void test_avx2_matches_portable(void **state)
{
	(void)state;
	simd_matches_portable(LLM_ISA_AVX2);
}

static void test_avx512_matches_portable(void **state)
{
	(void)state;
	simd_matches_portable(LLM_ISA_AVX512);
}

/* Q8_0's integer dot is exact in every kernel set: the same bits as portable
 * whenever the float steps agree, checked on whole rows of known sums. */
static void test_q8_integer_dots_exact(void **state)
{
	(void)state;
	const enum llm_isa isas[] = { LLM_ISA_AVX2, LLM_ISA_AVX512 };
	uint8_t row[3 * 34];
	int8_t q[96];
	float scale[3] = { 1, 1, 1 }, x[96], out[2];
	for (int b = 0; b < 3; b++) {
		uint16_t one = llm_f32_to_f16(1.0f);
		memcpy(row + 34 * b, &one, 2);
		for (int i = 0; i < 32; i++)
			row[34 * b + 2 + i] = (uint8_t)(int8_t)((i * 37 + b * 11) % 255 - 127);
	}
	for (int i = 0; i < 96; i++)
		q[i] = (int8_t)((i * 53) % 255 - 127), x[i] = q[i];
	struct llm_matrix m = { row, LLM_DTYPE_Q8_0, 1, 96 };
	struct llm_vec v = { .f = x, .scale = scale, .q = q };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, out, 0, 1);
	for (size_t k = 0; k < 2; k++)
		if (llm_isa_available(isas[k])) {
			llm_matvec(isas[k], &m, &v, out + 1, 0, 1);
			assert_true(out[1] == out[0]);
		}
}

/* llm_matmat over n_cols columns against llm_matvec column by column: the
 * same bits, for every row range, with other output entries untouched. */
static void check_matmat(enum llm_isa isa, enum llm_dtype t, uint32_t rows, uint32_t cols, uint32_t n_cols,
			 uint32_t r0, uint32_t r1)
{
	size_t ld = rows + 3; /* a stride wider than the rows: gaps must stay untouched */
	float *w = malloc((size_t)rows * cols * 4), *x = malloc((size_t)n_cols * cols * 4);
	void *buf = malloc((size_t)rows * cols * 4);
	struct llm_vec *xs = calloc(n_cols, sizeof(*xs));
	float *want = malloc(n_cols * ld * 4), *got = malloc(n_cols * ld * 4);
	fill(w, (size_t)rows * cols, rows * 7 + cols);
	fill(x, (size_t)n_cols * cols, n_cols * 13 + cols);
	struct llm_matrix m = make_matrix(t, rows, cols, w, buf);
	for (uint32_t j = 0; j < n_cols; j++)
		xs[j] = make_act(t, x + (size_t)j * cols, cols);
	for (size_t i = 0; i < n_cols * ld; i++)
		want[i] = got[i] = -1234.5f;
	for (uint32_t j = 0; j < n_cols; j++)
		llm_matvec(isa, &m, &xs[j], want + j * ld, r0, r1);
	llm_matmat(isa, &m, xs, n_cols, got, ld, r0, r1);
	for (size_t i = 0; i < n_cols * ld; i++)
		if (memcmp(&want[i], &got[i], 4))
			fail_msg("%s %s %ux%u, %u columns, rows [%u,%u): column %zu row %zu: matvec %a matmat %a",
				 llm_isa_name(isa), llm_dtype_name(t), rows, cols, n_cols, r0, r1, i / ld, i % ld,
				 want[i], got[i]);
	for (uint32_t j = 0; j < n_cols; j++)
		free_act(&xs[j]);
	free(w), free(x), free(buf), free(xs), free(want), free(got);
}

static void test_matmat_equals_matvec(void **state)
{
	(void)state;
	const enum llm_isa isas[] = { LLM_ISA_PORTABLE, LLM_ISA_AVX2, LLM_ISA_AVX512 };
	const uint32_t n_cols[] = { 1, 2, 3, 4, 5, 7, 8, 13, 32 };
	const uint32_t cols_f[] = { 7, 31, 64, 100, 288 };
	const uint32_t cols_q[] = { 32, 96, 288 };
	for (size_t a = 0; a < sizeof(isas) / sizeof(isas[0]); a++) {
		if (!llm_isa_available(isas[a]))
			continue;
		for (size_t n = 0; n < sizeof(n_cols) / sizeof(n_cols[0]); n++) {
			for (size_t i = 0; i < sizeof(cols_f) / sizeof(cols_f[0]); i++) {
				check_matmat(isas[a], LLM_DTYPE_F32, 11, cols_f[i], n_cols[n], 0, 11);
				check_matmat(isas[a], LLM_DTYPE_F16, 11, cols_f[i], n_cols[n], 2, 9);
			}
			for (size_t i = 0; i < sizeof(cols_q) / sizeof(cols_q[0]); i++)
			{
				check_matmat(isas[a], LLM_DTYPE_Q8_0, 11, cols_q[i], n_cols[n], 3, 11);
				check_matmat(isas[a], LLM_DTYPE_Q4_0, 11, cols_q[i], n_cols[n], 3, 11);
				check_matmat(isas[a], LLM_DTYPE_Q5_0, 11, cols_q[i], n_cols[n], 3, 11);
				check_matmat(isas[a], LLM_DTYPE_Q4_1, 11, cols_q[i], n_cols[n], 3, 11);
				check_matmat(isas[a], LLM_DTYPE_Q5_1, 11, cols_q[i], n_cols[n], 3, 11);
			}
			check_matmat(isas[a], LLM_DTYPE_BF16, 11, 100, n_cols[n], 2, 9);
			check_matmat(isas[a], LLM_DTYPE_Q4_K, 11, 512, n_cols[n], 3, 11);
			check_matmat(isas[a], LLM_DTYPE_Q5_K, 11, 256, n_cols[n], 0, 10);
			check_matmat(isas[a], LLM_DTYPE_Q6_K, 11, 512, n_cols[n], 1, 11);
			check_matmat(isas[a], LLM_DTYPE_Q2_K, 11, 256, n_cols[n], 0, 11);
			check_matmat(isas[a], LLM_DTYPE_Q3_K, 11, 512, n_cols[n], 2, 7);
		}
		/* More rows than one cache tile holds (the tiles must join up). */
		check_matmat(isas[a], LLM_DTYPE_F32, 300, 64, 5, 1, 299);
		check_matmat(isas[a], LLM_DTYPE_F16, 700, 32, 6, 0, 700);
		check_matmat(isas[a], LLM_DTYPE_Q8_0, 600, 64, 9, 5, 598);
	}
}

static void test_portable_alone_is_correct(void **state)
{
	(void)state;
	/* compare_isas also checks the portable kernels against the exact
	 * product; run that part on machines without AVX2 too by comparing
	 * portable with itself. */
	float w[6] = { 1, 2, 3, 4, 5, 6 }, x[3] = { 1, -1, 0.5f }, out[2];
	struct llm_matrix m = { w, LLM_DTYPE_F32, 2, 3 };
	struct llm_vec v = { .f = x };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, out, 0, 2);
	assert_true(out[0] == 1 - 2 + 1.5f);
	assert_true(out[1] == 4 - 5 + 3);
}

static void test_q8_extremes_do_not_saturate(void **state)
{
	(void)state;
	/* Weights of -128 (possible in files) against activations of +-127. */
	uint8_t row[34];
	uint16_t one = llm_f32_to_f16(1.0f);
	memcpy(row, &one, 2);
	memset(row + 2, 0x80, 32);
	int8_t q[32];
	float scale = 1.0f, x[32], out[2];
	for (int i = 0; i < 32; i++)
		q[i] = -127, x[i] = -127;
	struct llm_matrix m = { row, LLM_DTYPE_Q8_0, 1, 32 };
	struct llm_vec v = { .f = x, .scale = &scale, .q = q };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, out, 0, 1);
	assert_true(out[0] == 32.0f * 128 * 127);
	const enum llm_isa simd[] = { LLM_ISA_AVX2, LLM_ISA_AVX512 };
	for (size_t k = 0; k < 2; k++)
		if (llm_isa_available(simd[k])) {
			llm_matvec(simd[k], &m, &v, out + 1, 0, 1);
			assert_true(out[1] == out[0]);
		}
}

static void test_quantisation_error_bound(void **state)
{
	(void)state;
	float x[256], back[256], scale[8];
	int8_t q[256];
	fill(x, 256, 3);
	x[5] = 0; /* an all-zero block must not divide by zero */
	memset(x + 32, 0, 32 * 4);
	llm_quantize_act_q8(x, 256, scale, q);
	assert_true(scale[1] == 0);
	for (int b = 0; b < 8; b++)
		for (int i = 0; i < 32; i++) {
			float v = scale[b] * q[b * 32 + i];
			assert_true(fabsf(v - x[b * 32 + i]) <= scale[b] * 0.5f + 1e-7f);
		}
	uint8_t rowq[8 * 34];
	llm_quantize_row_q8_0(x, 256, rowq);
	struct llm_matrix m = { rowq, LLM_DTYPE_Q8_0, 1, 256 };
	llm_matrix_row_f32(&m, 0, back);
	for (int i = 0; i < 256; i++)
		assert_true(fabsf(back[i] - x[i]) <= 1.0f / 127 + 1e-3f);
}

/* A hand-built Q4_0 block: scale 0.5, byte j = (15 - j % 16) << 4 | j,
 * so element j (j < 16) has code j and element j + 16 code 15 - j. */
static void test_q4_0_known_block(void **state)
{
	(void)state;
	uint8_t blk[18];
	uint16_t h = llm_f32_to_f16(0.5f);
	memcpy(blk, &h, 2);
	for (int j = 0; j < 16; j++)
		blk[2 + j] = (uint8_t)((15 - j) << 4 | j);
	struct llm_matrix m = { blk, LLM_DTYPE_Q4_0, 1, 32 };
	float out[32];
	llm_matrix_row_f32(&m, 0, out);
	for (int j = 0; j < 16; j++) {
		assert_true(out[j] == 0.5f * (float)(j - 8));
		assert_true(out[j + 16] == 0.5f * (float)(7 - j));
	}
	/* The dot with an activation of all ones (scale 1): sum of codes - 8. */
	int8_t q[32];
	float x[32], scale = 1.0f, r[2];
	for (int i = 0; i < 32; i++)
		q[i] = 1, x[i] = 1;
	q[0] = 5; /* element 0 (code 0, value -4) weighted 5: -20 instead of -4 */
	struct llm_vec v = { .f = x, .scale = &scale, .q = q };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, r, 0, 1);
	assert_true(r[0] == 0.5f * (-8 * 5 + (-7 - 6 - 5 - 4 - 3 - 2 - 1 + 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) +
				    (7 + 6 + 5 + 4 + 3 + 2 + 1 + 0 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8)));
	if (llm_isa_available(LLM_ISA_AVX2)) {
		llm_matvec(LLM_ISA_AVX2, &m, &v, r + 1, 0, 1);
		assert_true(r[1] == r[0]);
	}
	/* The quantiser round-trips values already on the grid. */
	uint8_t again[18];
	llm_quantize_row_q4_0(out, 32, again);
	assert_memory_equal(again, blk, 18);
}

/* A hand-built Q5_0 block: scale 0.25, nibble of element i = i % 16, fifth
 * bits 0xF0F0F0F0 (set for elements 4..7, 12..15, ...). */
static void test_q5_0_known_block(void **state)
{
	(void)state;
	uint8_t blk[22];
	uint16_t h = llm_f32_to_f16(0.25f);
	memcpy(blk, &h, 2);
	blk[2] = blk[3] = blk[4] = blk[5] = 0xf0;
	for (int j = 0; j < 16; j++)
		blk[6 + j] = (uint8_t)(j << 4 | j);
	struct llm_matrix m = { blk, LLM_DTYPE_Q5_0, 1, 32 };
	float out[32];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 32; i++) {
		int code = (i % 16) | ((i / 4) % 2) << 4;
		if (out[i] != 0.25f * (float)(code - 16))
			fail_msg("element %d: %g, want %g", i, out[i], 0.25 * (code - 16));
	}
	int8_t q[32];
	float x[32], scale = 2.0f, r[2], want = 0;
	for (int i = 0; i < 32; i++) {
		q[i] = (int8_t)(i - 16), x[i] = 0;
		want += out[i] * 2.0f * (float)(i - 16);
	}
	struct llm_vec v = { .f = x, .scale = &scale, .q = q };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, r, 0, 1);
	assert_true(r[0] == want);
	if (llm_isa_available(LLM_ISA_AVX2)) {
		llm_matvec(LLM_ISA_AVX2, &m, &v, r + 1, 0, 1);
		assert_true(r[1] == r[0]);
	}
	/* Element 0 is -4 (code 0), the largest magnitude: the block round-trips. */
	uint8_t again[22];
	llm_quantize_row_q5_0(out, 32, again);
	assert_memory_equal(again, blk, 22);
}

/* A hand-built Q4_1 block: d 0.5, m -1, byte j = j << 4 | j. */
static void test_q4_1_known_block(void **state)
{
	(void)state;
	uint8_t blk[20];
	uint16_t hd = llm_f32_to_f16(0.5f), hm = llm_f32_to_f16(-1.0f);
	memcpy(blk, &hd, 2);
	memcpy(blk + 2, &hm, 2);
	for (int j = 0; j < 16; j++)
		blk[4 + j] = (uint8_t)(j << 4 | j);
	struct llm_matrix m = { blk, LLM_DTYPE_Q4_1, 1, 32 };
	float out[32];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 32; i++)
		assert_true(out[i] == 0.5f * (float)(i % 16) - 1.0f);
	int8_t q[32];
	float x[32], scale = 1.0f, r[2], want = 0;
	for (int i = 0; i < 32; i++) {
		q[i] = (int8_t)(3 - i), x[i] = 0;
		want += out[i] * (float)(3 - i);
	}
	struct llm_vec v = { .f = x, .scale = &scale, .q = q };
	llm_matvec(LLM_ISA_PORTABLE, &m, &v, r, 0, 1);
	assert_true(r[0] == want);
	if (llm_isa_available(LLM_ISA_AVX2)) {
		llm_matvec(LLM_ISA_AVX2, &m, &v, r + 1, 0, 1);
		assert_true(r[1] == r[0]);
	}
	uint8_t again[20];
	llm_quantize_row_q4_1(out, 32, again);
	assert_memory_equal(again, blk, 20);
}

/* The dot of a decoded row with Q8_K activations q (scale 1), in double:
 * what every kernel set must give (the test values keep it exact in float). */
static double row_dot(const float *row, const int8_t *q, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (double)row[i] * q[i];
	return s;
}

/* Activations with a known Q8_K form: scale 1, values q, sums of 16. */
static struct llm_vec known_q8_k(int8_t *q, int16_t *sums, float *scale, float *x, int n, int seed)
{
	for (int i = 0; i < n; i++)
		q[i] = (int8_t)((i * 13 + seed) % 255 - 127), x[i] = 0;
	for (int g = 0; g < n / 16; g++) {
		sums[g] = 0;
		for (int i = 0; i < 16; i++)
			sums[g] = (int16_t)(sums[g] + q[16 * g + i]);
	}
	for (int b = 0; b < n / 256; b++)
		scale[b] = 1.0f;
	return (struct llm_vec){ .f = x, .k_scale = scale, .k_q = q, .k_sums = sums };
}

static void expect_dot(const struct llm_matrix *m, const struct llm_vec *v, double want)
{
	const enum llm_isa isas[] = { LLM_ISA_PORTABLE, LLM_ISA_AVX2, LLM_ISA_AVX512 };
	for (size_t k = 0; k < 3; k++) {
		if (!llm_isa_available(isas[k]))
			continue;
		float r = 0;
		llm_matvec(isas[k], m, v, &r, 0, 1);
		if ((double)r != want)
			fail_msg("%s %s: dot %.9g, want %.9g", llm_isa_name(isas[k]), llm_dtype_name(m->type), r, want);
	}
}

/* Q4_K and Q5_K scale bytes as the format lays them out: scales 0-3 and
 * mins 0-3 in the low six bits of bytes 0-3 and 4-7, scales and mins 4-7
 * as low nibbles in bytes 8-11 and top two bits in bytes 0-3 / 4-7. */
static void pack_k_scales(const uint8_t sc[8], const uint8_t mn[8], uint8_t *p)
{
	for (int j = 0; j < 4; j++) {
		p[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
		p[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
		p[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
	}
}

static const uint8_t k_sc[8] = { 1, 2, 3, 63, 17, 33, 48, 5 };
static const uint8_t k_mn[8] = { 0, 1, 2, 3, 20, 40, 63, 7 };

/* A hand-built Q4_K super-block: d 0.5, dmin 0.25, the scales above, code
 * of element i (i * 7) % 16; 64 elements per 32 bytes, low nibbles first. */
static void test_q4_k_known_block(void **state)
{
	(void)state;
	uint8_t blk[144];
	uint16_t hd = llm_f32_to_f16(0.5f), hm = llm_f32_to_f16(0.25f);
	memcpy(blk, &hd, 2);
	memcpy(blk + 2, &hm, 2);
	pack_k_scales(k_sc, k_mn, blk + 4);
	for (int c = 0; c < 4; c++)
		for (int l = 0; l < 32; l++)
			blk[16 + 32 * c + l] = (uint8_t)(((64 * c + l) * 7) % 16 | (((64 * c + 32 + l) * 7) % 16) << 4);
	struct llm_matrix m = { blk, LLM_DTYPE_Q4_K, 1, 256 };
	float out[256];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 256; i++) {
		float want = 0.5f * k_sc[i / 32] * (float)((i * 7) % 16) - 0.25f * k_mn[i / 32];
		if (out[i] != want)
			fail_msg("element %d: %g, want %g", i, out[i], want);
	}
	int8_t q[256];
	int16_t sums[16];
	float scale, x[256];
	struct llm_vec v = known_q8_k(q, sums, &scale, x, 256, 5);
	expect_dot(&m, &v, row_dot(out, q, 256));
}

/* Q5_K: as the Q4_K block, codes (i * 11) % 32, the fifth bit of element
 * 64c + l in bit 2c of qh[l], of element 64c + 32 + l in bit 2c + 1. */
static void test_q5_k_known_block(void **state)
{
	(void)state;
	uint8_t blk[176];
	uint16_t hd = llm_f32_to_f16(0.5f), hm = llm_f32_to_f16(1.0f);
	memcpy(blk, &hd, 2);
	memcpy(blk + 2, &hm, 2);
	pack_k_scales(k_sc, k_mn, blk + 4);
	memset(blk + 16, 0, 32);
	for (int c = 0; c < 4; c++)
		for (int l = 0; l < 32; l++) {
			int lo = ((64 * c + l) * 11) % 32, hi = ((64 * c + 32 + l) * 11) % 32;
			blk[48 + 32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
			blk[16 + l] |= (uint8_t)((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
		}
	struct llm_matrix m = { blk, LLM_DTYPE_Q5_K, 1, 256 };
	float out[256];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 256; i++) {
		float want = 0.5f * k_sc[i / 32] * (float)((i * 11) % 32) - 1.0f * k_mn[i / 32];
		if (out[i] != want)
			fail_msg("element %d: %g, want %g", i, out[i], want);
	}
	int8_t q[256];
	int16_t sums[16];
	float scale, x[256];
	struct llm_vec v = known_q8_k(q, sums, &scale, x, 256, 11);
	expect_dot(&m, &v, row_dot(out, q, 256));
}

/* A hand-built Q6_K super-block: d 0.125, int8 scale of sub-block g
 * 9g - 70, code of element i (i * 5) % 64 (value code - 32). Per half of
 * 128: ql[l] holds elements l (low nibble) and l + 64, ql[l + 32] elements
 * l + 32 and l + 96; qh[l] their top two bits at shifts 0, 2, 4, 6. */
static void test_q6_k_known_block(void **state)
{
	(void)state;
	uint8_t blk[210];
	for (int h = 0; h < 2; h++)
		for (int l = 0; l < 32; l++) {
			int c[4];
			for (int k = 0; k < 4; k++)
				c[k] = ((128 * h + 32 * k + l) * 5) % 64;
			blk[64 * h + l] = (uint8_t)((c[0] & 15) | (c[2] & 15) << 4);
			blk[64 * h + l + 32] = (uint8_t)((c[1] & 15) | (c[3] & 15) << 4);
			blk[128 + 32 * h + l] = (uint8_t)((c[0] >> 4) | (c[1] >> 4) << 2 | (c[2] >> 4) << 4 | (c[3] >> 4) << 6);
		}
	for (int g = 0; g < 16; g++)
		blk[192 + g] = (uint8_t)(int8_t)(9 * g - 70);
	uint16_t hd = llm_f32_to_f16(0.125f);
	memcpy(blk + 208, &hd, 2);
	struct llm_matrix m = { blk, LLM_DTYPE_Q6_K, 1, 256 };
	float out[256];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 256; i++) {
		float want = 0.125f * (float)(9 * (i / 16) - 70) * (float)((i * 5) % 64 - 32);
		if (out[i] != want)
			fail_msg("element %d: %g, want %g", i, out[i], want);
	}
	int8_t q[256];
	int16_t sums[16];
	float scale, x[256];
	struct llm_vec v = known_q8_k(q, sums, &scale, x, 256, 3);
	expect_dot(&m, &v, row_dot(out, q, 256));
}

/* A hand-built Q2_K super-block: scale/min byte g = (g % 16) | (15 - g) << 4,
 * code of element i (i * 3) % 4 in bits 2j of byte 32n + l for element
 * 128n + 32j + l; d 0.5, dmin 0.25 after the codes. */
static void test_q2_k_known_block(void **state)
{
	(void)state;
	uint8_t blk[84];
	for (int g = 0; g < 16; g++)
		blk[g] = (uint8_t)(g | (15 - g) << 4);
	memset(blk + 16, 0, 64);
	for (int i = 0; i < 256; i++)
		blk[16 + 32 * (i / 128) + i % 32] |= (uint8_t)(((i * 3) % 4) << (2 * ((i % 128) / 32)));
	uint16_t hd = llm_f32_to_f16(0.5f), hm = llm_f32_to_f16(0.25f);
	memcpy(blk + 80, &hd, 2);
	memcpy(blk + 82, &hm, 2);
	struct llm_matrix m = { blk, LLM_DTYPE_Q2_K, 1, 256 };
	float out[256];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 256; i++) {
		int g = i / 16;
		float want = 0.5f * (float)g * (float)((i * 3) % 4) - 0.25f * (float)(15 - g);
		if (out[i] != want)
			fail_msg("element %d: %g, want %g", i, out[i], want);
	}
	int8_t q[256];
	int16_t sums[16];
	float scale, x[256];
	struct llm_vec v = known_q8_k(q, sums, &scale, x, 256, 7);
	expect_dot(&m, &v, row_dot(out, q, 256));
}

/* A hand-built Q3_K super-block: third bit of element i set when i % 3 == 0
 * (bit 4n + j of hmask[l]), low bits (i * 5) % 4 as in Q2_K, six-bit scale
 * of sub-block g 4g + 1 (value 4g - 31): low nibbles of scales 0-7 in bytes
 * 0-7, of 8-15 in their high nibbles, top two bits of scale 4q + j in bits
 * 2q of byte 8 + j; d 0.125 last. */
static void test_q3_k_known_block(void **state)
{
	(void)state;
	uint8_t blk[110];
	memset(blk, 0, 108);
	for (int i = 0; i < 256; i++) {
		int n = i / 128, j = (i % 128) / 32, l = i % 32;
		blk[l] |= (uint8_t)((i % 3 == 0) << (4 * n + j));
		blk[32 + 32 * n + l] |= (uint8_t)(((i * 5) % 4) << (2 * j));
	}
	for (int g = 0; g < 16; g++) {
		int u = 4 * g + 1;
		blk[96 + g % 8] |= (uint8_t)((u & 15) << (g < 8 ? 0 : 4));
		blk[96 + 8 + g % 4] |= (uint8_t)((u >> 4) << (2 * (g / 4)));
	}
	uint16_t hd = llm_f32_to_f16(0.125f);
	memcpy(blk + 108, &hd, 2);
	struct llm_matrix m = { blk, LLM_DTYPE_Q3_K, 1, 256 };
	float out[256];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 256; i++) {
		int code = (i * 5) % 4 | (i % 3 == 0) << 2;
		float want = 0.125f * (float)(4 * (i / 16) - 31) * (float)(code - 4);
		if (out[i] != want)
			fail_msg("element %d: %g, want %g", i, out[i], want);
	}
	int8_t q[256];
	int16_t sums[16];
	float scale, x[256];
	struct llm_vec v = known_q8_k(q, sums, &scale, x, 256, 9);
	expect_dot(&m, &v, row_dot(out, q, 256));
}

/* A hand-built Q5_1 block: d 0.5, m -3, fifth bits 0xa5a5f00f, nibble of
 * element i i % 16. */
static void test_q5_1_known_block(void **state)
{
	(void)state;
	uint8_t blk[24];
	uint16_t hd = llm_f32_to_f16(0.5f), hm = llm_f32_to_f16(-3.0f);
	memcpy(blk, &hd, 2);
	memcpy(blk + 2, &hm, 2);
	const uint32_t high = 0xa5a5f00fu;
	for (int k = 0; k < 4; k++)
		blk[4 + k] = (uint8_t)(high >> 8 * k);
	for (int j = 0; j < 16; j++)
		blk[8 + j] = (uint8_t)(j << 4 | j);
	struct llm_matrix m = { blk, LLM_DTYPE_Q5_1, 1, 32 };
	float out[32];
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 32; i++) {
		int code = (i % 16) | (int)((high >> i) & 1) << 4;
		if (out[i] != 0.5f * (float)code - 3.0f)
			fail_msg("element %d: %g, want %g", i, out[i], 0.5 * code - 3);
	}
	int8_t q[32];
	float x[32], scale = 1.0f;
	double want = 0;
	for (int i = 0; i < 32; i++) {
		q[i] = (int8_t)(7 * i - 100), x[i] = 0;
		want += (double)out[i] * q[i];
	}
	struct llm_vec v = { .f = x, .scale = &scale, .q = q };
	expect_dot(&m, &v, want);
}

static void test_bf16(void **state)
{
	(void)state;
	assert_int_equal(llm_f32_to_bf16(1.0f), 0x3f80);
	assert_int_equal(llm_f32_to_bf16(-2.5f), 0xc020);
	/* Halfway cases round to even; just above halfway rounds up. */
	assert_int_equal(llm_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);
	assert_int_equal(llm_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);
	assert_int_equal(llm_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
	assert_true(isnan(llm_bf16_to_f32(llm_f32_to_bf16(NAN))));
	assert_true(isinf(llm_bf16_to_f32(llm_f32_to_bf16(INFINITY))));
	uint16_t row[8];
	float x[8], out[8], want = 0;
	for (int i = 0; i < 8; i++) {
		row[i] = (uint16_t)(0x3f80 + 0x10 * i); /* 1, 1.125, ... */
		x[i] = (float)(i - 3);
	}
	struct llm_matrix m = { row, LLM_DTYPE_BF16, 1, 8 };
	llm_matrix_row_f32(&m, 0, out);
	for (int i = 0; i < 8; i++) {
		assert_true(out[i] == 1.0f + 0.125f * (float)i);
		want += out[i] * x[i];
	}
	struct llm_vec v = { .f = x };
	expect_dot(&m, &v, want);
}

/* Q8_K: per 256 values the peak becomes -127 (its scale carries the sign),
 * every value is within half a step, the sums of 16 are the codes' sums,
 * and an all-zero block has scale 0 and zero codes and sums. */
static void test_q8_k_activations(void **state)
{
	(void)state;
	float x[512], scale[2];
	int8_t q[512];
	int16_t sums[32];
	fill(x, 256, 17);
	x[100] = 2.0f;
	memset(x + 256, 0, 256 * 4);
	memset(sums, 0x55, sizeof(sums));
	llm_quantize_act_q8_k(x, 512, scale, q, sums);
	assert_true(q[100] == -127);
	assert_true(fabsf(scale[0] * -127 - 2.0f) < 1e-6f);
	for (int i = 0; i < 256; i++)
		assert_true(fabsf(scale[0] * q[i] - x[i]) <= fabsf(scale[0]) * 0.5f + 1e-6f);
	for (int g = 0; g < 16; g++) {
		int s = 0;
		for (int i = 0; i < 16; i++)
			s += q[16 * g + i];
		assert_int_equal(sums[g], s);
	}
	assert_true(scale[1] == 0);
	for (int i = 256; i < 512; i++)
		assert_int_equal(q[i], 0);
	for (int g = 16; g < 32; g++)
		assert_int_equal(sums[g], 0);
}

/* The K-quant and Q5_1 quantisers stay within their formats' precision:
 * about a step / sqrt(12) for values uniform in [-1, 1] (Q5_1: 2 / 31 per
 * step; Q4_K, Q5_K: a sub-block's range over 15 or 31; Q6_K: its peak / 32;
 * Q2_K: a range of 16 values over 3; Q3_K: their peak / 4). */
static void test_quantisers_error(void **state)
{
	(void)state;
	const struct { enum llm_dtype t; double rms; } c[] = {
		{ LLM_DTYPE_Q5_1, 0.02 }, { LLM_DTYPE_Q4_K, 0.045 }, { LLM_DTYPE_Q5_K, 0.022 }, { LLM_DTYPE_Q6_K, 0.011 },
		{ LLM_DTYPE_Q2_K, 0.2 }, { LLM_DTYPE_Q3_K, 0.08 },
	};
	float x[1024], back[1024];
	uint8_t buf[1024 * 4];
	fill(x, 1024, 99);
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct llm_matrix m = make_matrix(c[k].t, 1, 1024, x, buf);
		llm_matrix_row_f32(&m, 0, back);
		double e = 0;
		for (int i = 0; i < 1024; i++)
			e += ((double)back[i] - x[i]) * ((double)back[i] - x[i]);
		e = sqrt(e / 1024);
		if (e > c[k].rms)
			fail_msg("%s: rms error %g above %g", llm_dtype_name(c[k].t), e, c[k].rms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f16_round_trip_all_values),
		cmocka_unit_test(test_f16_rounding),
		cmocka_unit_test(test_avx2_matches_portable),
		cmocka_unit_test(test_avx512_matches_portable),
		cmocka_unit_test(test_q8_integer_dots_exact),
		cmocka_unit_test(test_matmat_equals_matvec),
		cmocka_unit_test(test_portable_alone_is_correct),
		cmocka_unit_test(test_q8_extremes_do_not_saturate),
		cmocka_unit_test(test_quantisation_error_bound),
		cmocka_unit_test(test_q4_0_known_block),
		cmocka_unit_test(test_q5_0_known_block),
		cmocka_unit_test(test_q4_1_known_block),
		cmocka_unit_test(test_q4_k_known_block),
		cmocka_unit_test(test_q5_k_known_block),
		cmocka_unit_test(test_q6_k_known_block),
		cmocka_unit_test(test_q2_k_known_block),
		cmocka_unit_test(test_q3_k_known_block),
		cmocka_unit_test(test_q5_1_known_block),
		cmocka_unit_test(test_bf16),
		cmocka_unit_test(test_q8_k_activations),
		cmocka_unit_test(test_quantisers_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * AVX-512 matvec and multi-column matmat kernels (AVX512F/BW/VL with VNNI,
 * FMA and F16C: Ice Lake, Sapphire Rapids, Zen 4 and later). Compiled with
 * per-function target attributes, so the library still runs on CPUs
 * without them: kernels.c calls these only after checking CPUID and that
 * the OS saves the ZMM state (XGETBV).
 *
 * Every kernel is written once for a number of columns nc, and the matvec
 * is its one-column case: a column's accumulators, lane split and final
 * reduction are the same whatever nc, so llm_matmat equals llm_matvec per
 * column bit for bit, as the engine's batched prompt relies on. A row
 * length that is not a multiple of the vector width ends with one masked
 * step, not a scalar loop.
 *
 * Q8_0: two 32-byte blocks per ZMM register. VNNI's vpdpbusd multiplies
 * unsigned by signed bytes, so the weights go in as |w| and the
 * activations with w's sign moved onto them; activations are within
 * [-127, 127], so nothing overflows, and the four-product int32 sums are
 * exact (vpdpbusd does not saturate).
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "kernels_internal.h"

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq,fma,f16c")))
#define INLINE_AVX512 AVX512 static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")

/* Columns per weight load: accumulators stay in the 32 ZMM registers. */
#define COLS_F32 4  /* x 4 accumulators */
#define COLS_F16 4  /* x 2 */
#define COLS_Q8_0 4 /* x 1 */

INLINE_AVX512 void cols_f32(const float *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			    size_t ld)
{
	const float *xf[COLS_F32];
	__m512 a[COLS_F32][4];
	UNROLL for (unsigned c = 0; c < nc; c++) {
		xf[c] = x[c].f;
		UNROLL for (int k = 0; k < 4; k++)
			a[c][k] = _mm512_setzero_ps();
	}
	uint32_t i = 0;
	for (; i + 64 <= n; i += 64)
		UNROLL for (int k = 0; k < 4; k++) {
			__m512 wv = _mm512_loadu_ps(w + i + 16 * k);
			UNROLL for (unsigned c = 0; c < nc; c++)
				a[c][k] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xf[c] + i + 16 * k), a[c][k]);
		}
	for (; i + 16 <= n; i += 16) {
		__m512 wv = _mm512_loadu_ps(w + i);
		UNROLL for (unsigned c = 0; c < nc; c++)
			a[c][0] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xf[c] + i), a[c][0]);
	}
	if (i < n) {
		__mmask16 m = (__mmask16)((1u << (n - i)) - 1);
		__m512 wv = _mm512_maskz_loadu_ps(m, w + i);
		UNROLL for (unsigned c = 0; c < nc; c++)
			a[c][1] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, xf[c] + i), a[c][1]);
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[c][0], a[c][1]),
								 _mm512_add_ps(a[c][2], a[c][3])));
}

INLINE_AVX512 void cols_f16(const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			    size_t ld)
{
	const float *xf[COLS_F16];
	__m512 a[COLS_F16][2];
	UNROLL for (unsigned c = 0; c < nc; c++) {
		xf[c] = x[c].f;
		a[c][0] = a[c][1] = _mm512_setzero_ps();
	}
	uint32_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(w + 2 * (size_t)i)));
		__m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(w + 2 * (size_t)i + 32)));
		UNROLL for (unsigned c = 0; c < nc; c++) {
			a[c][0] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(xf[c] + i), a[c][0]);
			a[c][1] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xf[c] + i + 16), a[c][1]);
		}
	}
	for (; i < n; i += 16) {
		uint32_t left = n - i < 16 ? n - i : 16;
		__mmask16 m = (__mmask16)((1u << left) - 1);
		__m512 wv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + 2 * (size_t)i));
		UNROLL for (unsigned c = 0; c < nc; c++)
			a[c][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, xf[c] + i), a[c][0]);
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = _mm512_reduce_add_ps(_mm512_add_ps(a[c][0], a[c][1]));
}

/* Block b's scale times each column's activation scale, for lanes [8h, 8h+8). */
INLINE_AVX512 float q8_scale(const uint8_t *blk)
{
	uint16_t h;
	memcpy(&h, blk, 2);
	return _cvtsh_ss(h);
}

INLINE_AVX512 void cols_q8_0(const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			     size_t ld)
{
	__m512 acc[COLS_Q8_0];
	uint32_t nb = n / 32, b = 0;
	UNROLL for (unsigned c = 0; c < nc; c++)
		acc[c] = _mm512_setzero_ps();
	for (; b + 2 <= nb; b += 2) {
		const uint8_t *b0 = w + (size_t)b * LLM_Q8_0_BLOCK_BYTES, *b1 = b0 + LLM_Q8_0_BLOCK_BYTES;
		__m512i wq = _mm512_inserti64x4(
			_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(b0 + 2))),
			_mm256_loadu_si256((const __m256i *)(const void *)(b1 + 2)), 1);
		__m512i wabs = _mm512_abs_epi8(wq);
		__mmask64 neg = _mm512_movepi8_mask(wq);
		float d0 = q8_scale(b0), d1 = q8_scale(b1);
		UNROLL for (unsigned c = 0; c < nc; c++) {
			__m512i xq = _mm512_loadu_si512((const void *)(x[c].q + (size_t)b * 32));
			xq = _mm512_mask_sub_epi8(xq, neg, _mm512_setzero_si512(), xq);
			__m512 p = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wabs, xq));
			__m512 d = _mm512_insertf32x8(_mm512_set1_ps(d0 * x[c].scale[b]),
						      _mm256_set1_ps(d1 * x[c].scale[b + 1]), 1);
			acc[c] = _mm512_fmadd_ps(d, p, acc[c]);
		}
	}
	if (b < nb) { /* an odd last block, in the low half */
		const uint8_t *b0 = w + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
		__m512i wq = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(b0 + 2)));
		wq = _mm512_inserti64x4(wq, _mm256_setzero_si256(), 1);
		__m512i wabs = _mm512_abs_epi8(wq);
		__mmask64 neg = _mm512_movepi8_mask(wq);
		float d0 = q8_scale(b0);
		UNROLL for (unsigned c = 0; c < nc; c++) {
			__m512i xq = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(x[c].q + (size_t)b * 32)));
			xq = _mm512_inserti64x4(xq, _mm256_setzero_si256(), 1);
			xq = _mm512_mask_sub_epi8(xq, neg, _mm512_setzero_si512(), xq);
			__m512 p = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wabs, xq));
			__m512 d = _mm512_insertf32x8(_mm512_set1_ps(d0 * x[c].scale[b]), _mm256_setzero_ps(), 1);
			acc[c] = _mm512_fmadd_ps(d, p, acc[c]);
		}
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = _mm512_reduce_add_ps(acc[c]);
}

/* One row against columns xs[0..nc), each count its own inlined copy. */
AVX512 static void row_cols(enum llm_dtype t, const uint8_t *row, const struct llm_vec *xs, unsigned nc,
			    uint32_t n, float *out, size_t ld)
{
#define BY_COUNT(fn, first)                                   \
	do {                                                  \
		if (nc == 4)                                  \
			fn(first, xs, 4, n, out, ld);         \
		else if (nc == 3)                             \
			fn(first, xs, 3, n, out, ld);         \
		else if (nc == 2)                             \
			fn(first, xs, 2, n, out, ld);         \
		else                                          \
			fn(first, xs, 1, n, out, ld);         \
	} while (0)
	switch (t) {
	case LLM_DTYPE_F32:
		BY_COUNT(cols_f32, (const float *)(const void *)row);
		break;
	case LLM_DTYPE_F16:
		BY_COUNT(cols_f16, row);
		break;
	case LLM_DTYPE_Q8_0:
		BY_COUNT(cols_q8_0, row);
		break;
	default:
		break;
	}
#undef BY_COUNT
}

bool llm_avx512_handles(enum llm_dtype t)
{
	return t == LLM_DTYPE_F32 || t == LLM_DTYPE_F16 || t == LLM_DTYPE_Q8_0;
}

AVX512 void llm_matvec_avx512(const struct llm_matrix *w, const struct llm_vec *x, float *out, uint32_t r0,
			      uint32_t r1)
{
	size_t row_bytes = llm_row_bytes(w->type, w->cols);
	const uint8_t *base = w->data;

	for (uint32_t r = r0; r < r1; r++)
		row_cols(w->type, base + (size_t)r * row_bytes, x, 1, w->cols, out + r, 0);
}

/* Weight bytes per row tile: rows stay in L1 while every column group reads them. */
#define TILE_BYTES (16u << 10)

AVX512 bool llm_matmat_avx512(const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols, float *out,
			      size_t ld, uint32_t r0, uint32_t r1)
{
	if (!llm_avx512_handles(w->type))
		return false;
	const unsigned group = 4; /* COLS_F32 == COLS_F16 == COLS_Q8_0 */
	size_t row_bytes = llm_row_bytes(w->type, w->cols);
	uint32_t tile = row_bytes >= TILE_BYTES ? 1 : (uint32_t)(TILE_BYTES / row_bytes);
	const uint8_t *base = w->data;
	for (uint32_t t0 = r0; t0 < r1; t0 += tile) {
		uint32_t t1 = r1 - t0 > tile ? t0 + tile : r1;
		for (uint32_t j = 0; j < n_cols; j += group) {
			unsigned nc = n_cols - j < group ? n_cols - j : group;
			for (uint32_t r = t0; r < t1; r++)
				row_cols(w->type, base + (size_t)r * row_bytes, xs + j, nc, w->cols, out + j * ld + r, ld);
		}
	}
	return true;
}
#endif

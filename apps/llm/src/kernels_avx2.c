/*
 * AVX2/FMA/F16C matvec and multi-column matmat kernels. Compiled with per-function target
 * attributes rather than -mavx2 for the file, so the library still runs on
 * CPUs without AVX2: kernels.c only calls these after checking the CPU.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "kernels_internal.h"

#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/* Weight rows are read once per token, front to back, and this CPU's
 * hardware prefetcher alone left the K-quant kernels waiting on memory
 * (caec bench llm, stories110M shapes, Q4_K_M: 101 tok/s without these
 * hints, 172 with; 1 to 4 KiB ahead measured alike). */
#define PREFETCH_AHEAD 2048

static inline void prefetch_ahead(const uint8_t *blk, size_t bytes)
{
	for (size_t o = 0; o < bytes; o += 64)
		_mm_prefetch((const char *)blk + PREFETCH_AHEAD + o, _MM_HINT_T0);
}

AVX2 static float dot_f32(const float *w, const float *x, uint32_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	uint32_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
		a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
		a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
		a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
	}
	for (; i + 8 <= n; i += 8)
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
	float s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; i < n; i++)
		s += w[i] * x[i];
	return s;
}

AVX2 static float dot_f16(const uint8_t *w, const float *x, uint32_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	uint32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w + 2 * (size_t)i)));
		__m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w + 2 * (size_t)i + 16)));
		a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), a0);
		a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), a1);
	}
	float s = hsum(_mm256_add_ps(a0, a1));
	for (; i < n; i++) {
		uint16_t h;
		memcpy(&h, w + 2 * (size_t)i, 2);
		s += _cvtsh_ss(h) * x[i];
	}
	return s;
}

/* BF16 is the top half of an F32: widen and shift into place. */
AVX2 static float dot_bf16(const uint8_t *w, const float *x, uint32_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	uint32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i h = _mm256_loadu_si256((const __m256i *)(const void *)(w + 2 * (size_t)i));
		__m256 w0 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(h)), 16));
		__m256 w1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(h, 1)), 16));
		a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), a0);
		a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), a1);
	}
	float s = hsum(_mm256_add_ps(a0, a1));
	for (; i < n; i++) {
		uint16_t h;
		memcpy(&h, w + 2 * (size_t)i, 2);
		s += llm_bf16_to_f32(h) * x[i];
	}
	return s;
}

/* Sum over one block of w[i] * x[i] as 8 int32 lanes. sign_epi8 moves the
 * sign of w onto x so maddubs (unsigned x signed) sees |w| and +-x; with x
 * in [-127, 127] no 16-bit pair sum can saturate. */
AVX2 static inline __m256i block_dot(const uint8_t *wq, const int8_t *xq)
{
	__m256i w = _mm256_loadu_si256((const __m256i *)(const void *)wq);
	__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)xq);
	__m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
	return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

AVX2 static float dot_q8_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	__m256 acc = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
		prefetch_ahead(blk, LLM_Q8_0_BLOCK_BYTES);
		uint16_t h;
		memcpy(&h, blk, 2);
		__m256 d = _mm256_set1_ps(_cvtsh_ss(h) * x->scale[b]);
		__m256 p = _mm256_cvtepi32_ps(block_dot(blk + 2, x->q + (size_t)b * 32));
		acc = _mm256_fmadd_ps(d, p, acc);
	}
	return hsum(acc);
}

/* Q4_0 against Q8 activations: the nibbles are unpacked to int8 codes in
 * [-8, 7] (low nibbles are elements 0..15, high ones 16..31) and then
 * take the same signed dot as Q8_0. */
AVX2 static float dot_q4_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m128i mask = _mm_set1_epi8(15);
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q4_0_BLOCK_BYTES;
		uint16_t h;
		memcpy(&h, blk, 2);
		__m128i raw = _mm_loadu_si128((const __m128i *)(const void *)(blk + 2));
		__m256i codes = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
		codes = _mm256_sub_epi8(codes, _mm256_set1_epi8(8));
		uint8_t tmp[32];
		_mm256_storeu_si256((__m256i *)(void *)tmp, codes);
		__m256 d = _mm256_set1_ps(_cvtsh_ss(h) * x->scale[b]);
		__m256 p = _mm256_cvtepi32_ps(block_dot(tmp, x->q + (size_t)b * 32));
		acc = _mm256_fmadd_ps(d, p, acc);
	}
	return hsum(acc);
}

/*
 * The K-quant kernels keep a super-block's sums integer (int32 lanes) and
 * fold them into float lanes once per super-block; the sub-block
 * minimums (Q4_K, Q5_K) meet the activation's sums of 16 in a second set of
 * float lanes. The float rounding differs from the portable kernel's (one
 * rounding per lane rather than per super-block), within the tests'
 * tolerance; the integers are the same.
 */


/* The 6-bit scales and mins of Q4_K/Q5_K, four per 32-bit word: the
 * unpacking of llm_k_scales_unpack done a word at a time. */
static inline void k_scales_words(const uint8_t *p, uint32_t sc[2], uint32_t mn[2])
{
	uint32_t a, b, c;
	memcpy(&a, p, 4);
	memcpy(&b, p + 4, 4);
	memcpy(&c, p + 8, 4);
	sc[0] = a & 0x3f3f3f3fu;
	mn[0] = b & 0x3f3f3f3fu;
	sc[1] = (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4;
	mn[1] = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4;
}

/* Sub-block scale j of a Q4_K/Q5_K super-block in every 16-bit lane, from
 * the scales as int16 in both 128-bit halves of s16. */
#define K_SCALE(s16, j) _mm256_shuffle_epi8((s16), _mm256_set1_epi16((short)(0x0100 + 0x0202 * (j))))

/* sum over j of mn[j] * (bsum[2j] + bsum[2j + 1]) in int32 lanes. */
AVX2 static inline __m256i k_min_sums(const uint32_t mn[2], const int16_t *bs)
{
	__m128i m8 = _mm_set_epi32(0, 0, (int)mn[1], (int)mn[0]);
	__m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)); /* each min twice */
	__m256i b16 = _mm256_loadu_si256((const __m256i *)(const void *)bs);
	return _mm256_madd_epi16(m16, b16);
}

/*
 * Q4_K against Q8_K: per 64 values one 32-byte load gives the codes of two
 * sub-blocks (low and high nibbles); maddubs (codes 0..15 unsigned, x
 * signed: no 16-bit saturation) then madd with the sub-block's scale gives
 * int32 lanes.
 */
AVX2 static float dot_q4_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	const __m256i mask = _mm256_set1_epi8(15);
	__m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q4_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		prefetch_ahead(blk, LLM_Q4_K_BLOCK_BYTES);
		uint32_t sc[2], mn[2];
		k_scales_words(blk + 4, sc, mn);
		__m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sc[1], (int)sc[0])));
		__m256i sum = _mm256_setzero_si256();
		for (int c = 0; c < 4; c++) {
			__m256i q = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 16 + 32 * c));
			__m256i lo = _mm256_and_si256(q, mask), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
			__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 64 * c));
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 64 * c + 32));
			__m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), K_SCALE(s16, 2 * c));
			__m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), K_SCALE(s16, 2 * c + 1));
			sum = _mm256_add_epi32(sum, _mm256_add_epi32(p0, p1));
		}
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		float dx = x->k_scale[b];
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(hd)), _mm256_cvtepi32_ps(sum), acc);
		accm = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(hm)),
				       _mm256_cvtepi32_ps(k_min_sums(mn, x->k_sums + (size_t)b * 16)), accm);
	}
	return hsum(acc) - hsum(accm);
}

/*
 * Q6_K against Q8_K: the 6-bit codes are taken unsigned (0..63, so maddubs
 * applies) and the offset of 32 comes back through the activation's sums of
 * 16: sum sc * (code - 32) * x = sum sc * code * x - 32 * sum sc * bsum.
 */
AVX2 static float dot_q6_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	const __m256i m4 = _mm256_set1_epi8(15), m2 = _mm256_set1_epi8(3);
	/* Sub-blocks 2k (low 128 bits) and 2k + 1 (high) of a half's eight scales. */
	const __m256i pick[4] = {
		_mm256_set_epi64x(0x0302030203020302, 0x0302030203020302, 0x0100010001000100, 0x0100010001000100),
		_mm256_set_epi64x(0x0706070607060706, 0x0706070607060706, 0x0504050405040504, 0x0504050405040504),
		_mm256_set_epi64x(0x0b0a0b0a0b0a0b0a, 0x0b0a0b0a0b0a0b0a, 0x0908090809080908, 0x0908090809080908),
		_mm256_set_epi64x(0x0f0e0f0e0f0e0f0e, 0x0f0e0f0e0f0e0f0e, 0x0d0c0d0c0d0c0d0c, 0x0d0c0d0c0d0c0d0c),
	};
	__m256 acc = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q6_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		prefetch_ahead(blk, LLM_Q6_K_BLOCK_BYTES);
		const int8_t *sc = (const int8_t *)(blk + 192);
		__m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)sc));
		__m256i bs16 = _mm256_loadu_si256((const __m256i *)(const void *)(x->k_sums + (size_t)b * 16));
		__m256i sum = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs16), 5));
		for (int h = 0; h < 2; h++) {
			const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
			__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)ql);
			__m256i bq = _mm256_loadu_si256((const __m256i *)(const void *)(ql + 32));
			__m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)qh);
			__m256i half = _mm256_broadcastsi128_si256(
				_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(sc + 8 * h))));
			__m256i code[4] = {
				_mm256_or_si256(_mm256_and_si256(a, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4)),
				_mm256_or_si256(_mm256_and_si256(bq, m4),
						_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4)),
				_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4),
						_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4)),
				_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bq, 4), m4),
						_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4)),
			};
			for (int k = 0; k < 4; k++) {
				/* values 128h + 32k + [0, 32): sub-blocks 8h + 2k and 8h + 2k + 1 */
				__m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 128 * h + 32 * k));
				__m256i scv = _mm256_shuffle_epi8(half, pick[k]);
				sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(code[k], xv), scv));
			}
		}
		uint16_t hd;
		memcpy(&hd, blk + 208, 2);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(x->k_scale[b] * _cvtsh_ss(hd)), _mm256_cvtepi32_ps(sum), acc);
	}
	return hsum(acc);
}

/* Byte i of the result is 0xff where bit i of bits is set. */
AVX2 static inline __m256i bits_to_bytes(uint32_t bits)
{
	const __m256i spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
	const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
	__m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
	return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}

/* The 32 five-bit codes (0..31, element order) of a Q5_0/Q5_1 block from
 * its fifth-bit word and 16 bytes of nibbles. */
AVX2 static inline __m256i codes_q5(const uint8_t *hb, const uint8_t *qs)
{
	const __m128i mask = _mm_set1_epi8(15);
	uint32_t high;
	memcpy(&high, hb, 4);
	__m128i raw = _mm_loadu_si128((const __m128i *)(const void *)qs);
	__m256i lo = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
	return _mm256_or_si256(lo, _mm256_and_si256(bits_to_bytes(high), _mm256_set1_epi8(16)));
}

AVX2 static float dot_q5_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m256i ones = _mm256_set1_epi16(1);
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q5_0_BLOCK_BYTES;
		prefetch_ahead(blk, LLM_Q5_0_BLOCK_BYTES);
		uint16_t h;
		memcpy(&h, blk, 2);
		__m256i v = _mm256_sub_epi8(codes_q5(blk + 2, blk + 6), _mm256_set1_epi8(16));
		__m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(x->q + (size_t)b * 32));
		__m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(v, v), _mm256_sign_epi8(xv, v));
		__m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(h) * x->scale[b]), p, acc);
	}
	return hsum(acc);
}

/* Q5_1: codes 0..31 are unsigned, so maddubs takes them as they are; the
 * offset m meets the sum of the block's activations. */
AVX2 static float dot_q5_1(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m256i ones = _mm256_set1_epi16(1), ones8 = _mm256_set1_epi8(1);
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q5_1_BLOCK_BYTES;
		prefetch_ahead(blk, LLM_Q5_1_BLOCK_BYTES);
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		__m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(x->q + (size_t)b * 32));
		__m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(codes_q5(blk + 4, blk + 8), xv), ones));
		__m256 sx = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(ones8, xv), ones));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(hd) * x->scale[b]), p, acc);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(hm) * x->scale[b]), sx, acc);
	}
	return hsum(acc);
}

/* Q4_1 as Q5_1 without the fifth bits. */
AVX2 static float dot_q4_1(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m256i ones = _mm256_set1_epi16(1), ones8 = _mm256_set1_epi8(1);
	const __m128i mask = _mm_set1_epi8(15);
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q4_1_BLOCK_BYTES;
		prefetch_ahead(blk, LLM_Q4_1_BLOCK_BYTES);
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		__m128i raw = _mm_loadu_si128((const __m128i *)(const void *)(blk + 4));
		__m256i codes = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
		__m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(x->q + (size_t)b * 32));
		__m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(codes, xv), ones));
		__m256 sx = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(ones8, xv), ones));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(hd) * x->scale[b]), p, acc);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(hm) * x->scale[b]), sx, acc);
	}
	return hsum(acc);
}

/* Q5_K: Q4_K's nibbles, plus the fifth bit of value 64c + l in bit 2c of
 * qh[l] (of value 64c + 32 + l in bit 2c + 1). */
AVX2 static float dot_q5_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	const __m256i mask = _mm256_set1_epi8(15), one = _mm256_set1_epi8(1);
	__m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q5_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		prefetch_ahead(blk, LLM_Q5_K_BLOCK_BYTES);
		uint32_t sc[2], mn[2];
		k_scales_words(blk + 4, sc, mn);
		__m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sc[1], (int)sc[0])));
		__m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 16));
		__m256i sum = _mm256_setzero_si256();
		for (int c = 0; c < 4; c++) {
			__m256i q = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 48 + 32 * c));
			__m256i lo = _mm256_or_si256(_mm256_and_si256(q, mask),
						     _mm256_slli_epi16(_mm256_and_si256(hb, one), 4));
			__m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), mask),
						     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), one), 4));
			hb = _mm256_srli_epi16(hb, 2);
			__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 64 * c));
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 64 * c + 32));
			__m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), K_SCALE(s16, 2 * c));
			__m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), K_SCALE(s16, 2 * c + 1));
			sum = _mm256_add_epi32(sum, _mm256_add_epi32(p0, p1));
		}
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		float dx = x->k_scale[b];
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(hd)), _mm256_cvtepi32_ps(sum), acc);
		accm = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(hm)),
				       _mm256_cvtepi32_ps(k_min_sums(mn, x->k_sums + (size_t)b * 16)), accm);
	}
	return hsum(acc) - hsum(accm);
}

bool llm_avx2_handles(enum llm_dtype t)
{
	return t == LLM_DTYPE_F32 || t == LLM_DTYPE_F16 || t == LLM_DTYPE_Q8_0 || t == LLM_DTYPE_Q4_0 ||
	       t == LLM_DTYPE_Q5_0 || t == LLM_DTYPE_Q5_1 || t == LLM_DTYPE_Q4_K || t == LLM_DTYPE_Q5_K ||
	       t == LLM_DTYPE_Q6_K || t == LLM_DTYPE_BF16 || t == LLM_DTYPE_Q4_1;
}

AVX2 void llm_matvec_avx2(const struct llm_matrix *w, const struct llm_vec *x, float *out,
			  uint32_t r0, uint32_t r1)
{
	size_t row_bytes = llm_row_bytes(w->type, w->cols);
	const uint8_t *base = w->data;
	for (uint32_t r = r0; r < r1; r++) {
		const uint8_t *row = base + (size_t)r * row_bytes;
		switch (w->type) {
		case LLM_DTYPE_F32: out[r] = dot_f32((const float *)(const void *)row, x->f, w->cols); break;
		case LLM_DTYPE_F16: out[r] = dot_f16(row, x->f, w->cols); break;
		case LLM_DTYPE_Q8_0: out[r] = dot_q8_0(row, x, w->cols); break;
		case LLM_DTYPE_Q4_0: out[r] = dot_q4_0(row, x, w->cols); break;
		case LLM_DTYPE_Q4_K: out[r] = dot_q4_k(row, x, w->cols); break;
		case LLM_DTYPE_Q6_K: out[r] = dot_q6_k(row, x, w->cols); break;
		case LLM_DTYPE_Q5_K: out[r] = dot_q5_k(row, x, w->cols); break;
		case LLM_DTYPE_Q5_0: out[r] = dot_q5_0(row, x, w->cols); break;
		case LLM_DTYPE_Q5_1: out[r] = dot_q5_1(row, x, w->cols); break;
		case LLM_DTYPE_Q4_1: out[r] = dot_q4_1(row, x, w->cols); break;
		case LLM_DTYPE_BF16: out[r] = dot_bf16(row, x->f, w->cols); break;
		default: break; /* llm_matvec sends types without a kernel here to the portable one */
		}
	}
}
/*
 * Multi-column kernels: one weight load feeds COLS columns. Each column keeps
 * the accumulators, lane split and final reduction of the one-column dot
 * above, so every result is bitwise the matvec's. The column count is a
 * constant at each call (always_inline), which keeps the accumulators in
 * registers: 3 columns x 4 accumulators for F32, 4 x 2 for F16, 4 x 1 for
 * Q8_0, within the 16 ymm registers beside the weights.
 */
#define INLINE_AVX2 AVX2 static inline __attribute__((always_inline))
#define COLS_F32 3
#define COLS_F16 4
#define COLS_Q8_0 4
#define COLS_K 4

/* Complete unrolling over the columns and accumulators (GCC does not do
 * it at -O2 by itself), so that they live in registers, not on the stack. */
#define UNROLL _Pragma("GCC unroll 8")

INLINE_AVX2 void cols_f32(const float *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			  size_t ld)
{
	const float *xf[COLS_F32];
	__m256 a[COLS_F32][4];
	UNROLL for (unsigned c = 0; c < nc; c++) {
		xf[c] = x[c].f;
		UNROLL for (int k = 0; k < 4; k++)
			a[c][k] = _mm256_setzero_ps();
	}
	uint32_t i = 0;
	for (; i + 32 <= n; i += 32)
		UNROLL for (int k = 0; k < 4; k++) {
			__m256 wv = _mm256_loadu_ps(w + i + 8 * k);
			UNROLL for (unsigned c = 0; c < nc; c++)
				a[c][k] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xf[c] + i + 8 * k), a[c][k]);
		}
	for (; i + 8 <= n; i += 8) {
		__m256 wv = _mm256_loadu_ps(w + i);
		UNROLL for (unsigned c = 0; c < nc; c++)
			a[c][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xf[c] + i), a[c][0]);
	}
	UNROLL for (unsigned c = 0; c < nc; c++) {
		float s = hsum(_mm256_add_ps(_mm256_add_ps(a[c][0], a[c][1]), _mm256_add_ps(a[c][2], a[c][3])));
		for (uint32_t t = i; t < n; t++)
			s += w[t] * xf[c][t];
		out[c * ld] = s;
	}
}

INLINE_AVX2 void cols_f16(const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			  size_t ld)
{
	const float *xf[COLS_F16];
	__m256 a[COLS_F16][2];
	UNROLL for (unsigned c = 0; c < nc; c++) {
		xf[c] = x[c].f;
		a[c][0] = a[c][1] = _mm256_setzero_ps();
	}
	uint32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w + 2 * (size_t)i)));
		__m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(w + 2 * (size_t)i + 16)));
		UNROLL for (unsigned c = 0; c < nc; c++) {
			a[c][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xf[c] + i), a[c][0]);
			a[c][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xf[c] + i + 8), a[c][1]);
		}
	}
	UNROLL for (unsigned c = 0; c < nc; c++) {
		float s = hsum(_mm256_add_ps(a[c][0], a[c][1]));
		for (uint32_t t = i; t < n; t++) {
			uint16_t h;
			memcpy(&h, w + 2 * (size_t)t, 2);
			s += _cvtsh_ss(h) * xf[c][t];
		}
		out[c * ld] = s;
	}
}

INLINE_AVX2 void cols_q8_0(const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			   size_t ld)
{
	const int8_t *xq[COLS_Q8_0];
	const float *xs[COLS_Q8_0];
	__m256 acc[COLS_Q8_0];
	UNROLL for (unsigned c = 0; c < nc; c++) {
		xq[c] = x[c].q;
		xs[c] = x[c].scale;
		acc[c] = _mm256_setzero_ps();
	}
	const __m256i ones = _mm256_set1_epi16(1);
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
		uint16_t h;
		memcpy(&h, blk, 2);
		float wd = _cvtsh_ss(h);
		__m256i wv = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 2));
		__m256i wabs = _mm256_sign_epi8(wv, wv);
		UNROLL for (unsigned c = 0; c < nc; c++) {
			__m256i xv = _mm256_loadu_si256((const __m256i *)(const void *)(xq[c] + (size_t)b * 32));
			__m256i p16 = _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(xv, wv));
			__m256 p = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
			acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(wd * xs[c][b]), p, acc[c]);
		}
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = hsum(acc[c]);
}

/*
 * The K-quant kernels over several columns: each super-block's codes and
 * scales are unpacked once for all of them. Per column the float steps are
 * dot_q4_k's / dot_q5_k's / dot_q6_k's in the same order (the integer sums
 * are exact whatever their order), so the bits are the matvec's.
 */
INLINE_AVX2 void cols_q45_k(bool five, const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n,
			    float *out, size_t ld)
{
	const __m256i mask = _mm256_set1_epi8(15), one = _mm256_set1_epi8(1);
	const size_t bytes = five ? LLM_Q5_K_BLOCK_BYTES : LLM_Q4_K_BLOCK_BYTES;
	__m256 acc[COLS_K], accm[COLS_K];
	UNROLL for (unsigned c = 0; c < nc; c++)
		acc[c] = accm[c] = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * bytes;
		uint32_t sc[2], mn[2];
		k_scales_words(blk + 4, sc, mn);
		__m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sc[1], (int)sc[0])));
		__m256i hb = five ? _mm256_loadu_si256((const __m256i *)(const void *)(blk + 16)) : _mm256_setzero_si256();
		__m256i sum[COLS_K];
		UNROLL for (unsigned c = 0; c < nc; c++)
			sum[c] = _mm256_setzero_si256();
		for (int k = 0; k < 4; k++) {
			__m256i q = _mm256_loadu_si256((const __m256i *)(const void *)(blk + (five ? 48 : 16) + 32 * k));
			__m256i lo = _mm256_and_si256(q, mask), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
			if (five) {
				lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(hb, one), 4));
				hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), one), 4));
				hb = _mm256_srli_epi16(hb, 2);
			}
			__m256i s0 = K_SCALE(s16, 2 * k), s1 = K_SCALE(s16, 2 * k + 1);
			UNROLL for (unsigned c = 0; c < nc; c++) {
				const int8_t *xq = x[c].k_q + (size_t)b * LLM_QK_K + 64 * k;
				__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)xq);
				__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(xq + 32));
				__m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), s0);
				__m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), s1);
				sum[c] = _mm256_add_epi32(sum[c], _mm256_add_epi32(p0, p1));
			}
		}
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		float d = _cvtsh_ss(hd), dmin = _cvtsh_ss(hm);
		UNROLL for (unsigned c = 0; c < nc; c++) {
			float dx = x[c].k_scale[b];
			acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * d), _mm256_cvtepi32_ps(sum[c]), acc[c]);
			accm[c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * dmin),
						  _mm256_cvtepi32_ps(k_min_sums(mn, x[c].k_sums + (size_t)b * 16)), accm[c]);
		}
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = hsum(acc[c]) - hsum(accm[c]);
}

INLINE_AVX2 void cols_q6_k(const uint8_t *w, const struct llm_vec *x, unsigned nc, uint32_t n, float *out,
			   size_t ld)
{
	const __m256i m4 = _mm256_set1_epi8(15), m2 = _mm256_set1_epi8(3);
	const __m256i pick[4] = {
		_mm256_set_epi64x(0x0302030203020302, 0x0302030203020302, 0x0100010001000100, 0x0100010001000100),
		_mm256_set_epi64x(0x0706070607060706, 0x0706070607060706, 0x0504050405040504, 0x0504050405040504),
		_mm256_set_epi64x(0x0b0a0b0a0b0a0b0a, 0x0b0a0b0a0b0a0b0a, 0x0908090809080908, 0x0908090809080908),
		_mm256_set_epi64x(0x0f0e0f0e0f0e0f0e, 0x0f0e0f0e0f0e0f0e, 0x0d0c0d0c0d0c0d0c, 0x0d0c0d0c0d0c0d0c),
	};
	__m256 acc[COLS_K];
	UNROLL for (unsigned c = 0; c < nc; c++)
		acc[c] = _mm256_setzero_ps();
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q6_K_BLOCK_BYTES;
		const int8_t *sc = (const int8_t *)(blk + 192);
		__m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)sc));
		__m256i sum[COLS_K];
		UNROLL for (unsigned c = 0; c < nc; c++) {
			__m256i bs16 = _mm256_loadu_si256((const __m256i *)(const void *)(x[c].k_sums + (size_t)b * 16));
			sum[c] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs16), 5));
		}
		for (int h = 0; h < 2; h++) {
			const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
			__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)ql);
			__m256i bq = _mm256_loadu_si256((const __m256i *)(const void *)(ql + 32));
			__m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)qh);
			__m256i half = _mm256_broadcastsi128_si256(
				_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(sc + 8 * h))));
			for (int k = 0; k < 4; k++) {
				__m256i lo4 = k & 1 ? bq : a;
				if (k >= 2)
					lo4 = _mm256_srli_epi16(lo4, 4);
				__m256i code = _mm256_or_si256(_mm256_and_si256(lo4, m4),
							       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), m2), 4));
				__m256i scv = _mm256_shuffle_epi8(half, pick[k]);
				UNROLL for (unsigned c = 0; c < nc; c++) {
					__m256i xv = _mm256_loadu_si256(
						(const __m256i *)(const void *)(x[c].k_q + (size_t)b * LLM_QK_K + 128 * h + 32 * k));
					sum[c] = _mm256_add_epi32(sum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(code, xv), scv));
				}
			}
		}
		uint16_t hd;
		memcpy(&hd, blk + 208, 2);
		float d = _cvtsh_ss(hd);
		UNROLL for (unsigned c = 0; c < nc; c++)
			acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(x[c].k_scale[b] * d), _mm256_cvtepi32_ps(sum[c]), acc[c]);
	}
	UNROLL for (unsigned c = 0; c < nc; c++)
		out[c * ld] = hsum(acc[c]);
}

/* Weight bytes per row tile: rows stay in L1 while every column group reads them. */
#define TILE_BYTES (16u << 10)

/* One row against columns xs[0..nc), nc <= the type's COLS, each count a
 * separate inlined copy. */
AVX2 static void row_cols(enum llm_dtype t, const uint8_t *row, const struct llm_vec *xs, unsigned nc,
			  uint32_t n, float *out, size_t ld)
{
	switch (t) {
	case LLM_DTYPE_F32: {
		const float *wf = (const float *)(const void *)row;
		if (nc == 3)
			cols_f32(wf, xs, 3, n, out, ld);
		else if (nc == 2)
			cols_f32(wf, xs, 2, n, out, ld);
		else
			cols_f32(wf, xs, 1, n, out, ld);
		break;
	}
	case LLM_DTYPE_F16:
		if (nc == 4)
			cols_f16(row, xs, 4, n, out, ld);
		else if (nc == 3)
			cols_f16(row, xs, 3, n, out, ld);
		else if (nc == 2)
			cols_f16(row, xs, 2, n, out, ld);
		else
			cols_f16(row, xs, 1, n, out, ld);
		break;
	case LLM_DTYPE_Q8_0:
		if (nc == 4)
			cols_q8_0(row, xs, 4, n, out, ld);
		else if (nc == 3)
			cols_q8_0(row, xs, 3, n, out, ld);
		else if (nc == 2)
			cols_q8_0(row, xs, 2, n, out, ld);
		else
			cols_q8_0(row, xs, 1, n, out, ld);
		break;
	case LLM_DTYPE_Q4_K:
	case LLM_DTYPE_Q5_K: {
		bool five = t == LLM_DTYPE_Q5_K;
		if (nc == 4)
			cols_q45_k(five, row, xs, 4, n, out, ld);
		else if (nc == 3)
			cols_q45_k(five, row, xs, 3, n, out, ld);
		else if (nc == 2)
			cols_q45_k(five, row, xs, 2, n, out, ld);
		else
			cols_q45_k(five, row, xs, 1, n, out, ld);
		break;
	}
	case LLM_DTYPE_Q6_K:
		if (nc == 4)
			cols_q6_k(row, xs, 4, n, out, ld);
		else if (nc == 3)
			cols_q6_k(row, xs, 3, n, out, ld);
		else if (nc == 2)
			cols_q6_k(row, xs, 2, n, out, ld);
		else
			cols_q6_k(row, xs, 1, n, out, ld);
		break;
	default:
		break;
	}
}

AVX2 bool llm_matmat_avx2(const struct llm_matrix *w, const struct llm_vec *xs, uint32_t n_cols, float *out,
			  size_t ld, uint32_t r0, uint32_t r1)
{
	unsigned group;
	switch (w->type) {
	case LLM_DTYPE_F32: group = COLS_F32; break;
	case LLM_DTYPE_F16: group = COLS_F16; break;
	case LLM_DTYPE_Q8_0: group = COLS_Q8_0; break;
	case LLM_DTYPE_Q4_K:
	case LLM_DTYPE_Q5_K:
	case LLM_DTYPE_Q6_K: group = COLS_K; break;
	default: return false;
	}
	size_t row_bytes = llm_row_bytes(w->type, w->cols);
	uint32_t tile = row_bytes >= TILE_BYTES ? 1 : (uint32_t)(TILE_BYTES / row_bytes);
	const uint8_t *base = w->data;
	for (uint32_t t0 = r0; t0 < r1; t0 += tile) {
		uint32_t t1 = r1 - t0 > tile ? t0 + tile : r1;
		for (uint32_t j = 0; j < n_cols; j += group) {
			unsigned nc = n_cols - j < group ? n_cols - j : group;
			for (uint32_t r = t0; r < t1; r++)
				row_cols(w->type, base + (size_t)r * row_bytes, xs + j, nc, w->cols,
					 out + j * ld + r, ld);
		}
	}
	return true;
}
#endif

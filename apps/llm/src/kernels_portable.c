/*
 * Portable matvec kernels and number formats: the reference behaviour the
 * vectorised kernels must reproduce, and what runs on CPUs without AVX2.
 */
#include <math.h>
#include <string.h>

#include "kernels_internal.h"
#include "port.h"

float llm_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ff;
	uint32_t bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (mant << 13); /* inf / nan */
	} else if (exp != 0) {
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	} else if (mant == 0) {
		bits = sign;
	} else { /* subnormal: value = mant * 2^-24 */
		float v = (float)mant * 0x1p-24f;
		memcpy(&bits, &v, 4);
		bits |= sign;
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t llm_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	uint32_t ax = x & 0x7fffffffu;
	if (ax >= 0x7f800000u) /* inf or nan */
		return sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0);
	if (ax >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
		return sign | 0x7c00;
	if (ax < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
		float a;
		memcpy(&a, &ax, 4);
		/* Scale so one half-subnormal ulp is 1.0, round to nearest even. */
		return sign | (uint16_t)llm_nearbyintf(a * 0x1p24f);
	}
	uint32_t mant = ax & 0x7fffff;
	uint32_t exp = (ax >> 23) - 112;
	uint32_t h = (exp << 10) | (mant >> 13);
	uint32_t rest = mant & 0x1fff;
	if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
		h++; /* may carry into the exponent, which is still correct */
	return sign | (uint16_t)h;
}

void llm_quantize_act_q8(const float *x, uint32_t n, float *scale, int8_t *q)
{
	for (uint32_t b = 0; b < n / LLM_Q8_0_BLOCK; b++) {
		const float *xb = x + (size_t)b * LLM_Q8_0_BLOCK;
		float amax = 0;
		for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
			amax = llm_fmaxf(amax, llm_fabsf(xb[i]));
		float d = amax / 127.0f;
		float inv = d > 0 ? 1.0f / d : 0.0f;
		scale[b] = d;
		for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
			q[(size_t)b * LLM_Q8_0_BLOCK + i] = (int8_t)llm_lrintf(xb[i] * inv);
	}
}

void llm_quantize_row_q8_0(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_Q8_0_BLOCK; b++) {
		const float *xb = x + (size_t)b * LLM_Q8_0_BLOCK;
		uint8_t *blk = out + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
		float amax = 0;
		for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
			amax = llm_fmaxf(amax, llm_fabsf(xb[i]));
		float d = amax / 127.0f;
		float inv = d > 0 ? 1.0f / d : 0.0f;
		uint16_t h = llm_f32_to_f16(d);
		memcpy(blk, &h, 2);
		for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
			blk[2 + i] = (uint8_t)(int8_t)llm_lrintf(xb[i] * inv);
	}
}

/* The block's element of largest magnitude, with its sign (the first on ties). */
static float signed_peak(const float *xb)
{
	float peak = 0;

	for (int i = 0; i < 32; i++)
		if (llm_fabsf(xb[i]) > llm_fabsf(peak))
			peak = xb[i];
	return peak;
}

void llm_quantize_row_q4_0(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / 32; b++) {
		const float *xb = x + (size_t)b * 32;
		uint8_t *blk = out + (size_t)b * LLM_Q4_0_BLOCK_BYTES;
		/* The element of largest magnitude maps to code 0 (value -8 * d),
		 * so the scale carries its sign and the range [-8, 7] is used fully
		 * on that side. */
		float peak = signed_peak(xb);
		float d = peak / -8.0f;
		float inv = d != 0 ? 1.0f / d : 0.0f;
		uint16_t h = llm_f32_to_f16(d);
		memcpy(blk, &h, 2);
		for (int i = 0; i < 16; i++) {
			int lo = (int)(xb[i] * inv + 8.5f);
			int hi = (int)(xb[i + 16] * inv + 8.5f);
			lo = lo < 0 ? 0 : lo > 15 ? 15 : lo;
			hi = hi < 0 ? 0 : hi > 15 ? 15 : hi;
			blk[2 + i] = (uint8_t)(lo | hi << 4);
		}
	}
}

void llm_quantize_row_q5_0(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / 32; b++) {
		const float *xb = x + (size_t)b * 32;
		uint8_t *blk = out + (size_t)b * LLM_Q5_0_BLOCK_BYTES;
		/* As Q4_0, with codes 0..31 around 16. */
		float peak = signed_peak(xb);
		float d = peak / -16.0f;
		float inv = d != 0 ? 1.0f / d : 0.0f;
		uint16_t h = llm_f32_to_f16(d);
		memcpy(blk, &h, 2);
		uint32_t high = 0;
		int code[32];
		for (int i = 0; i < 32; i++) {
			int c = (int)(xb[i] * inv + 16.5f);
			code[i] = c < 0 ? 0 : c > 31 ? 31 : c;
			high |= (uint32_t)(code[i] >> 4) << i;
		}
		for (int k = 0; k < 4; k++)
			blk[2 + k] = (uint8_t)(high >> 8 * k);
		for (int i = 0; i < 16; i++)
			blk[6 + i] = (uint8_t)((code[i] & 15) | (code[i + 16] & 15) << 4);
	}
}

void llm_quantize_row_q4_1(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / 32; b++) {
		const float *xb = x + (size_t)b * 32;
		uint8_t *blk = out + (size_t)b * LLM_Q4_1_BLOCK_BYTES;
		/* The block's range [lo, hi] is cut into 15 steps from lo. */
		float lo = xb[0], hi = xb[0];
		for (int i = 1; i < 32; i++)
			lo = llm_fminf(lo, xb[i]), hi = llm_fmaxf(hi, xb[i]);
		float d = (hi - lo) / 15.0f;
		float inv = d != 0 ? 1.0f / d : 0.0f;
		uint16_t hd = llm_f32_to_f16(d), hm = llm_f32_to_f16(lo);
		memcpy(blk, &hd, 2);
		memcpy(blk + 2, &hm, 2);
		for (int i = 0; i < 16; i++) {
			int c0 = (int)((xb[i] - lo) * inv + 0.5f);
			int c1 = (int)((xb[i + 16] - lo) * inv + 0.5f);
			c0 = c0 > 15 ? 15 : c0;
			c1 = c1 > 15 ? 15 : c1;
			blk[4 + i] = (uint8_t)(c0 | c1 << 4);
		}
	}
}

float llm_bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t llm_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((x >> 16) | 0x40); /* a nan stays a (quiet) nan */
	return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

bool llm_dtype_wants_q8(enum llm_dtype t)
{
	return t == LLM_DTYPE_Q8_0 || t == LLM_DTYPE_Q4_0 || t == LLM_DTYPE_Q5_0 || t == LLM_DTYPE_Q4_1 ||
	       t == LLM_DTYPE_Q5_1;
}

bool llm_dtype_wants_q8_k(enum llm_dtype t)
{
	return t == LLM_DTYPE_Q2_K || t == LLM_DTYPE_Q3_K || t == LLM_DTYPE_Q4_K || t == LLM_DTYPE_Q5_K ||
	       t == LLM_DTYPE_Q6_K;
}

void llm_quantize_act_q8_k(const float *x, uint32_t n, float *scale, int8_t *q, int16_t *sums)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const float *xb = x + (size_t)b * LLM_QK_K;
		int8_t *qb = q + (size_t)b * LLM_QK_K;
		float peak = 0;
		for (int i = 0; i < LLM_QK_K; i++)
			if (fabsf(xb[i]) > fabsf(peak))
				peak = xb[i];
		if (peak == 0) {
			scale[b] = 0;
			memset(qb, 0, LLM_QK_K);
			memset(sums + (size_t)b * 16, 0, 16 * sizeof(*sums));
			continue;
		}
		/* -127, not -128: the peak's code fits the sign trick of the SIMD dots. */
		float inv = -127.0f / peak;
		for (int i = 0; i < LLM_QK_K; i++) {
			long v = lrintf(inv * xb[i]);
			qb[i] = (int8_t)(v > 127 ? 127 : v);
		}
		for (int g = 0; g < 16; g++) {
			int s = 0;
			for (int i = 0; i < 16; i++)
				s += qb[16 * g + i];
			sums[(size_t)b * 16 + g] = (int16_t)s;
		}
		scale[b] = 1.0f / inv;
	}
}

void llm_quantize_row_q5_1(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / 32; b++) {
		const float *xb = x + (size_t)b * 32;
		uint8_t *blk = out + (size_t)b * LLM_Q5_1_BLOCK_BYTES;
		float lo = xb[0], hi = xb[0];
		for (int i = 1; i < 32; i++)
			lo = fminf(lo, xb[i]), hi = fmaxf(hi, xb[i]);
		float d = (hi - lo) / 31.0f;
		float inv = d != 0 ? 1.0f / d : 0.0f;
		uint16_t hd = llm_f32_to_f16(d), hm = llm_f32_to_f16(lo);
		memcpy(blk, &hd, 2);
		memcpy(blk + 2, &hm, 2);
		uint32_t high = 0;
		int code[32];
		for (int i = 0; i < 32; i++) {
			int c = (int)((xb[i] - lo) * inv + 0.5f);
			code[i] = c > 31 ? 31 : c;
			high |= (uint32_t)(code[i] >> 4) << i;
		}
		for (int k = 0; k < 4; k++)
			blk[4 + k] = (uint8_t)(high >> 8 * k);
		for (int i = 0; i < 16; i++)
			blk[8 + i] = (uint8_t)((code[i] & 15) | (code[i + 16] & 15) << 4);
	}
}

static void k_scales_pack(const uint8_t sc[8], const uint8_t mn[8], uint8_t *p)
{
	for (int j = 0; j < 4; j++) {
		p[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
		p[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
		p[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
	}
}

/* One Q4_K/Q5_K super-block's codes (0..levels) with 6-bit scales and mins:
 * each sub-block of 32 is fit from its minimum (kept <= 0, so the offset is
 * a subtraction) to its maximum, then the sub-block steps and offsets are
 * themselves quantised against the super-block's d and dmin. */
static void quantize_k_block(const float *xb, int levels, uint8_t *dm, uint8_t *scales, int *code)
{
	float step[8], off[8], max_step = 0, max_off = 0;
	for (int j = 0; j < 8; j++) {
		float lo = 0, hi = xb[32 * j];
		for (int i = 0; i < 32; i++)
			lo = fminf(lo, xb[32 * j + i]), hi = fmaxf(hi, xb[32 * j + i]);
		step[j] = (hi - lo) / (float)levels;
		off[j] = -lo;
		max_step = fmaxf(max_step, step[j]);
		max_off = fmaxf(max_off, off[j]);
	}
	uint16_t hd = llm_f32_to_f16(max_step / 63.0f), hmin = llm_f32_to_f16(max_off / 63.0f);
	float d = llm_f16_to_f32(hd), dmin = llm_f16_to_f32(hmin);
	memcpy(dm, &hd, 2);
	memcpy(dm + 2, &hmin, 2);
	uint8_t sc[8], mn[8];
	for (int j = 0; j < 8; j++) {
		long s = d > 0 ? lrintf(step[j] / d) : 0, m = dmin > 0 ? lrintf(off[j] / dmin) : 0;
		sc[j] = (uint8_t)(s > 63 ? 63 : s);
		mn[j] = (uint8_t)(m > 63 ? 63 : m);
		float ds = d * sc[j], ms = dmin * mn[j];
		for (int i = 0; i < 32; i++) {
			long c = ds > 0 ? lrintf((xb[32 * j + i] + ms) / ds) : 0;
			code[32 * j + i] = c < 0 ? 0 : c > levels ? levels : (int)c;
		}
	}
	k_scales_pack(sc, mn, scales);
}

void llm_quantize_row_q4_k(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		uint8_t *blk = out + (size_t)b * LLM_Q4_K_BLOCK_BYTES;
		int code[LLM_QK_K];
		quantize_k_block(x + (size_t)b * LLM_QK_K, 15, blk, blk + 4, code);
		/* 64 values per 32 bytes: the first 32 in the low nibbles. */
		for (int c = 0; c < 4; c++)
			for (int l = 0; l < 32; l++)
				blk[16 + 32 * c + l] = (uint8_t)(code[64 * c + l] | code[64 * c + 32 + l] << 4);
	}
}

void llm_quantize_row_q5_k(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		uint8_t *blk = out + (size_t)b * LLM_Q5_K_BLOCK_BYTES;
		int code[LLM_QK_K];
		quantize_k_block(x + (size_t)b * LLM_QK_K, 31, blk, blk + 4, code);
		uint8_t *qh = blk + 16, *qs = blk + 48;
		memset(qh, 0, 32);
		for (int c = 0; c < 4; c++)
			for (int l = 0; l < 32; l++) {
				int lo = code[64 * c + l], hi = code[64 * c + 32 + l];
				qs[32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
				qh[l] |= (uint8_t)((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
			}
	}
}

void llm_quantize_row_q6_k(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const float *xb = x + (size_t)b * LLM_QK_K;
		uint8_t *blk = out + (size_t)b * LLM_Q6_K_BLOCK_BYTES;
		/* Each sub-block of 16 gets a signed step that maps its peak to
		 * code -32; the steps are int8 multiples of the super-block's d. */
		float step[16], max_step = 0;
		for (int g = 0; g < 16; g++) {
			float peak = 0;
			for (int i = 0; i < 16; i++)
				if (fabsf(xb[16 * g + i]) > fabsf(peak))
					peak = xb[16 * g + i];
			step[g] = peak / -32.0f;
			max_step = fmaxf(max_step, fabsf(step[g]));
		}
		uint16_t hd = llm_f32_to_f16(max_step / 127.0f);
		float d = llm_f16_to_f32(hd);
		int8_t *sc = (int8_t *)(blk + 192);
		int code[LLM_QK_K];
		for (int g = 0; g < 16; g++) {
			long s = d > 0 ? lrintf(step[g] / d) : 0;
			sc[g] = (int8_t)(s > 127 ? 127 : s < -127 ? -127 : s);
			float ds = d * sc[g];
			for (int i = 0; i < 16; i++) {
				long c = ds != 0 ? lrintf(xb[16 * g + i] / ds) : 0;
				code[16 * g + i] = (int)(c < -32 ? -32 : c > 31 ? 31 : c) + 32;
			}
		}
		memcpy(blk + 208, &hd, 2);
		/* Per half of 128: ql bytes 0-31 hold values 0-31 (low) and 64-95
		 * (high nibble), bytes 32-63 values 32-63 and 96-127; qh byte l holds
		 * the top two bits of values l, l + 32, l + 64, l + 96. */
		for (int h = 0; h < 2; h++) {
			uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
			const int *c = code + 128 * h;
			for (int l = 0; l < 32; l++) {
				ql[l] = (uint8_t)((c[l] & 15) | (c[l + 64] & 15) << 4);
				ql[l + 32] = (uint8_t)((c[l + 32] & 15) | (c[l + 96] & 15) << 4);
				qh[l] = (uint8_t)((c[l] >> 4) | (c[l + 32] >> 4) << 2 | (c[l + 64] >> 4) << 4 |
						  (c[l + 96] >> 4) << 6);
			}
		}
	}
}

/* Q2_K and Q3_K keep 2-bit codes four to a byte: element 128n + 32j + l
 * sits in bits 2j of byte 32n + l. Q3_K's third bit of that element is bit
 * 4n + j of hmask[l]. */
static int k_low2(const uint8_t *qs, int i)
{
	return (qs[32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
}

static int q3_k_third_bit(const uint8_t *hmask, int i)
{
	return (hmask[i % 32] >> (4 * (i / 128) + (i % 128) / 32)) & 1;
}

/* Q3_K's 16 six-bit scales (minus 32): low nibbles of scales 0-7 in the
 * low nibbles of bytes 0-7, of scales 8-15 in their high nibbles; the top
 * two bits of scale 4q + j (j < 4) in bits 2q of byte 8 + j. */
static void q3_k_scales(const uint8_t *p, int *sc)
{
	for (int k = 0; k < 16; k++) {
		int low = k < 8 ? p[k] & 15 : p[k - 8] >> 4;
		sc[k] = (low | ((p[8 + k % 4] >> (2 * (k / 4))) & 3) << 4) - 32;
	}
}

static void q2_k_codes(const uint8_t *blk, int *code)
{
	for (int i = 0; i < LLM_QK_K; i++)
		code[i] = k_low2(blk + 16, i);
}

/* Q3_K values code - 4, in [-4, 3]. */
static void q3_k_values(const uint8_t *blk, int *v)
{
	for (int i = 0; i < LLM_QK_K; i++)
		v[i] = (k_low2(blk + 32, i) | q3_k_third_bit(blk, i) << 2) - 4;
}

static void pack_low2(const int *code, uint8_t *qs)
{
	memset(qs, 0, 64);
	for (int i = 0; i < LLM_QK_K; i++)
		qs[32 * (i / 128) + i % 32] |= (uint8_t)((code[i] & 3) << (2 * ((i % 128) / 32)));
}

void llm_quantize_row_q2_k(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const float *xb = x + (size_t)b * LLM_QK_K;
		uint8_t *blk = out + (size_t)b * LLM_Q2_K_BLOCK_BYTES;
		/* As quantize_k_block, with sub-blocks of 16, codes 0..3 and 4-bit
		 * scales and mins. */
		float step[16], off[16], max_step = 0, max_off = 0;
		for (int g = 0; g < 16; g++) {
			float lo = 0, hi = xb[16 * g];
			for (int i = 0; i < 16; i++)
				lo = fminf(lo, xb[16 * g + i]), hi = fmaxf(hi, xb[16 * g + i]);
			step[g] = (hi - lo) / 3.0f;
			off[g] = -lo;
			max_step = fmaxf(max_step, step[g]);
			max_off = fmaxf(max_off, off[g]);
		}
		uint16_t hd = llm_f32_to_f16(max_step / 15.0f), hmin = llm_f32_to_f16(max_off / 15.0f);
		float d = llm_f16_to_f32(hd), dmin = llm_f16_to_f32(hmin);
		int code[LLM_QK_K];
		for (int g = 0; g < 16; g++) {
			long sc = d > 0 ? lrintf(step[g] / d) : 0, mn = dmin > 0 ? lrintf(off[g] / dmin) : 0;
			sc = sc > 15 ? 15 : sc;
			mn = mn > 15 ? 15 : mn;
			blk[g] = (uint8_t)(sc | mn << 4);
			float ds = d * (float)sc, ms = dmin * (float)mn;
			for (int i = 0; i < 16; i++) {
				long c = ds > 0 ? lrintf((xb[16 * g + i] + ms) / ds) : 0;
				code[16 * g + i] = c < 0 ? 0 : c > 3 ? 3 : (int)c;
			}
		}
		pack_low2(code, blk + 16);
		memcpy(blk + 80, &hd, 2);
		memcpy(blk + 82, &hmin, 2);
	}
}

void llm_quantize_row_q3_k(const float *x, uint32_t n, uint8_t *out)
{
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const float *xb = x + (size_t)b * LLM_QK_K;
		uint8_t *blk = out + (size_t)b * LLM_Q3_K_BLOCK_BYTES;
		/* As Q6_K: a signed step per 16 mapping the peak to -4, the steps
		 * 6-bit multiples (-32..31) of d. */
		float step[16], max_step = 0;
		for (int g = 0; g < 16; g++) {
			float peak = 0;
			for (int i = 0; i < 16; i++)
				if (fabsf(xb[16 * g + i]) > fabsf(peak))
					peak = xb[16 * g + i];
			step[g] = peak / -4.0f;
			max_step = fmaxf(max_step, fabsf(step[g]));
		}
		uint16_t hd = llm_f32_to_f16(max_step / 31.0f);
		float d = llm_f16_to_f32(hd);
		int code[LLM_QK_K], sc[16];
		for (int g = 0; g < 16; g++) {
			long q = d > 0 ? lrintf(step[g] / d) : 0;
			sc[g] = (int)(q < -32 ? -32 : q > 31 ? 31 : q);
			float ds = d * (float)sc[g];
			for (int i = 0; i < 16; i++) {
				long c = ds != 0 ? lrintf(xb[16 * g + i] / ds) : 0;
				code[16 * g + i] = (int)(c < -4 ? -4 : c > 3 ? 3 : c) + 4;
			}
		}
		memset(blk, 0, 32);
		for (int i = 0; i < LLM_QK_K; i++)
			blk[i % 32] |= (uint8_t)((code[i] >> 2) << (4 * (i / 128) + (i % 128) / 32));
		pack_low2(code, blk + 32);
		uint8_t *p = blk + 96;
		memset(p, 0, 12);
		for (int k = 0; k < 16; k++) {
			int u = sc[k] + 32;
			p[k % 8] |= (uint8_t)((u & 15) << (k < 8 ? 0 : 4));
			p[8 + k % 4] |= (uint8_t)((u >> 4) << (2 * (k / 4)));
		}
		memcpy(blk + 108, &hd, 2);
	}
}

/* The 32 codes (0..31) of the Q5_1 block with the fifth-bit word at hb and
 * nibbles at qs. */
static void unpack_q5_1(const uint8_t *hb, const uint8_t *qs, int *v)
{
	uint32_t high = (uint32_t)hb[0] | (uint32_t)hb[1] << 8 | (uint32_t)hb[2] << 16 | (uint32_t)hb[3] << 24;
	for (int i = 0; i < 16; i++) {
		v[i] = (int)((qs[i] & 15) | ((high >> i) & 1) << 4);
		v[i + 16] = (int)((qs[i] >> 4) | ((high >> (i + 16)) & 1) << 4);
	}
}

/* A Q4_K/Q5_K super-block's 256 codes in element order. */
static void unpack_k_codes(enum llm_dtype t, const uint8_t *blk, int *code)
{
	const uint8_t *qs = blk + (t == LLM_DTYPE_Q5_K ? 48 : 16), *qh = blk + 16;
	for (int c = 0; c < 4; c++)
		for (int l = 0; l < 32; l++) {
			code[64 * c + l] = qs[32 * c + l] & 15;
			code[64 * c + 32 + l] = qs[32 * c + l] >> 4;
			if (t == LLM_DTYPE_Q5_K) {
				code[64 * c + l] |= ((qh[l] >> (2 * c)) & 1) << 4;
				code[64 * c + 32 + l] |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
			}
		}
}

/* A Q6_K super-block's 256 codes minus 32, in element order. */
static void unpack_q6_k(const uint8_t *blk, int *v)
{
	for (int h = 0; h < 2; h++) {
		const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
		int *o = v + 128 * h;
		for (int l = 0; l < 32; l++) {
			o[l] = (int)((ql[l] & 15) | (qh[l] & 3) << 4) - 32;
			o[l + 32] = (int)((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32;
			o[l + 64] = (int)((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
			o[l + 96] = (int)((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
		}
	}
}

/* The 32 codes of a Q5_0 block, each minus 16. */
static void unpack_q5_0(const uint8_t *blk, int *v)
{
	uint32_t high = (uint32_t)blk[2] | (uint32_t)blk[3] << 8 | (uint32_t)blk[4] << 16 | (uint32_t)blk[5] << 24;
	for (int i = 0; i < 16; i++) {
		v[i] = (int)((blk[6 + i] & 15) | ((high >> i) & 1) << 4) - 16;
		v[i + 16] = (int)((blk[6 + i] >> 4) | ((high >> (i + 16)) & 1) << 4) - 16;
	}
}

static float dot_f32(const float *w, const float *x, uint32_t n)
{
	float s[4] = { 0, 0, 0, 0 };
	uint32_t i = 0;
	for (; i + 4 <= n; i += 4)
		for (int k = 0; k < 4; k++)
			s[k] += w[i + k] * x[i + k];
	for (; i < n; i++)
		s[0] += w[i] * x[i];
	return (s[0] + s[1]) + (s[2] + s[3]);
}

static float dot_f16(const uint8_t *w, const float *x, uint32_t n)
{
	float s = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t h;
		memcpy(&h, w + 2 * (size_t)i, 2);
		s += llm_f16_to_f32(h) * x[i];
	}
	return s;
}

static float dot_q8_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / LLM_Q8_0_BLOCK; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
		const int8_t *wq = (const int8_t *)(blk + 2);
		const int8_t *xq = x->q + (size_t)b * LLM_Q8_0_BLOCK;
		uint16_t h;
		memcpy(&h, blk, 2);
		int32_t acc = 0;
		for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
			acc += (int32_t)wq[i] * xq[i];
		s += (float)acc * (llm_f16_to_f32(h) * x->scale[b]);
	}
	return s;
}

static float dot_q4_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q4_0_BLOCK_BYTES;
		const int8_t *xq = x->q + (size_t)b * 32;
		uint16_t h;
		memcpy(&h, blk, 2);
		int32_t acc = 0;
		for (int i = 0; i < 16; i++) {
			acc += ((int32_t)(blk[2 + i] & 15) - 8) * xq[i];
			acc += ((int32_t)(blk[2 + i] >> 4) - 8) * xq[i + 16];
		}
		s += (float)acc * (llm_f16_to_f32(h) * x->scale[b]);
	}
	return s;
}

static float dot_q5_0(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q5_0_BLOCK_BYTES;
		const int8_t *xq = x->q + (size_t)b * 32;
		int v[32];
		unpack_q5_0(blk, v);
		uint16_t h;
		memcpy(&h, blk, 2);
		int32_t acc = 0;
		for (int i = 0; i < 32; i++)
			acc += v[i] * xq[i];
		s += (float)acc * (llm_f16_to_f32(h) * x->scale[b]);
	}
	return s;
}

/* d * code + m against d_x * q: the offset meets the sum of the q. */
static float dot_q4_1(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q4_1_BLOCK_BYTES;
		const int8_t *xq = x->q + (size_t)b * 32;
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		int32_t acc = 0, sum = 0;
		for (int i = 0; i < 16; i++) {
			acc += (int32_t)(blk[4 + i] & 15) * xq[i] + (int32_t)(blk[4 + i] >> 4) * xq[i + 16];
			sum += xq[i] + xq[i + 16];
		}
		s += x->scale[b] * (llm_f16_to_f32(hd) * (float)acc + llm_f16_to_f32(hm) * (float)sum);
	}
	return s;
}

static float dot_bf16(const uint8_t *w, const float *x, uint32_t n)
{
	float s[4] = { 0, 0, 0, 0 };
	uint32_t i = 0;
	for (; i + 4 <= n; i += 4)
		for (int k = 0; k < 4; k++) {
			uint16_t h;
			memcpy(&h, w + 2 * (size_t)(i + k), 2);
			s[k] += llm_bf16_to_f32(h) * x[i + k];
		}
	for (; i < n; i++) {
		uint16_t h;
		memcpy(&h, w + 2 * (size_t)i, 2);
		s[0] += llm_bf16_to_f32(h) * x[i];
	}
	return (s[0] + s[1]) + (s[2] + s[3]);
}

static float dot_q5_1(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / 32; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q5_1_BLOCK_BYTES;
		const int8_t *xq = x->q + (size_t)b * 32;
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		int v[32];
		unpack_q5_1(blk + 4, blk + 8, v);
		int32_t acc = 0, sum = 0;
		for (int i = 0; i < 32; i++) {
			acc += v[i] * xq[i];
			sum += xq[i];
		}
		s += x->scale[b] * (llm_f16_to_f32(hd) * (float)acc + llm_f16_to_f32(hm) * (float)sum);
	}
	return s;
}

__attribute__((noinline)) float llm_k_block_result(float dx, float d, float dmin, int32_t isum, int32_t msum)
{
	float a = d * (float)isum;
	float m = dmin * (float)msum;
	return dx * (a - m);
}

/*
 * The K-quant dots keep everything integer inside a super-block: the scaled
 * code products (isum) and, for Q4_K/Q5_K, the minimums times the
 * activation's sums of 16 (msum). One float step per super-block follows,
 * llm_k_block_result, shared with the SIMD kernels so that they give the
 * same bits.
 */
static float dot_q45_k(enum llm_dtype t, const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	size_t bytes = t == LLM_DTYPE_Q5_K ? LLM_Q5_K_BLOCK_BYTES : LLM_Q4_K_BLOCK_BYTES;
	float s = 0;
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * bytes;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		const int16_t *bs = x->k_sums + (size_t)b * 16;
		uint8_t sc[8], mn[8];
		llm_k_scales_unpack(blk + 4, sc, mn);
		int code[LLM_QK_K];
		unpack_k_codes(t, blk, code);
		int32_t isum = 0, msum = 0;
		for (int j = 0; j < 8; j++) {
			int32_t acc = 0;
			for (int i = 0; i < 32; i++)
				acc += code[32 * j + i] * xq[32 * j + i];
			isum += sc[j] * acc;
			msum += mn[j] * (bs[2 * j] + bs[2 * j + 1]);
		}
		uint16_t hd, hm;
		memcpy(&hd, blk, 2);
		memcpy(&hm, blk + 2, 2);
		s += llm_k_block_result(x->k_scale[b], llm_f16_to_f32(hd), llm_f16_to_f32(hm), isum, msum);
	}
	return s;
}

static float dot_q2_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q2_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		const int16_t *bs = x->k_sums + (size_t)b * 16;
		int code[LLM_QK_K];
		q2_k_codes(blk, code);
		int32_t isum = 0, msum = 0;
		for (int g = 0; g < 16; g++) {
			int32_t acc = 0;
			for (int i = 0; i < 16; i++)
				acc += code[16 * g + i] * xq[16 * g + i];
			isum += (blk[g] & 15) * acc;
			msum += (blk[g] >> 4) * bs[g];
		}
		uint16_t hd, hm;
		memcpy(&hd, blk + 80, 2);
		memcpy(&hm, blk + 82, 2);
		s += llm_k_block_result(x->k_scale[b], llm_f16_to_f32(hd), llm_f16_to_f32(hm), isum, msum);
	}
	return s;
}

static float dot_q3_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q3_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		int v[LLM_QK_K], sc[16];
		q3_k_values(blk, v);
		q3_k_scales(blk + 96, sc);
		int32_t isum = 0;
		for (int g = 0; g < 16; g++) {
			int32_t acc = 0;
			for (int i = 0; i < 16; i++)
				acc += v[16 * g + i] * xq[16 * g + i];
			isum += sc[g] * acc;
		}
		uint16_t hd;
		memcpy(&hd, blk + 108, 2);
		s += llm_k_block_result(x->k_scale[b], llm_f16_to_f32(hd), 0, isum, 0);
	}
	return s;
}

static float dot_q6_k(const uint8_t *w, const struct llm_vec *x, uint32_t n)
{
	float s = 0;
	for (uint32_t b = 0; b < n / LLM_QK_K; b++) {
		const uint8_t *blk = w + (size_t)b * LLM_Q6_K_BLOCK_BYTES;
		const int8_t *xq = x->k_q + (size_t)b * LLM_QK_K;
		const int8_t *sc = (const int8_t *)(blk + 192);
		int v[LLM_QK_K];
		unpack_q6_k(blk, v);
		int32_t isum = 0;
		for (int g = 0; g < 16; g++) {
			int32_t acc = 0;
			for (int i = 0; i < 16; i++)
				acc += v[16 * g + i] * xq[16 * g + i];
			isum += sc[g] * acc;
		}
		uint16_t hd;
		memcpy(&hd, blk + 208, 2);
		s += llm_k_block_result(x->k_scale[b], llm_f16_to_f32(hd), 0, isum, 0);
	}
	return s;
}

void llm_matvec_portable(const struct llm_matrix *w, const struct llm_vec *x, float *out,
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
		case LLM_DTYPE_Q5_0: out[r] = dot_q5_0(row, x, w->cols); break;
		case LLM_DTYPE_Q4_1: out[r] = dot_q4_1(row, x, w->cols); break;
		case LLM_DTYPE_Q5_1: out[r] = dot_q5_1(row, x, w->cols); break;
		case LLM_DTYPE_BF16: out[r] = dot_bf16(row, x->f, w->cols); break;
		case LLM_DTYPE_Q4_K:
		case LLM_DTYPE_Q5_K: out[r] = dot_q45_k(w->type, row, x, w->cols); break;
		case LLM_DTYPE_Q6_K: out[r] = dot_q6_k(row, x, w->cols); break;
		case LLM_DTYPE_Q2_K: out[r] = dot_q2_k(row, x, w->cols); break;
		case LLM_DTYPE_Q3_K: out[r] = dot_q3_k(row, x, w->cols); break;
		}
	}
}

void llm_matrix_row_f32(const struct llm_matrix *w, uint32_t r, float *out)
{
	const uint8_t *row = (const uint8_t *)w->data + (size_t)r * llm_row_bytes(w->type, w->cols);
	switch (w->type) {
	case LLM_DTYPE_F32:
		memcpy(out, row, (size_t)w->cols * 4);
		break;
	case LLM_DTYPE_F16:
		for (uint32_t i = 0; i < w->cols; i++) {
			uint16_t h;
			memcpy(&h, row + 2 * (size_t)i, 2);
			out[i] = llm_f16_to_f32(h);
		}
		break;
	case LLM_DTYPE_Q8_0:
		for (uint32_t b = 0; b < w->cols / LLM_Q8_0_BLOCK; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q8_0_BLOCK_BYTES;
			uint16_t h;
			memcpy(&h, blk, 2);
			float d = llm_f16_to_f32(h);
			for (int i = 0; i < LLM_Q8_0_BLOCK; i++)
				out[(size_t)b * LLM_Q8_0_BLOCK + i] = d * (float)(int8_t)blk[2 + i];
		}
		break;
	case LLM_DTYPE_Q4_0:
		for (uint32_t b = 0; b < w->cols / 32; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q4_0_BLOCK_BYTES;
			uint16_t h;
			memcpy(&h, blk, 2);
			float d = llm_f16_to_f32(h);
			for (int i = 0; i < 16; i++) {
				out[(size_t)b * 32 + i] = d * (float)((blk[2 + i] & 15) - 8);
				out[(size_t)b * 32 + i + 16] = d * (float)((blk[2 + i] >> 4) - 8);
			}
		}
		break;
	case LLM_DTYPE_Q4_1:
		for (uint32_t b = 0; b < w->cols / 32; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q4_1_BLOCK_BYTES;
			uint16_t hd, hm;
			memcpy(&hd, blk, 2);
			memcpy(&hm, blk + 2, 2);
			float d = llm_f16_to_f32(hd), m = llm_f16_to_f32(hm);
			for (int i = 0; i < 16; i++) {
				out[(size_t)b * 32 + i] = d * (float)(blk[4 + i] & 15) + m;
				out[(size_t)b * 32 + i + 16] = d * (float)(blk[4 + i] >> 4) + m;
			}
		}
		break;
	case LLM_DTYPE_Q5_0:
		for (uint32_t b = 0; b < w->cols / 32; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q5_0_BLOCK_BYTES;
			uint16_t h;
			memcpy(&h, blk, 2);
			float d = llm_f16_to_f32(h);
			int v[32];
			unpack_q5_0(blk, v);
			for (int i = 0; i < 32; i++)
				out[(size_t)b * 32 + i] = d * (float)v[i];
		}
		break;
	case LLM_DTYPE_Q5_1:
		for (uint32_t b = 0; b < w->cols / 32; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q5_1_BLOCK_BYTES;
			uint16_t hd, hm;
			memcpy(&hd, blk, 2);
			memcpy(&hm, blk + 2, 2);
			float d = llm_f16_to_f32(hd), m = llm_f16_to_f32(hm);
			int v[32];
			unpack_q5_1(blk + 4, blk + 8, v);
			for (int i = 0; i < 32; i++)
				out[(size_t)b * 32 + i] = d * (float)v[i] + m;
		}
		break;
	case LLM_DTYPE_BF16:
		for (uint32_t i = 0; i < w->cols; i++) {
			uint16_t h;
			memcpy(&h, row + 2 * (size_t)i, 2);
			out[i] = llm_bf16_to_f32(h);
		}
		break;
	case LLM_DTYPE_Q4_K:
	case LLM_DTYPE_Q5_K: {
		size_t bytes = w->type == LLM_DTYPE_Q5_K ? LLM_Q5_K_BLOCK_BYTES : LLM_Q4_K_BLOCK_BYTES;
		for (uint32_t b = 0; b < w->cols / LLM_QK_K; b++) {
			const uint8_t *blk = row + (size_t)b * bytes;
			uint16_t hd, hm;
			memcpy(&hd, blk, 2);
			memcpy(&hm, blk + 2, 2);
			float d = llm_f16_to_f32(hd), dmin = llm_f16_to_f32(hm);
			uint8_t sc[8], mn[8];
			llm_k_scales_unpack(blk + 4, sc, mn);
			int code[LLM_QK_K];
			unpack_k_codes(w->type, blk, code);
			for (int i = 0; i < LLM_QK_K; i++)
				out[(size_t)b * LLM_QK_K + i] = d * (float)sc[i / 32] * (float)code[i] -
								dmin * (float)mn[i / 32];
		}
		break;
	}
	case LLM_DTYPE_Q6_K:
		for (uint32_t b = 0; b < w->cols / LLM_QK_K; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q6_K_BLOCK_BYTES;
			const int8_t *sc = (const int8_t *)(blk + 192);
			uint16_t hd;
			memcpy(&hd, blk + 208, 2);
			float d = llm_f16_to_f32(hd);
			int v[LLM_QK_K];
			unpack_q6_k(blk, v);
			for (int i = 0; i < LLM_QK_K; i++)
				out[(size_t)b * LLM_QK_K + i] = d * (float)sc[i / 16] * (float)v[i];
		}
		break;
	case LLM_DTYPE_Q2_K:
		for (uint32_t b = 0; b < w->cols / LLM_QK_K; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q2_K_BLOCK_BYTES;
			uint16_t hd, hm;
			memcpy(&hd, blk + 80, 2);
			memcpy(&hm, blk + 82, 2);
			float d = llm_f16_to_f32(hd), dmin = llm_f16_to_f32(hm);
			int code[LLM_QK_K];
			q2_k_codes(blk, code);
			for (int i = 0; i < LLM_QK_K; i++)
				out[(size_t)b * LLM_QK_K + i] = d * (float)(blk[i / 16] & 15) * (float)code[i] -
								dmin * (float)(blk[i / 16] >> 4);
		}
		break;
	case LLM_DTYPE_Q3_K:
		for (uint32_t b = 0; b < w->cols / LLM_QK_K; b++) {
			const uint8_t *blk = row + (size_t)b * LLM_Q3_K_BLOCK_BYTES;
			uint16_t hd;
			memcpy(&hd, blk + 108, 2);
			float d = llm_f16_to_f32(hd);
			int v[LLM_QK_K], sc[16];
			q3_k_values(blk, v);
			q3_k_scales(blk + 96, sc);
			for (int i = 0; i < LLM_QK_K; i++)
				out[(size_t)b * LLM_QK_K + i] = d * (float)sc[i / 16] * (float)v[i];
		}
		break;
	}
}

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
	}
}

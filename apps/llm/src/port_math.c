/*
 * The engine's float math for builds without a C library (port.h).
 *
 * Each function evaluates in double with a relative error near 2^-50 and
 * rounds to float once. The float result is then the correctly rounded one
 * except when the exact value lies within that error of a halfway point
 * between two floats, where it may be the other neighbour: at most one ulp
 * off, and rarely. glibc's float functions work much the same way (its sinf
 * and cosf are a little further from correct rounding: about 1% of their
 * results are the other neighbour of the exact value, where these are
 * right), so a realm's logits match the host's to the last bit nearly
 * always, and its greedy tokens do.
 *
 * Polynomials are plain Taylor series, taken far enough that their
 * truncation is below double rounding on the reduced ranges: simple to
 * check, and speed does not matter here (the forward pass calls expf once
 * per attention score and per hidden unit, matrix products dominate).
 *
 * sinf/cosf reduce by the bits of 2/pi (Payne-Hanek) for every argument past
 * pi/4, so a large angle (a late RoPE position) keeps full accuracy.
 */
#include <stdint.h>

#include "port.h"

#define LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000: low bits zero */
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define PIO2 1.57079632679489661923

union fbits {
	float f;
	uint32_t u;
};
union dbits {
	double d;
	uint64_t u;
};

static int is_nan(float x)
{
	return x != x;
}

static double scale2(double v, int k)
{
	/* 2^k for |k| well inside double's exponent range, split in two steps so
	 * neither power overflows for k down to -2000 or up to 2000. */
	int k1 = k / 2, k2 = k - k1;
	union dbits a = { .u = (uint64_t)(1023 + k1) << 52 }, b = { .u = (uint64_t)(1023 + k2) << 52 };
	return v * a.d * b.d;
}

/* e^r for |r| <= ln2/2 + a little: Taylor to degree 14. */
static double exp_reduced(double r)
{
	double p = 1.0 / 87178291200.0; /* 1/14! */
	static const double inv_fact[] = { 1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
					   1.0 / 3628800.0,    1.0 / 362880.0,    1.0 / 40320.0,
					   1.0 / 5040.0,       1.0 / 720.0,       1.0 / 120.0,
					   1.0 / 24.0,         1.0 / 6.0,         0.5,
					   1.0,                1.0 };
	for (unsigned i = 0; i < sizeof(inv_fact) / sizeof(inv_fact[0]); i++)
		p = p * r + inv_fact[i];
	return p;
}

/* e^t in double for |t| < 1000 (what powf and expf need). */
static double exp_double(double t)
{
	double v = t * INV_LN2;
	int k = (int)(v < 0 ? v - 0.5 : v + 0.5); /* nearest (floor() may be a libm call) */
	double kd = (double)k;
	double r = (t - kd * LN2_HI) - kd * LN2_LO;
	return scale2(exp_reduced(r), k);
}

float llm_port_expf(float x)
{
	if (is_nan(x))
		return x + x;
	if (x > 89.0f)
		return __builtin_inff();
	if (x < -104.0f)
		return 0.0f;
	return (float)exp_double((double)x);
}

/* ln(m) for m in [sqrt(1/2), sqrt(2)): 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716. */
static double log_reduced(double m)
{
	double s = (m - 1.0) / (m + 1.0), s2 = s * s, p = 0.0;
	for (int k = 41; k >= 3; k -= 2)
		p = (p + 1.0 / k) * s2;
	return 2.0 * s * (1.0 + p);
}

/* ln(x) for finite x > 0 (a double from a float, so never subnormal). */
static double log_double(double x)
{
	union dbits b = { .d = x };
	int e = (int)((b.u >> 52) & 0x7ff) - 1023;
	b.u = (b.u & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1023) << 52); /* m in [1, 2) */
	if (b.d > 1.41421356237309504880) {
		b.d *= 0.5;
		e++;
	}
	return (double)e * LN2_HI + ((double)e * LN2_LO + log_reduced(b.d));
}

float llm_port_logf(float x)
{
	if (is_nan(x))
		return x + x;
	if (x < 0.0f)
		return __builtin_nanf("");
	if (x == 0.0f)
		return -__builtin_inff();
	if (x == __builtin_inff())
		return x;
	return (float)log_double((double)x);
}

/* y is an integer: 1 odd, 2 even, 0 not an integer. */
static int integer_kind(float y)
{
	float a = llm_port_fabsf(y);
	if (a >= 16777216.0f)
		return 2; /* every float this large is even */
	int64_t i = (int64_t)a;
	if ((float)i != a)
		return 0;
	return (i & 1) ? 1 : 2;
}

float llm_port_powf(float x, float y)
{
	if (y == 0.0f || x == 1.0f)
		return 1.0f;
	if (is_nan(x) || is_nan(y))
		return x + y;
	int kind = integer_kind(y);
	float ax = llm_port_fabsf(x), ay = llm_port_fabsf(y);
	if (ay == __builtin_inff()) {
		if (ax == 1.0f)
			return 1.0f;
		return (ax > 1.0f) == (y > 0.0f) ? __builtin_inff() : 0.0f;
	}
	if (ax == 0.0f || ax == __builtin_inff()) {
		/* 0^y and inf^y: 0 or inf by the sign of y (inverted for zero), with
		 * x's sign for odd integer y. */
		float mag = (ax == 0.0f) == (y < 0.0f) ? __builtin_inff() : 0.0f;
		return kind == 1 && __builtin_signbit(x) ? -mag : mag;
	}
	if (x < 0.0f && kind == 0)
		return __builtin_nanf("");
	double t = (double)y * log_double((double)ax);
	double r;
	if (t > 200.0)
		r = __builtin_inf();
	else if (t < -200.0)
		r = 0.0;
	else
		r = exp_double(t);
	float f = (float)r;
	return x < 0.0f && kind == 1 ? -f : f;
}

/* sin and cos of |r| <= pi/4 + a little, Taylor to degree 21 and 22. */
static double sin_reduced(double r)
{
	double r2 = r * r, p = 0.0;
	for (int k = 21; k >= 3; k -= 2)
		p = -(1.0 + p) * r2 / ((double)k * (double)(k - 1));
	return r + r * p;
}

static double cos_reduced(double r)
{
	double r2 = r * r, p = 0.0;
	for (int k = 22; k >= 2; k -= 2)
		p = -(1.0 + p) * r2 / ((double)k * (double)(k - 1));
	return 1.0 + p;
}

/* 2/pi's first 320 bits after the binary point. */
static const uint64_t two_over_pi[5] = { 0xa2f9836e4e441529u, 0xfc2757d1f534ddc0u, 0xdb6295993c439041u,
					 0xfe5163abdebbc561u, 0xb7246e3a424dd2e0u };

/* Bit i of 2/pi, weight 2^-i (i >= 1); bits before the point are 0. */
static unsigned bit_of_two_over_pi(int i)
{
	if (i < 1 || i > 320)
		return 0;
	i -= 1;
	return (unsigned)(two_over_pi[i / 64] >> (63 - i % 64)) & 1u;
}

/* |x| (finite, >= pi/4) = (q + f) * pi/2 modulo 2pi, q in 0..3, |f| <= 1/2;
 * returns f * pi/2. x = m * 2^e with m < 2^24 an integer. Bits of 2/pi
 * whose weight times 2^e is at least 4 only add multiples of 4 quadrants,
 * so the product needs 96 bits of 2/pi from bit e - 1 on: m times those,
 * scaled by 2^-94, is x * 2/pi modulo 4 to within m * 2^-94. */
static double reduce(float ax, unsigned *q)
{
	union fbits b = { .f = ax };
	int be = (int)(b.u >> 23);
	uint64_t m = (b.u & 0x7fffffu) | (be ? 0x800000u : 0);
	int e = (be ? be : 1) - 150;
	unsigned __int128 w = 0;
	for (int i = e - 1; i < e - 1 + 96; i++)
		w = w << 1 | bit_of_two_over_pi(i);
	unsigned __int128 p = (w * m) & (((unsigned __int128)1 << 96) - 1);
	unsigned __int128 rounded = p + ((unsigned __int128)1 << 93);
	*q = (unsigned)(rounded >> 94) & 3u;
	__int128 f = (__int128)(p - ((rounded >> 94) << 94));
	int64_t f64 = (int64_t)(f >> 30); /* 2^-64 units, |f| <= 2^93 */
	return (double)f64 * 0x1p-64 * PIO2;
}

float llm_port_sinf(float x)
{
	if (is_nan(x) || llm_port_fabsf(x) == __builtin_inff())
		return x - x;
	float ax = llm_port_fabsf(x);
	if (x == 0.0f)
		return x; /* keeps the sign of zero */
	if (ax <= 0.78539816f)
		return (float)sin_reduced((double)x);
	unsigned q;
	double r = reduce(ax, &q), v;
	switch (q) {
	case 0: v = sin_reduced(r); break;
	case 1: v = cos_reduced(r); break;
	case 2: v = -sin_reduced(r); break;
	default: v = -cos_reduced(r); break;
	}
	return (float)(x < 0.0f ? -v : v);
}

float llm_port_cosf(float x)
{
	if (is_nan(x) || llm_port_fabsf(x) == __builtin_inff())
		return x - x;
	float ax = llm_port_fabsf(x);
	if (ax <= 0.78539816f)
		return (float)cos_reduced((double)x);
	unsigned q;
	double r = reduce(ax, &q), v;
	switch (q) {
	case 0: v = cos_reduced(r); break;
	case 1: v = -sin_reduced(r); break;
	case 2: v = -cos_reduced(r); break;
	default: v = sin_reduced(r); break;
	}
	return (float)v;
}

float llm_port_fabsf(float x)
{
	union fbits b = { .f = x };
	b.u &= 0x7fffffffu;
	return b.f;
}

/* C's fmaxf/fminf: a NaN operand gives the other one. */
float llm_port_fmaxf(float a, float b)
{
	if (is_nan(a))
		return b;
	if (is_nan(b))
		return a;
	if (a == b) /* +0 and -0: the positive one, as glibc's */
		return __builtin_signbit(a) ? b : a;
	return a > b ? a : b;
}

float llm_port_fminf(float a, float b)
{
	if (is_nan(a))
		return b;
	if (is_nan(b))
		return a;
	if (a == b)
		return __builtin_signbit(a) ? a : b;
	return a < b ? a : b;
}

float llm_port_nearbyintf(float x)
{
	float ax = llm_port_fabsf(x);
	if (!(ax < 8388608.0f)) /* 2^23: already an integer (or inf, NaN) */
		return x;
	/* Adding 2^23 leaves no fraction bits: the addition rounds to even. */
	float r = (ax + 8388608.0f) - 8388608.0f;
	return __builtin_copysignf(r, x);
}

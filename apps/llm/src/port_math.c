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

/* 2^(j/64) for j = 0..63, each the double nearest the exact value. */
static const double exp2_64th[64] = {
	0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
	0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
	0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
	0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
	0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
	0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
	0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
	0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
	0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
	0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
	0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
	0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
	0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
	0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
	0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
	0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0
};
#define INV_LN2_64 0x1.71547652b82fep+6 /* 64 / ln 2 */
#define LN2_64_HI 0x1.62e42fee00000p-7 /* ln2 / 64 in two parts, HI with 32 bits */
#define LN2_64_LO 0x1.a39ef35793c76p-39

/* e^t in double for |t| < 700 (what powf and expf need): t = (64m + j) *
 * ln2/64 + r with |r| <= ln2/128, so e^t = 2^m * 2^(j/64) * e^r, and a
 * degree 6 Taylor series of e^r is below 2^-60 in error there. */
static double exp_double(double t)
{
	double v = t * INV_LN2_64;
	int k = (int)(v < 0 ? v - 0.5 : v + 0.5); /* nearest (floor() may be a libm call) */
	double kd = (double)k;
	double r = (t - kd * LN2_64_HI) - kd * LN2_64_LO; /* kd * HI is exact: k < 2^18 */
	double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720))))));
	int j = k & 63;
	/* 2^m directly: |m| < 1000 here, a normal double. */
	union dbits two_m = { .u = (uint64_t)(1023 + (k - j) / 64) << 52 };
	return p * exp2_64th[j] * two_m.d;
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

/* sin and cos of |r| <= pi/4 + a little: Taylor series to degree 17 and
 * 18, whose truncation is below 2^-60 there. */
static double sin_reduced(double r)
{
	static const double c[] = { 1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
				    -1.0 / 39916800.0,          1.0 / 362880.0,           -1.0 / 5040.0,
				    1.0 / 120.0,                -1.0 / 6.0 };
	double r2 = r * r, p = 0.0;
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		p = p * r2 + c[i];
	return r + r * r2 * p;
}

static double cos_reduced(double r)
{
	static const double c[] = { -1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0,
				    1.0 / 479001600.0,          -1.0 / 3628800.0,        1.0 / 40320.0,
				    -1.0 / 720.0,               1.0 / 24.0,              -0.5 };
	double r2 = r * r, p = 0.0;
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		p = p * r2 + c[i];
	return 1.0 + r2 * p;
}

/* 2/pi's first 320 bits after the binary point. */
static const uint64_t two_over_pi[5] = { 0xa2f9836e4e441529u, 0xfc2757d1f534ddc0u, 0xdb6295993c439041u,
					 0xfe5163abdebbc561u, 0xb7246e3a424dd2e0u };

/* The 64 bits of 2/pi from bit i on (bit i has weight 2^-i, i >= 1; bits
 * before the point are 0, as are those past the table, never reached). */
static uint64_t bits_of_two_over_pi(int i)
{
	if (i < 1)
		return 1 - i >= 64 ? 0 : bits_of_two_over_pi(1) >> (1 - i);
	unsigned idx = (unsigned)(i - 1), w = idx / 64, sh = idx % 64;
	uint64_t hi = w < 5 ? two_over_pi[w] : 0, lo = w + 1 < 5 ? two_over_pi[w + 1] : 0;
	return sh ? hi << sh | lo >> (64 - sh) : hi;
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
	unsigned __int128 w = (unsigned __int128)bits_of_two_over_pi(e - 1) << 32 | bits_of_two_over_pi(e + 63) >> 32;
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

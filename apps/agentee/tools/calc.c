/* The calculator tool (calc.h): a recursive-descent evaluator. */
#include <stdbool.h>

#include "calc.h"
#include "schema.h"
#include "sdk/rjson.h"

const char calc_schema[] = "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\","
			  "\"maxLength\":512}},\"required\":[\"expression\"]}";

typedef __int128 num;

struct calc {
	const char *s;
	size_t len, pos;
	unsigned depth;
	struct calc_error *err;
	bool failed;
};

static bool fail(struct calc *c, const char *why)
{
	if (!c->failed) {
		c->failed = true;
		c->err->offset = c->pos;
		c->err->why = why;
	}
	return false;
}

static void spaces(struct calc *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
}

static bool in_range(struct calc *c, num v)
{
	return (v < CALC_LIMIT && v > -CALC_LIMIT) || fail(c, "a number too large");
}

static bool expr(struct calc *c, num *v);

static bool number(struct calc *c, num *v)
{
	num n = 0;
	unsigned frac = 0;
	bool digits = false, dot = false;

	while (c->pos < c->len) {
		char ch = c->s[c->pos];
		if (ch == '.' && !dot) {
			dot = true;
		} else if (ch >= '0' && ch <= '9') {
			digits = true;
			if (dot && ++frac > CALC_DECIMALS)
				return fail(c, "more than 6 decimal places");
			n = n * 10 + (ch - '0');
			if (n >= CALC_LIMIT)
				return fail(c, "a number too large");
		} else {
			break;
		}
		c->pos++;
	}
	if (!digits)
		return fail(c, "a number or '(' expected");
	for (; frac < CALC_DECIMALS; frac++)
		n *= 10;
	*v = n;
	return in_range(c, n);
}

static bool primary(struct calc *c, num *v)
{
	spaces(c);
	if (c->pos < c->len && c->s[c->pos] == '(') {
		c->pos++;
		if (++c->depth > CALC_MAX_DEPTH)
			return fail(c, "nested too deeply");
		if (!expr(c, v))
			return false;
		c->depth--;
		spaces(c);
		if (c->pos >= c->len || c->s[c->pos] != ')')
			return fail(c, "')' expected");
		c->pos++;
		return true;
	}
	return number(c, v);
}

/* a * b / scale, refused when the product would not fit 128 bits */
static bool mul(struct calc *c, num a, num b, num *out)
{
	num ma = a < 0 ? -a : a, mb = b < 0 ? -b : b;
	const num max = (num)(((unsigned __int128)1 << 127) - 1);

	if (ma != 0 && mb > max / ma)
		return fail(c, "a number too large");
	*out = a * b / CALC_SCALE;
	return in_range(c, *out);
}

static bool unary(struct calc *c, num *v);

/* base ^ exponent, the exponent a whole number from 0 to 64 */
static bool power(struct calc *c, num *v)
{
	num base, e;

	if (!primary(c, &base))
		return false;
	spaces(c);
	if (c->pos >= c->len || c->s[c->pos] != '^') {
		*v = base;
		return true;
	}
	c->pos++;
	if (++c->depth > CALC_MAX_DEPTH)
		return fail(c, "nested too deeply");
	size_t at = c->pos;
	if (!unary(c, &e)) /* right-associative: 2^3^2 is 2^9 */
		return false;
	c->depth--;
	if (e % CALC_SCALE != 0 || e < 0 || e > 64 * (num)CALC_SCALE) {
		c->pos = at;
		return fail(c, "the power must be a whole number from 0 to 64");
	}
	num r = CALC_SCALE;
	for (num k = 0; k < e / CALC_SCALE; k++)
		if (!mul(c, r, base, &r))
			return false;
	*v = r;
	return true;
}

/* -x binds looser than ^ (-2^2 is -4), tighter than * and / */
static bool unary(struct calc *c, num *v)
{
	spaces(c);
	if (c->pos < c->len && c->s[c->pos] == '-') {
		c->pos++;
		if (++c->depth > CALC_MAX_DEPTH)
			return fail(c, "nested too deeply");
		if (!unary(c, v))
			return false;
		c->depth--;
		*v = -*v;
		return true;
	}
	return power(c, v);
}

static bool term(struct calc *c, num *v)
{
	if (!unary(c, v))
		return false;
	for (;;) {
		spaces(c);
		if (c->pos >= c->len)
			return true;
		char op = c->s[c->pos];
		if (op != '*' && op != '/' && op != '%')
			return true;
		size_t at = c->pos++;
		num r;
		if (!unary(c, &r))
			return false;
		if (op == '*') {
			if (!mul(c, *v, r, v))
				return false;
		} else {
			if (r == 0) {
				c->pos = at;
				return fail(c, op == '/' ? "division by zero" : "remainder by zero");
			}
			/* Rounded to nearest (ties away from zero) at the last place. */
			if (op == '/') {
				num q = *v * CALC_SCALE * 2 / r;
				*v = (q + (q >= 0 ? 1 : -1)) / 2;
			} else {
				*v = *v % r;
			}
		}
		if (!in_range(c, *v))
			return false;
	}
}

static bool expr(struct calc *c, num *v)
{
	if (!term(c, v))
		return false;
	for (;;) {
		spaces(c);
		if (c->pos >= c->len || (c->s[c->pos] != '+' && c->s[c->pos] != '-'))
			return true;
		char op = c->s[c->pos++];
		num r;
		if (!term(c, &r))
			return false;
		*v = op == '+' ? *v + r : *v - r;
		if (!in_range(c, *v))
			return false;
	}
}

int calc_eval(const char *s, size_t len, int64_t *value, struct calc_error *err)
{
	struct calc c = { s, len, 0, 0, err, false };
	num v = 0;

	if (len > CALC_MAX_LEN) {
		err->offset = CALC_MAX_LEN;
		err->why = "the expression is longer than 512 characters";
		return -1;
	}
	if (!expr(&c, &v))
		return -1;
	spaces(&c);
	if (c.pos != len) {
		fail(&c, "an operator or the end expected");
		return -1;
	}
	*value = (int64_t)v;
	return 0;
}

int calc_format(int64_t value, char *buf, size_t cap)
{
	char tmp[40];
	size_t n = 0;
	uint64_t m = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
	uint64_t whole = m / CALC_SCALE, frac = m % CALC_SCALE;
	unsigned fd = CALC_DECIMALS;

	while (fd > 0 && frac % 10 == 0)
		frac /= 10, fd--;
	for (unsigned i = 0; i < fd; i++, frac /= 10)
		tmp[n++] = (char)('0' + frac % 10);
	if (fd)
		tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	if (value < 0)
		tmp[n++] = '-';
	if (n + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return (int)n;
}

long calc_tool(const char *args, size_t len, char *resp, size_t cap)
{
	struct rjson_node nodes[8];
	struct rjson_doc d;
	char expression[CALC_MAX_LEN + 1], why[128], out[32];

	if (rjson_parse(args, len, nodes, 8, &d, NULL) != RJSON_OK || d.nodes[0].type != RJSON_OBJECT)
		return tool_reply(resp, cap, "error", "the arguments are not a JSON object");
	uint32_t e = rjson_get(&d, 0, "expression");
	if (!e || d.nodes[e].type != RJSON_STRING)
		return tool_reply(resp, cap, "error", "missing \"expression\" (a string)");
	if (d.nodes[0].children != 2)
		return tool_reply(resp, cap, "error", "only \"expression\" is allowed");
	long n = rjson_string(&d, e, expression, sizeof(expression));
	if (n < 0)
		return tool_reply(resp, cap, "error", "the expression is longer than 512 characters");
	int64_t v;
	struct calc_error err;
	if (calc_eval(expression, (size_t)n, &v, &err) != 0) {
		/* "<why> at character N" */
		size_t k = 0;
		for (const char *p = err.why; *p && k < 100; p++)
			why[k++] = *p;
		const char *at = " at character ";
		for (const char *p = at; *p; p++)
			why[k++] = *p;
		char num_buf[24];
		int nl = calc_format((int64_t)(err.offset + 1) * CALC_SCALE, num_buf, sizeof(num_buf));
		for (int i = 0; i < nl; i++)
			why[k++] = num_buf[i];
		why[k] = 0;
		return tool_reply(resp, cap, "error", why);
	}
	calc_format(v, out, sizeof(out));
	return tool_reply(resp, cap, "result", out);
}

/*
 * The calculator tool's arithmetic: decimal expressions evaluated exactly
 * in fixed point (CALC_DECIMALS fractional digits, 128-bit intermediates),
 * so 0.1 + 0.2 is 0.3 and a model's arithmetic question gets the answer a
 * person expects. Grammar: numbers (digits with an optional fraction),
 * + - * / % (remainder) ^ (an integer power), unary minus, parentheses,
 * spaces. Everything a peer sends is bounded: length, nesting, magnitude.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_CALC_H
#define CAEC_AGENTEE_CALC_H

#include <stddef.h>
#include <stdint.h>

#define CALC_DECIMALS  6
#define CALC_SCALE     1000000
#define CALC_MAX_LEN   512
#define CALC_MAX_DEPTH 32
/* |value| < 10^12 (CALC_LIMIT in scaled units), so it fits an int64_t. */
#define CALC_LIMIT ((__int128)1000000000000 * CALC_SCALE)

struct calc_error {
	size_t offset;   /* where in the expression */
	const char *why; /* "division by zero", ... (static) */
};

/* expr[0..len) into *value (scaled by CALC_SCALE). 0, or -1 with err. */
int calc_eval(const char *expr, size_t len, int64_t *value, struct calc_error *err);

/* value as a decimal without trailing zeros ("-12.5", "3") into buf:
 * its length, or -1 when buf is too small (32 bytes always suffice). */
int calc_format(int64_t value, char *buf, size_t cap);

/* The calculator's schema (schema.h), as the agent declares the tool. */
extern const char calc_schema[];

/* The tool's whole request: arguments {"expression": "..."} (JSON) into the
 * answer {"result": "..."} or {"error": "..."}: its length, or -1 when resp
 * is too small. */
long calc_tool(const char *args, size_t len, char *resp, size_t cap);

#endif

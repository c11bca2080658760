/* Constrained decoding for tool calls (tool_grammar.h). */
#include "sdk/mem.h"
#include "tool_grammar.h"

enum {
	S_START, S_START_CALL, S_FREE, S_LIT,
	S_TOOL_KEY, S_TOOL_COLON, S_TOOL_VALUE, S_NAME, S_AFTER_NAME,
	S_ARGS_KEY, S_ARGS_COLON, S_ARGS_OPEN,
	S_KEY_OR_CLOSE, S_KEY_NEXT, S_KEY, S_KEY_COLON, S_VALUE,
	S_STR, S_INT,
	S_NUM_SIGN, S_NUM_ZERO, S_NUM_INT, S_NUM_DOT, S_NUM_FRAC, S_NUM_E, S_NUM_ESIGN, S_NUM_EXP,
	S_ARR_FIRST, S_ARR_NEXT, S_ARR_AFTER,
	S_AFTER_VALUE, S_OUTER_CLOSE, S_DONE,
};

/* What a string's characters are matched against. */
enum { M_NONE, M_NAME, M_KEY, M_ENUM };

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

void tg_init(struct tool_grammar *g, const struct tg_tools *tools)
{
	__builtin_memset(g, 0, sizeof(*g));
	g->tools = tools;
	g->tool = -1;
	g->prop = -1;
	g->st = S_START;
}

void tg_require_call(struct tool_grammar *g)
{
	g->st = S_START_CALL;
}

static const struct tool_schema *schema(const struct tool_grammar *g)
{
	return g->tools->schemas[g->tool];
}

static const struct schema_prop *prop(const struct tool_grammar *g)
{
	return &schema(g)->props[g->prop];
}

static uint32_t required(const struct tool_grammar *g)
{
	uint32_t r = 0;

	for (uint32_t i = 0; i < schema(g)->n; i++)
		if (schema(g)->props[i].required)
			r |= 1u << i;
	return r;
}

/* Which matching a string in the current state does. */
static unsigned matching(const struct tool_grammar *g)
{
	if (g->ret == S_AFTER_NAME)
		return M_NAME;
	if (g->ret == S_KEY_COLON)
		return M_KEY;
	if (g->prop >= 0 && g->ret == S_AFTER_VALUE && prop(g)->type == SCHEMA_STRING && prop(g)->n_enum)
		return M_ENUM;
	return M_NONE;
}

static const char *candidate(const struct tool_grammar *g, unsigned m, unsigned i)
{
	if (m == M_NAME)
		return g->tools->names[i];
	if (m == M_KEY)
		return schema(g)->props[i].name;
	return prop(g)->enum_vals[i];
}

static void begin_string(struct tool_grammar *g, uint8_t ret)
{
	g->st = S_STR;
	g->ret = ret;
	g->count = g->pos = 0;
	g->esc = g->u8_need = 0;
	unsigned m = matching(g);
	g->cand = 0;
	if (m == M_NAME)
		g->cand = (1u << g->tools->n) - 1;
	else if (m == M_KEY)
		g->cand = ((1u << schema(g)->n) - 1) & ~g->seen;
	else if (m == M_ENUM)
		g->cand = (1u << prop(g)->n_enum) - 1;
}

static void begin_lit(struct tool_grammar *g, const char *lit, uint8_t ret)
{
	g->st = S_LIT;
	g->lit = lit;
	g->lit_pos = 1; /* the first character is the one that chose it */
	g->ret = ret;
}

/* A string's closing quote: whether what it holds is acceptable. */
static bool end_string(struct tool_grammar *g)
{
	unsigned m = matching(g);

	if (g->esc || g->u8_need)
		return false;
	if (m != M_NONE) {
		int hit = -1;
		for (unsigned i = 0; i < 32; i++)
			if (g->cand >> i & 1 && sdk_strlen(candidate(g, m, i)) == g->pos)
				hit = (int)i;
		if (hit < 0)
			return false;
		if (m == M_NAME)
			g->tool = (int8_t)hit;
		if (m == M_KEY) {
			g->prop = (int8_t)hit;
			g->seen |= 1u << hit;
		}
	}
	g->st = g->ret;
	return true;
}

/* Whether n more bytes fit the current string (a free string: its
 * maxLength or TG_STRING_MAX), so that an escape or a multi-byte character
 * is only begun when it can be finished. */
static bool room(const struct tool_grammar *g, uint32_t n)
{
	uint32_t max = g->prop >= 0 && g->ret == S_AFTER_VALUE ? prop(g)->max_len : 0;

	return matching(g) != M_NONE || g->count + n <= (max ? max : TG_STRING_MAX);
}

/* One byte of a string's text (after escapes are resolved). */
static bool string_byte(struct tool_grammar *g, unsigned char c, bool raw)
{
	unsigned m = matching(g);

	if (m != M_NONE) {
		if (!raw)
			return false; /* names, keys and enum values are matched as written */
		uint32_t keep = 0;
		for (unsigned i = 0; i < 32; i++)
			if (g->cand >> i & 1) {
				const char *v = candidate(g, m, i);
				if (sdk_strlen(v) > g->pos && (unsigned char)v[g->pos] == c)
					keep |= 1u << i;
			}
		if (!keep)
			return false;
		g->cand = keep;
		g->pos++;
	}
	g->count++;
	uint32_t max = m == M_NONE && g->prop >= 0 && g->ret == S_AFTER_VALUE ? prop(g)->max_len : 0;
	return g->count <= (max ? max : TG_STRING_MAX);
}

static int hexval(char c)
{
	if (digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool string_char(struct tool_grammar *g, char ch)
{
	unsigned char c = (unsigned char)ch;

	if (g->esc == 1) {
		g->esc = 0;
		if (c == 'u') {
			g->esc = 2;
			g->hex = 0;
			return true;
		}
		for (const char *p = "\"\\/bfnrt"; *p; p++)
			if (c == (unsigned char)*p)
				return string_byte(g, c, false);
		return false;
	}
	if (g->esc >= 2) {
		int h = hexval(ch);
		if (h < 0)
			return false;
		g->hex = g->hex << 4 | (uint32_t)h;
		/* Refused as soon as it can only be a surrogate (D800-DFFF). */
		if (g->esc == 3 && g->hex >= 0xd8 && g->hex <= 0xdf)
			return false;
		if (++g->esc < 6)
			return true;
		g->esc = 0;
		/* No surrogates (the checker refuses unpaired ones) and no NUL; a
		 * code point counts as the 1-3 bytes it decodes to. */
		if ((g->hex >= 0xd800 && g->hex <= 0xdfff) || g->hex == 0)
			return false;
		unsigned bytes = g->hex < 0x80 ? 1 : g->hex < 0x800 ? 2 : 3;
		for (unsigned i = 0; i < bytes; i++)
			if (!string_byte(g, 0, false))
				return false;
		return true;
	}
	if (g->u8_need) {
		if (c < g->u8_lo || c > g->u8_hi)
			return false;
		g->u8_need--;
		g->u8_lo = 0x80;
		g->u8_hi = 0xbf;
		return string_byte(g, c, true);
	}
	if (c == '"')
		return end_string(g);
	if (c == '\\') {
		/* Room for what the escape may decode to: \uXXXX up to 3 bytes. */
		if (matching(g) != M_NONE || !room(g, 3))
			return false;
		g->esc = 1;
		return true;
	}
	if (c < 0x20)
		return false;
	if (c >= 0x80) {
		/* UTF-8 as RFC 3629 has it: no overlong forms, no surrogates,
		 * nothing above U+10FFFF. */
		g->u8_lo = 0x80;
		g->u8_hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			g->u8_need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			g->u8_need = 2;
			if (c == 0xe0)
				g->u8_lo = 0xa0;
			if (c == 0xed)
				g->u8_hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			g->u8_need = 3;
			if (c == 0xf0)
				g->u8_lo = 0x90;
			if (c == 0xf4)
				g->u8_hi = 0x8f;
		} else {
			return false;
		}
		if (!room(g, 1u + g->u8_need))
			return false;
	}
	return string_byte(g, c, true);
}

/* Whether an integer written so far as sign and magnitude v (digits
 * digits, no leading zero unless v is 0 alone) can still be finished
 * within [min, max]: some v' = v * 10^k + r (r < 10^k) lies in it, or v
 * itself for k = 0. A '0' alone cannot grow. */
static bool int_viable(const struct schema_prop *p, int64_t v, bool neg, unsigned digits)
{
	int64_t lo = p->has_min ? p->min : INT64_MIN, hi = p->has_max ? p->max : INT64_MAX;

	if (v == 0 && digits == 1)
		return !neg && lo <= 0 && hi >= 0;
	__int128 base = v, span = 1;
	for (unsigned k = digits; k <= 18; k++) {
		/* magnitudes [base, base + span - 1] */
		__int128 a = neg ? -(base + span - 1) : base, b = neg ? -base : base + span - 1;
		if (a <= hi && b >= lo)
			return true;
		base *= 10;
		span *= 10;
	}
	return false;
}

/* An integer's next digit: refused as soon as no way to finish the number
 * would be in its bounds, so a model cannot talk itself into a dead end. */
static bool int_digit(struct tool_grammar *g, char c)
{
	if (g->digits == 1 && g->ival == 0)
		return false; /* no leading zeros */
	if (g->digits >= 18)
		return false;
	int64_t v = g->ival * 10 + (c - '0');
	if (!int_viable(prop(g), v, g->neg, g->digits + 1u))
		return false;
	g->ival = v;
	g->digits++;
	return true;
}

static bool int_end(const struct tool_grammar *g)
{
	const struct schema_prop *p = prop(g);
	int64_t v = g->neg ? -g->ival : g->ival;

	if (!g->digits)
		return false;
	return (!p->has_min || v >= p->min) && (!p->has_max || v <= p->max) && !(g->neg && g->ival == 0);
}

static bool value_start(struct tool_grammar *g, char c)
{
	const struct schema_prop *p = prop(g);

	switch (p->type) {
	case SCHEMA_STRING:
		if (c != '"')
			return false;
		begin_string(g, S_AFTER_VALUE);
		return true;
	case SCHEMA_INTEGER:
		g->ival = 0;
		g->digits = 0;
		g->neg = c == '-';
		g->st = S_INT;
		if (g->neg)
			return !p->has_min || p->min < 0;
		return digit(c) && int_digit(g, c);
	case SCHEMA_NUMBER:
		if (c == '-') {
			g->st = S_NUM_SIGN;
			return true;
		}
		if (!digit(c))
			return false;
		g->st = c == '0' ? S_NUM_ZERO : S_NUM_INT;
		return true;
	case SCHEMA_BOOLEAN:
		if (c == 't')
			begin_lit(g, "true", S_AFTER_VALUE);
		else if (c == 'f')
			begin_lit(g, "false", S_AFTER_VALUE);
		else
			return false;
		return true;
	case SCHEMA_STRING_ARRAY:
		if (c != '[')
			return false;
		g->items = 0;
		g->st = S_ARR_FIRST;
		return true;
	}
	return false;
}

static bool array_item(struct tool_grammar *g)
{
	if (prop(g)->max_len && g->items >= prop(g)->max_len)
		return false;
	g->items++;
	begin_string(g, S_ARR_AFTER);
	return true;
}

/* The character after a number: the number must be whole, then c goes to
 * what follows a value. */
static bool number_end(struct tool_grammar *g, char c, bool whole);

static bool after_value(struct tool_grammar *g, char c)
{
	if (blank(c))
		return true;
	/* A comma only when some argument is left to write. */
	if (c == ',' && (g->seen & ((1u << schema(g)->n) - 1)) != (1u << schema(g)->n) - 1) {
		g->st = S_KEY_NEXT;
		g->prop = -1;
		return true;
	}
	if (c == '}' && (g->seen & required(g)) == required(g)) {
		g->st = S_OUTER_CLOSE;
		g->prop = -1;
		return true;
	}
	return false;
}

static bool number_end(struct tool_grammar *g, char c, bool whole)
{
	if (!whole || !(blank(c) || c == ',' || c == '}'))
		return false;
	g->st = S_AFTER_VALUE;
	return after_value(g, c);
}

static bool step(struct tool_grammar *g, char c)
{
	switch (g->st) {
	case S_START:
		if (blank(c))
			return true;
		g->st = c == '{' ? S_TOOL_KEY : S_FREE;
		return true;
	case S_START_CALL:
		if (blank(c))
			return true;
		if (c != '{')
			return false;
		g->st = S_TOOL_KEY;
		return true;
	case S_FREE:
		return true;
	case S_LIT:
		if (c != g->lit[g->lit_pos])
			return false;
		if (!g->lit[++g->lit_pos])
			g->st = g->ret;
		return true;
	case S_TOOL_KEY:
		if (blank(c))
			return true;
		if (c != '"')
			return false;
		begin_lit(g, "\"tool\"", S_TOOL_COLON);
		return true;
	case S_TOOL_COLON:
	case S_ARGS_COLON:
	case S_KEY_COLON:
		if (blank(c))
			return true;
		if (c != ':')
			return false;
		g->st = g->st == S_TOOL_COLON ? S_TOOL_VALUE : g->st == S_ARGS_COLON ? S_ARGS_OPEN : S_VALUE;
		return true;
	case S_TOOL_VALUE:
		if (blank(c))
			return true;
		if (c != '"')
			return false;
		begin_string(g, S_AFTER_NAME);
		return true;
	case S_AFTER_NAME:
		if (blank(c))
			return true;
		if (c != ',')
			return false;
		g->st = S_ARGS_KEY;
		return true;
	case S_ARGS_KEY:
		if (blank(c))
			return true;
		if (c != '"')
			return false;
		begin_lit(g, "\"arguments\"", S_ARGS_COLON);
		return true;
	case S_ARGS_OPEN:
		if (blank(c))
			return true;
		if (c != '{')
			return false;
		g->st = S_KEY_OR_CLOSE;
		return true;
	case S_KEY_OR_CLOSE:
	case S_KEY_NEXT:
		if (blank(c))
			return true;
		if (c == '"') {
			begin_string(g, S_KEY_COLON);
			return g->cand != 0;
		}
		if (c == '}' && g->st == S_KEY_OR_CLOSE && (g->seen & required(g)) == required(g)) {
			g->st = S_OUTER_CLOSE;
			return true;
		}
		return false;
	case S_VALUE:
		if (blank(c))
			return true;
		return value_start(g, c);
	case S_STR:
		return string_char(g, c);
	case S_INT:
		if (digit(c))
			return int_digit(g, c);
		if (!int_end(g))
			return false;
		g->st = S_AFTER_VALUE;
		return after_value(g, c);
	case S_NUM_SIGN:
		if (!digit(c))
			return false;
		g->st = c == '0' ? S_NUM_ZERO : S_NUM_INT;
		return true;
	case S_NUM_ZERO:
	case S_NUM_INT:
		if (digit(c) && g->st == S_NUM_INT)
			return true;
		if (c == '.') {
			g->st = S_NUM_DOT;
			return true;
		}
		if (c == 'e' || c == 'E') {
			g->st = S_NUM_E;
			return true;
		}
		return number_end(g, c, true);
	case S_NUM_DOT:
		if (!digit(c))
			return false;
		g->st = S_NUM_FRAC;
		return true;
	case S_NUM_FRAC:
		if (digit(c))
			return true;
		if (c == 'e' || c == 'E') {
			g->st = S_NUM_E;
			return true;
		}
		return number_end(g, c, true);
	case S_NUM_E:
		if (c == '+' || c == '-') {
			g->st = S_NUM_ESIGN;
			return true;
		}
		/* fall through */
	case S_NUM_ESIGN:
		if (!digit(c))
			return false;
		g->st = S_NUM_EXP;
		return true;
	case S_NUM_EXP:
		if (digit(c))
			return true;
		return number_end(g, c, true);
	case S_ARR_FIRST:
		if (blank(c))
			return true;
		if (c == ']') {
			g->st = S_AFTER_VALUE;
			return true;
		}
		return c == '"' && array_item(g);
	case S_ARR_NEXT:
		if (blank(c))
			return true;
		return c == '"' && array_item(g);
	case S_ARR_AFTER:
		if (blank(c))
			return true;
		if (c == ',') {
			g->st = S_ARR_NEXT;
			return true;
		}
		if (c == ']') {
			g->st = S_AFTER_VALUE;
			return true;
		}
		return false;
	case S_AFTER_VALUE:
		return after_value(g, c);
	case S_OUTER_CLOSE:
		if (blank(c))
			return true;
		if (c != '}')
			return false;
		g->st = S_DONE;
		return true;
	case S_DONE:
		return blank(c);
	}
	return false;
}

bool tg_feed(struct tool_grammar *g, const char *s, size_t n)
{
	struct tool_grammar t = *g;

	for (size_t i = 0; i < n; i++) {
		/* Blanks in a row, outside strings and free text. */
		bool counted = t.st != S_STR && t.st != S_FREE && t.st != S_LIT && blank(s[i]);
		t.blanks = counted ? t.blanks + 1 : 0;
		if (t.blanks > TG_MAX_BLANKS || !step(&t, s[i]))
			return false;
	}
	*g = t;
	return true;
}

bool tg_complete(const struct tool_grammar *g)
{
	return g->st == S_DONE;
}

bool tg_free_text(const struct tool_grammar *g)
{
	return g->st == S_FREE;
}

bool tg_may_end(const struct tool_grammar *g)
{
	return g->st == S_START || g->st == S_FREE || g->st == S_DONE;
}

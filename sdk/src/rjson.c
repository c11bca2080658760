/* Strict bounded JSON for realms (sdk/rjson.h). */
#include "sdk/rjson.h"

/* The C library's strlen is not in a realm. */
static size_t cstr_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

struct parser {
	const char *s;
	uint32_t len, pos;
	struct rjson_node *nodes;
	uint32_t max, count;
	enum rjson_error err;
};

static bool fail(struct parser *p, enum rjson_error e)
{
	if (p->err == RJSON_OK)
		p->err = e;
	return false;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool literal(struct parser *p, const char *word)
{
	for (uint32_t i = 0; word[i]; i++)
		if (p->pos + i >= p->len || p->s[p->pos + i] != word[i])
			return fail(p, RJSON_E_SYNTAX);
	while (*word++)
		p->pos++;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool number(struct parser *p)
{
	uint32_t start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !is_digit(p->s[p->pos]))
		return fail(p, RJSON_E_SYNTAX);
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, RJSON_E_SYNTAX);
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !is_digit(p->s[p->pos]))
			return fail(p, RJSON_E_SYNTAX);
		while (p->pos < p->len && is_digit(p->s[p->pos]))
			p->pos++;
	}
	return p->pos > start;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static unsigned put_utf8(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* The length of a valid UTF-8 sequence at s[0..n), or 0. */
static unsigned utf8_len(const uint8_t *s, uint32_t n)
{
	uint8_t c = s[0];
	unsigned len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (unsigned i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* One unit of a (validated) string body at s[*pos]: its unescaped bytes. */
static unsigned decode_unit(const char *s, uint32_t *pos, uint8_t out[4])
{
	uint8_t c = (uint8_t)s[*pos];

	if (c != '\\') {
		(*pos)++;
		out[0] = c;
		return 1;
	}
	char e = s[*pos + 1];
	*pos += 2;
	switch (e) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': {
		uint32_t cp = (uint32_t)hex4(s + *pos);
		*pos += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo = (uint32_t)hex4(s + *pos + 2);
			*pos += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		return put_utf8(cp, out);
	}
	default: out[0] = (uint8_t)e; return 1; /* " \ / */
	}
}

static bool string(struct parser *p, struct rjson_node *n)
{
	p->pos++; /* the opening quote */
	n->start = p->pos;
	while (p->pos < p->len) {
		uint8_t c = (uint8_t)p->s[p->pos];
		if (c == '"') {
			n->len = p->pos - n->start;
			p->pos++;
			return true;
		}
		if (c < 0x20)
			return fail(p, RJSON_E_STRING);
		if (c == '\\') {
			n->escaped = 1;
			if (p->pos + 1 >= p->len)
				break;
			char e = p->s[p->pos + 1];
			if (e == 'u') {
				if (p->pos + 6 > p->len)
					break;
				int cp = hex4(p->s + p->pos + 2);
				if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff))
					return fail(p, RJSON_E_STRING);
				p->pos += 6;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (p->pos + 6 > p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
						return fail(p, RJSON_E_STRING);
					int lo = hex4(p->s + p->pos + 2);
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(p, RJSON_E_STRING);
					p->pos += 6;
				}
				continue;
			}
			if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
				return fail(p, RJSON_E_STRING);
			p->pos += 2;
			continue;
		}
		unsigned l = utf8_len((const uint8_t *)p->s + p->pos, p->len - p->pos);
		if (l == 0)
			return fail(p, RJSON_E_STRING);
		p->pos += l;
	}
	return fail(p, RJSON_E_SYNTAX);
}

/* Two string nodes' unescaped values equal. */
static bool same_string(const char *s, const struct rjson_node *a, const struct rjson_node *b)
{
	if (!a->escaped && !b->escaped)
		return a->len == b->len && __builtin_memcmp(s + a->start, s + b->start, a->len) == 0;
	uint32_t i = a->start, j = b->start, ie = a->start + a->len, je = b->start + b->len;
	uint8_t x[4], y[4];
	unsigned nx = 0, ny = 0, ix = 0, iy = 0;
	for (;;) {
		if (ix == nx && i < ie)
			nx = decode_unit(s, &i, x), ix = 0;
		if (iy == ny && j < je)
			ny = decode_unit(s, &j, y), iy = 0;
		bool ea = ix == nx, eb = iy == ny;
		if (ea || eb)
			return ea && eb;
		if (x[ix++] != y[iy++])
			return false;
	}
}

static uint32_t new_node(struct parser *p, enum rjson_type t)
{
	if (p->count >= p->max) {
		fail(p, RJSON_E_NODES);
		return UINT32_MAX;
	}
	p->nodes[p->count] = (struct rjson_node){ .type = t, .start = p->pos };
	return p->count++;
}

static bool value(struct parser *p, unsigned depth);

static bool members(struct parser *p, uint32_t self, unsigned depth, bool object)
{
	uint32_t prev = 0, first_key = 0;
	char close = object ? '}' : ']';

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, RJSON_E_SYNTAX);
			uint32_t k = new_node(p, RJSON_STRING);
			if (k == UINT32_MAX || !string(p, &p->nodes[k]))
				return false;
			/* A key seen before in this object: refused. */
			for (uint32_t q = first_key; q && q != k; q = p->nodes[p->nodes[q].next].next)
				if (same_string(p->s, &p->nodes[q], &p->nodes[k]))
					return fail(p, RJSON_E_DUPLICATE);
			if (prev)
				p->nodes[prev].next = k;
			else
				first_key = k;
			prev = k;
			p->nodes[self].children++;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, RJSON_E_SYNTAX);
			p->pos++;
			skip_ws(p);
		}
		uint32_t v = p->count;
		if (!value(p, depth + 1))
			return false;
		if (prev)
			p->nodes[prev].next = v;
		prev = v;
		p->nodes[self].children++;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, RJSON_E_SYNTAX);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] != close)
			return fail(p, RJSON_E_SYNTAX);
		p->pos++;
		return true;
	}
}

static bool value(struct parser *p, unsigned depth)
{
	uint32_t i;

	if (depth > RJSON_MAX_DEPTH)
		return fail(p, RJSON_E_DEPTH);
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, RJSON_E_SYNTAX);
	char c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if ((i = new_node(p, c == '{' ? RJSON_OBJECT : RJSON_ARRAY)) == UINT32_MAX ||
		    !members(p, i, depth, c == '{'))
			return false;
		break;
	case '"':
		if ((i = new_node(p, RJSON_STRING)) == UINT32_MAX || !string(p, &p->nodes[i]))
			return false;
		return true;
	case 't':
	case 'f':
	case 'n':
		if ((i = new_node(p, c == 't' ? RJSON_TRUE : c == 'f' ? RJSON_FALSE : RJSON_NULL)) == UINT32_MAX ||
		    !literal(p, c == 't' ? "true" : c == 'f' ? "false" : "null"))
			return false;
		break;
	default:
		if ((i = new_node(p, RJSON_NUMBER)) == UINT32_MAX || !number(p))
			return false;
		break;
	}
	p->nodes[i].len = p->pos - p->nodes[i].start;
	return true;
}

enum rjson_error rjson_parse(const char *text, size_t len, struct rjson_node *nodes, uint32_t max_nodes,
			     struct rjson_doc *doc, size_t *err_offset)
{
	struct parser p = { text, (uint32_t)len, 0, nodes, max_nodes, 0, RJSON_OK };

	*doc = (struct rjson_doc){ text, nodes, 0 };
	if (len >= (1u << 31)) {
		if (err_offset)
			*err_offset = 0;
		return RJSON_E_TOO_LONG;
	}
	if (value(&p, 0)) {
		skip_ws(&p);
		if (p.pos != p.len)
			fail(&p, RJSON_E_SYNTAX);
	}
	if (p.err != RJSON_OK && p.err != RJSON_E_NODES && p.err != RJSON_E_DEPTH && p.err != RJSON_E_DUPLICATE &&
	    p.err != RJSON_E_STRING)
		p.err = RJSON_E_SYNTAX;
	if (err_offset)
		*err_offset = p.pos;
	if (p.err == RJSON_OK)
		doc->count = p.count;
	return p.err;
}

const char *rjson_strerror(enum rjson_error e)
{
	switch (e) {
	case RJSON_OK: return "ok";
	case RJSON_E_SYNTAX: return "not JSON";
	case RJSON_E_DEPTH: return "nested too deeply";
	case RJSON_E_NODES: return "too many values";
	case RJSON_E_STRING: return "a malformed string (escape, control character or UTF-8)";
	case RJSON_E_DUPLICATE: return "a key twice in one object";
	case RJSON_E_TOO_LONG: return "too long";
	}
	return "unknown error";
}

uint32_t rjson_first(const struct rjson_doc *d, uint32_t i)
{
	if (i >= d->count || d->nodes[i].children == 0)
		return 0;
	return i + 1; /* pre-order: the first child follows its parent */
}

uint32_t rjson_get(const struct rjson_doc *d, uint32_t object, const char *key)
{
	if (object >= d->count || d->nodes[object].type != RJSON_OBJECT)
		return 0;
	for (uint32_t k = rjson_first(d, object); k; k = d->nodes[d->nodes[k].next].next)
		if (rjson_string_is(d, k, key))
			return d->nodes[k].next;
	return 0;
}

long rjson_string(const struct rjson_doc *d, uint32_t i, char *buf, size_t cap)
{
	if (i >= d->count || d->nodes[i].type != RJSON_STRING || cap == 0)
		return -1;
	const struct rjson_node *n = &d->nodes[i];
	uint32_t pos = n->start, end = n->start + n->len;
	size_t out = 0;
	while (pos < end) {
		uint8_t b[4];
		unsigned k = decode_unit(d->text, &pos, b);
		if (out + k >= cap)
			return -1;
		for (unsigned j = 0; j < k; j++)
			buf[out++] = (char)b[j];
	}
	buf[out] = 0;
	return (long)out;
}

bool rjson_string_is(const struct rjson_doc *d, uint32_t i, const char *s)
{
	if (i >= d->count || d->nodes[i].type != RJSON_STRING)
		return false;
	const struct rjson_node *n = &d->nodes[i];
	uint32_t pos = n->start, end = n->start + n->len;
	size_t at = 0;
	while (pos < end) {
		uint8_t b[4];
		unsigned k = decode_unit(d->text, &pos, b);
		for (unsigned j = 0; j < k; j++, at++)
			if (s[at] == 0 || (uint8_t)s[at] != b[j])
				return false;
	}
	return s[at] == 0;
}

bool rjson_decimal(const struct rjson_doc *d, uint32_t i, int64_t *mantissa, int32_t *exp10)
{
	if (i >= d->count || d->nodes[i].type != RJSON_NUMBER)
		return false;
	const char *s = d->text + d->nodes[i].start, *end = s + d->nodes[i].len;
	bool neg = *s == '-';
	int64_t m = 0;
	int32_t e = 0;
	unsigned digits = 0;
	if (neg)
		s++;
	for (; s < end && is_digit(*s); s++)
		if (m != 0 || *s != '0') {
			if (++digits > 18)
				return false;
			m = m * 10 + (*s - '0');
		}
	if (s < end && *s == '.')
		for (s++; s < end && is_digit(*s); s++) {
			if (m != 0 || *s != '0') {
				if (++digits > 18)
					return false;
			}
			m = m * 10 + (*s - '0');
			e--;
		}
	if (s < end) { /* e or E */
		s++;
		bool eneg = *s == '-';
		if (*s == '+' || *s == '-')
			s++;
		int32_t x = 0;
		for (; s < end; s++) {
			if (x > 100000)
				return false;
			x = x * 10 + (*s - '0');
		}
		e += eneg ? -x : x;
	}
	*mantissa = neg ? -m : m;
	*exp10 = e;
	return true;
}

bool rjson_int(const struct rjson_doc *d, uint32_t i, int64_t *v)
{
	if (i >= d->count || d->nodes[i].type != RJSON_NUMBER)
		return false;
	const char *s = d->text + d->nodes[i].start, *end = s + d->nodes[i].len;
	bool neg = *s == '-';
	uint64_t m = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (s += neg; s < end; s++) {
		if (!is_digit(*s))
			return false; /* a fraction or an exponent */
		uint64_t digit = (uint64_t)(*s - '0');
		if (m > (limit - digit) / 10)
			return false;
		m = m * 10 + digit;
	}
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return true;
}

/* ---- writing ---- */

static void put(struct rjson_writer *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, w->len++)
		if (w->len + 1 < w->cap)
			w->buf[w->len] = s[i];
}

static void putc_(struct rjson_writer *w, char c)
{
	put(w, &c, 1);
}

void rjson_writer_init(struct rjson_writer *w, char *buf, size_t cap)
{
	__builtin_memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

/* Before a key or a value: a comma between siblings; in an object a key
 * first, then its value; at the top one value only. level[d]: bit 0 a
 * sibling was written, bit 1 the level is an object. */
static void before_value(struct rjson_writer *w, bool is_key)
{
	bool in_object = w->depth > 0 && (w->level[w->depth] & 2);

	if (w->after_key) {
		if (is_key)
			w->bad = true;
		w->after_key = false;
		return;
	}
	if (in_object != is_key || (w->depth == 0 && (w->level[0] & 1)))
		w->bad = true;
	if (w->level[w->depth] & 1)
		putc_(w, ',');
	w->level[w->depth] |= 1;
}

static void open_level(struct rjson_writer *w, char c, bool object)
{
	before_value(w, false);
	putc_(w, c);
	if (w->depth >= RJSON_MAX_DEPTH) {
		w->bad = true;
		return;
	}
	w->depth++;
	w->level[w->depth] = object ? 2 : 0; /* bit 1: an object (keys first) */
}

static void close_level(struct rjson_writer *w, char c, bool object)
{
	if (w->depth == 0 || w->after_key || ((w->level[w->depth] & 2) != 0) != object)
		w->bad = true;
	else
		w->depth--;
	putc_(w, c);
}

void rjson_begin_object(struct rjson_writer *w) { open_level(w, '{', true); }
void rjson_end_object(struct rjson_writer *w) { close_level(w, '}', true); }
void rjson_begin_array(struct rjson_writer *w) { open_level(w, '[', false); }
void rjson_end_array(struct rjson_writer *w) { close_level(w, ']', false); }

/* s[0..n) as the inside of a JSON string. */
static void escaped_body(struct rjson_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n;) {
		uint8_t c = (uint8_t)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(w, e, 2);
			i++;
		} else if (c < 0x20) {
			const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
			if (named) {
				put(w, named, 2);
			} else {
				char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				put(w, e, 6);
			}
			i++;
		} else {
			unsigned l = utf8_len((const uint8_t *)s + i, (uint32_t)(n - i > 4 ? 4 : n - i));
			if (l == 0) { /* not UTF-8 (a model's broken token): U+FFFD */
				put(w, "\\ufffd", 6);
				i++;
			} else {
				put(w, s + i, l);
				i += l;
			}
		}
	}
}

static void escaped(struct rjson_writer *w, const char *s, size_t n)
{
	putc_(w, '"');
	escaped_body(w, s, n);
	putc_(w, '"');
}

void rjson_key(struct rjson_writer *w, const char *key)
{
	before_value(w, true);
	escaped(w, key, cstr_len(key));
	putc_(w, ':');
	w->after_key = true;
}

void rjson_str_n(struct rjson_writer *w, const char *s, size_t n)
{
	before_value(w, false);
	escaped(w, s, n);
}

void rjson_str(struct rjson_writer *w, const char *s)
{
	rjson_str_n(w, s, cstr_len(s));
}

static void digits(struct rjson_writer *w, uint64_t v, unsigned min_digits)
{
	char b[24];
	unsigned n = 0;

	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < min_digits);
	while (n)
		putc_(w, b[--n]);
}

void rjson_i64(struct rjson_writer *w, int64_t v)
{
	before_value(w, false);
	if (v < 0)
		putc_(w, '-');
	digits(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 1);
}

void rjson_fixed(struct rjson_writer *w, int64_t mantissa, unsigned decimals)
{
	uint64_t m = mantissa < 0 ? 0 - (uint64_t)mantissa : (uint64_t)mantissa, scale = 1;

	if (decimals > 18) {
		w->bad = true;
		return;
	}
	before_value(w, false);
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	if (mantissa < 0)
		putc_(w, '-');
	digits(w, m / scale, 1);
	if (decimals) {
		putc_(w, '.');
		digits(w, m % scale, decimals);
	}
}

void rjson_bool(struct rjson_writer *w, bool v)
{
	before_value(w, false);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void rjson_null(struct rjson_writer *w)
{
	before_value(w, false);
	put(w, "null", 4);
}

static void copy_node(struct rjson_writer *w, const struct rjson_doc *d, uint32_t i, unsigned depth)
{
	const struct rjson_node *n = &d->nodes[i];
	char small[264];

	switch (n->type) {
	case RJSON_NULL: rjson_null(w); return;
	case RJSON_TRUE: rjson_bool(w, true); return;
	case RJSON_FALSE: rjson_bool(w, false); return;
	case RJSON_NUMBER:
		before_value(w, false);
		put(w, d->text + n->start, n->len);
		return;
	case RJSON_STRING:
		if (!n->escaped) {
			rjson_str_n(w, d->text + n->start, n->len);
		} else {
			/* Unescaped in pieces, cut only between characters, re-escaped. */
			before_value(w, false);
			putc_(w, '"');
			uint32_t pos = n->start, end = n->start + n->len;
			while (pos < end) {
				size_t k = 0;
				while (pos < end && (k + 8 < sizeof(small) || ((uint8_t)d->text[pos] & 0xc0) == 0x80)) {
					uint8_t b[4];
					unsigned l = decode_unit(d->text, &pos, b);
					for (unsigned j = 0; j < l; j++)
						small[k++] = (char)b[j];
				}
				escaped_body(w, small, k);
			}
			putc_(w, '"');
		}
		return;
	case RJSON_ARRAY:
	case RJSON_OBJECT: {
		bool object = n->type == RJSON_OBJECT;
		if (depth >= RJSON_MAX_DEPTH) {
			w->bad = true;
			return;
		}
		open_level(w, object ? '{' : '[', object);
		for (uint32_t c = rjson_first(d, i); c; c = d->nodes[c].next) {
			if (object) {
				char key[256];
				long kl = rjson_string(d, c, key, sizeof(key));
				if (kl < 0 || cstr_len(key) != (size_t)kl) {
					w->bad = true;
					return;
				}
				rjson_key(w, key);
				c = d->nodes[c].next;
			}
			copy_node(w, d, c, depth + 1);
		}
		close_level(w, object ? '}' : ']', object);
		return;
	}
	}
}

void rjson_copy(struct rjson_writer *w, const struct rjson_doc *d, uint32_t i)
{
	if (i >= d->count) {
		w->bad = true;
		return;
	}
	copy_node(w, d, i, 0);
}

long rjson_writer_finish(struct rjson_writer *w)
{
	if (w->bad || w->depth != 0 || w->after_key || w->len >= w->cap)
		return -1;
	w->buf[w->len] = 0;
	return (long)w->len;
}

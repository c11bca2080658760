/* Tool schemas (schema.h). */
#include "schema.h"

long tool_reply(char *resp, size_t cap, const char *key, const char *text)
{
	struct rjson_writer w;

	rjson_writer_init(&w, resp, cap);
	rjson_begin_object(&w);
	rjson_key(&w, key);
	rjson_str(&w, text);
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

/* why = a ‖ b ‖ c, truncated to cap. */
static int refuse(char *why, size_t cap, const char *a, const char *b, const char *c)
{
	size_t k = 0;
	const char *parts[3] = { a, b, c };

	for (int i = 0; i < 3 && cap; i++)
		for (const char *p = parts[i]; p && *p && k + 1 < cap; p++)
			why[k++] = *p;
	if (cap)
		why[k] = 0;
	return -1;
}

static bool known_key(const struct rjson_doc *d, uint32_t key, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (rjson_string_is(d, key, *allowed))
			return true;
	return false;
}

static int parse_u32(const struct rjson_doc *d, uint32_t v, uint32_t *out)
{
	int64_t x;

	if (!rjson_int(d, v, &x) || x < 0 || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int parse_type(const struct rjson_doc *d, uint32_t t, uint32_t items, enum schema_type *out,
		      const char **why)
{
	static const char *const names[] = { "string", "number", "integer", "boolean" };

	if (!t || d->nodes[t].type != RJSON_STRING) {
		*why = "a property has no \"type\" string";
		return -1;
	}
	for (unsigned i = 0; i < 4; i++)
		if (rjson_string_is(d, t, names[i])) {
			if (items) {
				*why = "\"items\" belongs only to an array property";
				return -1;
			}
			*out = (enum schema_type)i;
			return 0;
		}
	if (rjson_string_is(d, t, "array")) {
		uint32_t it = items ? rjson_get(d, items, "type") : 0;
		if (!items || d->nodes[items].type != RJSON_OBJECT || d->nodes[items].children != 2 || !it ||
		    !rjson_string_is(d, it, "string")) {
			*why = "an array property needs \"items\": {\"type\": \"string\"}";
			return -1;
		}
		*out = SCHEMA_STRING_ARRAY;
		return 0;
	}
	*why = "a property's type is not string, number, integer, boolean or array";
	return -1;
}

static int parse_prop(const struct rjson_doc *d, uint32_t key, uint32_t val, struct schema_prop *p,
		      const char **why)
{
	static const char *const allowed[] = { "type", "description", "maxLength", "maxItems", "enum",
					       "minimum", "maximum", "items", 0 };

	if (rjson_string(d, key, p->name, sizeof(p->name)) <= 0) {
		*why = "a property name is empty or longer than 31 bytes";
		return -1;
	}
	if (d->nodes[val].type != RJSON_OBJECT) {
		*why = "a property's schema is not an object";
		return -1;
	}
	for (uint32_t k = rjson_first(d, val); k; k = d->nodes[d->nodes[k].next].next)
		if (!known_key(d, k, allowed)) {
			*why = "a property uses a schema keyword this agent does not check";
			return -1;
		}
	if (parse_type(d, rjson_get(d, val, "type"), rjson_get(d, val, "items"), &p->type, why) != 0)
		return -1;
	uint32_t ml = rjson_get(d, val, "maxLength"), mi = rjson_get(d, val, "maxItems");
	uint32_t en = rjson_get(d, val, "enum"), lo = rjson_get(d, val, "minimum"), hi = rjson_get(d, val, "maximum");
	if ((ml && p->type != SCHEMA_STRING) || (mi && p->type != SCHEMA_STRING_ARRAY) ||
	    (en && p->type != SCHEMA_STRING) || ((lo || hi) && p->type != SCHEMA_INTEGER)) {
		*why = "a property's keyword does not fit its type";
		return -1;
	}
	if ((ml && parse_u32(d, ml, &p->max_len) != 0) || (mi && parse_u32(d, mi, &p->max_len) != 0)) {
		*why = "maxLength/maxItems must be a whole number";
		return -1;
	}
	if ((lo && !rjson_int(d, lo, &p->min)) || (hi && !rjson_int(d, hi, &p->max))) {
		*why = "minimum/maximum must be whole numbers";
		return -1;
	}
	p->has_min = lo != 0;
	p->has_max = hi != 0;
	if (p->has_min && p->has_max && p->min > p->max) {
		*why = "a property's minimum is above its maximum";
		return -1;
	}
	if (en) {
		if (d->nodes[en].type != RJSON_ARRAY || d->nodes[en].children == 0 ||
		    d->nodes[en].children > SCHEMA_MAX_ENUM) {
			*why = "\"enum\" must list 1 to 8 strings";
			return -1;
		}
		for (uint32_t e = rjson_first(d, en); e; e = d->nodes[e].next)
			if (d->nodes[e].type != RJSON_STRING ||
			    rjson_string(d, e, p->enum_vals[p->n_enum++], SCHEMA_ENUM_MAX + 1) < 0) {
				*why = "an \"enum\" value is not a string of at most 31 bytes";
				return -1;
			}
	}
	return 0;
}

int schema_parse(const char *json, size_t len, struct tool_schema *s, const char **why)
{
	static const char *const allowed[] = { "type", "properties", "required", "description", 0 };
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;

	__builtin_memset(s, 0, sizeof(*s));
	if (rjson_parse(json, len, nodes, SCHEMA_MAX_NODES, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT) {
		*why = "the schema is not a JSON object";
		return -1;
	}
	for (uint32_t k = rjson_first(&d, 0); k; k = nodes[nodes[k].next].next)
		if (!known_key(&d, k, allowed)) {
			*why = "the schema uses a keyword this agent does not check";
			return -1;
		}
	uint32_t t = rjson_get(&d, 0, "type"), props = rjson_get(&d, 0, "properties");
	if (!t || !rjson_string_is(&d, t, "object") || !props || nodes[props].type != RJSON_OBJECT) {
		*why = "the schema must be {\"type\": \"object\", \"properties\": {...}}";
		return -1;
	}
	if (nodes[props].children / 2 > SCHEMA_MAX_PROPS) {
		*why = "the schema has more than 8 properties";
		return -1;
	}
	for (uint32_t k = rjson_first(&d, props); k; k = nodes[nodes[k].next].next)
		if (parse_prop(&d, k, nodes[k].next, &s->props[s->n++], why) != 0)
			return -1;
	uint32_t req = rjson_get(&d, 0, "required");
	if (req) {
		if (nodes[req].type != RJSON_ARRAY) {
			*why = "\"required\" is not an array";
			return -1;
		}
		for (uint32_t r = rjson_first(&d, req); r; r = nodes[r].next) {
			uint32_t i = 0;
			while (i < s->n && !rjson_string_is(&d, r, s->props[i].name))
				i++;
			if (i == s->n || s->props[i].required) {
				*why = "\"required\" names a property twice or one the schema does not declare";
				return -1;
			}
			s->props[i].required = true;
		}
	}
	return 0;
}

static bool is_integer(const struct rjson_doc *d, uint32_t v, int64_t *x)
{
	return d->nodes[v].type == RJSON_NUMBER && rjson_int(d, v, x);
}

/* The length of string node v once unescaped (escapes only shorten it, so
 * the raw span bounds it; decode when it has escapes). */
static bool string_fits(const struct rjson_doc *d, uint32_t v, uint32_t max)
{
	char buf[512];

	if (!max || d->nodes[v].len <= max)
		return true;
	if (!d->nodes[v].escaped || max >= sizeof(buf))
		return false;
	long n = rjson_string(d, v, buf, sizeof(buf));
	return n >= 0 && (uint32_t)n <= max;
}

static int check_prop(const struct schema_prop *p, const struct rjson_doc *d, uint32_t v, char *why, size_t cap)
{
	enum rjson_type t = (enum rjson_type)d->nodes[v].type;
	int64_t x;

	switch (p->type) {
	case SCHEMA_STRING:
		if (t != RJSON_STRING)
			return refuse(why, cap, "\"", p->name, "\" must be a string");
		if (!string_fits(d, v, p->max_len))
			return refuse(why, cap, "\"", p->name, "\" is too long");
		if (p->n_enum) {
			for (uint32_t i = 0; i < p->n_enum; i++)
				if (rjson_string_is(d, v, p->enum_vals[i]))
					return 0;
			return refuse(why, cap, "\"", p->name, "\" is not one of the allowed values");
		}
		return 0;
	case SCHEMA_NUMBER:
		return t == RJSON_NUMBER ? 0 : refuse(why, cap, "\"", p->name, "\" must be a number");
	case SCHEMA_INTEGER:
		if (!is_integer(d, v, &x))
			return refuse(why, cap, "\"", p->name, "\" must be a whole number");
		if ((p->has_min && x < p->min) || (p->has_max && x > p->max))
			return refuse(why, cap, "\"", p->name, "\" is out of range");
		return 0;
	case SCHEMA_BOOLEAN:
		return t == RJSON_TRUE || t == RJSON_FALSE ? 0 : refuse(why, cap, "\"", p->name, "\" must be true or false");
	case SCHEMA_STRING_ARRAY:
		if (t != RJSON_ARRAY)
			return refuse(why, cap, "\"", p->name, "\" must be an array of strings");
		if (p->max_len && d->nodes[v].children > p->max_len)
			return refuse(why, cap, "\"", p->name, "\" has too many items");
		for (uint32_t e = rjson_first(d, v); e; e = d->nodes[e].next)
			if (d->nodes[e].type != RJSON_STRING)
				return refuse(why, cap, "\"", p->name, "\" must be an array of strings");
		return 0;
	}
	return refuse(why, cap, "\"", p->name, "\" has a type this agent does not know");
}

int schema_check(const struct tool_schema *s, const struct rjson_doc *d, uint32_t obj, char *why, size_t cap)
{
	if (d->nodes[obj].type != RJSON_OBJECT)
		return refuse(why, cap, "the arguments are not a JSON object", 0, 0);
	for (uint32_t k = rjson_first(d, obj); k; k = d->nodes[d->nodes[k].next].next) {
		uint32_t i = 0;
		while (i < s->n && !rjson_string_is(d, k, s->props[i].name))
			i++;
		if (i == s->n) {
			char name[SCHEMA_NAME_MAX + 1];
			if (rjson_string(d, k, name, sizeof(name)) < 0)
				return refuse(why, cap, "the arguments have a property the tool does not take", 0, 0);
			return refuse(why, cap, "the tool takes no argument \"", name, "\"");
		}
		if (check_prop(&s->props[i], d, d->nodes[k].next, why, cap) != 0)
			return -1;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (s->props[i].required && !rjson_get(d, obj, s->props[i].name))
			return refuse(why, cap, "missing argument \"", s->props[i].name, "\"");
	return 0;
}

/* The notes tool (notes.h). */
#include <stdint.h>

#include "notes.h"
#include "schema.h"
#include "sdk/mem.h"
#include "sdk/rjson.h"

const char notes_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"op\":{\"type\":\"string\",\"enum\":[\"add\",\"get\",\"list\",\"search\",\"check\",\"delete\"]},"
	"\"title\":{\"type\":\"string\",\"maxLength\":63},"
	"\"text\":{\"type\":\"string\",\"maxLength\":1023},"
	"\"query\":{\"type\":\"string\",\"maxLength\":63},"
	"\"private\":{\"type\":\"boolean\"}},"
	"\"required\":[\"op\"]}";

void notes_init(struct notes *s)
{
	__builtin_memset(s, 0, sizeof(*s));
}

void notes_wipe(struct notes *s)
{
	volatile unsigned char *p = (volatile unsigned char *)s;

	for (size_t i = 0; i < sizeof(*s); i++)
		p[i] = 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool title_is(const struct note *n, const char *t)
{
	size_t i = 0;

	for (; n->title[i] && t[i]; i++)
		if (lower(n->title[i]) != lower(t[i]))
			return false;
	return !n->title[i] && !t[i];
}

static bool title_ok(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if (*t < 0x20 || *t > 0x7e || *t == '"' || *t == '\\')
			return false;
	return true;
}

/* Whether hay[0..hlen) contains needle, case-insensitively. */
static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return true;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t j = 0;
		while (j < nlen && lower(hay[i + j]) == lower(needle[j]))
			j++;
		if (j == nlen)
			return true;
	}
	return false;
}

/* Equal in time that depends only on the lengths. */
static bool same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static struct note *find(struct notes *s, const char *title)
{
	for (unsigned i = 0; i < NOTES_MAX; i++)
		if (s->n[i].used && title_is(&s->n[i], title))
			return &s->n[i];
	return 0;
}

struct args {
	char title[NOTES_TITLE_MAX + 1], query[NOTES_TITLE_MAX + 1];
	char text[NOTES_TEXT_MAX + 1];
	long text_len;
	bool has_title, has_text, has_query, is_private;
};

static long op_add(struct notes *s, const struct args *a, char *resp, size_t cap)
{
	if (!a->has_title || !a->has_text)
		return tool_reply(resp, cap, "error", "add needs \"title\" and \"text\"");
	if (!title_ok(a->title))
		return tool_reply(resp, cap, "error", "a title is printable text without quotes or backslashes");
	if (find(s, a->title))
		return tool_reply(resp, cap, "error", "a note with that title exists (delete it first)");
	for (unsigned i = 0; i < NOTES_MAX; i++) {
		struct note *n = &s->n[i];
		if (n->used)
			continue;
		n->used = true;
		n->private_ = a->is_private;
		__builtin_memcpy(n->title, a->title, sdk_strlen(a->title) + 1);
		__builtin_memcpy(n->text, a->text, (size_t)a->text_len + 1);
		n->text_len = (size_t)a->text_len;
		return tool_reply(resp, cap, "added", n->title);
	}
	return tool_reply(resp, cap, "error", "the notes store is full (64 notes)");
}

static long op_get(struct notes *s, const struct args *a, char *resp, size_t cap)
{
	if (!a->has_title)
		return tool_reply(resp, cap, "error", "get needs \"title\"");
	const struct note *n = find(s, a->title);
	if (!n)
		return tool_reply(resp, cap, "error", "no note has that title");
	struct rjson_writer w;
	rjson_writer_init(&w, resp, cap);
	rjson_begin_object(&w);
	rjson_key(&w, "title");
	rjson_str(&w, n->title);
	if (n->private_) {
		rjson_key(&w, "private");
		rjson_bool(&w, true);
	} else {
		rjson_key(&w, "text");
		rjson_str_n(&w, n->text, n->text_len);
	}
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

static long op_list(struct notes *s, const struct args *a, bool search, char *resp, size_t cap)
{
	if (search && !a->has_query)
		return tool_reply(resp, cap, "error", "search needs \"query\"");
	size_t qlen = search ? sdk_strlen(a->query) : 0;
	struct rjson_writer w;
	rjson_writer_init(&w, resp, cap);
	rjson_begin_object(&w);
	rjson_key(&w, search ? "matches" : "notes");
	rjson_begin_array(&w);
	for (unsigned i = 0; i < NOTES_MAX; i++) {
		const struct note *n = &s->n[i];
		if (!n->used)
			continue;
		if (search) {
			/* A private note is never searched: which queries match
			 * would spell its text out. */
			if (n->private_ || (!contains(n->title, sdk_strlen(n->title), a->query, qlen) &&
					    !contains(n->text, n->text_len, a->query, qlen)))
				continue;
			rjson_str(&w, n->title);
			continue;
		}
		rjson_begin_object(&w);
		rjson_key(&w, "title");
		rjson_str(&w, n->title);
		rjson_key(&w, "private");
		rjson_bool(&w, n->private_);
		rjson_end_object(&w);
	}
	rjson_end_array(&w);
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

static long op_check(struct notes *s, const struct args *a, char *resp, size_t cap)
{
	if (!a->has_title || !a->has_text)
		return tool_reply(resp, cap, "error", "check needs \"title\" and \"text\"");
	const struct note *n = find(s, a->title);
	if (!n)
		return tool_reply(resp, cap, "error", "no note has that title");
	struct rjson_writer w;
	rjson_writer_init(&w, resp, cap);
	rjson_begin_object(&w);
	rjson_key(&w, "match");
	rjson_bool(&w, same_secret(n->text, n->text_len, a->text, (size_t)a->text_len));
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

static long op_delete(struct notes *s, const struct args *a, char *resp, size_t cap)
{
	if (!a->has_title)
		return tool_reply(resp, cap, "error", "delete needs \"title\"");
	struct note *n = find(s, a->title);
	if (!n)
		return tool_reply(resp, cap, "error", "no note has that title");
	char title[NOTES_TITLE_MAX + 1];
	__builtin_memcpy(title, n->title, sizeof(title));
	volatile char *p = (volatile char *)n;
	for (size_t i = 0; i < sizeof(*n); i++)
		p[i] = 0;
	return tool_reply(resp, cap, "deleted", title);
}

long notes_tool(struct notes *s, const char *req, size_t len, char *resp, size_t cap)
{
	struct tool_schema schema;
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;
	const char *why;
	char whybuf[128];
	struct args a;

	if (schema_parse(notes_schema, sizeof(notes_schema) - 1, &schema, &why) != 0)
		return tool_reply(resp, cap, "error", why);
	if (rjson_parse(req, len, nodes, SCHEMA_MAX_NODES, &d, 0) != RJSON_OK)
		return tool_reply(resp, cap, "error", "the arguments are not JSON");
	if (schema_check(&schema, &d, 0, whybuf, sizeof(whybuf)) != 0)
		return tool_reply(resp, cap, "error", whybuf);
	__builtin_memset(&a, 0, sizeof(a));
	uint32_t t = rjson_get(&d, 0, "title"), x = rjson_get(&d, 0, "text"), q = rjson_get(&d, 0, "query");
	uint32_t pv = rjson_get(&d, 0, "private"), op = rjson_get(&d, 0, "op");
	a.has_title = t && rjson_string(&d, t, a.title, sizeof(a.title)) >= 0;
	a.has_query = q && rjson_string(&d, q, a.query, sizeof(a.query)) >= 0;
	a.text_len = x ? rjson_string(&d, x, a.text, sizeof(a.text)) : -1;
	a.has_text = a.text_len >= 0;
	a.is_private = pv && d.nodes[pv].type == RJSON_TRUE;
	long r;
	if (rjson_string_is(&d, op, "add"))
		r = op_add(s, &a, resp, cap);
	else if (rjson_string_is(&d, op, "get"))
		r = op_get(s, &a, resp, cap);
	else if (rjson_string_is(&d, op, "list"))
		r = op_list(s, &a, false, resp, cap);
	else if (rjson_string_is(&d, op, "search"))
		r = op_list(s, &a, true, resp, cap);
	else if (rjson_string_is(&d, op, "check"))
		r = op_check(s, &a, resp, cap);
	else
		r = op_delete(s, &a, resp, cap);
	/* The request may have carried a secret (add, check). */
	volatile char *p = (volatile char *)&a;
	for (size_t i = 0; i < sizeof(a); i++)
		p[i] = 0;
	return r;
}

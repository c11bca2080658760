/* The agent runtime (agent.h). */
#include "agent.h"
#include "sdk/mem.h"
#include "sdk/rjson.h"

/* Appends text to the conversation; false (nothing appended) when full. */
static bool put_n(struct agent *a, const char *s, size_t n)
{
	if (n >= a->cap - a->len)
		return false;
	__builtin_memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len] = 0;
	return true;
}

static bool put(struct agent *a, const char *s)
{
	return put_n(a, s, sdk_strlen(s));
}

/* Content from outside the template (the user, a tool) with every "<|"
 * written "< |": the model reads the template's markers as its control
 * tokens, so a user or a tool that wrote one could end its turn and speak
 * as the system. */
static bool put_content(struct agent *a, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '|') {
			if (!put_n(a, s + from, i + 1 - from) || !put(a, " "))
				return false;
			from = i + 1;
		}
	return put_n(a, s + from, n - from);
}

static bool message(struct agent *a, const char *role, const char *content, size_t n)
{
	return put(a, "<|im_start|>") && put(a, role) && put(a, "\n") && put_content(a, content, n) &&
	       put(a, "<|im_end|>\n");
}

int agent_init(struct agent *a, char *conv, size_t cap, const char *system, const struct agent_tool *tools,
	       unsigned n_tools, unsigned max_steps, const struct agent_ops *ops, const char **why)
{
	if (n_tools > AGENT_MAX_TOOLS || max_steps == 0 || max_steps > AGENT_MAX_STEPS || !ops->generate ||
	    !ops->call_tool || cap < 2) {
		*why = "bad agent configuration (tools, step limit or callbacks)";
		return -1;
	}
	a->n_tools = n_tools;
	a->max_steps = max_steps;
	a->ops = *ops;
	a->buf = conv;
	a->cap = cap;
	a->len = 0;
	conv[0] = 0;
	for (unsigned i = 0; i < n_tools; i++) {
		a->tools[i] = tools[i];
		if (sdk_strlen(tools[i].name) > AGENT_TOOL_NAME_MAX) {
			*why = "a tool's name is longer than 31 bytes";
			return -1;
		}
		if (schema_parse(tools[i].schema_json, sdk_strlen(tools[i].schema_json), &a->tools[i].schema, why) != 0)
			return -1;
	}
	bool ok = put(a, "<|im_start|>system\n") && put(a, system);
	if (n_tools) {
		ok = ok && put(a, "\nTools:");
		for (unsigned i = 0; i < n_tools; i++)
			ok = ok && put(a, "\n- ") && put(a, tools[i].name) && put(a, ": ") &&
			     put(a, tools[i].description);
		ok = ok && put(a, "\nTo use a tool, reply with only {\"tool\": \"NAME\", \"arguments\": {...}}.");
	}
	ok = ok && put(a, "<|im_end|>\n");
	if (!ok) {
		*why = "the system prompt does not fit the conversation buffer";
		return -1;
	}
	a->system_len = a->len;
	return 0;
}

void agent_reset(struct agent *a)
{
	a->len = a->system_len;
	a->buf[a->len] = 0;
}

/* The tool a call names and its checked arguments' span; -1 with the
 * reason in why[0..cap) when the call is refused. */
static int parse_call(struct agent *a, const char *reply, size_t len, unsigned *tool, uint32_t *args_start,
		      uint32_t *args_len, char *why, size_t cap)
{
	static const char not_json[] = "the reply is not a tool call: {\"tool\": NAME, \"arguments\": {...}}";
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;

	if (rjson_parse(reply, len, nodes, SCHEMA_MAX_NODES, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT ||
	    nodes[0].children != 4) {
		__builtin_memcpy(why, not_json, sizeof(not_json) < cap ? sizeof(not_json) : cap);
		why[cap - 1] = 0;
		return -1;
	}
	uint32_t name = rjson_get(&d, 0, "tool"), args = rjson_get(&d, 0, "arguments");
	if (!name || !args || nodes[name].type != RJSON_STRING) {
		__builtin_memcpy(why, not_json, sizeof(not_json) < cap ? sizeof(not_json) : cap);
		why[cap - 1] = 0;
		return -1;
	}
	for (unsigned i = 0; i < a->n_tools; i++)
		if (rjson_string_is(&d, name, a->tools[i].name)) {
			if (schema_check(&a->tools[i].schema, &d, args, why, cap) != 0)
				return -1;
			*tool = i;
			/* An object node's span covers its braces. */
			*args_start = nodes[args].start;
			*args_len = nodes[args].len;
			return 0;
		}
	static const char unknown[] = "there is no such tool";
	__builtin_memcpy(why, unknown, sizeof(unknown) < cap ? sizeof(unknown) : cap);
	why[cap - 1] = 0;
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Trims the reply in place, dropping an end-of-turn marker the model
 * wrote itself. */
static size_t trim(char *s, size_t n)
{
	static const char eot[] = "<|im_end|>";
	size_t b = 0;

	while (b < n && is_space(s[b]))
		b++;
	if (b)
		__builtin_memmove(s, s + b, n - b);
	n -= b;
	while (n && is_space(s[n - 1]))
		n--;
	if (n >= sizeof(eot) - 1 && __builtin_memcmp(s + n - (sizeof(eot) - 1), eot, sizeof(eot) - 1) == 0)
		n -= sizeof(eot) - 1;
	while (n && is_space(s[n - 1]))
		n--;
	s[n] = 0;
	return n;
}

static bool is_error_answer(const char *ans, size_t len)
{
	struct rjson_node nodes[8];
	struct rjson_doc d;

	/* Answers too large for 8 nodes are large results, not errors. */
	return rjson_parse(ans, len, nodes, 8, &d, 0) == RJSON_OK && nodes[0].type == RJSON_OBJECT &&
	       rjson_get(&d, 0, "error") != 0;
}

static long fail(struct agent *a, size_t start, struct agent_turn *t, const char *why)
{
	a->len = start;
	a->buf[start] = 0;
	t->answered = false;
	t->error = why;
	return -1;
}

long agent_turn(struct agent *a, const char *user, char *out, size_t cap, struct agent_turn *t)
{
	static const char full[] = "the conversation is too long for the agent's buffer (start a new one)";
	size_t start = a->len;

	__builtin_memset(t, 0, sizeof(*t));
	if (!message(a, "user", user, sdk_strlen(user)))
		return fail(a, start, t, full);
	for (;;) {
		const char *why = "";
		if (!put(a, "<|im_start|>assistant\n"))
			return fail(a, start, t, full);
		long n = a->ops.generate(a->ops.ctx, a->buf, a->len, a->reply, sizeof(a->reply), &why);
		if (n < 0 || (size_t)n >= sizeof(a->reply))
			return fail(a, start, t, n < 0 ? why : "the model's reply is too long");
		size_t rlen = trim(a->reply, (size_t)n);
		if (!put_n(a, a->reply, rlen) || !put(a, "<|im_end|>\n"))
			return fail(a, start, t, full);
		if (rlen == 0 || a->reply[0] != '{') {
			if (rlen >= cap)
				return fail(a, start, t, "the answer is larger than the caller's buffer");
			__builtin_memcpy(out, a->reply, rlen + 1);
			t->answered = true;
			return (long)rlen;
		}
		if (t->steps == a->max_steps)
			return fail(a, start, t, "the model kept calling tools past the agent's step limit");

		unsigned tool = AGENT_MAX_TOOLS;
		uint32_t as, al;
		char refusal[160];
		long alen;
		enum agent_step_kind kind;
		if (parse_call(a, a->reply, rlen, &tool, &as, &al, refusal, sizeof(refusal)) != 0) {
			alen = tool_reply(a->answer, sizeof(a->answer), "error", refusal);
			kind = AGENT_STEP_REFUSED;
			tool = AGENT_MAX_TOOLS;
		} else {
			alen = a->ops.call_tool(a->ops.ctx, tool, a->reply + as, al, a->answer, sizeof(a->answer), &why);
			if (alen < 0 || (size_t)alen >= sizeof(a->answer)) {
				alen = tool_reply(a->answer, sizeof(a->answer), "error", "the tool could not be reached");
				kind = AGENT_STEP_TOOL_ERROR;
			} else {
				kind = is_error_answer(a->answer, (size_t)alen) ? AGENT_STEP_TOOL_ERROR : AGENT_STEP_CALL;
			}
		}
		if (alen < 0 || !message(a, "tool", a->answer, (size_t)alen))
			return fail(a, start, t, full);
		t->calls[t->steps] = tool;
		t->kind[t->steps] = kind;
		t->steps++;
	}
}

/*
 * A test realm in the llm realm's place: it speaks the llm realm's
 * protocol on "agent-llm" (a generate request in, {"token": ...} stream
 * messages and a {"text": ...} response out, {"error": ...} for a bad
 * request) but decides its reply by rules on the prompt, so the agent
 * realm's tool loop can be driven through real channels without a model:
 *   the last message is a tool's answer -> "Result: <answer>"
 *   user "calc: E"      -> a calculator call for E
 *   user "plan: CITY N" -> a planner call
 *   user "note: T"      -> a notes get of T
 *   user "raw: X"       -> X verbatim (malformed or unknown calls)
 *   user "loop"         -> a calculator call every time (the step limit)
 *   user "fail"         -> an error message
 *   anything else       -> "You said: <text>"
 */
#include "sdk/console.h"
#include "sdk/format.h"
#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/pipeline.h"
#include "sdk/rjson.h"

#define WAIT_NS (UINT64_C(120) * 1000000000u)
#define MSG_MAX (80u << 10)

static bool starts(const char *s, size_t n, const char *p)
{
	size_t k = sdk_strlen(p);
	return n >= k && sdk_memcmp(s, p, k) == 0;
}

/* The last message before the final "<|im_start|>assistant\n": its role
 * line and its content span. */
static bool last_message(const char *prompt, size_t len, const char **role, const char **s, size_t *n)
{
	static const char open[] = "<|im_start|>", close[] = "<|im_end|>", tail[] = "<|im_start|>assistant\n";
	const size_t ol = sizeof(open) - 1, cl = sizeof(close) - 1, tl = sizeof(tail) - 1;

	if (len < tl || sdk_memcmp(prompt + len - tl, tail, tl) != 0)
		return false;
	size_t end = len - tl, i = end;
	while (i > 0 && !(i - 1 + ol <= end && sdk_memcmp(prompt + i - 1, open, ol) == 0))
		i--;
	if (i == 0)
		return false;
	*role = prompt + i - 1 + ol;
	const char *c = *role;
	while (c < prompt + end && *c != '\n')
		c++;
	*s = c + 1;
	const char *e = *s;
	while (e + cl <= prompt + end && sdk_memcmp(e, close, cl) != 0)
		e++;
	if (e + cl > prompt + end)
		return false;
	*n = (size_t)(e - *s);
	return true;
}

static long reply_for(const char *prompt, size_t len, char *out, size_t cap)
{
	const char *role, *s;
	size_t n;

	if (!last_message(prompt, len, &role, &s, &n))
		return -1;
	if (starts(role, 5, "tool\n")) {
		/* Keep looping when the user said "loop". */
		const char *u = prompt + len;
		while (u > prompt && !starts(u, (size_t)(prompt + len - u), "<|im_start|>user\nloop<|im_end|>"))
			u--;
		if (u > prompt)
			return (long)sdk_snprintf(out, cap, "{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"1+1\"}}");
		return (long)sdk_snprintf(out, cap, "Result: %.*s", (int)n, s);
	}
	if (starts(s, n, "calc: "))
		return (long)sdk_snprintf(out, cap, "{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"%.*s\"}}",
					  (int)n - 6, s + 6);
	if (starts(s, n, "plan: ")) {
		size_t sp = n;
		while (sp > 6 && s[sp - 1] != ' ')
			sp--;
		return (long)sdk_snprintf(out, cap, "{\"tool\":\"planner\",\"arguments\":{\"city\":\"%.*s\",\"days\":%.*s}}",
					  (int)(sp - 7), s + 6, (int)(n - sp), s + sp);
	}
	if (starts(s, n, "note: "))
		return (long)sdk_snprintf(out, cap, "{\"tool\":\"notes\",\"arguments\":{\"op\":\"get\",\"title\":\"%.*s\"}}",
					  (int)n - 6, s + 6);
	if (starts(s, n, "raw: "))
		return (long)sdk_snprintf(out, cap, "%.*s", (int)n - 5, s + 5);
	if (n == 4 && starts(s, n, "loop"))
		return (long)sdk_snprintf(out, cap, "{\"tool\":\"calculator\",\"arguments\":{\"expression\":\"1+1\"}}");
	if (n == 4 && starts(s, n, "fail"))
		return -2;
	return (long)sdk_snprintf(out, cap, "You said: %.*s", (int)n, s);
}

int realm_main(void)
{
	struct pipeline p;
	struct chan_csm cc;
	const char *why = "";
	char *req = sdk_malloc(MSG_MAX), *prompt = sdk_malloc(MSG_MAX), *text = sdk_malloc(8192);
	char *resp = sdk_malloc(16384);
	int r;

	if (!req || !prompt || !text || !resp)
		return 1;
	if (pipeline_start(&p, &why) != 0 || pipeline_channel(&p, "agent-llm", &cc, &why) != 0 ||
	    pipeline_attest(&why) != 0) {
		sdk_printf("llm: %s\n", why);
		return 1;
	}
	for (;;) {
		uint16_t type;
		uint64_t id;
		size_t len;
		if ((r = chan_recv(&cc.ch, &type, &id, req, MSG_MAX, &len, WAIT_NS)) != 0)
			break;
		struct rjson_node nodes[32];
		struct rjson_doc d;
		long plen = -1;
		if (type == CHAN_MSG_REQUEST && rjson_parse(req, len, nodes, 32, &d, 0) == RJSON_OK &&
		    nodes[0].type == RJSON_OBJECT && rjson_get(&d, 0, "prompt"))
			plen = rjson_string(&d, rjson_get(&d, 0, "prompt"), prompt, MSG_MAX);
		long n = plen < 0 ? -1 : reply_for(prompt, (size_t)plen, text, 8192);
		struct rjson_writer w;
		rjson_writer_init(&w, resp, 16384);
		rjson_begin_object(&w);
		if (n < 0) {
			rjson_key(&w, "error");
			rjson_str(&w, n == -2 ? "the model failed (scripted)" : "not a generate request");
			rjson_end_object(&w);
			long k = rjson_writer_finish(&w);
			if ((r = chan_send(&cc.ch, CHAN_MSG_ERROR, id, resp, (size_t)k, WAIT_NS)) != 0)
				break;
			continue;
		}
		/* Two stream pieces, then the whole text. */
		size_t half = (size_t)n / 2;
		for (int k = 0; k < 2; k++) {
			struct rjson_writer pw;
			char pj[8192 + 64];
			rjson_writer_init(&pw, pj, sizeof(pj));
			rjson_begin_object(&pw);
			rjson_key(&pw, "token");
			rjson_str_n(&pw, k ? text + half : text, k ? (size_t)n - half : half);
			rjson_end_object(&pw);
			long pl = rjson_writer_finish(&pw);
			if (pl < 0 || (r = chan_send(&cc.ch, CHAN_MSG_STREAM, id, pj, (size_t)pl, WAIT_NS)) != 0)
				goto out;
		}
		rjson_key(&w, "text");
		rjson_str_n(&w, text, (size_t)n);
		rjson_key(&w, "finish");
		rjson_str(&w, "stop");
		rjson_end_object(&w);
		long k = rjson_writer_finish(&w);
		if (k < 0 || (r = chan_send(&cc.ch, CHAN_MSG_RESPONSE, id, resp, (size_t)k, WAIT_NS)) != 0)
			break;
	}
out:
	sdk_printf("llm: the channel ended: %s\n", chan_strerror(r));
	chan_csm_close(&cc);
	return r == CHAN_EPEER ? 0 : 1;
}

/*
 * The agent's realm: the runtime (agent.h) bound to the pipeline's
 * channels. It owns "agent-llm" (the inference engine's realm) and one
 * channel per tool ("agent-calc", "agent-notes", "agent-planner"); a tool
 * whose channel the policy does not declare is simply not offered to the
 * model. User requests come as the pipeline's workload items: plain text,
 * or {"user": TEXT, "continue": true} to go on with the previous
 * conversation (every other item starts a new one). Each item's outcome is
 * one result line: {"item": i, "answer": ..., "tools": [...]} or
 * {"item": i, "error": ...}. Then, when the policy declares "net-agent"
 * (the gateway's channel to it), it answers the gateway's requests
 * {"user": TEXT}, each a new conversation, with {"answer": ..., "tools":
 * [...]} or {"error": ...} until the gateway is gone.
 *
 * Generate requests to the llm realm: {"prompt": TEXT, "max_tokens": N,
 * "temperature": 0, "stop": ["<|im_end|>"], "tools": [{"name": NAME,
 * "parameters": SCHEMA}, ...]} (the tools let it constrain a reply that
 * starts a call to a valid one: tool_mask.h); it streams {"token": ...}
 * messages and ends with a response {"text": ...} or an error message
 * {"error": ...}.
 */
#include "agent.h"
#include "calc.h"
#include "notes.h"
#include "planner.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/pipeline.h"
#include "sdk/rjson.h"

#define WAIT_NS       (UINT64_C(120) * 1000000000u)
#define ITEM_MAX      (16u << 10)
#define MSG_MAX       (64u << 10)
#define CONV_MAX      (64u << 10)
#define MAX_TOKENS    192
#define MAX_STEPS     4

struct tool_link {
	const char *channel;
	struct agent_tool tool;
};

static const struct tool_link known_tools[] = {
	{ "agent-calc", { "calculator", "exact arithmetic on an expression", calc_schema, { 0 } } },
	{ "agent-planner", { "planner", "a day-by-day trip plan for a city", planner_schema, { 0 } } },
	{ "agent-notes", { "notes", "the user's notes (add, get, list, search, check)", notes_schema, { 0 } } },
};
#define N_KNOWN (sizeof(known_tools) / sizeof(known_tools[0]))

struct agent_realm {
	struct pipeline p;
	struct chan_csm llm;
	struct chan_csm tools[N_KNOWN];
	struct chan_csm net; /* the gateway's channel, when declared */
	bool have_net;
	unsigned tool_link[N_KNOWN]; /* agent tool index -> known_tools index */
	unsigned n_tools;
	char *msg; /* one message to or from a peer */
	char *prompt_json;
	char llm_why[256];
	/* Streaming a gateway request's answer: its message ID (0: not
	 * streaming), and whether the reply being generated is the answer
	 * (its first non-blank character is not '{') - undecided, yes, no. */
	uint64_t stream_id;
	int stream_state;
	char *pending; /* pieces before it was decided */
	size_t pending_len;
	/* The offered tools' schemas, parsed once for every generate request. */
	struct rjson_node schema_nodes[N_KNOWN][SCHEMA_MAX_NODES];
	struct rjson_doc schema_docs[N_KNOWN];
};

/* A piece the llm realm streamed (its {"token": ...} in ar->msg): passed on
 * to the gateway while the reply being generated is the answer, held back
 * while that is undecided, dropped when it is a tool call. */
static void forward_piece(struct agent_realm *ar, size_t mlen)
{
	struct rjson_node nodes[8];
	struct rjson_doc d;
	char piece[1024];

	if (!ar->stream_id || ar->stream_state == 2 || rjson_parse(ar->msg, mlen, nodes, 8, &d, 0) != RJSON_OK)
		return;
	uint32_t t = rjson_get(&d, 0, "token");
	long n = t ? rjson_string(&d, t, piece, sizeof(piece)) : -1;
	if (n <= 0)
		return;
	if (ar->stream_state == 0) {
		if ((size_t)n > ITEM_MAX - ar->pending_len) {
			ar->stream_state = 2; /* an undecided reply this long is no answer to stream */
			return;
		}
		__builtin_memcpy(ar->pending + ar->pending_len, piece, (size_t)n);
		ar->pending_len += (size_t)n;
		size_t i = 0;
		while (i < ar->pending_len && (ar->pending[i] == ' ' || ar->pending[i] == '\n' || ar->pending[i] == '\t' ||
					       ar->pending[i] == '\r'))
			i++;
		if (i == ar->pending_len)
			return;
		ar->stream_state = ar->pending[i] == '{' ? 2 : 1;
		if (ar->stream_state == 2)
			return;
		/* Everything held back, blanks at the start dropped as the agent
		 * trims them. */
		struct rjson_writer w;
		rjson_writer_init(&w, ar->msg, MSG_MAX);
		rjson_begin_object(&w);
		rjson_key(&w, "token");
		rjson_str_n(&w, ar->pending + i, ar->pending_len - i);
		rjson_end_object(&w);
		long k = rjson_writer_finish(&w);
		if (k > 0)
			chan_send(&ar->net.ch, CHAN_MSG_STREAM, ar->stream_id, ar->msg, (size_t)k, WAIT_NS);
		return;
	}
	/* Already the answer: the piece as it came. */
	chan_send(&ar->net.ch, CHAN_MSG_STREAM, ar->stream_id, ar->msg, mlen, WAIT_NS);
}

static long generate(void *ctx, const char *prompt, size_t len, char *out, size_t cap, const char **why)
{
	struct agent_realm *ar = ctx;
	struct rjson_writer w;

	rjson_writer_init(&w, ar->prompt_json, CONV_MAX + 1024);
	rjson_begin_object(&w);
	rjson_key(&w, "prompt");
	rjson_str_n(&w, prompt, len);
	rjson_key(&w, "max_tokens");
	rjson_i64(&w, MAX_TOKENS);
	rjson_key(&w, "temperature");
	rjson_i64(&w, 0);
	rjson_key(&w, "stop");
	rjson_begin_array(&w);
	rjson_str(&w, "<|im_end|>");
	rjson_end_array(&w);
	/* The template's markers are control tokens (and only the template's:
	 * agent.c writes none from the user or a tool). */
	rjson_key(&w, "special_tokens");
	rjson_bool(&w, true);
	rjson_key(&w, "tools");
	rjson_begin_array(&w);
	for (unsigned i = 0; i < ar->n_tools; i++) {
		rjson_begin_object(&w);
		rjson_key(&w, "name");
		rjson_str(&w, known_tools[ar->tool_link[i]].tool.name);
		rjson_key(&w, "parameters");
		rjson_copy(&w, &ar->schema_docs[i], 0);
		rjson_end_object(&w);
	}
	rjson_end_array(&w);
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	if (n < 0) {
		*why = "the prompt does not fit a generate request";
		return -1;
	}
	uint64_t id = chan_next_id(&ar->llm.ch);
	ar->stream_state = 0;
	ar->pending_len = 0;
	if (chan_send(&ar->llm.ch, CHAN_MSG_REQUEST, id, ar->prompt_json, (size_t)n, WAIT_NS) != 0) {
		*why = "the llm realm is gone";
		return -1;
	}
	for (;;) {
		uint16_t type;
		uint64_t got;
		size_t mlen;
		int r = chan_recv(&ar->llm.ch, &type, &got, ar->msg, MSG_MAX, &mlen, WAIT_NS);
		if (r != 0) {
			*why = r == CHAN_ETIMEDOUT ? "the llm realm did not answer in time" : "the llm realm is gone";
			return -1;
		}
		if (got != id)
			continue; /* an answer to a request given up on */
		if (type == CHAN_MSG_STREAM) {
			forward_piece(ar, mlen);
			continue;
		}
		struct rjson_node nodes[16];
		struct rjson_doc d;
		if (rjson_parse(ar->msg, mlen, nodes, 16, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT) {
			*why = "the llm realm's answer is not JSON";
			return -1;
		}
		if (type == CHAN_MSG_ERROR) {
			uint32_t e = rjson_get(&d, 0, "error");
			static const char head[] = "the llm realm refused the request: ";
			__builtin_memcpy(ar->llm_why, head, sizeof(head));
			if (!e || rjson_string(&d, e, ar->llm_why + sizeof(head) - 1, sizeof(ar->llm_why) - sizeof(head)) < 0)
				ar->llm_why[sizeof(head) - 3] = 0;
			*why = ar->llm_why;
			return -1;
		}
		uint32_t t = rjson_get(&d, 0, "text");
		long k = t ? rjson_string(&d, t, out, cap) : -1;
		if (type != CHAN_MSG_RESPONSE || k < 0) {
			*why = "the llm realm's answer has no text";
			return -1;
		}
		return k;
	}
}

static long call_tool(void *ctx, unsigned tool, const char *args, size_t len, char *out, size_t cap,
		      const char **why)
{
	struct agent_realm *ar = ctx;
	struct chan *ch = &ar->tools[ar->tool_link[tool]].ch;
	uint64_t id = chan_next_id(ch), got;
	uint16_t type;
	size_t alen;

	if (chan_send(ch, CHAN_MSG_REQUEST, id, args, len, WAIT_NS) != 0 ||
	    chan_recv(ch, &type, &got, out, cap - 1, &alen, WAIT_NS) != 0 || got != id || type != CHAN_MSG_RESPONSE) {
		*why = "the tool's realm did not answer";
		return -1;
	}
	out[alen] = 0;
	return (long)alen;
}

/* The outcome of a turn as JSON into buf (MSG_MAX): its length or -1.
 * item < 0: no "item" key. */
static long outcome(int64_t item, const char *answer, const struct agent *a, const struct agent_turn *t, char *buf)
{
	struct rjson_writer w;

	rjson_writer_init(&w, buf, MSG_MAX);
	rjson_begin_object(&w);
	if (item >= 0) {
		rjson_key(&w, "item");
		rjson_i64(&w, item);
	}
	if (t->answered) {
		rjson_key(&w, "answer");
		rjson_str(&w, answer);
	} else {
		rjson_key(&w, "error");
		rjson_str(&w, t->error);
	}
	rjson_key(&w, "tools");
	rjson_begin_array(&w);
	for (unsigned i = 0; i < t->steps; i++)
		rjson_str(&w, t->calls[i] < a->n_tools ? a->tools[t->calls[i]].name : "(refused)");
	rjson_end_array(&w);
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}

static int report(uint64_t item, const char *answer, const struct agent *a, const struct agent_turn *t, char *buf)
{
	long n = outcome((int64_t)item, answer, a, t, buf);
	return n < 0 ? -1 : pipeline_result(buf, (size_t)n);
}

/* The user's text of workload item[0..n) into user (cap bytes); *cont
 * when it continues the previous conversation, *stream when the answer
 * should be streamed as it is generated. */
static int read_item(const char *item, long n, char *user, size_t cap, bool *cont, bool *stream)
{
	*cont = *stream = false;
	if (item[0] != '{') {
		__builtin_memcpy(user, item, (size_t)n + 1);
		return 0;
	}
	struct rjson_node nodes[8];
	struct rjson_doc d;
	if (rjson_parse(item, (size_t)n, nodes, 8, &d, 0) != RJSON_OK || nodes[0].type != RJSON_OBJECT)
		return -1;
	uint32_t u = rjson_get(&d, 0, "user"), c = rjson_get(&d, 0, "continue"), s = rjson_get(&d, 0, "stream");
	*cont = c && nodes[c].type == RJSON_TRUE;
	*stream = s && nodes[s].type == RJSON_TRUE;
	return u && rjson_string(&d, u, user, cap) >= 0 ? 0 : -1;
}

/* Answers the gateway until it is gone: 0, or 1 when the channel broke. */
static int serve_gateway(struct agent_realm *ar, struct agent *ag, char *item, char *user, char *answer)
{
	unsigned long served = 0;
	int r;

	for (;;) {
		uint16_t type;
		uint64_t id;
		size_t len;
		struct agent_turn t;
		bool cont;
		if ((r = chan_recv(&ar->net.ch, &type, &id, item, ITEM_MAX - 1, &len, CHAN_FOREVER)) != 0)
			break;
		item[len] = 0;
		bool stream = false;
		if (type != CHAN_MSG_REQUEST || item[0] != '{' ||
		    read_item(item, (long)len, user, ITEM_MAX, &cont, &stream) != 0) {
			t = (struct agent_turn){ .answered = false, .error = "not a request {\"user\": TEXT}" };
		} else {
			agent_reset(ag);
			ar->stream_id = stream ? id : 0;
			agent_turn(ag, user, answer, AGENT_REPLY_MAX, &t);
			ar->stream_id = 0;
		}
		long n = outcome(-1, answer, ag, &t, ar->msg);
		if (n < 0 || (r = chan_send(&ar->net.ch, CHAN_MSG_RESPONSE, id, ar->msg, (size_t)n, WAIT_NS)) != 0)
			break;
		served++;
	}
	sdk_printf("agent: %lu gateway requests answered; the gateway is gone\n", served);
	return r == CHAN_EPEER ? 0 : 1;
}

int realm_main(void)
{
	static struct agent ag;
	struct agent_realm *ar = sdk_calloc(1, sizeof(*ar));
	char *conv = sdk_malloc(CONV_MAX), *item = sdk_malloc(ITEM_MAX), *user = sdk_malloc(ITEM_MAX);
	char *answer = sdk_malloc(AGENT_REPLY_MAX);
	const char *why = "";

	if (!ar || !conv || !item || !user || !answer || !(ar->msg = sdk_malloc(MSG_MAX)) ||
	    !(ar->pending = sdk_malloc(ITEM_MAX)) ||
	    !(ar->prompt_json = sdk_malloc(CONV_MAX + 1024))) {
		sdk_printf("agent: no memory for its buffers\n");
		return 1;
	}
	if (pipeline_start(&ar->p, &why) != 0 || pipeline_channel(&ar->p, "agent-llm", &ar->llm, &why) != 0) {
		sdk_printf("agent: %s\n", why);
		return 1;
	}
	struct agent_tool tools[N_KNOWN];
	for (unsigned i = 0; i < N_KNOWN; i++) {
		if (pipeline_channel_index(&ar->p, known_tools[i].channel) < 0)
			continue;
		if (pipeline_channel(&ar->p, known_tools[i].channel, &ar->tools[i], &why) != 0) {
			sdk_printf("agent: channel %s: %s\n", known_tools[i].channel, why);
			return 1;
		}
		const char *sj = known_tools[i].tool.schema_json;
		if (rjson_parse(sj, sdk_strlen(sj), ar->schema_nodes[ar->n_tools], SCHEMA_MAX_NODES,
				&ar->schema_docs[ar->n_tools], 0) != RJSON_OK) {
			sdk_printf("agent: the %s tool's schema is not JSON\n", known_tools[i].tool.name);
			return 1;
		}
		ar->tool_link[ar->n_tools] = i;
		tools[ar->n_tools++] = known_tools[i].tool;
	}
	ar->have_net = pipeline_channel_index(&ar->p, "net-agent") >= 0;
	if (ar->have_net && pipeline_channel(&ar->p, "net-agent", &ar->net, &why) != 0) {
		sdk_printf("agent: channel net-agent: %s\n", why);
		return 1;
	}
	if (pipeline_attest(&why) != 0) {
		sdk_printf("agent: %s\n", why);
		return 1;
	}
	struct agent_ops ops = { .generate = generate, .call_tool = call_tool, .ctx = ar };
	if (agent_init(&ag, conv, CONV_MAX, "You are a helpful assistant.", tools, ar->n_tools, MAX_STEPS, &ops,
		       &why) != 0) {
		sdk_printf("agent: %s\n", why);
		return 1;
	}
	sdk_printf("agent: %u tools, talking to the llm realm\n", ar->n_tools);
	int status = 0;
	for (uint64_t i = 0;; i++) {
		long n = pipeline_work(i, item, ITEM_MAX);
		if (n <= 0) {
			status = n < 0;
			break;
		}
		bool cont, stream;
		struct agent_turn t;
		if (read_item(item, n, user, ITEM_MAX, &cont, &stream) != 0) {
			t = (struct agent_turn){ .answered = false, .error = "the item is not text nor {\"user\": TEXT}" };
		} else {
			if (!cont)
				agent_reset(&ag);
			agent_turn(&ag, user, answer, AGENT_REPLY_MAX, &t);
		}
		if (report(i, answer, &ag, &t, ar->msg) != 0) {
			status = 1;
			break;
		}
	}
	if (status == 0 && ar->have_net)
		status = serve_gateway(ar, &ag, item, user, answer);
	if (ar->have_net)
		chan_csm_close(&ar->net);
	chan_csm_close(&ar->llm);
	for (unsigned i = 0; i < ar->n_tools; i++)
		chan_csm_close(&ar->tools[ar->tool_link[i]]);
	return status;
}

/*
 * The llm realm: the inference engine (apps/llm, built for realms) serving
 * generate requests on the pipeline's channel "agent-llm", which the agent
 * owns and this realm joins. Its model came in its own measured image
 * (abi/caec_pipeline.h: the pipeline's "model": FILE), so the RIM its peers
 * check covers the weights; its worker threads are its own vCPUs (one per
 * vCPU the pipeline gives it).
 *
 * Or the model is sealed (the pipeline's "sealed_model"): the host put the
 * sealed bytes, unmeasured, after the realm's RAM; once the group is
 * attested the realm asks the owner's key-release service (the host here,
 * PIPE_CALL_MODEL) for the key with a token that binds a fresh X25519 key,
 * and unseals into its own RAM, so plaintext weights never pass through
 * memory the host can read. A wrong key or a changed byte stops the realm.
 *
 * One request per message ID, JSON:
 *   {"prompt": TEXT, "max_tokens": N, "temperature": T, "top_p": P,
 *    "seed": N, "stop": [TEXT, ...],
 *    "tools": [{"name": NAME, "parameters": SCHEMA}, ...],
 *    "tool_choice": "auto" | "required", "special_tokens": BOOL}
 * only "prompt" required. With "tools" (schemas as tools/schema.h reads
 * them) decoding is constrained (tools/tool_mask.h): a reply that starts a
 * tool call can only be a valid call of one of them, and ends only when it
 * is whole; with "tool_choice": "required" the reply is a call. With
 * "special_tokens": true the prompt's spelled-out control tokens
 * ("<|im_start|>") are encoded as those tokens (the agent's templates);
 * otherwise everything is text (raw text: the agent applies chat templates;
 * temperature 0 is greedy). The realm answers under the request's ID with
 * one stream message {"token": TEXT} per generated piece of text, then the
 * response {"text", "prompt_tokens", "tokens", "finish": "stop"|"length",
 * "prompt_ms", "gen_ms"}. Generation stops at the model's end token, at a
 * stop string (not included in the text) or a token whose vocabulary entry
 * is one (a control token such as <|im_end|> decodes to no text), at
 * max_tokens or the context's end. Streamed text never runs ahead of what the final text keeps: a piece
 * that may begin a stop string or ends inside a UTF-8 character waits for
 * the next. Anything malformed (not JSON, unknown or mistyped fields, a
 * prompt that does not fit the context, a message too large) gets an error
 * message {"error": WHY} and the realm goes on serving.
 *
 * The prompt is tokenized with BOS and fed in batches, and tokens are
 * sampled exactly as `caec llm run` does, so a greedy request gives the
 * host's tokens.
 *
 * Several llm realms share one model: when the policy declares a region
 * "llm-model" (not a channel: its owner writes, its members only read),
 * its owner - the realm that has the model, in its image or sealed - puts
 * the plaintext there after the group is attested and says so in the
 * region's first page; the members map it read-only, wait for that, and
 * run from it. The model's bytes then take RAM once, not once per realm
 * (each realm says what it saves or uses), and stay in memory only these
 * attested realms can map. Each serves the first "agent-llm*" channel it
 * is a member of.
 *
 * Memory: the realm's RAM holds the engine's context (KV cache and
 * scratch, allocated once), about 3 MiB of request and answer buffers, and
 * for a sealed model its plaintext; 32 MiB is plenty for the tiny model.
 */
#include "abi/caec_pipeline.h"
#include "abi/rmi.h"
#include "caec/arch.h"
#include "llm/context.h"
#include "llm/model.h"
#include "llm/sampler.h"
#include "llm/tokenizer.h"
#include "sdk/console.h"
#include "sdk/csm.h"
#include "sdk/format.h"
#include "sdk/attest.h"
#include "sdk/heap.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"
#include "sdk/model_key.h"
#include "sdk/model_unseal.h"
#include "sdk/pipeline.h"
#include "sdk/realm.h"
#include "sdk/rjson.h"
#include "tool_mask.h"

#define CHANNEL "agent-llm"
#define MODEL_REGION "llm-model"
#define SHARE_MAGIC UINT64_C(0x314c444f4d434143) /* "CAECMOD1" */
#define SHARE_WAIT_NS (UINT64_C(600) * 1000000000u)
#define WAIT_NS (UINT64_C(60) * 1000000000u)
#define REQ_MAX (64u << 10)
#define MAX_TOKENS_LIMIT 2048u
#define MAX_TOKENS_DEFAULT 128u
#define STOP_MAX 4u
#define STOP_LEN_MAX 64u
/* Room for the generated text: what max_tokens pieces of this length need. */
#define PIECE_BYTES 64u
#define STREAM_MAX 4096u

struct request {
	char *prompt; /* into the request buffer (unescaped there) */
	size_t prompt_len;
	uint32_t max_tokens;
	float temperature, top_p;
	uint64_t seed;
	unsigned n_stop;
	char stop[STOP_MAX][STOP_LEN_MAX + 1];
	size_t stop_len[STOP_MAX];
	int32_t stop_token[STOP_MAX]; /* the stop string's own token, or -1 */
	struct tg_tools tools;        /* tools.n == 0: unconstrained */
	bool require_call;            /* "tool_choice": "required" */
	bool special;                 /* "special_tokens": true */
};

/* The request's tool schemas (one request is served at a time). */
static struct tool_schema tool_schemas[TG_MAX_TOOLS];
static char tool_names[TG_MAX_TOOLS][SCHEMA_NAME_MAX + 1];

/* "tools": [{"name": NAME, "parameters": SCHEMA}, ...] of request text. */
static const char *parse_tools(const struct rjson_doc *d, uint32_t v, struct request *rq)
{
	const struct rjson_node *nodes = d->nodes;

	if (nodes[v].type != RJSON_ARRAY || nodes[v].children > TG_MAX_TOOLS)
		return "\"tools\" must be an array of at most 8 tools";
	for (uint32_t t = rjson_first(d, v); t; t = nodes[t].next) {
		unsigned i = rq->tools.n;
		uint32_t name = nodes[t].type == RJSON_OBJECT ? rjson_get(d, t, "name") : 0;
		uint32_t params = name ? rjson_get(d, t, "parameters") : 0;
		const char *why;
		if (!params || nodes[t].children != 4 || rjson_string(d, name, tool_names[i], sizeof(tool_names[i])) <= 0)
			return "each tool must be {\"name\": NAME (1..31 bytes), \"parameters\": SCHEMA}";
		if (nodes[params].type != RJSON_OBJECT ||
		    schema_parse(d->text + nodes[params].start, nodes[params].len, &tool_schemas[i], &why) != 0)
			return "a tool's \"parameters\" is not a schema this realm can follow";
		rq->tools.names[i] = tool_names[i];
		rq->tools.schemas[i] = &tool_schemas[i];
		rq->tools.n++;
	}
	return NULL;
}

/* Page 0 of the shared model region; the model from page 1. */
struct share_header {
	uint64_t magic, size, ready;
};

struct server {
	struct chan_csm cc;
	struct pipeline_region share; /* csm_id 0: no shared model */
	unsigned share_members;       /* realms besides the owner */
	struct llm_model *model;
	struct llm_context *ctx;
	char *req, *prompt, *text, *resp;
	size_t text_cap, resp_cap;
	uint32_t *ids;
	float *logits;
	unsigned long served, refused;
};

static int send_error(struct server *s, uint64_t id, const char *why)
{
	struct rjson_writer w;
	char buf[512];

	rjson_writer_init(&w, buf, sizeof(buf));
	rjson_begin_object(&w);
	rjson_key(&w, "error");
	rjson_str(&w, why);
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	s->refused++;
	/* The operator sees why too (the requester may only say "refused"). */
	sdk_printf("llm: request %llu refused: %s\n", (unsigned long long)id, why);
	return chan_send(&s->cc.ch, CHAN_MSG_ERROR, id, buf, n > 0 ? (size_t)n : 0, WAIT_NS);
}

/* ---- the request ---- */

/* A JSON number as a float, as strtod then a cast would give it. */
static bool number_float(const struct rjson_doc *d, uint32_t i, float *out)
{
	int64_t m;
	int32_t e;

	if (!rjson_decimal(d, i, &m, &e) || m > (INT64_C(1) << 53) || m < -(INT64_C(1) << 53) || e > 22 || e < -22)
		return false;
	double p = 1.0;
	for (int32_t k = 0; k < (e < 0 ? -e : e); k++)
		p *= 10.0; /* exact up to 10^22 */
	/* One correctly rounded operation on exact operands: strtod's result. */
	double v = e < 0 ? (double)m / p : (double)m * p;
	*out = (float)v;
	return true;
}

/* Parses and checks the request; NULL, or why it is refused. */
static const char *parse_request(struct server *s, size_t len, struct request *rq)
{
	static char why[160];
	static struct rjson_node nodes[2048];
	struct rjson_doc d;
	size_t at = 0;
	enum rjson_error e = rjson_parse(s->req, len, nodes, 2048, &d, &at);

	if (e != RJSON_OK) {
		sdk_snprintf(why, sizeof(why), "the request is not JSON (%s at byte %zu)", rjson_strerror(e), at);
		return why;
	}
	if (nodes[0].type != RJSON_OBJECT)
		return "the request is not a JSON object";
	*rq = (struct request){ .max_tokens = MAX_TOKENS_DEFAULT, .temperature = 1.0f, .top_p = 0.9f };
	bool have_prompt = false;
	for (uint32_t k = rjson_first(&d, 0); k; k = nodes[nodes[k].next].next) {
		uint32_t v = nodes[k].next;
		int64_t n;
		if (rjson_string_is(&d, k, "prompt")) {
			long l = rjson_string(&d, v, s->prompt, REQ_MAX);
			if (l < 0)
				return "\"prompt\" must be a string";
			rq->prompt = s->prompt;
			rq->prompt_len = (size_t)l;
			have_prompt = true;
		} else if (rjson_string_is(&d, k, "max_tokens")) {
			if (!rjson_int(&d, v, &n) || n < 1 || n > MAX_TOKENS_LIMIT)
				return "\"max_tokens\" must be an integer 1..2048";
			rq->max_tokens = (uint32_t)n;
		} else if (rjson_string_is(&d, k, "temperature")) {
			if (nodes[v].type != RJSON_NUMBER || !number_float(&d, v, &rq->temperature) ||
			    !(rq->temperature >= 0.0f && rq->temperature <= 100.0f))
				return "\"temperature\" must be a number 0..100 (0: greedy)";
		} else if (rjson_string_is(&d, k, "top_p")) {
			if (nodes[v].type != RJSON_NUMBER || !number_float(&d, v, &rq->top_p) ||
			    !(rq->top_p > 0.0f && rq->top_p <= 1.0f))
				return "\"top_p\" must be a number in (0, 1]";
		} else if (rjson_string_is(&d, k, "seed")) {
			if (!rjson_int(&d, v, &n) || n < 0)
				return "\"seed\" must be an integer of 0 or more";
			rq->seed = (uint64_t)n;
		} else if (rjson_string_is(&d, k, "stop")) {
			if (nodes[v].type != RJSON_ARRAY || nodes[v].children > STOP_MAX)
				return "\"stop\" must be an array of at most 4 strings";
			for (uint32_t i = rjson_first(&d, v); i; i = nodes[i].next) {
				long l = rjson_string(&d, i, rq->stop[rq->n_stop], STOP_LEN_MAX + 1);
				if (l <= 0)
					return "each \"stop\" must be a string of 1..64 bytes";
				rq->stop_len[rq->n_stop++] = (size_t)l;
			}
		} else if (rjson_string_is(&d, k, "tools")) {
			const char *bad = parse_tools(&d, v, rq);
			if (bad)
				return bad;
		} else if (rjson_string_is(&d, k, "special_tokens")) {
			if (nodes[v].type != RJSON_TRUE && nodes[v].type != RJSON_FALSE)
				return "\"special_tokens\" must be true or false";
			rq->special = nodes[v].type == RJSON_TRUE;
		} else if (rjson_string_is(&d, k, "tool_choice")) {
			if (rjson_string_is(&d, v, "required"))
				rq->require_call = true;
			else if (!rjson_string_is(&d, v, "auto"))
				return "\"tool_choice\" must be \"auto\" or \"required\"";
		} else {
			return "unknown field (allowed: prompt, max_tokens, temperature, top_p, seed, stop, tools, tool_choice, "
			       "special_tokens)";
		}
	}
	if (!have_prompt)
		return "the request has no \"prompt\"";
	if (rq->require_call && !rq->tools.n)
		return "\"tool_choice\": \"required\" needs \"tools\"";
	return NULL;
}

/* ---- text ---- */

/* The length of the well-formed UTF-8 sequence at s[0..n), 0 when it is
 * ill-formed, -1 when it is a valid but incomplete start. */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if (i >= n)
			return -1;
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80, hi = 0xbf;
	}
	return (int)need + 1;
}

/* s[0..n) repaired into out (3n bytes), its length: each byte of an
 * ill-formed sequence becomes U+FFFD, since JSON carries Unicode and model
 * output is bytes. */
static size_t utf8_repair(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		int k = utf8_seq((const unsigned char *)s + i, n - i);
		if (k > 0) {
			sdk_memcpy(out + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		} else {
			out[o++] = (char)0xef, out[o++] = (char)0xbf, out[o++] = (char)0xbd;
			i++;
		}
	}
	return o;
}

/* How much of text[0..len) may be streamed now: not a tail that could
 * begin a stop string, nor an incomplete UTF-8 character at the end. */
static size_t safe_prefix(const struct request *rq, const char *text, size_t len)
{
	size_t safe = len;
	for (unsigned k = 0; k < rq->n_stop; k++)
		for (size_t l = rq->stop_len[k] - 1; l > 0; l--)
			if (l <= len && len - l < safe && sdk_memcmp(text + len - l, rq->stop[k], l) == 0) {
				safe = len - l;
				break;
			}
	/* Back up over a trailing incomplete character (at most 3 bytes). */
	for (size_t b = 1; b <= 3 && b <= safe; b++) {
		unsigned char c = (unsigned char)text[safe - b];
		if ((c & 0xc0) == 0x80)
			continue;
		if (c >= 0xc0 && utf8_seq((const unsigned char *)text + safe - b, b) < 0)
			safe -= b;
		break;
	}
	return safe;
}

/* The first stop string in text at or after from: its offset, or -1. */
static long find_stop(const struct request *rq, const char *text, size_t len, size_t from)
{
	long best = -1;
	for (unsigned k = 0; k < rq->n_stop; k++)
		for (size_t i = from; i + rq->stop_len[k] <= len; i++)
			if (sdk_memcmp(text + i, rq->stop[k], rq->stop_len[k]) == 0) {
				if (best < 0 || (long)i < best)
					best = (long)i;
				break;
			}
	return best;
}

static int stream(struct server *s, uint64_t id, const char *text, size_t n)
{
	char repaired[3 * 256], buf[STREAM_MAX];
	while (n) {
		size_t k = n < 256 ? n : 256;
		/* A chunk boundary inside a character: keep the character whole. */
		while (k < n && k > 0 && ((unsigned char)text[k] & 0xc0) == 0x80)
			k--;
		if (k == 0)
			k = n < 256 ? n : 256;
		struct rjson_writer w;
		rjson_writer_init(&w, buf, sizeof(buf));
		rjson_begin_object(&w);
		rjson_key(&w, "token");
		rjson_str_n(&w, repaired, utf8_repair(text, k, repaired));
		rjson_end_object(&w);
		long len = rjson_writer_finish(&w);
		int r = chan_send(&s->cc.ch, CHAN_MSG_STREAM, id, buf, len > 0 ? (size_t)len : 0, WAIT_NS);
		if (r != 0)
			return r;
		text += k;
		n -= k;
	}
	return 0;
}

/* ---- generation ---- */

struct outcome {
	size_t n_prompt, n_gen, text_len;
	bool stopped; /* "stop", else "length" */
	uint64_t prompt_ns, gen_ns;
};

static int generate(struct server *s, uint64_t id, struct request *rq, struct outcome *o, const char **why)
{
	const struct llm_model *m = s->model;
	const struct llm_tokenizer *tok = m->tokenizer;
	size_t n_prompt = 0, streamed = 0;
	uint32_t vocab = m->config.vocab_size;

	*o = (struct outcome){ 0 };
	unsigned flags = LLM_ENCODE_BOS | (rq->special ? LLM_ENCODE_SPECIAL : 0u);
	if (llm_tokenizer_encode_flags(tok, rq->prompt, rq->prompt_len, flags, s->ids, rq->prompt_len + 2, &n_prompt) != 0) {
		*why = "the prompt cannot be tokenized";
		return 1;
	}
	if (n_prompt >= llm_context_max_seq(s->ctx)) {
		static char msg[128];
		sdk_snprintf(msg, sizeof(msg), "the prompt (%zu tokens) does not fit the model's context of %u",
			     n_prompt, (unsigned)llm_context_max_seq(s->ctx));
		*why = msg;
		return 1;
	}
	struct llm_sampler *smp;
	if (llm_sampler_create(&smp, vocab, rq->temperature, rq->top_p, rq->seed, NULL) != 0) {
		*why = "no memory for the sampler";
		return 1;
	}
	o->n_prompt = n_prompt;
	for (unsigned k = 0; k < rq->n_stop; k++)
		rq->stop_token[k] = llm_tokenizer_lookup(tok, rq->stop[k], rq->stop_len[k]);
	const float *logits = NULL;
	uint64_t t0 = caec_arch_now_ns();
	size_t batch = llm_context_max_batch(s->ctx);
	for (size_t i = 0; i < n_prompt;) {
		size_t k = n_prompt - i < batch ? n_prompt - i : batch;
		if (llm_forward_batch(s->ctx, s->ids + i, (uint32_t)k, (uint32_t)i, &logits) != 0) {
			llm_sampler_free(smp);
			*why = "inference failed on the prompt";
			return 1;
		}
		i += k;
	}
	uint64_t t1 = caec_arch_now_ns();
	o->prompt_ns = t1 - t0;
	uint32_t pos = (uint32_t)n_prompt, prev = s->ids[n_prompt - 1];
	int r = 0;
	struct tool_mask mask;
	if (rq->tools.n)
		tool_mask_init(&mask, tok, &rq->tools);
	if (rq->require_call)
		tool_mask_require_call(&mask);
	while (o->n_gen < rq->max_tokens) {
		sdk_memcpy(s->logits, logits, (size_t)vocab * sizeof(float));
		/* No token keeps the call valid (the context or max_tokens will
		 * not do either): stop, and the agent refuses what it got. */
		if (rq->tools.n && tool_mask_apply(&mask, s->logits) == 0) {
			o->stopped = true;
			break;
		}
		uint32_t next = llm_sample(smp, s->logits);
		if (rq->tools.n)
			tool_mask_accept(&mask, next);
		bool stop_token = false;
		for (unsigned k = 0; k < rq->n_stop; k++)
			stop_token |= rq->stop_token[k] >= 0 && (uint32_t)rq->stop_token[k] == next;
		if (next == tok->eos_id || next == tok->bos_id || stop_token) {
			o->stopped = true;
			break;
		}
		size_t plen = 0;
		const char *p = llm_tokenizer_piece(tok, prev, next, &plen);
		if (!p)
			plen = 0;
		if (plen > s->text_cap - o->text_len)
			break; /* no room: as if max_tokens were reached */
		o->n_gen++;
		prev = next;
		sdk_memcpy(s->text + o->text_len, p, plen);
		size_t from = o->text_len > STOP_LEN_MAX ? o->text_len - STOP_LEN_MAX : 0;
		o->text_len += plen;
		long at = rq->n_stop ? find_stop(rq, s->text, o->text_len, from) : -1;
		if (at >= 0) {
			o->text_len = (size_t)at;
			o->stopped = true;
			break;
		}
		size_t safe = safe_prefix(rq, s->text, o->text_len);
		if (safe > streamed) {
			if ((r = stream(s, id, s->text + streamed, safe - streamed)) != 0)
				break;
			streamed = safe;
		}
		if (o->n_gen == rq->max_tokens || pos >= llm_context_max_seq(s->ctx))
			break;
		if (llm_forward(s->ctx, next, pos++, &logits) != 0) {
			llm_sampler_free(smp);
			*why = "inference failed while generating";
			return 1;
		}
	}
	o->gen_ns = caec_arch_now_ns() - t1;
	llm_sampler_free(smp);
	if (r == 0 && o->text_len > streamed)
		r = stream(s, id, s->text + streamed, o->text_len - streamed);
	return r; /* 0, or the channel's error (negative) */
}

static int answer(struct server *s, uint64_t id, const struct outcome *o)
{
	/* The text repaired into the response buffer's upper part, then the
	 * response written below it. */
	char *repaired = s->resp + s->resp_cap - 3 * s->text_cap;
	size_t rl = utf8_repair(s->text, o->text_len, repaired);
	struct rjson_writer w;

	rjson_writer_init(&w, s->resp, s->resp_cap - 3 * s->text_cap);
	rjson_begin_object(&w);
	rjson_key(&w, "text");
	rjson_str_n(&w, repaired, rl);
	rjson_key(&w, "prompt_tokens");
	rjson_i64(&w, (int64_t)o->n_prompt);
	rjson_key(&w, "tokens");
	rjson_i64(&w, (int64_t)o->n_gen);
	rjson_key(&w, "finish");
	rjson_str(&w, o->stopped ? "stop" : "length");
	rjson_key(&w, "prompt_ms");
	rjson_fixed(&w, (int64_t)(o->prompt_ns / 1000u), 3);
	rjson_key(&w, "gen_ms");
	rjson_fixed(&w, (int64_t)(o->gen_ns / 1000u), 3);
	rjson_end_object(&w);
	long n = rjson_writer_finish(&w);
	if (n < 0)
		return send_error(s, id, "the answer does not fit");
	s->served++;
	return chan_send(&s->cc.ch, CHAN_MSG_RESPONSE, id, s->resp, (size_t)n, WAIT_NS);
}

/* ---- set-up ---- */

/* The model the host put in the image (abi/caec_pipeline.h); NULL with why. */
static const void *find_model(size_t *size, const char **why)
{
	const struct sdk_realm_info *ri = sdk_realm_info();
	struct pipe_model_trailer t;

	if (ri->image_size < RMI_GRANULE_SIZE + sizeof(t)) {
		*why = "no model in the image (the pipeline names no \"model\" for this realm)";
		return NULL;
	}
	const void *tp = caec_arch_ipa_to_ptr(ri->image_base + ri->image_size - sizeof(t));
	if (!tp) {
		*why = "the image's end is not in realm memory";
		return NULL;
	}
	sdk_memcpy(&t, tp, sizeof(t));
	if (sdk_memcmp(t.magic, PIPE_MODEL_MAGIC, sizeof(t.magic)) != 0) {
		*why = "no model in the image (the pipeline names no \"model\" for this realm)";
		return NULL;
	}
	/* The trailer is measured like the rest, but check it all the same:
	 * the model must lie between the ELF and the trailer's granule. */
	uint64_t room = ri->image_size - RMI_GRANULE_SIZE;
	if (t.offset % RMI_GRANULE_SIZE || t.offset < t.elf_size || t.offset > room || t.size == 0 ||
	    t.size > room - t.offset) {
		*why = "the image's model trailer is inconsistent";
		return NULL;
	}
	*size = (size_t)t.size;
	return caec_arch_ipa_to_ptr(ri->image_base + t.offset);
}

/* ---- a sealed model ---- */

static bool model_call(uint64_t g[RSI_HOST_CALL_GPRS])
{
	return sdk_host_call(PIPE_CALL_MODEL, g) == RSI_SUCCESS && g[0] == 0;
}

/* Where the host says the sealed file lies: NULL unless all of it is
 * realm memory past this realm's RAM (what a lying host could point at
 * instead only fails to unseal). */
static const uint8_t *sealed_bytes(size_t *size)
{
	const struct sdk_realm_info *ri = sdk_realm_info();
	uint64_t g[RSI_HOST_CALL_GPRS] = { PIPE_MODEL_WHERE };

	if (!model_call(g))
		return NULL;
	uint64_t ipa = g[1], len = g[2], end;
	if (ipa < ri->ram_base + ri->ram_size || ipa % RMI_GRANULE_SIZE || len < CAEC_MODEL_HEADER_SIZE ||
	    __builtin_add_overflow(ipa, len, &end) || !caec_arch_ipa_to_ptr(ipa) || !caec_arch_ipa_to_ptr(end - 1))
		return NULL;
	*size = (size_t)len;
	return caec_arch_ipa_to_ptr(ipa);
}

/* Key release (abi/caec_model.h): 0 and the key, or -1 with why. */
static int get_key(const uint8_t key_id[CAEC_MODEL_ID_SIZE], uint8_t key[CAEC_MODEL_KEY_SIZE], const char **why)
{
	static uint8_t token[CAEC_KEY_TOKEN_MAX], req[CAEC_KEY_REQUEST_HEADER + CAEC_KEY_TOKEN_MAX];
	uint64_t g[RSI_HOST_CALL_GPRS] = { PIPE_MODEL_NONCE };
	uint8_t nonce[CAEC_KEY_NONCE_SIZE], seed[CAEC_KEY_X25519_SIZE], challenge[64], resp[CAEC_KEY_RESPONSE_SIZE];
	struct model_key_request kr;
	size_t token_len = 0;

	if (!model_call(g)) {
		*why = "the host gave no key-release nonce";
		return -1;
	}
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(g[1 + i / 8] >> (8 * (i % 8)));
	if (caec_arch_random(seed, sizeof(seed)) != 0 || model_key_request_begin(&kr, nonce, seed, challenge) != 0) {
		*why = "no random key pair for the key request";
		return -1;
	}
	sdk_memset(seed, 0, sizeof(seed));
	if (sdk_attest_token(challenge, token, sizeof(token), &token_len, NULL) != 0) {
		*why = "no attestation token for the key request";
		return -1;
	}
	size_t n = model_key_request_encode(&kr, token, token_len, req, sizeof(req));
	if (n == 0) {
		*why = "the key request does not fit";
		return -1;
	}
	for (size_t at = 0; at < n;) {
		size_t k = n - at < PIPE_WORK_CHUNK ? n - at : PIPE_WORK_CHUNK;
		sdk_memset(g, 0, sizeof(g));
		g[0] = PIPE_MODEL_REQUEST;
		g[1] = at;
		g[2] = k;
		for (size_t i = 0; i < k; i++)
			g[3 + i / 8] |= (uint64_t)req[at + i] << (8 * (i % 8));
		at += k;
		g[30] = at == n;
		if (!model_call(g)) {
			sdk_memset(&kr, 0, sizeof(kr));
			*why = "the key-release service refused the request";
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(resp); i++)
		resp[i] = (uint8_t)(g[1 + i / 8] >> (8 * (i % 8)));
	if (model_key_accept(&kr, resp, sizeof(resp), key_id, key) != 0) {
		*why = "the released key is not the sealed model's";
		return -1;
	}
	return 0;
}

/* The sealed model unsealed into dst[0..cap) (NULL: the realm's own RAM);
 * NULL with why. */
static const void *unseal_model(uint8_t *dst, size_t cap, size_t *size, const char **why)
{
	struct model_sealed_info info;
	uint8_t key[CAEC_MODEL_KEY_SIZE];
	size_t len = 0, plain_len = 0;
	const uint8_t *sealed = sealed_bytes(&len);

	if (!sealed) {
		*why = "no model: neither in the image nor sealed from the host";
		return NULL;
	}
	int rc = model_sealed_header(sealed, len, &info);
	if (rc != 0 || info.sealed_size != len || info.plain_size == 0 || info.plain_size > len) {
		*why = rc ? model_seal_strerror(rc) : "the sealed model is not the size its header says";
		return NULL;
	}
	if (get_key(info.key_id, key, why) != 0)
		return NULL;
	if (dst && info.plain_size > cap) {
		sdk_memset(key, 0, sizeof(key));
		*why = "the sealed model is larger than the shared region \"" MODEL_REGION "\" the policy declares";
		return NULL;
	}
	uint8_t *plain = dst ? dst : sdk_aligned_alloc(64, (size_t)info.plain_size);
	if (!plain) {
		sdk_memset(key, 0, sizeof(key));
		*why = "no memory for the unsealed model";
		return NULL;
	}
	rc = model_unseal(key, sealed, len, plain, (size_t)info.plain_size, &plain_len, NULL, NULL);
	sdk_memset(key, 0, sizeof(key));
	if (rc != 0) {
		if (dst)
			sdk_memset(dst, 0, cap);
		else
			sdk_free(plain);
		*why = model_seal_strerror(rc);
		return NULL;
	}
	*size = plain_len;
	return plain;
}

/* ---- a model shared read-only ---- */

static struct share_header *share_header(struct server *s)
{
	return s->share.base;
}

static uint8_t *share_bytes(struct server *s, size_t *cap)
{
	*cap = (size_t)s->share.size - RMI_GRANULE_SIZE;
	return (uint8_t *)s->share.base + RMI_GRANULE_SIZE;
}

/* The owner's word that the model is in the region: its size, then ready
 * (release), then the doorbell. */
static void share_publish(struct server *s, size_t size)
{
	struct share_header *h = share_header(s);
	bool data_free = false;

	h->magic = SHARE_MAGIC;
	h->size = size;
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	csm_region_bell(s->share.csm_id, SDK_DOORBELL_RING, 0, &data_free);
	sdk_printf("llm: the model (%zu bytes) is shared read-only in region %llx with %u realm%s: %zu bytes of RAM "
		   "saved against private copies\n", size, (unsigned long long)s->share.csm_id, s->share_members,
		   s->share_members == 1 ? "" : "s", size * s->share_members);
}

/* Whether the region's owner still maps it (the monitor's report): an
 * owner that failed has detached, and waiting for it is pointless. */
static bool owner_maps(uint64_t csm_id)
{
	static uint8_t rep[8192];

	return csm_mapped_members(csm_id, rep, sizeof(rep), true) > 0;
}

/* A member: waits for the owner's word; the model's bytes, or NULL. */
static const void *share_wait(struct server *s, size_t *size, const char **why)
{
	const struct share_header *h = share_header(s);
	uint64_t start = caec_arch_now_ns();
	bool data_free = false;
	size_t cap;
	const uint8_t *bytes = share_bytes(s, &cap);

	for (unsigned k = 0; !__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE); k++) {
		if (caec_arch_now_ns() - start > SHARE_WAIT_NS) {
			*why = "the shared model's owner did not fill the region in time";
			return NULL;
		}
		if (k % 10 == 9 && !owner_maps(s->share.csm_id) && !__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE)) {
			*why = "the shared model's owner is gone (it failed to provide the model)";
			return NULL;
		}
		csm_region_bell(s->share.csm_id, SDK_DOORBELL_WAIT, UINT64_C(50) * 1000000u, &data_free);
	}
	/* The owner is attested like us; its header is still checked, as
	 * anything read from memory another realm writes. */
	if (h->magic != SHARE_MAGIC || h->size == 0 || h->size > cap) {
		*why = "the shared model region's header is not valid";
		return NULL;
	}
	*size = (size_t)h->size;
	sdk_printf("llm: the model (%zu bytes) comes read-only from the shared region %llx\n", *size,
		   (unsigned long long)s->share.csm_id);
	return bytes;
}

/* Where a realm's model comes from. */
enum model_source { MODEL_IMAGE, MODEL_SEALED, MODEL_SHARED };

/* The model: in the image (measured), sealed (after attestation), or from
 * the shared region (a member, after attestation). The owner of a shared
 * region fills it with the model it has. */
static int setup(struct server *s, enum model_source src)
{
	struct llm_err err = { "" };
	const char *why = "";
	size_t size = 0, cap = 0;
	bool owner = s->share.csm_id && s->share.owner;
	uint8_t *area = owner ? share_bytes(s, &cap) : NULL;
	const void *bytes = src == MODEL_SEALED ? unseal_model(area, cap, &size, &why)
			    : src == MODEL_SHARED ? share_wait(s, &size, &why)
						  : find_model(&size, &why);

	if (!bytes) {
		sdk_printf("llm: %s\n", why);
		return -1;
	}
	if (src == MODEL_SEALED)
		sdk_printf("llm: the sealed model (%zu bytes) was unsealed after key release%s\n", size,
			   owner ? ", into the shared region" : "");
	if (owner && src == MODEL_IMAGE) {
		if (size > cap) {
			sdk_printf("llm: the model is larger than the shared region \"" MODEL_REGION "\" the policy declares\n");
			return -1;
		}
		sdk_memcpy(area, bytes, size);
		bytes = area;
	}
	if (owner)
		share_publish(s, size);
	if (llm_model_load_memory(&s->model, bytes, size, NULL, 0, NULL, &err) != 0) {
		sdk_printf("llm: the model does not load: %s\n", err.msg);
		return -1;
	}
	if (!s->model->tokenizer) {
		sdk_printf("llm: the model carries no tokenizer (a GGUF model does)\n");
		return -1;
	}
	struct llm_context_params p;
	llm_context_params_default(&p);
	/* The pipeline's "vcpus" is this realm's thread budget: all of them. */
	p.n_threads = sdk_realm_info()->nr_cpus;
	if (llm_context_create(&s->ctx, s->model, &p, NULL, &err) != 0) {
		sdk_printf("llm: no inference context: %s\n", err.msg);
		return -1;
	}
	s->text_cap = (size_t)MAX_TOKENS_LIMIT * PIECE_BYTES;
	/* Escaped, a repaired byte takes at most 6 (\u00XX); repairing at most
	 * triples the text, which lies in the top 3 * text_cap. */
	s->resp_cap = 3 * s->text_cap + 6 * 3 * s->text_cap + 512;
	s->req = sdk_malloc(REQ_MAX + 1);
	s->prompt = sdk_malloc(REQ_MAX + 1);
	s->text = sdk_malloc(s->text_cap);
	s->resp = sdk_malloc(s->resp_cap);
	s->ids = sdk_malloc((REQ_MAX + 2) * sizeof(uint32_t));
	s->logits = sdk_malloc((size_t)s->model->config.vocab_size * sizeof(float));
	if (!s->req || !s->prompt || !s->text || !s->resp || !s->ids || !s->logits) {
		sdk_printf("llm: no memory for the request buffers\n");
		return -1;
	}
	sdk_printf("llm: model of %llu parameters, context %u, %u thread%s (vCPUs)\n",
		   (unsigned long long)llm_model_params(s->model), (unsigned)llm_context_max_seq(s->ctx), llm_context_threads(s->ctx),
		   llm_context_threads(s->ctx) == 1 ? "" : "s");
	return 0;
}

/* The first channel named "agent-llm..." this realm is a member of. */
static const char *serving_channel(const struct pipeline *p)
{
	static char name[POLICY_NAME_MAX + 1];
	size_t len;

	for (unsigned i = 0; i < p->pol.hdr->num_channels; i++) {
		const char *n = sdk_policy_channel_name(&p->pol, i, &len);
		if (len >= sizeof(CHANNEL) - 1 && len < sizeof(name) && sdk_memcmp(n, CHANNEL, sizeof(CHANNEL) - 1) == 0 &&
		    p->pol.channels[i].perms[p->pol.hdr->self]) {
			sdk_memcpy(name, n, len);
			name[len] = 0;
			return name;
		}
	}
	return NULL;
}

int realm_main(void)
{
	static struct server s;
	struct pipeline p;
	const char *why = "";
	int r;

	/* The policy first: until it is set, the host hears nothing from us. */
	if (pipeline_start(&p, &why) != 0) {
		sdk_printf("llm: %s\n", why);
		return 1;
	}
	/* A model in the image is loaded before the group is attested; a
	 * sealed one can only be, since its key is released to the attested
	 * realm alone; a shared one is there once its owner is attested. */
	size_t unused;
	const char *channel = serving_channel(&p);
	int rgn = pipeline_channel_index(&p, MODEL_REGION);
	if (rgn >= 0) {
		if (pipeline_region(&p, MODEL_REGION, &s.share, &why) != 0) {
			sdk_printf("llm: region %s: %s\n", MODEL_REGION, why);
			return 1;
		}
		for (unsigned i = 0; i < p.pol.hdr->num_realms; i++)
			s.share_members += i != p.pol.channels[rgn].owner && p.pol.channels[rgn].perms[i] != 0;
	}
	enum model_source src = s.share.csm_id && !s.share.owner ? MODEL_SHARED
				: find_model(&unused, &why)		 ? MODEL_IMAGE
									 : MODEL_SEALED;
	if (!channel) {
		sdk_printf("llm: the policy gives this realm no \"agent-llm\" channel to serve\n");
		return 1;
	}
	if (src == MODEL_IMAGE && setup(&s, src) != 0) {
		pipeline_region_close(&s.share);
		return 1;
	}
	if (pipeline_channel(&p, channel, &s.cc, &why) != 0 || pipeline_attest(&why) != 0) {
		sdk_printf("llm: %s\n", why);
		return 1;
	}
	if (src != MODEL_IMAGE && setup(&s, src) != 0) {
		chan_csm_close(&s.cc);
		/* Members waiting for the model see the owner leave. */
		pipeline_region_close(&s.share);
		return 1;
	}
	sdk_printf("llm: serving on channel %s\n", channel);
	for (;;) {
		uint16_t type;
		uint64_t id;
		size_t len;
		struct request rq;
		r = chan_recv(&s.cc.ch, &type, &id, s.req, REQ_MAX, &len, WAIT_NS);
		if (r == CHAN_ETIMEDOUT)
			continue; /* a server waits for its client */
		if (r == CHAN_ENOSPC && (r = chan_drop(&s.cc.ch, &type, &id)) == 0) {
			r = send_error(&s, id, "the request is larger than 64 KiB");
		} else if (r != 0) {
			break;
		} else if (type != CHAN_MSG_REQUEST) {
			r = send_error(&s, id, "not a request");
		} else if ((why = parse_request(&s, len, &rq))) {
			r = send_error(&s, id, why);
		} else {
			struct outcome o;
			r = generate(&s, id, &rq, &o, &why);
			if (r == 1)
				r = send_error(&s, id, why);
			else if (r == 0)
				r = answer(&s, id, &o);
		}
		if (r != 0)
			break;
	}
	sdk_printf("llm: %lu requests answered, %lu refused; the channel ended: %s\n", s.served, s.refused,
		   chan_strerror(r));
	chan_csm_close(&s.cc);
	llm_context_free(s.ctx);
	llm_model_free(s.model);
	/* The owner leaves the region to its members: it lives on while any
	 * maps it. */
	pipeline_region_close(&s.share);
	return r == CHAN_EPEER ? 0 : 1;
}

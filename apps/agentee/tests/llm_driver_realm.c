/*
 * A test realm in the agent's place for the llm realm: it owns channel
 * "agent-llm", sends every workload item as a generate request and reads
 * the stream messages that follow until the answer. Each item's result
 * line is "<index> response <json>" or "<index> error <json>"; a response
 * whose streamed pieces, joined, are not its "text" is reported as
 * "<index> mismatch ..." instead. The item "!raw:<text>" is sent as a
 * stream message (not a request) and "!big:<n>" as a request of n spaces,
 * to test the refusals; "!idle:<ms>" sends nothing and waits that long (the
 * llm realm's idle workers turn their vCPUs off meanwhile) and has no
 * result line.
 */
#include "caec/arch.h"
#include "sdk/console.h"
#include "sdk/format.h"
#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/pipeline.h"
#include "sdk/rjson.h"

#define WAIT_NS (UINT64_C(120) * 1000000000u)
#define ITEM_MAX (128u << 10)
#define ANSWER_MAX (1u << 20)
#define LINE_MAX (ANSWER_MAX + 64)

static bool starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

/* The string member key of the JSON object text[0..len), unescaped into
 * out[0..cap): its length, or -1. */
static long member(const char *text, size_t len, const char *key, char *out, size_t cap)
{
	static struct rjson_node nodes[64];
	struct rjson_doc d;

	if (rjson_parse(text, len, nodes, 64, &d, NULL) != RJSON_OK || nodes[0].type != RJSON_OBJECT)
		return -1;
	uint32_t v = rjson_get(&d, 0, key);
	return v ? rjson_string(&d, v, out, cap) : -1;
}

int realm_main(void)
{
	struct pipeline p;
	struct chan_csm cc, cc2;
	const char *why = "";
	bool two = false;
	char *item = sdk_malloc(ITEM_MAX), *answer = sdk_malloc(ANSWER_MAX), *line = sdk_malloc(LINE_MAX);
	char *streamed = sdk_malloc(ANSWER_MAX), *text = sdk_malloc(ANSWER_MAX), *piece = sdk_malloc(8192);
	int r = 0;

	if (!item || !answer || !line || !streamed || !text || !piece)
		return 1;
	/* A second llm realm on "agent-llm2", when the policy has one: items
	 * "!llm2:REQUEST" go to it. */
	if (pipeline_start(&p, &why) != 0 || pipeline_channel(&p, "agent-llm", &cc, &why) != 0 ||
	    ((two = pipeline_channel_index(&p, "agent-llm2") >= 0) && pipeline_channel(&p, "agent-llm2", &cc2, &why) != 0) ||
	    pipeline_attest(&why) != 0) {
		sdk_printf("driver: %s\n", why);
		return 1;
	}
	uint64_t i = 0;
	for (;; i++) {
		long n = pipeline_work(i, item, ITEM_MAX);
		if (n <= 0) {
			if (n < 0)
				r = 1;
			break;
		}
		uint16_t type = CHAN_MSG_REQUEST;
		const char *body = item;
		size_t len = (size_t)n;
		struct chan *ch = &cc.ch;
		if (two && starts(item, "!llm2:")) {
			ch = &cc2.ch;
			body += 6;
			len -= 6;
		} else if (starts(item, "!raw:")) {
			type = CHAN_MSG_STREAM;
			body += 5;
			len -= 5;
		} else if (starts(item, "!idle:")) {
			uint64_t ms = 0;
			for (const char *d = item + 6; *d >= '0' && *d <= '9'; d++)
				ms = ms * 10 + (uint64_t)(*d - '0');
			for (uint64_t t0 = caec_arch_now_ns(); caec_arch_now_ns() - t0 < ms * 1000000u;)
				;
			continue;
		} else if (starts(item, "!big:")) {
			len = 0;
			for (const char *d = item + 5; *d >= '0' && *d <= '9'; d++)
				len = len * 10 + (size_t)(*d - '0');
			if (len > ITEM_MAX)
				len = ITEM_MAX;
			sdk_memset(item, ' ', len);
		}
		uint64_t id = chan_next_id(ch), got_id;
		size_t alen, slen = 0, pieces = 0;
		if ((r = chan_send(ch, type, id, body, len, WAIT_NS)) != 0)
			break;
		/* Stream pieces, then the answer (a response or an error). */
		for (;;) {
			if ((r = chan_recv(ch, &type, &got_id, answer, ANSWER_MAX - 1, &alen, WAIT_NS)) != 0)
				break;
			if (got_id != id) {
				sdk_printf("driver: a message for %llu while %llu was asked\n", (unsigned long long)got_id,
					   (unsigned long long)id);
				r = 1;
				break;
			}
			if (type != CHAN_MSG_STREAM)
				break;
			long pl = member(answer, alen, "token", piece, 8192);
			if (pl < 0 || (size_t)pl > ANSWER_MAX - slen) {
				sdk_printf("driver: a stream message that is not {\"token\": TEXT}\n");
				r = 1;
				break;
			}
			sdk_memcpy(streamed + slen, piece, (size_t)pl);
			slen += (size_t)pl;
			pieces++;
		}
		if (r != 0)
			break;
		answer[alen] = 0;
		const char *kind = type == CHAN_MSG_RESPONSE ? "response" : type == CHAN_MSG_ERROR ? "error" : "other";
		if (type == CHAN_MSG_RESPONSE) {
			long tl = member(answer, alen, "text", text, ANSWER_MAX);
			if (tl < 0 || (size_t)tl != slen || sdk_memcmp(text, streamed, slen) != 0)
				kind = "mismatch";
		}
		size_t k = sdk_snprintf(line, LINE_MAX, "%llu %s %s", (unsigned long long)i, kind, answer);
		if (k >= LINE_MAX || pipeline_result(line, k) != 0) {
			r = 1;
			break;
		}
		sdk_printf("driver: item %llu: %s after %zu stream pieces\n", (unsigned long long)i, kind, pieces);
	}
	sdk_printf("driver: %llu items sent; %s\n", (unsigned long long)i, r == 0 ? "done" : chan_strerror(r));
	chan_csm_close(&cc);
	if (two)
		chan_csm_close(&cc2);
	return r == 0 ? 0 : 1;
}

/*
 * A test realm in the agent's place: it owns the channel to one tool (the
 * policy's "agent-calc"), sends every workload item the host gives it as a
 * request, and reports each answer as a result line "<id> <answer>". The
 * item "!raw:<text>" is sent as a non-request (stream) message, and
 * "!big:<n>" as a request of n bytes, to test the tool's refusals.
 */
#include "sdk/console.h"
#include "sdk/format.h"
#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/pipeline.h"

#define WAIT_NS (UINT64_C(30) * 1000000000u)
#define ITEM_MAX (64u << 10)

static bool starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

int realm_main(void)
{
	struct pipeline p;
	struct chan_csm cc;
	const char *why = "";
	char *item = sdk_malloc(ITEM_MAX), *answer = sdk_malloc(ITEM_MAX), *line = sdk_malloc(ITEM_MAX + 32);
	int r = 0;

	if (!item || !answer || !line)
		return 1;
	if (pipeline_start(&p, &why) != 0 || pipeline_channel(&p, "agent-calc", &cc, &why) != 0 ||
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
		if (starts(item, "!raw:")) {
			type = CHAN_MSG_STREAM;
			body += 5;
			len -= 5;
		} else if (starts(item, "!big:")) {
			len = 0;
			for (const char *d = item + 5; *d >= '0' && *d <= '9'; d++)
				len = len * 10 + (size_t)(*d - '0');
			if (len > ITEM_MAX)
				len = ITEM_MAX;
			sdk_memset(item, ' ', len);
			body = item;
		}
		uint64_t id = chan_next_id(&cc.ch), got_id;
		size_t alen;
		if ((r = chan_send(&cc.ch, type, id, body, len, WAIT_NS)) != 0 ||
		    (r = chan_recv(&cc.ch, &type, &got_id, answer, ITEM_MAX - 1, &alen, WAIT_NS)) != 0)
			break;
		if (got_id != id || type != CHAN_MSG_RESPONSE) {
			sdk_printf("driver: answer %llu of type %u to request %llu\n", (unsigned long long)got_id, type,
				   (unsigned long long)id);
			r = 1;
			break;
		}
		answer[alen] = 0;
		size_t k = sdk_snprintf(line, ITEM_MAX + 32, "%llu %s", (unsigned long long)i, answer);
		if (k >= ITEM_MAX + 32 || pipeline_result(line, k) != 0) {
			r = 1;
			break;
		}
	}
	sdk_printf("driver: %llu items sent; %s\n", (unsigned long long)i, r == 0 ? "done" : chan_strerror(r));
	chan_csm_close(&cc);
	return r == 0 ? 0 : 1;
}

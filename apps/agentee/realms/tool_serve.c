/* The tool realms' request loop (tool_serve.h). */
#include "sdk/console.h"
#include "sdk/heap.h"
#include "sdk/pipeline.h"
#include "tool_serve.h"

#define WAIT_NS (UINT64_C(60) * 1000000000u)

int tool_serve(const char *tool, const char *channel, tool_fn fn)
{
	struct pipeline p;
	struct chan_csm cc;
	const char *why = "";
	unsigned long served = 0;
	int r;

	if (pipeline_start(&p, &why) != 0 || pipeline_channel(&p, channel, &cc, &why) != 0 ||
	    pipeline_attest(&why) != 0) {
		sdk_printf("%s: %s\n", tool, why);
		return 1;
	}
	char *req = sdk_malloc(TOOL_MAX_MESSAGE + 1), *resp = sdk_malloc(TOOL_MAX_MESSAGE);
	if (!req || !resp) {
		sdk_printf("%s: no memory for its buffers\n", tool);
		return 1;
	}
	sdk_printf("%s: serving on channel %s\n", tool, channel);
	for (;;) {
		uint16_t type;
		uint64_t id;
		size_t len;
		r = chan_recv(&cc.ch, &type, &id, req, TOOL_MAX_MESSAGE, &len, WAIT_NS);
		long n;
		if (r == CHAN_ENOSPC && (r = chan_drop(&cc.ch, &type, &id)) == 0) {
			static const char big[] = "{\"error\":\"the request is larger than the tool accepts\"}";
			n = (long)sizeof(big) - 1;
			__builtin_memcpy(resp, big, (size_t)n);
		} else if (r != 0) {
			break;
		} else if (type != CHAN_MSG_REQUEST) {
			static const char notreq[] = "{\"error\":\"not a request\"}";
			n = (long)sizeof(notreq) - 1;
			__builtin_memcpy(resp, notreq, (size_t)n);
		} else {
			n = fn(req, len, resp, TOOL_MAX_MESSAGE);
			if (n < 0) {
				static const char none[] = "{\"error\":\"the answer does not fit\"}";
				n = (long)sizeof(none) - 1;
				__builtin_memcpy(resp, none, (size_t)n);
			}
		}
		if ((r = chan_send(&cc.ch, CHAN_MSG_RESPONSE, id, resp, (size_t)n, WAIT_NS)) != 0)
			break;
		served++;
	}
	sdk_printf("%s: %lu requests answered; the channel ended: %s\n", tool, served, chan_strerror(r));
	chan_csm_close(&cc);
	return r == CHAN_EPEER ? 0 : 1;
}

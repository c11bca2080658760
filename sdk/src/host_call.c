/* Host calls (see host_call.h). The RsiHostCall structure must be in realm
 * memory the monitor can reach (never on a stack outside realm RAM), and
 * inside one granule: it is taken from the heap, 256-byte aligned. */
#include "sdk/host_call.h"

#include "sdk/heap.h"
#include "sdk/mem.h"
#include "sdk/rsi.h"

uint64_t sdk_host_call(uint16_t imm, uint64_t gprs[RSI_HOST_CALL_GPRS])
{
	struct rsi_host_call *call = sdk_aligned_alloc(sizeof(*call), sizeof(*call));
	uint64_t status;

	if (!call)
		return RSI_ERROR_INPUT;
	sdk_memset(call, 0, sizeof(*call));
	call->imm = imm;
	sdk_memcpy(call->gprs, gprs, sizeof(call->gprs));
	status = rsi_host_call(call);
	if (status == RSI_SUCCESS)
		sdk_memcpy(gprs, call->gprs, sizeof(call->gprs));
	sdk_free(call);
	return status;
}

static void pack(uint64_t *regs, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		regs[i / 8] |= (uint64_t)bytes[i] << (8 * (i % 8));
}

int sdk_console_write(const char *bytes, size_t len)
{
	while (len) {
		uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
		size_t n = len < SDK_CONSOLE_CHUNK ? len : SDK_CONSOLE_CHUNK;

		g[0] = n;
		pack(&g[1], (const uint8_t *)bytes, n);
		if (sdk_host_call(SDK_HOST_CALL_CONSOLE, g) != RSI_SUCCESS || g[0] != 0)
			return -1;
		bytes += n;
		len -= n;
	}
	return 0;
}

int sdk_report_exit(uint64_t status)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { status };

	return sdk_host_call(SDK_HOST_CALL_EXIT_STATUS, g) == RSI_SUCCESS && g[0] == 0 ? 0 : -1;
}

int sdk_host_challenge(uint8_t challenge[SDK_CHALLENGE_SIZE])
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };

	if (sdk_host_call(SDK_HOST_CALL_CHALLENGE, g) != RSI_SUCCESS || g[0] != 0)
		return -1;
	for (unsigned i = 0; i < SDK_CHALLENGE_SIZE; i++)
		challenge[i] = (uint8_t)(g[1 + i / 8] >> (8 * (i % 8)));
	return 0;
}

int sdk_report_token(const uint8_t *token, size_t len)
{
	for (size_t off = 0; off < len;) {
		uint64_t g[RSI_HOST_CALL_GPRS] = { 0 };
		size_t n = len - off < SDK_TOKEN_CHUNK ? len - off : SDK_TOKEN_CHUNK;

		g[0] = len;
		g[1] = off;
		g[2] = n;
		pack(&g[3], token + off, n);
		if (sdk_host_call(SDK_HOST_CALL_TOKEN_REPORT, g) != RSI_SUCCESS || g[0] != 0)
			return -1;
		off += n;
	}
	return 0;
}

int sdk_shared_doorbell(uint64_t op, uint64_t ipa, uint64_t max_ns)
{
	uint64_t g[RSI_HOST_CALL_GPRS] = { op, ipa, max_ns };

	if ((op != SDK_DOORBELL_RING_SHARED && op != SDK_DOORBELL_WAIT_SHARED) ||
	    sdk_host_call(SDK_HOST_CALL_DOORBELL, g) != RSI_SUCCESS || g[0] != 0)
		return -1;
	return 0;
}

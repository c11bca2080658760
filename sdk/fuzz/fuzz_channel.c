/*
 * libFuzzer harness for what a channel end reads from its hostile peer: the
 * header, the ring indices, record headers and message frames; and (the
 * input's first byte says which) the attestation token a sealed channel's
 * peer sends (peer_attest.h). The input
 * becomes the shared area (after a valid header, unless the input's first
 * byte asks for its own); the end then receives, peeks and sends until the
 * channel fails or has nothing more. ASan catches any access outside the
 * area; the fake clock makes every wait end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/channel.h"
#include "sdk/peer_attest.h"

#define AREA (4096u + 2 * 4096u)

static uint64_t clock_ns;

static void doorbell(void *ctx) { (void)ctx; }
static void nap(void *ctx, uint64_t ns) { (void)ctx; clock_ns += ns; }
static uint64_t now(void *ctx) { (void)ctx; return clock_ns += 1000; }
static const struct chan_ops ops = { .doorbell = doorbell, .sleep = nap, .now_ns = now };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *area;
	static uint8_t out[8192];
	struct chan c;

	if (!area)
		area = aligned_alloc(4096, AREA);
	memset(area, 0, AREA);
	if (size == 0)
		return 0;
	if (data[0] & 4) {
		struct peer_token t;
		const char *why;
		peer_token_parse(data + 1, size - 1, &t, &why);
		return 0;
	}
	bool own_header = data[0] & 1;
	bool creator = data[0] & 2;
	data++, size--;
	if (!own_header) {
		struct chan_geometry g = { .ring_size = 4096, .max_message = 1u << 16 };
		if (chan_format(area, AREA, &g) != 0)
			abort();
		/* The input overwrites the control blocks and the rings. */
		size_t n = size < AREA - CHAN_CTL_OFFSET ? size : AREA - CHAN_CTL_OFFSET;
		memcpy(area + CHAN_CTL_OFFSET, data, n);
	} else {
		memcpy(area, data, size < AREA ? size : AREA);
	}
	if (chan_open(&c, area, AREA, creator, &ops, NULL) != 0)
		return 0;
	c.spin_ns = 0;
	for (unsigned i = 0; i < 64; i++) {
		size_t len;
		struct chan_msg m;
		void *slot;
		int r;

		switch (i % 4) {
		case 0:
			r = chan_recv(&c, NULL, NULL, out, sizeof(out), &len, 5000);
			break;
		case 1:
			r = chan_peek(&c, &m, 0);
			if (r == 0) {
				volatile uint8_t sink = 0;
				for (uint32_t k = 0; k < m.len; k++)
					sink ^= ((const uint8_t *)m.data)[k];
				(void)sink;
				chan_release(&c);
			}
			break;
		case 2:
			r = chan_send(&c, CHAN_MSG_STREAM, i, out, (i * 997) % 6000, 5000);
			break;
		default:
			r = chan_reserve(&c, (i * 131) % 3000, &slot, 0);
			if (r == 0) {
				memset(slot, 0x5a, (i * 131) % 3000);
				chan_commit(&c, CHAN_MSG_REQUEST, i, (i * 131) % 3000);
			}
			break;
		}
		if (r == CHAN_ECORRUPT || r == CHAN_EPEER)
			break;
	}
	return 0;
}

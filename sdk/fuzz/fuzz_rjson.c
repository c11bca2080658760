/* libFuzzer: any bytes through the realm JSON reader; whatever it accepts
 * re-encodes to a document it accepts again, identically. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdk/rjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rjson_node nodes[512], nodes2[512];
	static char out[1 << 16], again[1 << 16];
	struct rjson_doc d, d2;
	struct rjson_writer w;

	if (rjson_parse((const char *)data, size, nodes, 512, &d, NULL) != RJSON_OK)
		return 0;
	rjson_writer_init(&w, out, sizeof(out));
	rjson_copy(&w, &d, 0);
	long n = rjson_writer_finish(&w);
	if (n < 0)
		return 0; /* a key with a NUL or past 255 bytes, or no room */
	if (rjson_parse(out, (size_t)n, nodes2, 512, &d2, NULL) != RJSON_OK || d2.count != d.count)
		__builtin_trap();
	rjson_writer_init(&w, again, sizeof(again));
	rjson_copy(&w, &d2, 0);
	if (rjson_writer_finish(&w) != n || memcmp(out, again, (size_t)n) != 0)
		__builtin_trap();
	char buf[256];
	for (uint32_t i = 0; i < d.count; i++)
		if (d.nodes[i].type == RJSON_STRING)
			(void)rjson_string(&d, i, buf, sizeof(buf));
	return 0;
}

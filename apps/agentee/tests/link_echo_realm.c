/*
 * A test gateway realm: takes the pipeline's link (sdk/link.h) and answers
 * every connection by echoing its bytes in upper case until the client
 * closes its side; a connection that says "bye\n" is ended by the realm.
 * Without a link (no --listen) it ends at once.
 */
#include "sdk/console.h"
#include "sdk/link.h"
#include "sdk/pipeline.h"

#define WAIT_NS (UINT64_C(3600) * 1000000000u)

int realm_main(void)
{
	struct pipeline p;
	struct link l;
	const char *why = "";
	char buf[4096];

	if (pipeline_start(&p, &why) != 0 || pipeline_attest(&why) != 0) {
		sdk_printf("echo: %s\n", why);
		return 1;
	}
	int r = link_open(&l);
	if (r == LINK_ENOLINK) {
		sdk_printf("echo: no link, nothing to serve\n");
		return 0;
	}
	if (r != 0) {
		sdk_printf("echo: the host's link is broken\n");
		return 1;
	}
	for (unsigned served = 0;; served++) {
		if ((r = link_accept(&l, WAIT_NS)) != 0)
			break;
		sdk_printf("echo: connection %u\n", served + 1);
		long n;
		unsigned long total = 0;
		while ((n = link_read(&l, buf, sizeof(buf), WAIT_NS)) > 0) {
			bool bye = n == 4 && __builtin_memcmp(buf, "bye\n", 4) == 0;
			for (long i = 0; i < n; i++)
				if (buf[i] >= 'a' && buf[i] <= 'z')
					buf[i] = (char)(buf[i] - 'a' + 'A');
			total += (unsigned long)n;
			if (link_write(&l, buf, (size_t)n, WAIT_NS) != 0 || bye)
				break;
		}
		sdk_printf("echo: connection %u ended after %lu bytes\n", served + 1, total);
		link_close(&l);
	}
	sdk_printf("echo: the link ended (%d)\n", r);
	return r == LINK_ETIMEOUT ? 0 : 1;
}

/* Console output (see console.h). */
#include "sdk/console.h"

#include "sdk/format.h"
#include "sdk/host_call.h"
#include "sdk/mem.h"

struct console_sink {
	struct sdk_sink sink;
	char buf[SDK_CONSOLE_CHUNK];
	size_t used;
	int failed;
};

static void flush(struct console_sink *c)
{
	if (c->used && sdk_console_write(c->buf, c->used) != 0)
		c->failed = 1;
	c->used = 0;
}

static void console_put(struct sdk_sink *s, const char *b, size_t n)
{
	struct console_sink *c = (struct console_sink *)s;

	for (size_t i = 0; i < n; i++) {
		if (c->used == sizeof(c->buf))
			flush(c);
		c->buf[c->used++] = b[i];
	}
}

int sdk_vprintf(const char *fmt, va_list ap)
{
	struct console_sink c = { .sink = { .write = console_put }, .used = 0, .failed = 0 };
	size_t n = sdk_vformat(&c.sink, fmt, ap);

	flush(&c);
	return c.failed ? -1 : (int)n;
}

int sdk_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sdk_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int sdk_puts(const char *s)
{
	return sdk_console_write(s, sdk_strlen(s));
}

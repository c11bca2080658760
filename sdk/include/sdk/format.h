/*
 * A small printf-style formatter for realm code, which has no C library.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with the flags '-' and '0', a
 * field width (number or *), a precision for strings (.N or .*), and the
 * length modifiers hh h l ll z j t. No floating point: realm code that needs
 * it formats digits itself. Output goes to a sink one chunk at a time, so
 * the console can stream it through host calls of bounded size.
 */
#ifndef CAEC_SDK_FORMAT_H
#define CAEC_SDK_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

struct sdk_sink {
	void (*write)(struct sdk_sink *sink, const char *bytes, size_t len);
};

/* Formats into sink; returns the number of bytes produced. */
size_t sdk_vformat(struct sdk_sink *sink, const char *fmt, va_list ap);

/* snprintf: at most cap - 1 bytes and a NUL (cap > 0); returns the length the
 * whole output would have had. */
size_t sdk_snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t sdk_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);

#endif

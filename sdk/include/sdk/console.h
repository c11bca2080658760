/*
 * Console output for realm code, through host call 0xCAE0. sdk_printf
 * formats with sdk/format.h and sends whole 240-byte chunks, so a line
 * reaches the host in one piece whenever it fits.
 */
#ifndef CAEC_SDK_CONSOLE_H
#define CAEC_SDK_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

int sdk_puts(const char *s); /* no newline added */
int sdk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sdk_vprintf(const char *fmt, va_list ap);

#endif

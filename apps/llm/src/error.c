/* One-line error messages for the engine's fallible calls. */
#include <stdarg.h>
#include <stdio.h>

#include "llm/error.h"

int llm_err_set(struct llm_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* One-line error messages for the engine's fallible calls. */
#include <stdarg.h>

#include "llm/error.h"
#include "port.h"

void llm_err_format(struct llm_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	llm_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* The policy tool's one way to fail with a reason (policy_internal.h). */
#include <stdarg.h>
#include <stdio.h>

#include "policy_internal.h"

int policy_fail(struct policy_err *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

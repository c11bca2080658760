/* Check names and failure recording for struct verify_result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "verify/result.h"

static const char *const check_names[VERIFY_CHECK_COUNT] = {
	[VERIFY_CHECK_NONE] = "none",
	[VERIFY_CHECK_COLLECTION] = "collection",
	[VERIFY_CHECK_PLATFORM_TOKEN] = "platform-token",
	[VERIFY_CHECK_PLATFORM_SIGNATURE] = "platform-signature",
	[VERIFY_CHECK_PLATFORM_CLAIMS] = "platform-claims",
	[VERIFY_CHECK_REALM_TOKEN] = "realm-token",
	[VERIFY_CHECK_REALM_CLAIMS] = "realm-claims",
	[VERIFY_CHECK_REALM_KEY] = "realm-key",
	[VERIFY_CHECK_REALM_SIGNATURE] = "realm-signature",
	[VERIFY_CHECK_BINDER] = "binder",
	[VERIFY_CHECK_NONCE] = "nonce",
};

const char *verify_check_name(enum verify_check check)
{
	if ((unsigned)check >= VERIFY_CHECK_COUNT)
		return "unknown";
	return check_names[check];
}

void verify_result_clear(struct verify_result *res)
{
	res->failed = VERIFY_CHECK_NONE;
	res->reason[0] = '\0';
	res->num_notes = 0;
}

void verify_note(struct verify_result *res, enum verify_check check, const char *rule,
		 const char *fmt, ...)
{
	if (res->num_notes >= VERIFY_MAX_NOTES)
		return;
	struct verify_note *n = &res->notes[res->num_notes++];
	va_list ap;
	n->check = check;
	n->rule = rule;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

int verify_fail(struct verify_result *res, enum verify_check check, const char *fmt, ...)
{
	if (res->failed == VERIFY_CHECK_NONE) {
		va_list ap;
		res->failed = check;
		va_start(ap, fmt);
		vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* What the policy tool's files share inside verify/ (not installed). */
#ifndef CAEC_VERIFY_POLICY_INTERNAL_H
#define CAEC_VERIFY_POLICY_INTERNAL_H

#include "verify/policy.h"

/* Formats the reason into err (when non-NULL); returns -1, the failure. */
int policy_fail(struct policy_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

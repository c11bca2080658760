/*
 * The outcome of verifying a token: which check failed and why.
 *
 * Verification is a fixed sequence of checks (see verify/token.h); the first
 * one that fails stops it and is named here with a human reason, so a caller
 * (or the `caec attest verify` line) can say exactly what was wrong.
 *
 * A valid token may still carry notes: deviations from the specification
 * that the verifier accepted because other verifiers (Veraison's) accept
 * them, which strict mode refuses instead. A relying party sees each one.
 */
#ifndef CAEC_VERIFY_RESULT_H
#define CAEC_VERIFY_RESULT_H

#include <stddef.h>

enum verify_check {
	VERIFY_CHECK_NONE = 0,          /* nothing failed */
	VERIFY_CHECK_COLLECTION,        /* top-level tag 907/399 map */
	VERIFY_CHECK_PLATFORM_TOKEN,    /* platform COSE_Sign1 structure */
	VERIFY_CHECK_PLATFORM_SIGNATURE,
	VERIFY_CHECK_PLATFORM_CLAIMS,   /* mandatory claims, types, sizes, strictness */
	VERIFY_CHECK_REALM_TOKEN,       /* realm COSE_Sign1 structure */
	VERIFY_CHECK_REALM_CLAIMS,
	VERIFY_CHECK_REALM_KEY,         /* RAK in claim 44237 */
	VERIFY_CHECK_REALM_SIGNATURE,
	VERIFY_CHECK_BINDER,            /* platform challenge == H(44237 bytes) */
	VERIFY_CHECK_NONCE,             /* realm challenge == expected nonce */
	VERIFY_CHECK_COUNT
};

#define VERIFY_REASON_MAX 256
#define VERIFY_MAX_NOTES  4

/* One accepted deviation: which check, a stable rule name, and what was seen. */
struct verify_note {
	enum verify_check check;
	const char *rule; /* "measurement-size", ... (static) */
	char text[VERIFY_REASON_MAX];
};

struct verify_result {
	enum verify_check failed; /* VERIFY_CHECK_NONE when valid */
	char reason[VERIFY_REASON_MAX];
	size_t num_notes;
	struct verify_note notes[VERIFY_MAX_NOTES];
};

/* Stable short name ("platform-signature", ...) used by the CLI and JSON. */
const char *verify_check_name(enum verify_check check);

void verify_result_clear(struct verify_result *res);
/* Records the failure (the first one wins) and returns -EBADMSG. */
int verify_fail(struct verify_result *res, enum verify_check check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a note (ignored past VERIFY_MAX_NOTES). */
void verify_note(struct verify_result *res, enum verify_check check, const char *rule,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

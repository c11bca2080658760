/*
 * Human-readable and JSON renderings of a token's claims (`caec attest show`).
 *
 * Every claim of both tokens is shown, known ones by name (with the numeric
 * key in the text form), unknown ones by key, byte strings in hex. The dump
 * is structural: it does not verify signatures, but it reports (through
 * verify_result) when the claims would not pass the verifier's type checks.
 */
#ifndef CAEC_VERIFY_DUMP_H
#define CAEC_VERIFY_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verify/result.h"

/*
 * Prints the token to out (text, or JSON when json is true). Returns 0 when
 * everything decoded; -EBADMSG with res set when the structure could not be
 * shown (nothing printed) or a claims check failed (dump printed anyway).
 */
int cca_token_dump(FILE *out, const uint8_t *buf, size_t len, bool json,
		   struct verify_result *res);

/* Name of a claim key, or NULL: "profile", "initial-measurement", ... */
const char *cca_claim_name(bool realm, int64_t key);

#endif

/* JSON helpers shared by the reference-value and evidence loaders (internal). */
#ifndef CAEC_VERIFY_REFVALS_JSON_H
#define CAEC_VERIFY_REFVALS_JSON_H

#include <jansson.h>

#include "verify/appraise.h"

int ref_fail(char *why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* JSON text with duplicate keys refused; NULL with why naming what on failure. */
json_t *ref_parse_json(const char *json, size_t len, const char *what, char *why);
int ref_hex_value(json_t *j, const char *what, struct ref_value *out, char *why);
int ref_perms(json_t *j, const char *what, uint64_t *out, char *why);
/*
 * Refuses a member of obj not in names[0..n): a misspelled member would
 * otherwise be ignored and its check silently skipped. where prefixes the
 * message ("csm[0]"; "" at the top level).
 */
int ref_check_members(json_t *obj, const char *where, const char *const *names, size_t n,
		      char *why);
char *ref_read_file(const char *path, size_t *len, char *why);

#endif

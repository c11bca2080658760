/*
 * Writing generated text as a JSON string. Model output is arbitrary bytes
 * (byte-fallback tokens can split a UTF-8 character), while JSON needs
 * valid Unicode: well-formed UTF-8 passes through, quotes, backslashes and
 * control characters are escaped, and each byte of an ill-formed sequence
 * becomes U+FFFD.
 */
#ifndef LLM_JSON_OUT_H
#define LLM_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

/* Writes "..." (with the quotes) for s[0..len). */
void llm_json_write_string(FILE *out, const char *s, size_t len);

/* s[0..len) as well-formed UTF-8 by the same rule (ill-formed sequences
 * become U+FFFD; other bytes, NUL included, are kept), NUL-terminated and
 * malloc'ed, *out_len its length; NULL when out of memory. For JSON
 * libraries that refuse ill-formed UTF-8. */
char *llm_utf8_repair(const char *s, size_t len, size_t *out_len);

/* Writes a float so that Python's json module reads it back exactly
 * (NaN and Infinity as Python spells them). */
void llm_json_write_float(FILE *out, float v);

#endif

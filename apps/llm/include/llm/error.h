/*
 * Error reports from the engine's loaders and constructors.
 *
 * Functions return 0 or a negative errno; when they fail and the caller
 * passed a struct llm_err, it holds one line naming what was wrong
 * ("gguf: tensor 'blk.0.attn_q.weight' data [..] lies outside the file").
 */
#ifndef LLM_ERROR_H
#define LLM_ERROR_H

#include <stddef.h>

struct llm_err {
	char msg[256];
};

/* Formats the message into err (if non-NULL). */
void llm_err_format(struct llm_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Formats into err and evaluates to code, so callers can write
 * `return llm_err_set(err, -EINVAL, "...", ...);`. A macro rather than a
 * function so that the compiler sees the failure code at the call site: a
 * caller's "if (rc) return" then provably leaves no output unset on the
 * success path, which -Wmaybe-uninitialized checks at -O3.
 */
#define llm_err_set(err, code, ...) (llm_err_format((err), __VA_ARGS__), (code))

#endif

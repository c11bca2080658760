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

/* Formats into err (if non-NULL) and returns code, so callers can write
 * `return llm_err_set(err, -EINVAL, "...", ...);`. */
int llm_err_set(struct llm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

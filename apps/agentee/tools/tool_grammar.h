/*
 * Constrained decoding for tool calls: a character-level recogniser of
 * exactly the replies the agent accepts, which the llm realm consults for
 * every candidate token so that a small model still emits parseable,
 * schema-valid calls.
 *
 * A reply is either free text (its first non-blank character is not '{':
 * anything goes) or a tool call
 *   {"tool": "NAME", "arguments": {ARGS}}
 * with NAME one of the tools and ARGS an object the tool's schema
 * (schema.h) admits: declared keys only, each at most once, every required
 * one before the closing brace, values of the declared type; strings within
 * maxLength (counted in bytes of the decoded text) and, with an enum, a
 * prefix of one of its values; integers within their bounds as soon as a
 * digit would leave them; arrays of strings within maxItems. Blanks
 * (space, tab, newline) may stand between tokens, at most TG_MAX_BLANKS in
 * a row, and a string without maxLength holds at most TG_STRING_MAX bytes:
 * stricter than JSON, so that no reply can grow without end inside a call. Once the call's last
 * brace is written only blanks may follow: the generator should then end
 * the turn (tg_complete).
 * The recogniser is a value type: copy it to try a token without committing.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_TOOL_GRAMMAR_H
#define CAEC_AGENTEE_TOOL_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

#define TG_MAX_TOOLS 8
#define TG_MAX_BLANKS 2
#define TG_STRING_MAX 512

struct tg_tools {
	unsigned n;
	const char *names[TG_MAX_TOOLS];
	const struct tool_schema *schemas[TG_MAX_TOOLS];
};

struct tool_grammar {
	const struct tg_tools *tools;
	uint8_t st;        /* where in the reply (tool_grammar.c) */
	uint8_t ret;       /* the state a finished value or string returns to */
	uint8_t lit_pos;   /* in a fixed literal */
	uint8_t esc;       /* in a string: 0, or 1 after '\', 2..5 in \uXXXX */
	int8_t tool;       /* the call's tool, -1 before its name is complete */
	int8_t prop;       /* the argument being written, -1 none */
	uint32_t cand;     /* names / keys / enum values the text so far is a prefix of */
	uint32_t seen;     /* the arguments written (bit per property) */
	uint32_t count;    /* bytes of the string */
	uint32_t items;    /* items of the array */
	uint32_t blanks;   /* blanks in a row */
	uint32_t pos;      /* bytes into the current string (prefix matching) */
	int64_t ival;      /* an integer's magnitude so far */
	bool neg;
	uint8_t digits;
	uint8_t u8_need;   /* UTF-8 continuation bytes still due */
	uint8_t u8_lo, u8_hi; /* the range the next one must lie in */
	uint32_t hex;      /* a \uXXXX escape's value so far */
	const char *lit;   /* the literal being matched */
};

void tg_init(struct tool_grammar *g, const struct tg_tools *tools);
/* Right after tg_init: the reply must be a tool call (no free text; only
 * blanks may come before its '{'). */
void tg_require_call(struct tool_grammar *g);

/* Whether s[0..n) may come next; if so the recogniser moves past it, else
 * it is left unchanged. */
bool tg_feed(struct tool_grammar *g, const char *s, size_t n);

/* Whether the reply so far is a whole, valid tool call (so the turn may
 * end), and whether it is free text (so it may end, and anything goes). */
bool tg_complete(const struct tool_grammar *g);
bool tg_free_text(const struct tool_grammar *g);
/* Whether the reply so far may end here: free text, nothing yet, or a
 * complete call. */
bool tg_may_end(const struct tool_grammar *g);

#endif

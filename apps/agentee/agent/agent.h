/*
 * The agent runtime: conversation state, the prompt template, and the
 * tool-calling loop, independent of where the model and the tools run (the
 * agent realm binds them to channels; tests bind them to scripts).
 *
 * One user turn: the conversation so far is rendered as ChatML
 * (<|im_start|>role\n...<|im_end|>\n, the format the bundled model is
 * trained on and many llama-family chat models know) and the model is asked
 * for the assistant's reply (text from the user or a tool never carries the
 * template's markers: a "<|" in it is written "< |", so it cannot end its
 * turn early and speak as the system). A reply that is a JSON object
 * {"tool": NAME, "arguments": {...}} is a tool call: the agent checks NAME
 * against its tools and the arguments against that tool's schema, calls the
 * tool, appends the call and the tool's answer (role "tool") to the
 * conversation, and asks the model again. Any other reply is the final
 * answer. A call the agent refuses (not JSON, an unknown tool, arguments
 * the schema rejects) or a tool's failure is fed back to the model as the
 * tool's answer {"error": ...}, so it can correct itself; after
 * max_steps tool calls the turn ends with an error reply instead of an
 * answer. Nothing of a failed turn stays in the conversation: it is rolled
 * back to where the turn began.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_AGENT_H
#define CAEC_AGENTEE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

#define AGENT_MAX_TOOLS   8
#define AGENT_MAX_STEPS   8
#define AGENT_REPLY_MAX   (8u << 10)
#define AGENT_TOOL_NAME_MAX 31

struct agent_tool {
	const char *name;        /* "calculator" */
	const char *description; /* one line, shown to the model */
	const char *schema_json; /* schema.h */
	struct tool_schema schema;
};

struct agent_ops {
	/* The model's continuation of prompt[0..len) up to its end-of-turn,
	 * NUL-terminated into out[0..cap): its length, or -1 with *why. */
	long (*generate)(void *ctx, const char *prompt, size_t len, char *out, size_t cap, const char **why);
	/* Tool `tool` (an index into the agent's tools) on arguments
	 * args[0..len): its answer (a JSON object) NUL-terminated into
	 * out[0..cap): its length, or -1 with *why when the tool could not be
	 * reached (a tool's own {"error": ...} answer is an answer). */
	long (*call_tool)(void *ctx, unsigned tool, const char *args, size_t len, char *out, size_t cap,
			  const char **why);
	void *ctx;
};

struct agent {
	struct agent_tool tools[AGENT_MAX_TOOLS];
	unsigned n_tools;
	unsigned max_steps;
	struct agent_ops ops;
	/* The conversation, rendered: buf[0..len) of cap bytes. */
	char *buf;
	size_t cap, len;
	size_t system_len; /* where the first turn begins */
	/* Scratch for one model reply and one tool answer. */
	char reply[AGENT_REPLY_MAX];
	char answer[AGENT_REPLY_MAX];
};

/* One step of a turn, for the caller's trace. */
enum agent_step_kind {
	AGENT_STEP_CALL,       /* the tool answered */
	AGENT_STEP_TOOL_ERROR, /* the tool answered {"error": ...} or could not be reached */
	AGENT_STEP_REFUSED,    /* the agent refused the call (not JSON, unknown tool, schema) */
};

struct agent_turn {
	unsigned steps;          /* tool calls made or refused */
	unsigned calls[AGENT_MAX_STEPS];      /* tool index per step, or AGENT_MAX_TOOLS */
	enum agent_step_kind kind[AGENT_MAX_STEPS];
	bool answered;           /* false: the turn ended in an error */
	const char *error;       /* why, when !answered (static text) */
};

/* Sets a up over conv[0..cap) with the system prompt (which the agent
 * extends with the tools' list). tools[i].schema is parsed here. 0, or -1
 * with *why. */
int agent_init(struct agent *a, char *conv, size_t cap, const char *system, const struct agent_tool *tools,
	       unsigned n_tools, unsigned max_steps, const struct agent_ops *ops, const char **why);

/* One user turn: the final answer NUL-terminated into out[0..cap) and its
 * length; -1 when the turn failed (turn->error says why; the conversation
 * is as before the turn). */
long agent_turn(struct agent *a, const char *user, char *out, size_t cap, struct agent_turn *turn);

/* Forgets the conversation after the system prompt. */
void agent_reset(struct agent *a);

#endif

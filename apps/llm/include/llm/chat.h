/*
 * Chat templates: turning a conversation into the prompt text a model was
 * tuned on.
 *
 * A GGUF model carries its template as a Jinja program in
 * tokenizer.chat_template. This engine does not run Jinja: it recognises the
 * few template families by a distinctive marker in that text ("<|im_start|>"
 * ChatML, "<|start_header_id|>" llama-3, "[INST]" llama-2, "<|user|>"
 * zephyr) and renders each family with fixed code. A model without a
 * template, or with one not recognised, gets the plain fallback
 * ("User: ...\nAssistant:"); llm_chat_template_name() says which was chosen.
 * The rendered text holds special tokens spelled out ("<|im_end|>"), so it
 * is encoded with LLM_ENCODE_SPECIAL. BOS is not written: the tokenizer adds
 * it when the model wants one.
 */
#ifndef LLM_CHAT_H
#define LLM_CHAT_H

#include <stdbool.h>
#include <stddef.h>

enum llm_chat_template {
	LLM_CHAT_PLAIN = 0,
	LLM_CHAT_CHATML,
	LLM_CHAT_LLAMA2,
	LLM_CHAT_LLAMA3,
	LLM_CHAT_ZEPHYR,
	LLM_CHAT_COUNT
};

enum llm_chat_role {
	LLM_CHAT_SYSTEM,
	LLM_CHAT_USER,
	LLM_CHAT_ASSISTANT,
	LLM_CHAT_TOOL,
};

struct llm_chat_message {
	enum llm_chat_role role;
	const char *content; /* NUL-terminated */
};

/* The family a tokenizer.chat_template text belongs to (tmpl may be NULL:
 * LLM_CHAT_PLAIN). */
enum llm_chat_template llm_chat_detect(const char *tmpl, size_t len);

/* "plain", "chatml", "llama2", "llama3", "zephyr". */
const char *llm_chat_template_name(enum llm_chat_template t);
/* The template a name (as above) forces; -EINVAL for an unknown name. */
int llm_chat_template_by_name(const char *name, enum llm_chat_template *out);

/* Renders msgs into buf (NUL-terminated, truncated to cap; buf may be NULL
 * with cap 0 to size it) and returns the full length. With
 * add_generation_prompt the text ends where the assistant's reply begins.
 * Returns -EINVAL for an unknown template or role, or a NULL content. */
long llm_chat_render(enum llm_chat_template t, const struct llm_chat_message *msgs, size_t n,
		     bool add_generation_prompt, char *buf, size_t cap);

#endif

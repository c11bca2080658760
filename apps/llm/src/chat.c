/*
 * Chat template families rendered by hand (see llm/chat.h). The output of
 * each is the text the family's reference Jinja template produces for the
 * same messages, minus the BOS token the tokenizer adds.
 */
#include <errno.h>
#include <string.h>

#include "llm/chat.h"

static const char *const names[LLM_CHAT_COUNT] = {
	[LLM_CHAT_PLAIN] = "plain",
	[LLM_CHAT_CHATML] = "chatml",
	[LLM_CHAT_LLAMA2] = "llama2",
	[LLM_CHAT_LLAMA3] = "llama3",
	[LLM_CHAT_ZEPHYR] = "zephyr",
};

static bool contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, n) == 0)
			return true;
	return false;
}

enum llm_chat_template llm_chat_detect(const char *tmpl, size_t len)
{
	if (!tmpl)
		return LLM_CHAT_PLAIN;
	/* Most specific first: llama-3 and ChatML markers never occur in the
	 * other families, while "[INST]" templates may mention "<|user|>". */
	if (contains(tmpl, len, "<|im_start|>"))
		return LLM_CHAT_CHATML;
	if (contains(tmpl, len, "<|start_header_id|>"))
		return LLM_CHAT_LLAMA3;
	if (contains(tmpl, len, "[INST]"))
		return LLM_CHAT_LLAMA2;
	if (contains(tmpl, len, "<|user|>"))
		return LLM_CHAT_ZEPHYR;
	return LLM_CHAT_PLAIN;
}

const char *llm_chat_template_name(enum llm_chat_template t)
{
	return (unsigned)t < LLM_CHAT_COUNT ? names[t] : "unknown";
}

int llm_chat_template_by_name(const char *name, enum llm_chat_template *out)
{
	for (unsigned i = 0; i < LLM_CHAT_COUNT; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum llm_chat_template)i;
			return 0;
		}
	return -EINVAL;
}

/* Output with the truncation rule of llm_tokenizer_decode. */
struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *s)
{
	for (; *s; s++, o->len++)
		if (o->cap && o->len < o->cap - 1)
			o->buf[o->len] = *s;
}

static const char *role_lower(enum llm_chat_role r)
{
	static const char *const s[] = { "system", "user", "assistant", "tool" };
	return s[r];
}

static const char *role_title(enum llm_chat_role r)
{
	static const char *const s[] = { "System", "User", "Assistant", "Tool" };
	return s[r];
}

/* <|im_start|>role\ncontent<|im_end|>\n ... <|im_start|>assistant\n */
static void render_chatml(struct out *o, const struct llm_chat_message *m, size_t n, bool gen)
{
	for (size_t i = 0; i < n; i++) {
		put(o, "<|im_start|>");
		put(o, role_lower(m[i].role));
		put(o, "\n");
		put(o, m[i].content);
		put(o, "<|im_end|>\n");
	}
	if (gen)
		put(o, "<|im_start|>assistant\n");
}

/* <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> ... (llama-3
 * names the tool role "ipython"). */
static void render_llama3(struct out *o, const struct llm_chat_message *m, size_t n, bool gen)
{
	for (size_t i = 0; i < n; i++) {
		put(o, "<|start_header_id|>");
		put(o, m[i].role == LLM_CHAT_TOOL ? "ipython" : role_lower(m[i].role));
		put(o, "<|end_header_id|>\n\n");
		put(o, m[i].content);
		put(o, "<|eot_id|>");
	}
	if (gen)
		put(o, "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

/* [INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] answer </s><s>[INST] user [/INST]
 * The system prompt folds into the next user turn; a tool result is given
 * as a user turn (llama-2 has no tool role). The generation prompt is the
 * "[/INST]" already written. */
static void render_llama2(struct out *o, const struct llm_chat_message *m, size_t n)
{
	const char *sys = NULL;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		switch (m[i].role) {
		case LLM_CHAT_SYSTEM:
			sys = m[i].content;
			break;
		case LLM_CHAT_USER:
		case LLM_CHAT_TOOL:
			put(o, first ? "[INST] " : "<s>[INST] ");
			if (sys) {
				put(o, "<<SYS>>\n");
				put(o, sys);
				put(o, "\n<</SYS>>\n\n");
				sys = NULL;
			}
			put(o, m[i].content);
			put(o, " [/INST]");
			first = false;
			break;
		case LLM_CHAT_ASSISTANT:
			put(o, " ");
			put(o, m[i].content);
			put(o, " </s>");
			first = false;
			break;
		}
	}
}

/* <|role|>\ncontent</s>\n ... <|assistant|>\n */
static void render_zephyr(struct out *o, const struct llm_chat_message *m, size_t n, bool gen)
{
	for (size_t i = 0; i < n; i++) {
		put(o, "<|");
		put(o, role_lower(m[i].role));
		put(o, "|>\n");
		put(o, m[i].content);
		put(o, "</s>\n");
	}
	if (gen)
		put(o, "<|assistant|>\n");
}

/* Role: content\n ... Assistant: */
static void render_plain(struct out *o, const struct llm_chat_message *m, size_t n, bool gen)
{
	for (size_t i = 0; i < n; i++) {
		put(o, role_title(m[i].role));
		put(o, ": ");
		put(o, m[i].content);
		put(o, "\n");
	}
	if (gen)
		put(o, "Assistant:");
}

long llm_chat_render(enum llm_chat_template t, const struct llm_chat_message *msgs, size_t n,
		     bool add_generation_prompt, char *buf, size_t cap)
{
	if ((unsigned)t >= LLM_CHAT_COUNT || (n && !msgs))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned)msgs[i].role > LLM_CHAT_TOOL || !msgs[i].content)
			return -EINVAL;
	struct out o = { buf, buf ? cap : 0, 0 };
	switch (t) {
	case LLM_CHAT_CHATML: render_chatml(&o, msgs, n, add_generation_prompt); break;
	case LLM_CHAT_LLAMA3: render_llama3(&o, msgs, n, add_generation_prompt); break;
	case LLM_CHAT_LLAMA2: render_llama2(&o, msgs, n); break;
	case LLM_CHAT_ZEPHYR: render_zephyr(&o, msgs, n, add_generation_prompt); break;
	default: render_plain(&o, msgs, n, add_generation_prompt); break;
	}
	if (o.cap)
		o.buf[o.len < o.cap ? o.len : o.cap - 1] = '\0';
	return (long)o.len;
}

/* Chat templates: recognition from tokenizer.chat_template texts, forcing
 * by name, and the exact prompt text of each family. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "llm/chat.h"

static const struct llm_chat_message conv[] = {
	{ LLM_CHAT_SYSTEM, "Be brief." },
	{ LLM_CHAT_USER, "Hi" },
	{ LLM_CHAT_ASSISTANT, "Hello!" },
	{ LLM_CHAT_USER, "2+2?" },
};

static const char *render(enum llm_chat_template t, const struct llm_chat_message *m, size_t n, bool gen)
{
	static char buf[512];
	long len = llm_chat_render(t, m, n, gen, buf, sizeof(buf));
	assert_true(len >= 0 && (size_t)len < sizeof(buf));
	assert_int_equal(strlen(buf), len);
	return buf;
}

static enum llm_chat_template detect(const char *s)
{
	return llm_chat_detect(s, strlen(s));
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(detect("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n'}}"), LLM_CHAT_CHATML);
	assert_int_equal(detect("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}"),
			 LLM_CHAT_LLAMA3);
	assert_int_equal(detect("{{ bos_token + '[INST] ' + content + ' [/INST]' }}"), LLM_CHAT_LLAMA2);
	assert_int_equal(detect("{% if message['role'] == 'user' %}{{ '<|user|>\\n' }}"), LLM_CHAT_ZEPHYR);
	assert_int_equal(detect("{{ messages[0]['content'] }}"), LLM_CHAT_PLAIN);
	assert_int_equal(llm_chat_detect(NULL, 0), LLM_CHAT_PLAIN);
	/* A marker cut off by the length is not there. */
	assert_int_equal(llm_chat_detect("xx<|im_start|>", 8), LLM_CHAT_PLAIN);
	assert_string_equal(llm_chat_template_name(detect("[INST]")), "llama2");
}

static void test_by_name(void **state)
{
	(void)state;
	enum llm_chat_template t;
	const char *names[] = { "plain", "chatml", "llama2", "llama3", "zephyr" };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(llm_chat_template_by_name(names[i], &t), 0);
		assert_string_equal(llm_chat_template_name(t), names[i]);
	}
	assert_int_equal(llm_chat_template_by_name("vicuna", &t), -EINVAL);
}

static void test_chatml(void **state)
{
	(void)state;
	assert_string_equal(render(LLM_CHAT_CHATML, conv, 4, true),
			    "<|im_start|>system\nBe brief.<|im_end|>\n"
			    "<|im_start|>user\nHi<|im_end|>\n"
			    "<|im_start|>assistant\nHello!<|im_end|>\n"
			    "<|im_start|>user\n2+2?<|im_end|>\n"
			    "<|im_start|>assistant\n");
	const struct llm_chat_message tool[] = { { LLM_CHAT_TOOL, "{\"r\": 4}" } };
	assert_string_equal(render(LLM_CHAT_CHATML, tool, 1, false), "<|im_start|>tool\n{\"r\": 4}<|im_end|>\n");
}

static void test_llama2(void **state)
{
	(void)state;
	assert_string_equal(render(LLM_CHAT_LLAMA2, conv, 4, true),
			    "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s>"
			    "<s>[INST] 2+2? [/INST]");
	assert_string_equal(render(LLM_CHAT_LLAMA2, conv + 1, 1, true), "[INST] Hi [/INST]");
}

static void test_llama3(void **state)
{
	(void)state;
	assert_string_equal(render(LLM_CHAT_LLAMA3, conv, 2, true),
			    "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
			    "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
			    "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

static void test_zephyr(void **state)
{
	(void)state;
	assert_string_equal(render(LLM_CHAT_ZEPHYR, conv, 3, true),
			    "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n<|assistant|>\n");
}

static void test_plain(void **state)
{
	(void)state;
	assert_string_equal(render(LLM_CHAT_PLAIN, conv + 1, 1, true), "User: Hi\nAssistant:");
	assert_string_equal(render(LLM_CHAT_PLAIN, conv, 3, false),
			    "System: Be brief.\nUser: Hi\nAssistant: Hello!\n");
}

static void test_sizing_and_errors(void **state)
{
	(void)state;
	long need = llm_chat_render(LLM_CHAT_CHATML, conv, 4, true, NULL, 0);
	assert_int_equal(need, strlen(render(LLM_CHAT_CHATML, conv, 4, true)));
	char small[8];
	assert_int_equal(llm_chat_render(LLM_CHAT_CHATML, conv, 4, true, small, sizeof(small)), need);
	assert_string_equal(small, "<|im_st");
	const struct llm_chat_message bad[] = { { LLM_CHAT_USER, NULL } };
	assert_int_equal(llm_chat_render(LLM_CHAT_PLAIN, bad, 1, true, small, sizeof(small)), -EINVAL);
	const struct llm_chat_message bad_role[] = { { (enum llm_chat_role)9, "x" } };
	assert_int_equal(llm_chat_render(LLM_CHAT_PLAIN, bad_role, 1, true, small, sizeof(small)), -EINVAL);
	assert_int_equal(llm_chat_render(LLM_CHAT_COUNT, conv, 1, true, small, sizeof(small)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_by_name),
		cmocka_unit_test(test_chatml),
		cmocka_unit_test(test_llama2),
		cmocka_unit_test(test_llama3),
		cmocka_unit_test(test_zephyr),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_sizing_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

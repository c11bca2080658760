/*
 * Unicode character classes for the byte-level BPE pre-tokenizers (\p{L},
 * \p{N}, \s), as sorted inclusive code point ranges generated from Python's
 * unicodedata by reference/gen_unicode_tables.py (internal to the library).
 */
#ifndef LLM_UNICODE_TABLES_H
#define LLM_UNICODE_TABLES_H

#include <stdbool.h>
#include <stdint.h>

struct llm_unicode_range {
	uint32_t first, last;
};

extern const char llm_unicode_version[];
extern const struct llm_unicode_range llm_unicode_letter[];
extern const unsigned llm_unicode_letter_count;
extern const struct llm_unicode_range llm_unicode_number[];
extern const unsigned llm_unicode_number_count;
extern const struct llm_unicode_range llm_unicode_space[];
extern const unsigned llm_unicode_space_count;

bool llm_unicode_in(const struct llm_unicode_range *r, unsigned n, uint32_t cp);

#endif

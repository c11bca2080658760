#!/usr/bin/python3
"""bytelevel_bpe.py: the byte alphabet, both pre-tokenizers' splits (hand-checked against
the regexes' semantics), merges by rank, special tokens, and the generated vocabularies."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import bytelevel_bpe as B  # noqa: E402
import gguf_file  # noqa: E402


def split(pre, text):
    return "|".join(B.pre_tokenize(pre, text))


class Alphabet(unittest.TestCase):
    def test_known_spellings(self):
        self.assertEqual(B.BYTE_TO_CHAR[0x20], "\u0120")  # "Ġ"
        self.assertEqual(B.BYTE_TO_CHAR[0x0A], "\u010a")  # "Ċ"
        self.assertEqual(B.BYTE_TO_CHAR[0x00], "\u0100")
        self.assertEqual(B.BYTE_TO_CHAR[0xAD], "\u0143")  # the last moved byte
        self.assertEqual(B.BYTE_TO_CHAR[ord("a")], "a")
        self.assertEqual(len(set(B.BYTE_TO_CHAR.values())), 256)

    def test_round_trip_and_raw_fallback(self):
        data = bytes(range(256))
        self.assertEqual(B.from_alphabet(B.to_alphabet(data)), data)
        self.assertEqual(B.from_alphabet("<|im start|>"), b"<|im start|>")  # raw space


class PreTokenizers(unittest.TestCase):
    def test_gpt2(self):
        self.assertEqual(split("gpt2", "Hello world's  end 123 ok!!\n\n x"),
                         "Hello| world|'s| | end| 123| ok|!!|\n\n| x")
        self.assertEqual(split("gpt2", "IT'S they'RE"), "IT|'|S| they|'|RE")
        self.assertEqual(split("gpt2", "a\t\tb\r\nc"), "a|\t|\t|b|\r|\n|c")
        self.assertEqual(split("gpt2", "x\U0001F600y \u6771\u4eac!"), "x|\U0001F600|y| \u6771\u4eac|!")

    def test_qwen2(self):
        self.assertEqual(split("qwen2", "Hello world's  end 123 ok!!\n\n x"),
                         "Hello| world|'s| | end| |1|2|3| ok|!!\n\n| x")
        self.assertEqual(split("qwen2", "IT'S they'RE"), "IT|'S| they|'RE")
        self.assertEqual(split("qwen2", "a\n\n  b"), "a|\n\n| | b")
        self.assertEqual(split("qwen2", "a\t\tb\r\nc"), "a|\t|\tb|\r\n|c")

    def test_unknown_is_refused(self):
        with self.assertRaisesRegex(ValueError, "'deepseek-llm' is not supported"):
            B.pre_tokenize("deepseek-llm", "x")


class Encoding(unittest.TestCase):
    def vocab(self, merges, extra, pre="gpt2"):
        tokens = [B.BYTE_TO_CHAR[b] for b in range(256)] + extra + B.SPECIALS
        types = [B.TOKEN_NORMAL] * (256 + len(extra)) + [B.TOKEN_CONTROL] * 3
        return B.ByteLevelVocabulary(tokens, merges, types, len(tokens) - 3, len(tokens) - 3, False, pre)

    def test_rank_not_position(self):
        v = self.vocab(["b c", "a b"], ["bc", "ab"])
        self.assertEqual(v.encode("abc"), [ord("a"), 256])
        self.assertEqual(v.encode("ab"), [257])

    def test_leftmost_on_ties(self):
        v = self.vocab(["a a"], ["aa"])
        self.assertEqual(v.encode("aaa"), [256, ord("a")])

    def test_special_only_when_asked(self):
        v = self.vocab([], [])
        im_start = len(v) - 2
        self.assertEqual(v.encode("<|im_start|>x", special=True), [im_start, ord("x")])
        self.assertNotIn(im_start, v.encode("<|im_start|>x"))
        self.assertEqual(v.decode([im_start, ord("x")]), "x")

    def test_bad_merges_refused(self):
        with self.assertRaisesRegex(ValueError, "outside the vocabulary"):
            self.vocab(["a c"], [])
        with self.assertRaisesRegex(ValueError, "not two pieces"):
            self.vocab(["abc"], ["abc"])

    def test_generated_vocabulary_round_trips(self):
        for pre in ("gpt2", "qwen2"):
            tokens, merges, types = B.build(400, pre, seed=3)
            self.assertEqual(len(tokens), 400)
            v = B.ByteLevelVocabulary(tokens, merges, types, 397, 397, False, pre)
            for text in ["it's 12 caf\u00e9 \u6771\u4eac \U0001F600\n\n  x", B.SAMPLE_CORPUS]:
                ids = v.encode(text)
                self.assertLess(len(ids), len(text.encode("utf-8")))  # merges happened
                self.assertEqual(v.decode(ids), text)


class LlamaCppVocabularies(unittest.TestCase):
    """llama.cpp's tokenizer test data, only where $LLM_VOCAB_DIR holds a copy (see
    tests/test_tokenizer_vocab.c): ggml-vocab-NAME.gguf with its .inp texts and .out ids."""

    def test_expected_ids(self):
        d = os.environ.get("LLM_VOCAB_DIR")
        if not d:
            self.skipTest("LLM_VOCAB_DIR not set")
        checked = 0
        for name in ("gpt-2", "qwen2"):
            base = os.path.join(d, f"ggml-vocab-{name}.gguf")
            if not all(os.path.exists(base + x) for x in ("", ".inp", ".out")):
                continue
            g = gguf_file.GGUFFile.open(base)
            v = B.ByteLevelVocabulary(g.get("tokenizer.ggml.tokens"), g.get("tokenizer.ggml.merges"),
                                      g.get("tokenizer.ggml.token_type"),
                                      g.get("tokenizer.ggml.bos_token_id"),
                                      g.get("tokenizer.ggml.eos_token_id"), False,
                                      g.get("tokenizer.ggml.pre", "gpt2"))
            with open(base + ".inp", encoding="utf-8") as f:
                texts = f.read().split("\n__ggml_vocab_test__\n")
            with open(base + ".out") as f:
                lines = f.read().split("\n")
            for text, line in zip(texts, lines):
                if text == "" and line == "" and checked:
                    continue
                self.assertEqual(v.encode(text, bos=False), [int(x) for x in line.split()],
                                 f"{name}: {text!r}")
                checked += 1
        if not checked:
            self.skipTest(f"no llama.cpp vocabulary in {d}")


if __name__ == "__main__":
    unittest.main()

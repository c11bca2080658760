#!/usr/bin/python3
"""The tool model's building blocks and the committed file: the call checker refuses what
the agent's schemas refuse, the transcripts are rendered as the agent renders them, the
vocabulary keeps the ChatML markers whole, the trainer's weighted loss has correct
gradients, and tool-q8_0.gguf is under 4 MiB with the tokenizer the engine expects."""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.normpath(os.path.join(HERE, ".."))
ROOT = os.path.normpath(os.path.join(MODEL_DIR, "..", "..", ".."))
sys.path.insert(0, MODEL_DIR)
sys.path.insert(0, os.path.join(ROOT, "apps", "llm", "reference"))
sys.path.insert(0, os.path.join(ROOT, "apps", "llm", "models", "tiny"))

import gguf_file  # noqa: E402
import numpy_trainer  # noqa: E402
import transcripts as tr  # noqa: E402
import vocab as vb  # noqa: E402

GGUF = os.path.join(MODEL_DIR, "tool-q8_0.gguf")


class CallCheck(unittest.TestCase):
    def test_valid_calls(self):
        self.assertEqual(tr.check_call('{"tool": "calculator", "arguments": {"expression": "1 + 2"}}'),
                         ("calculator", {"expression": "1 + 2"}))
        self.assertIsNotNone(tr.check_call(
            '{"tool": "planner", "arguments": {"city": "Rome", "days": 3, "interests": ["art"],'
            ' "style": "packed", "budget": 300}}'))
        self.assertIsNotNone(tr.check_call('{"tool": "notes", "arguments": {"op": "list"}}'))

    def test_refused_calls(self):
        for bad in ('{"tool": "calculator", "arguments": {"expression": "1 + 2"}',  # not JSON
                    '{"tool": "weather", "arguments": {}}',                         # no such tool
                    '{"tool": "planner", "arguments": {"city": "Rome"}}',           # days missing
                    '{"tool": "planner", "arguments": {"city": "Rome", "days": 15}}',
                    '{"tool": "planner", "arguments": {"city": "Rome", "days": "3"}}',
                    '{"tool": "planner", "arguments": {"city": "Rome", "days": 2, "style": "fast"}}',
                    '{"tool": "notes", "arguments": {"op": "rename"}}',
                    '{"tool": "notes", "arguments": {"op": "get", "colour": "red"}}',
                    '{"tool": "notes", "arguments": {"op": "add", "private": "yes"}}',
                    '{"tool": "calculator"}', "Hello!"):
            self.assertIsNone(tr.check_call(bad), bad)


class Rendering(unittest.TestCase):
    def test_agent_layout(self):
        ex = tr.Example("calculator", "What is 1 + 2?", '{"tool": "calculator", "arguments": '
                        '{"expression": "1 + 2"}}', '{"result":"3"}', "1 + 2 is 3.")
        text, spans = tr.render(ex.turns())
        self.assertTrue(text.startswith("<|im_start|>system\nYou are a helpful assistant.\nTools:\n"
                                        "- calculator: exact arithmetic on an expression\n"))
        self.assertIn("<|im_end|>\n<|im_start|>user\nWhat is 1 + 2?<|im_end|>\n"
                      "<|im_start|>assistant\n{\"tool\"", text)
        self.assertIn("<|im_end|>\n<|im_start|>tool\n{\"result\":\"3\"}<|im_end|>\n"
                      "<|im_start|>assistant\n1 + 2 is 3.<|im_end|>\n", text)
        self.assertEqual([text[a:b] for a, b in spans], [ex.call + "<|im_end|>", "1 + 2 is 3.<|im_end|>"])
        self.assertTrue(tr.prompt_for("Hi").endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))

    def test_answers_use_the_result(self):
        self.assertEqual(tr.calc_answer("(3 + 4) * 2.5", {"result": "17.5"}), "(3 + 4) * 2.5 is 17.5.")
        plan = {"city": "Paris", "currency": "EUR", "total_cost": 10, "days": [
            {"day": 1, "items": [{"name": "A"}, {"name": "B"}]}, {"day": 2, "items": [{"name": "C"}, {"name": "C"}]}]}
        self.assertEqual(tr.planner_answer({}, plan),
                         "Here is a 2-day plan for Paris: day 1 A and B; day 2 C. Total cost: 10 EUR.")


class Vocabulary(unittest.TestCase):
    def test_markers_are_single_tokens(self):
        texts = [tr.render([("user", "What is 2 + 2?"), ("assistant", "2 + 2 is 4.")])[0]] * 3
        tokens, merges, types = vb.build(texts, 300)
        self.assertEqual(len(tokens), 300)
        enc = vb.Encoder(tokens, merges, types)
        ids = enc.encode(texts[0])
        self.assertEqual(ids, enc.v.encode(texts[0], special=True, bos=False))
        start, end = tokens.index("<|im_start|>"), tokens.index("<|im_end|>")
        self.assertEqual(types[start], 3)
        self.assertEqual(ids[0], start)
        self.assertEqual(ids.count(end), 3)
        self.assertEqual(enc.decode(ids), texts[0].replace("<|im_start|>", "").replace("<|im_end|>", ""))

    def test_too_small_corpus_is_refused(self):
        with self.assertRaises(ValueError):
            vb.build(["ab"], 300)


class Trainer(unittest.TestCase):
    def test_weighted_loss_gradients(self):
        self.assertLess(numpy_trainer.gradient_check(0, masked=True), 1e-5)
        self.assertLess(numpy_trainer.gradient_check(1, masked=True), 1e-5)


class CommittedModel(unittest.TestCase):
    def test_file(self):
        self.assertLess(os.path.getsize(GGUF), 4 * 1024 * 1024)
        g = gguf_file.GGUFFile.open(GGUF)
        self.assertEqual(g.get("tokenizer.ggml.model"), "gpt2")
        self.assertEqual(g.get("tokenizer.ggml.pre"), "qwen2")
        tokens = g.get("tokenizer.ggml.tokens")
        self.assertEqual(g.get("tokenizer.ggml.eos_token_id"), tokens.index("<|im_end|>"))
        self.assertEqual(g.get("tokenizer.ggml.token_type")[tokens.index("<|im_start|>")], 3)
        self.assertIn("<|im_start|>", g.get("tokenizer.chat_template"))
        json.dumps(g.get("general.name"))


if __name__ == "__main__":
    unittest.main()

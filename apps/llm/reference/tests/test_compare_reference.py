#!/usr/bin/python3
"""compare_reference.py must accept what correct engines do and refuse real bugs.

Runs it against tests/fake_llm_logits.py: the exact reference, float32 arithmetic and
activation-quantising kernels must pass (that is what the stated tolerances promise);
RoPE on the wrong pairs, a wrong GQA head mapping, a wrong greedy id and a wrong encode
must each make it exit 1 naming the mismatch.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "..", "compare_reference.py")
FAKE = os.path.join(HERE, "fake_llm_logits.py")


def compare(mode, cases=()):
    with tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, COMPARE, "--llm-logits", FAKE, "--work", work]
        for c in cases:
            cmd += ["--case", c]
        env = dict(os.environ, FAKE_LLM_MODE=mode, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1500)


class Compare(unittest.TestCase):
    def passes(self, mode, cases=()):
        p = compare(mode, cases)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("compare_reference: OK", p.stdout)
        return p.stdout

    def fails(self, mode, cases, words):
        p = compare(mode, cases)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(words, p.stdout)

    def test_exact_engine_passes_every_case(self):
        out = self.passes("exact")
        self.assertIn("26 models", out)

    def test_activation_quantising_engine_passes(self):
        self.passes("q8-activations", ["gguf-f16", "gguf-q8_0"])

    def test_float32_engine_passes(self):
        self.passes("float32", ["llama2c-f32-unshared", "gguf-f32"])

    def test_rope_on_wrong_pairs_fails(self):
        self.fails("rope-halves", ["gguf-q8_0"], "max |logit diff|")

    def test_rope_pairs_of_qwen2_checked(self):
        self.fails("rope-halves", ["gguf-qwen2-q4_0"], "max |logit diff|")

    def test_ignored_rope_scaling_fails(self):
        self.fails("rope-unscaled", ["gguf-llama-rope"], "max |logit diff|")

    def test_ignored_biases_fail(self):
        self.fails("no-bias", ["gguf-qwen2-q8_0"], "max |logit diff|")
        self.fails("no-bias", ["gguf-gpt2-q8_0"], "max |logit diff|")

    def test_ignored_positions_fail(self):
        self.fails("no-positions", ["gguf-gpt2-f16"], "max |logit diff|")

    def test_wrong_gqa_mapping_fails(self):
        self.fails("gqa-wrong", ["llama2c-f32-shared"], "max |logit diff|")

    def test_wrong_greedy_fails(self):
        self.fails("greedy-wrong", ["gguf-f32"], "not a near tie")

    def test_wrong_encode_fails(self):
        self.fails("encode-wrong", ["llama2c-f32-unshared"], "--encode")

    def test_missing_tool_is_a_usage_error(self):
        p = subprocess.run([sys.executable, COMPARE, "--llm-logits", "/nonexistent", "--work", "/tmp"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()

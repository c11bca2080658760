#!/usr/bin/python3
"""The committed tiny model (apps/llm/models/tiny): present, under 2 MiB, both files hold the
same model and vocabulary, it writes text, and the trainer that made it has correct
gradients."""

import os
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.normpath(os.path.join(HERE, "..", "..", "models", "tiny"))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, TINY)

import gguf_file  # noqa: E402
import llama2c_file  # noqa: E402
import llama_model  # noqa: E402
import tensor_codec  # noqa: E402

FILES = ("tiny.bin", "tokenizer.bin", "tiny-q8_0.gguf")


def path(name):
    return os.path.join(TINY, name)


class TinyModel(unittest.TestCase):
    def test_files_present_and_small(self):
        total = sum(os.path.getsize(path(f)) for f in FILES)
        self.assertLess(total, 2 * 1024 * 1024)

    def test_llama2c_and_gguf_hold_the_same_model(self):
        cfg, w, shared = llama2c_file.read_checkpoint(path("tiny.bin"))
        self.assertTrue(shared)
        self.assertLess(cfg["n_kv_heads"], cfg["n_heads"])  # the demo exercises GQA too
        g = gguf_file.GGUFFile.open(path("tiny-q8_0.gguf"))
        self.assertEqual(g.get("general.architecture"), "llama")
        self.assertEqual(g.get("llama.embedding_length"), cfg["dim"])
        self.assertEqual(g.get("llama.attention.head_count_kv"), cfg["n_kv_heads"])
        pieces, scores, _ = llama2c_file.read_tokenizer(path("tokenizer.bin"), cfg["vocab_size"])
        self.assertEqual(g.get("tokenizer.ggml.tokens"), pieces)
        np.testing.assert_array_equal(np.float32(g.get("tokenizer.ggml.scores")), np.float32(scores))
        for name, t in g.tensors.items():
            want = tensor_codec.GGML_TYPE_F32 if len(t.ne) == 1 else tensor_codec.GGML_TYPE_Q8_0
            self.assertEqual(t.ggml_type, want, name)
            q = g.tensor(name)
            f = w[name]
            step = np.abs(f).reshape(-1, 32).max(axis=1) / 127 if len(t.ne) == 2 else 0
            err = np.abs(q - f).reshape(-1, 32).max(axis=1) if len(t.ne) == 2 else np.abs(q - f)
            # Half a step, plus 127 times the f16 rounding of the scale (2^-11 relative).
            self.assertTrue(np.all(err <= (0.5 + 127 * 2 ** -11) * step + 1e-6), name)

    def test_writes_text(self):
        model = llama_model.load(path("tiny.bin"), path("tokenizer.bin"))
        ids = model.vocab.encode("Once upon a time")
        _, cont = llama_model.run(model, ids, 30)
        text = model.vocab.decode(cont)
        words = [x for x in text.split() if x.strip(".,!?\"").isalpha()]
        self.assertGreaterEqual(len(words), 10, text)
        q8 = llama_model.load(path("tiny-q8_0.gguf"))
        a, _ = llama_model.run(model, ids, 0)
        b, _ = llama_model.run(q8, ids, 0)
        scale = max(1.0, float(np.max(np.abs(a))))
        self.assertLess(float(np.max(np.abs(np.array(a) - np.array(b)))), 0.05 * scale)

    def test_trainer_gradients(self):
        import numpy_trainer
        self.assertLess(numpy_trainer.gradient_check(0), 1e-5)
        self.assertLess(numpy_trainer.gradient_check(1), 1e-5)


if __name__ == "__main__":
    unittest.main()

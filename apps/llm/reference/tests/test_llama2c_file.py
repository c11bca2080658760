#!/usr/bin/python3
"""llama2.c checkpoint and tokenizer.bin checks: header bytes, exact file size, shared and
unshared classifier round trips, the generator's output, and refusal of malformed files."""

import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import bpe_tokenizer  # noqa: E402
import gen_model  # noqa: E402
import llama2c_file as L  # noqa: E402
from llama_model import Config  # noqa: E402

CFG = dict(dim=16, hidden_dim=24, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=300, seq_len=10)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def expected_floats(c, shared):
    hs = c["dim"] // c["n_heads"]
    kv = c["n_kv_heads"] * hs
    per_layer = 2 * c["dim"] + c["dim"] * c["dim"] * 2 + 2 * kv * c["dim"] + 3 * c["dim"] * c["hidden_dim"]
    n = c["vocab_size"] * c["dim"] + c["n_layers"] * per_layer + c["dim"] + c["seq_len"] * hs
    return n + (0 if shared else c["vocab_size"] * c["dim"])


class Checkpoint(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "m.bin")
        self.weights = gen_model.random_weights(Config(**CFG), 5)

    def tearDown(self):
        self.dir.cleanup()

    def test_header_and_size_shared(self):
        L.write_checkpoint(self.path, CFG, self.weights, shared_classifier=True)
        data = read_bytes(self.path)
        self.assertEqual(struct.unpack_from("<7i", data), (16, 24, 2, 4, 2, 300, 10))
        self.assertEqual(len(data), 28 + 4 * expected_floats(CFG, True))

    def test_header_and_size_unshared(self):
        L.write_checkpoint(self.path, CFG, self.weights, shared_classifier=False)
        data = read_bytes(self.path)
        self.assertEqual(struct.unpack_from("<7i", data)[5], -300)  # negative: own classifier
        self.assertEqual(len(data), 28 + 4 * expected_floats(CFG, False))

    def test_round_trip(self):
        for shared in (True, False):
            L.write_checkpoint(self.path, CFG, self.weights, shared)
            cfg, w, got_shared = L.read_checkpoint(self.path)
            self.assertEqual(cfg, CFG)
            self.assertEqual(got_shared, shared)
            for name, a in self.weights.items():
                if name == "output.weight" and shared:
                    np.testing.assert_array_equal(w[name], self.weights["token_embd.weight"])
                else:
                    np.testing.assert_array_equal(w[name], a, name)

    def test_layout_order(self):
        # The first layer's wq row 0 sits right after the embedding and the attention norms.
        L.write_checkpoint(self.path, CFG, self.weights, True)
        data = read_bytes(self.path)
        at = 28 + 4 * (300 * 16 + 2 * 16)
        row = np.frombuffer(data, dtype="<f4", count=16, offset=at)
        np.testing.assert_array_equal(row, self.weights["blk.0.attn_q.weight"][0])
        # The final norm precedes the legacy RoPE tables, which end the shared file.
        tail = np.frombuffer(data[-4 * (10 * 2 * 2 + 16):], dtype="<f4")
        np.testing.assert_array_equal(tail[:16], self.weights["output_norm.weight"])
        cos, sin = L.legacy_rope_tables(10, 4)
        np.testing.assert_array_equal(tail[16:36], cos.ravel())
        np.testing.assert_array_equal(tail[36:], sin.ravel())

    def test_refusals(self):
        L.write_checkpoint(self.path, CFG, self.weights, False)
        data = read_bytes(self.path)
        bad = os.path.join(self.dir.name, "bad.bin")
        cases = {
            "truncated": data[:-4],
            "shorter than": data[:20],
            "trailing": data + b"\0\0\0\0",
            "must be positive": data[:4] + struct.pack("<i", 0) + data[8:],
            "inconsistent": data[:12] + struct.pack("<i", 3) + data[16:],
        }
        for words, content in cases.items():
            with open(bad, "wb") as f:
                f.write(content)
            with self.assertRaises(L.Llama2cError, msg=words) as cm:
                L.read_checkpoint(bad)
            self.assertIn(words, str(cm.exception))


class TokenizerBin(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "tok.bin")

    def tearDown(self):
        self.dir.cleanup()

    def test_bytes_and_round_trip(self):
        vocab = bpe_tokenizer.build(bpe_tokenizer.SAMPLE_CORPUS, 300)
        L.write_tokenizer(self.path, vocab.pieces, vocab.scores)
        data = read_bytes(self.path)
        longest = max(len(p.encode()) for p in vocab.pieces)
        self.assertEqual(struct.unpack_from("<i", data)[0], longest)
        self.assertEqual(struct.unpack_from("<fi", data, 4), (0.0, 5))
        self.assertEqual(data[12:17], b"<unk>")
        pieces, scores, max_len = L.read_tokenizer(self.path)
        self.assertEqual((pieces, max_len), (vocab.pieces, longest))
        np.testing.assert_array_equal(np.float32(scores), np.float32(vocab.scores))
        self.assertEqual(len(data), 4 + sum(8 + len(p.encode()) for p in vocab.pieces))

    def test_refusals(self):
        L.write_tokenizer(self.path, ["<unk>", "▁a"], [0.0, -1.0])
        data = read_bytes(self.path)
        for content, n in ((data[:-1], None), (data, 3), (data[:2], None),
                           (struct.pack("<i", 1) + data[4:], None)):
            with open(self.path, "wb") as f:
                f.write(content)
            with self.assertRaises(L.Llama2cError):
                L.read_tokenizer(self.path, n)


class Generator(unittest.TestCase):
    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            out, tok = os.path.join(d, "m.bin"), os.path.join(d, "t.bin")
            cmd = [sys.executable, os.path.join(HERE, "..", "gen_model.py"), "--format", "llama2c",
                   "--dim", "32", "--hidden-dim", "48", "--layers", "1", "--heads", "4",
                   "--kv-heads", "2", "--vocab", "280", "--seq-len", "8", "--seed", "3",
                   "--unshared-classifier", "--out", out, "--tokenizer-out", tok]
            subprocess.run(cmd, check=True)
            cfg, _, shared = L.read_checkpoint(out)
            self.assertFalse(shared)
            self.assertEqual(cfg["n_kv_heads"], 2)
            self.assertEqual(len(L.read_tokenizer(tok)[0]), 280)
            bad = subprocess.run(cmd[:4] + ["--dtype", "q8_0"] + cmd[4:], capture_output=True)
            self.assertEqual(bad.returncode, 2)  # llama2.c is f32 only


if __name__ == "__main__":
    unittest.main()

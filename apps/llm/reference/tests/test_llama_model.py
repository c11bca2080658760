#!/usr/bin/python3
"""Forward-pass checks of the numpy reference against formulations written differently:
whole-sequence causal attention without a cache, GQA as MHA with repeated kv heads, RoPE
as complex multiplication (with linear scaling), qwen2 as llama with its Q/K rows permuted,
gpt2 as a whole-sequence LayerNorm/GELU model; plus format equivalence (the same weights through llama2.c and
GGUF give the same logits), greedy tie-breaking and the command line."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import bpe_tokenizer  # noqa: E402
import gen_model  # noqa: E402
import llama_model as M  # noqa: E402

PROMPT = [1, 17, 200, 5, 5, 299, 2, 42]


def small_model(n_heads=4, n_kv_heads=2, seed=3):
    c = M.Config(dim=32, hidden_dim=64, n_layers=2, n_heads=n_heads, n_kv_heads=n_kv_heads,
                 vocab_size=300, seq_len=16)
    return M.Model(c, gen_model.random_weights(c, seed))


def whole_sequence_logits(model, tokens):
    """All positions at once: RoPE as complex rotation, causal mask, no cache."""
    c, w = model.config, model.w
    n, hs, group = len(tokens), c.head_size, c.n_heads // c.n_kv_heads
    x = w["token_embd.weight"][tokens]                                  # [n, dim]
    pos = np.arange(n)[:, None] / (c.rope_scaling or 1.0)
    freqs = c.rope_theta ** (-np.arange(0, hs, 2) / hs)                  # [hs/2]
    rot = np.exp(1j * pos * freqs)                                       # [n, hs/2]

    def norm(v, g):
        return g * v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + c.rms_eps)

    def rope_all(v, heads):
        z = v.reshape(n, heads, hs // 2, 2)
        z = (z[..., 0] + 1j * z[..., 1]) * rot[:, None, :]
        return np.stack([z.real, z.imag], axis=-1).reshape(n, heads, hs)

    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(c.n_layers):
        p = f"blk.{layer}."
        h = norm(x, w[p + "attn_norm.weight"])
        q = rope_all(h @ w[p + "attn_q.weight"].T, c.n_heads)
        k = np.repeat(rope_all(h @ w[p + "attn_k.weight"].T, c.n_kv_heads), group, axis=1)
        v = np.repeat((h @ w[p + "attn_v.weight"].T).reshape(n, c.n_kv_heads, hs), group, axis=1)
        scores = np.einsum("ihd,jhd->hij", q, k) / np.sqrt(hs) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        att = np.einsum("hij,jhd->ihd", probs, v).reshape(n, c.dim)
        x = x + att @ w[p + "attn_output.weight"].T
        h = norm(x, w[p + "ffn_norm.weight"])
        g = h @ w[p + "ffn_gate.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ w[p + "ffn_up.weight"].T)) @ w[p + "ffn_down.weight"].T
    return norm(x, w["output_norm.weight"]) @ w["output.weight"].T


class Forward(unittest.TestCase):
    def test_cached_matches_whole_sequence(self):
        for heads, kv in ((4, 4), (4, 2), (4, 1)):
            m = small_model(heads, kv)
            cached, _ = M.run(m, PROMPT, 0)
            np.testing.assert_allclose(np.array(cached), whole_sequence_logits(m, PROMPT),
                                       rtol=0, atol=1e-9, err_msg=f"heads {heads} kv {kv}")

    def test_gqa_equals_mha_with_repeated_kv_heads(self):
        gqa = small_model(4, 2)
        c = gqa.config
        w = dict(gqa.w)
        for layer in range(c.n_layers):
            for t in ("attn_k", "attn_v"):
                name = f"blk.{layer}.{t}.weight"
                heads = w[name].reshape(c.n_kv_heads, c.head_size, c.dim)
                w[name] = np.repeat(heads, 2, axis=0).reshape(c.dim, c.dim)
        mha = M.Model(M.Config(32, 64, 2, 4, 4, 300, 16), w)
        np.testing.assert_allclose(M.run(gqa, PROMPT, 0)[0], M.run(mha, PROMPT, 0)[0], atol=1e-12)

    def test_rope_properties(self):
        rng = np.random.default_rng(0)
        q, k = rng.standard_normal(16), rng.standard_normal(16)
        np.testing.assert_array_equal(M.rope(q, 0, 8, 1e4), q)
        self.assertAlmostEqual(np.linalg.norm(M.rope(q, 7, 8, 1e4)), np.linalg.norm(q))
        # Scores depend only on the distance between positions.
        a = M.rope(q, 9, 8, 1e4) @ M.rope(k, 4, 8, 1e4)
        b = M.rope(q, 25, 8, 1e4) @ M.rope(k, 20, 8, 1e4)
        self.assertAlmostEqual(a, b)
        # Adjacent pairs rotate: the first pair at angle pos * 1.
        r = M.rope(np.array([1.0, 0, 0, 0]), 2, 4, 1e4)
        np.testing.assert_allclose(r[:2], [np.cos(2), np.sin(2)])

    def test_greedy_breaks_ties_to_the_lowest_id(self):
        m = small_model()
        logits, greedy = M.run(m, [1, 7], 3)
        top = int(np.argmax(logits[-1]))
        self.assertEqual(greedy[0], top)
        lower = 3 if top != 3 else 4
        if lower > top:
            lower, top = top, lower
        m.w["output.weight"] = m.w["output.weight"].copy()
        m.w["output.weight"][lower] = m.w["output.weight"][top]
        m.w["output.weight"][top] = m.w["output.weight"][lower]
        first = int(np.argmax(M.run(m, [1, 7], 0)[0][-1]))
        self.assertEqual(M.run(m, [1, 7], 1)[1], [first])
        self.assertLessEqual(first, lower)

    def test_limits(self):
        m = small_model()
        with self.assertRaises(ValueError):
            M.run(m, [300], 0)
        with self.assertRaises(ValueError):
            M.run(m, [1] * 10, 8)  # 10 + 7 positions > seq_len 16
        self.assertEqual(len(M.run(m, [1] * 10, 7)[1]), 7)


def arch_model(arch, seed=5, n_heads=4, n_kv_heads=2, rope_scaling=None):
    c = M.Config(dim=32, hidden_dim=64, n_layers=2, n_heads=n_heads, n_kv_heads=n_kv_heads,
                 vocab_size=300, seq_len=16, arch=arch, rope_scaling=rope_scaling)
    return M.Model(c, gen_model.random_weights(c, seed))


def gpt2_whole_sequence_logits(model, tokens):
    """gpt2 written from its definition: all positions at once, repeated kv heads."""
    c, w = model.config, model.w
    n, hs, group = len(tokens), c.head_size, c.n_heads // c.n_kv_heads
    x = w["token_embd.weight"][tokens] + w["position_embd.weight"][:n]

    def ln(v, p):
        mu = v.mean(axis=-1, keepdims=True)
        var = v.var(axis=-1, keepdims=True)
        return (v - mu) / np.sqrt(var + c.rms_eps) * w[p + ".weight"] + w[p + ".bias"]

    def gelu(v):
        return 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3)))

    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(c.n_layers):
        p = f"blk.{layer}."
        qkv = ln(x, p + "attn_norm") @ w[p + "attn_qkv.weight"].T + w[p + "attn_qkv.bias"]
        q = qkv[:, :c.dim].reshape(n, c.n_heads, hs)
        k = np.repeat(qkv[:, c.dim:c.dim + c.kv_dim].reshape(n, c.n_kv_heads, hs), group, axis=1)
        v = np.repeat(qkv[:, c.dim + c.kv_dim:].reshape(n, c.n_kv_heads, hs), group, axis=1)
        scores = np.einsum("ihd,jhd->hij", q, k) / np.sqrt(hs) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        att = np.einsum("hij,jhd->ihd", probs, v).reshape(n, c.dim)
        x = x + att @ w[p + "attn_output.weight"].T + w[p + "attn_output.bias"]
        h = gelu(ln(x, p + "ffn_norm") @ w[p + "ffn_up.weight"].T + w[p + "ffn_up.bias"])
        x = x + h @ w[p + "ffn_down.weight"].T + w[p + "ffn_down.bias"]
    return ln(x, "output_norm") @ w["output.weight"].T


class Architectures(unittest.TestCase):
    def test_linear_rope_scaling_matches_whole_sequence(self):
        m = arch_model("llama", rope_scaling=4.0)
        cached, _ = M.run(m, PROMPT, 0)
        np.testing.assert_allclose(np.array(cached), whole_sequence_logits(m, PROMPT),
                                   rtol=0, atol=1e-9)
        plain = arch_model("llama")
        self.assertGreater(np.max(np.abs(np.array(cached) - M.run(plain, PROMPT, 0)[0])), 1e-3)

    def test_qwen2_is_llama_with_interleaved_qk_rows(self):
        """Half-split RoPE on rows r equals adjacent-pair RoPE on the rows reordered so
        that j and j + hs/2 sit side by side (what llama's converter does to Hugging Face
        checkpoints); attention scores are invariant to that reordering."""
        q2 = arch_model("qwen2")
        c = q2.config
        hs = c.head_size
        order = np.stack([np.arange(hs // 2), np.arange(hs // 2) + hs // 2], axis=1).ravel()
        w = dict(q2.w)
        for layer in range(c.n_layers):
            for t, heads in (("attn_q", c.n_heads), ("attn_k", c.n_kv_heads)):
                for kind in ("weight", "bias"):
                    name = f"blk.{layer}.{t}.{kind}"
                    a = w[name].reshape((heads, hs) + w[name].shape[1:])
                    w[name] = a[:, order].reshape(w[name].shape)
        llama = M.Model(M.Config(32, 64, 2, 4, 2, 300, 16), w)
        np.testing.assert_allclose(M.run(q2, PROMPT, 0)[0], M.run(llama, PROMPT, 0)[0],
                                   rtol=0, atol=1e-10)
        # ...and the biases matter.
        nobias = {k: (np.zeros_like(v) if k.endswith(".bias") else v) for k, v in q2.w.items()}
        diff = np.abs(np.array(M.run(q2, PROMPT, 0)[0])
                      - np.array(M.run(M.Model(c, nobias), PROMPT, 0)[0]))
        self.assertGreater(np.max(diff), 1e-3)

    def test_gpt2_matches_whole_sequence(self):
        for heads, kv in ((4, 4), (4, 2)):
            m = arch_model("gpt2", n_heads=heads, n_kv_heads=kv)
            cached, _ = M.run(m, PROMPT, 0)
            np.testing.assert_allclose(np.array(cached), gpt2_whole_sequence_logits(m, PROMPT),
                                       rtol=0, atol=1e-9)

    def test_gguf_round_trip_per_arch(self):
        vocab = bpe_tokenizer.build(bpe_tokenizer.SAMPLE_CORPUS, 300)
        with tempfile.TemporaryDirectory() as d:
            for arch in ("qwen2", "gpt2"):
                m = arch_model(arch)
                w32 = {k: v.astype(np.float32) for k, v in m.w.items()}
                for tied in (False, True):
                    path = os.path.join(d, f"{arch}-{tied}.gguf")
                    gen_model.write_gguf(path, m.config, w32, vocab, "f32", tied_output=tied)
                    loaded = M.load(path)
                    self.assertEqual(loaded.config.arch, arch)
                    want = M.Model(m.config, dict(w32, **({"output.weight": w32["token_embd.weight"]}
                                                         if tied else {})))
                    np.testing.assert_allclose(np.array(M.run(loaded, PROMPT, 0)[0]),
                                               np.array(M.run(want, PROMPT, 0)[0]), rtol=0, atol=1e-9)

    def test_unsupported_rope_scaling_refused(self):
        c = M.Config(32, 64, 2, 4, 2, 300, 16, rope_scaling=2.0)
        w32 = {k: v.astype(np.float32) for k, v in gen_model.random_weights(c, 5).items()}
        vocab = bpe_tokenizer.build(bpe_tokenizer.SAMPLE_CORPUS, 300)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.gguf")
            gen_model.write_gguf(path, c, w32, vocab, "f32")
            self.assertEqual(M.load(path).config.rope_scaling, 2.0)
            with open(path, "rb") as f:
                data = f.read()
            with open(path, "wb") as f:  # the same length, so the file stays well formed
                f.write(data.replace(b"linear", b"yarnxx", 1))
            with self.assertRaises(ValueError) as e:
                M.load(path)
            self.assertIn("'yarnxx' is not supported", str(e.exception))


class Files(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.m = small_model()
        self.vocab = bpe_tokenizer.build(bpe_tokenizer.SAMPLE_CORPUS, 300)

    def tearDown(self):
        self.dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_llama2c_and_gguf_give_the_same_logits(self):
        w32 = {k: v.astype(np.float32) for k, v in self.m.w.items()}
        gen_model.write_llama2c(self.path("m.bin"), self.path("t.bin"), self.m.config, w32,
                                self.vocab, shared_classifier=False)
        gen_model.write_gguf(self.path("m.gguf"), self.m.config, w32, self.vocab, "f32")
        a = M.run(M.load(self.path("m.bin"), self.path("t.bin")), PROMPT, 4)
        b = M.run(M.load(self.path("m.gguf")), PROMPT, 4)
        # Same float32 weights; only float64 summation order may differ (array layouts).
        np.testing.assert_allclose(np.array(a[0]), np.array(b[0]), rtol=0, atol=1e-10)
        self.assertEqual(a[1], b[1])
        expect = M.run(self.m, PROMPT, 0)[0]
        np.testing.assert_allclose(np.array(a[0]), np.array(expect), atol=1e-5)

    def test_quantised_files_hold_their_own_weights(self):
        w32 = {k: v.astype(np.float32) for k, v in self.m.w.items()}
        for dtype, tol in (("f16", 2e-2), ("q8_0", 2e-1)):
            gen_model.write_gguf(self.path(dtype), self.m.config, w32, self.vocab, dtype)
            loaded = M.load(self.path(dtype))
            self.assertEqual(loaded.w["blk.0.attn_norm.weight"].tolist(),
                             w32["blk.0.attn_norm.weight"].astype(np.float64).tolist())  # norms stay F32
            err = np.max(np.abs(loaded.w["blk.1.ffn_down.weight"] - w32["blk.1.ffn_down.weight"]))
            self.assertGreater(err, 0)
            self.assertLess(err, tol)

    def test_command_line(self):
        w32 = {k: v.astype(np.float32) for k, v in self.m.w.items()}
        gen_model.write_gguf(self.path("m.gguf"), self.m.config, w32, self.vocab, "f32")
        tool = [sys.executable, os.path.join(HERE, "..", "llm_reference.py"), self.path("m.gguf")]
        out = json.loads(subprocess.run(tool + ["--prompt-ids", "1,5,9", "--greedy", "4", "--json"],
                                        check=True, capture_output=True).stdout)
        self.assertEqual(len(out["logits"]), 3)
        self.assertEqual(len(out["logits"][0]), 300)
        self.assertEqual(len(out["greedy"]), 4)
        self.assertEqual(out["greedy"][0], int(np.argmax(out["logits"][-1])))
        ids = json.loads(subprocess.run(tool + ["--encode", "the robot", "--json"], check=True,
                                        capture_output=True).stdout)["ids"]
        text = json.loads(subprocess.run(tool + ["--decode", ",".join(map(str, ids)), "--json"],
                                         check=True, capture_output=True).stdout)["text"]
        self.assertEqual(text, "the robot")
        bad = subprocess.run(tool + ["--prompt-ids", "1,300"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("outside the vocabulary", bad.stderr)


if __name__ == "__main__":
    unittest.main()

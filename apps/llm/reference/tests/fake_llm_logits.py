#!/usr/bin/python3
"""A stand-in for the C engine's llm-logits, to test compare_reference.py itself.

Same command line and JSON as llm_reference.py. FAKE_LLM_MODE selects how it behaves:
  exact          the reference's own answers (the comparison must pass)
  float32        products in float32 (must pass: what a correct f32 engine does)
  q8-activations activations quantised to Q8_0 blocks before every product with a Q8_0
                 weight, f16 rounding before F16 weights (must pass: the stated tolerances
                 allow for such kernels)
  rope-halves    RoPE pairs (j, j + head_size/2) instead of adjacent ones, and adjacent ones
                 where qwen2 wants the halves (must fail)
  rope-unscaled  linear RoPE scaling ignored (must fail)
  no-bias        every bias ignored (must fail on qwen2 and gpt2)
  no-positions   gpt2's learned positions ignored (must fail)
  gqa-wrong      query head h reads kv head h % n_kv_heads instead of h // group (must fail)
  greedy-wrong   the last greedy id replaced by another (must fail)
  encode-wrong   --encode drops the BOS token (must fail)
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gguf_file  # noqa: E402
import llama_model  # noqa: E402
import llm_reference  # noqa: E402
import tensor_codec  # noqa: E402

MODE = os.environ.get("FAKE_LLM_MODE", "exact")


def weight_types(path):
    if not llama_model.is_gguf(path):
        return {}
    g = gguf_file.GGUFFile.open(path)
    return {name: t.ggml_type for name, t in g.tensors.items()}


def make_matvec(types):
    def matvec(name, W, x):
        t = types.get(name, tensor_codec.GGML_TYPE_F32)
        x32 = x.astype(np.float32)
        if MODE == "q8-activations" and t == tensor_codec.GGML_TYPE_Q8_0:
            x32 = tensor_codec.dequantize_q8_0(tensor_codec.quantize_q8_0(x32), x.size)
        elif MODE == "q8-activations" and t == tensor_codec.GGML_TYPE_F16:
            x32 = x32.astype(np.float16).astype(np.float32)
        return (W.astype(np.float32) @ x32).astype(np.float64)
    return matvec


def patch_model():
    if MODE == "rope-halves":
        def rope_halves(vec, pos, hs, theta, neox=False, original=llama_model.rope):
            return original(vec, pos, hs, theta, not neox)
        llama_model.rope = rope_halves
    elif MODE == "rope-unscaled":
        load = llama_model.load

        def load_unscaled(*args):
            m = load(*args)
            m.config.rope_scaling = None
            return m
        llama_model.load = load_unscaled
    elif MODE in ("no-bias", "no-positions"):
        load = llama_model.load

        def load_without(*args):
            m = load(*args)
            for name in list(m.w):
                if MODE == "no-bias" and name.endswith(".bias") and "norm" not in name:
                    m.w[name] = np.zeros_like(m.w[name])
                if MODE == "no-positions" and name == "position_embd.weight":
                    m.w[name] = np.zeros_like(m.w[name])
            return m
        llama_model.load = load_without
    elif MODE == "gqa-wrong":
        # Interleave heads over kv heads instead of grouping consecutive ones.
        def step(self, token, original=llama_model.Session.step):
            c = self.m.config
            if c.n_kv_heads == c.n_heads:
                return original(self, token)
            perm = [(h % c.n_kv_heads) * (c.n_heads // c.n_kv_heads) + h // c.n_kv_heads
                    for h in range(c.n_heads)]
            hs = c.head_size
            saved = {}
            for layer in range(c.n_layers):
                name = f"blk.{layer}.attn_q.weight"
                saved[name] = self.m.w[name]
                q = saved[name].reshape(c.n_heads, hs, c.dim)
                self.m.w[name] = q[perm].reshape(c.dim, c.dim)
                name = f"blk.{layer}.attn_output.weight"
                saved[name] = self.m.w[name]
                o = saved[name].reshape(c.dim, c.n_heads, hs)
                self.m.w[name] = o[:, perm].reshape(c.dim, c.dim)
            try:
                return original(self, token)
            finally:
                self.m.w.update(saved)
        llama_model.Session.step = step


def main():
    argv = sys.argv[1:]
    patch_model()
    if MODE in ("float32", "q8-activations") and "--prompt-ids" in argv:
        types = weight_types(argv[0])
        original_run = llama_model.run
        llama_model.run = lambda m, ids, n, matvec=None: original_run(m, ids, n, make_matvec(types))
    if MODE in ("greedy-wrong", "encode-wrong"):
        import io
        real_stdout, sys.stdout = sys.stdout, io.StringIO()
        rc = llm_reference.main(argv)
        out = json.loads(sys.stdout.getvalue())
        sys.stdout = real_stdout
        if MODE == "greedy-wrong" and out.get("greedy"):
            out["greedy"][-1] = 3 if out["greedy"][-1] != 3 else 4
        if MODE == "encode-wrong" and "ids" in out:
            out["ids"] = out["ids"][1:]
        print(json.dumps(out))
        return rc
    return llm_reference.main(argv)


if __name__ == "__main__":
    sys.exit(main())

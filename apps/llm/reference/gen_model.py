#!/usr/bin/python3
"""Write a random-weight llama, qwen2 or gpt2 model as a llama2.c checkpoint or a GGUF v3 file.

  gen_model.py --format llama2c|gguf --dtype f32|f16|bf16|q8_0|q4_0|q5_0|q4_1|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k --dim D --hidden-dim H
      --layers L --heads NH --kv-heads NKV --vocab V --seq-len S [--unshared-classifier]
      --seed N --out MODEL [--tokenizer-out TOK.bin] [--tokenizer-kind spm|gpt2|qwen2]
      [--arch llama|qwen2|gpt2] [--rope-base B] [--rope-scaling F] [--tied-output]

llama2.c checkpoints are f32 only; their classifier is the embedding unless
--unshared-classifier. GGUF files always carry output.weight (its own random values) and the
tokenizer; F16/Q8_0 apply to every matrix, norms stay F32. Q8_0 needs D and H to be
multiples of 32 (rows are quantised along their input dimension).
The vocabulary is learnt from a fixed sample text (see bpe_tokenizer.SAMPLE_CORPUS).
--tokenizer-kind gpt2|qwen2 (GGUF only) gives the model a byte-level BPE tokenizer instead
(tokenizer.ggml.model "gpt2", tokenizer.ggml.pre gpt2 or qwen2), learnt by
bytelevel_bpe.build with the seed; qwen2 also gets a ChatML tokenizer.chat_template.
--arch (GGUF only) picks the block structure (llama_model.py): qwen2 adds Q/K/V biases,
gpt2 writes LayerNorm weights and biases, position_embd, a fused attn_qkv and biases on
every matrix, and no gate. --rope-base sets <arch>.rope.freq_base, --rope-scaling F writes
linear RoPE scaling with factor F; --tied-output leaves output.weight out (the engines then
use token_embd).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpe_tokenizer  # noqa: E402
import bytelevel_bpe  # noqa: E402
import gguf_file  # noqa: E402
import llama2c_file  # noqa: E402
import tensor_codec  # noqa: E402
from llama_model import Config, DEFAULT_RMS_EPS, DEFAULT_ROPE_THETA  # noqa: E402


def random_weights(config, seed):
    """Weights scaled so activations stay near unit size through the layers and the
    logits spread over a few units (a clear argmax for greedy tests)."""
    c = config
    rng = np.random.default_rng(seed)

    def matrix(rows, cols):
        return (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)

    def norm(n):
        return (1.0 + 0.2 * rng.standard_normal(n)).astype(np.float32)

    w = {"token_embd.weight": (0.5 * rng.standard_normal((c.vocab_size, c.dim))).astype(np.float32)}
    for i in range(c.n_layers):
        p = f"blk.{i}."
        w[p + "attn_norm.weight"] = norm(c.dim)
        w[p + "attn_q.weight"] = matrix(c.dim, c.dim)
        w[p + "attn_k.weight"] = matrix(c.kv_dim, c.dim)
        w[p + "attn_v.weight"] = matrix(c.kv_dim, c.dim)
        w[p + "attn_output.weight"] = matrix(c.dim, c.dim)
        w[p + "ffn_norm.weight"] = norm(c.dim)
        w[p + "ffn_gate.weight"] = matrix(c.hidden_dim, c.dim)
        w[p + "ffn_up.weight"] = matrix(c.hidden_dim, c.dim)
        w[p + "ffn_down.weight"] = matrix(c.dim, c.hidden_dim)
    w["output_norm.weight"] = norm(c.dim)
    w["output.weight"] = (2.0 * matrix(c.vocab_size, c.dim))
    if c.arch == "llama":
        return w
    # The other architectures' extra tensors come from a second generator, so a llama
    # model's weights stay those of earlier versions for the same seed.
    rng = np.random.default_rng([seed, 1])

    def bias(n):
        return (0.2 * rng.standard_normal(n)).astype(np.float32)

    for i in range(c.n_layers):
        p = f"blk.{i}."
        for t, n in (("attn_q", c.dim), ("attn_k", c.kv_dim), ("attn_v", c.kv_dim)):
            w[p + t + ".bias"] = bias(n)
        if c.arch == "gpt2":
            w[p + "attn_qkv.weight"] = np.concatenate(
                [w.pop(p + t + ".weight") for t in ("attn_q", "attn_k", "attn_v")])
            w[p + "attn_qkv.bias"] = np.concatenate(
                [w.pop(p + t + ".bias") for t in ("attn_q", "attn_k", "attn_v")])
            del w[p + "ffn_gate.weight"]
            for t, n in (("attn_norm", c.dim), ("ffn_norm", c.dim), ("attn_output", c.dim),
                         ("ffn_up", c.hidden_dim), ("ffn_down", c.dim)):
                w[p + t + ".bias"] = bias(n)
    if c.arch == "gpt2":
        w["output_norm.bias"] = bias(c.dim)
        w["position_embd.weight"] = (0.5 * rng.standard_normal((c.seq_len, c.dim))).astype(np.float32)
    return w


def tensor_order(n_layers, arch="llama"):
    if arch == "gpt2":
        names = ["token_embd.weight", "position_embd.weight"]
        for i in range(n_layers):
            names += [f"blk.{i}.{s}" for s in
                      ("attn_norm.weight", "attn_norm.bias", "attn_qkv.weight", "attn_qkv.bias",
                       "attn_output.weight", "attn_output.bias", "ffn_norm.weight",
                       "ffn_norm.bias", "ffn_up.weight", "ffn_up.bias", "ffn_down.weight",
                       "ffn_down.bias")]
        return names + ["output_norm.weight", "output_norm.bias", "output.weight"]
    names = ["token_embd.weight"]
    for i in range(n_layers):
        names += [f"blk.{i}.{s}.weight" for s in
                  ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                   "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")]
        if arch == "qwen2":
            names += [f"blk.{i}.{s}.bias" for s in ("attn_q", "attn_k", "attn_v")]
    return names + ["output_norm.weight", "output.weight"]


def write_gguf(path, config, weights, vocab, dtype, name=None, alignment=32, tied_output=False):
    c = config
    ggml_type = tensor_codec.TYPE_BY_NAME[dtype]
    G = gguf_file
    metadata = [
        ("general.architecture", G.string(c.arch)),
        ("general.name", G.string(name or f"caec random {c.arch}")),
    ]
    if alignment != gguf_file.DEFAULT_ALIGNMENT:
        metadata.append(("general.alignment", G.u32(alignment)))
    a = c.arch + "."
    metadata += [
        (a + "context_length", G.u32(c.seq_len)),
        (a + "embedding_length", G.u32(c.dim)),
        (a + "block_count", G.u32(c.n_layers)),
        (a + "feed_forward_length", G.u32(c.hidden_dim)),
        (a + "attention.head_count", G.u32(c.n_heads)),
        (a + "attention.head_count_kv", G.u32(c.n_kv_heads)),
        (a + "vocab_size", G.u32(c.vocab_size)),
    ]
    if c.arch == "gpt2":
        metadata.append((a + "attention.layer_norm_epsilon", G.f32(c.rms_eps)))
    else:
        metadata += [
            (a + "rope.dimension_count", G.u32(c.head_size)),
            (a + "attention.layer_norm_rms_epsilon", G.f32(c.rms_eps)),
            (a + "rope.freq_base", G.f32(c.rope_theta)),
        ]
    if c.rope_scaling:
        metadata += [(a + "rope.scaling.type", G.string("linear")),
                     (a + "rope.scaling.factor", G.f32(c.rope_scaling))]
    if isinstance(vocab, tuple):  # byte-level: (pre, tokens, merges, types)
        pre, tokens, merges, types = vocab
        eot = tokens.index("<|endoftext|>")
        metadata += [
            ("tokenizer.ggml.model", G.string("gpt2")),
            ("tokenizer.ggml.pre", G.string(pre)),
            ("tokenizer.ggml.tokens", G.array(G.STRING, tokens)),
            ("tokenizer.ggml.token_type", G.array(G.INT32, types)),
            ("tokenizer.ggml.merges", G.array(G.STRING, merges)),
            ("tokenizer.ggml.bos_token_id", G.u32(eot)),
            ("tokenizer.ggml.eos_token_id", G.u32(tokens.index("<|im_end|>") if pre == "qwen2" else eot)),
            ("tokenizer.ggml.add_bos_token", gguf_file.Value(G.BOOL, False)),
        ]
        if pre == "qwen2":
            metadata.append(("tokenizer.chat_template", G.string(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}")))
    else:
        metadata += [
            ("tokenizer.ggml.model", G.string("llama")),
            ("tokenizer.ggml.tokens", G.array(G.STRING, vocab.pieces)),
            ("tokenizer.ggml.scores", G.array(G.FLOAT32, vocab.scores)),
            ("tokenizer.ggml.token_type", G.array(G.INT32, vocab.token_types())),
            ("tokenizer.ggml.bos_token_id", G.u32(bpe_tokenizer.BOS_ID)),
            ("tokenizer.ggml.eos_token_id", G.u32(bpe_tokenizer.EOS_ID)),
            ("tokenizer.ggml.unknown_token_id", G.u32(bpe_tokenizer.UNK_ID)),
        ]
    tensors = []
    for tname in tensor_order(c.n_layers, c.arch):
        if tied_output and tname == "output.weight":
            continue
        a = weights[tname]
        t = tensor_codec.GGML_TYPE_F32 if a.ndim == 1 else ggml_type
        # Q/K rows are written in llama2.c order (no permutation), see llama_model.py.
        tensors.append((tname, list(reversed(a.shape)), t, tensor_codec.encode(a, t)))
    gguf_file.write(path, metadata, tensors, alignment)


def write_llama2c(path, tokenizer_path, config, weights, vocab, shared_classifier):
    if shared_classifier:
        weights = dict(weights, **{"output.weight": weights["token_embd.weight"]})
    llama2c_file.write_checkpoint(path, config.as_dict(), weights, shared_classifier)
    if tokenizer_path:
        llama2c_file.write_tokenizer(tokenizer_path, vocab.pieces, vocab.scores)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--format", choices=("llama2c", "gguf"), required=True)
    ap.add_argument("--dtype", choices=tuple(tensor_codec.TYPE_BY_NAME), default="f32")
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--hidden-dim", type=int, required=True)
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--kv-heads", type=int)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--seq-len", type=int, required=True)
    ap.add_argument("--unshared-classifier", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--alignment", type=int, default=32, help="GGUF data alignment (power of two)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-out")
    ap.add_argument("--tokenizer-kind", choices=("spm", "gpt2", "qwen2"), default="spm")
    ap.add_argument("--arch", choices=("llama", "qwen2", "gpt2"), default="llama")
    ap.add_argument("--rope-base", type=float, default=DEFAULT_ROPE_THETA)
    ap.add_argument("--rope-scaling", type=float, help="linear RoPE scaling factor")
    ap.add_argument("--tied-output", action="store_true", help="GGUF: no output.weight")
    a = ap.parse_args(argv)
    if a.format != "gguf" and (a.arch != "llama" or a.rope_scaling or a.tied_output
                               or a.rope_base != DEFAULT_ROPE_THETA):
        ap.error("--arch, --rope-base, --rope-scaling and --tied-output need --format gguf")
    if a.rope_scaling is not None and (a.rope_scaling <= 0 or a.arch == "gpt2"):
        ap.error("--rope-scaling needs a positive factor and an architecture with RoPE")
    if a.tokenizer_kind != "spm" and (a.format != "gguf" or a.tokenizer_out):
        ap.error("--tokenizer-kind gpt2/qwen2 needs --format gguf and no --tokenizer-out")
    if a.kv_heads is None:
        a.kv_heads = a.heads
    if a.format == "llama2c" and a.dtype != "f32":
        ap.error("llama2.c checkpoints are f32 only")
    block = tensor_codec.BLOCK_BY_TYPE[tensor_codec.TYPE_BY_NAME[a.dtype]]
    if a.dim % block or a.hidden_dim % block:
        ap.error(f"{a.dtype} needs --dim and --hidden-dim to be multiples of {block}")
    if a.alignment <= 0 or a.alignment & (a.alignment - 1):
        ap.error("--alignment must be a power of two")
    for name in ("dim", "hidden_dim", "layers", "heads", "kv_heads", "seq_len"):
        if getattr(a, name) <= 0:
            ap.error(f"--{name.replace('_', '-')} must be positive")
    return a


def main(argv=None):
    a = parse_args(argv)
    try:
        config = Config(a.dim, a.hidden_dim, a.layers, a.heads, a.kv_heads, a.vocab, a.seq_len,
                        DEFAULT_RMS_EPS, a.rope_base, a.arch, a.rope_scaling)
        if a.tokenizer_kind == "spm":
            vocab = bpe_tokenizer.build(bpe_tokenizer.SAMPLE_CORPUS, a.vocab)
        else:
            vocab = (a.tokenizer_kind,) + bytelevel_bpe.build(a.vocab, a.tokenizer_kind, a.seed)
    except ValueError as e:
        print(f"gen_model: {e}", file=sys.stderr)
        return 2
    weights = random_weights(config, a.seed)
    if a.format == "gguf":
        write_gguf(a.out, config, weights, vocab, a.dtype, alignment=a.alignment,
                   tied_output=a.tied_output)
        if a.tokenizer_out:  # not needed (GGUF carries it) but harmless for tools that want one
            llama2c_file.write_tokenizer(a.tokenizer_out, vocab.pieces, vocab.scores)
    else:
        write_llama2c(a.out, a.tokenizer_out, config, weights, vocab, not a.unshared_classifier)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Compare the C engine's test tool (llm-logits) with the numpy reference.

  compare_reference.py --llm-logits PATH --work DIR [--tiny DIR] [--case NAME ...]
                       [--tool-arg ARG ...] [--verbose]

For each case a random-weight model is generated (gen_model.py): llama2.c f32 with a shared
and with an unshared classifier, GGUF f32, f16 and q8_0, all with grouped-query attention
(kv heads < heads), llama with its RoPE base and linear scaling set, and the qwen2 and gpt2
architectures in several weight types, some with a tied output; with --tiny, also the committed tiny model (trained weights, f32 and
q8_0). Both tools run with the same arguments for several prompts, and:

* logits: max |C - reference| over every prompt position must stay within
  TOLERANCE[dtype] * max(1, max |reference logit|) for that prompt. The tolerances, and
  why (measured with llama_model.Session's matvec hook on these model shapes):
    f32  1e-4 : float32 arithmetic differs from the float64 reference by < 6e-7 of the
                logit scale; 1e-4 leaves room for other summation orders and float32
                exp/cos/sin.
    f16  5e-3 : f16 weights are expanded exactly; an engine that also rounds activations to
                f16 before the product moves logits by up to 8.4e-4 of the scale.
    q8_0 5e-2 : an engine that quantises activations to Q8_0 blocks (as llama.cpp-style
                kernels do) moves logits by up to 2.4e-2 of the scale on these models.
    q4_0, q5_0, q4_1, q5_1 5e-2 : the weights decode exactly; the error is the same activation quantisation.
    q2_k, q3_k, q4_k, q5_k, q6_k 5e-2 : the weights decode exactly; activations are quantised to Q8_K
                (256 values per scale, as llama.cpp does for these types), no coarser than Q8_0.
    bf16 1e-2 : bf16 weights are expanded exactly; an engine that rounds activations to bf16
                (ggml's BF16 dot does) has 3 mantissa bits fewer than f16's, about 8x its error.
  Wrong layouts, RoPE, GQA mapping or norms move logits by the order of the scale itself.
* greedy: the continuations must be identical. The one accepted exception is a near tie:
  if the tools first differ at a step where the reference's logit for the C engine's token
  is within the tolerance of its maximum, the engines may legitimately order the tie
  differently; the rest of the C continuation is then checked step by step by feeding the
  C engine's tokens to the reference (each chosen token must again be within tolerance of
  the reference's maximum there). Everything else is a mismatch.
* tokenizer: --encode ids identical for several texts (merges, byte fallback, non-ASCII,
  repeated spaces), --decode of those ids identical and equal to the text (round trip).
  The byte-level BPE cases (gpt2 and qwen2 pre-tokenizers) add contractions, digits,
  accents, CJK, emoji, whitespace runs and newlines, and --encode --special of chat text.

Exits 0 with a one-line summary, 1 on any mismatch (each printed), 2 on usage errors.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import llama_model  # noqa: E402

PYTHON = "/usr/bin/python3"
TOLERANCE = {"f32": 1e-4, "f16": 5e-3, "q8_0": 5e-2, "q4_0": 5e-2, "q5_0": 5e-2, "q4_1": 5e-2,
             "q5_1": 5e-2, "q4_k": 5e-2, "q5_k": 5e-2, "q6_k": 5e-2, "bf16": 1e-2, "q2_k": 5e-2,
             "q3_k": 5e-2}

# name, format, dtype, unshared classifier, seed, model shape. Shapes differ per case so
# that more head/kv-head groupings are covered; quantised types need dim and hidden_dim
# multiples of their block (32; 256 for the K-quants).
CASES = [
    ("llama2c-f32-shared", "llama2c", "f32", False, 11,
     dict(dim=48, hidden_dim=128, layers=2, heads=6, kv_heads=2, vocab=320, seq_len=48)),
    ("llama2c-f32-unshared", "llama2c", "f32", True, 12,
     dict(dim=64, hidden_dim=160, layers=3, heads=4, kv_heads=1, vocab=400, seq_len=64)),
    ("gguf-f32", "gguf", "f32", False, 13,
     dict(dim=64, hidden_dim=192, layers=2, heads=8, kv_heads=4, vocab=384, seq_len=64)),
    ("gguf-f16", "gguf", "f16", False, 14,
     dict(dim=64, hidden_dim=160, layers=2, heads=8, kv_heads=2, vocab=384, seq_len=64)),
    ("gguf-q8_0", "gguf", "q8_0", False, 15,
     dict(dim=64, hidden_dim=192, layers=2, heads=8, kv_heads=2, vocab=400, seq_len=64)),
    # Byte-level BPE tokenizers (tokenizer.ggml.model "gpt2") on a llama body.
    ("gguf-gpt2-tok", "gguf", "f32", False, 16,
     dict(dim=32, hidden_dim=64, layers=1, heads=4, kv_heads=2, vocab=420, seq_len=64,
          tokenizer="gpt2")),
    ("gguf-qwen2-tok", "gguf", "f32", False, 17,
     dict(dim=32, hidden_dim=64, layers=1, heads=4, kv_heads=2, vocab=380, seq_len=64,
          tokenizer="qwen2")),
    ("gguf-q4_0", "gguf", "q4_0", False, 18,
     dict(dim=96, hidden_dim=160, layers=2, heads=6, kv_heads=3, vocab=352, seq_len=64)),
    ("gguf-q5_0", "gguf", "q5_0", False, 19,
     dict(dim=64, hidden_dim=128, layers=2, heads=4, kv_heads=2, vocab=330, seq_len=64)),
    ("gguf-q4_1", "gguf", "q4_1", False, 20,
     dict(dim=64, hidden_dim=96, layers=2, heads=4, kv_heads=4, vocab=330, seq_len=64)),
    # Weight types added later run the logits and greedy checks only (tokenizer_check False):
    # their tokenizer is the SentencePiece one the cases above check already.
    ("gguf-q5_1", "gguf", "q5_1", False, 21,
     dict(dim=64, hidden_dim=128, layers=2, heads=8, kv_heads=2, vocab=330, seq_len=64,
          tokenizer_check=False)),
    ("gguf-bf16", "gguf", "bf16", False, 22,
     dict(dim=48, hidden_dim=128, layers=2, heads=4, kv_heads=2, vocab=330, seq_len=64,
          tokenizer_check=False)),
    # K-quants: rows of whole 256-value super-blocks.
    ("gguf-q4_k", "gguf", "q4_k", False, 23,
     dict(dim=256, hidden_dim=512, layers=2, heads=8, kv_heads=4, vocab=330, seq_len=64,
          tokenizer_check=False)),
    ("gguf-q5_k", "gguf", "q5_k", False, 24,
     dict(dim=256, hidden_dim=256, layers=2, heads=4, kv_heads=2, vocab=330, seq_len=64,
          tokenizer_check=False)),
    ("gguf-q6_k", "gguf", "q6_k", False, 25,
     dict(dim=256, hidden_dim=768, layers=2, heads=8, kv_heads=8, vocab=330, seq_len=64,
          tokenizer_check=False)),
    ("gguf-q2_k", "gguf", "q2_k", False, 26,
     dict(dim=256, hidden_dim=256, layers=1, heads=4, kv_heads=4, vocab=330, seq_len=64,
          tokenizer_check=False)),
    ("gguf-q3_k", "gguf", "q3_k", False, 27,
     dict(dim=256, hidden_dim=512, layers=1, heads=8, kv_heads=2, vocab=330, seq_len=64,
          tokenizer_check=False)),
]

# The architectures other than llama, and llama's RoPE options.
CASES += [
    # llama's RoPE frequency base and linear scaling read from the metadata.
    ("gguf-llama-rope", "gguf", "f32", False, 21,
     dict(dim=64, hidden_dim=128, layers=2, heads=4, kv_heads=2, vocab=330, seq_len=64,
          rope_base=500000.0, rope_scaling=4.0)),
    # qwen2: Q/K/V biases, half-split RoPE, its own base; tied output, byte-level tokenizer.
    ("gguf-qwen2-f32", "gguf", "f32", False, 22,
     dict(dim=64, hidden_dim=160, layers=2, heads=4, kv_heads=2, vocab=380, seq_len=64,
          arch="qwen2", rope_base=1000000.0, tied=True, tokenizer="qwen2")),
    ("gguf-qwen2-q8_0", "gguf", "q8_0", False, 23,
     dict(dim=96, hidden_dim=192, layers=2, heads=6, kv_heads=2, vocab=330, seq_len=64,
          arch="qwen2", rope_scaling=2.0)),
    ("gguf-qwen2-q4_0", "gguf", "q4_0", False, 24,
     dict(dim=64, hidden_dim=128, layers=2, heads=4, kv_heads=1, vocab=330, seq_len=64,
          arch="qwen2")),
    # gpt2: LayerNorm, GELU, learned positions, fused QKV, biases; tied and not.
    ("gguf-gpt2-f32", "gguf", "f32", False, 25,
     dict(dim=64, hidden_dim=256, layers=2, heads=4, kv_heads=4, vocab=420, seq_len=64,
          arch="gpt2", tied=True, tokenizer="gpt2")),
    ("gguf-gpt2-f16", "gguf", "f16", False, 26,
     dict(dim=48, hidden_dim=192, layers=3, heads=6, kv_heads=6, vocab=330, seq_len=48,
          arch="gpt2")),
    ("gguf-gpt2-q8_0", "gguf", "q8_0", False, 27,
     dict(dim=64, hidden_dim=128, layers=2, heads=4, kv_heads=2, vocab=330, seq_len=64,
          arch="gpt2")),
    ("gguf-gpt2-q5_0", "gguf", "q5_0", False, 28,
     dict(dim=64, hidden_dim=128, layers=2, heads=2, kv_heads=2, vocab=330, seq_len=64,
          arch="gpt2", tied=True)),
    ("gguf-gpt2-q4_1", "gguf", "q4_1", False, 29,
     dict(dim=64, hidden_dim=96, layers=2, heads=4, kv_heads=4, vocab=330, seq_len=64,
          arch="gpt2")),
]

# (prompt ids, greedy steps). Ids stay below the smallest vocabulary (320). The long
# prompt plus its continuation reaches position 45, inside every seq_len.
PROMPTS = [
    ([1], 8),
    ([1, 5, 9], 6),
    ([1, 300, 42, 7, 259, 260, 77, 2, 0, 318], 10),
    ([1] + [(17 * i + 3) % 317 for i in range(33)], 12),
]

TEXTS = [
    "Once upon a time there was a little robot.",
    "the boats were red, blue and green",
    "naïve café — ☃ snow: 雪!",
    "  two  spaces\tand a tab\nand a newline",
    "x",
]

# For the byte-level tokenizers: what their pre-tokenizers treat differently.
BPE_TEXTS = TEXTS + [
    "it's, they're, we've, I'm, you'll, he'd; IT'S THEY'RE 'tis",
    "In 2024 the 12 boats sailed 345 miles, 1234567 total",
    "crème brûlée, déjà vu, Ærøskøbing, Ελληνικά",
    "東京は雪です。日本語の文章、中文句子。",
    "😀 emoji 😀 and 🚀 rockets 🚀!👍🏽",
    "   leading spaces, trailing   ",
    "tabs\t\tand\r\nwindows\n\n\nblank lines\n  indented\n",
    "!!! ??? ... --- (brackets) [x] {y} <z> a+b=c",
]

# Encoded with --special: the special tokens must come out as single ids.
SPECIAL_TEXTS = [
    "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n",
    "text<|endoftext|>more <|im_end|>",
]


class Mismatch(Exception):
    pass


def run_json(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise Mismatch(f"{' '.join(cmd)} did not finish within 300 s")
    if p.returncode == 77:  # llm-logits: this CPU cannot run the kernels asked for
        print(p.stderr.strip())
        sys.exit(77)
    if p.returncode != 0:
        raise Mismatch(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[:500]}")
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise Mismatch(f"{' '.join(cmd)} printed invalid JSON ({e}): {p.stdout[:200]!r}")


def generate(work, name, fmt, dtype, unshared, seed, shape):
    kind = shape.get("tokenizer", "spm")
    model = os.path.join(work, name + (".gguf" if fmt == "gguf" else ".bin"))
    tok = os.path.join(work, name + "-tokenizer.bin") if fmt == "llama2c" else None
    cmd = [PYTHON, os.path.join(HERE, "gen_model.py"), "--format", fmt, "--dtype", dtype,
           "--dim", str(shape["dim"]), "--hidden-dim", str(shape["hidden_dim"]),
           "--layers", str(shape["layers"]), "--heads", str(shape["heads"]),
           "--kv-heads", str(shape["kv_heads"]), "--vocab", str(shape["vocab"]),
           "--seq-len", str(shape["seq_len"]), "--seed", str(seed),
           "--out", model]
    if unshared:
        cmd.append("--unshared-classifier")
    if kind != "spm":
        cmd += ["--tokenizer-kind", kind]
    if "arch" in shape:
        cmd += ["--arch", shape["arch"]]
    if "rope_base" in shape:
        cmd += ["--rope-base", str(shape["rope_base"])]
    if "rope_scaling" in shape:
        cmd += ["--rope-scaling", str(shape["rope_scaling"])]
    if shape.get("tied"):
        cmd.append("--tied-output")
    if tok:
        cmd += ["--tokenizer-out", tok]
    subprocess.run(cmd, check=True)
    return model, tok


def model_args(model, tok):
    return [model] + (["--tokenizer", tok] if tok else [])


def check_logits(case, dtype, prompt, ref, got):
    rl, gl = ref["logits"], got.get("logits")
    if not isinstance(gl, list) or len(gl) != len(rl):
        raise Mismatch(f"{case} prompt {prompt[:6]}...: {len(rl)} logit rows expected, "
                       f"got {len(gl) if isinstance(gl, list) else gl!r}")
    r = np.asarray(rl, dtype=np.float64)
    try:
        g = np.asarray(gl, dtype=np.float64)
    except ValueError:
        raise Mismatch(f"{case}: logit rows have uneven lengths")
    if g.shape != r.shape:
        raise Mismatch(f"{case}: logits shape {g.shape}, expected {r.shape}")
    if not np.all(np.isfinite(g)):
        raise Mismatch(f"{case}: non-finite logits from the C engine")
    scale = max(1.0, float(np.max(np.abs(r))))
    diff = np.abs(g - r)
    worst = float(np.max(diff))
    limit = TOLERANCE[dtype] * scale
    if worst > limit:
        pos, tok = np.unravel_index(int(np.argmax(diff)), diff.shape)
        raise Mismatch(f"{case} prompt {prompt[:6]}... len {len(prompt)}: max |logit diff| "
                       f"{worst:.3g} at position {pos} token {tok} (C {g[pos, tok]:.6g}, "
                       f"reference {r[pos, tok]:.6g}) exceeds {limit:.3g}")
    return worst / scale, limit


def check_greedy(case, model, prompt, ref_greedy, got_greedy, limit):
    """Identical, or first differing at a near tie and then consistent with the reference
    fed the C engine's own tokens. Returns a note for the summary ('' when identical)."""
    if not isinstance(got_greedy, list) or len(got_greedy) != len(ref_greedy):
        raise Mismatch(f"{case}: greedy {got_greedy!r}, expected {len(ref_greedy)} ids {ref_greedy}")
    if got_greedy == ref_greedy:
        return ""
    forced = prompt + got_greedy[:-1]
    if any(not isinstance(t, int) or not 0 <= t < model.config.vocab_size for t in got_greedy):
        raise Mismatch(f"{case}: greedy ids {got_greedy} outside the vocabulary")
    logits, _ = llama_model.run(model, forced, 0)
    first = next(i for i, (a, b) in enumerate(zip(ref_greedy, got_greedy)) if a != b)
    gaps = []
    for step in range(first, len(got_greedy)):
        row = logits[len(prompt) - 1 + step]
        gap = float(np.max(row) - row[got_greedy[step]])
        if gap > limit:
            raise Mismatch(f"{case} prompt {prompt[:6]}...: greedy differs at step {step}: "
                           f"C {got_greedy}, reference {ref_greedy}; the C token "
                           f"{got_greedy[step]} is {gap:.3g} below the reference maximum "
                           f"(tolerance {limit:.3g}), so this is not a near tie")
        gaps.append(gap)
    return (f"{case} prompt {prompt[:6]}... len {len(prompt)}: greedy took the other side of a "
            f"near tie at step {first} (C token {got_greedy[first]} is {gaps[0]:.3g} below the "
            f"reference maximum, tolerance {limit:.3g}); C {got_greedy}, reference {ref_greedy}")


def check_tokenizer(case, tool, ref_tool, margs, bytelevel=False):
    for text in BPE_TEXTS if bytelevel else TEXTS:
        r = run_json(ref_tool + margs + ["--encode", text, "--json"])["ids"]
        g = run_json(tool + margs + ["--encode", text, "--json"]).get("ids")
        if g != r:
            raise Mismatch(f"{case}: --encode {text!r}: C {g}, reference {r}")
        ids = ",".join(map(str, r))
        rt = run_json(ref_tool + margs + ["--decode", ids, "--json"])["text"]
        gt = run_json(tool + margs + ["--decode", ids, "--json"]).get("text")
        if rt != text:
            raise Mismatch(f"{case}: reference round trip of {text!r} gave {rt!r}")
        if gt != rt:
            raise Mismatch(f"{case}: --decode {ids}: C {gt!r}, reference {rt!r}")
    for text in SPECIAL_TEXTS if bytelevel else []:
        r = run_json(ref_tool + margs + ["--encode", text, "--special", "--json"])["ids"]
        g = run_json(tool + margs + ["--encode", text, "--special", "--json"]).get("ids")
        if g != r:
            raise Mismatch(f"{case}: --encode {text!r} --special: C {g}, reference {r}")
        ids = ",".join(map(str, r))
        rt = run_json(ref_tool + margs + ["--decode", ids, "--json"])["text"]
        gt = run_json(tool + margs + ["--decode", ids, "--json"]).get("text")
        if gt != rt:
            raise Mismatch(f"{case}: --decode {ids}: C {gt!r}, reference {rt!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm-logits", required=True, help="the C engine's llm-logits tool")
    ap.add_argument("--work", required=True, help="directory for the generated models")
    ap.add_argument("--case", action="append", help="run only these cases")
    ap.add_argument("--tiny", metavar="DIR", help="also compare on the committed tiny model "
                    "(DIR/tiny.bin + tokenizer.bin, DIR/tiny-q8_0.gguf)")
    ap.add_argument("--tool-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for every llm-logits run (e.g. --tool-arg=--threads "
                    "--tool-arg=3), to check other kernels or thread counts")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    if not os.access(a.llm_logits, os.X_OK):
        print(f"compare_reference: {a.llm_logits} is not an executable", file=sys.stderr)
        return 2
    os.makedirs(a.work, exist_ok=True)
    tool = [a.llm_logits]
    ref_tool = [PYTHON, os.path.join(HERE, "llm_reference.py")]
    cases = [c for c in CASES if not a.case or c[0] in a.case]
    skip_tokenizer = {c[0] for c in cases if not c[5].get("tokenizer_check", True)}
    failures, notes, worst = [], [], {}
    n_checks = 0
    models = []  # (name, dtype, model path, tokenizer path or None)
    for name, fmt, dtype, unshared, seed, shape in cases:
        try:
            models.append((name, dtype) + generate(a.work, name, fmt, dtype, unshared, seed, shape))
        except (subprocess.CalledProcessError, OSError) as e:
            failures.append(f"{name}: could not generate the model: {e}")
    if a.tiny:
        for name, dtype, files in (("tiny-f32", "f32", ("tiny.bin", "tokenizer.bin")),
                                   ("tiny-q8_0", "q8_0", ("tiny-q8_0.gguf", None))):
            if not a.case or name in a.case:
                paths = [os.path.join(a.tiny, f) if f else None for f in files]
                if not os.path.exists(paths[0]):
                    failures.append(f"{name}: {paths[0]} missing")
                else:
                    models.append((name, dtype, *paths))
    for name, dtype, model_path, tok in models:
        margs = model_args(model_path, tok)
        try:
            model = llama_model.load(model_path, tok)
        except (ValueError, OSError) as e:
            failures.append(f"{name}: the reference cannot load {model_path}: {e}")
            continue
        for prompt, n in PROMPTS:
            args = ["--prompt-ids", ",".join(map(str, prompt)), "--greedy", str(n), "--json"]
            try:
                ref = run_json(ref_tool + margs + args)
                got = run_json(tool + margs + args + a.tool_arg)
                rel, limit = check_logits(name, dtype, prompt, ref, got)
                worst[name] = max(worst.get(name, 0.0), rel)
                note = check_greedy(name, model, prompt, ref["greedy"], got.get("greedy"), limit)
                if note:
                    notes.append(note)
                n_checks += 1
                if a.verbose:
                    print(f"ok {name} prompt len {len(prompt)}: max diff {rel:.2e} of scale, "
                          f"greedy {got['greedy']}")
            except Mismatch as e:
                failures.append(str(e))
        if name in skip_tokenizer:
            continue
        try:
            check_tokenizer(name, tool, ref_tool, margs,
                            bytelevel=hasattr(model.vocab, "merges") or hasattr(model.vocab, "rank"))
            n_checks += 1
        except Mismatch as e:
            failures.append(str(e))
    for n in notes:
        print("note:", n)
    for f in failures:
        print("MISMATCH:", f)
    detail = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    if failures:
        print(f"compare_reference: {len(failures)} mismatch(es) in {len(models)} models")
        return 1
    print(f"compare_reference: OK, {len(models)} models, {n_checks} checks "
          f"(logits, greedy, encode/decode); max |diff| / logit scale: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

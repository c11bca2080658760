#!/usr/bin/python3
"""Build the tool model: a small llama model, trained with numpy, that answers the agent's
users either directly or by calling the agent's tools (calculator, planner, notes), and
then answers from the tool's result. Writes

  tool-q8_0.gguf   GGUF v3, Q8_0 matrices, F32 norms, a byte-level BPE tokenizer (Qwen2's
                   pre-tokenizer, ChatML control tokens) and a ChatML chat template

and checks it: the C engine tokenizes the agent's prompts as the trainer did and gives the
numpy reference's greedy tokens, and the model's calls for held-out requests parse and
satisfy the tools' schemas (rates printed per tool).

  make_tool_model.py [--out DIR] [--build DIR] [--steps N] [--minutes M] [--seed S]
                     [--held-out N] [--check]

The transcripts' tool results come from the tools' own C code through agentee_tool_cli
(built by cmake in --build, like llm-logits which the checks use).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "apps", "llm", "reference"))
sys.path.insert(0, os.path.join(ROOT, "apps", "llm", "models", "tiny"))
sys.path.insert(0, HERE)

import gen_model  # noqa: E402
import gguf_file  # noqa: E402
import llama_model  # noqa: E402
import numpy_trainer as trainer  # noqa: E402
import tensor_codec  # noqa: E402
import transcripts as tr  # noqa: E402
import vocab as vb  # noqa: E402

SHAPE = dict(dim=64, hidden_dim=192, n_layers=4, n_heads=4, n_kv_heads=2, vocab_size=1024,
             seq_len=1024)
SIZE_LIMIT = 4 * 1024 * 1024
MIX = dict(calculator=1500, planner=1800, notes=1800, chat=600)
HELD_OUT = 25  # held-out requests per tool for the call check
TOKENS_PER_STEP = 1024
# Most planner transcripts stop after the call: the plan is long and the call matters most.
PLANNER_CALL_ONLY = 0.85


def encode_example(enc, turns):
    """Token ids of the rendered transcript and the 0/1 weight of each as a target: only
    the assistant's replies (and their <|im_end|>) are learnt, the rest is read."""
    text, spans = tr.render(turns)
    ids, weight, at = [], [], 0
    for start, end in spans:
        read = enc.encode(text[at:start])
        write = enc.encode(text[start:end])
        ids += read + write
        weight += [0] * len(read) + [1] * len(write)
        at = end
    tail = enc.encode(text[at:])
    ids += tail
    weight += [0] * len(tail)
    return ids, weight, text


def batches(data, rng):
    """Endless batches of transcripts of similar length, about TOKENS_PER_STEP tokens."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
    while True:
        a = int(rng.integers(len(order)))
        L = len(data[order[a]][0])
        B = max(1, TOKENS_PER_STEP // L)
        pick = [order[min(len(order) - 1, a + j)] for j in range(B)]
        T = max(len(data[i][0]) for i in pick) - 1
        X = np.zeros((len(pick), T), np.int64)
        Y = np.zeros((len(pick), T), np.int64)
        W = np.zeros((len(pick), T), np.float32)
        for r, i in enumerate(pick):
            ids, wt = data[i][0], data[i][1]
            n = len(ids) - 1
            X[r, :n], Y[r, :n], W[r, :n] = ids[:-1], ids[1:], wt[1:]
        yield X, Y, W


def train(shape, data, steps, minutes, seed, log):
    rng = np.random.default_rng(seed)
    s = trainer.Shape(**shape)
    w = trainer.init_weights(s, rng)
    opt = trainer.Adam(w, lr=0, weight_decay=0.0)
    peak, floor, warmup = 6e-3, 3e-4, 40
    t0 = time.time()
    avg, step = None, 0
    for X, Y, W in batches(data, rng):
        if step == steps:
            break
        if time.time() - t0 > 60.0 * minutes:
            # A slow or busy machine: keep what was learnt rather than run on for hours.
            log(f"warning: the {minutes:g}-minute limit stopped training at step {step} of {steps}")
            break
        frac = step / max(1, steps - 1)
        lr = peak * min(1.0, (step + 1) / warmup)
        lr = floor + (lr - floor) * 0.5 * (1 + np.cos(np.pi * frac)) if step >= warmup else lr
        loss, g = trainer.loss_and_grads(w, s, X, Y, W)
        # Clip the global gradient norm at 1 to keep early steps stable.
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
        if norm > 1.0:
            g = {k: v / norm for k, v in g.items()}
        opt.step(w, g, lr)
        avg = loss if avg is None else 0.98 * avg + 0.02 * loss
        if step % 50 == 0:
            log(f"step {step:5d}  loss {loss:.3f}  (smoothed {avg:.3f})  lr {lr:.1e}  "
                f"{time.time() - t0:.0f}s")
        step += 1
    log(f"trained {step} steps in {time.time() - t0:.0f}s, final smoothed loss {avg:.3f}")
    return w, avg, step


def held_out(cli, seen, seed, n):
    """n requests per tool whose user text is not in the training set."""
    rng = np.random.default_rng(seed)
    got = collections.defaultdict(list)
    while any(len(got[k]) < n for k in ("calculator", "planner", "notes")):
        for ex in tr.generate(cli, rng, 20, 20, 20, 0):
            if ex.user not in seen and len(got[ex.kind]) < n:
                got[ex.kind].append(ex)
                seen.add(ex.user)
    return got


def run_engine(logits_bin, model, *args):
    r = subprocess.run([logits_bin, model, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"llm-logits {' '.join(args[:1])}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--steps", type=int, default=1800)
    ap.add_argument("--minutes", type=float, default=40.0,
                    help="wall-clock limit on training (default 40; one free core needs ~12)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--held-out", type=int, default=HELD_OUT,
                    help=f"held-out requests per tool for the call check (default {HELD_OUT})")
    ap.add_argument("--check", action="store_true",
                    help="only check the model already in --out (no training)")
    a = ap.parse_args(argv)

    def log(msg):
        print(msg, flush=True)

    cli = os.path.join(a.build, "apps", "agentee", "agentee_tool_cli")
    logits_bin = os.path.join(a.build, "apps", "llm", "llm-logits")
    for p in (cli, logits_bin):
        if not os.access(p, os.X_OK):
            log(f"error: {p} is missing (build the targets agentee_tool_cli and llm-logits)")
            return 2

    rng = np.random.default_rng(a.seed)
    examples = tr.generate(cli, rng, MIX["calculator"], MIX["planner"], MIX["notes"], MIX["chat"])
    path = os.path.join(a.out, "tool-q8_0.gguf")
    if a.check:
        g = gguf_file.GGUFFile.open(path)
        enc = vb.Encoder(g.get("tokenizer.ggml.tokens"), g.get("tokenizer.ggml.merges"),
                         g.get("tokenizer.ggml.token_type"))
        return check(a, path, enc, examples, log)
    texts = [tr.render(ex.turns())[0] for ex in examples]
    tokens, merges, types = vb.build(texts, SHAPE["vocab_size"])
    enc = vb.Encoder(tokens, merges, types)
    data = []
    for ex in examples:
        turns = ex.turns()
        if ex.kind == "planner" and rng.random() < PLANNER_CALL_ONLY:
            turns = turns[:2]
        ids, weight, text = encode_example(enc, turns)
        if len(ids) > SHAPE["seq_len"]:
            log(f"error: a {ex.kind} transcript has {len(ids)} tokens, over the context")
            return 1
        data.append((ids, weight))
    for ex, (ids, _) in zip(examples[::97], data[::97]):
        full = tr.render(ex.turns())[0]
        if enc.v.encode(full, special=True, bos=False)[:len(ids)] != ids:
            log("error: the turn-by-turn encoding differs from the whole text's")
            return 1
    n_tok = sum(len(d[0]) for d in data)
    n_tgt = sum(sum(d[1]) for d in data)
    lens = {k: int(np.mean([len(d[0]) for ex, d in zip(examples, data) if ex.kind == k]))
            for k in MIX}
    log(f"transcripts: {len(data)} ({', '.join(f'{k} {v}' for k, v in MIX.items())}), "
        f"{n_tok} tokens, {n_tgt} of them targets; mean tokens {lens}; "
        f"system prompt {len(enc.encode(tr.render_system()))} tokens")

    w, final_loss, steps = train(SHAPE, data, a.steps, a.minutes, a.seed, log)

    config = llama_model.Config(**SHAPE)
    os.makedirs(a.out, exist_ok=True)
    gguf_w = dict(w, **{"output.weight": w["token_embd.weight"]})
    gen_model.write_gguf(path, config, gguf_w, ("qwen2", tokens, merges, types), "q8_0",
                         name="caec tool model")
    size = os.path.getsize(path)
    log(f"wrote {path}: {size} bytes")
    if size >= SIZE_LIMIT:
        log(f"error: {size} bytes is over the 4 MiB limit")
        return 1
    return check(a, path, enc, examples, log)


def q8_matvec(name, W, x):
    """W @ x with x rounded to Q8_0 blocks first, as the engine's Q8_0 kernels do."""
    raw = tensor_codec.encode(np.asarray(x, np.float32), tensor_codec.GGML_TYPE_Q8_0)
    return W @ tensor_codec.decode(raw, tensor_codec.GGML_TYPE_Q8_0, x.size).astype(np.float64)


def engine_greedy(logits_bin, path, ids, n):
    return run_engine(logits_bin, path, "--prompt-ids", ",".join(map(str, ids)), "--greedy", str(n),
                      "--json")["greedy"]


def same_greedy(model, ids, eng, tolerance=5e-2):
    """'equal', 'near tie' (the first difference is a step where the reference's logit for
    the engine's token is within tolerance of its maximum, and so is every later engine
    token: compare_reference.py's rule) or 'differ'."""
    sess = llama_model.Session(model, q8_matvec)
    logits = [sess.step(t) for t in ids][-1]
    tie = False
    for t in eng:
        top = float(np.max(logits))
        if int(np.argmax(logits)) != t:
            if top - float(logits[t]) > tolerance * max(1.0, float(np.max(np.abs(logits)))):
                return "differ"
            tie = True
        logits = sess.step(t)
    return "near tie" if tie else "equal"


def reply_of(enc, ids, stop):
    if stop in ids:
        ids = ids[:ids.index(stop)]
    return enc.decode(ids).strip()


def check(a, path, enc, examples, log):
    logits_bin = os.path.join(a.build, "apps", "llm", "llm-logits")
    cli = os.path.join(a.build, "apps", "agentee", "agentee_tool_cli")
    model = llama_model.load(path)
    stop = enc.special["<|im_end|>"]
    ok = True

    # 1. The engine encodes the agent's prompts as the trainer does (control tokens whole).
    seen = {ex.user for ex in examples}
    tests = held_out(cli, seen, a.seed + 1, a.held_out)
    prompts = [tr.prompt_for(tests[k][0].user) for k in ("calculator", "planner", "notes")]
    prompts.append(tr.render(examples[0].turns())[0])
    for p in prompts:
        mine = enc.encode(p)
        theirs = run_engine(logits_bin, path, "--encode", p, "--special")["ids"]
        if mine != theirs:
            log(f"error: the engine encodes a prompt differently: {theirs[:20]} vs {mine[:20]}")
            ok = False
    log(f"tokenization: the engine's ids equal the trainer's for {len(prompts)} prompts"
        if ok else "tokenization: MISMATCH")

    # 2. The engine's greedy tokens equal the numpy reference's (same Q8_0 weights, the
    # activations rounded to Q8_0 blocks as the engine's kernels round them).
    for p in prompts[:3] + [tr.prompt_for("Hello")]:
        ids = enc.encode(p)
        eng = engine_greedy(logits_bin, path, ids, 24)
        verdict = same_greedy(model, ids, eng)
        log(f"greedy, engine vs reference: {verdict}: {reply_of(enc, eng, stop)!r}")
        ok = ok and verdict != "differ"

    # 3. The engine's calls for held-out requests: parseable, schema-valid, the right tool,
    # and how many are exactly the expected call.
    for kind in ("calculator", "planner", "notes"):
        valid = exact = 0
        bad = []
        for ex in tests[kind]:
            out = engine_greedy(logits_bin, path, enc.encode(tr.prompt_for(ex.user)), 80)
            reply = reply_of(enc, out, stop)
            got = tr.check_call(reply)
            if got is not None and got[0] == kind:
                valid += 1
                exact += got == (kind, json.loads(ex.call)["arguments"])
            elif len(bad) < 2:
                bad.append((ex.user, reply))
        log(f"held-out {kind}: {valid}/{len(tests[kind])} valid {kind} calls, "
            f"{exact} exactly the expected call")
        for u, r in bad:
            log(f"    e.g. {u!r} -> {r!r}")
    # 4. Final answers from the tool's result, and chat turns, on held-out examples.
    for ex in (tests["calculator"][1], tests["planner"][1], tests["notes"][1]):
        text = tr.render(ex.turns()[:3])[0] + "<|im_start|>assistant\n"
        ids = enc.encode(text)
        out = engine_greedy(logits_bin, path, ids, min(160, SHAPE["seq_len"] - len(ids)))
        log(f"answer to {ex.user!r}: {reply_of(enc, out, stop)!r}  (expected {ex.answer!r})")
    for user in ("Hello", "Thanks!", "What can you do?"):
        out = engine_greedy(logits_bin, path, enc.encode(tr.prompt_for(user)), 40)
        log(f"chat {user!r}: {reply_of(enc, out, stop)!r}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Build the tiny demo model: generate a corpus of short stories, learn a BPE vocabulary,
train a small llama model on it with numpy, and write

  tiny.bin + tokenizer.bin   llama2.c checkpoint (f32, shared classifier) and tokenizer
  tiny-q8_0.gguf             the same weights as GGUF v3, Q8_0 matrices, tokenizer inside

No download: the corpus comes from the grammar below, seeded, so the result depends only on
this script (and, in the last bits of the weights, on the machine's floating point).

  make_tiny.py [--out DIR] [--steps N] [--seed S]
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
sys.path.insert(0, HERE)

import bpe_tokenizer  # noqa: E402
import gen_model  # noqa: E402
import llama_model  # noqa: E402
import numpy_trainer as trainer  # noqa: E402

SHAPE = dict(dim=64, hidden_dim=192, n_layers=4, n_heads=4, n_kv_heads=2, vocab_size=512,
             seq_len=128)
SIZE_LIMIT = 2 * 1024 * 1024

PEOPLE = {"Tom": "he", "Lily": "she", "Max": "he", "Anna": "she", "Ben": "he", "Mia": "she",
          "Sam": "he", "Lucy": "she"}
ANIMALS = ["cat", "dog", "bird", "frog", "rabbit", "duck", "fox", "bear"]
THINGS = ["ball", "kite", "boat", "book", "hat", "box", "drum", "cup", "shell", "stone"]
COLOURS = ["red", "blue", "green", "yellow", "little", "big", "shiny", "soft"]
PLACES = ["park", "garden", "forest", "beach", "farm", "river", "hill", "town"]
FEELINGS = ["happy", "sad", "scared", "tired", "proud", "excited"]
FOODS = ["cake", "soup", "apples", "bread", "cookies"]


def story(rng):
    """One short story from a small grammar: repetitive enough for a tiny model to learn,
    varied enough that it has to attend to names and objects mentioned earlier."""
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    name = pick(list(PEOPLE))
    friend = pick([n for n in PEOPLE if n != name])
    he = PEOPLE[name]
    animal, thing, place = pick(ANIMALS), pick(THINGS), pick(PLACES)
    colour, feeling = pick(COLOURS), pick(FEELINGS)
    s = [pick([f"Once upon a time, there was a {colour} {animal} named {name}.",
               f"Once upon a time, {name} lived near the {place}.",
               f"One day, {name} went to the {place}."])]
    s.append(pick([f"{he.capitalize()} had a {colour} {thing}.",
                   f"{he.capitalize()} wanted to find a {thing}.",
                   f"{name} saw a {colour} {thing} in the {place}."]))
    for _ in range(rng.integers(1, 4)):
        s.append(pick([f"{name} and {friend} played with the {thing}.",
                       f"The {animal} said, \"Can I play too?\"",
                       f"{name} was very {feeling}.",
                       f"{friend} said, \"Look at the {colour} {thing}!\"",
                       f"They ran to the {place} together.",
                       f"{he.capitalize()} gave the {thing} to {friend}.",
                       f"The sun was warm and the sky was blue."]))
    s.append(pick([f"At the end of the day, they went home and ate {pick(FOODS)}.",
                   f"{name} was {feeling} and went to sleep.",
                   f"{name} and {friend} were friends forever.",
                   "The end."]))
    return " ".join(s)


class WordCache:
    """Encodes stories word by word: no piece of the learnt vocabulary spans a space that is
    not its first character, so merges never cross words and this equals Vocabulary.encode
    (checked on a sample in main)."""

    def __init__(self, vocab):
        self.vocab = vocab
        self.cache = {}

    def encode(self, text):
        ids = [bpe_tokenizer.BOS_ID]
        for word in text.split(" "):
            if word not in self.cache:
                self.cache[word] = self.vocab.encode(word)[1:]
            ids += self.cache[word]
        return ids


def train(shape, stream, steps, seed, log):
    rng = np.random.default_rng(seed)
    s = trainer.Shape(**shape)
    w = trainer.init_weights(s, rng)
    opt = trainer.Adam(w, lr=0, weight_decay=0.0)
    B, T = 8, shape["seq_len"]
    peak, floor, warmup = 6e-3, 3e-4, 60
    t0 = time.time()
    avg = None
    for step in range(steps):
        starts = rng.integers(0, len(stream) - T - 1, size=B)
        X = np.stack([stream[i:i + T] for i in starts])
        Y = np.stack([stream[i + 1:i + T + 1] for i in starts])
        loss, g = trainer.loss_and_grads(w, s, X, Y)
        frac = step / max(1, steps - 1)
        lr = peak * min(1.0, (step + 1) / warmup)
        lr = floor + (lr - floor) * 0.5 * (1 + np.cos(np.pi * frac)) if step >= warmup else lr
        # Clip the global gradient norm at 1 to keep early steps stable.
        norm = np.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
        if norm > 1.0:
            g = {k: v / norm for k, v in g.items()}
        opt.step(w, g, lr)
        avg = loss if avg is None else 0.98 * avg + 0.02 * loss
        if step % 100 == 0 or step == steps - 1:
            log(f"step {step:5d}  loss {loss:.3f}  (smoothed {avg:.3f})  lr {lr:.1e}  "
                f"{time.time() - t0:.0f}s")
    return w, avg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--stories", type=int, default=6000)
    a = ap.parse_args(argv)

    def log(msg):
        print(msg, flush=True)

    rng = np.random.default_rng(a.seed)
    stories = [story(rng) for _ in range(a.stories)]
    corpus = " ".join(stories)
    vocab = bpe_tokenizer.build(corpus, SHAPE["vocab_size"])
    words = WordCache(vocab)
    for st in stories[:50]:
        assert words.encode(st) == vocab.encode(st), "word-wise encoding differs"
    stream = np.array([t for st in stories for t in words.encode(st)], dtype=np.int64)
    log(f"corpus: {len(stories)} stories, {len(corpus)} characters, {len(stream)} tokens, "
        f"vocabulary {len(vocab)} pieces")

    w, final_loss = train(SHAPE, stream, a.steps, a.seed, log)

    config = llama_model.Config(**SHAPE)
    os.makedirs(a.out, exist_ok=True)
    paths = {k: os.path.join(a.out, f) for k, f in
             (("bin", "tiny.bin"), ("tok", "tokenizer.bin"), ("gguf", "tiny-q8_0.gguf"))}
    gen_model.write_llama2c(paths["bin"], paths["tok"], config, w, vocab, shared_classifier=True)
    gguf_w = dict(w, **{"output.weight": w["token_embd.weight"]})
    gen_model.write_gguf(paths["gguf"], config, gguf_w, vocab, "q8_0", name="caec tiny stories")
    total = sum(os.path.getsize(p) for p in paths.values())
    log(f"wrote {', '.join(f'{os.path.basename(p)} {os.path.getsize(p)} B' for p in paths.values())}"
        f"; total {total} B")
    if total >= SIZE_LIMIT:
        log(f"error: {total} bytes is over the 2 MiB limit")
        return 1

    # The trainer and the reference must compute the same model.
    model = llama_model.load(paths["bin"], paths["tok"])
    sample = stream[:40]
    ref, _ = llama_model.run(model, list(map(int, sample)), 0)
    diff = float(np.max(np.abs(np.array(ref) - trainer.logits_of(w, trainer.Shape(**SHAPE), sample[None])[0])))
    log(f"trainer vs reference forward pass: max |logit diff| {diff:.2e}")
    if diff > 1e-6:
        log("error: the trainer and the reference disagree")
        return 1
    for text in ("Once upon a time", "Lily went to the"):
        ids = model.vocab.encode(text)
        _, cont = llama_model.run(model, ids, 40)
        log(f"greedy from {text!r}: {model.vocab.decode(ids + cont)!r}")
    log(f"final smoothed training loss {final_loss:.3f} nats/token")
    return 0


if __name__ == "__main__":
    sys.exit(main())

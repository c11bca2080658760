#!/usr/bin/python3
"""Differential check of the C pre-tokenizers (llm-pretok) against bytelevel_bpe's regexes.

  compare_pretok.py --llm-pretok PATH [--texts N] [--seed S]

Random texts are drawn from characters on which the regexes' alternatives disagree
(contraction letters in both cases, apostrophes, digits and other numbers, whitespace of
every kind including newlines, NBSP, U+2028 and U+3000, punctuation, combining marks, CJK,
emoji with modifiers, invalid-for-nothing but rare categories), split by both engines,
and the word boundaries compared. Exits 0 with a summary, 1 listing the first mismatches.
"""

import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bytelevel_bpe  # noqa: E402

ALPHABET = list("aAsStTrReEvVmMlLdDxZ'' \t\n\r\n  0123456789.,!?-_\"(") + [
    "\u00e9", "e\u0301", "\u6771", "\u4eac", "\U0001F600", "\U0001F44D\U0001F3FD", "\u00a0",
    "\u2028", "\u3000", "\u216b", "\u00b2", "\u00bd", "\u00df", "\u01c5", "\u0085", "\x0b",
    "\x1c", "\u0663", "\u200b", "\u30fc", "\u0416", "\u05d0", "\u0e01"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm-pretok", required=True)
    ap.add_argument("--texts", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))
             for _ in range(a.texts)]
    failures = []
    for pre in ("gpt2", "qwen2"):
        data = b"\0".join(t.encode("utf-8") for t in texts)
        p = subprocess.run([a.llm_pretok, pre], input=data, capture_output=True, timeout=120)
        if p.returncode != 0:
            print(f"compare_pretok: llm-pretok {pre} exited {p.returncode}: {p.stderr[:300]!r}")
            return 1
        lines = p.stdout.decode().split("\n")
        for t, line in zip(texts, lines):
            ends, pos = [], 0
            for w in bytelevel_bpe.pre_tokenize(pre, t):
                pos += len(w.encode("utf-8"))
                ends.append(pos)
            got = [int(x) for x in line.split()]
            if got != ends:
                failures.append(f"{pre} {t!r}: reference ends {ends}, C {got}")
    for f in failures[:10]:
        print("MISMATCH:", f)
    if failures:
        print(f"compare_pretok: {len(failures)} mismatch(es) in {2 * len(texts)} splits")
        return 1
    print(f"compare_pretok: OK, {len(texts)} random texts split alike by gpt2 and qwen2")
    return 0


if __name__ == "__main__":
    sys.exit(main())

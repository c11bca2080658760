#!/usr/bin/python3
"""The numpy reference for the C engine: logits, greedy continuations and the tokenizer.

  llm_reference.py MODEL [--tokenizer TOK.bin] --prompt-ids 1,5,9 [--greedy N] --json
      -> {"logits": [[vocab floats] per prompt position], "greedy": [N ids]}
  llm_reference.py MODEL [--tokenizer TOK.bin] --encode TEXT [--special] --json -> {"ids": [...]}
  llm_reference.py MODEL [--tokenizer TOK.bin] --decode 1,2,3 --json -> {"text": "..."}

logits[i] is the output after feeding prompt token i at position i; greedy continues from
the last prompt position (argmax, lowest id on ties). MODEL is a llama2.c checkpoint
(tokenizer from --tokenizer) or a GGUF file (tokenizer inside). Output is JSON either way;
--json is accepted so both tools share one command line.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import llama_model  # noqa: E402


def parse_ids(text):
    try:
        return [int(t) for t in text.split(",") if t.strip() != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of token ids: {text!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokenizer")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--prompt-ids", type=parse_ids)
    what.add_argument("--encode", metavar="TEXT")
    what.add_argument("--decode", type=parse_ids, metavar="IDS")
    ap.add_argument("--special", action="store_true",
                    help="with --encode: match special tokens written in the text")
    ap.add_argument("--greedy", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        model = llama_model.load(a.model, a.tokenizer)
        if a.prompt_ids is not None:
            if a.greedy < 0:
                raise ValueError("--greedy must be >= 0")
            logits, greedy = llama_model.run(model, a.prompt_ids, a.greedy)
            out = {"logits": [[float(v) for v in np.float32(row)] for row in logits],
                   "greedy": greedy}
        else:
            if model.vocab is None:
                raise ValueError("this model has no tokenizer: pass --tokenizer")
            if a.encode is not None:
                if a.special:
                    if not hasattr(model.vocab, "special"):
                        raise ValueError("--special needs a byte-level (gpt2) tokenizer")
                    out = {"ids": model.vocab.encode(a.encode, special=True)}
                else:
                    out = {"ids": model.vocab.encode(a.encode)}
            else:
                out = {"text": model.vocab.decode(a.decode)}
    except (OSError, ValueError) as e:
        print(f"llm_reference: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The tool model's vocabulary: GPT-2-style byte-level BPE with Qwen2's pre-tokenizer (as
GGUF tokenizer.ggml.model "gpt2", tokenizer.ggml.pre "qwen2"), whose ChatML markers
<|im_start|> and <|im_end|> are single control tokens. The engine already reads this kind
with its control tokens (apps/llm/src/tokenizer_bpe.c) and matches them in a prompt under
LLM_ENCODE_SPECIAL, as the llm realm encodes the agent's conversation.

Merges are learnt here from the transcripts with word counts (bytelevel_bpe.build learns
from a short sample text one occurrence at a time, too slow for a corpus); encoding is
bytelevel_bpe.ByteLevelVocabulary's, with a cache per pre-tokenized word.
"""

import collections

import bytelevel_bpe as bl

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _split_special(text):
    """Text pieces between the special markers (the markers dropped)."""
    parts = [text]
    for s in SPECIALS:
        parts = [q for p in parts for q in p.split(s)]
    return [p for p in parts if p]


def build(texts, vocab_size):
    """(tokens, merges, types) of exactly vocab_size pieces: the 256 bytes in order, merges
    of the most frequent adjacent pair (ties by the pair's bytes) counted over the distinct
    pre-tokenized words, and the three control tokens last."""
    n_merges = vocab_size - 256 - len(SPECIALS)
    counts = collections.Counter()
    for t in texts:
        for part in _split_special(t):
            counts.update(bl.pre_tokenize("qwen2", part))
    words = [[bytes([b]) for b in w.encode("utf-8")] for w in counts]
    freq = list(counts.values())
    pieces = [bytes([b]) for b in range(256)]
    known = set(pieces)
    merges = []
    while len(merges) < n_merges:
        pair = collections.Counter()
        for w, n in zip(words, freq):
            for a, b in zip(w, w[1:]):
                pair[(a, b)] += n
        cands = [(-n, ab) for ab, n in pair.items() if ab[0] + ab[1] not in known]
        if not cands:
            raise ValueError(f"the corpus gives only {len(merges)} merges, {n_merges} wanted")
        _, (a, b) = min(cands)
        merges.append((a, b))
        pieces.append(a + b)
        known.add(a + b)
        for w in words:
            i = 0
            while i < len(w) - 1:
                if w[i] == a and w[i + 1] == b:
                    w[i:i + 2] = [a + b]
                i += 1
    tokens = [bl.to_alphabet(p) for p in pieces] + SPECIALS
    types = [bl.TOKEN_NORMAL] * len(pieces) + [bl.TOKEN_CONTROL] * len(SPECIALS)
    return tokens, [bl.to_alphabet(a) + " " + bl.to_alphabet(b) for a, b in merges], types


class Encoder:
    """ByteLevelVocabulary's special-aware encoding, with pre-tokenized words cached."""

    def __init__(self, tokens, merges, types):
        self.v = bl.ByteLevelVocabulary(tokens, merges, types, bos_id=None,
                                        eos_id=tokens.index("<|im_end|>"), add_bos=False,
                                        pre="qwen2")
        self.special = {s: tokens.index(s) for s in SPECIALS}
        self.cache = {}

    def _plain(self, text):
        ids = []
        for w in bl.pre_tokenize("qwen2", text):
            if w not in self.cache:
                self.cache[w] = self.v._word(w.encode("utf-8"))
            ids += self.cache[w]
        return ids

    def encode(self, text):
        ids, seg, i = [], 0, 0
        while True:
            hits = [(text.find(s, i), s) for s in SPECIALS if text.find(s, i) >= 0]
            if not hits:
                break
            at, s = min(hits)
            ids += self._plain(text[seg:at])
            ids.append(self.special[s])
            i = seg = at + len(s)
        return ids + self._plain(text[seg:])

    def decode(self, ids):
        return self.v.decode(ids)

"""GPT-2-style byte-level BPE, as GGUF files with tokenizer.ggml.model "gpt2" describe it.

Format facts this follows:
  tokenizer.ggml.tokens  pieces spelled in GPT-2's byte-to-unicode alphabet: the printable
                         bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for themselves, the
                         other 68 bytes (in increasing order) for U+0100, U+0101, ...
  tokenizer.ggml.merges  "left right" strings in that alphabet; a merge's rank is its index
  tokenizer.ggml.token_type  1 normal, 3 control, 4 user-defined, ... (per id)
  tokenizer.ggml.pre     the pre-tokenizer: "gpt2" (or "gpt-2") or "qwen2" here (absent: "gpt2")
  tokenizer.ggml.bos_token_id / eos_token_id / add_bos_token

Encoding: (optionally) cut out control and user-defined pieces written in the text, longest
first; split the rest into words with the pre-tokenizer's regex; a word's UTF-8 bytes become
one-byte pieces; the adjacent pair with the lowest merge rank is merged (leftmost on ties)
until no pair has a rank; pieces become ids. BOS goes first only if add_bos_token is true.
Decoding: control tokens give nothing; other pieces map back through the alphabet (a piece
with a character outside it, such as an added "<|im_start|>"-like token with a raw space,
gives its own UTF-8 text).

The regexes are run with Python's re; \\p{L} and \\p{N} (which re lacks) are spelled as
explicit character classes built from unicodedata's general categories.
"""

import random
import re
import sys
import unicodedata

TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED = 1, 3, 4


def byte_alphabet():
    """byte -> its character in GPT-2's alphabet."""
    kept = [b for b in range(256) if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    table, extra = {}, 0
    for b in range(256):
        if b in kept:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_TO_CHAR = byte_alphabet()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def to_alphabet(data):
    return "".join(BYTE_TO_CHAR[b] for b in data)


def from_alphabet(piece):
    """Bytes a piece stands for; its raw UTF-8 when it is not in the alphabet."""
    if all(c in CHAR_TO_BYTE for c in piece):
        return bytes(CHAR_TO_BYTE[c] for c in piece)
    return piece.encode("utf-8")


def _class_of(prefixes):
    ranges, start = [], None
    for cp in range(sys.maxunicode + 1):
        inside = unicodedata.category(chr(cp))[0] in prefixes
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, sys.maxunicode))

    def esc(cp):
        return "\\U%08x" % cp
    return "".join(esc(a) if a == b else esc(a) + "-" + esc(b) for a, b in ranges)


_L = _class_of("L")
_N = _class_of("N")

PRE_TOKENIZERS = {
    "gpt2": (r"'s|'t|'re|'ve|'m|'ll|'d| ?[L]+| ?[N]+| ?[^\sLN]+|\s+(?!\S)|\s+"),
    # Qwen2 writes the contractions as (?i:'s|'t|'re|'ve|'m|'ll|'d). Python's re folds case
    # by Unicode rules there ("'\u017f" would match as "'s"); llama.cpp folds ASCII only, and
    # so does this engine: the classes are spelled out.
    "qwen2": (r"'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\nLN]?[L]+|[N]"
              r"| ?[^\sLN]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
}


def _compile(pattern):
    # Spell the classes in: "[L]" -> "[<letters>]", "LN" inside a negated class likewise.
    p = pattern.replace("[L]", "[" + _L + "]").replace("[N]", "[" + _N + "]")
    p = p.replace("LN]", _L + _N + "]")
    return re.compile(p)


_COMPILED = {}


ALIASES = {"gpt-2": "gpt2"}  # llama.cpp's converter writes "gpt-2" for GPT-2 itself


def pre_tokenize(name, text):
    name = ALIASES.get(name, name)
    if name not in PRE_TOKENIZERS:
        raise ValueError(f"tokenizer.ggml.pre {name!r} is not supported")
    if name not in _COMPILED:
        _COMPILED[name] = _compile(PRE_TOKENIZERS[name])
    return _COMPILED[name].findall(text)


class ByteLevelVocabulary:
    def __init__(self, tokens, merges, token_types=None, bos_id=None, eos_id=None,
                 add_bos=False, pre="gpt2"):
        pre = ALIASES.get(pre, pre)
        if pre not in PRE_TOKENIZERS:
            raise ValueError(f"tokenizer.ggml.pre {pre!r} is not supported")
        self.pieces = list(tokens)
        self.types = list(token_types) if token_types is not None else [TOKEN_NORMAL] * len(tokens)
        if len(self.types) != len(self.pieces):
            raise ValueError("token_type and tokens differ in length")
        self.bos_id, self.eos_id, self.add_bos, self.pre = bos_id, eos_id, add_bos, pre
        self.bytes_of = [from_alphabet(p) for p in self.pieces]
        self.id_of = {}
        for i, b in enumerate(self.bytes_of):
            self.id_of.setdefault(b, i)
        self.rank = {}
        for r, m in enumerate(merges):
            parts = m.split(" ", 1) if not m.startswith(" ") else None
            if not parts or len(parts) != 2 or not parts[1]:
                raise ValueError(f"merge {r} {m!r} is not two pieces")
            a, b = (from_alphabet(x) for x in parts)
            if a not in self.id_of or b not in self.id_of or a + b not in self.id_of:
                raise ValueError(f"merge {r} {m!r} names or makes a piece outside the vocabulary")
            self.rank.setdefault((a, b), r)
        control = {i for i, t in enumerate(self.types) if t == TOKEN_CONTROL}
        control |= {i for i in (bos_id, eos_id) if i is not None}
        self.control = control
        special = control | {i for i, t in enumerate(self.types) if t == TOKEN_USER_DEFINED}
        self.special = sorted((i for i in special if self.bytes_of[i]),
                              key=lambda i: (-len(self.bytes_of[i]), i))

    def __len__(self):
        return len(self.pieces)

    def _word(self, data):
        syms = [bytes([b]) for b in data]
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                r = self.rank.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            syms[at:at + 2] = [syms[at] + syms[at + 1]]
        return [self.id_of[s] for s in syms]

    def _plain(self, text):
        ids = []
        for w in pre_tokenize(self.pre, text):
            ids += self._word(w.encode("utf-8"))
        return ids

    def encode(self, text, special=False, bos=True):
        ids = [self.bos_id] if bos and self.add_bos else []
        data = text.encode("utf-8")
        if not special:
            return ids + self._plain(text)
        seg = i = 0
        while i < len(data):
            hit = next((s for s in self.special if data.startswith(self.bytes_of[s], i)), None)
            if hit is None:
                i += 1
                continue
            ids += self._plain(data[seg:i].decode("utf-8"))
            ids.append(hit)
            i += len(self.bytes_of[hit])
            seg = i
        return ids + self._plain(data[seg:].decode("utf-8"))

    def decode_bytes(self, ids):
        out = bytearray()
        for t in ids:
            if not 0 <= t < len(self.pieces):
                raise ValueError(f"token id {t} outside the vocabulary of {len(self.pieces)}")
            if t not in self.control:
                out += self.bytes_of[t]
        return bytes(out)

    def decode(self, ids):
        return self.decode_bytes(ids).decode("utf-8", errors="replace")


SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# Text to learn merges from: ASCII, contractions, digits, accents, CJK and emoji, so merges
# join bytes inside multi-byte characters as well as across them.
SAMPLE_CORPUS = (
    "once upon a time there was a little robot who lived in a quiet town by the sea. "
    "it's the robot's boat; they're sure we've seen it, I'm told you'll like it, he'd say. "
    "In 2024 the 12 boats sailed 345 miles.\n\nThe café served crème brûlée — naïve déjà vu. "
    "東京は雪です。雪が降る。日本語の文章。 Привет мир, привет! "
    "😀 emoji 😀 and 🚀 rockets 🚀!\n  indented  lines\n\tand tabs\n"
)


def build(vocab_size, pre="gpt2", seed=0, corpus=SAMPLE_CORPUS):
    """A vocabulary of exactly vocab_size pieces: the 256 bytes (in a seeded random order),
    merges learnt from the corpus (most frequent pair first, ties by the pair's bytes), then
    random merges of existing pieces if the corpus runs out, and the three special tokens
    last. Returns (tokens, merges, token_types)."""
    n_merges = vocab_size - 256 - len(SPECIALS)
    if n_merges < 0:
        raise ValueError(f"vocab size {vocab_size} is below {256 + len(SPECIALS)}")
    rng = random.Random(seed)
    order = list(range(256))
    rng.shuffle(order)
    pieces = [bytes([b]) for b in order]
    known = set(pieces)
    merges = []
    words = [[bytes([b]) for b in w.encode("utf-8")] for w in pre_tokenize(pre, corpus)]
    while len(merges) < n_merges:
        freq = {}
        for w in words:
            for a, b in zip(w, w[1:]):
                if a + b not in known:
                    freq[(a, b)] = freq.get((a, b), 0) + 1
        if not freq:
            break
        (a, b), _ = min(freq.items(), key=lambda kv: (-kv[1], kv[0]))
        merges.append((a, b))
        pieces.append(a + b)
        known.add(a + b)
        for w in words:
            i = 0
            while i < len(w) - 1:
                if w[i] == a and w[i + 1] == b:
                    w[i:i + 2] = [a + b]
                i += 1
    while len(merges) < n_merges:
        a, b = rng.choice(pieces), rng.choice(pieces)
        if a + b in known or len(a + b) > 16:
            continue
        merges.append((a, b))
        pieces.append(a + b)
        known.add(a + b)
    tokens = [to_alphabet(p) for p in pieces] + SPECIALS
    types = [TOKEN_NORMAL] * len(pieces) + [TOKEN_CONTROL] * len(SPECIALS)
    return tokens, [to_alphabet(a) + " " + to_alphabet(b) for a, b in merges], types

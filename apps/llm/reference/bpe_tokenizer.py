"""The sentencepiece-style BPE vocabulary the engine uses, and its encode/decode.

Vocabulary layout (the contract between the C engine and these tools):
  id 0 "<unk>", id 1 "<s>" (BOS), id 2 "</s>" (EOS)  -- control tokens
  ids 3..258 "<0x00>".."<0xFF>"                       -- byte fallback
  then single characters and merged pieces, each with a score.
A space is written U+2581 ("▁") inside pieces, as sentencepiece does.

Encoding: BOS first; a non-empty text gets a leading space; spaces become "▁"; each
character becomes its piece, or its UTF-8 bytes as byte tokens when it has no piece; then,
repeatedly, the adjacent pair whose concatenation is a piece with the highest score is
merged (the leftmost of equal candidates) until no pair merges.

Decoding: control tokens give nothing, "<0xNN>" gives byte NN, other pieces give their
text with "▁" as a space; a piece right after BOS loses one leading space, so that
decode(encode(text)) == text.
"""

import collections

SPACE = "\u2581"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
FIRST_BYTE_ID = 3
N_FIXED = FIRST_BYTE_ID + 256

# GGUF tokenizer.ggml.token_type values (a fact of the format).
TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_BYTE = 1, 2, 3, 6


def fixed_pieces():
    return ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]


def byte_of_piece(piece):
    """The byte a "<0xNN>" piece stands for, else None."""
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        try:
            return int(piece[3:5], 16)
        except ValueError:
            return None
    return None


class Vocabulary:
    def __init__(self, pieces, scores):
        if len(pieces) < N_FIXED or pieces[:N_FIXED] != fixed_pieces():
            raise ValueError("vocabulary must start with <unk>, <s>, </s> and the 256 byte tokens")
        self.pieces = list(pieces)
        self.scores = [float(s) for s in scores]
        # First id wins for a duplicated piece; the builder never makes duplicates.
        self.id_of = {}
        for i, p in enumerate(self.pieces):
            if i >= N_FIXED:
                self.id_of.setdefault(p, i)

    def __len__(self):
        return len(self.pieces)

    def token_types(self):
        types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL] + [TOKEN_BYTE] * 256
        return types + [TOKEN_NORMAL] * (len(self.pieces) - N_FIXED)

    def encode(self, text):
        ids = [BOS_ID]
        if not text:
            return ids
        symbols = []
        for ch in SPACE + text.replace(" ", SPACE):
            if ch in self.id_of:
                symbols.append(self.id_of[ch])
            else:
                symbols.extend(FIRST_BYTE_ID + b for b in ch.encode("utf-8"))
        while True:
            best_score, best_at, best_id = None, -1, -1
            for i in range(len(symbols) - 1):
                merged = self.id_of.get(self.pieces[symbols[i]] + self.pieces[symbols[i + 1]])
                if merged is not None and (best_score is None or self.scores[merged] > best_score):
                    best_score, best_at, best_id = self.scores[merged], i, merged
            if best_at < 0:
                break
            symbols[best_at:best_at + 2] = [best_id]
        return ids + symbols

    def decode_bytes(self, ids):
        out = bytearray()
        prev = None
        for t in ids:
            if not 0 <= t < len(self.pieces):
                raise ValueError(f"token id {t} outside the vocabulary of {len(self.pieces)}")
            if t < FIRST_BYTE_ID:
                pass
            elif t < N_FIXED:
                out.append(t - FIRST_BYTE_ID)
            else:
                text = self.pieces[t].replace(SPACE, " ")
                if prev == BOS_ID and text.startswith(" "):
                    text = text[1:]
                out += text.encode("utf-8")
            prev = t
        return bytes(out)

    def decode(self, ids):
        return self.decode_bytes(ids).decode("utf-8", errors="replace")


def _words(text):
    """Corpus words as sentencepiece sees them: each space starts a word."""
    return (SPACE + w for w in text.split(" ") if w)


def build(corpus, vocab_size):
    """Learn a vocabulary of exactly vocab_size pieces from a corpus.

    After the fixed tokens come the corpus's characters (most frequent first), then BPE
    merges (most frequent adjacent pair each round, ties broken by the pair's text).
    Scores fall with each piece added, so earlier merges win at encode time; every piece
    has a distinct score. If the corpus runs out of merges, the vocabulary is padded with
    unique filler pieces that no text produces.
    """
    if vocab_size < N_FIXED:
        raise ValueError(f"vocab size {vocab_size} is below the {N_FIXED} fixed tokens")
    word_freq = collections.Counter(_words(corpus.replace("\n", " ")))
    char_freq = collections.Counter()
    for w, n in word_freq.items():
        for ch in w:
            char_freq[ch] += n
    pieces = fixed_pieces()
    scores = [0.0] * N_FIXED
    known = set()

    def add(piece):
        pieces.append(piece)
        scores.append(-float(len(pieces) - N_FIXED))
        known.add(piece)

    for ch, _ in sorted(char_freq.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(pieces) >= vocab_size:
            break
        add(ch)
    words = [[ch for ch in w] for w in word_freq]
    freqs = list(word_freq.values())
    while len(pieces) < vocab_size:
        pair_freq = collections.Counter()
        for syms, n in zip(words, freqs):
            for a, b in zip(syms, syms[1:]):
                if a in known and b in known:
                    pair_freq[(a, b)] += n
        candidates = [(-n, a + b, (a, b)) for (a, b), n in pair_freq.items() if a + b not in known]
        if not candidates:
            break
        _, merged, (a, b) = min(candidates)
        add(merged)
        for syms in words:
            i = 0
            while i < len(syms) - 1:
                if syms[i] == a and syms[i + 1] == b:
                    syms[i:i + 2] = [merged]
                i += 1
    filler = 0
    while len(pieces) < vocab_size:
        # Control-free filler: never produced by encode because no merge leads to it.
        add(f"<unused{filler}>")
        filler += 1
    return Vocabulary(pieces, scores)


# A fixed text the random-weight models learn their vocabulary from, so that merges
# (and byte fallback for everything outside it) are exercised at encode time.
SAMPLE_CORPUS = (
    "once upon a time there was a little robot who lived in a quiet town by the sea. "
    "every morning the robot walked to the harbour and counted the boats. "
    "the boats were red, blue and green, and the robot liked the green ones best. "
    "one day a storm came and the boats were tossed about on the grey water. "
    "the little robot was brave: it helped the sailors tie the boats to the harbour wall. "
    "when the sun came out again, the town gave the robot a small green boat of its own. "
    "The Robot said: thank you! It was the happiest robot in the whole town, 1 2 3 4 5 6 7 8 9 0."
)

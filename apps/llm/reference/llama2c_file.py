"""llama2.c checkpoints (legacy version-0 layout) and llama2.c tokenizer.bin files.

Checkpoint: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
vocab_size, seq_len), then float32 arrays, each stacked over layers where per-layer:
  token embedding [vocab][dim]
  attention RMSNorm weights [layers][dim]
  wq [layers][n_heads*head_size][dim], wk [layers][kv_dim][dim], wv [layers][kv_dim][dim],
  wo [layers][dim][n_heads*head_size]
  FFN RMSNorm weights [layers][dim]
  w1 (gate) [layers][hidden][dim], w2 (down) [layers][dim][hidden], w3 (up) [layers][hidden][dim]
  final RMSNorm weights [dim]
  two legacy RoPE tables [seq_len][head_size/2] (cos, then sin) that readers skip
  classifier [vocab][dim] only when the classifier is not shared with the embedding,
which the header says with a negative vocab_size.
Matrices are stored [out][in] (row-major), the orientation y = W x uses.

tokenizer.bin: int32 max_token_length, then per token: float32 score, int32 byte length,
the piece's bytes.
"""

import struct

import numpy as np

HEADER = struct.Struct("<7i")


class Llama2cError(ValueError):
    """A malformed llama2.c checkpoint or tokenizer; the message names what is wrong."""


def legacy_rope_tables(seq_len, head_size, theta=10000.0):
    """The cos/sin tables old checkpoints carry (readers ignore them)."""
    pair = np.arange(head_size // 2, dtype=np.float64)
    freq = theta ** (-2.0 * pair / head_size)
    angle = np.arange(seq_len, dtype=np.float64)[:, None] * freq[None, :]
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def write_checkpoint(path, config, weights, shared_classifier):
    """config: dict dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len.
    weights: dict in GGUF tensor naming, each [out][in] float32 (norms 1-D)."""
    c = config
    L = c["n_layers"]
    vocab_field = c["vocab_size"] if shared_classifier else -c["vocab_size"]
    head_size = c["dim"] // c["n_heads"]

    def stacked(suffix):
        return np.stack([weights[f"blk.{i}.{suffix}"] for i in range(L)])

    parts = [
        weights["token_embd.weight"],
        stacked("attn_norm.weight"),
        stacked("attn_q.weight"), stacked("attn_k.weight"), stacked("attn_v.weight"),
        stacked("attn_output.weight"),
        stacked("ffn_norm.weight"),
        stacked("ffn_gate.weight"), stacked("ffn_down.weight"), stacked("ffn_up.weight"),
        weights["output_norm.weight"],
        *legacy_rope_tables(c["seq_len"], head_size),
    ]
    if not shared_classifier:
        parts.append(weights["output.weight"])
    with open(path, "wb") as f:
        f.write(HEADER.pack(c["dim"], c["hidden_dim"], L, c["n_heads"], c["n_kv_heads"],
                            vocab_field, c["seq_len"]))
        for p in parts:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())


def read_checkpoint(path):
    """-> (config, weights in GGUF naming as float32, shared_classifier)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER.size:
        raise Llama2cError(f"{path}: shorter than the 28-byte header")
    dim, hidden, L, nh, nkv, vocab_field, seq_len = HEADER.unpack_from(data)
    shared = vocab_field > 0
    vocab = abs(vocab_field)
    for name, v in (("dim", dim), ("hidden_dim", hidden), ("n_layers", L), ("n_heads", nh),
                    ("n_kv_heads", nkv), ("vocab_size", vocab), ("seq_len", seq_len)):
        if v <= 0:
            raise Llama2cError(f"{path}: header {name} = {v} must be positive")
    if dim % nh or nh % nkv or (dim // nh) % 2:
        raise Llama2cError(f"{path}: dim {dim}, heads {nh}, kv heads {nkv} are inconsistent")
    head_size = dim // nh
    kv_dim = nkv * head_size
    config = dict(dim=dim, hidden_dim=hidden, n_layers=L, n_heads=nh, n_kv_heads=nkv,
                  vocab_size=vocab, seq_len=seq_len)
    pos = HEADER.size
    floats_left = (len(data) - pos) // 4

    def take(shape, what):
        nonlocal pos, floats_left
        n = int(np.prod(shape))
        if n > floats_left:
            raise Llama2cError(f"{path}: truncated in {what}")
        a = np.frombuffer(data, dtype="<f4", count=n, offset=pos).astype(np.float32).reshape(shape)
        pos += 4 * n
        floats_left -= n
        return a

    w = {"token_embd.weight": take((vocab, dim), "token embedding")}
    for suffix, shape in (("attn_norm.weight", (dim,)), ("attn_q.weight", (dim, dim)),
                          ("attn_k.weight", (kv_dim, dim)), ("attn_v.weight", (kv_dim, dim)),
                          ("attn_output.weight", (dim, dim)), ("ffn_norm.weight", (dim,)),
                          ("ffn_gate.weight", (hidden, dim)), ("ffn_down.weight", (dim, hidden)),
                          ("ffn_up.weight", (hidden, dim))):
        block = take((L,) + shape, suffix)
        for i in range(L):
            w[f"blk.{i}.{suffix}"] = block[i]
    w["output_norm.weight"] = take((dim,), "final norm")
    take((seq_len, head_size // 2), "legacy rope cos")
    take((seq_len, head_size // 2), "legacy rope sin")
    w["output.weight"] = w["token_embd.weight"] if shared else take((vocab, dim), "classifier")
    if pos != len(data):
        raise Llama2cError(f"{path}: {len(data) - pos} unexpected trailing bytes")
    return config, w, shared


def write_tokenizer(path, pieces, scores):
    """pieces: list of str (UTF-8 written as is), scores: list of float."""
    encoded = [p.encode("utf-8") for p in pieces]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max((len(b) for b in encoded), default=0)))
        for b, s in zip(encoded, scores):
            f.write(struct.pack("<fi", s, len(b)))
            f.write(b)


def read_tokenizer(path, vocab_size=None):
    """-> (pieces, scores, max_token_length). Reads vocab_size tokens when given, else
    all tokens in the file; refuses trailing bytes in the latter case."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise Llama2cError(f"{path}: no max_token_length")
    (max_len,) = struct.unpack_from("<i", data)
    pos = 4
    pieces, scores = [], []
    while (vocab_size is None and pos < len(data)) or (vocab_size is not None and len(pieces) < vocab_size):
        if pos + 8 > len(data):
            raise Llama2cError(f"{path}: truncated at token {len(pieces)}")
        score, n = struct.unpack_from("<fi", data, pos)
        pos += 8
        if n < 0 or n > max_len or pos + n > len(data):
            raise Llama2cError(f"{path}: token {len(pieces)} has bad length {n}")
        pieces.append(data[pos:pos + n].decode("utf-8"))
        scores.append(score)
        pos += n
    return pieces, scores, max_len

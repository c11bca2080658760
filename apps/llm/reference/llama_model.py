"""A llama, qwen2 or gpt2 model in memory and its forward pass, in numpy, for use as a reference.

Written to be read: one token at a time with a key/value cache, float64 arithmetic on the
weights exactly as stored (F16 and Q8_0 are expanded without further rounding), so the
result is the model's value up to float64 rounding, not another engine's float32 one.

Per layer:  x += Wo · attention(RoPE(Wq · n), RoPE(Wk · n), Wv · n)   with n = RMSNorm(x)
            x += Wdown · (silu(Wgate · m) * (Wup · m))                   with m = RMSNorm(x)
then logits = Wout · RMSNorm(x).
RoPE rotates adjacent pairs (2j, 2j+1) of each head by pos * theta^(-2j/head_size), the
llama2.c convention. GGUF Q/K weights are taken in that same row order: this project's
generator writes them without the row permutation some converters apply, and the C engine
reads them the same way.
Grouped-query attention: query head h uses key/value head h // (n_heads / n_kv_heads).
Linear RoPE scaling (<arch>.rope.scaling.type "linear", .factor F) rotates by pos / F.

The other architectures (general.architecture), as llama.cpp builds them:
  qwen2: llama plus biases on Q, K and V (blk.N.attn_q.bias ...), and RoPE on pairs
         (j, j + head_size/2) of each head ("NEOX" order: qwen2's converter keeps the
         Hugging Face row order, whose rotate_half pairs the two halves).
  gpt2:  x = token_embd[token] + position_embd[pos]; no RoPE;
         x += Wo · attention(split(Wqkv · n + bqkv)) + bo        with n = LayerNorm(x)
         x += Wdown · gelu(Wup · m + bup) + bdown                 with m = LayerNorm(x)
         logits = Wout · LayerNorm(x); LayerNorm(x) = w * (x - mean) / sqrt(var + eps) + b,
         gelu in its tanh form; Wqkv's rows are Q (dim), then K and V (kv_dim each).
Wout is token_embd when the file has no output.weight (all three).
"""

import numpy as np

import bpe_tokenizer
import bytelevel_bpe
import gguf_file
import llama2c_file

DEFAULT_RMS_EPS = 1e-5
DEFAULT_ROPE_THETA = 10000.0
ARCHS = ("llama", "qwen2", "gpt2")


class Config:
    def __init__(self, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len,
                 rms_eps=DEFAULT_RMS_EPS, rope_theta=DEFAULT_ROPE_THETA, arch="llama",
                 rope_scaling=None):
        self.dim, self.hidden_dim, self.n_layers = dim, hidden_dim, n_layers
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.vocab_size, self.seq_len = vocab_size, seq_len
        self.rms_eps, self.rope_theta = rms_eps, rope_theta  # rms_eps: LayerNorm's for gpt2
        if arch not in ARCHS:
            raise ValueError(f"architecture {arch!r} is not one of {ARCHS}")
        self.arch = arch
        self.rope_scaling = rope_scaling  # linear factor, None for none
        if dim % n_heads or n_heads % n_kv_heads or (dim // n_heads) % 2:
            raise ValueError(f"dim {dim}, heads {n_heads}, kv heads {n_kv_heads}: dim must split "
                             "into heads of even size and heads into kv groups")

    @property
    def head_size(self):
        return self.dim // self.n_heads

    @property
    def kv_dim(self):
        return self.n_kv_heads * self.head_size

    def as_dict(self):
        return dict(dim=self.dim, hidden_dim=self.hidden_dim, n_layers=self.n_layers,
                    n_heads=self.n_heads, n_kv_heads=self.n_kv_heads,
                    vocab_size=self.vocab_size, seq_len=self.seq_len)


class Model:
    """config, weights (GGUF names -> float64 arrays, matrices [out][in]) and the
    vocabulary when the file carries one (GGUF) or a tokenizer.bin was given."""

    def __init__(self, config, weights, vocab=None):
        self.config = config
        self.w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
        self.vocab = vocab


def is_gguf(path):
    with open(path, "rb") as f:
        return f.read(4) == gguf_file.GGUF_MAGIC


def load(path, tokenizer_path=None):
    if is_gguf(path):
        return _load_gguf(path)
    raw, weights, _ = llama2c_file.read_checkpoint(path)
    config = Config(**raw)
    vocab = None
    if tokenizer_path:
        pieces, scores, _ = llama2c_file.read_tokenizer(tokenizer_path, config.vocab_size)
        vocab = bpe_tokenizer.Vocabulary(pieces, scores)
    return Model(config, weights, vocab)


def _rope_scaling(g, arch, path):
    kind = g.get(f"{arch}.rope.scaling.type", "linear")
    if kind not in ("linear", "none"):
        raise ValueError(f"{path}: RoPE scaling {kind!r} is not supported")
    factor = g.get(f"{arch}.rope.scaling.factor", g.get(f"{arch}.rope.scale_linear", 0.0))
    return None if kind == "none" or not factor else float(factor)


def _load_gguf(path):
    g = gguf_file.GGUFFile.open(path)
    arch = g.get("general.architecture")
    if arch not in ARCHS:
        raise ValueError(f"{path}: general.architecture is {arch!r}, not one of {ARCHS}")

    def need(key):
        v = g.get(key)
        if v is None:
            raise ValueError(f"{path}: metadata {key} missing")
        return v

    tokens = need("tokenizer.ggml.tokens")
    a = arch + "."
    n_heads = need(a + "attention.head_count")
    eps_key = "attention.layer_norm_epsilon" if arch == "gpt2" else "attention.layer_norm_rms_epsilon"
    config = Config(
        dim=need(a + "embedding_length"), hidden_dim=need(a + "feed_forward_length"),
        n_layers=need(a + "block_count"), n_heads=n_heads,
        n_kv_heads=g.get(a + "attention.head_count_kv", n_heads),
        vocab_size=len(tokens), seq_len=need(a + "context_length"),
        rms_eps=g.get(a + eps_key, DEFAULT_RMS_EPS),
        rope_theta=g.get(a + "rope.freq_base", DEFAULT_ROPE_THETA), arch=arch,
        rope_scaling=None if arch == "gpt2" else _rope_scaling(g, arch, path))
    weights = {name: g.tensor(name) for name in g.tensors}
    if "output.weight" not in weights:
        weights["output.weight"] = weights["token_embd.weight"]
    if g.get("tokenizer.ggml.model", "llama") == "gpt2":
        vocab = bytelevel_bpe.ByteLevelVocabulary(
            tokens, need("tokenizer.ggml.merges"), g.get("tokenizer.ggml.token_type"),
            g.get("tokenizer.ggml.bos_token_id"), g.get("tokenizer.ggml.eos_token_id"),
            bool(g.get("tokenizer.ggml.add_bos_token", False)), g.get("tokenizer.ggml.pre", "gpt2"))
    else:
        vocab = bpe_tokenizer.Vocabulary(tokens, need("tokenizer.ggml.scores"))
    return Model(config, weights, vocab)


def rms_norm(x, weight, eps):
    return weight * (x / np.sqrt(np.mean(x * x) + eps))


def layer_norm(x, weight, bias, eps):
    c = x - np.mean(x)
    return weight * (c / np.sqrt(np.mean(c * c) + eps)) + bias


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def rope(vec, pos, head_size, theta, neox=False):
    """Rotate each head's pairs (2j, 2j+1) of vec by the position's angle; with neox the
    pairs (j, j + head_size/2). pos may be fractional (linear scaling)."""
    j = np.arange(head_size // 2, dtype=np.float64)
    angle = pos * theta ** (-2.0 * j / head_size)
    cos, sin = np.cos(angle), np.sin(angle)
    if neox:
        halves = vec.reshape(-1, 2, head_size // 2)
        a, b = halves[:, 0], halves[:, 1]
        return np.stack([a * cos - b * sin, a * sin + b * cos], axis=1).reshape(vec.shape)
    pairs = vec.reshape(-1, head_size // 2, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(vec.shape)


class Session:
    """Feeds tokens one position at a time, keeping each layer's keys and values."""

    def __init__(self, model, matvec=None):
        # matvec(name, W, x) -> W @ x; replaceable so that tests can model how another
        # engine rounds activations (e.g. a Q8_0 kernel quantising x) and size tolerances.
        self.matvec = matvec or (lambda name, W, x: W @ x)
        self.m = model
        c = model.config
        self.keys = np.zeros((c.n_layers, c.seq_len, c.kv_dim))
        self.values = np.zeros((c.n_layers, c.seq_len, c.kv_dim))
        self.pos = 0

    def step(self, token):
        """Feed token at the next position; return the logits (float64, vocab_size)."""
        c, w = self.m.config, self.m.w
        if not 0 <= token < c.vocab_size:
            raise ValueError(f"token {token} outside the vocabulary of {c.vocab_size}")
        if self.pos >= c.seq_len:
            raise ValueError(f"position {self.pos} beyond seq_len {c.seq_len}")
        pos, hs = self.pos, c.head_size

        def linear(name, vec):
            """W · vec, plus the bias when the model has one (name ending .weight)."""
            out = self.matvec(name, w[name], vec)
            bias = w.get(name[:-len("weight")] + "bias")
            return out if bias is None else out + bias

        gpt2 = c.arch == "gpt2"

        def norm(v, prefix):
            if gpt2:
                return layer_norm(v, w[prefix + ".weight"], w[prefix + ".bias"], c.rms_eps)
            return rms_norm(v, w[prefix + ".weight"], c.rms_eps)

        def rotate(v):
            scaled = pos / c.rope_scaling if c.rope_scaling else pos
            return rope(v, scaled, hs, c.rope_theta, neox=c.arch == "qwen2")

        group = c.n_heads // c.n_kv_heads
        x = w["token_embd.weight"][token].copy()
        if gpt2:
            x = x + w["position_embd.weight"][pos]
        for layer in range(c.n_layers):
            p = f"blk.{layer}."
            n = norm(x, p + "attn_norm")
            if gpt2:
                qkv = linear(p + "attn_qkv.weight", n)
                q, k, v = np.split(qkv, [c.dim, c.dim + c.kv_dim])
            else:
                q = rotate(linear(p + "attn_q.weight", n))
                k = rotate(linear(p + "attn_k.weight", n))
                v = linear(p + "attn_v.weight", n)
            self.keys[layer, pos] = k
            self.values[layer, pos] = v
            attended = np.empty(c.dim)
            for h in range(c.n_heads):
                kv = (h // group) * hs
                keys = self.keys[layer, :pos + 1, kv:kv + hs]
                values = self.values[layer, :pos + 1, kv:kv + hs]
                weights = softmax(keys @ q[h * hs:(h + 1) * hs] / np.sqrt(hs))
                attended[h * hs:(h + 1) * hs] = weights @ values
            x = x + linear(p + "attn_output.weight", attended)
            mm = norm(x, p + "ffn_norm")
            if gpt2:
                gated = gelu(linear(p + "ffn_up.weight", mm))
            else:
                gated = (silu(linear(p + "ffn_gate.weight", mm))
                         * linear(p + "ffn_up.weight", mm))
            x = x + linear(p + "ffn_down.weight", gated)
        self.pos += 1
        return linear("output.weight", norm(x, "output_norm"))


def run(model, prompt_ids, n_greedy, matvec=None):
    """Logits after each prompt token, then n_greedy argmax continuations (lowest id on
    ties) starting from the last prompt position. Returns (logits list, greedy ids)."""
    if not prompt_ids:
        raise ValueError("empty prompt")
    s = Session(model, matvec)
    logits = [s.step(t) for t in prompt_ids]
    greedy = []
    last = logits[-1]
    for i in range(n_greedy):
        nxt = int(np.argmax(last))  # np.argmax returns the first (lowest) index of the maximum
        greedy.append(nxt)
        if i + 1 < n_greedy:
            last = s.step(nxt)
    return logits, greedy

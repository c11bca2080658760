"""Training a small llama model with numpy: batched forward pass, hand-written backward
pass, Adam. Only what the tiny model needs: shared classifier (the embedding), no dropout,
float32.

The architecture is the one apps/llm/reference/llama_model.py computes token by token
(RMSNorm, RoPE on adjacent pairs, grouped-query attention, SwiGLU); make_tiny.py checks
that both give the same logits for the trained weights, so the two cannot drift apart.
Weights use the GGUF tensor names; matrices are [out][in].
"""

import numpy as np


class Shape:
    def __init__(self, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len,
                 rms_eps=1e-5, rope_theta=10000.0):
        self.dim, self.hidden_dim, self.n_layers = dim, hidden_dim, n_layers
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.vocab_size, self.seq_len = vocab_size, seq_len
        self.rms_eps, self.rope_theta = rms_eps, rope_theta
        self.head_size = dim // n_heads
        self.kv_dim = n_kv_heads * self.head_size


def init_weights(s, rng):
    def matrix(rows, cols, scale=1.0):
        return (scale * rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)

    # Residual-branch outputs start small so the stack begins close to the identity.
    out_scale = 1.0 / np.sqrt(2 * s.n_layers)
    w = {"token_embd.weight": (0.3 * rng.standard_normal((s.vocab_size, s.dim))).astype(np.float32),
         "output_norm.weight": np.ones(s.dim, np.float32)}
    for i in range(s.n_layers):
        p = f"blk.{i}."
        w[p + "attn_norm.weight"] = np.ones(s.dim, np.float32)
        w[p + "ffn_norm.weight"] = np.ones(s.dim, np.float32)
        w[p + "attn_q.weight"] = matrix(s.dim, s.dim)
        w[p + "attn_k.weight"] = matrix(s.kv_dim, s.dim)
        w[p + "attn_v.weight"] = matrix(s.kv_dim, s.dim)
        w[p + "attn_output.weight"] = matrix(s.dim, s.dim, out_scale)
        w[p + "ffn_gate.weight"] = matrix(s.hidden_dim, s.dim)
        w[p + "ffn_up.weight"] = matrix(s.hidden_dim, s.dim)
        w[p + "ffn_down.weight"] = matrix(s.dim, s.hidden_dim, out_scale)
    return w


def rope_tables(s, T):
    j = np.arange(s.head_size // 2)
    angle = np.arange(T)[:, None] * s.rope_theta ** (-2.0 * j / s.head_size)[None, :]
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def rope(x, cos, sin, sign=1.0):
    """x [B, heads, T, hs]: rotate adjacent pairs; sign -1 applies the inverse rotation."""
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - sign * b * sin
    out[..., 1::2] = sign * a * sin + b * cos
    return out


def rms_norm(x, g, eps):
    r = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return x * r * g, r


def rms_norm_back(dy, x, r, g):
    """Gradients of y = g * x * r(x) with respect to x and g."""
    gdy = dy * g
    dx = r * gdy - (r ** 3 / x.shape[-1]) * x * np.sum(gdy * x, axis=-1, keepdims=True)
    dg = np.sum((dy * x * r).reshape(-1, x.shape[-1]), axis=0)
    return dx, dg


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def loss_and_grads(w, s, X, Y, weight=None):
    """Mean cross-entropy of predicting Y [B, T] from X [B, T], and its gradients.
    With weight [B, T] (0/1 or weights), the mean is over the weighted positions only, so
    padding and text the model only reads (a prompt) teach it nothing."""
    B, T = X.shape
    H, K, hs, D = s.n_heads, s.n_kv_heads, s.head_size, s.dim
    group = H // K
    cos, sin = rope_tables(s, T)
    mask = np.triu(np.full((T, T), -np.inf, np.float32), k=1)
    emb = w["token_embd.weight"]
    x = emb[X]
    saved = []
    for i in range(s.n_layers):
        p = f"blk.{i}."
        x_in = x
        h, r1 = rms_norm(x, w[p + "attn_norm.weight"], s.rms_eps)
        q = rope((h @ w[p + "attn_q.weight"].T).reshape(B, T, H, hs).transpose(0, 2, 1, 3), cos, sin)
        k = rope((h @ w[p + "attn_k.weight"].T).reshape(B, T, K, hs).transpose(0, 2, 1, 3), cos, sin)
        v = (h @ w[p + "attn_v.weight"].T).reshape(B, T, K, hs).transpose(0, 2, 1, 3)
        kf, vf = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
        scores = q @ kf.transpose(0, 1, 3, 2) / np.sqrt(hs) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        att = (probs @ vf).transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + att @ w[p + "attn_output.weight"].T
        x_mid = x
        m, r2 = rms_norm(x, w[p + "ffn_norm.weight"], s.rms_eps)
        gate, up = m @ w[p + "ffn_gate.weight"].T, m @ w[p + "ffn_up.weight"].T
        sg = sigmoid(gate)
        z = gate * sg * up
        x = x + z @ w[p + "ffn_down.weight"].T
        saved.append((x_in, h, r1, q, kf, vf, probs, att, x_mid, m, r2, gate, up, sg, z))
    n, rf = rms_norm(x, w["output_norm.weight"], s.rms_eps)
    logits = n @ emb.T
    logits -= logits.max(axis=-1, keepdims=True)
    p_tok = np.exp(logits)
    p_tok /= p_tok.sum(axis=-1, keepdims=True)
    flat = p_tok.reshape(-1, s.vocab_size)
    idx = np.arange(flat.shape[0])
    nll = -np.log(flat[idx, Y.reshape(-1)] + 1e-12)
    if weight is None:
        loss = float(np.mean(nll))
    else:
        m = weight.reshape(-1).astype(np.float64)
        loss = float(np.sum(m * nll) / np.sum(m))

    g = {k: np.zeros_like(v) for k, v in w.items()}
    dlogits = flat.copy()
    dlogits[idx, Y.reshape(-1)] -= 1.0
    if weight is None:
        dlogits = (dlogits / flat.shape[0]).reshape(B, T, -1).astype(x.dtype)
    else:
        scale = (weight.reshape(-1, 1) / np.sum(weight)).astype(dlogits.dtype)
        dlogits = (dlogits * scale).reshape(B, T, -1).astype(x.dtype)
    g["token_embd.weight"] += dlogits.reshape(-1, s.vocab_size).T @ n.reshape(-1, D)
    dx, g["output_norm.weight"] = rms_norm_back(dlogits @ emb, x, rf, w["output_norm.weight"])
    for i in reversed(range(s.n_layers)):
        p = f"blk.{i}."
        x_in, h, r1, q, kf, vf, probs, att, x_mid, m, r2, gate, up, sg, z = saved[i]
        # SwiGLU branch.
        g[p + "ffn_down.weight"] += dx.reshape(-1, D).T @ z.reshape(-1, s.hidden_dim)
        dz = dx @ w[p + "ffn_down.weight"]
        dup = dz * gate * sg
        dgate = dz * up * sg * (1.0 + gate * (1.0 - sg))
        g[p + "ffn_gate.weight"] += dgate.reshape(-1, s.hidden_dim).T @ m.reshape(-1, D)
        g[p + "ffn_up.weight"] += dup.reshape(-1, s.hidden_dim).T @ m.reshape(-1, D)
        dm = dgate @ w[p + "ffn_gate.weight"] + dup @ w[p + "ffn_up.weight"]
        dxm, g[p + "ffn_norm.weight"] = rms_norm_back(dm, x_mid, r2, w[p + "ffn_norm.weight"])
        dx = dx + dxm
        # Attention branch.
        g[p + "attn_output.weight"] += dx.reshape(-1, D).T @ att.reshape(-1, D)
        datt = (dx @ w[p + "attn_output.weight"]).reshape(B, T, H, hs).transpose(0, 2, 1, 3)
        dprobs = datt @ vf.transpose(0, 1, 3, 2)
        dvf = probs.transpose(0, 1, 3, 2) @ datt
        dscores = probs * (dprobs - np.sum(dprobs * probs, axis=-1, keepdims=True)) / np.sqrt(hs)
        dq = dscores @ kf
        dkf = dscores.transpose(0, 1, 3, 2) @ q
        dk = dkf.reshape(B, K, group, T, hs).sum(axis=2)
        dv = dvf.reshape(B, K, group, T, hs).sum(axis=2)
        dq = rope(dq, cos, sin, -1.0).transpose(0, 2, 1, 3).reshape(B, T, D)
        dk = rope(dk, cos, sin, -1.0).transpose(0, 2, 1, 3).reshape(B, T, s.kv_dim)
        dv = dv.transpose(0, 2, 1, 3).reshape(B, T, s.kv_dim)
        hf = h.reshape(-1, D)
        g[p + "attn_q.weight"] += dq.reshape(-1, D).T @ hf
        g[p + "attn_k.weight"] += dk.reshape(-1, s.kv_dim).T @ hf
        g[p + "attn_v.weight"] += dv.reshape(-1, s.kv_dim).T @ hf
        dh = dq @ w[p + "attn_q.weight"] + dk @ w[p + "attn_k.weight"] + dv @ w[p + "attn_v.weight"]
        dxa, g[p + "attn_norm.weight"] = rms_norm_back(dh, x_in, r1, w[p + "attn_norm.weight"])
        dx = dx + dxa
    np.add.at(g["token_embd.weight"], X.reshape(-1), dx.reshape(-1, D))
    return loss, g


def logits_of(w, s, X):
    """Forward pass only, in float64 (for checks): logits [B, T, V]."""
    w64 = {k: v.astype(np.float64) for k, v in w.items()}
    B, T = X.shape
    H, K, hs, D = s.n_heads, s.n_kv_heads, s.head_size, s.dim
    cos, sin = rope_tables(s, T)
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    x = w64["token_embd.weight"][X]
    for i in range(s.n_layers):
        p = f"blk.{i}."
        h, _ = rms_norm(x, w64[p + "attn_norm.weight"], s.rms_eps)
        q = rope((h @ w64[p + "attn_q.weight"].T).reshape(B, T, H, hs).transpose(0, 2, 1, 3), cos, sin)
        k = rope((h @ w64[p + "attn_k.weight"].T).reshape(B, T, K, hs).transpose(0, 2, 1, 3), cos, sin)
        v = (h @ w64[p + "attn_v.weight"].T).reshape(B, T, K, hs).transpose(0, 2, 1, 3)
        kf, vf = np.repeat(k, H // K, axis=1), np.repeat(v, H // K, axis=1)
        scores = q @ kf.transpose(0, 1, 3, 2) / np.sqrt(hs) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        x = x + (probs @ vf).transpose(0, 2, 1, 3).reshape(B, T, D) @ w64[p + "attn_output.weight"].T
        m, _ = rms_norm(x, w64[p + "ffn_norm.weight"], s.rms_eps)
        gate = m @ w64[p + "ffn_gate.weight"].T
        x = x + (gate * sigmoid(gate) * (m @ w64[p + "ffn_up.weight"].T)) @ w64[p + "ffn_down.weight"].T
    n, _ = rms_norm(x, w64["output_norm.weight"], s.rms_eps)
    return n @ w64["token_embd.weight"].T


class Adam:
    def __init__(self, w, lr, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.0):
        self.lr, self.b1, self.b2, self.eps, self.wd = lr, beta1, beta2, eps, weight_decay
        self.m = {k: np.zeros_like(v) for k, v in w.items()}
        self.v = {k: np.zeros_like(v) for k, v in w.items()}
        self.t = 0

    def step(self, w, g, lr):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for k in w:
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g[k]
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g[k] * g[k]
            update = (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)
            if self.wd and w[k].ndim == 2:
                update = update + self.wd * w[k]
            w[k] -= (lr * update).astype(np.float32)


def gradient_check(seed=0, masked=False):
    """Largest relative error between analytic and central-difference gradients on a
    very small float64 model (used by the tests)."""
    rng = np.random.default_rng(seed)
    s = Shape(dim=8, hidden_dim=12, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=11, seq_len=5)
    w = {k: v.astype(np.float64) for k, v in init_weights(s, rng).items()}
    for k in w:
        w[k] = w[k] + 0.1 * rng.standard_normal(w[k].shape)  # leave the symmetric start
    X = rng.integers(0, 11, size=(2, 5))
    Y = rng.integers(0, 11, size=(2, 5))
    weight = (np.arange(5)[None, :] >= np.array([[1], [3]])).astype(np.float64) if masked else None
    _, g = loss_and_grads(w, s, X, Y, weight)
    worst = 0.0
    for k in w:
        flat = w[k].reshape(-1)
        for j in rng.choice(flat.size, size=min(4, flat.size), replace=False):
            old = flat[j]
            flat[j] = old + 1e-5
            lp, _ = loss_and_grads(w, s, X, Y, weight)
            flat[j] = old - 1e-5
            lm, _ = loss_and_grads(w, s, X, Y, weight)
            flat[j] = old
            num = (lp - lm) / 2e-5
            ana = g[k].reshape(-1)[j]
            worst = max(worst, abs(num - ana) / max(1e-6, abs(num) + abs(ana)))
    return worst

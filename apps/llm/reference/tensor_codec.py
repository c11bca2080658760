"""Encoding and decoding of the tensor element types the engine supports.

GGML type numbers are facts of the GGUF format: F32 = 0, F16 = 1, Q8_0 = 8.
Q8_0 stores a row in blocks of 32 values; each block is a little-endian IEEE half
scale d followed by 32 signed bytes q, and value i of the block is d * q[i].
Rows are quantised independently, so a row length must be a multiple of 32.

Q4_0 (type 2) also has blocks of 32 values: a half scale d, then 16 bytes. Byte j
carries value j of the block in its low four bits and value j + 16 in its high four;
a 4-bit code c stands for d * (c - 8).

Q5_0 (type 6): a half scale d, a little-endian 32-bit word whose bit i is the fifth
(top) bit of value i's code, then 16 bytes of low four bits arranged as in Q4_0; a
5-bit code c stands for d * (c - 16).

Q4_1 (type 3): a half scale d, a half offset m, then 16 bytes of codes arranged as in
Q4_0; a code c stands for d * c + m.

Q5_1 (type 7): Q4_1's d and m, then Q5_0's fifth-bit word and nibbles; d * c + m.

BF16 (type 30): the upper 16 bits of an IEEE single.

The K-quants store rows in super-blocks of 256 values (so a row length must be a
multiple of 256):
Q4_K (type 12, 144 bytes): half d, half dmin, 12 bytes of 6-bit scales sc[8] and mins
m[8] (bytes 0-3: sc[0..3] in the low six bits, the top two bits of sc[4..7]; bytes 4-7:
the same for m; bytes 8-11: low nibble sc[4..7] & 15, high nibble m[4..7] & 15), then
128 bytes of nibbles: 32 bytes per 64 values, value 64c + l in the low nibble of byte
32c + l, value 64c + 32 + l in its high nibble. Value i (sub-block j = i // 32) is
d * sc[j] * code - dmin * m[j].
Q5_K (type 13, 176 bytes): Q4_K's d, dmin and scales, then 32 bytes qh, then the
nibbles; the fifth bit of value 64c + l is bit 2c of qh[l], of value 64c + 32 + l bit
2c + 1.
Q6_K (type 14, 210 bytes): 128 bytes ql, 64 bytes qh, 16 int8 scales, half d. Per half
h of 128 values (ql + 64h, qh + 32h): ql[l] holds the low nibbles of values l (low) and
l + 64 (high), ql[l + 32] those of l + 32 and l + 96; qh[l] holds the top two bits of
values l, l + 32, l + 64, l + 96 at shifts 0, 2, 4, 6. Value i is
d * scale[i // 16] * (code - 32).
Q2_K (type 10, 84 bytes): 16 bytes of (4-bit scale | 4-bit min << 4) per 16 values, 64
bytes of 2-bit codes (value 128n + 32j + l in bits 2j of byte 32n + l), half d, half dmin;
value i is d * (s[i // 16] & 15) * code - dmin * (s[i // 16] >> 4).
Q3_K (type 11, 110 bytes): 32 bytes hmask (the third code bit of value 128n + 32j + l is
bit 4n + j of hmask[l]), 64 bytes of 2-bit codes as in Q2_K, 12 bytes of 6-bit scales
(scale k's low nibble in byte k % 8, low half for k < 8; its top two bits in bits
2 (k // 4) of byte 8 + k % 4), half d; value i is d * (scale[i // 16] - 32) * (code - 4).
"""

import numpy as np

GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
GGML_TYPE_Q4_0 = 2
GGML_TYPE_Q4_1 = 3
GGML_TYPE_Q5_0 = 6
GGML_TYPE_Q5_1 = 7
GGML_TYPE_Q8_0 = 8
GGML_TYPE_Q2_K = 10
GGML_TYPE_Q3_K = 11
GGML_TYPE_Q4_K = 12
GGML_TYPE_Q5_K = 13
GGML_TYPE_Q6_K = 14
GGML_TYPE_BF16 = 30

Q8_0_BLOCK = 32
Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK
Q4_0_BLOCK_BYTES = 2 + 16
Q5_0_BLOCK_BYTES = 2 + 4 + 16
Q4_1_BLOCK_BYTES = 2 + 2 + 16
Q5_1_BLOCK_BYTES = 2 + 2 + 4 + 16
QK_K = 256
Q2_K_BLOCK_BYTES = 16 + 64 + 2 + 2
Q3_K_BLOCK_BYTES = 32 + 64 + 12 + 2
Q4_K_BLOCK_BYTES = 2 + 2 + 12 + 128
Q5_K_BLOCK_BYTES = 2 + 2 + 12 + 32 + 128
Q6_K_BLOCK_BYTES = 128 + 64 + 16 + 2

TYPE_BY_NAME = {"f32": GGML_TYPE_F32, "f16": GGML_TYPE_F16, "q8_0": GGML_TYPE_Q8_0, "q4_0": GGML_TYPE_Q4_0, "q5_0": GGML_TYPE_Q5_0, "q4_1": GGML_TYPE_Q4_1,
                "q5_1": GGML_TYPE_Q5_1, "q4_k": GGML_TYPE_Q4_K, "q5_k": GGML_TYPE_Q5_K, "q6_k": GGML_TYPE_Q6_K,
                "bf16": GGML_TYPE_BF16, "q2_k": GGML_TYPE_Q2_K, "q3_k": GGML_TYPE_Q3_K}
# The row length each type's blocks need.
BLOCK_BY_TYPE = {GGML_TYPE_F32: 1, GGML_TYPE_F16: 1, GGML_TYPE_BF16: 1, GGML_TYPE_Q8_0: 32, GGML_TYPE_Q4_0: 32,
                 GGML_TYPE_Q5_0: 32, GGML_TYPE_Q4_1: 32, GGML_TYPE_Q5_1: 32, GGML_TYPE_Q4_K: QK_K,
                 GGML_TYPE_Q5_K: QK_K, GGML_TYPE_Q6_K: QK_K, GGML_TYPE_Q2_K: QK_K, GGML_TYPE_Q3_K: QK_K}
NAME_BY_TYPE = {v: k for k, v in TYPE_BY_NAME.items()}


def encoded_size(ggml_type, n_elements):
    """Bytes that n_elements of ggml_type occupy in a file."""
    if ggml_type == GGML_TYPE_F32:
        return 4 * n_elements
    if ggml_type == GGML_TYPE_F16:
        return 2 * n_elements
    if ggml_type == GGML_TYPE_Q8_0:
        if n_elements % Q8_0_BLOCK:
            raise ValueError(f"Q8_0 needs a multiple of {Q8_0_BLOCK} elements, got {n_elements}")
        return n_elements // Q8_0_BLOCK * Q8_0_BLOCK_BYTES
    if ggml_type == GGML_TYPE_Q4_0:
        if n_elements % 32:
            raise ValueError(f"Q4_0 needs a multiple of 32 elements, got {n_elements}")
        return n_elements // 32 * Q4_0_BLOCK_BYTES
    if ggml_type == GGML_TYPE_Q5_0:
        if n_elements % 32:
            raise ValueError(f"Q5_0 needs a multiple of 32 elements, got {n_elements}")
        return n_elements // 32 * Q5_0_BLOCK_BYTES
    if ggml_type == GGML_TYPE_Q4_1:
        if n_elements % 32:
            raise ValueError(f"Q4_1 needs a multiple of 32 elements, got {n_elements}")
        return n_elements // 32 * Q4_1_BLOCK_BYTES
    blocked = {GGML_TYPE_Q5_1: (32, Q5_1_BLOCK_BYTES, "Q5_1"), GGML_TYPE_Q4_K: (QK_K, Q4_K_BLOCK_BYTES, "Q4_K"),
               GGML_TYPE_Q5_K: (QK_K, Q5_K_BLOCK_BYTES, "Q5_K"), GGML_TYPE_Q6_K: (QK_K, Q6_K_BLOCK_BYTES, "Q6_K"),
               GGML_TYPE_Q2_K: (QK_K, Q2_K_BLOCK_BYTES, "Q2_K"), GGML_TYPE_Q3_K: (QK_K, Q3_K_BLOCK_BYTES, "Q3_K")}
    if ggml_type == GGML_TYPE_BF16:
        return 2 * n_elements
    if ggml_type in blocked:
        block, nbytes, name = blocked[ggml_type]
        if n_elements % block:
            raise ValueError(f"{name} needs a multiple of {block} elements, got {n_elements}")
        return n_elements // block * nbytes
    raise ValueError(f"unsupported ggml type {ggml_type}")


def quantize_q8_0(values):
    """Quantise a float array (last axis a multiple of 32) to Q8_0 bytes.

    The scale maps the block's largest magnitude to 127; values round half away
    from zero. The scale is stored as f16, the quantised bytes are computed with
    the unrounded scale, as the format's producers do.
    """
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % Q8_0_BLOCK:
        raise ValueError(f"Q8_0 row length {x.shape[-1]} is not a multiple of {Q8_0_BLOCK}")
    blocks = x.reshape(-1, Q8_0_BLOCK)
    amax = np.max(np.abs(blocks), axis=1)
    scale = amax / np.float32(127.0)
    inv = np.where(scale > 0, np.float32(1.0) / np.where(scale > 0, scale, 1), 0).astype(np.float32)
    scaled = blocks * inv[:, None]
    q = (np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))).astype(np.int8)
    out = np.empty((blocks.shape[0], Q8_0_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def dequantize_q8_0(raw, n_elements):
    """Q8_0 bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q8_0, n_elements))
    blocks = blocks.reshape(-1, Q8_0_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
    return (q * scale).reshape(n_elements)


def quantize_q4_0(values):
    """Quantise a float array (last axis a multiple of 32) to Q4_0 bytes.

    Each block's scale is its value of largest magnitude divided by -8, so that value
    lands on code 0; the others take the nearest code, clipped to 0..15.
    """
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % 32:
        raise ValueError(f"Q4_0 row length {x.shape[-1]} is not a multiple of 32")
    blocks = x.reshape(-1, 32)
    peak = blocks[np.arange(blocks.shape[0]), np.argmax(np.abs(blocks), axis=1)]
    scale = (peak / np.float32(-8.0)).astype(np.float32)
    inv = np.where(scale != 0, np.float32(1.0) / np.where(scale != 0, scale, 1), 0).astype(np.float32)
    codes = np.clip(np.floor(blocks * inv[:, None] + np.float32(8.5)), 0, 15).astype(np.uint8)
    out = np.empty((blocks.shape[0], Q4_0_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = codes[:, :16] | (codes[:, 16:] << 4)
    return out.tobytes()


def dequantize_q4_0(raw, n_elements):
    """Q4_0 bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q4_0, n_elements))
    blocks = blocks.reshape(-1, Q4_0_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    packed = blocks[:, 2:]
    codes = np.concatenate([packed & 15, packed >> 4], axis=1).astype(np.float32) - 8
    return (codes * scale).reshape(n_elements)


def quantize_q5_0(values):
    """Quantise to Q5_0 bytes: as Q4_0 with the largest magnitude at code 0 of 0..31."""
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % 32:
        raise ValueError(f"Q5_0 row length {x.shape[-1]} is not a multiple of 32")
    blocks = x.reshape(-1, 32)
    peak = blocks[np.arange(blocks.shape[0]), np.argmax(np.abs(blocks), axis=1)]
    scale = (peak / np.float32(-16.0)).astype(np.float32)
    inv = np.where(scale != 0, np.float32(1.0) / np.where(scale != 0, scale, 1), 0).astype(np.float32)
    codes = np.clip(np.floor(blocks * inv[:, None] + np.float32(16.5)), 0, 31).astype(np.uint32)
    high = ((codes >> 4) << np.arange(32, dtype=np.uint32)).sum(axis=1, dtype=np.uint32)
    low = (codes & 15).astype(np.uint8)
    out = np.empty((blocks.shape[0], Q5_0_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:6] = high.astype("<u4").view(np.uint8).reshape(-1, 4)
    out[:, 6:] = low[:, :16] | (low[:, 16:] << 4)
    return out.tobytes()


def dequantize_q5_0(raw, n_elements):
    """Q5_0 bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q5_0, n_elements))
    blocks = blocks.reshape(-1, Q5_0_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    high = blocks[:, 2:6].copy().view("<u4")  # (blocks, 1)
    top = (high >> np.arange(32, dtype=np.uint32)) & 1
    packed = blocks[:, 6:]
    low = np.concatenate([packed & 15, packed >> 4], axis=1).astype(np.int32)
    codes = (low | (top.astype(np.int32) << 4)).astype(np.float32) - 16
    return (codes * scale).reshape(n_elements)


def quantize_q4_1(values):
    """Quantise to Q4_1 bytes: offset the block minimum, 15 steps up to its maximum."""
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % 32:
        raise ValueError(f"Q4_1 row length {x.shape[-1]} is not a multiple of 32")
    blocks = x.reshape(-1, 32)
    lo, hi = blocks.min(axis=1), blocks.max(axis=1)
    scale = ((hi - lo) / np.float32(15.0)).astype(np.float32)
    inv = np.where(scale != 0, np.float32(1.0) / np.where(scale != 0, scale, 1), 0).astype(np.float32)
    codes = np.minimum(np.floor((blocks - lo[:, None]) * inv[:, None] + np.float32(0.5)), 15).astype(np.uint8)
    out = np.empty((blocks.shape[0], Q4_1_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = lo.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 4:] = codes[:, :16] | (codes[:, 16:] << 4)
    return out.tobytes()


def dequantize_q4_1(raw, n_elements):
    """Q4_1 bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q4_1, n_elements))
    blocks = blocks.reshape(-1, Q4_1_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    offset = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    packed = blocks[:, 4:]
    codes = np.concatenate([packed & 15, packed >> 4], axis=1).astype(np.float32)
    return (codes * scale + offset).reshape(n_elements)


def quantize_q5_1(values):
    """Quantise to Q5_1 bytes: offset the block minimum, 31 steps up to its maximum."""
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % 32:
        raise ValueError(f"Q5_1 row length {x.shape[-1]} is not a multiple of 32")
    blocks = x.reshape(-1, 32)
    lo, hi = blocks.min(axis=1), blocks.max(axis=1)
    scale = ((hi - lo) / np.float32(31.0)).astype(np.float32)
    inv = np.where(scale != 0, np.float32(1.0) / np.where(scale != 0, scale, 1), 0).astype(np.float32)
    codes = np.minimum(np.floor((blocks - lo[:, None]) * inv[:, None] + np.float32(0.5)), 31).astype(np.uint32)
    high = ((codes >> 4) << np.arange(32, dtype=np.uint32)).sum(axis=1, dtype=np.uint32)
    low = (codes & 15).astype(np.uint8)
    out = np.empty((blocks.shape[0], Q5_1_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = lo.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 4:8] = high.astype("<u4").view(np.uint8).reshape(-1, 4)
    out[:, 8:] = low[:, :16] | (low[:, 16:] << 4)
    return out.tobytes()


def dequantize_q5_1(raw, n_elements):
    """Q5_1 bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q5_1, n_elements))
    blocks = blocks.reshape(-1, Q5_1_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    offset = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    high = blocks[:, 4:8].copy().view("<u4")
    top = (high >> np.arange(32, dtype=np.uint32)) & 1
    packed = blocks[:, 8:]
    low = np.concatenate([packed & 15, packed >> 4], axis=1).astype(np.int32)
    codes = (low | (top.astype(np.int32) << 4)).astype(np.float32)
    return (codes * scale + offset).reshape(n_elements)


def encode_bf16(values):
    """Float array -> BF16 bytes, rounding to nearest even (NaN stays NaN)."""
    bits = np.asarray(values, dtype=np.float32).astype("<f4").view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = (bits & 0x7FFFFFFF) > 0x7F800000
    rounded = np.where(nan, ((bits >> 16) | 0x40).astype(np.uint16), rounded)
    return rounded.astype("<u2").tobytes()


def decode_bf16(raw, n_elements):
    h = np.frombuffer(raw, dtype="<u2", count=n_elements).astype(np.uint32)
    return (h << 16).astype("<u4").view("<f4").astype(np.float32)


def _k_blocks(values, name):
    x = np.asarray(values, dtype=np.float32)
    if x.shape[-1] % QK_K:
        raise ValueError(f"{name} row length {x.shape[-1]} is not a multiple of {QK_K}")
    return x.reshape(-1, QK_K)


def _pack_k_scales(sc, mn):
    """(blocks, 8) scales and mins (0..63) -> (blocks, 12) bytes."""
    sc = sc.astype(np.uint8)
    mn = mn.astype(np.uint8)
    out = np.empty((sc.shape[0], 12), dtype=np.uint8)
    out[:, 0:4] = sc[:, :4] | ((sc[:, 4:] >> 4) << 6)
    out[:, 4:8] = mn[:, :4] | ((mn[:, 4:] >> 4) << 6)
    out[:, 8:12] = (sc[:, 4:] & 15) | ((mn[:, 4:] & 15) << 4)
    return out


def _unpack_k_scales(p):
    """(blocks, 12) bytes -> (blocks, 8) scales and mins as int32."""
    p = p.astype(np.int32)
    sc = np.concatenate([p[:, 0:4] & 63, (p[:, 8:12] & 15) | ((p[:, 0:4] >> 6) << 4)], axis=1)
    mn = np.concatenate([p[:, 4:8] & 63, (p[:, 8:12] >> 4) | ((p[:, 4:8] >> 6) << 4)], axis=1)
    return sc, mn


def _fit_k(blocks, levels):
    """Per sub-block of 32: codes 0..levels from a minimum (kept <= 0) to the maximum, with
    the sub-block steps and offsets quantised to 6 bits against half d and dmin."""
    sub = blocks.reshape(-1, 8, 32)
    lo = np.minimum(sub.min(axis=2), 0)
    step = (sub.max(axis=2) - lo) / np.float32(levels)
    d = (step.max(axis=1) / np.float32(63)).astype(np.float16)
    dmin = ((-lo).max(axis=1) / np.float32(63)).astype(np.float16)
    df, dminf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.clip(np.rint(np.divide(step, df, out=np.zeros_like(step), where=df > 0)), 0, 63)
    mn = np.clip(np.rint(np.divide(-lo, dminf, out=np.zeros_like(lo), where=dminf > 0)), 0, 63)
    ds, ms = (df * sc)[:, :, None], (dminf * mn)[:, :, None]
    codes = np.clip(np.rint(np.divide(sub + ms, ds, out=np.zeros_like(sub), where=ds > 0)), 0, levels)
    return d, dmin, sc, mn, codes.reshape(-1, QK_K).astype(np.uint8)


def _k_nibbles(codes):
    """(blocks, 256) codes -> (blocks, 128) bytes: value 64c + l low, 64c + 32 + l high."""
    c = codes.reshape(-1, 4, 2, 32) & 15
    return (c[:, :, 0, :] | (c[:, :, 1, :] << 4)).reshape(-1, 128)


def _k_codes(packed):
    """(blocks, 128) bytes -> (blocks, 256) nibble codes in value order."""
    p = packed.reshape(-1, 4, 1, 32)
    return np.concatenate([p & 15, p >> 4], axis=2).reshape(-1, QK_K).astype(np.int32)


def quantize_q4_k(values):
    """Quantise to Q4_K bytes (plain min/max fits, not llama-quantize's search)."""
    blocks = _k_blocks(values, "Q4_K")
    d, dmin, sc, mn, codes = _fit_k(blocks, 15)
    out = np.empty((blocks.shape[0], Q4_K_BLOCK_BYTES), dtype=np.uint8)
    out[:, 0:2] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = dmin.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 4:16] = _pack_k_scales(sc, mn)
    out[:, 16:] = _k_nibbles(codes)
    return out.tobytes()


def quantize_q5_k(values):
    """Quantise to Q5_K bytes (plain min/max fits)."""
    blocks = _k_blocks(values, "Q5_K")
    d, dmin, sc, mn, codes = _fit_k(blocks, 31)
    out = np.empty((blocks.shape[0], Q5_K_BLOCK_BYTES), dtype=np.uint8)
    out[:, 0:2] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = dmin.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 4:16] = _pack_k_scales(sc, mn)
    top = (codes.reshape(-1, 4, 2, 32) >> 4).astype(np.uint8)
    shifts = (2 * np.arange(4)[:, None] + np.arange(2)[None, :]).astype(np.uint8)  # (4, 2)
    out[:, 16:48] = (top << shifts[None, :, :, None]).sum(axis=(1, 2), dtype=np.uint8)
    out[:, 48:] = _k_nibbles(codes)
    return out.tobytes()


def _dequantize_k45(raw, n_elements, ggml_type):
    nbytes = Q5_K_BLOCK_BYTES if ggml_type == GGML_TYPE_Q5_K else Q4_K_BLOCK_BYTES
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(ggml_type, n_elements))
    blocks = blocks.reshape(-1, nbytes)
    d = blocks[:, 0:2].copy().view("<f2").astype(np.float32)
    dmin = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    sc, mn = _unpack_k_scales(blocks[:, 4:16])
    if ggml_type == GGML_TYPE_Q5_K:
        codes = _k_codes(blocks[:, 48:])
        qh = blocks[:, 16:48].astype(np.int32)[:, None, None, :]  # (blocks, 1, 1, 32)
        shifts = (2 * np.arange(4)[:, None] + np.arange(2)[None, :])[None, :, :, None]
        codes = codes | (((qh >> shifts) & 1) << 4).reshape(-1, QK_K)
    else:
        codes = _k_codes(blocks[:, 16:])
    sub = codes.reshape(-1, 8, 32).astype(np.float32)
    v = (d[:, :, None] * sc[:, :, None].astype(np.float32)) * sub - (dmin[:, :, None] * mn[:, :, None].astype(np.float32))
    return v.reshape(n_elements).astype(np.float32)


def quantize_q6_k(values):
    """Quantise to Q6_K bytes: per 16 values a signed step mapping the peak to -32, the
    steps int8 multiples of the super-block's half d."""
    blocks = _k_blocks(values, "Q6_K")
    sub = blocks.reshape(-1, 16, 16)
    idx = np.argmax(np.abs(sub), axis=2)
    peak = np.take_along_axis(sub, idx[:, :, None], axis=2)[:, :, 0]
    step = peak / np.float32(-32)
    d = (np.abs(step).max(axis=1) / np.float32(127)).astype(np.float16)
    df = d.astype(np.float32)[:, None]
    sc = np.clip(np.rint(np.divide(step, df, out=np.zeros_like(step), where=df > 0)), -127, 127)
    ds = (df * sc)[:, :, None]
    q = np.rint(np.divide(sub, ds, out=np.zeros_like(sub), where=ds != 0))
    codes = (np.clip(q, -32, 31) + 32).astype(np.uint8).reshape(-1, 2, 4, 32)  # (blocks, half, k, l)
    out = np.empty((blocks.shape[0], Q6_K_BLOCK_BYTES), dtype=np.uint8)
    ql = np.concatenate([(codes[:, :, 0] & 15) | ((codes[:, :, 2] & 15) << 4),
                         (codes[:, :, 1] & 15) | ((codes[:, :, 3] & 15) << 4)], axis=2)  # (blocks, 2, 64)
    qh = ((codes[:, :, 0] >> 4) | ((codes[:, :, 1] >> 4) << 2) | ((codes[:, :, 2] >> 4) << 4) |
          ((codes[:, :, 3] >> 4) << 6))  # (blocks, 2, 32)
    out[:, 0:128] = ql.reshape(-1, 128)
    out[:, 128:192] = qh.reshape(-1, 64)
    out[:, 192:208] = sc.astype(np.int8).view(np.uint8)
    out[:, 208:210] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    return out.tobytes()


def dequantize_q6_k(raw, n_elements):
    """Q6_K bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q6_K, n_elements))
    blocks = blocks.reshape(-1, Q6_K_BLOCK_BYTES)
    ql = blocks[:, 0:128].reshape(-1, 2, 64).astype(np.int32)
    qh = blocks[:, 128:192].reshape(-1, 2, 32).astype(np.int32)
    sc = blocks[:, 192:208].copy().view(np.int8).astype(np.float32)
    d = blocks[:, 208:210].copy().view("<f2").astype(np.float32)
    low = [ql[:, :, :32] & 15, ql[:, :, 32:] & 15, ql[:, :, :32] >> 4, ql[:, :, 32:] >> 4]
    codes = np.stack([low[k] | (((qh >> (2 * k)) & 3) << 4) for k in range(4)], axis=2)  # (blocks, 2, 4, 32)
    v = codes.reshape(-1, 16, 16).astype(np.float32) - 32
    return ((d[:, :, None] * sc[:, :, None]) * v).reshape(n_elements).astype(np.float32)


_I = np.arange(QK_K)
_LOW2_BYTE = 32 * (_I // 128) + _I % 32   # byte of value i's 2-bit code (Q2_K, Q3_K)
_LOW2_SHIFT = 2 * ((_I % 128) // 32)
_HMASK_BIT = 4 * (_I // 128) + (_I % 128) // 32  # bit of hmask[i % 32] holding Q3_K's third bit


def _pack_low2(codes):
    out = np.zeros((codes.shape[0], 64), dtype=np.uint8)
    for i in range(QK_K):
        out[:, _LOW2_BYTE[i]] |= ((codes[:, i] & 3) << _LOW2_SHIFT[i]).astype(np.uint8)
    return out


def _low2(qs):
    return (qs[:, _LOW2_BYTE].astype(np.int32) >> _LOW2_SHIFT) & 3


def quantize_q2_k(values):
    """Quantise to Q2_K bytes: per 16 values a minimum (kept <= 0) and 3 steps to the
    maximum, both as 4-bit multiples of the half d and dmin."""
    blocks = _k_blocks(values, "Q2_K")
    sub = blocks.reshape(-1, 16, 16)
    lo = np.minimum(sub.min(axis=2), 0)
    step = (sub.max(axis=2) - lo) / np.float32(3)
    d = (step.max(axis=1) / np.float32(15)).astype(np.float16)
    dmin = ((-lo).max(axis=1) / np.float32(15)).astype(np.float16)
    df, dminf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.clip(np.rint(np.divide(step, df, out=np.zeros_like(step), where=df > 0)), 0, 15)
    mn = np.clip(np.rint(np.divide(-lo, dminf, out=np.zeros_like(lo), where=dminf > 0)), 0, 15)
    ds, ms = (df * sc)[:, :, None], (dminf * mn)[:, :, None]
    codes = np.clip(np.rint(np.divide(sub + ms, ds, out=np.zeros_like(sub), where=ds > 0)), 0, 3)
    out = np.empty((blocks.shape[0], Q2_K_BLOCK_BYTES), dtype=np.uint8)
    out[:, 0:16] = (sc.astype(np.uint8) | (mn.astype(np.uint8) << 4))
    out[:, 16:80] = _pack_low2(codes.reshape(-1, QK_K).astype(np.uint8))
    out[:, 80:82] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 82:84] = dmin.astype("<f2").view(np.uint8).reshape(-1, 2)
    return out.tobytes()


def dequantize_q2_k(raw, n_elements):
    """Q2_K bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q2_K, n_elements))
    blocks = blocks.reshape(-1, Q2_K_BLOCK_BYTES)
    s = blocks[:, 0:16].astype(np.float32)
    sc, mn = np.floor(s % 16), np.floor(s / 16)
    d = blocks[:, 80:82].copy().view("<f2").astype(np.float32)
    dmin = blocks[:, 82:84].copy().view("<f2").astype(np.float32)
    codes = _low2(blocks[:, 16:80]).reshape(-1, 16, 16).astype(np.float32)
    v = (d[:, :, None] * sc[:, :, None]) * codes - (dmin[:, :, None] * mn[:, :, None])
    return v.reshape(n_elements).astype(np.float32)


def quantize_q3_k(values):
    """Quantise to Q3_K bytes: per 16 values a signed step mapping the peak to -4, the
    steps 6-bit multiples (-32..31) of the half d."""
    blocks = _k_blocks(values, "Q3_K")
    sub = blocks.reshape(-1, 16, 16)
    idx = np.argmax(np.abs(sub), axis=2)
    peak = np.take_along_axis(sub, idx[:, :, None], axis=2)[:, :, 0]
    step = peak / np.float32(-4)
    d = (np.abs(step).max(axis=1) / np.float32(31)).astype(np.float16)
    df = d.astype(np.float32)[:, None]
    sc = np.clip(np.rint(np.divide(step, df, out=np.zeros_like(step), where=df > 0)), -32, 31)
    ds = (df * sc)[:, :, None]
    q = np.rint(np.divide(sub, ds, out=np.zeros_like(sub), where=ds != 0))
    codes = (np.clip(q, -4, 3) + 4).astype(np.uint8).reshape(-1, QK_K)
    out = np.zeros((blocks.shape[0], Q3_K_BLOCK_BYTES), dtype=np.uint8)
    for i in range(QK_K):
        out[:, i % 32] |= ((codes[:, i] >> 2) << _HMASK_BIT[i]).astype(np.uint8)
    out[:, 32:96] = _pack_low2(codes)
    u = (sc + 32).astype(np.uint8)
    for k in range(16):
        out[:, 96 + k % 8] |= ((u[:, k] & 15) << (0 if k < 8 else 4)).astype(np.uint8)
        out[:, 104 + k % 4] |= ((u[:, k] >> 4) << (2 * (k // 4))).astype(np.uint8)
    out[:, 108:110] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    return out.tobytes()


def dequantize_q3_k(raw, n_elements):
    """Q3_K bytes -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=encoded_size(GGML_TYPE_Q3_K, n_elements))
    blocks = blocks.reshape(-1, Q3_K_BLOCK_BYTES)
    hm = blocks[:, 0:32].astype(np.int32)
    third = (hm[:, _I % 32] >> _HMASK_BIT) & 1
    codes = _low2(blocks[:, 32:96]) | (third << 2)
    p = blocks[:, 96:108].astype(np.int32)
    k = np.arange(16)
    low = np.where(k < 8, p[:, k % 8] & 15, p[:, k % 8] >> 4)
    sc = (low | (((p[:, 8 + k % 4] >> (2 * (k // 4))) & 3) << 4)) - 32
    d = blocks[:, 108:110].copy().view("<f2").astype(np.float32)
    v = (d[:, :, None] * sc[:, :, None].astype(np.float32)) * (codes.reshape(-1, 16, 16) - 4).astype(np.float32)
    return v.reshape(n_elements).astype(np.float32)


def encode(values, ggml_type):
    """Float array -> the bytes of ggml_type (row-major, last axis fastest)."""
    x = np.asarray(values, dtype=np.float32)
    if ggml_type == GGML_TYPE_F32:
        return x.astype("<f4").tobytes()
    if ggml_type == GGML_TYPE_F16:
        return x.astype("<f2").tobytes()
    if ggml_type == GGML_TYPE_Q8_0:
        return quantize_q8_0(x)
    if ggml_type == GGML_TYPE_Q4_0:
        return quantize_q4_0(x)
    if ggml_type == GGML_TYPE_Q5_0:
        return quantize_q5_0(x)
    if ggml_type == GGML_TYPE_Q4_1:
        return quantize_q4_1(x)
    if ggml_type == GGML_TYPE_Q5_1:
        return quantize_q5_1(x)
    if ggml_type == GGML_TYPE_BF16:
        return encode_bf16(x)
    if ggml_type == GGML_TYPE_Q4_K:
        return quantize_q4_k(x)
    if ggml_type == GGML_TYPE_Q5_K:
        return quantize_q5_k(x)
    if ggml_type == GGML_TYPE_Q6_K:
        return quantize_q6_k(x)
    if ggml_type == GGML_TYPE_Q2_K:
        return quantize_q2_k(x)
    if ggml_type == GGML_TYPE_Q3_K:
        return quantize_q3_k(x)
    raise ValueError(f"unsupported ggml type {ggml_type}")


def decode(raw, ggml_type, n_elements):
    """Bytes of ggml_type -> float32 array of n_elements (exact: no rounding added)."""
    if ggml_type == GGML_TYPE_F32:
        return np.frombuffer(raw, dtype="<f4", count=n_elements).astype(np.float32)
    if ggml_type == GGML_TYPE_F16:
        return np.frombuffer(raw, dtype="<f2", count=n_elements).astype(np.float32)
    if ggml_type == GGML_TYPE_Q8_0:
        return dequantize_q8_0(raw, n_elements)
    if ggml_type == GGML_TYPE_Q4_0:
        return dequantize_q4_0(raw, n_elements)
    if ggml_type == GGML_TYPE_Q5_0:
        return dequantize_q5_0(raw, n_elements)
    if ggml_type == GGML_TYPE_Q4_1:
        return dequantize_q4_1(raw, n_elements)
    if ggml_type == GGML_TYPE_Q5_1:
        return dequantize_q5_1(raw, n_elements)
    if ggml_type == GGML_TYPE_BF16:
        return decode_bf16(raw, n_elements)
    if ggml_type in (GGML_TYPE_Q4_K, GGML_TYPE_Q5_K):
        return _dequantize_k45(raw, n_elements, ggml_type)
    if ggml_type == GGML_TYPE_Q6_K:
        return dequantize_q6_k(raw, n_elements)
    if ggml_type == GGML_TYPE_Q2_K:
        return dequantize_q2_k(raw, n_elements)
    if ggml_type == GGML_TYPE_Q3_K:
        return dequantize_q3_k(raw, n_elements)
    raise ValueError(f"unsupported ggml type {ggml_type}")

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
"""

import numpy as np

GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
GGML_TYPE_Q4_0 = 2
GGML_TYPE_Q4_1 = 3
GGML_TYPE_Q5_0 = 6
GGML_TYPE_Q8_0 = 8

Q8_0_BLOCK = 32
Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK
Q4_0_BLOCK_BYTES = 2 + 16
Q5_0_BLOCK_BYTES = 2 + 4 + 16
Q4_1_BLOCK_BYTES = 2 + 2 + 16

TYPE_BY_NAME = {"f32": GGML_TYPE_F32, "f16": GGML_TYPE_F16, "q8_0": GGML_TYPE_Q8_0, "q4_0": GGML_TYPE_Q4_0, "q5_0": GGML_TYPE_Q5_0, "q4_1": GGML_TYPE_Q4_1}
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
    raise ValueError(f"unsupported ggml type {ggml_type}")

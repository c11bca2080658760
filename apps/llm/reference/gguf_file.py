"""GGUF version 3 files: a writer and a strict reader, written from the format's description.

Layout (all little-endian):
  magic "GGUF", u32 version (3), u64 tensor_count, u64 metadata_kv_count,
  metadata: key (string), u32 value type, value,
  tensor infos: name (string), u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset,
  zero padding to the alignment, then the tensor data blob.
A string is a u64 byte length followed by UTF-8 bytes (no terminator). An array is a u32
element type, a u64 count, then the elements. ne[0] is the fastest-varying dimension, so a
matrix with R rows of C columns has ne = [C, R]. Tensor offsets are relative to the start
of the data blob and are multiples of the alignment, which is general.alignment (u32) when
present and 32 otherwise.
"""

import struct

import numpy as np

import tensor_codec

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32

# Metadata value types.
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)

_SCALAR_FORMATS = {
    UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
    FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d",
}


class GGUFError(ValueError):
    """A malformed or unsupported GGUF file; the message names what is wrong."""


class Value:
    """A typed metadata value: type is one of the constants above; for an ARRAY,
    element_type says what the items are."""

    def __init__(self, type_, value, element_type=None):
        self.type = type_
        self.value = value
        self.element_type = element_type

    def __eq__(self, other):
        return (isinstance(other, Value) and self.type == other.type
                and self.element_type == other.element_type and self.value == other.value)

    def __repr__(self):
        return f"Value({self.type}, {self.value!r}, {self.element_type})"


def u32(v):
    return Value(UINT32, int(v))


def f32(v):
    return Value(FLOAT32, float(v))


def string(v):
    return Value(STRING, str(v))


def array(element_type, items):
    return Value(ARRAY, list(items), element_type)


class TensorInfo:
    def __init__(self, name, ne, ggml_type, offset):
        self.name = name
        self.ne = list(ne)
        self.ggml_type = ggml_type
        self.offset = offset

    @property
    def n_elements(self):
        n = 1
        for d in self.ne:
            n *= d
        return n

    @property
    def n_bytes(self):
        return tensor_codec.encoded_size(self.ggml_type, self.n_elements)


# ---------------------------------------------------------------- writing

def _pack_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _pack_scalar(type_, v):
    if type_ == STRING:
        return _pack_string(v)
    if type_ in (FLOAT32, FLOAT64):
        v = float(v)
    return struct.pack(_SCALAR_FORMATS[type_], v)


def _pack_value(val):
    out = struct.pack("<I", val.type)
    if val.type == ARRAY:
        if val.element_type == ARRAY:
            raise ValueError("nested arrays are not written by this tool")
        out += struct.pack("<IQ", val.element_type, len(val.value))
        out += b"".join(_pack_scalar(val.element_type, v) for v in val.value)
    else:
        out += _pack_scalar(val.type, val.value)
    return out


def _align_up(n, alignment):
    return (n + alignment - 1) // alignment * alignment


def write(path, metadata, tensors, alignment=DEFAULT_ALIGNMENT):
    """Write a GGUF v3 file.

    metadata: list of (key, Value), written in order (general.alignment is the caller's
    to include when alignment is not 32). tensors: list of (name, ne, ggml_type, raw bytes).
    """
    header = GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(tensors), len(metadata))
    meta = b"".join(_pack_string(k) + _pack_value(v) for k, v in metadata)
    infos = []
    offset = 0
    for name, ne, ggml_type, raw in tensors:
        expect = TensorInfo(name, ne, ggml_type, 0).n_bytes
        if len(raw) != expect:
            raise ValueError(f"tensor {name}: {len(raw)} bytes given, shape needs {expect}")
        infos.append(_pack_string(name) + struct.pack("<I", len(ne))
                     + b"".join(struct.pack("<Q", d) for d in ne)
                     + struct.pack("<IQ", ggml_type, offset))
        offset = _align_up(offset + len(raw), alignment)
    head = header + meta + b"".join(infos)
    with open(path, "wb") as f:
        f.write(head)
        f.write(b"\0" * (_align_up(len(head), alignment) - len(head)))
        for _, _, _, raw in tensors:
            f.write(raw)
            f.write(b"\0" * (_align_up(len(raw), alignment) - len(raw)))


# ---------------------------------------------------------------- reading

class _Cursor:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n, what):
        if n < 0 or self.pos + n > len(self.data):
            raise GGUFError(f"truncated file: {what} needs {n} bytes at offset {self.pos}, "
                            f"file has {len(self.data)}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what):
        n = self.unpack("<Q", what + " length")
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise GGUFError(f"{what} is not valid UTF-8: {e}") from None

    def scalar(self, type_, what):
        if type_ == STRING:
            return self.string(what)
        if type_ not in _SCALAR_FORMATS:
            raise GGUFError(f"{what}: unknown value type {type_}")
        return self.unpack(_SCALAR_FORMATS[type_], what)

    def value(self, what):
        type_ = self.unpack("<I", what + " type")
        if type_ != ARRAY:
            return Value(type_, self.scalar(type_, what))
        element_type = self.unpack("<I", what + " array element type")
        count = self.unpack("<Q", what + " array length")
        if element_type == ARRAY:
            raise GGUFError(f"{what}: nested arrays are not supported")
        # Each element takes at least one byte: refuse counts the file cannot hold.
        if count > len(self.data) - self.pos:
            raise GGUFError(f"{what}: array length {count} exceeds the file")
        return Value(ARRAY, [self.scalar(element_type, f"{what}[{i}]") for i in range(count)],
                     element_type)


class GGUFFile:
    """A parsed GGUF file: version, metadata (dict key -> Value, in file order),
    tensors (dict name -> TensorInfo, in file order), alignment, data_offset."""

    def __init__(self, data):
        self.data = data
        c = _Cursor(data)
        if c.take(4, "magic") != GGUF_MAGIC:
            raise GGUFError("bad magic: not a GGUF file")
        self.version = c.unpack("<I", "version")
        if self.version != GGUF_VERSION:
            raise GGUFError(f"unsupported GGUF version {self.version} (only 3)")
        n_tensors = c.unpack("<Q", "tensor count")
        n_kv = c.unpack("<Q", "metadata count")
        self.metadata = {}
        for i in range(n_kv):
            key = c.string(f"metadata key {i}")
            if key in self.metadata:
                raise GGUFError(f"duplicate metadata key {key!r}")
            self.metadata[key] = c.value(f"metadata {key!r}")
        self.alignment = DEFAULT_ALIGNMENT
        if "general.alignment" in self.metadata:
            a = self.metadata["general.alignment"]
            if a.type != UINT32 or a.value == 0 or a.value & (a.value - 1):
                raise GGUFError("general.alignment must be a u32 power of two")
            self.alignment = a.value
        self.tensors = {}
        for i in range(n_tensors):
            name = c.string(f"tensor {i} name")
            n_dims = c.unpack("<I", f"tensor {name!r} n_dims")
            if not 1 <= n_dims <= 4:
                raise GGUFError(f"tensor {name!r}: {n_dims} dimensions (1..4 allowed)")
            ne = [c.unpack("<Q", f"tensor {name!r} dim") for _ in range(n_dims)]
            ggml_type = c.unpack("<I", f"tensor {name!r} type")
            offset = c.unpack("<Q", f"tensor {name!r} offset")
            if name in self.tensors:
                raise GGUFError(f"duplicate tensor {name!r}")
            if ggml_type not in tensor_codec.NAME_BY_TYPE:
                raise GGUFError(f"tensor {name!r}: unsupported type {ggml_type}")
            if offset % self.alignment:
                raise GGUFError(f"tensor {name!r}: offset {offset} not aligned to {self.alignment}")
            self.tensors[name] = TensorInfo(name, ne, ggml_type, offset)
        self.data_offset = _align_up(c.pos, self.alignment)
        for t in self.tensors.values():
            try:
                size = t.n_bytes
            except ValueError as e:
                raise GGUFError(f"tensor {t.name!r}: {e}") from None
            if self.data_offset + t.offset + size > len(data):
                raise GGUFError(f"tensor {t.name!r}: data [{t.offset}, +{size}) lies outside the file")

    @classmethod
    def open(cls, path):
        with open(path, "rb") as f:
            return cls(f.read())

    def get(self, key, default=None):
        """The plain value of a metadata key (list for arrays), or default."""
        v = self.metadata.get(key)
        return default if v is None else v.value

    def tensor_bytes(self, name):
        t = self.tensors[name]
        start = self.data_offset + t.offset
        return self.data[start:start + t.n_bytes]

    def tensor(self, name):
        """The tensor as float32, shaped with the slowest dimension first (ne reversed)."""
        t = self.tensors[name]
        flat = tensor_codec.decode(self.tensor_bytes(name), t.ggml_type, t.n_elements)
        return np.asarray(flat).reshape(list(reversed(t.ne)))

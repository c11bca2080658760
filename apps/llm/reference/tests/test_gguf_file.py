#!/usr/bin/python3
"""GGUF writer/reader checks: byte layout against hand-assembled bytes, round trips of every
metadata type and tensor type, alignment, and the reader's refusals of malformed files."""

import os
import struct
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gguf_file as G  # noqa: E402
import tensor_codec as T  # noqa: E402


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.gguf")

    def tearDown(self):
        self.dir.cleanup()

    def bytes_of(self, metadata, tensors, alignment=32):
        G.write(self.path, metadata, tensors, alignment)
        with open(self.path, "rb") as f:
            return f.read()


class Layout(Tmp):
    def test_minimal_file_matches_hand_assembled_bytes(self):
        # One u32 key and one 2x1 f32 tensor, assembled here by hand from the format text,
        # so a symmetric writer/reader mistake cannot hide.
        raw = np.array([1.5, -2.0], dtype="<f4").tobytes()
        got = self.bytes_of([("a.b", G.u32(7))], [("w", [2], T.GGML_TYPE_F32, raw)])
        want = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
        want += struct.pack("<Q", 3) + b"a.b" + struct.pack("<II", 4, 7)
        want += struct.pack("<Q", 1) + b"w" + struct.pack("<IQIQ", 1, 2, 0, 0)
        want += b"\0" * (-len(want) % 32) + raw + b"\0" * (32 - len(raw))
        self.assertEqual(got, want)

    def test_string_and_array_encoding(self):
        got = self.bytes_of([("s", G.string("hé")), ("a", G.array(G.INT32, [-1, 2]))], [])
        body = got[24:]
        self.assertEqual(body[:8 + 1 + 4], struct.pack("<Q", 1) + b"s" + struct.pack("<I", G.STRING))
        self.assertEqual(body[13:13 + 8 + 3], struct.pack("<Q", 3) + "hé".encode())
        want = struct.pack("<Q", 1) + b"a" + struct.pack("<IIQii", G.ARRAY, G.INT32, 2, -1, 2)
        self.assertEqual(body[24:24 + len(want)], want)
        self.assertEqual(body[24 + len(want):], b"\0" * (len(body) - 24 - len(want)))  # padding

    def test_tensor_offsets_and_data_are_aligned(self):
        for alignment in (32, 64, 256):
            ts = [(f"t{i}", [32 * (i + 1)], T.GGML_TYPE_Q8_0,
                   T.encode(np.ones(32 * (i + 1)), T.GGML_TYPE_Q8_0)) for i in range(3)]
            md = [("general.alignment", G.u32(alignment))] if alignment != 32 else []
            data = self.bytes_of(md, ts, alignment)
            g = G.GGUFFile(data)
            self.assertEqual(g.alignment, alignment)
            self.assertEqual(g.data_offset % alignment, 0)
            for t in g.tensors.values():
                self.assertEqual(t.offset % alignment, 0)
            self.assertEqual(len(data) % alignment, 0)


class RoundTrip(Tmp):
    def test_every_metadata_type(self):
        md = [("u8", G.Value(G.UINT8, 255)), ("i8", G.Value(G.INT8, -128)),
              ("u16", G.Value(G.UINT16, 65535)), ("i16", G.Value(G.INT16, -32768)),
              ("u32", G.u32(2**32 - 1)), ("i32", G.Value(G.INT32, -2**31)),
              ("f32", G.f32(0.5)), ("bool", G.Value(G.BOOL, True)),
              ("str", G.string("▁hello <0x0A> 雪")), ("u64", G.Value(G.UINT64, 2**64 - 1)),
              ("i64", G.Value(G.INT64, -2**63)), ("f64", G.Value(G.FLOAT64, 1e-300)),
              ("arr.str", G.array(G.STRING, ["<unk>", "", "▁a"])),
              ("arr.f32", G.array(G.FLOAT32, [0.0, -1.25, 3.5])),
              ("arr.empty", G.array(G.UINT32, []))]
        g = G.GGUFFile(self.bytes_of(md, []))
        self.assertEqual(list(g.metadata), [k for k, _ in md])
        for k, v in md:
            self.assertEqual(g.metadata[k], v, k)

    def test_tensor_types_read_back(self):
        rng = np.random.default_rng(1)
        m = rng.standard_normal((3, 64)).astype(np.float32)
        ts = [("f32", [64, 3], T.GGML_TYPE_F32, T.encode(m, T.GGML_TYPE_F32)),
              ("f16", [64, 3], T.GGML_TYPE_F16, T.encode(m, T.GGML_TYPE_F16)),
              ("q8", [64, 3], T.GGML_TYPE_Q8_0, T.encode(m, T.GGML_TYPE_Q8_0)),
              ("vec", [5], T.GGML_TYPE_F32, T.encode(m[0, :5], T.GGML_TYPE_F32))]
        g = G.GGUFFile(self.bytes_of([], ts))
        self.assertEqual(g.tensors["q8"].ne, [64, 3])
        np.testing.assert_array_equal(g.tensor("f32"), m)
        np.testing.assert_array_equal(g.tensor("f16"), m.astype(np.float16).astype(np.float32))
        self.assertEqual(g.tensor("q8").shape, (3, 64))
        # Q8_0 error: half a quantisation step, plus 127 times the f16 rounding of the scale.
        step = np.abs(m.reshape(-1, 32)).max(axis=1) / 127
        err = np.abs(g.tensor("q8") - m).reshape(-1, 32).max(axis=1)
        self.assertTrue(np.all(err <= (0.5 + 127 * 2 ** -11) * step + 1e-7))
        self.assertTrue(np.any(err > 0.25 * step))  # and it really is quantised
        np.testing.assert_array_equal(g.tensor("vec"), m[0, :5])

    def test_writer_refuses_wrong_sizes(self):
        with self.assertRaises(ValueError):
            G.write(self.path, [], [("t", [4], T.GGML_TYPE_F32, b"\0" * 12)])
        with self.assertRaises(ValueError):
            T.encode(np.ones(31), T.GGML_TYPE_Q8_0)


class Q8_0(unittest.TestCase):
    def test_known_block(self):
        x = np.arange(32, dtype=np.float32) - 16  # amax 16 -> scale 16/127
        raw = T.quantize_q8_0(x)
        self.assertEqual(len(raw), 34)
        scale = np.frombuffer(raw[:2], dtype="<f2")[0]
        self.assertEqual(scale, np.float16(16 / 127))
        q = np.frombuffer(raw[2:], dtype=np.int8)
        self.assertEqual(q[0], -127)
        self.assertEqual(q[16], 0)
        self.assertEqual(q[31], round(15 * 127 / 16))
        self.assertEqual(q[17], 8)  # 1 * 127/16 = 7.94 -> 8

    def test_zero_block_and_half_away_rounding(self):
        raw = T.quantize_q8_0(np.zeros(32))
        self.assertEqual(raw, b"\0" * 34)
        x = np.zeros(32, dtype=np.float32)
        x[0], x[1] = 127.0, 2.5  # scale exactly 1: 2.5 rounds away from zero to 3
        self.assertEqual(np.frombuffer(T.quantize_q8_0(x)[2:], dtype=np.int8)[1], 3)


class Q4_0(unittest.TestCase):
    def test_hand_built_block(self):
        # scale 0.5; byte j = (15 - j) << 4 | j: value j has code j, value j + 16 code 15 - j.
        raw = np.float16(0.5).tobytes() + bytes(((15 - j) << 4) | j for j in range(16))
        v = T.decode(raw, T.GGML_TYPE_Q4_0, 32)
        np.testing.assert_array_equal(v[:16], 0.5 * (np.arange(16) - 8))
        np.testing.assert_array_equal(v[16:], 0.5 * (7 - np.arange(16)))
        self.assertEqual(T.encode(v, T.GGML_TYPE_Q4_0), raw)  # values on the grid round-trip

    def test_error_bound(self):
        m = np.random.default_rng(2).standard_normal((4, 64)).astype(np.float32)
        back = T.decode(T.encode(m, T.GGML_TYPE_Q4_0), T.GGML_TYPE_Q4_0, m.size).reshape(m.shape)
        step = np.abs(m.reshape(-1, 32)).max(axis=1) / 8
        err = np.abs(back - m).reshape(-1, 32).max(axis=1)
        self.assertTrue(np.all(err <= (0.5 + 8 * 2 ** -11) * step + 1e-6))
        with self.assertRaises(ValueError):
            T.encode(np.ones(48), T.GGML_TYPE_Q4_0)


class Q5_0(unittest.TestCase):
    def test_hand_built_block(self):
        # scale 0.25, low bits of value i = i % 16, top bits 0xF0F0F0F0.
        raw = (np.float16(0.25).tobytes() + bytes([0xF0] * 4) +
               bytes((j << 4) | j for j in range(16)))
        v = T.decode(raw, T.GGML_TYPE_Q5_0, 32)
        i = np.arange(32)
        np.testing.assert_array_equal(v, 0.25 * (((i % 16) | (((i // 4) % 2) << 4)) - 16))
        self.assertEqual(T.encode(v, T.GGML_TYPE_Q5_0), raw)

    def test_error_bound(self):
        m = np.random.default_rng(3).standard_normal((4, 64)).astype(np.float32)
        back = T.decode(T.encode(m, T.GGML_TYPE_Q5_0), T.GGML_TYPE_Q5_0, m.size).reshape(m.shape)
        step = np.abs(m.reshape(-1, 32)).max(axis=1) / 16
        err = np.abs(back - m).reshape(-1, 32).max(axis=1)
        self.assertTrue(np.all(err <= (0.5 + 16 * 2 ** -11) * step + 1e-6))


class Q4_1(unittest.TestCase):
    def test_hand_built_block(self):
        raw = np.float16(0.5).tobytes() + np.float16(-1).tobytes() + bytes((j << 4) | j for j in range(16))
        v = T.decode(raw, T.GGML_TYPE_Q4_1, 32)
        np.testing.assert_array_equal(v, 0.5 * (np.arange(32) % 16) - 1)
        self.assertEqual(T.encode(v, T.GGML_TYPE_Q4_1), raw)


class Q5_1(unittest.TestCase):
    def test_hand_built_block(self):
        # d 0.5, m -3, fifth bits 0xa5a5f00f, nibble of value i = i % 16.
        raw = (np.float16(0.5).tobytes() + np.float16(-3).tobytes() + struct.pack("<I", 0xA5A5F00F) +
               bytes((j << 4) | j for j in range(16)))
        v = T.decode(raw, T.GGML_TYPE_Q5_1, 32)
        i = np.arange(32)
        np.testing.assert_array_equal(v, 0.5 * ((i % 16) | (((0xA5A5F00F >> i) & 1) << 4)) - 3)
        # Values spanning all 32 codes (d 0.5 exactly) round-trip: code i for value i.
        full = (0.5 * i - 3).astype(np.float32)
        want = (np.float16(0.5).tobytes() + np.float16(-3).tobytes() + struct.pack("<I", 0xFFFF0000) +
                bytes(j | (j << 4) for j in range(16)))
        self.assertEqual(T.encode(full, T.GGML_TYPE_Q5_1), want)


class BF16(unittest.TestCase):
    def test_rounding(self):
        x = np.array([1.0, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20], dtype=np.float32)
        self.assertEqual(np.frombuffer(T.encode(x, T.GGML_TYPE_BF16), "<u2").tolist(),
                         [0x3F80, 0xC020, 0x3F80, 0x3F82, 0x3F81])
        self.assertTrue(np.isnan(T.decode(T.encode([np.nan], T.GGML_TYPE_BF16), T.GGML_TYPE_BF16, 1)[0]))


K_SC = [1, 2, 3, 63, 17, 33, 48, 5]
K_MN = [0, 1, 2, 3, 20, 40, 63, 7]


def k_scale_bytes():
    # Bytes 0-3: sc[0..3] | top bits of sc[4..7]; 4-7 the same for the mins; 8-11 low nibbles.
    return bytes([K_SC[j] | (K_SC[j + 4] >> 4) << 6 for j in range(4)] +
                 [K_MN[j] | (K_MN[j + 4] >> 4) << 6 for j in range(4)] +
                 [(K_SC[j + 4] & 15) | (K_MN[j + 4] & 15) << 4 for j in range(4)])


class KQuants(unittest.TestCase):
    """The hand-built super-blocks of the C tests (test_kernels.c): the same bytes must
    decode to the same values here."""

    def test_q4_k_hand_built_block(self):
        code = [(i * 7) % 16 for i in range(256)]
        qs = bytes(code[64 * c + l] | code[64 * c + 32 + l] << 4 for c in range(4) for l in range(32))
        raw = np.float16(0.5).tobytes() + np.float16(0.25).tobytes() + k_scale_bytes() + qs
        v = T.decode(raw, T.GGML_TYPE_Q4_K, 256)
        i = np.arange(256)
        want = 0.5 * np.array(K_SC)[i // 32] * np.array(code) - 0.25 * np.array(K_MN)[i // 32]
        np.testing.assert_array_equal(v, want)

    def test_q5_k_hand_built_block(self):
        code = [(i * 11) % 32 for i in range(256)]
        qs = bytes((code[64 * c + l] & 15) | (code[64 * c + 32 + l] & 15) << 4 for c in range(4) for l in range(32))
        qh = bytes(sum((code[64 * c + l] >> 4) << (2 * c) | (code[64 * c + 32 + l] >> 4) << (2 * c + 1)
                       for c in range(4)) for l in range(32))
        raw = np.float16(0.5).tobytes() + np.float16(1.0).tobytes() + k_scale_bytes() + qh + qs
        v = T.decode(raw, T.GGML_TYPE_Q5_K, 256)
        i = np.arange(256)
        np.testing.assert_array_equal(v, 0.5 * np.array(K_SC)[i // 32] * np.array(code) - np.array(K_MN)[i // 32])

    def test_q6_k_hand_built_block(self):
        code = [(i * 5) % 64 for i in range(256)]
        ql, qh = bytearray(128), bytearray(64)
        for h in range(2):
            for l in range(32):
                c = [code[128 * h + 32 * k + l] for k in range(4)]
                ql[64 * h + l] = (c[0] & 15) | (c[2] & 15) << 4
                ql[64 * h + l + 32] = (c[1] & 15) | (c[3] & 15) << 4
                qh[32 * h + l] = (c[0] >> 4) | (c[1] >> 4) << 2 | (c[2] >> 4) << 4 | (c[3] >> 4) << 6
        sc = np.array([9 * g - 70 for g in range(16)], dtype=np.int8)
        raw = bytes(ql) + bytes(qh) + sc.tobytes() + np.float16(0.125).tobytes()
        v = T.decode(raw, T.GGML_TYPE_Q6_K, 256)
        i = np.arange(256)
        np.testing.assert_array_equal(v, 0.125 * sc.astype(np.float32)[i // 16] * (np.array(code) - 32))

    def test_q2_k_hand_built_block(self):
        # The test_kernels.c block: scale/min byte g = g | (15 - g) << 4, code (i * 3) % 4.
        i = np.arange(256)
        qs = bytearray(64)
        for k in range(256):
            qs[32 * (k // 128) + k % 32] |= ((k * 3) % 4) << (2 * ((k % 128) // 32))
        raw = (bytes(g | (15 - g) << 4 for g in range(16)) + bytes(qs) + np.float16(0.5).tobytes() +
               np.float16(0.25).tobytes())
        v = T.decode(raw, T.GGML_TYPE_Q2_K, 256)
        np.testing.assert_array_equal(v, 0.5 * (i // 16) * ((i * 3) % 4) - 0.25 * (15 - i // 16))

    def test_q3_k_hand_built_block(self):
        # The test_kernels.c block: third bit where i % 3 == 0, low bits (i * 5) % 4,
        # six-bit scale of sub-block g 4g + 1.
        i = np.arange(256)
        b = bytearray(110)
        for k in range(256):
            n, j, l = k // 128, (k % 128) // 32, k % 32
            b[l] |= (k % 3 == 0) << (4 * n + j)
            b[32 + 32 * n + l] |= ((k * 5) % 4) << (2 * j)
        for g in range(16):
            u = 4 * g + 1
            b[96 + g % 8] |= (u & 15) << (0 if g < 8 else 4)
            b[104 + g % 4] |= (u >> 4) << (2 * (g // 4))
        b[108:110] = np.float16(0.125).tobytes()
        v = T.decode(bytes(b), T.GGML_TYPE_Q3_K, 256)
        codes = ((i * 5) % 4) | ((i % 3 == 0) << 2)
        np.testing.assert_array_equal(v, 0.125 * (4 * (i // 16) - 31) * (codes - 4))

    def test_round_trip_error_and_sizes(self):
        m = np.random.default_rng(4).uniform(-1, 1, (3, 512)).astype(np.float32)
        # rms bounds about a step / sqrt(12) (see test_quantisers_error in test_kernels.c)
        for t, nbytes, rms in ((T.GGML_TYPE_Q4_K, 144, 0.045), (T.GGML_TYPE_Q5_K, 176, 0.022),
                               (T.GGML_TYPE_Q6_K, 210, 0.011), (T.GGML_TYPE_Q5_1, 24 * 8, 0.02),
                               (T.GGML_TYPE_Q2_K, 84, 0.2), (T.GGML_TYPE_Q3_K, 110, 0.08)):
            raw = T.encode(m, t)
            self.assertEqual(len(raw), m.size // 256 * nbytes)
            back = T.decode(raw, t, m.size).reshape(m.shape)
            err = np.sqrt(np.mean((back - m) ** 2))
            self.assertLess(err, rms, t)
            self.assertGreater(err, rms / 10, t)  # and it really is quantised
        with self.assertRaises(ValueError):
            T.encode(np.ones(288), T.GGML_TYPE_Q4_K)


class Refusals(Tmp):
    def good(self):
        ts = [("w", [32, 2], T.GGML_TYPE_Q8_0, T.encode(np.ones((2, 32)), T.GGML_TYPE_Q8_0))]
        return self.bytes_of([("k", G.u32(1))], ts)

    def refused(self, data, words):
        with self.assertRaises(G.GGUFError) as cm:
            G.GGUFFile(data)
        self.assertIn(words, str(cm.exception))

    def test_good_file_parses(self):
        G.GGUFFile(self.good())

    def test_bad_magic(self):
        self.refused(b"GGUX" + self.good()[4:], "bad magic")

    def test_bad_version(self):
        d = self.good()
        self.refused(d[:4] + struct.pack("<I", 2) + d[8:], "version 2")

    def test_every_truncation(self):
        d = self.good()
        data_start = G.GGUFFile(d).data_offset
        for n in range(0, data_start, 3):
            with self.assertRaises(G.GGUFError):
                G.GGUFFile(d[:n])
        self.refused(d[:data_start + 10], "outside the file")

    def test_tensor_offset_out_of_range(self):
        d = bytearray(self.good())
        g = G.GGUFFile(bytes(d))
        at = d.index(b"\x01\x00\x00\x00\x00\x00\x00\x00w") + 9 + 4 + 16 + 4
        d[at:at + 8] = struct.pack("<Q", 1 << 40)
        self.refused(bytes(d), "outside the file")
        d[at:at + 8] = struct.pack("<Q", 1)
        self.refused(bytes(d), "not aligned")
        self.assertEqual(g.tensors["w"].offset, 0)

    def test_unsupported_tensor_type_and_dims(self):
        d = bytearray(self.good())
        at = d.index(b"\x01\x00\x00\x00\x00\x00\x00\x00w") + 9
        d2 = bytearray(d)
        d2[at:at + 4] = struct.pack("<I", 9)
        self.refused(bytes(d2), "dimensions")
        d2 = bytearray(d)
        d2[at + 4 + 16:at + 4 + 16 + 4] = struct.pack("<I", 20)  # IQ4_NL
        self.refused(bytes(d2), "unsupported type")

    def test_huge_array_count(self):
        d = self.bytes_of([("a", G.array(G.UINT8, [1, 2]))], [])
        at = d.index(struct.pack("<IIQ", G.ARRAY, G.UINT8, 2)) + 8
        bad = d[:at] + struct.pack("<Q", 2**62) + d[at + 8:]
        self.refused(bad, "exceeds the file")

    def test_bad_alignment_value(self):
        self.refused(self.bytes_of([("general.alignment", G.u32(48))], [], 32), "power of two")


if __name__ == "__main__":
    unittest.main()

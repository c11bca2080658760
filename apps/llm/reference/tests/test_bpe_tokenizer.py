#!/usr/bin/python3
"""Tokenizer checks: the fixed vocabulary layout, score-driven merges, byte fallback,
round trips on random Unicode text, and the decode rules."""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import bpe_tokenizer as B  # noqa: E402

S = B.SPACE


def handmade(extra):
    """A vocabulary with the fixed tokens plus (piece, score) pairs."""
    return B.Vocabulary(B.fixed_pieces() + [p for p, _ in extra], [0.0] * B.N_FIXED + [s for _, s in extra])


class Layout(unittest.TestCase):
    def test_fixed_ids(self):
        v = B.build(B.SAMPLE_CORPUS, 400)
        self.assertEqual(v.pieces[:3], ["<unk>", "<s>", "</s>"])
        self.assertEqual(v.pieces[3], "<0x00>")
        self.assertEqual(v.pieces[3 + 0x0A], "<0x0A>")
        self.assertEqual(v.pieces[258], "<0xFF>")
        self.assertEqual(len(v), 400)
        self.assertEqual(len(set(v.pieces)), 400)
        learned = v.scores[B.N_FIXED:]
        self.assertEqual(len(set(learned)), len(learned))  # no score ties between pieces
        self.assertEqual(v.token_types()[:4], [2, 3, 3, 6])
        self.assertEqual(v.token_types()[259], 1)

    def test_sizes(self):
        self.assertEqual(len(B.build(B.SAMPLE_CORPUS, 259)), 259)
        self.assertEqual(len(B.build("ab", 300)), 300)  # padded with filler pieces
        with self.assertRaises(ValueError):
            B.build(B.SAMPLE_CORPUS, 258)
        with self.assertRaises(ValueError):
            B.Vocabulary(["x"] * 300, [0.0] * 300)


class Encode(unittest.TestCase):
    def test_bos_and_empty(self):
        v = B.build(B.SAMPLE_CORPUS, 400)
        self.assertEqual(v.encode(""), [B.BOS_ID])
        self.assertEqual(v.encode("robot")[0], B.BOS_ID)

    def test_highest_score_merges_first(self):
        base = [(S, -10.0), ("a", -11.0), ("b", -12.0), ("c", -13.0)]
        v = handmade(base + [("ab", -1.0), ("bc", -2.0)])
        self.assertEqual([v.pieces[i] for i in v.encode("abc")[1:]], [S, "ab", "c"])
        v = handmade(base + [("ab", -2.0), ("bc", -1.0)])
        self.assertEqual([v.pieces[i] for i in v.encode("abc")[1:]], [S, "a", "bc"])

    def test_leftmost_of_equal_candidates(self):
        v = handmade([(S, -10.0), ("a", -11.0), ("aa", -1.0)])
        self.assertEqual([v.pieces[i] for i in v.encode("aaa")[1:]], [S, "aa", "a"])

    def test_merges_chain_into_words(self):
        v = handmade([(S, -10.0), ("h", -11.0), ("i", -12.0), ("hi", -3.0), (S + "hi", -2.0)])
        self.assertEqual([v.pieces[i] for i in v.encode("hi hi")[1:]], [S + "hi", S + "hi"])

    def test_byte_fallback(self):
        v = B.build(B.SAMPLE_CORPUS, 400)
        ids = v.encode("☃")
        self.assertEqual(ids[2:], [3 + 0xE2, 3 + 0x98, 3 + 0x83])
        self.assertEqual(v.pieces[ids[1]], S)

    def test_learned_vocabulary_compresses_its_corpus(self):
        v = B.build(B.SAMPLE_CORPUS, 512)
        text = "the little robot walked to the harbour"
        self.assertLess(len(v.encode(text)), len(text) // 2)


class Decode(unittest.TestCase):
    def setUp(self):
        self.v = B.build(B.SAMPLE_CORPUS, 400)

    def test_round_trip_random_unicode(self):
        rng = np.random.default_rng(7)
        alphabet = list("abcdefghijklmnopqrstuvwxyz THE.,!?\n\t") + ["é", "ü", "雪", "☃", "😀", "\x00"]
        for _ in range(200):
            text = "".join(rng.choice(alphabet, size=int(rng.integers(1, 40))))
            ids = self.v.encode(text)
            self.assertEqual(self.v.decode(ids), text, repr(text))

    def test_rules(self):
        v = handmade([(S, -1.0), (S + "a", -2.0), ("a", -3.0)])
        a_sp = v.id_of[S + "a"]
        self.assertEqual(v.decode([B.BOS_ID, a_sp, a_sp]), "a a")      # space dropped after BOS only
        self.assertEqual(v.decode([a_sp, a_sp]), " a a")
        self.assertEqual(v.decode([B.UNK_ID, B.EOS_ID, B.BOS_ID]), "")   # control tokens are silent
        self.assertEqual(v.decode([B.BOS_ID, 3 + 0x20, 3 + ord("x")]), " x")  # bytes are not stripped
        self.assertEqual(v.decode_bytes([3 + 0xC3, 3 + 0xA9]), "é".encode())
        with self.assertRaises(ValueError):
            v.decode([len(v)])


if __name__ == "__main__":
    unittest.main()

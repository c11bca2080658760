#!/usr/bin/python3
"""The committed apps/llm/src/unicode_tables.c is what gen_unicode_tables.py writes, when this
interpreter's unicodedata has the Unicode version the file was made from (skipped otherwise)."""

import os
import sys
import unicodedata
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import gen_unicode_tables  # noqa: E402

COMMITTED = os.path.join(HERE, "..", "..", "src", "unicode_tables.c")


class Tables(unittest.TestCase):
    def test_committed_file_is_generated(self):
        with open(COMMITTED) as f:
            text = f.read()
        if f'"{unicodedata.unidata_version}"' not in text:
            self.skipTest(f"unicodedata is Unicode {unicodedata.unidata_version}, the file another")
        self.assertEqual(text, gen_unicode_tables.render())


if __name__ == "__main__":
    unittest.main()

"""Normalisation: the folding key that every scorer reads.

The key has exactly the same length as the input, character for character, so
an offset found in the key is an offset into the original text. It is built
from a table that composes, per character, NFKC → casefold →
Traditional-to-Simplified (OpenCC's character dictionary): ``str.translate``
for short texts, a numpy code-point lookup for long ones (same result, ~10x
faster: translate looks every character up in a dict).
Characters whose fold would change the length (``ß`` → ``ss``, ``ﬁ`` → ``fi``)
keep a one-character approximation; the key is only for scoring, never output.
"""
from __future__ import annotations

import threading
import unicodedata
from typing import Any

__all__ = ["fold", "fold_table"]

_lock = threading.Lock()
_table: dict[int, str] | None = None
_array: Any = None  # numpy uint32 lookup: code point -> folded code point (identity past its end)

#: texts shorter than this are folded with str.translate (numpy's fixed cost is higher)
_NUMPY_FROM = 256

# Ranges whose characters NFKC or casefold can change. CJK Unified Ideographs
# (U+4E00..U+9FFF) are not in them: only Traditional→Simplified touches those.
_UNICODE_RANGES = ((0x00A0, 0x4DFF), (0xA000, 0xD7FF), (0xF900, 0xFFEF), (0x1D400, 0x1D7FF))


def _one_char(s: str, original: str) -> str:
    if len(s) == 1:
        return s
    low = original.lower()
    return low if len(low) == 1 else original


def _build_table() -> dict[int, str]:
    from .convert import fold_char_map  # lazy: reads OpenCC's dictionaries

    t2s = fold_char_map()
    table: dict[int, str] = {}
    for lo, hi in _UNICODE_RANGES:
        for cp in range(lo, hi + 1):
            c = chr(cp)
            folded = _one_char(unicodedata.normalize("NFKC", c).casefold(), c)
            folded = t2s.get(folded, folded)
            if folded != c:
                table[cp] = folded
    for cp in range(0x41, 0x5B):  # ASCII capitals
        table[cp] = chr(cp + 32)
    # "\r" reads as "\n" so that rule anchors (^, $) work on CR and CRLF text
    table[0x0D] = "\n"
    for trad, simp in t2s.items():
        if len(trad) == 1 and ord(trad) not in table:
            table[ord(trad)] = simp
    return table


def fold_table() -> dict[int, str]:
    """The translate table behind :func:`fold`, built once per process."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _build_table()
    return _table


def _fold_array() -> Any:
    global _array
    if _array is None:
        import numpy as np

        table = fold_table()
        array = np.arange(max(table) + 1, dtype=np.uint32)
        array[np.fromiter(table.keys(), dtype=np.int64, count=len(table))] = np.fromiter(
            map(ord, table.values()), dtype=np.uint32, count=len(table)
        )
        _array = array
    return _array


#: texts longer than this fold in chunks of this many characters
_FOLD_CHUNK = 1 << 20


def fold(text: str) -> str:
    """Return the folding key of *text*: same length, NFKC + casefold + T→S, CR read as LF."""
    if len(text) < _NUMPY_FROM:
        return text.translate(fold_table())
    if len(text) > _FOLD_CHUNK:
        # character by character, so chunks fold alike; each chunk's arrays
        # are a few MB where a whole 10 MB text would need some 60 MB at once
        return "".join(fold(text[i : i + _FOLD_CHUNK]) for i in range(0, len(text), _FOLD_CHUNK))
    import numpy as np

    table = _fold_array()
    # surrogatepass: a lone surrogate is a valid str character and folds to itself
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if int(codes.max()) < len(table):
        out = table[codes]
    else:
        out = codes.copy()
        inside = codes < len(table)
        out[inside] = table[codes[inside]]
    return out.tobytes().decode("utf-32-le", "surrogatepass")

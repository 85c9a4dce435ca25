"""Spun text: detect pages that went through a word spinner and restore them.

Spam farms copy news and run it through a spinner that swaps strings by a
fixed table (人→东谈主, 美元→好意思元, 模型→模子 …). Its output contains
strings natural Chinese almost never does; those are the evidence.

Dictionary tiers (``textclean/data/spin_dict.tsv``, see ``SPIN_DICT.md``):

``safe``
    spinner artifacts (东说念主, 好意思元). They make the spin score and are
    always reversed on a page that is flagged as spun.
``context``
    real words the spinner also produces (模子, 协作, 齐集). Reversed only on
    a flagged page *and* when a safe artifact lies within
    :data:`CONTEXT_WINDOW` characters of the match (spinner output is dense;
    an isolated real word on a spun page is more likely genuine).
``unsafe``
    listed for documentation only (咱们, 不错): never reversed.
``keep``
    natural strings that contain a shorter entry (不好意思 contains 好意思).
    Matching is longest-first, so a ``keep`` match shields its substrings.

Everything is matched on :func:`textclean.normalize.fold` of the text (same
length, Traditional folded to Simplified), so offsets found in the key are
offsets into the input and one dictionary serves both scripts. A restored
word follows the input's script: on a Traditional span (or a Traditional page
when the span itself is script-neutral, like 好意思) the Simplified original
is converted with OpenCC ``s2t``.
"""
from __future__ import annotations

import bisect
import functools
import logging
import operator
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import numpy as np
import regex

from .normalize import fold
from .report import Replacement

__all__ = [
    "DEFAULT_THRESHOLD",
    "CONTEXT_WINDOW",
    "MIN_HAN",
    "TIERS",
    "SpinEntry",
    "load_spin_dict",
    "spin_score",
    "is_spun",
    "despin",
    "despin_with_replacements",
]

log = logging.getLogger(__name__)

#: spin score (safe artifacts per 1000 Han characters) above which a page is spun
DEFAULT_THRESHOLD = 3.0
#: a context entry is restored only if a safe artifact starts within this many chars
CONTEXT_WINDOW = 80
#: short texts are scored as if they had this many Han characters, so a single
#: stray artifact in a headline cannot flag it
MIN_HAN = 500
#: share of differing Han characters (text vs. fold) that makes a page Traditional
_TRAD_SHARE = 0.05

TIERS = ("safe", "context", "unsafe", "keep")

_HAN = regex.compile(r"\p{Han}")


@dataclass(frozen=True, slots=True)
class SpinEntry:
    """One dictionary row: the spun string, its original and its tier."""

    spun: str
    original: str
    tier: str


@dataclass(frozen=True, slots=True)
class _Dict:
    entries: dict[str, SpinEntry]
    #: sorted (first << 21 | second) code pairs that start an entry of 2+ characters
    heads: np.ndarray
    #: sorted code points of the one-character entries
    singles: np.ndarray
    #: first two characters -> lengths of the entries starting with them, longest first
    lengths: dict[str, tuple[int, ...]]


_lock = threading.Lock()
_dict: _Dict | None = None
_s2t_lock = threading.Lock()
_s2t_convert = None


def _parse(text: str, source: str) -> dict[str, SpinEntry]:
    entries: dict[str, SpinEntry] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or cols[2] not in TIERS or not cols[0]:
            raise ValueError(f"{source}:{n}: expected spun<TAB>original<TAB>tier, got {line!r}")
        spun = fold(cols[0])  # match on the key, whatever script the row was typed in
        if spun in entries:
            raise ValueError(f"{source}:{n}: duplicate spun string {cols[0]!r}")
        entries[spun] = SpinEntry(spun, cols[1], cols[2])
    return entries


def load_spin_dict() -> Mapping[str, SpinEntry]:
    """The shipped spin dictionary (read-only), keyed by the folded spun string."""
    return MappingProxyType(_get().entries)


def _get() -> _Dict:
    global _dict
    if _dict is None:
        with _lock:
            if _dict is None:
                res = resources.files("textclean") / "data" / "spin_dict.tsv"
                entries = _parse(res.read_text(encoding="utf-8"), "spin_dict.tsv")
                _dict = _index(entries)
                log.debug("loaded %d spin dictionary rows", len(entries))
    return _dict


def _index(entries: dict[str, SpinEntry]) -> _Dict:
    lengths: dict[str, set[int]] = {}
    for spun in entries:
        if len(spun) > 1:
            lengths.setdefault(spun[:2], set()).add(len(spun))
    heads = sorted(ord(h[0]) << 21 | ord(h[1]) for h in lengths)
    singles = sorted(ord(spun) for spun in entries if len(spun) == 1)
    return _Dict(
        entries,
        np.array(heads, dtype=np.int64),
        np.array(singles, dtype=np.int64),
        {h: tuple(sorted(ns, reverse=True)) for h, ns in lengths.items()},
    )


def _codes(key: str) -> np.ndarray:
    # surrogatepass: a lone surrogate is a valid str character, just never Han or an entry
    return np.frombuffer(key.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


#: numpy passes over a key run in chunks of this many characters, so a huge
#: text needs a few MB of arrays, not some 40 bytes per character
_CHUNK = 1 << 18


def _code_chunks(key: str):
    """``(offset, codes)`` per chunk; each chunk's codes run one character
    past it, so pairs across a chunk boundary are seen."""
    for lo in range(0, len(key), _CHUNK):
        yield lo, _codes(key[lo : lo + _CHUNK + 1])


def _start_mask(key: str, d) -> np.ndarray:
    """Positions where some entry may start: a one-character entry, or the
    first two characters of a longer one."""
    start = np.zeros(len(key), dtype=bool)
    for lo, c in _code_chunks(key):
        n = min(_CHUNK, len(key) - lo)
        s = _member(c[:n], d.singles)
        if len(c) > 1:
            s[: len(c) - 1] |= _member(c[:-1] << 21 | c[1:], d.heads)
        start[lo : lo + n] = s
    return start


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if not sorted_set.size:
        return np.zeros(len(values), dtype=bool)
    idx = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[idx] == values


def _matches(key: str, codes: np.ndarray | None = None) -> list[tuple[int, int, SpinEntry]]:
    """Leftmost, longest, non-overlapping dictionary matches (what ``regex``'s ``\\L<list>`` finds).

    Candidate starts (the first two characters of some entry, or a
    one-character entry) are found with numpy; only those few positions are
    looked at in Python.
    """
    d = _get()
    if codes is None:
        start = _start_mask(key, d)
    else:
        start = _member(codes, d.singles)
        if len(codes) > 1:
            start[:-1] |= _member(codes[:-1] << 21 | codes[1:], d.heads)
    out: list[tuple[int, int, SpinEntry]] = []
    entries, lengths, end, size = d.entries, d.lengths, 0, len(key)
    candidates = np.flatnonzero(start)
    # a few thousand at a time: one Python int per candidate of a whole huge text adds up
    for i in (i for lo in range(0, len(candidates), 4096) for i in candidates[lo : lo + 4096].tolist()):
        if i < end:
            continue
        for n in lengths.get(key[i : i + 2], ()):
            entry = entries.get(key[i : i + n]) if i + n <= size else None
            if entry is not None:
                break
        else:
            n, entry = 1, entries.get(key[i])
        if entry is not None:
            end = i + n
            out.append((i, end, entry))
    return out


#: code points below this are classified by a table; the rest (no Han there
#: today) by the regex
_TABLE_SIZE = 0x40000


@functools.lru_cache(maxsize=1)
def _han_table() -> np.ndarray:
    """Which code points are ``\\p{Han}``, as the installed ``regex`` says (built once)."""
    cps = np.arange(_TABLE_SIZE, dtype=np.uint32)
    cps = cps[(cps < 0xD800) | (cps > 0xDFFF)]
    han = regex.sub(r"\P{Han}+", "", cps.tobytes().decode("utf-32-le"))
    table = np.zeros(_TABLE_SIZE, dtype=bool)
    table[np.frombuffer(han.encode("utf-32-le"), dtype=np.uint32)] = True
    return table


def _han_count(key: str, codes: np.ndarray | None = None) -> int:
    if codes is None:
        return sum(_han_count("", c[:_CHUNK]) for _lo, c in _code_chunks(key))
    table = _han_table()
    small = codes < _TABLE_SIZE
    count = int(np.count_nonzero(table[codes[small]]))
    if not small.all():
        count += len(_HAN.findall("".join(map(chr, codes[~small].tolist()))))
    return count


def _score(key: str, matches: list[tuple[int, int, SpinEntry]], codes: np.ndarray | None = None) -> float:
    safe = sum(1 for _s, _e, entry in matches if entry.tier == "safe")
    han = _han_count(key, codes)
    return 1000.0 * safe / max(han, MIN_HAN)


def spin_score(text: str, *, key: str | None = None) -> float:
    """Safe spinner artifacts per 1000 Han characters (at least :data:`MIN_HAN`).

    Natural Chinese scores 0 almost always; seed 002 scores far above 10.
    *key*: the text's folding key (``normalize.fold(text)``) when the caller
    already has it.
    """
    if key is None:
        key = fold(text)
    elif len(key) != len(text):
        raise ValueError("key must be the folding key of text (same length)")
    return _score(key, _matches(key))


def is_spun(text: str, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """True when :func:`spin_score` of *text* is at least *threshold*."""
    return spin_score(text) >= threshold


def _s2t(text: str) -> str:
    global _s2t_convert
    if _s2t_convert is None:
        with _s2t_lock:
            if _s2t_convert is None:
                from opencc import OpenCC  # lazy: reads dictionaries

                _s2t_convert = OpenCC("s2t").convert
    return _s2t_convert(text)


def _is_traditional(text: str) -> bool:
    """Does the page write enough Han characters that fold to another one?"""
    han = "".join(_HAN.findall(text))
    if not han:
        return False
    differing = sum(map(operator.ne, han, fold(han)))  # C-level, no Python loop
    return differing / len(han) >= _TRAD_SHARE


def _supported(start: int, end: int, safe_starts: list[int]) -> bool:
    """Is there a safe artifact starting within the context window?"""
    i = bisect.bisect_left(safe_starts, start - CONTEXT_WINDOW)
    return i < len(safe_starts) and safe_starts[i] <= end + CONTEXT_WINDOW


def _restorable(matches: list[tuple[int, int, SpinEntry]]) -> list[tuple[int, int, SpinEntry]]:
    safe_starts = [s for s, _e, entry in matches if entry.tier == "safe"]
    out = []
    for s, e, entry in matches:
        if entry.tier == "safe" or (entry.tier == "context" and _supported(s, e, safe_starts)):
            out.append((s, e, entry))
    return out


def despin_with_replacements(
    text: str, *, force: bool = False, threshold: float = DEFAULT_THRESHOLD
) -> tuple[str, list[Replacement]]:
    """Restore a spun page; return the text and the replacements made.

    Pages scoring under *threshold* come back unchanged unless *force*.
    Replacement offsets point into *text*; applying them in order rebuilds
    the returned string.
    """
    if not isinstance(text, str):
        raise TypeError(f"despin expects str, not {type(text).__name__}; decode bytes first")
    key = fold(text)
    matches = _matches(key)
    if not matches or (not force and _score(key, matches) < threshold):
        return text, []
    page_trad: bool | None = None
    parts: list[str] = []
    reps: list[Replacement] = []
    last = 0
    for s, e, entry in _restorable(matches):
        old = text[s:e]
        new = entry.original
        if old != key[s:e]:
            new = _s2t(new)
        elif entry.spun != entry.original:
            if page_trad is None:
                page_trad = _is_traditional(text)
            if page_trad:
                new = _s2t(new)
        if new == old:
            continue
        parts.append(text[last:s])
        parts.append(new)
        last = e
        reps.append(Replacement(s, e, old, new, entry.tier))
    parts.append(text[last:])
    return "".join(parts), reps


def despin(text: str, *, force: bool = False, threshold: float = DEFAULT_THRESHOLD) -> str:
    """:func:`despin_with_replacements` without the replacement list."""
    return despin_with_replacements(text, force=force, threshold=threshold)[0]

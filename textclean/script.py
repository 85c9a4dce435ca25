"""Which Chinese script a text is written in: Simplified, Traditional, mixed or none.

Evidence is the count of characters that exist in only one script, taken from
OpenCC's character tables (read through :mod:`textclean.convert`):

* *Simplified-only*: a key of STCharacters that is not among its own
  Traditional candidates and is not itself a Traditional form (发, 说, 这);
* *Traditional-only*: a key of TSCharacters that is not among its own
  Simplified candidates and is not a Simplified form (發, 說, 這).

Shared characters (人, 后 = 后/後, 干 = 干/幹/乾) are not evidence. Counting
is two compiled character-class scans, so it is cheap enough for every page.
A few Simplified-only characters in Traditional text (quoted names, typos) do
not make it mixed: ``mixed`` needs both counts to be real shares.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass

__all__ = ["ScriptResult", "detect_script"]

logger = logging.getLogger(__name__)

# "mixed" needs the minority script to reach this share of the evidence and
# this many characters; below that, stray characters are noise (names, typos).
_MIXED_SHARE = 0.2
_MIXED_MIN = 3

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True)
class ScriptResult:
    """``script`` is ``"simplified"``, ``"traditional"``, ``"mixed"`` or ``"none"``.

    ``simplified`` / ``traditional`` count the characters found that exist in
    only that script; ``han`` counts all Han characters.
    """

    script: str
    simplified: int
    traditional: int
    han: int

    @property
    def evidence(self) -> int:
        return self.simplified + self.traditional


_lock = threading.Lock()


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


class _CharCounter:
    """Counts characters of a set. re turns a BMP-only class into a bitmap, but
    a class with astral members into a linear list, so those are a second
    class, scanned only when the text has astral characters at all."""

    def __init__(self, chars: set[str]) -> None:
        bmp = sorted(c for c in chars if ord(c) <= 0xFFFF)
        astral = sorted(c for c in chars if ord(c) > 0xFFFF)
        self._bmp = re.compile("[" + "".join(map(re.escape, bmp)) + "]") if bmp else None
        self._astral = re.compile("[" + "".join(map(re.escape, astral)) + "]") if astral else None

    def count(self, text: str) -> int:
        n = len(self._bmp.findall(text)) if self._bmp else 0
        if self._astral and _ASTRAL_RE.search(text):
            n += len(self._astral.findall(text))
        return n


@functools.lru_cache(maxsize=1)
def _build_patterns() -> tuple[_CharCounter, _CharCounter]:
    from .convert import _raw_candidates  # lazy: reads OpenCC's tables

    st = _raw_candidates("STCharacters.txt")
    ts = _raw_candidates("TSCharacters.txt")
    simplified_only = {k for k, v in st.items() if k not in v and k not in ts}
    traditional_only = {k for k, v in ts.items() if k not in v and k not in st}
    logger.debug("script classes: %d simplified-only, %d traditional-only",
                 len(simplified_only), len(traditional_only))
    return _CharCounter(simplified_only), _CharCounter(traditional_only)


def _patterns() -> tuple[_CharCounter, _CharCounter]:
    with _lock:  # build once even when many threads start together
        return _build_patterns()


def _decide(simplified: int, traditional: int) -> str:
    total = simplified + traditional
    if not total:
        return "none"
    minority = min(simplified, traditional)
    if minority >= _MIXED_MIN and minority >= _MIXED_SHARE * total:
        return "mixed"
    return "simplified" if simplified > traditional else "traditional"


def detect_script(text: str) -> ScriptResult:
    """Classify ``text`` as simplified / traditional / mixed / none, with counts."""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("detect_script() takes str, not bytes: decode first")
    if not isinstance(text, str):
        raise TypeError(f"detect_script() takes str, not {type(text).__name__}")
    simp_re, trad_re = _patterns()
    simplified = simp_re.count(text)
    traditional = trad_re.count(text)
    han = len(_HAN_RE.findall(text))
    return ScriptResult(_decide(simplified, traditional), simplified, traditional, han)

"""Segmentation: lines and sentences with exact offsets into the original text.

Lines tile the text (content plus its own line break, ``\\n``, ``\\r\\n`` or
``\\r``); sentences tile each line's content. A sentence ends at 。！？!?… or a
full stop followed by a space, plus any closing quotes or brackets, and never
inside a number (3.2), a URL (``?rc=x``) or an English abbreviation (``D.A.``).
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

__all__ = ["Line", "Sentence", "Segmentation", "segment", "segment_by_line"]

_LINE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")

# A sentence end: CJK terminators always; ASCII ! ? ; only before a space, CJK
# text or the line end (so URLs and "3.2" stay whole); "." only before
# whitespace and when the word before it is not a one-letter or known
# abbreviation (D.A., U.S., Mr.).
_CLOSERS = r"[”’」』》〉）)\]】\"'〕]*"
_SENT_END = regex.compile(
    r"(?:[。！？｡]+|…+|\.{3,}|[!?]+(?=[\s\p{Han}\p{P}]|$)|(?P<dot>\.)(?=\s|$))" + _CLOSERS
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs etc inc ltd co corp no fig jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    """True when the "." at *dot* ends an abbreviation or initial, not a sentence."""
    begin = dot
    while begin > floor and not text[begin - 1].isspace():
        begin -= 1
    word = text[begin:dot]
    if not word:
        return True
    core = word.lstrip("(\"'“‘")
    return len(core) == 1 or "." in core or core.lower() in _ABBREVIATIONS


@dataclass(frozen=True, slots=True)
class Line:
    """A line: ``text[start:end]`` is its content, ``text[end:stop]`` its break."""

    index: int
    start: int
    end: int
    stop: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence inside line ``line``: ``text[start:end]``."""

    index: int
    line: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segmentation:
    lines: tuple[Line, ...]
    sentences: tuple[Sentence, ...]


def _sentence_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        stop = m.end()
        if m.group("dot") is not None and _is_abbreviation(text, m.start("dot"), start):
            continue
        if stop <= pos:
            continue
        # keep trailing spaces with the sentence they follow
        while stop < end and text[stop] in " \t\u3000":
            stop += 1
        bounds.append((pos, stop))
        pos = stop
    if pos < end:
        bounds.append((pos, end))
    return bounds


_BREAK = regex.compile(r"\r\n|\r|\n")


def segment(text: str) -> Segmentation:
    """Split *text* into lines and sentences whose offsets tile it exactly.

    The sentence ends are found in one scan of the whole text rather than one
    per line (a page has hundreds of lines): no part of a sentence end, nor
    of what it looks ahead at, is a line break, so a match lies inside one
    line's content and the lookahead reads a break as the end it is
    (:func:`segment_by_line` is the plain formulation, the tests' oracle).
    """
    lines: list[Line] = []
    pos = 0
    for m in _BREAK.finditer(text):
        lines.append(Line(len(lines), pos, m.start(), m.end()))
        pos = m.end()
    if pos < len(text):
        lines.append(Line(len(lines), pos, len(text), len(text)))
    sentences: list[Sentence] = []
    ends = [(m.start(), m.end(), m.start("dot")) for m in _SENT_END.finditer(text)]
    k, n_ends = 0, len(ends)
    for line in lines:
        index, start, end = line.index, line.start, line.end
        pos = start
        while k < n_ends and ends[k][0] < end:
            _, stop, dot = ends[k]
            k += 1
            if dot >= 0 and _is_abbreviation(text, dot, start):
                continue
            if stop <= pos:
                continue
            # keep trailing spaces with the sentence they follow
            while stop < end and text[stop] in " \t\u3000":
                stop += 1
            sentences.append(Sentence(len(sentences), index, pos, stop))
            pos = stop
        if pos < end:
            sentences.append(Sentence(len(sentences), index, pos, end))
    return Segmentation(tuple(lines), tuple(sentences))


def segment_by_line(text: str) -> Segmentation:
    """:func:`segment` one line at a time: each line's sentences from a scan of that line alone."""
    lines: list[Line] = []
    sentences: list[Sentence] = []
    for m in _LINE.finditer(text):
        stop = m.end()
        if m.start() == stop:  # the empty match at the very end
            break
        content_end = stop
        while content_end > m.start() and text[content_end - 1] in "\r\n":
            content_end -= 1
        line = Line(len(lines), m.start(), content_end, stop)
        lines.append(line)
        for s, e in _sentence_bounds(text, line.start, line.end):
            sentences.append(Sentence(len(sentences), line.index, s, e))
    return Segmentation(tuple(lines), tuple(sentences))

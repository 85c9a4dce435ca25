"""A document prepared for scoring: the text, its folding key and its segments."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property

from .normalize import fold
from .segment import Line, Segmentation, Sentence, segment

__all__ = ["Document", "prepare"]

_TERMINAL = frozenset("。！？!?…；;")

#: what visible_len does not count
_INVISIBLE = " \t\u3000\u00a0"


@dataclass(frozen=True)
class Document:
    """Input text plus what every scorer needs; built once per call."""

    text: str
    key: str  # same length as text; "\r" is read as "\n" so "^"/"$" see CR lines
    seg: Segmentation
    _line_starts: list[int] = field(repr=False)
    _sentence_starts: list[int] = field(repr=False)

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.seg.lines

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.seg.sentences

    def line_at(self, offset: int) -> Line:
        return self.seg.lines[bisect.bisect_right(self._line_starts, offset) - 1]

    def sentence_at(self, offset: int) -> Sentence | None:
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i < 0:
            return None
        s = self.seg.sentences[i]
        return s if s.start <= offset < s.end else None

    def line_key(self, line: Line) -> str:
        return self.key[line.start : line.end]

    def is_blank(self, line: Line) -> bool:
        """True when the line's content is empty or all whitespace (``str.isspace``)."""
        return self._line_counts[1][line.index]

    def line_visible_len(self, line: Line) -> int:
        """``visible_len`` of the line's content."""
        return self._line_counts[0][line.index]

    def visible_len(self, start: int, end: int) -> int:
        """Characters in ``text[start:end]`` that are not whitespace."""
        chunk = self.text[start:end]
        return len(chunk) - sum(chunk.count(c) for c in _INVISIBLE)

    @cached_property
    def _line_counts(self) -> tuple[list[int], list[bool]]:
        """Every line's visible length and blankness, worked out once (scorers
        and decisions ask for them line by line, many times over)."""
        text = self.text
        visible, blank = [], []
        for ln in self.seg.lines:
            body = text[ln.start : ln.end]
            visible.append(len(body) - sum(body.count(c) for c in _INVISIBLE))
            blank.append(not body.strip())
        return visible, blank

    def excerpt(self, pieces: list[tuple[int, int]]) -> Document | None:
        """The document of ``"".join(text[s:e] for s, e in pieces)`` made from
        this one's lines, sentences and key; None where that is not sure.

        Lines are segmented on their own and the key is a character-by-
        character map, so when every piece is a run of whole lines the
        excerpt is those lines and their sentences, moved, and the key's
        pieces joined: what :func:`prepare` of the joined text gives, without
        segmenting it again. None when a piece cuts into a line, or a join
        would merge lines (after a line with no break, or a ``\r`` meeting a
        ``\n``); the one line end a piece may stop at is the final one, where
        the cleaned text drops the page's last line break.
        """
        text, lines, sentences = self.text, self.seg.lines, self.seg.sentences
        new_lines: list[Line] = []
        new_sentences: list[Sentence] = []
        taken: list[int] = []  # the line each new line was
        pos = 0
        for k, (start, end) in enumerate(pieces):
            i = bisect.bisect_right(self._line_starts, start) - 1
            if start >= end or i < 0 or lines[i].start != start:
                return None
            if new_lines:
                if new_lines[-1].end == new_lines[-1].stop or (text[start] == "\n" and text[pieces[k - 1][1] - 1] == "\r"):
                    return None
            shift = pos - start
            j = bisect.bisect_left(self._sentence_starts, start)
            while True:
                line = lines[i]
                if line.stop <= end:
                    stop = line.stop
                elif line.end == end and k == len(pieces) - 1:
                    stop = end
                else:
                    return None
                index = len(new_lines)
                new_lines.append(Line(index, line.start + shift, line.end + shift, stop + shift))
                taken.append(i)
                while j < len(sentences) and sentences[j].line == i:
                    sen = sentences[j]
                    new_sentences.append(Sentence(len(new_sentences), index, sen.start + shift, sen.end + shift))
                    j += 1
                i += 1
                if stop == end:
                    break
            pos += end - start
        doc = Document(
            text="".join(text[s:e] for s, e in pieces),
            key="".join(self.key[s:e] for s, e in pieces),
            seg=Segmentation(tuple(new_lines), tuple(new_sentences)),
            _line_starts=[line.start for line in new_lines],
            _sentence_starts=[sen.start for sen in new_sentences],
        )
        counts = self.__dict__.get("_line_counts")
        if counts is not None:  # per line, and the lines are the same
            object.__setattr__(doc, "_line_counts", ([counts[0][i] for i in taken], [counts[1][i] for i in taken]))
        return doc

    def ends_like_sentence(self, line: Line) -> bool:
        body = self.text[line.start : line.end].rstrip()
        return bool(body) and (body[-1] in _TERMINAL or body[-2:-1] in _TERMINAL)


def prepare(text: str) -> Document:
    seg = segment(text)
    key = fold(text)
    return Document(
        text=text,
        key=key,
        seg=seg,
        _line_starts=[line.start for line in seg.lines],
        _sentence_starts=[s.start for s in seg.sentences],
    )

"""Rebuild: delete what was decided and nothing else.

Kept text is byte-identical and in order; lines are never merged; a wholly
removed line takes its line break with it; blank lines that only separated a
removed block from its neighbours go with it, so no blank-line pile-ups.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .document import Document
from .report import Verdict

__all__ = ["rebuild", "kept_intervals", "removed_lines"]


def _nothing_left(text: str) -> bool:
    """True when only spaces and punctuation would remain of a line."""
    return not any(c.isalnum() for c in text)


def removed_lines(doc: Document, verdicts: Iterable[Verdict]) -> tuple[set[int], list[tuple[int, int]]]:
    """Whole lines to drop (with their breaks) and partial cuts inside kept lines."""
    whole: set[int] = set()
    partial: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v in verdicts:
        line = doc.line_at(v.start)
        if v.unit == "line":
            whole.add(line.index)
        else:
            partial[line.index].append((v.start, min(v.end, line.end)))
    cuts: list[tuple[int, int]] = []
    for idx, spans in partial.items():
        if idx in whole:
            continue
        line = doc.lines[idx]
        spans.sort()
        rest, pos = [], line.start
        for s, e in spans:
            rest.append(doc.text[pos : max(pos, s)])
            pos = max(pos, e)
        rest.append(doc.text[pos : line.end])
        if _nothing_left("".join(rest)):
            whole.add(idx)
        else:
            cuts.extend(spans)
    return whole, cuts


def _absorb_blank_separators(doc: Document, whole: set[int]) -> set[int]:
    """Blank lines around a removed block go with it when they would pile up.

    Between two kept lines, a gap made of removed and blank lines keeps its
    longest run of blank lines (the paragraph break it had) and loses the
    others; at the start or end of the text the gap loses all its blanks.
    """
    lines = doc.lines
    result = set(whole)
    i = 0
    while i < len(lines):
        if i in whole or doc.is_blank(lines[i]):
            j = i
            while j < len(lines) and (j in whole or doc.is_blank(lines[j])):
                j += 1
            gap = range(i, j)
            if any(k in whole for k in gap):
                blanks = [k for k in gap if k not in whole]
                keep: list[int] = []
                if i > 0 and j < len(lines):
                    runs: list[list[int]] = []
                    for k in blanks:
                        if runs and runs[-1][-1] == k - 1:
                            runs[-1].append(k)
                        else:
                            runs.append([k])
                    keep = max(runs, key=len) if runs else []
                result.update(k for k in blanks if k not in keep)
            i = j
        else:
            i += 1
    return result


def kept_intervals(doc: Document, verdicts: Iterable[Verdict]) -> list[tuple[int, int]]:
    """The ``(start, end)`` pieces of the input that survive, in order."""
    verdicts = list(verdicts)
    if not verdicts:
        return [(0, len(doc.text))] if doc.text else []
    whole, cuts = removed_lines(doc, verdicts)
    whole = _absorb_blank_separators(doc, whole)
    removed = sorted([(doc.lines[i].start, doc.lines[i].stop) for i in whole] + cuts)
    kept: list[tuple[int, int]] = []
    pos = 0
    for s, e in removed:
        if s > pos:
            kept.append((pos, s))
        pos = max(pos, e)
    if pos < len(doc.text):
        kept.append((pos, len(doc.text)))
    elif kept and not doc.text.endswith(("\n", "\r")):
        # the page's last lines went and the page did not end in a line
        # break: neither does the cleaned text
        s, e = kept[-1]
        e -= 2 if doc.text.endswith("\r\n", s, e) else 1 if doc.text.endswith(("\n", "\r"), s, e) else 0
        kept[-1] = (s, e)
        if s == e:
            kept.pop()
    return kept


def rebuild(doc: Document, verdicts: Iterable[Verdict]) -> str:
    """The text without the verdicts' spans."""
    return "".join(doc.text[s:e] for s, e in kept_intervals(doc, verdicts))

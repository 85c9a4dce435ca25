"""Score step for rules: run every rule once over the document key.

A rule with ``requires`` strings runs only where one of them occurs: not at
all on a page that holds none, and, when every match of the rule lies in one
line (``Rule.line_local``), only over the lines that hold one, so a long
document costs what its candidate lines cost.
"""
from __future__ import annotations

import time

from .document import Document
from .report import Signal
from .rules import Rule, RuleSet, RuleTimeoutError, required_pattern

__all__ = ["rule_signals"]

_EDGE_LINES = 3  # how many non-blank lines count as "first" / "last"


def _edge_lines(doc: Document) -> tuple[set[int], set[int]]:
    nonblank = [ln.index for ln in doc.lines if not doc.is_blank(ln)]
    return set(nonblank[:_EDGE_LINES]), set(nonblank[-_EDGE_LINES:])


def _timeout(seconds_per_mb: float, key: str) -> float:
    # the budget grows with the text so long documents are not cut off
    return seconds_per_mb * max(1.0, len(key) / 1_000_000)


def _timeout_error(rule: Rule, doc: Document, timeout: float) -> RuleTimeoutError:
    return RuleTimeoutError(
        f"{rule.source}, rule {rule.id!r}: pattern ran longer than {timeout:.1f}s on a "
        f"{len(doc.key)}-character document (catastrophic backtracking?); simplify the "
        "pattern or raise Config.rule_timeout"
    )


def _span_of(rule: Rule, m) -> tuple[int, int]:
    if "span" in rule.pattern.groupindex:
        return m.start("span"), m.end("span")
    return m.start(), m.end()


def _candidate_runs(rule: Rule, doc: Document) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of consecutive lines that hold a required string.

    For a line-local rule every match lies in one line and contains a
    required string, so it lies in one of these runs: the pattern needs to
    see nothing else. One search per candidate line (a hit jumps to the next
    line), so a page with many hits costs no more than its lines.
    """
    finder = required_pattern(rule.requires)
    key = doc.key
    runs: list[tuple[int, int]] = []
    pos = 0
    while True:
        hit = finder.search(key, pos)
        if hit is None:
            return runs
        line = doc.line_at(hit.start())
        if runs and runs[-1][1] == line.start:
            runs[-1] = (runs[-1][0], line.stop)
        else:
            runs.append((line.start, line.stop))
        pos = line.stop  # > the hit: the next search starts on the next line


def _scan(rule: Rule, doc: Document, timeout: float, prefilter: bool):
    """The pattern's matches over the whole key, or over the candidate runs only."""
    if prefilter and rule.requires and rule.line_local:
        # one budget for the rule on this document, however many runs it takes
        deadline = time.monotonic() + timeout
        for start, stop in _candidate_runs(rule, doc):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            yield from rule.pattern.finditer(doc.key, start, stop, timeout=left)
    else:
        yield from rule.pattern.finditer(doc.key, timeout=timeout)


def _matches(rule: Rule, doc: Document, timeout: float, prefilter: bool = False):
    """(start, end) of every match, each inside one line.

    Patterns run once over the whole key for speed. The loader keeps classes
    such as ``\\s`` on their line; a pattern that names a line break itself can
    still span lines ("-" + newline + "相关文章" read as one nav line), so such
    a match is searched again line by line and every line is judged on its
    own text, whatever precedes it.
    """
    key = doc.key
    try:
        for m in _scan(rule, doc, timeout, prefilter):
            start, end = _span_of(rule, m)
            text = key[start:end]
            inner = text.strip()
            if "\n" not in inner:
                lead = len(text) - len(text.lstrip())
                start += lead
                yield start, start + len(inner)
                continue
            first = doc.line_at(start + len(text) - len(text.lstrip()))
            last = doc.line_at(start + len(text.rstrip()) - 1)
            for index in range(first.index, last.index + 1):
                line = doc.lines[index]
                found = rule.pattern.search(key, line.start, line.end, timeout=timeout)
                if found is not None:
                    s, e = _span_of(rule, found)
                    seg = key[s:e]
                    s += len(seg) - len(seg.lstrip())
                    e = s + len(seg.strip())
                    if e > s:
                        yield s, e
    except TimeoutError:
        raise _timeout_error(rule, doc, timeout) from None


def _signal_for(rule: Rule, doc: Document, start: int, end: int, edges) -> Signal | None:
    if end <= start:
        return None
    line = doc.line_at(start)
    first, last = edges
    if rule.position == "first" and line.index not in first:
        return None
    if rule.position == "last" and line.index not in last:
        return None
    if rule.scope == "line":
        s, e = line.start, line.end
    elif rule.scope == "sentence":
        sent = doc.sentence_at(start)
        if sent is None:
            return None
        s, e = sent.start, sent.end
    else:
        s, e = start, end
    if rule.max_chars is not None and doc.visible_len(s, e) > rule.max_chars:
        return None
    return Signal("rule", rule.id, rule.label, 1.0, s, e, rule.scope)


def _prefilter(key: str):
    """``rule -> may it match key``, checking each distinct ``requires`` once (rules share lists)."""
    known: dict[tuple[str, ...], bool] = {}

    def may_match(rule: Rule) -> bool:
        if rule.requires not in known:
            known[rule.requires] = rule.may_match(key)
        return known[rule.requires]

    return may_match


def rule_signals(doc: Document, ruleset: RuleSet, seconds_per_mb: float, *, prefilter: bool = True) -> list[Signal]:
    """One Signal per (rule, unit) the rule fires on.

    A rule whose ``requires`` strings are all absent from the key cannot match
    and is skipped, and a line-local one scans only the lines holding one;
    ``prefilter=False`` runs every pattern over the whole key anyway (the
    tests compare the two).
    """
    if not doc.text:
        return []
    timeout = _timeout(seconds_per_mb, doc.key)
    edges = _edge_lines(doc)
    may_match = _prefilter(doc.key) if prefilter else None
    out: list[Signal] = []
    for rule in ruleset:
        if may_match is not None and not may_match(rule):
            continue
        seen: set[tuple[int, int]] = set()
        for start, end in _matches(rule, doc, timeout, prefilter):
            sig = _signal_for(rule, doc, start, end, edges)
            if sig is not None and (sig.start, sig.end) not in seen:
                seen.add((sig.start, sig.end))
                out.append(sig)
    return out

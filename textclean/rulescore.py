"""Score step for rules: run every rule once over the document key.

A rule with ``requires`` strings runs only where one of them occurs: not at
all on a page that holds none, and, when every match of the rule lies in one
line (``Rule.line_local``), only over the lines that hold one, so a long
document costs what its candidate lines cost.
"""
from __future__ import annotations

import functools
import time

import regex

from .document import Document
from .report import Signal
from .rules import Rule, RuleSet, RuleTimeoutError, line_anchored, required_pattern
from .segment import Line

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


def _candidate_lines(rule: Rule, doc: Document) -> list[Line]:
    """The lines that hold (the start of) a required string, in order.

    For a line-local rule every match lies in one line and contains a
    required string, so it lies in one of these lines: the pattern needs to
    see nothing else. One search per candidate line (a hit jumps to the next
    line), so a page with many hits costs no more than its lines.
    """
    finder = required_pattern(rule.requires)
    key = doc.key
    lines: list[Line] = []
    pos = 0
    while True:
        hit = finder.search(key, pos)
        if hit is None:
            return lines
        line = doc.line_at(hit.start())
        lines.append(line)
        pos = line.stop  # > the hit: the next search starts on the next line


def _runs(lines: list[Line]) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of consecutive *lines*."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and runs[-1][1] == line.start:
            runs[-1] = (runs[-1][0], line.stop)
        else:
            runs.append((line.start, line.stop))
    return runs


_anchored_text = functools.lru_cache(maxsize=4096)(line_anchored)


def _anchored(pattern: regex.Pattern) -> bool:
    """Does every match start at a line start, so one match per line start finds it?
    Not under (?r): a reverse pattern's match() anchors at the end of the range."""
    return not pattern.flags & regex.REVERSE and _anchored_text(pattern.pattern)


def _scan(rule: Rule, doc: Document, timeout: float, prefilter: bool, lines: list[Line] | None = None):
    """The pattern's matches over the whole key, or over the candidate lines only.

    *lines*: the rule's candidate lines when the caller has them already.
    """
    if not (prefilter and rule.requires and rule.line_local):
        yield from rule.pattern.finditer(doc.key, timeout=timeout)
        return
    if lines is None:
        lines = _candidate_lines(rule, doc)
    # one budget for the rule on this document, however many lines or runs it takes
    deadline = time.monotonic() + timeout
    if _anchored(rule.pattern):
        # every match starts at a line start: one match tried at each
        # candidate line's start finds what a scan of the line finds,
        # without trying every position
        match, key = rule.pattern.match, doc.key
        for line in lines:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            m = match(key, line.start, line.stop, timeout=left)
            if m is not None:
                yield m
    else:
        for start, stop in _runs(lines):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            yield from rule.pattern.finditer(doc.key, start, stop, timeout=left)


def _matches(rule: Rule, doc: Document, timeout: float, prefilter: bool = False, lines: list[Line] | None = None):
    """(start, end) of every match, each inside one line.

    Patterns run once over the whole key for speed. The loader keeps classes
    such as ``\\s`` on their line; a pattern that names a line break itself can
    still span lines ("-" + newline + "相关文章" read as one nav line), so such
    a match is searched again line by line and every line is judged on its
    own text, whatever precedes it.
    """
    key = doc.key
    try:
        for m in _scan(rule, doc, timeout, prefilter, lines):
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


class _Earlier:
    """The line-local rules' matches on the documents judged earlier in one clean call.

    The re-judging rounds see the same page minus what was cut: most lines
    are the text of a line judged before. A line-local rule's matches in a
    line depend on that line's text alone (that is what lets it scan only
    candidate lines), so a line whose text was judged before gets that
    line's matches, moved to its new offsets; only the other lines are
    scanned, each as the candidate scan would (only when it holds a
    required string). Rules that are not line-local run as always.
    """

    def __init__(self, rounds: list[tuple[Document, dict[int, list[tuple[int, int]]]]], doc: Document) -> None:
        self.rounds = rounds
        known: dict[str, tuple[int, int]] = {}
        for r, (old, _) in enumerate(rounds):
            for ln in old.lines:
                known.setdefault(old.key[ln.start : ln.end], (r, ln.index))
        #: (round, line index there) -> starts of the lines of *doc* with its text
        self.at: dict[tuple[int, int], list[int]] = {}
        self.fresh: list = []  # lines of *doc* whose text no earlier document had
        key = doc.key
        for ln in doc.lines:
            ref = known.get(key[ln.start : ln.end])
            if ref is None:
                self.fresh.append(ln)
            else:
                self.at.setdefault(ref, []).append(ln.start)

    def matches(self, i: int, rule: Rule, doc: Document, timeout: float) -> list[tuple[int, int]] | None:
        """Rule *i*'s matches on *doc*, in text order; None when they cannot be reused."""
        chunks: list[tuple[int, list[tuple[int, int]]]] = []
        for r, (old, found) in enumerate(self.rounds):
            if i not in found:
                return None
            by_line: dict[int, list[tuple[int, int]]] = {}
            for s, e in found[i]:
                ln = old.line_at(s)
                if e > ln.end:
                    return None  # not inside one line after all
                by_line.setdefault(ln.index, []).append((s - ln.start, e - ln.start))
            for idx, rel in by_line.items():
                for start in self.at.get((r, idx), ()):
                    chunks.append((start, [(start + a, start + b) for a, b in rel]))
        if self.fresh:
            deadline = time.monotonic() + timeout
            finder = required_pattern(rule.requires) if rule.requires else None
            longest = max(map(len, rule.requires), default=0)
            anchored = _anchored(rule.pattern)
            key = doc.key
            try:
                for ln in self.fresh:
                    if finder is not None:
                        # a candidate line: a required string starts in it
                        hit = finder.search(key, ln.start, min(len(key), ln.stop + longest))
                        if hit is None or hit.start() >= ln.stop:
                            continue
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    if anchored:
                        m = rule.pattern.match(key, ln.start, ln.stop, timeout=left)
                        got = [] if m is None else [_span_of(rule, m)]
                    else:
                        got = [_span_of(rule, m) for m in rule.pattern.finditer(key, ln.start, ln.stop, timeout=left)]
                    out = []
                    for start, end in got:
                        text = key[start:end]
                        inner = text.strip()
                        if "\n" in inner:
                            return None
                        start += len(text) - len(text.lstrip())
                        out.append((start, start + len(inner)))
                    if out:
                        chunks.append((ln.start, out))
            except TimeoutError:
                raise _timeout_error(rule, doc, timeout) from None
        chunks.sort(key=lambda c: c[0])
        return [m for _, found in chunks for m in found]


def _earlier(memo: dict | None, ruleset: RuleSet, prefilter: bool):
    """This clean call's record of earlier rounds for *ruleset* (created on first use), or None."""
    if memo is None or not prefilter:
        return None
    slot = memo.get(("rules", id(ruleset)))
    if slot is None or slot[0] is not ruleset:
        slot = memo[("rules", id(ruleset))] = (ruleset, [])
    return slot[1]


def rule_signals(
    doc: Document, ruleset: RuleSet, seconds_per_mb: float, *, prefilter: bool = True, memo: dict | None = None
) -> list[Signal]:
    """One Signal per (rule, unit) the rule fires on.

    A rule whose ``requires`` strings are all absent from the key cannot match
    and is skipped, and a line-local one scans only the lines holding one;
    ``prefilter=False`` runs every pattern over the whole key anyway (the
    tests compare the two). *memo* (a dict kept across the calls of one
    clean) keeps the line-local rules' matches: a later call on the same
    page with lines cut scans only the lines whose text is new.
    """
    if not doc.text:
        return []
    timeout = _timeout(seconds_per_mb, doc.key)
    edges = _edge_lines(doc)
    may_match = _prefilter(doc.key) if prefilter else None
    rounds = _earlier(memo, ruleset, prefilter)
    reuse = _Earlier(rounds, doc) if rounds else None
    record: dict[int, list[tuple[int, int]]] | None = {} if rounds is not None else None
    out: list[Signal] = []
    candidates: dict[tuple[str, ...], list[Line]] = {}  # per requires list (rules share lists)
    for i, rule in enumerate(ruleset):
        # reused: the lines seen before hold the matches they held (those
        # that hold none lack the required strings, or the pattern misses
        # them), new lines are checked for the strings one by one
        found = reuse.matches(i, rule, doc, timeout) if reuse is not None and rule.line_local else None
        lines = None
        if found is None and may_match is not None:
            # a line-local rule's candidate lines say whether it may match, so
            # may_match's scan is spared, except the quick ``in`` test of a few strings
            if rule.line_local and rule.requires and (len(rule.requires) > 3 or may_match(rule)):
                lines = candidates.get(rule.requires)
                if lines is None:
                    lines = candidates[rule.requires] = _candidate_lines(rule, doc)
            if not (lines if lines is not None else may_match(rule)):
                if record is not None and rule.line_local:
                    record[i] = []
                continue
        if found is None:
            found = _matches(rule, doc, timeout, prefilter, lines)
            if record is not None and rule.line_local:
                found = list(found)
        if record is not None and rule.line_local:
            record[i] = found
        seen: set[tuple[int, int]] = set()
        for start, end in found:
            sig = _signal_for(rule, doc, start, end, edges)
            if sig is not None and (sig.start, sig.end) not in seen:
                seen.add((sig.start, sig.end))
                out.append(sig)
    if rounds is not None:
        rounds.append((doc, record))
    return out

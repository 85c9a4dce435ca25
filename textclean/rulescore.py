"""Score step for rules: run every rule once over the whole document key."""
from __future__ import annotations

from .document import Document
from .report import Signal
from .rules import Rule, RuleSet, RuleTimeoutError

__all__ = ["rule_signals"]

_EDGE_LINES = 3  # how many non-blank lines count as "first" / "last"


def _edge_lines(doc: Document) -> tuple[set[int], set[int]]:
    nonblank = [ln.index for ln in doc.lines if not doc.is_blank(ln)]
    return set(nonblank[:_EDGE_LINES]), set(nonblank[-_EDGE_LINES:])


def _timeout(seconds_per_mb: float, key: str) -> float:
    # the budget grows with the text so long documents are not cut off
    return seconds_per_mb * max(1.0, len(key) / 1_000_000)


def _matches(rule: Rule, doc: Document, timeout: float):
    try:
        yield from rule.pattern.finditer(doc.key, timeout=timeout)
    except TimeoutError:
        raise RuleTimeoutError(
            f"{rule.source}, rule {rule.id!r}: pattern ran longer than {timeout:.1f}s on a "
            f"{len(doc.key)}-character document (catastrophic backtracking?); simplify the "
            "pattern or raise Config.rule_timeout"
        ) from None


def _signal_for(rule: Rule, doc: Document, m, edges) -> Signal | None:
    start = m.start("span") if "span" in rule.pattern.groupindex else m.start()
    end = m.end("span") if "span" in rule.pattern.groupindex else m.end()
    # a leading \s may have crossed line breaks: the match belongs to the line
    # where its visible text starts
    lead = start
    while lead < end and doc.key[lead].isspace():
        lead += 1
    newline = doc.key.rfind("\n", start, lead)
    if newline >= 0:
        start = newline + 1
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


def rule_signals(doc: Document, ruleset: RuleSet, seconds_per_mb: float) -> list[Signal]:
    """One Signal per (rule, unit) the rule fires on."""
    if not doc.text:
        return []
    timeout = _timeout(seconds_per_mb, doc.key)
    edges = _edge_lines(doc)
    out: list[Signal] = []
    for rule in ruleset:
        seen: set[tuple[int, int]] = set()
        for m in _matches(rule, doc, timeout):
            sig = _signal_for(rule, doc, m, edges)
            if sig is not None and (sig.start, sig.end) not in seen:
                seen.add((sig.start, sig.end))
                out.append(sig)
    return out

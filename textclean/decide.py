"""Decide: turn signals into verdicts, pass 1 from signals alone, pass 2 with context.

Pass 2 follows jusText's idea of revising units by their neighbours: a short
line between two spam lines is spam, a short header above a spam block is
spam, an auto-generated FAQ block (header, questions, echoed answers) is
boilerplate, the block under a reading-list header is other articles, and a
run of lines cut off with "..." is a list of other articles' teasers. Each verdict keeps its pass-1 label (``first_label``).
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field

from .config import Config
from .document import Document
from .report import Signal, Verdict

__all__ = ["decide"]

_PRIORITY = {"spam": 5, "lottery": 4, "porn": 4, "offtopic": 2, "boilerplate": 1}
_SPAMMY = frozenset({"spam", "lottery", "porn"})
# A pasted brand is glued into a sentence without grammar; a brand with a
# preposition before it or a particle after it is the sentence's subject or
# object, so the sentence was written to promote it and goes whole. (Porn
# phrases that replace a word are cut alone: the sentence around them is news.)
_GRAMMAR_BEFORE = frozenset("如像似于到是和与在对用把被让给将从向及跟同比选")
_GRAMMAR_AFTER = frozenset("的在是已将为等也都还就能可会")
_QUESTION_END = ("?", "？")
_FAQ_ECHO_CHARS = 20
#: lines ending in a cut-off "..." that make a list of other articles' teasers
_TEASER_END = re.compile(r"(?:\.\.\.|(?<!…)…)\s*$")
_TEASER_MIN_CHARS = 15
_TEASER_MIN_RUN = 3
#: a reading-list header only starts a block of other articles' blurbs when
#: the page's own article came before it: a line of prose this long
_ARTICLE_LINE_CHARS = 50
#: a reading list longer than this is not a reading list
_READING_LIST_MAX_LINES = 12
_HEADER_MAX_CHARS = 8
_MIN_SPAM_BLOCK = 2
_MAX_CONTEXT_RUN = 3


@dataclass
class _Unit:
    start: int
    end: int
    unit: str
    label: str
    first_label: str
    signals: list[Signal] = field(default_factory=list)

    def verdict(self) -> Verdict:
        return Verdict(self.start, self.end, self.unit, self.label, self.first_label, tuple(self.signals))


def _decides(sig: Signal, config: Config, doc: Document) -> bool:
    if sig.source == "model":
        if sig.unit == "span":
            return sig.score >= config.span_threshold
        # The classifier alone removes link-like units (headlines, link lines,
        # contact lines), not prose that ends like a sentence: news about a
        # lottery draw reads like lottery spam to it, and a false removal costs
        # more than a miss. Pasted brands inside prose are cut as spans.
        return sig.score >= config.spam_threshold and not _ends_like_sentence(doc, sig.start, sig.end)
    if sig.source == "coherence":
        return sig.score >= config.offtopic_threshold
    return True


def _ends_like_sentence(doc: Document, start: int, end: int) -> bool:
    body = doc.text[start:end].rstrip()
    return bool(body) and (body[-1] in "。！？!?…；;" or body[-2:-1] in "。！？!?…")


def _best_label(signals: list[Signal]) -> str:
    return max((s.label for s in signals), key=lambda lab: _PRIORITY.get(lab, 0))


def _visible(text: str) -> int:
    return sum(1 for c in text if not c.isspace() and c.isalnum())


def _explained_by_rule_spans(doc: Document, signals: list[Signal]) -> list[Signal]:
    """Drop classifier verdicts on units that contain a rule span.

    A sentence with a pasted brand or porn phrase scores high as a whole; the
    rule already cuts the phrase, so the classifier's score is explained and
    must not take the surrounding sentence with it.
    """
    spans = sorted((s.start, s.end) for s in signals if s.source == "rule" and s.unit == "span")
    if not spans:
        return signals
    starts = [s for s, _ in spans]
    kept = []
    for sig in signals:
        if sig.source == "model" and sig.unit in ("line", "sentence"):
            i = bisect.bisect_left(starts, sig.start)
            if i < len(spans) and spans[i][0] < sig.end:
                continue
        kept.append(sig)
    return kept


def _pass1(doc: Document, signals: list[Signal], config: Config):
    signals = _explained_by_rule_spans(doc, signals)
    lines: dict[int, _Unit] = {}
    sentences: dict[int, _Unit] = {}
    spans: list[_Unit] = []
    by_line: dict[int, list[Signal]] = defaultdict(list)
    by_sentence: dict[int, list[Signal]] = defaultdict(list)
    for sig in signals:
        if not _decides(sig, config, doc):
            continue
        if sig.unit == "line":
            by_line[doc.line_at(sig.start).index].append(sig)
        elif sig.unit == "sentence":
            sent = doc.sentence_at(sig.start)
            if sent is not None:
                by_sentence[sent.index].append(sig)
        else:
            spans.append(_Unit(sig.start, sig.end, "span", sig.label, sig.label, [sig]))
    for idx, sigs in by_line.items():
        line = doc.lines[idx]
        label = _best_label(sigs)
        lines[idx] = _Unit(line.start, line.end, "line", label, label, sigs)
    for idx, sigs in by_sentence.items():
        sent = doc.sentences[idx]
        label = _best_label(sigs)
        sentences[idx] = _Unit(sent.start, sent.end, "sentence", label, label, sigs)
    return lines, sentences, spans


def _upgrade_spans(doc: Document, spans: list[_Unit], sentences: dict[int, _Unit]) -> list[_Unit]:
    """Spans used grammatically, or that leave almost nothing of their sentence, take the sentence."""
    by_sentence: dict[int, list[_Unit]] = defaultdict(list)
    kept: list[_Unit] = []
    for span in spans:
        sent = doc.sentence_at(span.start)
        if sent is None:
            kept.append(span)
        else:
            by_sentence[sent.index].append(span)
    for idx, group in by_sentence.items():
        sent = doc.sentences[idx]
        group.sort(key=lambda u: u.start)
        rest, pos = [], sent.start
        for span in group:
            rest.append(doc.text[pos : max(pos, span.start)])
            pos = max(pos, span.end)
        rest.append(doc.text[pos : sent.end])
        whole = _visible("".join(rest)) < 4 or any(
            s.label == "spam" and _grammatical(doc, sent, s) for s in group
        )
        if not whole:
            kept.extend(group)
            continue
        unit = sentences.get(idx)
        if unit is None:
            label = _best_label([sig for s in group for sig in s.signals])
            unit = _Unit(sent.start, sent.end, "sentence", label, label, [])
            sentences[idx] = unit
        for span in group:
            unit.signals.extend(span.signals)
    return kept


def _grammatical(doc: Document, sent, span: _Unit) -> bool:
    before = doc.key[span.start - 1] if span.start > sent.start else ""
    after = doc.key[span.end] if span.end < sent.end else ""
    return (before != "" and before in _GRAMMAR_BEFORE) or (after != "" and after in _GRAMMAR_AFTER)


def _nonblank(doc: Document) -> list[int]:
    return [ln.index for ln in doc.lines if not doc.is_blank(ln)]


def _short(doc: Document, idx: int, config: Config, limit: int | None = None) -> bool:
    line = doc.lines[idx]
    n = doc.line_visible_len(line)
    return n <= (limit or config.context_max_chars) and not doc.ends_like_sentence(line)


def _is_header(doc: Document, idx: int, config: Config) -> bool:
    line = doc.lines[idx]
    body = doc.text[line.start : line.end].strip()
    return _short(doc, idx, config, _HEADER_MAX_CHARS) and not body.endswith((":", "：", ",", "，"))


def _context_unit(doc: Document, idx: int, label: str, why: str) -> _Unit:
    line = doc.lines[idx]
    sig = Signal("context", why, label, 1.0, line.start, line.end, "line")
    return _Unit(line.start, line.end, "line", label, "keep", [sig])


def _spam_context(doc: Document, lines: dict[int, _Unit], config: Config) -> None:
    order = _nonblank(doc)
    spam = lambda i: i in lines and lines[i].label in _SPAMMY  # noqa: E731
    i = 0
    while i < len(order):
        if order[i] in lines or not _short(doc, order[i], config):
            i += 1
            continue
        j = i
        while j < len(order) and order[j] not in lines and _short(doc, order[j], config):
            j += 1
        run = order[i:j]
        before = order[i - 1] if i > 0 else None
        after = order[j] if j < len(order) else None
        if len(run) <= _MAX_CONTEXT_RUN and before is not None and after is not None and spam(before) and spam(after):
            for idx in run:
                lines[idx] = _context_unit(doc, idx, "spam", "between-spam")
        elif len(run) == 1 and (before is None or not spam(before)) and _is_header(doc, run[0], config):
            block = order[j : j + _MIN_SPAM_BLOCK]
            if len(block) == _MIN_SPAM_BLOCK and all(spam(k) for k in block):
                lines[run[0]] = _context_unit(doc, run[0], "spam", "block-header")
        i = j


def _faq_context(doc: Document, lines: dict[int, _Unit]) -> None:
    """After an FAQ header: questions, the answers that follow them, and echoes of the article."""
    headers = [u for u in lines.values() if any(s.name == "faq-header" for s in u.signals)]
    if not headers:
        return
    header = min(headers, key=lambda u: u.start)
    order = [i for i in _nonblank(doc) if doc.lines[i].start > header.start]
    after_question = False
    for idx in order:
        line = doc.lines[idx]
        body = doc.text[line.start : line.end].strip()
        probe = doc.key[line.start : line.end].strip()[:_FAQ_ECHO_CHARS]
        question = body.endswith(_QUESTION_END)
        echo = len(probe) >= 8 and doc.key.find(probe, 0, header.start) >= 0
        if not (question or echo or after_question):
            break
        if idx not in lines:
            lines[idx] = _context_unit(doc, idx, "boilerplate", "faq-block")
        after_question = question


def _reading_list_context(doc: Document, lines: dict[int, _Unit]) -> None:
    """After a reading-list header (Further Reading, 延伸阅读): the block up to the next blank line.

    The block is other articles' headlines and blurbs, off-topic by
    definition. Only when the page's article came first: a header above the
    article ("更多" then the story) must not take the story with it. A page
    whose article has no blank lines between paragraphs gives no block end to
    trust (the article may go on right after an inline reading box), so there
    only the one line after the header goes.
    """
    headers = sorted(u.start for u in lines.values() if any(s.name == "reading-list-header" for s in u.signals))
    if not headers:
        return
    first_prose = next(
        (ln.index for ln in doc.lines
         if ln.index not in lines and doc.line_visible_len(ln) >= _ARTICLE_LINE_CHARS),
        len(doc.lines),
    )
    for start in headers:
        header = doc.line_at(start)
        if header.index < first_prose:
            continue
        paragraphs_blank_separated = any(doc.is_blank(doc.lines[i]) for i in range(first_prose, header.index))
        idx = header.index + 1
        while idx < len(doc.lines) and doc.is_blank(doc.lines[idx]):
            idx += 1
        taken = 0
        while idx < len(doc.lines) and not doc.is_blank(doc.lines[idx]) and taken < _READING_LIST_MAX_LINES:
            if idx not in lines:
                lines[idx] = _context_unit(doc, idx, "offtopic", "reading-list-block")
            idx += 1
            taken += 1
            if not paragraphs_blank_separated:
                break


def _teaser_context(doc: Document, lines: dict[int, _Unit]) -> None:
    """A run of three or more lines each cut off with "..." is a list of other articles' teasers.

    News prose ends a line with "……" (two), not a cut-off "..." or "…"; none of
    the news corpora has even two such lines in a row.
    """
    run: list[int] = []
    for idx in _nonblank(doc) + [-1]:
        if idx >= 0:
            line = doc.lines[idx]
            body = doc.text[line.start : line.end]
            if _TEASER_END.search(body) and doc.line_visible_len(line) >= _TEASER_MIN_CHARS:
                run.append(idx)
                continue
        if len(run) >= _TEASER_MIN_RUN:
            for i in run:
                if i not in lines:
                    lines[i] = _context_unit(doc, i, "boilerplate", "teaser-list")
        run = []


def decide(doc: Document, signals: list[Signal], config: Config) -> list[Verdict]:
    """Verdicts for every unit the signals and their context condemn, in text order."""
    lines, sentences, spans = _pass1(doc, signals, config)
    spans = _upgrade_spans(doc, spans, sentences)
    if config.context:
        _spam_context(doc, lines, config)
        _faq_context(doc, lines)
        _reading_list_context(doc, lines)
        _teaser_context(doc, lines)
    units = list(lines.values())
    for unit in list(sentences.values()) + spans:
        if doc.line_at(unit.start).index not in lines:
            units.append(unit)
    units.sort(key=lambda u: (u.start, -u.end))
    return [u.verdict() for u in units]

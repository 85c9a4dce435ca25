"""The cleaning pipeline: normalise → segment → score → decide → rebuild."""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from .config import DEFAULT, Config
from .decide import decide
from .document import Document, prepare
from .rebuild import kept_intervals, rebuild
from .report import Replacement, Report, SentenceScore, Signal, Verdict
from .promotion import promotion_signals
from .rules import default_rules
from .rulescore import rule_signals
from .scorers import coherence_signals, model_signals, offtopic_sentence_scores, spam_sentence_scores
from .spin import despin_with_replacements, spin_score

__all__ = ["clean", "clean_and_explain", "resolve_config"]

log = logging.getLogger(__name__)


def _check_text(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError(
            "textclean needs str, not bytes: decode first, e.g. data.decode('utf-8') "
            "(or errors='replace' for damaged pages)"
        )
    raise TypeError(f"textclean needs a str of page text, not {type(text).__name__}")


# A lone surrogate (a JSON "\ud800" escape, a lossy decoder) is a valid str
# character but cannot be encoded, and the scorers encode the key to arrays.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _prepare(text: str) -> Document:
    """The document for scoring; lone surrogates read as U+FFFD in the key only."""
    doc = prepare(text)
    if _SURROGATE.search(doc.key):
        doc = replace(doc, key=_SURROGATE.sub("\ufffd", doc.key))
    return doc


def _excerpt(doc: Document, pieces: list[tuple[int, int]]) -> Document:
    """The document of the text made of *pieces* of *doc*: from doc's own
    lines when the pieces are whole lines, else prepared afresh."""
    return doc.excerpt(pieces) or _prepare("".join(doc.text[s:e] for s, e in pieces))


def resolve_config(config: Config | None, overrides: dict[str, Any]) -> Config:
    """Merge keyword overrides into a config (the default when *config* is None)."""
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config must be a textclean.Config, not {type(config).__name__}")
    base = config or DEFAULT
    return base.replace(**overrides) if overrides else base


def _signals(doc: Document, config: Config, memo: dict[str, Any] | None = None) -> list[Signal]:
    ruleset = config.rules if config.rules is not None else default_rules()
    signals = rule_signals(doc, ruleset, config.rule_timeout, memo=memo)
    if config.promotion_pages:
        signals += promotion_signals(doc, config.promotion_profile)
    if config.use_model:
        signals += model_signals(doc, config, memo)
    return signals


_MAX_ROUNDS = 3


def _dropped(
    doc: Document, config: Config, memo: dict[str, Any] | None = None, judged: list[Any] | None = None
) -> list[Verdict]:
    verdicts = decide(doc, _signals(doc, config, memo), config)
    dropped = [v for v in verdicts if v.label in config.drop]
    if _judges_offtopic(doc.text, config):
        dropped = sorted(dropped + _offtopic(doc, dropped, config, judged), key=lambda v: (v.start, -v.end))
    return dropped


def _judges_offtopic(text: str, config: Config) -> bool:
    limit = config.offtopic_max_chars
    return config.offtopic and "offtopic" in config.drop and (limit is None or len(text) <= limit)


def _notes(text: str, config: Config) -> tuple[str, ...]:
    if config.offtopic and "offtopic" in config.drop and not _judges_offtopic(text, config):
        return (
            f"off-topic sentences not judged: the text is {len(text):,} characters, longer than "
            f"Config.offtopic_max_chars ({config.offtopic_max_chars:,}), so most likely several articles; "
            "clean articles one by one, or set offtopic_max_chars=None to judge it in windows",
        )
    return ()


def _offtopic(doc: Document, dropped: list[Verdict], config: Config, judged: list[Any] | None = None) -> list[Verdict]:
    """Off-topic verdicts, each sentence judged against what the other scorers keep.

    Link lists, chrome and pasted brands are not the article: left in, they
    would blur the document's topic that every sentence is compared with.
    *judged*, when given, receives the text judged and its pieces of *doc*.
    """
    pieces = kept_intervals(doc, dropped) if dropped else [(0, len(doc.text))]
    kept = doc if not dropped else _excerpt(doc, pieces)
    if judged is not None:
        judged.append((kept, pieces))
    found = decide(kept, coherence_signals(kept, config), config)
    if not dropped:
        return found
    return [m for v in found for m in _to_input(pieces, v, doc)]


def _to_input(pieces: list[tuple[int, int]], verdict: Verdict, doc: Document) -> list[Verdict]:
    """Map a verdict on the cleaned text back to input offsets (one per kept piece it covers)."""
    out: list[Verdict] = []
    pos = 0
    for s, e in pieces:
        lo, hi = max(verdict.start, pos), min(verdict.end, pos + e - s)
        if lo < hi:
            start, end = s + lo - pos, s + hi - pos
            if verdict.unit == "line":
                line = doc.line_at(start)
                start, end = line.start, line.end
            out.append(replace(verdict, start=start, end=end))
        pos += e - s
    return out


def _check_length(text: str, config: Config) -> None:
    limit = config.max_chars
    if limit is not None and len(text) > limit:
        raise ValueError(
            f"text is {len(text):,} characters, more than Config.max_chars ({limit:,}); a text this long is "
            "usually many documents in one string: clean them one by one (e.g. as --jsonl records), "
            "or raise the limit with max_chars=N (None for no limit; about 50 bytes of memory per character)"
        )


def _input_offset(pieces: list[tuple[int, int]], pos: int) -> int:
    """The input offset of position *pos* of the text made of *pieces*."""
    for s, e in pieces:
        if pos < e - s:
            return s + pos
        pos -= e - s
    return pieces[-1][1] if pieces else 0


def _sentence_scores(doc: Document, config: Config, memo: dict[str, Any], judged: list[Any]) -> tuple[SentenceScore, ...]:
    """Every input sentence's spam and off-topic probability (None: not scored).

    Off-topic scores are those of the first judging pass, on the text the
    other scorers kept, mapped back to the input sentence they start in.
    """
    spam = spam_sentence_scores(doc, config, memo)
    off: list[float | None] = [None] * len(doc.sentences)
    if judged:
        kept, pieces = judged[0]
        for s, p in zip(kept.sentences, offtopic_sentence_scores(kept, config)):
            hit = None if p is None else doc.sentence_at(_input_offset(pieces, s.start))
            if hit is not None:
                prev = off[hit.index]
                off[hit.index] = p if prev is None else max(prev, p)
    return tuple(SentenceScore(s.start, s.end, spam[i], off[i]) for i, s in enumerate(doc.sentences))


def _explain(text: str, config: Config, scores: bool = True) -> Report:
    _check_length(text, config)
    doc = _prepare(text)
    memo: dict[str, Any] = {}  # per-line results of this call (classifier scores, pasted brands, rule matches) for the re-judging rounds
    judged: list[Any] = []  # the text the off-topic judge read in the first pass
    dropped = _dropped(doc, config, memo, judged if scores else None)
    # scored before the re-judging rounds, which reuse the same memo
    sentences = _sentence_scores(doc, config, memo, judged) if scores else ()
    # Judge the result again so that clean(clean(x)) == clean(x): cutting a
    # span out of a line can leave a line that is itself chrome ("相关文章一区二区"
    # → "相关文章"), and removing off-topic text changes the topic the rest is
    # judged against. Whole-line removals of anything else change neither.
    # The off-topic scorer (the costly one) runs again only when it found
    # something the first time.
    offtopic_found = any(v.label == "offtopic" for v in dropped)
    rejudge = config if offtopic_found else config.replace(offtopic=False)
    for _ in range(_MAX_ROUNDS):
        if not offtopic_found and all(v.unit == "line" for v in dropped):
            break
        pieces = kept_intervals(doc, dropped)
        again = _dropped(_excerpt(doc, pieces), rejudge, memo)
        if not again:
            break
        dropped += [m for v in again for m in _to_input(pieces, v, doc)]
    dropped.sort(key=lambda v: (v.start, -v.end))
    cleaned = rebuild(doc, dropped)
    score = spin_score(text, key=doc.key)  # the key's U+FFFD for a lone surrogate is no entry either
    spun = score >= config.spin_threshold
    replacements: tuple[Replacement, ...] = ()
    if spun and config.restore_spun:
        # offsets of replacements point into the cleaned text before restoration
        cleaned, found = despin_with_replacements(cleaned, force=True)
        replacements = tuple(found)
    cleaned = _convert_output(cleaned, config)
    return Report(
        text=text,
        cleaned=cleaned,
        verdicts=tuple(dropped),
        sentences=sentences,
        spun=spun,
        spin_score=score,
        replacements=replacements,
        notes=_notes(text, config),
    )


def _convert_output(text: str, config: Config) -> str:
    if config.script == "keep":
        return text
    from .convert import to_simplified, to_traditional

    return to_simplified(text) if config.script == "simplified" else to_traditional(text)


def clean_and_explain(text: str, *, config: Config | None = None, scores: bool = True, **overrides: Any) -> Report:
    """Clean *text* and say why: every removed span with its label and signals.

    ``Report.sentences`` holds every sentence's spam and off-topic scores, for
    tuning thresholds; ``scores=False`` leaves it empty (they take about as
    long again as the off-topic judging, and change no verdict).
    """
    text = _check_text(text)
    return _explain(text, resolve_config(config, overrides), scores=scores)


def clean(text: str, *, config: Config | None = None, **overrides: Any) -> str:
    """Return *text* without injected spam, off-topic sentences and boilerplate."""
    text = _check_text(text)
    # the per-sentence scores are for reading, not for deciding: clean skips them
    return _explain(text, resolve_config(config, overrides), scores=False).cleaned

"""Score step for the learned scorers: the spam classifier and the coherence model.

Both run once per document over all its units (never one call per sentence).
The shipped models load lazily, once per process.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .config import Config
from .document import Document
from .model import load_model
from .report import Signal

__all__ = [
    "model_signals", "coherence_signals", "default_model", "spam_sentence_scores", "offtopic_sentence_scores",
]


def default_model() -> Any:
    """The shipped spam model (loaded on first use, shared by all threads)."""
    return load_model(None)


def _model_name(model: Any) -> str:
    card = getattr(model, "card", {}) or {}
    return str(card.get("name", "spam-model"))


#: largest share of a document's characters one off-topic unit may hold
MAX_OFFTOPIC_SHARE = 0.25
#: the classifier learned Chinese text; a unit with fewer Han characters than
#: this (a table rule, a patent class code) is outside what it knows
MIN_HAN = 4


def _han_before(key: str):
    """``counts[i]`` = Han characters in ``key[:i]``: any unit's count in two lookups.

    One numpy pass over the key instead of a regex scan per unit (a 1 MB
    document has some 50 000 lines and sentences).
    """
    # in chunks, with int32 counts where they fit: a 10 MB document needs
    # 14 MB here instead of some 70 MB of temporaries
    dtype = np.int32 if len(key) < 1 << 31 else np.int64
    counts = np.zeros(len(key) + 1, dtype=dtype)
    for lo in range(0, len(key), _HAN_CHUNK):
        codes = np.frombuffer(key[lo : lo + _HAN_CHUNK].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        part = counts[lo + 1 : lo + 1 + len(codes)]
        np.cumsum((codes >= 0x4E00) & (codes <= 0x9FFF), dtype=dtype, out=part)
        part += counts[lo]
    return counts


_HAN_CHUNK = 1 << 20


def _memoised(score, keys: list[str], memo: dict[str, Any] | None) -> list[Any]:
    """``score(keys)`` element by element, each key scored once per *memo*.

    Only for scorers whose result for a key depends on that key alone (the
    shipped SpamModel: rows are featurised and summed one by one), so the
    values are the ones a call on all *keys* gives.
    """
    if memo is None:
        return list(score(keys))
    missing = [k for k in dict.fromkeys(keys) if k not in memo]
    if missing:
        memo.update(zip(missing, score(missing)))
    return [memo[k] for k in keys]


def model_signals(doc: Document, config: Config, memo: dict[str, Any] | None = None) -> list[Signal]:
    """Line, sentence and pasted-brand span signals from the classifier.

    *memo* (a dict kept across the calls of one clean) remembers the scores
    of unit and sentence keys: the re-judging rounds see mostly the same
    lines again. It is used only with the shipped model class.
    """
    model = config.model if config.model is not None else default_model()
    from .model import SpamModel

    if memo is not None and type(model) is SpamModel:
        units_memo = memo.setdefault("units", {})
        spans_memo = memo.setdefault(("spans", config.span_threshold), {})
    else:
        units_memo = spans_memo = None
    name = _model_name(model)
    all_lines, all_sentences = doc.lines, doc.sentences
    han_line, han_sentence = _unit_han(doc)
    lines = [all_lines[i] for i in np.flatnonzero(han_line >= MIN_HAN).tolist()]
    # sentences are scored separately only where a line holds several of them
    multi = {ln.index for ln in lines}
    sentences = []
    for i in np.flatnonzero(han_sentence >= MIN_HAN).tolist():
        s = all_sentences[i]
        if s.line in multi:
            ln = all_lines[s.line]
            if s.start != ln.start or s.end != ln.end:
                sentences.append(s)
    units = [(ln.start, ln.end, "line") for ln in lines] + [(s.start, s.end, "sentence") for s in sentences]
    if not units:
        return []
    key = doc.key
    probs = _memoised(model.predict_proba, [key[s:e] for s, e, _ in units], units_memo)
    threshold = config.spam_confirm_threshold
    out = [
        Signal("model", name, "spam", float(p), s, e, unit)
        for (s, e, unit), p in zip(units, probs)
        if p >= threshold
    ]
    text = doc.text
    span_units = [(s.start, s.end) for s in all_sentences if (t := text[s.start : s.end]) and not t.isspace()]
    hits = _memoised(lambda keys: model.flag_spans_many(keys, config.span_threshold),
                     [key[s:e] for s, e in span_units], spans_memo)
    for (s, _), found in zip(span_units, hits):
        if found:
            out.extend(Signal("model", f"{name}:span", "spam", p, s + a, s + b, "span") for a, b, p in found)
    return out


def _unit_han(doc: Document):
    """Han characters per line and per sentence of *doc* (numpy arrays, in their order).

    Lines tile the text and sentences tile the lines' content, so from one
    start to the next there are only the unit's own characters, line breaks
    and empty lines, none of them Han: counts between consecutive starts are
    the units' counts.
    """
    han = _han_before(doc.key)
    size = len(doc.key)
    line_starts = np.array(doc._line_starts + [size], dtype=np.int64)
    sentence_starts = np.array(doc._sentence_starts + [size], dtype=np.int64)
    return np.diff(han[line_starts]), np.diff(han[sentence_starts])


#: characters judged together as one document by the coherence scorer; a
#: longer text (a whole crawl dump in one string) is not one article, and is
#: judged in windows of whole lines so time and memory stay linear
COHERENCE_WINDOW = 200_000


def _windows(doc: Document) -> list[tuple[int, int]]:
    if len(doc.text) <= COHERENCE_WINDOW:
        return [(0, len(doc.text))]
    out, start = [], 0
    for line in doc.lines:
        if line.stop - start >= COHERENCE_WINDOW:
            out.append((start, line.stop))
            start = line.stop
    if start < len(doc.text):
        out.append((start, len(doc.text)))
    return out


def coherence_signals(doc: Document, config: Config) -> list[Signal]:
    """Off-topic sentence and line signals: each unit judged against its own document."""
    from dataclasses import replace

    from .coherence import offtopic_signals
    from .document import prepare

    out: list[Signal] = []
    for lo, hi in _windows(doc):
        part = doc if (lo, hi) == (0, len(doc.text)) else prepare(doc.text[lo:hi])
        if part is not doc:
            part = replace(part, key=doc.key[lo:hi])  # the pipeline's key (surrogates already read as U+FFFD)
        signals = offtopic_signals(
            part.text, part.key, part.seg, threshold=config.offtopic_threshold, min_chars=config.offtopic_min_chars
        )
        # A unit is judged against the rest of its document; when it *is* most of
        # the document, the rest is no reference (the article would be judged
        # against the chrome around it), so it is never removed.
        total = part.visible_len(0, len(part.text))
        out.extend(
            replace(sig, start=sig.start + lo, end=sig.end + lo)
            for sig in signals
            if part.visible_len(sig.start, sig.end) <= MAX_OFFTOPIC_SHARE * total
        )
    return out


def spam_sentence_scores(doc: Document, config: Config, memo: dict[str, Any] | None = None) -> list[float | None]:
    """The classifier's spam probability of every sentence of *doc*; None where
    it does not score one (fewer than MIN_HAN Han characters, or no model)."""
    if not config.use_model:
        return [None] * len(doc.sentences)
    model = config.model if config.model is not None else default_model()
    from .model import SpamModel

    units_memo = memo.setdefault("units", {}) if memo is not None and type(model) is SpamModel else None
    sentences = doc.sentences
    scored = [sentences[i] for i in np.flatnonzero(_unit_han(doc)[1] >= MIN_HAN).tolist()]
    probs = _memoised(model.predict_proba, [doc.key[s.start : s.end] for s in scored], units_memo) if scored else []
    by_index = {s.index: float(p) for s, p in zip(scored, probs)}
    return [by_index.get(s.index) for s in doc.sentences]


def offtopic_sentence_scores(doc: Document, config: Config) -> list[float | None]:
    """The off-topic probability of every sentence of *doc* as the coherence
    scorer judges it (in the same windows); None where it does not judge one."""
    from dataclasses import replace

    from .coherence import judged_sentence_scores
    from .document import prepare

    out: list[float | None] = [None] * len(doc.sentences)
    for lo, hi in _windows(doc):
        part = doc if (lo, hi) == (0, len(doc.text)) else replace(prepare(doc.text[lo:hi]), key=doc.key[lo:hi])
        scores = judged_sentence_scores(part.text, part.key, part.seg, min_chars=config.offtopic_min_chars)
        for s, p in zip(part.sentences, scores.tolist()):
            if p == p:  # not NaN
                hit = doc.sentence_at(s.start + lo)
                if hit is not None:
                    out[hit.index] = p
    return out

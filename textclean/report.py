"""What the pipeline found and decided: signals, verdicts and the report."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Signal", "Verdict", "SentenceScore", "Replacement", "Report"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One scorer's evidence about ``text[start:end]``.

    ``source`` is ``"rule"``, ``"model"``, ``"coherence"`` or ``"context"``;
    ``name`` is the rule id or model name; ``unit`` says what the span is
    (``"line"``, ``"sentence"`` or ``"span"``, a piece inside a sentence).
    """

    source: str
    name: str
    label: str
    score: float
    start: int
    end: int
    unit: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """A decision to remove ``text[start:end]``.

    ``first_label`` is the pass-1 label from the signals alone (``"keep"``
    when only context decided); ``label`` is the final one.
    """

    start: int
    end: int
    unit: str
    label: str
    first_label: str
    signals: tuple[Signal, ...]

    @property
    def reason(self) -> str:
        if not self.signals:
            return self.label
        best = max(self.signals, key=lambda s: s.score)
        return f"{best.source}:{best.name}"


@dataclass(frozen=True, slots=True)
class SentenceScore:
    """One input sentence's scores, for users tuning thresholds.

    ``spam``: the classifier's probability (None: too few Han characters to
    score, or the model is off). ``offtopic``: the coherence scorer's
    probability from the first judging pass, on the text the other scorers
    kept (None: not judged: a heading, byline, quote, list item or short
    sentence, a sentence removed before judging, a document too short, not
    Chinese or too long to judge, or off-topic judging switched off, i.e.
    ``offtopic=False`` or ``"offtopic"`` not in ``drop``).

    The scores show how close each sentence came; the verdicts say what was
    removed. An off-topic score at or above ``Config.offtopic_threshold``
    removes the sentence unless it is most of its document; a score a little
    below goes with a flagged neighbour or line. A spam score at or above
    ``Config.spam_threshold`` removes a line that does not end like a sentence
    (a link or headline line); prose that ends like a sentence is never removed
    on this score alone, and a brand pasted inside it is cut as a span.
    """

    start: int
    end: int
    spam: float | None
    offtopic: float | None


@dataclass(frozen=True, slots=True)
class Replacement:
    """A spun word restored: ``text[start:end]`` became ``new``."""

    start: int
    end: int
    old: str
    new: str
    tier: str


@dataclass(frozen=True)
class Report:
    """The result of :func:`textclean.clean_and_explain`.

    ``verdicts`` lists every removed span (offsets into ``text``, sorted);
    ``cleaned`` is what :func:`textclean.clean` returns for the same input.
    """

    text: str
    cleaned: str
    verdicts: tuple[Verdict, ...]
    sentences: tuple[SentenceScore, ...] = ()
    spun: bool = False
    spin_score: float = 0.0
    replacements: tuple[Replacement, ...] = ()
    script: str = "none"
    notes: tuple[str, ...] = field(default=())

    def removed(self) -> list[tuple[str, str]]:
        """``(label, removed text)`` pairs in document order."""
        return [(v.label, self.text[v.start : v.end]) for v in self.verdicts]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in self.verdicts:
            out[v.label] = out.get(v.label, 0) + 1
        return out

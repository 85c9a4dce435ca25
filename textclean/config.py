"""Config: the one home of every default and threshold."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .rules import RuleSet

__all__ = ["Config", "LABELS", "DEFAULT"]

#: Every label a verdict can carry.
LABELS = frozenset({"spam", "lottery", "porn", "offtopic", "boilerplate"})


@dataclass(frozen=True, kw_only=True)
class Config:
    """Settings for one cleaning run. Immutable; derive variants with :meth:`replace`.

    ``drop`` lists the labels that are removed; a verdict whose label is not
    in it is reported but its text is kept (``Config(drop={"spam"})`` keeps
    boilerplate).
    """

    #: labels whose verdicts are removed from the output
    drop: frozenset[str] = LABELS
    #: the rule set; ``None`` means the shipped default (see :func:`load_rules`)
    rules: RuleSet | None = None
    #: regex timeout per rule pattern and document, in seconds
    rule_timeout: float = 2.0
    #: longest text one call accepts (``None``: no limit). Cost is linear, but a
    #: 20 M-character string is about 1 GB of working memory and is seldom one
    #: page: usually a whole dump that should be split into documents
    max_chars: int | None = 20_000_000

    #: use the spam classifier (``model=None`` means the shipped default)
    use_model: bool = True
    model: Any = None
    #: probability above which the classifier alone removes a line / sentence
    spam_threshold: float = 0.985
    #: classifier probability worth reporting as a signal (below it, silence)
    spam_confirm_threshold: float = 0.6
    #: probability above which the classifier cuts a pasted brand out of a sentence
    span_threshold: float = 0.97

    #: remove a page that is, as a whole, a gambling operator's own promotion
    #: (agent terms, sign-up offers); see :mod:`textclean.promotion`
    promotion_pages: bool = True
    #: the page test's word lists and thresholds (``None``: the shipped
    #: ``data/promotion.toml``; see :func:`load_promotion_profile`)
    promotion_profile: Any = None

    #: judge sentences against their own document
    offtopic: bool = True
    #: off-topic probability above which a sentence is removed
    offtopic_threshold: float = 0.95
    #: documents with fewer Han/word characters than this are not judged
    offtopic_min_chars: int = 150
    #: texts longer than this (characters) are not judged for off-topic
    #: sentences: the longest news articles run to 10–20 thousand characters,
    #: and a longer text is mostly several articles (a dump, a thread), where
    #: judged against the mix a minority article's sentences look foreign and
    #: each removal makes the next one likelier. ``None``: judge any length,
    #: in windows of whole lines
    offtopic_max_chars: int | None = 50_000

    #: pass 2: short lines between / above removed spam become spam
    context: bool = True
    #: a line this short (non-space chars) may be relabelled by context
    context_max_chars: int = 16

    #: output script: keep the input's, or convert the output
    script: Literal["keep", "simplified", "traditional"] = "keep"
    #: restore pages detected as spun (the output then differs from the input)
    restore_spun: bool = False
    #: spin score (spinner artifacts per 1000 Han characters, short pages
    #: counted as 500) at or above which a page counts as spun
    spin_threshold: float = 3.0

    def __post_init__(self) -> None:
        drop = frozenset(self.drop)
        unknown = drop - LABELS
        if unknown:
            raise ValueError(
                f"Config.drop has unknown labels {sorted(unknown)}; choose from {sorted(LABELS)}"
            )
        object.__setattr__(self, "drop", drop)
        if self.script not in ("keep", "simplified", "traditional"):
            raise ValueError(f"Config.script must be 'keep', 'simplified' or 'traditional', not {self.script!r}")
        for name in ("spam_threshold", "spam_confirm_threshold", "span_threshold", "offtopic_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Config.{name} must be between 0 and 1, not {value!r}")
        if self.offtopic_max_chars is not None and (
            isinstance(self.offtopic_max_chars, bool)
            or not isinstance(self.offtopic_max_chars, int)
            or self.offtopic_max_chars <= 0
        ):
            raise ValueError(
                f"Config.offtopic_max_chars must be a positive integer or None, not {self.offtopic_max_chars!r}"
            )
        if self.max_chars is not None and (
            isinstance(self.max_chars, bool) or not isinstance(self.max_chars, int) or self.max_chars <= 0
        ):
            raise ValueError(f"Config.max_chars must be a positive integer or None, not {self.max_chars!r}")
        if self.rule_timeout <= 0:
            raise ValueError("Config.rule_timeout must be positive seconds")

    def replace(self, **overrides: Any) -> "Config":
        """A copy with *overrides* applied; unknown names raise ``TypeError``."""
        known = {f.name for f in fields(self)}
        bad = sorted(set(overrides) - known)
        if bad:
            raise TypeError(f"unknown Config option(s) {bad}; known options: {sorted(known)}")
        return replace(self, **overrides)


DEFAULT = Config()

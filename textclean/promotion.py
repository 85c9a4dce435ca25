"""Score step for whole pages: a gambling operator's own promotion page.

Injected spam is a few lines inside someone else's article, and the rules and
the classifier judge it line by line. An operator's own page (agent terms,
sign-up offers, "about us") is different: every paragraph is promotion in
ordinary prose, so no line looks like a link list, yet nothing on it is an
article to keep. News about gambling (casino revenue, a police raid on a
betting ring) uses the same vocabulary, so a page counts only when all the
tests of the profile hold: most of its prose is the operator's (lines with
the betting business's own words, or addressed to a customer), it uses many
different gambling words, densely, it speaks to a customer, and it has no
reporting voice. The profile is data (``data/promotion.toml``); a user's
profile file has the same shape.
"""
from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from .document import Document
from .normalize import fold
from .report import Signal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ProfileError", "PromotionProfile", "PageEvidence", "parse_promotion_profile", "load_promotion_profile", "default_promotion_profile", "page_evidence", "promotion_signals"]

SIGNAL_NAME = "gambling-operator-page"
_MAX_FILE_BYTES = 1024 * 1024
_LISTS = ("operator_terms", "topic_terms", "customer_voice", "reporting_voice")
_NUMBERS = {
    "min_coverage": (0.0, 1.0),
    "min_distinct": (1, 1000),
    "min_density": (0.0, 1000.0),
    "min_customer_voice": (0.0, 1000.0),
    "max_reporting_voice": (0.0, 1000.0),
    "prose_line_chars": (1, 10_000),
    "min_prose_chars": (1, 10_000_000),
}


class ProfileError(ValueError):
    """A promotion profile file that cannot be used; the message names file and field."""


@dataclass(frozen=True)
class PromotionProfile:
    operator_terms: tuple[str, ...]
    topic_terms: tuple[str, ...]
    customer_voice: tuple[str, ...]
    reporting_voice: tuple[str, ...]
    min_coverage: float
    min_distinct: int
    min_density: float
    min_customer_voice: float
    max_reporting_voice: float
    prose_line_chars: int
    min_prose_chars: int
    source: str = "<profile>"

    @functools.cached_property
    def _patterns(self) -> tuple[Any, Any, Any, Any]:
        """operator terms, all gambling terms, customer voice, reporting voice"""
        return (
            _alternation(self.operator_terms),
            _alternation(self.operator_terms + self.topic_terms),
            _alternation(self.customer_voice),
            _alternation(self.reporting_voice),
        )


def _alternation(terms: tuple[str, ...]) -> Any:
    # longest first, so 代理商 is read as one term and not also as 代理
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))
    return regex.compile("|".join(regex.escape(t) for t in ordered))


def _check_list(data: dict[str, Any], name: str, source: str) -> tuple[str, ...]:
    value = data.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t.strip() for t in value):
        raise ProfileError(f"{source}: {name!r} must be a non-empty list of non-empty strings")
    # written in any script or case, matched on the folding key
    return tuple(fold(t.strip()) for t in value)


def _check_number(data: dict[str, Any], name: str, source: str) -> float:
    lo, hi = _NUMBERS[name]
    value = data.get(name)
    whole = isinstance(lo, int)
    if (
        isinstance(value, bool)
        or not isinstance(value, int if whole else (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        kind = "a whole number" if whole else "a number"
        raise ProfileError(f"{source}: {name!r} must be {kind} between {lo} and {hi}, not {value!r}")
    return int(value) if whole else float(value)


def parse_promotion_profile(text: str, source: str = "<string>") -> PromotionProfile:
    """A profile from TOML text (the shape of ``textclean/data/promotion.toml``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_LISTS) - set(_NUMBERS) - {"version"})
    if unknown:
        raise ProfileError(f"{source}: unknown field(s) {unknown}; known: {sorted((*_LISTS, *_NUMBERS))}")
    if data.get("version", 1) != 1:
        raise ProfileError(f"{source}: profile version {data.get('version')!r} is not supported (this textclean reads version 1)")
    values: dict[str, Any] = {name: _check_list(data, name, source) for name in _LISTS}
    values.update({name: _check_number(data, name, source) for name in _NUMBERS})
    return PromotionProfile(**values, source=source)


def load_promotion_profile(path: str | Path | None = None) -> PromotionProfile:
    """Read a profile file; ``None`` is the shipped one."""
    if path is None:
        return default_promotion_profile()
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise ProfileError(f"{path}: profile file is larger than {_MAX_FILE_BYTES} bytes")
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read promotion profile: {exc}") from None
    return parse_promotion_profile(text, str(path))


@functools.lru_cache(maxsize=1)
def default_promotion_profile() -> PromotionProfile:
    from importlib import resources

    text = (resources.files("textclean") / "data" / "promotion.toml").read_text(encoding="utf-8")
    return parse_promotion_profile(text, "textclean/data/promotion.toml")


@dataclass(frozen=True)
class PageEvidence:
    """What the page test measured; ``is_promotion`` when every test holds."""

    prose_chars: int
    coverage: float
    distinct: int
    density: float
    customer_voice: float
    reporting_voice: float
    is_promotion: bool


def _prose(doc: Document, profile: PromotionProfile) -> tuple[list[tuple[str, int]], int]:
    """The prose lines (keys and visible lengths) and their characters."""
    sized = ((doc.key[ln.start : ln.end], doc.line_visible_len(ln)) for ln in doc.lines)
    prose = [(line, n) for line, n in sized if n >= profile.prose_line_chars]
    return prose, sum(n for _, n in prose)


def _is_promotion(doc: Document, profile: PromotionProfile) -> bool:
    """``page_evidence(doc, profile).is_promotion``, given up at the first line
    that makes the coverage test fail for sure: on a news page a few prose
    lines without customer or operator terms settle it, and the page's other
    scans are never run."""
    operator, _, customer, _ = profile._patterns
    prose, chars = _prose(doc, profile)
    if not prose or chars < profile.min_prose_chars:
        return False
    uncovered = 0
    for line, n in prose:
        if not (customer.search(line) or operator.search(line)):
            uncovered += n
            # the coverage page_evidence finds is at most (chars - uncovered) / chars
            if (chars - uncovered) / chars < profile.min_coverage:
                return False
    return page_evidence(doc, profile).is_promotion


def page_evidence(doc: Document, profile: PromotionProfile) -> PageEvidence:
    operator, gambling, customer, reporting = profile._patterns
    prose, chars = _prose(doc, profile)
    if not prose or chars < profile.min_prose_chars:
        return PageEvidence(chars, 0.0, 0, 0.0, 0.0, 0.0, False)
    found: set[str] = set()
    hits = covered = voiced = reported = 0
    for line, n in prose:
        on_line = gambling.findall(line)
        hits += len(on_line)
        found.update(on_line)
        speaks = len(customer.findall(line))
        voiced += speaks
        reported += len(reporting.findall(line))
        if speaks or operator.search(line):
            covered += n
    per_k = 1000.0 / chars
    evidence = dict(
        prose_chars=chars,
        coverage=covered / chars,
        distinct=len(found),
        density=hits * per_k,
        customer_voice=voiced * per_k,
        reporting_voice=reported * per_k,
    )
    is_promotion = (
        evidence["coverage"] >= profile.min_coverage
        and evidence["distinct"] >= profile.min_distinct
        and evidence["density"] >= profile.min_density
        and evidence["customer_voice"] >= profile.min_customer_voice
        and evidence["reporting_voice"] <= profile.max_reporting_voice
    )
    return PageEvidence(**evidence, is_promotion=is_promotion)


def promotion_signals(doc: Document, profile: PromotionProfile | None = None) -> list[Signal]:
    """One spam signal per non-blank line when the whole page is operator promotion."""
    if profile is None:
        profile = default_promotion_profile()
    elif not isinstance(profile, PromotionProfile):
        raise TypeError(
            "Config.promotion_profile must be a PromotionProfile, not "
            f"{type(profile).__name__}: read a file with textclean.load_promotion_profile(path)"
        )
    if not _is_promotion(doc, profile):
        return []
    score = round(page_evidence(doc, profile).coverage, 4)
    return [
        Signal("page", SIGNAL_NAME, "spam", score, ln.start, ln.end, "line")
        for ln in doc.lines
        if not doc.is_blank(ln)
    ]

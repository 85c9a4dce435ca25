"""The cleaning pipeline: normalise → segment → score → decide → rebuild."""
from __future__ import annotations

import logging
from typing import Any

from .config import DEFAULT, Config
from .decide import decide
from .document import Document, prepare
from .rebuild import rebuild
from .report import Report, Signal
from .rules import default_rules
from .rulescore import rule_signals

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


def resolve_config(config: Config | None, overrides: dict[str, Any]) -> Config:
    """Merge keyword overrides into a config (the default when *config* is None)."""
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config must be a textclean.Config, not {type(config).__name__}")
    base = config or DEFAULT
    return base.replace(**overrides) if overrides else base


def _signals(doc: Document, config: Config) -> list[Signal]:
    ruleset = config.rules if config.rules is not None else default_rules()
    return rule_signals(doc, ruleset, config.rule_timeout)


def _explain(text: str, config: Config) -> Report:
    doc = prepare(text)
    signals = _signals(doc, config)
    verdicts = decide(doc, signals, config)
    dropped = tuple(v for v in verdicts if v.label in config.drop)
    cleaned = rebuild(doc, dropped)
    return Report(text=text, cleaned=cleaned, verdicts=dropped)


def clean_and_explain(text: str, *, config: Config | None = None, **overrides: Any) -> Report:
    """Clean *text* and say why: every removed span with its label and signals."""
    text = _check_text(text)
    return _explain(text, resolve_config(config, overrides))


def clean(text: str, *, config: Config | None = None, **overrides: Any) -> str:
    """Return *text* without injected spam, off-topic sentences and boilerplate."""
    return clean_and_explain(text, config=config, **overrides).cleaned

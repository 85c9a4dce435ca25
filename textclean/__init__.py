"""textclean: clean scraped Chinese news of injected spam, off-topic text and boilerplate."""
from __future__ import annotations

from .config import LABELS, Config
from .pipeline import clean, clean_and_explain
from .report import Replacement, Report, SentenceScore, Signal, Verdict
from .rules import Rule, RuleError, RuleSet, RuleTimeoutError, load_rules

__version__ = "0.1.0"

__all__ = [
    "Config",
    "LABELS",
    "Replacement",
    "Report",
    "Rule",
    "RuleError",
    "RuleSet",
    "RuleTimeoutError",
    "SentenceScore",
    "Signal",
    "Verdict",
    "__version__",
    "clean",
    "clean_and_explain",
    "load_rules",
]

"""textclean: clean scraped Chinese news of injected spam, off-topic text and boilerplate."""
from __future__ import annotations

from .config import LABELS, Config
from .parallel import clean_many
from .pipeline import clean, clean_and_explain
from .report import Replacement, Report, SentenceScore, Signal, Verdict
from .rules import Rule, RuleError, RuleSet, RuleTimeoutError, load_rules

# heavier pieces load their data lazily on first use, not at import
from .convert import OpenCCPackageError, available_configs, convert, to_simplified, to_traditional
from .evaluate import evaluate
from .model import ModelError, load_model
from .promotion import ProfileError, PromotionProfile, load_promotion_profile
from .script import ScriptResult, detect_script
from .spin import despin, is_spun, spin_score

__version__ = "0.1.0"

__all__ = [
    "Config",
    "ModelError",
    "ProfileError",
    "PromotionProfile",
    "OpenCCPackageError",
    "ScriptResult",
    "available_configs",
    "convert",
    "despin",
    "detect_script",
    "evaluate",
    "is_spun",
    "load_model",
    "load_promotion_profile",
    "spin_score",
    "to_simplified",
    "to_traditional",
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
    "clean_many",
    "load_rules",
]

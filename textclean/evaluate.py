"""Evaluate cleaning against gold-labelled documents (the ``../shared`` format).

Each JSONL line: ``{"text": ..., "remove": [{"span": ..., "why": ..., "occurrence": k}]}``.
Scores are per character, ignoring whitespace; ``why`` categories starting with
gambling/lottery/spam count as spam, offtopic/off-topic as offtopic, the rest
as boilerplate. Collateral is the share of genuine characters removed.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .config import Config
from .pipeline import clean_and_explain
from .rebuild import kept_intervals
from .document import prepare
from .report import Report

__all__ = ["evaluate", "EvalResult", "GoldSpan", "PageResult", "gold_spans", "evaluate_main"]


def _category(why: str) -> str:
    w = why.lower()
    if w.startswith(("gambling", "lottery", "spam")):
        return "spam"
    if w.startswith(("offtopic", "off-topic")):
        return "offtopic"
    return "boilerplate"


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """A gold span a perfect cleaner removes: ``text[start:end]``, its ``why`` and scoring category."""

    start: int
    end: int
    why: str
    category: str


def gold_spans(case: dict[str, Any]) -> list[GoldSpan]:
    """Locate a case's ``remove`` entries in its text (the k-th ``occurrence`` of each span)."""
    text = case["text"]
    out: list[GoldSpan] = []
    for r in case.get("remove", []):
        pos = -1
        for _ in range(int(r.get("occurrence", 1))):
            pos = text.find(r["span"], pos + 1)
            if pos < 0:
                raise ValueError(f"{case.get('id', '?')}: gold span not found: {r['span'][:40]!r}")
        why = r.get("why", "spam")
        out.append(GoldSpan(pos, pos + len(r["span"]), why, _category(why)))
    return out


def _gold(spans: list[GoldSpan], length: int) -> list[str | None]:
    mask: list[str | None] = [None] * length
    for g in spans:
        for i in range(g.start, g.end):
            mask[i] = g.category
    return mask


@dataclass(frozen=True)
class PageResult:
    """One document's outcome, kept by ``evaluate(..., keep_pages=True)`` for review pages.

    ``kept`` are the input pieces the cleaner kept; ``missed`` / ``wrong`` count
    non-space gold characters kept and genuine characters removed.
    """

    id: str
    report: Report
    gold: tuple[GoldSpan, ...]
    kept: tuple[tuple[int, int], ...]
    missed: int
    wrong: int

    @property
    def cost(self) -> int:
        """How bad the page is, as in the worst-documents list (a wrong removal counts three)."""
        return self.missed + 3 * self.wrong


@dataclass
class EvalResult:
    documents: int = 0
    exact: int = 0
    gold: Counter = field(default_factory=Counter)
    hit: Counter = field(default_factory=Counter)
    genuine: int = 0
    collateral_chars: int = 0
    mistakes: list[tuple[int, str, list[str], list[str]]] = field(default_factory=list)
    pages: list[PageResult] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int | None]:
        removed = sum(self.hit.values()) + self.collateral_chars
        out: dict[str, float | int | None] = {"documents": self.documents, "exact_docs": self.exact}
        for cat in ("spam", "offtopic", "boilerplate"):
            out[f"recall_{cat}"] = round(self.hit[cat] / self.gold[cat], 4) if self.gold[cat] else None
        out["precision"] = round(sum(self.hit.values()) / removed, 4) if removed else None
        out["collateral"] = round(self.collateral_chars / self.genuine, 5) if self.genuine else None
        return out

    def format(self, worst: int = 10) -> str:
        lines = [" ".join(f"{k}={v}" for k, v in self.metrics().items())]
        for cost, cid, missed, wrong in sorted(self.mistakes, key=lambda m: -m[0])[:worst]:
            lines.append(f"--- {cid} ({cost} characters wrong)")
            lines += [f"  kept but should go: {m[:80]!r}" for m in missed[:5]]
            lines += [f"  removed but should stay: {w[:80]!r}" for w in wrong[:5]]
        return "\n".join(lines)


def _runs(text: str, idx: list[int]) -> list[str]:
    runs: list[list[int]] = []
    for i in idx:
        if runs and not text[runs[-1][1] + 1 : i].strip():
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return [text[a : b + 1] for a, b in runs]


def evaluate(
    cases: Sequence[dict[str, Any]], *, config: Config | None = None, keep_pages: bool = False
) -> EvalResult:
    """Clean every case and compare what was removed with the gold spans.

    With *keep_pages*, ``result.pages`` holds every document's report and gold
    spans (what :func:`textclean.htmlreport.write_evaluation_html` shows).
    """
    res = EvalResult()
    for n, case in enumerate(cases, 1):
        text = case["text"]
        spans = gold_spans(case)
        mask = _gold(spans, len(text))
        report = clean_and_explain(text, config=config, scores=False)
        pieces = kept_intervals(prepare(text), report.verdicts)
        kept = bytearray(len(text))
        for s, e in pieces:
            kept[s:e] = b"\x01" * (e - s)
        missed, wrong = [], []
        for i, c in enumerate(text):
            if c.isspace():
                continue
            if mask[i]:
                res.gold[mask[i]] += 1
                if kept[i]:
                    missed.append(i)
                else:
                    res.hit[mask[i]] += 1
            else:
                res.genuine += 1
                if not kept[i]:
                    res.collateral_chars += 1
                    wrong.append(i)
        res.documents += 1
        if not missed and not wrong:
            res.exact += 1
        else:
            res.mistakes.append((len(missed) + 3 * len(wrong), str(case.get("id", n)), _runs(text, missed), _runs(text, wrong)))
        if keep_pages:
            res.pages.append(
                PageResult(str(case.get("id", n)), report, tuple(spans), tuple(pieces), len(missed), len(wrong))
            )
    return res


def evaluate_main(argv: Sequence[str] | None = None) -> int:
    """``textclean evaluate --data gold.jsonl [--model DIR] [--worst N] [--json]``."""
    ap = argparse.ArgumentParser(prog="textclean evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="gold-labelled JSONL documents")
    ap.add_argument("--model", help="spam model directory (default: the shipped model)")
    ap.add_argument("--no-model", action="store_true")
    ap.add_argument("--worst", type=int, default=10, help="list the N worst documents")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--html", action="store_true", help="write an HTML review page (worst documents first) to stdout")
    args = ap.parse_args(argv)
    if args.json and args.html:
        ap.error("--json and --html are exclusive: pick one output")
    options: dict[str, Any] = {}
    if args.no_model:
        options["use_model"] = False
    elif args.model:
        from .model import load_model

        options["model"] = load_model(args.model)
    path = Path(args.data)
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = evaluate(cases, config=Config(**options), keep_pages=args.html)
    if args.html:
        from .htmlreport import utf8_stdout, write_evaluation_html

        with utf8_stdout() as out:
            write_evaluation_html(out, result, title=f"textclean evaluation: {path.name}")
        return 0
    print(json.dumps(result.metrics()) if args.json else result.format(args.worst))
    return 0

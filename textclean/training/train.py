"""Train (or retrain) the spam model and write a model directory with its card.

Library entry: :func:`train`. Command line: ``python -m textclean.training.train
--data my.jsonl --out DIR`` (or :func:`train_main` from another CLI).

User data is JSONL, either sentence labels ``{"text": ..., "label": ...}``
(label ``spam``/``lottery``/``porn``/``gambling``/``1`` or ``ham``/``0``) or gold
documents ``{"text": ..., "remove": [{"span": ..., "why": ...}]}``: removed
spans whose category starts with gambling/lottery/spam are spam units (and
``*-inline`` ones also span examples); the document's other sentences are ham.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import platform
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..model import SpamModel, featurize, head_from_params, save_model, span_candidates
from ..normalize import fold
from ..segment import segment
from .spamdata import SPLITS, DataError, SpamData, Unit, brand_names, build, shared_data_dir

__all__ = ["TrainResult", "train", "train_main", "read_user_data", "evaluate_model", "SPAM_LABELS"]

log = logging.getLogger(__name__)

SPAM_LABELS = frozenset({"spam", "lottery", "porn", "gambling", "1", "true"})
HAM_LABELS = frozenset({"ham", "0", "false", "keep"})
_SPAM_WHY = ("gambling", "lottery", "spam")
N_FEATURES = 1 << 19
HARDNEG_WEIGHT = 5.0  # a false removal of real news costs more than a missed spam line


@dataclass
class TrainResult:
    model: SpamModel
    out: Path | None
    metrics: dict[str, Any]
    report: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


# --- user data ------------------------------------------------------------------

def _user_split(key: str) -> str:
    b = hashlib.blake2b(("user:" + key).encode(), digest_size=2).digest()[0]
    return "train" if b < 179 else ("calib" if b < 205 else "test")  # 70/10/20


def _label(v: Any, where: str) -> int:
    s = str(v).strip().lower()
    if s in SPAM_LABELS:
        return 1
    if s in HAM_LABELS:
        return 0
    raise ValueError(f"{where}: unknown label {v!r} (use spam/lottery/porn/ham or 1/0)")


def _gold_units(doc: dict, where: str) -> tuple[list[tuple[str, int]], list[str]]:
    """(units, inline brand spans) of one gold document."""
    text = doc["text"]
    removed: list[tuple[int, int, bool]] = []
    inline: list[str] = []
    pos = 0
    for r in doc.get("remove", []):
        span, why = r["span"], str(r.get("why", ""))
        i = text.find(span, pos)
        if i < 0:
            i = text.find(span)
        if i < 0:
            raise ValueError(f"{where}: removed span not found in text: {span[:40]!r}")
        pos = i + len(span)
        is_spam = why.startswith(_SPAM_WHY)
        removed.append((i, i + len(span), is_spam))
        if is_spam and "inline" in why:
            inline.append(span)
    units: list[tuple[str, int]] = [(text[s:e], 1) for s, e, sp in removed if sp]
    seg = segment(text)
    for sent in seg.sentences:
        if any(s < sent.end and sent.start < e for s, e, _ in removed):
            continue  # touched by a removal: not clean ham
        t = text[sent.start:sent.end].strip()
        if t:
            units.append((t, 0))
    return units, inline


def read_user_data(paths: Iterable[Path | str]) -> tuple[list[Unit], list[Unit], dict[str, str]]:
    """(units, span units, sha256 per file) from user JSONL files."""
    units: list[Unit] = []
    spans: list[Unit] = []
    hashes: dict[str, str] = {}
    for p in map(Path, paths):
        raw = p.read_bytes()
        hashes[str(p)] = hashlib.sha256(raw).hexdigest()
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{p}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{where}: not JSON ({e})") from None
            if "remove" in row:
                pairs, inline = _gold_units(row, where)
                for b in inline:
                    spans.append(Unit(fold(b), 1, "user", _user_split(b)))
            elif "label" in row:
                pairs = [(row["text"], _label(row["label"], where))]
            else:
                raise ValueError(f"{where}: need 'label' or 'remove'")
            for t, y in pairs:
                k = fold(t)
                units.append(Unit(k, y, "user", _user_split(k)))
    return units, spans, hashes


# --- fitting ------------------------------------------------------------------------

def _matrix(keys: Sequence[str], n_features: int):
    from scipy.sparse import csr_matrix

    r, c, v = featurize(keys, n_features)
    return csr_matrix((v, (r, c)), shape=(len(keys), n_features))


def _fit_head(units: Sequence[Unit], seed: int, C: float):
    from sklearn.linear_model import LogisticRegression

    tr = [u for u in units if u.split == "train"]
    ca = [u for u in units if u.split == "calib"]
    if not tr or len({u.label for u in tr}) < 2:
        raise ValueError("training data needs both spam and ham examples")
    X = _matrix([u.key for u in tr], N_FEATURES)
    y = np.array([u.label for u in tr])
    w = np.array([HARDNEG_WEIGHT if u.kind == "hardneg" else 1.0 for u in tr])
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=200, random_state=seed)
    clf.fit(X, y, sample_weight=w)
    coef, b0 = clf.coef_[0].astype(np.float32), float(clf.intercept_[0])
    # Platt scaling on held-out families, so the probability means something.
    if ca and len({u.label for u in ca}) == 2:
        z = _matrix([u.key for u in ca], N_FEATURES) @ coef.astype(np.float64) + b0
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(z.reshape(-1, 1), [u.label for u in ca])
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    else:
        a, b = 1.0, 0.0
    return head_from_params(coef, b0, {"a": a, "b": b})


# --- evaluation ---------------------------------------------------------------------

def _threshold_at_fpr(ham_p: np.ndarray, fpr: float) -> float:
    """Smallest threshold flagging at most *fpr* of ham (never below 0.5)."""
    if len(ham_p) == 0:
        return 0.5
    k = int(np.floor(fpr * len(ham_p)))
    s = np.sort(ham_p)[::-1]
    t = float(np.nextafter(s[k], 1.0)) if k < len(s) else 0.0
    return max(0.5, min(t, 0.999999))


def _pasted(ham: Sequence[str], brands: Sequence[str], rng: random.Random) -> list[tuple[str, int, int]]:
    """Paste a brand into a ham sentence at a character position: (key, start, end)."""
    out = []
    for b in brands:
        h = rng.choice(ham)
        i = rng.randint(0, len(h))
        out.append((h[:i] + b + h[i:], i, i + len(b)))
    return out


def evaluate_model(model: SpamModel, units: Sequence[Unit], *, pasted: Sequence[tuple[str, int, int]] = (),
                   span_ham: Sequence[str] = ()) -> dict[str, Any]:
    """Held-out report: thresholds at fixed ham flag rates and recall per kind."""
    test = [u for u in units if u.split == "test"]
    p = model.predict_proba([u.key for u in test])
    y = np.array([u.label for u in test])
    kinds = np.array([u.kind for u in test])
    ham_p = p[y == 0]
    m: dict[str, Any] = {"n_test": int(len(test)), "n_test_ham": int((y == 0).sum())}
    for name, fpr in (("fpr_0.05%", 0.0005), ("fpr_0.1%", 0.001), ("fpr_1%", 0.01)):
        t = _threshold_at_fpr(ham_p, fpr)
        m[name] = {
            "threshold": round(t, 6),
            "ham_flagged": float((ham_p >= t).mean()) if len(ham_p) else 0.0,
            "hardneg_flagged": float((p[kinds == "hardneg"] >= t).mean()) if (kinds == "hardneg").any() else 0.0,
            "spam_recall": float((p[y == 1] >= t).mean()) if (y == 1).any() else 0.0,
            "recall_by_kind": {str(k): round(float((p[(y == 1) & (kinds == k)] >= t).mean()), 4)
                               for k in sorted(set(kinds[y == 1]))},
        }
    if pasted and span_ham:
        hits = model.flag_spans_many([k for k, _, _ in pasted], threshold=0.0)
        best = np.array([max((q for s, e, q in h if s < pe and ps < e), default=0.0)
                         for h, (_, ps, pe) in zip(hits, pasted)])
        ham_hits = model.flag_spans_many(list(span_ham), threshold=0.0)
        ham_best = np.array([max((q for _, _, q in h), default=0.0) for h in ham_hits])
        for name, fpr in (("fpr_0.1%", 0.001), ("fpr_1%", 0.01)):
            t = _threshold_at_fpr(ham_best, fpr)
            m.setdefault("span", {})[name] = {
                "threshold": round(t, 6),
                "ham_sentences_flagged": float((ham_best >= t).mean()),
                "pasted_recall": float((best >= t).mean()),
            }
        m["span"]["n_pasted"] = len(pasted)
        m["span"]["n_ham_sentences"] = len(span_ham)
    return m


def _report(m: dict[str, Any]) -> str:
    lines = [f"held-out units: {m['n_test']} ({m['n_test_ham']} ham)"]
    for name in ("fpr_0.05%", "fpr_0.1%", "fpr_1%"):
        r = m[name]
        lines.append(f"  at {name} ham: t={r['threshold']:.4f} spam recall={r['spam_recall']:.4f} "
                     f"hardneg flagged={r['hardneg_flagged']:.4f} by kind={r['recall_by_kind']}")
    for name, r in m.get("span", {}).items():
        if isinstance(r, dict):
            lines.append(f"  span at {name}: t={r['threshold']:.4f} pasted recall={r['pasted_recall']:.4f} "
                         f"ham sentences flagged={r['ham_sentences_flagged']:.4f}")
    return "\n".join(lines)


# --- entry points -------------------------------------------------------------------

def _versions() -> dict[str, str]:
    import scipy
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__}


def train(data_paths: Sequence[Path | str] = (), *, base: str | SpamData | None = "default",
          out: Path | str | None = None, seed: int = 0, C: float = 20.0, base_limit: int | None = None) -> TrainResult:
    """Train a spam model from user data plus (optionally) the shipped training data.

    ``base="default"`` rebuilds the shipped data from ``../shared/data`` (a
    :class:`DataError` says so when it is absent); ``None`` trains on user data
    only; a :class:`SpamData` is used as given. ``base_limit`` subsamples the
    base (for quick experiments). Writes ``out`` when given.
    """
    rng = random.Random(seed)
    if base == "default":
        base_data: SpamData | None = build(seed=seed)
    elif base is None or isinstance(base, SpamData):
        base_data = base
    else:
        raise ValueError(f"base must be 'default', None or SpamData, not {base!r}")
    units: list[Unit] = list(base_data.units) if base_data else []
    spans: list[Unit] = list(base_data.spans) if base_data else []
    if base_limit and len(units) > base_limit:
        units = random.Random(seed).sample(units, base_limit)
        spans = random.Random(seed).sample(spans, min(len(spans), base_limit))
    user_units, user_spans, user_hashes = read_user_data(data_paths)
    units += user_units
    spans += user_spans
    if not spans:
        raise ValueError("no span examples: use base='default' or give gold documents with *-inline spans")

    unit_head = _fit_head(units, seed, C)
    span_head = _fit_head(spans, seed, C)
    model = SpamModel(unit=unit_head, span=span_head, n_features=N_FEATURES)

    test_fams = base_data.families.get("test", []) if base_data else []
    ham_sents = [u.key for u in units if u.split == "test" and u.label == 0 and 10 <= len(u.key) <= 200]
    pasted = _pasted(ham_sents, [fold(b) for b in brand_names(test_fams, rng, 2000)], rng) if test_fams and ham_sents else []
    metrics = evaluate_model(model, units, pasted=pasted, span_ham=ham_sents[:8000])
    if user_units:
        metrics["user_test"] = evaluate_model(model, [u for u in units if u.kind == "user"])["fpr_0.1%"] \
            if any(u.kind == "user" and u.split == "test" and u.label == 0 for u in units) else None
    counts: dict[str, dict[str, int]] = {}
    for u in units:
        d = counts.setdefault(u.split, {})
        k = f"{u.kind}:{'spam' if u.label else 'ham'}"
        d[k] = d.get(k, 0) + 1
    t01 = metrics["fpr_0.1%"]["threshold"]
    thresholds = {
        "line": max(metrics["fpr_0.05%"]["threshold"], 0.8),
        "confirm": max(metrics["fpr_1%"]["threshold"], 0.5),
        "span": metrics.get("span", {}).get("fpr_0.1%", {}).get("threshold", 0.9),
        "unit_at_0.1%_ham": t01,
    }
    model.card = {
        "name": "textclean-spam",
        "inputs": dict(base_data.inputs if base_data else {}, **user_hashes),
        "seed": seed,
        "C": C,
        "families": base_data.families if base_data else {},
        "label_counts": counts,
        "metrics": metrics,
        "thresholds": {k: round(float(v), 6) for k, v in thresholds.items()},
        "versions": _versions(),
    }
    out_path = save_model(model, out) if out is not None else None
    report = _report(metrics)
    log.info("trained spam model\n%s", report)
    return TrainResult(model=model, out=out_path, metrics=metrics, report=report, counts=counts)


def train_main(argv: Sequence[str] | None = None) -> int:
    """``python -m textclean.training.train``: returns a process exit code."""
    ap = argparse.ArgumentParser(prog="textclean-train", description="Train the textclean spam model.")
    ap.add_argument("--data", action="append", default=[], help="JSONL of labelled sentences or gold documents")
    ap.add_argument("--out", required=True, help="output model directory")
    ap.add_argument("--base", choices=("default", "none"), default="default",
                    help="start from the shipped training data (needs ../shared) or from nothing")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        res = train(args.data, base=None if args.base == "none" else "default", out=args.out, seed=args.seed)
    except (DataError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(res.report)
    print(f"wrote {res.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(train_main())

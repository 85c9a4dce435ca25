"""Evaluate off-topic detection on held-out THUCNews articles, the seeds and real_dev.

    .venv/bin/python benchmarks/offtopic_eval.py [--shared ../shared] [--threshold T] [--min-chars N] [--json]
    .venv/bin/python benchmarks/offtopic_eval.py --sweep 0.9,0.95,0.99 [--model DIR] [--write-card]

Held-out articles are the ``eval_doc_ids`` recorded in ``models/topic/card.json``
(never seen by the topic model or the combiner). For each, sentences from an
article of another label or of the same label are spliced in (1-3 sentences
inline, as their own line, or scattered) and we measure:

* recall: share of spliced sentences at least half removed;
* false removals: share of genuine sentences at least half removed;
* clean: share of unmodified articles with nothing removed.

The same runs are repeated in Traditional script (OpenCC s2t). Seeds and
real_dev report every flagged span against gold.

``--sweep`` scores every document once and judges it at each threshold, one
compact row per threshold (``--write-card`` stores the rows in the card);
``--model`` evaluates a candidate model directory instead of the shipped one.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textclean.coherence import (  # noqa: E402
    DEFAULT_MIN_CHARS,
    DEFAULT_THRESHOLD,
    load_topic_model,
    offtopic_signals,
    score_units,
)
from textclean.normalize import fold  # noqa: E402
from textclean.segment import segment  # noqa: E402
from textclean.training.topic import load_articles, make_doc  # noqa: E402


def _covered(spans: list[tuple[int, int]], removed: list[tuple[int, int]], size: int) -> np.ndarray:
    mark = np.zeros(size + 1, dtype=np.int64)
    for a, b in removed:
        mark[a] += 1
        mark[b] -= 1
    cum = np.concatenate(([0], np.cumsum(np.cumsum(mark)[:size] > 0)))
    return np.array([(cum[b] - cum[a]) * 2 >= (b - a) for a, b in spans], dtype=bool)


EXTEND: float | None = None  # neighbour threshold (None: the library default)
MODEL = None  # a TopicModel loaded from --model (None: the shipped one)

# one scoring per document, however many thresholds are swept
_score_cache: dict[str, object] = {}


def _cached_score_units(text, key, seg, *, model=None):
    hit = _score_cache.get(text)
    if hit is None:
        if len(_score_cache) > 4:
            _score_cache.clear()
        hit = _score_cache[text] = score_units(text, key, seg, model=model)
    return hit


def _cached_decision_scores(text, key, seg, *, model, **_):
    # the full scores serve every threshold (the library's own skips nothing it would flag)
    return _cached_score_units(text, key, seg, model=model)


def _run(text: str, threshold: float, min_chars: int) -> list[tuple[int, int]]:
    from textclean import coherence

    key = fold(text)
    seg = segment(text)
    real = coherence._decision_scores
    coherence._decision_scores = _cached_decision_scores
    try:
        found = offtopic_signals(
            text, key, seg, threshold=threshold, min_chars=min_chars, extend_threshold=EXTEND, model=MODEL
        )
    finally:
        coherence._decision_scores = real
    return [(s.start, s.end) for s in found]


def splice_eval(shared: Path, threshold: float | list[float], min_chars: int, trad: bool, seed: int = 7) -> dict:
    """Recall / false-removal figures per splice type on held-out articles.

    With a list of thresholds, the same spliced documents are scored once and
    judged at each threshold; the result is keyed by threshold.
    """
    thresholds = threshold if isinstance(threshold, list) else [threshold]
    card = (MODEL or load_topic_model()).card
    eval_ids = card["split"]["eval_doc_ids"]
    articles, label = load_articles(shared)
    conv = None
    if trad:
        from opencc import OpenCC

        conv = OpenCC("s2t").convert
    rng = np.random.default_rng(seed)
    zero = dict(hits=0, foreign=0, gen_removed=0, genuine=0, docs=0, docs_changed=0, judged=0)
    acc = {t: {kind: dict(zero) for kind in ("clean", "other", "same")} for t in thresholds}
    for kind in ("clean", "other", "same"):
        for d in eval_ids:
            for mode in (("inline", "line", "scatter") if kind != "clean" else ("clean",)):
                pool = [o for o in eval_ids if o != d and (label[o] == label[d]) == (kind == "same")]
                donor = None if kind == "clean" else articles[int(rng.choice(pool))]
                doc = make_doc(rng, articles[d], donor, mode=mode if donor else "inline", k=int(rng.integers(1, 4)))
                text = conv(doc.text) if conv else doc.text
                if len(text) != len(doc.text):  # s2t is char-for-char; keep spans honest
                    continue
                for t in thresholds:
                    a = acc[t][kind]
                    removed = _run(text, t, min_chars)
                    a["docs"] += 1
                    a["judged"] += int(len(fold(text)) >= min_chars)
                    a["docs_changed"] += int(bool(removed))
                    g = _covered(doc.genuine, removed, len(text))
                    f = _covered(doc.foreign, removed, len(text))
                    a["gen_removed"] += int(g.sum())
                    a["genuine"] += len(g)
                    a["hits"] += int(f.sum())
                    a["foreign"] += len(f)
    out: dict = {}
    for t in thresholds:
        results: dict[str, dict] = {}
        for kind, a in acc[t].items():
            results[kind] = {
                "docs": a["docs"],
                "docs_over_min_chars": a["judged"],
                "docs_changed": a["docs_changed"],
                "spliced_sentences": a["foreign"],
                "recall": round(a["hits"] / a["foreign"], 4) if a["foreign"] else None,
                "genuine_sentences": a["genuine"],
                "genuine_removed": a["gen_removed"],
                "genuine_removed_share": round(a["gen_removed"] / max(a["genuine"], 1), 5),
            }
            if kind == "clean":
                results[kind]["unchanged_share"] = round(1 - a["docs_changed"] / max(a["docs"], 1), 4)
        out[t] = results
    return out if isinstance(threshold, list) else out[thresholds[0]]


def seeds_eval(shared: Path, threshold: float, min_chars: int) -> list[dict]:
    out = []
    gold = [json.loads(x) for x in (shared / "data/seeds/gold.jsonl").read_text(encoding="utf-8").splitlines() if x]
    for row in gold:
        text = row["text"]
        wanted = [r["span"] for r in row["remove"] if r["why"] == "offtopic"]
        flagged = [text[a:b] for a, b in _run(text, threshold, min_chars)]
        out.append({
            "id": row["id"],
            "gold_offtopic_found": [any(w.strip() in f or f.strip() in w for f in flagged) for w in wanted],
            "flagged": [f[:60] for f in flagged],
            "false": [f[:60] for f in flagged if not any(f.strip() in w or w in f for w in wanted)],
        })
    return out


def dev_eval(shared: Path, threshold: float, min_chars: int) -> dict:
    rows = [json.loads(x) for x in (shared / "data/dev/real_dev.jsonl").read_text(encoding="utf-8").splitlines() if x]
    false, found, wanted, flagged_on = [], 0, 0, {}
    for row in rows:
        text = row["text"]
        gold = [r["span"] for r in row["remove"]]
        off = [r["span"] for r in row["remove"] if r.get("why", r.get("label")) in ("off-topic", "offtopic")]
        spans = [text[a:b] for a, b in _run(text, threshold, min_chars)]
        wanted += len(off)
        found += sum(any(o.strip() in s or s.strip() in o for s in spans) for o in off)
        bad = [s for s in spans if not any(s.strip() in g or g.strip() in s for g in gold)]
        if bad:
            false += [{"id": row["id"], "kind": row["kind"], "span": s[:60]} for s in bad]
        if spans:
            flagged_on[row["id"]] = len(spans)
    return {"pages": len(rows), "pages_over_min_chars": sum(len(fold(r["text"])) >= min_chars for r in rows),
            "offtopic_gold": wanted, "offtopic_found": found, "false_removals": false}


def speed(shared: Path) -> dict:
    """Scoring throughput (score_units only, model already loaded)."""
    articles, _ = load_articles(shared)
    texts = ["\n".join(articles[d]) for d in sorted(articles)[:300]]
    load_topic_model()
    size = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    for t in texts:
        score_units(t, fold(t), segment(t))
    dt = time.perf_counter() - t0
    return {"docs": len(texts), "mb": round(size / 1e6, 3), "seconds": round(dt, 3), "mb_per_s": round(size / 1e6 / dt, 2)}


def _sweep(args: argparse.Namespace, thresholds: list[float], skip: set[str]) -> int:
    """One line per threshold: splice recall / false removals, seeds and dev."""
    parts = {"simplified": splice_eval(args.shared, thresholds, args.min_chars, trad=False)}
    if "trad" not in skip:
        parts["traditional"] = splice_eval(args.shared, thresholds, args.min_chars, trad=True)
    rows = []
    for t in thresholds:
        row: dict = {"threshold": t}
        for name, res in parts.items():
            r = res[t]
            p = name[:4]
            row[f"{p}_other_recall"] = r["other"]["recall"]
            row[f"{p}_other_fp"] = r["other"]["genuine_removed_share"]
            row[f"{p}_same_recall"] = r["same"]["recall"]
            row[f"{p}_same_fp"] = r["same"]["genuine_removed_share"]
            row[f"{p}_clean_unchanged"] = r["clean"]["unchanged_share"]
        if "seeds" not in skip:
            seeds = seeds_eval(args.shared, t, args.min_chars)
            row["seeds_found"] = sum(sum(s["gold_offtopic_found"]) for s in seeds)
            row["seeds_false"] = sum(len(s["false"]) for s in seeds)
        if "dev" not in skip:
            dev = dev_eval(args.shared, t, args.min_chars)
            row["dev_found"] = dev["offtopic_found"]
            row["dev_false"] = len(dev["false_removals"])
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.write_card:
        from textclean.coherence import _models_dir

        path = (args.model or _models_dir() / "topic") / "card.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        card["evaluation"] = {
            "command": "benchmarks/offtopic_eval.py --sweep " + args.sweep
            + (f" --min-chars {args.min_chars}" if args.min_chars != DEFAULT_MIN_CHARS else ""),
            "default_threshold": DEFAULT_THRESHOLD,
            "note": "held-out eval articles with 1-3 spliced sentences (inline / own line / scattered); "
            "*_fp = share of genuine sentences removed; seeds/dev = gold off-topic spans found, false removals",
            "rows": rows,
        }
        path.write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--min-chars", type=int, default=DEFAULT_MIN_CHARS)
    ap.add_argument("--extend", type=float, default=None, help="neighbour threshold (default: threshold - 0.3)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--model", type=Path, default=None, help="a topic model directory (default: the shipped one)")
    ap.add_argument("--sweep", default="", help="comma list of thresholds: one compact table row each")
    ap.add_argument("--write-card", action="store_true", help="with --sweep: store the rows in the model's card.json")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: splice,trad,seeds,dev,speed")
    args = ap.parse_args(argv)
    if not (args.shared / "data").is_dir():
        print(f"no shared data at {args.shared}", file=sys.stderr)
        return 2
    skip = set(args.skip.split(","))
    global EXTEND
    EXTEND = args.extend
    global MODEL
    if args.model is not None:
        MODEL = load_topic_model(args.model)
    if args.sweep:
        return _sweep(args, [float(t) for t in args.sweep.split(",")], skip)
    report: dict = {"threshold": args.threshold, "min_chars": args.min_chars}
    if "splice" not in skip:
        report["simplified"] = splice_eval(args.shared, args.threshold, args.min_chars, trad=False)
    if "trad" not in skip:
        report["traditional"] = splice_eval(args.shared, args.threshold, args.min_chars, trad=True)
    if "seeds" not in skip:
        report["seeds"] = seeds_eval(args.shared, args.threshold, args.min_chars)
    if "dev" not in skip:
        report["dev"] = dev_eval(args.shared, args.threshold, args.min_chars)
    if "speed" not in skip:
        report["speed"] = speed(args.shared)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Calibrate and check spin detection and restoration against ../shared.

Run from the project root::

    .venv/bin/python benchmarks/spin_eval.py [--threshold X] [--show N]

Prints, per clean corpus, how many documents ``is_spun`` flags (false
positives), the verdicts on seeds 000-003, the hit rate on the ``kind: spun``
pages of ``real_dev.jsonl``, and the character error rate of 002's article
against 003 (converted to Simplified) before and after ``despin``. It also
checks that clean documents pass through ``despin(force=False)`` unchanged.
Exit status 1 when an acceptance bound fails.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from spin_align import (  # noqa: E402
    SEEDS,
    SHARED,
    article_lines_002,
    cer,
    pair_lines,
    reference_lines_003,
)

__all__ = ["clean_corpora", "main"]

CORPORA = SHARED / "data" / "corpora"
DOC_CHARS = 500  # short units (lines, headlines, sentences) are grouped to ~this size


def _group(units: Iterator[str], size: int = DOC_CHARS) -> Iterator[str]:
    """Join consecutive short units into documents of about *size* chars."""
    buf: list[str] = []
    n = 0
    for unit in units:
        unit = unit.strip()
        if not unit:
            continue
        buf.append(unit)
        n += len(unit)
        if n >= size:
            yield "\n".join(buf)
            buf, n = [], 0
    if buf:
        yield "\n".join(buf)


def _jsonl(path: Path, field: str) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)[field]


def _thucnews() -> Iterator[str]:
    with (CORPORA / "thucnews_cnews_800docs" / "cnews.800.txt").open(encoding="utf-8") as fh:
        for line in fh:
            yield line.partition("\t")[2]


def _peoples_daily() -> Iterator[str]:
    with (CORPORA / "peoples_daily_199801" / "199801.raw.txt").open(encoding="utf-8") as fh:
        yield from _group(fh)


def _ud() -> Iterator[str]:
    for name in ("ud_chinese_pud", "ud_chinese_gsd"):
        with (CORPORA / name / "sentences.txt").open(encoding="utf-8") as fh:
            yield from _group(fh)


def _tnews() -> Iterator[str]:
    d = CORPORA / "fewclue_tnews"
    for name in ("unlabeled.json", "test.json", "test_public.json", "train_few_all.json",
                 "dev_few_all.json"):
        yield from _group(_jsonl(d / name, "sentence"))


def _thuc_titles() -> Iterator[str]:
    d = CORPORA / "thucnews_titles_20k"
    for name in ("dev.txt", "test.txt"):
        with (d / name).open(encoding="utf-8") as fh:
            yield from _group(l.partition("\t")[0] for l in fh)


def _debian() -> Iterator[str]:
    for name in ("debian-reference.zh-cn.txt.gz", "debian-reference.zh-tw.txt.gz"):
        with gzip.open(CORPORA / "debian_reference_zh" / name, "rt", encoding="utf-8") as fh:
            yield from _group(fh, 1000)


def clean_corpora() -> list[tuple[str, Iterator[str]]]:
    """``(name, documents)`` for every clean corpus, as the brief groups them."""
    return [
        ("thucnews_cnews_800docs", _thucnews()),
        ("peoples_daily_199801", _peoples_daily()),
        ("drcd_zh_tw", _jsonl(CORPORA / "drcd_zh_tw" / "paragraphs.jsonl", "text")),
        ("ud_chinese_pud+gsd", _ud()),
        ("fewclue_tnews", _tnews()),
        ("thucnews_titles_20k", _thuc_titles()),
        ("debian_reference_zh", _debian()),
    ]


def _seed_texts() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("0*.txt"))}


def _dev_pages() -> list[dict]:
    path = SHARED / "data" / "dev" / "real_dev.jsonl"
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def eval_corpora(spin, threshold: float, show: int) -> tuple[int, int, int]:
    """Print FP rate per clean corpus; return (docs, flagged, changed by despin)."""
    total = flagged_total = changed_total = 0
    print(f"{'corpus':26} {'docs':>7} {'flagged':>8} {'FP rate':>9} {'max score':>10}")
    for name, docs in clean_corpora():
        n = flagged = 0
        top = 0.0
        for doc in docs:
            n += 1
            score = spin.spin_score(doc)
            top = max(top, score)
            if score >= threshold:
                flagged += 1
                if flagged <= show:
                    print(f"   FP {score:.1f}: {doc[:60]!r}")
            if spin.despin(doc, threshold=threshold) != doc:
                changed_total += 1
        total += n
        flagged_total += flagged
        print(f"{name:26} {n:7d} {flagged:8d} {flagged / max(n, 1):9.4%} {top:10.2f}")
    print(f"{'ALL':26} {total:7d} {flagged_total:8d} {flagged_total / max(total, 1):9.4%}")
    return total, flagged_total, changed_total


def eval_pages(spin, threshold: float) -> tuple[dict[str, bool], float]:
    """Print verdicts on the seeds and the dev pages; return seed verdicts, spun hit rate."""
    seeds = {}
    for sid, text in _seed_texts().items():
        seeds[sid] = spin.is_spun(text, threshold)
        print(f"seed {sid}: score {spin.spin_score(text):6.2f} spun={seeds[sid]}")
    spun_hits = spun_n = other_fp = other_n = 0
    for page in _dev_pages():
        flagged = spin.is_spun(page["text"], threshold)
        if page["kind"] == "spun":
            spun_n += 1
            spun_hits += flagged
            print(f"dev {page['id']} (spun): score {spin.spin_score(page['text']):6.2f} spun={flagged}")
        else:
            other_n += 1
            other_fp += flagged
    rate = spun_hits / max(spun_n, 1)
    print(f"dev spun pages flagged: {spun_hits}/{spun_n} ({rate:.0%}); "
          f"other dev pages flagged: {other_fp}/{other_n}")
    return seeds, rate


def eval_cer(spin) -> tuple[float, float]:
    """CER of 002's article against 003 (t2s) before and after despin."""
    spun = article_lines_002()
    ref = reference_lines_003()
    restored_page = spin.despin("\n".join(spun))
    pairs_before = pair_lines(spun, ref)
    # keep the same line pairing after restoration: despin never merges lines
    restored = dict(zip(spun, restored_page.split("\n")))
    pairs_after = [(restored[s], r) for s, r in pairs_before]
    before, after = cer(pairs_before), cer(pairs_after)
    print(f"002 article vs 003 (t2s): {len(pairs_before)} aligned lines, "
          f"CER before {before:.2%}, after {after:.2%}")
    return before, after


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="spin detection / restoration evaluation")
    ap.add_argument("--threshold", type=float, default=None,
                    help="spin score threshold (default: textclean.spin.DEFAULT_THRESHOLD)")
    ap.add_argument("--show", type=int, default=3, help="false positives to print per corpus")
    ap.add_argument("--no-corpora", action="store_true", help="skip the clean corpora (fast)")
    args = ap.parse_args(argv)
    if not SEEDS.is_dir():
        print(f"no shared data at {SHARED}; nothing to evaluate")
        return 0
    from textclean import spin

    threshold = spin.DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    print(f"threshold {threshold} (safe artifacts per 1000 Han chars, min {spin.MIN_HAN})")
    t0 = time.perf_counter()
    ok = True
    if not args.no_corpora:
        total, flagged, changed = eval_corpora(spin, threshold, args.show)
        print(f"clean docs changed by despin(): {changed}")
        ok &= flagged / max(total, 1) <= 0.001 and changed == 0
    seeds, _rate = eval_pages(spin, threshold)
    ok &= seeds.get("002", False) and not any(seeds.get(s) for s in ("000", "001", "003"))
    before, after = eval_cer(spin)
    ok &= after <= 0.06
    print(f"{'PASS' if ok else 'FAIL'} ({time.perf_counter() - t0:.1f}s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

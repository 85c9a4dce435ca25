"""Audit the whole-page gambling-promotion test against real news.

Runs textclean.promotion.page_evidence over pages built from the corpora in
../shared/data (THUCNews articles, People's Daily in 20-line pages, DRCD
Traditional paragraphs in groups of 5) and over the hardest pages we can
build: every corpus sentence about gambling, lotteries or casinos (the
classifier's hard-negative finder) packed into ~800-character pages. Prints
how many pages of each kind the test flags and the pages closest to the
thresholds, so a change to data/promotion.toml can be checked before it ships.

    python benchmarks/promotion_audit.py [--shared ../shared] [--profile FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textclean.document import prepare  # noqa: E402
from textclean.promotion import load_promotion_profile, page_evidence  # noqa: E402
from textclean.training.spamdata import HARD_NEGATIVE  # noqa: E402


def _jsonl(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _packed(sentences, size: int = 800):
    page: list[str] = []
    for s in sentences:
        page.append(s)
        if sum(map(len, page)) >= size:
            yield "\n".join(page)
            page = []
    if page:
        yield "\n".join(page)


def pages(data: Path):
    docs = defaultdict(list)
    for r in _jsonl(data / "corpora/thucnews_cnews_800docs/sentences.jsonl"):
        docs[r["doc"]].append(r["text"])
    for sents in docs.values():
        yield "thucnews article", "".join(sents)
    pd = [ln.strip() for ln in (data / "corpora/peoples_daily_199801/199801.raw.txt").open(encoding="utf-8") if ln.strip()]
    for i in range(0, len(pd), 20):
        yield "people's daily page", "\n".join(pd[i : i + 20])
    paras = [r["text"] for r in _jsonl(data / "corpora/drcd_zh_tw/paragraphs.jsonl")]
    for i in range(0, len(paras), 5):
        yield "drcd page (Traditional)", "\n".join(paras[i : i + 5])
    gambling = [s for sents in docs.values() for s in sents if HARD_NEGATIVE.search(s)]
    gambling += [ln for ln in pd if HARD_NEGATIVE.search(ln)]
    gambling += [p for p in paras if HARD_NEGATIVE.search(p)]
    for page in _packed(gambling):
        yield "gambling-news pack", page
    for r in _jsonl(data / "dev/real_dev.jsonl"):
        yield f"dev {r['kind']}", r["text"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--profile", default=None, help="a promotion profile TOML (default: the shipped one)")
    ap.add_argument("--closest", type=int, default=8, help="how many near-miss pages to show")
    args = ap.parse_args(argv)
    data = Path(args.shared) / "data"
    if not data.is_dir():
        print(f"no shared data at {data}: pass --shared", file=sys.stderr)
        return 2
    profile = load_promotion_profile(args.profile)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    near = []
    for kind, text in pages(data):
        ev = page_evidence(prepare(text), profile)
        c = counts[kind]
        c[0] += 1
        c[1] += ev.prose_chars >= profile.min_prose_chars
        c[2] += ev.is_promotion
        # how many of the five tests the page passes: the near misses
        passed = sum((
            ev.coverage >= profile.min_coverage,
            ev.distinct >= profile.min_distinct,
            ev.density >= profile.min_density,
            ev.customer_voice >= profile.min_customer_voice,
            ev.reporting_voice <= profile.max_reporting_voice,
        ))
        if ev.prose_chars >= profile.min_prose_chars:
            near.append((passed, ev.distinct, ev.density, kind, ev, text[:60].replace("\n", " ")))
    print(f"{'pages':<28}{'total':>8}{'judged':>8}{'flagged':>9}")
    for kind, (n, judged, flagged) in sorted(counts.items()):
        print(f"{kind:<28}{n:>8}{judged:>8}{flagged:>9}")
    print(f"\nclosest to the thresholds (tests passed of 5):")
    for passed, _, _, kind, ev, head in sorted(near, key=lambda r: r[:3], reverse=True)[: args.closest]:
        print(f"  {passed}/5 {kind}: coverage={ev.coverage:.2f} distinct={ev.distinct} density={ev.density:.1f} "
              f"customer={ev.customer_voice:.1f} reporting={ev.reporting_voice:.1f} | {head}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

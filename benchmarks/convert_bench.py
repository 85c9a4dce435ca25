"""Benchmark textclean.convert against opencc-python-reimplemented, and detect_script accuracy.

    .venv/bin/python benchmarks/convert_bench.py [--mb 10] [--configs s2t,t2s]

Builds a corpus of whole documents from ../shared/data/corpora (Simplified
news + native Traditional sets), converts every document with both engines in
the same run (batch by batch, interleaved), checks the outputs are identical
and prints MB/s and the ratio. Acceptance: identical everywhere; ≥20× on t2s,
≥10× elsewhere.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "data" / "corpora"

from textclean.convert import _UNBUILDABLE, available_configs, config_files, converter  # noqa: E402
from textclean.script import detect_script  # noqa: E402

# official OpenCC (C++) throughput measured elsewhere, MB/s, for comparison only
OFFICIAL_OPENCC_MBS = {"s2t": (17, 24), "t2s": (49,), "s2twp": (6, 11), "tw2sp": (25,)}
SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?」』”]*")
HAN_RE = re.compile("[\u4e00-\u9fff]")


def _grouped(lines: list[str], size: int = 2000) -> list[str]:
    """Short lines (sentences, paragraphs) grouped into ~2 KB documents."""
    docs, cur, n = [], [], 0
    for line in lines:
        cur.append(line)
        n += len(line)
        if n >= size:
            docs.append("\n".join(cur))
            cur, n = [], 0
    if cur:
        docs.append("\n".join(cur))
    return docs


def _lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def load_sets() -> dict[str, tuple[str, list[str]]]:
    c = CORPORA
    return {
        "thucnews": ("simplified", [x.split("\t", 1)[1] for x in _lines(c / "thucnews_cnews_800docs/cnews.800.txt")]),
        "peoples_daily": ("simplified", _lines(c / "peoples_daily_199801/199801.raw.txt")),
        "drcd_zh_tw": ("traditional", [json.loads(x)["text"] for x in _lines(c / "drcd_zh_tw/paragraphs.jsonl")]),
        "ud_chinese_gsd": ("traditional", _lines(c / "ud_chinese_gsd/sentences.txt")),
        "ud_chinese_pud": ("traditional", _lines(c / "ud_chinese_pud/sentences.txt")),
    }


def build_corpus(sets: dict[str, tuple[str, list[str]]], mb: float) -> list[str]:
    docs: list[str] = []
    for name, (_, texts) in sets.items():
        docs.extend(texts if name in ("thucnews", "drcd_zh_tw") else _grouped(texts))
    docs = docs[0::2] + docs[1::2]  # interleave so any prefix mixes scripts
    target, out, size, i = mb * 1e6, [], 0, 0
    while size < target:
        doc = docs[i % len(docs)]
        out.append(doc)
        size += len(doc.encode("utf-8"))
        i += 1
    return out


def opencc_configs() -> set[str]:
    import opencc

    return {f[:-5] for f in os.listdir(os.path.join(os.path.dirname(opencc.__file__), "config"))}


def reference(name: str) -> Any:
    """The reference engine; configs the package lacks get the same files by hand."""
    import opencc

    if name in opencc_configs():
        return opencc.OpenCC(name)
    ref = opencc.OpenCC()
    base = os.path.join(os.path.dirname(opencc.__file__), "dictionary")
    ref._dict_chain = [[os.path.join(base, f) for f in step] for step in config_files(name)]
    ref._dict_chain_data = []
    ref._add_dictionaries(ref._dict_chain, ref._dict_chain_data)
    ref._dict_init_done = True
    return ref


def bench_convert(docs: list[str], configs: list[str], batches: int = 10, repeat: int = 3) -> bool:
    """Both engines on the same batches, interleaved, so a load spike on the
    shared machine hits both; ours is the median of ``repeat`` runs per batch
    (the reference is too slow to repeat). The ratio is the median over batches."""
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    size = -(-len(docs) // batches)
    parts = [docs[i:i + size] for i in range(0, len(docs), size)]
    print(f"corpus: {len(docs)} documents, {mb:.1f} MB, {len(parts)} batches, ours x{repeat} (median)")
    print(f"{'config':8} {'ref MB/s':>9} {'ours MB/s':>10} {'ratio':>7} {'target':>7} "
          f"{'identical':>12} {'C++ MB/s':>9}")
    all_ok = True
    for name in configs:
        ref, ours = reference(name), converter(name)
        ours.convert(docs[0])  # lazy tables built outside the clock
        t_ref, t_ours, same = [], [], 0
        for part in parts:
            t = time.perf_counter()
            expected = [ref.convert(d) for d in part]
            t_ref.append(time.perf_counter() - t)
            runs = []
            for _ in range(repeat):
                t = time.perf_counter()
                got = [ours.convert(d) for d in part]
                runs.append(time.perf_counter() - t)
            t_ours.append(statistics.median(runs))
            same += sum(a == b for a, b in zip(expected, got))
        ratio = statistics.median(r / o for r, o in zip(t_ref, t_ours))
        target = 20 if name == "t2s" else 10
        ok = same == len(docs) and ratio >= target
        all_ok &= ok
        official = "-".join(map(str, OFFICIAL_OPENCC_MBS.get(name, ()))) or "?"
        print(f"{name:8} {mb / sum(t_ref):9.2f} {mb / sum(t_ours):10.2f} {ratio:6.1f}× {target:6d}× "
              f"{same:>6}/{len(docs)}{'' if ok else '  FAIL':6} {official:>9}", flush=True)
    for name, why in _UNBUILDABLE.items():
        print(f"{name:8} not available: {why}")
    return all_ok


def _accuracy(texts: list[str], want: str) -> tuple[int, float, float, int]:
    """(count, share right, share right among texts with evidence, count 'none')."""
    res = [detect_script(t).script for t in texts]
    none = res.count("none")
    right = res.count(want)
    return len(res), right / len(res), right / max(1, len(res) - none), none


def bench_script(sets: dict[str, tuple[str, list[str]]]) -> None:
    """detect_script per unit of each set (line sets also as the corpus's ~2 KB
    documents) and per sentence. 'none' = no character that exists in only one
    script, e.g. a name or a date: the text reads the same in both."""
    print(f"\n{'set':26} {'units':>6} {'right':>8} {'w/ evid.':>9} {'none':>5} "
          f"{'sentences':>10} {'right':>8} {'w/ evid.':>9} {'none':>5}")
    for name, (want, texts) in sets.items():
        sents = [s for t in texts for s in SENTENCE_RE.findall(t) if HAN_RE.search(s)]
        n, right, evident, none = _accuracy(texts, want)
        sn, sright, sevident, snone = _accuracy(sents, want)
        print(f"{name:26} {n:6d} {right:8.2%} {evident:9.2%} {none:5d} "
              f"{sn:10d} {sright:8.2%} {sevident:9.2%} {snone:5d}")
        if name not in ("thucnews", "drcd_zh_tw"):  # line sets, grouped as in the corpus
            n, right, evident, none = _accuracy(_grouped(texts), want)
            print(f"{name + ' (2 KB docs)':26} {n:6d} {right:8.2%} {evident:9.2%} {none:5d}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="textclean.convert vs opencc-python-reimplemented")
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (default 10)")
    ap.add_argument("--configs", default=",".join(available_configs()))
    ap.add_argument("--batches", type=int, default=10, help="interleaved batches (default 10)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours per batch (default 3)")
    ap.add_argument("--no-script", action="store_true")
    args = ap.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"no corpora at {CORPORA}", file=sys.stderr)
        return 2
    sets = load_sets()
    ok = bench_convert(build_corpus(sets, args.mb), args.configs.split(","), args.batches, args.repeat)
    if not args.no_script:
        bench_script(sets)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

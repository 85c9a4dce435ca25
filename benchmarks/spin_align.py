"""Align seed 002 (spun) with seed 003 (its Traditional twin) and mine spin pairs.

Run from the project root::

    .venv/bin/python benchmarks/spin_align.py            # candidate table
    .venv/bin/python benchmarks/spin_align.py --min 2    # only pairs seen twice

It pairs every article line of 002 with its closest line of 003 converted to
Simplified (OpenCC t2s), diffs each pair character by character with difflib
and prints the ``spun -> original`` substitutions with their counts and whether
the shared map (``../shared/data/spin/spin_map.tsv``) already knows them. The
output is short words, never corpus text; choosing tiers for the project
dictionary (``textclean/data/spin_dict.tsv``) stays a human decision, helped by
the natural-frequency column (hits in the clean corpora).

The helpers here (article extraction, line pairing, CER) are shared with
``benchmarks/spin_eval.py``.
"""
from __future__ import annotations

import argparse
import difflib
import functools
import json
import re
from collections import Counter
from pathlib import Path

__all__ = [
    "SHARED",
    "SEEDS",
    "article_lines_002",
    "reference_lines_003",
    "pair_lines",
    "levenshtein",
    "cer",
    "substitutions",
]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "data" / "seeds"

_HAN = re.compile(r"[\u3400-\u9fff]")


def _seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def _inline_spam_002() -> list[str]:
    """Gold inline-spam spans of 002 (the brand pasted inside a sentence)."""
    for line in (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["id"] == "seed-002":
            return [r["span"] for r in case["remove"] if r["why"] == "gambling-inline"]
    return []


def article_lines_002() -> list[str]:
    """Body lines of 002: after the ``发布日期`` meta line, before ``排版``.

    Inline spam spans from gold are cut out so the CER measures spin only.
    """
    lines = _seed("002").read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if "发布日期" in l) + 1
    end = next(i for i, l in enumerate(lines) if l.startswith("排版"))
    body = [l for l in lines[start:end] if _HAN.search(l)]
    for span in _inline_spam_002():
        body = [l.replace(span, "") for l in body]
    return body


@functools.lru_cache(maxsize=1)
def reference_lines_003() -> tuple[str, ...]:
    """Lines of 003 converted to Simplified with OpenCC t2s."""
    from opencc import OpenCC

    t2s = OpenCC("t2s").convert
    text = _seed("003").read_text(encoding="utf-8")
    return tuple(t2s(l) for l in text.splitlines() if _HAN.search(l))


def pair_lines(spun: list[str], ref: tuple[str, ...] | list[str], min_ratio: float = 0.35
               ) -> list[tuple[str, str]]:
    """Pair each spun line with its most similar reference line.

    Lines without a decent partner (the injected off-topic sentence) are
    dropped: they are not spin and would only add noise to the CER.
    """
    pairs = []
    for line in spun:
        best, score = "", 0.0
        for cand in ref:
            sm = difflib.SequenceMatcher(None, line, cand, autojunk=False)
            if sm.quick_ratio() <= score:
                continue
            r = sm.ratio()
            if r > score:
                best, score = cand, r
        if score >= min_ratio:
            pairs.append((line, best))
    return pairs


def levenshtein(a: str, b: str) -> int:
    """Character edit distance (insert, delete, substitute all cost 1)."""
    # strip the common prefix/suffix: most of a pair is identical
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for ca in a:
        cur = [prev[0] + 1]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(pairs: list[tuple[str, str]]) -> float:
    """Corpus-level CER: total edits over total reference characters."""
    edits = sum(levenshtein(hyp, ref) for hyp, ref in pairs)
    return edits / max(1, sum(len(ref) for _, ref in pairs))


def substitutions(pairs: list[tuple[str, str]], max_len: int = 8) -> Counter[tuple[str, str]]:
    """``(spun, original)`` replace-opcodes of every aligned pair, counted."""
    out: Counter[tuple[str, str]] = Counter()
    for spun, ref in pairs:
        sm = difflib.SequenceMatcher(None, spun, ref, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "replace" and i2 - i1 <= max_len and j2 - j1 <= max_len:
                out[(spun[i1:i2], ref[j1:j2])] += 1
    return out


def _shared_rows() -> list[tuple[str, str, str]]:
    """``(spun, original, confidence)`` rows of the shared spin map."""
    path = SHARED / "data" / "spin" / "spin_map.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) >= 4:
            rows.append((cols[0], cols[1], cols[3]))
    return rows


def _shared_map() -> dict[str, str]:
    return {s: conf for s, _o, conf in _shared_rows()}


def emit_draft(max_natural: int = 1) -> None:
    """Print a draft ``spin_dict.tsv`` body: shared rows, re-tiered by corpus hits.

    A shared ``safe`` row found more than *max_natural* times in the clean
    corpora is a real word and drops to ``context``; the rest keep their tier.
    The draft is then edited by hand (keep entries, promotions), see SPIN_DICT.md.
    """
    rows = _shared_rows()
    natural = _natural_counts([s for s, _o, _c in rows])
    for spun, orig, conf in rows:
        tier = conf
        if conf == "safe" and natural[spun] > max_natural:
            tier = "context"
        print(f"{spun}\t{orig}\t{tier}\tshared:{conf} natural:{natural[spun]}")


def _natural_counts(words: list[str]) -> Counter[str]:
    """Occurrences of *words* in the clean corpora (folded), for tiering."""
    import regex

    from spin_eval import clean_corpora  # same folder; imported late (heavy)

    from textclean.normalize import fold

    pat = regex.compile(r"\L<w>", w=words)
    counts: Counter[str] = Counter()
    for _name, docs in clean_corpora():
        for doc in docs:
            counts.update(pat.findall(fold(doc), overlapped=True))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=int, default=1, help="minimum count to print")
    ap.add_argument("--natural", action="store_true",
                    help="also count each spun form in the clean corpora (slow)")
    ap.add_argument("--emit", action="store_true",
                    help="print a draft dictionary from the shared map instead")
    args = ap.parse_args(argv)
    if not SEEDS.is_dir():
        print(f"no shared data at {SHARED}")
        return 1
    if args.emit:
        emit_draft()
        return 0
    pairs = pair_lines(article_lines_002(), reference_lines_003())
    subs = substitutions(pairs)
    known = _shared_map()
    rows = [(s, o, n) for (s, o), n in subs.most_common() if n >= args.min and s.strip()]
    natural = _natural_counts([s for s, _, _ in rows]) if args.natural else Counter()
    print(f"{len(pairs)} aligned lines, {len(rows)} candidate substitutions")
    print("spun\toriginal\tcount\tshared_tier\tnatural_hits")
    for s, o, n in rows:
        print(f"{s}\t{o}\t{n}\t{known.get(s, '-')}\t{natural.get(s, '') if args.natural else ''}")
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())

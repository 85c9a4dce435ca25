"""Audit the rule set against genuine news: every rule hit here is a suspect.

Runs each rule of the shipped set (plus any --rules files) over the news
corpora in ../shared/data (THUCNews articles, People's Daily lines, DRCD
Traditional paragraphs, THUCNews headlines) and prints, per rule, how many
corpus lines it fires on and a few examples. Boilerplate rules may fire on
reporter credits the corpora kept; a spam rule that fires on news is a bug.

    python benchmarks/rule_audit.py [--shared ../shared] [--rules mine.toml] [--examples 3]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textclean.document import prepare  # noqa: E402
from textclean.rules import load_rules  # noqa: E402
from textclean.rulescore import rule_signals  # noqa: E402


def corpus_lines(data: Path):
    with (data / "corpora/thucnews_cnews_800docs/sentences.jsonl").open(encoding="utf-8") as f:
        for line in f:
            yield "thucnews", json.loads(line)["text"]
    with (data / "corpora/peoples_daily_199801/199801.raw.txt").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield "peoples_daily", line.strip()
    with (data / "corpora/drcd_zh_tw/paragraphs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            yield "drcd", json.loads(line)["text"]
    for name in ("dev.txt", "test.txt"):
        with (data / "corpora/thucnews_titles_20k" / name).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield "titles", line.rsplit("\t", 1)[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra rule file (repeatable)")
    ap.add_argument("--examples", type=int, default=3, help="examples shown per rule")
    ap.add_argument("--batch", type=int, default=200, help="corpus lines judged together as one page")
    args = ap.parse_args(argv)
    data = Path(args.shared) / "data"
    if not data.is_dir():
        print(f"no shared data at {data}: pass --shared", file=sys.stderr)
        return 2
    ruleset = load_rules(*args.rules)
    hits: dict[str, int] = defaultdict(int)
    shown: dict[str, list[str]] = defaultdict(list)
    total = 0
    batch: list[str] = []

    def run(lines: list[str]) -> None:
        # lines are judged in pages so the scan costs what it does in use;
        # "first"/"last" position rules then see page edges, as in use
        doc = prepare("\n".join(lines))
        for sig in rule_signals(doc, ruleset, 30.0):
            hits[sig.name] += 1
            if len(shown[sig.name]) < args.examples:
                line = doc.line_at(sig.start)
                shown[sig.name].append(doc.text[line.start : line.end][:80])

    for _source, text in corpus_lines(data):
        total += 1
        batch.append(text.replace("\n", " "))
        if len(batch) >= args.batch:
            run(batch)
            batch = []
    if batch:
        run(batch)
    print(f"{total} corpus lines, {len(ruleset)} rules")
    for rule in ruleset:
        n = hits.get(rule.id, 0)
        print(f"{n:>7}  {rule.label:<12} {rule.id}")
        for ex in shown.get(rule.id, []):
            print(f"           | {ex}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

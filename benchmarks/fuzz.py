"""Fuzz clean, the rule loader and the JSONL reader/CLI for a fixed time budget.

    .venv/bin/python benchmarks/fuzz.py --minutes 30
    .venv/bin/python benchmarks/fuzz.py --minutes 5 --targets rules,jsonl

Hypothesis at scale, no extra dependency: the strategies and checks are the
ones in tests/test_robustness.py (the test suite runs them derandomized with
a few hundred examples; this runs them randomized, round-robin, in rounds of
``--round`` examples each until the budget is spent). Failures are shrunk to a
minimal input, printed, and saved in the example database
(``.hypothesis/fuzz``), so a rerun replays them first. Turn each one into a
regression test in tests/test_robustness.py.

Targets:
    clean      hostile pages: never raises, subsequence, idempotent, no verdict = no change
    options    the same with random drop sets, model/off-topic/context switched off
    articles   a news story with awkward formatting comes back byte-identical
    rules      rule-file text: loads or RuleError naming the file; what loads runs
    jsonl      the JSONL reader on arbitrary lines never raises and keeps every byte
    cli        textclean clean --jsonl accounts for every line, exit code matches

The process limits its own address space (``--max-gb``) so an input that
blows memory up fails as a MemoryError, is shrunk and reported, instead of
waking the OOM killer. Exit status 1 if any target failed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HYPOTHESIS_PROFILE", "fuzz")
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

import textclean  # noqa: E402
import test_robustness as t  # noqa: E402
from conftest import is_subsequence  # noqa: E402


def _check_options(text: str, options: dict) -> None:
    out = textclean.clean(text, **options)
    assert is_subsequence(out, text)
    assert textclean.clean(out, **options) == out


def _check_article(text: str) -> None:
    assert textclean.clean(text) == text


_OPTIONS = st.fixed_dictionaries(
    {
        "drop": st.sets(st.sampled_from(sorted(textclean.LABELS))).map(frozenset),
        "use_model": st.booleans(),
        "offtopic": st.booleans(),
        "context": st.booleans(),
    }
)

TARGETS = {
    "clean": (st.tuples(t.pages), t.check_clean),
    "options": (st.tuples(t.pages, _OPTIONS), _check_options),
    "articles": (st.tuples(t.articles), _check_article),
    "rules": (st.tuples(t.rule_files), t.check_rule_file),
    "jsonl": (
        st.tuples(st.lists(st.one_of(t._RECORD, t._BAD_LINE), max_size=30), st.booleans(), st.booleans())
        .map(lambda a: (t._join_lines(*a),)),
        t.check_jsonl_reader,
    ),
    "cli": (
        st.tuples(t.jsonl_lines, st.booleans(), st.booleans()).map(lambda a: (t._join_lines(*a),)),
        t.check_cli_jsonl,
    ),
}


def _run_round(name: str, examples: int, database) -> tuple[int, BaseException | None]:
    strategy, check = TARGETS[name]
    count = [0]

    def body(args):
        count[0] += 1
        check(*args)

    test = settings(
        max_examples=examples,
        deadline=None,
        derandomize=False,
        database=database,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.reuse, Phase.generate, Phase.shrink],
        print_blob=True,
    )(given(strategy)(body))
    try:
        test()
    except BaseException as exc:  # noqa: BLE001 - reported, and the other targets go on
        if isinstance(exc, KeyboardInterrupt):
            raise
        return count[0], exc
    return count[0], None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="total time budget (default 10)")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, from {','.join(TARGETS)}")
    ap.add_argument("--round", type=int, default=500, help="examples per target per round (default 500; hypothesis starts small each round)")
    ap.add_argument("--db", default=str(ROOT / ".hypothesis" / "fuzz"), help="example database directory")
    ap.add_argument("--max-gb", type=float, default=6.0, help="address-space limit (default 6): a blow-up is a MemoryError to shrink, not the OOM killer")
    args = ap.parse_args(argv)
    if args.max_gb > 0:
        import resource

        limit = int(args.max_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    names = [n for n in args.targets.split(",") if n]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s) {unknown}; choose from {list(TARGETS)}")
    database = DirectoryBasedExampleDatabase(args.db)
    deadline = time.monotonic() + args.minutes * 60
    stats = {n: {"examples": 0, "seconds": 0.0, "failures": []} for n in names}
    print(f"fuzzing {names} for {args.minutes:g} min, {args.round} examples per round; database {args.db}", flush=True)
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for name in names:
            if time.monotonic() >= deadline:
                break
            if stats[name]["failures"]:
                continue  # one shrunk failure per target is enough to act on
            t0 = time.monotonic()
            ran, exc = _run_round(name, args.round, database)
            stats[name]["examples"] += ran
            stats[name]["seconds"] += time.monotonic() - t0
            if exc is not None:
                stats[name]["failures"].append(exc)
                print(f"\n=== {name}: FAILED ===", flush=True)
                traceback.print_exception(exc, limit=-8)
                notes = getattr(exc, "__notes__", [])
                for note in notes:
                    print(note)
        print(
            f"round {rounds}: " + ", ".join(f"{n} {s['examples']}" for n, s in stats.items()),
            flush=True,
        )
        if all(s["failures"] for s in stats.values()):
            break
    print("\ntarget      examples   seconds  ex/s  result")
    for name, s in stats.items():
        rate = s["examples"] / max(s["seconds"], 1e-9)
        result = "FAILED" if s["failures"] else "ok"
        print(f"{name:<10} {s['examples']:>9} {s['seconds']:>9.0f} {rate:>5.1f}  {result}")
    return 1 if any(s["failures"] for s in stats.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

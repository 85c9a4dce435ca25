"""Output-equality check for speed work: the same pages cleaned by two code trees must give the same reports.

    python benchmarks/equality.py pages OUT.json [--mb 6]        # build the page set once
    python benchmarks/equality.py dump ROOT PAGES.json OUT.pkl   # clean every page with textclean from ROOT
    python benchmarks/equality.py compare A.pkl B.pkl            # byte-for-byte comparison
    python benchmarks/equality.py features ROOT PAGES.json OUT.pkl  # raw coherence scores and features

Pages: the seeds (../shared/data/seeds/*.txt), the dev pages
(../shared/data/dev/real_dev.jsonl) and benchmark pages built as
benchmarks/run.py builds its workload (two seeds). Each page is cleaned with
the default config and a few variants; compared are the cleaned text and every
verdict (offsets, unit, labels and its signals with their exact scores) and
``Report.sentences`` (each sentence's spam and off-topic score, exact).
Nothing from the corpora is stored in the project: the page set goes to a
path given on the command line.
"""
from __future__ import annotations

import json
import pickle
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[0].parent / "shared" / "data"

VARIANTS = {
    "default": {},
    "spam-only": {"drop": {"spam"}},
    "no-offtopic": {"offtopic": False},
    "no-model": {"use_model": False},
    "simplified": {"script": "simplified", "restore_spun": True},
}


def build(out: str, mb: float = 12.0) -> None:
    sys.path.insert(0, str(HERE))
    import run  # the benchmark's workload builder

    pages = [("seed:" + p.name, p.read_text(encoding="utf-8")) for p in sorted((SHARED / "seeds").glob("*.txt"))]
    for i, line in enumerate((SHARED / "dev" / "real_dev.jsonl").read_text(encoding="utf-8").splitlines()):
        if line.strip():
            pages.append((f"dev:{i}", json.loads(line)["text"]))
    src = run.load_sources()
    for seed in (20250301, 7):
        pages += [(f"bench{seed}:{i}", p) for i, p in enumerate(run.build_pages(src, mb / 2, seed=seed))]
    Path(out).write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    print(f"{len(pages)} pages -> {out}")


def _flat(report) -> tuple:
    return (
        report.cleaned,
        tuple((v.start, v.end, v.unit, v.label, v.first_label,
               tuple((s.source, s.name, s.label, repr(s.score), s.start, s.end, s.unit) for s in v.signals))
              for v in report.verdicts),
        report.spun, repr(report.spin_score), report.replacements, report.notes,
        # every sentence's spam and off-topic score (users see them: explain --scores)
        tuple((s.start, s.end, repr(s.spam), repr(s.offtopic)) for s in report.sentences),
    )


def dump(root: str, pages_path: str, out: str) -> None:
    sys.path.insert(0, root)
    import textclean

    assert Path(textclean.__file__).resolve().is_relative_to(Path(root).resolve()), textclean.__file__
    pages = json.loads(Path(pages_path).read_text(encoding="utf-8"))
    res = {}
    for name, text in pages:
        for variant, over in VARIANTS.items():
            # the variants other than the default on a share of the pages (time)
            if variant != "default" and zlib.crc32(name.encode()) % 4 and not name.startswith(("seed", "dev")):
                continue
            res[(name, variant)] = _flat(textclean.clean_and_explain(text, **over))
    with open(out, "wb") as f:
        pickle.dump(res, f)
    print(f"{len(res)} reports from {root} -> {out}")


def features(root: str, pages_path: str, out: str) -> None:
    """Every page's coherence probabilities and combiner features (compared
    bit for bit: the pipeline shows only the scores of the units it flags)."""
    sys.path.insert(0, root)
    from textclean import coherence
    from textclean.coherence import score_units
    from textclean.pipeline import _prepare

    model = coherence.load_topic_model()
    res = {}
    for name, text in json.loads(Path(pages_path).read_text(encoding="utf-8")):
        doc = _prepare(text)
        r = score_units(doc.text, doc.key, doc.seg)
        res[(name, "features")] = tuple(a.tobytes() for a in (r.sentences, r.lines, r.features_sentences, r.features_lines))
        # the decision path (offtopic_signals' scores, bound and all) at two thresholds
        judged = coherence._judgeable(doc.text, doc.key, doc.seg, coherence.DEFAULT_MIN_CHARS)
        for thr in (coherence.DEFAULT_THRESHOLD, 0.5):
            r = None if judged is None else coherence._decision_scores(
                doc.text, doc.key, doc.seg, model=model, threshold=thr, sentence_tokens=judged[0],
                line_tokens=judged[1], sent_ok=judged[2], line_ok=judged[3],
            )
            res[(name, f"decision{thr}")] = None if r is None else tuple(
                a.tobytes() for a in (r.sentences, r.lines, r.features_sentences, r.features_lines))
    with open(out, "wb") as f:
        pickle.dump(res, f)
    print(f"{len(res)} feature sets from {root} -> {out}")


def compare(a: str, b: str) -> int:
    with open(a, "rb") as f:
        ra = pickle.load(f)
    with open(b, "rb") as f:
        rb = pickle.load(f)
    if ra.keys() != rb.keys():
        print("different page sets")
        return 1
    bad = [k for k in ra if ra[k] != rb[k]]
    text_bad = [k for k in bad if ra[k][0] != rb[k][0]]
    span_bad = [k for k in bad if [v[:5] for v in ra[k][1]] != [v[:5] for v in rb[k][1]]]
    print(f"{len(ra)} reports: {len(bad)} differ (cleaned text {len(text_bad)}, verdict spans/labels {len(span_bad)})")
    for k in bad[:10]:
        print("  ", k)
    return 1 if bad else 0


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    if cmd == "pages":
        build(rest[0], float(rest[2]) if len(rest) > 2 else 12.0)
    elif cmd == "dump":
        dump(*rest)
    elif cmd == "features":
        features(*rest)
    else:
        sys.exit(compare(*rest))

"""Speed benchmark: textclean.clean on a realistic news workload, with peers measured in the same run.

    .venv/bin/python benchmarks/run.py [--mb 2] [--repeats 5] [--large-mb 10] [--workers 2] [--quick] [--json OUT]

The workload is built at run time from ../shared/data/corpora (nothing from it
is stored in the project): THUCNews articles (Simplified) and DRCD articles
(native Traditional) laid out as scraped pages (title, paragraphs, publish
line, navigation, credits) with injected spam: gambling link lines made from
the shared gambling lexicon, brands pasted inside sentences, lottery tip lines,
sentences pasted from an article on another topic. Large documents are pages
concatenated to 1 MB and ``--large-mb``.

Printed: MB/s (UTF-8 input bytes), documents/s, p50/p99 latency per page,
import and first-call time and peak RSS (fresh processes), a per-stage
breakdown (each stage function called directly on the same pages), scaling
(large document vs pages, per MB), clean_many with N workers vs 1, the JSONL
CLI with N workers vs 1, and the ratios against peers measured in the same
run: opencc-python-reimplemented t2s on the same pages (also in N plain
processes vs 1: the machine's own parallel ceiling), a scikit-learn
Pipeline(TfidfVectorizer(char 1-3), LogisticRegression) scoring the same
sentences (one call per page, and one call per sentence on a subset), and a
plain ``regex`` brand scan. Timings are medians of repeats, and ratios are
taken per repeat (peers and textclean alternate), so they hold on a busy
machine; absolute times do not travel between machines, ratios do.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "data" / "corpora"
LEXICONS = SHARED / "data" / "lexicons"

# Targets from the speed request (see README "Speed").
TARGET_MBS = 10.0
TARGET_VS_OPENCC = 10.0
TARGET_P50_MS = 1.0
TARGET_LOAD_S = 1.0
TARGET_RSS_MB = 200.0
TARGET_LARGE_SHARE = 0.80
TARGET_SPEEDUP = 1.7

# ----------------------------------------------------------------- workload ---
# Page furniture written for this benchmark (not taken from any corpus).
_NAV = ["首页 > 新闻中心 > 正文", "您现在的位置:首页 > 国内新闻", "首页 | 新闻 | 体育 | 财经 | 娱乐 | 科技"]
_PUBLISH = "发布日期:2025-{m:02d}-{d:02d} {h:02d}:{mi:02d} 点击次数:{n}"
_TAIL = ["责任编辑:王小明", "(文章来源:本站综合)", "相关文章", "分享到:", "上一篇:", "返回顶部", "扫一扫关注我们"]
_LINK_SUFFIX = ["网址", "官网", "app下载", "注册", "官方入口", "最新网址"]
_LOTTERY = ["福彩3D第2025{n:03d}期预测奖号:{a}{b}{c}", "双色球第2025{n:03d}期杀号定胆:{a}{b} {c}{a}",
            "排列三第2025{n:03d}期精准推荐 胆码{a} 必出{b}{c}"]
_SENT = re.compile(r"[^。！？!?]+(?:[。！？!?]+[”」』]?|$)")


def _sentences(text: str) -> list[str]:
    return [s for s in (m.group().strip() for m in _SENT.finditer(text)) if s]


def _read_lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def load_sources() -> dict[str, Any]:
    """Articles (label, title, sentences), headlines and gambling names from ../shared."""
    simp = []
    for line in _read_lines(CORPORA / "thucnews_cnews_800docs" / "cnews.800.txt"):
        label, body = line.split("\t", 1)
        sents = _sentences(body)
        if len(sents) >= 4:
            simp.append((label, sents[0][:30], sents[1:]))
    by_title: dict[str, list[str]] = {}
    for line in _read_lines(CORPORA / "drcd_zh_tw" / "paragraphs.jsonl"):
        rec = json.loads(line)
        by_title.setdefault(rec["title"], []).append(rec["text"])
    trad = [("drcd:" + t, t, [s for p in ps for s in _sentences(p)]) for t, ps in by_title.items()]
    trad = [a for a in trad if len(a[2]) >= 4]
    titles = []
    for name in ("dev.txt", "test.txt"):
        titles += [x.split("\t")[0] for x in _read_lines(CORPORA / "thucnews_titles_20k" / name)]
    brands = [b for b in _read_lines(LEXICONS / "houbb_sensitive_word" / "gambling_tag3.txt") if 2 <= len(b) <= 12]
    return {"simplified": simp, "traditional": trad, "titles": titles, "brands": brands}


def _page(rng: random.Random, art, others, src: dict[str, Any], trad: bool) -> str:
    label, title, sents = art
    sents = list(sents)
    conv: Callable[[str], str] = lambda s: s  # noqa: E731
    if trad:
        from textclean.convert import to_traditional

        conv = to_traditional
    brand = lambda: rng.choice(src["brands"])  # noqa: E731
    # pasted-in pieces go into the article before it is laid out
    if rng.random() < 0.3:
        i = rng.randrange(len(sents))
        s = sents[i]
        cut = s.find("，") + 1 or len(s) // 2
        sents[i] = s[:cut] + conv(brand()) + s[cut:]
    if rng.random() < 0.25:
        other = rng.choice([o for o in others if o[0] != label] or others)
        pasted = rng.sample(other[2], min(len(other[2]), rng.randint(1, 2)))
        sents[rng.randrange(len(sents)):0] = pasted
    paras, i = [], 0
    while i < len(sents):
        k = rng.randint(2, 5)
        paras.append("".join(sents[i:i + k]))
        i += k
    lines: list[str] = []
    if rng.random() < 0.5:
        lines.append(conv(rng.choice(_NAV)))
    if rng.random() < 0.4:
        lines += [f"- {conv(brand())}{rng.choice(_LINK_SUFFIX)} {rng.choice(src['titles'])}"
                  for _ in range(rng.randint(2, 4))]
    lines.append(title)
    lines.append(_PUBLISH.format(m=rng.randint(1, 12), d=rng.randint(1, 28), h=rng.randint(0, 23),
                                 mi=rng.randint(0, 59), n=rng.randint(1, 9999)))
    lines.append("")
    for p in paras:
        lines += [p, ""] if rng.random() < 0.5 else [p]
        if rng.random() < 0.04:
            n, a, b, c = rng.randint(1, 365), rng.randint(0, 9), rng.randint(0, 9), rng.randint(0, 9)
            lines.append(conv(rng.choice(_LOTTERY).format(n=n, a=a, b=b, c=c)))
    lines += [conv(x) for x in rng.sample(_TAIL, rng.randint(1, 4))]
    if rng.random() < 0.3:
        lines += [f"{conv(brand())} {rng.choice(src['titles'])}" for _ in range(rng.randint(1, 3))]
    return "\n".join(lines) + "\n"


def build_pages(src: dict[str, Any], megabytes: float, seed: int = 20250301) -> list[str]:
    """Pages until *megabytes* of UTF-8 input: 70 % Simplified, 30 % native Traditional."""
    rng = random.Random(seed)
    # articles drawn in proportion to their length: the pages a crawled byte
    # lands on (median ≈ 5 KB), not the median article (≈ 2 KB)
    weights = {k: [len("".join(a[2])) for a in src[k]] for k in ("simplified", "traditional")}
    pages, size = [], 0
    while size < megabytes * 1e6:
        trad = rng.random() < 0.3
        kind = "traditional" if trad else "simplified"
        pool = src[kind]
        page = _page(rng, rng.choices(pool, weights[kind])[0], pool, src, trad)
        pages.append(page)
        size += len(page.encode("utf-8"))
    return pages


def build_large(pages: Sequence[str], megabytes: float) -> str:
    out, size, i = [], 0, 0
    while size < megabytes * 1e6:
        out.append(pages[i % len(pages)])
        size += len(pages[i % len(pages)].encode("utf-8")) + 1
        i += 1
    return "\n".join(out)


def nbytes(texts: Sequence[str]) -> int:
    return sum(len(t.encode("utf-8")) for t in texts)


# ----------------------------------------------------------------- timing ----

def _timed(fn: Callable[[str], Any], texts: Sequence[str]) -> tuple[float, list[float]]:
    per = []
    t0 = time.perf_counter()
    for t in texts:
        s = time.perf_counter()
        fn(t)
        per.append(time.perf_counter() - s)
    return time.perf_counter() - t0, per


def _wall_cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of fn(), CPU counting this process and its (waited-for) children."""
    t0, c0 = time.perf_counter(), os.times()
    fn()
    t1, c1 = time.perf_counter(), os.times()
    cpu = sum(getattr(c1, f) - getattr(c0, f) for f in ("user", "system", "children_user", "children_system"))
    return t1 - t0, cpu


def _check(got: list[str], expected: list[str]) -> None:
    if got != expected:
        raise AssertionError("clean_many differs from clean")


def _pct(values: Sequence[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ------------------------------------------------------------------ peers ----

class Peers:
    """The naive approaches, set up outside the clock."""

    def __init__(self, pages: Sequence[str], src: dict[str, Any]) -> None:
        import regex
        from opencc import OpenCC
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from textclean.segment import segment

        self.opencc = OpenCC("t2s")
        self.units = []
        for p in pages:
            seg = segment(p)
            self.units.append([p[s.start:s.end] for s in seg.sentences if p[s.start:s.end].strip()])
        # a small training set: gambling lines vs article sentences (fit time not measured)
        rng = random.Random(7)
        pos = [f"{b}{rng.choice(_LINK_SUFFIX)} {rng.choice(src['titles'])}" for b in rng.sample(src["brands"], 400)]
        neg = [s for art in rng.sample(src["simplified"], 80) for s in art[2][:10]][:1500]
        self.pipe = Pipeline([
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 3))),
            ("lr", LogisticRegression(max_iter=200)),
        ]).fit(pos + neg, [1] * len(pos) + [0] * len(neg))
        self.brand_scan = regex.compile(r"\L<b>", b=src["brands"])

    def t2s(self, pages: Sequence[str]) -> float:
        t = time.perf_counter()
        for p in pages:
            self.opencc.convert(p)
        return time.perf_counter() - t

    def sklearn_per_page(self) -> float:
        t = time.perf_counter()
        for units in self.units:
            if units:
                self.pipe.predict_proba(units)
        return time.perf_counter() - t

    def sklearn_featurise(self) -> float:
        vec = self.pipe.named_steps["tfidf"]
        t = time.perf_counter()
        for units in self.units:
            if units:
                vec.transform(units)
        return time.perf_counter() - t

    def sklearn_per_sentence(self, n_pages: int) -> tuple[float, int]:
        units = [u for page in self.units[:n_pages] for u in page]
        t = time.perf_counter()
        for u in units:
            self.pipe.predict_proba([u])
        return time.perf_counter() - t, nbytes(units)

    def regex_scan(self, pages: Sequence[str]) -> float:
        t = time.perf_counter()
        for p in pages:
            self.brand_scan.findall(p)
        return time.perf_counter() - t


# ----------------------------------------------------------------- stages ----

STAGES = ("normalise", "segment", "rules", "model", "coherence", "decide", "rebuild", "spin")


def stage_times(pages: Sequence[str]) -> dict[str, float]:
    """Seconds per stage over *pages*, each stage function called directly."""
    from textclean.config import DEFAULT
    from textclean.decide import decide
    from textclean.document import prepare
    from textclean.normalize import fold
    from textclean.rebuild import rebuild
    from textclean.rules import default_rules
    from textclean.rulescore import rule_signals
    from textclean.scorers import coherence_signals, model_signals
    from textclean.segment import segment
    from textclean.spin import spin_score

    cfg, rules = DEFAULT, default_rules()
    out = dict.fromkeys(STAGES, 0.0)
    pc = time.perf_counter
    for text in pages:
        t0 = pc(); fold(text)
        t1 = pc(); segment(text)
        t2 = pc()
        out["normalise"] += t1 - t0
        out["segment"] += t2 - t1
        doc = prepare(text)
        t0 = pc(); sig = rule_signals(doc, rules, cfg.rule_timeout)
        t1 = pc(); sig += model_signals(doc, cfg)
        t2 = pc(); sig += coherence_signals(doc, cfg)
        t3 = pc(); verdicts = [v for v in decide(doc, sig, cfg) if v.label in cfg.drop]
        t4 = pc(); rebuild(doc, verdicts)
        t5 = pc(); spin_score(text)
        t6 = pc()
        for name, a, b in (("rules", t0, t1), ("model", t1, t2), ("coherence", t2, t3),
                           ("decide", t3, t4), ("rebuild", t4, t5), ("spin", t5, t6)):
            out[name] += b - a
    return out


# ------------------------------------------------------------ subprocesses ---

_STARTUP = r"""
import json, sys, time
t0 = time.perf_counter()
import textclean
t1 = time.perf_counter()
from textclean.coherence import load_topic_model
from textclean.normalize import fold_table
from textclean.rules import default_rules
from textclean.scorers import default_model
default_model(); load_topic_model(); default_rules(); fold_table()
t2 = time.perf_counter()
page = open(sys.argv[1], encoding="utf-8").read()
textclean.clean(page)
t3 = time.perf_counter()
textclean.clean(page)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first": t3 - t2, "second": t4 - t3}))
"""

_RSS = r"""
import json, resource, sys
import textclean
texts = json.load(open(sys.argv[1], encoding="utf-8"))
for t in texts:
    textclean.clean(t)
# VmHWM is this program's own peak; ru_maxrss also counts what the forked
# child inherited from the benchmark before exec (the corpora it holds)
try:
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"maxrss_kb": peak}))
"""


def _py(code: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- report --

def machine() -> dict[str, Any]:
    import numpy
    import regex
    import sklearn

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "regex": regex.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _row(name: str, mbs: float, extra: str = "") -> None:
    print(f"  {name:44} {mbs:9.2f} MB/s  {extra}")


SECTIONS = ("startup", "throughput", "stages", "scaling", "rss", "parallel")


class _Run:
    """What every section needs: options, the workload, and the results so far."""

    def __init__(self, args: argparse.Namespace, pages: list[str], src: dict[str, Any], tmp: Path) -> None:
        self.args, self.pages, self.src, self.tmp = args, pages, src, tmp
        self.mb = nbytes(pages) / 1e6
        self.results: dict[str, Any] = {}


def _startup(ctx: _Run) -> None:
    """Fresh processes: import, model load, first and second call."""
    tmp, pages = ctx.tmp, ctx.pages
    typical = min(pages, key=lambda p: abs(len(p.encode("utf-8")) - 5000))
    (tmp / "page.txt").write_text(typical, encoding="utf-8")
    starts = [_py(_STARTUP, str(tmp / "page.txt")) for _ in range(3)]
    st = {k: _median([s[k] for s in starts]) for k in starts[0]}
    ctx.results["startup"] = st
    print(f"\nstartup (fresh process, median of 3): import {st['import'] * 1e3:.0f} ms, load models/rules/tables "
          f"{st['load'] * 1e3:.0f} ms, import+load {(st['import'] + st['load']) * 1e3:.0f} ms "
          f"[target ≤ {TARGET_LOAD_S * 1e3:.0f}], first clean() of a 5 KB page {st['first'] * 1e3:.1f} ms, "
          f"second {st['second'] * 1e3:.2f} ms")


def _throughput(ctx: _Run) -> None:
    """clean() over the pages, alternating with the peers, per repeat."""
    import textclean

    args, pages, src, mb = ctx.args, ctx.pages, ctx.src, ctx.mb
    textclean.clean(pages[0])  # warm: models loaded outside the clock
    peers = Peers(pages, src)
    runs: dict[str, list[float]] = {k: [] for k in ("clean", "t2s", "skl_page", "skl_feat", "regex", "skl_sent")}
    lat: list[list[float]] = []
    sent_pages = max(1, len(pages) // 10)
    sent_bytes = 0
    for _ in range(args.repeats):
        gc.collect()
        total, per = _timed(textclean.clean, pages)
        runs["clean"].append(total)
        lat.append(per)
        runs["t2s"].append(peers.t2s(pages))
        runs["skl_page"].append(peers.sklearn_per_page())
        runs["skl_feat"].append(peers.sklearn_featurise())
        runs["regex"].append(peers.regex_scan(pages))
        t, sent_bytes = peers.sklearn_per_sentence(sent_pages)
        runs["skl_sent"].append(t)
    sent_mb = sent_bytes / 1e6
    mbs = {k: (sent_mb if k == "skl_sent" else mb) / _median(v) for k, v in runs.items()}
    per_page = [_median(col) for col in zip(*lat)]
    page_kb = [len(p.encode("utf-8")) / 1e3 for p in pages]
    typical_lat = [t for t, kb in zip(per_page, page_kb) if 4.0 <= kb <= 6.0]
    ratio = lambda peer: _median([runs[peer][i] / runs["clean"][i] for i in range(args.repeats)])  # noqa: E731
    ratio_sent = _median([(runs["skl_sent"][i] / sent_mb) / (runs["clean"][i] / mb) for i in range(args.repeats)])
    ctx.results["throughput"] = {
        "mbs": mbs,
        "docs_per_s": len(pages) / _median(runs["clean"]),
        "p50_ms": _pct(per_page, .5) * 1e3,
        "p99_ms": _pct(per_page, .99) * 1e3,
        "p50_5kb_ms": _pct(typical_lat, .5) * 1e3 if typical_lat else None,
        "ratio_vs": {"t2s": ratio("t2s"), "sklearn_per_page": ratio("skl_page"),
                     "sklearn_featurise": ratio("skl_feat"), "sklearn_per_sentence": ratio_sent,
                     "regex_scan": ratio("regex")},
    }
    th = ctx.results["throughput"]
    print(f"\nthroughput on {len(pages)} pages, median of {args.repeats} (ratio = textclean speed / peer speed, per repeat)")
    _row("textclean.clean (rules+model+coherence)", mbs["clean"],
         f"{th['docs_per_s']:.0f} docs/s  [target ≥ {TARGET_MBS:.0f} MB/s]")
    _row("opencc-python-reimplemented t2s", mbs["t2s"], f"ratio {th['ratio_vs']['t2s']:.2f}×  [target ≥ {TARGET_VS_OPENCC:.0f}×]")
    _row("sklearn tfidf char1-3 + LR, one call per page", mbs["skl_page"], f"ratio {th['ratio_vs']['sklearn_per_page']:.2f}×")
    _row("sklearn tfidf char1-3 featurisation only", mbs["skl_feat"], f"ratio {th['ratio_vs']['sklearn_featurise']:.2f}×")
    _row(f"sklearn one call per sentence ({sent_pages} pages)", mbs["skl_sent"], f"ratio {ratio_sent:.2f}×")
    _row("regex brand-list scan (upper bound)", mbs["regex"], f"ratio {th['ratio_vs']['regex_scan']:.3f}×")
    print(f"  latency per page: p50 {th['p50_ms']:.2f} ms, p99 {th['p99_ms']:.2f} ms; "
          f"pages of 4-6 KB p50 {th['p50_5kb_ms']:.2f} ms [target ≤ {TARGET_P50_MS:.1f}]")


def _stages(ctx: _Run) -> None:
    """Each stage function called directly on the same pages."""
    import textclean

    args, pages, mb = ctx.args, ctx.pages, ctx.mb
    stage_runs = []
    clean_runs = []
    for _ in range(max(3, args.repeats // 2)):
        stage_runs.append(stage_times(pages))
        clean_runs.append(_timed(textclean.clean, pages)[0])
    stages = {k: _median([r[k] for r in stage_runs]) for k in STAGES}
    total = _median(clean_runs)
    ctx.results["stages_s"] = stages
    ctx.results["stages_clean_s"] = total
    print(f"\nper stage (stage functions called directly on the same pages, median of {len(stage_runs)})")
    for k in STAGES:
        print(f"  {k:12} {stages[k] * 1e3:8.1f} ms  {stages[k] / total:6.1%}  {mb / stages[k] if stages[k] else float('inf'):9.1f} MB/s")
    rest = total - sum(stages.values())
    print(f"  {'other':12} {rest * 1e3:8.1f} ms  {rest / total:6.1%}  (re-judging after partial cuts, report)")
    print(f"  {'clean()':12} {total * 1e3:8.1f} ms  100.0%")


def _scaling(ctx: _Run) -> None:
    """One large document vs the pages, per MB, alternating."""
    import textclean

    args, pages, mb = ctx.args, ctx.pages, ctx.mb
    scale = {}
    for big_mb in sorted({1.0, args.large_mb}):
        big = build_large(pages, big_mb)
        big_size = nbytes([big]) / 1e6
        reps = 1 if big_mb > 5 else 2
        r_big, r_pages = [], []
        for _ in range(reps):
            gc.collect()
            t = time.perf_counter()
            textclean.clean(big)
            r_big.append(time.perf_counter() - t)
            r_pages.append(_timed(textclean.clean, pages)[0])
        share = _median([(big_size / a) / (mb / b) for a, b in zip(r_big, r_pages)])
        scale[f"{big_mb:g}MB"] = {"mbs": big_size / _median(r_big), "share_of_pages": share}
        print(f"\nlarge document {big_size:.1f} MB: {big_size / _median(r_big):.2f} MB/s = {share:.0%} of the per-MB "
              f"throughput on pages [target ≥ {TARGET_LARGE_SHARE:.0%} at {args.large_mb:g} MB] (default config: "
              "off-topic not judged past Config.offtopic_max_chars)")
        if big_mb <= 1.0:
            # the off-topic scorer's own scaling: the same text judged in windows
            t = time.perf_counter()
            textclean.clean(big, offtopic_max_chars=None)
            windowed = time.perf_counter() - t
            w_share = (big_size / windowed) / (mb / _median(r_pages))
            scale[f"{big_mb:g}MB_offtopic_windows"] = {"mbs": big_size / windowed, "share_of_pages": w_share}
            print(f"  with off-topic judged in windows (offtopic_max_chars=None): {big_size / windowed:.2f} MB/s = "
                  f"{w_share:.0%} of pages")
        del big
    ctx.results["scaling"] = scale


def _rss(ctx: _Run) -> None:
    """Peak RSS of a fresh process cleaning 200 pages and the large document."""
    args, pages, tmp = ctx.args, ctx.pages, ctx.tmp
    rss_in = tmp / "rss.json"
    rss_in.write_text(json.dumps(pages[:200] + [build_large(pages, args.large_mb)], ensure_ascii=False), encoding="utf-8")
    rss = _py(_RSS, str(rss_in))["maxrss_kb"] / 1024
    ctx.results["peak_rss_mb"] = rss
    print(f"\npeak RSS, fresh process cleaning 200 pages and the {args.large_mb:g} MB document: {rss:.0f} MB "
          f"[target ≤ {TARGET_RSS_MB:.0f}]")
    rss_in.unlink()


def _parallel(ctx: _Run) -> None:
    """clean_many and the JSONL CLI, N workers vs 1, alternating."""
    import textclean

    args, pages, tmp, mb = ctx.args, ctx.pages, ctx.tmp, ctx.mb
    clean_many = getattr(textclean, "clean_many", None)
    if clean_many is None:
        print("\nparallel: textclean.clean_many not available in this version")
    else:
        par: dict[int, list[tuple[float, float]]] = {1: [], args.workers: []}  # (wall, cpu) per run
        ceiling: dict[int, list[float]] = {1: [], args.workers: []}
        expected = [textclean.clean(p) for p in pages]
        for _ in range(max(2, args.repeats // 2)):
            for w in (1, args.workers):
                gc.collect()
                wall, cpu = _wall_cpu(lambda: _check(list(clean_many(pages, workers=w)), expected))
                par[w].append((wall, cpu))
                ceiling[w].append(_plain_processes(pages, w))
        speed = _median([a[0] / b[0] for a, b in zip(par[1], par[args.workers])])
        machine_speed = _median([a / b for a, b in zip(ceiling[1], ceiling[args.workers])])
        # load-independent view: CPU seconds the parallel run spends per serial
        # CPU second, and how many cores it actually got
        overhead = _median([b[1] / a[1] for a, b in zip(par[1], par[args.workers])])
        got = _median([b[1] / b[0] for b in par[args.workers]])
        jl = tmp / "in.jsonl"
        with open(jl, "w", encoding="utf-8") as fh:
            for i, p in enumerate(pages):
                fh.write(json.dumps({"id": i, "text": p}, ensure_ascii=False) + "\n")
        cli: dict[int, list[float]] = {1: [], args.workers: []}
        outs = {}
        for _ in range(2):
            for w in (1, args.workers):
                o = tmp / f"out{w}.jsonl"
                cmd = [sys.executable, "-m", "textclean", "clean", "--jsonl", "--workers", str(w), str(jl), "-o", str(o)]
                cli[w].append(_wall_cpu(lambda: subprocess.run(cmd, check=True, capture_output=True))[0])
                outs[w] = o.read_bytes()
        cli_speed = _median([a / b for a, b in zip(cli[1], cli[args.workers])])
        same = outs[1] == outs[args.workers]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        ctx.results["parallel"] = {"clean_many_speedup": speed, "machine_speedup": machine_speed,
                               "cpu_overhead": overhead, "cores_used": got,
                               "cli_speedup": cli_speed, "cli_identical": same, "load_avg_1min": load,
                               "clean_many_mbs": {w: mb / _median([x[0] for x in v]) for w, v in par.items()}}
        print(f"\nparallel ({args.workers} workers vs 1, {os.cpu_count()} cores, load average {load:.1f}): clean_many "
              f"{mb / _median([x[0] for x in par[1]]):.2f} → {mb / _median([x[0] for x in par[args.workers]]):.2f} MB/s "
              f"= {speed:.2f}× [target ≥ {TARGET_SPEEDUP}×]; the machine's own ceiling, opencc t2s on the same "
              f"pages in {args.workers} plain processes vs 1: {machine_speed:.2f}× (clean_many reaches "
              f"{speed / machine_speed:.0%} of it); CPU per serial CPU second {overhead:.2f}, "
              f"cores actually used {got:.2f}; CLI --jsonl {cli_speed:.2f}× (process start and model loading "
              f"included; outputs identical: {same})")


_peer_opencc: Any = None


def _init_opencc() -> None:
    global _peer_opencc
    from opencc import OpenCC

    _peer_opencc = OpenCC("t2s")


def _t2s_chunk(chunk: list[str]) -> int:
    return sum(len(_peer_opencc.convert(p)) for p in chunk)


def _plain_processes(pages: Sequence[str], workers: int) -> float:
    """Wall seconds of opencc t2s over *pages* in *workers* plain processes.

    The machine's own parallel ceiling, measured beside clean_many: work with
    no shared state and no textclean engine, in chunks of the same size, pool
    start included as it is in clean_many, the converter loaded before the
    clock as clean_many's models are. On a virtual machine whose two cores
    are not two whole cores this stays well under 2x.
    """
    from concurrent.futures import ProcessPoolExecutor

    from textclean.parallel import CHUNK_CHARS

    chunks: list[list[str]] = [[]]
    size = 0
    for p in pages:
        chunks[-1].append(p)
        size += len(p)
        if size >= CHUNK_CHARS:
            chunks.append([])
            size = 0
    if _peer_opencc is None:
        _init_opencc()  # loaded before the clock and inherited at fork, as clean_many's models are
    gc.collect()
    t = time.perf_counter()
    if workers == 1:
        sum(_t2s_chunk(c) for c in chunks)
    else:
        with ProcessPoolExecutor(workers) as ex:
            sum(ex.map(_t2s_chunk, chunks))
    return time.perf_counter() - t


def _targets(ctx: _Run) -> list[tuple[str, bool]]:
    r, a = ctx.results, ctx.args
    checks = []
    if "throughput" in r:
        th = r["throughput"]
        checks += [
            ("clean ≥ 10 MB/s", th["mbs"]["clean"] >= TARGET_MBS),
            ("clean ≥ 10× opencc t2s", th["ratio_vs"]["t2s"] >= TARGET_VS_OPENCC),
            ("5 KB page p50 ≤ 1 ms", (th["p50_5kb_ms"] or 1e9) <= TARGET_P50_MS),
        ]
    if "startup" in r:
        checks.append(("import + load ≤ 1 s", r["startup"]["import"] + r["startup"]["load"] <= TARGET_LOAD_S))
    if "peak_rss_mb" in r:
        checks.append(("peak RSS ≤ 200 MB", r["peak_rss_mb"] <= TARGET_RSS_MB))
    if "scaling" in r:
        checks.append((f"{a.large_mb:g} MB document ≥ 80 % of pages per MB",
                       r["scaling"][f"{a.large_mb:g}MB"]["share_of_pages"] >= TARGET_LARGE_SHARE))
    if "parallel" in r:
        checks.append((f"clean_many {a.workers} workers ≥ {TARGET_SPEEDUP}×",
                       r["parallel"]["clean_many_speedup"] >= TARGET_SPEEDUP))
    return checks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=2.0, help="size of the page workload (default 2 MB)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats per measurement (medians reported)")
    ap.add_argument("--large-mb", type=float, default=10.0, help="size of the large document (default 10 MB)")
    ap.add_argument("--workers", type=int, default=2, help="workers for clean_many / the CLI (default 2)")
    ap.add_argument("--quick", action="store_true", help="small run: 0.5 MB pages, 3 repeats, 2 MB large document")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run (default all: {','.join(SECTIONS)})")
    ap.add_argument("--json", metavar="OUT", help="also write all figures as JSON")
    args = ap.parse_args(argv)
    if args.quick:
        args.mb, args.repeats, args.large_mb = 0.5, 3, 2.0
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {','.join(SECTIONS)}")
    if not CORPORA.is_dir():
        print(f"no corpora at {CORPORA}; the workload is built from ../shared", file=sys.stderr)
        return 2
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, load {m['load_avg']}, Python {m['python']}, "
          f"numpy {m['numpy']}, scikit-learn {m['scikit-learn']}")
    src = load_sources()
    pages = build_pages(src, args.mb)
    sizes = sorted(len(p.encode("utf-8")) for p in pages)
    print(f"workload: {len(pages)} pages, {nbytes(pages) / 1e6:.2f} MB, page size p50 {_pct(sizes, .5) / 1e3:.1f} KB "
          f"(p10 {_pct(sizes, .1) / 1e3:.1f}, p90 {_pct(sizes, .9) / 1e3:.1f})")
    with tempfile.TemporaryDirectory(prefix="textclean-bench-") as tmp:
        ctx = _Run(args, pages, src, Path(tmp))
        ctx.results.update(machine=m, args=vars(args),
                           workload={"pages": len(pages), "bytes": nbytes(pages), "p50_page_bytes": _pct(sizes, .5)})
        sections = {"startup": _startup, "throughput": _throughput, "stages": _stages, "scaling": _scaling,
                    "rss": _rss, "parallel": _parallel}
        for name in SECTIONS:
            if name in only:
                sections[name](ctx)
    checks = _targets(ctx)
    print("\ntargets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks))
    ctx.results["targets"] = dict(checks)
    if args.json:
        Path(args.json).write_text(json.dumps(ctx.results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The HTML review pages: structure and escaping without a browser, then in headless Chromium."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import textclean
from textclean.cli import _sample, main
from textclean.evaluate import evaluate
from textclean.htmlreport import evaluation_html, explain_html
from textclean.report import Replacement, Report, Signal, Verdict

SPAM_LINE = "- 金沙彩乐园网址 城市夜跑活动吸引上万市民参加"
BODY = "据报道,本地一家电池企业本周宣布,将投资20亿元在城东新区建设第二座工厂。"
# The page is hostile: its script tries to change the document if it ever runs.
ATTACK = "<script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script>"
IMG_ATTACK = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
HOSTILE = f"{SPAM_LINE}{ATTACK}\n{BODY}{IMG_ATTACK}\n公司负责人表示,新工厂将主要生产储能电池,迪士尼彩乐园同时带动当地约两千人就业。\n排版:小王\n"
HOSTILE_NAME = "<script>document.title='pwned-name'</script>"

VOID = {"meta", "input", "br", "img", "link", "hr"}


class _Tree(HTMLParser):
    """Elements with attributes and text, checking that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.elements: list[dict] = []
        self.errors: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": [e["tag"] for e in self.stack],
              "classes": set((dict(attrs).get("class") or "").split()),
              "ancestors": [e for e in self.stack]}
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1]["tag"] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1]['tag'] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        for el in self.stack:
            el["text"] += data
        if self.stack and self.stack[-1]["tag"] == "script":
            self.scripts.append(data)
        if self.stack and self.stack[-1]["tag"] == "style":
            self.styles.append(data)


def _parse(page: str) -> _Tree:
    tree = _Tree()
    tree.feed(page)
    tree.close()
    assert not tree.errors, tree.errors[:3]
    assert not tree.stack, [e["tag"] for e in tree.stack]
    return tree


def _find(tree: _Tree, tag: str | None = None, cls: str | None = None) -> list[dict]:
    """Elements by tag and class, leaving out the legend's samples (class lg)."""
    return [
        e for e in tree.elements
        if (tag is None or e["tag"] == tag) and (cls is None or cls in e["classes"]) and "lg" not in e["classes"]
    ]


def _page_text(tree: _Tree, txt: dict) -> str:
    """The text inside one .txt element without the restored words (<ins>), rebuilt from the markup."""
    parts = []
    for el in tree.elements:
        if txt in el["ancestors"] and el["tag"] == "div" and "blk" in el["classes"]:
            parts.append(el)
    return "".join(_text_without_ins(tree, blk) for blk in parts)


def _text_without_ins(tree: _Tree, blk: dict) -> str:
    ins = "".join(e["text"] for e in tree.elements if e["tag"] == "ins" and blk in e["ancestors"])
    text = blk["text"]
    # <ins> words are inserted text; they are few and short in these fixtures, remove them in place
    for e in tree.elements:
        if e["tag"] == "ins" and blk in e["ancestors"]:
            text = text.replace(e["text"], "", 1)
    assert len(text) == len(blk["text"]) - len(ins)
    return text


def _sha(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def hostile_report() -> Report:
    return textclean.clean_and_explain(HOSTILE, use_model=False)


# --- structure, no browser ---------------------------------------------------------------------


def test_explain_html_structure_and_escaping(hostile_report):
    report = hostile_report
    assert {v.label for v in report.verdicts} >= {"spam", "boilerplate"}
    page = explain_html([(HOSTILE_NAME, report), ("clean page", textclean.clean_and_explain(BODY + "\n", use_model=False))])
    tree = _parse(page)

    # nothing from the page became markup: one script element, ours, and no <img>
    assert len(_find(tree, "script")) == 1 and _find(tree, "img") == []
    assert "pwned" not in "".join(tree.scripts)
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in page
    assert not re.search(r"<(script|img)[^>]*pwned", page, re.I)

    # a strict CSP: no loads, our own style and script allowed by hash only
    csp = _find(tree, "meta")
    csp = next(m["attrs"]["content"] for m in csp if m["attrs"].get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert f"script-src {_sha(tree.scripts[0])}" in csp
    assert f"style-src {_sha(tree.styles[0])}" in csp
    assert not re.search(r"\b(src|href)=\"(?!#)", page) and "url(" not in page and "@import" not in page

    # the page text survives byte for byte, and the removed spans are exactly the verdicts
    txts = _find(tree, "div", "txt")
    assert len(txts) == 2 and _page_text(tree, txts[0]) == HOSTILE
    assert txts[0]["attrs"]["lang"] == "zh-Hans"
    removed = _find(tree, "del", "rm")
    spam = [e["text"] for e in removed if "l-spam" in e["classes"]]
    assert spam[0] == HOSTILE[report.verdicts[0].start : report.verdicts[0].end] and spam[0].startswith(SPAM_LINE)
    assert "迪士尼彩乐园" in spam
    assert [e["text"] for e in removed if "l-boilerplate" in e["classes"]] == ["排版:小王"]
    assert all(e["attrs"].get("data-tip") for e in removed)
    line_tip = next(e for e in removed if "l-spam" in e["classes"])["attrs"]["data-tip"]
    assert line_tip.startswith("spam (line)") and "rule gambling-link-line: 1.000" in line_tip
    assert not any(BODY[:10] in e["text"] for e in removed)

    # counts per page (chips) and overall; a filter for each label present, none for absent ones
    pages = _find(tree, "details", "page")
    assert len(pages) == 2 and {"has-spam", "has-boilerplate"} <= pages[0]["classes"]
    assert "has-spam" not in pages[1]["classes"] and "nothing removed" in pages[1]["text"]
    chips = [e["text"] for e in _find(tree, "span", "chip") if pages[0] in e["ancestors"]]
    assert chips == ["spam 2", "boilerplate 1"]
    overall = _find(tree, "table", "overall")[0]["text"]
    assert "spam21" in overall.replace(" ", "") and "boilerplate1" in overall.replace(" ", "")
    radios = [e["attrs"]["id"] for e in _find(tree, "input", "flt")]
    assert radios == ["f-all", "f-spam", "f-boilerplate"]
    assert "#f-spam:checked~.wrap .page:not(.has-spam)" in tree.styles[0]

    # the hostile page name is text too
    assert "&lt;script&gt;document.title=&#x27;pwned-name&#x27;" in page


def _report(text: str, verdicts=(), replacements=(), spun=False) -> Report:
    return Report(text=text, cleaned="", verdicts=tuple(verdicts), replacements=tuple(replacements),
                  spun=spun, spin_score=9.0 if spun else 0.0)


def test_overlapping_verdicts_residue_and_hostile_signal_names():
    text = "迪士尼彩乐园。\n正文第一句很长很长。正文第二句也很长。\n"
    brand = (0, 6)
    rule = Signal("rule", "<b>brand</b>", "spam", 1.0, *brand, "span")
    model = Signal("model", "textclean-spam:span", "spam", 0.991, *brand, "span")
    verdicts = [Verdict(*brand, "span", "spam", "spam", (rule,)), Verdict(*brand, "span", "spam", "spam", (model,)),
                Verdict(8, 18, "sentence", "offtopic", "keep", (Signal("coherence", "topic", "offtopic", 0.97, 8, 18, "sentence"),)),
                Verdict(12, 14, "span", "lottery", "lottery", ())]
    page = explain_html([("p", _report(text, verdicts))])
    tree = _parse(page)
    assert _page_text(tree, _find(tree, "div", "txt")[0]) == text
    marks = _find(tree, "del")
    brand_mark = next(e for e in marks if e["text"] == "迪士尼彩乐园")
    tip = brand_mark["attrs"]["data-tip"]
    # one block for the span named twice, both signals, the hostile rule name as text
    assert tip.count("spam (span)") == 1 and "rule <b>brand</b>: 1.000" in tip and "model score textclean-spam:span: 0.991" in tip
    assert "&lt;b&gt;brand&lt;/b&gt;" in page and "<b>brand" not in page
    # the line's full stop goes with it: rebuild drops a line left with only punctuation
    residue = next(e for e in marks if "residue" in e["classes"])
    assert residue["text"] == "。\n"  # with its line break
    # nested spans: the inner lottery span is marked inside the off-topic sentence, tips name both
    inner = next(e for e in marks if "k-lottery" in e["classes"])
    assert inner["text"] == text[12:14] and {"k-offtopic", "k-lottery"} <= inner["classes"]
    assert "off-topic score topic: 0.970" in inner["attrs"]["data-tip"] and "pass 1 said keep" in inner["attrs"]["data-tip"]
    assert sum("tabindex" in e["attrs"] for e in marks if "k-offtopic" in e["classes"]) == 3


def test_spun_replacements_have_their_own_style():
    text = "垃圾广告行\n公司负责东说念主表示,好意思元汇率平稳。\n"
    verdicts = [Verdict(0, 5, "line", "spam", "spam", ())]
    cleaned_before = text[6:]  # replacement offsets point into the rebuilt text before restoration
    s = cleaned_before.index("东说念主")
    t = cleaned_before.index("好意思元")
    reps = [Replacement(s, s + 4, "东说念主", "人", "safe"), Replacement(t, t + 4, "好意思元", "美元", "safe")]
    page = explain_html([("spun page", _report(text, verdicts, reps, spun=True))])
    tree = _parse(page)
    spun = _find(tree, "span", "sp")
    assert [e["text"] for e in spun] == ["东说念主", "好意思元"]
    assert [e["text"] for e in _find(tree, "ins", "new")] == ["人", "美元"]
    assert "spun word (safe): 东说念主 → 人" in spun[0]["attrs"]["data-tip"]
    assert "page looks spun" in page and "2 words restored" in page
    assert _page_text(tree, _find(tree, "div", "txt")[0]) == text
    assert "has-spun" in _find(tree, "details", "page")[0]["classes"]


def test_long_page_is_cut_into_blocks_without_losing_text():
    line = "正文内容" * 20 + "\n"
    text = line * 200 + "- 金沙彩乐园网址 广告\n" * 3 + line * 200
    start = text.index("- 金沙")
    end = text.rindex("广告\n") + 3
    # a verdict across a block boundary is split into pieces with one Tab stop
    verdict = Verdict(start - 2000, end, "line", "spam", "spam", ())
    page = explain_html([("long", _report(text, [verdict]))])
    tree = _parse(page)
    assert len(_find(tree, "div", "blk")) > 5
    assert _page_text(tree, _find(tree, "div", "txt")[0]) == text
    pieces = _find(tree, "del", "l-spam")
    assert len(pieces) == 2 and "".join(e["text"] for e in pieces) == text[start - 2000 : end]
    assert sum("tabindex" in e["attrs"] for e in pieces) == 1


def test_lone_surrogates_become_replacement_characters():
    page = explain_html([("bad \ud800 name", _report("文字\udc00内容\n"))])
    assert "\ufffd" in page and page.encode("utf-8")


def test_explain_html_rejects_bare_text():
    with pytest.raises(TypeError, match="clean_and_explain"):
        explain_html([("page", "just text")])  # type: ignore[list-item]


GOLD = [
    {"id": "exact", "text": f"{SPAM_LINE}\n{BODY}\n", "remove": [{"span": SPAM_LINE, "why": "gambling-line"}]},
    {"id": "bad<page>", "text": f"{BODY}\n相关文章推荐\n排版:小王\n{ATTACK}\n",
     "remove": [{"span": "相关文章推荐", "why": "boilerplate"}]},
]


def test_evaluation_html_marks_missed_wrong_and_correct_worst_first():
    result = evaluate(GOLD, config=textclean.Config(use_model=False), keep_pages=True)
    page = evaluation_html(result)
    tree = _parse(page)
    pages = _find(tree, "details", "page")
    # worst first: the page with mistakes comes before the exact one
    names = [e["text"] for e in _find(tree, "span", "pname")]
    assert names == ["bad<page>", "exact"] and "bad&lt;page&gt;" in page
    kinds = {k: [e["text"] for e in _find(tree, None, f"e-{k}")] for k in ("missed", "wrong", "correct")}
    assert kinds["correct"] == [SPAM_LINE] and kinds["missed"] == ["相关文章推荐"]
    assert "排版:小王" in kinds["wrong"]  # a credit line the gold file keeps
    assert all(e["tag"] == "mark" for e in _find(tree, None, "e-missed"))
    wrong = next(e for e in _find(tree, "del", "e-wrong") if e["text"] == "排版:小王")
    assert "boilerplate (line)" in wrong["attrs"]["data-tip"]
    correct = _find(tree, "del", "e-correct")[0]
    assert "gold: gambling-line" in correct["attrs"]["data-tip"]
    metrics = _find(tree, "table", "metrics")[0]["text"]
    assert "recall: spam" in metrics and "precision" in metrics and "collateral" in metrics
    assert len(_find(tree, "script")) == 1 and "&lt;script&gt;" in page
    assert [_page_text(tree, t) for t in _find(tree, "div", "txt")] == [GOLD[1]["text"], GOLD[0]["text"]]


def test_evaluation_html_needs_page_details():
    result = evaluate(GOLD[:1], config=textclean.Config(use_model=False))
    with pytest.raises(ValueError, match="keep_pages=True"):
        evaluation_html(result)


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_explain_html_file_and_jsonl_sample(tmp_path, capsys):
    path = tmp_path / "page.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    assert main(["explain", "--html", "--no-model", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and out.count("<script>") == 1 and "l-spam" in out

    crawl = tmp_path / "crawl.jsonl"
    rows = [{"id": f"r{i}", "text": f"{SPAM_LINE}{i}\n{BODY}\n"} for i in range(30)]
    crawl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "not json\n", encoding="utf-8")
    argv = ["explain", "--html", "--jsonl", "--field", "text", "--sample", "5", "--no-model", str(crawl)]
    assert main(argv) == 1  # the malformed line is reported, the review is still written
    first = capsys.readouterr()
    assert "crawl.jsonl:31: invalid JSON" in first.err and "31 records read, 5 in the review, 1 failed" in first.err
    names = re.findall(r'<span class="pname">(r\d+) \(line \d+\)</span>', first.out)
    assert len(names) == 5 and names == sorted(names, key=lambda n: int(n[1:]))  # input order
    assert main(argv) == 1
    assert capsys.readouterr().out == first.out  # the same seed draws the same records
    assert main(argv + ["--seed", "7"]) == 1
    assert re.findall(r'<span class="pname">(r\d+)', capsys.readouterr().out) != names


def test_sample_is_uniform_enough_and_deterministic():
    assert _sample(range(3), 5, 0) == [0, 1, 2]
    assert _sample(range(1000), 10, 1) == _sample(range(1000), 10, 1)
    hits = [0] * 10
    for seed in range(2000):
        for x in _sample(range(10), 3, seed):
            hits[x] += 1
    assert all(500 < h < 700 for h in hits)  # each item drawn ~600 times of 2000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["explain", "--jsonl", "x.jsonl"], "add --html"),
        (["explain", "--html", "--sample", "3", "x.txt"], "add --jsonl"),
    ],
)
def test_cli_explain_html_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_sample_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "--html", "--jsonl", "--sample", "0", "x.jsonl"])
    assert exc.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_cli_evaluate_html(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in GOLD), encoding="utf-8")
    assert main(["evaluate", "--data", str(gold), "--no-model", "--html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and "e-wrong" in out and "recall: spam" in out


# --- in a real browser -----------------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it where apt works)")


def _run_chromium(tmp_path: Path, html_file: Path, *extra: str) -> str:
    profile = tmp_path / "profile"
    cmd = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1100,900", *extra,
        "--dump-dom", html_file.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_in_headless_chromium(tmp_path, hostile_report):
    """Marked spans are in the rendered DOM, the page's <script> never ran, our own script did."""
    report_file = tmp_path / "report.html"
    report_file.write_text(explain_html([(HOSTILE_NAME, hostile_report)]), encoding="utf-8")
    shot = tmp_path / "report.png"
    dom = _run_chromium(tmp_path, report_file, f"--screenshot={shot}")

    tree = _parse(dom)
    # the page's script would have renamed the document and marked <body>: neither happened
    assert _find(tree, "title")[0]["text"] == "textclean review"
    assert not any("data-pwned" in e["attrs"] for e in tree.elements)
    assert len(_find(tree, "script")) == 1 and _find(tree, "img") == []
    assert "js" in _find(tree, "html")[0]["classes"]  # while our hash-allowed script did run
    spam = [e["text"] for e in _find(tree, "del", "l-spam")]
    assert spam and spam[0].startswith(SPAM_LINE) and ATTACK in spam[0]
    assert "排版:小王" in [e["text"] for e in _find(tree, "del", "l-boilerplate")]

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    keep = os.environ.get("TEXTCLEAN_SCREENSHOT_DIR")
    if keep:  # look at it: TEXTCLEAN_SCREENSHOT_DIR=/tmp/shots pytest -k chromium
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "htmlreport.png")


def test_filter_and_tooltip_in_headless_chromium(tmp_path, hostile_report):
    """A copy of the report with a probe script (CSP dropped): the filter hides pages, focus shows the tip."""
    clean_page = textclean.clean_and_explain(BODY + "\n", use_model=False)
    page = explain_html([("spammy", hostile_report), ("clean", clean_page)])
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    page = page.replace('id="f-all" checked', 'id="f-all"').replace('id="f-boilerplate"', 'id="f-boilerplate" checked')
    probe = """<script>window.addEventListener('load',function(){
var pages=[].map.call(document.querySelectorAll('.page'),function(p){return getComputedStyle(p).display;});
var spam=document.querySelector('.page del.l-spam'),bp=document.querySelector('.page del.l-boilerplate');
var m=document.querySelector('.mk[tabindex]');m.focus();var tip=document.getElementById('tip');
document.body.setAttribute('data-probe',JSON.stringify({pages:pages,spamBg:getComputedStyle(spam).backgroundColor,
bpBg:getComputedStyle(bp).backgroundColor,tipHidden:tip.hidden,tip:tip.textContent}));});</script>"""
    probe_file = tmp_path / "probe.html"
    probe_file.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = _run_chromium(tmp_path, probe_file, "--virtual-time-budget=2000")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-500:]
    probe_result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert probe_result["pages"] == ["block", "none"]  # only pages with boilerplate are shown
    assert probe_result["spamBg"] == "rgba(0, 0, 0, 0)" and probe_result["bpBg"] != "rgba(0, 0, 0, 0)"
    assert probe_result["tipHidden"] is False and "spam (line)" in probe_result["tip"]

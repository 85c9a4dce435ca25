"""Robustness: hostile text, hostile files, interrupted runs, shared state across threads.

The strategies and ``check_*`` functions here are also the targets of
``benchmarks/fuzz.py``, which runs them at scale for a time budget. Example
counts come from the hypothesis profile (``_budget``), so
``HYPOTHESIS_PROFILE=fuzz`` scales these tests up too.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import textclean
from conftest import is_subsequence
from textclean.cli import main
from textclean.io import iter_jsonl
from textclean.model import FORMAT_VERSION, ModelError, default_model_path, load_model
from textclean.normalize import fold
from textclean.rules import MAX_LIST_ENTRIES, RuleError, RuleTimeoutError, _unrolled_size, load_rules, parse_rules

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = default_model_path()


def _budget(ci: int) -> int:
    """Examples for a property test: *ci* in the test run, the profile's count when fuzzing."""
    return max(ci, settings.default.max_examples) if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else ci


def _settings(ci: int) -> settings:
    return settings(max_examples=_budget(ci), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------- fixtures ---

# One made-up local news story: every sentence is content, none may be removed.
STORY = [
    "据报道,本地一家电池企业本周宣布,将投资20亿元在城东新区建设第二座工厂。",
    "公司负责人表示,新工厂将主要生产储能电池,预计明年三月投产。",
    "项目建成后,年产能可达10GWh,同时带动当地约两千人就业。",
    "市发展改革委相关负责人介绍,城东新区已聚集新能源企业三十余家。",
    "业内人士认为,储能市场需求持续增长,企业扩产有利于降低成本。",
    "记者在现场看到,施工车辆往来不断,厂房主体结构已基本完成。",
    "該公司去年營業收入同比增長百分之十八,淨利潤創歷史新高。",
    "The company said the plant would use 100% renewable power.",
    "据悉,工厂还将配套建设研发中心和员工宿舍。",
    "新工厂占地约三百亩,分两期建设,一期工程计划于今年年底完工。",
    "为保障项目推进,区政府成立了专门工作组,协调用地、用电和审批事项。",
    "企业方面表示,新工厂将采用自动化生产线,人均产值比老厂提高一倍。",
    "据介绍,该企业第一座工厂于2019年投产,目前满负荷运转。",
    "分析人士指出,储能电池价格今年以来下降了约两成,行业竞争加剧。",
    "公司计划把部分产品出口到东南亚和欧洲市场。",
    "城东新区管委会表示,将继续完善园区道路和配套设施。",
    "招聘工作将于下月启动,优先录用本地居民和职业院校毕业生。",
    "项目环评报告已通过专家评审,并在区政府网站进行了公示。",
    "当天,多家上下游配套企业也与园区签订了入驻协议。",
    "企业负责人还透露,研发中心将与本地高校合作开展固态电池研究。",
    "有市民担心施工噪音影响生活,园区表示夜间将停止高噪音作业。",
    "当地居民王女士说:“家门口就能找到工作,大家都很高兴。”",
]
SPAM_LINES = ["- 金沙彩乐园网址 城市夜跑活动", "- 金沙彩乐园官网 汽车下乡活动", "- 九遊會官網 今日頭條"]
SPAM_PAGE = "热点资讯\n" + "\n".join(SPAM_LINES) + "\n\n" + STORY[0] + "\n" + STORY[1] + "\n\n相关文章\n"

# Characters that break naive text code: controls, NUL, zero-width and bidi
# marks, ZWJ emoji, odd line separators, lone surrogates, private use, tags.
AWKWARD = [
    "\x00", "\x01", "\x07", "\x7f", "\x1b[31m", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u034f",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇨🇳", "👍🏽", "\ud800", "\udfff", "\udc80", "\ud83d",
    "\ufffd", "\U0010ffff", "\U000e0001", "\ue000", "ß", "ﬁ", "İ", "Ⅻ", "㍿",
]
BREAKS = ["\n", "\r\n", "\r", "\n\n", "\r\r\n", " \n", "\r\n\r\n"]
FRAGMENTS = STORY[:6] + SPAM_LINES + [
    "迪士尼彩乐园", "热点资讯", "相关文章", "发布日期:2025-03-02 10:15 点击次数:88", "排版:小王", "常见问题", "吗?",
    "一区二区", "- ", "| ", "3.2", "http://a.cn/?x=1&y=2", "D.A. ", "。", "!", "?", "…", ".", "“", "”", "》", "(",
    "好意思元", "东说念主",
]
_PIECE = st.one_of(
    st.sampled_from(AWKWARD + BREAKS + FRAGMENTS),
    st.text(st.characters(exclude_categories=()), max_size=8),  # surrogates included
    st.tuples(st.sampled_from(AWKWARD + BREAKS + FRAGMENTS), st.integers(2, 300)).map(lambda t: t[0] * t[1]),
)
#: arbitrary pages built from awkward pieces, spam, chrome and news
pages = st.lists(_PIECE, max_size=40).map("".join)

_NOISE = ["", "", " ", "\u3000", "\t", "\u200b", "\u200d", "\u200e", "\u202e", "\u2066", "\u2069", "\ufeff",
          "👨\u200d👩\u200d👧", "🇨🇳", "\u00ad"]
#: a news story with awkward formatting and nothing to remove
articles = st.lists(
    st.tuples(st.sampled_from(_NOISE), st.sampled_from(STORY), st.sampled_from(_NOISE), st.sampled_from(BREAKS + ["", ""])),
    min_size=1, max_size=len(STORY), unique_by=lambda t: t[1],
).map(lambda parts: "".join(a + s + b + c for a, s, b, c in parts))


def check_clean(text: str) -> None:
    """clean never raises; output is a subsequence of the input; idempotent; no verdict, no change."""
    report = textclean.clean_and_explain(text)
    out = report.cleaned
    assert is_subsequence(out, text)
    for v in report.verdicts:
        assert 0 <= v.start < v.end <= len(text), v
    if not report.verdicts:
        assert out == text
    assert textclean.clean(out) == out


# rule files: TOML built from regex fragments and wrong-typed values
_REGEX_BITS = [
    "(", ")", "[", "]", "{", "}", "{2,3}", "{99999999999}", "{4294967294}", "{100000}", "*", "+", "?", "|", "^", "$",
    "\\", "\\L<spam_brands>", "\\L<x>", "\\L<", "(?P<span>", "(?P<a>", "(?", "(?:", "\\p{Han}", "\\p{", "\\d", "\\w",
    "\\s", "a", "娱乐", "娛", ".", "(?i)", "(?<=a)", "(?=a)", "\\1", "\\g<span>", "(?(1)a|b)", "\\N{", "\\x", "\\u12",
    "\\U0010ffff", "\\0", "(?V1)", "(?r)", "[[:alpha:]]", "\x00", "'", '"', "\n", "\ud800",
]


def _toml_str(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF:
            out.append(f"\\u{ord(c):04x}" if c not in '"\\' else "\\" + c)
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


_PATTERN = st.lists(st.sampled_from(_REGEX_BITS), max_size=12).map("".join)
_VALUE = st.one_of(
    st.text(max_size=10).map(_toml_str), _PATTERN.map(_toml_str), st.integers(-5, 10**20).map(str),
    st.sampled_from(["true", "1.5", "[]", '["a", ""]', '["a", 1]', "{}", "nan", "inf", '"line"', '"span"',
                     '"sentence"', '"spam"', '"first"', '"last"']),
)
_ENTRY = st.dictionaries(
    st.sampled_from(["id", "label", "scope", "pattern", "position", "max_chars", "description", "match", "no_match", "x"]),
    _VALUE, max_size=9,
).map(lambda d: "[[rule]]\n" + "".join(f"{k} = {v}\n" for k, v in d.items()))
_GOOD_ENTRY = st.tuples(
    st.text(min_size=1, max_size=5), st.sampled_from(["spam", "porn", "boilerplate"]),
    st.sampled_from(["line", "span", "sentence"]), _PATTERN, st.sampled_from(["", "max_chars = 3\n", "position = 'first'\n"]),
).map(lambda t: f"[[rule]]\nid = {_toml_str(t[0])}\nlabel = '{t[1]}'\nscope = '{t[2]}'\npattern = {_toml_str(t[3])}\n{t[4]}")
_LISTS = st.dictionaries(
    st.sampled_from(["x", "spam_brands", "y z", "a.b", "", "flags", "pattern", "9x"]),
    st.lists(st.text(max_size=4), max_size=3), max_size=2,
).map(lambda d: "[lists]\n" + "".join(f"{_toml_str(k)} = [{', '.join(map(_toml_str, v))}]\n" for k, v in d.items()))
#: rule-file text: mostly near-valid TOML, sometimes junk
rule_files = st.one_of(
    st.tuples(st.one_of(st.just(""), _LISTS), st.lists(st.one_of(_ENTRY, _GOOD_ENTRY), max_size=3))
    .map(lambda t: t[0] + "\n".join(t[1])),
    st.text(max_size=60),
    st.sampled_from(["rule = 3", "rule = [1]", "lists = 3", "[[rule]]\n[rule.x]\n", "a = " + "[" * 5000]),
)
_RULE_PROBES = ["", "a", "娱乐城 新闻\n- 金沙彩乐园网址 x\r\n", "aaaa" * 20 + "!", "\ud800\n\n"]


def check_rule_file(data: str) -> None:
    """A rule file loads or fails with a RuleError naming it; what loads, runs (or times out naming the rule)."""
    try:
        ruleset = parse_rules(data, "fuzz.toml", base_lists=_default_lists())
    except RuleError as exc:
        assert "fuzz.toml" in str(exc)
        return
    config = textclean.Config(rules=ruleset, use_model=False, offtopic=False, rule_timeout=0.5)
    for text in _RULE_PROBES:
        try:
            check_clean_with(text, config)
        except RuleTimeoutError as exc:
            assert "fuzz.toml, rule " in str(exc)


def _default_lists():
    from textclean.rules import _default_lists as lists

    return lists()


def check_clean_with(text: str, config: textclean.Config) -> None:
    out = textclean.clean(text, config=config)
    assert is_subsequence(out, text)


# JSONL input: lines of valid records, broken JSON, non-UTF-8 bytes, odd values
_TEXT_VALUES = st.one_of(pages, st.sampled_from(STORY + SPAM_LINES))
_RECORD = st.fixed_dictionaries(
    {"id": st.integers()}, optional={"text": st.one_of(_TEXT_VALUES, st.integers(), st.none(), st.lists(st.integers(), max_size=2))}
).map(lambda d: json.dumps(d, ensure_ascii=_needs_escapes(d)).encode("utf-8"))


def _needs_escapes(record: dict) -> bool:
    # a lone surrogate can only travel as a \\u escape
    return any(0xD800 <= ord(c) <= 0xDFFF for c in str(record.get("text", "")))


_BAD_LINE = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"{not json", b"[1, 2]", b"3", b'"str"', b"null", b"\xff\xfe\x00bad", b"\xef\xbb\xbf{\"text\": \"bom\"}",
                     b'{"text": "a", "text": "b"}', b'{"text": NaN}', b"[" * 5000, b'{"n": ' + b"9" * 5000 + b"}",
                     b'{"text": "\\ud800 lone"}', b'{"text": "\\u0000nul"}', b" ", b"\t\r"]),
)
#: JSONL files as a list of lines (without their line breaks)
jsonl_lines = st.lists(st.one_of(_RECORD, _BAD_LINE), max_size=12)


def _join_lines(lines: list[bytes], crlf: bool, final_newline: bool) -> bytes:
    lines = [line.replace(b"\n", b"") for line in lines]
    sep = b"\r\n" if crlf else b"\n"
    return sep.join(lines) + (sep if final_newline and lines else b"")


def check_jsonl_reader(data: bytes) -> None:
    """The reader never raises; every non-blank line comes back as a record or an error with its number."""
    recs = list(iter_jsonl(io.BytesIO(data)))
    assert b"".join(r.raw for r in recs) == data
    for n, r in enumerate(recs, 1):
        assert r.number == n
        if r.raw.strip():
            assert (r.record is None) != (r.error is None)
            assert r.record is None or isinstance(r.record, dict)


def check_cli_jsonl(data: bytes, *extra: str) -> None:
    """``clean --jsonl`` accounts for every line: cleaned, or passed through byte for byte with an error."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        src.write_bytes(data)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["clean", "--jsonl", str(src), "-o", str(dst), *extra])
        lines_in = [line for line in data.split(b"\n") if line.strip()]
        lines_out = dst.read_bytes().split(b"\n")
        assert lines_out[-1] == b"" and len(lines_out) - 1 == len(lines_in)
        failed = 0
        for raw, out in zip(lines_in, lines_out):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError):
                obj = None
            if not isinstance(obj, dict):
                assert out == raw + (b"" if raw.endswith(b"\n") else b"")
                failed += 1
                continue
            got = json.loads(out.decode("utf-8"))  # every record written is valid UTF-8 JSON
            if "textclean_error" in got:
                failed += 1
                assert got.get("text") == obj.get("text") or not isinstance(obj.get("text"), str)
            else:
                assert isinstance(got["text"], str) and is_subsequence(got["text"], obj["text"])
        summary = err.getvalue().strip().splitlines()[-1]
        assert f"{len(lines_in)} records read, {len(lines_in)} written" in summary
        assert summary.endswith(f"{failed} failed")
        assert code == (1 if failed else 0)
        assert [p.name for p in Path(tmp).iterdir()] in (["in.jsonl", "out.jsonl"], ["out.jsonl", "in.jsonl"])


# ------------------------------------------------------ 1. property tests ---

@_settings(150)
@given(pages)
def test_property_clean_on_hostile_pages(text):
    check_clean(text)


@_settings(100)
@given(articles)
def test_property_nothing_to_remove_comes_back_byte_identical(text):
    assert textclean.clean(text) == text


@_settings(40)
@given(articles, st.sampled_from(SPAM_LINES), st.sampled_from(BREAKS))
def test_property_spam_line_goes_and_the_story_stays(story, spam, brk):
    page = spam + brk + story
    out = textclean.clean(page)
    assert spam not in out and is_subsequence(out, page)
    assert all(s in out for s in STORY if s in story)


@pytest.mark.parametrize(
    "text",
    [
        "\ud800",  # found by the fuzz run: scorers encode the key to UTF-32
        "a\udfff\n\ud800b",
        "本地企业宣布投资建设新工厂\ud83d。" * 60,  # long enough for the off-topic scorer
        "- 金沙彩乐园网址\udc80 城市夜跑活动\n" + STORY[0],
        "\x00" * 1000 + "\n" + "\x00",
        "\r" * 500 + "\n" * 500,
        "\u202e" + STORY[0] + "\u202c\r\n",
        "👨\u200d👩\u200d👧\u200d👦" * 500,
        "\ufeff" + STORY[0],
    ],
    ids=["lone-high", "lone-mixed", "surrogate-offtopic", "surrogate-in-spam", "nul", "cr-lf-runs", "bidi", "zwj", "bom"],
)
def test_regression_awkward_text(text):
    check_clean(text)


def test_surrogate_page_is_cleaned_like_its_replacement():
    # the surrogate is kept in the output but scored as U+FFFD
    page = "- 金沙彩乐园网址 城市夜跑活动\n" + STORY[0] + "\ud800\n"
    assert textclean.clean(page) == STORY[0] + "\ud800\n"


# ------------------------------------------------- 2. fuzz targets in CI ---

@_settings(300)
@given(rule_files)
def test_property_rule_loader(data):
    check_rule_file(data)


@_settings(300)
@given(st.lists(st.one_of(_RECORD, _BAD_LINE), max_size=12), st.booleans(), st.booleans())
def test_property_jsonl_reader(lines, crlf, final):
    check_jsonl_reader(_join_lines(lines, crlf, final))


@_settings(40)
@given(jsonl_lines, st.booleans(), st.booleans())
def test_property_cli_jsonl_accounts_for_every_line(lines, crlf, final):
    check_cli_jsonl(_join_lines(lines, crlf, final))


# ------------------------------------------------------- 3. hostile inputs ---

def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def _linear(small_s: float, big_s: float, factor: int) -> bool:
    # factor x the input may cost at most ~3x factor the time (noise on a shared
    # 2-core machine); quadratic code would cost factor**2
    return big_s < 3 * factor * max(small_s, 0.05)


def test_many_lines_are_linear():
    page = "\n".join(STORY * 4) + "\n"  # 88 lines
    small, big = page * 12, page * 120  # ~1k and ~10k lines
    out_small, t_small = _timed(textclean.clean, small)
    out_big, t_big = _timed(textclean.clean, big)
    assert out_small == small and out_big == big
    assert _linear(t_small, t_big, 10), (t_small, t_big)


def test_all_spam_page_comes_back_empty():
    page = "\n".join(SPAM_LINES * 2000) + "\n"  # 6000 spam lines, nothing else
    out, seconds = _timed(textclean.clean, page)
    assert out.strip() == ""
    assert textclean.clean(out) == out
    assert seconds < 60


def test_giant_repeated_brand_is_linear():
    small = STORY[0] + "迪士尼彩乐园" * 2_000 + STORY[1]
    big = STORY[0] + "迪士尼彩乐园" * 20_000 + STORY[1]
    out_small, t_small = _timed(textclean.clean, small)
    out_big, t_big = _timed(textclean.clean, big)
    for out, page in ((out_small, small), (out_big, big)):
        assert is_subsequence(out, page) and "迪士尼彩乐园" not in out
        assert textclean.clean(out) == out
    assert _linear(t_small, t_big, 10), (t_small, t_big)


# "\n", " \n" and "-\n" runs made line rules quadratic (^[\s-]* ran to the page end
# from every line) until rules were kept on their line: 20 KB hit the 2 s timeout
@pytest.mark.parametrize("unit", ["。", "!", "?", "……", ". ", "!?", "——", "=", "\n", " \n", "-\n", "|\n", "\u3000", "??\r\n"])
def test_repeated_punctuation_is_linear_and_kept(unit):
    small, big = unit * 10_000, unit * 100_000
    out_small, t_small = _timed(textclean.clean, small)
    out_big, t_big = _timed(textclean.clean, big)
    assert out_small == small and out_big == big
    assert _linear(t_small, t_big, 10), (unit, t_small, t_big)


def _user_rules(tmp_path: Path, body: str, name: str = "mine.toml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


SLOW_RULE = "[[rule]]\nid = 'slow'\nlabel = 'spam'\nscope = 'line'\npattern = '(a|aa)+$'\n"


def test_catastrophic_rule_on_a_long_page_fails_fast_naming_file_and_rule(tmp_path):
    path = _user_rules(tmp_path, SLOW_RULE)
    config = textclean.Config(rules=load_rules(path), rule_timeout=0.3)
    page = (STORY[0] + "\n") * 2_000 + "a" * 40 + "!\n"  # ~80k characters
    t0 = time.perf_counter()
    with pytest.raises(RuleTimeoutError) as err:
        textclean.clean(page, config=config)
    assert time.perf_counter() - t0 < 10
    assert str(path) in str(err.value) and "'slow'" in str(err.value) and "rule_timeout" in str(err.value)


# --------------------------------------------------------- 4. rule files ---

@pytest.mark.parametrize(
    "pattern,problem",
    [
        ("(?V1)a", "bad pattern"),  # regex raised ValueError, not regex.error (fuzz)
        ("(?:" * 2000 + "a" + ")" * 2000, "bad pattern"),  # RecursionError in the compiler
        ("(?:ab|c){100000}", "repeat count 100000"),  # 1M of these segfaulted the compiler
        ("(?:a{1000}){1000}", "unrolls"),
        ("a" * 20_000, "characters"),  # compile time grows faster than linearly
        ("a*", "match empty"),
        ("(?=相关)", "match empty"),
        ("\\b", "match empty"),
        # the fuzz run: "\N{{4294967294}" is \N, "{" and a repeat, not a named character;
        # read as a name it hid the repeat and the compile took 24 GB (OOM killer)
        ("\\N{{100000}", "repeat count 100000"),
        ("[[:](?:(?:a{200}){200}):]", "unrolls"),  # "[[:" is not a POSIX class here
        ("(?#[)(?:(?:a{200}){200})]", "unrolls"),  # nor is a "[" in a comment a class
        ("(?x)a # [\nb{100} ]", "verbose"),
    ],
    ids=["version1", "nesting", "unrolled", "nested-repeat", "long", "star", "lookahead", "boundary",
         "bad-name-escape", "not-posix", "comment", "verbose"],
)
def test_rule_patterns_that_would_crash_or_hog_fail_at_load(pattern, problem):
    body = f"[[rule]]\nid = 'r1'\nlabel = 'spam'\nscope = 'line'\npattern = {_toml_str(pattern)}\n"
    t0 = time.perf_counter()
    with pytest.raises(RuleError) as err:
        parse_rules(body, "mine.toml")
    assert time.perf_counter() - t0 < 2
    assert "mine.toml, rule 'r1'" in str(err.value) and problem in str(err.value)


def test_unrolled_size_counts_nested_repeats():
    assert _unrolled_size("a{4294967294}") > 10**8  # compiling it took 13 GB
    assert _unrolled_size("(?:ab|c){1000000}") > 10**6
    assert _unrolled_size(r"\p{Han}{2,5}") == 2
    assert _unrolled_size("a{0,1000000}") == 1  # a range stays a loop
    assert _unrolled_size("[{]{5}") == 5
    from textclean.rules import MAX_UNROLLED, default_rules

    assert max(_unrolled_size(r.pattern.pattern) for r in default_rules()) < MAX_UNROLLED / 10


def _shipped_patterns():
    """(rule, the pattern as written in rules.toml, compiled without the line-local rewrite)."""
    import regex

    from textclean.rules import _LIST_REF, _default_text, default_rules

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    raw = {e["id"]: e["pattern"] for e in tomllib.loads(_default_text())["rule"]}
    lists = _default_lists()
    for rule in default_rules():
        text = raw[rule.id]
        used = {k: lists[k] for k in set(_LIST_REF.findall(text))}
        yield rule, regex.compile(text, regex.MULTILINE | regex.VERSION0, **used)


_LINES = FRAGMENTS + STORY + AWKWARD + [
    "  • 阅读 387  ", "| 首页 | 新闻 | 体育 |", "2025-03-02 10:15", "责任编辑:小王 ", "(记者：王明)", "来源:新华社",
    "当前位置:首页 > 新闻 > 正文", "上一篇:城市夜跑", "- 金沙彩乐园网址\t", "\u3000\u3000 相关文章 \u3000",
]


def test_line_local_rules_match_as_written_within_a_line():
    # keeping classes on their line must change nothing inside one line
    lines = [line for line in _LINES if "\n" not in line and "\r" not in line]
    for rule, written in _shipped_patterns():
        for line in lines:
            key = fold(line)
            a, b = written.search(key), rule.pattern.search(key)
            assert (a and a.span()) == (b and b.span()), (rule.id, line)


def test_line_local_rules_never_match_a_line_break():
    page = fold("\n".join(_LINES) + "\n\n \n-\n|\n" + "\r\n".join(SPAM_LINES))
    for rule, _ in _shipped_patterns():
        for m in rule.pattern.finditer(page):
            assert "\n" not in m.group(), (rule.id, m.group())


def test_line_local_rewrite_keeps_explicit_line_breaks():
    from textclean.rules import _line_local

    assert _line_local(r"^[\s\-]*x\s*$") == r"^[\t\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\-]*x[^\S\n]*$"
    assert _line_local(r"[^。]\W\D\P{Han}\pL") == r"[^。\n][^\w\n][^\d\n][^\p{Han}\n]\pL"
    assert _line_local(r"a\n[\n]\w\S\d") == r"a\n[\n]\w\S\d"  # said on purpose, or cannot match one
    assert _line_local(r"\X") == r"(?:(?!\n)\X)"


@pytest.mark.parametrize(
    "body,problem",
    [
        ("a = " + "[" * 5000, "nested too deeply"),
        ("[lists]\nflags = ['a']\n", "list name 'flags'"),
        ("[lists]\n'two words' = ['a']\n", "list name 'two words'"),
        ("[[rule]]\nid = 'x'\nlabel = 'spam'\nscope = 'line'\npattern = 'a'\nmax_chars = true\n", "max_chars"),
        ("[[rule]]\nid = 'x'\nlabel = 'spam'\nscope = 'line'\npattern = 'a'\nposition = ['first']\n", "position"),
        ("[[rule]]\nid = 'x'\nlabel = 'spam'\nscope = 'line'\npattern = 'a'\nmatch = 'one'\n", "'match' must be"),
        ("rule = 3", "[[rule]] tables"),
        ("[[rule]]\nlabel = 'spam'\n", "string id"),
    ],
)
def test_malformed_rule_files_name_file_and_problem(tmp_path, body, problem):
    path = _user_rules(tmp_path, body)
    with pytest.raises(RuleError) as err:
        load_rules(path)
    assert str(err.value).startswith(str(path)) and problem in str(err.value)


def test_rule_file_list_budget_fails_before_compiling(tmp_path):
    words = ", ".join(f"'词{i}'" for i in range(MAX_LIST_ENTRIES + 1))
    rule = "[[rule]]\nid = 'huge'\nlabel = 'spam'\nscope = 'span'\npattern = '\\L<many>'\n"
    path = _user_rules(tmp_path, f"[lists]\nmany = [{words}]\n{rule}")
    t0 = time.perf_counter()
    with pytest.raises(RuleError, match="rule 'huge': .* keyword-list entries"):
        load_rules(path)
    assert time.perf_counter() - t0 < 10  # compiling the list took ~30 s


def test_rule_file_not_utf8_too_big_or_not_a_file(tmp_path):
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes("[lists]\nx = ['娱乐城']\n".encode("gb18030"))
    with pytest.raises(RuleError, match="gbk.toml: rule file is not UTF-8"):
        load_rules(gbk)
    big = tmp_path / "big.toml"
    with open(big, "wb") as fh:
        fh.truncate(17 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(RuleError, match="big.toml: rule file is .* bytes, more than"):
        load_rules(big)
    with pytest.raises(RuleError, match="not a regular file"):
        load_rules(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_rule_file_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    worker = threading.Thread(target=lambda: _catch(result, load_rules, fifo), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("load_rules blocked reading a FIFO")
    assert isinstance(result[0], RuleError) and "not a regular file" in str(result[0])


def _catch(sink: list, fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        sink.append(exc)


# -------------------------------------------------------- 4. model files ---

needs_model = pytest.mark.skipif(not (SHIPPED_MODEL / "card.json").is_file(), reason="no shipped spam model")


def _model_copy(tmp_path: Path) -> Path:
    d = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL, d)
    return d


def _edit_card(d: Path, **changes) -> None:
    card = json.loads((d / "card.json").read_text(encoding="utf-8"))
    card.update(changes)
    (d / "card.json").write_text(json.dumps(card), encoding="utf-8")


@needs_model
@pytest.mark.parametrize(
    "changes,problem",
    [
        ({"format_version": True}, "format_version"),
        ({"format_version": 0}, "format_version"),
        ({"format_version": FORMAT_VERSION + 1}, "newer than supported"),
        ({"ngram": [0, 3]}, "ngram"),  # loaded, then crashed every clean
        ({"ngram": [3, 1]}, "ngram"),
        ({"ngram": [1, 100000]}, "ngram"),  # one featurisation pass per n
        ({"n_features": 10**12}, "n_features"),
        ({"n_features": "524288"}, "n_features"),
        ({"thresholds": {"span": "high"}}, "thresholds"),
        ({"hash": "md5"}, "unknown feature hash"),
    ],
)
def test_incompatible_model_card_names_the_card(tmp_path, changes, problem):
    d = _model_copy(tmp_path)
    _edit_card(d, **changes)
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(err.value).startswith(str(d / "card.json")) and problem in str(err.value)


@needs_model
@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", "\u00e9".encode("latin-1"), b"[" * 100_000])
def test_corrupt_model_card(tmp_path, content):
    d = _model_copy(tmp_path)
    (d / "card.json").write_bytes(content)
    with pytest.raises(ModelError, match="card.json"):
        load_model(d)


class _Payload:
    marker: Path

    def __reduce__(self):
        return (self.marker.write_text, ("code ran",))


@needs_model
@pytest.mark.parametrize("kind", ["raw-pickle", "npy-not-npz", "text"])
def test_crafted_weights_file_is_refused_and_nothing_runs(tmp_path, kind):
    d = _model_copy(tmp_path)
    marker = tmp_path / "pwned"
    _Payload.marker = marker
    weights = d / "weights.npz"
    if kind == "raw-pickle":
        weights.write_bytes(pickle.dumps(_Payload()))
    elif kind == "npy-not-npz":
        with open(weights, "wb") as fh:  # np.load returned an array, not an archive
            np.save(fh, np.zeros(3))
    else:
        weights.write_text("unit_coef = [0.1, 0.2]", encoding="utf-8")
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(weights) in str(err.value) and not marker.exists()


@needs_model
def test_weights_member_that_inflates_past_a_model_is_refused(tmp_path):
    d = _model_copy(tmp_path)
    n = json.loads((d / "card.json").read_text(encoding="utf-8"))["n_features"]
    # twice the data a valid model can hold, compressed to almost nothing
    np.savez_compressed(d / "weights.npz", unit_coef=np.zeros(4 * n), span_coef=np.zeros(n), params=np.zeros(6))
    with pytest.raises(ModelError, match="inflate beyond"):
        load_model(d)


@needs_model
def test_model_dir_that_is_a_file_or_has_a_fifo(tmp_path):
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(ModelError, match="card.json"):
        load_model(f)
    if hasattr(os, "mkfifo"):
        d = _model_copy(tmp_path)
        (d / "weights.npz").unlink()
        os.mkfifo(d / "weights.npz")
        with pytest.raises(ModelError, match="weights.npz: weights file is not a regular file"):
            load_model(d)


@needs_model
def test_cli_bad_model_is_a_usage_error_naming_the_file(tmp_path, capsys):
    d = _model_copy(tmp_path)
    (d / "weights.npz").write_bytes(b"PK\x03\x04 truncated")
    page = tmp_path / "p.txt"
    page.write_text(STORY[0], encoding="utf-8")
    assert main(["clean", "--model", str(d), str(page)]) == 2
    err = capsys.readouterr().err
    assert str(d / "weights.npz") in err and "Traceback" not in err


# --------------------------------------------------- 5. CLI data safety ---

def _tmp_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def _jsonl(tmp_path: Path, n: int = 6) -> Path:
    src = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": i, "text": SPAM_LINES[i % 3] + "\n" + STORY[i % len(STORY)]}, ensure_ascii=False) for i in range(n)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return src


def _interrupt_at(monkeypatch, record: int, exc: type[BaseException]) -> None:
    import textclean.cli as cli

    real = cli._clean_handle

    def handle_factory(*args):
        handle = real(*args)
        seen = [0]

        def handle_then_die(obj, text):
            seen[0] += 1
            if seen[0] == record:
                raise exc()
            handle(obj, text)

        return handle_then_die

    monkeypatch.setattr(cli, "_clean_handle", handle_factory)


def test_interrupted_jsonl_run_leaves_old_output_and_no_temp(tmp_path, monkeypatch):
    src = _jsonl(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("previous run\n", encoding="utf-8")
    _interrupt_at(monkeypatch, 4, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        main(["clean", "--jsonl", str(src), "-o", str(out)])
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert _tmp_files(tmp_path) == []


def test_in_place_keeps_the_original_when_interrupted_or_failing(tmp_path, monkeypatch, capsys):
    src = _jsonl(tmp_path)
    before = src.read_bytes()
    _interrupt_at(monkeypatch, 2, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        main(["clean", "--jsonl", "--in-place", str(src)])
    assert src.read_bytes() == before and _tmp_files(tmp_path) == []

    page = tmp_path / "page.txt"
    page.write_text("a" * 40 + "!\n", encoding="utf-8")
    rules = _user_rules(tmp_path, SLOW_RULE)
    # text mode: a rule timeout is a one-line error, exit 1, the page untouched
    code = main(["clean", "--in-place", "--rules", str(rules), "--no-model", str(page)])
    err = capsys.readouterr().err
    assert code == 1 and "'slow'" in err and "Traceback" not in err
    assert page.read_text(encoding="utf-8") == "a" * 40 + "!\n" and _tmp_files(tmp_path) == []


def test_sigterm_mid_run_leaves_no_partial_output(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "textclean", "clean", "--jsonl", "-", "-o", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    try:
        proc.stdin.write((json.dumps({"text": STORY[0]}, ensure_ascii=False) + "\n").encode())
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not _tmp_files(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tmp_files(tmp_path), "the run never opened its temp file"
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    finally:
        proc.kill()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    assert code == 128 + signal.SIGTERM
    assert not out.exists() and _tmp_files(tmp_path) == []


def test_atomic_output_keeps_permissions_and_symlinks(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(SPAM_LINES[0] + "\n" + STORY[0] + "\n", encoding="utf-8")
    src.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(src)
    assert main(["clean", "--in-place", str(link)]) == 0
    assert link.is_symlink() and src.read_text(encoding="utf-8") == STORY[0] + "\n"
    assert stat.S_IMODE(src.stat().st_mode) == 0o640  # mkstemp alone made it 0600
    out = tmp_path / "new.txt"
    assert main(["clean", str(src), "-o", str(out)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_jsonl_non_utf8_and_surrogate_records(tmp_path, capsys):
    good = json.dumps({"id": 1, "text": SPAM_LINES[0] + "\n" + STORY[0]}, ensure_ascii=False).encode()
    latin = b'{"id": 2, "text": "caf\xe9"}'  # Latin-1, not UTF-8
    lone = b'{"id": 3, "text": "\\ud800' + STORY[1].encode() + b'"}'
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join([good, latin, lone]) + b"\n")
    dst = tmp_path / "out.jsonl"
    code = main(["clean", "--jsonl", str(src), "-o", str(dst)])
    captured = capsys.readouterr()
    out = dst.read_bytes().split(b"\n")
    assert code == 1
    assert out[1] == latin  # passed through byte for byte (it crashed the writer)
    assert json.loads(out[2])["text"] == "\ud800" + STORY[1]  # written as a \u escape
    assert json.loads(out[0])["text"] == STORY[0]
    assert f"{src}:2: not UTF-8" in captured.err
    assert "3 records read, 3 written, 1 changed, 1 failed" in captured.err


def test_jsonl_deep_nesting_and_huge_ints_do_not_stop_the_stream(tmp_path, capsys):
    lines = [b"[" * 5000, b'{"n": ' + b"9" * 5000 + b"}", json.dumps({"text": STORY[0]}, ensure_ascii=False).encode()]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["clean", "--jsonl", str(src)]) == 1
    captured = capsys.readouterr()
    assert captured.out.encode().split(b"\n")[:3] == lines[:2] + [lines[2]]
    assert ":1: invalid JSON (nested too deeply)" in captured.err and ":2: invalid JSON" in captured.err
    assert "3 records read, 3 written, 0 changed, 2 failed" in captured.err


def test_broken_pipe_ends_quietly(tmp_path):
    src = tmp_path / "many.jsonl"
    row = json.dumps({"text": STORY[0] + STORY[1]}, ensure_ascii=False)
    src.write_text((row + "\n") * 5_000, encoding="utf-8")  # ~1 MB: more than a pipe buffers
    proc = subprocess.Popen(
        [sys.executable, "-m", "textclean", "clean", "--jsonl", "--no-model", "--no-offtopic", str(src)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(120) == 0
    assert json.loads(first)["text"] == STORY[0] + STORY[1]
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err


# ------------------------------------------------------ 6. concurrency ---

def test_eight_threads_sharing_one_config_match_serial(tmp_path):
    rules = _user_rules(tmp_path, "[lists]\nmine = ['宇宙娱乐']\n[[rule]]\nid = 'mine'\nlabel = 'spam'\nscope = 'span'\npattern = '\\L<mine>'\n")
    model = load_model() if (SHIPPED_MODEL / "card.json").is_file() else None
    config = textclean.Config(rules=load_rules(rules), model=model)
    docs = [SPAM_PAGE, SPAM_PAGE.replace("\n", "\r\n"), "市场回暖,宇宙娛樂消费者信心上升。", "\n".join(STORY), "\ud800" + STORY[2]]
    docs += ["\n".join(SPAM_LINES[: i % 3 + 1] + STORY[i : i + 5]) for i in range(0, 15)]
    serial = [textclean.clean(d, config=config) for d in docs]
    work = [i for _ in range(8) for i in range(len(docs))]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(lambda i: textclean.clean(docs[i], config=config), work))
    assert threaded == [serial[i] for i in work]


_FIRST_USE = r"""
import sys, threading
sys.path.insert(0, sys.argv[1])
import textclean
docs = sys.argv[2:]
results, errors = {}, []
barrier = threading.Barrier(8)
def run(k):
    try:
        barrier.wait()  # every thread hits the lazy loaders at once
        results[k] = [textclean.clean(d) for d in docs]
    except BaseException as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
serial = [textclean.clean(d) for d in docs]
assert not errors, errors
assert all(r == serial for r in results.values()), "threads disagree with the serial run"
print("ok")
"""


def test_lazy_first_use_from_eight_threads_at_once():
    # a fresh process: the fold table, rules and models load on first use
    docs = [SPAM_PAGE, "\n".join(STORY), "- 九遊會官網 今日頭條\n" + STORY[6]]
    proc = subprocess.run([sys.executable, "-c", _FIRST_USE, str(ROOT), *docs], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_clean_many_on_worker_processes_matches_serial_on_awkward_text():
    from textclean.parallel import clean_many

    texts = [SPAM_PAGE, "\ud800" + STORY[0], "\x00" * 100, "-\n" * 5_000, "👨\u200d👩\u200d👧" + SPAM_LINES[2], ""] * 3
    assert list(clean_many(texts, workers=2, chunksize=2)) == [textclean.clean(t) for t in texts]


def test_cli_workers_survive_bad_records_and_match_serial(tmp_path, capsys):
    rules = _user_rules(tmp_path, SLOW_RULE)
    lines = [
        json.dumps({"id": 0, "text": SPAM_LINES[0] + "\n" + STORY[0]}, ensure_ascii=False).encode(),
        b"\xff\xfe not utf-8",
        json.dumps({"id": 2, "text": "a" * 40 + "!"}).encode(),  # the user rule times out on this one
        b'{"id": 3, "text": "\\udfff' + STORY[3].encode() + b'"}',
        b"[" * 5000,
        json.dumps({"id": 5, "text": STORY[5]}, ensure_ascii=False).encode(),
    ]
    src = tmp_path / "in.jsonl"
    records = lines + [line for line in lines if line != lines[2]] * 2  # one slow record: 2 s each run
    src.write_bytes(b"\n".join(records) + b"\n")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        code = main(["clean", "--jsonl", "--workers", workers, "--rules", str(rules), str(src), "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 1 and "16 records read, 16 written, 3 changed, 7 failed" in err
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    got = outputs[0].split(b"\n")
    assert got[1] == lines[1] and got[4] == lines[4]
    assert "RuleTimeoutError" in json.loads(got[2])["textclean_error"]
    assert json.loads(got[3])["text"] == "\udfff" + STORY[3]
    assert json.loads(got[5])["text"] == STORY[5] and json.loads(got[15])["text"] == STORY[5]

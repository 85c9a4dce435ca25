from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textclean
from conftest import is_subsequence
from textclean.document import prepare
from textclean import clean, clean_and_explain
from textclean.rebuild import rebuild

SPAM_PAGE = (
    "热点资讯\n- 金沙彩乐园网址 城市夜跑活动\n- 金沙彩乐园官网 汽车下乡活动\n\n"
    "本地企业宣布投资建设新工厂,迪士尼彩乐园预计明年投产。\n\n相关文章\n"
)


@pytest.mark.parametrize("bad", [None, b"bytes", 3, 2.5, ["list"]])
def test_non_str_raises_type_error_saying_what_to_pass(bad):
    with pytest.raises(TypeError) as err:
        textclean.clean(bad)
    assert "str" in str(err.value)
    if isinstance(bad, bytes):
        assert "decode" in str(err.value)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\r\n", " \t\u3000\n"])
def test_empty_and_whitespace_come_back_unchanged(text):
    assert textclean.clean(text) == text


def test_report_offsets_point_into_the_input():
    report = textclean.clean_and_explain(SPAM_PAGE)
    removed = [SPAM_PAGE[v.start : v.end] for v in report.verdicts]
    assert "迪士尼彩乐园" in removed
    assert any(r.startswith("- 金沙彩乐园网址") for r in removed)
    for v in report.verdicts:
        assert v.signals and v.label in textclean.LABELS


def test_rebuild_of_report_equals_clean():
    report = textclean.clean_and_explain(SPAM_PAGE)
    assert rebuild(prepare(SPAM_PAGE), report.verdicts) == textclean.clean(SPAM_PAGE) == report.cleaned


def test_drop_only_spam_keeps_boilerplate():
    out = textclean.clean(SPAM_PAGE, drop={"spam", "lottery", "porn"})
    assert "相关文章" in out and "金沙彩乐园" not in out


def test_overrides_and_config_merge():
    config = textclean.Config(drop=frozenset({"boilerplate"}))
    out = textclean.clean(SPAM_PAGE, config=config)
    assert "金沙彩乐园" in out and "相关文章" not in out
    assert textclean.clean(SPAM_PAGE, config=config, drop={"spam"}) != out


def test_unknown_override_is_a_clear_error():
    with pytest.raises(TypeError, match="unknown Config option"):
        textclean.clean("x", thresold=0.5)
    with pytest.raises(ValueError, match="unknown labels"):
        textclean.Config(drop=frozenset({"ads"}))


def test_no_blank_line_pileup_where_a_block_went():
    out = textclean.clean(SPAM_PAGE)
    assert out == "本地企业宣布投资建设新工厂,预计明年投产。\n"


def test_crlf_page_keeps_its_line_endings():
    page = SPAM_PAGE.replace("\n", "\r\n")
    assert textclean.clean(page) == "本地企业宣布投资建设新工厂,预计明年投产。\r\n"


def test_traditional_page_stays_traditional():
    page = "- 九遊會官網 今日頭條\n市政府今天公布新的交通計畫。"
    assert textclean.clean(page) == "市政府今天公布新的交通計畫。"


def test_long_single_line_is_linear():
    unit = "本地企业宣布投资建设新工厂,预计明年投产。" * 10
    small, big = unit * 500, unit * 5000  # ~0.3 MB and ~3 MB
    t0 = time.perf_counter()
    assert textclean.clean(small) == small
    t1 = time.perf_counter()
    assert textclean.clean(big) == big
    t2 = time.perf_counter()
    # ten times the text may not cost a hundred times the time (quadratic)
    assert (t2 - t1) < 40 * max(t1 - t0, 1e-3)


_ALPHABET = st.sampled_from(
    list("。!?.\r\n 3-|:") + ["中文", "新闻", "迪士尼彩乐园", "网址", "- ", "相关文章", "常见问题", "吗?", "一区二区", "\u200b", "🇨🇳"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_invariants_on_generated_pages(text):
    out = textclean.clean(text)
    assert is_subsequence(out, text)
    assert textclean.clean(out) == out


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_str(text):
    out = textclean.clean(text)
    assert is_subsequence(out, text)


SPUN = "公司职工说,好意思元走强后,东说念主们更爱储蓄。好意思元汇率上升,东说念主民币承压。"


def test_spun_page_is_flagged_and_restored_only_when_asked():
    report = textclean.clean_and_explain(SPUN)
    assert report.spun and report.cleaned == SPUN and not report.replacements
    restored = textclean.clean_and_explain(SPUN, restore_spun=True)
    assert "美元" in restored.cleaned and "人民币" in restored.cleaned
    assert {r.old for r in restored.replacements} >= {"好意思元", "东说念主"}


def test_clean_page_is_not_flagged_as_spun():
    assert not textclean.clean_and_explain("市政府今天公布新的交通计划,市民反应良好。").spun


# Our own page: an article, then a reading list of other stories' blurbs.
_ARTICLE = (
    "市政府周二公布了新的公共交通规划，计划在未来五年内新增三条地铁线路，并对现有公交网络进行全面优化调整。\n"
    "规划还提出，中心城区的公交专用道将增加一倍，高峰时段的发车间隔缩短到三分钟以内，以缓解通勤压力。\n"
)
_BLURBS = "新能源车企三季度销量创新高，多家企业上调全年目标。央行宣布下调存款准备金率，释放长期资金约一万亿元。"


def test_reading_list_block_after_the_article_goes():
    page = _ARTICLE + "\n延伸阅读\n\n" + _BLURBS + "\n\n本文来源：本报\n"
    report = clean_and_explain(page)
    assert _BLURBS not in report.cleaned
    assert _ARTICLE.strip() in report.cleaned
    why = {s.name for v in report.verdicts if _BLURBS in page[v.start : v.end] for s in v.signals}
    assert why == {"reading-list-block"}


def test_reading_list_block_ends_at_the_blank_line():
    after = "记者还了解到，新线路的施工招标将于明年初启动，首条线路预计三年内建成通车。"
    page = _ARTICLE + "Further Reading\n" + _BLURBS + "\n\n" + after + "\n"
    out = clean(page)
    assert _BLURBS not in out and after in out


def test_reading_list_header_above_the_article_keeps_the_article():
    page = "推荐阅读\n\n" + _ARTICLE
    assert _ARTICLE.strip() in clean(page)


@pytest.mark.parametrize("br", ["\n", "\r\n"])
@pytest.mark.parametrize("final", [False, True])
def test_cleaned_text_ends_like_the_input(br, final):
    body = "正文第一句话写在这里，内容比较长一些。"
    end = br if final else ""
    for tail in (br + "相关文章", br + br + "相关文章", br + "相关文章" + br + "责任编辑:张三"):
        assert clean(body + tail + end) == body + end


def test_text_longer_than_max_chars_is_a_clear_error():
    with pytest.raises(ValueError, match="max_chars"):
        clean("正文" * 6, max_chars=10)
    assert clean("正文" * 6, max_chars=None) == "正文" * 6
    assert clean("正文" * 5, max_chars=10) == "正文" * 5
    with pytest.raises(ValueError, match="max_chars"):
        textclean.Config(max_chars=0)


def test_cli_max_chars(tmp_path, capsys):
    from textclean.cli import main

    page = tmp_path / "p.txt"
    page.write_text("正文" * 6, encoding="utf-8")
    assert main(["clean", "--max-chars", "10", str(page)]) != 0
    assert "max_chars" in capsys.readouterr().err
    assert main(["clean", "--max-chars", "0", str(page)]) == 0
    assert capsys.readouterr().out == "正文" * 6
    records = tmp_path / "r.jsonl"
    records.write_text('{"text": "正文正文正文正文正文正文"}\n{"text": "正文"}\n', encoding="utf-8")
    main(["clean", "--jsonl", "--max-chars", "10", str(records)])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "textclean_error" in out[0] and "textclean_error" not in out[1]


def test_offtopic_is_not_judged_past_offtopic_max_chars():
    # an off-topic sentence in a short article goes; the same page inside a
    # long multi-article text is not judged for it, and the report says why
    page = _ARTICLE * 3 + "湖人队主场以108比99击败勇士队,詹姆斯拿下30分10个篮板和8次助攻。\n" + _ARTICLE
    short = clean_and_explain(page, offtopic_threshold=0.0, offtopic_min_chars=1)
    assert any(v.label == "offtopic" for v in short.verdicts) and not short.notes
    long = clean_and_explain(page, offtopic_threshold=0.0, offtopic_min_chars=1, offtopic_max_chars=len(page) - 1)
    assert not any(v.label == "offtopic" for v in long.verdicts)
    assert "offtopic_max_chars" in long.notes[0]
    with pytest.raises(ValueError, match="offtopic_max_chars"):
        textclean.Config(offtopic_max_chars=-1)


_TEASERS = [
    "2025-07-21 市队宣布新赛季主教练人选,俱乐部表示将在下周举行发布会介绍...",
    "2025-07-20 老将正式宣布退役,他在社交媒体上写道感谢球迷多年来的支持...",
    "2025-07-19 新球场建设进入最后阶段,预计将于今年年底前完成全部工程...",
]


def test_a_run_of_cut_off_teasers_goes():
    page = _ARTICLE + "\n".join(_TEASERS) + "\n"
    report = clean_and_explain(page)
    assert report.cleaned == _ARTICLE
    assert {s.name for v in report.verdicts for s in v.signals} == {"teaser-list"}


def test_two_cut_off_lines_or_a_chinese_ellipsis_stay():
    two = _ARTICLE + "\n".join(_TEASERS[:2]) + "\n"
    assert clean(two) == two
    prose = _ARTICLE + "他停顿了一下,说道:“这件事情……”\n" * 3
    assert clean(prose) == prose


def test_inline_reading_box_in_a_page_without_blank_lines_takes_one_line():
    # no blank lines between paragraphs: the article may go on right after
    # the reading box, so only the line under the header goes
    more = "记者还了解到,新线路的施工招标将于明年初启动,首条线路预计三年内建成通车,沿线居民出行将更加便利。"
    page = _ARTICLE + "相关阅读\n" + _BLURBS + "\n" + more + "\n"
    out = clean(page)
    assert _BLURBS not in out and more in out and _ARTICLE.strip() in out


def test_offtopic_removal_is_judged_again_until_nothing_changes(monkeypatch):
    # removing an off-topic line changes the topic the rest is judged against;
    # a fake scorer makes that explicit: line C is off-topic only once B is gone
    from textclean import pipeline
    from textclean.report import Signal

    def fake(doc, config):
        lines = {doc.text[ln.start : ln.end]: ln for ln in doc.lines}
        flagged = ["B 另一篇文章的句子。"] if "B 另一篇文章的句子。" in lines else ["C 第三篇文章的句子。"]
        return [Signal("coherence", "topic", "offtopic", 0.99, lines[t].start, lines[t].end, "line")
                for t in flagged if t in lines]

    monkeypatch.setattr(pipeline, "coherence_signals", fake)
    text = "A 正文第一句话。\nB 另一篇文章的句子。\nC 第三篇文章的句子。\nD 正文最后一句。\n"
    once = textclean.clean(text, use_model=False)
    assert once == "A 正文第一句话。\nD 正文最后一句。\n"
    assert textclean.clean(once, use_model=False) == once

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from textclean.segment import segment


def _sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text).sentences]


def test_lines_keep_their_own_breaks():
    text = "一\r\n二\r三\n四"
    lines = segment(text).lines
    assert [text[ln.start : ln.stop] for ln in lines] == ["一\r\n", "二\r", "三\n", "四"]
    assert [text[ln.start : ln.end] for ln in lines] == ["一", "二", "三", "四"]


def test_sentence_ends_with_closing_quotes():
    assert _sentences("他说:“好。”然后走了。") == ["他说:“好。”", "然后走了。"]


def test_no_split_inside_numbers_urls_abbreviations():
    text = "增长3.2%,见 https://x.com/a?rc=1 页面。D.A. Davidson 分析师 Mr. Luria 说。"
    assert _sentences(text) == ["增长3.2%,见 https://x.com/a?rc=1 页面。", "D.A. Davidson 分析师 Mr. Luria 说。"]


def test_english_sentences_split_at_full_stop_and_space():
    assert _sentences("It rose in 2026. Then it fell! Why? ok") == ["It rose in 2026. ", "Then it fell! ", "Why? ", "ok"]


def test_ellipsis_and_mixed_terminators():
    assert _sentences("等等……真的吗?!好") == ["等等……", "真的吗?!", "好"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab 。!?.\r\n”3…") + ["中", "x.y"]), max_size=60).map("".join))
def test_segments_tile_the_text(text):
    seg = segment(text)
    assert "".join(text[ln.start : ln.stop] for ln in seg.lines) == text
    for ln in seg.lines:
        parts = [s for s in seg.sentences if s.line == ln.index]
        assert "".join(text[s.start : s.end] for s in parts) == text[ln.start : ln.end]


_TRICKY = list("ab 。!?.\r\n”3…") + ["中", "x.y", "Mr.", " D.A. ", "\u3000", "\t", "?!", "」", "...", " . ", "\r\n", "。”", ".\n", "!\r", "A"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join))
def test_one_scan_equals_line_by_line_segmentation(text):
    from textclean.segment import segment_by_line

    assert segment(text) == segment_by_line(text)


def test_one_scan_equals_line_by_line_on_case_pages():
    from pathlib import Path

    from textclean.segment import segment_by_line

    import json

    pages = [
        json.loads(line)["text"]
        for path in sorted((Path(__file__).parent / "cases").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(pages) > 20
    for text in pages:
        assert segment(text) == segment_by_line(text)

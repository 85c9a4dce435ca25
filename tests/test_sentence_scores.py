"""clean_and_explain(...).sentences: every sentence's scores, for tuning thresholds (issue 5)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from test_coherence import BOX, TECH
from textclean import Config, Verdict, clean, clean_and_explain
from textclean.cli import main
from textclean.segment import segment

CFG = Config()
SPAM = "澳门新葡京娱乐城官方网址，注册就送彩金，百家乐真人在线。"


def test_one_entry_per_sentence_in_order() -> None:
    text = SPAM + "\n" + TECH
    report = clean_and_explain(text, config=CFG)
    assert [(s.start, s.end) for s in report.sentences] == [(s.start, s.end) for s in segment(text).sentences]


def test_pasted_sentence_scores_above_the_threshold_and_the_article_below() -> None:
    report = clean_and_explain(TECH, config=CFG)
    by_text = {TECH[s.start : s.end].strip(): s for s in report.sentences}
    assert by_text[BOX].offtopic >= CFG.offtopic_threshold
    judged = [s.offtopic for t, s in by_text.items() if t != BOX and s.offtopic is not None]
    assert len(judged) >= 10 and max(judged) < CFG.offtopic_threshold
    # the title and the byline are never judged
    assert by_text["星河科技发布新一代人工智能芯片 算力提升三倍"].offtopic is None
    assert by_text["本报记者 林晓"].offtopic is None


def test_spam_scores_come_from_the_classifier() -> None:
    report = clean_and_explain(SPAM + "\n" + TECH, config=CFG)
    first = report.sentences[0]
    assert first.spam is not None and first.spam >= CFG.spam_confirm_threshold
    assert first.offtopic is None  # removed as spam before the off-topic judging
    article = [s.spam for s in report.sentences[1:] if s.spam is not None]
    assert article and max(article) < CFG.spam_confirm_threshold


def test_short_page_has_no_offtopic_scores() -> None:
    report = clean_and_explain("今天天气很好。我们去公园散步，看到很多人在锻炼身体。")
    assert report.sentences and all(s.offtopic is None for s in report.sentences)


def test_scores_change_no_verdict() -> None:
    text = SPAM + "\n" + TECH
    with_scores = clean_and_explain(text, config=CFG)
    without = clean_and_explain(text, config=CFG, scores=False)
    assert without.sentences == ()
    assert with_scores.verdicts == without.verdicts
    assert with_scores.cleaned == without.cleaned == clean(text, config=CFG)
    assert BOX not in with_scores.cleaned


def test_no_model_no_spam_scores() -> None:
    report = clean_and_explain(SPAM + "\n" + TECH, config=CFG.replace(use_model=False))
    assert all(s.spam is None for s in report.sentences)


def test_cli_explain_scores(tmp_path, capsys) -> None:
    page = tmp_path / "page.txt"
    page.write_text(TECH, encoding="utf-8")
    assert main(["explain", "--scores", "--json", str(page)]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["text"].strip(): r for r in out["sentences"]}
    assert rows[BOX]["offtopic"] >= CFG.offtopic_threshold
    assert main(["explain", "--scores", str(page)]) == 0
    table = capsys.readouterr().out
    assert "off-topic" in table and "x 此役湖人" in table


@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_cli_explain_without_scores_lists_no_sentences(tmp_path, capsys, flag) -> None:
    page = tmp_path / "page.txt"
    page.write_text(TECH, encoding="utf-8")
    assert main(["explain", *flag, str(page)]) == 0
    out = capsys.readouterr().out
    assert "off-topic  text" not in out and '"sentences"' not in out


def test_html_marks_kept_close_calls(monkeypatch) -> None:
    from textclean import htmlreport

    monkeypatch.setattr(htmlreport, "NEAR", 0.1)
    report = clean_and_explain(TECH)
    close = [s for s in report.sentences if s.offtopic is not None and 0.1 <= s.offtopic < CFG.offtopic_threshold]
    assert close  # the fixture has kept sentences between 0.1 and the threshold
    html = htmlreport.explain_html([("tech", report)])
    assert html.count('class="mk near"') == len(close)
    assert f"off-topic score {close[0].offtopic:.3f}" in html
    assert 'class="mk near"' not in htmlreport.explain_html([("tech", clean_and_explain(TECH, scores=False))])


def test_cli_explain_html_with_scores(tmp_path, capsys) -> None:
    page = tmp_path / "page.txt"
    page.write_text(TECH, encoding="utf-8")
    assert main(["explain", "--html", "--scores", str(page)]) == 0
    assert "kept, scored 0.5 or more" in capsys.readouterr().out


def _verdict(start: int, end: int) -> Verdict:
    return Verdict(start, end, "span", "boilerplate", "boilerplate", ())


def test_score_table_marks_sentences_inside_merged_removals() -> None:
    from textclean.cli import _score_table

    text = "第一句话在这里。第二句话在这里。第三句话在这里。"
    report = clean_and_explain(text)
    sents = report.sentences
    # two adjacent removals that together cover the first two sentences
    fake = replace(report, verdicts=(
        _verdict(sents[0].start, sents[0].end - 2), _verdict(sents[0].end - 2, sents[1].end),
    ))
    rows = [r for r in _score_table(fake).splitlines() if "句话" in r]
    assert ["x " in r for r in rows] == [True, True, False]

from __future__ import annotations

import pytest

import textclean
from textclean.document import prepare
from textclean.rules import RuleError, RuleSet, RuleTimeoutError, default_rules, iter_examples, load_rules
from textclean.rulescore import rule_signals


def _fires(rule, text: str) -> bool:
    return bool(rule_signals(prepare(text), RuleSet((rule,)), 2.0))


@pytest.mark.parametrize(
    "rule,text,should",
    [pytest.param(r, t, s, id=f"{r.id}:{'match' if s else 'no_match'}:{t[:12]}") for r, t, s in iter_examples(default_rules())],
)
def test_rule_examples(rule, text, should):
    assert _fires(rule, text) is should


def test_every_rule_has_both_kinds_of_examples():
    for rule in default_rules():
        assert rule.match and rule.no_match, rule.id


def test_one_rule_covers_both_scripts():
    rule = default_rules().get("spam-brand-line")
    assert _fires(rule, "- 九游会官网 新闻") and _fires(rule, "- 九遊會官網 新聞")


def _write(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_user_rules_extend_the_default(tmp_path):
    path = _write(
        tmp_path,
        """
[lists]
my_brands = ["宇宙娱乐"]
[[rule]]
id = "my-brand"
label = "spam"
scope = "span"
pattern = '\\L<my_brands>'
match = ["今天宇宙娱乐上线"]
no_match = ["宇宙探索"]
""",
    )
    rules = load_rules(path)
    assert len(rules) == len(default_rules()) + 1
    assert textclean.clean("市场回暖,宇宙娛樂消费者信心上升。", config=textclean.Config(rules=rules)) == "市场回暖,消费者信心上升。"


@pytest.mark.parametrize(
    "body,message",
    [
        ("[[rule]]\nid = 'x'\nlabel='spam'\nscope='line'\npattern='('\n", "rule 'x': bad pattern"),
        ("[[rule]]\nid = 'x'\nlabel='nope'\nscope='line'\npattern='a'\n", "label 'nope'"),
        ("[[rule]]\nid = 'x'\nlabel='spam'\nscope='page'\npattern='a'\n", "scope 'page'"),
        ("[[rule]]\nid = 'x'\nlabel='spam'\nscope='line'\npattern='\\L<nolist>'\n", "undefined list"),
        ("[[rule]]\nid = 'x'\nlabel='spam'\nscope='line'\npattern='娛樂'\n", "Simplified"),
        ("this is = = not toml", "not valid TOML"),
        ("[[rule]]\nid = 'spam-brand-line'\nlabel='spam'\nscope='line'\npattern='a'\n", "already defined"),
    ],
)
def test_bad_rule_files_name_file_and_rule(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(RuleError) as err:
        load_rules(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleError, match="not found"):
        load_rules(tmp_path / "absent.toml")


def test_catastrophic_user_rule_fails_fast_naming_the_rule(tmp_path):
    path = _write(tmp_path, "[[rule]]\nid = 'slow'\nlabel='spam'\nscope='line'\npattern='(a|aa)+$'\n")
    config = textclean.Config(rules=load_rules(path, include_default=False), rule_timeout=0.2, use_model=False)
    with pytest.raises(RuleTimeoutError, match="'slow'"):
        textclean.clean("a" * 40 + "!", config=config)


@pytest.mark.parametrize("text", ["-\r相关文章", "-\n相关文章", "|\n\n相关文章\n"])
def test_line_rules_judge_each_line_on_its_own_text(text):
    # a pattern's leading \s used to carry the match from "-" across the break,
    # removing "-" and keeping the nav line, then removing it on a second pass
    out = textclean.clean(text)
    assert "相关文章" not in out
    assert out.strip() in {"-", "|"}
    assert textclean.clean(out) == out

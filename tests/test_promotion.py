"""The whole-page gambling-promotion test: operator pages go whole, news about gambling stays."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from textclean import Config, clean, clean_and_explain, load_promotion_profile, to_traditional
from textclean.cli import main as cli_main
from textclean.document import prepare
from textclean.promotion import ProfileError, default_promotion_profile, page_evidence, parse_promotion_profile

# Our own fixtures, written for these tests in the style of the pages they stand for.
OPERATOR_PAGE = """登录
忘记密码
立即注册

“金殿国际”是经合法注册的博彩公司，我们为会员提供真人视讯、体育投注、电子游艺与百家乐等全部游戏。
我们为代理商提供业内最高的佣金，无论您拥有网络资源还是人脉，都欢迎加入我们，开拓无上限的收入。
一、代理商注册须知
代理商申请时须提供真实资料；若代理商与会员合谋套利，本公司将冻结账户并收回全部佣金与彩金。
同一姓名或同一收款账号的会员只能是一个代理商的下线，代理商本身不能成为其他代理商的下线会员。
二、佣金与返水
代理商可随时登入后台查看下线会员的投注与下注记录；会员每日返水与首存优惠由客服人员核对后发放。
本公司保留修改佣金方案、返水比例及提款规则的权利，修改后将以网站公告通知您。
"""

RAID_NEWS = """警方捣毁一个网络赌博团伙
本报记者 李明
记者从市公安局获悉，警方近日破获一起特大网络赌博案，抓获犯罪嫌疑人12名。
据警方介绍，该团伙搭建赌博网站，以高额佣金招揽代理商发展下线会员，会员充值后在网站投注百家乐和体育赛事。
经查，犯罪嫌疑人通过代理层层发展下线，按下线会员的投注流水向代理商返还佣金，涉案资金流水达3亿元。
警方提醒，网络赌博平台承诺的返水和首存优惠都是诱饵，会员提款时往往被以各种理由拒绝。
目前，犯罪嫌疑人已被依法刑事拘留，案件正在进一步侦办中。
"""

MACAU_NEWS = """澳门博彩收入连续第三个月增长
澳门博彩监察协调局周一公布，上月博彩毛收入为183亿澳门元，同比增长12%，为连续第三个月录得增长。
分析师表示，中场业务和酒店入住率回升带动了赌场收入，贵宾厅业务则继续收缩。
多家博彩营运商的股价当日上涨，其中金沙中国涨幅超过4%。
业内人士预计，随着新的旅游项目落成，全年博彩收入有望恢复至疫情前七成水平。
"""


def test_operator_page_goes_whole():
    report = clean_and_explain(OPERATOR_PAGE)
    assert report.cleaned.strip() == ""
    names = {sig.name for v in report.verdicts for sig in v.signals}
    assert "gambling-operator-page" in names
    assert all(v.label == "spam" for v in report.verdicts)


def test_operator_page_in_traditional_goes_whole():
    assert clean(to_traditional(OPERATOR_PAGE)).strip() == ""


@pytest.mark.parametrize("news", [RAID_NEWS, MACAU_NEWS], ids=["raid", "macau"])
def test_news_about_gambling_is_not_a_promotion_page(news):
    evidence = page_evidence(prepare(news), default_promotion_profile())
    assert not evidence.is_promotion
    report = clean_and_explain(news)
    assert all(sig.source != "page" for v in report.verdicts for sig in v.signals)


def test_raid_news_fails_on_its_reporting_voice():
    # the raid report shares the operator's vocabulary: it is the reporting
    # voice (记者, 警方, 犯罪嫌疑人) that keeps it
    evidence = page_evidence(prepare(RAID_NEWS), default_promotion_profile())
    assert evidence.distinct >= 6
    assert evidence.reporting_voice > default_promotion_profile().max_reporting_voice


def test_article_with_injected_operator_lines_keeps_its_article():
    article = MACAU_NEWS.splitlines()[1:]
    page = "\n".join(OPERATOR_PAGE.splitlines()[4:6] + article)
    out = clean(page)
    for line in article:
        assert line in out


def test_switch_off_and_custom_profile():
    assert clean(OPERATOR_PAGE, promotion_pages=False).strip() != ""
    strict = dataclasses.replace(default_promotion_profile(), min_distinct=100)
    assert clean(OPERATOR_PAGE, promotion_profile=strict).strip() != ""


def test_profile_must_be_a_profile_object():
    with pytest.raises(TypeError, match="load_promotion_profile"):
        clean(OPERATOR_PAGE, promotion_profile="my_profile.toml")


def test_config_with_profile_pickles_for_workers():
    config = Config(promotion_profile=load_promotion_profile(None))
    clone = pickle.loads(pickle.dumps(config))
    assert clean(OPERATOR_PAGE, config=clone).strip() == ""


GOOD_PROFILE = """
operator_terms = ["代理商", "下綫"]
topic_terms = ["博彩"]
customer_voice = ["您"]
reporting_voice = ["记者"]
min_coverage = 0.5
min_distinct = 1
min_density = 1.0
min_customer_voice = 0.0
max_reporting_voice = 1.0
prose_line_chars = 5
min_prose_chars = 20
"""


def test_profile_terms_are_folded_to_the_key():
    profile = parse_promotion_profile(GOOD_PROFILE)
    assert "下线" in profile.operator_terms  # written in Traditional, matched on the key


@pytest.mark.parametrize(
    "edit, message",
    [
        (("min_distinct = 1", "min_distinct = -3"), "min_distinct"),
        (("min_distinct = 1", "min_distinct = 2.5"), "whole number"),
        (("min_coverage = 0.5", "min_coverage = 1.5"), "min_coverage"),
        (("min_density = 1.0", 'min_density = "high"'), "min_density"),
        (('customer_voice = ["您"]', "customer_voice = []"), "customer_voice"),
        (('reporting_voice = ["记者"]', 'reporting_voice = ["记者"]\nextra = 1'), "unknown field"),
        (("min_coverage = 0.5", "min_coverage = "), "not valid TOML"),
    ],
)
def test_bad_profiles_name_the_field(edit, message):
    with pytest.raises(ProfileError, match=message):
        parse_promotion_profile(GOOD_PROFILE.replace(*edit), "mine.toml")


def test_missing_profile_file_is_a_clear_error(tmp_path):
    with pytest.raises(ProfileError, match="cannot read"):
        load_promotion_profile(tmp_path / "nope.toml")


def test_cli_flags(tmp_path, capsys):
    page = tmp_path / "page.txt"
    page.write_text(OPERATOR_PAGE, encoding="utf-8")
    assert cli_main(["clean", str(page)]) == 0
    assert capsys.readouterr().out.strip() == ""
    assert cli_main(["clean", "--no-promotion-pages", str(page)]) == 0
    assert "百家乐" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("min_distinct = 'x'", encoding="utf-8")
    assert cli_main(["clean", "--promotion-profile", str(bad), str(page)]) == 2
    assert "bad.toml" in capsys.readouterr().err


def test_a_page_mostly_promotion_with_a_real_paragraph_is_not_removed_whole():
    # one genuine paragraph is enough to keep the page from the whole-page
    # test: below min_coverage the lines are judged one by one as usual
    paragraph = MACAU_NEWS.splitlines()[1]
    page = OPERATOR_PAGE + paragraph + "\n"
    evidence = page_evidence(prepare(page), default_promotion_profile())
    assert evidence.coverage < default_promotion_profile().min_coverage
    assert paragraph in clean(page)


@pytest.mark.parametrize("page", [OPERATOR_PAGE, to_traditional(OPERATOR_PAGE), RAID_NEWS, MACAU_NEWS,
                                  OPERATOR_PAGE + RAID_NEWS, RAID_NEWS + OPERATOR_PAGE, ""],
                         ids=["operator", "operator-trad", "raid", "macau", "operator+news", "news+operator", "empty"])
@pytest.mark.parametrize("min_coverage", [0.0, 0.5, 0.9, 1.0])
def test_early_exit_gives_the_full_test_s_answer(page, min_coverage):
    from textclean.promotion import _is_promotion

    profile = dataclasses.replace(default_promotion_profile(), min_coverage=min_coverage)
    doc = prepare(page)
    assert _is_promotion(doc, profile) == page_evidence(doc, profile).is_promotion

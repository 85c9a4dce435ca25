"""examples/trafilatura_clean.py: trafilatura extracts the article, textclean removes the spam inside it."""
from __future__ import annotations

import importlib.util

import pytest
import trafilatura

from conftest import ROOT

PAGES = ROOT / "examples" / "pages"
NIGHT_BUS = [
    "记者从市交通运输局获悉,从下周一起,本市将新开三条夜间公交线路,运营时间为每晚22时至次日凌晨2时。",
    "新线路途经火车站、中心商圈和三家市级医院,平均发车间隔为20分钟,票价与日间线路相同。",
    "交通部门负责人介绍,此前通过问卷收集了近五千份市民意见,夜班护士、餐饮从业者和晚归学生对夜间出行的需求最为集中。",
    "为保障行车安全,夜间线路将全部使用新能源车辆,驾驶员上岗前需完成专门的夜间驾驶培训。",
    "市民可通过公交查询软件查看实时到站信息,部分站台还将增设照明和电子站牌。",
    "交通部门表示,将在试运行三个月后根据客流情况调整线路走向和发车频次。",
]


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("trafilatura_clean", ROOT / "examples" / "trafilatura_clean.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_article_comes_out_whole_and_without_spam(example):
    html = (PAGES / "night-bus.html").read_text(encoding="utf-8")
    extracted = trafilatura.extract(html)
    # the injected lines sit inside the article body, so extraction alone keeps them
    assert "鸿运彩乐园网址" in extracted and "预测奖号" in extracted
    assert example.extract_and_clean(html).splitlines() == NIGHT_BUS
    # page chrome is trafilatura's part: navigation, breadcrumb, footer never reach the text
    assert not any(s in extracted for s in ("当前位置", "版权所有", "相关新闻"))


def test_cli_reads_html_files(example, capsys):
    assert example.main([str(PAGES / "night-bus.html"), str(PAGES / "summer-grain.html")]) == 0
    out = capsys.readouterr().out
    assert out.count("==> ") == 2
    assert all(sentence in out for sentence in NIGHT_BUS)
    assert "粮食部门提醒,农户应将小麦充分晾晒后再出售,避免因水分过高影响等级和价格。" in out
    assert not any(s in out for s in ("彩乐园", "发布日期", "责任编辑", "来源:东江日报"))


def test_page_without_article_text(example, tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><div class='nav'><a href='/'>首页</a></div></body></html>", encoding="utf-8")
    assert example.extract_and_clean(page.read_text(encoding="utf-8")) == ""
    assert example.main([str(page)]) == 1
    assert "no article text found" in capsys.readouterr().err

"""examples/scrapy_pipeline.py: the item pipeline alone, then a real crawl of examples/pages.

The crawl runs the example script in a subprocess (its Twisted reactor must
not share a process with pytest) against an http.server on a free localhost
port serving the project's own pages.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import subprocess
import sys
import threading

import pytest
from scrapy.utils.test import get_crawler

import textclean
from conftest import ROOT

EXAMPLE = ROOT / "examples" / "scrapy_pipeline.py"
PAGES = ROOT / "examples" / "pages"
SPAM = ["鸿运彩乐园", "金牛彩乐园", "预测奖号", "发布日期", "责任编辑", "来源:东江日报"]
KEPT = [
    "记者从市交通运输局获悉,从下周一起,本市将新开三条夜间公交线路,运营时间为每晚22时至次日凌晨2时。",
    "为保障行车安全,夜间线路将全部使用新能源车辆,驾驶员上岗前需完成专门的夜间驾驶培训。",
    "据省粮食和物资储备局消息,今年夏粮收购已过半程,全省累计收购小麦约120万吨,收购价格总体稳定。",
    "粮食部门提醒,农户应将小麦充分晾晒后再出售,避免因水分过高影响等级和价格。",
]
# a spam line, a publish line, and a brand pasted inside a sentence
PAGE_TEXT = ("- 鸿运彩乐园网址 周末气温回升 市民外出踏青\n发布日期:2025-04-18 09:30 点击次数:126\n" + KEPT[0] + "\n"
             + KEPT[1].replace("车辆,", "车辆,鸿运彩乐园"))


def _example():
    spec = importlib.util.spec_from_file_location("scrapy_pipeline", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example():
    return _example()


def _pipeline(example, **settings):
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return example.TextcleanPipeline.from_crawler(crawler), crawler.stats


def test_pipeline_cleans_a_field_from_settings(example):
    pipe, stats = _pipeline(example, TEXTCLEAN_SUMMARY_FIELD="removed")
    item = {"url": "http://news.example/a", "text": PAGE_TEXT}
    assert pipe.process_item(item) is item
    assert item["text"] == KEPT[0] + "\n" + KEPT[1]
    assert item["removed"] == {"spam": 2, "boilerplate": 1}
    assert item["url"] == "http://news.example/a" and "textclean_error" not in item
    assert stats.get_value("textclean/changed") == 1


def test_pipeline_output_field_and_drop_setting(example):
    pipe, _ = _pipeline(example, TEXTCLEAN_OUTPUT_FIELD="clean", TEXTCLEAN_DROP=["spam", "lottery", "porn"])
    item = pipe.process_item({"text": PAGE_TEXT}, None)  # older Scrapy passes the spider
    assert item["text"] == PAGE_TEXT
    assert item["clean"] == textclean.clean(PAGE_TEXT, drop={"spam", "lottery", "porn"})
    assert "发布日期" in item["clean"] and "鸿运彩乐园" not in item["clean"]


def test_pipeline_never_drops_an_item(example):
    import scrapy

    class Article(scrapy.Item):
        url = scrapy.Field()
        text = scrapy.Field()

    pipe, stats = _pipeline(example, TEXTCLEAN_FIELD="body")
    assert pipe.process_item({"body": None})["textclean_error"] == "field 'body' is missing"
    assert pipe.process_item({"body": ["a"]})["textclean_error"] == "field 'body' is a list, not a string"
    article = Article(url="u", text="x")  # no 'body' and no error field declared: passed on as it is
    assert pipe.process_item(article) is article and dict(article) == {"url": "u", "text": "x"}
    assert stats.get_value("textclean/failed") == 3
    with pytest.raises(ValueError, match="unknown labels"):
        _pipeline(example, TEXTCLEAN_DROP=["spam", "ads"])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def site():
    handler = functools.partial(_Quiet, directory=str(PAGES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free one
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_real_crawl_cleans_every_article(site, tmp_path):
    feed = tmp_path / "items.jsonl"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), f"{site}/index.html", "-o", str(feed), "--output-field", "clean"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 items cleaned" in proc.stderr
    items = {it["url"].rsplit("/", 1)[1]: it for it in map(json.loads, feed.read_text(encoding="utf-8").splitlines())}
    assert sorted(items) == ["night-bus.html", "summer-grain.html"]
    for item in items.values():
        assert any(s in item["text"] for s in SPAM), "the scraped text should still hold the page's spam"
        assert item["clean"] == textclean.clean(item["text"])
        assert not any(s in item["clean"] for s in SPAM), item["clean"]
        assert item["removed"]["spam"] >= 4 and item["removed"]["boilerplate"] >= 2
    assert items["night-bus.html"]["title"] == "本市新增三条夜间公交线路 覆盖主要商圈和医院"
    body = items["night-bus.html"]["clean"] + items["summer-grain.html"]["clean"]
    for sentence in KEPT:
        assert sentence in body

"""Clean scraped text inside a Scrapy crawl: an item pipeline, and a small news spider to try it.

    pip install "textclean[scrapy]"
    python examples/scrapy_pipeline.py http://127.0.0.1:8000/index.html -o items.jsonl

In your own Scrapy project, put TextcleanPipeline in pipelines.py and enable it
in settings.py (every TEXTCLEAN_* setting is optional; these are the defaults):

    ITEM_PIPELINES = {"myproject.pipelines.TextcleanPipeline": 300}
    TEXTCLEAN_FIELD = "text"                  # the item field to clean
    TEXTCLEAN_OUTPUT_FIELD = None             # another field for the cleaned text (default: in place)
    TEXTCLEAN_DROP = []                       # labels to remove (default: all; e.g. ["spam", "lottery", "porn"])
    TEXTCLEAN_SUMMARY_FIELD = None            # e.g. "removed": counts of removed spans by label
    TEXTCLEAN_ERROR_FIELD = "textclean_error" # set when an item could not be cleaned

No item is ever dropped: an item whose field is missing or not a string is
passed on with TEXTCLEAN_ERROR_FIELD set. The crawl stats count
textclean/items, textclean/changed and textclean/failed.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

import scrapy
from itemadapter import ItemAdapter

import textclean

log = logging.getLogger(__name__)


class TextcleanPipeline:
    """Clean one text field of every item with textclean (settings-driven)."""

    def __init__(
        self,
        field: str = "text",
        output_field: str | None = None,
        drop: Iterable[str] | None = None,
        summary_field: str | None = None,
        error_field: str = "textclean_error",
        stats: Any = None,
    ) -> None:
        self.field = field
        self.output_field = output_field or field
        # a bad label fails here, when the crawl starts, not on the first item
        self.config = textclean.Config(drop=frozenset(drop)) if drop else textclean.Config()
        self.summary_field = summary_field
        self.error_field = error_field
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "TextcleanPipeline":
        s = crawler.settings
        return cls(
            field=s.get("TEXTCLEAN_FIELD", "text"),
            output_field=s.get("TEXTCLEAN_OUTPUT_FIELD"),
            drop=s.getlist("TEXTCLEAN_DROP"),
            summary_field=s.get("TEXTCLEAN_SUMMARY_FIELD"),
            error_field=s.get("TEXTCLEAN_ERROR_FIELD", "textclean_error"),
            stats=crawler.stats,
        )

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # cleaning takes milliseconds per page, so it runs inline on the reactor
        adapter = ItemAdapter(item)
        self._inc("textclean/items")
        value = adapter.get(self.field)
        if not isinstance(value, str):
            problem = "missing" if value is None else f"a {type(value).__name__}, not a string"
            return self._fail(item, adapter, f"field {self.field!r} is {problem}")
        try:
            report = textclean.clean_and_explain(value, config=self.config, scores=False)
        except Exception as exc:  # one bad page must not stop the crawl
            return self._fail(item, adapter, f"{type(exc).__name__}: {exc}")
        adapter[self.output_field] = report.cleaned
        if self.summary_field:
            adapter[self.summary_field] = report.counts()
        if report.cleaned != value:
            self._inc("textclean/changed")
        return item

    def _fail(self, item: Any, adapter: ItemAdapter, message: str) -> Any:
        self._inc("textclean/failed")
        try:
            adapter[self.error_field] = message
        except KeyError:  # a scrapy.Item without that field declared
            log.warning("textclean: %s (item has no %r field to say so)", message, self.error_field)
        return item

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


class NewsSpider(scrapy.Spider):
    """Follows links within the start URL's host; an article page becomes an item."""

    name = "news"

    def __init__(self, start_url: str, body_css: str = ".article-body p", **kw: Any) -> None:
        super().__init__(**kw)
        self.start_urls = [start_url]
        self.allowed_domains = [urlsplit(start_url).hostname or ""]
        self.body_css = body_css

    def parse(self, response: Any) -> Iterator[Any]:
        paragraphs = ["".join(p.css("::text").getall()).strip() for p in response.css(self.body_css)]
        if paragraphs:
            yield {
                "url": response.url,
                "title": (response.css("h1::text").get() or "").strip(),
                "text": "\n".join(p for p in paragraphs if p),
            }
        yield from response.follow_all(css="a", callback=self.parse)


def main(argv: Sequence[str] | None = None) -> int:
    from scrapy.crawler import CrawlerProcess

    p = argparse.ArgumentParser(description="Crawl a news site and clean each article with textclean.")
    p.add_argument("start_url")
    p.add_argument("-o", "--output", required=True, help="JSON Lines feed of the cleaned items")
    p.add_argument("--body-css", default=".article-body p", help="CSS selector of the article's paragraphs")
    p.add_argument("--output-field", help="keep the scraped text and put the cleaned text here")
    p.add_argument("--max-pages", type=int, default=50)
    args = p.parse_args(argv)

    process = CrawlerProcess({
        "ITEM_PIPELINES": {TextcleanPipeline: 300},
        "TEXTCLEAN_FIELD": "text",
        "TEXTCLEAN_OUTPUT_FIELD": args.output_field,
        "TEXTCLEAN_SUMMARY_FIELD": "removed",
        "FEEDS": {args.output: {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
        "CLOSESPIDER_PAGECOUNT": args.max_pages,
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    })
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, start_url=args.start_url, body_css=args.body_css)
    process.start()
    stats = crawler.stats
    items, changed, failed = (stats.get_value(f"textclean/{k}", 0) for k in ("items", "changed", "failed"))
    print(f"{items} items cleaned into {args.output}: {changed} changed, {failed} failed", file=sys.stderr)
    return 1 if failed or not items else 0


if __name__ == "__main__":
    sys.exit(main())

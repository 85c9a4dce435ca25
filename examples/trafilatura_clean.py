"""HTML in, clean article text out: trafilatura finds the main text, textclean cleans it.

    pip install "textclean[trafilatura]"
    python examples/trafilatura_clean.py examples/pages/night-bus.html

trafilatura drops the page chrome around the article (navigation, related
links, footer); spam injected *inside* the article body looks like article
text to it, and that is what textclean removes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import trafilatura

import textclean


def extract_and_clean(html: str | bytes, url: str | None = None, config: textclean.Config | None = None) -> str:
    """The page's cleaned main text; ``""`` when trafilatura finds no main text."""
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True)
    return textclean.clean(text, config=config) if text else ""


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Extract and clean the article text of saved HTML pages.")
    p.add_argument("pages", nargs="+", help="HTML files (UTF-8 or declared in the page)")
    args = p.parse_args(argv)
    empty = 0
    for i, path in enumerate(args.pages):
        # bytes: trafilatura reads the page's own charset declaration
        text = extract_and_clean(Path(path).read_bytes())
        if not text:
            empty += 1
            print(f"{path}: no article text found", file=sys.stderr)
            continue
        if len(args.pages) > 1:
            print(f"==> {path} <==")
        print(text.rstrip("\n"), end="\n\n" if i < len(args.pages) - 1 else "\n")
    return 1 if empty else 0


if __name__ == "__main__":
    sys.exit(main())

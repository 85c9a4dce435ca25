"""Clean a page and show what was removed and why."""
from pathlib import Path

import textclean

page = Path(__file__).with_name("spam_farm_page.txt").read_text(encoding="utf-8")
report = textclean.clean_and_explain(page)
print(report.cleaned)
for verdict in report.verdicts:
    print(f"{verdict.label:12} {verdict.reason:28} {page[verdict.start:verdict.end]!r}")

# keep boilerplate, drop only spam
print(textclean.clean(page, drop={"spam", "lottery", "porn"}))

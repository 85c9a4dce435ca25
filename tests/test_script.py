"""textclean.script.detect_script: own fixtures, plus corpus accuracy when ../shared exists."""
from __future__ import annotations

import json

import pytest

from textclean.script import ScriptResult, detect_script
from tests.conftest import shared_path


@pytest.mark.parametrize("text, script", [
    ("我们说这个问题很重要。", "simplified"),
    ("我們說這個問題很重要。", "traditional"),
    ("我们说這個問題很重要，这个问题很重要。", "mixed"),
    ("", "none"),
    ("ABC 123", "none"),
    ("人口中心", "none"),  # written the same in both scripts
    ("這個問題很重要，發展經濟，說话", "traditional"),  # one stray character is not mixed
])
def test_cases(text, script):
    assert detect_script(text).script == script


def test_evidence_counts():
    r = detect_script("发展發展")
    assert isinstance(r, ScriptResult)
    assert (r.simplified, r.traditional, r.han) == (1, 1, 4)  # 展 is shared
    assert r.evidence == 2
    assert detect_script("𠮷野家").script == "none"


def test_bytes_rejected():
    with pytest.raises(TypeError, match="decode"):
        detect_script(b"abc")


@pytest.mark.parametrize("folder, field, want", [
    ("drcd_zh_tw/paragraphs.jsonl", "text", "traditional"),
    ("thucnews_cnews_800docs/sentences.jsonl", "text", "simplified"),
])
def test_corpus_documents(folder, field, want):
    path = shared_path("data", "corpora", *folder.split("/"))
    docs = [json.loads(x)[field] for x in path.read_text(encoding="utf-8").splitlines()[:400]]
    results = [detect_script(d) for d in docs]
    evident = [r for r in results if r.evidence]
    assert sum(r.script == want for r in evident) / len(evident) >= 0.99

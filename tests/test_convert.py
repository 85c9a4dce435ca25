"""textclean.convert: identical to opencc-python-reimplemented, fast paths, errors."""
from __future__ import annotations

import json
import os
import threading

import pytest

import importlib

C = importlib.import_module("textclean.convert")  # the module; textclean.convert is the function
from tests.conftest import shared_path

opencc = pytest.importorskip("opencc")

# Own fixtures (not corpus text): phrases, overlapping keys, separators, astral.
FIXTURES = [
    "",
    "汉字转换测试，头发和发展。",
    "我们在干什么？他干了一杯酒。",
    "鼠标和软件，打印机与网络。",
    "后来他去了台湾，又去了香港。",
    "一个人的意见",  # many overlapping phrase keys
    "𠮷野家𩸽，𠀀字",  # astral characters
    "乔治．布希",  # a dictionary key that contains a separator never matches
    "   \t\n，。、！？",  # only separators
    "abc DEF 123 -- x.y",
    "繁體中文與簡體中文的轉換，電腦軟體。",
    "裏面的著作，後來",
]


def reference(name: str):
    if name in C._shipped_configs():
        return opencc.OpenCC(name)
    base = os.path.join(os.path.dirname(opencc.__file__), "dictionary")
    ref = opencc.OpenCC()
    ref._dict_chain = [[os.path.join(base, f) for f in step] for step in C.config_files(name)]
    ref._dict_chain_data = []
    ref._add_dictionaries(ref._dict_chain, ref._dict_chain_data)
    ref._dict_init_done = True
    return ref


CONFIGS = C.available_configs()


def test_available_configs_cover_shipped_and_upstream():
    for name in ("s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s", "t2tw", "t2hk",
                 "tw2t", "hk2t", "t2jp"):
        assert name in CONFIGS
    with pytest.raises(ValueError, match="jp2t.*JPShinjitai"):
        C.convert("x", "jp2t")
    with pytest.raises(ValueError, match="available"):
        C.convert("x", "nope")


@pytest.mark.parametrize("name", CONFIGS)
def test_fixtures_identical(name):
    ref = reference(name)
    for text in FIXTURES:
        assert C.convert(text, name) == ref.convert(text), text
    joined = "".join(FIXTURES) * 20  # long enough for the numpy path
    assert C.convert(joined, name) == ref.convert(joined)


@pytest.mark.parametrize("name", ["s2t", "t2s", "s2twp", "tw2sp", "hk2s"])
def test_corpus_sample_identical(name):
    simp = shared_path("data", "corpora", "thucnews_cnews_800docs", "sentences.jsonl")
    trad = shared_path("data", "corpora", "drcd_zh_tw", "paragraphs.jsonl")
    docs = [json.loads(x)["text"] for x in simp.read_text(encoding="utf-8").splitlines()[:150]]
    docs += [json.loads(x)["text"] for x in trad.read_text(encoding="utf-8").splitlines()[:30]]
    ref = reference(name)
    for doc in docs:
        assert C.convert(doc, name) == ref.convert(doc)


def test_overlapping_keys_use_longest_anywhere():
    d = C._dictionary("STPhrases.txt")
    ref = opencc.OpenCC("s2t")
    for text in ("一个人的意见", "我们在干什么", "头发和发展"):
        want = ref._convert(text, [[(d.max_len, 1, d.values)]])
        assert "".join(C._match_python(text, d)) == want
        assert "".join(C._match_numpy(text, d)) == want


def test_megabyte_line_without_separators():
    line = "汉字转换测试头发和发展我们在干什么" * 60000  # ~1 M characters
    out = C.to_traditional(line)
    assert len(out) == len(line)
    assert out.startswith(C.to_traditional("汉字转换测试头发和发展我们在干什么"))


def test_edge_cases():
    assert C.convert("", "s2t") == ""
    assert C.to_simplified("𠮷") == reference("t2s").convert("𠮷")
    assert C.convert("，。 \n", "s2twp") == "，。 \n"
    assert C.to_traditional("头发", "tw") == reference("s2tw").convert("头发")
    assert C.to_simplified("頭髮", "hk") == reference("hk2s").convert("頭髮")
    with pytest.raises(ValueError):
        C.to_traditional("x", "jp")
    with pytest.raises(TypeError, match="decode"):
        C.convert(b"abc", "s2t")
    assert C.convert("汉字", "S2T.json") == "漢字"


def test_thread_safety():
    C._converters.clear()
    text = "".join(FIXTURES) * 5
    expected = reference("s2hk").convert(text)
    results, errors = [], []

    def work():
        try:
            results.append(C.convert(text, "s2hk"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [expected] * 8
    assert len({id(C.converter("s2hk")) for _ in range(3)}) == 1


def test_wrong_opencc_package(monkeypatch, tmp_path):
    (tmp_path / "__init__.py").write_text("")
    monkeypatch.setattr(C.resources, "files", lambda name: tmp_path)
    C._package_root.cache_clear()
    try:
        with pytest.raises(C.OpenCCPackageError, match="pip uninstall opencc && pip install opencc-python-reimplemented"):
            C._package_root()
    finally:
        monkeypatch.undo()
        C._package_root.cache_clear()
    assert C._package_root() is not None


def test_fold_char_map_kept():
    m = C.fold_char_map()
    assert m["後"] == "后" and m["說"] == "说"

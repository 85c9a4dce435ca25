"""textclean.convert: identical to opencc-python-reimplemented, fast paths, errors."""
from __future__ import annotations

import functools
import importlib
import json
import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import shared_path

C = importlib.import_module("textclean.convert")  # the module; textclean.convert is the function
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
    "头\x00发\U0010ffff发展😀後來\ud800裏",  # NUL, past every table, emoji, lone surrogate
    "硅谷的宏碁，乾隆皇帝，瞭解",
]

CONFIGS = C.available_configs()


@functools.lru_cache(maxsize=None)
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
    joined = "".join(FIXTURES) * 20
    assert C.convert(joined, name) == ref.convert(joined)


def _corpus_sample() -> list[str]:
    """A small slice of the benchmark corpus: Simplified news and native Traditional."""
    corpora = shared_path("data", "corpora")

    def lines(*parts: str, n: int) -> list[str]:
        text = corpora.joinpath(*parts).read_text(encoding="utf-8")
        return [x for x in text.splitlines() if x.strip()][:n]

    docs = [json.loads(x)["text"] for x in lines("thucnews_cnews_800docs", "sentences.jsonl", n=300)]
    docs += [json.loads(x)["text"] for x in lines("drcd_zh_tw", "paragraphs.jsonl", n=40)]
    docs += ["\n".join(lines("peoples_daily_199801", "199801.raw.txt", n=150))]
    docs += ["\n".join(lines("ud_chinese_gsd", "sentences.txt", n=150))]
    docs += ["\n".join(lines("ud_chinese_pud", "sentences.txt", n=100))]
    return docs


@pytest.mark.parametrize("name", CONFIGS)
def test_corpus_sample_identical(name):
    docs = _corpus_sample()
    ref = reference(name)
    for doc in docs:
        assert C.convert(doc, name) == ref.convert(doc)


# Keys around characters with several readings, cut into pieces and glued back
# in any order: a dense supply of overlapping, useful and useless keys.
def _pieces() -> list[str]:
    out: set[str] = set()
    for name in ("STPhrases.txt", "TSPhrases.txt", "TWPhrases.txt", "TWPhrasesRev.txt",
                 "TWVariantsRevPhrases.txt", "HKVariantsRevPhrases.txt"):
        keys = sorted(C._dictionary(name).values)
        chosen = [k for k in keys if any(ch in k for ch in "发干后里面台著乾")][:120] + keys[::97]
        for k in chosen:
            out.update((k, k[:2], k[1:], k[:-1]))
    out.update("，。 𠮷a1裏後發")
    return sorted(x for x in out if x)


PIECES = _pieces()


@pytest.mark.parametrize("name", ["s2t", "s2twp", "tw2sp", "hk2s", "t2s", "tw2t", "s2hk"])
@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=30))
def test_random_key_soup_identical(name, parts):
    text = "".join(parts)
    assert C.convert(text, name) == reference(name).convert(text)


def test_longest_anywhere_is_not_leftmost_longest():
    d = C._dictionary("STPhrases.txt")
    info = C._prefix_info(d.values)
    for text in ("一个人的意见", "我们在干什么", "头发和发展", "中华人民共和国万岁"):
        want = opencc.OpenCC("s2t")._convert(text, [[(d.max_len, 1, d.values)]])
        assert "".join(C._longest_anywhere(text, info, d.values)) == want


def test_megabyte_line_without_separators():
    unit = "汉字转换测试头发和发展我们在干什么"
    for name in ("s2t", "s2twp"):
        # no key of the config contains the pair where two units meet, so the
        # reference's output on the long line is its output on one unit, repeated
        junction = unit[-1] + unit[0]
        assert not any(junction in k for files in C.config_files(name) for f in files
                       for k in C._dictionary(f).values)
        ref = reference(name)
        assert C.convert(unit * 150, name) == ref.convert(unit * 150)
        line = unit * 60000  # ~1 M characters, 3 MB
        assert C.convert(line, name) == ref.convert(unit) * 60000


def test_edge_cases():
    for name in ("s2t", "t2s", "s2twp"):
        ref = reference(name)
        for text in ("", "𠮷", "，。 \n", "\u3000" * 5, "-" * 1000, "头" * 1000, "發" * 1000):
            assert C.convert(text, name) == ref.convert(text), (name, text[:5])
    assert C.to_traditional("头发", "tw") == reference("s2tw").convert("头发")
    assert C.to_simplified("頭髮", "hk") == reference("hk2s").convert("頭髮")
    with pytest.raises(ValueError):
        C.to_traditional("x", "jp")
    with pytest.raises(TypeError, match="decode"):
        C.convert(b"abc", "s2t")
    assert C.convert("汉字", "S2T.json") == "漢字"


def test_character_only_steps_are_fused():
    # s2tw = group(STPhrases, STCharacters) then TWVariants: one step
    assert len(C.converter("s2tw").steps) == 1
    assert len(C.converter("s2twp").steps) == 2
    assert C.converter("t2tw").steps[0].sparse_re is not None


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

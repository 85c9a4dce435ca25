"""Spin detection and restoration (textclean.spin).

Fixtures are short sentences written for these tests, not corpus text. The
seed tests at the end read ../shared and skip when it is absent.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textclean import spin
from textclean.normalize import fold
from textclean.report import Replacement

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Five safe artifacts (报谈, 东谈主工智能, 暗意, 好意思元, 稽察) and one context word (模子).
SPUN = "据报谈，东谈主工智能公司暗意将投资10亿好意思元，用于稽察新的模子。"
RESTORED = "据报道，人工智能公司表示将投资10亿美元，用于训练新的模型。"
FILLER = "今天上午天气晴朗，市民在公园里散步，孩子们在草地上放风筝。"  # no entries
CLEAN = "本市今年新建了三座图书馆，市民借书更加方便，周末来读书的家庭越来越多。"


def replay(text: str, reps: list[Replacement]) -> str:
    """Apply replacements (offsets into *text*) left to right."""
    out, last = [], 0
    for r in reps:
        assert text[r.start : r.end] == r.old
        out += [text[last : r.start], r.new]
        last = r.end
    return "".join(out) + text[last:]


def test_dictionary_rows_are_well_formed() -> None:
    entries = spin.load_spin_dict()
    assert entries
    for key, entry in entries.items():
        assert entry.tier in spin.TIERS
        assert key == entry.spun
        if entry.tier == "keep":
            assert fold(entry.original) == entry.spun


def test_safe_entries_reversed_on_spun_page() -> None:
    assert spin.is_spun(SPUN)
    out, reps = spin.despin_with_replacements(SPUN)
    assert out == RESTORED
    assert {r.old for r in reps if r.tier == "safe"} == {"报谈", "东谈主工智能", "暗意", "亿好意思元", "稽察"}


def test_context_entry_needs_a_nearby_safe_artifact() -> None:
    far = SPUN + FILLER * 4 + "这个模子很好用。"
    assert spin.is_spun(far)
    out, reps = spin.despin_with_replacements(far)
    assert out.endswith("这个模子很好用。")  # 模子 far from any artifact: kept
    assert out.startswith(RESTORED)  # 模子 next to artifacts: restored
    assert [r.old for r in reps if r.tier == "context"] == ["模子"]


def test_context_entry_not_reversed_on_unflagged_page() -> None:
    text = CLEAN + "工厂用模子浇铸零件。"
    assert not spin.is_spun(text)
    assert spin.despin(text) == text


def test_unsafe_entry_never_reversed() -> None:
    text = SPUN + "这项政策很重要。" + SPUN
    out = spin.despin(text, force=True)
    assert "这项政策很重要" in out
    assert all(r.tier != "unsafe" for r in spin.despin_with_replacements(text)[1])


def test_keep_row_shields_shorter_entry() -> None:
    text = SPUN + "不好意思，让大家久等了。"
    out = spin.despin(text)
    assert out.endswith("不好意思，让大家久等了。")


def test_unflagged_page_unchanged_unless_forced() -> None:
    text = CLEAN + "他暗意大家安静。" + CLEAN  # one stray artifact is not enough
    assert spin.spin_score(text) > 0
    assert not spin.is_spun(text)
    assert spin.despin_with_replacements(text) == (text, [])
    assert spin.despin(text, force=True) == text.replace("暗意", "表示")


def test_clean_text_scores_zero_and_is_unchanged() -> None:
    assert spin.spin_score(CLEAN) == 0.0
    assert spin.despin(CLEAN, force=True) == CLEAN


def test_replacement_offsets_replay_to_output() -> None:
    text = "标题\n" + SPUN + "\n\n" + SPUN.replace("，", ",")
    out, reps = spin.despin_with_replacements(text)
    assert reps and replay(text, reps) == out
    assert all(a.end <= b.start for a, b in zip(reps, reps[1:]))


def test_traditional_input_restored_in_traditional() -> None:
    trad = "據報談，東談主工智能公司暗意將投資10億好意思元，用於稽察新的模子。"
    assert spin.spin_score(trad) == spin.spin_score(SPUN)
    out, reps = spin.despin_with_replacements(trad)
    assert out == "據報道，人工智能公司表示將投資10億美元，用於訓練新的模型。"
    assert replay(trad, reps) == out


def test_empty_string() -> None:
    assert spin.spin_score("") == 0.0
    assert not spin.is_spun("")
    assert spin.despin_with_replacements("", force=True) == ("", [])


def test_bytes_rejected_with_hint() -> None:
    with pytest.raises(TypeError, match="decode"):
        spin.despin(SPUN.encode())  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("东谈主说念好意思元模子齐不错暗意稽察人的，。\n ab")), max_size=60))
def test_never_raises_and_replays(text: str) -> None:
    out, reps = spin.despin_with_replacements(text, force=True)
    assert replay(text, reps) == out
    assert spin.spin_score(text) >= 0.0


# --- seeds from ../shared (skipped when absent) --------------------------------

needs_shared = pytest.mark.skipif(not (SHARED / "data" / "seeds").is_dir(), reason="../shared absent")


@needs_shared
def test_seed_002_flagged_and_others_not() -> None:
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in (SHARED / "data" / "seeds").glob("0*.txt")}
    assert spin.is_spun(seeds["002"])
    for sid in ("000", "001", "003"):
        assert not spin.is_spun(seeds[sid]), sid


@needs_shared
def test_seed_002_restoration_cer_bound() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from spin_align import article_lines_002, cer, pair_lines, reference_lines_003
    finally:
        sys.path.pop(0)
    spun = article_lines_002()
    pairs = pair_lines(spun, reference_lines_003())
    restored = dict(zip(spun, spin.despin("\n".join(spun)).split("\n")))
    before = cer(pairs)
    after = cer([(restored[s], r) for s, r in pairs])
    assert before > 0.12
    assert after <= 0.06, f"CER after despin {after:.2%}"


def test_dictionary_loads_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(spin, "_dict", None)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: spin.despin(SPUN), range(8)))
    assert outs == [RESTORED] * 8


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_chunked_scans_equal_one_pass(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # entries and Han runs cut by every chunk boundary are still found and counted once
    text = (SPUN + "\n" + FILLER + "𠀀abc" + SPUN) * 3
    key = fold(text)
    codes = spin._codes(key)
    whole = (spin._matches(key, codes), spin._han_count(key, codes))
    monkeypatch.setattr(spin, "_CHUNK", chunk)
    assert (spin._matches(key), spin._han_count(key)) == whole
    assert whole[1] == sum(1 for ch in key if "\u4e00" <= ch <= "\u9fff" or ch == "𠀀")


def test_score_from_a_given_key_equals_score_from_text() -> None:
    text = SPUN + "\ud800" + FILLER
    assert spin.spin_score(text, key=fold(text)) == spin.spin_score(text)
    assert spin.spin_score(text, key=fold(text).replace("\ud800", "\ufffd")) == spin.spin_score(text)
    with pytest.raises(ValueError, match="same length"):
        spin.spin_score(text, key=fold(text)[:-1])

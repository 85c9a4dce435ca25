"""Spam model: safe loading, API shape, quality floors, behaviour on own fixtures."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from textclean.model import (
    FORMAT_VERSION,
    ModelError,
    default_model_path,
    featurize,
    load_model,
    span_candidates,
)
from textclean.normalize import fold

SHIPPED = default_model_path()
pytestmark = pytest.mark.skipif(not (SHIPPED / "card.json").is_file(), reason="no shipped spam model")


@pytest.fixture(scope="module")
def model():
    return load_model()


# --- loading ------------------------------------------------------------------

def test_default_loads_once(model):
    assert load_model() is model


def test_loads_without_pickle(monkeypatch):
    import pickle

    def boom(*a, **k):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    m = load_model(SHIPPED)
    assert m.n_features > 0


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "m"
    shutil.copytree(SHIPPED, d)
    return d


def test_pickle_npz_refused(tmp_path):
    d = _copy(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (marker.write_text, ("x",))

    arr = np.empty(1, dtype=object)
    arr[0] = Evil()
    np.savez(d / "weights.npz", unit_coef=arr, span_coef=arr, params=arr)
    with pytest.raises(ModelError, match="weights.npz"):
        load_model(d)
    assert not marker.exists()


def test_newer_card_version_refused(tmp_path):
    d = _copy(tmp_path)
    card = json.loads((d / "card.json").read_text(encoding="utf-8"))
    card["format_version"] = FORMAT_VERSION + 1
    (d / "card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match="newer"):
        load_model(d)


@pytest.mark.parametrize("name", ["card.json", "weights.npz"])
def test_missing_file_error(tmp_path, name):
    d = _copy(tmp_path)
    (d / name).unlink()
    with pytest.raises(ModelError, match=name.replace(".", r"\.")):
        load_model(d)


def test_corrupt_weights_error(tmp_path):
    d = _copy(tmp_path)
    (d / "weights.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(ModelError, match="weights.npz"):
        load_model(d)


def test_wrong_shape_error(tmp_path):
    d = _copy(tmp_path)
    np.savez(d / "weights.npz", unit_coef=np.zeros(3), span_coef=np.zeros(3), params=np.zeros(6))
    with pytest.raises(ModelError, match="shape"):
        load_model(d)


# --- API ------------------------------------------------------------------------

def test_predict_proba_shape_range(model):
    keys = [fold(s) for s in ["", "今天天气很好。", "a", "澳门博彩收入下降。" * 20]]
    p = model.predict_proba(keys)
    assert p.shape == (4,)
    assert np.all((p >= 0) & (p <= 1))
    assert model.predict_proba([]).shape == (0,)


def test_batch_equals_single(model):
    keys = [fold(s) for s in ["今天天气很好。", "开云体育官方网站-登录入口", "xyz"]]
    batch = model.predict_proba(keys)
    single = np.array([model.predict_proba([k])[0] for k in keys])
    assert np.allclose(batch, single)


def test_hash_is_stable():
    # Fixed hash, not Python's salted hash(): columns are a pure function of the text.
    r, c, v = featurize(["ab"], 1 << 19)
    assert list(zip(r.tolist(), c.tolist())) == list(zip(*featurize(["ab"], 1 << 19)[:2]))
    assert len(c) == 9  # 4 unigrams, 3 bigrams, 2 trigrams with the boundary marks
    assert np.isclose((v ** 2).sum(), 1.0)


def test_span_candidates_stay_in_runs():
    key = fold("据报道,开云体育微软仍保留")
    spans = span_candidates(key)
    assert (key.index("开云体育"), key.index("开云体育") + 4) in spans
    assert all("," not in key[s:e] for s, e in spans)


def test_bare_cai_ends_a_brand_but_not_a_word():
    brand = fold("尽管如此,乐诚彩微软仍保留")
    assert (brand.index("乐诚彩"), brand.index("乐诚彩") + 3) in span_candidates(brand)
    # 博彩 / 体彩 / 精彩 end no brand, and 彩票 / 彩色 start the next word
    for text in ("澳门博彩毛收入增长", "体彩中心公布", "一场精彩的比赛", "彩色电视机", "购买彩票"):
        key = fold(text)
        assert not [key[s:e] for s, e in span_candidates(key) if key[e - 1] == "彩"], text


# --- behaviour on our own fixtures (no corpus text) -----------------------------

HELD_OUT_LINES = [  # the brief's "new" brands are held out of training on purpose
    "- 开云体育官方网站 今年春运客流预计再创新高",
    "九游会(中国)官方网站",
    "华体会app下载",
    "半岛体育官方网站-登录入口",
    "星空娱乐网址 国产大飞机完成首次商业飞行2024-05-28",
    "乐鱼体育 | 最新更新",
]
HARD_NEGATIVES = [
    "澳门特区政府博彩监察协调局公布,今年前三个月博彩毛收入按年上升百分之十二。",
    "分析员认为,中场业务复苏带动了澳门赌场收入增长。",
    "本届赛事由威尼斯人度假村冠名赞助,决赛将于周六举行。",
    "体彩中心表示,本期大乐透头奖开出两注,奖池滚存十亿元。",
    "湖人队詹姆斯砍下28分10个篮板7次助攻,帮助球队取胜。",
    "國家體育總局發布了新的體育彩票公益金使用報告。",
]


def test_held_out_family_brand_lines_score_high(model):
    t = model.thresholds["line"]
    p = model.predict_proba([fold(s) for s in HELD_OUT_LINES])
    assert (p >= t).mean() >= 5 / 6, dict(zip(HELD_OUT_LINES, p.round(3)))


def test_hard_negatives_score_low(model):
    t = model.thresholds["line"]
    p = model.predict_proba([fold(s) for s in HARD_NEGATIVES])
    assert np.all(p < t), dict(zip(HARD_NEGATIVES, p.round(3)))


def test_pasted_brand_span_found(model):
    text = "尽管如此,开云体育微软仍保留了重要的商业利益。"
    key = fold(text)
    spans = model.flag_spans(key)
    i = key.index("开云体育")
    assert any(s < i + 4 and i < e for s, e, _ in spans), spans
    assert all(0 <= s < e <= len(key) for s, e, _ in spans)


def test_no_span_in_hard_negatives(model):
    hits = model.flag_spans_many([fold(s) for s in HARD_NEGATIVES])
    assert not any(hits), hits


# --- quality gate -----------------------------------------------------------------

def test_card_metrics_above_floors():
    card = json.loads((SHIPPED / "card.json").read_text(encoding="utf-8"))
    floors = json.loads((SHIPPED / "floors.json").read_text(encoding="utf-8"))
    m = card["metrics"]
    for path, floor in floors["min"].items():
        v = m
        for part in path.split("/"):
            v = v[part]
        assert v >= floor, f"{path} = {v} below floor {floor}"
    for path, ceil in floors.get("max", {}).items():
        v = m
        for part in path.split("/"):
            v = v[part]
        assert v <= ceil, f"{path} = {v} above ceiling {ceil}"


# --- user retraining (slow: rebuilds the base from ../shared) -----------------------

def _new_style(rng: random.Random, n: int) -> list[dict]:
    """A layout the base never saw: emoji-framed 'VIP lounge' invitations."""
    stems = ["zq", "qb", "hx", "tm", "vp", "wx"]
    rows = []
    for _ in range(n):
        s = f"🎰✨{rng.choice(stems)}{rng.randint(100, 999)}贵宾厅✨邀您畅玩⭐日返{rng.randint(1, 9)}‰⭐"
        rows.append({"text": s, "label": "spam"})
    return rows


@pytest.mark.slow
def test_user_retrain_new_style(tmp_path):
    from textclean.training.spamdata import SpamData, build, shared_data_dir
    from textclean.training.train import train

    if shared_data_dir() is None:
        pytest.skip("../shared absent")
    rng = random.Random(7)
    rows = _new_style(rng, 200)
    data = tmp_path / "new.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    base = build()
    small = SpamData(units=random.Random(0).sample(base.units, 30000), spans=base.spans[:1] + random.Random(0).sample(base.spans, 15000),
                     inputs=base.inputs, families=base.families)
    before = train([], base=small)
    after = train([data], base=small)
    held = [fold(r["text"]) for r in _new_style(random.Random(99), 100)]
    assert (after.model.predict_proba(held) >= 0.5).mean() >= 0.95
    b, a = before.metrics["fpr_1%"], after.metrics["fpr_1%"]
    assert a["spam_recall"] >= b["spam_recall"] - 0.01
    assert a["ham_flagged"] <= b["ham_flagged"] + 0.01


def test_a_pasted_brand_goes_whole_not_its_tail():
    # the brand's tail (彩乐园) may score above the whole brand; the cut must
    # still take the stem, and not the sentence's own words before it
    from textclean import clean

    sentence = "粮食部门提醒,农户应将小麦充分晾晒后再出售,避免因水分过高影响等级和价格。"
    for pasted in ("出售,金牛彩乐园避免", "出售金牛彩乐园避免"):
        out = clean(sentence.replace("出售,避免", pasted))
        assert "金牛" not in out and "彩乐园" not in out
        assert out.replace(",", "") == sentence.replace(",", "")

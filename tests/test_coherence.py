"""Off-topic detection: leave-one-out coherence (issue 5).

Fixtures are written for these tests (no corpus text). The seeds test reads
``../shared`` and skips when it is absent.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from textclean import coherence
from textclean.coherence import load_topic_model, offtopic_signals, score_units
from textclean.normalize import fold
from textclean.segment import segment

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BOX = "此役湖人主场迎战勇士，詹姆斯全场出战三十八分钟，投篮二十二中十四，砍下三十五分十一个篮板和九次助攻，带领球队在加时赛中惊险取胜。"
# the fixtures are ~450-620 Han chars: below the production minimum, so tests pass min_chars
MIN = 300
THR = coherence.DEFAULT_THRESHOLD

TECH = """星河科技发布新一代人工智能芯片 算力提升三倍
本报记者 林晓
星河科技周二在深圳发布了新一代人工智能芯片“启明三号”，公司表示，这款芯片采用五纳米工艺制造，专门用于数据中心的大模型训练和推理。与上一代产品相比，新芯片的算力提升了三倍，而功耗只增加了百分之二十。
公司首席技术官在发布会上介绍，启明三号集成了新设计的张量计算单元和高带宽内存，单卡可以支持千亿参数模型的推理。工程团队花了两年时间重新设计了芯片之间的互联协议，使得上千张加速卡可以组成一个训练集群。软件方面，公司同步推出了新版编译器和开发工具包，开发者无需修改代码就能把现有模型迁移到新平台上。
分析人士认为，随着大模型应用快速普及，云计算厂商对高性能芯片的需求持续增长，国产芯片厂商正在迎来难得的市场窗口。一位长期关注半导体行业的研究员表示，芯片性能只是竞争的一部分，软件生态和开发者社区同样决定着产品能否被客户接受。
此役湖人主场迎战勇士，詹姆斯全场出战三十八分钟，投篮二十二中十四，砍下三十五分十一个篮板和九次助攻，带领球队在加时赛中惊险取胜。
据了解，启明三号已经向多家互联网公司和科研机构提供样片，首批客户包括几家大型云服务商和自动驾驶企业。公司计划在明年第一季度实现量产，并在上海和成都建设新的研发中心，招聘更多芯片设计和软件工程人才。
业内人士指出，人工智能芯片的研发投入巨大，设计周期长，企业需要持续投入才能跟上技术迭代的速度。星河科技去年的研发投入占营业收入的比例超过百分之三十，公司表示未来还将加大在先进封装和光互联技术上的投入，以提升芯片的整体性能和能效。
"""
SPORTS = """湖人加时险胜勇士 詹姆斯砍下三十五分
新浪体育讯 北京时间周三，湖人队在主场经过加时赛以一百二十一比一百一十七险胜勇士队，结束了三连败。
比赛一开始双方就展开了对攻，勇士队凭借外线手感一度领先十二分。湖人队在第二节加强了防守强度，通过快攻连续得分，半场结束时把分差缩小到三分。下半场两队比分交替上升，第四节最后一分钟勇士队命中三分球追平比分，把比赛拖入加时。
加时赛中湖人队的防守起到了关键作用，他们限制勇士队在五分钟里只得到六分，詹姆斯连续两次突破上篮得手，锁定了胜局。
此役詹姆斯全场出战四十二分钟，投篮二十六中十五，三分球七中三，罚球五中二，拿下三十五分十一个篮板九次助攻和两次抢断。戴维斯贡献二十八分十四个篮板，里夫斯得到十九分。勇士队方面，库里三十一分，维金斯十八分，格林拿下十分八个篮板。
赛后主教练表示，球队在逆境中表现出了坚韧的意志，年轻球员在关键时刻顶住了压力。他说球队还需要改进失误过多的问题，全场比赛湖人队出现了十七次失误，被对手转化成了二十二分。
湖人队下一场将在客场挑战太阳队，这也是他们本月最后一个背靠背的比赛。球队的伤病情况有所好转，主力后卫预计将在下周复出，这将大大增强球队的后场轮换深度。
"""


def _flag(text: str, **kw) -> list[str]:
    kw.setdefault("threshold", THR)
    kw.setdefault("min_chars", MIN)
    return [text[s.start : s.end] for s in offtopic_signals(text, fold(text), segment(text), **kw)]


def test_pasted_sports_sentence_in_tech_article_is_flagged() -> None:
    flagged = _flag(TECH)
    assert flagged == [BOX]


def test_signal_fields() -> None:
    sigs = offtopic_signals(TECH, fold(TECH), segment(TECH), threshold=THR, min_chars=MIN)
    assert [(s.source, s.label, s.unit) for s in sigs] == [("coherence", "offtopic", "line")]
    assert THR <= sigs[0].score <= 1.0


def test_box_score_in_sports_report_is_content() -> None:
    assert _flag(SPORTS) == []


def test_clean_tech_article_untouched() -> None:
    clean = TECH.replace(BOX + "\n", "")
    assert _flag(clean) == []


def test_short_document_not_judged() -> None:
    assert _flag(TECH) and _flag(TECH, min_chars=5000) == []
    short = "\n".join(TECH.splitlines()[:3] + [BOX])
    assert _flag(short, min_chars=coherence.DEFAULT_MIN_CHARS) == []


def test_traditional_gives_same_decision() -> None:
    from opencc import OpenCC

    trad = OpenCC("s2t").convert(TECH)
    assert len(trad) == len(TECH)
    assert _flag(trad) == [OpenCC("s2t").convert(BOX)]
    simp = score_units(TECH, fold(TECH), segment(TECH)).sentences
    tr = score_units(trad, fold(trad), segment(trad)).sentences
    assert np.allclose(simp, tr, atol=0.05)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
def test_weights_dtype_changes_no_score(dtype, reference) -> None:
    # the shipped W is held as float16; the same values in a wider type score the same, bit for bit
    from dataclasses import replace

    shipped = load_topic_model()
    wide = replace(shipped, W=shipped.W.astype(dtype))
    key, seg = fold(TECH), segment(TECH)
    a = score_units(TECH, key, seg, model=shipped, reference=reference)
    b = score_units(TECH, key, seg, model=wide, reference=reference)
    assert np.array_equal(a.sentences, b.sentences) and np.array_equal(a.lines, b.lines)


def test_duplicated_offtopic_sentence_still_flagged() -> None:
    doubled = TECH.replace(BOX, BOX + "\n" + BOX)
    assert _flag(doubled) == [BOX, BOX]


def test_scores_aligned_to_segmentation() -> None:
    seg = segment(TECH)
    res = score_units(TECH, fold(TECH), seg)
    assert res.sentences.shape == (len(seg.sentences),)
    assert res.lines.shape == (len(seg.lines),)
    assert np.all((res.sentences >= 0) & (res.sentences <= 1))


def test_protected_lines_never_judged() -> None:
    key = fold(TECH)
    seg = segment(TECH)
    res = score_units(TECH, key, seg)
    _, line_ok = coherence.eligible_units(key, seg, res.sentence_tokens)
    assert not line_ok[0]  # title
    assert not line_ok[1]  # byline
    table = "| 球员 | 得分 | 篮板 |\n1. 一个列表项目的内容比较长但是不应该被判断为离题句子。\n"
    k2 = fold(table)
    s2 = segment(table)
    _, ok2 = coherence.eligible_units(k2, s2, score_units(table, k2, s2).sentence_tokens)
    assert not ok2.any()


def test_key_must_match_text() -> None:
    with pytest.raises(ValueError):
        score_units(TECH, fold(TECH)[:-1], segment(TECH))


def test_empty_and_odd_inputs() -> None:
    for text in ("", "\n\n", "abc", "。。。", "a\tb\n|x|"):
        assert offtopic_signals(text, fold(text), segment(text), threshold=THR, min_chars=0) == []


def test_model_loads_without_pickle() -> None:
    directory = coherence._models_dir() / "topic"
    with np.load(directory / "weights.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    with zipfile.ZipFile(directory / "weights.npz") as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    card = json.loads((directory / "card.json").read_text(encoding="utf-8"))
    model = load_topic_model()
    assert model is load_topic_model()  # loaded once per process
    assert list(model.labels) == card["labels"]
    assert model.W.shape == (coherence.N_FEATURES, len(card["labels"]))
    assert model.W.dtype == np.float16  # held as stored: 4 MB, not 16 as float64
    assert card["split"]["eval_doc_ids"]


def test_featurize_is_deterministic() -> None:
    key = fold(TECH)
    a = coherence.featurize(key, [0, 50], [50, len(key)])
    b = coherence.featurize(key, [0, 50], [50, len(key)])
    assert (a != b).nnz == 0 and a.shape == (2, coherence.N_FEATURES)


NO_SHARED = not (SHARED / "data/seeds/gold.jsonl").exists()


def _gold() -> list[dict]:
    return [json.loads(x) for x in (SHARED / "data/seeds/gold.jsonl").read_text(encoding="utf-8").splitlines() if x]


@pytest.mark.skipif(NO_SHARED, reason="../shared not available")
def test_seeds_nothing_flagged_outside_gold_offtopic() -> None:
    for row in _gold():
        text = row["text"]
        wanted = [r["span"] for r in row["remove"] if r["why"] == "offtopic"]
        for f in _flag(text, min_chars=coherence.DEFAULT_MIN_CHARS):
            assert any(f.strip() in w for w in wanted), (row["id"], f)


@pytest.mark.skipif(NO_SHARED, reason="../shared not available")
def test_seed_002_box_score_flagged() -> None:
    # was a known miss (0.78 with topic model 1.0, threshold 0.995); 0.96 with model 2.0, threshold 0.95
    row = next(r for r in _gold() if r["id"] == "seed-002")
    assert any("尼克斯这边大桥" in f for f in _flag(row["text"], min_chars=coherence.DEFAULT_MIN_CHARS))


def test_long_text_judged_in_windows_of_whole_lines(monkeypatch) -> None:
    # a text far longer than an article is judged window by window (linear
    # time and memory); a window's signals point into the whole text
    from textclean import scorers
    from textclean.config import Config
    from textclean.document import prepare

    monkeypatch.setattr(scorers, "COHERENCE_WINDOW", len(SPORTS) + 10)
    text = SPORTS + "\n" + TECH
    doc = prepare(text)
    windows = scorers._windows(doc)
    assert len(windows) >= 2
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:]))
    assert all(text[hi - 1] == "\n" for _, hi in windows[:-1])  # whole lines
    config = Config(offtopic_min_chars=MIN, offtopic_threshold=THR)
    found = [text[s.start : s.end] for s in scorers.coherence_signals(doc, config)]
    assert found and all(f.strip() == BOX for f in found)


def test_card_metrics_within_floors() -> None:
    """Quality gate: the shipped card's metrics and its evaluation row at the default threshold."""
    directory = coherence._models_dir() / "topic"
    card = json.loads((directory / "card.json").read_text(encoding="utf-8"))
    floors = json.loads((directory / "floors.json").read_text(encoding="utf-8"))
    rows = [r for r in card["evaluation"]["rows"] if r["threshold"] == THR]
    assert card["evaluation"]["default_threshold"] == THR and len(rows) == 1, "re-run the benchmark with --write-card"
    roots = {"metrics": card["metrics"], "default_row": rows[0]}

    def get(path: str) -> float:
        head, _, key = path.partition("/")
        return roots[head][key]

    for path, floor in floors["min"].items():
        assert get(path) >= floor, f"{path} = {get(path)} below floor {floor}"
    for path, ceil in floors["max"].items():
        assert get(path) <= ceil, f"{path} = {get(path)} above ceiling {ceil}"


# --- the topic model loader refuses what is not a valid model ---------------------

def _model_copy(tmp_path):
    import shutil

    src = Path(coherence.__file__).resolve().parents[1] / "models" / "topic"
    dst = tmp_path / "topic"
    shutil.copytree(src, dst)
    return dst


def test_topic_loader_reads_a_copy(tmp_path):
    model = load_topic_model(_model_copy(tmp_path))
    assert model.W.shape[1] == len(model.labels)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "card.json").write_text("{", encoding="utf-8"), "unreadable topic model card"),
        (lambda d: (d / "card.json").write_text('{"version": "9.0.0", "labels": ["a", "b"]}', encoding="utf-8"), "retrain"),
        (lambda d: (d / "card.json").unlink(), "not found"),
        (lambda d: (d / "weights.npz").write_bytes(b"not a zip"), "not an .npz"),
        (lambda d: np.savez(d / "weights.npz", W=np.zeros((3, 3))), "W"),
        (lambda d: np.savez(d / "weights.npz", obj=np.array([object()], dtype=object)), "missing"),
    ],
)
def test_topic_loader_refuses_damaged_models(tmp_path, damage, message):
    from textclean.model import ModelError

    d = _model_copy(tmp_path)
    damage(d)
    with pytest.raises(ModelError, match=message):
        load_topic_model(d)


def test_topic_loader_never_unpickles(tmp_path):
    from textclean.model import ModelError

    d = _model_copy(tmp_path)
    with np.load(d / "weights.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["W"] = np.array([object()], dtype=object)  # an object array is stored as a pickle
    np.savez(d / "weights.npz", **arrays)
    with pytest.raises(ModelError, match="unsafe|dtype"):
        load_topic_model(d)

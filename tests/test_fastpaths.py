"""Fast paths give exactly what the plain formulation gives (the plain one is the oracle here)."""
from __future__ import annotations

import random

import numpy as np
import pytest
import regex

from textclean import model, spin

ALPHABET = list("娱乐城场体育彩票棋牌电竞官网平台园国际会真人集团游戏的了中国") + list("appbetxyz09AP") + [
    " ", "，", "。", "\n", "\r", "-", "\x02", "\x03", "😀", "𠀀",
]


def _random_keys(rng: random.Random, n: int, alphabet=ALPHABET) -> list[str]:
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(n)]


def _featurize_plain(keys, n_features, ngram=(1, 3)):
    codes, unit = model._codes(keys)
    rows, cols = [], []
    for n in range(ngram[0], ngram[1] + 1):
        if len(codes) < n:
            continue
        h = model._ngram_hash(codes, n)
        ok = unit[: len(h)] == unit[n - 1:]
        rows.append(unit[: len(h)][ok])
        cols.append((h[ok] % np.uint64(n_features)).astype(np.int64))
    pair = np.unique(np.concatenate(rows) * n_features + np.concatenate(cols))
    r, c = pair // n_features, pair % n_features
    nnz = np.bincount(r, minlength=len(keys)).astype(np.float64)
    return r, c, 1.0 / np.sqrt(nnz[r])


@pytest.mark.parametrize("n_features", [1 << 19, 1000])
def test_featurize_equals_unique_formulation(n_features):
    rng = random.Random(n_features)
    for _ in range(150):
        keys = _random_keys(rng, rng.randint(1, 12))
        got = model.featurize(keys, n_features)
        want = _featurize_plain(keys, n_features)
        for a, b in zip(got, want):
            assert a.dtype == b.dtype and np.array_equal(a, b)


_RUN = regex.compile(r"[\p{Han}a-z0-9]+")


def _candidates_plain(key):
    out = []
    for run in _RUN.finditer(key):
        for m in model._MORPH.finditer(key, run.start(), run.end(), overlapped=True):
            for k in range(1, model.MAX_STEM + 1):
                if m.start() - k < run.start():
                    break
                out.append((m.start() - k, m.end()))
    return out


def _widened_plain(scored, start, end, q):
    """The longest candidate of one key with the same end scoring at most WIDEN_MARGIN lower."""
    return min(s for s, e, r in scored if e == end and (r >= q - model.WIDEN_MARGIN or s == start))


def test_span_candidates_and_flags_equal_per_key_scan():
    rng = random.Random(7)
    head = model._Head(np.linspace(-1, 1, 1 << 10, dtype=np.float32), 0.1, 2.0, -0.5)
    m = model.SpamModel(unit=head, span=head, n_features=1 << 10)
    for _ in range(300):
        keys = _random_keys(rng, rng.randint(1, 5))
        for k in keys:
            assert model.span_candidates(k) == _candidates_plain(k)
        for t in (0.0, 0.5, 0.9):
            want = []
            for k in keys:
                scored = [(s, e, float(m.span_proba([k[s:e]])[0])) for s, e in _candidates_plain(k)]
                hits = [(_widened_plain(scored, s, e, q), e, q) for s, e, q in scored if q >= t]
                want.append(model._merge(hits))
            assert m.flag_spans_many(keys, t) == want


def test_span_flags_in_batches_equal_one_pass(monkeypatch):
    rng = random.Random(11)
    head = model._Head(np.linspace(-1, 1, 1 << 10, dtype=np.float32), 0.1, 2.0, -0.5)
    m = model.SpamModel(unit=head, span=head, n_features=1 << 10)
    keys = _random_keys(rng, 60)
    whole = m.flag_spans_many(keys, 0.3)
    assert any(whole)
    for size in (1, 7, 50):
        monkeypatch.setattr(model, "SPAN_BATCH_CHARS", size)
        assert m.flag_spans_many(keys, 0.3) == whole


def test_spin_matches_equal_named_list_scan():
    entries = spin._get().entries
    oracle = regex.compile(r"\L<spin>", spin=list(entries))
    han = regex.compile(r"\p{Han}")
    pieces = list(entries) + [e[:-1] for e in entries if len(e) > 1] + [e[1:] for e in entries]
    pieces += list("的人了不是中国\n ，。abc\ud800😀𠀀")
    rng = random.Random(3)
    for _ in range(3000):
        key = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert spin._matches(key) == [(x.start(), x.end(), entries[x.group()]) for x in oracle.finditer(key)]
        assert spin._han_count(key) == len(han.findall(key))


def test_han_table_agrees_with_regex_everywhere():
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert spin._han_count(text) == len(regex.findall(r"\p{Han}", text))


def test_fold_numpy_path_equals_translate():
    from textclean.normalize import fold, fold_table

    rng = random.Random(11)
    table = fold_table()
    texts = ["".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF), "a\ud800B\r\n" * 100]
    texts += ["".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 700))) for _ in range(200)]
    for text in texts:
        assert fold(text) == text.translate(table)


def test_unit_scores_do_not_depend_on_batching(monkeypatch):
    rng = random.Random(5)
    head = model._Head(np.linspace(-1, 1, 1 << 10, dtype=np.float32), 0.1, 2.0, -0.5)
    keys = _random_keys(rng, 400)
    whole = head.proba(keys, 1 << 10, (1, 3))
    monkeypatch.setattr(model, "BATCH_CHARS", 40)
    assert np.array_equal(head.proba(keys, 1 << 10, (1, 3)), whole)
    assert head.proba([], 1 << 10, (1, 3)).shape == (0,)


# --------------------------------------------------- coherence compact path
# Sentences written for this test (no corpus text): three topics, so documents
# mix on- and off-topic units; repeats exercise the verbatim-copy groups.
_TOPIC_SENTENCES = {
    "tech": [
        "新款手机搭载自研芯片，续航时间比上一代延长了两个小时。",
        "工程师介绍，操作系统升级后应用启动速度明显加快。",
        "这家公司计划明年在数据中心部署更多人工智能服务器。",
        "软件开发者可以通过新的工具包把模型迁移到云平台。",
        "分析人士认为，芯片产能紧张的局面将持续到年底。",
        "Version 2.0 of the SDK adds GPU support and 100 new APIs.",
    ],
    "sports": [
        "主队在最后一分钟命中三分球，把比赛拖进了加时赛。",
        "这名前锋本赛季已经攻入十八球，领跑射手榜。",
        "教练赛后表示，球队的防守强度还需要继续提高。",
        "双方在下半场互有攻守，比分交替上升。",
        "門將連續做出三次撲救，幫助球隊保住了勝局。",
    ],
    "finance": [
        "央行宣布下调存款准备金率零点五个百分点，释放长期资金。",
        "受消息影响，沪深两市成交额突破一万亿元。",
        "银行板块领涨，保险和券商股也有不同程度上涨。",
        "分析师预计，下半年企业盈利有望继续改善。",
        "债券收益率小幅回落，人民币汇率保持稳定。",
    ],
}


def _coherence_docs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    pool = [s for sents in _TOPIC_SENTENCES.values() for s in sents]
    docs = []
    for _ in range(count):
        main = rng.choice(list(_TOPIC_SENTENCES))
        lines = ["标题：" + rng.choice(_TOPIC_SENTENCES[main])[:12]]
        for _ in range(rng.randint(1, 8)):
            para = [rng.choice(_TOPIC_SENTENCES[main]) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.4:
                para.insert(rng.randrange(len(para) + 1), rng.choice(pool))  # pasted from elsewhere
            lines.append("".join(para))
            if rng.random() < 0.2:
                lines.append(rng.choice(["", "  ", "责任编辑：王明", "| 日期 | 数据 |", lines[-1]]))  # repeats, chrome
        docs.append("\n".join(lines))
    return docs + ["", "\n\n", "。。。", "短句。", "a b c 1 2 3"]


def _assert_same_scores(text: str) -> None:
    from textclean import coherence
    from textclean.document import prepare

    doc = prepare(text)
    fast = coherence.score_units(doc.text, doc.key, doc.seg)
    plain = coherence.score_units(doc.text, doc.key, doc.seg, reference=True)
    for got, want in (
        (fast.sentences, plain.sentences),
        (fast.lines, plain.lines),
        (fast.features_sentences, plain.features_sentences),
        (fast.features_lines, plain.features_lines),
    ):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # the lexical columns are float32 sums added in the same order: exactly equal
    lexical = [coherence.FEATURE_NAMES.index(c) for c in ("lex_cos", "lex_rel", "lex_top3")]
    assert np.array_equal(fast.features_sentences[:, lexical], plain.features_sentences[:, lexical])
    assert np.array_equal(fast.features_lines[:, lexical], plain.features_lines[:, lexical])


def test_coherence_compact_path_equals_sparse_formulation(monkeypatch):
    from textclean import coherence

    used = []
    compact = coherence._parts_on
    monkeypatch.setattr(coherence, "_parts_on", lambda *a: used.append(1) or compact(*a))
    for text in _coherence_docs(13, 60):
        _assert_same_scores(text)
    assert len(used) > 100  # the fast path was actually taken


def test_coherence_shared_index_equals_one_index_per_unit_type():
    """Sentences and lines scored together (one feature index, shared token
    hashes) give exactly the floats of each unit type scored on its own."""
    from textclean import coherence
    from textclean.document import prepare

    model = coherence.load_topic_model()
    for text in _coherence_docs(31, 40):
        doc = prepare(text)
        s_start, s_end, l_start, l_end = coherence._unit_bounds(doc.seg)
        units = [(a, b, coherence.token_counts(doc.key, a, b)) for a, b in ((s_start, s_end), (l_start, l_end))]
        together = coherence._lazy_features(doc.key, units, model)
        for (a, b, t), (partial, finish) in zip(units, together):
            assert np.array_equal(partial, coherence._unit_features_lazy(doc.key, a, b, model, t)[0])
            full = partial if finish is None else finish()
            assert np.array_equal(full, coherence._unit_features_for(doc.key, a, b, model, t))


@pytest.mark.parametrize("limit", ["_EXACT_F32", "_MAX_COMPACT_TOKENS"])
def test_coherence_sparse_fallback_for_big_windows(monkeypatch, limit):
    from textclean import coherence

    monkeypatch.setattr(coherence, limit, 0)  # every window "too big": the sparse path
    for text in _coherence_docs(17, 10):
        _assert_same_scores(text)


def test_coherence_compact_path_pairwise_cap(monkeypatch):
    from textclean import coherence

    monkeypatch.setattr(coherence, "_MAX_PAIRWISE_UNITS", 4)  # top-3 similarity skipped on both paths
    for text in _coherence_docs(19, 10):
        _assert_same_scores(text)


def _offtopic_from_full_scores(text: str, threshold: float) -> list:
    """offtopic_signals' decision on score_units' full result (no bound, nothing skipped)."""
    from textclean import coherence
    from textclean.document import prepare

    doc = prepare(text)
    key, seg = doc.key, doc.seg
    if coherence._han_or_word_chars(key) < coherence.DEFAULT_MIN_CHARS or not seg.sentences:
        return []
    if coherence._han_share(key) < 0.5:
        return []
    res = coherence.score_units(text, key, seg)
    sent_ok, line_ok = coherence.eligible_units(key, seg, res.sentence_tokens)
    if sent_ok.sum() < 4:
        return []
    flagged = coherence._flag_runs(res.sentences, sent_ok, threshold, threshold - 0.3)
    line_hit = line_ok & (res.lines >= threshold)
    if line_hit.any():
        sent_line = np.array([s.line for s in seg.sentences], dtype=np.int64)
        flagged |= line_hit[sent_line] & sent_ok & (res.sentences >= threshold - 0.3)
    return coherence._signals(text, seg, res, flagged, sent_ok, line_ok)


@pytest.mark.parametrize("threshold", [0.95, 0.7, 0.3, 0.0])
def test_offtopic_bound_skips_only_pages_that_flag_nothing(monkeypatch, threshold):
    """The top-3 bound changes no signal (nor its score), and does skip pages."""
    from textclean import coherence
    from textclean.document import prepare

    calls = []
    real = coherence._decision_scores
    monkeypatch.setattr(coherence, "_decision_scores", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    for text in _coherence_docs(23, 80):
        doc = prepare(text)
        got = coherence.offtopic_signals(text, doc.key, doc.seg, threshold=threshold)
        assert got == _offtopic_from_full_scores(text, threshold)
    skipped = sum(r is None for r in calls)
    assert skipped < len(calls)
    if threshold == 0.0:
        assert skipped == 0  # every unit reaches 0
    if threshold == 0.95:
        assert skipped > 0


def test_offtopic_bound_is_above_every_score(monkeypatch):
    """The bound with top-3 unknown is at least the score with the real top-3, unit by unit."""
    from textclean import coherence
    from textclean.document import prepare

    monkeypatch.setattr(coherence, "_BOUND_SLACK", 1e-12)  # the bound itself, not its margin
    model = coherence.load_topic_model()
    for text in _coherence_docs(29, 40):
        doc = prepare(text)
        s_start, s_end, l_start, l_end = coherence._unit_bounds(doc.seg)
        for starts, ends in ((s_start, s_end), (l_start, l_end)):
            tokens = coherence.token_counts(doc.key, starts, ends)
            partial, finish = coherence._unit_features_lazy(doc.key, starts, ends, model, tokens)
            if finish is None:
                continue
            full = finish()
            assert np.array_equal(full, coherence._unit_features_for(doc.key, starts, ends, model, tokens))
            p = coherence._combine(full, model)
            for i in range(len(starts)):
                one = np.zeros(len(starts), dtype=bool)
                one[i] = True
                # the unit's own score is never above the bound: a threshold at the score is reached
                assert coherence._may_reach(partial, np.ones_like(tokens), one, model, float(p[i]), True)
                assert not coherence._may_reach(partial, np.ones_like(tokens), one, model, 1.5, True)


@pytest.mark.parametrize("chunk", [1, 2, 7])
def test_han_counts_in_chunks_equal_one_pass(monkeypatch, chunk):
    from textclean import scorers

    rng = random.Random(chunk)
    texts = ["", "中", "ab\n中文。𠀀\ud800国"] + [
        "".join(rng.choice("中文ab\n\ud800𠀀国。") for _ in range(rng.randint(0, 40))) for _ in range(100)
    ]
    whole = [scorers._han_before(t).tolist() for t in texts]
    monkeypatch.setattr(scorers, "_HAN_CHUNK", chunk)
    for t, want in zip(texts, whole):
        got = scorers._han_before(t)
        assert got.tolist() == want and len(got) == len(t) + 1


@pytest.mark.parametrize("chunk", [1, 3, 300])
def test_fold_in_chunks_equals_translate(monkeypatch, chunk):
    from textclean import normalize

    rng = random.Random(chunk)
    alphabet = "中國臺灣ＡＢabc\r\n\ud800𠀀ｶ①ﬁ國語。"
    text = "".join(rng.choice(alphabet) for _ in range(2000))
    monkeypatch.setattr(normalize, "_FOLD_CHUNK", chunk)
    assert normalize.fold(text) == text.translate(normalize.fold_table())


_PARTS = ["新闻", "报道。", "a.b", " ", "\u3000", "。", "!", "\ud800", "😀", "D.A. ", "…"]
_BREAKS = ["\n", "\r\n", "\r", "\n\n", ""]


def test_excerpt_equals_preparing_the_joined_text():
    from textclean.pipeline import _prepare
    from textclean.rebuild import kept_intervals
    from textclean.report import Verdict

    rng = random.Random(5)
    derived = 0
    for _ in range(3000):
        text = "".join(rng.choice(_PARTS) * rng.randint(0, 2) + rng.choice(_BREAKS) for _ in range(rng.randint(1, 8)))
        doc = _prepare(text)
        if doc.lines and rng.random() < 0.5:
            doc.is_blank(doc.lines[0])  # per-line counts made before: carried over
        verdicts = []
        for ln in doc.lines:  # whole lines removed, now and then a cut inside one
            r = rng.random()
            if r < 0.35:
                verdicts.append(Verdict(ln.start, ln.end, "line", "spam", "spam", ()))
            elif r < 0.4 and ln.end > ln.start:
                a = rng.randint(ln.start, ln.end - 1)
                verdicts.append(Verdict(a, rng.randint(a + 1, ln.end), "span", "spam", "spam", ()))
        pieces = kept_intervals(doc, verdicts) if verdicts else [(0, len(text))]
        got = doc.excerpt(pieces)
        if got is None:
            continue
        derived += 1
        want = _prepare("".join(text[s:e] for s, e in pieces))
        assert (got.text, got.key, got.seg) == (want.text, want.key, want.seg), (text, pieces)
        assert (got._line_starts, got._sentence_starts) == (want._line_starts, want._sentence_starts)
        assert [(got.is_blank(ln), got.line_visible_len(ln)) for ln in got.lines] == [
            (want.is_blank(ln), want.line_visible_len(ln)) for ln in want.lines]
    assert derived > 2000  # most piece sets are whole lines


@pytest.mark.parametrize("text, pieces", [
    ("a\r" + "b\n" + "\nc", [(0, 2), (4, 6)]),  # "a\r" then "\n": one CRLF break in the joined text
    ("a\n" + "bc\n", [(0, 2), (2, 3)]),  # a piece ending inside a line
    ("a\n" + "bc\n", [(0, 2), (3, 5)]),  # a piece starting inside a line
    ("a\n" + "b\n" + "c", [(0, 1), (4, 5)]),  # a line's break dropped where more text follows
    ("a\nb", [(2, 3), (0, 2)]),  # a line with no break followed by more text
])
def test_excerpt_declines_when_lines_would_change(text, pieces):
    from textclean.document import prepare

    assert prepare(text).excerpt(pieces) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_median_equals_numpy_median(dtype):
    from textclean.coherence import _median

    rng = np.random.default_rng(3)
    for n in list(range(1, 12)) + [50, 51, 200]:
        for _ in range(20):
            x = rng.random(n).astype(dtype) * rng.choice([1e-3, 1.0, 1e6])
            if rng.random() < 0.3:
                x[rng.integers(0, n, size=max(1, n // 3))] = x[0]  # ties
            assert _median(x) == float(np.median(x))
    with_nan = np.array([0.5, np.nan, 0.1], dtype=dtype)
    assert np.isnan(_median(with_nan)) and np.isnan(float(np.median(with_nan)))

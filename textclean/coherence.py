"""Off-topic detection: how well each sentence and line fits its own document.

Spam farms paste sentences from other stories into the article they copy. No
keyword finds them; only the article itself says they do not belong. Every
unit (sentence, line) is compared with the rest of its document *without*
that unit (leave-one-out), done for all units at once with sparse algebra:
``rest_i = doc - unit_i``.

Two kinds of evidence, read on the folding key so Traditional and Simplified
score alike:

* lexical: TF-IDF cosine between the unit and the rest, on hashed tokens (a Han
  character or an ASCII/Latin word) and token bigrams;
* topic: a linear topic model (15 news labels, trained on THUCNews and TNEWS)
  applied to the unit and to the rest; a sports sentence in a tech article puts
  its mass where the rest puts none.

A tiny logistic combiner, trained on synthetic splices, turns these into an
off-topic probability. Decisions (:func:`offtopic_signals`) only judge long
documents and long, prose-like units, and never headings, bylines, quotes,
tables or list items.

The model is plain arrays (``weights.npz``, loaded with ``allow_pickle=False``)
plus a JSON card; featurisation is a fixed numpy hash, so no scikit-learn
object is needed at run time.
"""
from __future__ import annotations

import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import regex as _re

from .report import Signal

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from .segment import Segmentation

__all__ = [
    "CoherenceResult",
    "TopicModel",
    "featurize",
    "load_topic_model",
    "score_units",
    "offtopic_signals",
    "eligible_units",
    "DEFAULT_THRESHOLD",
    "DEFAULT_MIN_CHARS",
]

logger = logging.getLogger(__name__)

#: recommended defaults (see the model card for the measurements behind them)
DEFAULT_THRESHOLD = 0.95
# Han characters + words; below this a document has too little text for its
# topic to be estimated once a sentence is left out (a short news brief)
DEFAULT_MIN_CHARS = 150

N_BITS = 17
N_FEATURES = 1 << N_BITS
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_NUM_TOKEN = np.uint64(0x4E554D)  # every digit run is one token: numbers carry no topic
_HAN_SALT = np.uint64(0x48414E0000000000)
_BIGRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
# per-position multipliers for word hashing (fixed, so features never drift)
_POS_MUL = (np.arange(1, 33, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)) | np.uint64(1)

# a unit needs this many tokens (Han chars / words) before it is judged
MIN_UNIT_TOKENS = 12


# ----------------------------------------------------------------- hashing ---

def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wraps silently, deterministic)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@functools.lru_cache(maxsize=2)
def _tokens(key: str) -> tuple[np.ndarray, np.ndarray]:
    """Token start offsets and uint64 token values of *key* (read-only arrays).

    Cached for the last documents: scoring one document asks for its tokens
    several times (length checks, sentences, lines).

    A token is one Han character or one run of ASCII/Latin letters and digits;
    digit-only runs collapse to one NUM token.
    """
    if not key:
        empty_pos, empty_val = np.zeros(0, np.int64), np.zeros(0, np.uint64)
        empty_pos.setflags(write=False)
        empty_val.setflags(write=False)
        return empty_pos, empty_val
    cp = np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    han = ((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF)) | (
        (cp >= 0x20000) & (cp <= 0x2FFFF)
    )
    digit = (cp >= 0x30) & (cp <= 0x39)
    alnum = digit | ((cp >= 0x61) & (cp <= 0x7A)) | ((cp >= 0xDF) & (cp <= 0x24F) & (cp != 0xF7))
    prev = np.concatenate(([False], alnum[:-1]))
    starts = np.flatnonzero(alnum & ~prev)
    words_pos = starts
    if starts.size:
        run_id = np.cumsum(alnum & ~prev) - 1
        idx = np.flatnonzero(alnum)
        offset = np.minimum(idx - starts[run_id[idx]], 31)
        vals = cp[idx] * _POS_MUL[offset]
        word_vals = np.add.reduceat(vals, np.searchsorted(idx, starts))
        all_digit = np.logical_and.reduceat(digit[idx], np.searchsorted(idx, starts))
        word_vals = np.where(all_digit, _NUM_TOKEN, word_vals)
    else:
        word_vals = np.zeros(0, np.uint64)
    han_pos = np.flatnonzero(han)
    pos = np.concatenate((han_pos, words_pos))
    val = np.concatenate((cp[han_pos] ^ _HAN_SALT, word_vals))
    order = np.argsort(pos, kind="stable")
    pos, val = pos[order].astype(np.int64), val[order]
    pos.setflags(write=False)
    val.setflags(write=False)
    return pos, val


def featurize(key: str, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray) -> "csr_matrix":
    """Hashed token unigram + bigram counts for each unit ``key[starts[i]:ends[i]]``.

    Units must not overlap and must be sorted. Returns an ``(n_units, N_FEATURES)``
    CSR matrix of float32 counts. The same function featurises training text, so
    training and scoring cannot drift.
    """
    from scipy.sparse import csr_matrix

    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    n = len(starts)
    pos, val = _tokens(key)
    if n == 0 or pos.size == 0:
        return csr_matrix((n, N_FEATURES), dtype=np.float32)
    unit = np.searchsorted(starts, pos, side="right") - 1
    inside = (unit >= 0) & (pos < ends[np.clip(unit, 0, n - 1)])
    pos, val, unit = pos[inside], val[inside], unit[inside]
    shift = np.uint64(64 - N_BITS)
    uni = (_mix(val) >> shift).astype(np.int64)
    same = unit[1:] == unit[:-1]
    bi_val = val[:-1] * _BIGRAM_MUL + (val[1:] ^ np.uint64(0x2545F4914F6CDD1D))
    bi = (_mix(bi_val)[same] >> shift).astype(np.int64)
    rows = np.concatenate((unit, unit[:-1][same]))
    cols = np.concatenate((uni, bi))
    data = np.ones(rows.size, dtype=np.float32)
    mat = csr_matrix((data, (rows, cols)), shape=(n, N_FEATURES), dtype=np.float32)
    mat.sum_duplicates()
    return mat


def token_counts(key: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Number of tokens (Han chars + words) in each unit."""
    pos, _ = _tokens(key)
    lo = np.searchsorted(pos, starts, side="left")
    hi = np.searchsorted(pos, ends, side="left")
    return (hi - lo).astype(np.int64)


# ------------------------------------------------------------------- model ---

@dataclass(frozen=True)
class TopicModel:
    """Plain arrays: topic weights ``W`` (features × labels), bias ``b``, ``idf``,
    and the combiner (feature mean/scale, coefficients, intercept)."""

    W: np.ndarray
    b: np.ndarray
    idf: np.ndarray
    comb_mean: np.ndarray
    comb_scale: np.ndarray
    comb_coef: np.ndarray
    comb_intercept: float
    labels: tuple[str, ...]
    card: dict[str, Any]

    def topic_logits(self, X: "csr_matrix") -> np.ndarray:
        """Raw (unnormalised-input) logits ``X @ W``; callers divide by the norm.

        Only the rows of ``W`` for features that occur are gathered (a page
        uses a few thousand of 131k), then one sparse-dense product: memory is
        features used × labels plus rows × labels, never per nonzero.
        """
        from scipy.sparse import csr_matrix

        X = X.tocsr()
        cols, local = np.unique(X.indices, return_inverse=True)
        compact = csr_matrix(
            (X.data.astype(np.float64), local.reshape(-1), X.indptr), shape=(X.shape[0], cols.size)
        )
        return np.asarray(compact @ self.W[cols], dtype=np.float64)


_lock = threading.Lock()
_model: TopicModel | None = None


def _models_dir() -> Path:
    from .paths import models_dir

    return models_dir()


def _read_model(directory: Path) -> TopicModel:
    weights = directory / "weights.npz"
    card_path = directory / "card.json"
    try:
        with np.load(weights, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"cannot load the topic model from {directory}: {exc}") from exc
    labels = tuple(card["labels"])
    W = arrays["W"].astype(np.float64)
    if W.shape != (N_FEATURES, len(labels)):
        raise RuntimeError(f"{weights}: W has shape {W.shape}, expected {(N_FEATURES, len(labels))}")
    return TopicModel(
        W=W,
        b=arrays["b"].astype(np.float64),
        idf=arrays["idf"].astype(np.float32),
        comb_mean=arrays["comb_mean"].astype(np.float64),
        comb_scale=arrays["comb_scale"].astype(np.float64),
        comb_coef=arrays["comb_coef"].astype(np.float64),
        comb_intercept=float(arrays["comb_intercept"]),
        labels=labels,
        card=card,
    )


def load_topic_model(path: str | Path | None = None) -> TopicModel:
    """The topic model in *path* (a directory), or the shipped one, loaded once."""
    global _model
    if path is not None:
        return _read_model(Path(path))
    if _model is None:
        with _lock:
            if _model is None:
                _model = _read_model(_models_dir() / "topic")
                logger.debug("loaded topic model %s", _model.card.get("version"))
    return _model


# ----------------------------------------------------------------- scoring ---

@dataclass(frozen=True)
class CoherenceResult:
    """Off-topic probabilities aligned to ``seg.sentences`` and ``seg.lines``.

    ``features_*`` are the raw combiner inputs (for tuning and debugging);
    units with no tokens get probability 0.
    """

    sentences: np.ndarray
    lines: np.ndarray
    features_sentences: np.ndarray
    features_lines: np.ndarray
    sentence_tokens: np.ndarray
    line_tokens: np.ndarray
    doc_tokens: int


FEATURE_NAMES = (
    "lex_cos",
    "lex_rel",
    "topic_agree",
    "unit_pref",
    "unit_conf",
    "rest_conf",
    "log_unit_tokens",
    "log_rest_tokens",
    "lex_x_pref",
    "lex_top3",
    "top3_x_pref",
    "rest_on_unit",
    "cross_entropy",
    "conf_x_rest_on_unit",
)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _group_sums(X: "csr_matrix", groups: np.ndarray) -> "csr_matrix":
    """Row i = sum of the rows of *X* in the same group as i (copies of one unit)."""
    from scipy.sparse import csr_matrix

    n = X.shape[0]
    n_groups = int(groups.max()) + 1 if n else 0
    P = csr_matrix((np.ones(n, dtype=np.float32), (groups, np.arange(n))), shape=(n_groups, n))
    return (P @ X)[groups]


def unit_features(
    X: "csr_matrix", model: TopicModel, n_tokens: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """Leave-one-out features for every row of *X* against the sum of the others.

    All vectorised: with ``d = X.sum(0)`` and ``g_i`` the sum of unit i and its
    verbatim copies (*groups*; a spammer may paste the same sentence twice),
    the rest of unit i is ``d - g_i``, so dot products and norms of the rest
    follow from ``x_i·d``, ``x_i·g_i``, ``g_i·d`` and ``|g_i|²``.
    """
    n = X.shape[0]
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    if groups is None:
        groups = np.arange(n)
    eps = 1e-9
    G = _group_sums(X, groups)
    # lexical: TF-IDF cosine with the rest
    idf = model.idf[None, :]
    Xw = X.multiply(idf).tocsr()
    Gw = G.multiply(idf).tocsr()
    dw = np.asarray(Xw.sum(axis=0)).ravel()
    x_sq = np.asarray(Xw.multiply(Xw).sum(axis=1)).ravel()
    x_rest = np.asarray(Xw @ dw).ravel() - np.asarray(Xw.multiply(Gw).sum(axis=1)).ravel()
    rest_sq = _rest_sq(Gw, dw)
    lex = np.clip(x_rest / (np.sqrt(x_sq * rest_sq) + eps), 0.0, 1.0)
    judged = n_tokens >= MIN_UNIT_TOKENS
    med = float(np.median(lex[judged] if judged.any() else lex))
    lex_rel = np.log((lex + 0.01) / (med + 0.01))
    # topic: linear model on l2-normalised counts; rest logits by subtraction
    raw = model.topic_logits(X)
    graw = model.topic_logits(G)
    d = np.asarray(X.sum(axis=0)).ravel()
    x_norm = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()) + eps
    r_norm = np.sqrt(_rest_sq(G, d)) + eps
    p = _softmax(raw / x_norm[:, None] + model.b)
    q = _softmax((raw.sum(axis=0)[None, :] - graw) / r_norm[:, None] + model.b)
    agree = np.log((p * q).sum(axis=1) + 1e-6)
    k_rest = q.argmax(axis=1)
    unit_pref = np.log(p.max(axis=1) + 1e-6) - np.log(p[np.arange(n), k_rest] + 1e-6)
    g_tokens = np.bincount(groups, weights=n_tokens)[groups]
    rest_tokens = n_tokens.sum() - g_tokens
    top3 = _top_similarity(Xw, x_sq, 3, groups)
    # how much the rest believes in the unit's own topic: a confident sports
    # sentence in a tech article gets almost no sports mass from the rest
    rest_on_unit = np.log(q[np.arange(n), p.argmax(axis=1)] + 1e-6)
    cross_entropy = -(p * np.log(q + 1e-6)).sum(axis=1)
    return np.column_stack(
        (
            lex,
            lex_rel,
            agree,
            unit_pref,
            p.max(axis=1),
            q.max(axis=1),
            # lengths capped: the linear combiner must not extrapolate "a longer
            # rest lowers the score" to pages far longer than a THUCNews article
            np.log1p(np.minimum(n_tokens, 150)),
            np.log1p(np.minimum(rest_tokens, 1500)),
            (1 - lex) * unit_pref,
            top3,
            (1 - top3) * unit_pref,
            rest_on_unit,
            cross_entropy,
            p.max(axis=1) * rest_on_unit,
        )
    )


def _rest_sq(G: "csr_matrix", d: np.ndarray) -> np.ndarray:
    """|d - g_i|² for every row g_i of *G*."""
    g_d = np.asarray(G @ d).ravel()
    g_sq = np.asarray(G.multiply(G).sum(axis=1)).ravel()
    return np.maximum(float(d @ d) - 2 * g_d + g_sq, 0.0)


#: above this many units the pairwise similarity (n² floats) is skipped
_MAX_PAIRWISE_UNITS = 1000


def _top_similarity(Xw: "csr_matrix", x_sq: np.ndarray, k: int, groups: np.ndarray) -> np.ndarray:
    """Mean of each unit's *k* best cosines with other units.

    A genuine sentence usually echoes a few others closely even when it is
    far from the document centroid; a pasted one echoes at most its own
    block (hence the mean of several, not the max).
    """
    n = Xw.shape[0]
    if n <= 1 or n > _MAX_PAIRWISE_UNITS:  # huge pages: no evidence rather than O(n²) time and memory
        return np.zeros(n)
    norm = np.sqrt(x_sq) + 1e-9
    S = np.asarray((Xw @ Xw.T).todense()) / norm[:, None] / norm[None, :]
    S[groups[:, None] == groups[None, :]] = 0.0  # self and verbatim copies
    kk = min(k, n - 1)
    top = -np.partition(-S, kk - 1, axis=1)[:, :kk]
    return top.mean(axis=1)


def _combine(F: np.ndarray, model: TopicModel) -> np.ndarray:
    if F.shape[0] == 0:
        return np.zeros(0)
    z = ((F - model.comb_mean) / model.comb_scale) @ model.comb_coef + model.comb_intercept
    return 1.0 / (1.0 + np.exp(-z))


def _copies(key: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Group id per unit; units with the same (stripped) key text share one."""
    seen: dict[str, int] = {}
    out = np.empty(len(starts), dtype=np.int64)
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        t = key[a:b].strip()
        out[i] = seen.setdefault(t, len(seen)) if t else len(seen) + 10**9
    if len(out):
        _, out = np.unique(out, return_inverse=True)
    return out.astype(np.int64)


def score_units(text: str, key: str, seg: "Segmentation", *, model: TopicModel | None = None) -> CoherenceResult:
    """Off-topic probability of every sentence and line of one document.

    *key* is ``normalize.fold(text)`` (same length, so offsets agree); scoring
    reads only the key. Sentences and lines are each scored against the rest
    of the document without them.
    """
    if len(key) != len(text):
        raise ValueError("key must be the folding key of text (same length)")
    model = model or load_topic_model()
    s_start = np.array([s.start for s in seg.sentences], dtype=np.int64)
    s_end = np.array([s.end for s in seg.sentences], dtype=np.int64)
    l_start = np.array([ln.start for ln in seg.lines], dtype=np.int64)
    l_end = np.array([ln.end for ln in seg.lines], dtype=np.int64)
    Xs = featurize(key, s_start, s_end)
    Xl = featurize(key, l_start, l_end)
    ts = token_counts(key, s_start, s_end)
    tl = token_counts(key, l_start, l_end)
    Fs = unit_features(Xs, model, ts, _copies(key, s_start, s_end))
    Fl = unit_features(Xl, model, tl, _copies(key, l_start, l_end))
    ps = np.where(ts > 0, _combine(Fs, model), 0.0)
    pl = np.where(tl > 0, _combine(Fl, model), 0.0)
    return CoherenceResult(ps, pl, Fs, Fl, ts, tl, int(ts.sum()))


# --------------------------------------------------------------- decisions ---

_BYLINE = _re.compile(
    r"^\s*[【\[(（]?\s*(?:记者|编辑|责任编辑|责编|作者|来源|撰文|撰稿|摄影|图片|图|文|"
    r"通讯员|排版|校对|审核|出品|本报|实习生|新华社|中新社|中新网|新浪|reporter|editor|by\b|source)"
)
_LIST_ITEM = _re.compile(r"^\s*(?:[-*•·▪◦●○■□◆◇►▶✓✔]|\d{1,3}[.、)）]|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)")
_QUOTE_OPEN = "“「『\"'‘《>"
_TERMINAL = "。！？!?.…；;"


def _line_protected(key: str, start: int, end: int, first: bool) -> bool:
    """Lines never judged: title, headings, bylines, list items, quotes, tables."""
    content = key[start:end].strip()
    if not content or first:
        return True
    if "|" in content or "\t" in content:
        return True  # table rows
    if _BYLINE.match(content) or _LIST_ITEM.match(content):
        return True
    if content[0] in _QUOTE_OPEN and len(content) < 80:
        return True
    if content[-1] not in _TERMINAL and len(content) < 40:
        return True  # heading
    return False


def eligible_units(key: str, seg: "Segmentation", sentence_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (sentences, lines) of the units that may be judged at all."""
    first_line = next((ln.index for ln in seg.lines if key[ln.start : ln.end].strip()), -1)
    line_ok = np.array(
        [not _line_protected(key, ln.start, ln.end, ln.index == first_line) for ln in seg.lines], dtype=bool
    )
    sent_ok = np.array(
        [bool(line_ok[s.line]) and sentence_tokens[s.index] >= MIN_UNIT_TOKENS for s in seg.sentences], dtype=bool
    )
    return sent_ok, line_ok


def _han_or_word_chars(key: str) -> int:
    return int(_tokens(key)[0].size)


def _han_share(key: str) -> float:
    pos, val = _tokens(key)
    if pos.size == 0:
        return 0.0
    return float(np.mean((val & np.uint64(0xFFFFFF0000000000)) == _HAN_SALT))


def offtopic_signals(
    text: str,
    key: str,
    seg: "Segmentation",
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_chars: int = DEFAULT_MIN_CHARS,
    extend_threshold: float | None = None,
    model: TopicModel | None = None,
) -> list[Signal]:
    """Signals for the units recommended for removal as off-topic.

    Documents with fewer than *min_chars* tokens (Han characters + words) are
    not judged. A sentence at or above *threshold* is flagged; its eligible
    neighbours at or above *extend_threshold* (default ``threshold - 0.3``)
    join it, so a pasted paragraph goes together; so do the eligible sentences
    at or above *extend_threshold* of a line whose own score passes
    *threshold*. A line whose every eligible sentence is flagged becomes one
    ``line`` signal.
    """
    n_tok = _han_or_word_chars(key)
    if n_tok < min_chars or not seg.sentences:
        return []
    if _han_share(key) < 0.5:
        return []  # the topic model reads Chinese; lexical evidence alone is too weak to remove text
    res = score_units(text, key, seg, model=model)
    sent_ok, line_ok = eligible_units(key, seg, res.sentence_tokens)
    if sent_ok.sum() < 4:
        return []
    ext = threshold - 0.3 if extend_threshold is None else extend_threshold
    flagged = _flag_runs(res.sentences, sent_ok, threshold, ext)
    # a whole line scored as one unit (a pasted paragraph) also counts, for its sentences that
    # reach *ext*: a genuine paragraph around a pasted block can score high as a line
    line_hit = line_ok & (res.lines >= threshold)
    if line_hit.any():
        sent_line = np.array([s.line for s in seg.sentences], dtype=np.int64)
        flagged |= line_hit[sent_line] & sent_ok & (res.sentences >= ext)
    return _signals(text, seg, res, flagged, sent_ok, line_ok)


def _flag_runs(p: np.ndarray, ok: np.ndarray, thr: float, ext: float) -> np.ndarray:
    """Seeds at *thr*, grown over adjacent eligible units at *ext*."""
    flagged = ok & (p >= thr)
    grow = ok & (p >= ext)
    changed = True
    while changed:
        left = np.zeros_like(flagged)
        left[1:] = flagged[:-1]
        right = np.zeros_like(flagged)
        right[:-1] = flagged[1:]
        new = flagged | (grow & (left | right))
        changed = bool((new != flagged).any())
        flagged = new
    return flagged


def _signals(
    text: str,
    seg: "Segmentation",
    res: CoherenceResult,
    flagged: np.ndarray,
    sent_ok: np.ndarray,
    line_ok: np.ndarray,
) -> list[Signal]:
    out: list[Signal] = []
    by_line: dict[int, list[int]] = {}
    for s in seg.sentences:
        by_line.setdefault(s.line, []).append(s.index)
    for ln in seg.lines:
        idx = by_line.get(ln.index, [])
        hit = [i for i in idx if flagged[i]]
        if not hit:
            continue
        # the line goes whole when all its prose is flagged and the rest is punctuation/space
        rest_tokens = sum(int(res.sentence_tokens[i]) for i in idx if not flagged[i])
        if line_ok[ln.index] and rest_tokens == 0:
            score = float(max(res.lines[ln.index], max(res.sentences[i] for i in hit)))
            out.append(Signal("coherence", "topic", "offtopic", score, ln.start, ln.end, "line"))
            continue
        for i in hit:
            s = seg.sentences[i]
            out.append(Signal("coherence", "topic", "offtopic", float(res.sentences[i]), s.start, s.end, "sentence"))
    return out

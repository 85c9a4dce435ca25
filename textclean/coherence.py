"""Off-topic detection: how well each sentence and line fits its own document.

Spam farms paste sentences from other stories into the article they copy. No
keyword finds them; only the article itself says they do not belong. Every
unit (sentence, line) is compared with the rest of its document *without*
that unit (leave-one-out), done for all units at once with sparse algebra:
``rest_i = doc - unit_i`` (on a page, the same sums on the page's own feature
index in plain numpy: scipy's per-call cost would dominate; see "compact path").

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import regex as _re

from .paths import load_once, models_dir
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
    "judged_sentence_scores",
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


@functools.lru_cache(maxsize=2)
def _token_hashes(key: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature column of every token of *key* and of every pair of consecutive
    tokens (read-only; cached like :func:`_tokens`: sentences and lines hash
    the same tokens, and their bigrams are pairs of consecutive tokens)."""
    _, val = _tokens(key)
    shift = np.uint64(64 - N_BITS)
    uni = (_mix(val) >> shift).astype(np.int64)
    bi_val = val[:-1] * _BIGRAM_MUL + (val[1:] ^ np.uint64(0x2545F4914F6CDD1D))
    bi = (_mix(bi_val) >> shift).astype(np.int64)
    uni.setflags(write=False)
    bi.setflags(write=False)
    return uni, bi


def _token_features(
    key: str, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit row and hashed feature column of every token unigram and in-unit bigram (repeats kept)."""
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    n = len(starts)
    pos, _ = _tokens(key)
    if n == 0 or pos.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    uni, bi = _token_hashes(key)
    unit = np.searchsorted(starts, pos, side="right") - 1
    inside = (unit >= 0) & (pos < ends[np.clip(unit, 0, n - 1)])
    if inside.all():
        same = unit[1:] == unit[:-1]
        return np.concatenate((unit, unit[:-1][same])), np.concatenate((uni, bi[same]))
    # units are sorted and do not overlap: two tokens of one unit that are
    # consecutive among the tokens inside units are consecutive in the text
    # (any token between them lies in that unit too), so their bigram is bi's
    idx = np.flatnonzero(inside)
    unit = unit[idx]
    same = unit[1:] == unit[:-1]
    return np.concatenate((unit, unit[:-1][same])), np.concatenate((uni[idx], bi[idx[:-1][same]]))


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n: int) -> "csr_matrix":
    from scipy.sparse import csr_matrix

    if rows.size == 0:
        return csr_matrix((n, N_FEATURES), dtype=np.float32)
    data = np.ones(rows.size, dtype=np.float32)
    mat = csr_matrix((data, (rows, cols)), shape=(n, N_FEATURES), dtype=np.float32)
    mat.sum_duplicates()
    return mat


def featurize(key: str, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray) -> "csr_matrix":
    """Hashed token unigram + bigram counts for each unit ``key[starts[i]:ends[i]]``.

    Units must not overlap and must be sorted. Returns an ``(n_units, N_FEATURES)``
    CSR matrix of float32 counts. The same function featurises training text, so
    training and scoring cannot drift.
    """
    rows, cols = _token_features(key, starts, ends)
    return _count_matrix(rows, cols, len(starts))


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
    and the combiner (feature mean/scale, coefficients, intercept).

    ``W`` may be float16, float32 or float64; scoring gathers the rows a page
    uses and computes in float64."""

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
        return np.asarray(compact @ self.W[cols].astype(np.float64), dtype=np.float64)


def _models_dir() -> Path:
    return models_dir()


#: what a valid topic model can be: a card of a few KB, arrays of known shapes
_MAX_CARD_BYTES = 1 << 20
_MAX_LABELS = 64
_SUPPORTED_MAJOR = 2


def _read_card(path: Path) -> dict[str, Any]:
    from .model import ModelError, _regular_file

    _regular_file(path, "topic model card", _MAX_CARD_BYTES)
    try:
        card = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(path, f"unreadable topic model card ({exc or type(exc).__name__})") from None
    if not isinstance(card, dict):
        raise ModelError(path, "topic model card is not a JSON object")
    version = str(card.get("version", ""))
    major = version.split(".")[0]
    if not major.isdigit():
        raise ModelError(path, f"topic model card has no version like '2.0.0' (found {version!r}); is this a textclean topic model?")
    if int(major) != _SUPPORTED_MAJOR:
        raise ModelError(
            path, f"topic model version {version} does not match this textclean (reads {_SUPPORTED_MAJOR}.x): "
            "retrain it with this version (python -m textclean.training.topic) or use the shipped model"
        )
    labels = card.get("labels")
    if not (isinstance(labels, list) and 2 <= len(labels) <= _MAX_LABELS and all(isinstance(x, str) and x for x in labels)):
        raise ModelError(path, f"labels must be a list of 2 to {_MAX_LABELS} names")
    return card


def _read_weights(path: Path, n_labels: int) -> dict[str, np.ndarray]:
    from .model import read_checked_npz

    n_comb = len(FEATURE_NAMES)
    shapes = {
        "W": (N_FEATURES, n_labels), "b": (n_labels,), "idf": (N_FEATURES,),
        "comb_mean": (n_comb,), "comb_scale": (n_comb,), "comb_coef": (n_comb,), "comb_intercept": (),
    }
    return read_checked_npz(path, shapes, "topic weights file")


def _held(W: np.ndarray) -> np.ndarray:
    """W as kept in memory: float16 or float32 as stored (float64 holds their
    values exactly, and rows are converted when gathered), else float64. The
    shipped W is float16: 4 MB in memory instead of 16."""
    return W if W.dtype in (np.float16, np.float32) else W.astype(np.float64)


def _read_model(directory: Path) -> TopicModel:
    """Load and check a topic model directory: a card and npz arrays, nothing executable."""
    card = _read_card(directory / "card.json")
    labels = tuple(card["labels"])
    arrays = _read_weights(directory / "weights.npz", len(labels))
    return TopicModel(
        W=_held(arrays["W"]),
        b=arrays["b"].astype(np.float64),
        idf=arrays["idf"].astype(np.float32),
        comb_mean=arrays["comb_mean"].astype(np.float64),
        comb_scale=arrays["comb_scale"].astype(np.float64),
        comb_coef=arrays["comb_coef"].astype(np.float64),
        comb_intercept=float(arrays["comb_intercept"]),
        labels=labels,
        card=card,
    )


def _load_shipped() -> TopicModel:
    model = _read_model(_models_dir() / "topic")
    logger.debug("loaded topic model %s", model.card.get("version"))
    return model


_shipped = load_once(_load_shipped)


def load_topic_model(path: str | Path | None = None) -> TopicModel:
    """The topic model in *path* (a directory), or the shipped one, loaded once."""
    return _shipped() if path is None else _read_model(Path(path))


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


@dataclass(frozen=True)
class _LeaveOneOut:
    """Per-unit sums behind the leave-one-out features (either backend computes them).

    ``x`` is a unit, ``g`` the unit with its verbatim copies, ``d`` the whole
    document; ``*_w`` are TF-IDF weighted, the rest raw counts.
    """

    x_sq_w: np.ndarray  # |x_w|²
    x_rest_w: np.ndarray  # x_w · (d_w - g_w)
    rest_sq_w: np.ndarray  # |d_w - g_w|²
    x_norm: np.ndarray  # |x| + eps
    r_norm: np.ndarray  # |d - g| + eps
    raw: np.ndarray  # topic logits x @ W
    graw: np.ndarray  # topic logits g @ W
    top3: np.ndarray  # mean of the 3 best cosines with other units


_EPS = 1e-9


def unit_features(
    X: "csr_matrix", model: TopicModel, n_tokens: np.ndarray, groups: np.ndarray | None = None
) -> np.ndarray:
    """Leave-one-out features for every row of *X* against the sum of the others.

    All vectorised: with ``d = X.sum(0)`` and ``g_i`` the sum of unit i and its
    verbatim copies (*groups*; a spammer may paste the same sentence twice),
    the rest of unit i is ``d - g_i``, so dot products and norms of the rest
    follow from ``x_i·d``, ``x_i·g_i``, ``g_i·d`` and ``|g_i|²``.

    This is the sparse formulation, the reference the compact path
    (:func:`_parts_on`, what :func:`score_units` uses) is tested against.
    """
    n = X.shape[0]
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    if groups is None:
        groups = np.arange(n)
    return _features(_sparse_sums(X, model, groups), model, n_tokens, groups)


def _sparse_sums(X: "csr_matrix", model: TopicModel, groups: np.ndarray) -> _LeaveOneOut:
    G = _group_sums(X, groups)
    idf = model.idf[None, :]
    Xw = X.multiply(idf).tocsr()
    Gw = G.multiply(idf).tocsr()
    dw = np.asarray(Xw.sum(axis=0)).ravel()
    x_sq = np.asarray(Xw.multiply(Xw).sum(axis=1)).ravel()
    x_rest = np.asarray(Xw @ dw).ravel() - np.asarray(Xw.multiply(Gw).sum(axis=1)).ravel()
    d = np.asarray(X.sum(axis=0)).ravel()
    return _LeaveOneOut(
        x_sq_w=x_sq,
        x_rest_w=x_rest,
        rest_sq_w=_rest_sq(Gw, dw),
        x_norm=np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()) + _EPS,
        r_norm=np.sqrt(_rest_sq(G, d)) + _EPS,
        raw=model.topic_logits(X),
        graw=model.topic_logits(G),
        top3=_top_similarity(Xw, x_sq, 3, groups),
    )


def _median(x: np.ndarray) -> float:
    """``float(np.median(x))`` of a 1-D array, the same number without the
    general function's checks (~80 µs a call, twice per page): the middle of
    the sorted values, or the mean of the middle two as np.median takes it."""
    n = x.size
    if n == 0 or np.isnan(x).any():
        return float(np.median(x))  # its own rules for these
    ordered = np.sort(x)
    m = n // 2
    return float(ordered[m]) if n % 2 else float(np.mean(ordered[m - 1 : m + 1]))


def _features(s: _LeaveOneOut, model: TopicModel, n_tokens: np.ndarray, groups: np.ndarray) -> np.ndarray:
    n = len(n_tokens)
    eps = _EPS
    # lexical: TF-IDF cosine with the rest
    lex = np.clip(s.x_rest_w / (np.sqrt(s.x_sq_w * s.rest_sq_w) + eps), 0.0, 1.0)
    judged = n_tokens >= MIN_UNIT_TOKENS
    med = _median(lex[judged] if judged.any() else lex)
    lex_rel = np.log((lex + 0.01) / (med + 0.01))
    # topic: linear model on l2-normalised counts; rest logits by subtraction
    p = _softmax(s.raw / s.x_norm[:, None] + model.b)
    q = _softmax((s.raw.sum(axis=0)[None, :] - s.graw) / s.r_norm[:, None] + model.b)
    agree = np.log((p * q).sum(axis=1) + 1e-6)
    k_rest = q.argmax(axis=1)
    unit_pref = np.log(p.max(axis=1) + 1e-6) - np.log(p[np.arange(n), k_rest] + 1e-6)
    g_tokens = np.bincount(groups, weights=n_tokens)[groups]
    rest_tokens = n_tokens.sum() - g_tokens
    top3 = s.top3
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
    return _rest_sq_from(g_d, g_sq, float(d @ d))


def _rest_sq_from(g_d: np.ndarray, g_sq: np.ndarray, d_sq: float) -> np.ndarray:
    return np.maximum(d_sq - 2 * g_d + g_sq, 0.0)


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
    return _top_of(np.asarray((Xw @ Xw.T).todense()), x_sq, k, groups)


def _top_of(dots: np.ndarray, x_sq: np.ndarray, k: int, groups: np.ndarray) -> np.ndarray:
    """Mean of the *k* largest cosines per row, given the unit dot products."""
    n = dots.shape[0]
    norm = np.sqrt(x_sq) + 1e-9
    S = dots / norm[:, None] / norm[None, :]
    S[groups[:, None] == groups[None, :]] = 0.0  # self and verbatim copies
    kk = min(k, n - 1)
    top = -np.partition(-S, kk - 1, axis=1)[:, :kk]
    return top.mean(axis=1)


# ------------------------------------------------------------ compact path ---
#
# A page has a few dozen units and a few thousand distinct features: scipy's
# per-call overhead (~40 calls per document) then costs far more than the
# arithmetic. The compact path numbers the document's own features 0..f-1
# (np.unique) and keeps each matrix as its stored entries in row-major order,
# i.e. the CSR arrays without the scipy objects. Every float32 sum is formed
# the way the sparse path forms it (a CSR row times a vector: left to right;
# ``sum(axis=1)``: pairwise, by ``np.add.reduceat``; ``sum(axis=0)``: unit
# after unit), so both paths give the same floats; the unit × unit dot
# products for the top-3 similarity still come from one scipy product, on the
# compact index. Memory stays linear in the tokens, whatever the window size.

#: count sums stay exact in float32 (so their order is free) below this
_EXACT_F32 = float(1 << 24)
#: a window with more token features than this (~100k Han chars) takes the
#: sparse path: scipy's fixed cost is amortised there, and its count sums
#: would leave float32's exact range anyway
_MAX_COMPACT_TOKENS = 1 << 18


@dataclass(frozen=True)
class _Entries:
    """Stored entries of a units × features matrix, row-major (CSR order)."""

    row: np.ndarray
    col: np.ndarray
    val: np.ndarray  # float32 counts
    n: int

    def starts(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows with entries and the offset of each one's first entry."""
        per_row = np.bincount(self.row, minlength=self.n)
        stored = np.flatnonzero(per_row)
        return stored, (np.cumsum(per_row) - per_row)[stored]

    def pairwise_row_sums(self, values: np.ndarray) -> np.ndarray:
        """Row sums of *values* (one per entry) as scipy's CSR ``sum(axis=1)`` adds them."""
        out = np.zeros((self.n,) + values.shape[1:], dtype=values.dtype)
        stored, first = self.starts()
        if stored.size:
            out[stored] = np.add.reduceat(values, first, axis=0)
        return out

    def ordered_row_sums(self, values: np.ndarray) -> np.ndarray:
        """Row sums added left to right, as a CSR matrix-vector product adds them."""
        out = np.zeros(self.n, dtype=values.dtype)
        np.add.at(out, self.row, values)  # unbuffered: entries added in array order
        return out

    def matmul_exact(self, values: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """``M @ dense`` for the matrix M holding *values* at these entries, for
        products whose sums are exact in any order (so pairwise ``reduceat`` will do)."""
        out = np.zeros((self.n, dense.shape[1]), dtype=np.result_type(values, dense))
        stored, first = self.starts()
        if stored.size:
            out[stored] = np.add.reduceat(values[:, None] * dense[self.col], first, axis=0)
        return out


# _compact_sums, _compact_parts, _unit_features_for and _unit_features_lazy
# score one unit type on its own index: the plain form of the shared path
# (_lazy_features), kept as the reference the tests hold it to.

def _compact_sums(
    rows: np.ndarray, cols: np.ndarray, n: int, model: TopicModel, groups: np.ndarray
) -> _LeaveOneOut | None:
    """The leave-one-out sums on the document's compact feature index, or None
    for a big window or when a count sum would not be exact in float32 (then
    its order would matter)."""
    parts = _compact_parts(rows, cols, n, model, groups)
    if parts is None:
        return None
    sums, top3 = parts
    return replace(sums, top3=top3())


def _compact_parts(
    rows: np.ndarray, cols: np.ndarray, n: int, model: TopicModel, groups: np.ndarray
) -> tuple[_LeaveOneOut, Callable[[], np.ndarray]] | None:
    """:func:`_compact_sums` in two steps: the sums with ``top3`` left at 0, and
    the function that computes ``top3`` (the unit × unit products, the
    costliest part, which a page that cannot reach the threshold never needs)."""
    cells = _compact_cells(rows, cols, n)
    if cells is None:
        return None
    return _parts_on(cells, n, model, groups, _FeatureIndex.of(model, cells[1]))


def _compact_cells(rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Row, feature column and count of every stored entry of the units ×
    features count matrix, row-major (columns ascending within a row, as CSR
    stores them), or None for a window too big for the compact path."""
    if cols.size == 0 or cols.size > _MAX_COMPACT_TOKENS:
        return None
    # one sort of (row, column) packed in an integer (int32 when it fits: faster)
    packed = (rows << N_BITS) | cols
    if n <= 1 << (31 - N_BITS):
        packed = packed.astype(np.int32)
    cells, counts = _sorted_unique(packed)
    cells = cells.astype(np.int64)
    return cells >> N_BITS, cells & (N_FEATURES - 1), counts


def _sorted_unique(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(a, return_counts=True)`` by one sort (NumPy 2's ``np.unique``
    without options hashes, about ten times slower on a page's integers)."""
    s = np.sort(a)
    edge = np.empty(s.size + 1, dtype=bool)
    edge[0] = edge[-1] = True
    np.not_equal(s[1:], s[:-1], out=edge[1:-1])
    first = np.flatnonzero(edge)
    return s[first[:-1]], np.diff(first)


@dataclass(frozen=True)
class _FeatureIndex:
    """A document's compact feature index: its features in ascending column
    order, numbered 0..f-1, with their idf and topic weight rows.

    One index may serve the sentences and the lines of a document (the union
    of their features): numbering a superset keeps every unit's columns in the
    same order, so each sum adds the same terms in the same order, and the
    features one unit type lacks are only zeros in its document vector."""

    feats: np.ndarray
    idf: np.ndarray
    W: np.ndarray

    @staticmethod
    def of(model: TopicModel, *columns: np.ndarray) -> "_FeatureIndex":
        feats = _sorted_unique(np.concatenate(columns).astype(np.int32))[0].astype(np.int64)
        # the same rows as W[feats], gathered twice as fast, in float64 whatever
        # W is held in (float16 as shipped: the same values)
        return _FeatureIndex(feats, model.idf[feats], np.take(model.W, feats, axis=0).astype(np.float64))

    def local(self, cols: np.ndarray) -> np.ndarray:
        """The compact number of each feature column in *cols* (all in the index)."""
        lut = getattr(_scratch, "lut", None)
        if lut is None:
            lut = _scratch.lut = np.zeros(N_FEATURES, dtype=np.int64)
        lut[self.feats] = np.arange(self.feats.size)
        return lut[cols]


def _parts_on(
    cells: tuple[np.ndarray, np.ndarray, np.ndarray], n: int, model: TopicModel, groups: np.ndarray, index: _FeatureIndex
) -> tuple[_LeaveOneOut, Callable[[], np.ndarray]] | None:
    """:func:`_compact_parts` on the entries *cells* and the feature index *index*
    (None when a count sum would not be exact in float32: then its order would matter)."""
    cell_row, cell_col, counts = cells
    f = index.feats.size
    X = _Entries(cell_row, index.local(cell_col), counts.astype(np.float32), n)
    d = np.bincount(X.col, weights=counts, minlength=f).astype(np.int64)  # integers: exact
    d_sq = float(d @ d)  # int64: exact
    if d_sq >= _EXACT_F32:
        return None
    G = X if int(groups.max()) + 1 == n else _group_entries(X, groups, f)
    idf = index.idf
    xw, gw = X.val * idf[X.col], G.val * idf[G.col]
    dw = np.zeros(f, dtype=np.float32)
    np.add.at(dw, X.col, xw)  # the sparse path adds unit after unit
    x_sq = X.pairwise_row_sums(xw * xw)
    if G is X:
        g_sq_w = x_g_w = x_sq
    else:
        g_sq_w = G.pairwise_row_sums(gw * gw)
        x_g_w = X.pairwise_row_sums(xw * gw[np.searchsorted(G.row * f + G.col, X.row * f + X.col)])
    x_rest = X.ordered_row_sums(xw * dw[X.col]) - x_g_w
    rest_sq_w = _rest_sq_from(G.ordered_row_sums(gw * dw[G.col]), g_sq_w, _full_sq(dw, index.feats))
    # counts are small integers: exact in float64 and in float32, in any order
    g_d = np.bincount(G.row, weights=G.val * d[G.col], minlength=n).astype(np.float32)
    g_cnt_sq = np.bincount(G.row, weights=G.val * G.val, minlength=n).astype(np.float32)
    x_cnt_sq = g_cnt_sq if G is X else np.bincount(X.row, weights=X.val * X.val, minlength=n).astype(np.float32)
    W = index.W
    # W is float16 on disk: times integer counts its terms are short, so their
    # float64 sums come out the same in any order (scipy's or pairwise)
    raw = _topic_raw(X, W, model)
    sums = _LeaveOneOut(
        x_sq_w=x_sq,
        x_rest_w=x_rest,
        rest_sq_w=rest_sq_w,
        x_norm=np.sqrt(x_cnt_sq) + _EPS,
        r_norm=np.sqrt(_rest_sq_from(g_d, g_cnt_sq, d_sq)) + _EPS,
        raw=raw,
        graw=raw if G is X else _group_raw(raw, groups, G, W, model),
        top3=np.zeros(n),
    )
    return sums, lambda: _compact_top_similarity(X, xw, f, x_sq, 3, groups)


def _lattice_weights(model: TopicModel) -> bool:
    """True when every topic weight is a float16 value of magnitude below
    2**11 (the shipped model's largest is about 7; checked once per model).

    Float16 values are multiples of 2**-24: times integer counts and summed
    over a window (< 2**18 tokens) every partial sum is a multiple of 2**-24
    of magnitude below 2**18 * 2**11 = 2**29, so it has at most 53 significant
    bits, float64 holds it exactly, and *any* summation order gives the same
    numbers.
    """
    cached = _lattice.get(id(model))
    if cached is None or cached[0] is not model.W:
        W = model.W
        exact = W.size == 0 or float(np.abs(W).max()) < 2.0**11
        on_lattice = W.dtype == np.float16 or bool(np.array_equal(W.astype(np.float16).astype(np.float64), W))
        cached = (W, exact and on_lattice)
        _lattice.clear()  # one model in use at a time, as a rule: keep the memo tiny
        _lattice[id(model)] = cached
    return cached[1]


_lattice: dict[int, tuple[np.ndarray, bool]] = {}


def _topic_raw(X: "_Entries", W: np.ndarray, model: TopicModel) -> np.ndarray:
    """Topic logits ``X @ W`` by scipy's CSR loop (left to right: exact, see
    :func:`_lattice_weights`) instead of a gather of ``W`` per entry."""
    from .sparsedots import times_dense

    out = times_dense(X.row, X.col, X.val.astype(np.float64), X.n, W) if _lattice_weights(model) else None
    return X.matmul_exact(X.val.astype(np.float64), W) if out is None else out


def _group_raw(raw: np.ndarray, groups: np.ndarray, G: "_Entries", W: np.ndarray, model: TopicModel) -> np.ndarray:
    """Topic logits of each unit's group: the sum of its members' rows of *raw*
    (exact on the float16 lattice, so the same as multiplying the summed counts)."""
    if not _lattice_weights(model):
        return G.matmul_exact(G.val.astype(np.float64), W)
    sums = np.zeros((int(groups.max()) + 1, raw.shape[1]), dtype=np.float64)
    np.add.at(sums, groups, raw)
    return sums[groups]


def _group_entries(X: _Entries, groups: np.ndarray, f: int) -> _Entries:
    """Row i = sum of the rows of *X* in i's group (exact: integer counts)."""
    cells, inverse = np.unique(groups[X.row] * f + X.col, return_inverse=True)
    g_val = np.bincount(inverse.reshape(-1), weights=X.val, minlength=cells.size).astype(np.float32)
    g_row, g_col = cells // f, cells % f
    per_group = np.bincount(g_row, minlength=int(groups.max()) + 1)
    first = np.cumsum(per_group) - per_group
    length = per_group[groups]  # entries of each unit's group, gathered unit by unit
    offset = np.repeat(first[groups] - (np.cumsum(length) - length), length)
    take = offset + np.arange(offset.size)
    return _Entries(np.repeat(np.arange(X.n), length), g_col[take], g_val[take], X.n)


_scratch = threading.local()


def _full_sq(dw: np.ndarray, feats: np.ndarray) -> float:
    """``dw @ dw`` over the full feature space, as the sparse path's BLAS dot adds it
    (the dot's lanes depend on absolute positions, so the zeros stay in place)."""
    full = getattr(_scratch, "full", None)
    if full is None:
        full = _scratch.full = np.zeros(N_FEATURES, dtype=np.float32)
    full[feats] = dw
    try:
        return float(full @ full)
    finally:
        full[feats] = 0.0


def _compact_top_similarity(
    X: _Entries, xw: np.ndarray, f: int, x_sq: np.ndarray, k: int, groups: np.ndarray
) -> np.ndarray:
    """:func:`_top_similarity` on a CSR of the compact index (same column order:
    the same float32 dot products). One scipy product stays: its float32 sums
    must be added in its order, and the numpy ways to do that measured slower."""
    from .sparsedots import unit_dots

    n = X.n
    if n <= 1 or n > _MAX_PAIRWISE_UNITS:
        return np.zeros(n)
    return _top_of(unit_dots(X.row, X.col, xw, n, f), x_sq, k, groups)


def _unit_features_for(
    key: str, starts: np.ndarray, ends: np.ndarray, model: TopicModel, n_tokens: np.ndarray
) -> np.ndarray:
    """Leave-one-out features of the units ``key[starts[i]:ends[i]]`` (compact path when it can)."""
    n = len(starts)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    groups = _copies(key, starts, ends)
    rows, cols = _token_features(key, starts, ends)
    sums = _compact_sums(rows, cols, n, model, groups)
    if sums is None:
        return unit_features(_count_matrix(rows, cols, n), model, n_tokens, groups)
    return _features(sums, model, n_tokens, groups)


def _unit_features_lazy(
    key: str, starts: np.ndarray, ends: np.ndarray, model: TopicModel, n_tokens: np.ndarray
) -> tuple[np.ndarray, Callable[[], np.ndarray] | None]:
    """:func:`_unit_features_for` in two steps: the features with ``lex_top3``
    still 0 and the function that gives the full ones (None when the first
    are already full: the sparse path, no units)."""
    return _lazy_features(key, ((starts, ends, n_tokens),), model)[0]


def _lazy_features(
    key: str, units: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], model: TopicModel
) -> list[tuple[np.ndarray, Callable[[], np.ndarray] | None]]:
    """:func:`_unit_features_lazy` for several unit types of one document
    (``(starts, ends, n_tokens)`` each: its sentences, its lines), sharing the
    document's work: the token hashes and one compact feature index (with its
    idf and topic weight rows) for all of them. The numbers are each type's own."""
    out: list[Any] = [None] * len(units)
    todo = []
    for i, (starts, ends, n_tokens) in enumerate(units):
        n = len(starts)
        if n == 0:
            out[i] = (np.zeros((0, len(FEATURE_NAMES))), None)
            continue
        groups = _copies(key, starts, ends)
        rows, cols = _token_features(key, starts, ends)
        todo.append((i, n, n_tokens, groups, rows, cols, _compact_cells(rows, cols, n)))
    compact = [t[-1][1] for t in todo if t[-1] is not None]
    index = _FeatureIndex.of(model, *compact) if compact else None
    for i, n, n_tokens, groups, rows, cols, cells in todo:
        parts = None if cells is None or index is None else _parts_on(cells, n, model, groups, index)
        if parts is None:
            out[i] = (unit_features(_count_matrix(rows, cols, n), model, n_tokens, groups), None)
            continue
        sums, top3 = parts
        F = _features(sums, model, n_tokens, groups)
        out[i] = (F, functools.partial(_with_top3, F, top3))
    return out


def _with_top3(F: np.ndarray, top3: Callable[[], np.ndarray]) -> np.ndarray:
    """*F* (features with ``lex_top3`` at 0) with the top-3 similarity filled in:
    the two columns that read it, formed as :func:`_features` forms them."""
    t = top3()
    full = F.copy()
    full[:, _TOP3] = t
    full[:, _TOP3_X_PREF] = (1 - t) * F[:, _PREF]
    return full


_TOP3 = FEATURE_NAMES.index("lex_top3")
_TOP3_X_PREF = FEATURE_NAMES.index("top3_x_pref")
_PREF = FEATURE_NAMES.index("unit_pref")
#: top-3 similarity is a mean of cosines of non-negative vectors, so in [0, 1];
#: the bound lets float32 rounding take it a little past 1
_TOP3_MAX = 1.001
#: margin below the threshold within which a bound still counts as reaching it
#: (rounding in the combiner's product is some 1e-15)
_BOUND_SLACK = 1e-6


def _may_reach(F: np.ndarray, tokens: np.ndarray, ok: np.ndarray, model: TopicModel, threshold: float, partial: bool) -> bool:
    """False when no unit in *ok* can score *threshold* or more.

    With *partial* features (``lex_top3`` not computed, left at 0) the bound
    is over every top-3 value: the combiner is linear in its features and
    top-3 enters two of them linearly (``top3`` and ``(1 - top3) * unit_pref``),
    so the logit is largest at an end of the range, and the probability is
    monotone in the logit.
    """
    if not ok.any():
        return False
    F, tokens = F[ok], tokens[ok]
    p = _combine(F, model)
    if partial:
        hi = F.copy()
        hi[:, _TOP3] = _TOP3_MAX
        hi[:, _TOP3_X_PREF] = (1 - _TOP3_MAX) * F[:, _PREF]
        p = np.maximum(p, _combine(hi, model))
    p = np.where(tokens > 0, p, 0.0)
    return not bool(np.all(p < threshold - _BOUND_SLACK))  # a NaN may reach it


def _decision_scores(
    text: str, key: str, seg: "Segmentation", *, model: TopicModel, threshold: float,
    sentence_tokens: np.ndarray, line_tokens: np.ndarray, sent_ok: np.ndarray, line_ok: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> CoherenceResult | None:
    """:func:`score_units`' result for :func:`offtopic_signals`, or None when no
    eligible sentence or line can reach *threshold* whatever its top-3
    similarity (then nothing is flagged, and the unit × unit products, the
    costliest part, are skipped). The scores returned are score_units' own."""
    s_start, s_end, l_start, l_end = _unit_bounds(seg) if bounds is None else bounds
    ts, tl = sentence_tokens, line_tokens
    (Fs, finish_s), (Fl, finish_l) = _lazy_features(key, ((s_start, s_end, ts), (l_start, l_end, tl)), model)
    if finish_s is not None or finish_l is not None:
        if not (
            _may_reach(Fs, ts, sent_ok, model, threshold, finish_s is not None)
            or _may_reach(Fl, tl, line_ok, model, threshold, finish_l is not None)
        ):
            return None
        Fs = Fs if finish_s is None else finish_s()
        Fl = Fl if finish_l is None else finish_l()
    ps = np.where(ts > 0, _combine(Fs, model), 0.0)
    pl = np.where(tl > 0, _combine(Fl, model), 0.0)
    return CoherenceResult(ps, pl, Fs, Fl, ts, tl, int(ts.sum()))


def _unit_bounds(seg: "Segmentation") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start and end offsets of the sentences, then of the lines."""
    return (
        np.array([s.start for s in seg.sentences], dtype=np.int64),
        np.array([s.end for s in seg.sentences], dtype=np.int64),
        np.array([ln.start for ln in seg.lines], dtype=np.int64),
        np.array([ln.end for ln in seg.lines], dtype=np.int64),
    )


def _combine(F: np.ndarray, model: TopicModel) -> np.ndarray:
    if F.shape[0] == 0:
        return np.zeros(0)
    z = ((F - model.comb_mean) / model.comb_scale) @ model.comb_coef + model.comb_intercept
    return 1.0 / (1.0 + np.exp(-z))


def _copies(key: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Group id per unit; units with the same (stripped) key text share one."""
    seen: dict[str, int] = {}
    texts = [key[a:b].strip() for a, b in zip(starts.tolist(), ends.tolist())]
    ids = [seen.setdefault(t, len(seen)) if t else len(seen) + 10**9 for t in texts]
    if len(seen) == len(texts):  # no copies, no empty unit: every unit its own group, in order
        return np.arange(len(texts), dtype=np.int64)
    _, out = np.unique(np.array(ids, dtype=np.int64), return_inverse=True)
    return out.reshape(-1).astype(np.int64)


def score_units(
    text: str, key: str, seg: "Segmentation", *, model: TopicModel | None = None, reference: bool = False
) -> CoherenceResult:
    """Off-topic probability of every sentence and line of one document.

    *key* is ``normalize.fold(text)`` (same length, so offsets agree); scoring
    reads only the key. Sentences and lines are each scored against the rest
    of the document without them. *reference* forces the plain sparse
    formulation (the oracle the fast path is tested against).
    """
    if len(key) != len(text):
        raise ValueError("key must be the folding key of text (same length)")
    model = model or load_topic_model()
    s_start, s_end, l_start, l_end = _unit_bounds(seg)
    ts = token_counts(key, s_start, s_end)
    tl = token_counts(key, l_start, l_end)
    if reference:
        Fs = unit_features(featurize(key, s_start, s_end), model, ts, _copies(key, s_start, s_end))
        Fl = unit_features(featurize(key, l_start, l_end), model, tl, _copies(key, l_start, l_end))
    else:
        (Fs, finish_s), (Fl, finish_l) = _lazy_features(key, ((s_start, s_end, ts), (l_start, l_end, tl)), model)
        Fs = Fs if finish_s is None else finish_s()
        Fl = Fl if finish_l is None else finish_l()
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


def _judgeable(
    text: str, key: str, seg: "Segmentation", min_chars: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]] | None:
    """Token counts and eligibility of sentences and lines, and their bounds
    (:func:`_unit_bounds`), or None for a document that is not judged at all
    (too short, not Chinese, too few judgeable sentences)."""
    if len(key) != len(text):
        raise ValueError("key must be the folding key of text (same length)")
    if _han_or_word_chars(key) < min_chars or not seg.sentences:
        return None
    if _han_share(key) < 0.5:
        return None  # the topic model reads Chinese; lexical evidence alone is too weak to remove text
    bounds = s_start, s_end, l_start, l_end = _unit_bounds(seg)
    ts, tl = token_counts(key, s_start, s_end), token_counts(key, l_start, l_end)
    sent_ok, line_ok = eligible_units(key, seg, ts)
    if sent_ok.sum() < 4:
        return None
    return ts, tl, sent_ok, line_ok, bounds


def judged_sentence_scores(
    text: str, key: str, seg: "Segmentation", *, min_chars: int = DEFAULT_MIN_CHARS, model: TopicModel | None = None
) -> np.ndarray:
    """The off-topic probability of every sentence that :func:`offtopic_signals`
    judges, NaN for the others (too short, a heading, byline, quote or list
    item, or a document that is not judged at all). For users tuning the
    threshold; the full computation, whatever the threshold."""
    out = np.full(len(seg.sentences), np.nan)
    judged = _judgeable(text, key, seg, min_chars)
    if judged is not None:
        res = score_units(text, key, seg, model=model)
        out[judged[2]] = res.sentences[judged[2]]
    return out


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
    judged = _judgeable(text, key, seg, min_chars)
    if judged is None:
        return []
    ts, tl, sent_ok, line_ok, bounds = judged
    res = _decision_scores(
        text, key, seg, model=model or load_topic_model(), threshold=threshold,
        sentence_tokens=ts, line_tokens=tl, sent_ok=sent_ok, line_ok=line_ok, bounds=bounds,
    )
    if res is None:
        return []  # no unit can reach the threshold
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

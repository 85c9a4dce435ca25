"""The spam model: hashed character n-grams of the folding key, logistic regression.

Run time needs numpy only. Featurisation is vectorised over all units of a
document at once: the keys are concatenated into one code-point array (each
unit wrapped in ``\\x02`` … ``\\x03`` boundary marks, ASCII digits mapped to
``0`` so ``045期`` and ``123期`` look alike) and every n-gram is hashed with a
fixed 64-bit function (see :func:`_ngram_hash`; never Python's salted
``hash()``), so the same text gives the same columns on every machine.
Features are binary per unit and L2-normalised; the score is a sparse dot
product with the coefficient vector, mapped to a probability by Platt
calibration fitted on held-out brand families.

Two heads share the featuriser: the *unit* head scores lines and sentences,
the *span* head scores candidate substrings (a short run of Han/Latin
characters ending in a gambling morpheme, see :func:`span_candidates`) to find
brand names pasted inside a sentence.

Weights are a ``.npz`` read with ``allow_pickle=False`` plus a JSON card, so
loading never executes code and survives scikit-learn upgrades.
"""
from __future__ import annotations

import importlib.resources
import json
import logging
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import regex

from .paths import load_once

__all__ = [
    "FORMAT_VERSION",
    "ModelError",
    "SpamModel",
    "featurize",
    "span_candidates",
    "models_dir",
    "default_model_path",
    "load_model",
    "save_model",
    "head_from_params",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.npz"
CARD_FILE = "card.json"
HASH_NAME = "fnv1a64-codepoints+splitmix64-final"

_BOS, _EOS = 0x02, 0x03
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


class ModelError(RuntimeError):
    """A model file is missing, corrupt, crafted or from an incompatible version."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


# --- features -----------------------------------------------------------------

def _codes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated code points of all keys with boundary marks, and the unit id per position."""
    joined = "\x02" + "\x03\x02".join(keys) + "\x03"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lens = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)) + 2
    unit = np.repeat(np.arange(len(keys), dtype=np.int64), lens)
    codes[(codes >= 0x30) & (codes <= 0x39)] = 0x30  # numbers vary, their shape does not
    return codes, unit


def _ngram_hash(codes: np.ndarray, n: int) -> np.ndarray:
    """FNV-1a over the n code points starting at each position, then a splitmix64 finaliser."""
    m = len(codes) - n + 1
    h = np.full(m, _FNV_OFFSET ^ np.uint64(n), dtype=np.uint64)
    # in place: array integer arithmetic wraps modulo 2**64 without warnings
    for k in range(n):
        np.bitwise_xor(h, codes[k:k + m], out=h)
        np.multiply(h, _FNV_PRIME, out=h)
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def featurize(keys: Sequence[str], n_features: int, ngram: tuple[int, int] = (1, 3)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, values) of the binary, L2-normalised n-gram matrix of *keys*."""
    if not keys:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0, dtype=np.float64)
    codes, unit = _codes(keys)
    base = unit * n_features
    pairs = []
    for n in range(ngram[0], ngram[1] + 1):
        if len(codes) < n:
            continue
        h = _ngram_hash(codes, n)
        h %= np.uint64(n_features)
        pair = base[: len(h)] + h.view(np.int64)  # < 2**63: h < n_features now
        pairs.append(pair if n == 1 else pair[unit[: len(h)] == unit[n - 1:]])  # n-grams never cross units
    # binary: each n-gram counts once per unit. Sorted unique pairs, as
    # np.unique gives, but by sort + neighbour test: numpy 2's hash-based
    # unique is 10-100x slower on these arrays.
    pair = np.concatenate(pairs)
    if len(keys) * n_features <= 1 << 32:
        pair = pair.astype(np.uint32)  # 32-bit keys sort 2-3x faster
    pair.sort()
    if len(pair) > 1:
        first = np.empty(len(pair), dtype=bool)
        first[0] = True
        np.not_equal(pair[1:], pair[:-1], out=first[1:])
        pair = pair[first]
    if n_features & (n_features - 1) == 0:  # a power of two: shift and mask, not division
        bits = n_features.bit_length() - 1
        r, c = (pair >> bits).astype(np.int64), (pair & (n_features - 1)).astype(np.int64)
    else:
        r, c = np.divmod(pair.astype(np.int64, copy=False), n_features)
    nnz = np.bincount(r, minlength=len(keys)).astype(np.float64)
    vals = (1.0 / np.sqrt(nnz))[r]  # per unit, then gathered: the same numbers (nnz >= 2: the marks)
    return r, c, vals


# --- span candidates ------------------------------------------------------------

# Morphemes that end gambling brand names; the key is case-folded so "app" is lower.
SPAN_MORPHEMES = (
    "娱乐城", "娱乐场", "娱乐", "体育", "彩票", "棋牌", "电竞", "官网", "平台", "彩乐园", "乐园", "国际",
    "会", "真人", "集团", "app", "游戏", "网投", "视讯", "老虎机", "捕鱼", "bet", "电子",
)
# Brands also end in a bare 彩 (乐诚彩, 杏彩); without it such a brand is never
# a candidate. As a morpheme it only counts where it ends no common word:
# not after 博/体/福 (博彩, 体彩 and 福彩 are news words) or 精/色/光…, not
# before 票/色/虹/民… (the start of the next word). The lists are the
# neighbours of 彩 in the news corpora.
_CAI = "(?<![博体福精色多光五异喝出七溢剪炫水油华挂晶云])彩(?![票乐色虹纷缤灯电排斑旗霞带照蛋绘釉墨民礼妆铃信页印车球陶超头])"
_MORPH = regex.compile("|".join(sorted(map(regex.escape, SPAN_MORPHEMES), key=len, reverse=True)) + "|" + _CAI)
_RUN_TAIL = regex.compile(r"[\p{Han}a-z0-9]*\Z")  # the run part of a window's end
MAX_STEM = 5


def _candidate_arrays(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the candidates of :func:`span_candidates`, in its order.

    One scan of the whole text, then numpy: a morpheme is made of run
    characters, so it always lies inside one run, and its stems may reach
    back to that run's start.
    """
    spans = [m.span() for m in _MORPH.finditer(text, overlapped=True)]
    if not spans:
        e = np.zeros(0, dtype=np.int64)
        return e, e
    # where the run holding each morpheme starts, looking back MAX_STEM characters at most
    run_start = np.array([_RUN_TAIL.search(text, max(0, s - MAX_STEM), s).start() for s, _ in spans], dtype=np.int64)
    ms, me = np.array(spans, dtype=np.int64).T
    starts = ms[:, None] - np.arange(1, MAX_STEM + 1, dtype=np.int64)
    ok = starts >= run_start[:, None]
    return starts[ok], np.broadcast_to(me[:, None], starts.shape)[ok]


def span_candidates(key: str) -> list[tuple[int, int]]:
    """(start, end) of every substring that is 1..MAX_STEM characters plus a morpheme.

    Candidates stay inside one run of Han/Latin/digit characters, so they never
    cross punctuation or spaces.
    """
    starts, ends = _candidate_arrays(key)
    return list(zip(starts.tolist(), ends.tolist()))


# --- the model ----------------------------------------------------------------------

@dataclass
class _Head:
    coef: np.ndarray  # float32 [n_features]
    intercept: float
    platt_a: float
    platt_b: float

    def proba(self, keys: Sequence[str], n_features: int, ngram: tuple[int, int]) -> np.ndarray:
        z = self.decision(keys, n_features, ngram)
        return 1.0 / (1.0 + np.exp(-(self.platt_a * z + self.platt_b)))

    def decision(self, keys: Sequence[str], n_features: int, ngram: tuple[int, int]) -> np.ndarray:
        # in batches of units: rows are independent, and the feature arrays of
        # a whole 10 MB document would take gigabytes
        out = [np.zeros(0)]
        for batch in _batches(keys, BATCH_CHARS):
            r, c, v = featurize(batch, n_features, ngram)
            out.append(np.bincount(r, weights=self.coef[c].astype(np.float64) * v, minlength=len(batch)))
        return np.concatenate(out) + self.intercept


#: units are featurised in batches of about this many characters (bounded memory)
BATCH_CHARS = 50_000
#: pasted-brand candidates are searched in batches of keys of about this many characters
SPAN_BATCH_CHARS = 200_000


def _batches(keys: Sequence[str], size: int):
    start, total = 0, 0
    for i, k in enumerate(keys):
        total += len(k) + 2
        if total >= size:
            yield keys[start : i + 1]
            start, total = i + 1, 0
    if start < len(keys):
        yield keys[start:]


@dataclass
class SpamModel:
    """P(spam) for units (lines, sentences) and pasted-brand spans, on folding keys."""

    unit: _Head
    span: _Head
    n_features: int
    ngram: tuple[int, int] = (1, 3)
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.card.get("thresholds", {}))

    def predict_proba(self, keys: Sequence[str]) -> np.ndarray:
        """P(spam) for each folding key, one vectorised pass for all of them."""
        return self.unit.proba(list(keys), self.n_features, self.ngram)

    def span_proba(self, candidates: Sequence[str]) -> np.ndarray:
        """P(brand) for candidate substrings (already folded)."""
        return self.span.proba(list(candidates), self.n_features, self.ngram)

    def flag_spans_many(self, keys: Sequence[str], threshold: float | None = None) -> list[list[tuple[int, int, float]]]:
        """Pasted-brand spans per key: (start, end, prob) with prob >= threshold.

        All candidates of all keys are scored in one pass; overlapping hits are
        merged into one span carrying the highest probability.
        """
        t = self.thresholds.get("span", 0.9) if threshold is None else threshold
        if sum(map(len, keys)) > SPAN_BATCH_CHARS:
            # whole keys per batch: every candidate, and its widening, stays inside
            # one key, and a string's score does not depend on its batch
            return [hit for batch in _batches(keys, SPAN_BATCH_CHARS) for hit in self._flag_spans_batch(batch, t)]
        return self._flag_spans_batch(keys, t)

    def _flag_spans_batch(self, keys: Sequence[str], t: float) -> list[list[tuple[int, int, float]]]:
        out: list[list[tuple[int, int, float]]] = [[] for _ in keys]
        # candidates of all keys in one pass over the joined keys ("\n" ends
        # every run, so no candidate crosses from one key into the next)
        joined = "\n".join(keys)
        starts, ends = _candidate_arrays(joined)
        if not len(starts):
            return out
        offsets = np.cumsum([0] + [len(k) + 1 for k in keys[:-1]])
        owner = np.searchsorted(offsets, starts, side="right") - 1
        strings = [joined[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        # each distinct string is scored once: a row's score does not depend on the batch
        index: dict[str, int] = {}
        inverse = [index.setdefault(x, len(index)) for x in strings]
        p = self.span_proba(list(index))[inverse]
        hit = p >= t
        base = offsets[owner[hit]]
        widened = _widened_starts(starts, ends, p, hit)
        for i, a, b, q in zip(owner[hit].tolist(), (widened - base).tolist(), (ends[hit] - base).tolist(),
                              p[hit].tolist()):
            out[i].append((a, b, q))
        return [_merge(h) if h else h for h in out]

    def flag_spans(self, key: str, threshold: float | None = None) -> list[tuple[int, int, float]]:
        """Pasted-brand spans inside one key (offsets into the key)."""
        return self.flag_spans_many([key], threshold)[0]


#: a longer candidate with the same end takes over a hit when it scores at
#: most this much lower
WIDEN_MARGIN = 0.05


def _widened_starts(starts: np.ndarray, ends: np.ndarray, p: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """The start of each hit, moved back to the longest candidate with its end scoring nearly as high.

    A brand's tail alone can score above the whole brand (彩乐园 0.98 in
    金牛彩乐园 0.96): cutting only the tail would leave the stem (金牛) in
    the sentence. Candidates never cross punctuation, and one stem character
    more than the brand (售金牛彩乐园) scores far lower, so the sentence keeps
    its own words. Ends are offsets in the joined keys, so equal ends mean the
    same key.
    """
    idx = np.flatnonzero(hit)
    if not len(idx):
        return starts[idx]
    near = np.isin(ends, ends[idx])
    by_end: dict[int, list[tuple[int, float]]] = {}
    for s, e, q in zip(starts[near].tolist(), ends[near].tolist(), p[near].tolist()):
        by_end.setdefault(e, []).append((s, q))
    out = []
    for s, e, q in zip(starts[idx].tolist(), ends[idx].tolist(), p[idx].tolist()):
        out.append(min((c for c, r in by_end[e] if r >= q - WIDEN_MARGIN), default=s))
    return np.array(out, dtype=np.int64)


def _merge(hits: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    hits.sort()
    merged: list[list[float]] = []
    for s, e, p in hits:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2] = max(merged[-1][2], p)
        else:
            merged.append([s, e, p])
    return [(int(s), int(e), float(p)) for s, e, p in merged]


# --- files ------------------------------------------------------------------------

def models_dir() -> Path:
    """Where shipped models live (see :func:`textclean.paths.models_dir`)."""
    from .paths import models_dir as locate

    return locate()


def default_model_path() -> Path:
    return models_dir() / "spam"


def save_model(model: SpamModel, out: Path | str) -> Path:
    """Write ``weights.npz`` and ``card.json`` into directory *out*."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / WEIGHTS_FILE,
        unit_coef=model.unit.coef.astype(np.float32),
        span_coef=model.span.coef.astype(np.float32),
        params=np.array([model.unit.intercept, model.unit.platt_a, model.unit.platt_b,
                         model.span.intercept, model.span.platt_a, model.span.platt_b], dtype=np.float64),
    )
    card = dict(model.card)
    card.update(format_version=FORMAT_VERSION, n_features=model.n_features, ngram=list(model.ngram), hash=HASH_NAME)
    (out / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


# Limits on what a downloaded model may ask of the machine.
MAX_CARD_BYTES = 1 << 20
MAX_FEATURES = 1 << 24  # two float32 heads of 64 MB
MAX_NGRAM = 8  # featurisation makes one pass per n


def _regular_file(path: Path, what: str, max_bytes: int) -> None:
    """Refuse what is absent, not a plain file (a FIFO would block) or too big to be one of ours."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ModelError(path, f"{what} not found") from None
    except OSError as e:
        raise ModelError(path, f"unreadable {what} ({e.strerror or e})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(path, f"{what} is not a regular file")
    if info.st_size > max_bytes:
        raise ModelError(path, f"{what} is {info.st_size} bytes, more than the {max_bytes} a valid one can be")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _read_card(path: Path) -> dict[str, Any]:
    _regular_file(path, "model card", MAX_CARD_BYTES)
    try:
        card = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelError(path, f"unreadable model card ({e or type(e).__name__})") from None
    if not isinstance(card, dict):
        raise ModelError(path, "model card is not a JSON object")
    version = card.get("format_version")
    if not _is_int(version) or version < 1:
        raise ModelError(path, "model card has no format_version (a positive integer); is this a textclean spam model?")
    if version > FORMAT_VERSION:
        raise ModelError(path, f"format_version {version} is newer than supported {FORMAT_VERSION}; upgrade textclean")
    if card.get("hash") != HASH_NAME:
        raise ModelError(path, f"unknown feature hash {card.get('hash')!r}")
    n = card.get("n_features")
    ng = card.get("ngram")
    if not (_is_int(n) and 0 < n <= MAX_FEATURES):
        raise ModelError(path, f"n_features must be an integer from 1 to {MAX_FEATURES}, not {n!r}")
    if not (isinstance(ng, list) and len(ng) == 2 and all(_is_int(x) for x in ng) and 1 <= ng[0] <= ng[1] <= MAX_NGRAM):
        raise ModelError(path, f"ngram must be [low, high] with 1 <= low <= high <= {MAX_NGRAM}, not {ng!r}")
    thresholds = card.get("thresholds", {})
    if not (
        isinstance(thresholds, dict)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in thresholds.values())
    ):
        raise ModelError(path, "thresholds must be an object of probabilities between 0 and 1")
    return card


def read_checked_npz(path: Path, shapes: Mapping[str, tuple[int, ...]], what: str) -> dict[str, np.ndarray]:
    """The float arrays *shapes* names from an .npz, refusing anything else.

    The file must be a regular file no bigger than the arrays can be (float64
    at most, plus .npy headers and zip overhead), its zip members must not
    inflate past that (a zip bomb stops there), nothing is unpickled (a
    crafted file must not run code), and every array must be present, float,
    of its shape and finite.
    """
    limit = 8 * sum(int(np.prod(shape)) for shape in shapes.values()) + (1 << 16)
    _regular_file(path, what, limit)
    if not zipfile.is_zipfile(path):
        raise ModelError(path, f"{what} is not an .npz archive (a zip of .npy arrays)")
    try:
        with zipfile.ZipFile(path) as zf:
            big = [i.filename for i in zf.infolist() if i.file_size > limit]
        if big:
            raise ModelError(path, f"member(s) {big} inflate beyond the {limit} bytes a valid model needs")
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in shapes if k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, MemoryError) as e:
        raise ModelError(path, f"unreadable or unsafe {what} ({e})") from None
    for k, shape in shapes.items():
        a = arrays.get(k)
        if a is None:
            raise ModelError(path, f"array {k!r} missing")
        if a.dtype.kind != "f" or a.shape != shape:
            raise ModelError(path, f"array {k!r} has dtype {a.dtype} shape {a.shape}, expected float {shape}")
        if not np.all(np.isfinite(a)):
            raise ModelError(path, f"array {k!r} has non-finite values")
    return arrays


def _read_weights(path: Path, n_features: int) -> dict[str, np.ndarray]:
    need = {"unit_coef": (n_features,), "span_coef": (n_features,), "params": (6,)}
    return read_checked_npz(path, need, "weights file")


def _load(path: Path) -> SpamModel:
    card = _read_card(path / CARD_FILE)
    w = _read_weights(path / WEIGHTS_FILE, card["n_features"])
    p = w["params"].astype(float)
    return SpamModel(
        unit=_Head(w["unit_coef"].astype(np.float32), p[0], p[1], p[2]),
        span=_Head(w["span_coef"].astype(np.float32), p[3], p[4], p[5]),
        n_features=card["n_features"],
        ngram=(card["ngram"][0], card["ngram"][1]),
        card=card,
    )


def _load_default() -> SpamModel:
    model = _load(default_model_path())
    log.debug("loaded default spam model from %s", default_model_path())
    return model


_default = load_once(_load_default)


def load_model(path: Path | str | None = None) -> SpamModel:
    """Load a model directory; ``None`` is the shipped default, loaded once per process."""
    return _default() if path is None else _load(Path(path))


def head_from_params(coef: np.ndarray, intercept: float, platt: Mapping[str, float]) -> _Head:
    """Build a head from trained parameters (used by training code)."""
    return _Head(np.asarray(coef, dtype=np.float32), float(intercept), float(platt["a"]), float(platt["b"]))

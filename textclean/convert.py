"""Chinese script conversion that reproduces opencc-python-reimplemented exactly, fast.

The engine reads opencc-python-reimplemented's own ``config/*.json`` and
``dictionary/*.txt`` at run time (found through ``importlib.resources``) and
gives byte-identical output, 10-40× faster. The semantics it reproduces
(``opencc/opencc.py``):

* the text is split once on separator characters (whitespace, ASCII and CJK
  punctuation); no key can contain a separator (keys that do never match and
  are dropped here), so matching the whole text at once is equivalent;
* a config is a chain of steps; each step sees the joined output of the
  previous one; a step is one dictionary or a *group*, where each later
  dictionary only converts the gaps the earlier ones left unmatched;
* inside one dictionary the *longest key anywhere* in the chunk is replaced
  first (leftmost among equals), and both sides are converted recursively; a
  replaced span is never looked at again by that step; a value with several
  candidates uses the first.

How it is made fast without a per-character Python loop:

* dictionaries whose keys are all single characters are one ``str.translate``;
* for phrase dictionaries, candidate start positions come from C-level
  ``map`` calls (first two characters of some key, or a one-character key),
  and only those positions are walked in Python over a prefix table;
* the walk is leftmost-longest, which equals longest-anywhere-first unless two
  key occurrences partly overlap (AB|BCD in ABCD). Every candidate inside a
  match is checked; if one reaches past the match, the smallest closed region
  around it is redone with the exact greedy algorithm.

Configs that upstream OpenCC defines but the package does not ship are built
from the package's dictionaries following upstream's JSON (``tw2t``, ``hk2t``,
``t2jp``). ``jp2t`` needs the JPShinjitai dictionaries, which the package does
not ship, so it raises ``ValueError`` like any unknown name.
"""
from __future__ import annotations

import functools
import json
import logging
import operator
import re
import threading
from dataclasses import dataclass
from importlib import resources
from itertools import compress, count, repeat
from typing import Any, Sequence

__all__ = [
    "OpenCCPackageError",
    "available_configs",
    "convert",
    "converter",
    "fold_char_map",
    "to_simplified",
    "to_traditional",
]

logger = logging.getLogger(__name__)

_FIX = "pip uninstall opencc && pip install opencc-python-reimplemented"

# The reference's separator regex (opencc.py, from OpenCC PhraseExtract.cpp).
# All alternatives are single characters except \s+, so a key that contains
# none of them can never span a chunk boundary.
SEPARATORS_RE = re.compile(
    r"(\s+|-|,|\.|\?|!|\*|　|，|。|、|；|：|？|！|…|“|”|‘|’|『|』|「|」|﹁|﹂|—|－|（|）"
    r"|《|》|〈|〉|～|．|／|＼|︒|︑|︔|︓|︿|﹀|︹|︺|︙|︐|［|﹇|］|﹈|︕|︖|︰|︳|︴|︽|︾|︵|︶"
    r"|｛|︷|｝|︸|﹃|﹄|【|︻|】|︼)"
)

# Upstream OpenCC configs the package does not ship, in the package's JSON
# shape. Upstream: tw2t/hk2t = group(variants-rev phrases, variants-rev chars),
# t2jp = JPVariants. jp2t needs JPShinjitai*.txt, which are not shipped.
_DERIVED_CONFIGS: dict[str, list[dict[str, Any]]] = {
    "tw2t": [{"dict": {"type": "group", "dicts": [
        {"type": "txt", "file": "TWVariantsRevPhrases.txt"},
        {"type": "txt", "file": "TWVariantsRev.txt"}]}}],
    "hk2t": [{"dict": {"type": "group", "dicts": [
        {"type": "txt", "file": "HKVariantsRevPhrases.txt"},
        {"type": "txt", "file": "HKVariantsRev.txt"}]}}],
    "t2jp": [{"dict": {"type": "txt", "file": "JPVariants.txt"}}],
}
_UNBUILDABLE = {"jp2t": "it needs JPShinjitaiPhrases/JPShinjitaiCharacters, "
                        "which opencc-python-reimplemented does not ship"}

_SIMPLIFIED_VARIANTS = {"t": "t2s", "tw": "tw2s", "twp": "tw2sp", "hk": "hk2s"}
_TRADITIONAL_VARIANTS = {"t": "s2t", "tw": "s2tw", "twp": "s2twp", "hk": "s2hk"}

# Phrase dicts whose keys start with at most this many distinct characters are
# scanned by one trie regex; re's alternation is linear in them, so larger
# ones (STPhrases, TWPhrases) take the bigram-candidate path instead.
_FEW_FIRST_CHARS = 150
_SPARSE_TABLE = 2000  # char tables smaller than this are searched before translating
_IS_KEY = 1
_IS_PREFIX = 2  # a proper prefix of a longer key


class OpenCCPackageError(ImportError):
    """The ``opencc`` module is missing or is not opencc-python-reimplemented."""


# ---------------------------------------------------------------- package files


def _distribution_names() -> str:
    try:
        from importlib.metadata import packages_distributions

        names = packages_distributions().get("opencc") or []
    except Exception:  # metadata is best effort: it only improves the message
        names = []
    return ", ".join(sorted(set(names))) or "unknown distribution"


@functools.lru_cache(maxsize=1)
def _package_root() -> Any:
    """The installed opencc-python-reimplemented package directory (a Traversable)."""
    try:
        root = resources.files("opencc")
    except ModuleNotFoundError as exc:
        raise OpenCCPackageError(
            "textclean.convert needs opencc-python-reimplemented, but no 'opencc' module "
            f"is installed. Fix: pip install opencc-python-reimplemented") from exc
    if not ((root / "config" / "s2t.json").is_file()
            and (root / "dictionary" / "STCharacters.txt").is_file()):
        raise OpenCCPackageError(
            "textclean.convert needs opencc-python-reimplemented, but the installed "
            f"'opencc' module ({_distribution_names()}) has no config/*.json and "
            "dictionary/*.txt: it is probably the official OpenCC wheel, which installs "
            f"the same module name. Fix: {_FIX}")
    return root


@functools.lru_cache(maxsize=1)
def _shipped_configs() -> tuple[str, ...]:
    cfg = _package_root() / "config"
    return tuple(sorted(p.name[:-5] for p in cfg.iterdir() if p.name.endswith(".json")))


def available_configs() -> tuple[str, ...]:
    """Every config name :func:`convert` accepts (shipped plus built from upstream)."""
    return tuple(sorted(set(_shipped_configs()) | set(_DERIVED_CONFIGS)))


def _config_chain(name: str) -> list[dict[str, Any]]:
    if name in _shipped_configs():
        path = _package_root() / "config" / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8"))["conversion_chain"]
    if name in _DERIVED_CONFIGS:
        return _DERIVED_CONFIGS[name]
    why = f" ({name}: {_UNBUILDABLE[name]})" if name in _UNBUILDABLE else ""
    raise ValueError(f"unknown conversion config {name!r}{why}; "
                     f"available: {', '.join(available_configs())}")


def config_files(name: str) -> list[list[str]]:
    """The config as steps of dictionary file names (a group is a longer list)."""
    steps = []
    for item in _config_chain(name):
        d = item["dict"]
        dicts = d["dicts"] if d.get("type") == "group" else [d]
        steps.append([x["file"] for x in dicts if x.get("type") == "txt"])
    return steps


# ---------------------------------------------------------------- dictionaries


def _trie_pattern(keys: Sequence[str] | dict[str, str]) -> str:
    """A regex matching the longest of ``keys`` at a position (greedy trie)."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        kids = [(ch, build(sub)) for ch, sub in sorted(node.items()) if ch]
        leaves = [re.escape(ch) for ch, pat in kids if not pat]
        alts = [re.escape(ch) + pat for ch, pat in kids if pat]
        if leaves:
            alts.append(leaves[0] if len(leaves) == 1 else "[" + "".join(leaves) + "]")
        if not alts:
            return ""
        if "" in node:  # a key ends here: longer continuations first, then stop
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)


@dataclass(frozen=True)
class _Dictionary:
    """One dictionary file, prepared for both matching paths."""

    name: str
    values: dict[str, str]          # key -> first candidate
    info: dict[str, int]            # key/prefix -> _IS_KEY | _IS_PREFIX bits
    first_bigrams: frozenset[str]   # first two characters of keys with len >= 2
    single: frozenset[str]          # keys of length 1
    max_len: int

    @property
    def chars_only(self) -> bool:
        return bool(self.values) and self.max_len == 1

    @functools.cached_property
    def table(self) -> dict[int, str]:
        return {ord(k): v for k, v in self.values.items()}

    @functools.cached_property
    def char_re(self) -> re.Pattern[str]:
        """Any single-character key: lets sparse tables skip untouched text."""
        return re.compile("[" + "".join(sorted(map(re.escape, self.single))) + "]")

    @functools.cached_property
    def small_re(self) -> re.Pattern[str] | None:
        """For small dictionaries: a trie regex matching the longest key at a
        position (re's first-character prefix scan makes the search fast)."""
        if len({k[0] for k in self.values}) > _FEW_FIRST_CHARS:
            return None
        return re.compile(_trie_pattern(self.values))

    @functools.cached_property
    def hashed(self) -> "_HashedKeys":
        return _HashedKeys.build(self)


def _parse_dictionary(text: str) -> dict[str, str]:
    # Same parsing as the reference: strip, split on the tab, later lines win,
    # first space-separated candidate.
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, value = line.strip().split("\t")
        values[key] = value.split(" ")[0]
    return values


_dict_lock = threading.Lock()


def _raw_candidates(filename: str) -> dict[str, list[str]]:
    """Every candidate of every key of a package dictionary (for script detection)."""
    text = (_package_root() / "dictionary" / filename).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip():
            key, value = line.strip().split("\t")
            out[key] = value.split(" ")
    return out


@functools.lru_cache(maxsize=None)
def _load_dictionary(filename: str) -> _Dictionary:
    text = (_package_root() / "dictionary" / filename).read_text(encoding="utf-8")
    raw = _parse_dictionary(text)
    # a key containing a separator can never be seen by the reference
    values = {k: v for k, v in raw.items() if not SEPARATORS_RE.search(k)}
    info: dict[str, int] = {}
    for key in values:
        info[key] = info.get(key, 0) | _IS_KEY
        for i in range(1, len(key)):
            info[key[:i]] = info.get(key[:i], 0) | _IS_PREFIX
    return _Dictionary(
        name=filename,
        values=values,
        info=info,
        first_bigrams=frozenset(k[:2] for k in values if len(k) >= 2),
        single=frozenset(k for k in values if len(k) == 1),
        max_len=max(map(len, values), default=0),
    )


def _dictionary(filename: str) -> _Dictionary:
    with _dict_lock:  # lru_cache alone may build the same file twice in parallel
        return _load_dictionary(filename)


# ---------------------------------------------------------------- phrase matching

# Below this length the pure-Python walk beats numpy's per-call overhead.
_NUMPY_MIN_LEN = 200
_HASH_BASE = 0x100000001B3  # FNV prime: odd, mixes the 21-bit code points
_MASK64 = (1 << 64) - 1
_BITMAP_BITS = 22


def _poly_hash(key: str) -> int:
    h = 0
    for ch in key:
        h = (h * _HASH_BASE + ord(ch)) & _MASK64
    return h


@dataclass(frozen=True)
class _HashedKeys:
    """Sorted 64-bit polynomial hashes of keys and proper prefixes, per length.

    Used by the numpy path to find every candidate's longest key at once.
    Hashes can collide, never miss: a false key is caught when its value is
    looked up in the real dict, and a false prefix only costs work.
    """

    keys: tuple[Any, ...]       # index L -> sorted uint64 array
    prefixes: tuple[Any, ...]   # index L -> sorted uint64 array
    start_bitmap: Any           # bool array over low bits of 2-char hashes
    start2: Any                 # sorted hashes of first bigrams
    single_codes: Any           # sorted uint64 code points of 1-char keys

    @staticmethod
    def build(d: "_Dictionary") -> "_HashedKeys":
        import numpy as np  # lazy: only long texts take this path

        keys: list[set[int]] = [set() for _ in range(d.max_len + 1)]
        prefixes: list[set[int]] = [set() for _ in range(d.max_len + 1)]
        for text, bits in d.info.items():
            h = _poly_hash(text)
            if bits & _IS_KEY:
                keys[len(text)].add(h)
            if bits & _IS_PREFIX:
                prefixes[len(text)].add(h)

        def arr(values: set[int]) -> Any:
            return np.array(sorted(values), dtype=np.uint64)

        start2 = arr(keys[2] | prefixes[2]) if d.max_len >= 2 else arr(set())
        bitmap = np.zeros(1 << _BITMAP_BITS, dtype=bool)
        bitmap[(start2 & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.int64)] = True
        return _HashedKeys(tuple(map(arr, keys)), tuple(map(arr, prefixes)),
                           bitmap, start2, arr({ord(k) for k in d.single}))


def _member(x: Any, table: Any) -> Any:
    import numpy as np

    if not table.size:
        return np.zeros(x.shape, dtype=bool)
    i = np.searchsorted(table, x)
    i[i == table.size] = 0
    return table[i] == x


def _longest_all(s: str, d: _Dictionary) -> tuple[Any, Any]:
    """(start, reach) arrays of every position where some key starts, numpy-vectorised."""
    import numpy as np

    hk = d.hashed
    n = len(s)
    a = np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    parts = []
    if d.max_len >= 2 and n >= 2:
        with np.errstate(over="ignore"):
            h2 = a[:-1] * np.uint64(_HASH_BASE) + a[1:]
        maybe = np.flatnonzero(hk.start_bitmap[(h2 & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.int64)])
        parts.append(maybe[_member(h2[maybe], hk.start2)])
    if hk.single_codes.size:
        parts.append(np.flatnonzero(_member(a, hk.single_codes)))
    starts = np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0] if parts else np.zeros(0, np.int64)
    best = np.zeros(starts.size, dtype=np.int64)
    pos = np.arange(starts.size)
    h = a[starts]
    length = 1
    while pos.size:
        hit = _member(h, hk.keys[length])
        best[pos[hit]] = length
        if length == d.max_len:
            break
        alive = _member(h, hk.prefixes[length]) & (starts[pos] + length < n)
        pos, h = pos[alive], h[alive]
        length += 1
        with np.errstate(over="ignore"):
            h = h * np.uint64(_HASH_BASE) + a[starts[pos] + length - 1]
    keep = best > 0
    return starts[keep], starts[keep] + best[keep]


def _match_numpy(s: str, d: _Dictionary) -> list[str]:
    """Same result as :func:`_match_python`, with the walk done by numpy.

    Overlapping occurrence intervals [start, reach) merge into regions; a
    region whose first interval is also its end is that one key (the
    leftmost-longest choice, which longest-anywhere also makes); any other
    region holds partly overlapping keys and is redone exactly.
    """
    import numpy as np

    starts, reach = _longest_all(s, d)
    if not starts.size:
        return [s]
    run_max = np.maximum.accumulate(reach)
    first = np.ones(starts.size, dtype=bool)
    first[1:] = starts[1:] >= run_max[:-1]
    idx = np.flatnonzero(first)
    region_end = np.maximum.reduceat(reach, idx)
    simple = region_end == reach[idx]
    values = d.values
    out: list[str] = []
    carry = ""
    gap_start = 0
    for p, end, ok in zip(starts[idx].tolist(), region_end.tolist(), simple.tolist()):
        if ok:
            value = values.get(s[p:end])
            if value is None:  # hash collision: take the exact Python walk
                return _match_python(s, d)
            out.append(carry + s[gap_start:p])
            out.append(value)
            carry = ""
        else:
            parts = _exact_region(s[p:end], d)
            out.append(carry + s[gap_start:p] + parts[0])
            out.extend(parts[1:-1])
            carry = parts[-1]
        gap_start = end
    out.append(carry + s[gap_start:])
    return out


def _match(s: str, d: _Dictionary) -> list[str]:
    if d.small_re is not None:
        occ = _occurrences_regex(s, d.small_re)
        return _assemble(s, d, occ) if occ else [s]
    if len(s) >= _NUMPY_MIN_LEN:
        return _match_numpy(s, d)
    return _match_python(s, d)


def _occurrences_regex(s: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, longest reach) at every position where a key starts.

    finditer gives the leftmost-longest matches; no key starts in the gaps
    between them, so only positions inside a match need a separate look.
    """
    occ = []
    match_at = pattern.match
    for m in pattern.finditer(s):
        p, end = m.span()
        occ.append((p, end))
        for q in range(p + 1, end):
            inner = match_at(s, q)
            if inner:
                occ.append((q, inner.end()))
    return occ


def _assemble(s: str, d: _Dictionary, occ: list[tuple[int, int]]) -> list[str]:
    """Output from (start, reach-of-longest-key) pairs sorted by start.

    Pairs whose intervals overlap merge into a region. A region whose first
    interval reaches its end is one key (leftmost-longest = longest-anywhere
    there); any other holds partly overlapping keys and is redone exactly.
    """
    out: list[str] = []
    carry, gap_start, values = "", 0, d.values
    i, n = 0, len(occ)
    while i < n:
        p, end = occ[i]
        first_end = end
        i += 1
        while i < n and occ[i][0] < end:
            if occ[i][1] > end:
                end = occ[i][1]
            i += 1
        if end == first_end:
            out.append(carry + s[gap_start:p])
            out.append(values[s[p:end]])
            carry = ""
        else:
            parts = _exact_region(s[p:end], d)
            out.append(carry + s[gap_start:p] + parts[0])
            out.extend(parts[1:-1])
            carry = parts[-1]
        gap_start = end
    out.append(carry + s[gap_start:])
    return out


def _candidates(s: str, d: _Dictionary) -> list[int]:
    """Positions where a key may start, found without a Python-level loop."""
    out: list[int] = []
    if d.first_bigrams and len(s) > 1:
        bigrams = map(operator.add, s, s[1:])
        out = list(compress(count(), map(d.first_bigrams.__contains__, bigrams)))
    if d.single:
        singles = [m.start() for m in d.char_re.finditer(s)]
        if singles:
            out = sorted(set(out).union(singles)) if out else singles
    return out


def _longest(s: str, p: int, d: _Dictionary) -> int:
    """Length of the longest key starting at ``s[p]`` (0 if none)."""
    info, best, n = d.info, 0, len(s)
    length = 1 if d.single else 2
    while p + length <= n:
        bits = info.get(s[p:p + length], 0)
        if bits & _IS_KEY:
            best = length
        if not bits & _IS_PREFIX:
            break
        length += 1
    return best


def _all_keys_at(s: str, p: int, d: _Dictionary) -> list[int]:
    info, found, n, length = d.info, [], len(s), 1
    while p + length <= n:
        bits = info.get(s[p:p + length], 0)
        if bits & _IS_KEY:
            found.append(length)
        if not bits & _IS_PREFIX and length > 1:
            break
        length += 1
    return found


def _exact_region(region: str, d: _Dictionary) -> list[str]:
    """Longest-anywhere-first on one closed region; returns [gap, value, gap, ...].

    Greedy over occurrences sorted by (-length, start), skipping any that
    overlaps one already taken: the reference's recursive splitting gives the
    same set (each side of a split is independent).
    """
    occurrences = [(-length, p) for p in range(len(region))
                   for length in _all_keys_at(region, p, d)]
    occurrences.sort()
    taken = bytearray(len(region))
    chosen: list[tuple[int, int]] = []
    for neg_len, p in occurrences:
        end = p - neg_len
        if taken.find(1, p, end) == -1:
            taken[p:end] = b"\x01" * (end - p)
            chosen.append((p, end))
    chosen.sort()
    out, prev = [], 0
    for p, end in chosen:
        out.append(region[prev:p])
        out.append(d.values[region[p:end]])
        prev = end
    out.append(region[prev:])
    return out


def _match_python(s: str, d: _Dictionary) -> list[str]:
    """One dictionary over ``s``: alternating [gap, value, gap, ..., gap].

    Leftmost-longest over candidate positions; every candidate inside a match
    is walked too, and if its longest key reaches past the current region the
    region grows. A region that grew (partly overlapping keys) is redone
    exactly; one that did not is a single key the reference would also take.
    """
    cands = _candidates(s, d)
    out: list[str] = []
    carry = ""  # tail gap of an exact region, prepended to the next gap
    gap_start = i = 0
    n = len(cands)
    while i < n:
        p = cands[i]
        i += 1
        length = _longest(s, p, d)
        if not length:
            continue
        end = p + length
        grew = False
        while i < n and cands[i] < end:
            q = cands[i]
            i += 1
            reach = q + _longest(s, q, d)
            if reach > end:
                end, grew = reach, True
        if grew:
            parts = _exact_region(s[p:end], d)
            out.append(carry + s[gap_start:p] + parts[0])
            out.extend(parts[1:-1])
            carry = parts[-1]
        else:
            out.append(carry + s[gap_start:p])
            out.append(d.values[s[p:end]])
            carry = ""
        gap_start = end
    out.append(carry + s[gap_start:])
    return out


# ---------------------------------------------------------------- steps and chains


def _apply_group(text: str, group: Sequence[_Dictionary]) -> str:
    """One step: each dictionary converts only the gaps earlier ones left."""
    if len(group) == 1 and group[0].chars_only:
        d = group[0]
        if len(d.single) < _SPARSE_TABLE and not d.char_re.search(text):
            return text  # most text has none of a small variants table
        return text.translate(d.table)
    pieces = [text]  # gaps at even indices, converted values at odd ones
    for k, d in enumerate(group):
        if not d.values:
            continue
        if d.chars_only and k == len(group) - 1:
            # last in its group: every remaining gap is translated char by char
            pieces[0::2] = map(str.translate, pieces[0::2], repeat(d.table))
            break
        new: list[str] = []
        for j, piece in enumerate(pieces):
            if j % 2:
                new.append(piece)
            elif piece:
                new.extend(_match(piece, d))  # odd length: parity is kept
            else:
                new.append(piece)
        pieces = new
    return "".join(pieces)


class Converter:
    """A compiled config: call :meth:`convert`. Immutable and thread-safe."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps: tuple[tuple[_Dictionary, ...], ...] = tuple(
            tuple(_dictionary(f) for f in files) for files in config_files(name))

    def convert(self, text: str) -> str:
        _check_text(text)
        for group in self.steps:
            text = _apply_group(text, group)
        return text

    __call__ = convert

    def __repr__(self) -> str:
        return f"Converter({self.name!r})"


def _check_text(text: object) -> None:
    if isinstance(text, (bytes, bytearray)):
        raise TypeError("convert() takes str, not bytes: decode first, "
                        "e.g. data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"convert() takes str, not {type(text).__name__}")


_converters: dict[str, Converter] = {}
_converters_lock = threading.Lock()


def _normalise_name(config: str) -> str:
    if not isinstance(config, str):
        raise TypeError(f"config must be a str such as 's2t', not {type(config).__name__}")
    name = config.strip().lower()
    return name[:-5] if name.endswith(".json") else name


def converter(config: str) -> Converter:
    """The shared :class:`Converter` for ``config``, built on first use."""
    name = _normalise_name(config)
    conv = _converters.get(name)
    if conv is None:
        with _converters_lock:
            conv = _converters.get(name)
            if conv is None:
                conv = Converter(name)
                _converters[name] = conv
                logger.debug("built converter %s", name)
    return conv


def convert(text: str, config: str) -> str:
    """Convert ``text`` with an OpenCC config name (``"s2t"``, ``"tw2sp"``, ...).

    Output is identical to ``opencc.OpenCC(config).convert(text)`` from
    opencc-python-reimplemented. See :func:`available_configs` for the names.
    """
    _check_text(text)
    return converter(config).convert(text)


def to_simplified(text: str, variant: str = "t") -> str:
    """Traditional → Simplified; ``variant`` names the source: t, tw, twp (idioms), hk."""
    return convert(text, _variant_config(variant, _SIMPLIFIED_VARIANTS))


def to_traditional(text: str, variant: str = "t") -> str:
    """Simplified → Traditional: ``"t"`` OpenCC standard, ``"tw"``, ``"twp"`` (Taiwan idioms), ``"hk"``."""
    return convert(text, _variant_config(variant, _TRADITIONAL_VARIANTS))


def _variant_config(variant: str, table: dict[str, str]) -> str:
    try:
        return table[variant]
    except (KeyError, TypeError):
        raise ValueError(f"unknown variant {variant!r}; expected one of "
                         f"{', '.join(table)}") from None


# ---------------------------------------------------------------- folding key


@functools.lru_cache(maxsize=1)
def fold_char_map() -> dict[str, str]:
    """Traditional→Simplified single-character map (first candidate) from OpenCC."""
    path = _package_root() / "dictionary" / "TSCharacters.txt"
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, vals = line.partition("\t")
        if len(key) == 1 and vals:
            out[key] = vals.split()[0]
    return out

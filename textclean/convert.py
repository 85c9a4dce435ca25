"""Chinese script conversion that reproduces opencc-python-reimplemented exactly, fast.

The engine reads opencc-python-reimplemented's own ``config/*.json`` and
``dictionary/*.txt`` at run time (found through ``importlib.resources``) and
gives byte-identical output. The semantics it reproduces (``opencc/opencc.py``):

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

Why the fast path is exact. A step is phrase dictionaries plus a character
table ``T`` (the group's last, single-character dictionary, composed with any
character-only steps that follow). Key occurrences that overlap form
*components*, and the reference's choices inside one component never depend
on anything outside it. A key is *useless* when its value equals ``T`` applied
to the key; a component made only of useless occurrences comes out as ``T`` of
its text whatever is chosen. So a step is ``T`` over the whole text, then the
exact algorithm only on the components that may hold a useful key. Every
useful key contains a *witness* (a character pair, or the key itself when it
is one character, where its value differs from ``T``); the witness positions
are found without a Python loop (numpy lookup arrays, or ``map`` over the
pairs for short texts), and only there does Python grow the component and
resolve it: about 1 % of positions in news text.

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
from itertools import compress, count
from typing import Any

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

# A step that watches fewer characters than this first checks with one regex
# search whether the text has any of them (most text has none).
_SPARSE_TABLE = 2000
# Below this length plain str methods beat numpy's fixed cost per call.
_NUMPY_MIN_LEN = 48
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


@dataclass(frozen=True)
class _Dictionary:
    """One dictionary file as the reference sees it."""

    name: str
    values: dict[str, str]  # key -> first candidate; keys with a separator dropped
    max_len: int
    dropped: int  # how many keys had a separator

    @property
    def chars_only(self) -> bool:
        return bool(self.values) and self.max_len == 1

    def table(self) -> dict[int, str]:
        return {ord(k): v for k, v in self.values.items()}


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
    return _Dictionary(filename, values, max(map(len, values), default=0), len(raw) - len(values))


def _dictionary(filename: str) -> _Dictionary:
    with _dict_lock:  # lru_cache alone may build the same file twice in parallel
        return _load_dictionary(filename)


def _compose(first: dict[int, str], then: dict[int, str]) -> dict[int, str]:
    """The character table that applies ``first``, then ``then``."""
    out = {c: v.translate(then) for c, v in first.items()}
    for c, v in then.items():
        out.setdefault(c, v)
    return {c: v for c, v in out.items() if v != chr(c)}


def _prefix_info(keys: Any) -> dict[str, int]:
    """key or prefix -> _IS_KEY | _IS_PREFIX bits (every prefix of every key)."""
    info: dict[str, int] = {}
    for key in keys:
        info[key] = info.get(key, 0) | _IS_KEY
        for i in range(1, len(key)):
            info[key[:i]] = info.get(key[:i], 0) | _IS_PREFIX
    return info


# ---------------------------------------------------------------- exact matching


def _reach(s: str, p: int, info: dict[str, int]) -> int:
    """End of the longest key starting at ``s[p]`` (``p`` if none)."""
    end, length, n = p, 1, len(s)
    while p + length <= n:
        bits = info.get(s[p:p + length], 0)
        if bits & _IS_KEY:
            end = p + length
        if not bits & _IS_PREFIX:
            break
        length += 1
    return end


def _component(s: str, h: int, info: dict[str, int], cross: dict[str, int]) -> tuple[int, int]:
    """The smallest span around ``s[h]`` that no key occurrence crosses.

    Empty (``(h, h)``) when no key covers ``s[h]``. A key that overlaps the
    span from outside crosses one of its ends, and ``cross`` says how far
    before a boundary such a key can start (0: no key has that pair inside).
    """
    a, b = h, _reach(s, h, info)
    while a > 0:  # leftmost start of a key crossing a-1|a, then again from there
        back = cross.get(s[a - 1:a + 1], 0)
        for p in range(max(a - back, 0), a):
            end = _reach(s, p, info)
            if end > a:
                a, b = p, max(b, end)
                break
        else:
            break
    if b <= h:
        return h, h
    while True:  # furthest end of a key crossing b-1|b, then again from there
        end = b
        for p in range(max(b - cross.get(s[b - 1:b + 1], 0), a), b):
            end = max(end, _reach(s, p, info))
        if end == b:
            return a, b
        b = end


def _longest_anywhere(s: str, info: dict[str, int], values: dict[str, str]) -> list[str]:
    """One dictionary on ``s`` as the reference does it: [gap, value, gap, ...].

    Greedy over occurrences sorted by (-length, start), skipping any that
    overlaps one already taken: the reference's recursive splitting takes the
    same ones (each side of a split is independent).
    """
    occurrences = []
    for p in range(len(s)):
        length = 1
        while p + length <= len(s):
            bits = info.get(s[p:p + length], 0)
            if bits & _IS_KEY:
                occurrences.append((-length, p))
            if not bits & _IS_PREFIX:
                break
            length += 1
    occurrences.sort()
    taken = bytearray(len(s))
    chosen = []
    for neg_len, p in occurrences:
        end = p - neg_len
        if taken.find(1, p, end) == -1:
            taken[p:end] = b"\x01" * (end - p)
            chosen.append((p, end))
    chosen.sort()
    out, prev = [], 0
    for p, end in chosen:
        out.append(s[prev:p])
        out.append(values[s[p:end]])
        prev = end
    out.append(s[prev:])
    return out


# ---------------------------------------------------------------- steps


def _witness(key: str, value: str, plain: str) -> str:
    """A piece of a useful key (two characters, or the key itself if it is one)
    that every occurrence contains, taken where ``value`` differs from
    ``plain`` (the key through the character table)."""
    if len(key) == 1:
        return key
    j = 0
    if len(value) == len(plain) == len(key):
        j = next(i for i, (v, t) in enumerate(zip(value, plain)) if v != t)
    return key[j:j + 2] if j + 1 < len(key) else key[j - 1:j + 1]


class _Step:
    """One step of a chain: phrase dictionaries (a group, earlier ones first)
    over a character table ``table``. Immutable once built, so safe to share.

    ``after`` is the character table of the character-only steps fused after
    this one: it is composed into ``table`` and applied to every value.
    """

    def __init__(self, phrases: list[_Dictionary], table: dict[int, str],
                 after: dict[int, str]) -> None:
        self.table = _compose(table, after)
        self.aligned = all(len(v) == 1 for v in self.table.values())  # one char in, one out
        self.dicts = tuple((_prefix_info(d.values),
                            {k: v.translate(after) for k, v in d.values.items()} if after else d.values)
                           for d in phrases)
        # every key of the group, to find the components
        self.info = (self.dicts[0][0] if len(phrases) == 1
                     else _prefix_info(k for d in phrases for k in d.values))
        # pair -> the most characters a key has before that pair's boundary
        self.cross: dict[str, int] = {}
        for d in phrases:
            for key in d.values:
                for j in range(1, len(key)):
                    if self.cross.get(key[j - 1:j + 1], 0) < j:
                        self.cross[key[j - 1:j + 1]] = j
        pairs, singles = set(), set()
        for _, values in self.dicts:
            for key, value in values.items():
                plain = key.translate(self.table)
                if value != plain:
                    w = _witness(key, value, plain)
                    (singles if len(w) == 1 else pairs).add(w)
        self.pairs, self.singles = frozenset(pairs), frozenset(singles)
        # text without a table character or a witness's first character is unchanged
        watch = {*map(chr, self.table), *(w[0] for w in pairs | singles)}
        self.sparse_re: re.Pattern[str] | None = None
        if len(watch) < _SPARSE_TABLE:
            self.sparse_re = re.compile(
                "[" + "".join(map(re.escape, sorted(watch))) + "]" if watch else "(?!)")
        self._build_arrays()

    def _build_arrays(self) -> None:
        """Lookup arrays indexed by code point for the vectorised path. Index
        ``top`` (past every character that matters) stands for all higher ones."""
        import numpy as np  # lazy: only converters need it

        chars = [*self.table, *(ord(c) for w in self.pairs | self.singles for c in w)]
        self.top = top = 1 + max(chars, default=0)
        self.lut = None
        if self.table and self.aligned:
            self.lut = np.arange(top + 1, dtype=np.uint32)
            self.lut[top] = 0  # 0 = unchanged: code points >= top (NUL is unchanged anyway)
            self.lut[list(self.table)] = [ord(v) for v in self.table.values()]
        # witness pair (x, y) <=> pair_ok[first_id[x] * n_second + second_id[y]]
        firsts = {ch: i for i, ch in enumerate(sorted({w[0] for w in self.pairs}), 1)}
        seconds = {ch: i for i, ch in enumerate(sorted({w[1] for w in self.pairs}), 1)}
        self.n_second = len(seconds) + 1
        self.first_id = np.zeros(top + 1, dtype=np.int32)
        self.second_id = np.zeros(top + 1, dtype=np.int32)
        for ids, arr in ((firsts, self.first_id), (seconds, self.second_id)):
            arr[[ord(ch) for ch in ids]] = list(ids.values())
        self.pair_ok = np.zeros((len(firsts) + 1) * self.n_second, dtype=bool)
        self.pair_ok[[firsts[w[0]] * self.n_second + seconds[w[1]] for w in self.pairs]] = True
        self.single = np.zeros(top + 1, dtype=bool)
        self.single[[ord(w) for w in self.singles]] = True
        for arr in (self.lut, self.first_id, self.second_id, self.pair_ok, self.single):
            if arr is not None:
                arr.flags.writeable = False

    def __call__(self, s: str) -> str:
        if not s or (self.sparse_re is not None and not self.sparse_re.search(s)):
            return s
        t, hits = self._table_and_witnesses(s) if len(s) >= _NUMPY_MIN_LEN else self._small(s)
        return self._patch(s, t, hits) if hits else t

    def _small(self, s: str) -> tuple[str, list[int]]:
        """Table and witness positions without numpy's fixed cost per call."""
        t = s.translate(self.table) if self.table else s
        hits = list(compress(count(), map(self.pairs.__contains__, map(operator.add, s, s[1:]))))
        if self.singles:
            hits = sorted(set(hits).union(compress(count(), map(self.singles.__contains__, s))))
        return t, hits

    def _table_and_witnesses(self, s: str) -> tuple[str, list[int]]:
        """Same as :meth:`_small`, vectorised: the table through a lookup array, and
        the positions where a witness starts, ascending."""
        import numpy as np

        a = np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        c = np.minimum(a, self.top)
        t = s
        if self.lut is not None:
            b = self.lut[c]
            if not b.all():
                b = np.where(b == 0, a, b)
            t = b.tobytes().decode("utf-32-le", "surrogatepass")
        elif self.table:
            t = s.translate(self.table)
        hit = self.single[c] if self.singles else np.zeros(c.size, dtype=bool)
        if self.pairs and c.size > 1:
            hit[:-1] |= self.pair_ok[self.first_id[c[:-1]] * self.n_second + self.second_id[c[1:]]]
        return t, np.flatnonzero(hit).tolist()

    def _patch(self, s: str, t: str, hits: list[int]) -> str:
        """``t`` (= the table over ``s``) with every component around a hit redone exactly."""
        out, prev = [], 0
        for h in hits:
            if h < prev:
                continue  # inside a component already done
            a, b = _component(s, h, self.info, self.cross)
            if a == b:
                continue
            out.append(t[prev:a] if self.aligned else s[prev:a].translate(self.table))
            out.append(self._resolve(s[a:b]))
            prev = b
        out.append(t[prev:] if self.aligned else s[prev:].translate(self.table))
        return "".join(out)

    def _resolve(self, region: str) -> str:
        """The reference's output for one closed region."""
        values = self.dicts[0][1]
        if region in values:
            return values[region]  # one key spans it: the longest, so taken first
        pieces = [region]  # gaps at even indices, values at odd ones
        for info, values in self.dicts:
            new: list[str] = []
            for j, piece in enumerate(pieces):
                if j % 2 or not piece:
                    new.append(piece)
                else:
                    new.extend(_longest_anywhere(piece, info, values))
            pieces = new
        pieces[0::2] = [g.translate(self.table) for g in pieces[0::2]]
        return "".join(pieces)


def _build_steps(name: str) -> tuple[_Step, ...]:
    """The config as steps; a character-only step is fused into the step before it."""
    _check_separators(name)
    plan: list[tuple[list[_Dictionary], dict[int, str], dict[int, str]]] = []
    for files in config_files(name):
        dicts = [d for d in map(_dictionary, files) if d.values]
        table = dicts.pop().table() if dicts and dicts[-1].chars_only else {}
        if not dicts and plan:
            phrases, first, after = plan[-1]
            plan[-1] = (phrases, first, _compose(after, table))
        else:
            plan.append((dicts, table, {}))
    return tuple(_Step(*item) for item in plan)


def _check_separators(name: str) -> None:
    # Matching the whole text instead of the reference's chunks is exact only if
    # no value brings in a separator that a later step's key (dropped here) could use.
    steps = [[_dictionary(f) for f in files] for files in config_files(name)]
    for i, step in enumerate(steps):
        if any(d.dropped for d in step) and any(
                SEPARATORS_RE.search(v) for prev in steps[:i] for d in prev for v in d.values.values()):
            raise RuntimeError(f"config {name!r}: a value of an earlier step contains a "
                               "separator; textclean.convert cannot reproduce that exactly")


class Converter:
    """A compiled config: call :meth:`convert`. Immutable and thread-safe."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps = _build_steps(name)

    def convert(self, text: str) -> str:
        _check_text(text)
        for step in self.steps:
            text = step(text)
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

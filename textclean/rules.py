"""The data-driven rule set: TOML files of `regex` patterns matched on the folding key.

A rule file has a ``[lists]`` table of named keyword lists (used in patterns as
``\\L<name>``) and ``[[rule]]`` entries::

    [[rule]]
    id = "gambling-link-line"      # unique across all loaded files
    label = "spam"                 # spam | lottery | porn | boilerplate | offtopic
    scope = "line"                 # line | sentence | span
    pattern = '^\\W{0,4}\\L<spam_brands>'
    position = "any"               # any | first | last  (first/last 3 non-blank lines)
    max_chars = 200                # optional: only lines/sentences up to this length
    requires = ['\\L<spam_brands>']  # optional prefilter: every match contains one of these
    match = ["- 某某彩乐园网址 今日新闻"]
    no_match = ["澳门博彩收入上升"]

Patterns see the folding key (NFKC, lower case, Simplified, ``\\r`` read as
``\\n``) and are compiled with MULTILINE, so write them in Simplified lower case;
``^``/``$`` anchor at line ends. ``scope`` says what a match removes: the whole
line, the sentence it starts in, or just the matched text (group ``span`` if
the pattern has one). List entries are folded too, so they may be written in
any script.

``requires`` is a speed hint for expensive patterns: strings (or ``\\L<name>``
for every entry of a list) of which every match contains at least one. A
document whose key contains none of them cannot match, so the rule skips it
without running the pattern. The strings are folded like list entries; a
``match`` example that contains none of them is refused at load.
"""
from __future__ import annotations

import functools
import re
import stat
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import regex

from .normalize import fold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Rule", "RuleSet", "RuleError", "RuleTimeoutError", "load_rules", "default_rules"]

_SCOPES = ("line", "sentence", "span")
_POSITIONS = ("any", "first", "last")
_LABELS = ("spam", "lottery", "porn", "boilerplate", "offtopic")
_HAN = regex.compile(r"\p{Han}")
_LIST_REF = regex.compile(r"\\L<(\w+)>")

# Limits that keep a downloaded rule file from taking the machine over.
#: bytes in one rule file
MAX_FILE_BYTES = 16 * 1024 * 1024
#: characters in one pattern (regex compile time grows faster than linearly)
MAX_PATTERN_CHARS = 10_000
#: pattern size with counted repeats unrolled: regex compiles ``x{m}`` as m
#: copies, so ``(?:ab|c){1000000}`` eats gigabytes or crashes the process
MAX_UNROLLED = 20_000
#: keyword-list entries compiled per file, summed over the rules that use them
#: (about 150 µs each, so this bounds a file's load time near 30 s)
MAX_LIST_ENTRIES = 200_000
#: strings in one rule's ``requires`` (the prefilter tries them in turn, so a
#: longer one costs more than the pattern it would skip)
MAX_REQUIRED = 1_000
# regex.compile's own parameters cannot name a keyword list
_RESERVED_LISTS = frozenset({"pattern", "flags", "ignore_unused", "cache_pattern"})
# zero-width matches on this text show a pattern that can match nothing
_EMPTY_PROBE = "a 娱乐城 1\n.- 相关文章\n\n|x。"


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and rule id."""


class RuleTimeoutError(RuleError, TimeoutError):
    """A rule pattern ran longer than ``Config.rule_timeout`` (catastrophic backtracking)."""


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    scope: str
    pattern: Any  # a compiled regex.Pattern
    source: str
    position: str = "any"
    max_chars: int | None = None
    description: str = ""
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    #: folded strings of which every match contains one; () runs the rule on every document
    requires: tuple[str, ...] = ()
    #: every match lies inside one line and depends on no text past that
    #: line's break: the rule may then be run on single lines of a long page
    line_local: bool = False

    def may_match(self, key: str) -> bool:
        """False only when *key* holds none of the required strings, so the pattern cannot match it."""
        return not self.requires or _finder(self.requires)(key)


@functools.lru_cache(maxsize=256)
def _finder(strings: tuple[str, ...]) -> Callable[[str], bool]:
    """A test for "any of *strings* occurs in the text", the fastest kind for their number."""
    if len(strings) <= 3:  # a few ``in`` scans beat a regex search
        return lambda key: any(s in key for s in strings)
    # the stdlib engine skips ahead on the first characters, 4x faster than
    # looping over ``in`` for list-sized sets (it tries alternatives in turn,
    # hence MAX_REQUIRED)
    return required_pattern(strings).search


@functools.lru_cache(maxsize=256)
def required_pattern(strings: tuple[str, ...]) -> "re.Pattern[str]":
    """One stdlib pattern finding any of a rule's ``requires`` strings."""
    return re.compile("|".join(map(re.escape, strings)))


@dataclass(frozen=True)
class RuleSet:
    """An ordered, immutable collection of rules; combine sets with ``+``."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = field(default=())

    def __add__(self, other: "RuleSet") -> "RuleSet":
        seen = {r.id: r.source for r in self.rules}
        for r in other.rules:
            if r.id in seen:
                raise RuleError(f"{r.source}: rule id {r.id!r} is already defined in {seen[r.id]}")
        return RuleSet(self.rules + other.rules, self.sources + other.sources)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _fail(source: str, rule_id: str | None, problem: str) -> RuleError:
    where = f"{source}, rule {rule_id!r}" if rule_id else source
    return RuleError(f"{where}: {problem}")


def _folded_lists(raw: Any, source: str) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(source, None, "[lists] must be a table of name = [strings]")
    lists: dict[str, list[str]] = {}
    for name, words in raw.items():
        if not regex.fullmatch(r"[^\W\d]\w*", name) or name in _RESERVED_LISTS:
            raise _fail(source, None, f"list name {name!r} must be a word like spam_brands (not {sorted(_RESERVED_LISTS)})")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise _fail(source, None, f"list {name!r} must be a non-empty array of non-empty strings")
        lists[name] = sorted({fold(w) for w in words}, key=len, reverse=True)
    return lists


def _compile(entry: dict[str, Any], lists: dict[str, list[str]], source: str) -> Rule:
    rid = entry.get("id")
    if not isinstance(rid, str) or not rid:
        raise _fail(source, None, "every [[rule]] needs a string id")
    for key in ("label", "scope", "pattern"):
        if not isinstance(entry.get(key), str):
            raise _fail(source, rid, f"missing or non-string {key!r}")
    unknown = set(entry) - {
        "id", "label", "scope", "pattern", "position", "max_chars", "description", "match", "no_match",
        "requires",
    }
    if unknown:
        raise _fail(source, rid, f"unknown keys {sorted(unknown)}")
    if entry["label"] not in _LABELS:
        raise _fail(source, rid, f"label {entry['label']!r} is not one of {list(_LABELS)}")
    if entry["scope"] not in _SCOPES:
        raise _fail(source, rid, f"scope {entry['scope']!r} is not one of {list(_SCOPES)}")
    position = entry.get("position", "any")
    if position not in _POSITIONS:
        raise _fail(source, rid, f"position {position!r} is not one of {list(_POSITIONS)}")
    max_chars = entry.get("max_chars")
    if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0):
        raise _fail(source, rid, "max_chars must be a positive integer")
    text = entry["pattern"]
    _check_size(text, source, rid)
    changed = sorted({c for c in _HAN.findall(text) if fold(c) != c})
    if changed:
        raise _fail(source, rid, f"write patterns in Simplified (they match the folded key); found {''.join(changed)}")
    used = set(_LIST_REF.findall(text))
    missing = used - set(lists)
    if missing:
        raise _fail(source, rid, f"pattern uses undefined list(s) {sorted(missing)}")
    try:
        pattern = regex.compile(_line_local(text), regex.MULTILINE | regex.VERSION0, **{k: lists[k] for k in used})
    except (regex.error, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # regex raises ValueError for some flag clashes ("(?V1)") and
        # RecursionError for deep nesting, not only regex.error
        raise _fail(source, rid, f"bad pattern: {exc or type(exc).__name__}") from None
    if pattern.flags & regex.DOTALL:
        raise _fail(source, rid, "(?s) lets '.' match a line break; rules match within one line")
    if _matches_empty(pattern):
        raise _fail(source, rid, "pattern can match empty text, so it would fire everywhere; make it match at least one character")
    examples = {}
    for key in ("match", "no_match"):
        vals = entry.get(key, [])
        if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
            raise _fail(source, rid, f"{key!r} must be an array of strings")
        examples[key] = tuple(vals)
    requires = _required(entry.get("requires"), lists, source, rid)
    _check_examples_hold_required(examples["match"], requires, source, rid)
    return Rule(
        id=rid,
        label=entry["label"],
        scope=entry["scope"],
        pattern=pattern,
        source=source,
        position=position,
        max_chars=max_chars,
        description=str(entry.get("description", "")),
        match=examples["match"],
        no_match=examples["no_match"],
        requires=requires,
        line_local=_is_line_local(text, {k: lists[k] for k in used}),
    )


def _required(raw: Any, lists: dict[str, list[str]], source: str, rid: str) -> tuple[str, ...]:
    """The folded ``requires`` strings, each ``\\L<name>`` expanded to its list's entries."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) and s for s in raw):
        raise _fail(source, rid, "requires must be a non-empty array of non-empty strings (or '\\L<list_name>')")
    out: dict[str, None] = {}  # ordered, without repeats
    for item in raw:
        ref = _LIST_REF.fullmatch(item)
        if ref is None:
            out[fold(item)] = None
        elif ref.group(1) in lists:
            out.update(dict.fromkeys(lists[ref.group(1)]))
        else:
            raise _fail(source, rid, f"requires uses undefined list {ref.group(1)!r}")
    if len(out) > MAX_REQUIRED:
        raise _fail(source, rid, f"requires names {len(out)} strings (at most {MAX_REQUIRED}); leave it out or name fewer")
    return tuple(out)


def _check_examples_hold_required(examples: tuple[str, ...], requires: tuple[str, ...], source: str, rid: str) -> None:
    # a wrong requires loses matches silently; the rule's own examples catch the plain mistakes
    for text in examples:
        if requires and not any(s in fold(text) for s in requires):
            raise _fail(
                source, rid,
                f"match example {text!r} contains none of the required strings, so the rule would skip it; "
                "requires must name strings that every match contains",
            )


# what may follow \p, \N, \x, \g, \L as part of the same escape
_PAYLOAD = {
    "p": regex.compile(r"\{[\w\s=&.:\-]*\}|[A-Za-z]"),
    "P": regex.compile(r"\{[\w\s=&.:\-]*\}|[A-Za-z]"),
    "N": regex.compile(r"\{[\w\s\-]*\}"),
    "x": regex.compile(r"\{[0-9A-Fa-f]*\}|[0-9A-Fa-f]{1,2}"),
    "g": regex.compile(r"<\w*>"),
    "L": regex.compile(r"<\w*>"),
}


_POSIX = regex.compile(r"\[:\^?[A-Za-z]+:\]")


def _tokens(pattern: str) -> Iterator[tuple[str, int, int, int]]:
    """(kind, start, end, copies) for each piece of *pattern*: a rough scan, not a parser.

    Kinds: ``open`` / ``close`` for parentheses, ``repeat`` for a counted
    repeat ``{m}``, ``{m,}`` or ``{m,n}`` (*copies* is m), ``atom`` for one
    character, escape (``\\p{Han}``, ``\\L<name>`` whole) or class.
    """
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "{":
            m = regex.match(r"\{(\d*)(,?)(\d*)\}", pattern[i : i + 40])
            if m and (m.group(1) or m.group(3)):
                low = m.group(1) or "0"
                yield "repeat", i, i + m.end(), max(1, int(low) if len(low) <= 9 else 10**9)
                i += m.end()
                continue
        if pattern.startswith("(?#", i):  # a comment: nothing in it is pattern
            close = pattern.find(")", i)
            i = n if close < 0 else close + 1
            continue
        if c in "()":
            yield ("open" if c == "(" else "close"), i, i + 1, 1
            i += 1
            continue
        j = i + 1
        if c == "\\":
            j = i + 2
            payload = _PAYLOAD.get(pattern[i + 1 : i + 2])
            m = payload.match(pattern, j) if payload else None
            if m:  # only a well-formed one: "\\N{{4294967294}" is \\N, "{", then a repeat
                j = m.end()
        elif c == "[":
            j = i + 1 + (pattern[i + 1 : i + 2] == "^")
            j += pattern[j : j + 1] == "]"  # a leading "]" is literal
            while j < n and pattern[j] != "]":
                posix = _POSIX.match(pattern, j)
                if posix:
                    j = posix.end()
                else:
                    j += 2 if pattern[j] == "\\" else 1
            j = min(j + 1, n)
        yield "atom", i, j, 1
        i = j


def _unrolled_size(pattern: str) -> int:
    """About how many nodes *pattern* compiles to once counted repeats are unrolled.

    ``{m}``, ``{m,}`` and ``{m,n}`` multiply the item before them by m
    (``{0,n}`` stays a loop, so it is cheap); nested repeats multiply.
    """
    sizes = [0]  # items in each open group so far
    last = 0  # size of the item a repeat would copy
    for kind, _, _, copies in _tokens(pattern):
        if kind == "repeat":
            sizes[-1] += last * (copies - 1)
            last *= copies
        elif kind == "open":
            sizes.append(0)
        elif kind == "close" and len(sizes) > 1:
            last = sizes.pop() + 1
            sizes[-1] += last
        else:
            last = 1
            sizes[-1] += 1
    return sum(sizes)


_NOT_NEWLINE = (" ", "\t", "a", "1", "-", "中", "。")


@functools.lru_cache(maxsize=4096)
def _spans_lines(atom: str) -> bool:
    """True for a class or escape that matches a line break among other things (``\\s``, ``[^。]``)."""
    try:
        compiled = regex.compile(atom, regex.VERSION0)
        return compiled.match("\n") is not None and any(compiled.match(c) for c in _NOT_NEWLINE)
    except (regex.error, ValueError, TypeError, OverflowError, RecursionError):
        return False  # a backreference or list name: not a character set


# regex's \s without the line break (the key reads \r as \n, so \r never occurs)
_SPACE_IN_LINE = r"\t\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CLASS_ITEM = regex.compile(r"\\(.)|.", regex.DOTALL)


def _on_line(atom: str) -> str:
    """*atom* (a class or escape) without the line break, as a plain class where possible (fast)."""
    if atom in ("\\s", "\\W", "\\D"):
        return f"[^{atom.swapcase()}\\n]"  # \s -> [^\S\n]
    if atom.startswith("\\P"):
        return f"[^\\p{atom[2:]}\\n]"
    if atom.startswith("[^"):
        return atom[:-1] + "\\n]"
    if atom.startswith("["):
        inner = _CLASS_ITEM.sub(lambda m: _SPACE_IN_LINE if m.group(1) == "s" else m.group(0), atom[1:-1])
        if not _spans_lines(f"[{inner}]") and not _matches_newline(f"[{inner}]"):
            return f"[{inner}]"
    return f"(?:(?!\\n){atom})"


def _matches_newline(atom: str) -> bool:
    try:
        return regex.compile(atom, regex.VERSION0).match("\n") is not None
    except (regex.error, ValueError, TypeError, OverflowError, RecursionError):
        return True  # not a plain class after all: use the lookahead


# anchors whose meaning changes when a search stops at a line's end
_STRING_ANCHORS = ("\\A", "\\Z", "\\z", "\\G")


def _is_line_local(pattern: str, lists: dict[str, list[str]]) -> bool:
    """True when no match can take in a line break: nothing but an explicit one can.

    :func:`_line_local` keeps every class on its line (``\\s``, ``[^。]``);
    what is left that matches a line break is an atom made for it (``\\n``,
    ``[\\r\\n]``, ``\\x0a``), a raw line break, or a list entry holding one.
    String anchors (``\\Z``) read the end of the search as the end of the
    text, so they count as not local either. Conservative: a backreference
    or an escape this scan cannot read counts as not local.
    """
    if "\n" in pattern or "\r" in pattern or any(a in pattern for a in _STRING_ANCHORS):
        return False
    if any("\n" in w or "\r" in w for words in lists.values() for w in words):
        return False
    for kind, start, end, _ in _tokens(pattern):
        atom = pattern[start:end]
        if kind != "atom" or atom[0] not in "\\[" or _LIST_REF.fullmatch(atom):
            continue
        if _matches_newline(atom) and not _spans_lines(atom):
            return False
    return True


def line_anchored(pattern: str) -> bool:
    """True when every match of *pattern* (compiled MULTILINE) starts where a line starts.

    Every alternative outside parentheses begins with ``^`` (not repeated).
    Conservative: anything this rough scan cannot read counts as not anchored.
    """
    depth, begins = 0, [0]
    for kind, start, end, _ in _tokens(pattern):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return False
        elif kind == "atom" and depth == 0 and pattern[start:end] == "|":
            begins.append(end)
    return depth == 0 and all(
        pattern.startswith("^", b) and not pattern.startswith(("^*", "^+", "^?", "^{"), b) for b in begins
    )


def _line_local(pattern: str) -> str:
    """*pattern* with every class or escape that could step over a line break kept on its line.

    ``^[\\s-]*x`` tried at each of a page's 10 000 blank lines ran to the end
    of the page from each one: quadratic, and the 2 s rule timeout fired on
    20 KB. Rules judge one line at a time, so ``\\s``, ``\\W``, ``[^。]`` and
    the like lose the line break (``[^\\S\\n]``, ``[^。\\n]``) and a match ends
    at its line.
    """
    out: list[str] = []
    pos = 0
    for kind, start, end, _ in _tokens(pattern):
        atom = pattern[start:end]
        if kind == "atom" and atom[0] in "\\[" and _spans_lines(atom):
            out.append(pattern[pos:start])
            out.append(_on_line(atom))
            pos = end
    out.append(pattern[pos:])
    return "".join(out)


def _check_size(text: str, source: str, rid: str) -> None:
    if len(text) > MAX_PATTERN_CHARS:
        raise _fail(source, rid, f"pattern has {len(text)} characters, more than {MAX_PATTERN_CHARS}; use a [lists] entry for long alternations")
    # The scan below is a heuristic; these two checks do not depend on it.
    if regex.search(r"\(\?[a-zA-Z^-]*x", text):
        raise _fail(source, rid, "verbose patterns ((?x)) are not supported in rule files; write the pattern without spaces")
    counts = [int(c) if len(c) <= 9 else 10**9 for c in regex.findall(r"\{\s*(\d+)", text)]
    if counts and max(counts) > MAX_UNROLLED:
        raise _fail(source, rid, f"repeat count {max(counts)} is more than {MAX_UNROLLED}; lower it, e.g. {{0,n}} instead of {{n}}")
    size = _unrolled_size(text)
    if size > MAX_UNROLLED:
        raise _fail(
            source, rid,
            f"pattern unrolls to about {size} items (at most {MAX_UNROLLED}); lower its repeat counts, e.g. {{0,n}} instead of {{n}}",
        )


def _matches_empty(pattern: Any) -> bool:
    try:
        if pattern.fullmatch("", timeout=0.5) is not None:
            return True
        return any(m.start() == m.end() for m in pattern.finditer(_EMPTY_PROBE, timeout=0.5))
    except TimeoutError:  # slow even on a short probe; the run-time timeout will name it
        return False


def parse_rules(data: str, source: str = "<string>", *, base_lists: dict[str, list[str]] | None = None) -> RuleSet:
    """Parse rule-file text; *base_lists* lets a user file use the default lists."""
    try:
        doc = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise _fail(source, None, "not valid TOML: arrays or tables nested too deeply") from None
    lists = dict(base_lists or {})
    lists.update(_folded_lists(doc.get("lists"), source))
    entries = doc.get("rule", [])
    if not isinstance(entries, list):
        raise _fail(source, None, "rules must be written as [[rule]] tables")
    rules: list[Rule] = []
    seen: set[str] = set()
    list_entries = 0
    for entry in entries:
        if not isinstance(entry, dict):
            raise _fail(source, None, "each [[rule]] must be a table")
        if isinstance(entry.get("pattern"), str):
            list_entries += sum(len(lists.get(k, ())) for k in set(_LIST_REF.findall(entry["pattern"])))
            if list_entries > MAX_LIST_ENTRIES:
                raise _fail(
                    source, entry.get("id") if isinstance(entry.get("id"), str) else None,
                    f"the rules so far compile {list_entries} keyword-list entries (at most {MAX_LIST_ENTRIES}); "
                    "use fewer or shorter lists",
                )
        rule = _compile(entry, lists, source)
        if rule.id in seen:
            raise _fail(source, rule.id, "duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(tuple(rules), (source,))


def _read(path: Path) -> str:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise RuleError(f"{path}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise RuleError(f"{path}: rule file is {info.st_size} bytes, more than {MAX_FILE_BYTES}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise RuleError(f"{path}: rule file not found") from None
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: rule file is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc.strerror or exc})") from None


@functools.lru_cache(maxsize=1)
def _default_text() -> str:
    return (resources.files("textclean") / "data" / "rules.toml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _default_lists() -> dict[str, list[str]]:
    return _folded_lists(tomllib.loads(_default_text()).get("lists"), "textclean/data/rules.toml")


@functools.lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The rule set shipped with the package (parsed once per process)."""
    return parse_rules(_default_text(), "textclean/data/rules.toml")


def load_rules(*paths: str | Path, include_default: bool = True) -> RuleSet:
    """Load rule files, by default on top of the shipped rules.

    User files may use the shipped named lists (``\\L<spam_brands>``) and add
    their own; a list with the same name replaces the shipped one in that file.
    """
    ruleset = default_rules() if include_default else RuleSet(())
    for p in paths:
        path = Path(p)
        ruleset = ruleset + parse_rules(_read(path), str(path), base_lists=_default_lists())
    return ruleset


def iter_examples(ruleset: RuleSet) -> Iterable[tuple[Rule, str, bool]]:
    """Every (rule, example text, should match) triple, for the example test."""
    for rule in ruleset:
        for text in rule.match:
            yield rule, text, True
        for text in rule.no_match:
            yield rule, text, False

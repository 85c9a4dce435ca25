"""Self-contained HTML review pages: what textclean removed, highlighted in the page.

Rendering only: the views take :class:`~textclean.report.Report` objects (and,
for gold data, :class:`~textclean.evaluate.PageResult`) and never clean again.
Everything from a page is escaped (pages are hostile input); the one inline
style and the one inline script are allowed by hash in a Content-Security-Policy
that forbids every other script, style and network load.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import re
import sys
import tempfile
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from .report import Report, SentenceScore, Verdict

if TYPE_CHECKING:
    from .evaluate import EvalResult, PageResult

__all__ = ["explain_html", "write_explain_html", "evaluation_html", "write_evaluation_html"]

#: label → (name shown, CSS colour, background); unknown labels get a neutral style
_LABELS: dict[str, tuple[str, str, str]] = {
    "spam": ("spam", "#c62828", "#fde2e2"),
    "lottery": ("lottery", "#c05600", "#ffe9d2"),
    "porn": ("porn", "#ad1457", "#fce1ee"),
    "offtopic": ("off-topic", "#1f5fbf", "#e1ecfb"),
    "boilerplate": ("boilerplate", "#5b6673", "#e9edf1"),
    "spun": ("spun replacement", "#7b1fa2", "#f1e2f7"),
}
_EVAL_KINDS: dict[str, tuple[str, str, str]] = {
    "missed": ("missed (kept, should go)", "#a35f00", "#ffefbf"),
    "wrong": ("wrongly removed", "#c62828", "#fdd6d6"),
    "correct": ("correct removal", "#2e7d32", "#dff1e0"),
}
_OTHER = ("#5b6673", "#e9edf1")
#: a kept sentence whose spam or off-topic score reaches this is marked as a
#: close call (when the report carries per-sentence scores)
NEAR = 0.5
_BLOCK_CHARS = 3000  # text is cut into blocks at line starts so the browser can skip off-screen ones
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE_KEY = re.compile(r"[^a-z0-9-]")


def _esc(text: str) -> str:
    """Escape for text and double-quoted attributes; lone surrogates (from JSON) become U+FFFD."""
    return html.escape(_SURROGATE.sub("\ufffd", text), quote=True)


def _key(label: str) -> str:
    """A label as a CSS class / id fragment (labels come from user rule files too)."""
    return _UNSAFE_KEY.sub("-", label.lower()) or "x"


def _style_of(label: str, table: dict[str, tuple[str, str, str]]) -> tuple[str, str, str]:
    return table.get(label, (label, *_OTHER))


# --- marks: non-overlapping highlighted runs of one page -------------------------------


@dataclass(frozen=True, slots=True)
class _Mark:
    start: int
    end: int
    tag: str  # del (removed), mark (missed), span (spun original)
    keys: tuple[str, ...]  # filter keys, also CSS classes k-<key>
    cls: str
    tip: str
    insert: str = ""  # text shown after the run (a restored spun word)


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    rank: int  # lower wins where candidates overlap


def _sweep(length: int, candidates: Sequence[_Candidate]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Elementary intervals of ``[0, length)`` with the indexes of the candidates covering them."""
    points = {0, length}
    for c in candidates:
        points.update((c.start, c.end))
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, c in enumerate(candidates):
        if c.end > c.start:
            starts.setdefault(c.start, []).append(i)
            ends.setdefault(c.end, []).append(i)
    active: set[int] = set()
    out: list[tuple[int, int, tuple[int, ...]]] = []
    ordered = sorted(p for p in points if 0 <= p <= length)
    for a, b in zip(ordered, ordered[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        if active:
            cover = tuple(sorted(active, key=lambda i: (candidates[i].rank, candidates[i].start, i)))
            if out and out[-1][1] == a and out[-1][2] == cover:
                out[-1] = (out[-1][0], b, cover)
            else:
                out.append((a, b, cover))
    return out


def _verdicts_tip(verdicts: Sequence[Verdict]) -> str:
    """Hover text: label and unit, then every signal (a span named by a rule and the model is one block)."""
    blocks: dict[tuple[str, str, int, int], list[Verdict]] = {}
    for v in verdicts:
        blocks.setdefault((v.label, v.unit, v.start, v.end), []).append(v)
    out = []
    for (label, unit, _, _), group in blocks.items():
        lines = [f"{_style_of(label, _LABELS)[0]} ({unit})"]
        for v in group:
            if v.first_label != v.label:
                lines.append(f"pass 1 said {v.first_label}; context made it {v.label}")
        signals = dict.fromkeys(s for v in group for s in v.signals)
        for sig in sorted(signals, key=lambda s: -s.score):
            what = {"model": "model score", "coherence": "off-topic score"}.get(sig.source, sig.source)
            lines.append(f"{what} {sig.name}: {sig.score:.3f}")
        out.append("\n".join(dict.fromkeys(lines)))
    return "\n\n".join(out)


def _kept_pieces(report: Report) -> list[tuple[int, int]]:
    # The rebuild step's own map of what survives; no scoring happens here.
    from .document import prepare
    from .rebuild import kept_intervals

    return kept_intervals(prepare(report.text), report.verdicts)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        elif e > s:
            out.append((s, e))
    return out


def _removed_outside(text: str, kept: Sequence[tuple[int, int]], covered: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Removed stretches that no verdict names (punctuation left alone on a line, blank lines)."""
    gaps, pos = [], 0
    for s, e in [*kept, (len(text), len(text))]:
        if s > pos:
            gaps.append((pos, s))
        pos = max(pos, e)
    holes = _merged(covered)
    out: list[tuple[int, int]] = []
    j = 0
    for gs, ge in gaps:  # both sorted and disjoint: one pass
        pos = gs
        while j < len(holes) and holes[j][1] <= pos:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < ge:
            if holes[k][0] > pos:
                out.append((pos, holes[k][0]))
            pos = max(pos, holes[k][1])
            k += 1
        if pos < ge:
            out.append((pos, ge))
    # whitespace-only leftovers are the blank lines rebuild folds away: nothing to see
    return [(s, e) for s, e in out if not text[s:e].isspace()]


def _mapper(pieces: Sequence[tuple[int, int]]) -> Callable[[int, bool], int]:
    """Map offsets in the rebuilt text back into the input (an end maps to the end of its piece)."""
    starts, acc = [], 0
    for s, e in pieces:
        starts.append(acc)
        acc += e - s

    def to_input(offset: int, is_end: bool = False) -> int:
        if not pieces:
            return offset
        probe = offset - 1 if is_end and offset > 0 else offset
        i = max(0, bisect_right(starts, probe) - 1)
        s, e = pieces[i]
        return min(s + offset - starts[i], e)

    return to_input


@dataclass
class _PageMarks:
    marks: list[_Mark]
    spans: Counter  # removed spans by label (+ spun replacements)
    chars: Counter  # removed non-space characters by label
    removed: int  # removed non-space characters, all causes
    size: int  # non-space characters of the page


def _visible(text: str) -> int:
    return len(text) - sum(map(str.isspace, text))


def _near(s: SentenceScore) -> bool:
    return any(p is not None and p >= NEAR for p in (s.spam, s.offtopic))


def _near_tip(s: SentenceScore) -> str:
    fmt = lambda p: "not scored" if p is None else f"{p:.3f}"  # noqa: E731
    return f"kept; spam score {fmt(s.spam)}, off-topic score {fmt(s.offtopic)}"


def _explain_marks(report: Report) -> _PageMarks:
    """Marks for one report: verdict spans, what rebuild removed with them, spun words."""
    text = report.text
    verdicts = list(report.verdicts)
    kept = _kept_pieces(report) if verdicts or report.replacements else [(0, len(text))]
    cands = [_Candidate(v.start, v.end, 0) for v in verdicts]
    covered = ((v.start, v.end) for v in verdicts)
    cands += [_Candidate(s, e, 1) for s, e in _removed_outside(text, kept, covered)]
    n_fixed = len(cands)
    # replacement offsets point into the rebuilt text before restoration
    to_input = _mapper(kept)
    reps = list(report.replacements)
    rep_ends = [to_input(r.end, True) for r in reps]
    cands += [_Candidate(to_input(r.start), end, 2) for r, end in zip(reps, rep_ends)]
    n_reps = len(cands)
    # close calls: what was kept of a sentence that scored high (lowest rank,
    # so only the kept part of a sentence shows it)
    near = [s for s in report.sentences if _near(s)]
    cands += [_Candidate(s.start, s.end, 3) for s in near]
    marks: list[_Mark] = []
    chars: Counter = Counter()
    for a, b, cover in _sweep(len(text), cands):
        rank = cands[cover[0]].rank
        if rank == 0:
            covering = [verdicts[i] for i in cover if i < len(verdicts)]
            label = covering[0].label
            keys = tuple(dict.fromkeys(_key(v.label) for v in covering))
            tip = _verdicts_tip(covering)
            marks.append(_Mark(a, b, "del", keys, f"rm l-{_key(label)}", tip))
            chars[label] += _visible(text[a:b])
        elif rank == 1:
            tip = "removed with its line: nothing but punctuation or spacing would be left"
            marks.append(_Mark(a, b, "del", (), "rm residue", tip))
        elif rank == 3:
            marks.append(_Mark(a, b, "span", (), "near", _near_tip(near[cover[0] - n_reps])))
        else:
            i = cover[0] - n_fixed
            r = reps[i]
            tip = f"spun word ({r.tier}): {r.old} → {r.new}"
            insert = r.new if b == rep_ends[i] else ""  # the restored word follows the last piece
            marks.append(_Mark(a, b, "span", ("spun",), "sp l-spun", tip, insert))
    spans = Counter(label for (_, _, label) in {(v.start, v.end, v.label) for v in verdicts})
    if reps:
        spans["spun"] = len(reps)
    size = _visible(text)
    removed = size - sum(_visible(text[s:e]) for s, e in kept)
    return _PageMarks(marks, spans, chars, removed, size)


# --- gold comparison ------------------------------------------------------------------------


def _eval_marks(page: "PageResult") -> tuple[list[_Mark], Counter]:
    """Missed, wrongly removed and correct runs of one gold page (non-space characters scored)."""
    text = page.report.text
    n = len(text)
    gold: list[str | None] = [None] * n
    for g in page.gold:
        for i in range(g.start, min(g.end, n)):
            gold[i] = g.why
    removed = [True] * n
    for s, e in page.kept:
        removed[s:e] = [False] * (e - s)
    kinds: list[str | None] = [None] * n
    for i, c in enumerate(text):
        if c.isspace():
            continue
        if gold[i] is not None:
            kinds[i] = "correct" if removed[i] else "missed"
        elif removed[i]:
            kinds[i] = "wrong"
    # a space between two characters of one kind joins the run ("for sale 888" is one mark);
    # line breaks do not, so every line keeps its own mark
    i = 0
    while i < n:
        if kinds[i] is None and text[i].isspace():
            j = i
            while j < n and kinds[j] is None and text[j].isspace():
                j += 1
            before = kinds[i - 1] if i else None
            if j < n and before is not None and kinds[j] == before and not any(c in "\r\n" for c in text[i:j]):
                kinds[i:j] = [before] * (j - i)
            i = j
        else:
            i += 1
    verdicts = list(page.report.verdicts)
    cover = _sweep(n, [_Candidate(v.start, v.end, 0) for v in verdicts])
    p = 0
    counts: Counter = Counter()
    marks: list[_Mark] = []
    i = 0
    while i < n:
        kind = kinds[i]
        j = i + 1
        while j < n and kinds[j] == kind:
            j += 1
        if kind is not None:
            counts[kind] += _visible(text[i:j])
            lines = [_style_of(kind, _EVAL_KINDS)[0]]
            whys = sorted({w for w in gold[i:j] if w is not None})
            if whys:
                lines.append("gold: " + ", ".join(whys))
            if kind != "missed":
                while p < len(cover) and cover[p][1] <= i:
                    p += 1
                hits: dict[int, None] = {}
                q = p
                while q < len(cover) and cover[q][0] < j:
                    hits.update(dict.fromkeys(cover[q][2]))
                    q += 1
                lines.append(_verdicts_tip([verdicts[k] for k in sorted(hits)]) if hits else "removed with its line")
            tag = "mark" if kind == "missed" else "del"
            marks.append(_Mark(i, j, tag, (kind,), f"ev e-{kind}", "\n".join(lines)))
        i = j
    return marks, counts


# --- HTML ---------------------------------------------------------------------------------------


def _blocks(text: str) -> list[int]:
    """Cut points at line starts roughly every _BLOCK_CHARS characters."""
    cuts, last = [], 0
    while True:
        nl = text.find("\n", last + _BLOCK_CHARS)
        if nl < 0 or nl + 1 >= len(text):
            return cuts
        cuts.append(nl + 1)
        last = nl + 1


_NEW_BLOCK = '</div><div class="blk">'


def _text_html(text: str, marks: Sequence[_Mark]) -> str:
    """The page text in blocks, marked runs as elements; a mark cut by a block boundary reopens."""
    cuts = _blocks(text)
    out = ['<div class="blk">']
    ci = 0

    def parts(a: int, b: int) -> Iterator[tuple[int, int]]:
        # yields the pieces of [a, b) between block cuts, closing and opening blocks between them
        nonlocal ci
        while ci < len(cuts) and cuts[ci] <= a:
            out.append(_NEW_BLOCK)
            ci += 1
        while ci < len(cuts) and cuts[ci] < b:
            yield a, cuts[ci]
            out.append(_NEW_BLOCK)
            a = cuts[ci]
            ci += 1
        yield a, b

    pos = 0
    for m in marks:
        for a, b in parts(pos, m.start):
            out.append(_esc(text[a:b]))
        classes = " ".join(["mk", m.cls, *(f"k-{k}" for k in m.keys)])
        tip = _esc(m.tip)
        focusable = True  # one Tab stop per mark, on its first visible piece
        for a, b in parts(m.start, m.end):
            focus = ' tabindex="0"' if focusable and text[a:b].strip() else ""
            focusable = focusable and not focus
            out.append(f'<{m.tag} class="{classes}"{focus} data-tip="{tip}">{_esc(text[a:b])}</{m.tag}>')
        if m.insert:
            out.append(f'<ins class="mk new k-spun" data-tip="{tip}">{_esc(m.insert)}</ins>')
        pos = m.end
    for a, b in parts(pos, len(text)):
        out.append(_esc(text[a:b]))
    out.append("</div>")
    return "".join(out)


def _lang(report: Report) -> str:
    script = report.script
    if script not in ("simplified", "traditional"):
        from .script import detect_script

        script = detect_script(report.text[:20000]).script
    return {"simplified": "zh-Hans", "traditional": "zh-Hant"}.get(script, "zh")


def _chips(counts: Counter, table: dict[str, tuple[str, str, str]], unit: str = "") -> str:
    parts = []
    for label in sorted(counts, key=lambda k: (list(table).index(k) if k in table else 99, k)):
        name = _style_of(label, table)[0]
        parts.append(f'<span class="chip c-{_key(label)}">{_esc(name)} {counts[label]}{unit}</span>')
    return "".join(parts)


@dataclass
class _Doc:
    """Pieces of one review page; pages are spooled to a temp file so memory stays bounded."""

    title: str
    filters: dict[str, tuple[str, str, str]]
    pages: int = 0
    spans: Counter = field(default_factory=Counter)
    chars: Counter = field(default_factory=Counter)
    with_label: Counter = field(default_factory=Counter)
    index: list[str] = field(default_factory=list)


_CSS = """
:root{--fg:#1d2430;--muted:#5b6573;--line:#d9dee4;--panel:#f5f7f9}
*{box-sizing:border-box}
html{color:var(--fg);background:#fff;line-height:1.5;font-family:system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
"Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",sans-serif}
body{margin:0}
.flt{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.bar{position:sticky;top:0;z-index:5;background:#fffffff0;border-bottom:1px solid var(--line);
padding:.45rem 1rem;display:flex;flex-wrap:wrap;gap:.35rem;align-items:center;font-size:.9rem}
.bar b{margin-right:.3rem}
.bar label{cursor:pointer;border:1px solid var(--line);border-radius:999px;padding:.05rem .65rem;background:#fff}
main{max-width:62rem;margin:0 auto;padding:.5rem 1rem 5rem}
h1{font-size:1.3rem;margin:.8rem 0 .3rem}
table{border-collapse:collapse;font-size:.9rem;margin:.4rem 0 .8rem}
th,td{border:1px solid var(--line);padding:.2rem .55rem;text-align:left;vertical-align:top}
th{background:var(--panel)}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.muted,.legend{color:var(--muted);font-size:.88rem}
.legend span{margin-right:.9rem}
details.index>summary{cursor:pointer;color:var(--muted)}
.page{border:1px solid var(--line);border-radius:6px;margin:1rem 0;background:#fff}
.page>summary{padding:.45rem .8rem;background:var(--panel);cursor:pointer;border-radius:6px 6px 0 0}
.pno{color:var(--muted);margin-right:.4rem}
.pname{font-weight:600;overflow-wrap:anywhere}
.stat{color:var(--muted);font-size:.85rem;margin-left:.5rem}
.note{margin:.4rem 1rem 0;font-size:.88rem;color:#6a1b9a}
.chip{display:inline-block;border-radius:999px;padding:0 .5rem;margin-left:.3rem;font-size:.8rem;border:1px solid}
.txt{padding:.6rem 1rem .8rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:1.05rem;line-height:1.85;tab-size:4}
.txt:lang(zh-Hant){font-family:"PingFang TC","Microsoft JhengHei","Noto Sans CJK TC","Source Han Sans TC",
"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif}
.blk{content-visibility:auto;contain-intrinsic-size:auto 24rem}
.mk{border-radius:2px;text-decoration-thickness:1.5px;text-decoration-skip-ink:none}
del.mk{text-decoration-line:line-through}
.mk[tabindex]:focus{outline:2px solid #1f5fbf;outline-offset:1px}
.rm.residue{color:#8a939e;text-decoration-color:#8a939e;text-decoration-style:dotted}
.l-lottery,.l-porn{text-decoration-style:double}
.l-offtopic{text-decoration-style:dashed}
.sp{text-decoration:underline wavy;text-underline-offset:.25em}
.near{text-decoration:underline dotted #1f5fbf;text-underline-offset:.25em}
ins.new{text-decoration:none;color:#7b1fa2;background:#f1e2f7;font-size:.85em;padding:0 .15em;margin-left:.1em;border:1px dashed currentColor}
.e-wrong{text-decoration-style:double;outline:1px solid #c62828}
mark.e-missed{text-decoration:underline wavy;text-underline-offset:.25em}
#tip{position:fixed;z-index:20;max-width:30rem;background:#1d2430;color:#fff;padding:.4rem .65rem;border-radius:4px;
font-size:.82rem;line-height:1.45;white-space:pre-wrap;pointer-events:none;box-shadow:0 2px 8px #0004}
html:not(.js) .mk[data-tip]{position:relative}
html:not(.js) .mk[data-tip]:hover::after,html:not(.js) .mk[data-tip]:focus::after{content:attr(data-tip);
position:absolute;left:0;top:100%;z-index:20;width:max-content;max-width:30rem;background:#1d2430;color:#fff;
padding:.4rem .65rem;border-radius:4px;font-size:.82rem;line-height:1.45;white-space:pre-wrap;text-decoration:none}
footer{color:var(--muted);font-size:.8rem;margin-top:2rem}
"""

# One floating tooltip for hover and keyboard focus; it reads data-tip with
# textContent, so tips are never parsed as HTML.
_JS = """
(function(){
document.documentElement.classList.add('js');
var tip=document.getElementById('tip'),cur=null;
function place(el){var r=el.getClientRects(),b=r.length?r[0]:el.getBoundingClientRect();
var x=Math.min(b.left,window.innerWidth-tip.offsetWidth-8),y=b.bottom+6;
if(y+tip.offsetHeight>window.innerHeight)y=b.top-tip.offsetHeight-6;
tip.style.left=Math.max(4,x)+'px';tip.style.top=Math.max(4,y)+'px';}
function show(el){cur=el;tip.textContent=el.getAttribute('data-tip');tip.hidden=false;place(el);}
function hide(){tip.hidden=true;cur=null;}
function find(e){var t=e.target;return t&&t.closest?t.closest('[data-tip]'):null;}
document.addEventListener('mouseover',function(e){var t=find(e);if(t)show(t);else if(cur&&cur!==document.activeElement)hide();});
document.addEventListener('focusin',function(e){var t=find(e);if(t)show(t);});
document.addEventListener('focusout',function(e){if(find(e)===cur)hide();});
document.addEventListener('keydown',function(e){if(e.key==='Escape')hide();});
window.addEventListener('scroll',function(){if(cur)place(cur);},{passive:true});
})();
"""


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _filter_css(filters: dict[str, tuple[str, str, str]], present: Iterable[str]) -> str:
    rules = []
    for label, (_, color, bg) in filters.items():
        k = _key(label)
        rules.append(
            f".l-{k},.e-{k}{{background:{bg};text-decoration-color:{color}}}"
            f".chip.c-{k}{{background:{bg};border-color:{color};color:{color}}}"
        )
    rules.append(".l-x{background:#e9edf1;text-decoration-color:#5b6673}")
    for k in ["all", *(_key(p) for p in present)]:
        rules.append(f"#f-{k}:checked~.wrap label[for=f-{k}]{{background:#1d2430;color:#fff;border-color:#1d2430}}")
        rules.append(f"#f-{k}:focus-visible~.wrap label[for=f-{k}]{{outline:2px solid #1f5fbf;outline-offset:1px}}")
        if k != "all":
            rules.append(f"#f-{k}:checked~.wrap .page:not(.has-{k}),#f-{k}:checked~.wrap tr.row:not(.has-{k}){{display:none}}")
            rules.append(
                f"#f-{k}:checked~.wrap .mk:not(.k-{k}):not(.lg){{background:none;color:inherit;"
                "text-decoration-color:#c3c8ce;outline:none}"
            )
    return "\n".join(rules)


def _write(out: IO[str], doc: _Doc, head_html: str, body: IO[str], present: Sequence[str]) -> None:
    css = _CSS + _filter_css(doc.filters, present)
    csp = (
        f"default-src 'none'; style-src {_sha256(css)}; script-src {_sha256(_JS)}; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    radios = ['<input type="radio" class="flt" name="only" id="f-all" checked aria-label="show all">']
    labels = ['<label for="f-all">all</label>']
    for p in present:
        k = _key(p)
        name = _style_of(p, doc.filters)[0]
        radios.append(f'<input type="radio" class="flt" name="only" id="f-{k}" aria-label="show only {_esc(name)}">')
        labels.append(f'<label for="f-{k}">only {_esc(name)}</label>')
    out.write(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_esc(doc.title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        + "\n".join(radios)
        + '\n<div class="wrap">\n<nav class="bar" aria-label="filter"><b>Show</b>'
        + "".join(labels)
        + "</nav>\n<main>\n"
        + head_html
    )
    body.seek(0)
    while chunk := body.read(1 << 16):
        out.write(chunk)
    from . import __version__

    out.write(
        f"<footer>textclean {_esc(__version__)} review page; open it from disk, it loads nothing.</footer>\n"
        f'</main>\n</div>\n<div id="tip" role="tooltip" hidden></div>\n<script>{_JS}</script>\n</body>\n</html>\n'
    )


def _page_html(no: int, anchor: str, name: str, stat: str, chips: str, keys: Iterable[str],
               notes: Sequence[str], lang: str, text_html: str, open_: bool) -> str:
    has = " ".join(f"has-{_key(k)}" for k in keys)
    notes_html = "".join(f'<p class="note">{_esc(n)}</p>' for n in notes)
    return (
        f'<details class="page {has}" id="{anchor}"{" open" if open_ else ""}>'
        f'<summary><span class="pno">#{no}</span><span class="pname">{_esc(name)}</span>'
        f'<span class="stat">{_esc(stat)}</span>{chips}</summary>{notes_html}'
        f'<div class="txt" lang="{lang}">{text_html}</div></details>\n'
    )


def _spool() -> IO[str]:
    return tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="")


def write_explain_html(out: IO[str], pages: Iterable[tuple[str, Report]], *, title: str = "textclean review") -> None:
    """Write one self-contained HTML page reviewing ``(name, report)`` pairs.

    Each page's original text is shown with removed spans struck through and
    coloured by label, spun words restored by ``restore_spun`` marked in their
    own style, signals on hover or keyboard focus, counts per page and overall,
    and a filter for one label. *pages* is consumed once, in order.
    """
    doc = _Doc(title=title, filters=_LABELS)
    total = removed_total = 0
    with _spool() as body:
        for name, report in pages:
            if not isinstance(report, Report):
                raise TypeError(
                    f"write_explain_html takes (name, Report) pairs, not {type(report).__name__}; "
                    "make them with textclean.clean_and_explain(text)"
                )
            doc.pages += 1
            pm = _explain_marks(report)
            spans = pm.spans
            doc.spans.update(spans)
            doc.chars.update(pm.chars)
            doc.with_label.update(spans.keys())
            size, gone = pm.size, pm.removed
            total += size
            removed_total += gone
            anchor = f"p{doc.pages}"
            stat = f"{gone} of {size} characters removed" if spans or gone else "nothing removed"
            notes = []
            if report.spun:
                notes.append(
                    f"page looks spun (spin score {report.spin_score:.1f})"
                    + (f"; {len(report.replacements)} words restored" if report.replacements else "")
                )
            notes.extend(report.notes)
            keys = list(spans)
            body.write(
                _page_html(doc.pages, anchor, name, stat, _chips(spans, _LABELS), keys, notes,
                           _lang(report), _text_html(report.text, pm.marks), True)
            )
            has = " ".join(f"has-{_key(k)}" for k in keys)
            doc.index.append(
                f'<tr class="row {has}"><td class="n">{doc.pages}</td><td><a href="#{anchor}">{_esc(name)}</a></td>'
                f'<td class="n">{gone}</td><td>{_chips(spans, _LABELS)}</td></tr>'
            )
        present = [k for k in _LABELS if doc.spans[k]] + sorted(k for k in doc.spans if k not in _LABELS)
        rows = "".join(
            f'<tr><td><span class="chip c-{_key(k)}">{_esc(_style_of(k, _LABELS)[0])}</span></td>'
            f'<td class="n">{doc.spans[k]}</td><td class="n">{doc.chars.get(k, 0) if k != "spun" else "—"}</td>'
            f'<td class="n">{doc.with_label[k]}</td></tr>'
            for k in present
        )
        share = f"{removed_total / total:.1%}" if total else "0%"
        head = (
            f"<h1>{_esc(title)}</h1>\n<p>{doc.pages} page{'s' if doc.pages != 1 else ''}; "
            f"{removed_total} of {total} characters removed ({share}, spaces not counted).</p>\n"
            '<table class="overall"><thead><tr><th>label</th><th>spans</th><th>characters</th><th>pages</th></tr></thead>'
            f"<tbody>{rows or '<tr><td colspan=4>nothing removed</td></tr>'}</tbody></table>\n"
            + _legend(present, explain=True)
            + _index(doc.index, ["#", "page", "removed", "by label"])
        )
        _write(out, doc, head, body, present)


def _legend(present: Sequence[str], explain: bool) -> str:
    if explain:
        return (
            '<p class="legend"><span><del class="mk lg l-spam">struck</del> removed, coloured by label</span>'
            '<span><del class="mk lg rm residue">dotted</del> removed with its line</span>'
            '<span><span class="mk lg sp l-spun">wavy</span><ins class="mk lg new">→</ins> spun word restored</span>'
            f'<span><span class="mk lg near">dotted</span> kept, scored {NEAR} or more (with --scores)</span>'
            "<span>hover or Tab to a mark for the rule, model and off-topic scores</span></p>\n"
        )
    return (
        '<p class="legend"><span><del class="mk lg ev e-correct">correct removal</del></span>'
        '<span><del class="mk lg ev e-wrong">wrongly removed</del></span>'
        '<span><mark class="mk lg ev e-missed">missed</mark></span>'
        "<span>hover or Tab to a mark for gold label, rule and scores; worst pages first</span></p>\n"
    )


def _index(rows: list[str], heads: Sequence[str]) -> str:
    if not rows:
        return ""
    th = "".join(f"<th>{_esc(h)}</th>" for h in heads)
    return (
        f'<details class="index"><summary>index ({len(rows)} page{"s" if len(rows) != 1 else ""})</summary>'
        f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table></details>\n"
    )


def explain_html(pages: Iterable[tuple[str, Report]], *, title: str = "textclean review") -> str:
    """:func:`write_explain_html` into a string."""
    buf = io.StringIO()
    write_explain_html(buf, pages, title=title)
    return buf.getvalue()


@contextlib.contextmanager
def utf8_stdout() -> Iterator[IO[str]]:
    """Standard output as UTF-8 text whatever the locale says (the page declares UTF-8)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None or (getattr(stream, "encoding", "") or "").lower().replace("_", "-") in ("utf-8", "utf8"):
        yield stream
        return
    stream.flush()
    wrapper = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="")
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


_METRIC_NAMES = {
    "documents": "documents",
    "exact_docs": "cleaned exactly",
    "recall_spam": "recall: spam",
    "recall_offtopic": "recall: off-topic",
    "recall_boilerplate": "recall: boilerplate",
    "precision": "precision",
    "collateral": "collateral (genuine text removed)",
}


def write_evaluation_html(out: IO[str], result: "EvalResult", *, title: str = "textclean evaluation") -> None:
    """Write a review page of a gold evaluation: missed, wrong and correct removals, worst pages first.

    *result* must come from ``evaluate(cases, keep_pages=True)``.
    """
    if result.documents and not result.pages:
        raise ValueError(
            "this EvalResult has no per-page details; run evaluate(cases, keep_pages=True) to render it"
        )
    doc = _Doc(title=title, filters=_EVAL_KINDS)
    with _spool() as body:
        # worst first: the same cost as the text summary (a wrong removal costs three misses)
        order = sorted(enumerate(result.pages), key=lambda ip: (-ip[1].cost, ip[0]))
        for _, page in order:
            doc.pages += 1
            marks, counts = _eval_marks(page)
            doc.chars.update(counts)
            doc.with_label.update(counts.keys())
            anchor = f"p{doc.pages}"
            stat = f"cost {page.cost}" if page.cost else "exact"
            keys = [k for k in _EVAL_KINDS if counts[k]]
            body.write(
                _page_html(doc.pages, anchor, page.id, stat, _chips(counts, _EVAL_KINDS, " chars"), keys, (),
                           _lang(page.report), _text_html(page.report.text, marks), True)
            )
            has = " ".join(f"has-{k}" for k in keys)
            doc.index.append(
                f'<tr class="row {has}"><td class="n">{doc.pages}</td><td><a href="#{anchor}">{_esc(page.id)}</a></td>'
                f'<td class="n">{page.cost}</td><td>{_chips(counts, _EVAL_KINDS, " chars")}</td></tr>'
            )
        metrics = result.metrics()
        cells = "".join(
            f'<tr><th>{_esc(_METRIC_NAMES.get(k, k))}</th><td class="n">{"—" if v is None else _esc(str(v))}</td></tr>'
            for k, v in metrics.items()
        )
        present = [k for k in _EVAL_KINDS if doc.chars[k]]
        kinds = "".join(
            f'<tr><td><span class="chip c-{k}">{_esc(_EVAL_KINDS[k][0])}</span></td>'
            f'<td class="n">{doc.chars[k]}</td><td class="n">{doc.with_label[k]}</td></tr>'
            for k in _EVAL_KINDS
        )
        head = (
            f"<h1>{_esc(title)}</h1>\n"
            '<table class="metrics"><tbody>' + cells + "</tbody></table>\n"
            '<table class="overall"><thead><tr><th>outcome</th><th>characters</th><th>pages</th></tr></thead>'
            f"<tbody>{kinds}</tbody></table>\n"
            + _legend(present, explain=False)
            + _index(doc.index, ["#", "page", "cost", "characters"])
        )
        _write(out, doc, head, body, present)


def evaluation_html(result: "EvalResult", *, title: str = "textclean evaluation") -> str:
    """:func:`write_evaluation_html` into a string."""
    buf = io.StringIO()
    write_evaluation_html(buf, result, title=title)
    return buf.getvalue()

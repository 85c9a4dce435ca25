"""The ``textclean`` command: a thin layer over the API.

Exit codes: 0 success; 1 some records or files failed (reported on stderr);
2 usage error (bad option, unreadable input, bad rule file or model).
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
from contextlib import contextmanager, nullcontext
from typing import IO, Any, Callable, Iterable, Iterator, Sequence, TypeVar

from . import __version__
from .config import LABELS, Config
from .io import JsonlRecord, atomic_writer, iter_jsonl, read_text

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    pass


class _Failed(Exception):
    """The input could not be processed (exit 1); nothing was written."""


def _labels(value: str) -> frozenset[str]:
    labels = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = labels - LABELS
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown label(s) {sorted(unknown)}; choose from {sorted(LABELS)}")
    return labels


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of records, at least 1, not {value!r}")
    return n


def _add_cleaning_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--drop", type=_labels, help=f"labels to remove (default: all of {','.join(sorted(LABELS))})")
    p.add_argument("--keep", type=_labels, default=frozenset(), help="labels to keep, e.g. --keep boilerplate")
    p.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra rule file (repeatable)")
    p.add_argument("--model", metavar="DIR", help="spam model directory (default: the shipped model)")
    p.add_argument("--no-model", action="store_true", help="rules only, no classifier")
    p.add_argument("--no-offtopic", action="store_true", help="do not judge sentences against their document")
    p.add_argument("--promotion-profile", metavar="FILE",
                   help="word lists and thresholds for whole gambling-promotion pages (default: the shipped profile)")
    p.add_argument("--no-promotion-pages", action="store_true", help="do not remove whole gambling-promotion pages")
    p.add_argument("--max-chars", type=int, metavar="N",
                   help="longest text accepted per document (default 20,000,000; 0: no limit)")
    script = p.add_mutually_exclusive_group()
    script.add_argument("--to-simplified", action="store_true", help="convert the output to Simplified")
    script.add_argument("--to-traditional", action="store_true", help="convert the output to Traditional")
    p.add_argument("--restore-spun", action="store_true", help="restore pages run through a word spinner")


def _add_io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", nargs="?", default="-", help="input file, or - for stdin (default)")
    p.add_argument("-o", "--output", default="-", help="output file, or - for stdout (default)")
    p.add_argument("--in-place", action="store_true", help="rewrite the input file (atomically)")
    p.add_argument("--jsonl", action="store_true", help="input is JSON Lines; clean one field per record")
    p.add_argument("--field", default="text", help="JSONL field holding the text (default: text)")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="textclean", description="Clean scraped Chinese news pages.")
    ap.add_argument("--version", action="version", version=f"textclean {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("clean", help="clean text or JSONL records")
    _add_io_options(p)
    p.add_argument("--summary-field", metavar="NAME", help="JSONL: add a field with counts of removed spans by label")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="JSONL: clean records on N processes, output in input order (0: one per CPU; default 1)")
    _add_cleaning_options(p)

    p = sub.add_parser("explain", help="show what would be removed and why")
    p.add_argument("input", nargs="?", default="-", help="input file, or - for stdin")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="machine-readable output")
    fmt.add_argument("--html", action="store_true", help="a self-contained HTML review page on stdout")
    p.add_argument("--jsonl", action="store_true", help="with --html: input is JSON Lines, one page per record")
    p.add_argument("--field", default="text", help="JSONL field holding the text (default: text)")
    p.add_argument("--sample", type=_positive_int, metavar="N", help="with --jsonl: review N records drawn at random")
    p.add_argument("--seed", type=int, default=0, help="random seed for --sample (default 0: the same records every run)")
    p.add_argument("--scores", action="store_true",
                   help="also list every sentence with its spam and off-topic score (for tuning thresholds); "
                        "with --html, mark kept sentences that scored 0.5 or more")
    _add_cleaning_options(p)

    p = sub.add_parser("convert", help="convert between Simplified and Traditional scripts")
    _add_io_options(p)
    p.add_argument("-c", "--config", required=True, help="conversion, e.g. s2t, t2s, s2twp, tw2sp, s2hk")

    sub.add_parser("train", help="train a spam model on your labelled data (see textclean train --help)")
    sub.add_parser("evaluate", help="score cleaning against gold documents (see textclean evaluate --help)")
    return ap


def _config(args: argparse.Namespace) -> Config:
    from .rules import RuleError, load_rules

    options: dict[str, Any] = {}
    drop = args.drop if args.drop is not None else LABELS
    options["drop"] = frozenset(drop - args.keep)
    if args.rules:
        try:
            options["rules"] = load_rules(*args.rules)
        except RuleError as exc:
            raise _UsageError(str(exc)) from None
    if args.no_model:
        options["use_model"] = False
    elif args.model:
        options["model"] = _load_model(args.model)
    if args.no_offtopic:
        options["offtopic"] = False
    if args.max_chars is not None:
        if args.max_chars < 0:
            raise _UsageError("--max-chars must be 0 (no limit) or a positive number of characters")
        options["max_chars"] = args.max_chars or None
    if args.no_promotion_pages:
        options["promotion_pages"] = False
    elif args.promotion_profile:
        from .promotion import ProfileError, load_promotion_profile

        try:
            options["promotion_profile"] = load_promotion_profile(args.promotion_profile)
        except ProfileError as exc:
            raise _UsageError(str(exc)) from None
    if args.to_simplified:
        options["script"] = "simplified"
    elif args.to_traditional:
        options["script"] = "traditional"
    if args.restore_spun:
        options["restore_spun"] = True
    return Config(**options)


def _load_model(path: str) -> Any:
    try:
        from .model import load_model
    except ImportError as exc:  # pragma: no cover - model module ships with the package
        raise _UsageError(f"the spam model module is unavailable: {exc}") from None
    try:
        return load_model(path)
    except Exception as exc:  # the model module's own error names the file
        raise _UsageError(str(exc)) from None


def _open_output(args: argparse.Namespace):
    if args.in_place:
        if args.input == "-":
            raise _UsageError("--in-place needs an input file, not stdin")
        return atomic_writer(args.input)
    if args.output == "-":
        return nullcontext(sys.stdout)
    return atomic_writer(args.output)


def _run_text(args: argparse.Namespace, transform: Callable[[str], str]) -> int:
    try:
        text = read_text(args.input)
    except (OSError, ValueError) as exc:
        raise _UsageError(str(exc)) from None
    try:
        result = transform(text)
    except Exception as exc:  # e.g. a user rule timing out: one line, not a traceback
        raise _Failed(f"{args.input}: {type(exc).__name__}: {exc}") from None
    with _open_output(args) as out:
        out.write(result)
    return EXIT_OK


def _progress(stream: IO[bytes]) -> Any:
    if sys.stderr.isatty():
        try:
            from tqdm import tqdm

            return tqdm(stream, unit=" rec", file=sys.stderr)
        except ImportError:  # pragma: no cover
            pass
    return stream


def _jsonl_stream(args: argparse.Namespace) -> IO[bytes]:
    if args.input == "-":
        return nullcontext(sys.stdin.buffer)
    try:
        return open(args.input, "rb")
    except OSError as exc:
        raise _UsageError(str(exc)) from None


def _run_jsonl(
    args: argparse.Namespace, handle: Callable[[dict[str, Any], str], None], workers: Any = None
) -> int:
    """Stream records; each is written back cleaned or, on error, unchanged and reported.

    With *workers* (``(count, state)``), records are cleaned by
    :func:`_clean_line` on worker processes, in input order.
    """
    read = written = changed = failed = 0
    with _jsonl_stream(args) as stream, _open_output(args) as out:
        for number, (line, was_changed, error) in _records(args, stream, handle, workers):
            read += 1
            if error:
                failed += 1
                print(f"textclean: {args.input}:{number}: {error}", file=sys.stderr)
            changed += was_changed
            if isinstance(line, bytes):
                _write_raw(out, line)
            else:
                out.write(line)
            written += 1
    print(
        f"textclean: {read} records read, {written} written, {changed} changed, {failed} failed",
        file=sys.stderr,
    )
    return EXIT_FAILED if failed else EXIT_OK


def _records(args: argparse.Namespace, stream: IO[bytes], handle: Callable[[dict[str, Any], str], None], workers: Any):
    """(line number, (output line, changed, error)) per non-blank input line, in order."""
    if workers is None:
        for rec in iter_jsonl(_progress(stream)):
            if rec.record is not None or rec.error is not None:  # not a blank line
                yield rec.number, _process_record(rec, args.field, handle)
        return
    from .parallel import map_ordered

    count, state = workers
    lines = ((n, raw) for n, raw in enumerate(_progress(stream), 1) if raw.strip())
    results = map_ordered(_clean_line, lines, workers=count, state=state, sizeof=lambda item: len(item[1]),
                          on_crash=lambda item: _clean_line(state, item, crashed=True))
    for ok, value in results:
        # a worker-side failure outside a record's own error handling is that record's error
        yield value if ok else _clean_line(state, value, crashed=True)


def _clean_handle(config: Config, field: str, summary_field: str | None) -> Callable[[dict[str, Any], str], None]:
    from .pipeline import clean_and_explain

    def handle(obj: dict[str, Any], text: str) -> None:
        report = clean_and_explain(text, config=config, scores=False)
        obj[field] = report.cleaned
        if summary_field:
            obj[summary_field] = report.counts()

    return handle


def _worker_died(obj: dict[str, Any], text: str) -> None:
    raise RuntimeError("the worker process died while cleaning this record")


def _clean_line(state: tuple[Config, str, str | None], item: tuple[int, bytes], crashed: bool = False):
    """One JSONL line on a worker: the same per-record semantics as the serial path."""
    config, field, summary_field = state
    number, raw = item
    rec = next(iter_jsonl([raw]))
    rec.number = number
    handle = _worker_died if crashed else _clean_handle(config, field, summary_field)
    return number, _process_record(rec, field, handle)


def _write_raw(out: IO[str], raw: bytes) -> None:
    """Pass a line through byte for byte (it may not be UTF-8)."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text-only stream: the closest text
        out.write(raw.decode("utf-8", "replace"))
        return
    out.flush()
    buffer.write(raw)


def _dump(obj: dict[str, Any]) -> str:
    line = json.dumps(obj, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the input) has no UTF-8 form
        line = json.dumps(obj, ensure_ascii=True)
    return line + "\n"


def _process_record(
    rec: JsonlRecord, field: str, handle: Callable[[dict[str, Any], str], None]
) -> tuple[str | bytes, bool, str | None]:
    """(output line, changed, error). Bad lines pass through unchanged, as bytes."""
    if rec.record is None:
        return (rec.raw if rec.raw.endswith(b"\n") else rec.raw + b"\n"), False, rec.error
    obj = rec.record
    value = obj.get(field)
    if not isinstance(value, str):
        problem = "missing" if value is None else f"a {type(value).__name__}, not a string"
        obj["textclean_error"] = f"field {field!r} is {problem}"
        return _dump(obj), False, obj["textclean_error"]
    try:
        handle(obj, value)
    except Exception as exc:  # one bad record must not stop the stream
        obj.pop(field, None)
        obj[field] = value
        obj["textclean_error"] = f"{type(exc).__name__}: {exc}"
        return _dump_or_raw(obj, rec), False, obj["textclean_error"]
    line = _dump_or_raw(obj, rec)
    if isinstance(line, bytes):
        return line, False, "the cleaned record cannot be written as JSON (nested too deeply?); passed through"
    return line, obj.get(field) != value, None


def _dump_or_raw(obj: dict[str, Any], rec: JsonlRecord) -> str | bytes:
    try:
        return _dump(obj)
    except (ValueError, RecursionError):  # depth the parser took but the encoder does not
        return rec.raw if rec.raw.endswith(b"\n") else rec.raw + b"\n"


def _cmd_clean(args: argparse.Namespace) -> int:
    from .parallel import resolve_workers
    from .pipeline import clean_and_explain

    try:
        workers = resolve_workers(args.workers)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    config = _config(args)
    if not args.jsonl:
        return _run_text(args, lambda text: clean_and_explain(text, config=config, scores=False).cleaned)
    handle = _clean_handle(config, args.field, args.summary_field)
    state = (config, args.field, args.summary_field)
    return _run_jsonl(args, handle, (workers, state) if workers > 1 else None)


_T = TypeVar("_T")


def _sample(items: Iterable[_T], n: int, seed: int) -> list[_T]:
    """*n* items drawn uniformly in one pass (reservoir), in input order; the same seed draws the same items."""
    rng = random.Random(seed)
    chosen: list[tuple[int, _T]] = []
    for i, item in enumerate(items):
        if i < n:
            chosen.append((i, item))
        else:
            j = rng.randrange(i + 1)
            if j < n:
                chosen[j] = (i, item)
    return [item for _, item in sorted(chosen, key=lambda pair: pair[0])]


def _jsonl_pages(args: argparse.Namespace, tally: dict[str, int]) -> Iterator[tuple[str, str]]:
    """``(name, text)`` of each usable record; unusable ones are reported on stderr and counted."""
    with _jsonl_stream(args) as stream:
        for rec in iter_jsonl(_progress(stream)):
            if rec.record is None and rec.error is None:  # blank line
                continue
            tally["read"] += 1
            value = rec.record.get(args.field) if rec.record is not None else None
            if rec.record is None or not isinstance(value, str):
                problem = rec.error or (
                    f"field {args.field!r} is " + ("missing" if value is None else f"a {type(value).__name__}, not a string")
                )
                tally["failed"] += 1
                print(f"textclean: {args.input}:{rec.number}: {problem}", file=sys.stderr)
                continue
            ident = next((rec.record[k] for k in ("id", "url") if isinstance(rec.record.get(k), (str, int))), None)
            yield (f"{ident} (line {rec.number})" if ident is not None else f"line {rec.number}"), value


def _explain_html(args: argparse.Namespace, config: Config) -> int:
    from .htmlreport import utf8_stdout, write_explain_html
    from .pipeline import clean_and_explain

    tally = {"read": 0, "failed": 0, "pages": 0}
    source = "stdin" if args.input == "-" else args.input
    title = f"textclean review: {source}"
    pages: Iterable[tuple[str, str]]
    if not args.jsonl:
        try:
            pages = [(source, read_text(args.input))]
        except (OSError, ValueError) as exc:
            raise _UsageError(str(exc)) from None
    elif args.sample is not None:
        pages = _sample(_jsonl_pages(args, tally), args.sample, args.seed)
        title += f", {len(pages)} of {tally['read']} records drawn with --seed {args.seed}"
    else:
        pages = _jsonl_pages(args, tally)

    def reports() -> Iterator[tuple[str, Any]]:
        for name, text in pages:
            try:
                report = clean_and_explain(text, config=config, scores=args.scores)
            except Exception as exc:  # one bad record must not stop the review
                tally["failed"] += 1
                print(f"textclean: {source}: {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                continue
            tally["pages"] += 1
            yield name, report

    with utf8_stdout() as out:
        write_explain_html(out, reports(), title=title)
    if args.jsonl:
        print(
            f"textclean: {tally['read']} records read, {tally['pages']} in the review, {tally['failed']} failed",
            file=sys.stderr,
        )
    return EXIT_FAILED if tally["failed"] else EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from .pipeline import clean_and_explain

    if args.jsonl and not args.html:
        raise _UsageError(
            "explain --jsonl makes an HTML review page: add --html "
            "(for counts per record use: clean --jsonl --summary-field NAME)"
        )
    if args.sample is not None and not args.jsonl:
        raise _UsageError("--sample draws records from JSON Lines: add --jsonl")
    config = _config(args)
    if args.html:
        return _explain_html(args, config)
    try:
        text = read_text(args.input)
    except (OSError, ValueError) as exc:
        raise _UsageError(str(exc)) from None
    report = clean_and_explain(text, config=config, scores=args.scores)
    if args.json:
        rows = [
            {
                "start": v.start,
                "end": v.end,
                "unit": v.unit,
                "label": v.label,
                "first_label": v.first_label,
                "reason": v.reason,
                "text": text[v.start : v.end],
                "signals": [{"source": s.source, "name": s.name, "score": s.score} for s in v.signals],
            }
            for v in report.verdicts
        ]
        out = {"removed": rows, "counts": report.counts(), "spun": report.spun, "notes": list(report.notes)}
        if args.scores:
            out["sentences"] = [
                {"start": s.start, "end": s.end, "spam": s.spam, "offtopic": s.offtopic, "text": text[s.start : s.end]}
                for s in report.sentences
            ]
        print(json.dumps(out, ensure_ascii=False))
        return EXIT_OK
    print(_table(report))
    if args.scores:
        print(_score_table(report))
    for note in report.notes:
        print(f"note: {note}")
    return EXIT_OK


def _score_table(report) -> str:
    """Every sentence with its scores ("-": not scored), removed ones marked."""
    text = report.text
    # removed stretches, merged; sentences come in order, so one sweep finds
    # the stretch that may hold each
    removed: list[list[int]] = []
    for v in sorted(report.verdicts, key=lambda v: v.start):
        if removed and v.start <= removed[-1][1]:
            removed[-1][1] = max(removed[-1][1], v.end)
        else:
            removed.append([v.start, v.end])
    lines = ["", "offsets  spam   off-topic  text (x: removed)"]
    k = 0
    for s in report.sentences:
        while k < len(removed) and removed[k][1] <= s.start:
            k += 1
        snippet = text[s.start : s.end].strip().replace("\r", "").replace("\n", " ")
        if not snippet:
            continue
        if len(snippet) > 50:
            snippet = snippet[:47] + "..."
        gone = k < len(removed) and removed[k][0] <= s.start and s.end <= removed[k][1]
        fmt = lambda p: "  -  " if p is None else f"{p:.3f}"  # noqa: E731
        lines.append(f"{s.start}-{s.end}  {fmt(s.spam)}  {fmt(s.offtopic)}      {'x ' if gone else '  '}{snippet}")
    return "\n".join(lines)


def _table(report) -> str:
    text = report.text
    rows = [("offsets", "label", "why", "text")]
    for v in report.verdicts:
        snippet = text[v.start : v.end].replace("\r", "").replace("\n", " ")
        if len(snippet) > 60:
            snippet = snippet[:57] + "..."
        rows.append((f"{v.start}-{v.end}", v.label, v.reason, snippet))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    total = len(text)
    kept = len(report.cleaned)
    lines.append(f"{len(report.verdicts)} spans removed ({total - kept} of {total} characters); by label: {report.counts()}")
    if report.spun:
        lines.append(f"page looks spun (spin score {report.spin_score:.2f})")
    return "\n".join(lines)


def _cmd_convert(args: argparse.Namespace) -> int:
    from .convert import convert

    try:
        convert("", args.config)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None
    if not args.jsonl:
        return _run_text(args, lambda text: convert(text, args.config))

    def handle(obj: dict[str, Any], text: str) -> None:
        obj[args.field] = convert(text, args.config)

    return _run_jsonl(args, handle)


def _cmd_delegate(name: str, argv: list[str]) -> int:
    if name == "evaluate":
        from .evaluate import evaluate_main

        return int(evaluate_main(argv) or 0)
    from .training.train import train_main

    return int(train_main(argv) or 0)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "clean":
        return _cmd_clean(args)
    if args.command == "explain":
        return _cmd_explain(args)
    if args.command == "convert":
        return _cmd_convert(args)
    return _cmd_delegate(args.command, [])


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Let ``kill`` unwind like Ctrl-C, so temp files are removed and outputs stay whole."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (tests call this in-process)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("train", "evaluate"):
        # these own their options; pass them through untouched
        return _cmd_delegate(argv[0], argv[1:])
    args = _parser().parse_args(argv)
    try:
        with _sigterm_as_exit():
            code = _dispatch(args)
            sys.stdout.flush()  # a closed pipe shows up here, not in Python's exit handler
        return code
    except _UsageError as exc:
        print(f"textclean: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _Failed as exc:
        print(f"textclean: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # the reader went away (| head): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""File plumbing for the CLI: atomic writes and streaming JSONL records."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

__all__ = ["atomic_writer", "read_text", "JsonlRecord", "iter_jsonl"]


def _mode_for(target: Path) -> int:
    """The permission bits the written file should have: the old file's, else the umask's."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """Write to a temp file beside *path*, then rename over it; on error *path* is untouched.

    The data is synced before the rename, so a crash leaves the old file or
    the new one, never a mix; the new file keeps the old one's permissions
    (mkstemp would make it 0600), and a symlink keeps pointing at it.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_text(path: str) -> str:
    """Read a file (or stdin for ``-``) as UTF-8 without translating line endings."""
    if path == "-":
        data = sys.stdin.buffer.read()
        where = "stdin"
    else:
        data = Path(path).read_bytes()
        where = path
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{where}: not UTF-8 (byte {exc.start}: {exc.reason}); convert it first, e.g. iconv -f GB18030 -t UTF-8"
        ) from None


@dataclass
class JsonlRecord:
    """One input line: ``record`` is the parsed object, or ``None`` with ``error`` set."""

    number: int
    raw: bytes
    record: dict[str, Any] | None
    error: str | None


def iter_jsonl(stream: IO[bytes]) -> Iterator[JsonlRecord]:
    """Parse a JSONL byte stream line by line (bounded memory); bad lines carry an error."""
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            yield JsonlRecord(number, raw, None, None)
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield JsonlRecord(number, raw, None, f"not UTF-8 at byte {exc.start}")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield JsonlRecord(number, raw, None, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:  # [[[[… a line must not take the stream down
            yield JsonlRecord(number, raw, None, "invalid JSON (nested too deeply)")
            continue
        except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
            yield JsonlRecord(number, raw, None, f"invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            yield JsonlRecord(number, raw, None, f"a JSON {type(obj).__name__}, not an object")
            continue
        yield JsonlRecord(number, raw, obj, None)

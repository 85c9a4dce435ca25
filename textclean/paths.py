"""Where shipped model files live, for a wheel, an editable install and a checkout."""
from __future__ import annotations

import shutil
import tempfile
import threading
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Callable, TypeVar

__all__ = ["models_dir", "load_once"]

_lock = threading.Lock()
_extracted: Path | None = None


def models_dir() -> Path:
    """The shipped ``models/`` directory.

    A wheel carries it inside the package (``textclean/models``, copied by
    setup.py); an editable install or a source checkout has it at the
    repository root, next to the package. When the package is imported from
    a zip (Spark's ``--py-files textclean.whl``), the models are copied out
    once per process, since the loaders read real files.
    """
    package = resources.files("textclean")
    inside = package / "models"
    if isinstance(package, Path) or Path(str(package)).is_dir():
        on_disk = Path(str(inside))
        if on_disk.is_dir():
            return on_disk
        return Path(__file__).resolve().parents[1] / "models"
    if inside.is_dir():
        return _extract(inside)
    return Path(__file__).resolve().parents[1] / "models"


def _extract(tree: Traversable) -> Path:
    global _extracted
    with _lock:
        if _extracted is None:
            target = Path(tempfile.mkdtemp(prefix="textclean-models-"))
            try:
                _copy(tree, target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            _extracted = target
        return _extracted


def _copy(node: Traversable, dest: Path) -> None:
    for child in node.iterdir():
        if child.is_dir():
            (dest / child.name).mkdir()
            _copy(child, dest / child.name)
        else:
            (dest / child.name).write_bytes(child.read_bytes())


T = TypeVar("T")


def load_once(load: Callable[[], T]) -> Callable[[], T]:
    """``load`` run at most once per process, on first call, whatever the threads.

    The shipped models are loaded lazily (import stays fast) and shared by
    every thread; two threads arriving together must not load twice.
    """
    lock = threading.Lock()
    loaded: list[T] = []

    def get() -> T:
        if not loaded:
            with lock:
                if not loaded:
                    loaded.append(load())
        return loaded[0]

    return get

"""Batches: clean many documents on several processes, in input order, with bounded memory.

``clean_many`` and ``textclean clean --jsonl --workers N`` share one engine,
:func:`map_ordered`: the input is read lazily in chunks, at most a few chunks
per worker are in flight (so a 2 GB stream is never held in memory), and
results come back in input order. The config (and with it a user's rules or
model) is sent to each worker once, not with every task; the shipped models
load lazily, once per worker.

A Python exception on one item is returned for that item only (``clean_many``
re-raises it at its position, after yielding everything before it). A worker
that dies outright (a crash, the OOM killer) breaks the pool; the pool is then
rebuilt and the chunk that was running is retried one item at a time, so only
the item that kills a worker is lost and the batch goes on.
"""
from __future__ import annotations

import gc
import logging
import os
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from .config import Config

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["clean_many", "map_ordered", "WorkerCrashed", "resolve_workers"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: chunks in flight per worker: enough to keep every worker busy while the
#: parent reads input and writes output, few enough to bound memory
PENDING_PER_WORKER = 3
#: a chunk closes at this many characters of input, whatever ``chunksize`` says:
#: a run of huge documents does not pile up in the queues, and chunks of a
#: few pages (~10-30 ms of work) keep both workers busy to the end of a batch
#: (measured on 0.5 MB of pages, 2 workers: 1.5-1.7x at 200,000, 1.8x at
#: 8,000; a chunk's round trip costs well under a millisecond)
CHUNK_CHARS = 8_000


class WorkerCrashed(RuntimeError):
    """A worker process died while handling one item (it crashed or was killed)."""


def resolve_workers(workers: int | None) -> int:
    """``None`` or ``0`` means one worker per CPU; otherwise a positive count."""
    if workers is None or workers == 0:
        return os.cpu_count() or 1
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        raise ValueError(f"workers must be a positive integer (or 0 for one per CPU), not {workers!r}")
    return workers


# ------------------------------------------------------------- worker side ---

_func: Callable[[Any, Any], Any] | None = None
_state: Any = None


def _init_worker(func: Callable[[Any, Any], Any], state: Any) -> None:
    global _func, _state
    # Everything the worker inherited at fork (models, rules, conversion
    # tables) lives as long as it does: frozen, the cyclic GC never walks it,
    # so it never writes to those objects and their pages stay shared with
    # the parent instead of being copied into each worker (measured: 2 workers
    # 1.72x -> 1.81x over one on 2 cores, same output).
    gc.freeze()
    _func, _state = func, state


def _run_chunk(items: list[Any]) -> list[tuple[bool, Any]]:
    assert _func is not None
    out: list[tuple[bool, Any]] = []
    for item in items:
        try:
            out.append((True, _func(_state, item)))
        except Exception as exc:  # per item: the rest of the chunk still runs
            out.append((False, exc))
    return out


# ------------------------------------------------------------- parent side ---

def _chunks(items: Iterable[T], size: int, sizeof: Callable[[T], int] | None) -> Iterator[list[T]]:
    chunk: list[T] = []
    weight = 0
    for item in items:
        chunk.append(item)
        if sizeof is not None:
            weight += sizeof(item)
        if len(chunk) >= size or weight >= CHUNK_CHARS:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


class _Pool:
    """A process pool that can be rebuilt after a worker dies."""

    def __init__(self, workers: int, func: Callable[[Any, Any], Any], state: Any) -> None:
        self._args = (workers, func, state)
        self._ex: ProcessPoolExecutor | None = None
        #: some task has come back: workers can run at all
        self.worked = False

    def submit(self, chunk: list[Any]) -> Future:
        import multiprocessing  # lazy: process machinery only when a pool is used
        from concurrent.futures import Future, ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self._ex is None:
            workers, func, state = self._args
            self._ex = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context(),
                initializer=_init_worker,
                initargs=(func, state),
            )
        try:
            return self._ex.submit(_run_chunk, chunk)
        except BrokenProcessPool as exc:
            # a worker already died: this chunk fails like the pending ones
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def reset(self) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None

    def close(self, wait: bool) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=wait, cancel_futures=True)
            self._ex = None


def _one_by_one(pool: _Pool, chunk: list[Any], on_crash: Callable[[Any], Any] | None) -> list[tuple[bool, Any]]:
    """Run the items of a chunk that broke the pool one at a time to find the culprit."""
    from concurrent.futures.process import BrokenProcessPool

    out: list[tuple[bool, Any]] = []
    crashed = 0
    for item in chunk:
        try:
            out.extend(pool.submit([item]).result())
            pool.worked = True
        except BrokenProcessPool:
            pool.reset()
            crashed += 1
            if crashed >= 2 and not pool.worked:
                # not one item has ever come back: the workers cannot run
                # (a broken environment), it is not this data
                raise WorkerCrashed("worker processes die before finishing any item; run with workers=1") from None
            log.warning("a worker died on one item; the batch continues")
            if on_crash is None:
                out.append((False, WorkerCrashed("a worker process died while handling this item")))
            else:
                out.append((True, on_crash(item)))
    return out


def map_ordered(
    func: Callable[[Any, T], R],
    items: Iterable[T],
    *,
    workers: int = 1,
    state: Any = None,
    chunksize: int = 8,
    sizeof: Callable[[T], int] | None = None,
    on_crash: Callable[[T], R] | None = None,
) -> Iterator[tuple[bool, R | BaseException]]:
    """``(ok, func(state, item))`` for every item, in input order.

    *func* must be a module-level function (it is pickled by name); *state*
    is pickled once per worker. ``ok`` is False when *func* raised: the value
    is then the exception. With ``workers=1`` everything runs in this process.
    A worker that dies on an item yields ``on_crash(item)`` (or a
    :class:`WorkerCrashed` error) for that item only.
    """
    workers = resolve_workers(workers)
    if not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer, not {chunksize!r}")
    if workers == 1:
        return _map_here(func, items, state)
    return _map_pool(func, items, workers, state, chunksize, sizeof, on_crash)


def _map_here(func: Callable[[Any, T], R], items: Iterable[T], state: Any) -> Iterator[tuple[bool, Any]]:
    for item in items:
        try:
            yield True, func(state, item)
        except Exception as exc:
            yield False, exc


def _map_pool(
    func: Callable[[Any, T], R],
    items: Iterable[T],
    workers: int,
    state: Any,
    chunksize: int,
    sizeof: Callable[[T], int] | None,
    on_crash: Callable[[T], R] | None,
) -> Iterator[tuple[bool, Any]]:
    from concurrent.futures.process import BrokenProcessPool

    pool = _Pool(workers, func, state)
    pending: deque[tuple[list[Any], Future]] = deque()
    source = _chunks(items, chunksize, sizeof)
    limit = PENDING_PER_WORKER * workers
    done = False
    try:
        while True:
            while len(pending) < limit:
                chunk = next(source, None)
                if chunk is None:
                    break
                pending.append((chunk, pool.submit(chunk)))
            if not pending:
                done = True
                return
            chunk, future = pending.popleft()
            try:
                results = future.result()
                pool.worked = True
            except BrokenProcessPool:
                # every pending future failed with the pool: rebuild it, find
                # the item that killed the worker, resubmit the rest
                pool.reset()
                results = _one_by_one(pool, chunk, on_crash)
                pending = deque((c, pool.submit(c)) for c, _ in pending)
            yield from results
    finally:
        for _, future in pending:
            future.cancel()
        # all consumed: let the workers exit now; abandoned early (break, an
        # error): do not wait for the work still running
        pool.close(wait=done)


# ------------------------------------------------------------------ clean ----

def _clean_one(config: Config, text: str) -> str:
    from .pipeline import clean

    return clean(text, config=config)


def clean_many(
    texts: Iterable[str],
    *,
    workers: int = 1,
    config: Config | None = None,
    chunksize: int = 8,
    **overrides: Any,
) -> Iterator[str]:
    """Clean every text of *texts*; results in input order, lazily.

    ``workers`` processes share the work (``0``: one per CPU); the input is
    read as the results are consumed, with a bounded number of texts in
    flight. The result for each text equals ``clean(text, config=config,
    **overrides)``; an error on one text is raised when its turn comes, after
    the results before it. Workers start the platform's default way; where
    that is by spawning a fresh interpreter (macOS, Windows), call this under
    ``if __name__ == "__main__":``.
    """
    from .pipeline import resolve_config

    # checked now, not at the first next(): a bad option fails at the call
    cfg = resolve_config(config, overrides)
    results = map_ordered(_clean_one, texts, workers=workers, state=cfg,
                          chunksize=chunksize, sizeof=_len)
    return _raise_errors(results)


def _raise_errors(results: Iterator[tuple[bool, Any]]) -> Iterator[str]:
    for ok, value in results:
        if not ok:
            raise value
        yield value


def _len(text: Any) -> int:
    return len(text) if isinstance(text, str) else 0

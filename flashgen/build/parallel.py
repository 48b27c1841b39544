"""Work spread over the machine's cores: a process pool for big batches, none for small ones.

A first build of a big vault parses thousands of notes and renders tens of thousands of
cards; both are pure functions of their input, so :func:`map_chunks` cuts the items into
chunks, hands them to a pool of worker processes and gives the results back in the
items' order, so the output is the same as a single-process run. A batch smaller than
:data:`POOL_THRESHOLD` items, or a machine with one core, runs in this process: starting
workers costs more than a small vault takes.

Workers start with the ``forkserver`` method where there is one (``spawn`` elsewhere),
never ``fork``: the CLI's progress bar and watch mode run threads, and a forked child of
a threaded process can hang on a lock another thread held. Each worker imports what it
needs itself, so both methods work; the function and its shared argument must be
picklable (a module-level function, plain data).

Within :func:`keep_workers`, the pool is started once and used by every call (a deck
renders its cards in batches: one pool for all of them, not one start-up per batch).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

POOL_THRESHOLD = 400
"""Fewest items worth a pool: below, a worker's start-up (~0.3 s) outweighs its help."""
CHUNKS_PER_WORKER = 8
"""Chunks each worker gets on average: enough to even out slow chunks, few enough to be
cheap to send (each chunk is one pickled message each way)."""


def cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn`` (see the module's docstring)."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class _Kept(threading.local):
    """This thread's pools of :func:`keep_workers`, innermost last (None until needed)."""

    def __init__(self) -> None:
        self.pools: list[ProcessPoolExecutor | None] = []


_kept = _Kept()


@contextlib.contextmanager
def keep_workers() -> Iterator[None]:
    """Let the calls of :func:`map_chunks` within (in this thread) share one pool of a
    worker per core, started by the first that needs one and shut down on leaving."""
    _kept.pools.append(None)
    try:
        yield
    finally:
        pool = _kept.pools.pop()
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def map_chunks(
    work: Callable[[S, Sequence[T]], list[R]],
    shared: S,
    items: Sequence[T],
    *,
    done: Callable[[int], None] | None = None,
    method: str | None = None,
    threshold: int | None = None,
) -> Iterator[R]:
    """``work(shared, chunk)`` over chunks of *items*, yielding results in the items' order.

    *work* returns one result per item of its chunk. *done* is called with the number of
    items finished each time a chunk is. With fewer than *threshold* items (default
    :data:`POOL_THRESHOLD`) or a single core, everything runs here, an item at a time;
    otherwise in a pool of one worker per core, started with *method* (default
    :func:`start_method`), or the one :func:`keep_workers` keeps.
    """
    if threshold is None:
        threshold = POOL_THRESHOLD
    workers = min(cores(), max(1, len(items) // max(1, threshold // 2)))
    if len(items) < threshold or workers < 2:
        for item in items:  # one at a time, so that *done* follows each item
            yield from work(shared, [item])
            if done is not None:
                done(1)
        return
    size = max(1, -(-len(items) // (workers * CHUNKS_PER_WORKER)))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    finished = 0
    kept = _kept.pools
    try:
        with contextlib.ExitStack() as stack:
            if not kept:
                pool = stack.enter_context(_pool(work, workers, method))
            else:
                pool = kept[-1] or _pool(work, cores(), method)
                kept[-1] = pool
            futures = [pool.submit(work, shared, chunk) for chunk in chunks]
            for chunk, future in zip(chunks, futures, strict=True):
                results = future.result()
                finished += 1
                if done is not None:
                    done(len(chunk))
                yield from results
    except BrokenProcessPool:
        if kept and kept[-1] is not None:
            kept[-1].shutdown(wait=False)
            kept[-1] = None  # the next call starts a new one
        # A worker died (killed, out of memory, or a script without the ``__main__``
        # guard that spawned workers need): do the rest here, slower but the same.
        for chunk in chunks[finished:]:
            results = work(shared, chunk)
            if done is not None:
                done(len(chunk))
            yield from results


def _pool(work: Callable[..., object], workers: int, method: str | None) -> ProcessPoolExecutor:
    """A pool of *workers* processes started with *method* (default :func:`start_method`)."""
    context = multiprocessing.get_context(method or start_method())
    if isinstance(context, multiprocessing.context.ForkServerContext):
        # The fork server imports the work's module once, before it forks any worker;
        # (only the first pool's list counts: the server lives as long as this process.)
        context.set_forkserver_preload([work.__module__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)

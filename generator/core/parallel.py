"""Work spread over the machine's cores in forked processes, for the steps where it pays.

Workers are forked so that they share what the caller hands `run` as `shared` (the
loaded archive, the plan) copy-on-write: only chunks of indices or paths, and small
results, cross between processes. The worker function is called as
`function(shared, part)` in a worker and in the serial fallback alike.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 4

# The one slot forked workers read: (function, shared), set only while `run` runs.
_SLOT: tuple[Callable[[Any, Any], Any], Any] | None = None


def can_fork() -> bool:
    """More than one core, and processes that can be forked safely (not on macOS)."""
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and sys.platform != "darwin")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run(function: Callable[[Any, Any], T], parts: Sequence[Any], collect: Callable[[T], None],
        shared: Any = None, parallel: bool = True) -> None:
    """`collect(function(shared, part))` for every part, in any order; in forked workers
    when `parallel` and the machine allows. An exception from `collect` stops the workers."""
    global _SLOT
    if not (parallel and can_fork()):
        for part in parts:
            collect(function(shared, part))
        return
    workers = min(os.cpu_count() or 2, MAX_WORKERS)
    _SLOT = (function, shared)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap_unordered(_call, parts):
                collect(result)
    finally:
        _SLOT = None


def _call(part: Any) -> Any:
    """In a worker: the function and shared data `run` put in the slot before forking."""
    assert _SLOT is not None
    function, shared = _SLOT
    return function(shared, part)


def apart(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a forked process, its result sent back: the memory a step
    takes only while it runs (hundreds of megabytes at 100,000 papers) is given back whole
    when that process ends, instead of staying in this one's heap, where every worker
    forked later would carry it. In this process when forking is not possible."""
    if not can_fork():
        return function(*args)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_apart, args=(writer, function, args))
    process.start()
    writer.close()
    try:
        ok, value = reader.recv()
    except EOFError:  # the process died without a word (killed, out of memory)
        ok, value = False, RuntimeError(f"{function.__name__} stopped unexpectedly")
    finally:
        reader.close()
        process.join()
    if not ok:
        raise value
    return value


def _apart(writer: Any, function: Callable[..., Any], args: tuple) -> None:
    try:
        found: tuple[bool, Any] = (True, function(*args))
    except BaseException as err:  # handed to the caller, raised there
        found = (False, err)
    writer.send(found)
    writer.close()

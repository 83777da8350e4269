"""Work spread over the machine's cores in forked processes, for the steps where it pays.

Workers are forked so that they share the loaded archive copy-on-write: a caller
puts what its worker function needs in a module-level dict before `run`, and
only chunks of indices or paths, and small results, cross between processes.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 4


def can_fork() -> bool:
    """More than one core, and processes that can be forked safely (not on macOS)."""
    return ((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
            and sys.platform != "darwin")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run(function: Callable[[Any], T], parts: Sequence[Any], collect: Callable[[T], None],
        parallel: bool = True) -> None:
    """`collect(function(part))` for every part, in any order; in forked workers when
    `parallel` and the machine allows. An exception from `collect` stops the workers."""
    if not (parallel and can_fork()):
        for part in parts:
            collect(function(part))
        return
    workers = min(os.cpu_count() or 2, MAX_WORKERS)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for result in pool.imap_unordered(function, parts):
            collect(result)

"""Exclusive locks so that two paperpress commands never interleave their writes.

One lock guards an archive (import, note, the build's cache writes), one guards
each output folder (its staging folder and the swap). A lock is an advisory
`flock` on a small file: the kernel releases it when the process ends, however
it ends, so a killed command never leaves a stale lock behind.

A second command waits a little (`PAPERPRESS_LOCK_WAIT` seconds, default 5),
then gives up with one line saying another paperpress is running.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .store import ContentError, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, commands run unguarded
    fcntl = None  # type: ignore[assignment]

DEFAULT_WAIT = 5.0
POLL = 0.05


def wait_seconds() -> float:
    """How long to wait for another command; the environment may change it (tests, CI)."""
    try:
        return max(0.0, float(os.environ.get("PAPERPRESS_LOCK_WAIT", DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


@contextlib.contextmanager
def hold(lock_file: Path, what: str, shared: bool = False,
         wait: float | None = None) -> Iterator[None]:
    """Hold a lock on `lock_file` for the block; refuse after `wait` seconds.

    Exclusive by default; `shared` lets readers (builds) run side by side while
    keeping writers (imports) out. `what` names the guarded thing in the refusal.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (wait_seconds() if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ContentError([Problem(str(lock_file), 0, (
                        f"another paperpress is running on {what}; "
                        "wait for it to finish, then run this again"))]) from None
                time.sleep(POLL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def archive_lock(cache_dir: Path, shared: bool = False) -> contextlib.AbstractContextManager[None]:
    """The archive's lock: import and note take it alone; a build reads under a shared
    hold (never a half-applied import) and writes its caches under the exclusive one."""
    return hold(cache_dir / "archive.lock", f"the archive in {cache_dir.parent}", shared)


def output_lock(cache_dir: Path, out: Path) -> contextlib.AbstractContextManager[None]:
    """An output folder's lock: builds into one folder (its staging folder, its swap)
    take turns. Kept in the archive's cache folder, named by the output's path, so no
    stray file appears beside the site."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]
    return hold(cache_dir / f"out-{key}.lock", f"the output folder {out}")

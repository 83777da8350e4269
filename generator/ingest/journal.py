"""All-or-nothing changes to many content files: stage, commit record, rename.

An import changes dozens of files. A crash, a full disk or a permission
error part-way must leave the archive as it was or as it would have been,
never a mix. The journal lives in `content/.journal/`, on the file system of
its targets (so a staged file moves into place with one rename) and outside
the cache folder (which may be deleted at any time):

1. stage: each new file's bytes are written into the journal and synced
   (many at once: the file system folds concurrent syncs into one commit),
   then the journal folder. Any failure deletes the journal: the archive was
   never touched.
2. commit: `record` (the targets, the deletions) is written, synced and
   renamed into place. From then on the change happens, whatever stops us.
3. apply: each file about to be replaced or deleted is first hard-linked
   into the journal, so an error can undo what was applied; then the staged
   file is renamed over its target. Every step can be repeated: a staged
   file that is gone has been moved. The journal is then renamed away and
   deleted, so an idle archive never has one.

`recover` runs before any command reads or writes the archive, under its
lock: a committed journal is finished, an uncommitted one discarded.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..core.paths import ContentPaths
from ..core.store import ContentError, Problem

JOURNAL = ".journal"
DONE = ".journal.done"  # a finished journal on its way out
RECORD = "record"
OPEN_FILES = 256  # staged files synced per batch: well under any descriptor limit
_STEPS = itertools.count(1)


@dataclass(frozen=True)
class Record:
    """What a committed journal changes: targets relative to `content/`."""

    writes: tuple[str, ...]
    deletes: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.writes) + len(self.deletes)


def pending(content: Path) -> bool:
    """Whether an interrupted change is waiting (cheap: two lookups)."""
    return os.path.lexists(content / JOURNAL) or os.path.lexists(content / DONE)


def _step() -> None:
    """A crash point for tests: `PAPERPRESS_FAULT_AFTER=N` kills the process after step N."""
    limit = os.environ.get("PAPERPRESS_FAULT_AFTER")
    if limit and next(_STEPS) == int(limit):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _failed(paths: ContentPaths, path: Path, err: OSError) -> ContentError:
    """The error for a change refused before (or undone after) its commit."""
    reason = err.strerror or str(err)
    return ContentError([Problem(paths.rel(path), 0,
                                 f"cannot write: {reason}; nothing was changed")])


# -- writing ------------------------------------------------------------------
def commit(paths: ContentPaths, writes: dict[Path, bytes], deletes: Iterable[Path]) -> None:
    """Replace `writes` and delete `deletes` under `content/`, all of them or none.

    Raises ContentError naming the file that failed; the archive is then as
    it was.
    """
    gone = sorted(deletes)
    if not writes and not gone:
        return
    folder = paths.content / JOURNAL
    targets = list(writes)
    _preflight(paths, [*targets, *gone])
    try:
        folder.mkdir()
    except OSError as err:
        raise _failed(paths, folder, err) from None
    try:
        _stage(paths, folder, writes)
        record = Record(tuple(_inside(paths, t) for t in targets),
                        tuple(_inside(paths, g) for g in gone))
        _write_record(paths, folder, record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        _apply(paths, folder, record)
    except OSError as err:
        raise _undo_after(paths, folder, record, err) from None
    _tidy(paths)


def _inside(paths: ContentPaths, target: Path) -> str:
    return target.relative_to(paths.content).as_posix()


def _preflight(paths: ContentPaths, targets: list[Path]) -> None:
    """Every target folder exists (or is made) and is writable, before anything is staged."""
    for folder in sorted({t.parent for t in targets} | {paths.content}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _failed(paths, folder, err) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ContentError([Problem(paths.rel(folder), 0, (
                "this folder is not writable (read-only, or its permissions); "
                "nothing was changed"))])


def _stage(paths: ContentPaths, folder: Path, writes: dict[Path, bytes]) -> None:
    """Each file's bytes into the journal as `new-N`, synced in batches, then the folder."""
    batch: list[tuple[int, Path]] = []
    try:
        for index, (target, data) in enumerate(writes.items()):
            try:
                fd = os.open(folder / f"new-{index}",
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                             0o644)
            except OSError as err:
                raise _failed(paths, target, err) from None
            batch.append((fd, target))
            _write_all(paths, fd, target, data)
            _step()
            if len(batch) >= OPEN_FILES:
                _sync_all(paths, batch)
                batch = []
        _sync_all(paths, batch)
        batch = []
    finally:
        for fd, _ in batch:
            os.close(fd)
    _sync_folder(folder)
    _step()


def _write_all(paths: ContentPaths, fd: int, target: Path, data: bytes) -> None:
    try:
        _write_fd(fd, data)
    except OSError as err:
        raise _failed(paths, target, err) from None


def _write_fd(fd: int, data: bytes) -> None:
    """All of `data`: a write may take only part of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _sync_all(paths: ContentPaths, batch: list[tuple[int, Path]]) -> None:
    """fsync and close a batch of staged files, side by side; a failure names its target."""
    if not batch:
        return

    def sync(item: tuple[int, Path]) -> tuple[Path, OSError | None]:
        fd, target = item
        try:
            os.fsync(fd)
            return target, None
        except OSError as err:
            return target, err
        finally:
            os.close(fd)

    with ThreadPoolExecutor(max_workers=min(32, len(batch))) as pool:
        results = list(pool.map(sync, batch))
    batch.clear()
    for target, err in results:
        if err is not None:
            raise _failed(paths, target, err)


def _sync_folder(folder: Path) -> None:
    """Make renames and new names in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a folder; their renames are durable anyway
    finally:
        os.close(fd)


def _write_record(paths: ContentPaths, folder: Path, record: Record) -> None:
    """The commit point: the record, synced, renamed into place, the folder synced."""
    text = json.dumps({"version": 1, "writes": record.writes, "deletes": record.deletes},
                      indent=0).encode("utf-8")
    temp = folder / f"{RECORD}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_fd(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, folder / RECORD)
    except OSError as err:
        raise _failed(paths, folder / RECORD, err) from None
    _sync_folder(folder)
    _step()


# -- applying -----------------------------------------------------------------
def _apply(paths: ContentPaths, folder: Path, record: Record) -> None:
    """Move every staged file into place and delete the deletions; safe to repeat.

    Raises OSError with the target's name when a step fails.
    """
    made: set[Path] = set()  # folders known to exist: one mkdir per folder, not per file
    for index, target in enumerate(record.writes):
        staged, dest = folder / f"new-{index}", paths.content / target
        if not os.path.lexists(staged):
            continue  # moved in an earlier run
        _keep(dest, folder / f"old-{index}")
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        try:
            os.replace(staged, dest)
        except OSError as err:
            raise _about(err, dest) from None
        _step()
    for index, target in enumerate(record.deletes):
        dest = paths.content / target
        if not os.path.lexists(dest):
            continue
        _keep(dest, folder / f"gone-{index}")
        try:
            os.unlink(dest)
        except OSError as err:
            raise _about(err, dest) from None
        _step()
    _sync_targets(paths, record)


def _sync_targets(paths: ContentPaths, record: Record) -> None:
    """The folders whose names changed, synced before the journal that explains them goes."""
    for changed in sorted({(paths.content / t).parent for t in (*record.writes, *record.deletes)}):
        _sync_folder(changed)


def _keep(dest: Path, old: Path) -> None:
    """A hard link to the version `dest` holds now, so a failed apply can put it back."""
    try:
        os.link(dest, old)
    except (FileNotFoundError, FileExistsError):
        return  # a new file, or kept by an earlier run
    except OSError as err:
        raise _about(err, dest) from None
    _step()


def _about(err: OSError, path: Path) -> OSError:
    """The error named after the archive's file, not the journal's."""
    return OSError(err.errno, err.strerror or str(err), str(path))


def _finish(paths: ContentPaths) -> None:
    """Rename the journal away (the change is complete the moment it is gone), then delete it."""
    done = paths.content / DONE
    shutil.rmtree(done, ignore_errors=True)
    os.replace(paths.content / JOURNAL, done)
    _step()
    shutil.rmtree(done, ignore_errors=True)


def _tidy(paths: ContentPaths) -> None:
    """`_finish` once the outcome is settled: a journal that cannot be removed now is
    removed by the next command, and the change stands either way."""
    with contextlib.suppress(OSError):
        _finish(paths)


def _undo_after(paths: ContentPaths, folder: Path, record: Record,
                err: OSError) -> ContentError:
    """Put back what an apply that failed had changed; the error to report."""
    failed = Path(err.filename) if err.filename else folder
    reason = err.strerror or str(err)
    try:
        _undo(paths, folder, record)
    except OSError as again:
        return ContentError([Problem(paths.rel(failed), 0, f"cannot write: {reason}"), Problem(
            paths.rel(folder), 0,
            f"the import could not be undone ({again.strerror or again}); "
            "the next paperpress command finishes it")])
    return _failed(paths, failed, err)


def _undo(paths: ContentPaths, folder: Path, record: Record) -> None:
    """Each applied step reversed, newest first, then the record removed.

    Every state on the way is one `_apply` can still finish, so a crash
    here is rolled forward by the next command.
    """
    for index, target in reversed(list(enumerate(record.deletes))):
        old, dest = folder / f"gone-{index}", paths.content / target
        if os.path.lexists(old) and not os.path.lexists(dest):
            os.rename(old, dest)
    for index, target in reversed(list(enumerate(record.writes))):
        staged, old, dest = (folder / f"new-{index}", folder / f"old-{index}",
                             paths.content / target)
        if os.path.lexists(staged):
            continue  # never applied
        os.rename(dest, staged)
        if os.path.lexists(old):
            os.rename(old, dest)
    _sync_targets(paths, record)
    os.unlink(folder / RECORD)
    _sync_folder(folder)
    _tidy(paths)


# -- recovery -----------------------------------------------------------------
def recover(paths: ContentPaths) -> str | None:
    """Finish a committed journal, discard an uncommitted one; one line saying which.

    The caller holds the archive's exclusive lock. A journal that cannot be
    resolved raises ContentError naming it and why.
    """
    content = paths.content
    shutil.rmtree(content / DONE, ignore_errors=True)
    folder = content / JOURNAL
    if not os.path.lexists(folder):
        return None
    record = _read_record(paths, folder)
    try:
        if record is None:
            _finish(paths)
            return "discarded an interrupted import; the archive is as it was"
        _apply(paths, folder, record)
        _finish(paths)
    except OSError as err:
        where = paths.rel(Path(err.filename)) if err.filename else paths.rel(folder)
        raise ContentError([Problem(paths.rel(folder), 0, (
            f"an interrupted import could not be finished: {where}: "
            f"{err.strerror or err}; fix that and run the command again"))]) from None
    return f"finished an interrupted import: {record.size} files"


def _read_record(paths: ContentPaths, folder: Path) -> Record | None:
    """The commit record, None when the journal never got one; refuses one it cannot trust."""
    path = folder / RECORD
    if not folder.is_dir():
        raise _untrusted(paths, folder, "is not a folder")
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise _untrusted(paths, path, f"cannot be read ({err})") from None
    writes, deletes = (data.get(k) if isinstance(data, dict) else None
                       for k in ("writes", "deletes"))
    if not (isinstance(writes, list) and isinstance(deletes, list)
            and all(_safe_target(t) for t in (*writes, *deletes))):
        raise _untrusted(paths, path, "is not a record this version of paperpress wrote")
    return Record(tuple(writes), tuple(deletes))


def _safe_target(target: object) -> bool:
    """A path inside `content/`, never the journal: what a record may name."""
    if not isinstance(target, str) or not target or "\\" in target:
        return False
    parts = PurePosixPath(target).parts
    return (not PurePosixPath(target).is_absolute() and len(parts) >= 1
            and not any(p in ("", ".", "..") for p in parts) and not parts[0].startswith("."))


def _untrusted(paths: ContentPaths, path: Path, why: str) -> ContentError:
    return ContentError([Problem(paths.rel(path), 0, (
        f"an interrupted import's journal {why}; move content/{JOURNAL} out of the archive "
        "and compare the archive with git (git status)"))])

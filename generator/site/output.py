"""The output folder: staging, putting files in place, and never damaging what is there.

Pages render into a staging folder beside the output (same file system); only when
every page rendered is anything moved into the output, so a failed build leaves the
previous site whole. A full build swaps the staged folder in with two renames; an
incremental one moves only files whose bytes changed and removes files no longer
planned. The folder holds a manifest of the files builds wrote: a build replaces only
such files, and refuses a folder holding any other (a Pages `docs/` with its own files).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.paths import ContentPaths
from ..core.store import ContentError, Problem, write_atomic
from .record import BuildRecord

MANIFEST = ".paperpress-manifest"  # in the output folder: the files the last build left there


@dataclass
class Moves:
    """What a commit did to the output folder."""

    written: int = 0
    removed: int = 0


class OutputFolder:
    """One output folder and its staging folder beside it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.owned: tuple[str, ...] = ()  # folders whose every file a build would write

    def staging(self) -> Path:
        """The empty folder pages render into (a killed build's is removed first)."""
        staging = self.out.parent / f".{self.out.name}.staging"
        remove_tree(staging)
        staging.mkdir(parents=True)
        return staging

    def refuse_foreign(self, allowed: set[str]) -> None:
        """Refuse an output folder holding a file no build wrote (a CNAME, a README): a
        full build replaces the folder whole, and such a file would be lost with it."""
        foreign = sorted(name for name in set(files_under(self.out)) - allowed - {MANIFEST}
                         if not name.startswith(self.owned))
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ContentError([Problem(str(self.out), 0, (
                f"not a folder a build may replace: it holds files a build would not write "
                f"({shown}); move them out, or choose a new or empty folder"))])

    def check_manifest(self, wanted: set[str], old: BuildRecord) -> None:
        """A folder no build wrote (or one of an older paperpress) is taken only when every
        file in it is one the plan or the record names."""
        if not (self.out / MANIFEST).is_file():
            self.refuse_foreign(wanted | old.files)

    def damaged(self, old: BuildRecord, wanted: set[str]) -> set[str]:
        """Output files not as the last build left them: missing, or with another size or
        mtime than the record's. One stat each, no reading: cheap on every build."""
        if not old.stamps:
            return set(wanted)
        root = f"{self.out}{os.sep}"
        damaged = set()
        for name in wanted:
            try:
                found = os.stat(root + name)
            except OSError:
                damaged.add(name)
                continue
            if old.stamps.get(name) != (found.st_size, found.st_mtime_ns):
                damaged.add(name)
        return damaged

    def commit(self, staged: dict[str, bytes], full: bool, record: BuildRecord,
               old: BuildRecord, staging: Path, damaged: set[str],
               stamps: dict[str, tuple[int, int]] | None = None,
               in_place: bool = False) -> Moves:
        """Put the staged files in place (`staged`: output name to its content digest,
        b"" for assets, whose names carry their hash); unchanged bytes are not rewritten,
        stale files go. Fills the record's content digests and stamps (`stamps`: those
        of staged files as written, which a full build's swap keeps; the others are
        read). The manifest lists a file before it arrives, so a crash never leaves one
        unlisted. `in_place`: the folder is as the last build left it (nobody else writes
        it), so when this build leaves the same files, only changed bytes move in."""
        if in_place and not full and record.planned is old.planned \
                and record.assets == old.assets and record.search == old.search:
            return self._replace(staged, record, old, staging)
        wanted = record.files
        manifest = read_manifest(self.out)
        listed = manifest | old.files  # the files a build put here
        known = old.content
        record.content = {name: digest for name, digest in known.items() if name in wanted}
        record.content.update((name, d) for name, d in staged.items() if d)
        if full or not self.out.is_dir():
            write_manifest(staging, wanted)
            self._swap(staging, wanted | listed)
            known_stamps = {n: stamp for n, stamp in (stamps or {}).items() if n in wanted}
            record.stamps = known_stamps | file_stamps(self.out, wanted - known_stamps.keys())
            return Moves(written=len(wanted))
        if not wanted <= manifest:
            write_manifest(self.out, listed | wanted)
        moves = Moves()
        moved = []
        for name, digest in staged.items():
            target = self.out / name
            if name not in damaged and target.is_file() and (
                    not digest or known.get(name) == digest):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            moved.append(name)
        moves.written = len(moved)
        for name in sorted(listed - wanted):
            target = self.out / name
            if target.is_file() or target.is_symlink():
                target.unlink()
                moves.removed += 1
                prune(target.parent, self.out)
        if manifest != wanted:
            write_manifest(self.out, wanted)
        stamps = old.stamps
        if damaged or moved or not stamps.keys() <= wanted:  # else unchanged: shared as is
            stamps = {name: stamp for name, stamp in stamps.items()
                      if name in wanted and name not in damaged} | file_stamps(self.out, moved)
        record.stamps = stamps
        return moves

    def _replace(self, staged: dict[str, bytes], record: BuildRecord, old: BuildRecord,
                 staging: Path) -> Moves:
        """The files whose bytes changed move in; the manifest, the other files, their
        digests and stamps stand as the last build recorded them: no pass over the site."""
        known = old.content
        moved = []
        for name, digest in staged.items():
            target = self.out / name  # a staged file gone from the folder is put back
            if (not digest or known.get(name) == digest) and target.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            moved.append(name)
        record.content = known | {name: digest for name, digest in staged.items() if digest}
        record.stamps = old.stamps | file_stamps(self.out, moved) if moved else old.stamps
        return Moves(written=len(moved))

    def _swap(self, staging: Path, allowed: set[str]) -> None:
        """A full build: the staged folder becomes the output in two renames. The folder
        it replaces may hold only `allowed` files: those a build wrote or would write."""
        old = self.out.parent / f".{self.out.name}.old"
        remove_tree(old)
        replaced = self.out.exists()
        if replaced:
            self.refuse_foreign(allowed)
            os.replace(self.out, old)
        try:
            os.replace(staging, self.out)
        except OSError:
            if replaced:
                os.replace(old, self.out)
            raise
        remove_tree(old)


class Writer:
    """Writes rendered files under one folder (the staging folder): each folder made once
    per process, each file with one `open`, `write` and `close` and no Python file
    object, as a build writes tens of thousands of small files."""

    FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0)

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.made: set[str] = set()  # folders known to exist

    def write(self, name: str, data: bytes) -> tuple[int, int]:
        """`data` as the file `name` ('/'-separated, relative to the root); its size and
        mtime, which moving it into the output keeps (the record's stamp of it)."""
        path = f"{self.root}/{name}"
        folder = path.rpartition("/")[0]
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)  # another worker may have made it
            self.made.add(folder)
        fd = os.open(path, self.FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            found = os.fstat(fd)
        finally:
            os.close(fd)
        return found.st_size, found.st_mtime_ns


def files_under(root: Path) -> list[str]:
    """Every file (or link) under `root`, relative, '/'-separated; none when it is missing."""
    found = []
    for top, dirs, files in os.walk(root):
        rel = os.path.relpath(top, root).replace(os.sep, "/")
        links = [name for name in dirs if os.path.islink(os.path.join(top, name))]
        for name in files + links:
            found.append(name if rel == "." else f"{rel}/{name}")
    return found


def file_stamps(root: Path, names: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Size and mtime of files just put in place, for the next build's `damaged`."""
    stamps = {}
    for name in names:
        with contextlib.suppress(OSError):  # gone already: the next build renders it
            found = os.stat(root / name)
            stamps[name] = (found.st_size, found.st_mtime_ns)
    return stamps


def read_manifest(folder: Path) -> set[str]:
    """The files a build left in `folder`, as its manifest lists them (none without one)."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def write_manifest(folder: Path, names: set[str]) -> None:
    lines = ["# paperpress: the files the last build left in this folder.",
             "# A build replaces these only; it refuses a folder holding any other file.",
             *sorted(names)]
    write_atomic(folder / MANIFEST, ("\n".join(lines) + "\n").encode("utf-8"))


def remove_tree(folder: Path) -> None:
    """Remove a staging or old folder of ours. rmtree alone leaves behind any part it
    cannot write (a read-only subfolder, as `cp -r` of a read-only tree makes): those
    get write permission, then go. A folder that still stays is an error naming it."""
    if not os.path.lexists(folder):
        return
    shutil.rmtree(folder, ignore_errors=True)
    if not os.path.lexists(folder):
        return
    try:
        if folder.is_dir() and not folder.is_symlink():
            _make_writable(folder)
        shutil.rmtree(folder)
    except OSError as err:
        raise ContentError([Problem(str(folder), 0, (
            f"cannot remove this leftover folder ({err.strerror or err}); "
            "remove it by hand, then build again"))]) from None


def _make_writable(folder: Path) -> None:
    """Owner read, write and search on `folder` and every folder under it (links untouched)."""
    os.chmod(folder, 0o700)
    for top, dirs, _ in os.walk(folder):
        for name in dirs:
            path = os.path.join(top, name)
            if not os.path.islink(path):
                os.chmod(path, 0o700)


def prune(folder: Path, top: Path) -> None:
    """Remove folders left empty by a removed page, up to the output root."""
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def check_output_folder(paths: ContentPaths, out: Path) -> None:
    """Refuse, before anything is written, an output folder a build would damage.

    Not the archive itself or a folder holding it, nothing inside content/,
    themes/ or the cache, not a file, and no folder with other files in it: a
    folder is taken when it is empty, holds an earlier build's manifest, or
    holds `.nojekyll` (as every site built before the manifest does). Once it
    knows its plan, the build also refuses any file in it that a build did not
    write and would not write (`OutputFolder.check_manifest`).
    """
    root = paths.root.resolve()
    protected = [paths.content.resolve(), paths.themes_dir.resolve(),
                 paths.cache_dir.resolve()]
    bad = out == root or root.is_relative_to(out) or any(
        out == p or out.is_relative_to(p) for p in protected)
    if not bad and os.path.lexists(out) and not out.is_dir():
        raise ContentError([Problem(str(out), 0, "not a folder a build may replace: it is a "
                                    "file; choose a new or empty folder")])
    if not bad and out.is_dir() and any(out.iterdir()):
        bad = not ((out / MANIFEST).is_file() or (out / ".nojekyll").exists())
    if bad:
        raise ContentError([Problem(str(out), 0, "not a folder a build may replace: choose a "
                                    "new or empty folder, or one built by paperpress before")])

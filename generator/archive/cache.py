"""A parse cache keyed by file identity, so unchanged content is not parsed again.

Kept in memory by the dev server and, for `build`, pickled under the
archive's `.paperpress-cache/` (ignored by git), one file per content folder
so that saving a note does not rewrite the cache of 100,000 papers. A file
whose size, mtime or inode changed is parsed afresh; a cache written by other
code (another format, or another version of the loader or the matcher) is
discarded.

Like git's index, an entry is trusted only when the file was last modified
well before it was parsed: two saves within one tick of the file system's
clock, of the same size, would otherwise look like one ("racily clean").

The dev server's watcher names every file that changed, so for its rebuilds the
cache may be told which ones (`trust`): the others are taken as they are, without
a stat each, the cost of a rebuild that grows with the archive.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.store import write_atomic

FORMAT = 5  # the shape of a shard file


def _code_digest() -> str:
    """A digest of the code whose results the cache keeps: the loader, notes, the topic
    matcher, the model and the YAML reader. Any change to them (a new field, a fixed
    check, a new matching rule) discards every cache, so a warm cache never hides it."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in (here / "content.py", here / "notes.py", here / "topics.py",
                 here / "listings.py", here.parent / "core" / "model.py",
                 here.parent / "core" / "store.py", here.parent / "core" / "ids.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


VERSION = (FORMAT, _code_digest())
DERIVED_SHARD = "papers"  # derived values name parsed papers: pickled with them

Key = tuple[int, int, int]
RACY_NS = 50_000_000  # a file modified this close to its parse is parsed again


class ParseCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.shards: dict[str, dict[str, tuple[Key, Any, int]]] = {}
        self.derived: dict[str, Any] = {}  # results computed from parsed values
        self.used: set[str] = set()
        self.fresh: set[str] = set()  # parsed afresh since `begin`
        self.changed: set[str] | None = None  # see `trust`; None: stat every file
        self.settled = False  # a load read every file since `trust` last named changes
        if folder is not None and folder.is_dir():
            for file in sorted(folder.glob("content-*.pickle")):
                self._read(file)

    def _read(self, file: Path) -> None:
        """Take a shard only when it has the very shape `save` writes.

        A cache from another version, a damaged file or one that unpickles to
        something else (a list, a short tuple, entries of other types) is no
        cache at all: the build is slower, never wrong.
        """
        try:
            data = pickle.loads(file.read_bytes())
        except Exception:  # a damaged cache is only a slower build
            return
        if not (type(data) is tuple and len(data) == 3 and data[0] == VERSION
                and _entries_ok(data[1]) and _derived_ok(data[2])):
            return
        _, entries, derived = data
        self.shards[file.stem.removeprefix("content-")] = entries
        if derived is not None:
            self.derived = derived

    @property
    def entries(self) -> dict[str, tuple[Key, Any, int]]:
        return {name: entry for shard in self.shards.values() for name, entry in shard.items()}

    def count(self, folder: str) -> int:
        """How many files of a content folder the cache holds (changed or not)."""
        return len(self.shards.get(folder, ()))

    def begin(self) -> None:
        """Start a run: `changes()` then tells what changed since the last one."""
        self.used, self.fresh = set(), set()

    def trust(self, changed: set[str] | None) -> None:
        """For the next runs: only the files named in `changed` (as the loader names
        them) may differ from their entries; None, the default, stats every file. For a
        watcher that sees every change; it names files that changed since it last
        called this, and an entry that failed to parse is dropped, so none is kept stale.
        Names stay until a load has read every file (`settle`): a build that failed
        before reading (the archive locked by an import) must not lose them."""
        if not self.settled:
            changed = None if changed is None or self.changed is None \
                else self.changed | changed
        self.changed, self.settled = changed, False

    def settle(self) -> None:
        """A load read every file: the names `trust` was given are taken in."""
        self.settled = True

    def trusts(self, folder: str) -> bool:
        """Whether files in `folder` may be taken as cached (see `trusted`): the watcher
        named neither it nor a folder above it. A folder moved or swapped in is named
        alone, never the files it brings."""
        changed = self.changed
        return changed is not None and not any(
            folder == name or folder.startswith(name + os.sep) for name in changed)

    def identities(self, root: Path) -> dict[str, Key]:
        """The files this run used, by path relative to `root`, with the identity (mtime,
        size, inode) each was parsed at: what a build records to know, next time, which
        files changed since it, whichever other build used the cache meanwhile."""
        prefix = f"{root}{os.sep}"
        found = {}
        for shard in self.shards.values():
            for name, entry in shard.items():
                if name in self.used:
                    found[name.removeprefix(prefix)] = entry[0]
        return found

    def changes(self) -> set[str]:
        """Files parsed afresh this run, or gone since the entries were made."""
        known = {name for shard in self.shards.values() for name in shard}
        return self.fresh | (known - self.used)

    @staticmethod
    def key(path: Path) -> Key:
        stat = path.stat()
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def has(self, path: Path, kind: type = object, shard: str | None = None) -> bool:
        """Whether `path` is cached, as a `kind`, as it is on disk now (`shard`: its
        folder's name, when the caller knows it)."""
        hit = self.shards.get(shard or path.parent.name, {}).get(str(path))
        try:
            return hit is not None and _valid(hit, self.key(path), kind)
        except OSError:
            return False

    def put(self, shard: str, name: str, key: Key, value: Any, parsed_ns: int) -> None:
        """Store a value parsed elsewhere (a worker process) from the file `name` (its
        path, in folder `shard`) as it was at `key`."""
        self.shards.setdefault(shard, {})[name] = (key, value, parsed_ns)
        self.fresh.add(name)

    def trusted(self, name: str, kind: type, shard_name: str) -> Any:
        """The cached value of the file at `name` when the watcher saw no change to it
        (see `trust`) and it was not saved in the instant of its parse; else None, and
        `get` decides. No system call: the dev server's rebuild looks at every file. The
        caller asks only for a plain file in a folder it `trusts`: the watcher names a
        link's target, not the link."""
        if self.changed is None or name in self.changed:
            return None
        hit = self.shards.get(shard_name, {}).get(name)
        if hit is None or not (hit[0][0] < hit[2] - RACY_NS and isinstance(hit[1], kind)):
            return None
        self.used.add(name)
        return hit[1]

    def get(self, path: Path, parse: Callable[[Path], Any], kind: type = object,
            shard_name: str | None = None) -> Any:
        """The parsed value of `path`, parsing only when the file changed (or the
        cached value is not a `kind`); `shard_name` is its folder's name, when known."""
        name = str(path)
        self.used.add(name)
        shard = self.shards.setdefault(shard_name or path.parent.name, {})
        hit = shard.get(name)
        key = self.key(path)
        if hit is not None and _valid(hit, key, kind):
            return hit[1]
        parsed_ns = time.time_ns()
        try:
            value = parse(path)
        except BaseException:  # no stale entry survives a failed parse
            shard.pop(name, None)
            raise
        shard[name] = (key, value, parsed_ns)
        self.fresh.add(name)
        return value

    def save(self) -> None:
        """Keep what this run used; write the shards that changed, when there is a folder."""
        changed = self.changes()
        for shard_name, shard in self.shards.items():
            stale = [name for name in shard if name not in self.used]
            for name in stale:
                del shard[name]
            touched = stale or any(name in changed for name in shard)
            if self.folder is None or not (touched or not self._file(shard_name).exists()):
                continue
            derived = self.derived if shard_name == DERIVED_SHARD else None
            data = pickle.dumps((VERSION, shard, derived), protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self._file(shard_name), data)

    def _file(self, shard: str) -> Path:
        assert self.folder is not None
        return self.folder / f"content-{shard}.pickle"


def _valid(hit: tuple[Key, Any, int], key: Key, kind: type = object) -> bool:
    """The entry is for this very file, and the file was not modified as it was parsed."""
    return hit[0] == key and key[0] < hit[2] - RACY_NS and isinstance(hit[1], kind)


_KEY_TYPES = (int, int, int)


def _is_key(key: Any) -> bool:
    return type(key) is tuple and tuple(map(type, key)) == _KEY_TYPES


def _entries_ok(entries: Any) -> bool:
    """A shard as `save` writes it: file name to (key, value, parse time in ns)."""
    return type(entries) is dict and all(
        type(name) is str and type(entry) is tuple and len(entry) == 3
        and _is_key(entry[0]) and type(entry[2]) is int
        for name, entry in entries.items()
    )


def _derived_ok(derived: Any) -> bool:
    """None, or a dict of dicts; the topic memo's papers map ids to (paper, topics)."""
    if derived is None:
        return True
    if type(derived) is not dict or not all(type(v) is dict for v in derived.values()):
        return False
    papers = derived.get("topics", {}).get("papers", {})
    return type(papers) is dict and all(
        type(hit) is tuple and len(hit) == 2 and type(hit[1]) is tuple
        for hit in papers.values()
    )

"""A parse cache keyed by file identity, so unchanged content is not parsed again.

Kept in memory by the dev server and, for `build`, pickled under the
archive's `.paperpress-cache/` (ignored by git). A file whose size, mtime or
inode changed is parsed afresh; a cache from another version is discarded.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .store import write_atomic

VERSION = 1


class ParseCache:
    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.entries: dict[str, tuple[tuple[int, int, int], Any]] = {}
        self.used: set[str] = set()
        self.fresh: set[str] = set()  # parsed afresh since `begin`
        if file is not None and file.exists():
            try:
                version, entries = pickle.loads(file.read_bytes())
                if version == VERSION:
                    self.entries = entries
            except Exception:  # a damaged cache is only a slower build
                self.entries = {}

    def begin(self) -> None:
        """Start a run: `changes()` then tells what changed since the last one."""
        self.used, self.fresh = set(), set()

    def changes(self) -> set[str]:
        """Files parsed afresh this run, or gone since the entries were made."""
        return self.fresh | (self.entries.keys() - self.used)

    def get(self, path: Path, parse: Callable[[Path], Any]) -> Any:
        """The parsed value of `path`, parsing only when the file changed."""
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        name = str(path)
        self.used.add(name)
        hit = self.entries.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = parse(path)
        self.entries[name] = (key, value)
        self.fresh.add(name)
        return value

    def save(self) -> None:
        """Keep what this run used (entries of deleted files go), on disk when it has a file."""
        self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        if self.file is not None:
            data = pickle.dumps((VERSION, self.entries), protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self.file, data)

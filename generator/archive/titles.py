"""Every paper's titles and last day, for finding a paper by words of its title.

Reading the titles of 100,000 paper files takes seconds, so `note` keeps them in
`.paperpress-cache/titles.pickle`, each with its file's mtime, size and inode as
the parse cache keys them: a later search reads only the files that changed
since. Only the head of a file is parsed (the id and titles come before the
abstract). The index is small (no abstracts), so loading it costs far less than
the parse cache would. Deleting it is always safe; a damaged one is ignored.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..core import ids
from ..core.paths import ContentPaths
from ..core.store import ContentError, load_text, write_atomic
from .cache import RACY_NS
from .topics import WORD

VERSION = 1
FILE = "titles.pickle"
_LAST_SEEN = re.compile(r"^last_seen:\s*(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
_ABSTRACT = re.compile(r"^abstract:", re.MULTILINE)

# file name -> (mtime ns, size, inode), title, other titles, last day, when it was read
Record = tuple[tuple[int, int, int], str, tuple[str, ...], date | None, int]


@dataclass(frozen=True, slots=True)
class Entry:
    """What title search needs of one paper."""

    id: str
    title: str
    others: tuple[str, ...]
    last_seen: date | None
    haystack: str = ""  # titles and id in lower case, what words are looked for in

    def __post_init__(self) -> None:
        text = "\n".join((self.title, *self.others, self.id)).lower()
        object.__setattr__(self, "haystack", text)

    def words(self) -> set[str]:
        return set(WORD.findall(self.haystack))

    def line(self) -> str:
        return f"  {self.id}  {' '.join(self.title.split())}"


def entries(paths: ContentPaths, keep: bool = False) -> list[Entry]:
    """Every readable paper, by id; unreadable files are left to `check`. With `keep`
    (the caller holds the archive's lock), the index is saved for the next search."""
    folder = paths.papers_dir
    if not folder.is_dir() or paths.may_read(folder, folder=True):
        return []
    index = paths.cache_dir / FILE
    known = _read(index)
    fresh: dict[str, Record] = {}
    out = []
    with os.scandir(folder) as found:
        files = sorted((e for e in found if e.name.endswith(".yaml")
                        and not e.name.startswith(".")), key=lambda e: e.name)
    for file in files:
        record = _record(paths, file, known.get(file.name))
        if record is None:
            continue
        if 0 < record[0][0] < record[4] - RACY_NS:  # a plain file not being written
            fresh[file.name] = record
        out.append(Entry(file.name.removesuffix(".yaml"), *record[1:4]))
    if keep and (len(fresh) != len(known) or any(fresh[n] is not known.get(n) for n in fresh)):
        with contextlib.suppress(OSError):  # only a cache: the next search reads again
            write_atomic(index, pickle.dumps((VERSION, fresh), pickle.HIGHEST_PROTOCOL))
    return out


def _record(paths: ContentPaths, file: os.DirEntry, hit: Any) -> Record | None:
    """The file's record: the index's when the file is unchanged, else read afresh.
    A plain file passes on the listing's word; a link or a pipe is asked about (and,
    as a link's own mtime says nothing of its target, read every time)."""
    try:
        plain = file.is_file(follow_symlinks=False)
        if not plain and paths.may_read(Path(file.path)):
            return None
        stat = file.stat(follow_symlinks=False)
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size, stat.st_ino) if plain else (0, 0, 0)
    if plain and type(hit) is tuple and len(hit) == 5 and hit[0] == key and _ok(hit):
        return hit
    return _scan(file.path, key)


def _ok(hit: Any) -> bool:
    """The values of a record as `entries` saves it (a damaged index gives anything)."""
    return (type(hit[1]) is str and type(hit[2]) is tuple
            and (not hit[2] or all(type(t) is str for t in hit[2]))
            and (hit[3] is None or type(hit[3]) is date) and type(hit[4]) is int)


def _read(index: Path) -> dict[str, Record]:
    try:
        data = pickle.loads(index.read_bytes())
    except Exception:  # missing or damaged: only a slower search
        return {}
    ok = type(data) is tuple and len(data) == 2 and data[0] == VERSION and type(data[1]) is dict
    return data[1] if ok else {}


def _scan(path: str, key: tuple[int, int, int]) -> Record | None:
    """A paper file's titles and last day, parsing only the head before the abstract."""
    read_ns = time.time_ns()
    if not ids.is_safe_id(os.path.basename(path).removesuffix(".yaml")):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        cut = _ABSTRACT.search(text)
        head = load_text(text[: cut.start()] if cut else text, path)
        if not (isinstance(head, dict) and isinstance(head.get("title"), str)):
            head = load_text(text, path)  # keys in another order than import's
    except (OSError, UnicodeDecodeError, ContentError):
        return None
    if not isinstance(head, dict) or not isinstance(head.get("title"), str):
        return None
    others = head.get("other_titles")
    others = tuple(t for t in others if isinstance(t, str)) if isinstance(others, list) else ()
    seen = _LAST_SEEN.search(text, max(0, text.rfind("\nlast_seen:")))
    try:
        last = date.fromisoformat(seen.group(1)) if seen else None
    except ValueError:
        last = None
    return key, head["title"], others, last, read_ns

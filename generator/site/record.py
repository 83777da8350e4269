"""The build record: what the last build of one output folder made from what, so the
next build renders only the pages whose inputs changed.

For each output file it keeps a fingerprint of the page's context and a digest of its
templates, the digest of the bytes written and their size and mtime; for each paper,
what decides which listings show it (its signature); and the identity of every content
file the build read. When only paper and note files changed and no changed paper moved
between listings, the record names the pages that show those papers; otherwise every
page is fingerprinted and only the changed ones are rendered.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
from dataclasses import dataclass, field, fields, is_dataclass
from operator import attrgetter, methodcaller
from pathlib import Path

from ..archive.cache import Key
from ..core.ids import org_path_slug
from ..core.model import Archive, Note, Paper
from . import urls
from .pieces import Card, Page

RECORD_VERSION = 7


@dataclass
class BuildRecord:
    """One output folder's last good build. An empty record means: build everything."""

    salt: bytes = b""  # settings every page depends on: another salt, another site
    templates: dict[str | None, str] = field(default_factory=dict)  # name -> digest
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # fingerprint, template
    planned: set[str] = field(default_factory=set)  # every output file of the plan
    signatures: dict[str, tuple] = field(default_factory=dict)  # paper id -> `signature`
    assets: list[str] = field(default_factory=list)  # theme files, by hashed location
    content: dict[str, bytes] = field(default_factory=dict)  # output -> digest of its bytes
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)  # output -> size, mtime
    inputs: dict[str, Key] = field(default_factory=dict)  # content file -> its identity
    search: dict[str, tuple[int, int]] = field(default_factory=dict)  # index file -> stamp
    search_keys: dict[str, bytes] = field(default_factory=dict)  # year -> digest of the
    # paper pages its bundle was made from
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # as its pages show
    theme: tuple = ()  # the theme files' signature `templates` were digested from

    @property
    def files(self) -> set[str]:
        """Every file the recorded build left in the output folder."""
        return self.planned | set(self.assets) | set(self.search)

    def dump(self) -> bytes:
        """Plain data (a versioned dict), one string object per output name: pickle writes
        a repeated object as a back-reference, so the names the tables share are stored
        once, half the bytes and a third less time to load."""
        names = {name: name for name in self.planned}
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["planned"] = set(names)
        for key in ("pages", "content", "stamps"):
            data[key] = {names.get(name, name): value for name, value in data[key].items()}
        return pickle.dumps({"version": RECORD_VERSION, **data},
                            protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def read(cls, path: Path) -> BuildRecord:
        """The record at `path`; an empty one when it is missing, damaged, of another
        version or of any other shape. Entries inside are only ever compared for
        equality, so a wrong value there just means more work."""
        try:
            data = pickle.loads(path.read_bytes())
        except Exception:  # missing or damaged: a full build
            return cls()
        if not (isinstance(data, dict) and data.get("version") == RECORD_VERSION):
            return cls()
        empty = cls()
        if any(type(data.get(f.name)) is not type(getattr(empty, f.name)) for f in fields(cls)):
            return cls()
        if not all(isinstance(name, str)
                   for name in (*data["planned"], *data["assets"], *data["search"])):
            return cls()
        return cls(**{f.name: data[f.name] for f in fields(cls)})


def signature(archive: Archive, pid: str) -> tuple:
    """What of a paper decides which listings show it, where, and under what name;
    last, the day its note is in the notes feed on (None without a note to read)."""
    paper = archive.papers[pid]
    note = archive.notes.get(pid)
    key = org_path_slug(paper.org.slug) if paper.org else None
    listing = archive.orgs.get(key) if key else None
    noted = archive.note_published(pid) if note and note.body.strip() else None
    return (archive.is_visible(pid), bool(note and note.pick), archive.paper_topics.get(pid),
            key, listing.name if listing else None, archive.first_day(pid), paper.last_seen,
            noted)


def _same_shape(old: tuple | None, new: tuple | None) -> bool:
    """Whether a changed paper stays where it was listed. A note joining the notes feed is
    no change of shape: the new plan's feed names the paper among its deps (or the feed
    does not change). Leaving it, or moving in it, is: only the old feed named the paper."""
    if old is None or new is None:
        return old == new
    return old[:-1] == new[:-1] and old[-1] in (None, new[-1])


def signatures_of(archive: Archive, changed: set[str]) -> dict[str, tuple]:
    """The signatures of the changed papers that are in the archive."""
    return {pid: signature(archive, pid) for pid in changed if pid in archive.papers}


def placing(recorded: dict[str, tuple], now: dict[str, tuple], changed: set[str]) -> str:
    """How the changed papers' places (`now`, their signatures; a paper gone has none)
    differ from the recorded build's: "same"; "notes" when only notes joined the notes
    feed (see `_same_shape`); else "moved"."""
    found = "same"
    for pid in changed:
        old, new = recorded.get(pid), now.get(pid)
        if old != new:
            if not _same_shape(old, new):
                return "moved"
            found = "notes"
    return found


def changed_papers(old: dict[str, Key], now: dict[str, Key],
                   fresh: set[str]) -> set[str] | None:
    """Ids of the papers whose paper or note file changed since the recorded build (read
    anew, added, removed, or parsed afresh this run: `fresh`, relative names); None when
    any other content file did, or there is no record to compare with."""
    if not old:
        return None
    names = set(fresh)
    if old != now:
        names.update(name for name in old.keys() | now.keys() if old.get(name) != now.get(name))
    found: set[str] = set()
    for name in names:
        folder, _, file = name.partition("/")
        if folder not in ("papers", "notes") or "/" in file:
            return None
        found.add(file.rsplit(".", 1)[0])
    return found


def candidates(pages: list[Page], archive: Archive, old: BuildRecord, planned: set[str],
               templates: dict, changed: set[str] | None, damaged: set[str],
               shows: dict[str, list[int]] | None = None) -> tuple[list[int], dict[str, tuple]]:
    """The pages to look at, and every paper's signature for the next build.

    When only paper and note files changed, and no changed paper moved between
    listings (same signature), the dependency record answers: the pages that show
    a changed paper, the paper pages whose related papers changed, and those whose
    file is damaged. Otherwise every page is looked at, and fingerprints find the ones
    that changed. `shows`: the pages that show each paper, when the caller has them
    already (a kept plan).
    """
    recorded = old.signatures
    if changed is not None and recorded and old.templates == templates:
        signatures = dict(recorded)
        for pid in changed:
            signatures.pop(pid, None)
        signatures.update(signatures_of(archive, changed))
        if placing(recorded, signatures, changed) != "moved" and planned == old.planned:
            found = {i for i, page in enumerate(pages) for pid in page.deps if pid in changed} \
                if shows is None else {i for pid in changed for i in shows.get(pid, ())}
            found.update(related_moved(pages, archive, old))
            if damaged:
                found.update(i for i, page in enumerate(pages) if page.output in damaged)
            return sorted(found), signatures
    signatures = {pid: signature(archive, pid) for pid in archive.papers}
    return list(range(len(pages))), signatures


def related_moved(pages: list[Page], archive: Archive, old: BuildRecord) -> set[int]:
    """The paper pages whose related papers are others than the recorded build's: one
    changed abstract can change the related papers of pages that never showed it."""
    if old.related == archive.related:
        return set()
    moved = {urls.paper(pid) for pid in old.related.keys() | archive.related.keys()
             if old.related.get(pid) != archive.related.get(pid)}
    return {i for i, page in enumerate(pages) if page.kind == "paper" and page.location in moved}


def _ref(digest: bytes) -> bytes:
    """What a shared object becomes inside a page fingerprint: its own digest."""
    return digest


class _Reducers(dict):
    """The fingerprint pickler's dispatch table, filled per class on first sight: a
    dataclass (a Placing, a FeedLink, the site's settings) is reduced to its class and
    its fields' values in one C call, where pickle's way for a slotted dataclass calls
    its Python `__getstate__` (with `fields()`) for every object of every page; any
    other class keeps pickle's own reduction."""

    def __missing__(self, cls: type) -> object:
        if is_dataclass(cls):
            values = attrgetter(*[f.name for f in fields(cls)])

            def reduce(obj: object, cls: type = cls) -> tuple:
                return cls, (values(obj),)

            found = self[cls] = reduce
        else:
            found = self[cls] = methodcaller("__reduce_ex__", 5)
        return found


class Fingerprinter:
    """Digests page contexts. A shared object (a paper, its note, its card) is pickled
    once per build and stands in every page that shows it by its digest, through a
    per-pickler dispatch table, so the C pickler does the rest of the walk alone.

    The pickler is reused (a new one costs more than a small page's digest), but not
    after a large context: its memo table never shrinks, and clearing it costs its
    largest size on every later page (milliseconds each after `papers.json`)."""

    SHARED = (Paper, Note, Card)
    LARGE = 1 << 16  # bytes of pickle past which the next page gets a fresh pickler

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.table = _Reducers(copyreg.dispatch_table)
        self.table.update(dict.fromkeys(self.SHARED, self._reduce))
        self.pickler = self._pickler()
        self.digests: dict[int, bytes] = {}  # by id(): shared objects outlive the build

    def _reduce(self, obj: object) -> tuple:
        found = self.digests.get(id(obj))
        if found is None:
            data = pickle.dumps(obj, protocol=5)
            found = self.digests[id(obj)] = hashlib.blake2b(data, digest_size=16).digest()
        return _ref, (found,)

    def _pickler(self) -> pickle.Pickler:
        pickler = pickle.Pickler(self.buffer, protocol=5)
        pickler.dispatch_table = self.table
        return pickler

    def digest(self, page: Page, context: dict) -> bytes:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.pickler.clear_memo()
        self.pickler.dump((page.template, page.kind, context))
        found = hashlib.blake2b(self.buffer.getbuffer(), digest_size=16).digest()
        if self.buffer.tell() > self.LARGE:
            self.pickler = self._pickler()
        return found

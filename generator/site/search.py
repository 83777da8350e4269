"""Search with no server: Pagefind indexes the written paper pages, one bundle per year.

Pagefind's binary (shipped inside the `pagefind-bin` wheel, never downloaded) reads a
folder in one call: its per-page Python API costs about 100 ms a page, the folder call
a few seconds for 10,000 pages. Its memory grows with the pages of one run (1.4 GiB at
10,000), so the visible paper pages are indexed by the year they were first listed,
one run after another, into `pagefind/<year>/`: the peak is one year's, and the search
page merges the bundles in the browser. Each run reads a folder of hard links to that
year's pages (same paths, so the same URLs), and only what the theme marks
`data-pagefind-body` on them.

Each bundle is written beside the output, then moved in with its `pagefind-entry.json`
last, the one file that names the rest, so a reader sees the old bundle or the new one,
never half of one. The build record keeps every index file (so the manifest owns them
and `--no-search` removes them) and, per year, a digest of that year's pages: a build
re-indexes only the years whose pages changed (a daily build: the current year), keeps
the others while their files are intact, and removes the years no longer listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import pickle
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from ..core.model import Archive
from ..core.store import ContentError, Problem
from . import urls
from .output import (
    file_stamps,
    files_under,
    prune,
    read_manifest,
    remove_tree,
    write_manifest,
)
from .record import BuildRecord

INDEX = "pagefind"  # the bundles' folder in the output, one folder per year in it
ENTRY = "pagefind-entry.json"  # in each bundle, names every other file: moved in last
GLOB = "papers/**/index.html"
SORTS = "paperpress-sorts.json"  # in a year's bundle: its sort keys' values (`sort_table`)
SORT_ATTRIBUTE = re.compile(rb'data-pagefind-sort="([^"]*)"')
ALL = "all"  # the one bundle of an archive small enough for one index

Years = dict[str, list[str]]  # year -> its visible paper pages' output names


def years(archive: Archive) -> Years:
    """The visible paper pages in bundles, newest first (a hidden paper is in none): all in
    one bundle, `all`, up to `search_one_index` papers (one set of word statistics ranks
    every result); above it, one bundle per year first listed, as one index would not fit in
    memory (the search page merges the years' results, `sort_table`)."""
    found: dict[str, list[str]] = {}
    for pid in archive.papers:
        if archive.is_visible(pid):
            year = str(archive.first_day(pid).year)
            found.setdefault(year, []).append(f"{urls.paper(pid)}index.html")
    if sum(map(len, found.values())) <= archive.config.search_one_index:
        return {ALL: sorted(page for pages in found.values() for page in pages)} if found else {}
    return {year: sorted(found[year]) for year in sorted(found, reverse=True)}


def bundle(year: str) -> str:
    """A year's bundle folder in the output."""
    return f"{INDEX}/{year}/"


def binary() -> str:
    """The Pagefind executable inside the installed wheel."""
    try:
        import pagefind_bin

        return str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        raise ContentError([Problem("search", 0, (
            "the Pagefind binary is missing; reinstall paperpress (it depends on "
            "'pagefind[bin]'), or build with --no-search"))]) from None


def pages_key(record: BuildRecord, pages: list[str]) -> bytes:
    """A digest of a year's paper pages' bytes: its bundle changes only when this does."""
    found = [(name, record.content.get(name)) for name in pages]
    return hashlib.blake2b(pickle.dumps(found, protocol=5), digest_size=16).digest()


def intact(out: Path, record: BuildRecord, year: str) -> bool:
    """Whether every file of a year's bundle is as it was installed (one stat each)."""
    prefix = bundle(year)
    if prefix + ENTRY not in record.search:
        return False
    root = f"{out}{os.sep}"
    for name, stamp in record.search.items():
        if not name.startswith(prefix):
            continue
        try:
            found = os.stat(root + name)
        except OSError:
            return False
        if (found.st_size, found.st_mtime_ns) != stamp:
            return False
    return True


def needed(out: Path, record: BuildRecord, pages: Years) -> dict[str, bytes]:
    """The years whose bundle is missing or outdated, each with the key a fresh one
    would carry; newest first."""
    todo = {}
    for year, names in pages.items():
        key = pages_key(record, names)
        if record.search_keys.get(year) != key or not intact(out, record, year):
            todo[year] = key
    return todo


def staging(out: Path) -> Path:
    """Where Pagefind writes a new bundle: beside the output, on the same file system."""
    return out.parent / f".{out.name}.pagefind"


def sources(out: Path, pages: list[str]) -> Path:
    """A folder beside the output holding one year's paper pages at their own paths, as
    hard links (a copy where the file system has none): what one run indexes."""
    folder = out.parent / f".{out.name}.pagefind-pages"
    remove_tree(folder)
    made: set[str] = set()
    for name in pages:
        parent = name.rpartition("/")[0]
        if parent not in made:
            (folder / parent).mkdir(parents=True, exist_ok=True)
            made.add(parent)
        try:
            os.link(out / name, folder / name)
        except FileNotFoundError:
            continue  # not written: no page to index
        except OSError:
            shutil.copyfile(out / name, folder / name)
    return folder


class Indexer:
    """One run of Pagefind at a time; the dev server cancels a run a newer build outdates."""

    def __init__(self, niceness: int = 0) -> None:
        self.niceness = niceness  # the dev server's runs yield the cores to its rebuilds
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._cancelled = False

    def run(self, site: Path, dest: Path, out: Path) -> None:
        """Index the paper pages under `site` into `dest`, its output captured; a failure
        is one problem naming the output folder `out`, with Pagefind's own last words."""
        self.start(site, dest, out)
        self.finish(dest, out)

    def start(self, site: Path, dest: Path, out: Path) -> None:
        """Start Pagefind over `site` and return at once: a build renders its other pages
        meanwhile (`finish` waits for it)."""
        remove_tree(dest)
        command = [binary(), "--site", str(site), "--output-path", str(dest), "--glob", GLOB,
                   "--silent"]
        with self._lock:
            self._cancelled = False
            try:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT)
            except OSError as err:
                raise ContentError([Problem(str(out), 0, (
                    f"cannot run Pagefind to index the search: {err.strerror or err}"))]) from None
            if self.niceness and hasattr(os, "setpriority"):  # not on Windows
                with contextlib.suppress(OSError):  # ended already, or not allowed: no matter
                    os.setpriority(os.PRIO_PROCESS, self._process.pid, self.niceness)

    def finish(self, dest: Path, out: Path) -> None:
        """Wait for the run `start` began; its bundle is then complete in `dest`."""
        assert self._process is not None
        output, _ = self._process.communicate()
        with self._lock:
            code, cancelled, self._process = self._process.returncode, self._cancelled, None
        if cancelled:
            remove_tree(dest)
            raise Cancelled
        if code != 0 or not (dest / ENTRY).is_file():
            remove_tree(dest)
            said = [line for line in output.decode("utf-8", "replace").splitlines()
                    if line.strip()]
            raise ContentError([Problem(str(out), 0, (
                f"the search index failed (Pagefind exit {code}): "
                f"{said[-1].strip() if said else 'no message'}"))])

    def cancel(self) -> None:
        """Stop a run under way (its caller gets `Cancelled`); nothing when idle."""
        with self._lock:
            if self._process is not None:
                self._cancelled = True
                with contextlib.suppress(OSError):
                    self._process.kill()


class Cancelled(Exception):
    """A run was stopped by `Indexer.cancel`."""


def install(out: Path, dest: Path, record: BuildRecord, year: str, key: bytes) -> None:
    """Move a finished bundle from `dest` into the year's folder, its entry file last,
    then remove the old bundle's files the new one does not have. The manifest lists a
    file before it arrives; the record then owns exactly the new bundle."""
    prefix = bundle(year)
    new = sorted(prefix + name for name in files_under(dest))
    write_manifest(out, read_manifest(out) | record.files | set(new))
    for name in sorted(new, key=lambda n: n == prefix + ENTRY):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(dest / name.removeprefix(prefix), target)
    old = {name for name in record.search if name.startswith(prefix)}
    _remove(out, old - set(new))
    record.search = {name: stamp for name, stamp in record.search.items()
                     if not name.startswith(prefix)} | file_stamps(out, new)
    record.search_keys[year] = key
    write_manifest(out, record.files)
    remove_tree(dest)


def drop(out: Path, record: BuildRecord, keep: Iterable[str]) -> None:
    """Remove the bundles of the years not in `keep` (their papers all gone or hidden),
    each entry file first, so a reader never finds an entry naming missing files."""
    prefixes = tuple(bundle(year) for year in keep)
    gone = {name for name in record.search if not name.startswith(prefixes)}
    if not gone and set(record.search_keys) <= set(keep):
        return
    _remove(out, gone)
    record.search = {name: stamp for name, stamp in record.search.items() if name not in gone}
    record.search_keys = {year: key for year, key in record.search_keys.items()
                          if year in keep}
    write_manifest(out, record.files)


def _remove(out: Path, names: Iterable[str]) -> None:
    for name in sorted(names, key=lambda n: not n.endswith(ENTRY)):
        target = out / name
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            prune(target.parent, out)


def index_year(out: Path, names: list[str], indexer: Indexer, alone: bool = False) -> Path:
    """Run Pagefind over one year's pages; the finished bundle's staging folder. The
    only year (`alone`) is read in place: the output's paper pages are all of it, and
    hidden ones carry nothing to index."""
    dest = staging(out)
    if alone:
        indexer.run(out, dest, out)
        return dest
    folder = sources(out, names)
    try:
        indexer.run(folder, dest, out)
    finally:
        remove_tree(folder)
    (dest / SORTS).write_text(json.dumps(sort_table(out, names), separators=(",", ":")),
                              encoding="utf-8")
    return dest


def sort_table(out: Path, names: list[str]) -> dict[str, list]:
    """Each sort key's values over one bundle's pages, ascending as Pagefind orders them,
    in [value, pages] runs. Under a sort, Pagefind scores a result by its rank within its
    bundle; the search page turns that rank back into the value with this table, and so
    orders the results of every year as one list. Read from the pages themselves, so a
    theme's own sort keys are in it too."""
    values: dict[str, list[str]] = {}
    for name in names:
        try:
            data = (out / name).read_bytes()
        except FileNotFoundError:
            continue
        for found in SORT_ATTRIBUTE.finditer(data):
            key, _, value = html.unescape(found[1].decode("utf-8", "replace")).partition(":")
            values.setdefault(key.strip(), []).append(value.strip())
    return {key: _runs(found) for key, found in sorted(values.items())}


def _runs(values: list[str]) -> list[list]:
    """Values sorted as Pagefind sorts them (as numbers when every one is a number), run
    by run."""
    try:
        ordered: list = sorted(float(v) for v in values)
        ordered = [int(v) if v.is_integer() else v for v in ordered]
    except ValueError:
        ordered = sorted(values)
    runs: list[list] = []
    for value in ordered:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


def update(out: Path, record: BuildRecord, pages: Years, indexer: Indexer | None = None,
           ready: Iterable[str] = ()) -> list[str]:
    """Index each year whose bundle is not current, in turn (one year's memory at a
    time), and remove the years gone; the years Pagefind ran for. The years in `ready`
    were indexed while the build rendered: their bundle waits in `staging(out)`."""
    drop(out, record, pages)
    todo = needed(out, record, pages)
    for year, key in todo.items():
        if year in ready:
            dest = staging(out)
        else:
            dest = index_year(out, pages[year], indexer or Indexer(), len(pages) == 1)
        install(out, dest, record, year, key)
    remove_tree(staging(out))  # a ready bundle no year needed
    return list(todo)


class Early:
    """The one bundle of a full build, indexed from its staged pages while the build
    renders the rest (listings, feeds, exports): Pagefind's seconds overlap the
    render's instead of following them. `paper_done` counts the paper pages down and
    starts Pagefind at the last; `wait` ends it before the staged folder moves."""

    def __init__(self, out: Path, site: Path, papers: int) -> None:
        self.out, self.site, self.left = out, site, papers
        self.indexer = Indexer()
        self.started = self.running = False

    def paper_done(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.indexer.start(self.site, staging(self.out), self.out)
            self.started = self.running = True

    def wait(self) -> ContentError | None:
        """The finished run's failure, if any, for the build to raise once its pages
        are in place (as when Pagefind runs after them)."""
        if not self.running:
            return None
        self.running = False
        try:
            self.indexer.finish(staging(self.out), self.out)
        except ContentError as err:
            return err
        return None

    def stop(self) -> None:
        """The build failed: end a run under way and drop what it wrote or left."""
        if self.running:
            self.running = False
            self.indexer.cancel()
            with contextlib.suppress(Cancelled, ContentError):
                self.indexer.finish(staging(self.out), self.out)
        remove_tree(staging(self.out))

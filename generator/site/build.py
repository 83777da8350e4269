"""The build: load, plan, render what changed (on every core), then commit.

Phases are timed (`--verbose` prints them). Pages render into a staging
folder beside the output; only when every page rendered is anything moved
into the output, so a failed build leaves the previous site whole. A build
record (fingerprint and template digest per output file) lets the next build
render only pages whose inputs changed; files whose bytes are unchanged are
never rewritten, and files no longer planned are removed. The record also
keeps each file's size and mtime, so a file deleted or edited in the output
is put back by the next build, at the cost of one stat per file.

The output folder holds a manifest of the files the build wrote: a build
replaces only such files, and refuses a folder holding any other (a Pages
`docs/` with its own files). One build at a time writes a folder (its lock),
and content is read under the archive's shared lock, never mid-import.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import hashlib
import io
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import __version__
from ..archive.cache import ParseCache
from ..archive.content import load
from ..core import parallel
from ..core.baseurl import is_base_url
from ..core.ids import org_path_slug
from ..core.lock import archive_lock, output_lock
from ..core.model import Archive, Note, Paper
from ..core.paths import ContentPaths
from ..core.progress import Progress
from ..core.store import ContentError, Problem, write_atomic
from . import urls
from .pages import Card, Page, plan
from .render import Theme, asset_map, make_env, render_page, template_closure, template_problem

PARALLEL_MIN = 400  # below this many pages a second process costs more than it saves
RECORD_VERSION = 3
MANIFEST = ".paperpress-manifest"  # in the output folder: the files the last build left there
# A record is used only when it has this shape; anything else means a full build.
RECORD_SHAPE = {"version": int, "salt": bytes, "templates": dict, "pages": dict,
                "planned": (set, frozenset), "signatures": dict, "assets": list,
                "content": dict, "stamps": dict}


@dataclass
class Result:
    pages: int = 0  # HTML pages planned
    feeds: int = 0
    rendered: int = 0  # files rendered this build
    written: int = 0  # files whose bytes changed
    removed: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    considered: int = 0  # pages whose context was built and fingerprinted

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def summary(self) -> str:
        return (f"{self.pages} pages, {self.feeds} feeds: {self.rendered} rendered, "
                f"{self.written} written, {self.removed} removed in {self.seconds:.2f}s")

    def timings(self) -> str:
        return "  ".join(f"{name} {secs:.3f}s" for name, secs in self.phases.items())


def _ref(digest: bytes) -> bytes:
    """What a shared object becomes inside a page fingerprint: its own digest."""
    return digest


class _Fingerprinter:
    """Digests page contexts. A shared object (a paper, its note, its card) is pickled
    once per build and stands in every page that shows it by its digest, through a
    per-pickler dispatch table, so the C pickler does the rest of the walk alone."""

    SHARED = (Paper, Note, Card)

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.pickler = pickle.Pickler(self.buffer, protocol=5)
        table = dict(copyreg.dispatch_table)
        table.update(dict.fromkeys(self.SHARED, self._reduce))
        self.pickler.dispatch_table = table
        self.digests: dict[int, bytes] = {}  # by id(): shared objects outlive the build

    def _reduce(self, obj: object) -> tuple:
        found = self.digests.get(id(obj))
        if found is None:
            data = pickle.dumps(obj, protocol=5)
            found = self.digests[id(obj)] = hashlib.blake2b(data, digest_size=16).digest()
        return _ref, (found,)

    def digest(self, page: Page, context: dict) -> bytes:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.pickler.clear_memo()
        self.pickler.dump((page.template, page.kind, context))
        return hashlib.blake2b(self.buffer.getvalue(), digest_size=16).digest()


# Worker state: set before forking so workers share the plan and archive copy-on-write.
_JOB: dict = {}
Outcome = tuple[int, bytes, bytes | None]  # page index, fingerprint, content digest if written


def _work(indices: list[int]) -> list[Outcome] | Problem:
    """Build the contexts of some pages, and render those whose fingerprint changed."""
    job = _JOB
    fingerprinter = job.setdefault("fingerprinter", _Fingerprinter())
    out: list[Outcome] = []
    for index in indices:
        page: Page = job["pages"][index]
        try:
            context = page.make()
            fingerprint = fingerprinter.digest(page, context)
            if job["previous"].get(page.output) == (fingerprint, job["templates"][page.template]) \
                    and page.output not in job["damaged"]:
                out.append((index, fingerprint, None))
                continue
            data = render_page(job["env"], page, context, job["archive"], job["urls"])
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as err:
            return template_problem(err, job["theme"])
        target = job["staging"] / page.output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        out.append((index, fingerprint, hashlib.blake2b(data, digest_size=16).digest()))
    return out


class Builder:
    """One output folder's builds; the dev server keeps one alive between rebuilds."""

    def __init__(self, paths: ContentPaths, out: Path | None = None, base_url: str | None = None,
                 cache: ParseCache | None = None, progress: bool = False,
                 persist: bool = True) -> None:
        self.paths = paths
        self.out = (out or paths.root / "site").resolve()
        self.base_url = base_url
        key = hashlib.sha256(f"{self.out}\0{base_url}".encode()).hexdigest()[:12]
        self.record_file = paths.cache_dir / f"build-{key}.pickle"
        self._cache = cache
        self.progress = progress
        self.persist = persist  # the dev server keeps its record and cache in memory
        self.record: dict | None = None
        self.pending: set[str] = set()  # content files changed since the last good build
        self._env: tuple | None = None  # (key, environment, template digests) kept between runs

    @property
    def cache(self) -> ParseCache:
        """The parse cache, read from disk on first use (so `load` is timed with it)."""
        if self._cache is None:
            self._cache = ParseCache(self.paths.cache_dir)
        return self._cache

    # -- record -------------------------------------------------------------
    def _load_record(self) -> dict:
        if self.record is None:
            try:
                record = pickle.loads(self.record_file.read_bytes())
            except Exception:  # missing or damaged: a full build
                record = None
            self.record = record if _is_record(record) and self.out.is_dir() else {}
        return self.record

    def _save(self, record: dict) -> None:
        """Keep the record and the parse cache for the next build: on disk, under the
        archive's exclusive lock, held briefly. While an import holds that lock both are
        left as they were; the next build then only does more work, as a record older
        than the output makes pages look changed, never unchanged."""
        changed = record != self.record
        self.record = record
        if not self.persist:
            return
        # ContentError comes only from the lock: writing raises OSError
        with contextlib.suppress(ContentError), archive_lock(self.paths.cache_dir):
            if changed:
                data = pickle.dumps(_compact(record), protocol=pickle.HIGHEST_PROTOCOL)
                write_atomic(self.record_file, data)
            self.cache.save()

    # -- phases -------------------------------------------------------------
    def run(self) -> Result:
        """One build. The cyclic garbage collector is paused meanwhile: a build makes
        hundreds of thousands of long-lived objects and no cycles worth collecting,
        and its scans cost a tenth of a large build."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> Result:
        result = Result()
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            result.phases[name] = now - clock
            clock = now

        self.cache.begin()
        try:
            with archive_lock(self.paths.cache_dir, shared=True):  # never mid-import
                archive = load(self.paths, self.cache)
        finally:  # files parsed by a failed load are changes the next build must see
            self.pending |= self.cache.changes()
        lap("load")
        config = archive.config
        site_urls = urls.Urls(self.base_url or config.base_url)
        theme = Theme.find(self.paths.themes_dir, config.theme)
        assets = asset_map(theme)
        env, closure = self._environment(theme, archive, site_urls, assets)
        pages = plan(archive, site_urls.path)
        templates = self._template_digests(pages, closure, theme)
        salt = pickle.dumps((__version__, site_urls.base_url, config, archive.topics,
                             sorted(location for location, _ in assets.values())))
        old = self._load_record()
        if old.get("salt") != salt:
            old = {}
        planned = {page.output for page in pages}
        wanted = planned | {location for location, _ in assets.values()}
        if not (self.out / MANIFEST).is_file():  # a folder no build wrote, or one of old
            self._refuse_foreign(wanted | _recorded(old))
        damaged = self._damaged(old, wanted)
        candidates, signatures = self._candidates(pages, planned, archive, old, templates,
                                                  damaged)
        lap("plan")
        staging = self._staging()
        previous = old.get("pages", {})
        try:
            outcomes = self._process(candidates, pages, previous, templates, env, archive,
                                     site_urls, theme, staging, damaged)
            lap("render")
            record = self._record(pages, planned, outcomes, previous, templates, salt,
                                  signatures)
            record["assets"] = self._stage_assets(assets, staging)
            digests = {index: digest for index, _, digest in outcomes if digest is not None}
            self._commit(pages, digests, record, old, staging, result, damaged)
        except BaseException:
            with contextlib.suppress(ContentError):  # the error in flight says what failed
                _remove_tree(staging)
            raise
        _remove_tree(staging)
        self._save(record)
        self.pending = set()
        lap("write")
        result.pages = sum(1 for p in pages if p.output.endswith(".html"))
        result.feeds = sum(1 for p in pages if p.kind == "feed")
        result.rendered = len(digests)
        result.considered = len(candidates)
        return result

    def _staging(self) -> Path:
        """The empty folder pages render into, beside the output (same file system)."""
        staging = self.out.parent / f".{self.out.name}.staging"
        _remove_tree(staging)  # a killed build's
        staging.mkdir(parents=True)
        return staging

    def _environment(self, theme: Theme, archive: Archive, site_urls: urls.Urls,
                     assets: dict) -> tuple[jinja2.Environment, Callable[[str], str]]:
        """The compiled templates, reused while the theme and settings are unchanged."""
        key = (theme.signature(), archive.config, site_urls.base_url)
        if self._env is None or self._env[0] != key:
            env = make_env(theme, archive, site_urls, assets)
            self._env = (key, env, template_closure(env))
        return self._env[1], self._env[2]

    @staticmethod
    def _template_digests(pages: list[Page], closure: Callable[[str], str],
                          theme: Theme) -> dict:
        """Each template's digest, with everything it extends or includes."""
        digests: dict[str | None, str] = {None: "feed" + __version__}
        try:
            for page in pages:
                if page.template not in digests:
                    digests[page.template] = closure(page.template)
        except jinja2.TemplateNotFound as err:
            raise ContentError([template_problem(err, theme)]) from None
        return digests

    @staticmethod
    def _signature(archive: Archive, pid: str) -> tuple:
        """What of a paper decides which listings show it, where, and under what name;
        last, the day its note is in the notes feed on (None without a note to read)."""
        paper = archive.papers[pid]
        note = archive.notes.get(pid)
        key = org_path_slug(paper.org.slug) if paper.org else None
        listing = archive.orgs.get(key) if key else None
        found = archive.appearances.get(pid)
        noted = archive.note_published(pid) if note and note.body.strip() else None
        return (archive.is_visible(pid), bool(note and note.pick), archive.paper_topics.get(pid),
                key, listing.name if listing else None, found[0].day if found else
                paper.first_seen, paper.last_seen, noted)

    def _changed_ids(self) -> set[str] | None:
        """Papers whose paper or note file changed since the last build; None when anything
        else did (a day, a deleted file of another kind), which needs a full look."""
        ids: set[str] = set()
        for name in self.pending:
            path = Path(name)
            if path.parent.name not in ("papers", "notes") or path.parent.parent != \
                    self.paths.content:
                return None
            ids.add(path.stem)
        return ids

    def _candidates(self, pages: list[Page], planned: set[str], archive: Archive, old: dict,
                    templates: dict, damaged: set[str]) -> tuple[list[int], dict[str, tuple]]:
        """The pages to look at, and every paper's signature for the next build.

        When only paper and note files changed, and no changed paper moved
        between listings (same signature), the dependency record answers:
        the pages that show a changed paper, and those whose file is damaged.
        Otherwise every page is looked at, and fingerprints find the ones
        that changed.
        """
        changed = self._changed_ids()
        recorded = old.get("signatures")
        if changed is not None and recorded is not None and old.get("templates") == templates:
            signatures = dict(recorded)
            for pid in changed:
                signatures.pop(pid, None)
                if pid in archive.papers:
                    signatures[pid] = self._signature(archive, pid)
            same_shape = all(_same_shape(recorded.get(pid), signatures.get(pid))
                             for pid in changed)
            if same_shape and planned == old.get("planned"):
                found = {i for i, page in enumerate(pages) for pid in page.deps if pid in changed}
                if damaged:
                    found.update(i for i, page in enumerate(pages) if page.output in damaged)
                return sorted(found), signatures
        signatures = {pid: self._signature(archive, pid) for pid in archive.papers}
        return list(range(len(pages))), signatures

    def _process(self, candidates: list[int], pages: list[Page], previous: dict,
                 templates: dict, env: jinja2.Environment, archive: Archive,
                 site_urls: urls.Urls, theme: Theme, staging: Path,
                 damaged: set[str]) -> list[Outcome]:
        """Fingerprint the candidates and render the changed, on every core when it pays;
        a damaged output file is rendered whatever its fingerprint."""
        _JOB.update(pages=pages, env=env, archive=archive, urls=site_urls, theme=theme,
                    staging=staging, previous=previous, templates=templates, damaged=damaged)
        bar = Progress("rendering", len(candidates), not self.progress)
        outcomes: list[Outcome] = []
        try:
            parallel.run(_work, parallel.chunks(candidates, 100),
                         lambda done: self._collect(done, outcomes, bar),
                         parallel=len(candidates) >= PARALLEL_MIN)
        finally:
            bar.close()
            _JOB.clear()
        return outcomes

    @staticmethod
    def _record(pages: list[Page], planned: set[str], outcomes: list[Outcome], previous: dict,
                templates: dict, salt: bytes, signatures: dict) -> dict:
        """The next build's record: fingerprints of every planned page, kept where unvisited.
        `_commit` adds the digests of the files in place."""
        entries = {name: entry for name, entry in previous.items() if name in planned}
        for index, fingerprint, _ in outcomes:
            page = pages[index]
            entries[page.output] = (fingerprint, templates[page.template])
        return {"version": RECORD_VERSION, "salt": salt, "templates": templates,
                "pages": entries, "planned": planned, "signatures": signatures}

    @staticmethod
    def _collect(done: list[Outcome] | Problem, outcomes: list[Outcome], bar: Progress) -> None:
        if isinstance(done, Problem):
            raise ContentError([done])
        outcomes.extend(done)
        bar.advance(len(done))

    @staticmethod
    def _stage_assets(assets: dict, staging: Path) -> list[str]:
        """Write the theme's assets beside the pages; their output locations."""
        for location, data in assets.values():
            target = staging / location
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return sorted(location for location, _ in assets.values())

    def _commit(self, pages: list[Page], digests: dict[int, bytes], record: dict, old: dict,
                staging: Path, result: Result, damaged: set[str]) -> None:
        """Put the staged files in place; unchanged bytes are not rewritten, stale files go.
        The manifest lists a file before it arrives, so a crash never leaves one unlisted."""
        wanted = record["planned"] | set(record["assets"])
        manifest = _read_manifest(self.out)
        listed = manifest | _recorded(old)  # the files a build put here
        known: dict[str, bytes] = old.get("content", {})
        content = {name: digest for name, digest in known.items() if name in wanted}
        for index, digest in digests.items():
            content[pages[index].output] = digest
        record["content"] = content
        if len(digests) == len(pages) or not self.out.is_dir():
            _write_manifest(staging, wanted)
            self._swap(staging, result, len(wanted), wanted | listed)
            record["stamps"] = _stamps(self.out, wanted)
            return
        if not wanted <= manifest:
            _write_manifest(self.out, listed | wanted)
        staged = [(pages[i].output, digest) for i, digest in sorted(digests.items())]
        staged += [(name, b"") for name in record["assets"]]
        moved = []
        for name, digest in staged:
            target = self.out / name
            if name not in damaged and target.is_file() and (
                    not digest or known.get(name) == digest):  # assets: names carry their hash
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            moved.append(name)
        result.written = len(moved)
        for name in sorted(listed - wanted):
            target = self.out / name
            if target.is_file() or target.is_symlink():
                target.unlink()
                result.removed += 1
                _prune(target.parent, self.out)
        if manifest != wanted:
            _write_manifest(self.out, wanted)
        stamps = old.get("stamps", {})
        if damaged or moved or not stamps.keys() <= wanted:  # else unchanged: shared as is
            stamps = {name: stamp for name, stamp in stamps.items()
                      if name in wanted and name not in damaged} | _stamps(self.out, moved)
        record["stamps"] = stamps

    def _swap(self, staging: Path, result: Result, count: int, allowed: set[str]) -> None:
        """A full build: the staged folder becomes the output in two renames. The folder
        it replaces may hold only `allowed` files: those a build wrote or would write."""
        old = self.out.parent / f".{self.out.name}.old"
        _remove_tree(old)
        replaced = self.out.exists()
        if replaced:
            self._refuse_foreign(allowed)
            os.replace(self.out, old)
        try:
            os.replace(staging, self.out)
        except OSError:
            if replaced:
                os.replace(old, self.out)
            raise
        _remove_tree(old)
        result.written = count

    def _refuse_foreign(self, allowed: set[str]) -> None:
        """Refuse an output folder holding a file no build wrote (a CNAME, a README): a
        full build replaces the folder whole, and such a file would be lost with it."""
        foreign = sorted(set(_files(self.out)) - allowed - {MANIFEST})
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ContentError([Problem(str(self.out), 0, (
                f"not a folder a build may replace: it holds files a build would not write "
                f"({shown}); move them out, or choose a new or empty folder"))])

    def _damaged(self, old: dict, wanted: set[str]) -> set[str]:
        """Output files not as the last build left them: missing, or with another size or
        mtime than the record's. One stat each, no reading: cheap on every build."""
        stamps: dict = old.get("stamps", {})
        if not stamps:
            return set(wanted)
        root = f"{self.out}{os.sep}"
        damaged = set()
        for name in wanted:
            try:
                found = os.stat(root + name)
            except OSError:
                damaged.add(name)
                continue
            if stamps.get(name) != (found.st_size, found.st_mtime_ns):
                damaged.add(name)
        return damaged


def _same_shape(old: tuple | None, new: tuple | None) -> bool:
    """Whether a changed paper stays where it was listed. A note joining the notes feed is
    no change of shape: the new plan's feed names the paper among its deps (or the feed
    does not change). Leaving it, or moving in it, is: only the old feed named the paper."""
    if old is None or new is None:
        return old == new
    return old[:-1] == new[:-1] and old[-1] in (None, new[-1])


def _is_record(record: object) -> bool:
    """Whether an unpickled record has the shape this version writes. Entries inside are
    only ever compared for equality, so a wrong value there just means more work."""
    return (isinstance(record, dict) and record.get("version") == RECORD_VERSION
            and all(isinstance(record.get(key), kind) for key, kind in RECORD_SHAPE.items())
            and all(isinstance(name, str) for name in (*record["planned"], *record["assets"])))


def _compact(record: dict) -> dict:
    """The record with one string object per output name. Pickle writes an object it
    has written before as a back-reference, so the names the pages, content, stamps and
    planned entries share are stored once: half the bytes, a third less time to load."""
    names = {name: name for name in record["planned"]}
    return {**record, "planned": set(names),
            **{key: {names.get(name, name): value for name, value in record[key].items()}
               for key in ("pages", "content", "stamps")}}


def _recorded(old: dict) -> set[str]:
    """The files the recorded build wrote; none without a record."""
    return old["planned"] | set(old["assets"]) if old else set()


def _files(root: Path) -> list[str]:
    """Every file (or link) under `root`, relative, '/'-separated; none when it is missing."""
    found = []
    for top, dirs, files in os.walk(root):
        rel = os.path.relpath(top, root).replace(os.sep, "/")
        links = [name for name in dirs if os.path.islink(os.path.join(top, name))]
        for name in files + links:
            found.append(name if rel == "." else f"{rel}/{name}")
    return found


def _stamps(root: Path, names: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Size and mtime of files just put in place, for the next build's `_damaged`."""
    stamps = {}
    for name in names:
        with contextlib.suppress(OSError):  # gone already: the next build renders it
            found = os.stat(root / name)
            stamps[name] = (found.st_size, found.st_mtime_ns)
    return stamps


def _read_manifest(folder: Path) -> set[str]:
    """The files a build left in `folder`, as its manifest lists them (none without one)."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def _write_manifest(folder: Path, names: set[str]) -> None:
    lines = ["# paperpress: the files the last build left in this folder.",
             "# A build replaces these only; it refuses a folder holding any other file.",
             *sorted(names)]
    write_atomic(folder / MANIFEST, ("\n".join(lines) + "\n").encode("utf-8"))


def _remove_tree(folder: Path) -> None:
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


def _prune(folder: Path, top: Path) -> None:
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
    write and would not write (`Builder._refuse_foreign`).
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


def build(paths: ContentPaths, out: Path | None = None, base_url: str | None = None,
          quiet: bool = False, verbose: bool = False) -> str:
    """`paperpress build`: one build, its summary line (and phase timings when verbose).
    The output folder's lock is held throughout, so builds into one folder take turns."""
    if base_url is not None and not is_base_url(base_url):
        raise ContentError([Problem("--base-url", 0, "must be an absolute http(s) URL")])
    target = (out or paths.root / "site").resolve()
    check_output_folder(paths, target)
    with output_lock(paths.cache_dir, target):
        result = Builder(paths, target, base_url, progress=not quiet).run()
    text = result.summary()
    if verbose:
        text += "\n" + result.timings()
    return text

"""The build: load, index, plan, render what changed (on every core), then commit.

Phases are timed (`--verbose` prints them). Three modules share the work: this one
runs the phases; `record` says what changed since the last build (the build record,
page fingerprints, paper signatures); `output` puts files in place without ever
damaging the output folder (staging, the swap, the manifest). One build at a time
writes a folder (its lock), and content is read under the archive's shared lock,
never mid-import.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2

from .. import __version__
from ..archive import listings
from ..archive.cache import ParseCache
from ..archive.content import load
from ..archive.related import RelatedCache
from ..core import parallel
from ..core.baseurl import is_base_url
from ..core.lock import archive_lock, output_lock
from ..core.model import Archive
from ..core.paths import ContentPaths
from ..core.progress import Progress
from ..core.store import ContentError, Problem, write_atomic
from . import exports, urls
from . import search as search_index
from .exports import RENDERERS
from .output import Moves, OutputFolder, Writer, check_output_folder, remove_tree
from .pages import Page, Planner
from .record import (
    BuildRecord,
    Fingerprinter,
    candidates,
    changed_papers,
    placing,
    signatures_of,
)
from .render import Theme, asset_map, make_env, render_page, template_closure, template_problem

PARALLEL_MIN = 400  # below this many pages a second process costs more than it saves


@dataclass
class Result:
    pages: int = 0  # HTML pages planned
    feeds: int = 0
    exports: int = 0  # BibTeX and JSON files
    rendered: int = 0  # files rendered this build
    written: int = 0  # files whose bytes changed
    removed: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    considered: int = 0  # pages whose context was built and fingerprinted
    related: str = ""  # "computed" or "cached": the related papers this build
    plan: str = ""  # "made", or "kept" from the last build (see `Builder._kept_plan`)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def summary(self) -> str:
        return (f"{self.pages} pages, {self.feeds} feeds: {self.rendered} rendered, "
                f"{self.written} written, {self.removed} removed in {self.seconds:.2f}s")

    def timings(self) -> str:
        text = "  ".join(f"{name} {secs:.3f}s" for name, secs in self.phases.items())
        notes = [f"related papers {self.related}"] if self.related else []
        notes += ["plan kept"] if self.plan == "kept" else []
        return f"{text}  ({', '.join(notes)})" if notes else text


@dataclass
class Job:
    """What render workers share (forked, copy-on-write): the plan and what it needs."""

    pages: list[Page]
    env: jinja2.Environment
    archive: Archive
    urls: urls.Urls
    theme: Theme
    writer: Writer  # into the staging folder
    previous: dict[str, tuple[bytes, str]]
    templates: dict[str | None, str]
    damaged: set[str]
    fingerprinter: Fingerprinter = field(default_factory=Fingerprinter)


# page index, fingerprint, and if written: content digest, (size, mtime) as written
Outcome = tuple[int, bytes, bytes | None, tuple[int, int] | None]


def _work(job: Job, indices: list[int]) -> list[Outcome] | Problem:
    """Build the contexts of some pages, and render those whose fingerprint changed; a
    damaged output file is rendered whatever its fingerprint."""
    out: list[Outcome] = []
    for index in indices:
        page = job.pages[index]
        try:
            context = page.make()
            fingerprint = job.fingerprinter.digest(page, context)
            if job.previous.get(page.output) == (fingerprint, job.templates[page.template]) \
                    and page.output not in job.damaged:
                out.append((index, fingerprint, None, None))
                continue
            data = render_page(job.env, page, context, job.archive, job.urls)
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as err:
            return template_problem(err, job.theme)
        stamp = job.writer.write(page.output, data)
        out.append((index, fingerprint, hashlib.blake2b(data, digest_size=16).digest(), stamp))
    return out


class Builder:
    """One output folder's builds; the dev server keeps one alive between rebuilds."""

    def __init__(self, paths: ContentPaths, out: Path | None = None, base_url: str | None = None,
                 cache: ParseCache | None = None, progress: bool = False,
                 persist: bool = True, search: bool = True) -> None:
        self.paths = paths
        self.out = (out or paths.root / "site").resolve()
        self.folder = OutputFolder(self.out)
        self.base_url = base_url
        key = hashlib.sha256(f"{self.out}\0{base_url}".encode()).hexdigest()[:12]
        self.record_file = paths.cache_dir / f"build-{key}.pickle"
        self._cache = cache
        self.progress = progress
        self.persist = persist  # the dev server keeps its record and cache in memory
        self.search = search  # the search index and its page and box (`--no-search`: none)
        self.folder.owned = (f"{search_index.INDEX}/",) if search else ()
        self.index_now = True  # the dev server indexes in the background instead
        self.has_search = False  # the last build's site has an index (or will have)
        self._years: search_index.Years | None = {}  # see `years`
        self._indexed: Archive | None = None  # the archive `years` are taken from
        self.private = False  # only this builder writes the folder (the dev server's)
        self.intact = False  # private, and the last build's files are in place as recorded
        self.record: BuildRecord | None = None
        self.pending: set[str] = set()  # content files parsed afresh since the last good build
        self._env: tuple | None = None  # (key, environment, template digests) kept between runs
        self.related = RelatedCache(paths.cache_dir if persist else None)
        self._kept: Kept | None = None  # the last good build's plan

    @property
    def years(self) -> search_index.Years:
        """The last build's paper pages by year, one search bundle each: worked out on first
        use, so the dev server's reload never waits for it (its index follows later)."""
        if self._years is None:
            self._years = search_index.years(self._indexed) if self._indexed else {}
        return self._years

    @property
    def cache(self) -> ParseCache:
        """The parse cache, read from disk on first use (so `load` is timed with it)."""
        if self._cache is None:
            self._cache = ParseCache(self.paths.cache_dir)
        return self._cache

    def _load_record(self) -> BuildRecord:
        if self.record is None:
            self.record = BuildRecord.read(self.record_file) if self.out.is_dir() \
                else BuildRecord()
        return self.record

    def _save(self, record: BuildRecord) -> None:
        """Keep the record and the parse cache for the next build: on disk, under the
        archive's exclusive lock, held briefly. While an import holds that lock both are
        left as they were; the next build then only does more work, as a record older
        than the output makes pages look changed, never unchanged."""
        changed = record != self.record if self.persist else False
        self.record = record
        if not self.persist:
            return
        # ContentError comes only from the lock: writing raises OSError
        with contextlib.suppress(ContentError), archive_lock(self.paths.cache_dir):
            if changed:
                write_atomic(self.record_file, record.dump())
            self.cache.save()
            self.related.save()

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
            result.phases[name] = result.phases.get(name, 0.0) + now - clock
            clock = now

        archive, inputs = self._load()
        lap("load")
        archive = listings.index(archive, self.cache.derived.setdefault("topics", {}))
        lap("index")
        archive.related = self.related.related(archive)
        result.related = "computed" if self.related.computed else "cached"
        lap("related")
        work = self._plan(archive, inputs)
        self.has_search = self.searchable(work)
        self._years, self._indexed = None, archive if self.has_search else None
        lap("plan")
        staging = self.folder.staging()
        self.intact = False  # until the files are in place and recorded
        early = self._early(work, staging)
        try:
            outcomes = self._process(work, archive, staging, early)
            lap("render")
            failed = None
            if early:
                failed = early.wait()
                lap("search")  # what of Pagefind's run the render did not cover
            record, moves = self._commit(work, outcomes, staging)
        except BaseException:
            if early:
                early.stop()
            with contextlib.suppress(ContentError):  # the error in flight says what failed
                remove_tree(staging)
            raise
        remove_tree(staging)
        lap("write")
        if self.index_now and self.has_search:
            if failed:
                raise failed
            search_index.update(self.out, record, self.years,
                                ready=self.years if early and early.started else ())
            lap("search")
        self._save(record)
        work.plan.record = record
        self._kept = work.plan
        self.pending = set()
        self.intact = self.private
        lap("write")
        pages = work.pages
        result.pages = sum(1 for p in pages if p.output.endswith(".html"))
        result.feeds = sum(1 for p in pages if p.kind in ("feed", "digest-feed"))
        result.exports = sum(1 for p in pages if p.kind in RENDERERS)
        result.rendered = sum(1 for _, _, digest, _ in outcomes if digest is not None)
        result.written, result.removed = moves.written, moves.removed
        result.considered = len(work.candidates)
        result.plan = "kept" if work.kept else "made"
        return result

    def _load(self) -> tuple[Archive, dict]:
        """The archive as stored, and the identity of every content file it was read from.
        Files parsed by a failed load are changes the next build must see."""
        self.cache.begin()
        try:
            with archive_lock(self.paths.cache_dir, shared=True):  # never mid-import
                archive = load(self.paths, self.cache)
            self.cache.settle()
        finally:
            self.pending |= self.cache.changes()
        return archive, self.cache.identities(self.paths.content)

    def _plan(self, archive: Archive, inputs: dict) -> Work:
        """Every page, what the last build left, and the pages worth looking at."""
        config = archive.config
        site_urls = urls.Urls(self.base_url or config.base_url)
        theme = Theme.find(self.paths.themes_dir, config.theme)
        assets = asset_map(theme)
        files = theme.signature()
        env, closure = self._environment(theme, files, archive, site_urls, assets)
        old = self._load_record()
        salt = pickle.dumps((__version__, site_urls.base_url, config, archive.topics,
                             sorted(location for location, _ in assets.values()), self.search))
        prefix = f"{self.paths.content}{os.sep}"
        changed = changed_papers(old.inputs, inputs,
                                 {name.removeprefix(prefix) for name in self.pending})
        kept = self._kept_plan(archive, old, salt, changed)
        if kept:
            planner, pages, planned = kept.planner, kept.pages, kept.planned
        else:
            planner = Planner(archive, site_urls.path, self.search)
            pages = planner.plan()
            planned = {page.output for page in pages}
        templates = _template_digests(pages, closure, theme,
                                      old.templates if old.theme == files else {})
        if old.salt != salt:
            old = BuildRecord()
        wanted = planned | {location for location, _ in assets.values()}
        self.folder.check_manifest(wanted, old)
        # a private folder, as the last build left it: no need to stat every file
        in_place = self.intact and bool(old.stamps)
        damaged = set() if in_place else self.folder.damaged(old, wanted)
        found, signatures = candidates(pages, archive, old, planned, templates, changed,
                                       damaged, kept.shows if kept else None)
        # lines of this build's unchanged papers, or none (never a kept plan's old ones);
        # a kept plan's builder keeps its lines in memory instead (`exports._LINES`)
        by_record = changed is not None and len(found) < len(pages)
        planner.known_lines = self._written_lines(old, changed, site_urls) \
            if by_record and not kept else {}
        return Work(pages, env, theme, assets, site_urls, templates, salt, old, planned,
                    damaged, found, signatures, inputs, archive.related, files,
                    kept or Kept(planner, pages, planned), kept is not None, in_place)

    def _kept_plan(self, archive: Archive, old: BuildRecord, salt: bytes,
                   changed: set[str] | None) -> Kept | None:
        """The last build's plan, bound to `archive`, when it is this build's plan too: only
        paper and note files changed since, every changed paper is listed where it was
        (a note that joined the notes feed has that feed planned again), and no paper's
        related papers moved (they are among a paper page's dependencies). The dev
        server's rebuild after a note edit then plans nothing more."""
        kept = self._kept
        if not (kept and kept.record is old and old.salt == salt and changed is not None
                and old.related == archive.related):
            return None
        found = placing(old.signatures, signatures_of(archive, changed), changed)
        if found == "moved":
            return None
        kept.planner.rebind(archive, changed)
        if found == "notes":
            kept.replan_notes_feeds()
        return kept

    def _written_lines(self, old: BuildRecord, changed: set[str],
                       site_urls: urls.Urls) -> dict[str, str]:
        """papers.json's lines of the papers that did not change, from the file the last
        build wrote, when its bytes are the recorded ones: a build planned by the record
        changed only the `changed` papers, and the others' lines are as they were (making
        them all again is most of a one-note build's rendering)."""
        name = urls.output_file(urls.papers_json())
        recorded = old.content.get(name)
        try:
            data = (self.out / name).read_bytes() if recorded else b""
        except OSError:
            return {}
        if not data or hashlib.blake2b(data, digest_size=16).digest() != recorded:
            return {}
        lines = exports.written_lines(data, site_urls)
        for pid in changed:
            lines.pop(pid, None)
        return lines

    def searchable(self, work: Work) -> bool:
        """Whether this build has a search index: search is on and a paper is listed
        (Pagefind refuses a site with nothing to index)."""
        return self.search and any(p.kind == "paper" and p.in_sitemap for p in work.pages)

    def _environment(self, theme: Theme, files: tuple, archive: Archive, site_urls: urls.Urls,
                     assets: dict) -> tuple[jinja2.Environment, Callable[[str], str]]:
        """The compiled templates, reused while the theme (`files`, its signature) and
        settings are unchanged."""
        key = (files, archive.config, site_urls.base_url, self.search)
        if self._env is None or self._env[0] != key:
            env = make_env(theme, archive, site_urls, assets)
            env.globals["search"] = self.search  # the header's search box
            if self.persist:
                env.bytecode_cache = CompiledTemplates(self.paths.cache_dir)
            self._env = (key, env, template_closure(env))
        return self._env[1], self._env[2]

    def _early(self, work: Work, staging: Path) -> search_index.Early | None:
        """Index while rendering when this build stages every page (nothing to reuse) and
        the search is one bundle: then the staged paper pages are all of it."""
        if not (self.index_now and self.has_search and not work.old.pages
                and list(self.years) == [search_index.ALL]):
            return None
        papers = sum(1 for i in work.candidates if work.pages[i].kind == "paper")
        return search_index.Early(self.out, staging, papers)

    def _process(self, work: Work, archive: Archive, staging: Path,
                 early: search_index.Early | None = None) -> list[Outcome]:
        """Fingerprint the candidates and render the changed, on every core when it pays;
        paper pages first when the search index is to start as soon as they are staged."""
        job = Job(work.pages, work.env, archive, work.urls, work.theme, Writer(staging),
                  work.old.pages, work.templates, work.damaged)
        bar = Progress("rendering", len(work.candidates), not self.progress)
        outcomes: list[Outcome] = []
        order = work.candidates
        if early:
            order = sorted(order, key=lambda i: work.pages[i].kind != "paper")

        def collect(done: list[Outcome] | Problem) -> None:
            if isinstance(done, Problem):
                raise ContentError([done])
            outcomes.extend(done)
            bar.advance(len(done))
            if early:
                for index, *_ in done:
                    if work.pages[index].kind == "paper":
                        early.paper_done()

        many = len(work.candidates) >= PARALLEL_MIN
        # the dev server's builder makes papers.json here, not in a worker: its lines (see
        # `exports._LINES`) then stay in this process, and the next save remakes one
        here = {i for i in order if work.pages[i].kind == "json"} if self.private and many \
            else set()
        try:  # each template loaded once, here, for every worker and later build
            for name in sorted({work.pages[i].template for i in order} - {None}):
                work.env.get_template(name)
        except jinja2.TemplateError as err:
            raise ContentError([template_problem(err, work.theme)]) from None
        try:
            parallel.run(_work, parallel.chunks([i for i in order if i not in here], 100),
                         collect, shared=job, parallel=many)
            if here:
                collect(_work(job, sorted(here)))
        finally:
            bar.close()
        return outcomes

    def _commit(self, work: Work, outcomes: list[Outcome],
                staging: Path) -> tuple[BuildRecord, Moves]:
        """The next build's record (fingerprints of every planned page, kept where
        unvisited), and the staged files and assets put in place."""
        pages, old = work.pages, work.old
        entries = {name: entry for name, entry in old.pages.items() if name in work.planned}
        for index, fingerprint, _, _ in outcomes:
            entries[pages[index].output] = (fingerprint, work.templates[pages[index].template])
        keep = self.has_search  # the index stays until it is replaced, or goes
        record = BuildRecord(salt=work.salt, templates=work.templates, pages=entries,
                             planned=work.planned, signatures=work.signatures,
                             assets=_stage_assets(work.assets, staging), inputs=work.inputs,
                             search=old.search if keep else {},
                             search_keys=dict(old.search_keys) if keep else {},
                             related=work.related, theme=work.theme_files)
        digests = {index: digest for index, _, digest, _ in outcomes if digest is not None}
        stamps = {pages[index].output: stamp for index, _, _, stamp in outcomes if stamp}
        staged = {pages[i].output: digest for i, digest in sorted(digests.items())}
        staged.update(dict.fromkeys(record.assets, b""))
        moves = self.folder.commit(staged, len(digests) == len(pages), record, old, staging,
                                   work.damaged, stamps, work.in_place)
        return record, moves


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier build, by name and source (Jinja checks both): a
    build that renders a few pages would spend most of its rendering compiling them. A
    folder that cannot be read or written only means compiling again. The folder is named
    by the code that sets the environment's options (which shape the compiled code)."""

    def __init__(self, cache_dir: Path) -> None:
        code = hashlib.sha256(Path(__file__).with_name("render.py").read_bytes())
        code.update(f"{__version__} {jinja2.__version__}".encode())
        folder = cache_dir / f"templates-{code.hexdigest()[:12]}"
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        super().__init__(str(folder))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@dataclass
class Work:
    """One build's plan: the pages, how to render them, and which to look at."""

    pages: list[Page]
    env: jinja2.Environment
    theme: Theme
    assets: dict[str, tuple[str, bytes]]
    urls: urls.Urls
    templates: dict[str | None, str]
    salt: bytes
    old: BuildRecord
    planned: set[str]
    damaged: set[str]
    candidates: list[int]
    signatures: dict[str, tuple]
    inputs: dict
    related: dict[str, tuple[str, ...]]
    theme_files: tuple  # the theme's signature, that `templates` were digested from
    plan: Kept  # for the next build, once this one's record is written
    kept: bool  # the plan is the last build's
    in_place: bool  # the folder is as the last build left it (a private folder)


@dataclass
class Kept:
    """A build's plan with the record of the build that used it: a builder that runs
    again (the dev server's) plans its next build with it when nothing moved."""

    planner: Planner
    pages: list[Page]
    planned: set[str]
    record: BuildRecord | None = None

    def replan_notes_feeds(self) -> None:
        """The notes feeds planned again from the planner's archive: a note joined them,
        so their papers are others than planned (the rest of the plan stands)."""
        fresh = {page.output: page for page in self.planner.notes_feed_pages()}
        self.pages[:] = [fresh.get(page.output, page) for page in self.pages]
        self.__dict__.pop("shows", None)

    @cached_property
    def shows(self) -> dict[str, list[int]]:
        """The pages that show each paper (by index): a kept plan's dependency record."""
        found: dict[str, list[int]] = {}
        for index, page in enumerate(self.pages):
            for pid in page.deps:
                found.setdefault(pid, []).append(index)
        return found


def _template_digests(pages: list[Page], closure: Callable[[str], str], theme: Theme,
                      known: dict[str | None, str]) -> dict[str | None, str]:
    """Each template's digest, with everything it extends or includes; those `known` from
    the last build of the same theme files are taken as they are, as finding what a
    template includes means compiling it, a tenth of a second for the theme."""
    digests: dict[str | None, str] = {None: "feed" + __version__}
    try:
        for page in pages:
            if page.template not in digests:
                digests[page.template] = known.get(page.template) or closure(page.template)
    except jinja2.TemplateNotFound as err:
        raise ContentError([template_problem(err, theme)]) from None
    return digests


def _stage_assets(assets: dict, staging: Path) -> list[str]:
    """Write the theme's assets beside the pages; their output locations."""
    for location, data in assets.values():
        target = staging / location
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return sorted(location for location, _ in assets.values())


# The last finished build's builder, with its archive and plan: a command that ends after
# its build leaves them to the end of the process (see `cli.run`) instead of freeing a
# million objects one by one on the way out. One at most, whoever calls `build`.
_FINISHED: list[Builder] = []


def build(paths: ContentPaths, out: Path | None = None, base_url: str | None = None,
          quiet: bool = False, verbose: bool = False, search: bool = True) -> str:
    """`paperpress build`: one build, its summary line (and phase timings when verbose).
    The output folder's lock is held throughout, so builds into one folder take turns."""
    if base_url is not None and not is_base_url(base_url):
        raise ContentError([Problem("--base-url", 0, "must be an absolute http(s) URL")])
    target = (out or paths.root / "site").resolve()
    check_output_folder(paths, target)
    with output_lock(paths.cache_dir, target):
        builder = Builder(paths, target, base_url, progress=not quiet, search=search)
        result = builder.run()
    _FINISHED[:] = [builder]  # see `_FINISHED`
    text = result.summary()
    if verbose:
        text += "\n" + result.timings()
    return text

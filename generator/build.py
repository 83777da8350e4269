"""The build: load, plan, render what changed (on every core), then commit.

Phases are timed (`--verbose` prints them). Pages render into a staging
folder beside the output; only when every page rendered is anything moved
into the output, so a failed build leaves the previous site whole. A build
record (fingerprint and template digest per output file) lets the next build
render only pages whose inputs changed; files whose bytes are unchanged are
never rewritten, and files no longer planned are removed.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import __version__, urls
from .cache import ParseCache
from .content import load
from .model import Archive, Note, Paper, SiteConfig
from .pages import Card, Page, plan
from .paths import ContentPaths
from .progress import Progress
from .render import Theme, asset_map, make_env, render_page, template_closure, template_problem
from .store import ContentError, Problem, write_atomic

PARALLEL_MIN = 400  # below this many pages a second process costs more than it saves
RECORD_VERSION = 1


@dataclass
class Result:
    pages: int = 0  # HTML pages planned
    feeds: int = 0
    rendered: int = 0  # files rendered this build
    written: int = 0  # files whose bytes changed
    removed: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def summary(self) -> str:
        return (f"{self.pages} pages, {self.feeds} feeds: {self.rendered} rendered, "
                f"{self.written} written, {self.removed} removed in {self.seconds:.2f}s")

    def timings(self) -> str:
        return "  ".join(f"{name} {secs:.3f}s" for name, secs in self.phases.items())


class _Fingerprinter(pickle.Pickler):
    """Digests page inputs; a shared object (a paper, its card, its note) is pickled once
    per build and stands in every page that shows it by its digest."""

    SHARED = (Paper, Note, Card)

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        super().__init__(self.buffer, protocol=5)
        self.digests: dict[int, bytes] = {}  # by id(): every object outlives the build

    def persistent_id(self, obj: object) -> bytes | None:
        if type(obj) not in self.SHARED:
            return None
        found = self.digests.get(id(obj))
        if found is None:
            data = pickle.dumps(obj, protocol=5)
            found = self.digests[id(obj)] = hashlib.blake2b(data, digest_size=16).digest()
        return found

    def digest(self, page: Page) -> bytes:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.clear_memo()
        self.dump((page.template, page.kind, page.context))
        return hashlib.blake2b(self.buffer.getvalue(), digest_size=16).digest()


# Worker state: set before forking so render workers share it copy-on-write.
_JOB: dict = {}


def _render_chunk(indices: list[int]) -> list[tuple[int, bytes | Problem]]:
    """Render some pages of the plan into the staging folder; problems come back."""
    job = _JOB
    out: list[tuple[int, bytes | Problem]] = []
    for index in indices:
        page: Page = job["pages"][index]
        try:
            data = render_page(job["env"], page, job["archive"], job["urls"])
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError) as err:
            out.append((index, template_problem(err, job["theme"])))
            return out
        target = job["staging"] / page.output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        out.append((index, hashlib.blake2b(data, digest_size=16).digest()))
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
        self.cache = cache or ParseCache(paths.cache_dir / "content.pickle")
        self.progress = progress
        self.persist = persist  # the dev server keeps its record and cache in memory
        self.record: dict | None = None
        self._env: tuple | None = None  # (key, environment, template digests) kept between runs

    # -- record -------------------------------------------------------------
    def _load_record(self) -> dict:
        if self.record is None:
            try:
                record = pickle.loads(self.record_file.read_bytes())
                ok = record.get("version") == RECORD_VERSION
            except Exception:  # missing or damaged: a full build
                record, ok = {}, False
            self.record = record if ok and self.out.is_dir() else {}
        return self.record

    def _save_record(self, record: dict) -> None:
        record["version"] = RECORD_VERSION
        self.record = record
        if self.persist:
            write_atomic(self.record_file, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))

    # -- phases -------------------------------------------------------------
    def run(self) -> Result:
        result = Result()
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            result.phases[name] = now - clock
            clock = now

        archive = load(self.paths, self.cache)
        if self.persist:
            self.cache.save()
        lap("load")
        config = archive.config
        site_urls = urls.Urls(self.base_url or config.base_url)
        theme = Theme.find(self.paths.themes_dir, config.theme)
        assets = asset_map(theme)
        env, closure = self._environment(theme, archive, site_urls, assets)
        pages = plan(archive)
        lap("plan")
        dirty, record = self._diff(pages, closure, site_urls, assets, config)
        lap("diff")
        staging = self.out.parent / f".{self.out.name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            digests = self._render(dirty, pages, env, archive, site_urls, theme, staging)
            lap("render")
            self._stage_assets(assets, record, staging)
            self._commit(pages, dirty, digests, record, staging, result)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._save_record(record)
        lap("write")
        result.pages = sum(1 for p in pages if p.output.endswith(".html"))
        result.feeds = sum(1 for p in pages if p.kind == "feed")
        result.rendered = len(dirty)
        return result

    def _environment(self, theme: Theme, archive: Archive, site_urls: urls.Urls,
                     assets: dict) -> tuple[jinja2.Environment, Callable[[str], str]]:
        """The compiled templates, reused while the theme and settings are unchanged."""
        key = (theme.signature(), archive.config, site_urls.base_url)
        if self._env is None or self._env[0] != key:
            env = make_env(theme, archive, site_urls, assets)
            self._env = (key, env, template_closure(env))
        env = self._env[1]
        env.globals["site"] = archive.config
        return env, self._env[2]

    def _diff(self, pages: list[Page], closure: Callable[[str], str], site_urls: urls.Urls,
              assets: dict, config: SiteConfig) -> tuple[list[int], dict]:
        """Indices of pages whose inputs or templates changed since the recorded build."""
        old = self._load_record()
        assets_used = sorted(location for location, _ in assets.values())
        salt = pickle.dumps((__version__, site_urls.base_url, config, assets_used))
        digests: dict[str | None, str] = {None: "feed" + __version__}
        try:
            for page in pages:
                if page.template not in digests:
                    digests[page.template] = closure(page.template)
        except jinja2.TemplateNotFound as err:
            raise ContentError([template_problem(err, Theme(()))]) from None
        same_salt = old.get("salt") == salt
        previous: dict[str, tuple[bytes, str]] = old.get("pages", {}) if same_salt else {}
        entries: dict[str, tuple[bytes, str]] = {}
        dirty = []
        fingerprint = _Fingerprinter().digest
        for index, page in enumerate(pages):
            entry = (fingerprint(page), digests[page.template])
            entries[page.output] = entry
            if previous.get(page.output) != entry or not (self.out / page.output).exists():
                dirty.append(index)
        record = {"salt": salt, "pages": entries, "outputs": old.get("outputs"),
                  "content": old.get("content") if same_salt else None}
        return dirty, record

    def _render(self, dirty: list[int], pages: list[Page], env: jinja2.Environment,
                archive: Archive, site_urls: urls.Urls, theme: Theme, staging: Path) -> dict:
        _JOB.update(pages=pages, env=env, archive=archive, urls=site_urls, theme=theme,
                    staging=staging)
        bar = Progress("rendering", len(dirty), not self.progress)
        results: dict[int, bytes] = {}
        try:
            chunks = [dirty[i : i + 200] for i in range(0, len(dirty), 200)]
            if len(dirty) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1 and _can_fork():
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(min(os.cpu_count() or 2, 4)) as pool:
                    for done in pool.imap_unordered(_render_chunk, chunks):
                        self._collect(done, results, bar)
            else:
                for chunk in chunks:
                    self._collect(_render_chunk(chunk), results, bar)
        finally:
            bar.close()
            _JOB.clear()
        return results

    @staticmethod
    def _collect(done: list, results: dict, bar: Progress) -> None:
        for index, value in done:
            if isinstance(value, Problem):
                raise ContentError([value])
            results[index] = value
        bar.advance(len(done))

    def _stage_assets(self, assets: dict, record: dict, staging: Path) -> None:
        for location, data in assets.values():
            target = staging / location
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        record["assets"] = sorted(location for location, _ in assets.values())

    def _commit(self, pages: list[Page], dirty: list[int], digests: dict[int, bytes],
                record: dict, staging: Path, result: Result) -> None:
        """Put the staged files in place; unchanged bytes are not rewritten, stale files go."""
        wanted = {p.output for p in pages} | set(record["assets"])
        previous = record.pop("outputs", None)
        known: dict[str, bytes] = record.pop("content", None) or {}
        content = {name: digest for name, digest in known.items() if name in wanted}
        for index, digest in digests.items():
            content[pages[index].output] = digest
        record["content"], record["outputs"] = content, sorted(wanted)
        if len(dirty) == len(pages) or not self.out.is_dir():
            self._swap(staging, result, len(wanted))
            return
        staged = [(pages[i].output, digests[i]) for i in dirty]
        staged += [(name, b"") for name in record["assets"]]
        for name, digest in staged:
            target = self.out / name
            if digest and known.get(name) == digest and target.is_file():
                continue
            if not digest and target.is_file():  # assets: names carry their hash
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            result.written += 1
            result.changed.append(name)
        candidates = previous if previous is not None else _all_files(self.out)
        for name in sorted(set(candidates) - wanted):
            target = self.out / name
            if target.is_file() or target.is_symlink():
                target.unlink()
                result.removed += 1
                result.changed.append(name)
                _prune(target.parent, self.out)

    def _swap(self, staging: Path, result: Result, count: int) -> None:
        """A full build: the staged folder becomes the output in two renames."""
        old = self.out.parent / f".{self.out.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.out.exists():
            os.replace(self.out, old)
        os.replace(staging, self.out)
        shutil.rmtree(old, ignore_errors=True)
        result.written = count
        result.changed.append("*")


def _all_files(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty by a removed page, up to the output root."""
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def build(paths: ContentPaths, out: Path | None = None, base_url: str | None = None,
          quiet: bool = False, verbose: bool = False) -> str:
    """`paperpress build`: one build, its summary line (and phase timings when verbose)."""
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ContentError([Problem("--base-url", 0, "must be an absolute http(s) URL")])
    result = Builder(paths, out, base_url, progress=not quiet).run()
    text = result.summary()
    if verbose:
        text += "\n" + result.timings()
    return text

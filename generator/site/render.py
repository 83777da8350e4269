"""Templates and theme assets: one page of the plan to the bytes of its file.

Themes are folders with `templates/` and `static/`. A user theme overrides
any template or static file of the default by name and inherits the rest
(a Jinja2 ChoiceLoader). Autoescaping is on for every template, and content
only ever reaches templates as data, never as template source.
"""

from __future__ import annotations

import hashlib
import os
import re
import traceback
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import BuiltinFunctionType, CodeType, FunctionType
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

try:  # markupsafe's C escaping, without the Markup object `escape` wraps it in
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C speedups
    def _escape_inner(text: str, /) -> str:
        return str(escape(text))

from ..core.model import Archive
from ..core.paths import refusal
from ..core.store import ContentError, Problem
from ..ingest.scrape import find_urls
from . import exports, urls
from .pieces import Page


def _builtin_theme() -> Path:
    """The default theme: package data of an installed wheel (`generator/default_theme`),
    else `themes/default` of the source tree this package runs from (a checkout, or an
    editable install)."""
    packaged = Path(str(resources.files("generator").joinpath("default_theme")))
    if (packaged / "templates").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes" / "default"


BUILTIN_THEME = _builtin_theme()


@dataclass(frozen=True)
class Theme:
    """The theme folders in lookup order: the chosen theme first, the default last."""

    folders: tuple[Path, ...]

    @classmethod
    def find(cls, themes_dir: Path, name: str) -> Theme:
        candidates = [themes_dir / name, themes_dir / "default", BUILTIN_THEME]
        folders: list[Path] = []
        for folder in candidates:
            if folder.is_dir() and folder.resolve() not in [f.resolve() for f in folders]:
                folders.append(folder)
        if not (themes_dir / name).is_dir() and name != "default":
            raise ContentError([Problem("content/site.yaml", 0,
                                        f"theme {name!r} not found: expected themes/{name}/")])
        for folder in folders:  # never list or walk a folder elsewhere
            boundary = theme_boundary(folder)
            for path, where in ((folder, "the archive"), (folder / "templates", "the theme"),
                                (folder / "static", "the theme")):
                why = refusal(path, boundary, where, folder=True) if path.exists() else None
                if why:
                    raise ContentError([Problem(shown(path), 0, why)])
        theme = cls(tuple(folders))
        if not theme.template_dirs():
            looked = ", ".join(str(folder / "templates") for folder in candidates)
            raise ContentError([Problem(str(themes_dir), 0,
                                        f"no theme templates found; looked in {looked}")])
        return theme

    def signature(self) -> tuple:
        """Name, size and mtime of every theme file: changes when any template or asset does."""
        return tuple(
            (str(path), stat.st_size, stat.st_mtime_ns)
            for folder in self.folders
            for path in sorted(folder.rglob("*"))
            if path.is_file()
            for stat in [path.stat()]
        )

    def template_dirs(self) -> list[str]:
        """Where templates are looked up, in order: for messages about a missing one."""
        return [str(f / "templates") for f in self.folders if (f / "templates").is_dir()]

    def loader(self) -> jinja2.BaseLoader:
        """The theme's templates, the chosen theme's winning over the default's."""
        return jinja2.ChoiceLoader([ThemeLoader(f) for f in self.folders
                                    if (f / "templates").is_dir()])

    def static_files(self) -> dict[str, Path]:
        """Asset name (path under static/) to the file that wins for it; a file (or the
        folder) resolving outside its theme is refused, as it would be published."""
        found: dict[str, Path] = {}
        problems: list[Problem] = []
        for folder in reversed(self.folders):  # later (user) folders override
            base = folder / "static"
            if base.is_dir():
                found.update(_static_of(base, theme_boundary(folder), problems))
        if problems:
            raise ContentError(problems)
        return dict(sorted(found.items()))


def _static_of(base: Path, boundary: Path, problems: list[Problem]) -> dict[str, Path]:
    """One theme's static files by name; what may not be read goes to `problems`."""
    why = refusal(base, boundary, "the theme", folder=True)
    if why:  # never walk a folder elsewhere
        problems.append(Problem(shown(base), 0, why))
        return {}
    found = {}
    for path in sorted(base.rglob("*")):  # rglob lists links to folders, never enters them
        if path.name.startswith(".") or (path.is_dir() and not path.is_symlink()):
            continue
        why = refusal(path, boundary, "the theme", folder=path.is_dir())
        if why:
            problems.append(Problem(shown(path), 0, why))
        elif path.is_file():
            found[path.relative_to(base).as_posix()] = path
    return found


def theme_boundary(folder: Path) -> Path:
    """Where a theme's files must resolve: `themes/<name>` under the archive's real root."""
    return Path(os.path.realpath(folder.parent.parent)) / folder.parent.name / folder.name


def shown(path: Path) -> str:
    """A theme file as messages name it: `themes/<name>/...`."""
    for parent in path.parents:
        if parent.name == "themes":
            return path.relative_to(parent.parent).as_posix()
    return str(path)


class ThemeRefused(ContentError, jinja2.TemplateError):
    """A template that may not be read: a ContentError for the CLI and the dev server,
    and a TemplateError where rendering reports template problems."""


class ThemeLoader(jinja2.FileSystemLoader):
    """One theme folder's templates; one resolving outside the theme is refused unread."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder / "templates"))
        self.boundary = theme_boundary(folder)

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        path = Path(self.searchpath[0], *jinja2.loaders.split_template_path(template))
        why = refusal(path, self.boundary, "the theme") if os.path.lexists(path) else None
        if why:
            raise ThemeRefused([Problem(shown(path), 0, why)])
        return super().get_source(environment, template)


def hashed_name(name: str, data: bytes) -> str:
    """`style.css` to `style.<8 hex of its content>.css`, so it can be cached forever."""
    digest = hashlib.sha256(data).hexdigest()[:8]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"


def asset_map(theme: Theme) -> dict[str, tuple[str, bytes]]:
    """Asset name to (hashed output location, bytes)."""
    return {
        name: (urls.static(hashed_name(name, data)), data)
        for name, path in theme.static_files().items()
        for data in [path.read_bytes()]
    }


@lru_cache(maxsize=4096)
def format_date(value: date | None, style: str = "long") -> str:
    """`Jan 8, 2026` (or `January 2026`); cached, as listings repeat the same days."""
    if value is None:
        return ""
    if style == "month":
        return f"{value:%B} {value.year}"
    return f"{value:%b} {value.day}, {value.year}"


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def linkify(text: str) -> Markup:
    """Escaped text with its http(s) URLs made into links; any other scheme stays text.

    Only the `http://` and `https://` prefixes start a link, so
    `javascript:alert(1)` in an abstract can only ever be shown.
    """
    out: list[str] = []
    last = 0
    for start, url in find_urls(text):  # a `.git` stays: the link is the text as written
        if not urlsplit(url).netloc:
            continue
        out.append(str(escape(text[last:start])))
        out.append(f'<a href="{escape(url)}" rel="nofollow">{escape(url)}</a>')
        last = start + len(url)
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def paragraphs(text: str) -> list[str]:
    """Text split at blank lines, each paragraph's lines joined: abstracts keep their breaks."""
    return [" ".join(block.split()) for block in _PARAGRAPH_BREAK.split(text) if block.strip()]


def _memo(function: Callable[[str], str]) -> Callable[[str], str]:
    """`function` remembered per argument: templates ask for the same URLs thousands of times."""
    found: dict[str, str] = {}

    def remembered(value: str) -> str:
        result = found.get(value)
        if result is None:
            result = found[value] = function(value)
        return result

    return remembered


def output_escape(value: object) -> str:
    """What a template prints for `{{ value }}`: the bytes of markupsafe's `escape`, as a
    plain string. A printed value only ever joins the page's text, so the Markup object
    `escape` makes (a Python-level constructor, paid on every value of every page) is
    wasted there."""
    if value.__class__ is str:
        return _escape_inner(value)  # type: ignore[arg-type]
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


class Template(jinja2.Template):
    """A compiled template whose printed values go through `output_escape`: the name
    `escape` in its module is used by the compiled code for printed values alone."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: CodeType,
                  globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = output_escape
        return template


class Context(jinja2.runtime.Context):
    """A template's context, calling a plain function (`url`, `date.isoformat`) straight
    away: Jinja's `call` first looks for a `pass_context` mark on the function and on its
    `__call__`, tens of times per page; a builtin cannot carry the mark, and a Python
    function carries it as an attribute."""

    def call(__self, __obj: Callable[..., Any], *args: Any,
             **kwargs: Any) -> Any:
        kind = __obj.__class__
        if kind is BuiltinFunctionType or (
                kind is FunctionType and not hasattr(__obj, "jinja_pass_arg")):
            if kwargs:  # what the compiled code passes for `pass_context` functions
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja's own `call` answers it
                return __self.environment.undefined("value was undefined because a callable "
                                                    "raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


FILTERS = {"date": format_date, "linkify": linkify, "paragraphs": paragraphs}


def make_env(theme: Theme, archive: Archive, site_urls: urls.Urls,
             assets: dict[str, tuple[str, bytes]]) -> jinja2.Environment:
    """The Jinja environment, compiled once per build and shared by every page."""
    env = jinja2.Environment(
        loader=theme.loader(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.template_class = Template
    env.context_class = Context

    def static(name: str) -> str:
        if name not in assets:
            raise jinja2.TemplateRuntimeError(f"no static file {name!r} in the theme")
        return site_urls.path(assets[name][0])

    env.globals.update(
        site=archive.config,
        url=_memo(site_urls.path),
        absolute=site_urls.absolute,
        static=static,
    )
    env.filters.update(FILTERS)
    return env


def template_closure(env: jinja2.Environment) -> Callable[[str], str]:
    """A function giving, for a template name, a digest of it and all it uses."""
    sources: dict[str, str] = {}
    refs: dict[str, set[str]] = {}

    def source(name: str) -> str:
        if name not in sources:
            text, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            sources[name] = text
            try:
                found = meta.find_referenced_templates(env.parse(text))
                refs[name] = {n for n in found if n}
            except jinja2.TemplateSyntaxError:
                refs[name] = set()
        return sources[name]

    def digest(name: str) -> str:
        seen: list[str] = []
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.append(current)
            source(current)
            todo.extend(sorted(refs[current]))
        h = hashlib.blake2b(digest_size=16)
        for item in sorted(seen):
            h.update(item.encode() + b"\0" + sources[item].encode() + b"\0")
        return h.hexdigest()

    return digest


def check_templates(theme: Theme) -> list[Problem]:
    """Every template of the theme compiled once: syntax errors with file and line."""
    env = jinja2.Environment(loader=theme.loader(), autoescape=True)
    env.filters.update(FILTERS)
    problems = []
    for name in env.list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as err:
            problems.append(template_problem(err, theme))
        except ThemeRefused as err:
            problems.extend(err.problems)
    try:
        theme.static_files()
    except ContentError as err:
        problems.extend(err.problems)
    return problems


def template_problem(err: BaseException, theme: Theme) -> Problem:
    """A template error as `themes/<theme>/templates/<name>:<line>: message`."""
    if isinstance(err, ThemeRefused):
        return err.problems[0]
    if isinstance(err, jinja2.TemplateSyntaxError):
        return Problem(_theme_path(err.filename or err.name or "?", theme), err.lineno or 0,
                       f"template syntax: {err.message}")
    if isinstance(err, jinja2.TemplateNotFound):
        looked = ", ".join(theme.template_dirs()) or "no theme folder"
        return Problem(err.name or "?", 0, f"template not found; looked in {looked}")
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".opml")):
            return Problem(_theme_path(frame.filename, theme), frame.lineno or 0,
                           f"template error: {err}")
    where = theme.template_dirs()[0] if theme.template_dirs() else "templates"
    return Problem(where, 0, f"template error: {err}")


def _theme_path(filename: str, theme: Theme) -> str:
    path = Path(filename)
    for folder in theme.folders:
        for base in (folder.parent.parent, BUILTIN_THEME.parent.parent):
            try:
                return path.relative_to(base).as_posix()
            except ValueError:
                continue
    return filename


def _feed(context: dict, site_urls: urls.Urls) -> bytes:
    from .feeds import feed_bytes  # feedgen (and lxml) only for a build that writes feeds

    return feed_bytes(context, site_urls)


def _digest_feed(context: dict, site_urls: urls.Urls) -> bytes:
    from .digest_feeds import digest_feed_bytes

    return digest_feed_bytes(context, site_urls)


# The page kinds made by Python rather than by a template: feeds and exports.
RENDERERS = {"feed": _feed, "digest-feed": _digest_feed, **exports.RENDERERS}


def render_page(env: jinja2.Environment, page: Page, context: dict, archive: Archive,
                site_urls: urls.Urls) -> bytes:
    """The bytes of one planned file, from the context its `make` gave."""
    render = RENDERERS.get(page.kind)
    if render is not None:
        return render(context, site_urls)
    if page.template is None:
        return b""
    template = env.get_template(page.template)
    return template.render(page=page, location=page.location, **context).encode("utf-8")

"""Load `content/` into the model, collecting every problem with its file and line.

`load` never stops at the first problem: `check` prints them all, `build`
refuses to run while there are any. Paper and day files are parsed through a
cache keyed by file size and mtime, so a rebuild parses only what changed.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..core import ids, parallel
from ..core.baseurl import is_base_url
from ..core.model import (
    ARXIV_ID,
    PAPER_FIELDS,
    Archive,
    Day,
    DayEntry,
    Field,
    Note,
    Org,
    Paper,
    SiteConfig,
    Topic,
)
from ..core.paths import SCRAPED_FORMS, ContentPaths
from ..core.store import ContentError, Problem, item_line, key_lines, load_text
from . import notes
from .cache import ParseCache

DATE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
CONTENT_FILES = {"days": (".yaml",), "papers": (".yaml",), "notes": (".md",),
                 "scraped": tuple(f".{form}" for form in SCRAPED_FORMS)}


class Loader:
    """Reads one archive's content; problems accumulate in `self.problems`."""

    def __init__(self, paths: ContentPaths, cache: ParseCache | None = None,
                 strict: bool = False) -> None:
        self.paths = paths
        self.cache = cache or ParseCache(None)
        self.strict = strict  # `check`: also what a build can do without
        self.problems: list[Problem] = []

    # -- helpers ---------------------------------------------------------
    def rel(self, path: Path) -> str:
        return self.paths.rel(path)

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self.rel(path), line, message))

    def read_yaml(self, path: Path) -> tuple[Any, str] | None:
        """Parsed YAML and its text, or None after recording why not."""
        why = self.paths.may_read(path)
        if why:
            self.problem(path, 0, why)
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problem(path, 0, "missing")
            return None
        except (UnicodeDecodeError, OSError) as err:
            self.problem(path, 0, f"cannot read: {err}")
            return None
        try:
            return load_text(text, self.rel(path)), text
        except ContentError as err:
            self.problems.extend(err.problems)
            return None

    def field_problem(self, path: Path, text: str, key: str, message: str) -> None:
        self.problem(path, key_lines(text).get(key, 1), message)

    # -- site.yaml and topics.yaml --------------------------------------
    def config(self) -> SiteConfig | None:
        path = self.paths.site_yaml
        read = self.read_yaml(path)
        if read is None:
            return None
        data, text = read
        if not isinstance(data, dict):
            self.problem(path, 1, "site.yaml must be a mapping of settings")
            return None
        start = len(self.problems)
        values = {}
        for key, kind, default in SETTINGS:
            value = data.get(key, default)
            if not _is_setting(value, kind):
                self.field_problem(path, text, key, f"{key} must be {SETTING_KINDS[kind]}")
            values[key] = value
        for key in data:
            if key not in values:
                self.field_problem(path, text, str(key), f"unknown setting {key!r}")
        if isinstance(values["base_url"], str) and not is_base_url(values["base_url"]):
            self.field_problem(path, text, "base_url",
                               "base_url must be an absolute http(s) URL, e.g. https://user.github.io/repo/")
        for key in ("feed_size", "page_size", "search_one_index"):
            if isinstance(values[key], int) and values[key] < 1:
                self.field_problem(path, text, key, f"{key} must be at least 1")
        if isinstance(values["theme"], str) and not ids.is_safe_slug(values["theme"]):
            self.field_problem(path, text, "theme", "theme must be a folder name under themes/")
        if len(self.problems) > start:
            return None
        return SiteConfig(**values)

    def topics(self) -> tuple[Topic, ...]:
        path = self.paths.topics_yaml
        if not path.exists():
            return ()
        read = self.read_yaml(path)
        if read is None:
            return ()
        data, text = read
        items = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(items, list):
            self.problem(path, 1, "topics.yaml must have a 'topics:' list")
            return ()
        out: list[Topic] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            topic = _topic(item)
            if isinstance(topic, Topic) and topic.slug not in seen:
                seen.add(topic.slug)
                out.append(topic)
                continue
            key, message = topic if isinstance(topic, tuple) else ("slug", (
                f"topic {topic.slug!r} is defined twice"))
            self.problem(path, _topic_line(text, index, key), message)
        return tuple(out)

    # -- papers, days, notes --------------------------------------------
    def papers(self) -> dict[str, Paper]:
        return self._each(self.paths.papers_dir, ".yaml", self._paper, Paper)

    def days(self) -> tuple[Day, ...]:
        loaded = self._each(self.paths.days_dir, ".yaml", self._day, Day)
        return tuple(loaded[key] for key in sorted(loaded))

    def notes(self) -> dict[str, Note]:
        return self._each(self.paths.notes_dir, ".md", self._note, Note, parse_yaml=False)

    def _each(self, folder: Path, suffix: str, make: Callable, kind: type,
              parse_yaml: bool = True) -> dict:
        """Every file of one kind, through the parse cache, keyed by file stem."""
        out: dict = {}
        listed = self._listing(folder, suffix)
        shard = folder.name
        cached = self.cache.count(shard)
        if len(listed) - cached >= PARALLEL_PARSE:  # a first build
            todo = [Path(name) for name, _, _ in listed
                    if not (cached and self.cache.has(Path(name), kind, shard))]
            self._prefetch(todo, make, parse_yaml, shard)
        # a link's target is what the watcher names: a linked folder or file is looked at
        trusted = self.cache.trusted if self.cache.trusts(str(folder)) \
            and not folder.is_symlink() else None
        for name, stem, plain in listed:
            value = trusted(name, kind, shard) if trusted and plain else None
            if value is None:
                value = self._get(Path(name), make, kind, parse_yaml, shard)
            if value is not None:
                out[stem] = value
        return out

    def _get(self, path: Path, make: Callable, kind: type, parse_yaml: bool = True,
             shard: str | None = None) -> Any:
        """One file through the parse cache; None after recording why it cannot be read."""
        try:
            return self.cache.get(path, lambda p: self._parse(p, make, parse_yaml), kind,
                                  shard)
        except ContentError as err:
            self.problems.extend(err.problems)
        except (OSError, UnicodeDecodeError) as err:
            self.problem(path, 0, f"cannot read: {err}")
        return None

    def _one(self, path: Path, make: Callable, kind: type, parse_yaml: bool = True) -> Any:
        """One named file, as the curator's commands read it: None when it is absent, or
        after recording why it may not be read."""
        why = self.paths.may_read(path)
        if why:
            self.problem(path, 0, why)
            return None
        return self._get(path, make, kind, parse_yaml) if path.is_file() else None

    def paper(self, paper_id: str) -> Paper | None:
        """One paper, without reading the others."""
        return self._one(self.paths.paper(paper_id), self._paper, Paper)

    def day(self, when: date) -> Day | None:
        return self._one(self.paths.day(when), self._day, Day)

    def note(self, paper_id: str) -> Note | None:
        return self._one(self.paths.note(paper_id), self._note, Note, parse_yaml=False)

    def _listing(self, folder: Path, suffix: str) -> list[tuple[str, str, bool]]:
        """The folder's files of one kind, by name, without those that may not be read:
        (path, stem) as strings, as a build reads thousands and parses few, and whether
        the entry is a plain file (not a link).

        Plain files pass on what the directory listing says (no system call
        each); a link, a folder or a pipe is asked about, and reported.
        """
        if not folder.is_dir():
            return []
        why = self.paths.may_read(folder, folder=True)
        if why:
            self.problem(folder, 0, why)
            return []
        with os.scandir(folder) as found:
            entries = sorted((e for e in found if e.name.endswith(suffix)
                              and not e.name.startswith(".")), key=lambda e: e.name)
        listed = []
        cut = -len(suffix)
        for entry in entries:
            plain = entry.is_file(follow_symlinks=False)
            why = None if plain else self.paths.may_read(folder / entry.name)
            if why:
                self.problem(folder / entry.name, 0, why)
            else:
                listed.append((entry.path, entry.name[:cut], plain))
        return listed

    def _prefetch(self, paths: list[Path], make: Callable, parse_yaml: bool,
                  shard: str) -> None:
        """Parse many new files on every core (a first build of a large archive).

        Workers parse and validate; what they could parse goes into the cache,
        and anything they could not is parsed again here, where its problems
        are reported in order.
        """
        if not parallel.can_fork():
            return
        def store(parsed: list[tuple[str, tuple, Any, int]]) -> None:
            for name, key, value, parsed_ns in parsed:
                self.cache.put(shard, name, key, value, parsed_ns)

        parallel.run(_parse_chunk, parallel.chunks(paths, 500), store,
                     shared=(self, make, parse_yaml))

    def _parse(self, path: Path, make: Callable, parse_yaml: bool) -> Any:
        text = path.read_text(encoding="utf-8")
        # the file's name for messages is worked out only when there is one to give
        data = self._yaml(text, path) if parse_yaml else text
        problems: list[Problem] = []
        value = make(path, data, text, problems)
        if problems or value is None:
            raise ContentError(problems or [Problem(self.rel(path), 1, "unreadable")])
        return value

    def _yaml(self, text: str, path: Path) -> Any:
        try:
            return load_text(text, "")
        except ContentError as err:
            rel = self.rel(path)
            raise ContentError([Problem(rel, p.line, p.message) for p in err.problems]) from None

    def _paper(self, path: Path, data: Any, text: str, problems: list[Problem]) -> Paper | None:
        """A paper file, checked field by field against `PAPER_FIELDS`."""
        stem = path.stem
        if not ids.is_safe_id(stem):
            problems.append(Problem(self.rel(path), 0, "file name is not a valid paper id"))
            return None
        if not isinstance(data, dict):
            problems.append(Problem(self.rel(path), 1, "a paper file must be a mapping of fields"))
            return None
        values: dict[str, Any] = {}
        lines: dict[str, int] | None = None
        for spec in PAPER_FIELDS:
            value, message = _field(spec, data.get(spec.key), stem)
            if message is None:
                values.update(_attributes(spec, value))
                continue
            lines = lines if lines is not None else key_lines(text)
            problems.append(Problem(self.rel(path), lines.get(spec.key, 1), message))
        if problems:
            return None
        return Paper(**values)

    def _day(self, path: Path, data: Any, text: str, problems: list[Problem]) -> Day | None:
        rel = self.rel(path)
        if not DATE_NAME.fullmatch(path.stem):
            problems.append(Problem(rel, 0, "a day file is named YYYY-MM-DD.yaml"))
            return None
        if not isinstance(data, dict) or not isinstance(data.get("papers"), list):
            problems.append(Problem(rel, 1, "a day file needs date, source and a papers list"))
            return None
        if not isinstance(data.get("date"), date) or data["date"].isoformat() != path.stem:
            problems.append(Problem(rel, key_lines(text).get("date", 1),
                                    f"date must be {path.stem}, the file's name"))
        entries = []
        for index, item in enumerate(data["papers"]):
            message = _day_item_problem(item)
            if message:
                problems.append(Problem(rel, item_line(text, "papers", index), message))
            else:
                entries.append(DayEntry(item["id"], item.get("upvotes", 0)))
        source = data.get("source")
        if source is not None and not isinstance(source, str):
            problems.append(Problem(rel, key_lines(text).get("source", 1), "source must be text"))
        if problems:
            return None
        return Day(data["date"], source or "", tuple(entries))

    def _source_ok(self, source: str) -> bool:
        """A day's `source`: a relative path to an existing file inside content/."""
        path = PurePosixPath(source)
        if path.is_absolute() or ".." in path.parts or "\\" in source or ":" in source:
            return False
        return (self.paths.content / path).is_file()

    def _note(self, path: Path, text: Any, _raw: str, problems: list[Problem]) -> Note | None:
        if not ids.is_safe_id(path.stem):
            problems.append(Problem(self.rel(path), 0, "file name is not a valid paper id"))
            return None
        return notes.parse(path.stem, text, self.rel(path))

    # -- cross-file checks ----------------------------------------------
    def cross_check(self, topics: tuple[Topic, ...], papers: dict[str, Paper],
                    days: tuple[Day, ...], note_map: dict[str, Note]) -> None:
        """Ids a day names that have no paper; notes on unknown papers or topics.

        A paper file that exists but is broken has its own problems already,
        so only a missing file counts as a dangling id here.
        """
        def known_paper(pid: str) -> bool:
            return pid in papers or self.paths.paper(pid).exists()

        for day in days:
            self._check_day(day, known_paper)
        if self.strict:
            self._unlisted(papers, days)
        known = {t.slug for t in topics}
        for pid, note in note_map.items():
            path = self.paths.note(pid)
            if not known_paper(pid):
                self.problem(path, 1, f"note for unknown paper {pid!r}")
            unknown = [t for t in note.topics or () if t not in known]
            if unknown:
                line = notes.topics_line(path.read_text(encoding="utf-8"))
                self.problem(path, line,
                             f"unknown topic(s) {', '.join(unknown)}: define them in topics.yaml")

    def _unlisted(self, papers: dict[str, Paper], days: tuple[Day, ...]) -> None:
        """`check`: paper files that no day lists, as a half-done import once left them."""
        days_folder = self.rel(self.paths.days_dir) + os.sep
        if any(p.path.startswith(days_folder) for p in self.problems):
            return  # a broken day file may be the one that lists them
        listed = {entry.paper_id for day in days for entry in day.entries}
        for pid in sorted(papers.keys() - listed):
            self.problem(self.paths.paper(pid), 0, "no day lists this paper: import the day "
                                                   "that lists it again, or delete the file")

    def _check_day(self, day: Day, known_paper: Callable[[str], bool]) -> None:
        """A day's list (every id once, every id a paper) and, for `check`, its source file."""
        path = self.paths.day(day.date)
        text = ""  # read on the first problem only: the error path
        if self.strict and day.source and not self._source_ok(day.source):
            text = path.read_text(encoding="utf-8")
            copies = [f"scraped/{day.date.isoformat()}.{form}" for form in SCRAPED_FORMS
                      if self.paths.scraped(day.date, form).is_file()]
            expected = copies[0] if copies else f"scraped/{day.date.isoformat()}.txt"
            self.problem(path, key_lines(text).get("source", 1),
                         f"source {day.source!r} names no file in content/; expected {expected}")
        seen: set[str] = set()
        for index, entry in enumerate(day.entries):
            pid, again = entry.paper_id, entry.paper_id in seen
            seen.add(pid)
            if again or not known_paper(pid):
                message = (f"paper {pid!r} is listed twice" if again
                           else f"paper {pid!r} has no file in content/papers/")
                text = text or path.read_text(encoding="utf-8")
                self.problem(path, item_line(text, "papers", index), message)

    def strays(self) -> None:
        """Files under content/ that are none of the kinds the archive holds."""
        content = self.paths.content
        if not content.is_dir():
            self.problem(content, 0, "no content folder: run 'paperpress init' first")
            return
        for path in sorted(content.iterdir()):
            if path.name.startswith(".") or path.name in ("site.yaml", "topics.yaml"):
                continue
            suffixes = CONTENT_FILES.get(path.name)
            if suffixes is None or not path.is_dir():
                self.problem(path, 0, "stray file: not part of the archive's layout")
                continue
            why = self.paths.may_read(path, folder=True)
            if why:
                if path.name == "scraped":  # the other folders' readers report theirs
                    self.problem(path, 0, why)
                continue
            self._folder_strays(path, suffixes)

    def _folder_strays(self, folder: Path, suffixes: tuple[str, ...]) -> None:
        """Files of the wrong kind in one folder; in `scraped/`, a date with two copies."""
        dates: dict[str, Path] = {}
        for inner in sorted(folder.iterdir()):
            if inner.name.startswith("."):
                continue
            if inner.suffix not in suffixes or inner.is_dir():
                kinds = ", ".join(f"*{s}" for s in suffixes)
                self.problem(inner, 0, f"stray file: {folder.name}/ holds {kinds} files")
            elif folder.name == "scraped" and (why := self.paths.may_read(inner)):
                self.problem(inner, 0, why)  # read by `import` only, so said here
            elif folder.name == "scraped" and inner.stem in dates:
                self.problem(inner, 0, f"a second copy of {inner.stem} beside "
                                       f"{dates[inner.stem].name}: a date has one; delete "
                                       "the one its day file's source does not name")
            dates.setdefault(inner.stem, inner)


TOPIC_KEYS = ("slug", "name", "description", "keywords", "exclude")


def _topic(item: Any) -> Topic | tuple[str, str]:
    """A Topic, or the key at fault and the message saying what is wrong with it."""
    if not isinstance(item, dict):
        return "", "each topic must be a mapping with slug, name, keywords"
    slug, name = item.get("slug"), item.get("name")
    if not isinstance(slug, str) or not ids.is_safe_id(slug):
        return "slug", f"topic slug {slug!r} must be lowercase letters, digits and hyphens"
    if not isinstance(name, str) or not name.strip():
        return "name", f"topic {slug!r} needs a name"
    for key in item:
        if key not in TOPIC_KEYS:
            return str(key), (f"topic {slug!r}: unknown key {key!r} "
                              f"(known: {', '.join(TOPIC_KEYS)})")
    words = {}
    for key in ("keywords", "exclude"):
        words[key] = item.get(key) or []
        if not isinstance(words[key], list) or not all(isinstance(k, str) for k in words[key]):
            return key, f"topic {slug!r}: {key} must be a list of words or phrases"
    description = item.get("description") or ""
    if not isinstance(description, str):
        return "description", f"topic {slug!r}: description must be text"
    return Topic(slug, name.strip(), description.strip(), tuple(words["keywords"]),
                 tuple(words["exclude"]))


def _topic_line(text: str, index: int, key: str) -> int:
    """The line of `key` in the topics list's item `index` (of the item itself when the
    key is not there); composed again, as only a problem asks for it."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        item = next(v for k, v in root.value if k.value == "topics").value[index]
    except (yaml.YAMLError, AttributeError, StopIteration, IndexError, TypeError):
        return item_line(text, "topics", index)
    if isinstance(item, yaml.MappingNode):
        for k, _ in item.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k.start_mark.line + 1
    return item.start_mark.line + 1


PARALLEL_PARSE = 1000  # files; fewer parse faster than a worker pool starts


def _parse_chunk(shared: tuple[Loader, Callable, bool],
                 paths: list[Path]) -> list[tuple[str, tuple, Any, int]]:
    """Parse files in a worker: (path as text, cache key, value) for those that parsed
    cleanly (text, as a path object costs more to send and to use)."""
    loader, make, parse_yaml = shared
    out = []
    for path in paths:
        try:
            key, parsed_ns = loader.cache.key(path), time.time_ns()
            out.append((str(path), key, loader._parse(path, make, parse_yaml), parsed_ns))
        except (ContentError, OSError, UnicodeDecodeError):
            continue  # parsed again, and reported, by the main process
    return out


_BAD = object()


def _org(value: Any) -> Any:
    ok = (isinstance(value, dict) and isinstance(value.get("slug"), str)
          and ids.is_safe_slug(value["slug"]) and isinstance(value.get("name"), str))
    return Org(value["slug"], value["name"]) if ok else _BAD


def _strings(value: Any) -> Any:
    ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return tuple(value) if ok else _BAD


def _authors(value: Any) -> Any:
    """A count (the text days' "9 authors") or the names in order, as the names."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return _strings(value)


def _url(value: Any) -> Any:
    ok = isinstance(value, str) and value.startswith(("http://", "https://"))
    return value if ok else _BAD


def _attributes(spec: Field, value: Any) -> dict[str, Any]:
    """The Paper attributes one field fills: `authors` gives the count and the names."""
    if spec.kind != "authors":
        return {spec.name: value}
    if isinstance(value, tuple):
        return {"authors": len(value), "author_names": value}
    return {"authors": value, "author_names": ()}


# site.yaml's settings: (key, kind, default); a default of None means required.
SETTINGS: tuple[tuple[str, type, Any], ...] = (
    ("title", str, None), ("description", str, ""), ("base_url", str, None),
    ("language", str, "en"), ("feed_size", int, 50), ("page_size", int, 50),
    ("theme", str, "default"), ("source_summary", bool, True),
    ("search_one_index", int, 20_000),
)
SETTING_KINDS = {str: "text", int: "a whole number", bool: "true or false"}


def _is_setting(value: Any, kind: type) -> bool:
    """A setting of its kind. YAML's `true` is an int to Python: a count must not be one,
    and a switch must be exactly `true` or `false` (not `1`, not the text "no")."""
    if value is None or not isinstance(value, kind):
        return False
    return kind is bool or not isinstance(value, bool)


# Each kind of paper field: how a value is checked and built, and what is said when it is not.
FIELD_KINDS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "text": (lambda v: v if isinstance(v, str) and v.strip() else _BAD, "{key} is required text"),
    "titles": (_strings, "{key} must be a list of titles"),
    "date": (lambda v: v if isinstance(v, date) else _BAD, "{key} must be a date (YYYY-MM-DD)"),
    "count": (lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _BAD,
              "{key} must be a whole number"),
    "org": (_org, "{key} needs a slug (letters, digits, - _ .) and a name"),
    "urls": (_strings, "{key} must be a list of URLs"),
    "arxiv": (lambda v: v if isinstance(v, str) and ARXIV_ID.fullmatch(v) else _BAD,
              "{key} must be an arXiv id such as 2312.11514 or hep-th/9901001"),
    "authors": (_authors, "{key} must be a whole number or a list of names"),
    "url": (_url, "{key} must be an http(s) URL"),
    "words": (_strings, "{key} must be a list of words or phrases"),
}
_EMPTY = {"titles": (), "urls": (), "words": ()}


def _field(spec: Field, value: Any, stem: str) -> tuple[Any, str | None]:
    """One field's value for `Paper`, or the problem with it. A paper's `id` must be its
    file's name; an optional field that is absent (or null) takes its empty value."""
    if spec.kind == "id":
        return stem, None if value == stem else f"id must be {stem!r}, the file's name"
    if value is None and not spec.required:
        return _EMPTY.get(spec.kind), None
    check, message = FIELD_KINDS[spec.kind]
    built = check(value)
    return (None, message.format(key=spec.key)) if built is _BAD else (built, None)


def _day_item_problem(item: Any) -> str | None:
    """What is wrong with one entry of a day's papers list, if anything."""
    if not (isinstance(item, dict) and isinstance(item.get("id"), str)
            and ids.is_safe_id(item["id"])):
        return "each paper needs a valid id"
    votes = item.get("upvotes", 0)
    if not isinstance(votes, int) or isinstance(votes, bool) or votes < 0:
        return "upvotes must be a whole number"
    return None




def undated_notes(paths: ContentPaths, archive: Archive) -> list[Problem]:
    """`check`'s warnings: notes the notes feed shows that have no `published:` date.

    Such a note is dated by its paper's first day, so it reaches the feed
    as old news; a date in the note itself survives any clone or checkout.
    """
    return [
        Problem(paths.rel(paths.note(pid)), 0,
                f"no 'published:' date, so the notes feed dates it by the paper's first day "
                f"({archive.first_day(pid)}); add 'published: YYYY-MM-DD' to its header")
        for pid, note in sorted(archive.notes.items())
        if note.published is None and note.body.strip() and pid in archive.papers
        and archive.is_visible(pid)
    ]


def load(paths: ContentPaths, cache: ParseCache | None = None, strict: bool = False) -> Archive:
    """The whole archive as stored, or ContentError with every problem found. Only loads:
    the listings every page needs are `listings.index`'s, a step of its own.

    `strict` adds the checks only `check` makes (stray files, day sources).
    """
    loader = Loader(paths, cache, strict)
    why = paths.may_read(paths.content, folder=True)
    if why:  # every file in it would be refused: say it once
        raise ContentError([Problem(paths.rel(paths.content), 0, why)])
    if strict:
        loader.strays()
    config = loader.config()
    topics = loader.topics()
    papers = loader.papers()
    days = loader.days()
    note_map = loader.notes()
    if config is None and not loader.problems:
        loader.problem(paths.site_yaml, 0, "missing")
    loader.cross_check(topics, papers, days, note_map)
    if loader.problems:
        raise ContentError(loader.problems)
    assert config is not None
    return Archive(config, topics, papers, days, note_map)

"""Scraped days into `content/`: read and check everything, then write it all or nothing.

Paper files are a pure function of the set of days: fields come from the
most recent day by date that lists the paper, `first_seen`/`last_seen` span
all of them. So importing days in any order, or again, gives the same
bytes. Of two snapshots of one date the archive keeps the later one (more
upvotes, see `Source.weight`), whichever came first, so an old save
imported after a newer one changes nothing. Importing one day touches only
that day's papers, never the whole archive, except when a new scrape of a
date drops a paper or respells a title, or a paper's title changes
materially: those papers are rebuilt from every day that lists them,
keeping an arXiv id no day gave (`paperpress enrich` found it by title).

Titles that give one id are one paper (ids are published and never
change). When they differ in more than case, spacing or soft punctuation
(`ids.title_key`: `C++ for ML` and `C# for ML`), the import warns, and the
paper file keeps the others in `other_titles`, so `check` can list them
without reading every scraped copy. The list is order-free: for each
`title_key` the archive's days give the id, other than the title's own,
its first spelling in sort order. Merging a day adds to it; when the title
itself changes to another key, it is worked out again from the days.

The files are written through `journal.commit`: a crash, a full disk or a
permission error leaves the old archive or the new one, never a mix.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..core import ids, parallel
from ..core.model import SOURCE_FIELDS, paper_file_order
from ..core.paths import ContentPaths
from ..core.store import ContentError, Problem, dump, item_lines, load_text
from . import formats, journal, scrape


@dataclass(frozen=True)
class Source:
    """One scraped file, read and parsed, not yet written anywhere."""

    path: Path
    raw: bytes
    day: scrape.ScrapedDay

    @property
    def weight(self) -> tuple[int, int, int, str]:
        """Which of two scrapes of one date is the later snapshot, whatever their forms: more
        upvotes wins, then more papers, then the richer form (JSON or a page over text)."""
        votes = sum(e.upvotes for e in self.day.entries)
        rich = int(self.day.form != "txt")
        return votes, len(self.day.entries), rich, hashlib.sha256(self.raw).hexdigest()


@dataclass
class Summary:
    days_new: int = 0
    days_replaced: int = 0
    days_unchanged: int = 0
    papers_new: int = 0
    papers_updated: int = 0
    papers_removed: int = 0
    warnings: list[Problem] = field(default_factory=list)
    new_papers: list[tuple[str, str]] = field(default_factory=list)  # (id, title)

    def line(self) -> str:
        days = self.days_new + self.days_replaced + self.days_unchanged
        return (
            f"{days} day(s): {self.days_new} new, {self.days_replaced} replaced, "
            f"{self.days_unchanged} unchanged; papers: {self.papers_new} new, "
            f"{self.papers_updated} updated, {self.papers_removed} removed; "
            f"{len(self.warnings)} warning(s)"
        )

    def new_lines(self, limit: int | None = 10) -> list[str]:
        """The new papers as `id  title` lines, in the days' order, oldest day first, so
        the curator sees what to write notes for; past `limit`, a count of the rest."""
        if not self.new_papers:
            return []
        shown = self.new_papers if limit is None else self.new_papers[:limit]
        lines = ["new papers:", *(f"  {pid}  {' '.join(title.split())}" for pid, title in shown)]
        rest = len(self.new_papers) - len(shown)
        if rest:
            lines.append(f"  … and {rest} more (--verbose lists all)")
        return lines


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for every `*.txt`, `*.json` and `*.html` in it (hidden
    ones aside), by name.

    A folder without any is refused rather than imported as nothing, so a
    wrong path never passes for a successful import.
    """
    out: list[Path] = []
    empty: list[Problem] = []
    for path in paths:
        found = [path]
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix[1:] in formats.FORMS
                           and p.is_file() and not p.name.startswith("."))
        if not found:
            empty.append(Problem(str(path), 0, "no *.txt, *.json or *.html files in this "
                                               "folder; pass the scraped days' files or "
                                               "their folder"))
        out.extend(found)
    if empty:
        raise ContentError(empty)
    return out


def _parse(path: Path, raw: bytes, override: date | None,
           own: Path | None) -> scrape.ScrapedDay:
    """Parse a scraped file; the archive's own copy of an undated page is dated by its name.

    The archive keeps its copies as `scraped/YYYY-MM-DD.txt`, so a day once
    imported with `--date` imports again from that copy without it. Any
    other file that does not tell its date still needs `--date`.
    """
    try:
        return formats.parse(raw, override)
    except scrape.ScrapeError as err:
        named = _named_date(path) if own and path.resolve().parent == own.resolve() else None
        if override is None and err.undated and named is not None and (
                err.header in (None, (named.month, named.day))):
            return formats.parse(raw, named)
        raise


def _named_date(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.stem) if len(path.stem) == 10 else None
    except ValueError:
        return None


def read_sources(paths: list[Path], override: date | None = None, progress=None,
                 own: Path | None = None) -> list[Source]:
    """Parse every file; any refusal raises one ContentError naming them all.

    `own` is the archive's `content/scraped/`, whose copies are named by date.
    """
    sources: list[Source] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            raw = path.read_bytes()
            sources.append(Source(path, raw, _parse(path, raw, override, own)))
        except scrape.ScrapeError as err:
            problems.append(Problem(str(path), err.line, err.message))
        except OSError as err:
            problems.append(Problem(str(path), 0, f"cannot read: {err.strerror or err}"))
        if progress:
            progress.advance()
    if problems:
        raise ContentError(problems)
    if not sources:
        raise ContentError([Problem(" ".join(map(str, paths)) or ".", 0, "no scraped days")])
    return sources


def one_per_date(sources: list[Source], summary: Summary) -> list[Source]:
    """Keep one scrape per date (the later snapshot), oldest date first."""
    chosen: dict[date, Source] = {}
    for source in sources:
        other = chosen.get(source.day.date)
        if other is None or source.weight > other.weight:
            chosen[source.day.date] = source
        if other is not None:
            kept = chosen[source.day.date].path
            summary.warnings.append(
                Problem(str(source.path), 0, f"same day as {other.path}; kept {kept}")
            )
    return [chosen[d] for d in sorted(chosen)]


def titles_by_id(day: scrape.ScrapedDay) -> dict[str, list[str]]:
    """Every title a day gives each paper id, in page order."""
    out: dict[str, list[str]] = {}
    for entry in day.entries:
        out.setdefault(ids.paper_id(entry.title), []).append(entry.title)
    return out


def known_titles(record: Any) -> list[str]:
    """A paper file's title, then its `other_titles`."""
    if not isinstance(record, dict):
        return []
    others = record.get("other_titles")
    listed = [record.get("title"), *(others if isinstance(others, list) else ())]
    return [t for t in listed if isinstance(t, str)]


def with_titles(record: dict, seen: list[str]) -> dict:
    """`record` with `other_titles` after its title: see the module's docstring."""
    first: dict[str, str] = {}
    spellings = set(seen) - {record["title"]}
    if spellings:  # most papers have one spelling: no keys to work out
        own = ids.title_key(record["title"])
        for title in spellings:
            key = ids.title_key(title)
            if key != own:
                first[key] = min(first.get(key, title), title)
    out = {key: value for key, value in record.items() if key != "other_titles"}
    if first:
        out["other_titles"] = sorted(first.values())
    return paper_file_order(out)


def paper_record(entry: scrape.Entry, day: scrape.ScrapedDay, span: tuple[date, date]) -> dict:
    """A paper file's fields (`other_titles` aside), in the order of `PAPER_FIELDS`: what this
    one day gives; `carry` adds what only earlier days gave."""
    record: dict[str, Any] = {
        "id": ids.paper_id(entry.title),
        "title": entry.title,
        "abstract": entry.abstract,
    }
    published = day.published(entry)
    if published is not None:
        record["published"] = published
    if entry.org_slug:
        record["organization"] = {"slug": entry.org_slug, "name": entry.org_name}
    if entry.author_names:
        record["authors"] = list(entry.author_names)
    elif entry.authors is not None:
        record["authors"] = entry.authors
    record["links"] = list(scrape.links(entry.abstract))
    record["first_seen"], record["last_seen"] = span
    for key, value in (("arxiv", entry.arxiv), ("github", entry.github),
                       ("project_page", entry.project_page),
                       ("keywords", list(entry.keywords)), ("summary", entry.summary),
                       ("comments", entry.comments)):
        if value:  # an empty or zero value says nothing: an older day's stays
            record[key] = value
    return paper_file_order(record)


def source_value(record: Any, key: str) -> Any:
    """A field only the source's JSON gives, None when the record lacks it. `authors` counts
    only as names: a text day's author count is the day's own, like its abstract."""
    value = record.get(key) if isinstance(record, dict) else None
    return None if key == "authors" and not isinstance(value, list) else value


def carry(new: dict, older: Any) -> dict:
    """`new` with every source field it lacks taken from `older` (the most recent day that
    had it), so a text day never loses what a JSON day gave."""
    out = dict(new)
    for key in SOURCE_FIELDS:
        if source_value(out, key) is None and source_value(older, key) is not None:
            out[key] = older[key]
    return paper_file_order(out)


def conflicts(existing: Any, new: dict) -> bool:
    """Whether an older day's source fields differ from the file's, which may come from an
    even older day: only all the days can tell which is the most recent one that has them."""
    return any(source_value(new, key) is not None
               and source_value(existing, key) not in (None, source_value(new, key))
               for key in SOURCE_FIELDS)


def day_record(day: scrape.ScrapedDay) -> dict:
    entries: dict[str, int] = {}
    for entry in day.entries:  # two titles with one id are one paper: first place wins
        entries.setdefault(ids.paper_id(entry.title), entry.upvotes)
    return {
        "date": day.date,
        "source": f"scraped/{day.date.isoformat()}.{day.form}",
        "papers": [{"id": pid, "upvotes": votes} for pid, votes in entries.items()],
    }


def _read(paths: ContentPaths, path: Path) -> bytes | None:
    """A content file's bytes, None when there is none; a link out of `content/` (or a
    pipe) is refused unread, so an import never copies a file from elsewhere."""
    why = paths.may_read(path) if os.path.lexists(path) else None
    if why:
        raise ContentError([Problem(paths.rel(path), 0, why)])
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ContentError([Problem(paths.rel(path), 0,
                                    f"cannot read: {err.strerror or err}")]) from None


def read_yaml(paths: ContentPaths, path: Path) -> Any:
    """A content file's YAML under the archive's read rule (no links out, no pipes), or None
    when it is gone; bad YAML names the file and line. `enrich` reads paper files the same way."""
    raw = _read(paths, path)
    if raw is None:
        return None
    rel = paths.rel(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ContentError([Problem(rel, 0, f"cannot read: {err}")]) from None
    return load_text(text, rel)


def _span(existing: Any, rel: str) -> tuple[date, date] | None:
    if existing is None:
        return None
    first, last = (existing.get(k) if isinstance(existing, dict) else None
                   for k in ("first_seen", "last_seen"))
    if not isinstance(first, date) or not isinstance(last, date):
        raise ContentError([Problem(rel, 0, "paper file lacks first_seen/last_seen dates; "
                                            "fix it (paperpress check) and import again")])
    return first, last


def _day_ids(paths: ContentPaths, path: Path) -> list[str] | None:
    """The paper ids an existing day file lists, or None when there is no such file.

    A hand-edited file could name anything; an id that is not a safe id
    would become a path, so a broken day file stops the import instead.
    """
    rel = paths.rel(path)
    data = read_yaml(paths, path)
    if data is None and not path.exists():
        return None
    papers = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(papers, list):
        raise ContentError([Problem(rel, 1, "a day file needs a papers list; "
                                            "fix it (paperpress check) and import again")])
    out: list[str] = []
    for index, item in enumerate(papers):
        pid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(pid, str) or not ids.is_safe_id(pid):
            text = path.read_text(encoding="utf-8")  # the error path only: it parses again
            lines = item_lines(text, "papers")
            line = lines[index] if index < len(lines) else 1
            raise ContentError([Problem(rel, line, f"not a valid paper id: {pid!r}; "
                                                   "fix it (paperpress check) and import again")])
        out.append(pid)
    return out


class Importer:
    """Works out every file an import writes, then writes them in one journal commit."""

    def __init__(self, paths: ContentPaths) -> None:
        self.paths = paths
        self.papers: dict[str, dict | None] = {}
        self.on_file: dict[str, Any] = {}  # paper files as read, to skip unchanged writes
        self.writes: dict[Path, bytes | dict | None] = {}
        self.parsed: dict[date, scrape.ScrapedDay] = {}
        self.planned: dict[date, set[str]] = {}
        self.on_disk: dict[date, set[str]] | None = None
        self.retitle: set[str] = set()  # papers whose titles a replaced snapshot gave
        self.listed: dict[str, None] = {}  # every id the imported days list, in their order
        self.replaced: dict[str, set[str]] = {}  # arXiv ids the replaced snapshots gave
        self.summary = Summary()

    def rel(self, path: Path) -> str:
        return self.paths.rel(path)

    def run(self, sources: list[Source]) -> Summary:
        for source in sources:
            for line, message in source.day.warnings:
                self.summary.warnings.append(Problem(str(source.path), line, message))
        for source in one_per_date(sources, self.summary):
            self.add_day(source)
        for pid in sorted(self.retitle):
            if self.papers.get(pid) is not None:
                self.rederive(pid)
        self.warn_orphan_notes()
        journal.commit(self.paths, *self.changes())
        return self.summary

    def paper(self, pid: str) -> dict | None:
        if pid not in self.papers:
            path = self.paths.paper(pid)
            self.papers[pid] = self.on_file[pid] = read_yaml(self.paths, path)
            _span(self.papers[pid], self.rel(path))
        return self.papers[pid]

    def add_day(self, source: Source) -> None:
        """Plan one day's files and merge its papers; a re-scrape's dropped papers rebuilt."""
        day = source.day
        kept = self.archived(day.date)
        if kept is not None and kept.weight > source.weight:
            self.keep_older(source, kept)
            return
        if kept is not None:
            for entry in kept.day.entries:
                if entry.arxiv:
                    self.replaced.setdefault(ids.paper_id(entry.title), set()).add(entry.arxiv)
        record = day_record(day)
        text = dump(record).encode("utf-8")
        day_path = self.paths.day(day.date)
        old = _day_ids(self.paths, day_path)
        self.count_day(source, old, text)
        self.parsed[day.date] = day
        self.planned[day.date] = {p["id"] for p in record["papers"]}
        self.listed.update((p["id"], None) for p in record["papers"])
        self.writes[self.paths.scraped(day.date, day.form)] = source.raw
        for form in formats.FORMS:  # one copy per date: the snapshot's form replaces another
            other = self.paths.scraped(day.date, form)
            if form != day.form and os.path.lexists(other):
                self.writes[other] = None
        self.writes[day_path] = text
        titles = titles_by_id(day)
        listed = {ids.paper_id(e.title): e for e in reversed(day.entries)}
        for pid, entry in listed.items():
            self.merge(pid, entry, day, titles[pid], source)
        for pid in sorted(set(old or ()) - listed.keys()):
            self.rederive(pid)
        if kept is not None:  # titles or source fields only the replaced snapshot gave
            for pid, before in titles_by_id(kept.day).items():
                if pid in titles and (set(before) - set(titles[pid]) or kept.day.form != "txt"):
                    self.retitle.add(pid)

    def copies(self, when: date) -> list[tuple[Path, bytes]]:
        """The archive's copies of a date, whatever their form (one, unless made by hand)."""
        found = []
        for form in formats.FORMS:
            path = self.paths.scraped(when, form)
            raw = _read(self.paths, path)
            if raw is not None:
                found.append((path, raw))
        return found

    def archived(self, when: date) -> Source | None:
        """The archive's own snapshot of a date, parsed; None when absent or unreadable."""
        kept: list[Source] = []
        for path, raw in self.copies(when):
            try:
                kept.append(Source(path, raw, formats.parse(raw, when)))
            except scrape.ScrapeError:
                continue  # a damaged copy: any snapshot of the date replaces it
        return max(kept, key=lambda s: s.weight, default=None)

    def keep_older(self, source: Source, kept: Source) -> None:
        """The archive already has a later snapshot of this date: keep it, say so."""
        self.summary.days_unchanged += 1
        self.parsed[kept.day.date] = kept.day
        votes = (kept.weight[0], source.weight[0])
        why = ("more upvotes" if votes[0] > votes[1] else "as many upvotes, more papers"
               if kept.weight[1] > source.weight[1] else "the same upvotes and papers")
        self.summary.warnings.append(Problem(str(source.path), 0, (
            f"unchanged (an older snapshot): {self.rel(kept.path)} has {why} "
            f"({votes[0]} upvotes against {votes[1]}); kept it")))

    def count_day(self, source: Source, old: list[str] | None, text: bytes) -> None:
        if old is None:
            self.summary.days_new += 1
        elif self.unchanged(source, text):
            self.summary.days_unchanged += 1
        else:
            self.summary.days_replaced += 1

    def unchanged(self, source: Source, day_text: bytes) -> bool:
        """The same scrape again: its copy and its day file already hold these bytes."""
        day = source.day.date
        return (self.copies(day) == [(self.paths.scraped(day, source.day.form), source.raw)]
                and _read(self.paths, self.paths.day(day)) == day_text)

    def day_listings(self) -> dict[date, set[str]]:
        """Every day's paper ids: the day files on disk, overlaid with this import's days.

        Read only when a re-scrape drops a paper or respells a title, so a
        plain import of new days never reads the whole archive.
        """
        if self.on_disk is None:
            self.on_disk = {}
            for path in sorted(self.paths.days_dir.glob("*.yaml")):
                try:
                    when = date.fromisoformat(path.stem)
                except ValueError:
                    continue  # not a day file; `check` reports it
                self.on_disk[when] = set(_day_ids(self.paths, path) or ())
        return {**self.on_disk, **self.planned}

    def merge(self, pid: str, entry: scrape.Entry, day: scrape.ScrapedDay,
              titles: list[str], source: Source) -> None:
        """One day's entry into its paper: the latest day's fields, the span of all days."""
        if not ids.is_safe_id(pid):  # cannot happen for a slug; guards the path
            raise ContentError([Problem(str(self.paths.root), 0, f"unsafe paper id {pid!r}")])
        existing = self.paper(pid)
        span = _span(existing, self.rel(self.paths.paper(pid)))
        if span is None:
            new = paper_record(entry, day, (day.date, day.date))
        else:
            first, last = min(span[0], day.date), max(span[1], day.date)
            if day.date >= span[1]:
                new = carry(paper_record(entry, day, (first, last)), existing)
            else:
                older = paper_record(entry, day, (first, last))
                new = carry({**existing, "first_seen": first, "last_seen": last}, older)
                if conflicts(existing, older):
                    self.retitle.add(pid)  # rebuilt from every day at the end
        known = known_titles(existing)
        self.warn_titles(pid, known, titles, source)
        self.papers[pid] = with_titles(new, [*known, *titles])
        self.writes[self.paths.paper(pid)] = self.papers[pid]
        if known and ids.title_key(known[0]) != ids.title_key(new["title"]):
            self.retitle.add(pid)  # the old title's other spellings are not on file

    def warn_titles(self, pid: str, known: list[str], titles: list[str], source: Source) -> None:
        """A title that differs materially from the paper's others merges two papers: say so."""
        seen = list(known)
        for title in titles:
            if seen and title not in seen and ids.title_key(title) not in {
                    ids.title_key(t) for t in seen}:
                line = next((e.line for e in source.day.entries if e.title == title), 0)
                self.summary.warnings.append(Problem(str(source.path), line, (
                    f"titles {title!r} and {seen[0]!r} give the same id {pid!r}; kept as one "
                    f"paper ({self.rel(self.paths.paper(pid))}, other_titles)")))
            seen.append(title)

    def rederive(self, pid: str) -> None:
        """A paper a new scrape lists differently: rebuild it from the days that list it."""
        days = sorted(when for when, listed in self.day_listings().items() if pid in listed)
        if not days:
            self.papers[pid] = None
            self.writes[self.paths.paper(pid)] = None
            return
        existing = self.paper(pid)
        span = (days[0], days[-1])
        updated = {**existing, "first_seen": span[0], "last_seen": span[1]} if existing else None
        found = self.listed_in(pid, days)
        if found and found[0][0].date == days[-1]:
            updated = paper_record(found[0][1], found[0][0], span)
            for day, entry in found[1:]:  # newest first: the most recent day that has it
                updated = carry(updated, paper_record(entry, day, span))
        if updated is None:  # a hand-made listing without a paper file: leave it to `check`
            return
        updated = self.keep_searched(pid, updated, existing)
        seen = [t for when in days for t in titles_by_id(
            self.scraped_day(when) or scrape.ScrapedDay(when, (), ())).get(pid, ())]
        self.papers[pid] = with_titles(updated, seen or known_titles(existing))
        self.writes[self.paths.paper(pid)] = self.papers[pid]

    def keep_searched(self, pid: str, updated: dict, existing: Any) -> dict:
        """A paper rebuilt from days that give no arXiv id keeps the one its file has (found
        by `enrich`, or set by hand), unless a snapshot this import replaced gave it: that
        one goes with its day, as if the day had never been imported."""
        had = source_value(existing, "arxiv")
        if source_value(updated, "arxiv") is not None or had is None:
            return updated
        if had in self.replaced.get(pid, ()):
            return updated
        return paper_file_order({**updated, "arxiv": had})

    def listed_in(self, pid: str, days: list[date]) -> list[tuple[scrape.ScrapedDay,
                                                                  scrape.Entry]]:
        """The paper's entry on each of `days` that has a copy, newest day first."""
        out = []
        for when in reversed(days):
            day = self.scraped_day(when)
            entry = next((e for e in day.entries if ids.paper_id(e.title) == pid),
                         None) if day else None
            if day is not None and entry is not None:
                out.append((day, entry))
        return out

    def scraped_day(self, when: date) -> scrape.ScrapedDay | None:
        """A day's entries: from this import, else from its scraped copy in content/."""
        if when not in self.parsed:
            kept: list[Source] = []
            for path, raw in self.copies(when):
                try:
                    kept.append(Source(path, raw, formats.parse(raw, when)))
                except scrape.ScrapeError as err:
                    raise ContentError([Problem(self.rel(path), err.line,
                                                err.message)]) from None
            if not kept:
                return None
            self.parsed[when] = max(kept, key=lambda s: s.weight).day
        return self.parsed[when]

    def warn_orphan_notes(self) -> None:
        """A paper this import removes may still have the curator's note: say so."""
        for pid, record in sorted(self.papers.items()):
            note = self.paths.note(pid)
            if record is None and note.exists():
                self.summary.warnings.append(Problem(
                    self.rel(note), 0, f"paper {pid!r} is in no day any more; "
                                       "this note now names no paper: delete or keep it"))

    def changes(self) -> tuple[dict[Path, bytes], list[Path]]:
        """The bytes of every file that changes and the files to delete, counted.

        Papers first, then scraped copies, then the day files naming them;
        a file that already holds its bytes is left alone (its mtime too).
        """
        order = {self.paths.papers_dir: 0, self.paths.scraped_dir: 1}
        planned: list[tuple[Path, bytes | dict | None]] = []
        for path in sorted(self.writes, key=lambda p: (order.get(p.parent, 2), p)):
            data = self.writes[path]
            if isinstance(data, dict) and data == self.on_file.get(path.stem):
                continue  # the file already says this: no need to format it again
            planned.append((path, data))
        texts = iter(formatted([d for _, d in planned if isinstance(d, dict)]))
        writes: dict[Path, bytes] = {}
        deletes: list[Path] = []
        fresh: set[str] = set()
        for path, data in planned:
            if data is None:
                if os.path.lexists(path):
                    deletes.append(path)
                    self.summary.papers_removed += path.parent == self.paths.papers_dir
                continue
            raw = data if isinstance(data, bytes) else next(texts)
            before = self.current(path)
            if before == raw:
                continue
            writes[path] = raw
            if path.parent == self.paths.papers_dir:
                if before is None:
                    self.summary.papers_new += 1
                    fresh.add(path.stem)
                else:
                    self.summary.papers_updated += 1
        ranked = [pid for pid in self.listed if pid in fresh] + sorted(fresh - self.listed.keys())
        self.summary.new_papers = [(pid, self.papers[pid]["title"]) for pid in ranked]
        return writes, deletes

    def current(self, path: Path) -> bytes | None:
        """A file's bytes now, None when there is none."""
        return _read(self.paths, path)


FORMAT_CHUNK = 500  # records a worker formats at a time
FORMAT_ALONE = 2000  # fewer records than this are formatted here: forking would cost more


def formatted(records: list[dict]) -> list[bytes]:
    """Each record's YAML bytes, in order; an import from scratch writes a file per paper,
    so many records are formatted on every core."""
    if len(records) < FORMAT_ALONE:
        return _format(records, (0, len(records)))[1]
    out: list[bytes] = []
    done: dict[int, list[bytes]] = {}
    parallel.run(_format, [(i, i + FORMAT_CHUNK) for i in range(0, len(records), FORMAT_CHUNK)],
                 lambda part: done.__setitem__(*part), shared=records)
    for start in sorted(done):
        out.extend(done[start])
    return out


def _format(records: list[dict], bounds: tuple[int, int]) -> tuple[int, list[bytes]]:
    return bounds[0], [dump(r).encode("utf-8") for r in records[bounds[0]:bounds[1]]]

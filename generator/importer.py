"""Scraped days into `content/`: read and check everything, then write.

Paper files are a pure function of the set of days: fields come from the
most recent day by date that lists the paper, `first_seen`/`last_seen` span
all of them. So importing days in any order, or again, gives the same
bytes. Importing one day touches only that day's papers, never the whole
archive, except when a new scrape of a date drops a paper the old one had.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import ids, scrape
from .paths import ContentPaths
from .store import ContentError, Problem, load_text, write_atomic, write_yaml


@dataclass(frozen=True)
class Source:
    """One scraped file, read and parsed, not yet written anywhere."""

    path: Path
    raw: bytes
    day: scrape.ScrapedDay

    @property
    def weight(self) -> tuple[int, int, str]:
        """Which of two scrapes of one date is the later snapshot: more upvotes wins."""
        votes = sum(e.upvotes for e in self.day.entries)
        return votes, len(self.day.entries), hashlib.sha256(self.raw).hexdigest()


@dataclass
class Summary:
    days_new: int = 0
    days_replaced: int = 0
    days_unchanged: int = 0
    papers_new: int = 0
    papers_updated: int = 0
    papers_removed: int = 0
    warnings: list[Problem] = field(default_factory=list)

    def line(self) -> str:
        days = self.days_new + self.days_replaced + self.days_unchanged
        return (
            f"{days} day(s): {self.days_new} new, {self.days_replaced} replaced, "
            f"{self.days_unchanged} unchanged; papers: {self.papers_new} new, "
            f"{self.papers_updated} updated, {self.papers_removed} removed; "
            f"{len(self.warnings)} warning(s)"
        )


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for every `*.txt` in it, by name."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return out


def read_sources(paths: list[Path], override: date | None = None, progress=None) -> list[Source]:
    """Parse every file; any refusal raises one ContentError naming them all."""
    sources: list[Source] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            raw = path.read_bytes()
            sources.append(Source(path, raw, scrape.parse(raw, override)))
        except scrape.ScrapeError as err:
            problems.append(Problem(str(path), err.line, err.message))
        except OSError as err:
            problems.append(Problem(str(path), 0, f"cannot read: {err.strerror}"))
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


def paper_record(entry: scrape.Entry, day: scrape.ScrapedDay, span: tuple[date, date]) -> dict:
    """A paper file's fields, in the order they are written."""
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
    if entry.authors is not None:
        record["authors"] = entry.authors
    record["links"] = list(scrape.links(entry.abstract))
    record["first_seen"], record["last_seen"] = span
    return record


def day_record(day: scrape.ScrapedDay) -> dict:
    entries: dict[str, int] = {}
    for entry in day.entries:  # two titles with one id are one paper: first place wins
        entries.setdefault(ids.paper_id(entry.title), entry.upvotes)
    return {
        "date": day.date,
        "source": f"scraped/{day.date.isoformat()}.txt",
        "papers": [{"id": pid, "upvotes": votes} for pid, votes in entries.items()],
    }


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return load_text(text, str(path))


def _span(existing: Any, path: Path) -> tuple[date, date] | None:
    if existing is None:
        return None
    first, last = (existing.get(k) if isinstance(existing, dict) else None
                   for k in ("first_seen", "last_seen"))
    if not isinstance(first, date) or not isinstance(last, date):
        raise ContentError([Problem(str(path), 0, "paper file lacks first_seen/last_seen dates")])
    return first, last


class Importer:
    """Works out every file an import writes before writing any of them."""

    def __init__(self, paths: ContentPaths) -> None:
        self.paths = paths
        self.papers: dict[str, dict | None] = {}
        self.writes: dict[Path, bytes | dict | None] = {}
        self.summary = Summary()

    def run(self, sources: list[Source]) -> Summary:
        for source in sources:
            for line, message in source.day.warnings:
                self.summary.warnings.append(Problem(str(source.path), line, message))
        for source in one_per_date(sources, self.summary):
            self.add_day(source)
        self.write()
        return self.summary

    def paper(self, pid: str) -> dict | None:
        if pid not in self.papers:
            path = self.paths.paper(pid)
            self.papers[pid] = _read_yaml(path)
            _span(self.papers[pid], path)
        return self.papers[pid]

    def add_day(self, source: Source) -> None:
        day = source.day
        record = day_record(day)
        day_path = self.paths.day(day.date)
        old = _read_yaml(day_path)
        if old == record and self.paths.scraped(day.date).exists():
            self.summary.days_unchanged += 1
        elif old is None:
            self.summary.days_new += 1
        else:
            self.summary.days_replaced += 1
        self.writes[self.paths.scraped(day.date)] = source.raw
        self.writes[day_path] = record
        listed = {ids.paper_id(e.title): e for e in reversed(day.entries)}
        for pid, entry in listed.items():
            self.merge(pid, entry, day)
        dropped = {p["id"] for p in (old or {}).get("papers", []) if isinstance(p, dict)}
        for pid in sorted(dropped - listed.keys()):
            self.rederive(pid, day.date)

    def merge(self, pid: str, entry: scrape.Entry, day: scrape.ScrapedDay) -> None:
        if not ids.is_safe_id(pid):  # cannot happen for a slug; guards the path
            raise ContentError([Problem(str(self.paths.root), 0, f"unsafe paper id {pid!r}")])
        existing = self.paper(pid)
        span = _span(existing, self.paths.paper(pid))
        if span is None:
            new = paper_record(entry, day, (day.date, day.date))
        else:
            first, last = min(span[0], day.date), max(span[1], day.date)
            if day.date >= span[1]:
                new = paper_record(entry, day, (first, last))
            else:
                new = {**existing, "first_seen": first, "last_seen": last}
        self.papers[pid] = new
        self.writes[self.paths.paper(pid)] = new

    def rederive(self, pid: str, without: date) -> None:
        """A paper a new scrape of `without` no longer lists: rebuild it from its other days."""
        days = []
        for path in sorted(self.paths.days_dir.glob("*.yaml")):
            record = self.writes.get(path) or _read_yaml(path)
            if record and record.get("date") != without and any(
                isinstance(p, dict) and p.get("id") == pid for p in record.get("papers", [])
            ):
                days.append(record["date"])
        if not days:
            self.papers[pid] = None
            self.writes[self.paths.paper(pid)] = None
            return
        existing = self.paper(pid) or {}
        updated = {**existing, "first_seen": min(days), "last_seen": max(days)}
        scraped = self.paths.scraped(max(days))
        if scraped.exists():
            day = scrape.parse(scraped.read_bytes(), max(days))
            for entry in day.entries:
                if ids.paper_id(entry.title) == pid:
                    updated = paper_record(entry, day, (min(days), max(days)))
                    break
        self.papers[pid] = updated
        self.writes[self.paths.paper(pid)] = updated

    def write(self) -> None:
        """Apply the plan: content first, scraped copies, then day files that name them."""
        for path in sorted(self.writes, key=lambda p: (p.parent != self.paths.papers_dir, p)):
            data = self.writes[path]
            if data is None:
                if path.exists():
                    path.unlink()
                    self.summary.papers_removed += 1
                continue
            existed = path.exists()
            if isinstance(data, bytes):
                changed = write_atomic(path, data)
            else:
                changed = write_yaml(path, data)
            if path.parent == self.paths.papers_dir and changed:
                if existed:
                    self.summary.papers_updated += 1
                else:
                    self.summary.papers_new += 1

"""Weekly and monthly digests, their index pages and feeds, and the archive's calendar.

A digest (`weeks/2026-W03/`, `months/2026-01/`) lists the visible papers
listed on any day of an ISO week or a calendar month: the curator's picks
first, then by the most upvotes the paper had on any day of the period, ties
to the paper listed first (earlier day, then higher place), then by id. The
periods are computed once per build from `Planner.places()`, the one pass over
the days that paper pages share; contexts are built only when a page is made.

The archive is a calendar: month grids (Monday to Sunday rows) with each
day's paper count, newest month first, one page per year.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, partial
from itertools import groupby

from ..core.model import Archive
from ..core.text import plain_tex
from . import urls
from .digest_feeds import DigestItem, DigestLine
from .feeds import xml_text
from .pieces import (
    FEED_TITLE_SEPARATOR,
    Listed,
    Page,
    Pager,
    Shared,
    midnight,
    page_context,
    text,
)

KINDS = ("week", "month")
INDEX = {"week": urls.weeks(), "month": urls.months()}


@dataclass(frozen=True, slots=True)
class Period:
    """An ISO week or a calendar month with the papers listed in it, ranked."""

    kind: str  # "week" or "month"
    start: date
    end: date  # its last calendar day
    last_day: date  # its last day with a listing
    ranked: tuple[tuple[str, int | None], ...]  # (paper id, best upvotes; None: none counted)
    closed: bool  # a later day is in the archive: the period will not change

    @property
    def location(self) -> str:
        return urls.week(self.start) if self.kind == "week" else urls.month(self.start)

    @property
    def name(self) -> str:
        """`week 3, 2026` or `January 2026`, as titles and links show it."""
        if self.kind == "week":
            year, number, _ = self.start.isocalendar()
            return f"week {number}, {year}"
        return f"{self.start:%B} {self.start.year}"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(pid for pid, _ in self.ranked)


def period_start(kind: str, when: date) -> date:
    return when - timedelta(days=when.weekday()) if kind == "week" else when.replace(day=1)


def period_end(kind: str, start: date) -> date:
    if kind == "week":
        return start + timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _span(start: date, end: date) -> str:
    """`Jan 5 to Jan 11, 2026`; a week across the new year names both years."""
    first = f"{start:%b} {start.day}" + (f", {start.year}" if start.year != end.year else "")
    return f"{first} to {end:%b} {end.day}, {end.year}"


class Digests:
    """The digest pages, their feeds and the calendar, planned from one `Shared`."""

    def __init__(self, planner: Shared) -> None:
        self.planner = planner
        self._items: dict[str, tuple[DigestItem, ...]] = {}  # each kind's feed items

    @property
    def archive(self) -> Archive:
        """The planner's archive: a plan kept for the next build follows its new one."""
        return self.planner.archive

    def forget(self) -> None:
        """Drop what shows papers' text (the feed items' titles); the periods and their
        rankings stay, as a kept plan's archive lists the same papers in the same places."""
        self._items.clear()

    @cached_property
    def periods(self) -> dict[str, tuple[Period, ...]]:
        """Every week and month with a visible paper, oldest first, by kind."""
        days = self.archive.days
        found: dict[tuple[str, date], dict[str, list]] = {}
        last: dict[tuple[str, date], int] = {}
        voted = self.planner.voted
        # each day's periods and whether it counted upvotes, worked out once per day
        keys = [tuple((kind, period_start(kind, day.date)) for kind in KINDS) for day in days]
        counted = [day.date in voted for day in days]
        for pid, places in self.planner.places().items():
            for place in places:  # in day order: the first one is the first listing
                votes = place.upvotes if counted[place.day] else None
                for key in keys[place.day]:
                    last[key] = max(last.get(key, place.day), place.day)
                    seen = found.setdefault(key, {})
                    if pid not in seen:
                        seen[pid] = [votes, place.day, place.rank]
                    elif votes is not None and (seen[pid][0] is None or votes > seen[pid][0]):
                        seen[pid][0] = votes
        newest = days[-1].date if days else date.min
        out: dict[str, list[Period]] = {kind: [] for kind in KINDS}
        for (kind, start), seen in sorted(found.items()):
            end = period_end(kind, start)
            out[kind].append(Period(kind, start, end, days[last[(kind, start)]].date,
                                    self._rank(seen), newest > end))
        return {kind: tuple(found) for kind, found in out.items()}

    def _rank(self, seen: dict[str, list]) -> tuple[tuple[str, int | None], ...]:
        notes = self.archive.notes

        def key(pid: str) -> tuple:
            best, day, rank = seen[pid]
            note = notes.get(pid)
            return (not (note and note.pick), -(best or 0), day, rank, pid)

        return tuple((pid, seen[pid][0]) for pid in sorted(seen, key=key))

    # -- the plan -----------------------------------------------------------
    def pages(self) -> Iterator[Page]:
        """The calendar, then for each kind its index, its digests and its feeds."""
        yield from self.calendar_pages()
        for kind in KINDS:
            yield Page(INDEX[kind], "periods.html", partial(self._index_context, kind),
                       f"{kind}s", True, self._newest_day(kind))
            periods = self.periods[kind]
            for index in range(len(periods)):
                yield from self._period_pages(kind, index)
            yield from self.feed_pages(kind)

    def _newest_day(self, kind: str) -> date | None:
        periods = self.periods[kind]
        return periods[-1].last_day if periods else None

    def _period_pages(self, kind: str, index: int) -> Iterator[Page]:
        """A period's papers, `page_size` to a page: page 2 of a month goes on from 51."""
        period = self.periods[kind][index]
        size = self.archive.config.page_size
        total = max(1, -(-len(period.ranked) // size))
        listing = period.location
        for number in range(1, total + 1):
            pager = Pager(number, total, listing,
                          urls.page(listing, number - 1) if number > 1 else None,
                          urls.page(listing, number + 1) if number < total else None)
            chunk = period.ranked[(number - 1) * size: number * size]
            make = partial(page_context, partial(self._period_context, kind, index), pager,
                           partial(self._listed, (number - 1) * size), chunk)
            yield Page(urls.page(listing, number), "period.html", make, kind, True,
                       period.last_day, tuple(pid for pid, _ in chunk))

    def _listed(self, offset: int, chunk: Sequence[tuple[str, int | None]]) -> dict:
        card = self.planner.card
        return {"listed": tuple(Listed(card(pid), offset + place, best)
                                for place, (pid, best) in enumerate(chunk, start=1))}

    def _feeds(self, kind: str) -> tuple:
        return self.planner.feed_links(text(f"{kind}s")[0], INDEX[kind])

    def _period_context(self, kind: str, index: int) -> dict:
        periods = self.periods[kind]
        period = periods[index]
        title, description = text(kind, name=period.name, span=_span(period.start, period.end))
        context = self.planner.base(title, description, self._feeds(kind))
        prev = periods[index - 1] if index > 0 else None
        after = periods[index + 1] if index + 1 < len(periods) else None
        context.update(  # the period's facts, not its whole ranking: every page's fingerprint
            kind=kind, start=period.start, end=period.end, closed=period.closed,
            count=len(period.ranked),
            voted=any(best is not None for _, best in period.ranked),
            index_location=INDEX[kind],
            index_title=text(f"{kind}s")[0],
            prev=(prev.name, prev.location) if prev else None,
            next=(after.name, after.location) if after else None,
            feed_label=text(f"{kind}s")[0].lower(),
        )
        return context

    def _index_context(self, kind: str) -> dict:
        context = self.planner.base(*text(f"{kind}s"), self._feeds(kind))
        context.update(kind=kind, periods=tuple(
            (p.name, p.location, p.start, p.end, len(p.ranked), p.closed)
            for p in reversed(self.periods[kind])))
        return context

    # -- feeds -----------------------------------------------------------------
    def feed_pages(self, kind: str) -> Iterator[Page]:
        """One item per closed period, newest first, `feed_size` periods at most; each
        item names the period's first `feed_size` papers."""
        size = self.archive.config.feed_size
        deps = tuple(dict.fromkeys(pid for period in self._closed(kind)
                                   for pid, _ in period.ranked[:size]))
        for flavour in urls.FEED_KINDS:
            yield Page(urls.feed(INDEX[kind], flavour), None,
                       partial(self._feed_context, kind, flavour), "digest-feed", deps=deps)

    def _closed(self, kind: str) -> list[Period]:
        """The periods a kind's feed lists: the newest closed ones."""
        size = self.archive.config.feed_size
        return [p for p in reversed(self.periods[kind]) if p.closed][:size]

    def _feed_context(self, kind: str, flavour: str) -> dict:
        items = self._items.get(kind)
        if items is None:
            size = self.archive.config.feed_size
            items = self._items[kind] = tuple(self._item(period, size)
                                              for period in self._closed(kind))
        site = self.archive.config.title
        title, description = text(f"{kind}s")
        return {"feed": flavour, "listing": INDEX[kind], "items": items,
                "title": f"{site}{FEED_TITLE_SEPARATOR}{title}",
                "description": description, "site": self.archive.config}

    def _item(self, period: Period, size: int) -> DigestItem:
        archive = self.archive
        lines = tuple(
            DigestLine(pid, rank, plain_tex(archive.papers[pid].title), best,
                       bool((note := archive.notes.get(pid)) and note.pick))
            for rank, (pid, best) in enumerate(period.ranked[:size], start=1))
        title, description = text(period.kind, name=period.name,
                                  span=_span(period.start, period.end))
        count = len(period.ranked)
        summary = f"{count} paper{'s' if count != 1 else ''}. {description}"
        return DigestItem(period.location, title, summary, midnight(period.end), lines, count)

    # -- the calendar ----------------------------------------------------------
    def calendar_pages(self) -> Iterator[Page]:
        """The newest year at `archive/`, each older year at `archive/YYYY/`."""
        years = sorted({day.date.year for day in self.archive.days}, reverse=True) or [0]
        for index, year in enumerate(years):
            location = urls.archive() if index == 0 else urls.archive_year(year)
            yield Page(location, "archive.html", partial(self._calendar_context, years, year),
                       "archive", True)

    @cached_property
    def _counts(self) -> dict[date, int]:
        """Each day's visible papers."""
        days = self.archive.days
        counts: dict[date, int] = {}
        for places in self.planner.places().values():
            for place in places:
                when = days[place.day].date
                counts[when] = counts.get(when, 0) + 1
        return {day.date: counts.get(day.date, 0) for day in days}

    def _calendar_context(self, years: list[int], year: int) -> dict:
        counts = {d: n for d, n in self._counts.items() if d.year == year}
        weeks = {p.start for p in self.periods["week"]}
        digests = {p.start for p in self.periods["month"]}
        months = [(month, _grid(month, counts, weeks))
                  for month, _ in groupby(sorted(counts, reverse=True), key=_first_of_month)]
        context = self.planner.base(*text("archive"))
        context.update(
            year=year,
            months=tuple((m, urls.month(m) if m in digests else "", rows) for m, rows in months),
            years=tuple((y, urls.archive() if i == 0 else urls.archive_year(y))
                        for i, y in enumerate(years) if y),
            digests=((text("weeks")[0], INDEX["week"]), (text("months")[0], INDEX["month"])),
        )
        return context


def opml_outlines(site: str) -> list[tuple[str, str, str]]:
    """(title, RSS feed, page) of the two digest feeds, as feeds.opml lists them: one
    outline per kind, never one per week (each week's own page links its feed)."""
    return [(xml_text(f"{site}{FEED_TITLE_SEPARATOR}{text(f'{kind}s')[0]}"),
             urls.feed(INDEX[kind], "rss"), INDEX[kind]) for kind in KINDS]


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


Cell = tuple[int, str | None, int] | None  # (day of month, day page or None, papers)


def _grid(month: date, counts: dict[date, int],
          weeks: set[date]) -> tuple[tuple[str, str, tuple[Cell, ...]], ...]:
    """The month's Monday-to-Sunday rows: (week label, week digest, seven cells), a cell
    None outside the month. A week with no visible paper has no digest (an empty location)."""
    rows = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        cells: list[Cell] = [
            None if day.month != month.month
            else (day.day, urls.day(day), counts[day]) if day in counts
            else (day.day, None, 0)
            for day in week
        ]
        number = week[0].isocalendar()[1]
        rows.append((f"W{number:02d}", urls.week(week[0]) if week[0] in weeks else "",
                     tuple(cells)))
    return tuple(rows)

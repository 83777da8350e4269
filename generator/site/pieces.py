"""What a page plan is made of: pages, the cards and feed items they share, pagers, and
the words pages say. Every page kind (`pages`, `digests`, `exports`) builds on these,
and the renderers (`render`, `feeds`) read them, so none of those imports another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from ..core.model import Archive, Note, Paper
from . import urls

FEED_TITLE_SEPARATOR = " — "  # a listing's feeds are called "Site — Listing"
# What a listing says it holds, where its topic or organization gives no description:
# its page and its feeds read these same words.
LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
# Every title and description a reader is shown for a page or feed, in one table, so a
# listing's page and its feeds always say the same. `{name}` is a topic's or an
# organization's name, `{day}` a day as "May 20, 2026", `{iso}` as 2026-05-20.
TEXT: dict[str, tuple[str, str]] = {
    "day": ("Papers of {day}", "The research papers listed on {iso}, in the order listed."),
    "archive": ("Archive", "Every day in the archive, by month, with its number of papers."),
    "week": ("Papers of {name}", "The papers listed {span}: the curator's picks first, then "
             "by the most upvotes on any day of the week; ties go to the paper listed first."),
    "month": ("Papers of {name}", "The papers listed {span}: the curator's picks first, then "
              "by the most upvotes on any day of the month; ties go to the paper listed first."),
    "weeks": ("Weekly digests", "Each week's papers, the curator's picks and the most "
              "upvoted first."),
    "months": ("Monthly digests", "Each month's papers, the curator's picks and the most "
               "upvoted first."),
    "topics": ("Topics", "Papers by research topic."),
    "topic": ("{name}", "Papers on {name}."),
    "orgs": ("Organizations", "Papers by the organization that published them."),
    "org": ("{name}", "Research papers from {name}."),
    "picks": ("Curator's picks", "The papers the curator picked, newest first."),
    "notes": ("Curator's notes", "The curator's notes on papers, newest note first."),
    "404": ("Page not found", "No page at this address."),
    "search": ("Search", "Search the papers by title, authors, abstract, note, topic and tag."),
}
PICKS_TEXT = TEXT["picks"]
NOTES_TEXT = TEXT["notes"]


def text(kind: str, **values: str) -> tuple[str, str]:
    """A page kind's title and description from TEXT, filled in."""
    title, description = TEXT[kind]
    return title.format(**values), description.format(**values)


@dataclass(frozen=True, slots=True)
class Card:
    """A paper as a listing shows it."""

    id: str
    title: str
    location: str
    org_name: str | None
    org_location: str | None
    authors: int | None
    published: date | None
    first_day: date
    first_day_location: str | None  # None for a paper no day lists
    topics: tuple[tuple[str, str], ...]  # (name, location)
    excerpt: str  # the start of the curator's note
    pick: bool
    summary: str = ""  # the start of the abstract, as plain text
    upvotes: int | None = None  # on the last day that listed it, where that day counted any
    # the same places as URLs with the base path, ready for templates: a listing shows
    # fifty cards, and a template call per link would cost more than the rest of the card
    href: str = ""
    org_href: str | None = None
    first_day_href: str | None = None
    topic_links: tuple[tuple[str, str], ...] = ()  # (name, URL)
    names: str = ""  # the first authors' names and "et al.", when the source named them
    arxiv_href: str | None = None  # the arXiv abstract page, from the effective arXiv id


@dataclass(frozen=True, slots=True)
class Listed:
    """A card in a day's listing: its place among the day's visible papers, and that day's
    upvotes (None when the day counted none at all)."""

    card: Card
    rank: int
    upvotes: int | None


class Place(NamedTuple):
    """Where a visible paper sits on one day: by day index and paper ids (see `Placing`)."""

    day: int  # index in archive.days
    rank: int
    total: int  # the day's visible papers
    upvotes: int
    prev: str | None
    next: str | None


@dataclass(frozen=True, slots=True)
class Placing:
    """A paper's place on one day's listing, with its neighbours there as (title, URL)."""

    day: date
    location: str
    rank: int
    count: int  # the day's visible papers
    upvotes: int | None
    prev: tuple[str, str] | None
    next: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page sits in its listing: enough for previous/next/first/last links."""

    number: int
    total: int
    first: str  # location of page 1
    prev: str | None
    next: str | None

    def location(self, number: int) -> str:
        return urls.page(self.first, number)

    @property
    def last(self) -> str:
        return urls.page(self.first, self.total)


@dataclass(frozen=True, slots=True)
class FeedLink:
    title: str
    location: str
    kind: str  # a key of urls.FEED_KINDS

    @property
    def mime(self) -> str:
        return urls.feed_mime(self.kind)

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A paper (or, in the notes feed, its note) as a feed lists it: everything its
    item's bytes depend on."""

    id: str
    paper: Paper
    note: Note | None
    day: date  # the day it counts in: first listed, or (a note) published
    when: datetime  # that day at 00:00 UTC plus (N - rank) seconds: rank 1 of N is newest
    updated: datetime | None = None  # a note's last change, when it has one
    topics: tuple[tuple[str, str], ...] = ()  # (slug, name): the item's categories
    anchor: str = ""  # "note": the item is the paper's note, with an id of its own


@dataclass(frozen=True, slots=True)
class FeedListing:
    """A listing that has feeds: where they live, the page they follow, what they hold."""

    location: str
    page: str
    title: str
    description: str
    ids: Sequence[str]
    group: str  # its outline in feeds.opml
    notes: bool = False  # items are notes, dated and grouped by their `published` day


@dataclass(frozen=True, eq=False)
class Page:
    """One output file: where, how (template or feed), from what, and which papers it shows.

    The context is built on demand by `make`, so a rebuild builds contexts
    only for the pages it must look at, and a parallel build builds them in
    the worker that renders the page. `deps` are the ids of the papers whose
    data the page shows: the dependency record maps each paper to its pages.
    """

    location: str
    template: str | None  # None for feeds and verbatim files
    make: Callable[[], dict[str, Any]] = dict
    kind: str = "page"
    in_sitemap: bool = False
    lastmod: date | None = None
    deps: tuple[str, ...] = ()

    @cached_property
    def output(self) -> str:
        """The file's name in the output folder (asked for several times per page)."""
        return urls.output_file(self.location)


def midnight(day: date) -> datetime:
    """A day's start in UTC: what feeds date an item by before its rank's seconds."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def page_context(context: Callable[[], dict], pager: Pager, fill: Callable[[Sequence], dict],
                 chunk: Sequence) -> dict:
    """One page of a paginated listing: the listing's context, its slice and the pager."""
    base = context()
    found = dict(base, pager=pager, **fill(chunk))
    if pager.number > 1:
        found["title"] = f"{base['title']} (page {pager.number} of {pager.total})"
    return found


class Shared(Protocol):
    """What a page kind takes from the build's planner (`pages.Planner`): the archive,
    the cards and places it made once, and the context every HTML page has."""

    archive: Archive
    voted: set[date]
    bib: dict[str, Any]  # BibEntry by paper id, made once per build
    known_lines: dict[str, str]  # papers.json lines of unchanged papers, as last written

    def card(self, pid: str) -> Card: ...
    def places(self) -> dict[str, list[Place]]: ...
    def base(self, title: str, description: str,
             feeds: tuple[FeedLink, ...] = ()) -> dict: ...
    def feed_links(self, title: str, listing: str) -> tuple[FeedLink, ...]: ...
    def visible(self, entries: Sequence) -> tuple[tuple[int, Any], ...]: ...


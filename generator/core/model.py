"""The archive as plain data: what the store loads and every later stage reads.

Nothing here does I/O. `Archive` holds the content as loaded; `listings.index`
derives the listings every page needs exactly once, so rendering (serial,
parallel or incremental) only ever reads them.
"""

from __future__ import annotations

import copyreg
import operator
import re
from dataclasses import dataclass, field, fields
from datetime import date


@dataclass(frozen=True, slots=True)
class Org:
    """An organization as one day named it: the slug is stable, the name may vary."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper, merged over every day it appeared on (the latest day wins)."""

    id: str
    title: str
    abstract: str
    published: date | None
    authors: int | None  # the count; the number of names when the names are known
    org: Org | None
    links: tuple[str, ...]
    first_seen: date
    last_seen: date
    arxiv: str | None = None
    other_titles: tuple[str, ...] = ()  # titles giving the same id (see importer)
    author_names: tuple[str, ...] = ()  # in order, when the source gave them
    github: str | None = None
    project_page: str | None = None
    keywords: tuple[str, ...] = ()  # the source's, not the curator's topics
    summary: str | None = None  # the source's AI summary, kept apart from the abstract
    comments: int | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One stored field of a paper file: its YAML key, its kind (which says how the loader
    checks it), whether every paper has it, and the `Paper` attribute it fills."""

    key: str
    kind: str  # a kind the loader knows: id, text, titles, date, count, org, urls, arxiv,
    #            authors, url, words
    required: bool = False
    attr: str = ""  # the Paper attribute, when it is not the key

    @property
    def name(self) -> str:
        return self.attr or self.key


# A paper file's fields in the order they are written. Adding a stored field is one line
# here, its attribute on `Paper`, and the template that shows it.
PAPER_FIELDS: tuple[Field, ...] = (
    Field("id", "id", required=True),
    Field("title", "text", required=True),
    Field("other_titles", "titles"),
    Field("abstract", "text", required=True),
    Field("published", "date"),
    Field("organization", "org", attr="org"),
    Field("authors", "authors"),  # a whole number (a count) or the names in order
    Field("links", "urls"),
    Field("first_seen", "date", required=True),
    Field("last_seen", "date", required=True),
    Field("arxiv", "arxiv"),
    Field("github", "url"),
    Field("project_page", "url"),
    Field("keywords", "words"),
    Field("summary", "text"),
    Field("comments", "count"),
)

# The fields only the source's JSON gives: each comes from the most recent day that has it,
# so a later text day listing the paper again never loses them (see the importer).
SOURCE_FIELDS: tuple[str, ...] = (
    "arxiv", "authors", "github", "project_page", "keywords", "summary", "comments")

# arXiv identifiers: new style `2312.11514` (optional version) and old style `hep-th/9901001`.
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")


def paper_file_order(record: dict) -> dict:
    """A paper file's fields in the table's order; keys the table does not know keep their
    place at the end, so a hand-added key is never lost by an import."""
    known = {f.key: record[f.key] for f in PAPER_FIELDS if f.key in record}
    return known | {k: v for k, v in record.items() if k not in known}


@dataclass(frozen=True, slots=True)
class DayEntry:
    """A paper's place on one day: rank order is list order."""

    paper_id: str
    upvotes: int


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    source: str
    entries: tuple[DayEntry, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic; a paper matching one of `exclude` is never given it automatically."""

    slug: str
    name: str
    description: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """The curator's note on a paper; `topics` is None when it does not override."""

    paper_id: str
    body: str
    topics: tuple[str, ...] | None = None
    pick: bool = False
    hidden: bool = False
    tags: tuple[str, ...] = ()
    arxiv: str | None = None  # the curator's arXiv id, for a paper the source gave none
    # when the note was first published, and last changed: the notes feed's dates, kept in
    # the note itself so that a fresh clone dates it the same (a file's mtime would not)
    published: date | None = None
    updated: date | None = None


def arxiv_id(paper: Paper, note: Note | None) -> str | None:
    """A paper's arXiv id: the curator's, when the note sets one, else the paper file's."""
    return note.arxiv if note is not None and note.arxiv else paper.arxiv


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    description: str
    base_url: str
    language: str = "en"
    feed_size: int = 50
    page_size: int = 50
    theme: str = "default"
    source_summary: bool = True  # show the source's AI summary on paper pages
    # up to this many visible papers, one search index; above it, one per first-listed year
    search_one_index: int = 20_000


@dataclass(frozen=True, slots=True)
class Appearance:
    """One day a paper was listed on, with that day's rank (1-based) and upvotes."""

    day: date
    rank: int
    upvotes: int


@dataclass(frozen=True, slots=True)
class OrgListing:
    """An organization with its most recent display name and its visible papers."""

    slug: str
    name: str
    paper_ids: tuple[str, ...]


@dataclass
class Archive:
    """Loaded content plus the listings derived from it once per build.

    Listings hold ids only and exclude hidden papers; paper pages of hidden
    papers still exist (reachable by URL) but no listing, feed or sitemap
    names them.
    """

    config: SiteConfig
    topics: tuple[Topic, ...]
    papers: dict[str, Paper]
    days: tuple[Day, ...]  # oldest first
    notes: dict[str, Note]
    appearances: dict[str, tuple[Appearance, ...]] = field(default_factory=dict)
    paper_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topic_papers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    orgs: dict[str, OrgListing] = field(default_factory=dict)
    recent: tuple[str, ...] = ()  # visible papers, newest first appearance first
    picks: tuple[str, ...] = ()
    noted: tuple[str, ...] = ()  # visible papers with a note to read, newest note first
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)  # visible papers' most
    # similar visible papers, best first (archive/related.py)

    def is_visible(self, paper_id: str) -> bool:
        note = self.notes.get(paper_id)
        return not (note and note.hidden)

    def first_day(self, paper_id: str) -> date:
        """The day a paper first appeared (its date in every feed); for a paper no day
        lists, the first day its file records."""
        found = self.appearances.get(paper_id)
        return found[0].day if found else self.papers[paper_id].first_seen

    def arxiv(self, paper_id: str) -> str | None:
        """The paper's effective arXiv id (a note's overrides the source's)."""
        return arxiv_id(self.papers[paper_id], self.notes.get(paper_id))

    def note_published(self, paper_id: str) -> date:
        """The day a paper's note was published: its `published:` date, else the paper's
        first day (the documented fallback, which `check` warns about)."""
        note = self.notes[paper_id]
        return note.published or self.first_day(paper_id)


def fast_pickle(*classes: type) -> None:
    """Pickle frozen dataclasses as (class, field values): about twice as fast as the
    default for slotted classes, which matters for the parse cache and for page
    fingerprints at 100,000 papers."""
    for cls in classes:
        names = [f.name for f in fields(cls)]
        getter = operator.attrgetter(*names)
        if len(names) == 1:
            copyreg.pickle(cls, lambda obj, c=cls, g=getter: (c, (g(obj),)))
        else:
            copyreg.pickle(cls, lambda obj, c=cls, g=getter: (c, g(obj)))


fast_pickle(Org, Paper, DayEntry, Day, Topic, Note, SiteConfig, Appearance, OrgListing)

"""RSS 2.0 and Atom feeds: the root, every topic and every organization.

feedgen builds the XML and lxml escapes every text, so titles, abstracts and
notes reach readers as text whatever they contain. Two things are ours to
guarantee, because feedgen would not:

- Reproducible bytes. feedgen stamps the build time into `lastBuildDate`,
  `updated` and every entry's `updated`, and its own version into
  `generator`. Every date here is derived from content (the day a paper
  first appeared), so the same archive always gives the same bytes.
- Well-formed XML from any input. lxml refuses characters XML cannot hold
  (most C0 controls, lone surrogates, U+FFFE/U+FFFF); scraped text may
  contain them, so they are removed before anything reaches feedgen.

Pure: no file I/O. `feed_xml` makes one feed, `feeds_for` every feed of a
site. An item's HTML is rendered once per paper and archive and shared by
every feed that lists the paper (RSS and Atom, root, topic, organization).
"""

from __future__ import annotations

import html
import re
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import islice
from urllib.parse import urljoin

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from . import notes
from . import urls as locations
from .model import Archive, Note, Paper
from .urls import Urls

KINDS = ("rss", "atom")
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
GENERATOR = "paperpress"
EPOCH = date(1970, 1, 1)
TITLE_SEPARATOR = " — "

# Everything outside XML 1.0's Char production: C0 controls but tab, LF and
# CR; surrogates (only ever lone ones in a str); U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINK_ATTR = re.compile(r'\b(href|src)="([^"]*)"')


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold, which lxml rejects."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True, slots=True)
class _Item:
    """A paper's feed item as text, with the data it was made from to detect changes."""

    paper: Paper
    note: Note | None
    day: date
    title: str
    content: str


# Per archive (by identity, dropped when the archive is freed): paper id to item.
_ITEMS: dict[int, dict[str, _Item]] = {}


def feed_xml(kind: str, archive: Archive, paper_ids: Sequence[str], *, listing: str,
             title: str, description: str, urls: Urls) -> bytes:
    """One feed of `kind` ('rss' or 'atom') for the page at `listing`.

    `paper_ids` is the listing, newest first; only its first
    `config.feed_size` visible papers are looked at, so a feed costs the same
    whatever the size of the archive.
    """
    if kind not in KINDS:
        raise ValueError(f"feed kind must be 'rss' or 'atom', not {kind!r}")
    items = [(pid, _item(archive, pid, urls)) for pid in _capped(archive, paper_ids)]
    gen = _channel(kind, archive, listing, title, description, urls)
    gen.updated(_midnight(max((item.day for _, item in items), default=EPOCH)))
    for pid, item in items:
        gen.add_entry(_entry(item, urls.absolute(locations.paper(pid))), order="append")
    if kind == "rss":
        return gen.rss_str(pretty=True)
    return gen.atom_str(pretty=True)


def feeds_for(archive: Archive, urls: Urls) -> list[tuple[str, bytes]]:
    """Every feed of the site as (output path, bytes): root, topics, then organizations."""
    out: list[tuple[str, bytes]] = []
    for listing, title, description, ids in _listings(archive):
        for kind in KINDS:
            data = feed_xml(kind, archive, ids, listing=listing, title=title,
                            description=description, urls=urls)
            out.append((locations.feed(listing, kind), data))
    return out


def _listings(archive: Archive) -> Iterator[tuple[str, str, str, Sequence[str]]]:
    """(location, title, description, paper ids) of every page that has feeds."""
    config = archive.config
    yield locations.home(), config.title, config.description, archive.recent
    for topic in archive.topics:
        yield (locations.topic(topic.slug), config.title + TITLE_SEPARATOR + topic.name,
               topic.description or f"Papers on {topic.name}.",
               archive.topic_papers.get(topic.slug, ()))
    for key, org in archive.orgs.items():
        yield (locations.org(key), config.title + TITLE_SEPARATOR + org.name,
               f"Papers from {org.name}.", org.paper_ids)


def _capped(archive: Archive, paper_ids: Sequence[str]) -> Iterator[str]:
    """The first `feed_size` ids that name a visible paper, once each, in the given order.

    Listings already leave hidden papers out; this guard only costs the ids
    it skips, never a pass over the whole listing.
    """
    seen: set[str] = set()

    def usable(pid: str) -> bool:
        fresh = pid not in seen
        seen.add(pid)
        return fresh and pid in archive.papers and archive.is_visible(pid)

    return islice(filter(usable, paper_ids), max(archive.config.feed_size, 0))


def _channel(kind: str, archive: Archive, listing: str, title: str, description: str,
             urls: Urls) -> FeedGenerator:
    """The feed-level elements, with no build time and no feedgen version in them."""
    page = urls.absolute(listing)
    own = urls.absolute(locations.feed(listing, kind))
    site = xml_text(archive.config.title) or page
    name = xml_text(title) or site
    gen = FeedGenerator()
    gen.id(own)
    gen.title(name)
    gen.description(_channel_description(kind, xml_text(description) or name))
    gen.author({"name": site})
    # feedgen takes RSS's <link> from the last link added: the page, not the feed
    gen.link(href=own, rel="self", type=MIME[kind])
    gen.link(href=page, rel="alternate", type="text/html")
    gen.generator(GENERATOR)
    if language := xml_text(archive.config.language).strip():
        gen.language(language)
    return gen


def _channel_description(kind: str, text: str) -> str:
    """Escaped for RSS, whose channel description readers (feedparser too) take as HTML.

    Atom's subtitle is plain text already; either way an org named `<script>`
    is shown as its name, never run.
    """
    return html.escape(text, quote=False) if kind == "rss" else text


def _entry(item: _Item, url: str) -> FeedEntry:
    """One item: the paper's permanent URL is its link and its never-changing id."""
    when = _midnight(item.day)
    entry = FeedEntry()
    entry.guid(url, permalink=True)
    entry.title(item.title)
    entry.link(href=url, rel="alternate", type="text/html")
    entry.published(when)
    entry.updated(when)
    entry.content(item.content, type="html")
    return entry


def _item(archive: Archive, pid: str, urls: Urls) -> _Item:
    """The paper's item text, rendered once per archive unless the paper or note changed."""
    paper, note = archive.papers[pid], archive.notes.get(pid)
    day = _first_day(archive, pid)
    cache = _cache_of(archive)
    found = cache.get(pid)
    if found is None or not (_same(found.paper, paper) and _same(found.note, note)
                             and found.day == day):
        title = xml_text(paper.title).strip() or pid
        content = _content(paper, note, urls.absolute(locations.paper(pid)))
        found = cache[pid] = _Item(paper, note, day, title, xml_text(content))
    return found


def _same(old: object, new: object) -> bool:
    """Identity first: within one archive the objects are the same, and that check is free."""
    return old is new or old == new


def _cache_of(archive: Archive) -> dict[str, _Item]:
    """This archive's items; forgotten when the archive is, so ids are never reused stale."""
    key = id(archive)
    cache = _ITEMS.get(key)
    if cache is None:
        cache = _ITEMS[key] = {}
        weakref.finalize(archive, _ITEMS.pop, key, None)
    return cache


def _content(paper: Paper, note: Note | None, page: str) -> str:
    """HTML: the abstract, the organization or author count, then the curator's note."""
    parts = [f"<p>{html.escape(block.strip())}</p>"
             for block in _PARAGRAPH_BREAK.split(paper.abstract) if block.strip()]
    if byline := _byline(paper):
        parts.append(f"<p>{html.escape(byline)}</p>")
    if note is not None and note.body.strip():
        parts.append("<p><strong>Curator's note</strong></p>")
        parts.append(_absolute_links(notes.render(xml_text(note.body)), page))
    return "\n".join(parts)


def _absolute_links(markup: str, page: str) -> str:
    """A note's relative links resolved against its paper's page: feed readers have no
    page to resolve them against."""
    def resolve(match: re.Match[str]) -> str:
        target = urljoin(page, html.unescape(match.group(2)))
        return f'{match.group(1)}="{html.escape(target)}"'

    return _LINK_ATTR.sub(resolve, markup)


def _byline(paper: Paper) -> str:
    """The organization's name where the scrape gave one, else the author count."""
    if paper.org is not None and paper.org.name.strip():
        return paper.org.name.strip()
    if paper.authors:
        return f"{paper.authors} author" + ("" if paper.authors == 1 else "s")
    return ""


def _first_day(archive: Archive, pid: str) -> date:
    """The day a paper first appeared: its date in every feed, whatever it was published."""
    found = archive.appearances.get(pid)
    return found[0].day if found else archive.papers[pid].first_seen


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)

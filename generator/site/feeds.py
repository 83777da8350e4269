"""RSS 2.0 and Atom feeds, each made from its planned page's context alone.

The plan (`pages.Planner.feed_pages`) decides which feeds exist, their titles
and which papers each lists; this module only turns one such context into
bytes, so what an incremental build fingerprints is exactly what is rendered.

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

Pure: no file I/O. An item's HTML is rendered once per paper and shared by
every feed that lists it (RSS and Atom, root, topic, organization).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from ..archive import notes
from ..core.model import Note, Paper, SiteConfig
from . import urls as locations
from .urls import Urls

if TYPE_CHECKING:
    from .pages import FeedItem

GENERATOR = "paperpress"
EPOCH = date(1970, 1, 1)

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


# Rendered items by (base URL, paper id), reused while the paper, note and day are the same.
_ITEMS: dict[tuple[str, str], _Item] = {}


def feed_xml(context: dict[str, Any], urls: Urls) -> bytes:
    """One feed from its planned context: `feed` (a kind of `urls.FEED_KINDS`), `listing`,
    `title`, `description`, `items` (FeedItems, newest first) and `site`."""
    kind = context["feed"]
    if kind not in locations.FEED_KINDS:
        raise ValueError(f"feed kind must be one of {sorted(locations.FEED_KINDS)}, not {kind!r}")
    items: Sequence[FeedItem] = context["items"]
    gen = _channel(kind, context["site"], context["listing"], context["title"],
                   context["description"], urls)
    gen.updated(_midnight(max((item.day for item in items), default=EPOCH)))
    for item in items:
        gen.add_entry(_entry(_item(item, urls), urls.absolute(locations.paper(item.id))),
                      order="append")
    if kind == "rss":
        return gen.rss_str(pretty=True)
    return gen.atom_str(pretty=True)


def _channel(kind: str, site: SiteConfig, listing: str, title: str, description: str,
             urls: Urls) -> FeedGenerator:
    """The feed-level elements, with no build time and no feedgen version in them."""
    page = urls.absolute(listing)
    own = urls.absolute(locations.feed(listing, kind))
    site_name = xml_text(site.title) or page
    name = xml_text(title) or site_name
    gen = FeedGenerator()
    gen.id(own)
    gen.title(name)
    gen.description(_channel_description(kind, xml_text(description) or name))
    gen.author({"name": site_name})
    # feedgen takes RSS's <link> from the last link added: the page, not the feed
    gen.link(href=own, rel="self", type=locations.feed_mime(kind))
    gen.link(href=page, rel="alternate", type="text/html")
    gen.generator(GENERATOR)
    if language := xml_text(site.language).strip():
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


def _item(item: FeedItem, urls: Urls) -> _Item:
    """The paper's item text, rendered once unless the paper, note or day changed."""
    key = (urls.base_url, item.id)
    found = _ITEMS.get(key)
    if found is None or not (_same(found.paper, item.paper) and _same(found.note, item.note)
                             and found.day == item.day):
        title = xml_text(item.paper.title).strip() or item.id
        content = _content(item.paper, item.note, urls.absolute(locations.paper(item.id)))
        found = _ITEMS[key] = _Item(item.paper, item.note, item.day, title, xml_text(content))
    return found


def _same(old: object, new: object) -> bool:
    """Identity first: within one build the objects are the same, and that check is free."""
    return old is new or old == new


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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)

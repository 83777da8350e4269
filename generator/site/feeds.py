"""RSS 2.0, Atom and JSON Feed 1.1, each made from its planned page's context alone.

The plan (`pages.Planner.feed_pages`) decides which feeds exist, their titles
and which items each holds, with their dates; this module only turns one such
context into bytes, so what an incremental build fingerprints is exactly what
is rendered.

feedgen builds the XML and lxml escapes every text, so titles, abstracts and
notes reach readers as text whatever they contain; JSON Feed is written with
`json`, which escapes alike. Three things are ours to guarantee, because
feedgen would not:

- Reproducible bytes. feedgen stamps the build time into `lastBuildDate`,
  `updated` and every entry's `updated`, and its own version into
  `generator`. Every date here is derived from content (the day a paper
  first appeared, a note's own dates), so the same archive always gives the
  same bytes.
- Well-formed XML from any input. lxml refuses characters XML cannot hold
  (most C0 controls, lone surrogates, U+FFFE/U+FFFF); scraped text may
  contain them, so they are removed before anything reaches feedgen (or JSON,
  whose UTF-8 cannot hold a lone surrogate either).
- A size feed services accept. A feed over `LIMIT` bytes loses its oldest
  whole days until it fits; its newest day is kept whole, whatever its size.

Pure: no file I/O. An item's HTML is rendered once per paper and shared by
every feed that lists it (every flavour, root, topic, organization, picks,
notes).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ..archive import notes
from ..core.model import Note, Paper, SiteConfig, arxiv_id
from ..core.text import plain_tex
from . import links
from . import urls as locations
from .pieces import FeedItem, midnight
from .urls import Urls

if TYPE_CHECKING:  # imported where a feed is rendered: a build without one never is
    from feedgen.entry import FeedEntry
    from feedgen.feed import FeedGenerator

GENERATOR = "paperpress"
EPOCH = date(1970, 1, 1)
LIMIT = 1_000_000  # bytes: several feed services refuse a feed of 1 MB or more
JSON_FEED = "https://jsonfeed.org/version/1.1"
PICK_MARK = "★ "  # a pick's title starts with it in every feed

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
    title: str
    content: str
    authors: tuple[str, ...]  # the first FEED_AUTHORS names, when the source gave names


# Rendered items by (base URL, paper id), reused while the paper, note and day are the same.
_ITEMS: dict[tuple[str, str], _Item] = {}


def feed_bytes(context: dict[str, Any], urls: Urls) -> bytes:
    """One feed from its planned context: `feed` (a kind of `urls.FEED_KINDS`), `listing`
    (where its files are), `page` (the HTML page it follows), `title`, `description`,
    `items` (FeedItems, newest first, grouped by day) and `site`.

    Over `LIMIT` bytes, its oldest day goes, then the next, while more than one is left.
    """
    kind = context["feed"]
    if kind not in locations.FEED_KINDS:
        raise ValueError(f"feed kind must be one of {sorted(locations.FEED_KINDS)}, not {kind!r}")
    items: Sequence[FeedItem] = tuple(context["items"])
    while True:
        data = _render(kind, context, items, urls)
        if len(data) <= LIMIT or not items:
            return data
        oldest = items[-1].day
        kept = tuple(item for item in items if item.day != oldest)
        if not kept:  # the newest day alone: whole, whatever its size
            return data
        items = kept


def _render(kind: str, context: dict[str, Any], items: Sequence[FeedItem], urls: Urls) -> bytes:
    """The feed's bytes with these items: feedgen's XML, or our own JSON."""
    if kind == "json":
        return _json_feed(context, items, urls)
    gen = channel(kind, context["site"], context["listing"], context["page"], context["title"],
                  context["description"], urls)
    gen.load_extension("dc", atom=False, rss=True)  # Atom has <author> of its own
    gen.updated(max((item.updated or item.when for item in items), default=midnight(EPOCH)))
    for item in items:
        text = _item(item, urls)
        entry = gen.add_entry(_entry(item, text, _guid(item, urls)), order="append")
        if text.authors:  # RSS's <author> must be an email: Dublin Core names them
            entry.dc.dc_creator(list(text.authors))
    if kind == "rss":
        return gen.rss_str(pretty=True)
    return gen.atom_str(pretty=True)


def _guid(item: FeedItem, urls: Urls) -> str:
    """The paper's permanent URL; a note item's adds `#note`, so it is an item of its own."""
    page = urls.absolute(locations.paper(item.id))
    return f"{page}#{item.anchor}" if item.anchor else page


def _names(site: SiteConfig, title: str, page: str) -> tuple[str, str]:
    """(site name, feed title) as every flavour shows them, never empty."""
    site_name = xml_text(site.title) or page
    return site_name, xml_text(title) or site_name


def channel(kind: str, site: SiteConfig, listing: str, page_location: str, title: str,
             description: str, urls: Urls) -> FeedGenerator:
    """The feed-level elements, with no build time and no feedgen version in them."""
    page = urls.absolute(page_location)
    own = urls.absolute(locations.feed(listing, kind))
    site_name, name = _names(site, title, page)
    from feedgen.feed import FeedGenerator

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


def _entry(item: FeedItem, text: _Item, url: str) -> FeedEntry:
    """One item: a permanent URL is its link and its never-changing id."""
    from feedgen.entry import FeedEntry

    entry = FeedEntry()
    entry.guid(url, permalink=True)
    entry.title(text.title)
    entry.link(href=url, rel="alternate", type="text/html")
    entry.published(item.when)
    entry.updated(item.updated or item.when)
    entry.content(text.content, type="html")
    if text.authors:
        entry.author([{"name": name} for name in text.authors])
    for slug, name in item.topics:
        entry.category(term=slug, label=xml_text(name) or slug)
    return entry


def _json_feed(context: dict[str, Any], items: Sequence[FeedItem], urls: Urls) -> bytes:
    """JSON Feed 1.1: the same items as the XML feeds, keys in a fixed order."""
    feed = json_head(context["site"], context["listing"], context["page"], context["title"],
                     context["description"], urls)
    feed["items"] = [_json_item(item, _item(item, urls), _guid(item, urls)) for item in items]
    return json_bytes(feed)


def json_head(site: SiteConfig, listing: str, page_location: str, title: str,
              description: str, urls: Urls) -> dict[str, Any]:
    """A JSON Feed's own keys, in a fixed order, before its items."""
    page = urls.absolute(page_location)
    site_name, name = _names(site, title, page)
    feed: dict[str, Any] = {
        "version": JSON_FEED,
        "title": name,
        "home_page_url": page,
        "feed_url": urls.absolute(locations.feed(listing, "json")),
        "description": xml_text(description) or name,
    }
    if language := xml_text(site.language).strip():
        feed["language"] = language
    feed["authors"] = [{"name": site_name}]
    return feed


def json_bytes(feed: dict[str, Any]) -> bytes:
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _json_item(item: FeedItem, text: _Item, url: str) -> dict[str, Any]:
    """One JSON Feed item; authors are the paper's authors where the source named them,
    else its organization where it names one (otherwise the feed's authors stand, as
    the spec says)."""
    out: dict[str, Any] = {"id": url, "url": url, "title": text.title,
                           "content_html": text.content,
                           "date_published": item.when.isoformat()}
    if item.updated is not None:
        out["date_modified"] = item.updated.isoformat()
    if item.topics:
        out["tags"] = [xml_text(name) or slug for slug, name in item.topics]
    org = item.paper.org
    if text.authors:
        out["authors"] = [{"name": name} for name in text.authors]
    elif org is not None and (org_name := xml_text(org.name).strip()):
        out["authors"] = [{"name": org_name}]
    return out


def _item(item: FeedItem, urls: Urls) -> _Item:
    """The paper's item text, rendered once unless the paper or its note changed."""
    key = (urls.base_url, item.id)
    found = _ITEMS.get(key)
    if found is None or not (_same(found.paper, item.paper) and _same(found.note, item.note)):
        title = xml_text(plain_tex(item.paper.title)).strip() or item.id
        if item.note is not None and item.note.pick:
            title = PICK_MARK + title
        content = _content(item.paper, item.note, urls.absolute(locations.paper(item.id)))
        found = _ITEMS[key] = _Item(item.paper, item.note, title, xml_text(content),
                                    _authors(item.paper))
    return found


def _same(old: object, new: object) -> bool:
    """Identity first: within one build the objects are the same, and that check is free."""
    return old is new or old == new


def _content(paper: Paper, note: Note | None, page: str) -> str:
    """HTML: the curator's note first, then the abstract, the organization or author
    count, and the paper's pages elsewhere. Without a note, no headings."""
    parts = []
    if note is not None and note.body.strip():
        parts.append("<p><strong>Curator's note</strong></p>")
        parts.append(_absolute_links(notes.render(xml_text(note.body)), page).rstrip("\n"))
        parts.append("<p><strong>Abstract</strong></p>")
    parts += [f"<p>{html.escape(block.strip())}</p>"
              for block in _PARAGRAPH_BREAK.split(plain_tex(paper.abstract)) if block.strip()]
    if byline := _byline(paper):
        parts.append(f"<p>{html.escape(byline)}</p>")
    if found := links.by_id(arxiv_id(paper, note)) + links.named(paper):
        parts.append("<p>" + " · ".join(f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
                                        for label, url in found) + "</p>")
    return "\n".join(parts)


def _authors(paper: Paper) -> tuple[str, ...]:
    """The names an item carries: the first `links.FEED_AUTHORS`, so that a paper with
    hundreds of authors cannot crowd its day out of a feed."""
    names = (xml_text(name).strip() for name in paper.author_names[:links.FEED_AUTHORS])
    return tuple(name for name in names if name)


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



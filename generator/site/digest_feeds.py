"""The weekly and monthly digest feeds: one item per closed period, newest first.

A feed of one week's papers would never gain an item once its week is over,
so nobody could usefully subscribe to it; a digest feed gains one item per
week (or month) instead, once that period is over, and the item never changes
afterwards. Each item lists the period's top papers in the page's order and
links the period's page for the rest.

Like `feeds`, this only turns a planned context into bytes: the plan
(`digests.Digests.feed_pages`) chose the items; dates come from content (the
period's last calendar day), never from the clock.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import urls as locations
from .feeds import EPOCH, LIMIT, PICK_MARK, channel, json_bytes, json_head, xml_text
from .pieces import midnight
from .urls import Urls


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One paper of a digest item: its place, title, best upvotes and pick mark."""

    id: str
    rank: int
    title: str
    upvotes: int | None
    pick: bool


@dataclass(frozen=True, slots=True)
class DigestItem:
    """A closed period as its feed item: where its page is, what it is called, its top papers."""

    location: str
    title: str
    summary: str  # one sentence: how many papers, which days, the ranking rule
    when: datetime  # the period's last calendar day, 00:00 UTC
    lines: tuple[DigestLine, ...]
    total: int  # the period's visible papers; `lines` holds the first of them


def digest_feed_bytes(context: dict[str, Any], urls: Urls) -> bytes:
    """One digest feed from its planned context: `feed` (a kind of `urls.FEED_KINDS`),
    `listing`, `title`, `description`, `site` and `items` (DigestItems, newest first).
    Over `LIMIT` bytes, its oldest items go while more than one is left."""
    items: Sequence[DigestItem] = tuple(context["items"])
    while True:
        data = _render(context, items, urls)
        if len(data) <= LIMIT or len(items) <= 1:
            return data
        items = items[:-1]


def _render(context: dict[str, Any], items: Sequence[DigestItem], urls: Urls) -> bytes:
    kind = context["feed"]
    listing = context["listing"]
    head = (context["site"], listing, listing, context["title"], context["description"], urls)
    if kind == "json":
        feed = json_head(*head)
        feed["items"] = [
            {"id": urls.absolute(item.location), "url": urls.absolute(item.location),
             "title": xml_text(item.title), "content_html": content(item, urls),
             "date_published": item.when.isoformat()}
            for item in items
        ]
        return json_bytes(feed)
    gen = channel(kind, *head)
    gen.updated(items[0].when if items else midnight(EPOCH))
    for item in items:
        url = urls.absolute(item.location)
        entry = gen.add_entry(order="append")
        entry.guid(url, permalink=True)
        entry.title(xml_text(item.title))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(item.when)
        entry.updated(item.when)
        entry.content(content(item, urls), type="html")
    return gen.rss_str(pretty=True) if kind == "rss" else gen.atom_str(pretty=True)


def content(item: DigestItem, urls: Urls) -> str:
    """The item's HTML: its summary, the ranked top papers, a link to the whole period."""
    parts = [f"<p>{html.escape(item.summary)}</p>", "<ol>"]
    for line in item.lines:
        votes = "" if line.upvotes is None else f" ({line.upvotes} upvotes)"
        mark = PICK_MARK if line.pick else ""
        href = html.escape(urls.absolute(locations.paper(line.id)))
        parts.append(f'<li value="{line.rank}">{html.escape(mark)}<a href="{href}">'
                     f"{html.escape(line.title)}</a>{votes}</li>")
    parts.append("</ol>")
    if item.total > len(item.lines):
        parts.append(f'<p><a href="{html.escape(urls.absolute(item.location))}">'
                     f"All {item.total} papers</a></p>")
    return xml_text("\n".join(parts))

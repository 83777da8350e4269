"""The page plan: every output file of the site, with the data it is made from.

`plan(archive, urls)` is pure and returns `Page` records before anything is
rendered. A page's `inputs` are exactly the data its bytes depend on, so its
fingerprint tells an incremental build whether it must be rendered again.
Listings share one `Card` per paper, computed once per build.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from . import notes, urls
from .model import Archive, Paper, SiteConfig, Topic

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
FEED_TITLE_SEPARATOR = " — "  # "Site — Topic", as feeds.TITLE_SEPARATOR
ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


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
    excerpt: str
    pick: bool


@dataclass(frozen=True, slots=True)
class Listed:
    """A card in a day's ranking, with that day's upvotes."""

    card: Card
    rank: int
    upvotes: int


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
    kind: str  # 'rss' or 'atom'

    @property
    def mime(self) -> str:
        return "application/rss+xml" if self.kind == "rss" else "application/atom+xml"


@dataclass(frozen=True)
class Page:
    """One output file: where, how (template or feed) and from what."""

    location: str
    template: str | None  # None for feeds and verbatim files
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = "page"
    in_sitemap: bool = False
    lastmod: date | None = None

    @property
    def output(self) -> str:
        return urls.output_file(self.location)

    def fingerprint(self) -> bytes:
        """A digest of everything the page's bytes depend on, besides templates."""
        data = pickle.dumps((self.template, self.kind, self.context), protocol=5)
        return hashlib.blake2b(data, digest_size=16).digest()


class Planner:
    """Builds the plan; holds the per-build lookups that every page shares."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.topic_by_slug: dict[str, Topic] = {t.slug: t for t in archive.topics}
        self.cards = {pid: self._card(pid) for pid in archive.papers}
        self.site_feeds = self._feed_links(archive.config.title, urls.home())

    # -- shared pieces ----------------------------------------------------
    def _card(self, pid: str) -> Card:
        archive = self.archive
        paper = archive.papers[pid]
        note = archive.notes.get(pid)
        org_key = self._org_key(paper)
        return Card(
            id=pid,
            title=paper.title,
            location=urls.paper(pid),
            org_name=archive.orgs[org_key].name if org_key else None,
            org_location=urls.org(org_key) if org_key else None,
            authors=paper.authors,
            published=paper.published,
            first_day=archive.first_day(pid) if pid in archive.appearances else paper.first_seen,
            first_day_location=(urls.day(archive.first_day(pid))
                                if pid in archive.appearances else None),
            topics=self._topics(pid),
            excerpt=notes.excerpt(note.body) if note and note.body else "",
            pick=bool(note and note.pick),
        )

    def _org_key(self, paper: Paper) -> str | None:
        from .ids import org_path_slug

        if paper.org is None:
            return None
        key = org_path_slug(paper.org.slug)
        return key if key in self.archive.orgs else None

    def _topics(self, pid: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (self.topic_by_slug[s].name, urls.topic(s))
            for s in self.archive.paper_topics.get(pid, ())
            if s in self.topic_by_slug
        )

    def _feed_links(self, title: str, listing: str) -> tuple[FeedLink, ...]:
        return (
            FeedLink(f"{title} (RSS)", urls.feed(listing, "rss"), "rss"),
            FeedLink(f"{title} (Atom)", urls.feed(listing, "atom"), "atom"),
        )

    def _base(self, title: str, description: str, feeds: tuple[FeedLink, ...] = ()) -> dict:
        """Context every HTML page has: its title, description, the site and its feeds.

        `site` is here (not only a template global) so that a change to
        site.yaml changes every page's fingerprint. `own_feeds` are the feeds
        of this listing itself, the ones a "Follow" line offers.
        """
        return {"site": self.archive.config, "title": title, "description": description,
                "feeds": self.site_feeds + feeds, "own_feeds": feeds or self.site_feeds}

    # -- page kinds ---------------------------------------------------------
    def pages(self) -> Iterator[Page]:
        yield self.home()
        yield from self.day_pages()
        yield self.archive_page()
        yield from self.topic_pages()
        yield from self.org_pages()
        yield from self.paper_pages()
        yield from self.feed_pages()

    def home(self) -> Page:
        """The latest day's first page of papers, the picks, the topics and the feeds."""
        archive = self.archive
        latest = archive.days[-1] if archive.days else None
        listed = self._listed(latest.entries) if latest else ()
        size = archive.config.page_size
        context = self._base(archive.config.title, archive.config.description)
        context.update(
            day=(latest.date, urls.day(latest.date)) if latest else None,
            listed=listed[:size],
            day_total=len(listed),
            more=urls.page(urls.day(latest.date), 2) if latest and len(listed) > size else None,
            picks=tuple(self.cards[p] for p in archive.picks[:size]),
            topics=self._topic_counts(),
        )
        return Page(urls.home(), "home.html", context, "home", in_sitemap=True,
                    lastmod=latest.date if latest else None)

    def _topic_counts(self) -> tuple[tuple[Topic, str, int], ...]:
        """(topic, location, visible papers) in topics.yaml order."""
        return tuple(
            (t, urls.topic(t.slug), len(self.archive.topic_papers.get(t.slug, ())))
            for t in self.archive.topics
        )

    def _listed(self, entries: Sequence) -> tuple[Listed, ...]:
        """A day's visible papers with their rank on that day (hidden ones leave a gap)."""
        archive = self.archive
        return tuple(
            Listed(self.cards[e.paper_id], rank, e.upvotes)
            for rank, e in enumerate(entries, start=1)
            if e.paper_id in self.cards and archive.is_visible(e.paper_id)
        )

    def day_pages(self) -> Iterator[Page]:
        days = self.archive.days
        for index, day in enumerate(days):
            prev_day = days[index - 1].date if index > 0 else None
            next_day = days[index + 1].date if index + 1 < len(days) else None
            listed = self._listed(day.entries)
            context = self._base(
                f"Papers of {day.date:%B} {day.date.day}, {day.date.year}",
                f"The research papers listed on {day.date.isoformat()}, ranked by upvotes.",
            )
            context.update(
                day=day.date,
                count=len(listed),
                prev=(prev_day, urls.day(prev_day)) if prev_day else None,
                next=(next_day, urls.day(next_day)) if next_day else None,
            )
            yield from self._paginated(urls.day(day.date), "day.html", "day", listed, context,
                                       key="listed", lastmod=day.date)

    def archive_page(self) -> Page:
        months: dict[tuple[int, int], list[tuple[date, str, int]]] = defaultdict(list)
        for day in reversed(self.archive.days):
            visible = sum(1 for e in day.entries if self.archive.is_visible(e.paper_id))
            months[(day.date.year, day.date.month)].append((day.date, urls.day(day.date), visible))
        context = self._base("Archive", "Every day in the archive, by month.")
        context["months"] = tuple(
            (date(year, month, 1), tuple(found)) for (year, month), found in months.items()
        )
        return Page(urls.archive(), "archive.html", context, "archive", True)

    def _paginated(self, listing: str, template: str, kind: str, items: Sequence,
                   context: dict, key: str = "cards",
                   lastmod: date | None = None) -> Iterator[Page]:
        """One page per `page_size` items at `listing`, `listing`page/2/, ...

        Each page's context holds only its own slice (as `key`) and the pager,
        so adding a paper re-renders the pages it shifts and no others.
        """
        size = self.archive.config.page_size
        total = max(1, -(-len(items) // size))
        for number in range(1, total + 1):
            pager = Pager(
                number, total, listing,
                urls.page(listing, number - 1) if number > 1 else None,
                urls.page(listing, number + 1) if number < total else None,
            )
            chunk = tuple(items[(number - 1) * size : number * size])
            page_context = dict(context, pager=pager, **{key: chunk})
            if number > 1:
                page_context["title"] = f"{context['title']} (page {number} of {total})"
            yield Page(urls.page(listing, number), template, page_context, kind, True, lastmod)

    def topic_pages(self) -> Iterator[Page]:
        archive = self.archive
        index = self._base("Topics", "Papers by research topic.")
        index["topics"] = self._topic_counts()
        yield Page(urls.topics(), "topics.html", index, "topics", True)
        for topic in archive.topics:
            listing = urls.topic(topic.slug)
            ids = archive.topic_papers.get(topic.slug, ())
            feeds = self._feed_links(topic.name, listing)
            context = self._base(topic.name, topic.description or f"Papers on {topic.name}.", feeds)
            context["topic"] = topic
            context["count"] = len(ids)
            cards = [self.cards[p] for p in ids]
            yield from self._paginated(listing, "topic.html", "topic", cards, context)

    def org_pages(self) -> Iterator[Page]:
        orgs = self.archive.orgs
        index = self._base("Organizations", "Papers by the organization that published them.")
        index["orgs"] = tuple(
            (org.name, urls.org(key), len(org.paper_ids))
            for key, org in sorted(orgs.items(), key=lambda kv: (kv[1].name.lower(), kv[0]))
        )
        yield Page(urls.orgs(), "orgs.html", index, "orgs", True)
        for key, org in orgs.items():
            listing = urls.org(key)
            feeds = self._feed_links(org.name, listing)
            context = self._base(org.name, f"Research papers from {org.name}.", feeds)
            context["org_name"] = org.name
            context["count"] = len(org.paper_ids)
            cards = [self.cards[p] for p in org.paper_ids]
            yield from self._paginated(listing, "org.html", "org", cards, context)

    def paper_pages(self) -> Iterator[Page]:
        archive = self.archive
        for pid, paper in archive.papers.items():
            card = self.cards[pid]
            note = archive.notes.get(pid)
            visible = archive.is_visible(pid)
            context = self._base(paper.title, _summary(paper.abstract),
                                 self._paper_feeds(card) if visible else ())
            context.update(
                paper=paper,
                card=card,
                links=tuple(link for link in paper.links if _is_web_url(link)),
                external=_external(paper),
                appearances=tuple(
                    (a, urls.day(a.day)) for a in archive.appearances.get(pid, ())
                ),
                note_html=_nest_headings(notes.render(note.body)) if note and note.body.strip()
                else "",
                tags=note.tags if note else (),
                hidden=not visible,
            )
            yield Page(card.location, "paper.html", context, "paper", visible, paper.last_seen)

    def _paper_feeds(self, card: Card) -> tuple[FeedLink, ...]:
        """The feeds that list this paper: its topics' and its organization's."""
        feeds = tuple(
            link for name, location in card.topics for link in self._feed_links(name, location)
        )
        if card.org_location and card.org_name:
            feeds += self._feed_links(card.org_name, card.org_location)
        return feeds

    def feed_pages(self) -> Iterator[Page]:
        """RSS and Atom for the root, every topic and every organization.

        Titles and descriptions read as the topic and organization pages do:
        "Site — Topic", the topic's description, "Papers from Org.".
        """
        archive = self.archive
        size = archive.config.feed_size
        site = archive.config.title
        listings = [("", site, archive.config.description, archive.recent)]
        listings += [
            (urls.topic(t.slug), f"{site}{FEED_TITLE_SEPARATOR}{t.name}",
             t.description or f"Papers on {t.name}.", archive.topic_papers.get(t.slug, ()))
            for t in archive.topics
        ]
        listings += [
            (urls.org(key), f"{site}{FEED_TITLE_SEPARATOR}{org.name}",
             f"Papers from {org.name}.", org.paper_ids)
            for key, org in archive.orgs.items()
        ]
        for listing, title, description, ids in listings:
            capped = tuple(ids[:size])
            inputs = tuple(
                (archive.papers[p], archive.notes.get(p), self.cards[p].first_day) for p in capped
            )
            for kind in ("rss", "atom"):
                context = {"feed": kind, "listing": listing, "title": title,
                           "description": description, "ids": capped, "inputs": inputs,
                           "config": archive.config}
                yield Page(urls.feed(listing, kind), None, context, "feed")


def _is_web_url(link: str) -> bool:
    """Only http(s) URLs become links: a hand-edited paper file cannot add `javascript:`."""
    parts = urlsplit(link.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _external(paper: Paper) -> tuple[tuple[str, str], ...]:
    """(label, URL) of the paper's pages elsewhere, from its arXiv id when it has one."""
    if not paper.arxiv or not ARXIV_ID.match(paper.arxiv):
        return ()
    return (("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"),
            ("Hugging Face", f"https://huggingface.co/papers/{paper.arxiv}"))


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def _nest_headings(html: str) -> str:
    """A note's `# Heading` under the page's "Curator's note" (an h2): h1 becomes h3, and so on.

    The page keeps one h1 and an outline without gaps. Safe on markdown-it
    output: with raw HTML off, every `<hN>` in it is markdown-it's own tag.
    """
    return _HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", html)


def _summary(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def sitemap_chunks(pages: Sequence[Page]) -> list[list[Page]]:
    """Sitemap entries in plan order, split at the sitemaps.org limit."""
    listed = [p for p in pages if p.in_sitemap]
    return [listed[i : i + SITEMAP_LIMIT] for i in range(0, len(listed), SITEMAP_LIMIT)] or [[]]


def site_files(pages: Sequence[Page], feeds: tuple[FeedLink, ...],
               site: SiteConfig) -> list[Page]:
    """The files that describe the site itself: sitemap(s), robots.txt, 404, .nojekyll."""
    chunks = sitemap_chunks(pages)
    out: list[Page] = []
    if len(chunks) == 1:
        out.append(Page("sitemap.xml", "sitemap.xml", {"entries": _entries(chunks[0])}, "sitemap"))
    else:
        names = [f"sitemap-{i}.xml" for i in range(1, len(chunks) + 1)]
        out.append(Page("sitemap.xml", "sitemap-index.xml", {"sitemaps": tuple(names)}, "sitemap"))
        out += [Page(n, "sitemap.xml", {"entries": _entries(c)}, "sitemap")
                for n, c in zip(names, chunks, strict=True)]
    out.append(Page("robots.txt", "robots.txt", {}, "robots"))
    context = {"site": site, "title": "Page not found",
               "description": "No page at this address.", "feeds": feeds, "own_feeds": feeds}
    out.append(Page("404.html", "404.html", context, "404"))
    out.append(Page(".nojekyll", None, {}, "verbatim"))
    return out


def _entries(pages: Sequence[Page]) -> tuple[tuple[str, date | None], ...]:
    return tuple((p.location, p.lastmod) for p in pages)


def plan(archive: Archive) -> list[Page]:
    """Every page, listing, feed and site file, in a fixed order."""
    planner = Planner(archive)
    pages = list(planner.pages())
    return pages + site_files(pages, planner.site_feeds, archive.config)

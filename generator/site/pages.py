"""The page plan: every output file of the site, with the data it is made from.

`plan(archive, href)` is pure and returns `Page` records before anything is
rendered. A page's `inputs` are exactly the data its bytes depend on, so its
fingerprint tells an incremental build whether it must be rendered again.
Listings share one `Card` per paper, computed once per build.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from functools import cached_property, partial
from itertools import groupby
from typing import Any

from ..archive import notes
from ..core.ids import org_path_slug
from ..core.model import Archive, Paper, SiteConfig, Topic
from ..core.text import clip, plain_tex
from . import exports, search, urls
from . import links as elsewhere
from .digests import Digests, opml_outlines
from .feeds import xml_text
from .pieces import (
    FEED_TITLE_SEPARATOR,
    LABELS,
    NOTES_TEXT,
    PICKS_TEXT,
    Card,
    FeedItem,
    FeedLink,
    FeedListing,
    Listed,
    Page,
    Pager,
    Place,
    Placing,
    midnight,
    page_context,
    text,
)

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
class Planner:
    """Builds the plan; holds the per-build lookups that every page shares.

    Cards and feed links are made once per build and shared by every page
    that shows them; page contexts are made only when asked for.
    """

    def __init__(self, archive: Archive, href: Callable[[str], str],
                 search: bool = True) -> None:
        self.archive = archive
        self.href = href
        self.search = search  # the build writes a search index
        self.topic_by_slug: dict[str, Topic] = {t.slug: t for t in archive.topics}
        self._cards: dict[str, Card] = {}
        self._feeds: dict[tuple[str, str], tuple[FeedLink, ...]] = {}
        self.site_feeds = self.feed_links(archive.config.title, urls.home())
        # days whose listing counted upvotes: elsewhere a 0 means "not counted", not shown
        self.voted = {day.date for day in archive.days if any(e.upvotes for e in day.entries)}
        self._places: dict[str, list[Place]] | None = None
        self.bib: dict[str, exports.BibEntry] = {}  # made once, for cite.bib and day.bib
        self.known_lines: dict[str, str] = {}  # see `exports.written_lines`
        self.digests = Digests(self)

    def rebind(self, archive: Archive, changed: set[str]) -> None:
        """Plan the next build's pages with this plan: `archive` lists the same papers in
        the same places (the `changed` papers did not move, see `record.placing`), so every
        page, its location and its dependencies are as planned (but the notes feeds, when
        a note joined them); what shows the changed papers' data is made again, from
        `archive`, when a page asks for it."""
        self.archive = archive
        for pid in changed:
            self._cards.pop(pid, None)
            self.bib.pop(pid, None)
        self.__dict__.pop("feed_listings", None)
        self.digests.forget()

    # -- shared pieces ----------------------------------------------------
    def card(self, pid: str) -> Card:
        found = self._cards.get(pid)
        if found is None:
            found = self._cards[pid] = self._card(pid)
        return found

    def _card(self, pid: str) -> Card:
        archive = self.archive
        paper = archive.papers[pid]
        note = archive.notes.get(pid)
        org_key = self._org_key(paper)
        listed = pid in archive.appearances
        location = urls.paper(pid)
        org_location = urls.org(org_key) if org_key else None
        first_day_location = urls.day(archive.first_day(pid)) if listed else None
        topics = self._topics(pid)
        href = self.href
        seen = archive.appearances.get(pid)
        return Card(
            id=pid,
            title=plain_tex(paper.title),
            location=location,
            org_name=archive.orgs[org_key].name if org_key else None,
            org_location=org_location,
            authors=paper.authors,
            published=paper.published,
            first_day=archive.first_day(pid),
            first_day_location=first_day_location,
            topics=topics,
            excerpt=notes.excerpt(note.body) if note and note.body else "",
            pick=bool(note and note.pick),
            summary=clip(plain_tex(paper.abstract)),
            upvotes=seen[-1].upvotes if seen and seen[-1].day in self.voted else None,
            href=href(location),
            org_href=href(org_location) if org_location else None,
            first_day_href=href(first_day_location) if first_day_location else None,
            topic_links=tuple((name, href(where)) for name, where in topics),
            names=elsewhere.first_authors(paper.author_names),
            arxiv_href=elsewhere.arxiv_abs(archive.arxiv(pid)),
        )

    def _org_key(self, paper: Paper) -> str | None:
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

    def feed_links(self, title: str, listing: str) -> tuple[FeedLink, ...]:
        found = self._feeds.get((title, listing))
        if found is None:
            found = self._feeds[(title, listing)] = tuple(
                FeedLink(f"{title} ({LABELS[kind]})", urls.feed(listing, kind), kind)
                for kind in urls.FEED_KINDS
            )
        return found

    def base(self, title: str, description: str, feeds: tuple[FeedLink, ...] = ()) -> dict:
        """Context every HTML page has: its title, description, the site and its feeds.

        `site` is here (not only a template global) so that a change to
        site.yaml changes every page's fingerprint. `own_feeds` are the feeds
        of this listing itself, the ones a "Follow" line offers.
        """
        return {"site": self.archive.config, "title": title, "description": description,
                "feeds": self.site_feeds + feeds, "own_feeds": feeds or self.site_feeds}

    def search_page(self) -> Page:
        """The search page: Pagefind's UI over the index, when the build makes one (search
        on, and a listed paper to find), else a line saying search is not available."""
        return Page(urls.search(), "search.html", self._search_context, "search", True)

    def _search_context(self) -> dict:
        """Made when the page is looked at: the bundles are a pass over every paper."""
        context = self.base(*text("search"))
        context["years"] = list(search.years(self.archive)) if self.search else []  # newest first
        context["indexed"] = bool(context["years"])
        return context

    # -- page kinds ---------------------------------------------------------
    def plan(self) -> list[Page]:
        """Every page, listing, feed and site file, in a fixed order."""
        pages = list(self.pages())
        return pages + site_files(pages, self.site_feeds, self.archive.config)

    def pages(self) -> Iterator[Page]:
        yield self.home()
        yield from self.day_pages()
        yield from self.digest_pages()
        yield from self.topic_pages()
        yield from self.org_pages()
        yield from self.picks_pages()
        yield from self.paper_pages()
        yield from self.feed_pages()
        yield from exports.export_pages(self)
        yield self.search_page()

    def home(self) -> Page:
        """The latest day's first `page_size` papers, the picks, the topics and the feeds."""
        archive = self.archive
        latest = archive.days[-1] if archive.days else None
        size = archive.config.page_size
        shown = self.visible(latest.entries)[:size] if latest else ()
        deps = tuple(dict.fromkeys([e.paper_id for _, e in shown] + list(archive.picks[:size])))
        return Page(urls.home(), "home.html", self._home_context, "home", in_sitemap=True,
                    lastmod=latest.date if latest else None, deps=deps)

    def _home_context(self) -> dict:
        archive = self.archive
        latest = archive.days[-1] if archive.days else None
        listed = self._listed(latest.date, self.visible(latest.entries)) if latest else ()
        size = archive.config.page_size
        context = self.base(archive.config.title, archive.config.description)
        context.update(
            day=(latest.date, urls.day(latest.date)) if latest else None,
            listed=listed[:size],
            day_total=len(listed),
            more=len(listed) > size,
            picks=tuple(self.card(p) for p in archive.picks[:size]),
            topics=self._topic_counts(),
        )
        return context

    def _topic_counts(self) -> tuple[tuple[Topic, str, int], ...]:
        """(topic, location, visible papers) in topics.yaml order."""
        return tuple(
            (t, urls.topic(t.slug), len(self.archive.topic_papers.get(t.slug, ())))
            for t in self.archive.topics
        )

    def visible(self, entries: Sequence) -> tuple[tuple[int, Any], ...]:
        """A day's (rank, entry) for its visible papers, ranked 1..N among them: a hidden
        paper leaves no gap, so no reader wonders what #3 was."""
        archive = self.archive
        shown = (e for e in entries
                 if e.paper_id in archive.papers and archive.is_visible(e.paper_id))
        return tuple(enumerate(shown, start=1))

    def _listed(self, day: date, ranked: Sequence[tuple[int, Any]]) -> tuple[Listed, ...]:
        voted = day in self.voted
        return tuple(Listed(self.card(e.paper_id), rank, e.upvotes if voted else None)
                     for rank, e in ranked)

    def day_pages(self) -> Iterator[Page]:
        """One page per day, however many papers it lists (a day holds at most ~100)."""
        for index, day in enumerate(self.archive.days):
            deps = tuple(e.paper_id for _, e in self.visible(day.entries))
            yield Page(urls.day(day.date), "day.html", partial(self._day_context, index),
                       "day", True, day.date, deps)

    def _day_context(self, index: int) -> dict:
        days = self.archive.days
        day = days[index]
        prev_day = days[index - 1].date if index > 0 else None
        next_day = days[index + 1].date if index + 1 < len(days) else None
        listed = self._listed(day.date, self.visible(day.entries))
        context = self.base(*text("day", day=f"{day.date:%B} {day.date.day}, {day.date.year}",
                                         iso=day.date.isoformat()))
        context.update(
            day=day.date,
            count=len(listed),
            listed=listed,
            prev=(prev_day, urls.day(prev_day)) if prev_day else None,
            next=(next_day, urls.day(next_day)) if next_day else None,
            week=urls.week(day.date),
            month=urls.month(day.date),
        )
        return context

    def digest_pages(self) -> Iterator[Page]:
        """The archive's calendar, weekly and monthly digests and their feeds."""

        yield from self.digests.pages()

    def _paginated(self, listing: str, template: str, kind: str, items: Sequence,
                   context: Callable[[], dict]) -> Iterator[Page]:
        """One page per `page_size` items at `listing`, `listing`page/2/, ...

        Each page's context holds only its own slice and the pager, so adding
        a paper re-renders the pages it shifts and no others.
        """
        size = self.archive.config.page_size
        total = max(1, -(-len(items) // size))
        fill = partial(_cards, self.card)
        for number in range(1, total + 1):
            pager = Pager(
                number, total, listing,
                urls.page(listing, number - 1) if number > 1 else None,
                urls.page(listing, number + 1) if number < total else None,
            )
            chunk = tuple(items[(number - 1) * size : number * size])
            make = partial(page_context, context, pager, fill, chunk)
            yield Page(urls.page(listing, number), template, make, kind, True, deps=chunk)

    def topic_pages(self) -> Iterator[Page]:
        archive = self.archive
        yield Page(urls.topics(), "topics.html", self._topics_context, "topics", True)
        for topic in archive.topics:
            ids = archive.topic_papers.get(topic.slug, ())
            yield from self._paginated(urls.topic(topic.slug), "topic.html", "topic", ids,
                                       partial(self._topic_context, topic, len(ids)))

    def _topics_context(self) -> dict:
        context = self.base(*text("topics"))
        context["topics"] = self._topic_counts()
        return context

    def _topic_context(self, topic: Topic, count: int) -> dict:
        feeds = self.feed_links(topic.name, urls.topic(topic.slug))
        context = self.base(*_topic_text(topic), feeds)
        context.update(topic=topic, count=count)
        return context

    def org_pages(self) -> Iterator[Page]:
        yield Page(urls.orgs(), "orgs.html", self._orgs_context, "orgs", True)
        for key, org in self.archive.orgs.items():
            yield from self._paginated(urls.org(key), "org.html", "org", org.paper_ids,
                                       partial(self._org_context, key))

    def _orgs_context(self) -> dict:
        orgs = self.archive.orgs
        context = self.base(*text("orgs"))
        context["orgs"] = tuple(
            (org.name, urls.org(key), len(org.paper_ids))
            for key, org in sorted(orgs.items(), key=lambda kv: (kv[1].name.lower(), kv[0]))
        )
        return context

    def _org_context(self, key: str) -> dict:
        org = self.archive.orgs[key]
        feeds = self.feed_links(org.name, urls.org(key))
        context = self.base(*_org_text(org.name), feeds)
        context.update(org_name=org.name, count=len(org.paper_ids))
        return context

    def picks_pages(self) -> Iterator[Page]:
        """Every pick, newest first, paginated as topics are; an empty list says so."""
        ids = self.archive.picks
        yield from self._paginated(urls.picks(), "picks.html", "picks", ids,
                                   partial(self._picks_context, len(ids)))

    def _picks_context(self, count: int) -> dict:
        context = self.base(*PICKS_TEXT, self.feed_links(PICKS_TEXT[0], urls.picks()))
        context["count"] = count
        return context

    def paper_pages(self) -> Iterator[Page]:
        """Every paper's page; it shows its neighbours' titles on each day that listed it,
        so those neighbours are among its dependencies."""
        archive = self.archive
        places = self.places()
        for pid, paper in archive.papers.items():
            neighbours = (n for p in places.get(pid, ()) for n in (p.prev, p.next) if n)
            related = archive.related.get(pid, ())  # their titles and days show on it
            yield Page(urls.paper(pid), "paper.html", partial(self._paper_context, pid),
                       "paper", archive.is_visible(pid), paper.last_seen,
                       tuple(dict.fromkeys((pid, *neighbours, *related))))

    def places(self) -> dict[str, list[Place]]:
        """Each visible paper's places on the days that list it: one pass over the days
        per build, never a scan per paper."""
        if self._places is None:
            found: dict[str, list[Place]] = {}
            for index, day in enumerate(self.archive.days):
                entries = [e for _, e in self.visible(day.entries)]
                ids = [e.paper_id for e in entries]
                for rank, entry in enumerate(entries, start=1):
                    found.setdefault(entry.paper_id, []).append(Place(
                        index, rank, len(ids), entry.upvotes, ids[rank - 2] if rank > 1 else None,
                        ids[rank] if rank < len(ids) else None))
            self._places = found
        return self._places

    def _placings(self, pid: str) -> tuple[Placing, ...]:
        """The days a visible paper was listed on, with its rank and neighbours there."""
        days = self.archive.days
        return tuple(
            Placing(days[p.day].date, urls.day(days[p.day].date), p.rank, p.total,
                    p.upvotes if days[p.day].date in self.voted else None,
                    self._neighbour(p.prev), self._neighbour(p.next))
            for p in self.places().get(pid, ())
        )

    def _related(self, pid: str) -> tuple[tuple[str, str, date], ...]:
        """(title, URL, first day) of the paper's related papers, best first; from the
        papers, not their cards: a render worker would make most cards of the archive."""
        archive = self.archive
        return tuple((plain_tex(archive.papers[other].title), self.href(urls.paper(other)),
                      archive.first_day(other)) for other in archive.related.get(pid, ()))

    def _neighbour(self, pid: str | None) -> tuple[str, str] | None:
        return (plain_tex(self.archive.papers[pid].title), urls.paper(pid)) if pid else None

    def _paper_context(self, pid: str) -> dict:
        archive = self.archive
        paper, card, note = archive.papers[pid], self.card(pid), archive.notes.get(pid)
        visible = archive.is_visible(pid)
        abstract = plain_tex(paper.abstract)
        context = self.base(card.title, _summary(abstract),
                             self._paper_feeds(card) if visible else ())
        shown = note if visible else None  # a hidden paper's note is the curator's reason
        placings = self._placings(pid) if visible else ()
        context.update(exports.paper_extras(self, pid, placings))
        context.update(
            paper=paper,
            card=card,
            abstract=abstract,
            links=tuple(link for link in paper.links if elsewhere.is_web_url(link)),
            external=elsewhere.external(paper, archive.arxiv(pid)),
            placings=placings,
            related=self._related(pid) if visible else (),
            note_html=_nest_headings(notes.render(shown.body)) if shown and shown.body.strip()
            else "",
            tags=shown.tags if shown else (),
            source_summary=(paper.summary or "") if archive.config.source_summary else "",
            pick=bool(shown and shown.pick),
            hidden=not visible,
        )
        return context

    def _paper_feeds(self, card: Card) -> tuple[FeedLink, ...]:
        """The feeds that list this paper: its topics' and its organization's, RSS only.

        A paper page is the one page of each paper: naming every flavour of every feed
        that lists it would cost as much as its related papers; the listing's own page
        names all three, and feeds.opml every feed."""
        listings = [*card.topics]
        if card.org_location and card.org_name:
            listings.append((card.org_name, card.org_location))
        return tuple(link for name, location in listings
                     for link in self.feed_links(name, location) if link.kind == "rss")

    @cached_property
    def feed_listings(self) -> tuple[FeedListing, ...]:
        """Every listing with feeds: the site, picks and notes, each topic and organization;
        titled as their pages are ("Site — Topic") and described in the same words."""
        archive = self.archive
        site = archive.config.title

        def titled(text: str) -> str:
            return f"{site}{FEED_TITLE_SEPARATOR}{text}"

        found = [
            FeedListing(urls.home(), urls.home(), site, archive.config.description,
                        archive.recent, "Site"),
            FeedListing(urls.picks(), urls.picks(), titled(PICKS_TEXT[0]), PICKS_TEXT[1],
                        archive.picks, "Site"),
            FeedListing(urls.notes(), urls.home(), titled(NOTES_TEXT[0]), NOTES_TEXT[1],
                        archive.noted, "Site", notes=True),
        ]
        for topic in archive.topics:
            title, description = _topic_text(topic)
            found.append(FeedListing(urls.topic(topic.slug), urls.topic(topic.slug),
                                     titled(title), description,
                                     archive.topic_papers.get(topic.slug, ()), "Topics"))
        for key, org in archive.orgs.items():
            title, description = _org_text(org.name)
            found.append(FeedListing(urls.org(key), urls.org(key), titled(title), description,
                                     org.paper_ids, "Organizations"))
        return tuple(found)

    def feed_pages(self) -> Iterator[Page]:
        """Every feed of every listing, in every flavour, then feeds.opml naming them all."""
        for listing in self.feed_listings:
            yield from self._listing_feeds(listing)
        yield Page(urls.opml(), "feeds.opml", self._opml_context, "opml")

    def notes_feed_pages(self) -> Iterator[Page]:
        """The notes feeds alone, as `feed_pages` plans them."""
        for listing in self.feed_listings:
            if listing.notes:
                yield from self._listing_feeds(listing)

    def _listing_feeds(self, listing: FeedListing) -> Iterator[Page]:
        archive = self.archive
        capped = self.feed_ids(listing.ids, archive.note_published if listing.notes
                               else archive.first_day)
        for kind in urls.FEED_KINDS:
            head = {"feed": kind, "listing": listing.location, "page": listing.page,
                    "title": listing.title, "description": listing.description}
            yield Page(urls.feed(listing.location, kind), None,
                       partial(self._feed_context, head, capped, listing.notes), "feed",
                       deps=capped)

    def feed_ids(self, ids: Sequence[str],
                 day_of: Callable[[str], date] | None = None) -> tuple[str, ...]:
        """A listing's newest whole days: days are added, newest first, until they hold
        `feed_size` papers, so the newest day is always whole however large it is, and a
        reader who looks once a day misses none. `day_of` gives an id's day (by default
        the paper's first day); the listing holds each day's ids together.

        Listings already leave hidden papers out; this guard only costs the ids
        it skips, never a pass over the whole listing.
        """
        size = self.archive.config.feed_size
        out: list[str] = []
        for _, day in groupby(self._visible_once(ids), key=day_of or self.archive.first_day):
            out.extend(day)
            if len(out) >= size:
                break
        return tuple(out)

    def _visible_once(self, ids: Sequence[str]) -> Iterator[str]:
        archive = self.archive
        seen: set[str] = set()
        for pid in ids:
            if pid not in seen and pid in archive.papers and archive.is_visible(pid):
                seen.add(pid)
                yield pid

    def _feed_context(self, head: dict, ids: tuple[str, ...], as_notes: bool) -> dict:
        """Exactly what a feed's bytes are made from: its items and the site's settings."""
        item = self._note_item if as_notes else self._paper_item
        return dict(head, items=tuple(item(pid) for pid in ids), site=self.archive.config)

    @cached_property
    def _day_sizes(self) -> dict[date, int]:
        return {day.date: len(day.entries) for day in self.archive.days}

    def _paper_item(self, pid: str) -> FeedItem:
        """Dated by the paper's first day, a second later for each place above the day's
        last: readers sort by date, and the day's ranking survives (rank 1 is newest)."""
        archive = self.archive
        day = archive.first_day(pid)
        found = archive.appearances.get(pid)
        offset = self._day_sizes.get(day, 0) - found[0].rank if found else 0
        return FeedItem(pid, archive.papers[pid], archive.notes.get(pid), day,
                        midnight(day) + timedelta(seconds=max(offset, 0)),
                        topics=self._topic_terms(pid))

    def _note_item(self, pid: str) -> FeedItem:
        """A note, dated by the day it was published; `updated` when its text changed."""
        archive = self.archive
        note = archive.notes[pid]
        day = archive.note_published(pid)
        updated = midnight(max(note.updated, day)) if note.updated else None
        return FeedItem(pid, archive.papers[pid], note, day, midnight(day), updated,
                        self._topic_terms(pid), anchor="note")

    def _topic_terms(self, pid: str) -> tuple[tuple[str, str], ...]:
        return tuple((slug, self.topic_by_slug[slug].name)
                     for slug in self.archive.paper_topics.get(pid, ())
                     if slug in self.topic_by_slug)

    def _opml_context(self) -> dict:
        """Every feed's RSS flavour with its page, in outlines by kind of listing."""
        groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for listing in self.feed_listings:
            groups[listing.group].append((xml_text(listing.title),
                                          urls.feed(listing.location, "rss"), listing.page))

        groups["Digests"] = opml_outlines(self.archive.config.title)
        return {"site": self.archive.config, "title": xml_text(self.archive.config.title),
                "groups": tuple((name, tuple(found)) for name, found in groups.items())}


def _topic_text(topic: Topic) -> tuple[str, str]:
    """A topic listing's title and description, for its page and its feeds."""
    title, description = text("topic", name=topic.name)
    return title, topic.description or description


def _org_text(name: str) -> tuple[str, str]:
    return text("org", name=name)


def _cards(card: Callable[[str], Card], chunk: Sequence[str]) -> dict:
    return {"cards": tuple(card(p) for p in chunk)}




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
        out.append(Page("sitemap.xml", "sitemap.xml", partial(_entries, chunks[0]), "sitemap"))
    else:
        names = tuple(f"sitemap-{i}.xml" for i in range(1, len(chunks) + 1))
        out.append(Page("sitemap.xml", "sitemap-index.xml",
                        partial(dict, sitemaps=names), "sitemap"))
        out += [Page(n, "sitemap.xml", partial(_entries, c), "sitemap")
                for n, c in zip(names, chunks, strict=True)]
    out.append(Page("robots.txt", "robots.txt", dict, "robots"))
    title, description = text("404")
    context = {"site": site, "title": title, "description": description, "feeds": feeds,
               "own_feeds": feeds}
    out.append(Page("404.html", "404.html", partial(dict, context), "404"))
    out.append(Page(".nojekyll", None, dict, "verbatim"))
    return out


def _entries(pages: Sequence[Page]) -> dict:
    return {"entries": tuple((p.location, p.lastmod) for p in pages)}


def plan(archive: Archive, href: Callable[[str], str], search: bool = True) -> list[Page]:
    """Every page, listing, feed and site file, in a fixed order; `href` makes a
    location a URL with the base path (`Urls.path`); `search`: the build indexes them."""
    return Planner(archive, href, search).plan()

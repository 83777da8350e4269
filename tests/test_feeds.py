"""Feeds: valid RSS 2.0, Atom and JSON Feed, the right papers in the right order, stable
ids and bytes.

Small archives are built from model objects in each test and indexed by the
real listing code; the shipped archive is checked as a whole. Expected
papers, orders and dates are computed here from the archive's own data
(days, notes, organizations), never read back from the feed module.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from generator.archive.content import load
from generator.archive.listings import index
from generator.core import ids
from generator.core.model import Archive, Day, DayEntry, Note, Org, Paper, SiteConfig, Topic
from generator.core.paths import ContentPaths
from generator.site.feeds import feed_bytes
from generator.site.pages import Planner, plan
from generator.site.render import render_page
from generator.site.urls import Urls

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://user.github.io/repo/"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FLAVOURS = ("feed.xml", "atom.xml", "feed.json")
EVIL = "<script>alert(1)</script>"
CONTROLS = "\x00\x01\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe"


# -- building small archives ---------------------------------------------------
def paper(pid: str, first: date, *, title: str | None = None, abstract: str = "An abstract.",
          org: Org | None = None, authors: int | None = 3,
          published: date | None = date(2020, 1, 1)) -> Paper:
    return Paper(pid, title or pid.replace("-", " ").title(), abstract, published, authors, org,
                 (), first, first)


def archive(papers: Iterable[Paper], days: dict[date, list[str]], *,
            notes: Iterable[Note] = (), topics: Iterable[Topic] = (), feed_size: int = 50,
            title: str = "Daily Papers", base_url: str = BASE, language: str = "en") -> Archive:
    """An indexed archive: `days` maps each date to its paper ids in rank order."""
    config = SiteConfig(title=title, description="Curated papers.", base_url=base_url,
                        language=language, feed_size=feed_size)
    day_list = tuple(
        Day(when, f"scraped/{when}.txt", tuple(DayEntry(pid, 1) for pid in listed))
        for when, listed in sorted(days.items())
    )
    return index(Archive(config, tuple(topics), {p.id: p for p in papers}, day_list,
                         {n.paper_id: n for n in notes}))


def topic(slug: str) -> Topic:
    return Topic(slug, slug.title(), f"About {slug}.", ())


def built(arc: Archive) -> dict[str, bytes]:
    """Every feed as the build renders it: the planned feed pages, from their contexts."""
    site_urls = Urls(arc.config.base_url)
    return {page.output: render_page(None, page, page.make(), arc, site_urls)
            for page in plan(arc, site_urls.path) if page.kind == "feed"}


def xml_feeds(feeds: dict[str, bytes]) -> dict[str, bytes]:
    """The RSS and Atom feeds of `built`, without the JSON ones."""
    return {path: data for path, data in feeds.items() if path.endswith(".xml")}


@pytest.fixture(scope="module")
def shipped() -> Archive:
    return index(load(ContentPaths(ROOT)))


@pytest.fixture
def small() -> Archive:
    """Five papers over three days, two organizations, two topics, one hidden paper."""
    d1, d2, d3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 4)
    nvidia, meta = Org("nvidia", "NVIDIA"), Org("facebook", "Meta Research")
    papers = [
        paper("old-robot", d1, org=nvidia),
        paper("old-vision", d1, authors=1),
        paper("mid-robot", d2, org=meta),
        paper("new-robot", d3, org=nvidia),
        paper("new-vision", d3, authors=None),
        paper("secret", d3, org=nvidia),
    ]
    notes = [
        Note("old-robot", "**Worth reading** for the [code](https://example.org/).",
             topics=("robotics",)),
        Note("mid-robot", "", topics=("robotics",)),
        Note("new-robot", "", topics=("robotics", "vision")),
        Note("old-vision", "", topics=("vision",)),
        Note("new-vision", "", topics=("vision",)),
        Note("secret", "Not for readers.", topics=("robotics",), hidden=True),
    ]
    days = {
        d1: ["old-vision", "old-robot"],
        d2: ["mid-robot", "old-robot"],  # old-robot again: still dated d1
        d3: ["new-robot", "secret", "new-vision", "mid-robot"],
    }
    return archive(papers, days, notes=notes, topics=[topic("robotics"), topic("vision")])


# -- reading feeds -------------------------------------------------------------
def parsed(data: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def xml(data: bytes) -> etree._Element:
    """Strict XML parse: any malformed byte fails the test."""
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def rss_items(data: bytes) -> list[tuple[str, datetime]]:
    """(guid, pubDate) of every item, in document order."""
    channel = xml(data).find("channel")
    return [(item.findtext("guid"), parsedate_to_datetime(item.findtext("pubDate")))
            for item in channel.findall("item")]


def atom_entries(data: bytes) -> list[tuple[str, datetime]]:
    root = xml(data)
    return [(entry.findtext(f"{ATOM}id"),
             datetime.fromisoformat(entry.findtext(f"{ATOM}updated")))
            for entry in root.findall(f"{ATOM}entry")]


def json_items(data: bytes) -> list[tuple[str, datetime]]:
    return [(item["id"], datetime.fromisoformat(item["date_published"]))
            for item in json.loads(data)["items"]]


def dated(data: bytes) -> list[tuple[str, datetime]]:
    """(id, date) of every item of a feed of any flavour, in document order."""
    if data.lstrip().startswith(b"{"):
        return json_items(data)
    return rss_items(data) if xml(data).tag == "rss" else atom_entries(data)


def guids(data: bytes) -> list[str]:
    return [guid for guid, _ in dated(data)]


def paper_url(pid: str, base: str = BASE) -> str:
    return f"{base}papers/{pid}/"


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def first_days(arc: Archive) -> dict[str, date]:
    """Each paper's first day, read straight from the day files' data."""
    found: dict[str, date] = {}
    for day in sorted(arc.days, key=lambda d: d.date):
        for entry in day.entries:
            found.setdefault(entry.paper_id, day.date)
    return found


def staggered(arc: Archive) -> dict[str, datetime]:
    """Each paper's item date as the rule says: its first day at 00:00 UTC plus
    (N - rank) seconds, N the number of papers that day lists, rank from 1."""
    found: dict[str, datetime] = {}
    for day in sorted(arc.days, key=lambda d: d.date):
        for rank, entry in enumerate(day.entries, start=1):
            found.setdefault(entry.paper_id,
                             midnight(day.date) + timedelta(seconds=len(day.entries) - rank))
    return found


def whole_days(ordered: list[str], day_of: dict[str, date], size: int) -> list[str]:
    """The rule for what a feed holds: the newest days whole, added until `size` is reached."""
    out: list[str] = []
    for pid in ordered:
        if len(out) >= size and day_of[pid] != day_of[out[-1]]:
            break
        out.append(pid)
    return out


# -- structure required by the specs (feedparser tolerates their absence) -------
def assert_rss_spec(data: bytes) -> None:
    root = xml(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel needs <{name}>"
    assert RFC822.match(channel.findtext("lastBuildDate"))
    for item in channel.findall("item"):
        assert item.findtext("title").strip()
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true"
        assert guid.text == item.findtext("link")
        assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
        assert item.findtext("description")
        assert all((c.text or "").strip() for c in item.findall("category"))


def assert_atom_spec(data: bytes) -> None:
    root = xml(data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), f"feed needs <{name}>"
    datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    assert root.find(f"{ATOM}author").findtext(f"{ATOM}name").strip()
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), f"entry needs <{name}>"
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")).tzinfo is not None
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("rel", "alternate") == "alternate"
        assert link.get("href") == entry.findtext(f"{ATOM}id")
        for category in entry.findall(f"{ATOM}category"):  # term required; label for people
            assert category.get("term") and category.get("label"), category.attrib


def assert_json_feed_spec(data: bytes) -> dict:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1): required keys and their types, RFC 3339
    dates, absolute URLs; the parsed feed."""
    feed = json.loads(data.decode("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"].strip()
    for key in ("home_page_url", "feed_url"):
        assert urlsplit(feed[key]).scheme in ("http", "https") and urlsplit(feed[key]).netloc
    assert isinstance(feed["description"], str)
    assert isinstance(feed["language"], str) and feed["language"]
    assert_json_authors(feed["authors"])
    assert isinstance(feed["items"], list)
    seen = set()
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"] not in seen
        seen.add(item["id"])
        assert urlsplit(item["url"]).scheme in ("http", "https") and urlsplit(item["url"]).netloc
        assert isinstance(item["title"], str) and item["title"].strip()
        assert isinstance(item["content_html"], str) and item["content_html"]
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        if "authors" in item:
            assert_json_authors(item["authors"])
        assert set(item) <= {"id", "url", "title", "content_html", "date_published",
                             "date_modified", "tags", "authors"}
    return feed


def assert_json_authors(authors: object) -> None:
    assert isinstance(authors, list) and authors
    for author in authors:
        assert isinstance(author, dict) and isinstance(author["name"], str) and author["name"]


def assert_feed_spec(path: str, data: bytes) -> None:
    """The spec check of whichever flavour `path` names."""
    if path.endswith("feed.json"):
        assert_json_feed_spec(data)
    elif path.endswith("feed.xml"):
        assert_rss_spec(data)
    else:
        assert_atom_spec(data)


def self_link(data: bytes) -> str:
    """The href of `atom:link rel="self"`, in RSS's channel or on Atom's feed; a JSON
    Feed's `feed_url`."""
    if data.lstrip().startswith(b"{"):
        return json.loads(data)["feed_url"]
    root = xml(data)
    parent = root.find("channel") if root.tag == "rss" else root
    links = [ln for ln in parent.findall(f"{ATOM}link") if ln.get("rel") == "self"]
    assert len(links) == 1
    return links[0].get("href")


# -- the shipped archive -------------------------------------------------------
def test_shipped_archive_has_every_flavour_for_root_picks_notes_topics_and_orgs(shipped):
    feeds = built(shipped)
    listings = (["", "picks/", "notes/"] + [f"topics/{t.slug}/" for t in shipped.topics]
                + [f"orgs/{key}/" for key in shipped.orgs])
    assert sorted(feeds) == sorted(listing + name for listing in listings for name in FLAVOURS)
    for path, data in feeds.items():
        if path.endswith(".xml"):
            parsed(data)
        base = shipped.config.base_url
        assert self_link(data) == base + path
        assert_feed_spec(path, data)


def test_shipped_feeds_list_their_papers_newest_first(shipped):
    """Each feed holds the newest whole days of exactly the papers its page covers, dated
    by first day and rank."""
    first, when = first_days(shipped), staggered(shipped)
    hidden = {pid for pid, note in shipped.notes.items() if note.hidden}
    visible = set(shipped.papers) - hidden
    members = {"": visible}
    for t in shipped.topics:
        members[f"topics/{t.slug}/"] = {p for p in visible if t.slug in shipped.paper_topics[p]}
    for pid in visible:
        if (org := shipped.papers[pid].org) is not None:
            members.setdefault(f"orgs/{ids.org_path_slug(org.slug)}/", set()).add(pid)
    base, cap = shipped.config.base_url, shipped.config.feed_size
    feeds = built(shipped)
    for listing, expected in members.items():
        ordered = sorted(expected, key=lambda p: when[p], reverse=True)
        for name in FLAVOURS:
            items = dated(feeds[listing + name])
            got = [guid.removeprefix(base + "papers/").rstrip("/") for guid, _ in items]
            assert got == whole_days(ordered, first, cap), listing + name
            dates = [moment for _, moment in items]
            assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
            assert dates == [when[pid] for pid in got]
            if dates:  # nothing newer than the oldest item was left out
                assert {p for p in expected if when[p] > dates[-1]} <= set(got)


# -- dates, order, cap ---------------------------------------------------------
def test_items_are_dated_by_first_appearance_staggered_by_rank(small):
    """Midnight UTC of the first day, plus a second for every place above that day's last."""
    feeds = built(small)
    rss = dict(rss_items(feeds["feed.xml"]))
    atom = dict(atom_entries(feeds["atom.xml"]))
    second = timedelta(seconds=1)
    # not its 2020 publication; second of the two papers of its day
    assert rss[paper_url("old-robot")] == midnight(date(2024, 3, 1))
    assert rss[paper_url("old-vision")] == midnight(date(2024, 3, 1)) + second
    assert rss[paper_url("mid-robot")] == midnight(date(2024, 3, 2)) + second  # not a later day
    assert rss[paper_url("new-robot")] == midnight(date(2024, 3, 4)) + 3 * second  # #1 of 4
    assert rss[paper_url("new-vision")] == midnight(date(2024, 3, 4)) + second  # #3 of 4
    assert atom == rss == dict(json_items(feeds["feed.json"]))
    root = xml(feeds["atom.xml"])
    assert root.findtext(f"{ATOM}updated") == "2024-03-04T00:00:03+00:00"
    published = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}published")
                 for e in root.findall(f"{ATOM}entry")}
    assert published[paper_url("old-robot")] == "2024-03-01T00:00:00+00:00"
    last_build = xml(feeds["feed.xml"]).find("channel").findtext("lastBuildDate")
    assert last_build == "Mon, 04 Mar 2024 00:00:03 +0000"


def test_newest_first_with_same_day_papers_in_rank_order(small):
    expected = [paper_url(p) for p in
                ("new-robot", "new-vision", "mid-robot", "old-vision", "old-robot")]
    feeds = built(small)
    for name in FLAVOURS:
        assert guids(feeds[name]) == expected


def test_feed_size_keeps_the_newest_whole_days_in_every_feed():
    days = {date(2024, 1, d): [f"p{d}-a", f"p{d}-b"] for d in range(1, 9)}
    arc = archive([paper(pid, when) for when, listed in days.items() for pid in listed], days,
                  feed_size=3)
    for path, data in built(arc).items():
        if not path.startswith(("picks/", "notes/")):
            assert guids(data) == [paper_url(p) for p in ("p8-a", "p8-b", "p7-a", "p7-b")]
    ids_given = ["p2-a", "p1-a", "p1-b", "p3-a"]  # the listing's order is kept, by whole days
    assert Planner(arc, Urls(BASE).path).feed_ids(ids_given) == tuple(ids_given[:3])
    assert Planner(arc, Urls(BASE).path).feed_ids(["p3-a", "p2-a", "p2-b", "p1-a"]) == (
        "p3-a", "p2-a", "p2-b")


# -- topics and organizations --------------------------------------------------
def test_topic_and_org_feeds_hold_exactly_their_papers(small):
    feeds = built(small)
    expected = {
        "topics/robotics/": ["new-robot", "mid-robot", "old-robot"],
        "topics/vision/": ["new-robot", "new-vision", "old-vision"],
        "orgs/nvidia/": ["new-robot", "old-robot"],
        "orgs/facebook/": ["mid-robot"],
    }
    assert {path for path in feeds if path.startswith("orgs/")} == {
        f"{org}{name}" for org in ("orgs/nvidia/", "orgs/facebook/") for name in FLAVOURS}
    for listing, pids in expected.items():
        for name in FLAVOURS:
            assert guids(feeds[listing + name]) == [paper_url(p) for p in pids], listing + name


def test_feed_titles_name_the_site_and_the_page(small):
    feeds = built(small)
    assert parsed(feeds["feed.xml"]).feed.title == "Daily Papers"
    assert parsed(feeds["topics/robotics/atom.xml"]).feed.title == "Daily Papers — Robotics"
    assert parsed(feeds["orgs/facebook/feed.xml"]).feed.title == "Daily Papers — Meta Research"
    channel = xml(feeds["orgs/facebook/feed.xml"]).find("channel")
    assert channel.findtext("link") == BASE + "orgs/facebook/"


def test_hidden_papers_are_in_no_feed_even_when_asked_for(small):
    for data in built(small).values():
        assert paper_url("secret") not in guids(data)
        assert b"Not for readers" not in data
    asked = ["secret", "new-robot", "no-such-paper", "new-robot"]
    assert Planner(small, Urls(BASE).path).feed_ids(asked) == ("new-robot",)


# -- ids and URLs --------------------------------------------------------------
def test_guids_are_permanent_absolute_urls_unchanged_by_other_papers(small):
    before = xml_feeds(built(small))
    changed = dict(small.papers)
    changed["old-vision"] = replace(changed["old-vision"], title="Renamed", abstract="New text.")
    changed["late"] = paper("late", date(2024, 3, 9))
    days = {d.date: [e.paper_id for e in d.entries] for d in small.days}
    days[date(2024, 3, 9)] = ["late", "old-robot"]
    after = xml_feeds(built(archive(changed.values(), days, notes=small.notes.values(),
                                    topics=small.topics)))
    for path in ("feed.xml", "atom.xml"):
        old, new = guids(before[path]), guids(after[path])
        assert new[0] == paper_url("late")
        assert new[1:] == old
        assert dict(rss_items(before["feed.xml"]))[paper_url("old-robot")] == \
            dict(rss_items(after["feed.xml"]))[paper_url("old-robot")]
    assert before["orgs/nvidia/atom.xml"] == after["orgs/nvidia/atom.xml"]


@pytest.mark.parametrize("base", ["https://user.github.io/repo/", "https://user.github.io/repo",
                                  "https://example.org/"])
def test_every_url_is_absolute_and_carries_the_base_path(small, base):
    arc = replace(small, config=replace(small.config, base_url=base))
    prefix = base.rstrip("/") + "/"
    for path, data in built(arc).items():
        if path.endswith(".json"):
            feed = json.loads(data)
            urls_in = [feed["home_page_url"], feed["feed_url"]] + [
                item[key] for item in feed["items"] for key in ("id", "url")]
            assert all(url.startswith(prefix) for url in urls_in), (path, urls_in)
            continue
        root = xml(data)
        assert self_link(data) == prefix + path
        hrefs = [el.get("href") for el in root.iter(f"{ATOM}link")]
        texts = [el.text for el in root.iter("link", "guid", f"{ATOM}id")]
        assert hrefs and texts
        assert all(url.startswith(prefix) for url in hrefs + texts), (path, hrefs + texts)
        assert all(url.startswith(prefix + "papers/") for url in guids(data))


# -- item content --------------------------------------------------------------
def test_item_content_has_abstract_byline_and_rendered_note(small):
    entries = {e.id: e for e in parsed(built(small)["atom.xml"]).entries}
    noted = entries[paper_url("old-robot")].content[0].value
    assert "<p>An abstract.</p>" in noted
    assert "NVIDIA" in noted
    assert "<strong>Worth reading</strong>" in noted
    assert '<a href="https://example.org/">code</a>' in noted
    assert "1 author<" in entries[paper_url("old-vision")].content[0].value
    bare = entries[paper_url("new-vision")].content[0].value
    assert bare == "<p>An abstract.</p>"  # no org, no author count, no note
    rss = {e.id: e for e in parsed(built(small)["feed.xml"]).entries}
    assert rss[paper_url("old-robot")].description == noted


def test_edits_to_the_same_archive_reach_the_next_feed(small):
    """Items are rendered once per archive, yet a changed note or first day is seen."""
    def rss() -> bytes:
        return built(small)["feed.xml"]

    first = rss()
    small.notes["old-robot"] = Note("old-robot", "Changed my mind.")
    small.days = (Day(date(2024, 2, 1), "", (DayEntry("new-vision", 1),)), *small.days)
    index(small)
    again = rss()
    assert b"Worth reading" in first and b"Worth reading" not in again
    assert b"Changed my mind." in again
    # third of the four papers of its day
    assert dict(rss_items(first))[paper_url("new-vision")] == midnight(date(2024, 3, 4)) + \
        timedelta(seconds=1)
    assert dict(rss_items(again))[paper_url("new-vision")] == midnight(date(2024, 2, 1))


# -- hostile text --------------------------------------------------------------
def test_hostile_text_stays_text_and_the_xml_stays_well_formed():
    when = date(2024, 5, 1)
    org = Org("evil", f"{EVIL} & Co ]]> {{{{ 7*7 }}}}{CONTROLS}")
    papers = [
        paper("evil", when, title=EVIL, org=org,
              abstract=f"{{{{ 7*7 }}}} ]]> a & b <img src=x onerror=alert(1)>{CONTROLS} end"),
        paper("controls", when, title=f"Con{CONTROLS}trol ]]> & {{{{ 7*7 }}}}"),
    ]
    notes = [Note("evil", f"{EVIL}\n\n[x](javascript:alert(1)) &#1; ]]>{CONTROLS}",
                  topics=("t",))]
    arc = archive(papers, {when: ["evil", "controls"]}, notes=notes, topics=[topic("t")],
                  title=f"Site {EVIL} & ]]>{CONTROLS}")
    feeds = built(arc)
    assert set(feeds) == {f"{listing}{name}" for listing in
                          ("", "picks/", "notes/", "topics/t/", "orgs/evil/")
                          for name in FLAVOURS}
    for path, data in feeds.items():
        assert_feed_spec(path, data)
        if path.endswith(".json"):  # titles are text; content_html holds the markup as text
            feed = json.loads(data)
            assert feed["title"].startswith(f"Site {EVIL} & ]]>")
            for item in feed["items"]:
                assert "<script" not in item["content_html"]
                assert "<img" not in item["content_html"]
                assert 'href="javascript:' not in item["content_html"]
            continue
        root = xml(data)  # well-formed despite every character above
        feed = parsed(data)
        assert feed.feed.title.startswith(f"Site {EVIL} & ]]>")
        subtitle = feed.feed.subtitle_detail  # HTML for RSS, text for Atom
        if subtitle.type == "text/html":
            assert "<" not in subtitle.value
        shown = html.unescape(subtitle.value) if subtitle.type == "text/html" else subtitle.value
        if path.startswith("orgs/"):
            assert shown == f"Research papers from {EVIL} & Co ]]> {{{{ 7*7 }}}}."
        suffix = "#note" if path.startswith("notes/") else ""
        if not path.startswith("picks/"):  # no picks here: an empty feed
            assert {e.id: e.title for e in feed.entries}[paper_url("evil") + suffix] == EVIL
        assert not list(root.iter("script", "img", "{http://www.w3.org/1999/xhtml}script"))
        for el in root.iter("description", f"{ATOM}content"):
            # one level of unescaping gives HTML in which the hostile markup is text
            assert "<script" not in el.text and "<img" not in el.text
            assert 'href="javascript:' not in el.text
        content = "".join(el.text for el in root.iter("description", f"{ATOM}content"))
        if not path.startswith("picks/"):
            assert "{{ 7*7 }} ]]&gt; a &amp; b &lt;img" in content
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    root_titles = {e.id: e.title for e in parsed(feeds["atom.xml"]).entries}
    assert root_titles[paper_url("controls")] == "Control ]]> & {{ 7*7 }}"
    assert parsed(feeds["orgs/evil/feed.xml"]).feed.title.endswith(
        f"{EVIL} & Co ]]> {{{{ 7*7 }}}}")


def test_empty_feed_is_valid_with_fixed_dates():
    arc = archive([paper("lonely", date(2024, 2, 2))], {date(2024, 2, 2): ["lonely"]},
                  topics=[topic("empty")])
    feeds = built(arc)
    rss, atom = feeds["topics/empty/feed.xml"], feeds["topics/empty/atom.xml"]
    assert_rss_spec(rss)
    assert_atom_spec(atom)
    assert assert_json_feed_spec(feeds["topics/empty/feed.json"])["items"] == []
    assert guids(rss) == guids(atom) == []
    assert parsed(rss).entries == parsed(atom).entries == []
    assert xml(rss).find("channel").findtext("lastBuildDate") == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert xml(atom).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    assert xml(atom).find(f"{ATOM}author").findtext(f"{ATOM}name") == "Daily Papers"
    nothing = archive([], {})
    assert guids(built(nothing)["feed.xml"]) == []


def test_language_comes_from_the_site_config(small):
    arc = replace(small, config=replace(small.config, language="de"))
    feeds = built(arc)
    assert json.loads(feeds["feed.json"])["language"] == "de"
    assert xml(feeds["feed.xml"]).find("channel").findtext("language") == "de"
    assert xml(feeds["atom.xml"]).get("{http://www.w3.org/XML/1998/namespace}lang") == "de"


def test_unknown_kind_is_refused(small):
    context = {"feed": "gopher", "listing": "", "page": "", "title": "t", "description": "d",
               "items": (), "site": small.config}
    with pytest.raises(ValueError, match="rss"):
        feed_bytes(context, Urls(BASE))


# -- reproducible bytes --------------------------------------------------------
def test_no_date_in_any_feed_is_the_build_time(shipped):
    """Every date is a paper's first day (staggered by rank), so the build time can never
    leak in."""
    allowed = set(staggered(shipped).values())
    allowed.add(midnight(date(1970, 1, 1)))
    for path, data in built(shipped).items():
        if path.endswith(".json"):
            assert {when for _, when in json_items(data)} <= allowed
            continue
        root = xml(data)
        rfc = [parsedate_to_datetime(el.text) for el in root.iter("pubDate", "lastBuildDate")]
        iso = [datetime.fromisoformat(el.text)
               for el in root.iter(f"{ATOM}updated", f"{ATOM}published")]
        assert rfc or iso
        assert set(rfc + iso) <= allowed
        assert b"python-feedgen" not in data


def test_same_content_gives_identical_bytes_in_one_process(shipped, small):
    assert built(shipped) == built(shipped)
    assert built(small) == built(small)
    fresh = index(load(ContentPaths(ROOT)))
    assert built(fresh) == built(shipped)


def _digest(feeds: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(feeds):
        digest.update(path.encode() + b"\0" + feeds[path] + b"\0")
    return digest.hexdigest()


def test_same_content_gives_identical_bytes_in_another_process(shipped):
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from generator.archive.content import load\n"
        "from generator.archive.listings import index\n"
        "from generator.site.pages import plan\n"
        "from generator.core.paths import ContentPaths\n"
        "from generator.site.render import render_page\n"
        "from generator.site.urls import Urls\n"
        "arc = index(load(ContentPaths(Path(sys.argv[1]))))\n"
        "urls = Urls(arc.config.base_url)\n"
        "feeds = {p.output: render_page(None, p, p.make(), arc, urls)\n"
        "         for p in plan(arc, urls.path) if p.kind == 'feed'}\n"
        "digest = hashlib.sha256()\n"
        "for path, data in sorted(feeds.items()):\n"
        "    digest.update(path.encode() + b'\\0' + data + b'\\0')\n"
        "print(digest.hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Pacific/Auckland", "LC_ALL": "C"}
    done = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=True)
    assert done.stdout.strip() == _digest(built(shipped))


def test_relative_links_in_notes_are_absolute_in_feeds() -> None:
    when = date(2024, 5, 1)
    note = Note("linked", "See [that day](../../days/2024-05-01/) and [x](https://x.org/a?b=1&c=2).")
    arc = archive([paper("linked", when)], {when: ["linked"]}, notes=[note])
    entry = parsed(built(arc)["atom.xml"]).entries[0]
    content = entry.content[0].value
    assert f'href="{BASE}days/2024-05-01/"' in content
    assert 'href="https://x.org/a?b=1&amp;c=2"' in content
    assert 'href="../' not in content


def test_each_listing_and_its_feeds_say_the_same(shipped):
    """Titles and descriptions come from one place: a topic's or organization's page and
    its feeds never drift apart."""
    pages = plan(shipped, Urls(shipped.config.base_url).path)
    listed = {p.location: p.make() for p in pages if p.kind in ("topic", "org")}
    feeds = [p for p in pages if p.kind == "feed" and p.location.startswith(("topics/", "orgs/"))]
    assert feeds
    for feed in feeds:
        page, context = listed[feed.location.rsplit("/", 1)[0] + "/"], feed.make()
        assert context["description"] == page["description"]
        assert context["title"] == f"{shipped.config.title} — {page['title']}"

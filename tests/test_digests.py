"""Weekly and monthly digests, their feeds, and the archive's calendar, as readers see them.

What each digest should hold is computed here from the day, paper and note
files alone, never from the generator's own listings.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from archive_helpers import cli
from site_helpers import (
    ATTR_TITLE,
    RAW_TITLE,
    SCRIPT_TITLE,
    Site,
    paper_id,
    write_day,
)
from test_browser import SCREENSHOTS, axe_problems
from test_site import broken_links, card_ids, config, content_days, content_papers, hidden_ids
from test_site import text as text_of

from generator.site.digest_feeds import DigestItem, DigestLine, digest_feed_bytes
from generator.site.feeds import LIMIT
from generator.site.urls import Urls

KINDS = ("weeks", "months")
FLAVOURS = ("feed.xml", "atom.xml", "feed.json")


# -- what the content files say ------------------------------------------------------------
def pick_ids(site: Site) -> set[str]:
    folder = site.root / "content" / "notes"
    return {p.stem for p in folder.glob("*.md")
            if re.search(r"^pick: true$", p.read_text(encoding="utf-8"), re.MULTILINE)}


def label(kind: str, day: str) -> str:
    """The period a day is in, as its URL names it: `2026-W03` or `2026-01`."""
    if kind == "months":
        return day[:7]
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def visible_days(site: Site) -> dict[str, list[tuple[str, int]]]:
    """Each day's visible (paper id, upvotes), in the order listed."""
    hidden, papers = hidden_ids(site), content_papers(site)
    return {day: [(pid, votes) for pid, votes in entries if pid in papers and pid not in hidden]
            for day, entries in content_days(site).items()}


def expected(site: Site, kind: str) -> dict[str, list[tuple[str, int]]]:
    """Each period's (paper id, best upvotes), ranked: picks first, most upvotes, then the
    paper listed first (day, then place), then id."""
    found: dict[str, dict[str, list]] = {}
    for day, entries in sorted(visible_days(site).items()):
        for rank, (pid, votes) in enumerate(entries, start=1):
            seen = found.setdefault(label(kind, day), {})
            if pid in seen:
                seen[pid][0] = max(seen[pid][0], votes)
            else:
                seen[pid] = [votes, day, rank]
    picks = pick_ids(site)
    return {
        period: [(pid, seen[pid][0]) for pid in sorted(
            seen, key=lambda p, s=seen: (p not in picks, -s[p][0], s[p][1], s[p][2], p))]
        for period, seen in found.items()
    }


def closed(site: Site, kind: str, period: str) -> bool:
    """A later day than the period's last calendar day is in the archive."""
    if kind == "weeks":
        year, week = period.split("-W")
        end = date.fromisocalendar(int(year), int(week), 7)
    else:
        start = date.fromisoformat(period + "-01")
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return max(content_days(site)) > end.isoformat()


# -- pages -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_digests_list_exactly_the_periods_visible_papers_ranked(any_site: Site,
                                                                 kind: str) -> None:
    site = any_site
    periods = expected(site, kind)
    index = [site.location_of(a["href"], f"{kind}/")
             for a in site.soup(f"{kind}/").select("main ul.periods a")]
    assert index == [f"{kind}/{p}/" for p in sorted(periods, reverse=True)]
    for period, ranked in periods.items():
        listing = f"{kind}/{period}/"
        assert card_ids(site, listing) == [pid for pid, _ in ranked], listing
        shown = []
        for page in [listing, *(f"{listing}page/{n}/" for n in range(2, 100))]:
            if not site.exists(page):
                break
            for li in site.soup(page).select("main ol.cards > li"):
                shown.append((int(li["value"]), int(text_of(li.select_one(".upvotes")).split()[0])))
        assert shown == [(n, votes) for n, (_, votes) in enumerate(ranked, start=1)], listing


def test_picks_come_first_then_the_best_upvotes_of_the_week(hostile_site: Site) -> None:
    """The pick has 7 upvotes that week; the script paper 10 then 12, shown as its best."""
    soup = hostile_site.soup("weeks/2026-W01/")
    cards = soup.select("main ol.cards > li")
    assert [text_of(li.select_one(".card-title a")) for li in cards] == [ATTR_TITLE, SCRIPT_TITLE]
    assert text_of(cards[0].select_one(".badge")) == "Pick"
    assert text_of(cards[1].select_one(".upvotes")) == "12 upvotes"
    assert "ties go to the paper listed first" in text_of(soup.main)
    assert text_of(soup.h1) == "Papers of week 1, 2026"
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert description.startswith("The papers listed Dec 29, 2025 to Jan 4, 2026:")
    assert "Dec 29, 2025 to Jan 4, 2026" in text_of(soup.select_one("main .lead"))


def test_periods_link_their_neighbours_and_index(hostile_site: Site) -> None:
    site = hostile_site
    for kind, periods in (("weeks", ["2026-W01", "2026-W06"]), ("months", ["2026-01", "2026-02"])):
        for i, period in enumerate(periods):
            nav = site.soup(f"{kind}/{period}/").select_one(
                f'nav[aria-label="{kind.capitalize()}"]')
            targets = [site.location_of(a["href"], f"{kind}/{period}/") for a in nav.select("a")]
            neighbours = [f"{kind}/{p}/" for p in periods[max(i - 1, 0):i + 2] if p != period]
            assert sorted(targets) == sorted([*neighbours, f"{kind}/"]), period


def test_day_pages_link_this_week_and_this_month(any_site: Site) -> None:
    for day, entries in visible_days(any_site).items():
        if not entries:
            continue
        location = f"days/{day}/"
        links = any_site.soup(location).select(".digest-links a")
        assert [any_site.location_of(a["href"], location) for a in links] == [
            f"weeks/{label('weeks', day)}/", f"months/{label('months', day)}/"]


# -- feeds -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_digest_feeds_hold_one_item_per_closed_period(any_site: Site, kind: str) -> None:
    site = any_site
    periods = expected(site, kind)
    done = [p for p in sorted(periods, reverse=True) if closed(site, kind, p)]
    size = config(site)["feed_size"]
    for flavour in FLAVOURS:
        data = site.file(f"{kind}/{flavour}").read_bytes()
        assert len(data) <= LIMIT
        if flavour == "feed.json":
            items = json.loads(data)["items"]
            links = [item["url"] for item in items]
            bodies = [item["content_html"] for item in items]
        else:
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, parsed.get("bozo_exception")
            links = [entry.link for entry in parsed.entries]
            bodies = [entry.content[0].value if "content" in entry else entry.summary
                      for entry in parsed.entries]
            stamps = [entry.published_parsed for entry in parsed.entries]
            assert stamps == sorted(stamps, reverse=True)
        assert [site.location_of(link) for link in links] == [f"{kind}/{p}/" for p in done]
        for period, body in zip(done, bodies, strict=True):
            listed = [site.location_of(a)
                      for a in re.findall(r'href="([^"]+/papers/[^"]+)"', body)]
            assert listed == [f"papers/{pid}/" for pid, _ in periods[period][:size]], period


def test_digest_feeds_are_in_the_opml_and_linked_from_their_pages(hostile_site: Site) -> None:
    opml = hostile_site.file("feeds.opml").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f'xmlUrl="{hostile_site.base_url}{kind}/feed.xml"' in opml \
            or f'xmlUrl="{hostile_site.prefix}{kind}/feed.xml"' in opml
        for page in (f"{kind}/", f"{kind}/{label(kind, '2026-01-02')}/"):
            follow = {hostile_site.location_of(a["href"], page)
                      for a in hostile_site.soup(page).select("main .feeds a")}
            assert follow == {f"{kind}/{flavour}" for flavour in FLAVOURS}, page


def test_a_digest_feed_keeps_under_the_size_cap_and_its_newest_item() -> None:
    lines = tuple(DigestLine(f"paper-{n}", n, "A long title " * 20, n, n % 7 == 0)
                  for n in range(1, 51))
    items = tuple(DigestItem(f"weeks/2026-W{w:02d}/", f"Papers of week {w}, 2026", "Fifty.",
                             datetime(2026, 1, 1, tzinfo=UTC) + timedelta(weeks=60 - w), lines,
                             80) for w in range(1, 61))
    site = type("Site", (), {"title": "T", "language": "en"})()
    for flavour in ("rss", "atom", "json"):
        data = digest_feed_bytes({"feed": flavour, "listing": "weeks/", "title": "T — Weekly",
                                  "description": "D", "site": site, "items": items},
                                 Urls("https://papers.example/sub/"))
        assert len(data) <= LIMIT
        text = data.decode("utf-8")
        assert "weeks/2026-W01/" in text and "weeks/2026-W60/" not in text, flavour


# -- the calendar --------------------------------------------------------------------------------
def test_calendar_counts_equal_the_day_files(any_site: Site) -> None:
    days = visible_days(any_site)
    cells = any_site.soup("archive/").select("table.calendar td a")
    shown = {any_site.location_of(a["href"], "archive/").split("/")[1]:
             text_of(a.select_one(".n")) for a in cells}
    assert shown == {day: f"{len(e)} paper{'s' if len(e) != 1 else ''}"
                     for day, e in days.items()}
    for a in cells:
        assert text_of(a.select_one(".d")) == str(int(a["href"].rstrip("/")[-2:]))


def test_calendar_weeks_and_months_link_their_digests(any_site: Site) -> None:
    site = any_site
    soup = site.soup("archive/")
    for section in soup.select("main section"):
        table = section.table
        assert table.caption and table.select("thead th[scope=col]")
        month = section.h2["id"].removeprefix("m-")[:7]
        digest = [site.location_of(a["href"], "archive/") for a in section.select("p a")]
        assert digest == [f"months/{month}/"]
        for row in table.select("tbody tr"):
            days = [site.location_of(a["href"], "archive/").split("/")[1]
                    for a in row.select("td a")]
            week = row.select_one("th[scope=row] a")
            if days:
                assert site.location_of(week["href"], "archive/") == \
                    f"weeks/{label('weeks', days[0])}/"


def test_a_second_year_has_its_own_calendar_page_and_shares_an_iso_week(
        hostile_root: Path, tmp_path: Path) -> None:
    """Dec 30, 2025 is in ISO week 1 of 2026: its week digest is 2026-W01."""
    write_day(hostile_root, "2025-12-30", [(RAW_TITLE, 40)])
    out = tmp_path / "site"
    done = cli("build", "--out", out, "--base-url", "https://papers.example/sub/",
               cwd=hostile_root)
    assert done.returncode == 0, done.stderr
    site = Site(hostile_root, out, "https://papers.example/sub/")
    assert [text_of(s.h2) for s in site.soup("archive/").select("main section")] == [
        "February 2026", "January 2026"]
    older = site.soup("archive/2025/")
    assert [text_of(s.h2) for s in older.select("main section")] == ["December 2025"]
    years = [site.location_of(a["href"], "archive/2025/")
             for a in older.select('nav[aria-label="Years"] a')]
    assert years == ["archive/"]
    row = older.select_one('a[href$="days/2025-12-30/"]').find_parent("tr")
    assert site.location_of(row.th.a["href"], "archive/2025/") == "weeks/2026-W01/"
    assert card_ids(site, "weeks/2026-W01/")[:3] == [
        paper_id(ATTR_TITLE), paper_id(RAW_TITLE), paper_id(SCRIPT_TITLE)]
    assert card_ids(site, "months/2025-12/") == [paper_id(RAW_TITLE)]
    assert not broken_links(site)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("location", ["archive/", "weeks/2026-W17/", "months/"])
def test_calendar_and_digests_fit_a_phone_and_are_accessible(shipped_site: Site, visit,
                                                             location: str, scheme: str) -> None:
    seen = visit(shipped_site.base_url + location, scheme=scheme, width=390, height=800)
    page = seen.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, location
    assert not seen.problems, seen.problems
    assert not axe_problems(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = location.strip("/").replace("/", "-")
    page.screenshot(path=SCREENSHOTS / f"{name}-phone-{scheme}.png", full_page=True)
    if location == "archive/":
        page.locator("table.calendar td a").first.click()
        page.wait_for_load_state()
        assert page.url.startswith(shipped_site.base_url + "days/")

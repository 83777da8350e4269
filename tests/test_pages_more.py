"""Pages a reader can trust and scan: honest day labels, one page per day, hidden papers
kept hidden, cards with the start of the abstract, the note first on a paper page,
neighbours within a day, and scraped LaTeX shown as the text it stands for.

Sites are built from real files and read back as a reader's browser would get them.
"""
# Expected text holds the Unicode look-alikes of Latin letters that LaTeX stands for.
# ruff: noqa: RUF001

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from site_helpers import (
    ATTR_TITLE,
    HIDDEN_TITLE,
    RAW_TITLE,
    REAGENTS_TITLE,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    Site,
    build_site,
    paper_id,
    write_day,
)
from test_site import card_ids, content_days, content_papers, hidden_ids, listing_pages, text

from generator.core.text import clip, plain_tex


def votes_shown(card: BeautifulSoup) -> int | None:
    found = card.select_one(".upvotes")
    return int(text(found).split()[0]) if found else None


def listing_locations(site: Site) -> list[str]:
    """Every page that lists papers as cards: home, days, topics and orgs with their pages."""
    found = [""] + [f"days/{day}/" for day in content_days(site)]
    for index in ("topics/", "orgs/"):
        for a in site.soup(index).select("main ul a"):
            found += listing_pages(site, site.location_of(a["href"], index))
    return found


def built(root: Path, tmp_path: Path) -> Site:
    site = Site(root, tmp_path / "out", "https://example.org/repo/")
    build_site(root, site.out, site.base_url)
    return site


# -- a day's label and ranks -------------------------------------------------------------
def test_day_label_never_claims_an_order_it_does_not_show(any_site: Site) -> None:
    """The source's order is kept and said to be the order listed; "by upvotes" would be
    a claim only a page sorted by upvotes could make."""
    for day in content_days(any_site):
        soup = any_site.soup(f"days/{day}/")
        votes = [votes_shown(c) for c in soup.select("main ol.ranked article.card")]
        label = " ".join([text(soup.select_one("main .lead")),
                          soup.find("meta", attrs={"name": "description"})["content"]])
        assert "in the order listed" in label, day
        if "upvote" in label.lower():
            assert votes == sorted(votes, reverse=True), (day, label)
    home = any_site.soup("")
    assert "in the order listed" in text(home.select_one("section[aria-labelledby=latest]"))
    assert "ranked by upvotes" not in str(home)


def test_ranks_are_consecutive_over_the_papers_shown(hostile_site: Site) -> None:
    """Jan 2 lists a hidden paper first: the three shown are #1, #2, #3, on the day page
    and on each paper's own page."""
    day = hostile_site.soup("days/2026-01-02/")
    items = day.select("main ol.ranked > li")
    assert [li["value"] for li in items] == ["1", "2", "3"]
    assert [text(li.select_one(".rank")) for li in items] == ["#1", "#2", "#3"]
    shown = card_ids(hostile_site, "days/2026-01-02/")
    for rank, pid in enumerate(shown, start=1):
        places = [text(li.p) for li in hostile_site.soup(f"papers/{pid}/").select(
            "section[aria-labelledby=days] li:has(> p)")]
        assert any(p.startswith(f"#{rank} of 3 on Jan 2, 2026") for p in places), (pid, places)


def test_a_day_is_one_page_while_topics_still_paginate(hostile_site: Site) -> None:
    """Page size 2, and Jan 2 shows three papers: all on the day's one page."""
    assert len(card_ids(hostile_site, "days/2026-01-02/")) == 3
    assert not list(hostile_site.out.glob("days/*/page"))
    assert not hostile_site.soup("days/2026-01-02/").select('nav[aria-label="Pages"]')
    assert "page" not in text(hostile_site.soup("days/2026-01-02/").title)
    assert listing_pages(hostile_site, "topics/agents/") == ["topics/agents/",
                                                             "topics/agents/page/2/"]


def test_home_links_the_whole_day_when_it_shows_part_of_it(hostile_site: Site) -> None:
    """The home page shows a day's first `page_size` papers, then a link to all of them."""
    home = hostile_site.soup("")
    latest = home.select_one("section[aria-labelledby=latest]")
    assert len(latest.select("ol.cards > li")) == 2
    more = latest.select_one(".more a")
    assert hostile_site.location_of(more["href"]) == "days/2026-02-03/"
    assert text(more) == "All 3 papers of Feb 3, 2026 →"


# -- hidden papers -------------------------------------------------------------------------
def test_hidden_paper_shows_no_note_and_no_tags_and_says_not_listed(hostile_root: Path,
                                                                    tmp_path: Path) -> None:
    note = hostile_root / "content" / "notes" / f"{paper_id(HIDDEN_TITLE)}.md"
    note.write_text("---\nhidden: true\npick: true\ntags: [secret-tag]\n---\n"
                    "Secret reason: a retracted result.\n", encoding="utf-8")
    site = built(hostile_root, tmp_path)
    hidden = paper_id(HIDDEN_TITLE)
    page = site.soup(f"papers/{hidden}/")
    words = text(page.main)
    assert "Secret" not in words and "retracted" not in words and "secret-tag" not in words
    assert not page.select(".note, ul.tags.plain")
    assert text(page.select_one("main .flags .badge")) == "Not listed"
    assert "Pick" not in words
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert "Secret" not in page.find("meta", attrs={"name": "description"})["content"]
    for location in site.html_locations():
        if location != f"papers/{hidden}/":
            assert hidden not in str(site.soup(location)), location
    for path in site.out.rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".json", ".opml", ".txt"):
            assert hidden not in path.read_text(encoding="utf-8"), path.name


# -- cards ---------------------------------------------------------------------------------
def test_every_card_shows_the_start_of_its_abstract(any_site: Site) -> None:
    papers = content_papers(any_site)
    for location in listing_locations(any_site):
        for card in any_site.soup(location).select("main article.card"):
            pid = any_site.location_of(card.select_one(".card-title a")["href"],
                                       location).split("/")[1]
            abstract = " ".join(plain_tex(papers[pid]["abstract"]).split())
            summary = text(card.select_one(".summary"))
            assert summary, (location, pid)
            assert len(summary) <= 250
            if summary.endswith("…"):
                start = summary.removesuffix("…").rstrip()
                assert abstract.startswith(start) and len(start) < len(abstract)
                after = abstract[len(start):]
                assert after[0] == " " or start.endswith((".", "!", "?")), (pid, summary)
            else:
                assert summary == abstract


@pytest.mark.parametrize(("text_in", "expected"), [
    ("Short.", "Short."),
    ("One sentence here. " * 30, "One sentence here. " * 11 + "One sentence here. …"),
    ("word " * 100, ("word " * 46).strip() + "…"),
    ("See e.g. Smith et al. Results hold. " + "x" * 300, None),
])
def test_clip_cuts_at_a_sentence_or_a_word(text_in: str, expected: str | None) -> None:
    clipped = clip(text_in)
    assert len(clipped) <= 232
    if expected is not None:
        assert clipped == expected.strip()
    else:  # never inside an abbreviation
        assert not clipped.endswith(("e.g. …", "et al. …"))


def test_topic_and_org_cards_show_the_latest_days_upvotes(shipped_site: Site) -> None:
    days = content_days(shipped_site)
    latest: dict[str, int] = {}
    for day in sorted(days):
        for pid, votes in days[day]:
            latest[pid] = votes
    checked = 0
    for index in ("topics/", "orgs/"):
        for a in shipped_site.soup(index).select("main ul a"):
            listing = shipped_site.location_of(a["href"], index)
            soup = shipped_site.soup(listing)
            assert "upvotes on the last day each was listed" in text(soup.select_one(".count"))
            for card in soup.select("main article.card"):
                pid = shipped_site.location_of(card.select_one(".card-title a")["href"],
                                               listing).split("/")[1]
                assert votes_shown(card) == latest[pid], (listing, pid)
                checked += 1
    assert checked > 100


def test_no_upvote_counts_where_a_day_counted_none(hostile_root: Path, tmp_path: Path) -> None:
    """A day whose every paper has 0 upvotes had no upvote data: no "▲ 0" anywhere for it."""
    write_day(hostile_root, "2026-02-04", [(REAGENTS_TITLE, 0), (RAW_TITLE, 0)])
    site = built(hostile_root, tmp_path)
    day = site.soup("days/2026-02-04/")
    assert len(day.select("main article.card")) == 2
    assert not day.select(".upvotes")
    assert not site.soup("").select("section[aria-labelledby=latest] .upvotes")
    for title in (REAGENTS_TITLE, RAW_TITLE):
        for location in ("topics/reasoning/", "topics/agents/", f"papers/{paper_id(title)}/"):
            for card in site.soup(location).select("article.card"):
                if paper_id(title) in card.select_one(".card-title a")["href"]:
                    assert votes_shown(card) is None, (title, location)
        places = site.soup(f"papers/{paper_id(title)}/").select(
            "section[aria-labelledby=days] li:has(> p)")
        on_day = [p for p in places if "Feb 4, 2026" in text(p.p)]
        assert on_day and not on_day[0].select(".upvotes")
    counted = site.soup("days/2026-02-03/").select("main article.card .upvotes")
    assert [text(v) for v in counted] == ["99 upvotes", "8 upvotes", "0 upvotes"]


# -- the paper page ------------------------------------------------------------------------
def test_paper_page_puts_the_note_before_the_abstract_and_badges_a_pick(
        hostile_site: Site) -> None:
    page = hostile_site.soup(f"papers/{paper_id(ATTR_TITLE)}/")
    order = [h.get("id") for h in page.select("article.paper h1, article.paper h2")]
    # links: an arXiv search at least
    assert order == [None, "links", "note", "abstract", "days", "related"]
    flags = page.select_one("article.paper h1 + .flags")
    assert text(flags.select_one(".badge")) == "Pick"
    assert page.select_one("article.paper h1").find_next("dl").get("class") == ["facts"]
    plain = hostile_site.soup(f"papers/{paper_id(SCRIPT_TITLE)}/")
    order = [h.get("id") for h in plain.select("article.paper h2")]
    assert order == ["links", "abstract", "days", "related"]
    assert not plain.select(".flags")


def test_paper_page_links_its_neighbours_on_every_day(any_site: Site) -> None:
    """For each day a paper was listed on: its rank there and links to the papers before
    and after it on that day's page; `rel` only on the first day's links."""
    site = any_site
    hidden = hidden_ids(site)
    shown = {day: [pid for pid, _ in entries if pid not in hidden]
             for day, entries in content_days(site).items()}
    titles = {pid: " ".join(plain_tex(p["title"]).split())
              for pid, p in content_papers(site).items()}
    for pid in titles:
        if pid in hidden:
            continue
        items = site.soup(f"papers/{pid}/").select("section[aria-labelledby=days] > ul > li")
        days = [day for day in sorted(shown) if pid in shown[day]]
        assert len(items) == len(days), pid
        for index, (day, item) in enumerate(zip(days, items, strict=True)):
            ids = shown[day]
            rank = ids.index(pid) + 1
            assert text(item.p).startswith(f"#{rank} of {len(ids)} on "), pid
            assert site.location_of(item.p.a["href"]) == f"days/{day}/"
            for side, neighbour in (("prev", rank - 2), ("next", rank)):
                link = item.select_one(f"nav li.{side} a")
                if 0 <= neighbour < len(ids):
                    assert site.location_of(link["href"]) == f"papers/{ids[neighbour]}/"
                    assert titles[ids[neighbour]] in text(link)
                    assert (link.get("rel") == [side]) == (index == 0), (pid, day)
                else:
                    assert link is None


def test_neighbour_retitled_is_shown_after_an_incremental_build(hostile_root: Path,
                                                                tmp_path: Path) -> None:
    """A paper page shows its neighbours' titles, so a neighbour's new title reaches it
    even when the build looks only at the pages of the paper that changed."""
    time.sleep(0.1)  # files saved in the instant of a build are all looked at again
    site = built(hostile_root, tmp_path)
    neighbour = f"papers/{paper_id(ATTR_TITLE)}/"
    assert TEMPLATE_TITLE in text(site.soup(neighbour).select("nav li.prev")[-1])  # Feb 3
    path = hostile_root / "content" / "papers" / f"{paper_id(TEMPLATE_TITLE)}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{{ 7*7 }}", "{{ 7 * 7 }}", 1),
                    encoding="utf-8")
    build_site(hostile_root, site.out, site.base_url)
    page = BeautifulSoup(site.file(neighbour).read_text(encoding="utf-8"), "html.parser")
    assert "{{ 7 * 7 }}" in text(page.select("nav li.prev")[-1])


# -- the home page -------------------------------------------------------------------------
def test_home_has_one_meaningful_heading_and_the_day_before_the_topics(any_site: Site) -> None:
    home = any_site.soup("")
    h1 = home.find_all("h1")
    assert len(h1) == 1
    assert text(h1[0]) != text(home.select_one(".site-title"))
    assert text(h1[0]).startswith("Latest papers")
    sections = [s["aria-labelledby"] for s in home.main.find_all("section", recursive=False)]
    assert sections.index("latest") == 0
    assert sections.index("latest") < sections.index("topics")


# -- LaTeX leftovers -----------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "shown"), [
    (r"a gain of 60\% and R\&D", "a gain of 60% and R&D"),
    (r"snake\_case and \#1 for \$4000", "snake_case and #1 for $4000"),
    (r"$\alpha$-decay, $\beta$ and $\Omega$", "α-decay, β and Ω"),
    (r"$2\times$ faster, $\leq 5\%$, $\geq$, $\sim$3, $\approx$, $\pm$, $\rightarrow$",
     "2× faster, ≤ 5%, ≥, ∼3, ≈, ±, →"),
    (r"$\infty$ and $\gamma_1$", "∞ and γ₁"),
    (r"$10^{3}$ tokens, $x_{i}$, $O(n^2)$, $x^{ab}$", "10³ tokens, xᵢ, O(n²), x^ab"),
    ("costs $5 and $10", "costs $5 and $10"),  # money, not math
    ("$<script>alert(1)</script>$", "$<script>alert(1)</script>$"),
    (r"$\alpha<b>$ and $\unknown$", r"$\alpha<b>$ and $\unknown$"),
    (r"unbalanced $\alpha and 5\%", r"unbalanced $\alpha and 5%"),
    ("$$", "$$"),
    ("no escapes at all", "no escapes at all"),
])
def test_plain_tex(raw: str, shown: str) -> None:
    assert plain_tex(raw) == shown


LATEX_TITLE = r"Scaling $\alpha$-Models by 60\% with R\&D"
LATEX_ABSTRACT = (r"We gain 60\% on $\beta$-tests, a $2\times$ speed-up. Hostile: "
                  r"$<script>alert(1)</script>$ and $<b>x</b>$ stay text.")


def test_latex_is_shown_as_text_on_pages_and_never_changes_the_archive(hostile_root: Path,
                                                                      tmp_path: Path) -> None:
    pid = paper_id(SCRIPT_TITLE)
    path = hostile_root / "content" / "papers" / f"{pid}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["title"], data["abstract"] = LATEX_TITLE, LATEX_ABSTRACT
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    before = path.read_bytes()
    site = built(hostile_root, tmp_path)
    assert path.read_bytes() == before
    page = site.soup(f"papers/{pid}/")
    assert text(page.h1) == "Scaling α-Models by 60% with R&D"
    assert text(page.title).startswith("Scaling α-Models by 60% with R&D · ")
    abstract = text(page.select_one(".abstract"))
    assert abstract.startswith("We gain 60% on β-tests, a 2× speed-up.")
    assert "$<script>alert(1)</script>$ and $<b>x</b>$ stay text." in abstract
    assert not page.find("script") and not page.select(".abstract b")
    card = site.soup("days/2026-01-01/").select_one("article.card")
    assert text(card.select_one(".card-title a")) == "Scaling α-Models by 60% with R&D"
    assert text(card.select_one(".summary")).startswith("We gain 60% on β-tests")
    html = site.file(f"papers/{pid}/").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<script", html)

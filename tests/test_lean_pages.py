"""Lean pages: what the size work removed is only what a reader never sees, and what a
reader sees is still there (a page's bytes count: a site of 100,000 papers must fit the
host's limit)."""

from __future__ import annotations

import re

from site_helpers import Site
from test_site import content_days, hidden_ids, text

FLAVOURS = ("feed.xml", "atom.xml", "feed.json")


def _alternates(site: Site, location: str) -> list[str]:
    return [link["href"] for link in site.soup(location).find_all("link", rel="alternate")]


def test_a_paper_page_links_each_feed_that_lists_it_once(any_site: Site) -> None:
    """The site's three feeds, then one (RSS) per topic and organization listing the paper;
    that listing's own page names all three flavours."""
    site, hidden = any_site, hidden_ids(any_site)
    site_feeds = [site.prefix + name for name in FLAVOURS]
    seen = 0
    for location in site.html_locations():
        if not location.startswith("papers/") or location.split("/")[1] in hidden:
            continue
        soup = site.soup(location)
        facts = "dl.facts a[href*='/topics/'], dl.facts a[href*='/orgs/']"
        listings = [site.location_of(a["href"], location) for a in soup.select(facts)]
        found = _alternates(site, location)
        assert found[:3] == site_feeds, location
        assert sorted(found[3:]) == sorted(
            site.prefix + listing + "feed.xml" for listing in listings), location
        for listing in listings:
            assert set(_alternates(site, listing)) >= {
                site.prefix + listing + name for name in FLAVOURS}, listing
        seen += bool(listings)
    assert seen


def _cards(site: Site, location: str) -> dict[str, object]:
    return {site.location_of(card.select_one(".card-title a")["href"], location): card
            for card in site.soup(location).select("main article.card")}


def test_digest_cards_are_brief_and_the_day_card_has_the_rest(any_site: Site) -> None:
    """A week's or month's card: title, upvotes, authors or organization, arXiv; the start
    of the abstract and the topics are on the paper's day, where the full card is."""
    site = any_site
    days = {f"days/{day}/": _cards(site, f"days/{day}/") for day in content_days(site)
            if site.exists(f"days/{day}/")}
    full = {paper: card for cards in days.values() for paper, card in cards.items()}
    assert any(card.select_one(".summary") for card in full.values())
    assert any(card.select_one("ul.tags") for card in full.values())
    digests = [loc for loc in site.html_locations()
               if re.fullmatch(r"(weeks|months)/[^/]+/(page/\d+/)?", loc)]
    assert digests
    for location in digests:
        cards = _cards(site, location)
        assert cards, location
        for paper, card in cards.items():
            assert not card.select(".summary, ul.tags"), (location, paper)
            assert text(card.select_one(".card-title a")) == text(
                full[paper].select_one(".card-title a")), (location, paper)


def test_pages_are_not_indented(any_site: Site) -> None:
    """Indentation is bytes on every page and nothing on screen: the pages a site has
    thousands of (papers, days, digests, topics, organizations) carry none."""
    many = re.compile(r"(papers|days|weeks|months|topics|orgs)/[^/]+/(page/\d+/)?")
    for location in any_site.html_locations():
        if not many.fullmatch(location):
            continue
        markup = any_site.file(location).read_text(encoding="utf-8")
        markup = re.sub(r"<pre\b.*?</pre>", "", markup, flags=re.S)  # a note's code
        indented = [line for line in markup.splitlines() if line[:1] in (" ", "\t")]
        assert not indented, (location, indented[:3])


def test_neighbour_links_are_named_by_the_words_not_the_arrows(any_site: Site) -> None:
    """The arrows before "Previous" and after "Next" are drawn by the stylesheet, out of
    the links' names: a screen reader reads "Previous: <title>"."""
    site = any_site
    links = [a for location in site.html_locations() if location.startswith("papers/")
             for a in site.soup(location).select("nav.neighbours li a")]
    assert links
    for a in links:
        name = text(a)
        assert re.match(r"(Previous|Next): \S", name) and "←" not in name and "→" not in name
    css = next(site.out.glob("static/style.*.css")).read_text(encoding="utf-8")
    assert '.neighbours .prev a::before { content: "← "; content: "← " / ""; }' in css
    assert '.neighbours .next a::after { content: " →"; content: " →" / ""; }' in css


def test_a_topic_page_card_shows_the_papers_other_topics(any_site: Site) -> None:
    """On a topic's page every card is on that topic: its chip would say it fifty times.
    The paper's other topics are there, as on its day's card."""
    site = any_site
    full = {paper: card for day in content_days(site) if site.exists(f"days/{day}/")
            for paper, card in _cards(site, f"days/{day}/").items()}
    others = 0
    for location in site.html_locations():
        if not re.fullmatch(r"topics/[^/]+/(page/\d+/)?", location):
            continue
        own = "/".join(location.split("/")[:2]) + "/"
        for paper, card in _cards(site, location).items():
            chips = [site.location_of(a["href"], location) for a in card.select("ul.tags a")]
            assert own not in chips, (location, paper)
            expected = [site.location_of(a["href"]) for a in full[paper].select("ul.tags a")]
            assert chips == [chip for chip in expected if chip != own], (location, paper)
            others += bool(chips)
    assert others

"""Content is text, never markup or template code: the hostile archive, built and read back.

Every title, abstract, org name, topic and note of the hostile archive (see
conftest) tries to be HTML, script or Jinja. These tests read the built
pages and feeds and check each string shows literally and nothing runs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup, Tag
from site_helpers import (
    ABSTRACT,
    ATTR_TITLE,
    HIDDEN_TITLE,
    NEW_ORG_NAME,
    OVERRIDE_TITLE,
    RAW_TITLE,
    REAGENTS_TITLE,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    TOPIC_DESCRIPTION,
    TOPIC_NAME,
    TRAILING_LINKS,
    Site,
    paper_id,
)

from generator.archive import notes

TITLES = [SCRIPT_TITLE, TEMPLATE_TITLE, RAW_TITLE, ATTR_TITLE]
ACTIVE_TAGS = ["script", "iframe", "object", "embed", "img", "svg", "math", "form", "base",
               "meta[http-equiv]", "style"]
_URL_NOISE = re.compile(r"[\t\n\r]")


def scheme(url: str) -> str:
    """The scheme a browser would see: C0/space trimmed, tabs and newlines removed."""
    cleaned = _URL_NOISE.sub("", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c"
                                           "\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
                                           "\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


SPARKLINE_ATTRS = {"svg": {"role", "aria-label", "width", "height", "viewbox"},
                   "title": set(), "polyline": {"points"}}


def assert_inert(soup: BeautifulSoup | Tag, where: str) -> None:
    """No element that runs or loads anything, no event handler, no script URL. The one
    SVG allowed is the theme's upvote sparkline: a title and a polyline, nothing else."""
    for selector in ACTIVE_TAGS:
        found = soup.select(selector)
        if selector == "svg":
            found = [svg for svg in found if not _is_sparkline(svg)]
        assert not found, f"{where}: {selector}"
    for tag in soup.find_all(True):
        handlers = [name for name in tag.attrs if name.lower().startswith("on")]
        assert not handlers, f"{where}: {tag.name} {handlers}"
        for attr in ("href", "src", "action", "formaction", "xlink:href"):
            if attr in tag.attrs:
                assert scheme(tag[attr]) in ("", "http", "https", "mailto"), (where, tag)


def _is_sparkline(svg: Tag) -> bool:
    parent = svg.parent
    inside = [svg, *svg.find_all(True)]
    return (parent is not None and parent.get("class") == ["sparkline"]
            and [t.name for t in inside] == ["svg", "title", "polyline"]
            and all(set(t.attrs) <= SPARKLINE_ATTRS[t.name] for t in inside)
            and re.fullmatch(r"[\d., -]+", svg.polyline.get("points", "")) is not None)


def text(tag: Tag | None) -> str:
    return " ".join(tag.get_text().split()) if tag else ""


def paper_page(site: Site, title: str) -> BeautifulSoup:
    return site.soup(f"papers/{paper_id(title)}/")


# -- pages ----------------------------------------------------------------------------
def without_search(soup: BeautifulSoup, site: Site, location: str) -> BeautifulSoup:
    """The page less the theme's own search: the header's box (a GET form to the search
    page, on every page but that one) and, on the search page, Pagefind's script and
    the theme's. Each must be exactly that; anything else active is still caught."""
    soup = BeautifulSoup(str(soup), "html.parser")
    boxes = soup.select("form")
    if location != "search/":
        assert len(boxes) == 1, location
        box = boxes[0]
        assert (box.get("action"), box.get("method")) == (site.prefix + "search/", "get")
        assert [t.name for t in box.find_all(True)] == ["label", "input", "button"]
        box.decompose()
        return soup
    assert not boxes
    sources = [tag.get("src", "") for tag in soup.select("script")]
    bundle = r"pagefind/(all|\d{4})/pagefind-ui\.js"
    assert re.fullmatch(re.escape(site.prefix) + bundle, sources[0])
    assert re.fullmatch(re.escape(site.prefix) + r"static/search\.[0-9a-f]+\.js", sources[1])
    assert len(sources) == 2 and not any(t.string for t in soup.select("script"))
    for tag in soup.select("script"):
        tag.decompose()
    return soup


def test_no_page_holds_active_markup(hostile_site: Site) -> None:
    for location in hostile_site.html_locations():
        soup = without_search(hostile_site.soup(location), hostile_site, location)
        assert_inert(soup, location or "home")


@pytest.mark.parametrize("title", TITLES)
def test_titles_show_literally(hostile_site: Site, title: str) -> None:
    soup = paper_page(hostile_site, title)
    assert soup.h1.get_text() == title
    assert soup.title.get_text().startswith(title + " · ")
    assert soup.find("meta", property="og:title")["content"] == title
    listed = [a.get_text() for location in hostile_site.html_locations()
              for a in hostile_site.soup(location).select(".card-title a")]
    assert title in listed


def test_template_syntax_is_never_evaluated(hostile_site: Site) -> None:
    """`{{ 7*7 }}` stays as written: no page says 49, site title and tags included."""
    for location in hostile_site.html_locations():
        soup = hostile_site.soup(location)
        assert not re.search(r"\b49\b", soup.get_text()), location
        assert "{{ 7*7 }}" in soup.select_one(".site-title").get_text()
    raw = paper_page(hostile_site, RAW_TITLE)
    assert "{% endraw %}" in text(raw.select_one(".abstract"))
    tags = [li.get_text() for li in paper_page(hostile_site, ATTR_TITLE).select("ul.tags.plain li")]
    assert tags == ["<b>tag</b>", "{{ 7*7 }}"]


def test_org_and_topic_names_are_text(hostile_site: Site) -> None:
    org = hostile_site.soup("orgs/evil-org/")
    assert org.h1.get_text() == NEW_ORG_NAME
    assert [a.get_text() for a in hostile_site.soup("orgs/").select("main ul a")] == [NEW_ORG_NAME]
    topic = hostile_site.soup("topics/markup/")
    assert topic.h1.get_text() == TOPIC_NAME
    assert topic.select_one(".lead").get_text() == TOPIC_DESCRIPTION
    chips = [a.get_text() for a in hostile_site.soup("").select("#topics ~ ul a")]
    assert any(chip.startswith(TOPIC_NAME + " ") for chip in chips)


def test_org_shows_its_most_recent_name(hostile_site: Site) -> None:
    """Two papers name the org differently; the later day's name is used everywhere."""
    for title in (SCRIPT_TITLE, TEMPLATE_TITLE):
        facts = paper_page(hostile_site, title).select_one("dl.facts")
        assert facts.select_one("a[href$='/orgs/evil-org/']").get_text() == NEW_ORG_NAME


def test_note_is_markdown_without_html_or_unsafe_links(hostile_site: Site) -> None:
    note = paper_page(hostile_site, ATTR_TITLE).select_one("section.note")
    assert note.strong.get_text() == "bold"
    shown = text(note)
    assert "<script>alert('note')</script>" in shown
    assert '<iframe src="https://evil.example/"></iframe>' in shown
    assert_inert(note, "note")
    links = {a.get_text(): a["href"] for a in note.find_all("a")}
    for name in ("click", "case", "tab", "vb", "entity", "pixel"):
        assert name not in links
    assert links["safe"] == "https://example.org/ok"
    assert links["mail"] == "mailto:curator@example.org"
    day = hostile_site.location_of(links["day"], f"papers/{paper_id(ATTR_TITLE)}/")
    assert day == "days/2026-01-02/" and hostile_site.exists(day)
    assert "data:" not in str(note.find_all(src=True))
    headings = [(h.name, h.get_text()) for h in note.find_all(["h1", "h2", "h3", "h4"])]
    assert headings == [("h2", "Curator's note"), ("h3", "Why it <em>matters</em>"),
                        ("h4", "{{ 7*7 }}")]  # nested under the section, one h1 per page


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", " javascript:alert(1)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "&#106;avascript:alert(1)",
])
def test_rendered_note_drops_unsafe_links(link: str) -> None:
    """The renderer itself: a raw-HTML note and a script link leave no markup or link."""
    html = notes.render(f'<script>alert(1)</script>\n\n<b onclick="x()">b</b> [go]({link}) '
                        f"<{link}> ![i]({link})\n")
    soup = BeautifulSoup(html, "html.parser")
    assert_inert(soup, link)
    assert not [a for a in soup.find_all("a") if scheme(a["href"]) not in ("http", "https", "")]
    assert "<script>alert(1)</script>" in soup.get_text()


def test_abstract_links_only_http_and_without_trailing_punctuation(hostile_site: Site) -> None:
    soup = paper_page(hostile_site, SCRIPT_TITLE)
    abstract = soup.select_one(".abstract")
    assert [a["href"] for a in abstract.find_all("a")] == list(TRAILING_LINKS)
    assert [a.get_text() for a in abstract.find_all("a")] == list(TRAILING_LINKS)
    shown = " ".join(p.get_text() for p in abstract.find_all("p"))
    assert shown == " ".join(ABSTRACT.split())  # punctuation and javascript: kept as text
    listed = [a["href"] for a in soup.select("section[aria-labelledby=links] a")]
    search, *listed = listed  # first, the arXiv title search: the title only ever encoded
    assert search.startswith("https://arxiv.org/search/?query=%3Cscript%3E")
    assert listed == list(TRAILING_LINKS)  # the file's javascript: link is dropped


# -- curation: hidden, picks, topics -------------------------------------------------------
def test_hidden_paper_is_in_no_listing_feed_or_sitemap(hostile_site: Site) -> None:
    hidden = paper_id(HIDDEN_TITLE)
    own = f"papers/{hidden}/"
    for location in hostile_site.html_locations():
        if location != own:
            hrefs = [a["href"] for a in hostile_site.soup(location).find_all("a")]
            assert not [h for h in hrefs if hidden in h], location
    for path in hostile_site.out.rglob("*.xml"):
        assert hidden not in path.read_text(encoding="utf-8"), path.name
    page = hostile_site.soup(own)
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert page.h1.get_text() == HIDDEN_TITLE
    assert len(page.find_all("link", rel="alternate")) == 3  # only the site's feeds
    ranks = [li["value"] for li in hostile_site.soup("days/2026-01-02/").select("ol.ranked > li")]
    assert ranks == ["1", "2", "3"]  # ranked among the papers shown: the hidden one leaves no gap
    cell = hostile_site.soup("archive/").select_one('td a[href$="days/2026-01-02/"] .n')
    assert text(cell) == "3 papers"


def test_picks_are_featured_on_the_home_page(hostile_site: Site) -> None:
    section = hostile_site.soup("").select_one("section[aria-labelledby=picks]")
    cards = section.select("article.card")
    assert [text(c.select_one(".card-title a")) for c in cards] == [ATTR_TITLE]
    assert text(cards[0].select_one(".badge")) == "Pick"
    assert text(cards[0].select_one(".excerpt")).endswith(
        "Pick note with <script>alert('note')</script> raw HTML and bold text.")


def test_note_topics_replace_automatic_ones(hostile_site: Site) -> None:
    page = paper_page(hostile_site, OVERRIDE_TITLE)
    topics = [a.get_text() for a in page.select("dl.facts .tags a")]
    assert topics == ["Safety"]


@pytest.mark.parametrize(("title", "topics"), [
    (RAW_TITLE, ["Agents"]),  # "tool   use": a phrase across any whitespace
    (REAGENTS_TITLE, []),  # "reagents", "reasonings": not the words agents, reasoning
    (SCRIPT_TITLE, ["Agents", "Reasoning"]),
    (TEMPLATE_TITLE, ["Reasoning", TOPIC_NAME]),  # "Markup" matches "markup"
])
def test_topic_rules_match_whole_words(hostile_site: Site, title: str, topics: list[str]) -> None:
    found = [a.get_text() for a in paper_page(hostile_site, title).select("dl.facts .tags a")]
    assert found == topics


# -- feeds ----------------------------------------------------------------------------------
def test_feeds_carry_titles_as_text_and_content_without_markup(hostile_site: Site) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    for path in sorted(hostile_site.out.rglob("*.xml")):
        if path.name not in ("feed.xml", "atom.xml"):
            continue
        root = ET.parse(path).getroot()
        channel_title = root.findtext("channel/title") or root.findtext(f"{atom}title")
        assert channel_title.startswith("Hostile <b>archive</b> {{ 7*7 }}"), path
        items = root.findall("channel/item") or root.findall(f"{atom}entry")
        for item in items:
            title = item.findtext("title") or item.findtext(f"{atom}title")
            title = title.removeprefix("★ ")  # a pick's mark
            if path.parent.name in ("weeks", "months"):  # one item per period
                assert re.fullmatch(r"Papers of (week \d+, \d{4}|[A-Z][a-z]+ \d{4})", title)
            else:
                assert title in [*TITLES, OVERRIDE_TITLE, REAGENTS_TITLE], (path, title)
            body = item.findtext("description") or item.findtext(f"{atom}content") or ""
            html = BeautifulSoup(body, "html.parser")
            assert_inert(html, f"{path.name}: {title}")
            assert not re.search(r"\b49\b", html.get_text())

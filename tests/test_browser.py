"""The built sites in headless Chromium: clean loads, nothing injected runs, accessible.

Pages are served over HTTP from 127.0.0.1 under the subpath they were built
for; requests anywhere else are refused and reported. Screenshots of the
home, a day, a paper and an organization page (light, dark and phone width)
are kept in test-artifacts/screenshots/ for a person to look at; the README's
pictures (home and a paper page, 390 and 1280 pixels wide, light and dark) in
test-artifacts/screenshots/readme/, which `make screenshots` copies to docs/.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from site_helpers import (
    ARTIFACTS,
    ATTR_TITLE,
    REPO,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    Site,
    Visit,
    build_site,
    paper_id,
)

SCREENSHOTS = ARTIFACTS / "screenshots"
README_SHOTS = SCREENSHOTS / "readme"
PHONE = (390, 844)  # a phone's viewport, in CSS pixels
DESKTOP = (1280, 900)
SHOT_LIMIT = 400_000  # bytes per README picture
SHOWCASE_NOTE = """---
pick: true
tags: [video, memory]
---
Training-free and simple: a small tree of candidate masks per frame stops SAM 2's
errors from piling up on long videos. **Worth trying before fine-tuning anything.**
"""
PAGES = ("home", "day", "paper", "org")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
# best-practice rules that keep the page's structure honest whatever their impact
STRUCTURE = {"landmark-one-main", "page-has-heading-one", "region", "heading-order",
             "landmark-unique", "landmark-no-duplicate-banner", "list", "listitem",
             "skip-link", "bypass"}


def shipped_pages(site: Site) -> dict[str, str]:
    """Site-relative locations of the four pages the browser checks, picked from the output."""
    orgs = site.soup("orgs/").select("main ul li")
    busiest = max(orgs, key=lambda li: int(li.select_one(".count").get_text(" ").split()[0]))
    org = site.location_of(busiest.a["href"])
    paper = site.location_of(site.soup(org).select_one(".card-title a")["href"])
    day = site.location_of(site.soup("").select_one("#latest a")["href"])
    return {"home": "", "day": day, "paper": paper, "org": org}


def axe_problems(page: object) -> list[str]:
    """Serious or critical WCAG 2.1 A/AA violations, and any structural best-practice one."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in results.response["violations"]
            if v["impact"] in BLOCKING or v["id"] in STRUCTURE]


def dom_is_inert(seen: Visit) -> None:
    """No script element, event handler or image in the live DOM; no dialog opened."""
    counts = seen.page.evaluate("""() => ({
        scripts: document.scripts.length,
        images: document.images.length,
        frames: document.querySelectorAll('iframe, object, embed').length,
        handlers: [...document.querySelectorAll('*')].filter(
            el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
    })""")
    assert counts == {"scripts": 0, "images": 0, "frames": 0, "handlers": 0}
    assert not seen.dialogs


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_shipped_page_loads_cleanly_and_is_accessible(
        shipped_site: Site, visit: Callable[..., Visit], name: str, scheme: str) -> None:
    location = shipped_pages(shipped_site)[name]
    seen = visit(shipped_site.base_url + location, scheme=scheme)
    assert not seen.problems
    dom_is_inert(seen)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if scheme == "light" else "-dark"
    seen.page.screenshot(path=SCREENSHOTS / f"{name}{suffix}.png", full_page=True)
    background = seen.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
    assert not axe_problems(seen.page)


@pytest.mark.parametrize("name", PAGES)
def test_shipped_page_fits_a_phone(shipped_site: Site, visit: Callable[..., Visit],
                                   name: str) -> None:
    seen = visit(shipped_site.base_url + shipped_pages(shipped_site)[name], width=390)
    assert not seen.problems
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen.page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    width = seen.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: {width}px wide, scrolls sideways on a phone"


@pytest.mark.parametrize("location", [
    "",
    "days/2026-01-02/",
    f"papers/{paper_id(SCRIPT_TITLE)}/",
    f"papers/{paper_id(TEMPLATE_TITLE)}/",
    f"papers/{paper_id(ATTR_TITLE)}/",
    "orgs/evil-org/",
    "topics/markup/",
])
def test_hostile_page_runs_nothing(hostile_site: Site, visit: Callable[..., Visit],
                                   location: str) -> None:
    seen = visit(hostile_site.base_url + location)
    assert not seen.problems
    dom_is_inert(seen)
    h1 = seen.page.locator("h1").inner_text()
    assert "49" not in h1 and h1.strip()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_hostile_note_page_is_accessible(hostile_site: Site, visit: Callable[..., Visit],
                                         scheme: str) -> None:
    seen = visit(hostile_site.base_url + f"papers/{paper_id(ATTR_TITLE)}/", scheme=scheme)
    assert not axe_problems(seen.page)


def test_404_page_works_at_any_depth(shipped_site: Site, visit: Callable[..., Visit]) -> None:
    """A missing deep URL gets the site's 404 page, styled, with links that lead home."""
    seen = visit(shipped_site.base_url + "no/such/deep/page/", expect_status=404)
    assert not seen.problems
    assert seen.page.locator("h1").inner_text() == "Page not found"
    width = seen.page.evaluate("getComputedStyle(document.body).maxWidth")
    assert width == "832px"  # the theme's stylesheet loaded from the base path
    seen.page.get_by_role("link", name="latest day").click()
    seen.page.wait_for_load_state()
    assert seen.page.url == shipped_site.base_url
    assert not seen.failed


def test_skip_link_is_the_first_stop_and_moves_to_main(shipped_site: Site,
                                                       visit: Callable[..., Visit]) -> None:
    seen = visit(shipped_site.base_url)
    seen.page.keyboard.press("Tab")
    focused = seen.page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    box = seen.page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0  # visible when focused
    seen.page.keyboard.press("Enter")
    assert seen.page.evaluate("document.activeElement.id") == "main"


def test_pages_read_without_javascript(shipped_site: Site, browser: object) -> None:
    """JavaScript off: the same content is there (the site ships none)."""
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        for location in shipped_pages(shipped_site).values():
            page.goto(shipped_site.base_url + location)
            assert page.locator("main h1").is_visible()
            assert page.locator("main a").count() > 0
    finally:
        context.close()


# -- the README's pictures, and the home page on a phone ---------------------------
@pytest.fixture(scope="session")
def showcase_site(www: Path, server: str, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The shipped archive plus one curator's note, a pick on the latest day's second paper,
    so the pictures show a note and the Pick badge; built under `/showcase/`. Listings
    hold six papers a page, so the whole home page fits a picture of a few hundred KB."""
    root = tmp_path_factory.mktemp("showcase")
    shutil.copytree(REPO / "content", root / "content")
    settings = root / "content" / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "page_size: 50", "page_size: 6"), encoding="utf-8")
    latest = max((root / "content" / "days").glob("*.yaml"))
    second = yaml.safe_load(latest.read_text(encoding="utf-8"))["papers"][1]["id"]
    notes = root / "content" / "notes"
    notes.mkdir(exist_ok=True)
    (notes / f"{second}.md").write_text(SHOWCASE_NOTE, encoding="utf-8")
    site = Site(root, www / "showcase", f"{server}/showcase/")
    build_site(root, site.out, site.base_url)
    return site


def showcase_paper(site: Site) -> str:
    """The paper with the note: the home page's first pick."""
    return site.location_of(site.soup("").select_one("#picks ~ ol .card-title a")["href"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=lambda size: str(size[0]))
@pytest.mark.parametrize("name", ["home", "paper"])
def test_readme_screenshots(showcase_site: Site, visit: Callable[..., Visit], name: str,
                            size: tuple[int, int], scheme: str) -> None:
    """The README's pictures: the first screen on a phone, the whole page on a desktop."""
    location = "" if name == "home" else showcase_paper(showcase_site)
    width, height = size
    seen = visit(showcase_site.base_url + location, scheme=scheme, width=width, height=height)
    assert not seen.problems
    assert not axe_problems(seen.page)
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / f"{name}-{width}-{scheme}.png"
    seen.page.screenshot(path=path, full_page=width > PHONE[0])
    assert path.stat().st_size < SHOT_LIMIT, f"{path.name}: {path.stat().st_size} bytes"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_shows_papers_on_a_phones_first_screen(shipped_site: Site,
                                                    visit: Callable[..., Visit],
                                                    scheme: str) -> None:
    """At 390 pixels wide the latest day's first paper is on the first screen, and the
    topics take one row that scrolls sideways, not the whole page."""
    width, height = PHONE
    seen = visit(shipped_site.base_url, scheme=scheme, width=width, height=height)
    title = seen.page.locator("main .card-title").first.bounding_box()
    assert title is not None and title["y"] + title["height"] < height, title
    chips = seen.page.locator(".topic-chips li")
    tops = {round(box["y"]) for box in (chips.nth(i).bounding_box() for i in range(chips.count()))
            if box}
    assert len(tops) == 1, tops
    row = seen.page.locator(".topic-chips").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert row[0] > row[1]  # more topics than fit: the row scrolls
    assert seen.page.evaluate("document.documentElement.scrollWidth") <= width

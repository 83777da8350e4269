"""The built sites in headless Chromium: clean loads, nothing injected runs, accessible.

Pages are served over HTTP from 127.0.0.1 under the subpath they were built
for; requests anywhere else are refused and reported. Screenshots of the
home, a day, a paper and an organization page (light, dark and phone width)
are kept in test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from site_helpers import (
    ARTIFACTS,
    ATTR_TITLE,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    Site,
    Visit,
    paper_id,
)

SCREENSHOTS = ARTIFACTS / "screenshots"
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

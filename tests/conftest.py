"""Shared fixtures for the site tests: built sites, a hostile archive, a server, a browser.

Sites are built once per session under a subpath base URL
(`http://127.0.0.1:PORT/repo/`), into a folder a real local HTTP server
serves, so the HTML checks, the feed checks and the browser all read the same
bytes a GitHub Pages project site would publish.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.core import ids
from generator.core.paths import ContentPaths
from generator.site.build import build

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


# -- built sites --------------------------------------------------------------
@dataclass
class Site:
    """A built site: where its archive and output are, and how it is addressed."""

    root: Path  # the archive (content/, themes/)
    out: Path
    base_url: str
    _soups: dict[str, BeautifulSoup] = field(default_factory=dict, repr=False)

    @property
    def prefix(self) -> str:
        return urlsplit(self.base_url).path

    def file(self, location: str) -> Path:
        """The output file for a site-relative location ('', 'papers/x/', 'feed.xml')."""
        path = self.out / location
        return path / "index.html" if location == "" or location.endswith("/") else path

    def soup(self, location: str) -> BeautifulSoup:
        if location not in self._soups:
            html = self.file(location).read_text(encoding="utf-8")
            self._soups[location] = BeautifulSoup(html, "html.parser")
        return self._soups[location]

    def html_locations(self) -> list[str]:
        """Every HTML file as a site-relative location, directories ending in '/'."""
        found = []
        for path in sorted(self.out.rglob("*.html")):
            rel = path.relative_to(self.out).as_posix()
            found.append(rel.removesuffix("index.html"))
        return found

    def location_of(self, url: str, page: str = "") -> str | None:
        """Site-relative location a URL (as found on `page`) points into, or None if outside."""
        absolute = urljoin(urljoin(self.base_url, page), url)
        parts = urlsplit(absolute)
        base = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        if not parts.path.startswith(self.prefix):
            return None
        return unquote(parts.path[len(self.prefix):])

    def exists(self, location: str) -> bool:
        target = self.out / location
        if location == "" or location.endswith("/"):
            return (target / "index.html").is_file()
        return target.is_file()


def build_site(root: Path, out: Path, base_url: str | None = None) -> str:
    """Build an archive quietly; the summary line."""
    return build(ContentPaths(root), out=out, base_url=base_url, quiet=True)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, for byte-for-byte comparisons."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


# -- the hostile archive ------------------------------------------------------
SCRIPT_TITLE = "<script>alert(1)</script>"
TEMPLATE_TITLE = "{{ 7*7 }}"
RAW_TITLE = "{% raw %}"
ATTR_TITLE = '"><img src=x onerror=alert(1)>'
HIDDEN_TITLE = "A hidden study of agents"
OVERRIDE_TITLE = "Agents that refuse"
REAGENTS_TITLE = "Chemical reagents in the lab"
OLD_ORG_NAME = "<b>Evil</b> & Co"
NEW_ORG_NAME = "Evil Org <i>Renamed</i> {{ 7*7 }}"
TOPIC_NAME = "<em>Markup</em> & {{ 7*7 }}"
TOPIC_DESCRIPTION = "<script>alert(2)</script> topic"
ABSTRACT = (
    "We study agents. The text javascript:alert(1) is not a link. See "
    "https://example.org/a_(b). Also (https://example.com/x), and https://example.net/end.\n\n"
    "A second paragraph about reasoning with {{ 7*7 }} and {% raw %} in it."
)
TRAILING_LINKS = ("https://example.org/a_(b)", "https://example.com/x", "https://example.net/end")
NOTE = """---
pick: true
tags: ["<b>tag</b>", "{{ 7*7 }}"]
---
Pick note with <script>alert('note')</script> raw HTML and **bold** text.

<iframe src="https://evil.example/"></iframe>

[click](javascript:alert(1)) [case](JaVaScRiPt:alert(2)) [tab](java\tscript:alert(3))
[tab2](<java\tscript:alert(3)>) ![pixel](data:image/png;base64,iVBORw0KGgo=)
[vb](vbscript:msgbox(1)) [entity](&#106;avascript:alert(4)) <javascript:alert(5)>

[safe](https://example.org/ok) [mail](mailto:curator@example.org) [day](../../days/2026-01-02/)

# Why it <em>matters</em>

## {{ 7*7 }}

Plain closing words.
"""


def paper_id(title: str) -> str:
    return ids.paper_id(title)


def write_hostile_archive(root: Path) -> Path:
    """A tiny archive whose every string tries to be markup or template code.

    Three days over two months; page size 2 and feed size 3, so every
    listing paginates and feeds are capped. Returns `root`.
    """
    content = root / "content"
    for folder in ("days", "papers", "notes", "scraped"):
        (content / folder).mkdir(parents=True, exist_ok=True)
    _write(content / "site.yaml", (
        'title: "Hostile <b>archive</b> {{ 7*7 }}"\n'
        'description: "Everything here tries to be markup & code."\n'
        "base_url: https://example.org/hostile/\n"
        "language: en\nfeed_size: 3\npage_size: 2\ntheme: default\n"
    ))
    _write(content / "topics.yaml", (
        "topics:\n"
        "- slug: agents\n  name: Agents\n  description: Agents that act.\n"
        "  keywords: [agent, agents, tool use]\n"
        "- slug: reasoning\n  name: Reasoning\n  description: ''\n  keywords: [reasoning]\n"
        "- slug: safety\n  name: Safety\n  description: Refusals and jailbreaks.\n"
        "  keywords: [jailbreak]\n"
        f"- slug: markup\n  name: '{TOPIC_NAME}'\n  description: '{TOPIC_DESCRIPTION}'\n"
        "  keywords: [markup]\n"
    ))
    papers = [
        # title, abstract, org (slug, name) or None, authors, first, last, extra fields
        (SCRIPT_TITLE, ABSTRACT, ("Evil.Org", OLD_ORG_NAME), None, "2026-01-01", "2026-01-02"),
        (TEMPLATE_TITLE, "Markup and reasoning, {{ 7*7 }}.", ("evil.org", NEW_ORG_NAME), None,
         "2026-02-03", "2026-02-03"),
        (RAW_TITLE, "A paper with {% endraw %} and tool   use.", None, 4, "2026-01-01",
         "2026-01-01"),
        (ATTR_TITLE, "Plain text about agents & <b>bold</b> claims.", None, 3, "2026-01-02",
         "2026-02-03"),
        (HIDDEN_TITLE, "Agents, hidden by the curator.", ("hidden-lab", "Hidden Lab"), 2,
         "2026-01-02", "2026-01-02"),
        (OVERRIDE_TITLE, "Agents and a jailbreak.", None, 5, "2026-01-02", "2026-01-02"),
        (REAGENTS_TITLE, "Reagents and reactants: wet-lab chemistry, no reasonings.", None, 1,
         "2026-02-03", "2026-02-03"),
    ]
    for title, abstract, org, authors, first, last in papers:
        _write_paper(content, title, abstract, org, authors, first, last)
    days = {
        "2026-01-01": [(SCRIPT_TITLE, 10), (RAW_TITLE, 3)],
        "2026-01-02": [(HIDDEN_TITLE, 50), (SCRIPT_TITLE, 12), (ATTR_TITLE, 7),
                       (OVERRIDE_TITLE, 1)],
        "2026-02-03": [(TEMPLATE_TITLE, 99), (ATTR_TITLE, 8), (REAGENTS_TITLE, 0)],
    }
    for day, entries in days.items():
        write_day(root, day, entries)
    _write(content / "notes" / f"{paper_id(ATTR_TITLE)}.md", NOTE)
    _write(content / "notes" / f"{paper_id(HIDDEN_TITLE)}.md", "---\nhidden: true\n---\nSecret.\n")
    _write(content / "notes" / f"{paper_id(OVERRIDE_TITLE)}.md",
           "---\ntopics: [safety]\n---\nReally about <b>safety</b>, not agents.\n")
    return root


def write_day(root: Path, day: str, entries: list[tuple[str, int]]) -> None:
    """A day file listing papers (by title) in rank order with their upvotes, and its source."""
    _write(root / "content" / "scraped" / f"{day}.txt", f"Hand-written test day {day}\n")
    lines = [f"date: {day}", f"source: scraped/{day}.txt", "papers:"]
    for title, upvotes in entries:
        lines += [f"- id: {paper_id(title)}", f"  upvotes: {upvotes}"]
    _write(root / "content" / "days" / f"{day}.yaml", "\n".join(lines) + "\n")


def _write_paper(content: Path, title: str, abstract: str, org: tuple[str, str] | None,
                 authors: int | None, first: str, last: str) -> None:
    import yaml

    pid = paper_id(title)
    data: dict = {"id": pid, "title": title, "abstract": abstract, "published": first}
    if authors is not None:
        data["authors"] = authors
    if org is not None:
        data["organization"] = {"slug": org[0], "name": org[1]}
    data["links"] = [*TRAILING_LINKS, "javascript:alert(3)"] if title == SCRIPT_TITLE else []
    if title == TEMPLATE_TITLE:
        data["arxiv"] = "2602.01234"
    data["first_seen"], data["last_seen"] = first, last
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # dates as YAML dates, not strings
    for key in ("published", "first_seen", "last_seen"):
        text = text.replace(f"{key}: '{data[key]}'", f"{key}: {data[key]}")
    _write(content / "papers" / f"{pid}.yaml", text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- fixtures: sites ----------------------------------------------------------
@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the local server publishes; each built site is a subfolder."""
    return tmp_path_factory.mktemp("www")


@pytest.fixture(scope="session")
def server(www: Path) -> Iterator[str]:
    """`http://127.0.0.1:PORT` serving `www`, answering misses with the site's 404.html."""
    handler = functools.partial(_SiteHandler, directory=str(www))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files, and a site's own 404.html for a missing path, as GitHub Pages does."""

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        site = urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
        page = Path(self.directory) / site / "404.html"
        if code != 404 or not site or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests report what matters."""


@pytest.fixture(scope="session")
def shipped_site(www: Path, server: str, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The repository's own archive, built under `/repo/` with the default theme."""
    root = tmp_path_factory.mktemp("shipped")
    shutil.copytree(REPO / "content", root / "content")
    site = Site(root, www / "repo", f"{server}/repo/")
    build_site(root, site.out, site.base_url)
    return site


@pytest.fixture(scope="session")
def hostile_site(www: Path, server: str, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The hostile archive, built under `/hostile/`."""
    root = write_hostile_archive(tmp_path_factory.mktemp("hostile"))
    site = Site(root, www / "hostile", f"{server}/hostile/")
    build_site(root, site.out, site.base_url)
    return site


@pytest.fixture(params=["shipped_site", "hostile_site"])
def any_site(request: pytest.FixtureRequest) -> Site:
    """Each built site in turn."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    """A fresh, writable copy of the hostile archive for tests that change content."""
    return write_hostile_archive(tmp_path / "archive")


# -- fixtures: the browser ----------------------------------------------------
def chromium_path() -> str | None:
    """The system's Chromium (Debian's package); tests never download a browser."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no system Chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """One page opened in Chromium, with everything that went wrong while loading it."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    status: int | None = None

    @property
    def problems(self) -> list[str]:
        return ([f"console: {e}" for e in self.console_errors]
                + [f"failed: {f}" for f in self.failed]
                + [f"dialog: {d}" for d in self.dialogs]
                + [f"third-party request: {u}" for u in self.foreign])


@pytest.fixture
def visit(browser: object, server: str) -> Iterator[Callable[..., Visit]]:
    """Open a URL in a fresh context (colour scheme, width); requests off 127.0.0.1 are refused."""
    contexts = []

    def open_page(url: str, scheme: str = "light", width: int = 1100, height: int = 900,
                  expect_status: int = 200) -> Visit:
        context = browser.new_context(  # type: ignore[attr-defined]
            color_scheme=scheme, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(route: object) -> None:
            request_url = route.request.url  # type: ignore[attr-defined]
            if request_url.startswith(server + "/"):
                route.continue_()  # type: ignore[attr-defined]
            else:
                seen.foreign.append(request_url)
                route.abort()  # type: ignore[attr-defined]

        context.route("**/*", route)
        def console(message: object) -> None:
            # the browser logs the expected status of the page itself (a 404 test)
            if message.type == "error" and not (  # type: ignore[attr-defined]
                    expect_status != 200 and message.location.get("url") == url):  # type: ignore[attr-defined]
                seen.console_errors.append(message.text)  # type: ignore[attr-defined]

        page.on("console", console)
        page.on("pageerror", lambda e: seen.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: seen.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and r.url != url
                and seen.failed.append(f"{r.url} {r.status}"))

        def dialog(d: object) -> None:
            seen.dialogs.append(d.message)  # type: ignore[attr-defined]
            d.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", dialog)
        response = page.goto(url, wait_until="load")
        seen.status = response.status if response else None
        assert seen.status == expect_status, f"{url}: HTTP {seen.status}"
        return seen

    yield open_page
    for context in contexts:
        context.close()

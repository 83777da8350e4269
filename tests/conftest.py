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
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_helpers import CHROMIUM_ARGS, REPO, Site, Visit, build_site, write_hostile_archive


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


# -- test tiers ---------------------------------------------------------------
# `make test-fast` runs everything not marked slow. Slow is what needs a system
# package (Chromium, Java for the HTML validator), a virtualenv with pip, a server
# (the dev server, the recorded API for fetch), or dozens of CLI subprocesses (the
# fault tests that kill, lock and hammer real commands; the CLI's own tests; the
# JSON import's permutations): by the fixtures a test uses, by its name or by its file.
SLOW_FIXTURES = {"browser", "visit", "host_python", "installed", "wheel", "preview_site"}
SLOW_FILES = {"test_browser.py", "test_packaging.py", "test_serve.py", "test_faults_serve.py",
              "test_faults_import.py", "test_publishing.py", "test_faults_output.py",
              "test_faults_input.py", "test_faults_import_rules.py", "test_build_output.py",
              "test_fetch.py", "test_cli_curator.py", "test_cli.py", "test_import_json.py",
              "test_search.py"}
SLOW_FILES |= {"test_enrich.py"}
SLOW_TESTS = {"test_pages_are_valid_html", "test_any_permutation_of_days_gives_the_same_tree"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if (uses & SLOW_FIXTURES or item.path.name in SLOW_FILES
                or item.originalname in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)

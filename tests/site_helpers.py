"""What the site tests share besides fixtures: the hostile archive and its hostile strings,
building a site, reading a built tree. Fixtures live in conftest.py and use these."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

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
    """Every file under a folder, by relative path, for byte-for-byte comparisons.

    The search index (`pagefind/`, and its lines in the manifest) is left out: Pagefind
    writes its filter and metadata files in an order of its own, different from run to
    run for the same pages (its per-page fragments are stable; tests/test_search.py
    checks those)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name.startswith("pagefind/"):
            continue
        data = path.read_bytes()
        if name == ".paperpress-manifest":
            data = b"".join(line for line in data.splitlines(keepends=True)
                            if not line.startswith(b"pagefind/"))
        found[name] = data
    return found


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

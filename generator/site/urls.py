"""The one URL builder: every link, asset and feed URL in the site comes from here.

`base_url`'s path (`/REPO/` on a GitHub Pages project site) is applied
exactly once, in `Urls.path`; absolute URLs (feeds, canonical, sitemap) add
its scheme and host in `Urls.absolute`. Page locations are plain relative
paths such as `papers/<id>/`, and map to output files by `output_file`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Urls:
    base_url: str

    @cached_property
    def prefix(self) -> str:
        """The base URL's path, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path or "/"
        return "/" + path.strip("/") + "/" if path.strip("/") else "/"

    @cached_property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @cached_property
    def _paths(self) -> dict[str, str]:
        return {}

    def path(self, location: str) -> str:
        """Site-relative location ('papers/x/', 'feed.xml', '') to a root-relative URL;
        remembered, as pages ask for the same few thousand URLs again and again."""
        found = self._paths.get(location)
        if found is None:
            found = self._paths[location] = self.prefix + quote(location.lstrip("/"),
                                                                 safe="/-._~")
        return found

    def absolute(self, location: str) -> str:
        return self.origin + self.path(location)


# -- page locations: relative, without the base path -------------------------
def home() -> str:
    return ""


def day(when: date) -> str:
    return f"days/{when.isoformat()}/"


def archive() -> str:
    return "archive/"


def archive_year(year: int) -> str:
    """An older year of the archive's calendar; the newest year is `archive()` itself."""
    return f"archive/{year}/"


def weeks() -> str:
    return "weeks/"


def week(when: date) -> str:
    """The ISO week holding `when`: `weeks/2026-W03/`."""
    year, number, _ = when.isocalendar()
    return f"weeks/{year}-W{number:02d}/"


def months() -> str:
    return "months/"


def month(when: date) -> str:
    return f"months/{when.year:04d}-{when.month:02d}/"


def topics() -> str:
    return "topics/"


def topic(slug: str) -> str:
    return f"topics/{slug}/"


def orgs() -> str:
    return "orgs/"


def org(slug: str) -> str:
    return f"orgs/{slug}/"


def paper(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def picks() -> str:
    return "picks/"


def search() -> str:
    return "search/"


def notes() -> str:
    """Where the notes feed lives; no page of its own (its items link to paper pages)."""
    return "notes/"


def cite(paper_id: str) -> str:
    """A paper's BibTeX entry, beside its page."""
    return f"papers/{paper_id}/cite.bib"


def day_bib(when: date) -> str:
    """Every visible paper of a day as BibTeX, beside the day's page."""
    return f"days/{when.isoformat()}/day.bib"


def papers_json() -> str:
    return "papers.json"


def opml() -> str:
    return "feeds.opml"


def page(listing: str, number: int) -> str:
    """Page `number` of a paginated listing: the first is the listing itself."""
    return listing if number <= 1 else f"{listing}page/{number}/"


# Every kind of feed: its file name beside the listing it covers, and its media type.
FEED_KINDS: dict[str, tuple[str, str]] = {
    "rss": ("feed.xml", "application/rss+xml"),
    "atom": ("atom.xml", "application/atom+xml"),
    "json": ("feed.json", "application/feed+json"),
}
OPML_MIME = "text/x-opml"


def feed(listing: str, kind: str) -> str:
    """`kind` is a key of FEED_KINDS; feeds live beside the listing they cover."""
    return listing + FEED_KINDS[kind][0]


def feed_mime(kind: str) -> str:
    return FEED_KINDS[kind][1]


def static(name: str) -> str:
    return f"static/{name}"


def output_file(location: str) -> str:
    """The file a location is written to: directories get index.html."""
    return location + "index.html" if location == "" or location.endswith("/") else location

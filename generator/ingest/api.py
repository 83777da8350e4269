"""The Daily Papers API's JSON (`/api/daily_papers?date=...`) into the same entries as text.

A response is a list of items, each a featured paper: `paper.id` (the arXiv
id), `paper.title`, `paper.summary` (the abstract), `paper.authors[].name`,
`paper.publishedAt`, `paper.upvotes`, `paper.organization{name,fullname}`,
`paper.ai_keywords`, `paper.ai_summary`, `paper.githubRepo`,
`paper.projectPage`, and at the top level `publishedAt` (the day it was
featured) and `numComments`. Unknown fields are ignored, so the source may add
some; a missing or mistyped required field refuses the file, naming the item
(0-based, as a JSON list counts) and the field. A page's embedded object
(`{"dailyPapers": [...]}`) reads the same.

Titles and abstracts are folded to one line, as the text listing shows them,
so a paper reads the same whichever form a day came in.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from ..core import ids
from ..core.model import ARXIV_ID
from .scrape import MAX_AUTHORS, MAX_UPVOTES, Entry, ScrapedDay, ScrapeError

LIST_KEY = "dailyPapers"  # where the listing page's object keeps its list
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEB = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


class ItemError(ValueError):
    """One item's fault: which field, and what is wrong with it."""


def parse(raw: bytes, override: date | None = None, form: str = "json") -> ScrapedDay:
    """A JSON response's bytes into its day; `override` replaces the featured date."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScrapeError("the file is not UTF-8 JSON; download the day again") from None
    except json.JSONDecodeError as err:
        raise ScrapeError(f"malformed JSON ({err.msg}, column {err.colno}); "
                          "download the day again", err.lineno) from None
    return day_of(data, override, form)


def day_of(data: Any, override: date | None, form: str) -> ScrapedDay:
    """The items of a decoded response (a list, or an object holding `dailyPapers`)."""
    items = data.get(LIST_KEY) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ScrapeError(f"expected a JSON list of papers (or an object with {LIST_KEY!r}); "
                          "is this a Daily Papers API response?")
    entries: list[Entry] = []
    featured: set[date] = set()
    warnings: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        try:
            entry, when = _entry(item, index)
        except ItemError as err:
            raise ScrapeError(f"item {index}: {err}") from None
        featured.add(when)
        if (entry.title, entry.abstract) in seen:
            warnings.append((0, f"item {index}: the same paper listed again; kept the first"))
            continue
        seen.add((entry.title, entry.abstract))
        entries.append(entry)
    if not entries:
        raise ScrapeError("no papers in this response (a weekend or a day not yet featured)")
    return ScrapedDay(override or _one_date(featured), tuple(entries), tuple(warnings), form)


def _one_date(featured: set[date]) -> date:
    if len(featured) > 1:
        days = ", ".join(d.isoformat() for d in sorted(featured))
        raise ScrapeError(f"the items were featured on several days ({days}); "
                          "import one day per file")
    return next(iter(featured))


def _get(obj: dict, key: str, kind: type | tuple[type, ...], where: str,
         required: bool = False) -> Any:
    """`obj[key]` when it has the expected type; None when absent (or null) and optional."""
    value = obj.get(key)
    if value is None:
        if required:
            raise ItemError(f"missing required field {where}{key}")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ItemError(f"field {where}{key} has the wrong type ({type(value).__name__})")
    return value


def _date(text: str, field: str) -> date:
    found = _DAY.match(text)
    try:
        return date(*map(int, found.groups())) if found else date.fromisoformat(text)
    except ValueError:
        raise ItemError(f"field {field} is not a date: {text[:40]!r}") from None


def _entry(item: Any, index: int) -> tuple[Entry, date]:
    """One item as an Entry, with the date it was featured."""
    if not isinstance(item, dict):
        raise ItemError("is not an object")
    paper = _get(item, "paper", dict, "", required=True)
    when = _date(_get(item, "publishedAt", str, "", required=True), "publishedAt")
    title = " ".join(_get(paper, "title", str, "paper.", required=True).split())
    abstract = " ".join(_get(paper, "summary", str, "paper.", required=True).split())
    if not title or not abstract:
        raise ItemError(f"field paper.{'title' if not title else 'summary'} is empty")
    published = _get(paper, "publishedAt", str, "paper.")
    pub = _date(published, "paper.publishedAt") if published else None
    upvotes = _get(paper, "upvotes", int, "paper.") or 0
    if not 0 <= upvotes <= MAX_UPVOTES:
        raise ItemError(f"field paper.upvotes is not believable: {upvotes}")
    names = _authors(_get(paper, "authors", list, "paper.") or [])
    return Entry(
        title, abstract, index + 1,
        **_org(_get(paper, "organization", dict, "paper.")),
        authors=len(names) if names else None,
        month=pub.month if pub else None, day=pub.day if pub else None,
        year=pub.year if pub else None, upvotes=upvotes,
        arxiv=_arxiv(_get(paper, "id", str, "paper.", required=True)),
        author_names=names,
        github=_web(_get(paper, "githubRepo", str, "paper.")),
        project_page=_web(_get(paper, "projectPage", str, "paper.")),
        keywords=_words(_get(paper, "ai_keywords", list, "paper.") or []),
        summary=" ".join((_get(paper, "ai_summary", str, "paper.") or "").split()) or None,
        comments=_get(item, "numComments", int, ""),
    ), when


def _arxiv(value: str) -> str | None:
    """The arXiv id, or None for an id that is not one (the source also lists other papers)."""
    return value if ARXIV_ID.fullmatch(value) else None


def _authors(items: list) -> tuple[str, ...]:
    """Author names in order; an entry without a name is skipped."""
    if len(items) > MAX_AUTHORS:
        raise ItemError(f"field paper.authors lists {len(items)} authors, not believable")
    names = (" ".join(a["name"].split()) for a in items
             if isinstance(a, dict) and isinstance(a.get("name"), str))
    return tuple(n for n in names if n)


def _words(items: list) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for word in items:
        if isinstance(word, str) and word.strip():
            found.setdefault(" ".join(word.split()), None)
    return tuple(found)


def _web(value: str | None) -> str | None:
    """An http(s) URL as the source gave it (trimmed); anything else is left out."""
    value = (value or "").strip()
    return value if _WEB.fullmatch(value) else None


def _org(value: dict | None) -> dict[str, str]:
    """`organization{name, fullname}` as the slug and display name; an unsafe slug is left out."""
    slug = value.get("name") if value else None
    if not isinstance(slug, str) or not ids.is_safe_slug(slug):
        return {}
    name = value.get("fullname") if value else None
    name = " ".join(name.split()) if isinstance(name, str) and name.strip() else slug
    return {"org_slug": slug, "org_name": name}

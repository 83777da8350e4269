"""Exports for other tools: BibTeX per paper and per day, `papers.json`, and the points
of a paper's upvote sparkline.

BibTeX and JSON are data formats, so they are written here (as feeds are), not by
templates: escaping is a property of the format, not of a theme. Each file is a
planned `Page` whose context holds exactly the data its bytes are made from, so the
incremental build fingerprints it like any page; `deps` name every paper it shows.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from ..archive import notes
from ..core.model import ARXIV_ID
from ..core.text import plain_tex
from . import urls
from .pieces import Page, Place, Placing, Shared

SCHEMA_VERSION = 1  # of papers.json; docs/papers.schema.json describes it
BIBTEX_MIME = "text/plain; charset=utf-8"  # shown by browsers, where text/x-bibtex downloads
JSON_MIME = "application/json"
# Sparkline geometry, in SVG user units: a line across the width, values from 0 at the
# bottom to the paper's best at the top, PAD kept free so the stroke is never clipped.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 100, 24, 2

# BibTeX specials in text fields: each becomes the LaTeX that prints it.
_BIB_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                "_": r"\_", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}
_BIB_SPECIAL = re.compile("[" + re.escape("".join(_BIB_ESCAPES)) + "]")
_AND = re.compile(r"\band\b", re.IGNORECASE)
_KEY_WORD = re.compile(r"[a-z0-9]+")
_SKIP_WORDS = frozenset({"a", "an", "the", "on", "of", "for", "to", "in", "towards", "toward",
                         "and", "with", "is", "are", "do", "does", "can", "how", "what", "why",
                         "when"})


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One paper as a BibTeX entry: everything its text is made from."""

    key: str
    title: str  # plain text (TeX leftovers already turned into characters)
    authors: tuple[str, ...]
    year: int
    arxiv: str | None
    location: str  # the paper's page


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A paper's upvotes on the days that counted them: `points` for an SVG polyline
    (empty when there is one value only), `values` as (day, upvotes) for the text."""

    points: str
    values: tuple[tuple[date, int], ...]
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    @property
    def label(self) -> str:
        return "Upvotes: " + ", ".join(f"{n} on {d.isoformat()}" for d, n in self.values)


# -- the plan -----------------------------------------------------------------
def export_pages(planner: Shared) -> Iterator[Page]:
    """cite.bib for every visible paper, day.bib for every day, and papers.json."""
    archive = planner.archive
    visible = sorted(pid for pid in archive.papers if archive.is_visible(pid))
    make = partial(_bib_context, planner)
    for pid in visible:
        yield Page(urls.cite(pid), None, partial(make, (pid,)), "bibtex", deps=(pid,))
    for day in archive.days:
        ids = tuple(e.paper_id for _, e in planner.visible(day.entries))
        yield Page(urls.day_bib(day.date), None, partial(make, ids), "bibtex",
                         lastmod=day.date, deps=ids)
    yield Page(urls.papers_json(), None, partial(_json_context, planner, visible),
                     "json", deps=tuple(visible))


def paper_extras(planner: Shared, pid: str, placings: Sequence[Placing]) -> dict:
    """What a paper page adds for the exports: its sparkline and its citation's place."""
    visible = planner.archive.is_visible(pid)
    return {"sparkline": sparkline(placings) if visible else None,
            "cite": urls.cite(pid) if visible else None}


# -- BibTeX -------------------------------------------------------------------
def _bib_context(planner: Shared, ids: Sequence[str]) -> dict:
    made = planner.bib  # entries shared by cite.bib and day.bib
    entries = []
    for pid in ids:
        found = made.get(pid)
        if found is None:
            found = made[pid] = bib_entry(planner, pid)
        entries.append(found)
    return {"entries": tuple(entries)}


def bib_entry(planner: Shared, pid: str) -> BibEntry:
    archive = planner.archive
    paper = archive.papers[pid]
    year = (paper.published or archive.first_day(pid)).year
    title = " ".join(plain_tex(paper.title).split())
    arxiv = archive.arxiv(pid)
    first = paper.author_names[0] if paper.author_names else (paper.org.name if paper.org
                                                              else "")
    return BibEntry(cite_key(pid, first, year, title), title, paper.author_names, year,
                    arxiv if arxiv and ARXIV_ID.fullmatch(arxiv) else None, urls.paper(pid))


def cite_key(pid: str, first_author: str, year: int, title: str) -> str:
    """`surname` + year + first significant title word + 4 hex of the paper's id, e.g.
    `alizadeh2023llm-5f3a`: readable, and made from the paper alone, so a key never
    changes because another paper arrived (as a dedup letter, `wang2024b`, would)."""
    surname = (_ascii_words(first_author) or ["anon"])[-1]
    word = next((w for w in _ascii_words(title) if len(w) > 1 and w not in _SKIP_WORDS),
                "paper")
    digest = hashlib.blake2b(pid.encode(), digest_size=2).hexdigest()
    return f"{surname}{year}{word}-{digest}"


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _KEY_WORD.findall(folded)


def bib_escape(text: str) -> str:
    """Plain text as a BibTeX value's LaTeX: every special character printed as itself."""
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES[m[0]], " ".join(text.split()))


def _bib_name(name: str) -> str:
    """A name with " and " inside it is braced, or BibTeX would split it in two."""
    escaped = bib_escape(name)
    return "{" + escaped + "}" if _AND.search(name) else escaped


def bibtex(entry: BibEntry, absolute: Callable[[str], str]) -> str:
    """One `@misc` entry; URLs are percent-encoded, so they hold no brace or backslash."""
    fields = [("title", bib_escape(entry.title))]
    if entry.authors:
        fields.append(("author", " and ".join(_bib_name(n) for n in entry.authors)))
    fields.append(("year", str(entry.year)))
    if entry.arxiv:
        fields += [("eprint", entry.arxiv), ("archivePrefix", "arXiv"),
                   ("url", f"https://arxiv.org/abs/{entry.arxiv}")]
    else:
        fields.append(("url", absolute(entry.location)))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@misc{{{entry.key},\n{body}}}\n"


def bibtex_bytes(context: dict, site_urls: urls.Urls) -> bytes:
    return "\n".join(bibtex(e, site_urls.absolute) for e in context["entries"]).encode("utf-8")


# -- papers.json --------------------------------------------------------------
def _json_context(planner: Shared, ids: Sequence[str]) -> dict:
    """Every visible paper, sorted by id, already as JSON text, one paper a line: one
    string is a cheap fingerprint, where 100,000 records would be a million objects.
    `url` holds the location; the renderer puts the site's address before it. No
    abstracts, and no field a reader can derive (`cite.bib` is beside `url`): at
    100,000 papers every 100 bytes a paper is 10 MB."""
    calendar = (tuple(day.date for day in planner.archive.days), planner.voted)
    if _LINES_CALENDAR[0] != calendar:  # places name days by index: another calendar,
        _LINES.clear()  # other days
        _LINES_CALENDAR[0] = calendar
    places, known = planner.places(), planner.known_lines
    return {"version": SCHEMA_VERSION,
            "papers": ",\n".join(known.get(pid) or _line(planner, pid, places.get(pid, ()))
                                  for pid in ids)}


# A paper's line by id, with what it was made from (and, beside, the days and the days
# that counted upvotes it was made with): the dev server's rebuild after a note edit
# re-makes papers.json, and only the edited paper's line is written anew.
_LINES: dict[str, tuple[tuple, str]] = {}
_LINES_CALENDAR: list[tuple | None] = [None]


def _line(planner: Shared, pid: str, places: Sequence[Place]) -> str:
    archive = planner.archive
    inputs = (archive.papers[pid], archive.notes.get(pid), archive.paper_topics.get(pid),
              places)
    found = _LINES.get(pid)
    if found is None or found[0] != inputs:
        days, voted = archive.days, planner.voted
        listed = tuple((days[p.day].date, p.rank,
                        p.upvotes if days[p.day].date in voted else None) for p in places)
        line = json.dumps(_record(planner, pid, listed), ensure_ascii=False,
                          separators=(",", ":"))
        found = _LINES[pid] = (inputs, line)
    return found[1]


def _record(planner: Shared, pid: str, listed: Sequence[tuple]) -> dict[str, Any]:
    archive = planner.archive
    paper, note = archive.papers[pid], archive.notes.get(pid)
    return {
        "id": pid,
        "title": plain_tex(paper.title),
        "url": urls.paper(pid),
        "arxiv": archive.arxiv(pid),
        "authors": list(paper.author_names) or None,
        "author_count": paper.authors,
        "org": {"slug": paper.org.slug, "name": paper.org.name} if paper.org else None,
        "published": paper.published.isoformat() if paper.published else None,
        "topics": list(archive.paper_topics.get(pid, ())),
        "days": [{"date": day.isoformat(), "rank": rank, "upvotes": upvotes}
                 for day, rank, upvotes in listed],
        "pick": bool(note and note.pick),
        "note": notes.excerpt(note.body) if note and note.body.strip() else None,
    }


def json_bytes(context: dict, site_urls: urls.Urls) -> bytes:
    """The locations made absolute: in JSON text, an unescaped `"url":"` is only ever
    the key (a quote inside a value is escaped), and locations need no escaping."""
    base = json.dumps(site_urls.absolute(""))[1:-1]
    body = context["papers"].replace('"url":"', f'"url":"{base}')
    body = "\n" + body + "\n" if body else ""
    return f'{{"version":{context["version"]},"papers":[{body}]}}\n'.encode()


def written_lines(data: bytes, site_urls: urls.Urls) -> dict[str, str]:
    """The lines of a papers.json `json_bytes` wrote, by paper id, as `_json_context` made
    them (the site's address taken out of `url` again); none when it is not that shape."""
    base = json.dumps(site_urls.absolute(""))[1:-1]
    text = data.decode("utf-8", "replace")
    head = f'{{"version":{SCHEMA_VERSION},"papers":[\n'
    if not (text.startswith(head) and text.endswith("\n]}\n")):
        return {}
    found = {}
    for line in text[len(head):-4].split("\n"):
        line = line.removesuffix(",").replace(f'"url":"{base}', '"url":"')
        pid = line[7:line.find('"', 7)]
        if not line.startswith('{"id":"') or "\\" in pid:
            return {}
        found[pid] = line
    return found


RENDERERS: dict[str, Callable[[dict, urls.Urls], bytes]] = {
    "bibtex": bibtex_bytes, "json": json_bytes}


# -- the sparkline ------------------------------------------------------------
def sparkline(placings: Sequence[Placing]) -> Sparkline | None:
    """Upvotes on each listed day that counted them; None when no day did. One value
    gets no line (the page shows the number)."""
    values = tuple((p.day, p.upvotes) for p in placings if p.upvotes is not None)
    if not values:
        return None
    return Sparkline(_points([n for _, n in values]) if len(values) > 1 else "", values)


def _points(values: Sequence[int]) -> str:
    top = max(values) or 1
    step = SPARK_WIDTH / (len(values) - 1)
    span = SPARK_HEIGHT - 2 * SPARK_PAD
    return " ".join(f"{_num(i * step)},{_num(SPARK_HEIGHT - SPARK_PAD - n / top * span)}"
                    for i, n in enumerate(values))


def _num(value: float) -> str:
    return f"{round(value, 1):g}"

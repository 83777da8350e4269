"""Scraped-day text (the Daily Papers listing dumped as text) into entries.

The format: page chrome, a `Mon D` day header without a year, then entries of
a one-line title block, a one-line abstract block and an optional three-line
meta block (`who`, `·`, `published [upvotes]`). Blocks are separated by blank
lines. Parsing is pure: bytes in, a `ScrapedDay` or a `ScrapeError` out.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH = "|".join(MONTHS)
HEADER = re.compile(rf"^({_MONTH}) (\d{{1,2}})$")
WHEN = re.compile(rf"^({_MONTH}) (\d{{1,2}})(?:, (\d{{4}}))?(?: ([\d,.]+[kK]?))?$")
AUTHORS = re.compile(r"^(?:[•·*-]\s*)?(\d+)\s+authors?$")
ORG = re.compile(r"^(\S+)(?:\s+(.+))?$")
SEPARATOR = {"·", "•", "-", "|"}
CHROME = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
}
URL = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
URL_TRAILING = ".,;:!?)]}'\"*"


class ScrapeError(ValueError):
    """A scraped file that cannot be imported; `line` is 1-based, 0 for the file."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed paper as the page showed it; `published` keeps an unresolved year."""

    title: str
    abstract: str
    line: int
    org_slug: str | None = None
    org_name: str | None = None
    authors: int | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None
    upvotes: int = 0


@dataclass(frozen=True, slots=True)
class Block:
    lines: tuple[str, ...]
    line: int  # 1-based line of the block's first line


@dataclass(frozen=True, slots=True)
class ScrapedDay:
    date: date
    entries: tuple[Entry, ...]
    warnings: tuple[tuple[int, str], ...]

    def published(self, entry: Entry) -> date | None:
        """The entry's publication date, a missing year taking the day's."""
        if entry.month is None or entry.day is None:
            return None
        year = entry.year if entry.year is not None else self.date.year
        try:
            return date(year, entry.month, entry.day)
        except ValueError:
            return None


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM allowed), line ends folded to `\\n`; refuses binary and other encodings."""
    if not raw.strip():
        raise ScrapeError("the file is empty; export the day's listing again")
    if b"\x00" in raw:
        raise ScrapeError("the file is binary, not a scraped day's text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScrapeError(
            "the file is not UTF-8 text; save it as UTF-8 and import it again", line
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def blocks(text: str) -> list[Block]:
    """Runs of non-blank lines, each with its starting line number."""
    out: list[Block] = []
    current: list[str] = []
    start = 0
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            out.append(Block(tuple(current), start))
            current = []
    if current:
        out.append(Block(tuple(current), start))
    return out


def _is_meta(block: Block) -> bool:
    """A meta block: several lines, one of them the lone `·` separator."""
    return len(block.lines) >= 2 and any(line in SEPARATOR for line in block.lines)


def _upvotes(text: str | None) -> int:
    if not text:
        return 0
    text = text.replace(",", "")
    if text[-1] in "kK":
        return round(float(text[:-1]) * 1000)
    return int(float(text))


def _meta_fields(block: Block) -> dict | None:
    """The who and when of a meta block; None when it is cut short or unreadable."""
    sep = next(i for i, line in enumerate(block.lines) if line in SEPARATOR)
    if sep != 1 or len(block.lines) != 3:
        return None
    who, when = block.lines[0], block.lines[2]
    match = WHEN.match(when)
    if match is None:
        return None
    fields: dict = {
        "month": MONTHS[match.group(1)],
        "day": int(match.group(2)),
        "year": int(match.group(3)) if match.group(3) else None,
    }
    try:
        fields["upvotes"] = _upvotes(match.group(4))
    except ValueError:
        return None
    authors = AUTHORS.match(who.lstrip("•· "))
    if authors:
        fields["authors"] = int(authors.group(1))
    else:
        org = ORG.match(who)
        if org:
            fields["org_slug"] = org.group(1)
            fields["org_name"] = (org.group(2) or org.group(1)).strip()
    return fields


def _find_header(items: list[Block]) -> tuple[int, int, int] | None:
    """(index, month, day) of the day header block, if the page has one."""
    for index, block in enumerate(items):
        if len(block.lines) == 1:
            match = HEADER.match(block.lines[0])
            if match:
                return index, MONTHS[match.group(1)], int(match.group(2))
        if block.lines[0] not in CHROME:
            return None
    return None


def parse_entries(items: list[Block]) -> tuple[list[Entry], list[tuple[int, str]]]:
    """Title/abstract/meta entries in page order.

    Damage is dropped with a warning rather than refusing the day: a cut-off
    last entry, a title with no abstract, an unreadable meta block, and the
    same entry listed twice (the first is kept).
    """
    entries: list[Entry] = []
    warnings: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    i = 0
    while i < len(items):
        title = items[i]
        if _is_meta(title):
            warnings.append((title.line, "a meta block with no entry before it; skipped"))
            i += 1
            continue
        if i + 1 >= len(items):
            warnings.append((title.line, "entry cut off after its title; dropped"))
            break
        if _is_meta(items[i + 1]) or len(title.lines) > 1:
            warnings.append((title.line, "an entry without an abstract; dropped"))
            i += 2 if _is_meta(items[i + 1]) else 1
            continue
        abstract = items[i + 1]
        i += 2
        fields: dict | None = {}
        if i < len(items) and _is_meta(items[i]):
            meta = items[i]
            i += 1
            fields = _meta_fields(meta)
            if fields is None:
                cut = i >= len(items)
                what = "entry cut off in its meta block" if cut else "unreadable meta block"
                warnings.append((meta.line, f"{what}; entry dropped"))
                continue
        key = (title.lines[0], " ".join(abstract.lines))
        if key in seen:
            warnings.append((title.line, "the same entry listed again; kept the first"))
            continue
        seen.add(key)
        entries.append(Entry(key[0], key[1], title.line, **fields))
    return entries, warnings


def infer_year(month: int, day: int, entries: list[Entry]) -> int | None:
    """The smallest year putting the header date on or after every entry with a year."""
    dated = [
        (e.year, e.month, e.day)
        for e in entries
        if e.year is not None and e.month is not None and e.day is not None
    ]
    if not dated:
        return None
    latest = max(dated)
    for year in range(latest[0], latest[0] + 9):
        if (month, day) == (2, 29) and not calendar.isleap(year):
            continue
        if (year, month, day) >= latest:
            return year
    return None


def parse(raw: bytes, override: date | None = None) -> ScrapedDay:
    """A scraped file's bytes into its day; `override` replaces the inferred date."""
    items = blocks(decode(raw))
    header = _find_header(items)
    if header is not None:
        body = items[header[0] + 1 :]
    else:
        body = [b for b in items if not (len(b.lines) == 1 and b.lines[0] in CHROME)]
        if override is None:
            raise ScrapeError("no day header (a line such as 'Jan 8'); pass --date YYYY-MM-DD")
    entries, warnings = parse_entries(body)
    if override is not None:
        day = override
    else:
        assert header is not None
        year = infer_year(header[1], header[2], entries)
        if year is None:
            raise ScrapeError(
                "cannot tell the day's year (no entry gives one); pass --date YYYY-MM-DD",
                items[header[0]].line,
            )
        day = date(year, header[1], header[2])
    if not entries:
        raise ScrapeError("no papers found in the file")
    return ScrapedDay(day, tuple(entries), tuple(warnings))


def links(abstract: str) -> tuple[str, ...]:
    """http(s) URLs in an abstract, trailing punctuation and `.git` dropped, first seen first."""
    found: dict[str, None] = {}
    for match in URL.finditer(abstract):
        url = match.group(0)
        while True:
            stripped = url.rstrip(URL_TRAILING)
            if stripped.endswith(".git"):
                stripped = stripped[:-4]
            if stripped == url:
                break
            url = stripped
        if url.count("(") < url.count(")"):
            url = url[: url.rfind(")")]
        if "://" in url and len(url.split("://", 1)[1]) > 0:
            found.setdefault(url, None)
    return tuple(found)

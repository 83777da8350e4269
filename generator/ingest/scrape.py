"""Scraped-day text (the Daily Papers listing dumped as text) into entries.

The format: page chrome, a `Mon D` day header without a year, then entries of
a one-line title block, a one-line abstract block and an optional three-line
meta block (`who`, `·`, `published [upvotes]`). Blocks are separated by blank
lines. Parsing is pure: bytes in, a `ScrapedDay` or a `ScrapeError` out.

Real scrapes are damaged in known ways and still import: CRLF line ends, a
BOM, the same entry twice, a last entry cut off (a title alone, a meta block
cut short, an abstract stopping mid-sentence with no meta block after it,
bytes ending inside a character). What is dropped becomes a warning with its
line. A file that is not a scraped day's UTF-8 text is refused, and so is one
whose numbers no page shows (a thousand-digit upvote count, a date that puts
the day past the calendar): those are not damage to drop but text to fix.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date

from ..core import ids

MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH = "|".join(MONTHS)
HEADER = re.compile(rf"^({_MONTH}) (\d{{1,2}})$")
WHEN = re.compile(
    rf"^({_MONTH}) (\d{{1,2}})(?:, (\d{{4}}))?(?: (\d[\d,]*(?:\.\d+)?[kK]?))?$"
)
AUTHORS = re.compile(r"^(?:[•·*-]\s*)?(\d+)\s+authors?$")
ORG = re.compile(r"^(\S+)(?:\s+(.+))?$")
SEPARATOR = {"·", "•", "-", "|"}
BULLET = "•"
# how a complete abstract ends: a sentence, a bracket or a quote
FINAL = tuple(".!?)]}\"'\u201d\u2019\u2026")
CHROME = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
}
# far above any real count: a longer number is damage, and would not fit the archive's YAML
MAX_UPVOTES = 10**9
MAX_AUTHORS = 100_000
URL = re.compile(r"https?://[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
URL_TRAILING = ".,;:!?)]}'\"*"
# what `trim_url` may cut off a URL's end, read backwards (`tig.` is `.git`)
_TAIL = re.compile(f"[{re.escape(URL_TRAILING)}]*")
_TAIL_GIT = re.compile(f"(?:[{re.escape(URL_TRAILING)}]+|tig\\.)*")


class ScrapeError(ValueError):
    """A scraped file that cannot be imported; `line` is 1-based, 0 for the file.

    `undated` marks a page whose only fault is that it does not tell its date
    (no header, or no year); `header` is its (month, day) when it has one.
    """

    def __init__(self, message: str, line: int = 0, undated: bool = False,
                 header: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.undated = undated
        self.header = header


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
    # what only the source's JSON gives (None or empty in a text day)
    arxiv: str | None = None
    author_names: tuple[str, ...] = ()
    github: str | None = None
    project_page: str | None = None
    keywords: tuple[str, ...] = ()
    summary: str | None = None
    comments: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    lines: tuple[str, ...]
    line: int  # 1-based line of the block's first line


@dataclass(frozen=True, slots=True)
class ScrapedDay:
    date: date
    entries: tuple[Entry, ...]
    warnings: tuple[tuple[int, str], ...]
    form: str = "txt"  # what the copy under content/scraped/ is: txt, json or html

    def published(self, entry: Entry) -> date | None:
        """The entry's publication date, a missing year taking the day's."""
        if entry.month is None or entry.day is None:
            return None
        year = entry.year if entry.year is not None else self.date.year
        try:
            return date(year, entry.month, entry.day)
        except ValueError:
            return None


def decode(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text (a BOM allowed), line ends folded to `\\n`; refuses binary and other encodings.

    Also says whether the bytes end inside a character: a download cut off
    mid-way, whose last entry must not be trusted.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(raw):
        raise ScrapeError("the file is UTF-16 text; save it as UTF-8 and import it again")
    if b"\x00" in raw:
        raise ScrapeError("the file is binary, not a scraped day's text; import the .txt export")
    cut = False
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.reason != "unexpected end of data":
            line = raw[: err.start].count(b"\n") + 1
            raise ScrapeError(
                "the file is not UTF-8 text; save it as UTF-8 and import it again", line
            ) from None
        text, cut = raw[: err.start].decode("utf-8-sig"), True
    if not text.strip():
        raise ScrapeError("the file is empty; export the day's listing again")
    return text.replace("\r\n", "\n").replace("\r", "\n"), cut


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a NUL in every odd (or every even) byte."""
    head = raw[:400]
    half = len(head) // 2
    if half < 2:
        return False
    odd, even = head[1::2].count(0), head[0::2].count(0)
    return (odd >= 0.8 * half and even <= 0.1 * half) or (
        even >= 0.8 * half and odd <= 0.1 * half)


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
    """A meta block: the lone `·` separator among several lines, or a block opening with
    the `•` of an author count (a meta block cut short after its first line)."""
    if block.lines[0].startswith(BULLET):
        return True
    return len(block.lines) >= 2 and any(line in SEPARATOR for line in block.lines)


def _upvotes(text: str | None, line: int) -> int:
    """`2`, `1,234`, `1.2k`; a count no listing shows (hundreds of digits) is refused."""
    if not text:
        return 0
    text = text.replace(",", "")
    if len(text.partition(".")[0].rstrip("kK")) <= len(str(MAX_UPVOTES)):  # float() copes
        votes = round(float(text[:-1]) * 1000) if text[-1] in "kK" else int(float(text))
        if votes <= MAX_UPVOTES:
            return votes
    raise ScrapeError(f"upvote count {_shorten(text)!r} is not believable; "
                      "fix the line and import again", line)


def _authors(text: str, line: int) -> int:
    if len(text) > len(str(MAX_AUTHORS)) or int(text) > MAX_AUTHORS:
        raise ScrapeError(f"author count {_shorten(text)!r} is not believable; "
                          "fix the line and import again", line)
    return int(text)


def _shorten(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{text[-4:]}"


def _meta_fields(block: Block) -> dict | None:
    """The who and when of a meta block; None when it is cut short or unreadable."""
    if len(block.lines) != 3 or block.lines[1] not in SEPARATOR:
        return None
    who, when = block.lines[0], block.lines[2]
    match = WHEN.match(when)
    if match is None:
        return None
    fields: dict = {
        "month": MONTHS[match.group(1)],
        "day": int(match.group(2)),
        "year": int(match.group(3)) if match.group(3) else None,
        "upvotes": _upvotes(match.group(4), block.line + 2),
    }
    authors = AUTHORS.match(who.lstrip("•· "))
    if authors:
        fields["authors"] = _authors(authors.group(1), block.line)
    else:
        org = ORG.match(who)
        if org:
            fields["org_slug"] = org.group(1)
            fields["org_name"] = (org.group(2) or org.group(1)).strip()
    return fields


def _find_header(items: list[Block]) -> int | None:
    """Index of the day header block: the first lone `Mon D` line before any entry.

    Blocks before it are page chrome, whatever they say: the listing's
    chrome changes now and then, the header's shape does not.
    """
    for index, block in enumerate(items):
        if _is_meta(block):
            return None
        if len(block.lines) == 1 and HEADER.match(block.lines[0]):
            return index
    return None


def _finished(abstract: str) -> bool:
    """Whether an abstract ends as text does, not in the middle of a word."""
    return abstract.endswith(FINAL)


class _Reader:
    """Walks the blocks after the header, entry by entry, collecting warnings.

    Damage is dropped with a warning rather than refusing the day: a cut-off
    last entry, a title with no abstract, an unreadable meta block, a hostile
    organization slug and the same entry listed twice (the first is kept).
    """

    def __init__(self, items: list[Block], cut: bool) -> None:
        self.items, self.cut = items, cut
        self.entries: list[Entry] = []
        self.warnings: list[tuple[int, str]] = []
        self.seen: set[tuple[str, str]] = set()

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, message))

    def run(self) -> None:
        i = 0
        while i < len(self.items):
            i = self.entry(i)

    def entry(self, i: int) -> int:
        """Read the entry starting at block `i`; returns the index after it."""
        items, title = self.items, self.items[i]
        if _is_meta(title):
            self.warn(title.line, "a meta block with no entry before it; skipped")
            return i + 1
        if i + 1 >= len(items):
            self.warn(title.line, "entry cut off after its title; dropped")
            return i + 1
        if _is_meta(items[i + 1]) or len(title.lines) > 1:
            self.warn(title.line, "an entry without an abstract; dropped")
            return i + 2 if _is_meta(items[i + 1]) else i + 1
        abstract = " ".join(items[i + 1].lines)
        fields, after = self.meta(i + 2)
        if fields is None:
            return after
        if after >= len(items) and (self.cut or (not fields and not _finished(abstract))):
            self.warn(title.line, "last entry cut off in its abstract; dropped")
            return after
        self.add(Entry(title.lines[0], abstract, title.line, **self.safe_org(fields, after - 1)))
        return after

    def meta(self, i: int) -> tuple[dict | None, int]:
        """The fields of the meta block at `i` ({} when there is none) and the index after
        it; None when the block is there but cut short or unreadable."""
        if i >= len(self.items):
            return {}, i
        block = self.items[i]
        last = i + 1 >= len(self.items)
        if not _is_meta(block) and not (last and len(block.lines) == 1):
            return {}, i  # the next entry's title; a lone last line is a meta block cut short
        fields = _meta_fields(block)
        if fields is None:
            what = "entry cut off in its meta block" if last else "unreadable meta block"
            self.warn(block.line, f"{what}; entry dropped")
        return fields, i + 1

    def safe_org(self, fields: dict, line_index: int) -> dict:
        """The fields without an organization whose slug could not name a folder."""
        slug = fields.get("org_slug")
        if slug is None or ids.is_safe_slug(slug):
            return fields
        line = self.items[line_index].line
        self.warn(line, f"organization slug {slug!r} is not a valid slug; organization left out")
        return {k: v for k, v in fields.items() if k not in ("org_slug", "org_name")}

    def add(self, entry: Entry) -> None:
        key = (entry.title, entry.abstract)
        if key in self.seen:
            self.warn(entry.line, "the same entry listed again; kept the first")
            return
        self.seen.add(key)
        self.entries.append(entry)


def parse_entries(
    items: list[Block], cut: bool = False
) -> tuple[list[Entry], list[tuple[int, str]]]:
    """Title/abstract/meta entries in page order, and warnings about what was dropped.

    `cut` says the file's bytes stopped inside a character, so its last
    entry is incomplete whatever it looks like.
    """
    reader = _Reader(items, cut)
    reader.run()
    return reader.entries, reader.warnings


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


def _header(block: Block) -> tuple[int, int]:
    """(month, day) of a header block; a day the month never has is refused."""
    match = HEADER.match(block.lines[0])
    assert match is not None
    month, day = MONTHS[match.group(1)], int(match.group(2))
    if not 1 <= day <= (29 if month == 2 else calendar.monthrange(2001, month)[1]):
        raise ScrapeError(
            f"day header {block.lines[0]!r} is not a date; fix it or pass --date YYYY-MM-DD",
            block.line,
        )
    return month, day


def _day_of(header: Block, entries: list[Entry]) -> date:
    """The header's date, its year inferred as scraped-day.md states."""
    month, day = _header(header)
    year = infer_year(month, day, entries)
    if year is None:
        raise ScrapeError(
            "cannot tell the day's year (no entry gives one); pass --date YYYY-MM-DD",
            header.line, undated=True, header=(month, day),
        )
    if not MINYEAR <= year <= MAXYEAR:  # an entry dated `May 9, 9999` (or `0000`)
        raise ScrapeError(
            f"cannot tell the day's year (the entries' dates give {year}); "
            "pass --date YYYY-MM-DD", header.line, undated=True, header=(month, day),
        )
    return date(year, month, day)


def parse(raw: bytes, override: date | None = None) -> ScrapedDay:
    """A scraped file's bytes into its day; `override` replaces the inferred date."""
    text, cut = decode(raw)
    items = blocks(text)
    index = _find_header(items)
    if index is None and override is None:
        raise ScrapeError("no day header (a line such as 'Jan 8'); pass --date YYYY-MM-DD",
                          undated=True)
    if index is not None:
        body = items[index + 1 :]
    else:
        body = [b for b in items if not (len(b.lines) == 1 and b.lines[0] in CHROME)]
    entries, warnings = parse_entries(body, cut)
    if not entries:
        raise ScrapeError("no papers found after the day header; is this a Daily Papers export?")
    if override is not None:
        day = override
    else:
        assert index is not None
        day = _day_of(items[index], entries)
    return ScrapedDay(day, tuple(entries), tuple(warnings))


def trim_url(url: str, drop_git: bool = False) -> str:
    """A URL without the sentence around it: trailing punctuation, a closing bracket
    that closes the text's parenthesis rather than the URL's own and, with
    `drop_git`, a `.git` (a clone address names the same repository as its page).

    Trimming from the end one piece at a time gives the same result as this
    single pass over the reversed URL, which stays linear (and in C) for a
    megabyte of `)`: the trimmable tail, cut at the first `)` the URL's own
    `(` match.
    """
    tail = (_TAIL_GIT if drop_git else _TAIL).match(url[::-1]).group()
    unmatched = max(url.count(")") - url.count("("), 0)
    if tail.count(")") > unmatched:
        kept = tail.split(")", unmatched + 1)[-1]  # from the first `)` that stays
        tail = tail[: len(tail) - len(kept) - 1]
    return url[: len(url) - len(tail)]


def find_urls(text: str, drop_git: bool = False) -> Iterator[tuple[int, str]]:
    """(offset, URL) of every http(s) URL in running text, each trimmed by `trim_url`.

    The one finder of links: `links` keeps an abstract's for its paper file,
    `render.linkify` makes them clickable where the text is shown.
    """
    for match in URL.finditer(text):
        yield match.start(), trim_url(match.group(0), drop_git)


def links(abstract: str) -> tuple[str, ...]:
    """http(s) URLs in an abstract, trailing punctuation and `.git` dropped, first seen first."""
    found: dict[str, None] = {}
    for _, url in find_urls(abstract, drop_git=True):
        if url.partition("://")[2]:
            found.setdefault(url, None)
    return tuple(found)

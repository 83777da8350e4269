"""Curation notes: YAML front matter plus a markdown body, rendered safely.

Notes are the curator's own work: this module only reads them. `stub` gives
the text of a new note; the CLI writes it only where no note exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..core.model import ARXIV_ID, Note
from ..core.store import ContentError, Problem, key_lines, load_text

if TYPE_CHECKING:  # imported where a note is rendered: a build of unchanged notes never is
    from markdown_it import MarkdownIt

FENCE = "---"
KEYS = ("topics", "pick", "hidden", "tags", "arxiv", "published", "updated")
DATE_KEYS = ("published", "updated")
SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def split(text: str) -> tuple[str | None, str, int]:
    """(front matter or None, body, line of the front matter's first line)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        return None, text, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in (FENCE, "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), 2
    return "\n".join(lines[1:]), "", -1


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    return None


def parse(paper_id: str, text: str, path: str) -> Note:
    """A note's text into a Note; bad front matter raises ContentError with lines."""
    front, body, first = split(text)
    if first == -1:
        raise ContentError([Problem(path, 1, "front matter opened with '---' is never closed")])
    meta: Any = {}
    if front is not None and front.strip():
        try:
            meta = load_text(front, path)
        except ContentError as err:
            raise ContentError(
                [Problem(p.path, p.line + first - 1 if p.line else 1, p.message)
                 for p in err.problems]
            ) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError([Problem(path, first or 1, "front matter must be a mapping of keys")])
    lines = {k: v + first - 1 for k, v in key_lines(front or "").items()}
    problems: list[Problem] = []
    for key in meta:
        if key not in KEYS:
            problems.append(Problem(path, lines.get(str(key), first),
                                    f"unknown front matter key {key!r} (known: {', '.join(KEYS)})"))
    for key in ("pick", "hidden"):
        if key in meta and not isinstance(meta[key], bool):
            problems.append(Problem(path, lines.get(key, first), f"{key} must be true or false"))
    lists = {}
    for key in ("topics", "tags"):
        if key in meta and meta[key] is not None:
            lists[key] = _strings(meta[key])
            if lists[key] is None:
                problems.append(Problem(path, lines.get(key, first),
                                        f"{key} must be a list of names"))
    arxiv = _arxiv(meta.get("arxiv"), front or "")
    if arxiv is not None and not (isinstance(arxiv, str) and ARXIV_ID.fullmatch(arxiv)):
        problems.append(Problem(path, lines.get("arxiv", first), (
            f"arxiv {arxiv!r} is not an arXiv id: write it as 2312.11514 (a version such as "
            "v2 may follow) or hep-th/9901001, in quotes")))
    problems += _date_problems(meta, path, lines, first)
    if problems:
        raise ContentError(problems)
    return Note(
        paper_id=paper_id,
        body=body.strip("\n"),
        topics=lists.get("topics") if "topics" in meta else None,
        pick=bool(meta.get("pick", False)),
        hidden=bool(meta.get("hidden", False)),
        tags=lists.get("tags") or (),
        arxiv=arxiv,
        published=meta.get("published"),
        updated=meta.get("updated"),
    )


def _arxiv(value: Any, front: str) -> Any:
    """`arxiv: 2312.11510` reads as the number 2312.1151 in YAML: take the id as written."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        found = re.search(r"^arxiv:[ \t]*([^\s#]+)", front, re.MULTILINE)
        return found.group(1) if found else value
    return value


def _is_date(value: Any) -> bool:
    """A plain YYYY-MM-DD: YAML reads a timestamp as a datetime, which is a date too."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _date_problems(meta: dict, path: str, lines: dict[str, int], first: int) -> list[Problem]:
    """`published` and `updated` are dates, and a note is not updated before it was published."""
    problems = [Problem(path, lines.get(key, first), f"{key} must be a date (YYYY-MM-DD)")
                for key in DATE_KEYS if meta.get(key) is not None and not _is_date(meta[key])]
    published, updated = meta.get("published"), meta.get("updated")
    if not problems and _is_date(published) and _is_date(updated) and updated < published:
        problems.append(Problem(path, lines.get("updated", first),
                                f"updated ({updated}) is before published ({published})"))
    return problems


def topics_line(text: str) -> int:
    """Where a note's `topics:` key is, for messages about unknown topics."""
    front, _, first = split(text)
    if not front:
        return 1
    return key_lines(front).get("topics", 0) + first - 1


def stub(paper_id: str, title: str, topics: Sequence[str] = (),
         today: date | None = None) -> str:
    """The text `paperpress note` starts a new note with: commented keys, empty body, and
    the day it was started, which dates the note in the notes feed.

    `topics` are the paper's automatic topics, shown in a commented line that
    stays valid YAML once uncommented, so overriding starts from what the
    build would do.
    """
    safe_title = " ".join(title.split())
    return (
        f"{FENCE}\n"
        f"# {safe_title}\n"
        f"# id: {paper_id}\n"
        f"{topics_comment(topics)}\n"
        "pick: false\n"
        "hidden: false\n"
        "tags: []\n"
        f"published: {(today or date.today()).isoformat()}\n"
        f"{FENCE}\n"
        "\n"
    )


def topics_comment(topics: Sequence[str]) -> str:
    """The stub's line naming the automatic topics: uncommented, it sets them (a slug
    YAML would read as something else, such as `null`, is quoted)."""
    names = (t if load_text(t, "") == t else f"'{t}'" for t in topics)
    return f"# topics: [{', '.join(names)}]   # automatic; uncomment to override"


def _safe_link(url: str) -> bool:
    """Only http(s), mailto and relative links; `java\\tscript:` tricks included.

    markdown-it has already percent-encoded the URL, so decode it first: a
    `java%09script:` link is refused rather than kept as a broken relative one.
    """
    cleaned = _CONTROL.sub("", unquote(url))
    if not _SCHEME.match(cleaned):
        return True
    return cleaned.lower().startswith(SAFE_SCHEMES)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _safe_link
    return md


def render(body: str) -> str:
    """Markdown to HTML with raw HTML shown as text and unsafe links left unlinked."""
    return _markdown().render(body)


def excerpt(body: str, limit: int = 160) -> str:
    """The note's first paragraph as plain text, for listings."""
    tokens = _markdown().parse(body)
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            text = "".join(
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in inline.children or []
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            ) or inline.content
            text = " ".join(text.split())
            if len(text) > limit:
                text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
            return text
    return ""

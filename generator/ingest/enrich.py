"""arXiv ids for papers their days gave none, found by exact title in the source's search.

A paper first seen in a text day has no arXiv id, so its pages cannot link
the abstract, the PDF or the Hugging Face page. `search` asks the source's
paper search (`GET SOURCE?q=TITLE`) for each such paper, one request at a
time through fetch's `Client` (paced, retried, 429 honoured). Only a result
whose title is the paper's own, as `ids.title_key` compares titles (the rule
that makes two spellings one paper: case, accents, spaces and soft
punctuation aside), counts: a near match is never taken for the paper.
Several different ids matching exactly leave the paper alone (ambiguous), and
an id that is not an arXiv id is never recorded.

The searches run without the archive's lock (they take a second each);
`record` then writes every match in one journal commit, re-reading each paper
file under the exclusive lock, so a paper an import gave an id (or another
title) meanwhile is left as the import made it. Only `arxiv` is written: the
authors, links and summary belong to a day the source featured the paper on,
which `fetch` brings, and the importer keeps an id it did not bring unless a
day of the source gives one (the source's listing wins over a title match).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..core import ids
from ..core.model import ARXIV_ID, Archive, paper_file_order
from ..core.paths import ContentPaths
from ..core.store import dump
from . import journal
from .fetch import Client, FetchError
from .importer import read_yaml

DEFAULT_SEARCH = "https://huggingface.co/api/papers/search"
_VERSION = re.compile(r"v\d+$")
STOP_AFTER = 3  # failed searches in a row that stop the rest (the source is down)
# why a paper was left without an id
NO_MATCH, NOT_ARXIV, AMBIGUOUS, FAILED, CHANGED = (
    "no match", "no arXiv id", "ambiguous", "search failed", "changed meanwhile")


@dataclass(frozen=True)
class Wanted:
    """A paper to look for: its id and the title the search is asked for."""

    id: str
    title: str


@dataclass
class Outcome:
    """What the searches found: matches to record, papers left and why, failures."""

    matched: list[tuple[Wanted, str]] = field(default_factory=list)
    left: list[tuple[str, str, str]] = field(default_factory=list)  # (paper id, kind, detail)
    failures: list[str] = field(default_factory=list)  # one line each: title and status
    unsearched: int = 0  # papers not asked about: the source kept failing, or Ctrl-C
    interrupted: bool = False

    def leave(self, pid: str, kind: str, detail: str = "") -> None:
        self.left.append((pid, kind, detail))

    def lines(self, limit: int | None) -> list[str]:
        """The report: every match and every paper left (past `limit`, a count of the rest)."""
        out = [f"matched {len(self.matched)}" + (":" if self.matched else "")]
        out += _shown([f"  {w.id} -> {arxiv}" for w, arxiv in self.matched], limit)
        kinds = Counter(kind for _, kind, _ in self.left)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        out.append(f"left {len(self.left)}" + (f" ({counts}):" if self.left else ""))
        out += _shown([f"  {pid}: {kind}" + (f": {detail}" if detail else "")
                       for pid, kind, detail in self.left], limit)
        if self.unsearched:
            why = "interrupted" if self.interrupted else (
                f"the source failed {STOP_AFTER} times in a row")
            out.append(f"not searched {self.unsearched}: {why}")
        return out


def _shown(lines: list[str], limit: int | None) -> list[str]:
    if limit is None or len(lines) <= limit:
        return lines
    return [*lines[:limit], f"  … and {len(lines) - limit} more (--verbose lists all)"]


def wanted(archive: Archive) -> list[Wanted]:
    """The visible papers with no arXiv id in their file or their note, most recently
    listed first (the ones the search knows best, and the first `--limit` takes).

    A hidden paper is left out: the curator set it aside, and no listing or feed
    shows it."""
    found = [p for pid, p in archive.papers.items()
             if archive.arxiv(pid) is None and archive.is_visible(pid)]
    found.sort(key=lambda p: (-p.last_seen.toordinal(), p.id))
    return [Wanted(p.id, p.title) for p in found]


class SearchError(ValueError):
    """An answer that is not a list of papers."""


def search_url(source: str, title: str) -> str:
    joiner = "&" if "?" in source else "?"
    return f"{source}{joiner}{urlencode({'q': title})}"


def results(raw: bytes) -> list[tuple[str, str]]:
    """(id, title) of every paper in a search answer: items shaped like the daily listing's
    (`{"paper": {...}}`) or bare paper objects; items without both are skipped."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SearchError("the answer is not UTF-8 JSON") from None
    except json.JSONDecodeError as err:
        raise SearchError(f"malformed JSON ({err.msg}, column {err.colno})") from None
    if not isinstance(data, list):
        raise SearchError("expected a JSON list of papers")
    found = []
    for item in data:
        paper = item.get("paper", item) if isinstance(item, dict) else None
        if isinstance(paper, dict):
            pid, title = paper.get("id"), paper.get("title")
            if isinstance(pid, str) and isinstance(title, str):
                found.append((pid.strip(), title))
    return found


def match(title: str, found: Iterable[tuple[str, str]]) -> tuple[str | None, str, str]:
    """(the arXiv id of the one paper whose title is `title`, "", "") or (None, why, detail)."""
    key = ids.title_key(title)
    hits = list(dict.fromkeys(pid for pid, other in found if ids.title_key(other) == key))
    valid = [pid for pid in hits if ARXIV_ID.fullmatch(pid)]
    if not hits:
        return None, NO_MATCH, ""
    if not valid:
        return None, NOT_ARXIV, f"the match's id is {hits[0]!r}"
    if len({_VERSION.sub("", pid) for pid in valid}) > 1:
        return None, AMBIGUOUS, f"{', '.join(valid)} have this title"
    return valid[0], "", ""


def search(client: Client, wanted: list[Wanted],
           advance: Callable[[], None] = lambda: None) -> Outcome:
    """Ask the search for each paper in turn; a failed search is noted and the rest go on,
    until STOP_AFTER fail in a row (the source is down: asking on only fills the report)
    or Ctrl-C stops them."""
    outcome = Outcome()
    streak = 0
    for index, paper in enumerate(wanted):
        if streak >= STOP_AFTER:
            outcome.unsearched = len(wanted) - index
            break
        try:
            arxiv, kind, detail = ask(client, paper, outcome)
        except KeyboardInterrupt:  # Ctrl-C: what was found so far is still worth keeping
            outcome.unsearched, outcome.interrupted = len(wanted) - index, True
            break
        streak = streak + 1 if kind == FAILED else 0
        if arxiv:
            outcome.matched.append((paper, arxiv))
        else:
            outcome.leave(paper.id, kind, detail)
        advance()
    return outcome


def ask(client: Client, paper: Wanted, outcome: Outcome) -> tuple[str | None, str, str]:
    """One paper's search, matched; a failure is added to `outcome.failures`."""
    url = search_url(client.source, paper.title)
    try:
        return match(paper.title, results(client.ask(url, repr(paper.title))))
    except FetchError as err:
        outcome.failures.append(str(err))
    except SearchError as err:
        outcome.failures.append(f"{paper.title!r}: {err} from {url}")
    return None, FAILED, ""


def record(paths: ContentPaths, outcome: Outcome) -> int:
    """Write the matched ids into their paper files, all in one commit (the caller holds the
    archive's exclusive lock); a paper changed since it was read is left, and said so."""
    writes: dict[Path, bytes] = {}
    for paper, arxiv in list(outcome.matched):
        path = paths.paper(paper.id)
        data: Any = read_yaml(paths, path)
        why = _changed(data, paper)
        if why:
            outcome.matched.remove((paper, arxiv))
            outcome.leave(paper.id, CHANGED, why)
            continue
        writes[path] = dump(paper_file_order({**data, "arxiv": arxiv})).encode("utf-8")
    journal.commit(paths, writes, [])
    return len(writes)


def _changed(data: Any, paper: Wanted) -> str:
    """Why a paper file read again no longer wants the id found for it ("" when it does)."""
    if not isinstance(data, dict):
        return "its paper file is gone"
    if data.get("arxiv"):
        return f"an import gave it {data['arxiv']}"
    if ids.title_key(str(data.get("title"))) != ids.title_key(paper.title):
        return "its title changed"
    return ""

"""What the curator's commands read and show: a paper found by title words, one day's
papers with their topics, and why a paper has the topics it has.

Each reads only what it shows (one day, one paper, or the papers' titles), never
the whole archive, so `note`, `list` and `check --explain` stay quick at 100,000
papers (titles come from an index of their own, see `titles`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ..core import ids
from ..core.model import Day
from ..core.paths import ContentPaths
from ..core.store import ContentError
from . import titles
from .content import DATE_NAME, Loader
from .titles import Entry
from .topics import WORD, assign, compile_rules, explain

MAX_CANDIDATES = 20
MAX_SUGGESTIONS = 5


# -- finding a paper by title words ------------------------------------------------
@dataclass(frozen=True)
class Found:
    """The papers whose titles hold every word; when none, the closest ones."""

    matches: list[Entry]
    closest: list[Entry]


def find(paths: ContentPaths, words: Sequence[str], keep: bool = False) -> Found:
    """Papers whose title (or id) has each of `words` as a word or the start of one, in
    any letter case; newest first, then by title. `keep`: see `titles.entries`."""
    wanted = [token for word in words for token in WORD.findall(word.lower())]
    if not wanted:
        return Found([], [])
    entries = titles.entries(paths, keep)
    matches = [e for e in entries if all(t in e.haystack for t in wanted)
               and _all_prefixes(wanted, e.words())]
    if matches:
        return Found(_newest_first(matches), [])
    return Found([], _closest(entries, wanted))


def _all_prefixes(wanted: Iterable[str], words: set[str]) -> bool:
    return all(any(w.startswith(t) for w in words) for t in wanted)


def _newest_first(entries: list[Entry]) -> list[Entry]:
    entries = sorted(entries, key=lambda e: (e.title.lower(), e.id))
    return sorted(entries, key=lambda e: e.last_seen or date.min, reverse=True)


def _closest(entries: list[Entry], wanted: list[str]) -> list[Entry]:
    """The papers matching most of the words, each word allowed to be misspelt."""
    words = {e.id: e.words() for e in entries}
    vocabulary = sorted(set().union(*words.values()))
    near: list[set[str]] = []
    for token in wanted:
        found = {w for w in vocabulary if w.startswith(token)}
        near.append(found or set(difflib.get_close_matches(token, vocabulary, 5, 0.7)))
    score = {e.id: sum(1 for n in near if n & words[e.id]) for e in entries}
    best = _newest_first([e for e in entries if score[e.id]])
    return sorted(best, key=lambda e: -score[e.id])[:MAX_SUGGESTIONS]


# -- one day's papers ---------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One paper of a day as `list` shows it; hidden papers have no rank."""

    rank: int | None
    upvotes: int
    id: str
    title: str
    topics: tuple[str, ...]
    topics_from_note: bool
    pick: bool
    hidden: bool

    def as_json(self) -> dict:
        return {"rank": self.rank, "upvotes": self.upvotes, "id": self.id,
                "title": self.title, "topics": list(self.topics),
                "topics_from_note": self.topics_from_note, "pick": self.pick,
                "hidden": self.hidden}


def latest_day(paths: ContentPaths) -> date | None:
    """The newest day file's date, by name."""
    folder = paths.days_dir
    if not folder.is_dir():
        return None
    names = [p.stem for p in folder.glob("*.yaml") if DATE_NAME.fullmatch(p.stem)]
    return date.fromisoformat(max(names)) if names else None


def day_rows(paths: ContentPaths, when: date) -> list[Row] | None:
    """A day's papers in the listing's order (None when there is no such day), ranked
    as the site ranks them: hidden papers take no rank, so ranks have no gaps."""
    loader = Loader(paths)
    day: Day | None = loader.day(when)
    topics = loader.topics()
    if day is None and not loader.problems:
        return None
    entries = day.entries if day else ()
    papers = {e.paper_id: loader.paper(e.paper_id) for e in entries}
    notes = {pid: loader.note(pid) for pid in papers}
    for pid in papers:
        if not os.path.lexists(paths.paper(pid)):
            loader.problem(paths.day(when), 0, f"paper {pid!r} has no file in content/papers/; "
                                               "run 'paperpress check'")
    if loader.problems:
        raise ContentError(loader.problems)
    rules = compile_rules(topics)
    rows, rank = [], 0
    for entry in entries:
        paper, note = papers[entry.paper_id], notes[entry.paper_id]
        hidden = bool(note and note.hidden)
        rank += not hidden
        rows.append(Row(None if hidden else rank, entry.upvotes, entry.paper_id,
                        paper.title, assign(paper, note, rules),
                        bool(note and note.topics is not None), bool(note and note.pick),
                        hidden))
    return rows


def row_lines(rows: list[Row]) -> list[str]:
    """Aligned columns: rank, upvotes, id, then topics and any marks."""
    width = max((len(r.id) for r in rows), default=2)
    out = [f"{'rank':>4}  {'upvotes':>7}  {'id':<{width}}  topics"]
    for row in rows:
        marks = [m for m, on in (("set by note", row.topics_from_note), ("pick", row.pick),
                                 ("hidden", row.hidden)) if on]
        tail = ", ".join(row.topics) or "-"
        tail += f"  ({'; '.join(marks)})" if marks else ""
        rank = "-" if row.rank is None else str(row.rank)
        out.append(f"{rank:>4}  {row.upvotes:>7}  {row.id:<{width}}  {tail}")
    return out


# -- why a paper has its topics ---------------------------------------------------------
def explain_lines(paths: ContentPaths, paper_id: str) -> list[str] | None:
    """For `check --explain`: each topic a keyword of matched, with the keywords and
    where they were found, the exclude keywords that took a topic away, the automatic
    topics, and whether a note replaces them. None when there is no such paper."""
    loader = Loader(paths)
    topics = loader.topics()
    if not ids.is_safe_id(paper_id) or not paths.paper(paper_id).is_file():
        if loader.problems:
            raise ContentError(loader.problems)
        return None
    paper, note = loader.paper(paper_id), loader.note(paper_id)
    if loader.problems or paper is None:
        raise ContentError(loader.problems)
    out = [f"{paper_id}: {' '.join(paper.title.split())}"]
    found = explain(paper, topics)
    for item in found:
        hits = ", ".join(f"{h.keyword!r} ({h.where})" for h in item.matched)
        line = f"  {item.topic.slug}: {hits}"
        if item.excluded_by:
            gone = ", ".join(f"{h.keyword!r} ({h.where})" for h in item.excluded_by)
            line += f"; excluded by {gone}"
        out.append(line)
    if not found:
        out.append("  no keyword of any topic is in its title or abstract")
    automatic = assign(paper, None, compile_rules(topics))  # the build's own choice
    out.append(f"automatic topics: {', '.join(automatic) or 'none'}")
    note_path = paths.rel(paths.note(paper_id))
    if note is None or note.topics is None:
        out.append(f"{'no note' if note is None else note_path + ' sets no topics'}: "
                   "the automatic topics are its topics")
    else:
        out.append(f"{note_path} sets its topics, replacing the automatic ones: "
                   f"{', '.join(note.topics) or 'none'}")
    return out

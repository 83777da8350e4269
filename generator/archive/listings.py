"""The listings every page reads, derived from loaded content once per build.

Pure: an Archive in, the same Archive with its indexes filled out. All
listings are lists of paper ids in a fixed order and leave hidden papers out.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import date

from ..core import ids, parallel
from ..core.model import Appearance, Archive, OrgListing
from .topics import Rules, assign, compile_rules

# The days the last appearances were worked out from, and those appearances: a process
# that builds again (the dev server) mostly finds the very same day objects in its cache.
_LAST: list = [(), {}]


def appearances(archive: Archive) -> dict[str, tuple[Appearance, ...]]:
    """Each paper's days, oldest first, with rank and upvotes (days are immutable, so the
    same day objects give the same appearances)."""
    days, (last_days, last) = archive.days, _LAST
    if len(days) == len(last_days) and all(map(operator.is_, days, last_days)):
        return last
    seen: dict[str, list[Appearance]] = defaultdict(list)
    for day in days:
        for rank, entry in enumerate(day.entries, start=1):
            seen[entry.paper_id].append(Appearance(day.date, rank, entry.upvotes))
    found = {pid: tuple(found) for pid, found in seen.items()}
    _LAST[:] = [days, found]
    return found


def index(archive: Archive, memo: dict | None = None) -> Archive:
    """Fill out appearances, topics, orgs, recent papers and picks.

    `memo` (kept by the parse cache between builds) remembers each paper's
    keyword topics: matching is the costliest step, and a paper whose file
    did not change, under unchanged rules, keeps its topics.
    """
    archive.appearances = appearances(archive)
    rules = compile_rules(archive.topics)
    visible = [pid for pid in archive.papers if archive.is_visible(pid)]
    first = {pid: archive.first_day(pid) for pid in archive.papers}
    # newest first appearance first; within a day by rank; then by id
    rank = {pid: found[0].rank for pid, found in archive.appearances.items()}
    order = sorted(visible, key=lambda pid: (-first[pid].toordinal(), rank.get(pid, 0), pid))
    archive.recent = tuple(order)
    archive.paper_topics = _topics(archive, rules, {} if memo is None else memo)
    by_topic: dict[str, list[str]] = {t.slug: [] for t in archive.topics}
    for pid in order:
        for slug in archive.paper_topics[pid]:
            if slug in by_topic:
                by_topic[slug].append(pid)
    archive.topic_papers = {slug: tuple(found) for slug, found in by_topic.items()}
    archive.orgs = _orgs(archive, order)
    archive.picks = tuple(pid for pid in order if (n := archive.notes.get(pid)) and n.pick)
    archive.noted = _noted(archive, order)
    return archive


def _noted(archive: Archive, order: list[str]) -> tuple[str, ...]:
    """Visible papers whose note has text, newest note first; notes of one day keep the
    papers' own order (newest paper first, then by rank)."""
    place = {pid: index for index, pid in enumerate(order)}
    noted = [pid for pid, note in archive.notes.items()
             if pid in place and note.body.strip()]
    return tuple(sorted(noted, key=lambda pid: (-archive.note_published(pid).toordinal(),
                                                place[pid])))


PARALLEL_MATCH = 2000  # papers; fewer match faster than a worker pool starts


def _topics(archive: Archive, rules: Rules, memo: dict) -> dict[str, tuple[str, ...]]:
    """Every paper's topics; `memo` holds (paper, topics) from the last build, reused when
    the paper is the very object the parse cache gave then and the rules are equal."""
    if memo.get("rules") != archive.topics:
        memo.clear()
    known: dict = memo.get("papers", {})
    found: dict[str, tuple[str, ...]] = {}
    misses: list[str] = []
    for pid, paper in archive.papers.items():
        note = archive.notes.get(pid)
        if note is not None and note.topics is not None:
            found[pid] = assign(paper, note, rules)
            continue
        hit = known.get(pid)
        if hit is not None and hit[0] is paper:
            found[pid] = hit[1]
        else:
            misses.append(pid)
    found.update(_match(archive, rules, misses))
    kept = {pid: (paper, found[pid]) for pid, paper in archive.papers.items()
            if pid not in archive.notes or archive.notes[pid].topics is None}
    memo.update(rules=archive.topics, papers=kept)
    return found


def _match(archive: Archive, rules: Rules, pids: list[str]) -> dict[str, tuple[str, ...]]:
    """Keyword topics of these papers, on every core when there are many (a first build)."""
    if len(pids) < PARALLEL_MATCH or not parallel.can_fork():
        return {pid: assign(archive.papers[pid], None, rules) for pid in pids}
    found: dict[str, tuple[str, ...]] = {}
    parallel.run(_match_chunk, parallel.chunks(pids, 1000), found.update,
                 shared=(archive, rules))
    return found


def _match_chunk(shared: tuple[Archive, Rules], pids: list[str]) -> dict[str, tuple[str, ...]]:
    archive, rules = shared
    return {pid: assign(archive.papers[pid], None, rules) for pid in pids}


def _orgs(archive: Archive, order: list[str]) -> dict[str, OrgListing]:
    """Organizations by URL slug; the name is the one from the most recent day."""
    members: dict[str, list[str]] = defaultdict(list)
    latest: dict[str, tuple[date, str, str]] = {}
    for pid in order:
        org = archive.papers[pid].org
        if org is None:
            continue
        key = ids.org_path_slug(org.slug)
        members[key].append(pid)
        stamp = (archive.papers[pid].last_seen, org.name, org.slug)
        if key not in latest or stamp > latest[key]:
            latest[key] = stamp
    return {
        key: OrgListing(key, latest[key][1], tuple(members[key])) for key in sorted(members)
    }

"""The archive as the Pelican and Hugo sites need it, read through paperpress itself.

Both comparison sites are written from what `paperpress import` stored and
from paperpress's own listings (topic membership, organization names and
keys, each paper's days with rank and upvotes), so the three generators
build the same pages from the same data and only the generator differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.archive.content import load
from generator.archive.listings import index
from generator.core.ids import org_path_slug
from generator.core.paths import ContentPaths


@dataclass(frozen=True, slots=True)
class PaperRow:
    id: str
    title: str
    abstract: str
    published: date | None
    authors: int | None
    org_key: str | None
    org_name: str | None
    links: tuple[str, ...]
    first_day: date
    appearances: tuple[tuple[date, int, int], ...]  # (day, rank, upvotes)
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayRow:
    date: date
    entries: tuple[tuple[str, int], ...]  # (paper id, upvotes) in rank order


@dataclass(frozen=True)
class Mirror:
    title: str
    description: str
    base_url: str
    feed_size: int
    page_size: int
    papers: tuple[PaperRow, ...]  # newest first appearance first, as paperpress lists them
    days: tuple[DayRow, ...]  # oldest first
    topics: tuple[tuple[str, str, str], ...]  # (slug, name, description)
    orgs: tuple[tuple[str, str], ...]  # (key, latest display name)


def mirror(root: Path) -> Mirror:
    """Load the archive at `root` with paperpress and flatten what the other sites need."""
    archive = index(load(ContentPaths(root)))
    listed = set(archive.recent)
    order = list(archive.recent) + [p for p in archive.papers if p not in listed]
    rows = []
    for pid in order:
        paper = archive.papers[pid]
        key = org_path_slug(paper.org.slug) if paper.org else None
        seen = archive.appearances.get(pid, ())
        rows.append(PaperRow(
            id=pid, title=paper.title, abstract=paper.abstract, published=paper.published,
            authors=paper.authors, org_key=key,
            org_name=archive.orgs[key].name if key in archive.orgs else None,
            links=paper.links,
            first_day=seen[0].day if seen else paper.first_seen,
            appearances=tuple((a.day, a.rank, a.upvotes) for a in seen),
            topics=archive.paper_topics.get(pid, ()),
        ))
    config = archive.config
    return Mirror(
        title=config.title, description=config.description, base_url=config.base_url,
        feed_size=config.feed_size, page_size=config.page_size, papers=tuple(rows),
        days=tuple(DayRow(d.date, tuple((e.paper_id, e.upvotes) for e in d.entries))
                   for d in archive.days),
        topics=tuple((t.slug, t.name, t.description) for t in archive.topics),
        orgs=tuple((key, org.name) for key, org in archive.orgs.items()),
    )

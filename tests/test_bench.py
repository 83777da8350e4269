"""The benchmark's synthetic days: real scraped-day text the parser reads as intended.

Fast: three days in memory, no archive, no Pelican or Hugo.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from generator.core.ids import paper_id
from generator.ingest.scrape import parse

# bench/ sits beside generator/ but is not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
synth = importlib.import_module("bench.synth")


def three_days(seed: int = 7, start: date = date(2024, 1, 2)) -> list:
    return list(synth.Synth(seed, start=start).days(3))


def test_days_parse_to_their_dates_with_fifty_entries() -> None:
    days = three_days()
    assert [d.when for d in days] == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
    for day in days:
        parsed = parse(day.data)
        assert parsed.date == day.when
        assert len(parsed.entries) == 50
        assert parsed.warnings == ()
        assert [e.title for e in parsed.entries] == list(day.titles)


def test_orgs_recurring_papers_and_dates_look_like_real_days() -> None:
    entries = [e for d in three_days() for e in parse(d.data).entries]
    orgs = [e for e in entries if e.org_slug]
    assert 5 <= len(orgs) <= 30  # about one entry in ten
    assert all(e.authors for e in entries if not e.org_slug)
    ids = Counter(paper_id(e.title) for e in entries)
    assert any(count > 1 for count in ids.values())  # papers relisted on a later day
    assert 100 <= len(ids) < 150
    assert any(e.year is None for e in entries) and any(e.year for e in entries)
    assert any("https://" in e.abstract for e in entries)
    assert all(25 <= len(e.title) <= 130 for e in entries)
    assert 1300 <= sorted(len(e.abstract) for e in entries)[len(entries) // 2] <= 1900


def test_year_is_inferred_across_new_year_and_on_dec_31() -> None:
    days = three_days(start=date(2024, 12, 30))
    assert [parse(d.data).date for d in days] == [d.when for d in days]
    assert [d.when for d in days] == [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1)]


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = [d.data for d in three_days(seed=3)]
    assert first == [d.data for d in three_days(seed=3)]
    assert first != [d.data for d in three_days(seed=4)]

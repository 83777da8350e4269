"""Import output pinned byte for byte: a faster import must write exactly what it wrote before.

A few hundred synthetic papers (the benchmark's generator, fixed seed) plus
the three real days and a real API day are imported in one command, then one
more day and a re-scrape into that archive; the SHA-256 of every file under
`content/` must match `fixtures/import-golden.json`, recorded from the
import as it was before its speed-ups. Run this file as a script to record
it again after an intended change of the archive's format.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
from datetime import date
from pathlib import Path

from archive_helpers import REAL, cli, new_archive, tree, write

from generator.core.store import dump
from generator.ingest.importer import FORMAT_ALONE, formatted

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "import-golden.json"
API_DAY = Path(__file__).resolve().parent / "fixtures" / "api" / "2026-01-09.json"
SEED, DAYS = 16, 9  # 450 entries, about 330 papers


def _synthetic(folder: Path) -> tuple[list[Path], Path, Path]:
    """The synthetic days but the last; the last; a later scrape of the first day that
    drops its first paper (and has more upvotes, so it replaces the day)."""
    synth = importlib.import_module("bench.synth")
    days = list(synth.Synth(SEED, org_pool=12).days(DAYS))
    files = synth.write_days(folder / "days", days[:-1])
    extra = synth.write_days(folder / "extra", days[-1:])[0]
    parts = days[0].text.split("\n\n")
    header = parts.index(days[0].when.strftime("%b %-d"))
    kept = parts[header + 4:]  # title, abstract, meta: the first paper gone
    meta = kept[2].split("\n")
    meta[-1] += " 9999" if re.search(r", \d{4}$", meta[-1]) else "9999"
    kept[2] = "\n".join(meta)
    rescrape = write(folder / "rescrape" / "day.txt", "\n\n".join([*parts[:header + 1], *kept]))
    return files, extra, rescrape


def digests(root: Path) -> dict[str, str]:
    """Each file an import leaves under `content/`, by path, with its SHA-256."""
    return {path: hashlib.sha256(data).hexdigest()
            for path, data in tree(root / "content").items()}


def imported(work: Path) -> dict[str, str]:
    files, extra, rescrape = _synthetic(work / "in")
    root = new_archive(work / "archive")
    steps = ([*files, *REAL.values(), API_DAY], [extra], [rescrape])
    for step in steps:
        done = cli("--root", root, "--quiet", "import", *step, cwd=work)
        assert done.returncode == 0, done.stderr
    return digests(root)


def test_import_writes_the_recorded_bytes(tmp_path: Path) -> None:
    got = imported(tmp_path)
    want = json.loads(GOLDEN.read_text("utf-8"))
    assert len(want) > 300
    assert sorted(got) == sorted(want)
    assert [path for path in want if got[path] != want[path]] == []


def test_many_records_are_formatted_in_order_on_every_core() -> None:
    """Past `FORMAT_ALONE` records the import formats them in worker processes: the same
    bytes, in the same order, as one by one."""
    records = [{"id": f"p{i}", "title": f"Paper {i}: {'long words ' * (i % 9)}".strip(),
                "first_seen": date(2024, 1, 1 + i % 28), "upvotes": i} for i in range(2600)]
    assert len(records) > FORMAT_ALONE
    assert formatted(records) == [dump(r).encode("utf-8") for r in records]


if __name__ == "__main__":  # record the fixture again
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        found = imported(Path(scratch))
    GOLDEN.write_text(json.dumps(found, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{GOLDEN.name}: {len(found)} files", file=sys.stderr)

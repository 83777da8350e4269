"""A warm parse cache never hides a change to the code that filled it."""

from __future__ import annotations

import dataclasses
import pickle
import shutil
from pathlib import Path

from archive_helpers import run

from generator.archive.cache import FORMAT, VERSION

ROOT = Path(__file__).resolve().parent.parent
STALE = "A Title Only The Cache Holds"


def _archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    shutil.copytree(ROOT / "content", root / "content")
    return root


def _poison(root: Path, version: object) -> None:
    """Rewrite the papers shard as other code would have: every title replaced."""
    shard = root / ".paperpress-cache" / "content-papers.pickle"
    _, entries, derived = pickle.loads(shard.read_bytes())
    entries = {name: (key, dataclasses.replace(value, title=STALE)
                      if hasattr(value, "title") else value, parsed)
               for name, (key, value, parsed) in entries.items()}
    shard.write_bytes(pickle.dumps((version, entries, derived)))


def _site_text(root: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (root / "site").rglob("index.html"))


def test_a_cache_from_the_same_code_is_trusted(tmp_path: Path) -> None:
    """The control: this is how a cache would hide a change if its version did not
    carry the code's digest."""
    root = _archive(tmp_path)
    assert run(root, "build", "--quiet") == 0
    _poison(root, VERSION)
    shutil.rmtree(root / "site")
    assert run(root, "build", "--quiet") == 0
    assert STALE in _site_text(root)


def test_a_cache_from_other_loader_code_is_discarded(tmp_path: Path) -> None:
    root = _archive(tmp_path)
    assert run(root, "build", "--quiet") == 0
    _poison(root, (FORMAT, "0" * 16))
    shutil.rmtree(root / "site")
    assert run(root, "build", "--quiet") == 0
    assert STALE not in _site_text(root)
    assert VERSION[1] != "0" * 16

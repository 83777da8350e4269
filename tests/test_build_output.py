"""Where a build may write: it replaces its output folder, so it must never be given one
that holds anything else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def paperpress(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    assert paperpress(tmp_path, "init", "archive").returncode == 0
    root = tmp_path / "archive"
    (root / "themes" / "mine").mkdir(parents=True)
    (root / "keep").mkdir()
    (root / "keep" / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("out", [".", "..", "content", "content/notes", "themes", "keep"])
def test_a_folder_holding_other_files_is_refused(archive: Path, out: str) -> None:
    before = sorted(p.relative_to(archive.parent) for p in archive.parent.rglob("*"))
    done = paperpress(archive, "build", "--out", out)
    assert done.returncode == 1
    assert "not a folder a build may replace" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.relative_to(archive.parent) for p in archive.parent.rglob("*")) == before
    assert (archive / "keep" / "thesis.tex").read_text(encoding="utf-8") == "years of work\n"


def test_a_new_folder_and_a_site_built_before_are_fine(archive: Path) -> None:
    assert paperpress(archive, "build", "--out", "public").returncode == 0
    assert (archive / "public" / ".nojekyll").exists()
    assert paperpress(archive, "build", "--out", "public").returncode == 0
    assert paperpress(archive, "build").returncode == 0
    assert (archive / "site" / "index.html").exists()

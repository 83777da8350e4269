"""A build never damages or loses output: locks, restored files, refused folders, cleanup.

Every build here is the real `paperpress build` in a subprocess, on a copy of
an archive under pytest's tmp_path; a site is compared byte for byte with a
cold build of the same content into another folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from archive_helpers import cli
from conftest import REPO


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the shipped archive (about two hundred files to build)."""
    archive = tmp_path / "archive"
    shutil.copytree(REPO / "content", archive / "content")
    return archive


def build(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    done = cli("--root", root, "--quiet", "build", *args, cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    return done


# -- 16. --base-url --------------------------------------------------------------
BAD_URLS = ["http:///nohost", "https://exa mple.org/", "http://example.org:99999/",
            "https://example.org/papers/?page=1"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_base_url_is_refused_by_build_and_by_site_yaml(root: Path, url: str) -> None:
    done = build(root, "--base-url", url)
    assert done.returncode == 2 and "--base-url" in done.stderr and "absolute" in done.stderr
    assert not (root / "site").exists()
    site_yaml = root / "content" / "site.yaml"
    lines = site_yaml.read_text(encoding="utf-8").splitlines()
    lines = [f"base_url: {url}" if line.startswith("base_url:") else line for line in lines]
    site_yaml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = cli("--root", root, "check", cwd=root)
    assert checked.returncode == 1 and "base_url must be an absolute http(s) URL" in checked.stderr


def test_a_base_url_in_capitals_is_taken_by_both(root: Path) -> None:
    done = build(root, "--base-url", "HTTPS://Example.org/papers/")
    assert done.returncode == 0, done.stderr
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "https://Example.org/papers/" in home and "HTTPS:" not in home
    site_yaml = root / "content" / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(text.replace("base_url: https://", "base_url: HTTPS://"),
                         encoding="utf-8")
    assert cli("--root", root, "check", cwd=root).returncode == 0

"""A build never damages or loses output: locks, restored files, refused folders, cleanup.

Every build here is the real `paperpress build` in a subprocess, on a copy of
an archive under pytest's tmp_path; a site is compared byte for byte with a
cold build of the same content into another folder.
"""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from archive_helpers import cli, cli_many
from site_helpers import REPO, tree_bytes, write_hostile_archive

from generator.archive.cache import ParseCache
from generator.core.lock import archive_lock, output_lock
from generator.core.paths import ContentPaths
from generator.core.store import ContentError
from generator.site.build import Builder

BUSY = "another paperpress is running"
REFUSED = "not a folder a build may replace"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the shipped archive (about two hundred files to build)."""
    archive = tmp_path / "archive"
    shutil.copytree(REPO / "content", archive / "content")
    return archive


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERPRESS_LOCK_WAIT", "0.2")


def build(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    done = cli("--root", root, "--quiet", "build", *args, cwd=root)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def cold(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The bytes of a cold build of `root` (no record, no parse cache) into a new folder."""
    copy = tmp_path / "cold-archive"
    shutil.copytree(root / "content", copy / "content")
    assert build(copy, "--out", copy / "site").returncode == 0
    return tree_bytes(copy / "site")


def everything(folder: Path) -> list[str]:
    """Every path under `folder` (files and folders), to show nothing was touched."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


# -- 5. the archive lock -----------------------------------------------------------
def test_a_build_waits_for_an_import_and_then_writes_nothing(root: Path, short_wait: None
                                                             ) -> None:
    paths = ContentPaths(root)
    with archive_lock(paths.cache_dir):  # an import applying a day
        done = build(root)
    assert done.returncode == 1
    assert BUSY in done.stderr and done.stderr.count("\n") == 1
    assert not (root / "site").exists() and leftovers(root / "site") == []
    assert all(p.suffix == ".lock" for p in paths.cache_dir.iterdir())


def test_builds_read_side_by_side_and_skip_their_caches_while_the_archive_is_busy(
        root: Path, tmp_path: Path, short_wait: None) -> None:
    """A shared hold (another build reading) lets a build read; its caches, written
    under the exclusive hold, are skipped rather than waited for: the site is whole."""
    paths = ContentPaths(root)
    with archive_lock(paths.cache_dir, shared=True):
        assert build(root).returncode == 0
    assert tree_bytes(root / "site") == cold(root, tmp_path)
    assert not list(paths.cache_dir.glob("*.pickle"))
    assert build(root).returncode == 0  # the next build writes them
    assert list(paths.cache_dir.glob("build-*.pickle"))


def test_the_dev_servers_builder_reads_under_the_archive_lock(root: Path, tmp_path: Path,
                                                              short_wait: None) -> None:
    paths = ContentPaths(root)
    builder = Builder(paths, tmp_path / "served", "http://127.0.0.1:8000/", ParseCache(None),
                      persist=False)
    with archive_lock(paths.cache_dir), pytest.raises(ContentError, match=BUSY):
        builder.run()
    assert builder.run().pages > 0


# -- 6. one build at a time per output folder --------------------------------------
def test_two_builds_into_one_folder_take_turns(root: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERPRESS_LOCK_WAIT", "120")
    runs = cli_many([("--root", root, "--quiet", "build")] * 3, cwd=root)
    assert [run.returncode for run in runs] == [0, 0, 0], [run.stderr for run in runs]
    assert tree_bytes(root / "site") == cold(root, tmp_path)
    assert leftovers(root / "site") == []


def test_a_build_refuses_a_folder_another_build_holds(root: Path, short_wait: None) -> None:
    assert build(root).returncode == 0
    before = tree_bytes(root / "site")
    with output_lock(ContentPaths(root).cache_dir, root / "site"):
        done = build(root)
    assert done.returncode == 1 and BUSY in done.stderr and "site" in done.stderr
    assert tree_bytes(root / "site") == before and leftovers(root / "site") == []


# -- 7. missing or damaged output files are put back ----------------------------
def test_a_build_restores_deleted_and_damaged_files(root: Path, tmp_path: Path) -> None:
    site = root / "site"
    assert build(root).returncode == 0
    paper = sorted((site / "papers").iterdir())[0]
    for name in ("index.html", "feed.xml", "sitemap.xml"):
        (site / name).unlink()
    shutil.rmtree(paper)
    next((site / "static").glob("style.*.css")).unlink()
    with (site / "atom.xml").open("r+b") as handle:  # cut short
        handle.truncate(100)
    with (site / "archive" / "index.html").open("ab") as handle:  # grown by hand
        handle.write(b"<!-- edited -->")
    robots = site / "robots.txt"  # same size, other bytes
    robots.write_bytes(robots.read_bytes().swapcase())
    assert build(root).returncode == 0
    assert tree_bytes(site) == cold(root, tmp_path)


def test_the_dev_servers_builder_restores_files_too(root: Path, tmp_path: Path) -> None:
    """The dev server keeps its record in memory: the check runs in the process itself."""
    served = tmp_path / "served"
    builder = Builder(ContentPaths(root), served, "http://127.0.0.1:8000/", ParseCache(None),
                      persist=False)
    builder.run()
    before = tree_bytes(served)
    (served / "index.html").unlink()
    (served / "feed.xml").write_bytes(b"")
    assert builder.run().rendered == 2
    assert tree_bytes(served) == before


# -- 8. folders a build must not replace ----------------------------------------
def test_a_pages_docs_folder_is_refused_and_left_alone(root: Path) -> None:
    docs = root / "docs"
    docs.mkdir()
    for name, text in ((".nojekyll", ""), ("index.md", "# My project\n"),
                       ("CNAME", "papers.example.org\n")):
        (docs / name).write_text(text, encoding="utf-8")
    before = tree_bytes(docs)
    done = build(root, "--out", "docs")
    assert done.returncode == 1 and REFUSED in done.stderr
    assert "CNAME" in done.stderr and "index.md" in done.stderr
    assert tree_bytes(docs) == before and leftovers(docs) == []


def test_an_out_naming_a_file_is_refused_and_not_renamed(root: Path) -> None:
    thesis = root / "thesis.tex"
    thesis.write_text("years of work\n", encoding="utf-8")
    before = everything(root)
    done = build(root, "--out", "thesis.tex")
    assert done.returncode == 1 and REFUSED in done.stderr
    assert everything(root) == before
    assert thesis.read_text(encoding="utf-8") == "years of work\n"


def test_a_built_folder_is_built_again_even_without_its_cache(root: Path, tmp_path: Path
                                                              ) -> None:
    public = root / "public"
    assert build(root, "--out", "public").returncode == 0
    assert (public / ".paperpress-manifest").is_file()
    shutil.rmtree(root / ".paperpress-cache")  # the next build is a full one: a swap
    assert build(root, "--out", "public").returncode == 0
    assert build(root, "--out", "public").returncode == 0
    assert tree_bytes(public) == cold(root, tmp_path)


def test_a_site_without_a_manifest_is_taken_only_when_a_build_would_write_all_of_it(
        root: Path, tmp_path: Path) -> None:
    site = root / "site"
    assert build(root).returncode == 0
    (site / ".paperpress-manifest").unlink()  # as a site built before the manifest
    shutil.rmtree(root / ".paperpress-cache")
    assert build(root).returncode == 0
    assert tree_bytes(site) == cold(root, tmp_path)
    (site / ".paperpress-manifest").unlink()
    (site / "CNAME").write_text("papers.example.org\n", encoding="utf-8")
    before = tree_bytes(site)
    done = build(root)
    assert done.returncode == 1 and REFUSED in done.stderr and "CNAME" in done.stderr
    assert tree_bytes(site) == before


def test_a_full_build_keeps_a_file_it_did_not_write(root: Path) -> None:
    """Added to a built site, a file survives: a full build, which would replace the
    folder, refuses it instead."""
    site = root / "site"
    assert build(root).returncode == 0
    (site / "CNAME").write_text("papers.example.org\n", encoding="utf-8")
    shutil.rmtree(root / ".paperpress-cache")
    before = tree_bytes(site)
    done = build(root)
    assert done.returncode == 1 and REFUSED in done.stderr and "CNAME" in done.stderr
    assert tree_bytes(site) == before and leftovers(site) == []


# -- 16. --base-url, and the swap's cleanup ---------------------------------------
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


def as_a_plain_user() -> list[str]:
    """The command prefix that makes root obey permission bits, as any other user does:
    without it root writes into read-only folders and no cleanup ever fails."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux)")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_a_full_build_over_read_only_folders_leaves_nothing_behind(root: Path, tmp_path: Path
                                                                   ) -> None:
    site = root / "site"
    assert build(root).returncode == 0
    locked = [site / "papers", sorted((site / "papers").iterdir())[0], site / "static"]
    for folder in reversed(locked):
        folder.chmod(0o555)
    shutil.rmtree(root / ".paperpress-cache")  # a full build: the old folder is removed
    command = [*as_a_plain_user(), sys.executable, "-m", "generator", "--root", str(root),
               "--quiet", "build"]
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)
    finally:
        for path in root.parent.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert done.returncode == 0, done.stderr
    assert leftovers(site) == []
    assert tree_bytes(site) == cold(root, tmp_path)


def test_a_leftover_that_cannot_be_removed_fails_the_build_naming_it(root: Path) -> None:
    site = root / "site"
    assert build(root).returncode == 0
    (root / ".site.old").write_text("not a folder of ours\n", encoding="utf-8")
    shutil.rmtree(root / ".paperpress-cache")
    before = tree_bytes(site)
    done = build(root)
    assert done.returncode == 1 and ".site.old" in done.stderr
    assert done.stderr.count("\n") == 1
    assert tree_bytes(site) == before and leftovers(site) == [".site.old"]


# -- 15. a record or parse cache of the wrong shape ---------------------------------
def reshape(record: dict, how: str) -> object:
    if how == "tuple":
        return tuple(record.items())
    wrong = {"pages": list(record["pages"].items()), "signatures": [1, 2, 3],
             "content": dict.fromkeys(record["content"], 0), "planned": {1, 2, 3},
             "stamps": dict.fromkeys(record.get("stamps", record["content"]), "x")}
    return {**record, how: wrong[how]}


@pytest.mark.parametrize("how", ["tuple", "pages", "signatures", "content", "planned",
                                 "stamps"])
def test_a_record_of_the_wrong_shape_means_a_full_build(tmp_path: Path, how: str) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    assert build(root).returncode == 0
    (record_file,) = (root / ".paperpress-cache").glob("build-*.pickle")
    record_file.write_bytes(pickle.dumps(reshape(pickle.loads(record_file.read_bytes()), how)))
    note = next((root / "content" / "notes").glob("*.md"))
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert build(root).returncode == 0
    assert tree_bytes(root / "site") == cold(root, tmp_path)


def test_a_parse_cache_of_the_wrong_shape_means_parsing_again(tmp_path: Path) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    assert build(root).returncode == 0
    for shard in (root / ".paperpress-cache").glob("content-*.pickle"):
        version, entries, derived = pickle.loads(shard.read_bytes())
        shard.write_bytes(pickle.dumps((version, dict.fromkeys(entries, 5), derived)))
    shutil.rmtree(root / "site")
    assert build(root).returncode == 0
    assert tree_bytes(root / "site") == cold(root, tmp_path)


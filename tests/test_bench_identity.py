"""Byte identity of the build on a bench archive, against the checked-in manifest.

A 300-paper synthetic archive (bench.synth, seed 1) is imported and built
with `--no-search` by the real CLI; every output file's sha256 must match
`tests/golden/bench-identity.sha256`. A change meant to change the output
rewrites the manifest with `python -m bench.identity --write` (`make golden`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

# bench/ sits beside generator/ but is not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
identity = importlib.import_module("bench.identity")

pytestmark = pytest.mark.slow  # CLI subprocesses: an import and two builds


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("identity")
    root = identity.make_archive(work)
    return root, identity.build(root, work / "site")


def test_the_build_matches_the_manifest_file_for_file(built: tuple[Path, Path]) -> None:
    expected = identity.read()
    assert expected, f"{identity.MANIFEST} is missing: python -m bench.identity --write"
    found = identity.differences(expected, identity.manifest(built[1]))
    if found:
        pytest.fail(identity.report(found), pytrace=False)


def test_a_second_cold_build_gives_the_same_bytes(built: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    root, first = built
    again = identity.build(root, tmp_path / "again")
    found = identity.differences(identity.manifest(first), identity.manifest(again))
    if found:
        pytest.fail(identity.report(found, "the first cold build (not deterministic)"),
                    pytrace=False)


def test_a_differing_file_is_named_in_the_failure_message(built: tuple[Path, Path]) -> None:
    lines = identity.manifest(built[1])
    papers = [line for line in lines if line.endswith("/index.html") and "  papers/" in line]
    changed, gone = papers[0], papers[1]
    edited = [("0" * 64 + line[64:]) if line == changed else line for line in lines
              if line != gone]
    edited.append("0" * 64 + "  papers/not-a-paper/index.html")
    found = identity.differences(lines, sorted(edited, key=lambda line: line[66:]))
    assert found == sorted([f"changed  {changed[66:]}", f"missing  {gone[66:]}",
                            "new      papers/not-a-paper/index.html"], key=lambda x: x[9:])
    message = identity.report(found)
    assert changed[66:] in message and gone[66:] in message
    assert "python -m bench.identity --write" in message


def test_the_search_index_is_not_in_the_manifest(built: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    """Pagefind's output is not deterministic; the identity is of the site without it."""
    site = built[1]
    extra = site / "pagefind" / "2024" / "pagefind-entry.json"
    extra.parent.mkdir(parents=True)
    try:
        extra.write_text("{}", encoding="utf-8")
        assert not any("pagefind/" in line for line in identity.manifest(site))
    finally:
        extra.unlink()
        extra.parent.rmdir()
        extra.parent.parent.rmdir()

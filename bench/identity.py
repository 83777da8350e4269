"""The identity check: a small bench archive's build, file by file, against a manifest.

Speed work must not change what a reader gets. `tests/test_bench_identity.py`
builds a 300-paper synthetic archive (fixed seed) with `--no-search` and
compares the sha256 of every output file with the checked-in manifest
`tests/golden/bench-identity.sha256` ("<sha256>  <path>" lines, sorted by
path, the format `sha256sum -c` reads). A change that is meant to change the
output regenerates it on purpose, and the diff of the manifest shows which
files it touched:

    python -m bench.identity --write     # or: make golden

Without `--write` it builds and lists the files that differ from the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import synth
from .measure import NOT_SITE

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "tests" / "golden" / "bench-identity.sha256"
PAPERS = 300
SEED = 1


def paperpress(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "generator", *map(str, args)]


def make_archive(work: Path, papers: int = PAPERS, seed: int = SEED) -> Path:
    """A new archive with the synthetic days for about `papers` papers imported."""
    count = synth.days_for(papers)
    maker = synth.Synth(seed, org_pool=synth.org_pool(count))
    synth.write_days(work / "scraped", list(maker.days(count)))
    root = work / "archive"
    subprocess.run(paperpress("--quiet", "init", root), check=True)
    subprocess.run(paperpress("--root", root, "--quiet", "import", work / "scraped"), check=True)
    return root


def build(root: Path, out: Path) -> Path:
    """A cold build of `root` into `out`: the output and the archive's cache deleted first."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".paperpress-cache", ignore_errors=True)
    subprocess.run(paperpress("--root", root, "--quiet", "build", "--out", out, "--no-search"),
                   check=True)
    return out


def manifest(folder: Path) -> list[str]:
    """"<sha256>  <path>" for every output file, sorted by path; the search index left out."""
    lines = []
    for base, _, names in os.walk(folder):
        for name in names:
            path = Path(base) / name
            location = path.relative_to(folder).as_posix()
            if not location.startswith(NOT_SITE):
                lines.append((location, hashlib.sha256(path.read_bytes()).hexdigest()))
    return [f"{digest}  {location}" for location, digest in sorted(lines)]


def read(path: Path = MANIFEST) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def differences(expected: Sequence[str], actual: Sequence[str]) -> list[str]:
    """Files that differ, sorted by path: "changed", "missing" (expected, not built), "new"."""
    want = {line[66:]: line[:64] for line in expected}
    got = {line[66:]: line[:64] for line in actual}
    found = []
    for location in sorted(want.keys() | got.keys()):
        if location not in got:
            found.append(f"missing  {location}")
        elif location not in want:
            found.append(f"new      {location}")
        elif want[location] != got[location]:
            found.append(f"changed  {location}")
    return found


def report(found: Sequence[str], against: str = "", shown: int = 15) -> str:
    """The first differing files, for a test's failure message and the command line."""
    more = f"\n  ... and {len(found) - shown} more" if len(found) > shown else ""
    hint = ("" if against else
            "\nIf the change is meant to change the output: python -m bench.identity --write")
    return (f"{len(found)} output file(s) differ from "
            f"{against or MANIFEST.relative_to(REPO)}:\n  "
            + "\n  ".join(found[:shown]) + more + hint)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identity",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {MANIFEST.name}")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-identity-") as scratch:
        work = Path(scratch)
        lines = manifest(build(make_archive(work), work / "site"))
    if args.write:
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        print(f"wrote {MANIFEST.relative_to(REPO)}: {len(lines)} files")
        return 0
    found = differences(read(), lines)
    print(report(found) if found else f"{len(lines)} files, all as in the manifest")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())

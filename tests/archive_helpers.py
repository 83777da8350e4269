"""Shared helpers for the archive-core tests: scraped-day text, temp archives, the CLI.

Everything here works on real files: fixtures are built as text in the scraped
format, archives live under pytest's tmp_path, and the CLI runs either as a
subprocess (`python -m generator`) or through `generator.cli.main`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scraped"
# the three real days as the archive keeps them, named by date
REAL = {name: SHIPPED / "scraped" / f"{name}.txt"
        for name in ("2026-01-08", "2026-04-20", "2026-05-20")}

CHROME = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
    "Daily Papers\n\nbyAK and the research community\n\n"
)


def entry(title: str, abstract: str = "We study memory in language models.",
          who: str | None = "  • 3 authors", when: str = "Oct 4, 2024 2") -> str:
    """One listed paper in the scraped format; `who=None` gives an entry without meta."""
    meta = "" if who is None else f"\n\n{who}\n·\n{when}"
    return f"{title}\n\n{abstract}{meta}"


def day_text(header: str | None, *entries: str, chrome: bool = True) -> str:
    """A whole scraped page: chrome, the `Mon D` header, the entries."""
    head = (CHROME if chrome else "") + (f"{header}\n\n" if header else "")
    return head + "\n\n".join(entries)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line where `needle` first occurs (after offset `start`)."""
    index = text.index(needle, start)
    return text.count("\n", 0, index) + 1


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative path, with its bytes.

    The cache folder is left out: commands keep their lock files there, and
    deleting it is always safe, so it is no part of what a command changed.
    """
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".paperpress-cache" not in path.relative_to(root).parts
    }


def new_archive(root: Path) -> Path:
    """A fresh archive from `paperpress init`."""
    assert main(["init", str(root), "--quiet"]) == 0
    return root


def run(root: Path, *args: str | Path) -> int:
    """`paperpress --root ROOT ARGS` in this process; returns the exit status."""
    return main(["--root", str(root), *map(str, args)])


def import_days(root: Path, *files: Path, date: str | None = None) -> int:
    extra = ["--date", date] if date else []
    return run(root, "import", "--quiet", *files, *extra)


def _command(args: tuple[str | Path, ...]) -> list[str]:
    return [sys.executable, "-m", "generator", *map(str, args)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, output captured (so stdout/stderr are pipes)."""
    return subprocess.run(_command(args), cwd=cwd, capture_output=True, text=True,
                          env=_env(), timeout=120)


def cli_many(commands: list[tuple[str | Path, ...]], cwd: Path
             ) -> list[subprocess.CompletedProcess[str]]:
    """Several independent CLI runs at once (each on its own archive or read-only)."""
    procs = [
        (args, subprocess.Popen(_command(args), cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=_env()))
        for args in commands
    ]
    done = []
    for args, proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(_command(args), proc.returncode, out, err))
    return done

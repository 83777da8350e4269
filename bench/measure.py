"""Running one build under `/usr/bin/time -v`: wall time, peak memory, a time limit.

Wall time is taken here around the whole command; peak memory is GNU time's
"Maximum resident set size", which is the largest single process of the run
(for paperpress's forked render workers: the biggest one, not their sum).
A run over its time limit is killed with its whole process group.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"
MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass
class Run:
    seconds: float
    peak_kb: int | None
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def peak_mb(self) -> float | None:
        return round(self.peak_kb / 1024, 1) if self.peak_kb else None

    def problem(self) -> str:
        """One line saying why the run failed, for the table and the JSON."""
        if self.timed_out:
            return f"timeout after {self.seconds:.0f}s"
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return f"exit {self.returncode}: {lines[-1][:160] if lines else 'no message'}"


def has_gnu_time() -> bool:
    return os.access(GNU_TIME, os.X_OK)


def timed(command: list[str], cwd: Path | None = None, timeout: float | None = None,
          env: dict[str, str] | None = None) -> Run:
    """Run `command` to completion (or its time limit) and measure it."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "time.txt"
        full = [GNU_TIME, "-v", "-o", str(report), *command] if has_gnu_time() else command
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            timed_out = True
        seconds = time.perf_counter() - start
        text = report.read_text(errors="replace") if report.exists() else ""
    found = MAX_RSS.search(text)
    return Run(seconds, int(found.group(1)) if found else None, proc.returncode, out, err,
               timed_out)


def remove(*paths: Path, trash: Path | None = None) -> None:
    """Take outputs and caches away so the next build starts cold: moved into `trash`
    (on the same file system; `empty` deletes it once nothing more is timed), or deleted.

    Moved, not deleted: on ext4 without a journal, for minutes after tens of thousands
    of files are deleted, each file created in their block groups costs a scan of the
    recently deleted inodes (`recently_deleted` in the kernel). A cold build right after
    deleting the last one's output then spent 10 to 20 more seconds in the kernel, and
    the same build into a fresh folder did not."""
    for path in paths:
        if not (path.exists() or path.is_symlink()):
            continue
        if trash is not None:
            trash.mkdir(parents=True, exist_ok=True)
            path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")
        elif path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def empty(trash: Path) -> None:
    """Delete what `remove` moved aside."""
    shutil.rmtree(trash, ignore_errors=True)


def count_output(folder: Path) -> tuple[int, int]:
    """(HTML pages, feeds) in a build's output.

    Hugo also writes a `page/1/` redirect beside every paginated listing;
    those stubs are not pages of the site and are not counted. Sitemaps are
    not feeds.
    """
    pages = feeds = 0
    for path in folder.rglob("*"):
        where = "/" + path.relative_to(folder).as_posix()
        if path.suffix == ".html" and "/page/1/" not in where:
            pages += 1
        elif path.suffix == ".xml" and not path.name.startswith("sitemap"):
            feeds += 1
    return pages, feeds


# -- output size ----------------------------------------------------------------
FEED_NAMES = {"feed.xml", "atom.xml", "feed.json"}
NOT_SITE = ("pagefind/",)  # the search index: its size is the README's Search section's


def file_kind(location: str) -> str:
    """A file's page kind for the size report: its top folder and what it is.

    `papers/<id>/index.html` is "papers html", `topics/<slug>/feed.xml`
    "topics feeds", `papers/<id>/cite.bib` "papers bib", `feed.json` at the
    root "root feeds", `papers.json` "root json"; page kinds added later get
    their own rows unasked.
    """
    top, _, rest = location.partition("/")
    section = top if rest else "root"
    name = location.rsplit("/", 1)[-1]
    if section == "static":
        return "static"
    if name.endswith(".html"):
        return f"{section} html"
    if name in FEED_NAMES:
        return f"{section} feeds"
    if name.startswith("sitemap") and name.endswith(".xml"):
        return "sitemap"
    suffix = name.rsplit(".", 1)[-1] if "." in name.strip(".") else "other"
    return f"{section} {suffix}"


def output_bytes(folder: Path) -> dict:
    """File bytes (not disk blocks) of a build's output, in all and per page kind.

    The search index is left out: the size target is for the site without it.
    Kinds come largest first, each with its files, bytes and bytes per file.
    """
    kinds: dict[str, list[int]] = {}
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in names:
            path = os.path.join(base, name)
            location = os.path.relpath(path, folder).replace(os.sep, "/")
            if location.startswith(NOT_SITE) or os.path.islink(path):
                continue
            counts = kinds.setdefault(file_kind(location), [0, 0])
            counts[0] += 1
            counts[1] += os.path.getsize(path)
    ordered = sorted(kinds.items(), key=lambda item: (-item[1][1], item[0]))
    return {"files": sum(c[0] for c in kinds.values()), "bytes": sum(c[1] for c in kinds.values()),
            "kinds": {kind: {"files": files, "bytes": size, "bytes_per_file": round(size / files)}
                      for kind, (files, size) in ordered}}

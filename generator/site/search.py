"""Search with no server: Pagefind indexes the written paper pages, once per build.

Pagefind's binary (shipped inside the `pagefind-bin` wheel, never downloaded) reads the
output folder in one call: its per-page Python API costs about 100 ms a page, the
folder call a few seconds for 10,000 pages. Only paper pages are offered to it (the
glob), and on them only what the theme marks `data-pagefind-body`.

It writes its bundle into a folder beside the output; the files are then moved in with
`pagefind-entry.json` last, the one file that names the rest, so a reader's search
sees the old index or the new one, never half of one. The build record keeps the
index's files (so the manifest owns them and `--no-search` removes them) and a digest
of the paper pages' bytes: a build that changed none of them, with the index intact,
does not run Pagefind again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import subprocess
import threading
from pathlib import Path

from ..core.store import ContentError, Problem
from .output import _files, _prune, _read_manifest, _stamps, _write_manifest, remove_tree
from .record import BuildRecord

INDEX = "pagefind"  # the bundle's folder in the output
ENTRY = f"{INDEX}/pagefind-entry.json"  # names every other index file: moved in last
PAGES = "papers/"  # the output folder of paper pages, the only ones indexed
GLOB = "papers/**/index.html"


def binary() -> str:
    """The Pagefind executable inside the installed wheel."""
    try:
        import pagefind_bin

        return str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        raise ContentError([Problem("search", 0, (
            "the Pagefind binary is missing; reinstall paperpress (it depends on "
            "'pagefind[bin]'), or build with --no-search"))]) from None


def pages_key(record: BuildRecord) -> bytes:
    """A digest of every paper page's bytes: the index changes only when this does."""
    pages = sorted((name, digest) for name, digest in record.content.items()
                   if name.startswith(PAGES))
    return hashlib.blake2b(pickle.dumps(pages, protocol=5), digest_size=16).digest()


def intact(out: Path, record: BuildRecord) -> bool:
    """Whether every index file is as it was installed (one stat each)."""
    if ENTRY not in record.search:
        return False
    root = f"{out}{os.sep}"
    for name, stamp in record.search.items():
        try:
            found = os.stat(root + name)
        except OSError:
            return False
        if (found.st_size, found.st_mtime_ns) != stamp:
            return False
    return True


def needed(out: Path, record: BuildRecord) -> bytes | None:
    """The key a fresh index would carry, or None when the installed one is current."""
    key = pages_key(record)
    return None if record.search_key == key and intact(out, record) else key


def staging(out: Path) -> Path:
    """Where Pagefind writes a new index: beside the output, on the same file system."""
    return out.parent / f".{out.name}.pagefind"


class Indexer:
    """One run of Pagefind at a time; the dev server cancels a run a newer build outdates."""

    def __init__(self, niceness: int = 0) -> None:
        self.niceness = niceness  # the dev server's runs yield the cores to its rebuilds
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._cancelled = False

    def run(self, out: Path, dest: Path) -> None:
        """Index the paper pages under `out` into `dest`, its output captured; a failure
        is one problem naming the output folder, with Pagefind's own last words."""
        remove_tree(dest)
        command = [binary(), "--site", str(out), "--output-path", str(dest), "--glob", GLOB,
                   "--silent"]
        with self._lock:
            self._cancelled = False
            try:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT)
            except OSError as err:
                raise ContentError([Problem(str(out), 0, (
                    f"cannot run Pagefind to index the search: {err.strerror or err}"))]) from None
            if self.niceness and hasattr(os, "setpriority"):  # not on Windows
                with contextlib.suppress(OSError):  # ended already, or not allowed: no matter
                    os.setpriority(os.PRIO_PROCESS, self._process.pid, self.niceness)
        output, _ = self._process.communicate()
        with self._lock:
            code, cancelled, self._process = self._process.returncode, self._cancelled, None
        if cancelled:
            remove_tree(dest)
            raise Cancelled
        if code != 0 or not (dest / ENTRY.removeprefix(f"{INDEX}/")).is_file():
            remove_tree(dest)
            said = [line for line in output.decode("utf-8", "replace").splitlines()
                    if line.strip()]
            raise ContentError([Problem(str(out), 0, (
                f"the search index failed (Pagefind exit {code}): "
                f"{said[-1].strip() if said else 'no message'}"))])

    def cancel(self) -> None:
        """Stop a run under way (its caller gets `Cancelled`); nothing when idle."""
        with self._lock:
            if self._process is not None:
                self._cancelled = True
                with contextlib.suppress(OSError):
                    self._process.kill()


class Cancelled(Exception):
    """A run was stopped by `Indexer.cancel`."""


def install(out: Path, dest: Path, record: BuildRecord, key: bytes) -> None:
    """Move a finished index from `dest` into `out/pagefind/`, the entry file last, then
    remove the old index's files the new one does not have. The manifest lists a file
    before it arrives; the record then owns exactly the new index."""
    new = sorted(f"{INDEX}/{name}" for name in _files(dest))
    _write_manifest(out, _read_manifest(out) | record.files | set(new))
    for name in sorted(new, key=lambda n: n == ENTRY):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(dest / name.removeprefix(f"{INDEX}/"), target)
    for name in sorted(set(record.search) - set(new)):
        target = out / name
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            _prune(target.parent, out)
    record.search = _stamps(out, new)
    record.search_key = key
    _write_manifest(out, record.files)
    remove_tree(dest)


def update(out: Path, record: BuildRecord, indexer: Indexer | None = None) -> bool:
    """Index the built site unless its index is current; whether Pagefind ran."""
    key = needed(out, record)
    if key is None:
        return False
    dest = staging(out)
    (indexer or Indexer()).run(out, dest)
    install(out, dest, record, key)
    return True

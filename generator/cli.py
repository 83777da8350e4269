"""The `paperpress` command: argument parsing and exit codes, nothing else.

Each subcommand is a short function that calls the stage that does the work.
Exit status: 0 success, 1 bad input or content (one line per problem naming
the file and line), 2 wrong usage. Bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from . import __version__
from .archive import notes, skeleton
from .core import ids
from .core.lock import archive_lock
from .core.model import Paper
from .core.paths import ContentPaths
from .core.progress import Progress
from .core.store import ContentError, Problem, write_atomic, write_yaml
from .ingest import journal


class Fail(Exception):
    """A message for the user and the exit status that goes with it."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message)


def cmd_init(args: argparse.Namespace) -> None:
    target = Path(args.dir)
    paths = ContentPaths(target)
    if paths.site_yaml.exists():
        raise Fail(f"{paths.site_yaml}: an archive is already there; nothing changed")
    for folder in (paths.days_dir, paths.papers_dir, paths.notes_dir, paths.scraped_dir):
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / ".gitkeep", b"")
    write_yaml(paths.site_yaml, skeleton.SITE)
    if not paths.topics_yaml.exists():
        write_yaml(paths.topics_yaml, skeleton.topics_document())
    if not (target / ".gitignore").exists():
        write_atomic(target / ".gitignore", b"site/\n.paperpress-cache/\n")
    say(args, f"new archive in {target}: edit content/site.yaml, then 'paperpress import FILE'")


def recover(paths: ContentPaths) -> None:
    """Finish or discard an import a crash interrupted; the caller holds the exclusive lock."""
    line = journal.recover(paths)
    if line:
        print(f"paperpress: {line}", file=sys.stderr)


def settle(paths: ContentPaths) -> None:
    """Before a command reads the archive: resolve an interrupted import, if there is one."""
    if journal.pending(paths.content):
        with archive_lock(paths.cache_dir):
            recover(paths)


def cmd_import(args: argparse.Namespace) -> None:
    from .ingest.importer import Importer, expand, read_sources

    paths = ContentPaths(args.root)
    if not paths.content.is_dir():
        raise Fail(f"{paths.content}: no archive here; run 'paperpress init DIR' or pass --root")
    files = expand([Path(f) for f in args.files])
    override = _date(args.date) if args.date else None
    if override and len(files) > 1:
        raise Fail("--date applies to one file; import the others separately", 2)
    with archive_lock(paths.cache_dir):  # read, plan and write as one: no lost update
        recover(paths)
        bar = Progress("reading", len(files), args.quiet)
        try:
            sources = read_sources(files, override, bar, own=paths.scraped_dir)
        finally:
            bar.close()
        summary = Importer(paths).run(sources)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    say(args, summary.line())


def cmd_check(args: argparse.Namespace) -> None:
    from .archive.content import load, undated_notes
    from .site.render import Theme, check_templates

    paths = ContentPaths(args.root)
    if not paths.content.is_dir():
        raise Fail(f"{paths.content}: no archive here; run 'paperpress init DIR' or pass --root")
    settle(paths)
    with contextlib.ExitStack() as held:
        with contextlib.suppress(OSError):  # a read-only copy has no lock, and no writer
            held.enter_context(archive_lock(paths.cache_dir, shared=True))
        if journal.pending(paths.content):  # an import died since `settle`: run again
            raise ContentError([Problem(paths.rel(paths.content / journal.JOURNAL), 0,
                                        "an import was interrupted; run check again")])
        archive = load(paths, strict=True)
    problems = check_templates(Theme.find(paths.themes_dir, archive.config.theme))
    if problems:
        raise ContentError(problems)
    for warning in merged_titles(paths, archive.papers.values()) + undated_notes(paths, archive):
        print(f"warning: {warning}", file=sys.stderr)
    say(args, f"ok: {len(archive.days)} days, {len(archive.papers)} papers, "
              f"{len(archive.notes)} notes, {len(archive.topics)} topics")


def merged_titles(paths: ContentPaths, papers: Iterable[Paper]) -> list[Problem]:
    """Papers whose file records a materially different title with the same id."""
    out = []
    for paper in sorted(papers, key=lambda p: p.id):
        for other in paper.other_titles:
            if ids.title_key(other) != ids.title_key(paper.title):
                out.append(Problem(paths.rel(paths.paper(paper.id)), 0, (
                    f"titles {paper.title!r} and {other!r} give the same id {paper.id!r}; "
                    "they are one paper (ids never change)")))
    return out


def cmd_note(args: argparse.Namespace) -> None:
    paths = ContentPaths(args.root)
    if not paths.content.is_dir():
        raise Fail(f"{paths.content}: no archive here; run 'paperpress init DIR' or pass --root")
    with archive_lock(paths.cache_dir):
        recover(paths)
        _note(args, paths)


def _note(args: argparse.Namespace, paths: ContentPaths) -> None:
    from .core.store import load_text

    pid = args.paper_id
    if not ids.is_safe_id(pid) or not paths.paper(pid).exists():
        raise Fail(f"{pid}: no such paper in content/papers/ (ids are shown on paper pages)")
    note = paths.note(pid)
    if note.exists():
        raise Fail(f"{paths.rel(note)}: a note exists already; edit it, nothing was changed")
    source = paths.rel(paths.paper(pid))
    why = paths.may_read(paths.paper(pid))
    if why:
        raise Fail(f"{source}: {why}")
    try:
        text = paths.paper(pid).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Fail(f"{source}: not UTF-8 text; run 'paperpress check'") from None
    paper = load_text(text, source)
    title = paper.get("title", pid) if isinstance(paper, dict) else pid
    note.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive create: never replace a note that appeared meanwhile
        with note.open("x", encoding="utf-8") as handle:
            handle.write(notes.stub(pid, str(title)))
    except FileExistsError:
        raise Fail(f"{paths.rel(note)}: a note exists already; nothing was changed") from None
    print(paths.rel(note))


def cmd_build(args: argparse.Namespace) -> None:
    from .core.baseurl import is_base_url
    from .site.build import build

    if args.base_url is not None and not is_base_url(args.base_url):
        raise Fail(f"--base-url {args.base_url!r}: must be an absolute http(s) URL, "
                   "e.g. https://user.github.io/repo/", 2)
    settle(ContentPaths(args.root))
    report = build(ContentPaths(args.root), out=Path(args.out) if args.out else None,
                   base_url=args.base_url, quiet=args.quiet, verbose=args.verbose)
    say(args, report)


def cmd_serve(args: argparse.Namespace) -> None:
    from .serve import serve

    settle(ContentPaths(args.root))
    serve(ContentPaths(args.root), host=args.host, port=args.port, open_browser=not args.no_open,
          quiet=args.quiet)


def _date(text: str) -> date:
    """Only the YYYY-MM-DD the help promises (fromisoformat also takes 20260108)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Fail(f"--date {text!r}: expected YYYY-MM-DD", 2) from None


def _port(text: str) -> int:
    """A TCP port, checked here: the socket library's refusal is a traceback, not a message."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number (0-65535; 0 picks a free one)")
    return value


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, type=Path,
                        help="the archive's folder (default: the current one)")
    common.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                        help="no progress or summary")
    top = argparse.ArgumentParser(prog="paperpress", parents=[common],
                                  description="A static site generator for daily research papers.")
    top.add_argument("--version", action="version", version=f"paperpress {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create a new, empty archive")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", parents=[common], help="import scraped days (files or folders)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--date", help="the day's date, YYYY-MM-DD, when the file does not tell")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("build", parents=[common], help="render the site")
    p.add_argument("--out", help="output folder (default: site/)")
    p.add_argument("--base-url", help="override site.yaml's base_url")
    p.add_argument("--verbose", "-v", action="store_true", help="time each phase")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", parents=[common], help="build, serve and live-reload")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8000, help="0-65535; 0 for any free port")
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("check", parents=[common], help="validate the content")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("note", parents=[common], help="start a note for a paper")
    p.add_argument("paper_id")
    p.set_defaults(func=cmd_note)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.root = getattr(args, "root", Path("."))
    args.quiet = getattr(args, "quiet", False)
    try:
        args.func(args)
    except ContentError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 1
    except Fail as err:
        print(f"paperpress: {err}", file=sys.stderr)
        return err.status
    except KeyboardInterrupt:
        return 130
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"paperpress: {where}{err.strerror or err}", file=sys.stderr)
        return 1
    return 0


__all__ = ["Problem", "main"]

"""The command line as a user runs it: `python -m generator` in a subprocess."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import date
from pathlib import Path

from archive_helpers import (
    CHROME,
    REAL,
    REPO,
    cli,
    cli_many,
    day_text,
    entry,
    import_days,
    new_archive,
    tree,
    write,
)

from generator import __version__

SUMMARY_3 = ("3 day(s): 3 new, 0 replaced, 0 unchanged; papers: 124 new, 0 updated, "
             "0 removed; 0 warning(s)\n")


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_version() -> None:
    result = cli("--version", cwd=REPO)
    assert (result.returncode, result.stdout) == (0, f"paperpress {__version__}\n")


def test_init_then_import_then_check(tmp_path: Path) -> None:
    result = cli("init", "site-a", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    root = tmp_path / "site-a"
    for part in ("content/site.yaml", "content/topics.yaml", "content/days",
                 "content/papers", "content/notes", "content/scraped", ".gitignore"):
        assert (root / part).exists(), part
    assert cli("check", cwd=root).stdout == "ok: 0 days, 0 papers, 0 notes, 15 topics\n"
    result = cli("import", *REAL.values(), cwd=root)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(SUMMARY_3 + "new papers:\n")
    assert cli("check", cwd=root).stdout == "ok: 3 days, 124 papers, 0 notes, 15 topics\n"


def test_init_refuses_an_existing_archive(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    (root / "content" / "site.yaml").write_text("title: mine\n")
    before = tree(root)
    result = cli("init", "a", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("paperpress: a/content/site.yaml: an archive is already there; "
                             "nothing changed\n")
    assert tree(root) == before


def small_days(folder: Path) -> list[Path]:
    """Three tiny days (Jan 8-10, 2026), each listing the same two papers."""
    return [
        write(folder / f"day-{n}.txt", day_text(
            f"Jan {n}", entry("Shared Paper", when=f"Dec 30, 2025 {n}"),
            entry(f"Paper of Jan {n}", who="nvidia NVIDIA", when="Jan 2")))
        for n in (8, 9, 10)
    ]


def test_root_quiet_and_folder(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    small_days(tmp_path / "drop")
    result = cli("--root", root, "import", "--quiet", "drop", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    again = cli("import", "-q", "--root", root, "drop", cwd=tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert len(list((root / "content" / "papers").glob("*.yaml"))) == 4
    assert len(list((root / "content" / "days").glob("*.yaml"))) == 3


def test_import_with_date_override(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    write(tmp_path / "headless.txt", CHROME + entry("No Header Here", "Text.", when="Mar 5 2"))
    refused = cli("import", tmp_path / "headless.txt", cwd=root)
    assert refused.returncode == 1
    assert refused.stderr == (f"{tmp_path / 'headless.txt'}: no day header (a line such as "
                              "'Jan 8'); pass --date YYYY-MM-DD\n")
    result = cli("import", tmp_path / "headless.txt", "--date", "2026-03-09", cwd=root)
    assert result.returncode == 0
    assert (root / "content" / "days" / "2026-03-09.yaml").exists()
    text = (root / "content" / "papers" / "no-header-here.yaml").read_text()
    assert "published: 2026-03-05" in text


def test_warnings_name_file_and_line_and_count(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    text = REAL["2026-04-20"].read_text("utf-8")
    write(tmp_path / "cut.txt", text[: len(text) - 500])
    result = cli("import", "../cut.txt", cwd=root)
    assert result.returncode == 0
    line = text[: len(text) - 500].count("\n") - 1  # the last entry's title
    assert result.stderr == (f"warning: ../cut.txt:{line}: last entry cut off in its abstract; "
                             "dropped\n")
    assert result.stdout.startswith("1 day(s): 1 new, 0 replaced, 0 unchanged; papers: 59 new, "
                                    "0 updated, 0 removed; 1 warning(s)\n")


BAD_INPUTS = {
    "empty.txt": (b"", "bad/empty.txt: the file is empty; export the day's listing again"),
    "blank.txt": (b"\r\n  \r\n",
                  "bad/blank.txt: the file is empty; export the day's listing again"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                  "bad/image.txt: the file is binary, not a scraped day's text; "
                  "import the .txt export"),
    "utf16.txt": (day_text("Jan 8", entry("A", when="Jan 2, 2025")).encode("utf-16"),
                  "bad/utf16.txt: the file is UTF-16 text; save it as UTF-8 and import it again"),
    "latin1.txt": (day_text("Jan 8", entry("Caf\u00e9", who="inria Inria", when="Jan 2, 2025"))
                   .encode("latin-1"),
                   "bad/latin1.txt:13: the file is not UTF-8 text; save it as UTF-8 and "
                   "import it again"),
    "noheader.txt": (entry("A", when="Jan 2, 2025").encode(),
                     "bad/noheader.txt: no day header (a line such as 'Jan 8'); "
                     "pass --date YYYY-MM-DD"),
    "feb30.txt": (day_text("Feb 30", entry("A", when="Jan 2, 2025")).encode(),
                  "bad/feb30.txt:11: day header 'Feb 30' is not a date; fix it or pass "
                  "--date YYYY-MM-DD"),
    "noyear.txt": (day_text("Jan 8", entry("A", when="Jan 2")).encode(),
                   "bad/noyear.txt:11: cannot tell the day's year (no entry gives one); "
                   "pass --date YYYY-MM-DD"),
    "nopapers.txt": ((CHROME + "Jan 8\n").encode(),
                     "bad/nopapers.txt: no papers found after the day header; "
                     "is this a Daily Papers export?"),
}


def test_bad_inputs_are_refused_with_one_line_and_change_nothing(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    good = write(tmp_path / "good.txt", REAL["2026-01-08"].read_bytes())
    for name, (data, _) in BAD_INPUTS.items():
        write(tmp_path / "bad" / name, data)
    (tmp_path / "empty-folder").mkdir()
    before = tree(tmp_path)
    commands = [("--root", root, "import", good, f"bad/{name}") for name in BAD_INPUTS]
    commands += [
        ("--root", root, "import", "bad/missing.txt"),
        ("--root", root, "import", "empty-folder"),
        ("--root", root, "import", "bad/empty.txt", "bad/utf16.txt"),
        ("--root", tmp_path / "nowhere", "import", good),
    ]
    results = cli_many(commands, cwd=tmp_path)
    expected = [message for _, message in BAD_INPUTS.values()] + [
        "bad/missing.txt: cannot read: No such file or directory",
        "empty-folder: no *.txt, *.json or *.html files in this folder; pass the scraped "
        "days' files or "
        "their folder",
        f"{BAD_INPUTS['empty.txt'][1]}\n{BAD_INPUTS['utf16.txt'][1]}",
        f"paperpress: {tmp_path / 'nowhere' / 'content'}: no archive here; run "
        "'paperpress init DIR' or pass --root",
    ]
    for result, message in zip(results, expected, strict=True):
        no_traceback(result)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n")
    assert tree(tmp_path) == before


WRONG_USAGE = [
    ((), "the following arguments are required: COMMAND"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("import",), "the following arguments are required: FILE"),
    (("import", "x.txt", "--date", "20260108"), "--date '20260108': expected YYYY-MM-DD"),
    (("import", "x.txt", "--date", "2026-02-30"), "--date '2026-02-30': expected YYYY-MM-DD"),
    (("import", "x.txt", "y.txt", "--date", "2026-01-08"), "--date applies to one file"),
    (("note",), "the following arguments are required: ID_OR_WORDS"),
    (("list", "2026-5-20"), "DATE '2026-5-20': expected YYYY-MM-DD"),
    (("check", "--explain"), "argument --explain: expected one argument"),
    (("init",), "the following arguments are required: dir"),
    (("check", "--bogus"), "unrecognized arguments: --bogus"),
]


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    write(root / "x.txt", day_text("Jan 8", entry("A", when="Jan 2, 2025")))
    write(root / "y.txt", day_text("Jan 9", entry("B", when="Jan 2, 2025")))
    before = tree(root)
    results = cli_many([args for args, _ in WRONG_USAGE], cwd=root)
    for result, (args, message) in zip(results, WRONG_USAGE, strict=True):
        no_traceback(result)
        assert (result.returncode, result.stdout) == (2, ""), args
        assert message in result.stderr, args
    assert tree(root) == before


# -- note ---------------------------------------------------------------------
def test_note_creates_a_stub_and_never_overwrites(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    assert cli("import", REAL["2026-05-20"], "-q", cwd=root).returncode == 0
    pid = "horizon-lm-a-ram-centric-architecture-for-llm-training"
    result = cli("note", pid, cwd=root)
    assert (result.returncode, result.stdout) == (0, f"content/notes/{pid}.md\n")
    note = root / "content" / "notes" / f"{pid}.md"
    text = note.read_text()
    assert text.startswith("---\n# Horizon-LM: A RAM-Centric Architecture for LLM Training\n")
    today = date.today().isoformat()  # the note's `published:` date, for the notes feed
    assert f"\npick: false\nhidden: false\ntags: []\npublished: {today}\n---\n" in text
    assert cli("check", "-q", cwd=root).returncode == 0  # the stub is valid front matter
    note.write_text("---\npick: true\n---\nMy words.\n")
    again = cli("note", pid, cwd=root)
    no_traceback(again)
    assert again.returncode == 1
    assert again.stderr == (f"paperpress: content/notes/{pid}.md: a note exists already; "
                            "edit it, nothing was changed\n")
    assert note.read_text() == "---\npick: true\n---\nMy words.\n"


def test_note_for_an_unknown_or_unsafe_id_is_an_error(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    assert import_days(root, REAL["2026-05-20"]) == 0
    before = tree(tmp_path)
    unknown = ["no-such-paper", "../../x", "..", "", "x-", "a/../../b"]
    results = cli_many([("note", pid) for pid in unknown], cwd=root)
    papers = {p.stem for p in (root / "content" / "papers").glob("*.yaml")}
    for result, pid in zip(results, unknown, strict=True):
        no_traceback(result)
        assert result.returncode == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"paperpress: {pid or repr(pid)}: "), line
        for candidate in result.stdout.splitlines():  # ids to choose from, never a path
            assert candidate.split()[0] in papers, candidate
    assert results[1].stderr == ("paperpress: ../../x: no paper's id or title has these "
                                 "words; ids are shown on paper pages\n")
    assert tree(tmp_path) == before


# -- check --------------------------------------------------------------------
def test_check_passes_on_the_shipped_archive() -> None:
    result = cli("--root", REPO, "check", cwd=REPO.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 3 days, 124 papers,")


def test_check_outside_an_archive(tmp_path: Path) -> None:
    result = cli("check", cwd=tmp_path)
    no_traceback(result)
    assert (result.returncode, result.stderr) == (
        1, "paperpress: content: no archive here; run 'paperpress init DIR' or pass --root\n")


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    assert cli("import", REAL["2026-05-20"], "-q", cwd=root).returncode == 0
    write(root / "content" / "notes" / "ghost.md", "---\ntopics: [nope]\n---\n")
    write(root / "content" / "days" / "2026-05-21.yaml",
          "date: 2026-05-21\npapers:\n- id: missing-paper\n  upvotes: 1\n")
    write(root / "content" / "stray.txt", "x")
    result = cli("check", cwd=root)
    no_traceback(result)
    assert result.returncode == 1 and result.stdout == ""
    assert sorted(result.stderr.splitlines()) == sorted([
        "content/stray.txt: stray file: not part of the archive's layout",
        "content/days/2026-05-21.yaml:3: paper 'missing-paper' has no file in content/papers/",
        "content/notes/ghost.md:1: note for unknown paper 'ghost'",
        "content/notes/ghost.md:2: unknown topic(s) nope: define them in topics.yaml",
    ])


# -- progress -----------------------------------------------------------------
def on_a_terminal(*args: str | Path, cwd: Path) -> tuple[int, str, bytes]:
    """Run the CLI with stderr on a pseudo-terminal: (status, stdout, what the terminal got)."""
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                              stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=120)
    finally:
        os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return proc.returncode, proc.stdout, shown


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    files = small_days(tmp_path / "in")
    summary = ("3 day(s): 3 new, 0 replaced, 0 unchanged; papers: 4 new, 0 updated, "
               "0 removed; 0 warning(s)\nnew papers:\n"
               "  shared-paper  Shared Paper\n  paper-of-jan-8  Paper of Jan 8\n"
               "  paper-of-jan-9  Paper of Jan 9\n  paper-of-jan-10  Paper of Jan 10\n")
    piped = cli("import", *files, cwd=new_archive(tmp_path / "piped"))
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, summary, "")
    status, out, shown = on_a_terminal("import", *files, cwd=new_archive(tmp_path / "tty"))
    assert (status, out) == (0, summary)
    assert b"reading [" in shown and b"] 3/3" in shown
    status, out, shown = on_a_terminal("import", "-q", *files, cwd=new_archive(tmp_path / "q"))
    assert (status, out, shown) == (0, "", b"")

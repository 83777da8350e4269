"""Import rules that must not depend on timing or order: the archive lock, titles that
give one id, and two snapshots of one day."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import yaml
from archive_helpers import day_text, entry, import_days, new_archive, run, tree, write

from generator.core.lock import archive_lock
from generator.core.paths import ContentPaths

ANCHOR = entry("Anchor Paper", "Dates this page.", when="Dec 1, 2025 1")


def command(root: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "generator", "--root", str(root), *map(str, args)]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def fresh(base: Path, name: str, *batches: list[Path]) -> dict[str, bytes]:
    """The content tree a new archive gets from importing each batch in turn."""
    root = new_archive(base / name)
    for batch in batches:
        assert import_days(root, *batch) == 0
    return tree(root / "content")


def paper(root: Path, pid: str) -> dict:
    return yaml.safe_load((root / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


# -- item 5: one writer at a time ------------------------------------------------
def busy_day(header: str, version: str) -> str:
    """A day listing 150 papers another day lists too, so two imports overlap a lot."""
    shared = [entry(f"Shared Study Number {n}", f"Abstract {version} of {n}.",
                    when=f"Jan 20 {n}") for n in range(150)]
    return day_text(header, ANCHOR, *shared, entry(f"Only On {header}", "Once."))


def test_two_imports_at_once_equal_the_two_in_turn(tmp_path: Path) -> None:
    first = write(tmp_path / "in" / "mar2.txt", busy_day("Mar 2", "A"))
    second = write(tmp_path / "in" / "mar3.txt", busy_day("Mar 3", "B"))
    expected = fresh(tmp_path, "sequential", [first], [second])
    for attempt in range(4):
        root = new_archive(tmp_path / f"together-{attempt}")
        procs = [subprocess.Popen(command(root, "import", "--quiet", day),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=environment(PAPERPRESS_LOCK_WAIT="60"))
                 for day in (first, second)]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        assert tree(root / "content") == expected, attempt


def test_a_second_writer_waits_then_says_another_is_running(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    day = write(tmp_path / "in" / "mar2.txt", day_text("Mar 2", ANCHOR))
    assert import_days(root, day) == 0
    before = tree(root / "content")
    other = write(tmp_path / "in" / "mar3.txt", day_text("Mar 3", ANCHOR))
    lock = root / ".paperpress-cache" / "archive.lock"
    with archive_lock(ContentPaths(root).cache_dir):
        for args in (("import", other), ("note", "anchor-paper")):
            done = subprocess.run(command(root, *args), capture_output=True, text=True,
                                  timeout=60, env=environment(PAPERPRESS_LOCK_WAIT="0.2"))
            assert done.returncode == 1, args
            assert done.stderr == (
                f"{lock}: another paperpress is running on the archive in {root}; "
                "wait for it to finish, then run this again\n"), args
    assert tree(root / "content") == before


# -- item 9: titles that give one id -------------------------------------------------
CPP = entry("C++ for ML", "About C plus plus.", when="Feb 2 4")
CSHARP = entry("C# for ML", "About C sharp.", when="Feb 2 6")
CSHARP_AGAIN = entry("c#  for ML!", "C sharp, spelled otherwise.", when="Feb 2 2")


def test_different_titles_with_one_id_warn_and_check_lists_them(tmp_path: Path,
                                                                capsys) -> None:
    root = new_archive(tmp_path / "archive")
    older = write(tmp_path / "in" / "mar1.txt", day_text("Mar 1", ANCHOR, CPP))
    newer_text = day_text("Mar 2", ANCHOR, CSHARP)
    newer = write(tmp_path / "in" / "mar2.txt", newer_text)
    assert import_days(root, older) == 0
    capsys.readouterr()
    assert run(root, "import", newer) == 0
    out, err = capsys.readouterr()
    line = newer_text.splitlines().index("C# for ML") + 1
    assert err == (f"warning: {newer}:{line}: titles 'C# for ML' and 'C++ for ML' give the "
                   "same id 'c-for-ml'; kept as one paper (content/papers/c-for-ml.yaml, "
                   "other_titles)\n")
    assert "1 warning(s)" in out
    got = paper(root, "c-for-ml")
    assert (got["title"], got["other_titles"]) == ("C# for ML", ["C++ for ML"])
    assert list(got)[:3] == ["id", "title", "other_titles"]
    assert run(root, "check", "--quiet") == 0
    assert capsys.readouterr().err == (
        "warning: content/papers/c-for-ml.yaml: titles 'C# for ML' and 'C++ for ML' give "
        "the same id 'c-for-ml'; they are one paper (ids never change)\n")
    assert run(root, "import", "--quiet", older, newer) == 0  # known already: no warning
    assert capsys.readouterr().err == ""


def test_one_title_spelled_two_ways_is_one_paper_without_a_warning(tmp_path: Path,
                                                                   capsys) -> None:
    root = new_archive(tmp_path / "archive")
    days = [write(tmp_path / "in" / "mar1.txt", day_text("Mar 1", ANCHOR, CSHARP)),
            write(tmp_path / "in" / "mar2.txt", day_text(
                "Mar 2", ANCHOR, entry("C\u266f for ML", "Music sign.", when="Feb 2 1"),
                CSHARP_AGAIN, entry("Caf\u00e9 \u2014 \u201cquoted\u201d", "Accents."))),
            write(tmp_path / "in" / "mar3.txt", day_text(
                "Mar 3", ANCHOR, entry("cafe: Quoted", "No accents.")))]
    capsys.readouterr()
    assert run(root, "import", *days) == 0
    err = capsys.readouterr().err
    assert "'c-for-ml'" in err and "cafe" not in err  # the music sign is another symbol
    assert err.count("warning:") == 1
    assert "other_titles" not in paper(root, "cafe-quoted")
    assert run(root, "check", "--quiet") == 0
    assert capsys.readouterr().err.count("warning:") == 1


def test_other_titles_do_not_depend_on_import_order(tmp_path: Path) -> None:
    texts = {"mar1": day_text("Mar 1", ANCHOR, CSHARP_AGAIN),
             "mar2": day_text("Mar 2", ANCHOR, CSHARP),
             "mar3": day_text("Mar 3", ANCHOR, CPP)}
    files = [write(tmp_path / "in" / f"{name}.txt", text) for name, text in texts.items()]
    expected = fresh(tmp_path, "together", files)
    got = yaml.safe_load(expected["papers/c-for-ml.yaml"])
    assert (got["title"], got["other_titles"]) == ("C++ for ML", ["C# for ML"])
    for number, order in enumerate(itertools.permutations(files)):
        assert fresh(tmp_path, f"order-{number}", *[[f] for f in order]) == expected, order


def test_a_replaced_snapshot_takes_its_titles_with_it(tmp_path: Path) -> None:
    keep = write(tmp_path / "in" / "mar1.txt", day_text("Mar 1", ANCHOR, CPP))
    old = write(tmp_path / "in" / "mar2.txt", day_text("Mar 2", ANCHOR, CSHARP))
    new = write(tmp_path / "in" / "mar2-later.txt", day_text(
        "Mar 2", ANCHOR, entry("C++ for ML", "Renamed on the page.", when="Feb 2 60")))
    replaced = fresh(tmp_path, "replaced", [keep, old], [new])
    assert replaced == fresh(tmp_path, "direct", [keep, new])
    assert "other_titles" not in yaml.safe_load(replaced["papers/c-for-ml.yaml"])


# -- item 10: of two snapshots of a day, the later one, whatever the order ------------
def test_an_older_snapshot_never_replaces_a_newer_one(tmp_path: Path, capsys) -> None:
    early = write(tmp_path / "in" / "early.txt", day_text(
        "Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 3"),
        entry("Early Only", "Left the page later.", when="Feb 2 1")))
    late = write(tmp_path / "in" / "late.txt", day_text(
        "Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 30")))
    both = fresh(tmp_path, "both", [early, late])
    assert fresh(tmp_path, "early-late", [early], [late]) == both
    assert fresh(tmp_path, "late-early", [late], [early]) == both
    assert both["scraped/2026-03-01.txt"] == late.read_bytes()
    root = new_archive(tmp_path / "archive")
    assert import_days(root, late) == 0
    capsys.readouterr()
    assert run(root, "import", early) == 0
    out, err = capsys.readouterr()
    assert out.startswith("1 day(s): 0 new, 0 replaced, 1 unchanged; papers: 0 new, 0 updated")
    assert err == (f"warning: {early}: unchanged (an older snapshot): "
                   "content/scraped/2026-03-01.txt has more upvotes (31 upvotes against 5); "
                   "kept it\n")


def test_equal_upvotes_keep_the_snapshot_with_more_papers(tmp_path: Path) -> None:
    short = write(tmp_path / "in" / "short.txt", day_text(
        "Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 8")))
    longer = write(tmp_path / "in" / "long.txt", day_text(
        "Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 8"),
        entry("Unvoted Paper", "No votes yet.", when="Feb 2")))
    expected = fresh(tmp_path, "both", [short, longer])
    assert fresh(tmp_path, "long-short", [longer], [short]) == expected
    assert fresh(tmp_path, "short-long", [short], [longer]) == expected
    assert "papers/unvoted-paper.yaml" in expected


# -- import reads nothing from outside the archive ----------------------------------
def test_import_refuses_a_paper_file_linked_outside_and_copies_nothing(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    day = write(tmp_path / "in" / "mar2.txt", day_text("Mar 2", ANCHOR,
                                                      entry("Linked Away", "Text.")))
    assert import_days(root, day) == 0
    papers = root / "content" / "papers"
    outside = write(tmp_path / "elsewhere.yaml", (papers / "linked-away.yaml").read_text()
                    .replace("title: Linked Away", "title: SECRET FROM ELSEWHERE"))
    (papers / "linked-away.yaml").unlink()
    (papers / "linked-away.yaml").symlink_to(outside)
    before = tree(root / "content")
    again = write(tmp_path / "in" / "mar3.txt", day_text("Mar 3", ANCHOR,
                                                        entry("Linked Away", "Text.")))
    done = subprocess.run(command(root, "import", again), capture_output=True, text=True,
                          env=environment())
    assert done.returncode == 1
    assert done.stderr.strip() == ("content/papers/linked-away.yaml: a link to a file outside "
                                   "the archive; replace it with the file itself")
    assert tree(root / "content") == before
    assert all(b"SECRET" not in data for name, data in before.items()
               if not name.endswith("linked-away.yaml"))

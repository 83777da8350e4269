"""Scraped days into content/: the files written, idempotence, order, re-scrapes, safety."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from archive_helpers import (
    REAL,
    SHIPPED,
    day_text,
    entry,
    import_days,
    new_archive,
    run,
    tree,
    write,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.archive.content import load
from generator.core.paths import ContentPaths

FLASH = "LLM in a flash: Efficient Large Language Model Inference with Limited Memory"
FLASH_ID = "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"
SHARED = "Shared Memory: A Paper Two Days Disagree About"
SHARED_ID = "shared-memory-a-paper-two-days-disagree-about"
MSA_ID = "msa-memory-sparse-attention-for-efficient-end-to-end-memory-model-a8a0bf07"
ANCHOR = entry("Anchor Paper", "Dates this page.", when="Dec 1, 2025 1")


def shared(version: str, org: str, votes: int) -> str:
    return entry(SHARED, f"Version {version} of the abstract.", who=f"EverMindAI {org}",
                 when=f"Jan 20 {votes}")


# two synthetic days that disagree about one paper; Feb 1 and Mar 1 resolve to 2026
DAY_A = day_text("Feb 1", shared("A", "EverMind-AI", 5), ANCHOR,
                 entry("Only On Day A", "Listed once."))
DAY_B = day_text("Mar 1", ANCHOR, shared("B", "EverMind", 9),
                 entry(FLASH, "A different abstract of the flash paper.", when="Dec 12, 2023 40"),
                 entry("Only On Day B", "Listed once too."))


def days_dir(tmp_path: Path, **texts: str) -> dict[str, Path]:
    return {name: write(tmp_path / "in" / f"{name}.txt", text) for name, text in texts.items()}


def paper(root: Path, pid: str) -> dict:
    return yaml.safe_load((root / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


def day(root: Path, when: str) -> dict:
    return yaml.safe_load((root / "content" / "days" / f"{when}.yaml").read_text("utf-8"))


def fresh(tmp_path: Path, name: str, *files: Path) -> dict[str, bytes]:
    """The content tree a fresh archive gets from importing `files` in one command."""
    root = new_archive(tmp_path / name)
    assert import_days(root, *files) == 0
    return tree(root / "content")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return new_archive(tmp_path / "archive")


@pytest.fixture(scope="module")
def real_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh archive with the three real days imported in one command (read-only)."""
    root = new_archive(tmp_path_factory.mktemp("real") / "archive")
    assert import_days(root, *REAL.values()) == 0
    return root


@pytest.fixture
def real_copy(real_archive: Path, tmp_path: Path) -> Path:
    """A private copy of `real_archive`, to import into."""
    return Path(shutil.copytree(real_archive, tmp_path / "archive"))


# -- the three real days ------------------------------------------------------
def test_real_days_give_the_shipped_archive(real_archive: Path) -> None:
    archive = real_archive
    content = archive / "content"
    for kind in ("days", "papers", "scraped"):
        assert tree(content / kind) == tree(SHIPPED / kind), kind
    assert len(list((content / "papers").glob("*.yaml"))) == 124
    for name, path in REAL.items():
        assert (content / "scraped" / f"{name}.txt").read_bytes() == path.read_bytes()
    counts = {name: len(day(archive, name)["papers"]) for name in REAL}
    assert counts == {"2026-01-08": 65, "2026-04-20": 60, "2026-05-20": 44}


def test_day_and_paper_files_hold_the_specified_fields(real_archive: Path) -> None:
    archive = real_archive
    first = day(archive, "2026-01-08")
    assert list(first) == ["date", "source", "papers"]
    assert first["source"] == "scraped/2026-01-08.txt"
    assert first["papers"][0] == {
        "id": "grounded-videollm-sharpening-fine-grained-temporal-grounding-in-video-0098a015",
        "upvotes": 2,
    }
    flash = paper(archive, FLASH_ID)
    assert list(flash) == ["id", "title", "abstract", "published", "authors", "links",
                           "first_seen", "last_seen"]
    assert (flash["title"], flash["authors"], str(flash["published"])) == (FLASH, 8, "2023-12-12")
    assert (str(flash["first_seen"]), str(flash["last_seen"])) == ("2026-01-08", "2026-04-20")
    msa = paper(archive, MSA_ID)
    assert msa["organization"] == {"slug": "EverMindAI", "name": "EverMind"}  # May 20 wins
    finecir = paper(archive, "finecir-explicit-parsing-of-fine-grained-modification-"
                             "semantics-for-fe851894")
    assert finecir["links"] == ["https://github.com/SDU-L/FineCIR"]


def test_reimport_changes_no_byte_and_no_mtime(real_copy: Path, capsys) -> None:
    archive = real_copy
    before = tree(archive)
    stamps = {p: p.stat().st_mtime_ns for p in (archive / "content").rglob("*.yaml")}
    capsys.readouterr()
    assert run(archive, "import", *REAL.values()) == 0
    assert capsys.readouterr().out == (
        "3 day(s): 0 new, 0 replaced, 3 unchanged; papers: 0 new, 0 updated, 0 removed; "
        "0 warning(s)\n")
    assert tree(archive) == before
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_one_day_twice_and_any_order(tmp_path: Path, real_archive: Path) -> None:
    names = list(REAL)
    reference = tree(real_archive / "content")
    root = new_archive(tmp_path / "one-by-one")
    for name in reversed(names):
        assert import_days(root, REAL[name]) == 0
    assert import_days(root, REAL[names[1]]) == 0
    assert tree(root / "content") == reference
    assert fresh(tmp_path, "twice", REAL[names[2]], *REAL.values(), REAL[names[0]]) == reference


def test_shipped_archive_reimports_to_itself(tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(SHIPPED, root / "content")
    before = tree(root)
    assert import_days(root, *sorted((root / "content" / "scraped").glob("*.txt"))) == 0
    assert tree(root) == before
    archive = load(ContentPaths(root), strict=True)
    assert (len(archive.days), len(archive.papers)) == (3, 124)


def test_a_folder_imports_every_txt_in_it(tmp_path: Path, archive: Path,
                                          real_archive: Path) -> None:
    folder = tmp_path / "drop"
    for name, path in REAL.items():
        write(folder / f"scrape-{name}.txt", path.read_bytes())
    write(folder / "README.md", "not a day")
    write(folder / ".partial.txt", b"")  # an editor's or a download's hidden leftover
    assert import_days(archive, folder) == 0
    assert tree(archive / "content") == tree(real_archive / "content")


# -- days that disagree: the latest day by date wins ---------------------------
def test_latest_day_by_date_wins_not_the_latest_import(tmp_path: Path, archive: Path) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B)
    assert import_days(archive, files["b"]) == 0
    assert import_days(archive, files["a"]) == 0
    got = paper(archive, SHARED_ID)
    assert got["abstract"] == "Version B of the abstract."
    assert got["organization"] == {"slug": "EverMindAI", "name": "EverMind"}
    assert (str(got["first_seen"]), str(got["last_seen"])) == ("2026-02-01", "2026-03-01")
    upvotes = {when: {p["id"]: p["upvotes"] for p in day(archive, when)["papers"]}
               for when in ("2026-02-01", "2026-03-01")}
    assert upvotes["2026-02-01"][SHARED_ID] == 5 and upvotes["2026-03-01"][SHARED_ID] == 9
    assert tree(archive / "content") == fresh(tmp_path, "ab", files["a"], files["b"])


def test_real_org_name_follows_the_latest_day(tmp_path: Path, archive: Path) -> None:
    assert import_days(archive, REAL["2026-05-20"]) == 0
    assert import_days(archive, REAL["2026-04-20"]) == 0
    msa = paper(archive, MSA_ID)
    assert msa["organization"]["name"] == "EverMind"
    assert str(msa["last_seen"]) == "2026-05-20"


def test_a_synthetic_day_between_real_ones_keeps_the_later_fields(tmp_path: Path,
                                                                  archive: Path) -> None:
    files = days_dir(tmp_path, b=DAY_B)
    assert import_days(archive, REAL["2026-04-20"], REAL["2026-01-08"]) == 0
    flash_before = (archive / "content" / "papers" / f"{FLASH_ID}.yaml").read_bytes()
    assert import_days(archive, files["b"]) == 0
    assert (archive / "content" / "papers" / f"{FLASH_ID}.yaml").read_bytes() == flash_before


# -- re-scrapes of a date already imported ------------------------------------
DAY_B2 = day_text("Mar 1", ANCHOR,
                  entry(FLASH, "Newest flash abstract.", when="Dec 12, 2023 64"))
DAY_A2 = day_text("Feb 1", ANCHOR, shared("A2", "EverMind-AI", 7),
                  entry("Only On Day A", "Listed."))
DAY_A0 = day_text("Jan 20", ANCHOR, shared("A0", "EverMind", 1))


def test_rescrape_replaces_the_day_and_drops_papers(tmp_path: Path, archive: Path,
                                                    capsys) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B, b2=DAY_B2)
    assert import_days(archive, files["a"], files["b"]) == 0
    capsys.readouterr()
    assert run(archive, "import", files["b2"]) == 0
    assert capsys.readouterr().out == (
        "1 day(s): 0 new, 1 replaced, 0 unchanged; papers: 0 new, 2 updated, 1 removed; "
        "0 warning(s)\n")
    got = paper(archive, SHARED_ID)  # dropped by Mar 1: back to Feb 1's version
    assert got["abstract"] == "Version A of the abstract."
    assert got["organization"]["name"] == "EverMind-AI"
    assert str(got["last_seen"]) == "2026-02-01"
    assert not (archive / "content" / "papers" / "only-on-day-b.yaml").exists()
    assert (archive / "content" / "scraped" / "2026-03-01.txt").read_bytes() == DAY_B2.encode()
    assert tree(archive / "content") == fresh(tmp_path, "ref", files["a"], files["b2"])


def test_rescrape_with_new_days_in_one_command(tmp_path: Path, archive: Path) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B, b2=DAY_B2, a0=DAY_A0, a2=DAY_A2)
    assert import_days(archive, files["a"], files["b"]) == 0
    assert import_days(archive, files["b2"], files["a0"]) == 0
    expected = fresh(tmp_path, "ref1", files["a0"], files["a"], files["b2"])
    assert tree(archive / "content") == expected
    assert str(paper(archive, SHARED_ID)["first_seen"]) == "2026-01-20"


def test_rescrapes_of_two_days_in_one_command(tmp_path: Path, archive: Path) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B, b2=DAY_B2, a2=DAY_A2)
    assert import_days(archive, files["a"], files["b"]) == 0
    assert import_days(archive, files["b2"], files["a2"]) == 0
    assert paper(archive, SHARED_ID)["abstract"] == "Version A2 of the abstract."
    assert tree(archive / "content") == fresh(tmp_path, "ref", files["a2"], files["b2"])


def test_rescrape_dropping_a_paper_of_a_day_imported_with_date(tmp_path: Path,
                                                               archive: Path) -> None:
    headless = shared("H", "EverMind", 3) + "\n"
    files = days_dir(tmp_path, h=headless, b=DAY_B, b2=DAY_B2)
    assert import_days(archive, files["h"], date="2026-02-10") == 0
    assert import_days(archive, files["b"]) == 0
    assert import_days(archive, files["b2"]) == 0
    got = paper(archive, SHARED_ID)
    assert got["abstract"] == "Version H of the abstract."
    assert str(got["published"]) == "2026-01-20"
    assert (str(got["first_seen"]), str(got["last_seen"])) == ("2026-02-10", "2026-02-10")


def test_two_snapshots_of_one_date_keep_the_later_one(tmp_path: Path) -> None:
    early = day_text("Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 3"))
    late = day_text("Mar 1", ANCHOR, entry("Rising Paper", "Text.", when="Feb 2 30"))
    files = days_dir(tmp_path, early=early, late=late)
    one = fresh(tmp_path, "one", files["early"], files["late"])
    two = fresh(tmp_path, "two", files["late"], files["early"])
    assert one == two
    assert one["days/2026-03-01.yaml"].decode().count("upvotes: 30") == 1


# -- damaged and hostile input -------------------------------------------------
def test_damaged_real_scrape_imports_with_warnings(tmp_path: Path, archive: Path,
                                                   capsys) -> None:
    raw = REAL["2026-05-20"].read_bytes()
    damaged = b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")[:-30]
    path = write(tmp_path / "in" / "cut.txt", damaged)
    assert run(archive, "import", path) == 0
    out, err = capsys.readouterr()
    assert "papers: 43 new" in out and "1 warning(s)" in out
    assert err.startswith(f"warning: {path}:")
    assert "cut off" in err
    assert (archive / "content" / "scraped" / "2026-05-20.txt").read_bytes() == damaged


def test_a_refused_file_writes_nothing(tmp_path: Path, archive: Path) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B)
    bad = write(tmp_path / "in" / "bad.txt", "Caf\u00e9\n".encode("latin-1"))
    assert import_days(archive, files["a"]) == 0
    before = tree(tmp_path)
    assert import_days(archive, files["b"], bad) == 1
    assert import_days(archive, files["b"], tmp_path / "in" / "missing.txt") == 1
    assert tree(tmp_path) == before


def test_titles_cannot_name_paths(tmp_path: Path, archive: Path) -> None:
    hostile = day_text("Mar 1", ANCHOR, entry("../../etc/passwd", "x."), entry("..", "y."),
                       entry("../../../outside", "z."), entry("/absolute/path", "w."))
    source = write(tmp_path / "in" / "h.txt", hostile)
    before = set(tmp_path.rglob("*"))
    assert import_days(archive, source) == 0
    created = set(tmp_path.rglob("*")) - before
    cache = archive / ".paperpress-cache"  # the archive's lock
    assert all((archive / "content") in p.parents for p in created if cache not in (p, *p.parents))
    names = sorted(p.name for p in (archive / "content" / "papers").iterdir())
    assert "etc-passwd.yaml" in names and "outside.yaml" in names
    assert paper(archive, "etc-passwd")["title"] == "../../etc/passwd"
    assert run(archive, "check", "--quiet") == 0


def test_hostile_org_slug_is_left_out(tmp_path: Path, archive: Path, capsys) -> None:
    text = day_text("Mar 1", ANCHOR, entry("Evil Org Paper", "x.", who="../x Evil", when="Feb 2"))
    assert run(archive, "import", write(tmp_path / "in" / "o.txt", text)) == 0
    assert "organization slug '../x' is not a valid slug" in capsys.readouterr().err
    assert "organization" not in paper(archive, "evil-org-paper")
    assert run(archive, "check", "--quiet") == 0


def test_hand_edited_day_naming_a_path_stops_a_rescrape(tmp_path: Path, archive: Path,
                                                        capsys) -> None:
    files = days_dir(tmp_path, b=DAY_B, b2=DAY_B2)
    assert import_days(archive, files["b"]) == 0
    day_file = archive / "content" / "days" / "2026-03-01.yaml"
    day_file.write_text(day_file.read_text() + "- id: ../../x\n  upvotes: 1\n")
    sentinel = write(archive / "x.yaml", "keep me\n")
    before = tree(tmp_path)
    capsys.readouterr()
    assert run(archive, "import", files["b2"]) == 1
    line = day_file.read_text().count("\n") - 1
    assert capsys.readouterr().err == (
        f"content/days/2026-03-01.yaml:{line}: not a valid paper id: '../../x'; "
        "fix it (paperpress check) and import again\n")
    assert tree(tmp_path) == before and sentinel.read_text() == "keep me\n"


def test_broken_yaml_in_a_day_stops_a_rescrape(tmp_path: Path, archive: Path, capsys) -> None:
    files = days_dir(tmp_path, b=DAY_B, b2=DAY_B2)
    assert import_days(archive, files["b"]) == 0
    day_file = archive / "content" / "days" / "2026-03-01.yaml"
    day_file.write_text("date: 2026-03-01\npapers: [\n")
    before = tree(tmp_path)
    capsys.readouterr()
    assert run(archive, "import", files["b2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("content/days/2026-03-01.yaml:3: YAML syntax:")
    assert tree(tmp_path) == before


# -- notes are the curator's ----------------------------------------------------
def test_import_never_touches_notes(tmp_path: Path, archive: Path, capsys) -> None:
    files = days_dir(tmp_path, a=DAY_A, b=DAY_B, b2=DAY_B2)
    assert import_days(archive, files["a"], files["b"]) == 0
    note = write(archive / "content" / "notes" / "only-on-day-b.md",
                 "---\npick: true\n---\nMine.\n")
    capsys.readouterr()
    assert run(archive, "import", files["b2"]) == 0
    assert note.read_bytes() == b"---\npick: true\n---\nMine.\n"
    err = capsys.readouterr().err
    assert "warning: content/notes/only-on-day-b.md: paper 'only-on-day-b' is in no day" in err


# -- any order, any grouping: the same tree ------------------------------------
SYNTHETIC = {"a": DAY_A, "b": DAY_B}


@pytest.fixture(scope="module")
def permutation_inputs(tmp_path_factory) -> tuple[list[Path], dict[str, bytes]]:
    base = tmp_path_factory.mktemp("perm")
    files = [*REAL.values()] + [write(base / "in" / f"{k}.txt", v) for k, v in SYNTHETIC.items()]
    root = new_archive(base / "reference")
    assert import_days(root, *files) == 0
    return files, tree(root / "content")


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_permutation_of_days_gives_the_same_tree(tmp_path_factory, permutation_inputs,
                                                     data) -> None:
    files, reference = permutation_inputs
    order = data.draw(st.permutations(files))
    again = data.draw(st.lists(st.sampled_from(files), max_size=2))
    cuts = data.draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    root = new_archive(tmp_path_factory.mktemp("perm-run") / "archive")
    batch: list[Path] = []
    for path, cut in zip([*order, *again], cuts + [True] * len(again), strict=True):
        batch.append(path)
        if cut:
            assert import_days(root, *batch) == 0
            batch = []
    if batch:
        assert import_days(root, *batch) == 0
    assert tree(root / "content") == reference


def test_titles_giving_one_id_are_one_paper(tmp_path: Path, archive: Path) -> None:
    first = day_text("Mar 1", ANCHOR, entry("LLM in a Flash", "First spelling.", when="Feb 2 4"),
                     entry("LLM  in a flash!", "Second spelling.", when="Feb 2 9"))
    later = day_text("Mar 2", ANCHOR, entry("LLM-in-a-Flash", "Later spelling.", when="Feb 2 1"))
    files = days_dir(tmp_path, first=first, later=later)
    assert import_days(archive, files["first"]) == 0
    assert day(archive, "2026-03-01")["papers"][1] == {"id": "llm-in-a-flash", "upvotes": 4}
    assert len(day(archive, "2026-03-01")["papers"]) == 2
    assert paper(archive, "llm-in-a-flash")["title"] == "LLM in a Flash"
    assert import_days(archive, files["later"]) == 0
    got = paper(archive, "llm-in-a-flash")
    assert (got["title"], got["abstract"]) == ("LLM-in-a-Flash", "Later spelling.")


def test_the_archives_own_undated_copy_reimports_by_its_name(tmp_path: Path,
                                                             archive: Path) -> None:
    headless = write(tmp_path / "in" / "2026-02-10.txt", shared("H", "EverMind", 3) + "\n")
    assert import_days(archive, headless) == 1  # named like a date, but not the archive's copy
    assert import_days(archive, headless, date="2026-02-10") == 0
    assert import_days(archive, REAL["2026-04-20"]) == 0
    before = tree(archive)
    assert import_days(archive, archive / "content" / "scraped") == 0
    assert tree(archive) == before

"""The source's JSON and saved listing pages imported beside text days: one paper, every field."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from archive_helpers import REAL, cli, day_text, entry, import_days, new_archive, tree, write

from generator.archive.content import load
from generator.core.paths import ContentPaths

API = Path(__file__).resolve().parent / "fixtures" / "api"
JSON_DAY = API / "2026-01-09.json"
PAGE = API / "listing-2026-01-09.html"
FLASH = "LLM in a flash: Efficient Large Language Model Inference with Limited Memory"
FLASH_ID = "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"


def paper(root: Path, pid: str = FLASH_ID) -> dict:
    return yaml.safe_load((root / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


def variant(tmp_path: Path, name: str, featured: str, **changes: object) -> Path:
    """The recorded day's first item (the flash paper) featured on another day, changed."""
    item = json.loads(JSON_DAY.read_text("utf-8"))[0]
    item["publishedAt"] = f"{featured}T00:00:00.000Z"
    item["paper"].update(changes)
    item["paper"] = {k: v for k, v in item["paper"].items() if v is not None}
    return write(tmp_path / "in" / name, json.dumps([item]))


def test_a_json_day_gives_every_source_field(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    result = cli("--root", root, "import", JSON_DAY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "52 new" in result.stdout or "1 new" in result.stdout
    content = root / "content"
    assert (content / "scraped" / "2026-01-09.json").read_bytes() == JSON_DAY.read_bytes()
    day = yaml.safe_load((content / "days" / "2026-01-09.yaml").read_text("utf-8"))
    assert day["source"] == "scraped/2026-01-09.json"
    assert len(day["papers"]) == 52 and day["papers"][0] == {"id": FLASH_ID, "upvotes": 142}
    flash = paper(root)
    assert flash["arxiv"] == "2312.11514"
    assert flash["authors"][:2] == ["Keivan Alizadeh", "Iman Mirzadeh"]
    assert len(flash["authors"]) == 8
    assert flash["github"] == "https://github.com/apple/ml-flash-inference"
    assert flash["project_page"].startswith("https://machinelearning.apple.com/")
    assert flash["keywords"][0] == "flash memory"
    assert flash["summary"].startswith("Storing LLM weights")
    assert flash["comments"] == 3
    assert flash["organization"] == {"slug": "apple", "name": "Apple"}
    assert str(flash["published"]) == "2023-12-12"
    assert "\n" not in flash["abstract"]  # folded to one line, as the text listing shows it
    assert list(flash)[:6] == ["id", "title", "abstract", "published", "organization", "authors"]
    loaded = load(ContentPaths(root)).papers[FLASH_ID]
    assert loaded.authors == 8 and loaded.author_names[-1] == "Mehrdad Farajtabar"
    assert cli("--root", root, "check", cwd=tmp_path).returncode == 0


@pytest.fixture(scope="module")
def mixed_orders(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    """Text, JSON, text: every order of importing them one by one, as content trees."""
    base = tmp_path_factory.mktemp("mixed")
    days = [REAL["2026-01-08"], JSON_DAY, REAL["2026-04-20"]]
    trees = []
    for number, order in enumerate(itertools.permutations(days)):
        root = new_archive(base / f"a{number}")
        for path in order:
            assert import_days(root, path) == 0
        trees.append(tree(root / "content"))
    together = new_archive(base / "together")
    assert import_days(together, *days) == 0
    return [*trees, tree(together / "content")]


def test_text_and_json_in_any_order_give_the_same_bytes(mixed_orders) -> None:
    assert all(t == mixed_orders[0] for t in mixed_orders[1:])


def test_a_later_text_day_keeps_what_the_json_gave(mixed_orders) -> None:
    flash = yaml.safe_load(mixed_orders[0][f"papers/{FLASH_ID}.yaml"])
    text = REAL["2026-04-20"].read_text("utf-8")
    assert flash["abstract"] in text.replace("\n\n", " ")  # the latest day's (a text day)
    assert str(flash["first_seen"]) == "2026-01-08" and str(flash["last_seen"]) == "2026-04-20"
    assert flash["arxiv"] == "2312.11514" and len(flash["authors"]) == 8
    assert flash["github"] and flash["keywords"] and flash["summary"] and flash["comments"] == 3


def test_each_source_field_comes_from_the_latest_day_that_has_it(tmp_path: Path) -> None:
    older = variant(tmp_path, "a.json", "2026-01-12", ai_keywords=["older"],
                    projectPage="https://old.example/")
    newer = variant(tmp_path, "b.json", "2026-01-15", ai_keywords=["newer"], projectPage=None,
                    githubRepo=None)
    days = [REAL["2026-01-08"], JSON_DAY, older, newer]
    trees = []
    for number, order in enumerate(itertools.permutations(days)):
        root = new_archive(tmp_path / f"a{number}")
        for path in order:
            assert import_days(root, path) == 0
        trees.append(tree(root / "content"))
    assert all(t == trees[0] for t in trees[1:])
    flash = yaml.safe_load(trees[0][f"papers/{FLASH_ID}.yaml"])
    assert flash["keywords"] == ["newer"]
    assert flash["project_page"] == "https://old.example/"
    assert flash["github"] == "https://github.com/apple/ml-flash-inference"


def test_one_copy_per_date_whatever_its_form(tmp_path: Path) -> None:
    """A text snapshot of the JSON's date with fewer upvotes gives way to it, either order."""
    text = write(tmp_path / "in" / "jan9.txt", day_text(
        "Jan 9", entry(FLASH, "A shorter abstract.", when="Dec 12, 2023 3"),
        entry("Anchor", "Dates the page.", when="Jan 2, 2026 1")))
    results = []
    for name, order in (("tj", (text, JSON_DAY)), ("jt", (JSON_DAY, text))):
        root = new_archive(tmp_path / name)
        for path in order:
            assert import_days(root, path) == 0
        scraped = sorted(p.name for p in (root / "content" / "scraped").iterdir()
                         if not p.name.startswith("."))
        assert scraped == ["2026-01-09.json"]
        results.append(tree(root / "content"))
    assert results[0] == results[1]


def test_the_listing_page_imports_its_embedded_list(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    result = cli("--root", root, "import", PAGE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (root / "content" / "scraped" / "2026-01-09.html").read_bytes() == PAGE.read_bytes()
    day = yaml.safe_load((root / "content" / "days" / "2026-01-09.yaml").read_text("utf-8"))
    assert day["source"] == "scraped/2026-01-09.html" and len(day["papers"]) == 6
    assert paper(root)["arxiv"] == "2312.11514"
    assert cli("--root", root, "check", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("name", "message"), [
    ("listing-without-data.html", 'no Daily Papers list in this page: looked for an element '
                                  'with data-target="DailyPapers"'),
    ("malformed.json", "malformed JSON"),
    ("missing-field.json", "item 2: missing required field paper.summary"),
    ("2026-01-10.json", "no papers in this response"),
])
def test_bad_source_files_are_one_line_and_write_nothing(tmp_path: Path, name: str,
                                                         message: str) -> None:
    root = new_archive(tmp_path / "archive")
    before = tree(root)
    result = cli("--root", root, "import", API / name, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(API / name)) and message in lines[0]
    assert "Traceback" not in result.stderr
    assert tree(root) == before


def test_a_folder_imports_every_form(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", REAL["2026-01-08"].read_bytes())
    write(folder / "b.json", JSON_DAY.read_bytes())
    root = new_archive(tmp_path / "archive")
    assert import_days(root, folder) == 0
    assert len(list((root / "content" / "days").glob("*.yaml"))) == 2


def test_a_paper_file_holds_a_count_or_names(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    assert import_days(root, REAL["2026-01-08"]) == 0
    path = root / "content" / "papers" / f"{FLASH_ID}.yaml"
    assert load(ContentPaths(root)).papers[FLASH_ID].authors == 8
    text = path.read_text("utf-8")
    path.write_text(text.replace("authors: 8", "authors: [Ada Lovelace, Alan Turing]"))
    loaded = load(ContentPaths(root)).papers[FLASH_ID]
    assert (loaded.authors, loaded.author_names) == (2, ("Ada Lovelace", "Alan Turing"))
    path.write_text(text.replace("authors: 8", "authors: 8\narxiv: not-an-id"))
    result = cli("--root", root, "check", cwd=tmp_path)
    assert result.returncode == 1
    assert "arxiv must be an arXiv id such as 2312.11514" in result.stderr


@pytest.mark.parametrize(("front", "expected"), [
    ("arxiv: 2312.11510", "2312.11510"),  # as written, though YAML reads a number
    ("arxiv: '2312.11514v2'", "2312.11514v2"),
    ("arxiv: hep-th/9901001", "hep-th/9901001"),
])
def test_a_note_sets_the_papers_arxiv_id(tmp_path: Path, front: str, expected: str) -> None:
    root = new_archive(tmp_path / "archive")
    assert import_days(root, REAL["2026-01-08"]) == 0
    write(root / "content" / "notes" / f"{FLASH_ID}.md", f"---\n{front}\n---\nGood.\n")
    archive = load(ContentPaths(root))
    assert archive.notes[FLASH_ID].arxiv == expected
    assert archive.arxiv(FLASH_ID) == expected


def test_a_notes_arxiv_id_overrides_the_sources(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    assert import_days(root, JSON_DAY) == 0
    assert load(ContentPaths(root)).arxiv(FLASH_ID) == "2312.11514"
    write(root / "content" / "notes" / f"{FLASH_ID}.md", "---\narxiv: '2312.11514v3'\n---\n")
    assert load(ContentPaths(root)).arxiv(FLASH_ID) == "2312.11514v3"


@pytest.mark.parametrize("value", ["'1234'", "arXiv:2312.11514", "'2312.11514 '", "[a]"])
def test_a_notes_bad_arxiv_id_is_one_line(tmp_path: Path, value: str) -> None:
    root = new_archive(tmp_path / "archive")
    assert import_days(root, REAL["2026-01-08"]) == 0
    write(root / "content" / "notes" / f"{FLASH_ID}.md", f"---\npick: true\narxiv: {value}\n---\n")
    result = cli("--root", root, "check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"content/notes/{FLASH_ID}.md:3: arxiv {yaml.safe_load(value)!r} is not an arXiv id: "
        "write it as 2312.11514 (a version such as v2 may follow) or hep-th/9901001, in quotes"]

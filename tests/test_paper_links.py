"""Every paper one click from the paper: its arXiv, PDF and Hugging Face pages when its
arXiv id is known (from the source's JSON, or a note), an arXiv title search when not."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from archive_helpers import day_text, entry, import_days, new_archive, run, write
from bs4 import BeautifulSoup

from generator.core.ids import paper_id

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "api"
FLASH = "LLM in a flash: Efficient Large Language Model Inference with Limited Memory"


def links(root: Path, pid: str) -> dict[str, str]:
    """The Links section of a built paper page: label to URL."""
    page = root / "site" / "papers" / pid / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    section = soup.find("section", attrs={"aria-labelledby": "links"})
    assert section is not None, pid
    return {item.get_text(" ", strip=True).split(":", 1)[0]: item.a["href"]
            for item in section.find_all("li")}


def facts(root: Path, pid: str) -> dict[str, str]:
    page = root / "site" / "papers" / pid / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
            for dt in soup.find_all("dt")}


def test_a_paper_from_the_sources_json_links_arxiv_pdf_hf_code_and_project(tmp_path: Path):
    root = new_archive(tmp_path / "archive")
    assert import_days(root, FIXTURES / "2026-01-09.json") == 0
    assert run(root, "build", "--quiet") == 0
    pid = paper_id(FLASH)
    found = links(root, pid)
    assert found["arXiv"] == "https://arxiv.org/abs/2312.11514"
    assert found["PDF"] == "https://arxiv.org/pdf/2312.11514"
    assert found["Hugging Face"] == "https://huggingface.co/papers/2312.11514"
    assert found["Code"] == "https://github.com/apple/ml-flash-inference"
    assert found["Project page"].startswith("https://machinelearning.apple.com/")
    assert "Search arXiv" not in found
    assert facts(root, pid)["Authors"].startswith("Keivan Alizadeh, Iman Mirzadeh, ")


def test_a_paper_without_an_id_gets_a_title_search_until_a_note_gives_one(tmp_path: Path):
    root = new_archive(tmp_path / "archive")
    title = "Sparse Mixtures & Their Discontents: A Study"
    day = write(tmp_path / "in" / "day.txt", day_text("Mar 2", entry(title, "Text.",
                                                                      when="Mar 1, 2026 3")))
    assert import_days(root, day) == 0
    assert run(root, "build", "--quiet") == 0
    pid = paper_id(title)
    found = links(root, pid)
    assert set(found) == {"Search arXiv"}
    search = urlsplit(found["Search arXiv"])
    assert (search.scheme, search.netloc, search.path) == ("https", "arxiv.org", "/search/")
    assert parse_qs(search.query) == {"query": [title], "searchtype": ["title"]}
    note = root / "content" / "notes" / f"{pid}.md"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text("---\narxiv: '2401.01234v2'\npublished: 2026-03-02\n---\nRead it.\n",
                    encoding="utf-8")
    assert run(root, "build", "--quiet") == 0
    found = links(root, pid)
    assert found["arXiv"] == "https://arxiv.org/abs/2401.01234v2"
    assert found["PDF"] == "https://arxiv.org/pdf/2401.01234v2"
    assert "Search arXiv" not in found

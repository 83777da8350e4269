"""What a reader sees of the source's richer data beyond the paper page: every listing card
links the paper on arXiv and names its first authors, every feed item carries the links and
the authors, and the paper page shows the source's AI summary, labelled, unless site.yaml
turns it off.

Archives are real folders imported and built with the real CLI under a subpath base URL;
pages are read with BeautifulSoup, feeds with feedparser, lxml and json.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from archive_helpers import REAL, cli, new_archive, write
from bs4 import BeautifulSoup
from test_feeds import ATOM, assert_feed_spec, parsed, xml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "api"
JSON_DAY = FIXTURES / "2026-01-09.json"
BASE = "https://example.org/archive/"
PREFIX = urlsplit(BASE).path
FLASH_ID = "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"
DC = "{http://purl.org/dc/elements/1.1/}"
FEEDS = ("feed.xml", "atom.xml", "feed.json")
MANY = 250  # authors of one paper: more than a feed item carries
NOTED_ARXIV = "2401.01234v2"


# -- helpers -------------------------------------------------------------------
def ok(*args: str | Path, cwd: Path) -> str:
    done = cli(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def build(root: Path) -> Path:
    ok("--root", root, "build", "--quiet", "--base-url", BASE, "--out", root / "site", cwd=root)
    return root / "site"


def papers(root: Path) -> dict[str, dict]:
    """Every paper file, as the content says, with the effective arXiv id of its note."""
    found = {p.stem: yaml.safe_load(p.read_text("utf-8"))
             for p in (root / "content" / "papers").glob("*.yaml")}
    for note in (root / "content" / "notes").glob("*.md"):
        front = yaml.safe_load(note.read_text("utf-8").split("---\n")[1]) or {}
        if front.get("arxiv") and note.stem in found:
            found[note.stem]["arxiv"] = front["arxiv"]
    return found


def names(paper: dict) -> list[str]:
    return paper["authors"] if isinstance(paper.get("authors"), list) else []


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def card_id(card) -> str:
    href = card.find(class_="card-title").a["href"]
    return href.removeprefix(PREFIX + "papers/").strip("/")


def listing_pages(out: Path) -> list[Path]:
    return [p for p in sorted(out.rglob("index.html"))
            if "papers" not in p.relative_to(out).parts]


def feed_items(data: bytes, kind: str) -> dict[str, dict]:
    """Each item of a feed by paper id: its guid/id, link, authors and content."""
    if kind == "feed.json":
        return {_pid(i["id"]): {"id": i["id"], "link": i["url"], "content": i["content_html"],
                                "authors": [a["name"] for a in i.get("authors", [])]}
                for i in json.loads(data)["items"]}
    root = xml(data)
    if kind == "feed.xml":
        return {_pid(i.findtext("guid")): {
            "id": i.findtext("guid"), "link": i.findtext("link"),
            "content": i.findtext("description"),
            "authors": [c.text for c in i.findall(f"{DC}creator")]}
            for i in root.find("channel").findall("item")}
    return {_pid(e.findtext(f"{ATOM}id")): {
        "id": e.findtext(f"{ATOM}id"), "link": e.find(f"{ATOM}link").get("href"),
        "content": e.findtext(f"{ATOM}content"),
        "authors": [a.findtext(f"{ATOM}name") for a in e.findall(f"{ATOM}author")]}
        for e in root.findall(f"{ATOM}entry")}


def _pid(guid: str) -> str:
    return urlsplit(guid).path.removeprefix(PREFIX + "papers/").split("/")[0]


def hrefs(content: str) -> list[str]:
    return [a["href"] for a in BeautifulSoup(content, "html.parser").find_all("a")]


def expected_links(paper: dict) -> list[str]:
    arxiv = paper.get("arxiv")
    found = ([f"https://arxiv.org/abs/{arxiv}", f"https://arxiv.org/pdf/{arxiv}",
              f"https://huggingface.co/papers/{arxiv}"] if arxiv else [])
    return found + [paper[key] for key in ("github", "project_page") if paper.get(key)]


def crowded_day(folder: Path) -> Path:
    """The recorded JSON day with its second paper given `MANY` authors."""
    items = json.loads(JSON_DAY.read_text("utf-8"))
    items[1]["paper"]["authors"] = [{"name": f"Author Number{n}"} for n in range(1, MANY + 1)]
    return write(folder / "2026-01-09.json", json.dumps(items))


# -- an archive of a text day and a JSON day, one text paper given an id by a note ------------
@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("display")
    root = new_archive(base / "archive")
    ok("--root", root, "import", "--quiet", REAL["2026-01-08"], crowded_day(base / "in"),
       cwd=base)
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("feed_size: 50", "feed_size: 500"),
                    encoding="utf-8")
    text_only = sorted(pid for pid, p in papers(root).items() if not p.get("arxiv"))
    write(root / "content" / "notes" / f"{text_only[0]}.md",
          f"---\narxiv: '{NOTED_ARXIV}'\npick: true\npublished: 2026-01-09\n---\nRead it.\n")
    write(root / "content" / "notes" / f"{FLASH_ID}.md",
          "---\npublished: 2026-01-09\n---\nThe curator's own words.\n")
    return root, build(root)


def test_every_card_links_arxiv_and_names_its_first_three_authors(mixed) -> None:
    root, out = mixed
    content = papers(root)
    seen = {"arxiv": 0, "none": 0, "et al.": 0, "count": 0}
    for page in listing_pages(out):
        for card in soup(page).find_all("article", class_="card"):
            paper = content[card_id(card)]
            meta = card.find("p", class_="meta")
            arxiv = [a for a in card.find_all("a") if "arxiv.org" in a["href"]]
            if paper.get("arxiv"):
                seen["arxiv"] += 1
                assert len(arxiv) == 1, page
                assert arxiv[0]["href"] == f"https://arxiv.org/abs/{paper['arxiv']}"
                assert arxiv[0].get_text() == "arXiv"
                label = arxiv[0]["aria-label"]  # says which paper, starting with what it shows
                assert label.startswith("arXiv") and " ".join(paper["title"].split()) in label
            else:
                seen["none"] += 1
                assert arxiv == [], page
            spans = [s.get_text(" ", strip=True) for s in meta.find_all("span", recursive=False)]
            authors = names(paper)
            if authors:
                shown = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
                assert shown in spans, (page, spans)
                seen["et al."] += len(authors) > 3
                assert not any(s.endswith(" authors") for s in spans)
                assert authors[3:4] == [] or authors[3] not in meta.get_text()
            else:
                seen["count"] += any(s.endswith(" authors") for s in spans)
    assert all(seen.values()), seen


def test_a_notes_arxiv_id_reaches_the_cards(mixed) -> None:
    _, out = mixed
    picks = soup(out / "picks" / "index.html")
    cards = picks.find_all("article", class_="card")
    assert len(cards) == 1
    assert cards[0].find("a", string="arXiv")["href"] == f"https://arxiv.org/abs/{NOTED_ARXIV}"


@pytest.mark.parametrize("kind", FEEDS)
def test_feed_items_carry_the_links_and_the_authors(mixed, kind: str) -> None:
    root, out = mixed
    content = papers(root)
    feeds = [p for p in sorted(out.rglob(kind))]
    assert len(feeds) > 10
    checked = 0
    for path in feeds:
        data = path.read_bytes()
        assert_feed_spec(path.name, data)
        if kind != "feed.json":
            parsed(data)
        for pid, item in feed_items(data, kind).items():
            paper = content[pid]
            assert item["id"] == item["link"]
            links = hrefs(item["content"])
            assert [h for h in links if h in expected_links(paper)] == expected_links(paper)
            assert "arxiv.org/search" not in item["content"]
            authors = names(paper)
            if authors:
                assert item["authors"] == authors[:10]
                checked += 1
            elif kind == "feed.json" and paper.get("organization"):
                assert item["authors"] == [paper["organization"]["name"]]  # as before
            else:
                assert item["authors"] == []
    assert checked


def test_rss_names_authors_with_dublin_core_and_feedparser_reads_them(mixed) -> None:
    root, out = mixed
    data = (out / "feed.xml").read_bytes()
    assert b'xmlns:dc="http://purl.org/dc/elements/1.1/"' in data
    assert b"<author>" not in data  # RSS's own element must be an email address
    entry = next(e for e in parsed(data).entries if FLASH_ID in e.id)
    assert [a["name"] for a in entry.authors] == names(papers(root)[FLASH_ID])


def test_a_paper_with_hundreds_of_authors_names_ten_in_feeds_and_all_on_its_page(mixed):
    root, out = mixed
    crowded = next(pid for pid, p in papers(root).items() if len(names(p)) == MANY)
    for kind in FEEDS:
        item = feed_items((out / kind).read_bytes(), kind)[crowded]
        assert item["authors"] == [f"Author Number{n}" for n in range(1, 11)]
    page = soup(out / "papers" / crowded / "index.html")
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text()
             for dt in page.find_all("dt")}
    assert facts["Authors"].count("Author Number") == MANY


def test_the_source_summary_sits_between_the_note_and_the_abstract(mixed) -> None:
    root, out = mixed
    flash = papers(root)[FLASH_ID]
    page = soup(out / "papers" / FLASH_ID / "index.html")
    headings = [h2.get_text(strip=True) for h2 in page.find("article").find_all("h2")]
    assert headings.index("Curator's note") + 1 == headings.index(
        "AI-generated summary from Hugging Face") == headings.index("Abstract") - 1
    section = page.find("section", attrs={"aria-labelledby": "source-summary"})
    assert section.find("h2")["id"] == "source-summary"
    assert section.p.get_text() == flash["summary"]
    for kind in FEEDS:  # kept out of feeds: they carry the abstract already
        assert flash["summary"] not in (out / kind).read_text("utf-8")


def test_site_yaml_turns_the_source_summary_off(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "archive")
    ok("--root", root, "import", "--quiet", JSON_DAY, cwd=tmp_path)
    out = build(root)
    page = out / "papers" / FLASH_ID / "index.html"
    assert soup(page).find(id="source-summary") is not None
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8") + "source_summary: false\n", encoding="utf-8")
    build(root)
    assert soup(page).find(id="source-summary") is None
    assert soup(page).find(id="abstract") is not None


@pytest.mark.parametrize("value", ['"no"', "1", "yes please", "[]"])
def test_a_bad_source_summary_setting_is_one_line_naming_file_and_line(tmp_path: Path,
                                                                       value: str) -> None:
    root = new_archive(tmp_path / "archive")
    site = root / "content" / "site.yaml"
    text = site.read_text("utf-8")
    site.write_text(text + f"source_summary: {value}\n", encoding="utf-8")
    line = text.count("\n") + 1
    for command in ("build", "check"):
        done = cli("--root", root, command, cwd=tmp_path)
        assert done.returncode == 1, done.stdout
        assert "Traceback" not in done.stderr
        problems = [ln for ln in done.stderr.splitlines() if "source_summary" in ln]
        assert len(problems) == 1, done.stderr
        assert f"site.yaml:{line}" in problems[0] and "true or false" in problems[0]


def test_feed_ids_and_links_stay_when_an_arxiv_id_is_learnt(tmp_path: Path) -> None:
    """A text day, then the source's JSON giving its papers their ids, then a note giving
    one to a paper the JSON does not list: no item's id or link changes, in any flavour."""
    root = new_archive(tmp_path / "archive")
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("feed_size: 50", "feed_size: 500"),
                    encoding="utf-8")
    ok("--root", root, "import", "--quiet", REAL["2026-01-08"], cwd=tmp_path)
    out = build(root)
    before = {kind: feed_items((out / kind).read_bytes(), kind) for kind in FEEDS}
    assert "arxiv.org/abs" not in before["feed.xml"][FLASH_ID]["content"]
    ok("--root", root, "import", "--quiet", JSON_DAY, cwd=tmp_path)
    text_only = sorted(pid for pid, p in papers(root).items()
                       if not p.get("arxiv") and pid in before["feed.xml"])
    write(root / "content" / "notes" / f"{text_only[0]}.md",
          f"---\narxiv: '{NOTED_ARXIV}'\n---\n")
    build(root)
    for kind in FEEDS:
        after = feed_items((out / kind).read_bytes(), kind)
        assert {pid: (item["id"], item["link"]) for pid, item in before[kind].items()} == {
            pid: (after[pid]["id"], after[pid]["link"]) for pid in before[kind]}
        assert "https://arxiv.org/abs/2312.11514" in hrefs(after[FLASH_ID]["content"])
        assert after[FLASH_ID]["authors"][0] == "Keivan Alizadeh"
        assert f"https://arxiv.org/abs/{NOTED_ARXIV}" in hrefs(after[text_only[0]]["content"])

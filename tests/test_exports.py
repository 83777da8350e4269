"""Exports as a reader's tools read them: cite.bib and day.bib parsed back with a BibTeX
parser, papers.json validated against its published schema, and the upvote sparkline's
numbers checked against the day files. Sites are built by the real CLI under a subpath."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import yaml
from archive_helpers import cli
from bs4 import BeautifulSoup
from pylatexenc.latex2text import LatexNodes2Text
from site_helpers import (
    ATTR_TITLE,
    HIDDEN_TITLE,
    RAW_TITLE,
    REAGENTS_TITLE,
    REPO,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    Site,
    paper_id,
    write_day,
    write_hostile_archive,
)

BASE = "https://example.org/sub/path/"
PREFIX = "/sub/path/"
SCHEMA = REPO / "docs" / "papers.schema.json"
# a title with every BibTeX special, TeX math and non-ASCII letters
HOSTILE_TITLE = (r"Braces {x} & 50% of snake_case #1: $x^2$ costs $5, a \ back ~ naïve Über"
                 r' "url":"x"')
HOSTILE_TITLE_BIB = (r"Braces \{x\} \& 50\% of snake\_case \#1: x² costs \$5, a "
                     r'\textbackslash{} back \textasciitilde{} naïve Über "url":"x"')
HOSTILE_AUTHORS = ["Zoë Ångström", "Ada {Lovelace} & Co_1", "Smith and Wesson"]
HOSTILE_AUTHORS_BIB = (r"Zoë Ångström and Ada \{Lovelace\} \& Co\_1 and "
                       r"{Smith and Wesson}")
# upvotes of ATTR_TITLE's days: the hostile archive's two, one more here; a day that
# counted no upvotes at all (every 0) is left out
ATTR_UPVOTES = {"2026-01-02": 7, "2026-02-03": 8, "2026-02-04": 20}


def _add_hostile_paper(root: Path) -> str:
    pid = "hostile-bibtex-title"
    paper = {"id": pid, "title": HOSTILE_TITLE, "abstract": "Escaping, tested.",
             "published": "2025-12-30", "authors": HOSTILE_AUTHORS,
             "first_seen": "2026-02-04", "last_seen": "2026-02-04"}
    text = yaml.safe_dump(paper, sort_keys=False, allow_unicode=True)
    text = re.sub(r"'(\d{4}-\d\d-\d\d)'", r"\1", text)
    (root / "content" / "papers" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return pid


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The hostile archive plus a paper with a hostile title and a third day for one paper,
    built with `paperpress build` under a subpath."""
    root = write_hostile_archive(tmp_path_factory.mktemp("exports"))
    pid = _add_hostile_paper(root)
    write_day(root, "2026-02-04", [(ATTR_TITLE, 20), (SCRIPT_TITLE, 5)])
    (root / "content" / "days" / "2026-02-04.yaml").write_text(
        (root / "content" / "days" / "2026-02-04.yaml").read_text(encoding="utf-8")
        + f"- id: {pid}\n  upvotes: 2\n", encoding="utf-8")
    write_day(root, "2026-02-05", [(ATTR_TITLE, 0)])
    out = root / "site"
    done = cli("--root", root, "build", "--quiet", "--base-url", BASE, cwd=root)
    assert done.returncode == 0, done.stderr
    return Site(root, out, BASE)


def parse_bib(site: Site, location: str) -> list:
    library = bibtexparser.parse_string(site.file(location).read_text(encoding="utf-8"))
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library.entries


def fields(entry) -> dict[str, str]:
    return {f.key: f.value for f in entry.fields}


# -- BibTeX -------------------------------------------------------------------
def test_cite_bib_escapes_every_special_and_reads_back_as_the_paper(site: Site) -> None:
    [entry] = parse_bib(site, "papers/hostile-bibtex-title/cite.bib")
    got = fields(entry)
    assert entry.entry_type == "misc"
    assert got["title"] == HOSTILE_TITLE_BIB
    assert got["author"] == HOSTILE_AUTHORS_BIB
    assert got["year"] == "2025"
    assert got["url"] == f"{BASE}papers/hostile-bibtex-title/"
    assert "eprint" not in got
    # LaTeX reads the title as the text the page shows
    shown = site.soup("papers/hostile-bibtex-title/").h1.get_text()
    assert LatexNodes2Text().latex_to_text(got["title"]) == shown
    names = [LatexNodes2Text().latex_to_text(n).strip("{}")
             for n in re.split(r" and (?![^{]*\})", got["author"])]
    assert names == HOSTILE_AUTHORS
    assert re.fullmatch(r"angstrom2025braces-[0-9a-f]{4}", entry.key)


def test_cite_bib_of_an_arxiv_paper_names_the_eprint(site: Site) -> None:
    pid = paper_id(TEMPLATE_TITLE)
    [entry] = parse_bib(site, f"papers/{pid}/cite.bib")
    got = fields(entry)
    assert (got["eprint"], got["archivePrefix"]) == ("2602.01234", "arXiv")
    assert got["url"] == "https://arxiv.org/abs/2602.01234"
    assert got["title"] == r"\{\{ 7*7 \}\}"
    assert got["year"] == "2026"


def test_every_visible_paper_has_a_cite_bib_and_hidden_ones_none(site: Site) -> None:
    papers = sorted(p.stem for p in (site.root / "content" / "papers").glob("*.yaml"))
    hidden = paper_id(HIDDEN_TITLE)
    for pid in papers:
        assert site.exists(f"papers/{pid}/cite.bib") == (pid != hidden), pid
    keys = [parse_bib(site, f"papers/{pid}/cite.bib")[0].key for pid in papers if pid != hidden]
    assert len(set(keys)) == len(keys)


def test_day_bib_holds_exactly_the_days_visible_papers(site: Site) -> None:
    for day in ("2026-01-01", "2026-01-02", "2026-02-03", "2026-02-04"):
        listed = yaml.safe_load((site.root / "content" / "days" / f"{day}.yaml")
                                .read_text(encoding="utf-8"))["papers"]
        expected = [e["id"] for e in listed if e["id"] != paper_id(HIDDEN_TITLE)]
        entries = parse_bib(site, f"days/{day}/day.bib")
        cites = [parse_bib(site, f"papers/{pid}/cite.bib")[0] for pid in expected]
        assert [e.key for e in entries] == [c.key for c in cites], day
        assert [fields(e) for e in entries] == [fields(c) for c in cites], day


def test_pages_link_their_exports_under_the_subpath(site: Site) -> None:
    pid = paper_id(ATTR_TITLE)
    checks = {f"papers/{pid}/": f"papers/{pid}/cite.bib",
              "days/2026-01-02/": "days/2026-01-02/day.bib",
              "": "papers.json", "archive/": "papers.json"}
    for page, target in checks.items():
        hrefs = [a["href"] for a in site.soup(page).find_all("a", href=True)]
        assert PREFIX + target in hrefs, (page, target)
        assert site.exists(target)
    hidden = site.soup(f"papers/{paper_id(HIDDEN_TITLE)}/")
    assert not [a for a in hidden.find_all("a", href=True) if a["href"].endswith(".bib")]


def test_exports_stay_out_of_the_sitemap(site: Site) -> None:
    sitemap = site.file("sitemap.xml").read_text(encoding="utf-8")
    assert ".bib" not in sitemap and "papers.json" not in sitemap


# -- papers.json ----------------------------------------------------------------
def test_papers_json_follows_its_schema_and_holds_every_visible_paper(site: Site) -> None:
    data = json.loads(site.file("papers.json").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert data["version"] == 1
    ids = [p["id"] for p in data["papers"]]
    every = sorted(p.stem for p in (site.root / "content" / "papers").glob("*.yaml"))
    assert ids == [pid for pid in every if pid != paper_id(HIDDEN_TITLE)]
    by_id = {p["id"]: p for p in data["papers"]}
    attr = by_id[paper_id(ATTR_TITLE)]
    assert [(d["date"], d["upvotes"]) for d in attr["days"]] == [
        *ATTR_UPVOTES.items(), ("2026-02-05", None)]
    assert attr["pick"] is True and attr["note"].startswith("Pick note with")
    assert attr["url"] == f"{BASE}papers/{paper_id(ATTR_TITLE)}/"
    assert by_id[paper_id(TEMPLATE_TITLE)]["arxiv"] == "2602.01234"
    assert by_id["hostile-bibtex-title"]["authors"] == HOSTILE_AUTHORS
    assert by_id["hostile-bibtex-title"]["title"] == HOSTILE_TITLE.replace("$x^2$", "x²")
    # ranks are the site's: the hidden paper on 2026-01-02 takes none
    script = by_id[paper_id(SCRIPT_TITLE)]
    assert [(d["date"], d["rank"]) for d in script["days"]][:2] == [
        ("2026-01-01", 1), ("2026-01-02", 1)]


def test_the_readme_documents_the_schema() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/papers.schema.json" in readme
    assert '"version": 1' in readme
    for name in json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["paper"]["required"]:
        assert f"`{name}`" in readme, name


# -- the upvote sparkline -----------------------------------------------------------
def test_the_sparkline_shows_the_upvotes_of_the_day_files(site: Site) -> None:
    pid = paper_id(ATTR_TITLE)
    svg = site.soup(f"papers/{pid}/").select_one(".sparkline svg")
    from_files = {}
    for day in ATTR_UPVOTES:
        listed = yaml.safe_load((site.root / "content" / "days" / f"{day}.yaml")
                                .read_text(encoding="utf-8"))["papers"]
        from_files[day] = next(e["upvotes"] for e in listed if e["id"] == pid)
    label = svg["aria-label"]
    assert svg["role"] == "img" and svg.title.get_text() == label
    said = {d: int(n) for n, d in re.findall(r"(\d+) on (\d{4}-\d\d-\d\d)", label)}
    assert said == from_files == ATTR_UPVOTES
    points = [tuple(map(float, p.split(","))) for p in svg.polyline["points"].split()]
    height, pad = float(svg["height"]), 2
    values = [round((height - pad - y) / (height - 2 * pad) * max(from_files.values()))
              for _, y in points]
    assert values == list(from_files.values())
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and xs[0] == 0 and xs[-1] == float(svg["width"])


@pytest.mark.parametrize(("title", "upvotes"), [(RAW_TITLE, 3), (REAGENTS_TITLE, 0)])
def test_a_paper_listed_once_shows_a_plain_number(site: Site, title: str,
                                                  upvotes: int) -> None:
    found = site.soup(f"papers/{paper_id(title)}/").select_one(".sparkline")
    assert found.svg is None
    assert " ".join(found.get_text().split()) == f"Upvotes: {upvotes}"


def test_no_sparkline_where_no_day_counted_upvotes(tmp_path: Path) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    for day in (root / "content" / "days").glob("*.yaml"):
        day.write_text(re.sub(r"upvotes: \d+", "upvotes: 0", day.read_text(encoding="utf-8")),
                       encoding="utf-8")
    done = cli("--root", root, "build", "--quiet", cwd=root)
    assert done.returncode == 0, done.stderr
    page = BeautifulSoup((root / "site" / "papers" / paper_id(ATTR_TITLE) / "index.html")
                         .read_text(encoding="utf-8"), "html.parser")
    assert page.select_one(".sparkline") is None
    data = json.loads((root / "site" / "papers.json").read_text(encoding="utf-8"))
    assert all(d["upvotes"] is None for p in data["papers"] for d in p["days"])

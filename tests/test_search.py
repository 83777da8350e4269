"""Search with no server: the Pagefind index the build writes, read back and used.

The index is built by the real CLI (or the shipped site's build), its fragments are
read back as Pagefind stores them, and the search page is used in Chromium under the
`/repo/` subpath: a word of an abstract finds its paper, a topic filter narrows the
results, the header's box carries its words to the search page. The dev server keeps
search working after a save.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from site_helpers import REPO, Site, Visit
from test_browser import axe_problems
from test_serve import EventStream, Served

ENTRY = "pagefind/all/pagefind-entry.json"  # the shipped archive fits one index
NOTE = """---
pick: true
tags: [quokkalike]
published: 2026-05-21
---
The zyzzogeton trick here is worth a look.
"""


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def archive(tmp_path: Path) -> tuple[Path, str, str]:
    """The shipped archive with a picked, noted paper and a hidden one: (root, pick, hidden)."""
    root = tmp_path / "archive"
    shutil.copytree(REPO / "content", root / "content")
    ids = sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml"))
    pick, hidden = ids[0], ids[1]
    notes = root / "content" / "notes"
    notes.mkdir(exist_ok=True)
    (notes / f"{pick}.md").write_text(NOTE, encoding="utf-8")
    (notes / f"{hidden}.md").write_text("---\nhidden: true\n---\n", encoding="utf-8")
    return root, pick, hidden


def fragments(out: Path, year: str = "*") -> dict[str, dict]:
    """The index's page records, by URL, as Pagefind stores them (gzip, then a marker),
    from every year's bundle or one's."""
    found = {}
    for path in (out / "pagefind").glob(f"{year}/fragment/*"):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[data.index(b"{"):])
        found[record["url"]] = record
    return found


def visible_papers(root: Path, hidden: set[str]) -> set[str]:
    return {p.stem for p in (root / "content" / "papers").glob("*.yaml")} - hidden


# -- the index ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    tmp = tmp_path_factory.mktemp("indexed")
    root, pick, hidden = archive(tmp)
    out = tmp / "site"
    done = cli(root, "build", "--out", str(out), "--base-url", "https://example.org/repo/")
    assert done.returncode == 0, done.stderr
    return root, out, pick, hidden


def test_only_visible_paper_pages_are_indexed(indexed: tuple[Path, Path, str, str]) -> None:
    root, out, _, hidden = indexed
    found = fragments(out)
    assert set(found) == {f"/papers/{pid}/" for pid in visible_papers(root, {hidden})}


def test_a_paper_is_indexed_by_what_a_reader_searches_and_nothing_else(
        indexed: tuple[Path, Path, str, str]) -> None:
    root, out, pick, _ = indexed
    record = fragments(out)[f"/papers/{pick}/"]
    paper = yaml.safe_load((root / "content" / "papers" / f"{pick}.yaml").read_text())
    content = record["content"]
    assert "zyzzogeton" in content and "quokkalike" in content  # the note, the tags
    assert " ".join(paper["abstract"].split()[:6]) in content
    assert record["meta"]["title"] == " ".join(paper["title"].split())
    for heading in ("Listed on", "Links", "Curator's note", "Abstract", "First listed",
                    "Published", "Subscribe"):
        assert heading not in content, heading
    filters = record["filters"]
    assert filters["pick"] == ["Pick"]
    assert filters["year"] == [str(paper["first_seen"])[:4]]
    assert set(filters) <= {"topic", "organization", "year", "pick"}


def test_topic_and_organization_filters_match_the_pages(
        indexed: tuple[Path, Path, str, str]) -> None:
    _, out, _, _ = indexed
    for url, record in fragments(out).items():
        html = (out / url.strip("/") / "index.html").read_text(encoding="utf-8")
        for topic in record["filters"].get("topic", []):
            assert f'data-pagefind-filter="topic">{topic}</a>' in html, url
        assert "pick" not in record["filters"] or ">Pick</strong>" in html


def test_paper_pages_carry_their_sort_keys(indexed: tuple[Path, Path, str, str]) -> None:
    """Sort by upvotes (the best day's) and by the first day listed."""
    root, out, pick, _ = indexed
    days = [yaml.safe_load(p.read_text()) for p in (root / "content" / "days").glob("*.yaml")]
    votes = [e.get("upvotes", 0) for d in days for e in d["papers"] if e["id"] == pick]
    html = (out / "papers" / pick / "index.html").read_text(encoding="utf-8")
    assert f'data-pagefind-sort="upvotes:{max(votes)}"' in html
    first = min(str(d["date"]) for d in days if any(e["id"] == pick for e in d["papers"]))
    assert f'data-pagefind-sort="date:{first}"' in html


def test_index_files_are_owned_by_the_build(indexed: tuple[Path, Path, str, str]) -> None:
    """Every index file is in the manifest, so the next build takes the folder as its own."""
    _, out, _, _ = indexed
    manifest = set((out / ".paperpress-manifest").read_text().splitlines())
    index = {p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*")
             if p.is_file()}
    assert f"{ENTRY}" in index and index <= manifest


def test_page_fragments_are_the_same_in_two_builds(indexed: tuple[Path, Path, str, str],
                                                   tmp_path: Path) -> None:
    root, out, _, _ = indexed
    other = tmp_path / "other"
    done = cli(root, "build", "--out", str(other), "--base-url", "https://example.org/repo/")
    assert done.returncode == 0, done.stderr

    def read(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (folder / "pagefind").glob("*/fragment/*")}

    assert read(other) == read(out)


# -- builds: incremental, --no-search, failures --------------------------------------
def index_stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in (out / "pagefind").rglob("*") if p.is_file()}


def test_an_unchanged_rebuild_does_not_index_again_and_a_change_does(tmp_path: Path) -> None:
    root, pick, _ = archive(tmp_path)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    before = index_stamps(out)
    done = cli(root, "build", "--out", str(out), "--verbose")
    assert done.returncode == 0 and " 0 rendered" in done.stdout
    assert index_stamps(out) == before
    note = root / "content" / "notes" / f"{pick}.md"
    note.write_text(note.read_text().replace("zyzzogeton", "xylophonist"), encoding="utf-8")
    assert cli(root, "build", "--out", str(out)).returncode == 0
    assert index_stamps(out)[ENTRY] != before[ENTRY]
    found = fragments(out)[f"/papers/{pick}/"]["content"]
    assert "xylophonist" in found and "zyzzogeton" not in found


def test_a_damaged_index_is_made_again(tmp_path: Path) -> None:
    root, _, _ = archive(tmp_path)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    (out / ENTRY).unlink()
    assert cli(root, "build", "--out", str(out)).returncode == 0
    assert (out / ENTRY).is_file()


def test_the_index_made_while_rendering_equals_the_one_made_after(tmp_path: Path) -> None:
    """A cold build starts Pagefind as soon as its paper pages are staged; a rebuild that
    only replaces a lost index runs it over the written site. Same records either way."""
    root, _, _ = archive(tmp_path)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    assert not list(tmp_path.glob(".site.*")), "a staging folder was left beside the output"
    during = {p.name: p.read_bytes() for p in (out / "pagefind").glob("*/fragment/*")}
    shutil.rmtree(out / "pagefind")
    done = cli(root, "build", "--out", str(out), "--verbose")
    assert done.returncode == 0 and " 0 rendered" in done.stdout, done.stdout
    after = {p.name: p.read_bytes() for p in (out / "pagefind").glob("*/fragment/*")}
    assert during and during == after


def failing_pagefind(tmp_path: Path) -> dict[str, str]:
    """An environment whose Pagefind prints a complaint and exits 3."""
    fake = tmp_path / "fake"
    (fake / "pagefind_bin").mkdir(parents=True)
    script = fake / "pagefind"
    script.write_text("#!/bin/sh\necho 'Error: the disk said no' >&2\nexit 3\n")
    script.chmod(0o755)
    (fake / "pagefind_bin" / "__init__.py").write_text(
        f"def get_executable():\n    return {str(script)!r}\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(REPO)])}


@pytest.mark.parametrize("build", ["cold", "rebuild"])
def test_a_failing_pagefind_leaves_the_pages_written_and_says_so(tmp_path: Path,
                                                                 build: str) -> None:
    """Whether Pagefind ran beside the render (cold) or after it (a rebuild), the pages
    are in place, nothing is left beside the output, and one line gives its words."""
    root, pick, _ = archive(tmp_path)
    out = tmp_path / "site"
    if build == "rebuild":
        assert cli(root, "build", "--out", str(out), "--no-search").returncode == 0
        assert cli(root, "build", "--out", str(out)).returncode == 0
        shutil.rmtree(out / "pagefind")
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build",
                           "--out", str(out)], capture_output=True, text=True,
                          env=failing_pagefind(tmp_path), timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Pagefind exit 3" in lines[0] and "disk said no" in lines[0]
    assert (out / "papers" / pick / "index.html").is_file()
    assert not (out / "pagefind").exists()
    assert not list(tmp_path.glob(".site.*"))


def test_no_search_leaves_no_index_box_or_search(tmp_path: Path) -> None:
    root, _, _ = archive(tmp_path)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out), "--no-search").returncode == 0
    assert not (out / "pagefind").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'role="search"' not in home
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert "Search is not available" in page and "pagefind" not in page


@pytest.mark.parametrize("first", ["incremental", "cold"])
def test_turning_search_off_removes_the_index_and_on_brings_it_back(
        tmp_path: Path, first: str) -> None:
    root, pick, _ = archive(tmp_path)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    if first == "cold":
        shutil.rmtree(root / ".paperpress-cache")
    done = cli(root, "build", "--out", str(out), "--no-search")
    assert done.returncode == 0, done.stderr
    assert not (out / "pagefind").exists()
    assert "pagefind/" not in (out / ".paperpress-manifest").read_text()
    done = cli(root, "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"/papers/{pick}/" in fragments(out)


def test_a_missing_pagefind_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """The wheel's binary gone (a broken install): one line naming the way out."""
    root, _, _ = archive(tmp_path)
    fake = tmp_path / "fake"
    (fake / "pagefind_bin").mkdir(parents=True)
    (fake / "pagefind_bin" / "__init__.py").write_text(
        "def get_executable():\n    raise FileNotFoundError('gone')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(REPO)])}
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Pagefind" in lines[0] and "--no-search" in lines[0], lines


def test_an_archive_with_nothing_listed_builds_without_an_index(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    done = subprocess.run([sys.executable, "-m", "generator", "init", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert (root / "content").is_dir(), done.stderr
    done = cli(root, "build")
    assert done.returncode == 0, done.stderr
    assert not (root / "site" / "pagefind").exists()
    page = (root / "site" / "search" / "index.html").read_text(encoding="utf-8")
    assert "Search is not available" in page


# -- in the browser, under a subpath -------------------------------------------------
def known_word(site: Site, among: set[str] | None = None) -> tuple[str, str]:
    """A word of one paper's abstract (of one `among`) found in no other paper's file:
    (word, paper id)."""
    papers = {p.stem: p.read_text(encoding="utf-8").lower()
              for p in (site.root / "content" / "papers").glob("*.yaml")}
    for pid, text in sorted(papers.items()):
        if among is not None and pid not in among:
            continue
        abstract = yaml.safe_load(text)["abstract"].lower()
        for word in sorted(set(re.findall(r"\b[a-z]{9,}\b", abstract))):
            stem = word[:7]
            if not any(stem in other for o, other in papers.items() if o != pid):
                return word, pid
    raise AssertionError("no word of one abstract alone")


def results(seen: Visit) -> list[str]:
    page = seen.page
    page.wait_for_selector(".pagefind-ui__result-link", timeout=60_000)
    return [a.get_attribute("href") for a in page.query_selector_all(".pagefind-ui__result-link")]


def result_count(seen: Visit, previous: str | None = None) -> int:
    """The number Pagefind's message gives, once it differs from `previous`."""
    message = seen.page.locator(".pagefind-ui__message")
    if previous is not None:
        seen.page.wait_for_function(
            "(old) => { const m = document.querySelector('.pagefind-ui__message');"
            " return m && m.textContent.trim() && m.textContent.trim() !== old; }",
            arg=previous, timeout=20_000)
    text = message.text_content() or ""
    found = re.match(r"\s*(\d+) result", text)
    assert found, text
    return int(found.group(1))


def test_a_word_of_an_abstract_finds_its_paper_and_the_link_opens_it(
        shipped_site: Site, visit: Callable[..., Visit]) -> None:
    word, pid = known_word(shipped_site)
    seen = visit(shipped_site.base_url + "search/")
    assert not seen.page.locator("#search-needs-js").is_visible()
    seen.page.fill(".pagefind-ui__search-input", word)
    links = results(seen)
    target = f"{shipped_site.prefix}papers/{pid}/"
    assert target in links, (word, links)
    seen.page.click(f'.pagefind-ui__result-link[href="{target}"]')
    seen.page.wait_for_url(shipped_site.base_url + f"papers/{pid}/")
    assert seen.page.locator("main h1").is_visible()
    assert not seen.problems, seen.problems


def test_a_topic_filter_narrows_the_results(shipped_site: Site,
                                            visit: Callable[..., Visit]) -> None:
    seen = visit(shipped_site.base_url + "search/?q=language")
    results(seen)
    total = result_count(seen)
    topic = seen.page.locator(".pagefind-ui__filter-block", has_text="topic")
    topic.locator("summary").click()
    topic.locator("input[type=checkbox]").first.check()
    narrowed = result_count(seen, seen.page.locator(".pagefind-ui__message").text_content())
    assert 0 < narrowed < total
    assert not seen.problems, seen.problems


def test_the_header_box_carries_its_words_to_the_search_page(
        shipped_site: Site, visit: Callable[..., Visit]) -> None:
    word, pid = known_word(shipped_site)
    seen = visit(shipped_site.base_url)
    seen.page.fill("#site-search", word)
    seen.page.press("#site-search", "Enter")
    seen.page.wait_for_url(re.compile(re.escape(shipped_site.base_url + "search/") + r"\?q="))
    assert f"{shipped_site.prefix}papers/{pid}/" in results(seen)
    assert seen.page.input_value(".pagefind-ui__search-input") == word
    assert not seen.problems, seen.problems


def test_sorting_by_upvotes_puts_the_most_upvoted_first(
        shipped_site: Site, visit: Callable[..., Visit]) -> None:
    seen = visit(shipped_site.base_url + "search/?q=language")
    results(seen)
    with seen.page.expect_navigation():  # the order is part of the address
        seen.page.select_option("#search-sort", "upvotes")
    assert seen.page.url.endswith("search/?q=language&sort=upvotes")
    assert seen.page.input_value("#search-sort") == "upvotes"
    links = results(seen)
    votes = [int(re.search(r'data-pagefind-sort="upvotes:(\d+)"',
                           shipped_site.file(shipped_site.location_of(link)).read_text())[1])
             for link in links]
    assert votes == sorted(votes, reverse=True), votes


@pytest.mark.parametrize(("scheme", "width"), [("light", 1100), ("dark", 390)])
def test_the_search_page_with_results_is_accessible_and_fits_a_phone(
        shipped_site: Site, visit: Callable[..., Visit], scheme: str, width: int) -> None:
    seen = visit(shipped_site.base_url + "search/?q=language", scheme=scheme, width=width)
    results(seen)
    assert not axe_problems(seen.page)
    assert seen.page.evaluate("document.documentElement.scrollWidth") <= width
    assert not seen.problems, seen.problems


def test_the_search_page_without_javascript_points_to_the_archive(
        shipped_site: Site, browser: object) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(shipped_site.base_url + "search/?q=language")
        needs = page.locator("#search-needs-js")
        assert needs.is_visible() and "Search needs JavaScript" in needs.inner_text()
        needs.get_by_role("link", name="archive").click()
        page.wait_for_url(shipped_site.base_url + "archive/")
    finally:
        context.close()


# -- one bundle per year -------------------------------------------------------------
EARLY = "2026-01-08"  # the shipped archive's first day, moved back into 2025


def two_years(root: Path, split: bool = True) -> tuple[set[str], set[str]]:
    """Move the archive's first day to the last days of 2025: its papers are then first
    listed in 2025, the others in 2026; with `split`, a site.yaml that gives each year its
    own index (as an archive past `search_one_index` papers has). (2025's, 2026's ids)."""
    if split:
        settings = root / "content" / "site.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "search_one_index: 1\n",
                            encoding="utf-8")
    days = root / "content" / "days"
    text = (days / f"{EARLY}.yaml").read_text(encoding="utf-8")
    (days / f"{EARLY}.yaml").unlink()
    (days / "2025-12-30.yaml").write_text(text.replace(f"date: {EARLY}", "date: 2025-12-30"),
                                          encoding="utf-8")
    early = {e["id"] for e in yaml.safe_load(text)["papers"]}
    every = {p.stem for p in (root / "content" / "papers").glob("*.yaml")}
    return early, every - early


def urls_of(ids: set[str]) -> set[str]:
    return {f"/papers/{pid}/" for pid in ids}


def test_each_year_gets_its_bundle_and_a_note_edit_reindexes_its_year_only(
        tmp_path: Path) -> None:
    root, pick, hidden = archive(tmp_path)
    early, late = two_years(root)
    out = tmp_path / "site"
    done = cli(root, "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2025", "2026"]
    assert set(fragments(out, "2025")) == urls_of(early - {hidden})
    assert set(fragments(out, "2026")) == urls_of(late - {hidden})
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-bundles="/paperpress/pagefind/2026/ /paperpress/pagefind/2025/"' in page
    edited, kept = ("2025", "2026") if pick in early else ("2026", "2025")
    before = index_stamps(out)
    note = root / "content" / "notes" / f"{pick}.md"
    note.write_text(note.read_text().replace("zyzzogeton", "xylophonist"), encoding="utf-8")
    done = cli(root, "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    after = index_stamps(out)
    assert {n: t for n, t in after.items() if n.startswith(f"pagefind/{kept}/")} \
        == {n: t for n, t in before.items() if n.startswith(f"pagefind/{kept}/")}
    assert after[f"pagefind/{edited}/pagefind-entry.json"] \
        != before[f"pagefind/{edited}/pagefind-entry.json"]
    assert "xylophonist" in fragments(out, edited)[f"/papers/{pick}/"]["content"]


def test_an_archive_within_the_limit_has_one_index_over_every_year(tmp_path: Path) -> None:
    """Two years, but fewer papers than `search_one_index`: one bundle, so a sort by
    upvotes or date orders every result, not each year's apart."""
    root, _, hidden = archive(tmp_path)
    early, late = two_years(root, split=False)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["all"]
    assert set(fragments(out, "all")) == urls_of((early | late) - {hidden})
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-bundles="/paperpress/pagefind/all/"' in page


def test_a_year_whose_papers_are_all_hidden_loses_its_bundle(tmp_path: Path) -> None:
    root, _, _ = archive(tmp_path)
    early, _ = two_years(root)
    out = tmp_path / "site"
    assert cli(root, "build", "--out", str(out)).returncode == 0
    assert (out / "pagefind" / "2025" / "pagefind-entry.json").is_file()
    for pid in early:
        (root / "content" / "notes" / f"{pid}.md").write_text("---\nhidden: true\n---\n",
                                                            encoding="utf-8")
    done = cli(root, "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2026"]
    assert "pagefind/2025/" not in (out / ".paperpress-manifest").read_text()
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-bundles="/paperpress/pagefind/2026/"' in page
    done = cli(root, "build", "--out", str(out), "--verbose")  # and the next build agrees
    assert done.returncode == 0 and " 0 rendered" in done.stdout, done.stdout


@pytest.fixture(scope="module")
def two_year_site(www: Path, server: str,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, set[str], set[str]]:
    """The shipped archive with its first day in 2025, built under `/twoyears/`."""
    root = tmp_path_factory.mktemp("twoyears")
    shutil.copytree(REPO / "content", root / "content")
    early, late = two_years(root)
    site = Site(root, www / "twoyears", f"{server}/twoyears/")
    done = cli(root, "build", "--out", str(site.out), "--base-url", site.base_url)
    assert done.returncode == 0, done.stderr
    return site, early, late


def all_results(seen: Visit) -> list[str]:
    """Every result's link, the "load more" button pressed until it is gone."""
    page = seen.page
    links = results(seen)
    more = page.locator("button.pagefind-ui__button")
    while more.count():
        more.first.click()
        page.wait_for_function(
            "(n) => document.querySelectorAll('.pagefind-ui__result-link').length > n",
            arg=len(links), timeout=20_000)
        links = results(seen)
    return links


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_a_word_of_a_paper_of_either_year_finds_it(
        two_year_site: tuple[Site, set[str], set[str]], visit: Callable[..., Visit],
        year: str) -> None:
    site, early, late = two_year_site
    word, pid = known_word(site, early if year == "2025" else late)
    seen = visit(site.base_url + f"search/?q={word}")
    target = f"{site.prefix}papers/{pid}/"
    assert target in results(seen), word
    seen.page.click(f'.pagefind-ui__result-link[href="{target}"]')
    seen.page.wait_for_url(site.base_url + f"papers/{pid}/")
    assert not seen.problems, seen.problems


def filter_case(site: Site, early: set[str]) -> tuple[str, str, set[str]]:
    """A topic and a word such that the word's papers with that topic are of both years,
    and some without it: (topic, word, the paper URLs with both)."""
    pages = fragments(site.out)
    words = sorted({w for r in pages.values()
                    for w in re.findall(r"\b[a-z]{6,}\b", r["content"].lower())})
    topics = sorted({t for r in pages.values() for t in r["filters"].get("topic", [])})
    for topic in topics:
        for word in words:
            having = {u for u, r in pages.items()
                      if re.search(rf"\b{word}\b", r["content"].lower())}
            tagged = {u for u in having if topic in pages[u]["filters"].get("topic", [])}
            years = {u.split("/")[2] in early for u in tagged}
            if years == {True, False} and len(tagged) < len(having) and len(tagged) <= 6:
                return topic, word, tagged
    raise AssertionError("no topic with papers of both years")


def test_a_topic_filter_works_across_the_years(
        two_year_site: tuple[Site, set[str], set[str]], visit: Callable[..., Visit]) -> None:
    site, early, _ = two_year_site
    topic, word, tagged = filter_case(site, early)
    seen = visit(site.base_url + f"search/?q={word}")
    results(seen)
    block = seen.page.locator(".pagefind-ui__filter-block", has_text="topic")
    block.locator("summary").click()
    before = seen.page.locator(".pagefind-ui__message").text_content()
    block.locator("label", has_text=re.compile(rf"^\s*{re.escape(topic)}\s*\(")).click()
    result_count(seen, before)
    found = {link.removeprefix(site.prefix.rstrip("/")) for link in all_results(seen)}
    pages = fragments(site.out)
    assert tagged <= found, (topic, word)
    assert all(topic in pages[u]["filters"]["topic"] for u in found), (topic, word)
    assert not seen.problems, seen.problems


@pytest.mark.parametrize("key", ["upvotes", "date"])
def test_a_sort_orders_the_results_of_every_year_as_one_list(
        two_year_site: tuple[Site, set[str], set[str]], visit: Callable[..., Visit],
        key: str) -> None:
    """Each year is its own bundle; "most upvotes" and "newest first" still order every
    result by its value, not year by year."""
    site, early, late = two_year_site
    seen = visit(site.base_url + f"search/?q=language&sort={key}")
    found = all_results(seen)
    pattern = rf'data-pagefind-sort="{key}:([^"]+)"'
    values = [re.search(pattern, site.file(site.location_of(link)).read_text())[1]
              for link in found]
    if key == "upvotes":
        values = [int(v) for v in values]  # type: ignore[misc]
    ids = {link.rstrip("/").rsplit("/", 1)[1] for link in found}
    assert ids & early and ids & late, "the word should find papers of both years"
    assert values == sorted(values, reverse=True), values
    assert not seen.problems, seen.problems


# -- the dev server -----------------------------------------------------------------
@pytest.mark.parametrize("years", [1, 2])
def test_serve_keeps_search_working_after_a_save(tmp_path: Path, browser: object,
                                                 years: int) -> None:
    """A note saved while serving: the reload comes first, then the new index (of the
    note's year, when there are two)."""
    root, pick, _ = archive(tmp_path)
    if years == 2:
        two_years(root)
    served = Served(root)
    entry = ENTRY if years == 1 else "pagefind/2026/pagefind-entry.json"
    try:
        assert served.wait_for(lambda: served.get(f"/{entry}")[0] == 200,
                               120), served.err
        stream = EventStream(served.port)
        note = root / "content" / "notes" / f"{pick}.md"
        note.write_text(note.read_text().replace("zyzzogeton", "xylophonist"), encoding="utf-8")
        assert served.wait_for(lambda: any(e == "reload" for e, _ in stream.events), 30)
        context = browser.new_context()  # type: ignore[attr-defined]
        try:
            page = context.new_page()
            url = f"http://127.0.0.1:{served.port}/search/?q=xylophonist"

            def found() -> bool:
                page.goto(url)
                try:
                    page.wait_for_selector(".pagefind-ui__result-link", timeout=3_000)
                except Exception:
                    return False
                return page.locator(".pagefind-ui__result-link").first.get_attribute(
                    "href") == f"/papers/{pick}/"

            assert served.wait_for(found, 120), (served.out, served.err)
        finally:
            context.close()
    finally:
        assert served.stop() in (0, 130, -2)

"""Incremental builds: the dependency record picks the pages, and the result is always
byte for byte the cold build of the same content."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from archive_helpers import REAL, import_days, new_archive
from bs4 import BeautifulSoup
from site_helpers import (
    ATTR_TITLE,
    OVERRIDE_TITLE,
    RAW_TITLE,
    REAGENTS_TITLE,
    SCRIPT_TITLE,
    TEMPLATE_TITLE,
    paper_id,
    tree_bytes,
    write_day,
)

from generator.core.lock import archive_lock
from generator.core.paths import ContentPaths
from generator.core.store import ContentError
from generator.site.build import Builder

BASE = "https://example.org/repo/"
JSON_DAY = Path(__file__).resolve().parent / "fixtures" / "api" / "2026-01-09.json"
FLASH_ID = "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"
# New notes go on a paper few others are related to: SCRIPT_TITLE is related to every
# other paper of this tiny archive, so a note there looks at every paper page.
NOTED_TITLE = RAW_TITLE


def note(root: Path, title: str) -> Path:
    return root / "content" / "notes" / f"{paper_id(title)}.md"


def paper_file(root: Path, title: str) -> Path:
    return root / "content" / "papers" / f"{paper_id(title)}.yaml"


def edit_note_body(root: Path) -> None:
    path = note(root, ATTR_TITLE)
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more thought.\n", encoding="utf-8")


def new_note(root: Path) -> None:
    note(root, NOTED_TITLE).write_text("---\ntags: [fresh]\n---\nA brand new note.\n",
                                        encoding="utf-8")


def delete_pick_note(root: Path) -> None:
    note(root, ATTR_TITLE).unlink()  # a pick: the home page's picks change shape


def delete_plain_note(root: Path) -> None:
    note(root, NOTED_TITLE).unlink()  # made by `new_note` before the first build: the
    # notes feed loses an item, which only the last build's plan named


def retitle_paper(root: Path) -> None:
    path = paper_file(root, TEMPLATE_TITLE)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("abstract:", "arxiv: '2602.09999'\nabstract:", 1)
                    .replace("Markup and reasoning", "Markup, reasoning", 1), encoding="utf-8")


def retitle_neighbour(root: Path) -> None:
    """A new wording of a title (the same id): its neighbours' pages name it too."""
    path = paper_file(root, TEMPLATE_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace("{{ 7*7 }}", "{{ 7 * 7 }}", 1),
                    encoding="utf-8")


def retitle_related(root: Path) -> None:
    """A new title for a paper that another paper's page lists among its related papers
    (and not beside it on a day): that page shows the new title too."""
    path = paper_file(root, REAGENTS_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Chemical reagents in the lab", "title: Chemical reagents in the wet lab", 1),
        encoding="utf-8")


def reword_abstract(root: Path) -> None:
    """An abstract that no longer shares "reasoning" with TEMPLATE_TITLE's: that page's
    related papers change though it no longer shows anything of the changed paper."""
    path = paper_file(root, REAGENTS_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Reagents and reactants: wet-lab chemistry, no reasonings.",
        "Reagents and reactants: wet-lab chemistry.", 1), encoding="utf-8")


def toggle_pick(root: Path) -> None:
    path = note(root, OVERRIDE_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\npick: true\n", 1),
                    encoding="utf-8")


def change_note_topics(root: Path) -> None:
    path = note(root, OVERRIDE_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace("[safety]", "[safety, agents]"),
                    encoding="utf-8")


def exclude_a_keyword(root: Path) -> None:
    path = root / "content" / "topics.yaml"  # ATTR_TITLE's "claims" takes it out of agents
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  keywords: [agent, agents, tool use]\n",
        "  keywords: [agent, agents, tool use]\n  exclude: [claims]\n", 1), encoding="utf-8")


def new_dated_note(root: Path) -> None:
    """A note written today on an old paper: it joins the notes feed at the top."""
    note(root, NOTED_TITLE).write_text("---\npublished: 2026-03-01\n---\nStill relevant.\n",
                                        encoding="utf-8")


def date_a_note(root: Path) -> None:
    """A date added to an undated note: it moves within the notes feed."""
    path = note(root, OVERRIDE_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "---\n", "---\npublished: 2026-02-10\nupdated: 2026-02-11\n", 1), encoding="utf-8")


def note_gives_arxiv(root: Path) -> None:
    """A note learns the paper's arXiv id: its page, cards and feed items gain the links."""
    path = note(root, OVERRIDE_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "---\n", "---\narxiv: '2401.01234'\n", 1), encoding="utf-8")


def retitle_pick(root: Path) -> None:
    """A new wording of a title listed in closed periods: their digests and feeds name it."""
    path = paper_file(root, ATTR_TITLE)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "onerror=alert(1)>", "onerror=alert(1)> revisited", 1), encoding="utf-8")


def add_a_later_day(root: Path) -> None:
    """A day in March closes February and its last week: the digest feeds gain an item."""
    write_day(root, "2026-03-02", [(REAGENTS_TITLE, 30), (SCRIPT_TITLE, 2)])


FAST = [edit_note_body, new_note, retitle_paper, new_dated_note, retitle_neighbour,
        note_gives_arxiv, retitle_pick, retitle_related, reword_abstract]
SHAPE = [toggle_pick, change_note_topics, delete_pick_note, delete_plain_note, date_a_note,
         exclude_a_keyword, add_a_later_day]


def build(root: Path, out: Path) -> tuple[int, int, int]:
    """A build as the CLI makes it (a new process's view: record and cache from disk)."""
    result = Builder(ContentPaths(root), out, BASE).run()
    return result.pages + result.feeds + result.exports, result.considered, result.rendered


def warm_then_cold(root: Path, tmp_path: Path,
                   change: Callable[[Path], None]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The site before and after `change`, built incrementally; the after equals a cold build."""
    out = tmp_path / "site"
    time.sleep(0.1)
    build(root, out)
    before = tree_bytes(out)
    change(root)
    build(root, out)
    after = tree_bytes(out)
    shutil.rmtree(root / ".paperpress-cache")
    build(root, tmp_path / "cold")
    assert after == tree_bytes(tmp_path / "cold")
    return before, after


@pytest.mark.parametrize("change", FAST + SHAPE, ids=lambda c: c.__name__)
def test_rebuild_after_a_change_equals_a_cold_build(hostile_root: Path, tmp_path: Path,
                                                    change: Callable[[Path], None]) -> None:
    warm = tmp_path / "warm"
    if change is delete_plain_note:
        new_note(hostile_root)
    time.sleep(0.1)  # as a curator's files are: not saved in the instant of the build
    total, _, _ = build(hostile_root, warm)
    before = tree_bytes(warm)
    change(hostile_root)
    _, considered, rendered = build(hostile_root, warm)
    after = tree_bytes(warm)
    shutil.rmtree(hostile_root / ".paperpress-cache")
    build(hostile_root, tmp_path / "cold")
    assert after == tree_bytes(tmp_path / "cold")
    assert after != before
    assert 0 < rendered <= considered
    if change in FAST:  # the record named the pages: well short of the whole site (in
        # this seven-paper archive a pick listed on two days also shows on two weekly and
        # two monthly digests and their feeds)
        assert considered < total * 0.6, (considered, total)
    else:  # a paper moved between listings: every page was looked at
        assert considered >= total


def test_an_unchanged_rebuild_looks_at_nothing(hostile_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    time.sleep(0.1)  # files saved just before a build are parsed again by the next one
    build(hostile_root, out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert build(hostile_root, out)[1:] == (0, 0)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_a_note_edit_rewrites_only_the_pages_that_show_its_paper(hostile_root: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(hostile_root, out)
    mtimes = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
              for p in out.rglob("*") if p.is_file()}
    edit_note_body(hostile_root)
    build(hostile_root, out)
    changed = {p.relative_to(out).as_posix() for p in out.rglob("*")
               if p.is_file() and p.stat().st_mtime_ns != mtimes.get(p.relative_to(out).as_posix())
               and not p.relative_to(out).as_posix().startswith("pagefind/")}  # re-indexed
    pid = paper_id(ATTR_TITLE)
    assert f"papers/{pid}/index.html" in changed
    assert changed  # and nothing that cannot show the paper:
    for name in changed:
        text = (out / name).read_text(encoding="utf-8")
        assert pid in text, name


def test_a_change_made_with_a_failed_build_is_not_lost(hostile_root: Path,
                                                       tmp_path: Path) -> None:
    """One builder (as the dev server keeps): a note edited while another file is broken."""
    builder = Builder(ContentPaths(hostile_root), tmp_path / "site", BASE, persist=False)
    builder.run()
    edit_note_body(hostile_root)
    broken = paper_file(hostile_root, TEMPLATE_TITLE)
    good = broken.read_text(encoding="utf-8")
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError):
        builder.run()
    broken.write_text(good, encoding="utf-8")
    builder.run()
    page = tmp_path / "site" / "papers" / paper_id(ATTR_TITLE) / "index.html"
    assert "One more thought." in page.read_text(encoding="utf-8")


def reword_other_note(root: Path) -> None:
    path = note(root, OVERRIDE_TITLE)
    path.write_text(path.read_text(encoding="utf-8") + "\nReworded.\n", encoding="utf-8")


# planned with the kept plan (new_note's note joins the notes feed; new_dated_note, after
# it on the same paper, moves that note within the feed, so it is planned anew)
NOTE_ONLY = [edit_note_body, new_note, note_gives_arxiv, reword_other_note]


def test_a_builder_that_stays_plans_with_its_last_plan_and_equals_a_cold_build(
        hostile_root: Path, tmp_path: Path) -> None:
    """The dev server's builder, through every change in turn: a change that moves no
    paper is planned with the last build's plan, and after each change the folder is byte
    for byte a cold build of the same content (so nothing kept went stale)."""
    builder = Builder(ContentPaths(hostile_root), tmp_path / "site", BASE, persist=False)
    builder.private = True
    time.sleep(0.1)
    assert builder.run().plan == "made"
    for number, change in enumerate([*FAST, *SHAPE, reword_other_note, retitle_neighbour]):
        change(hostile_root)
        time.sleep(0.1)  # files saved in the instant of a build are read again by the next
        result = builder.run()
        if change in NOTE_ONLY:
            assert result.plan == "kept", change.__name__
        elif change in SHAPE:
            assert result.plan == "made", change.__name__
        cold = tmp_path / f"cold-{number}"
        Builder(ContentPaths(hostile_root), cold, BASE, persist=False).run()
        assert tree_bytes(tmp_path / "site") == tree_bytes(cold), change.__name__


def test_a_kept_plan_does_not_reuse_the_papers_json_lines_of_an_earlier_build(
        hostile_root: Path, tmp_path: Path) -> None:
    """A rebuild planned by the record but not with the kept plan (an abstract that moves
    related papers) takes papers.json's other lines from the file; the next rebuild, with
    the kept plan, must make the lines of its own changed papers again."""
    builder = Builder(ContentPaths(hostile_root), tmp_path / "site", BASE, persist=False)
    builder.private = True
    time.sleep(0.1)
    builder.run()
    for change in (reword_abstract, note_gives_arxiv):
        change(hostile_root)
        time.sleep(0.1)
        result = builder.run()
    assert result.plan == "kept"
    Builder(ContentPaths(hostile_root), tmp_path / "cold", BASE, persist=False).run()
    name = "papers.json"
    assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_two_saves_in_one_clock_tick_are_both_seen(hostile_root: Path, tmp_path: Path) -> None:
    """Same size, same mtime, same inode: only the time of the parse tells them apart."""
    builder = Builder(ContentPaths(hostile_root), tmp_path / "site", BASE, persist=False)
    path = note(hostile_root, SCRIPT_TITLE)
    path.write_text("First version AAAA.\n", encoding="utf-8")
    stamp = path.stat().st_mtime_ns
    builder.run()
    path.write_text("Later version BBBB.\n", encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    builder.run()
    page = tmp_path / "site" / "papers" / paper_id(SCRIPT_TITLE) / "index.html"
    assert "Later version BBBB." in page.read_text(encoding="utf-8")


def test_a_change_built_into_another_folder_first_still_reaches_this_one(
        hostile_root: Path, tmp_path: Path) -> None:
    """Two output folders share one parse cache: the second build must still see the
    note saved before the first, though the cache parsed it already."""
    site, other = tmp_path / "site", tmp_path / "public"
    time.sleep(0.1)
    build(hostile_root, site)
    build(hostile_root, other)
    edit_note_body(hostile_root)
    time.sleep(0.1)
    build(hostile_root, other)  # parses the note: the cache now holds it as unchanged
    _, considered, rendered = build(hostile_root, site)
    assert rendered > 0 and considered < 1000
    shutil.rmtree(hostile_root / ".paperpress-cache")
    build(hostile_root, tmp_path / "cold")
    assert tree_bytes(site) == tree_bytes(tmp_path / "cold")


FEEDS = ("feed.xml", "atom.xml", "feed.json")


@pytest.mark.parametrize(("change", "changed"), [
    (edit_note_body, [f"notes/{name}" for name in FEEDS]),
    (new_dated_note, [f"notes/{name}" for name in FEEDS]),
    (toggle_pick, ["picks/index.html", *(f"picks/{name}" for name in FEEDS)]),
])
def test_notes_and_picks_outputs_follow_the_notes(hostile_root: Path, tmp_path: Path,
                                                  change: Callable[[Path], None],
                                                  changed: list[str]) -> None:
    """Editing a note re-renders the notes feed; picking a paper, the picks page and feeds."""
    before, after = warm_then_cold(hostile_root, tmp_path, change)
    for name in changed:
        assert after[name] != before[name], name
    pid = paper_id({toggle_pick: OVERRIDE_TITLE, edit_note_body: ATTR_TITLE,
                    new_dated_note: NOTED_TITLE}[change])
    for name in changed:
        assert pid in after[name].decode("utf-8"), name


def test_learning_arxiv_ids_from_the_sources_json_equals_a_cold_build(tmp_path: Path) -> None:
    """A text day, then the JSON day that gives its papers ids, authors and summaries, then
    the summaries turned off: each rebuild is byte for byte a cold build."""
    root = new_archive(tmp_path / "archive")
    assert import_days(root, REAL["2026-01-08"]) == 0
    warm = tmp_path / "warm"
    build(root, warm)
    flash = warm / "papers" / FLASH_ID / "index.html"
    before = flash.read_bytes()
    assert import_days(root, JSON_DAY) == 0
    steps = [lambda: None, lambda: site_yaml(root, "source_summary: false\n")]
    for number, step in enumerate(steps):
        step()
        build(root, warm)
        cold = tmp_path / f"cold{number}"
        shutil.copytree(root / "content", cold / "content")
        build(cold, cold / "site")
        assert tree_bytes(warm) == tree_bytes(cold / "site")
    assert b"https://arxiv.org/abs/2312.11514" in flash.read_bytes() != before
    day = (warm / "days" / "2026-01-08" / "index.html").read_bytes()
    assert b'href="https://arxiv.org/abs/2312.11514"' in day


def site_yaml(root: Path, line: str) -> None:
    path = root / "content" / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")


def hide_a_paper(root: Path) -> None:
    note(root, SCRIPT_TITLE).write_text("---\nhidden: true\n---\nOff the site.\n",
                                        encoding="utf-8")


TEMPLATE_EXPORTS = [f"papers/{paper_id(TEMPLATE_TITLE)}/cite.bib", "days/2026-02-03/day.bib",
                    "papers.json"]


@pytest.mark.parametrize(("change", "changed", "kept"), [
    (retitle_neighbour, TEMPLATE_EXPORTS, ["days/2026-01-01/day.bib"]),
    (new_note, ["papers.json"], [f"papers/{paper_id(SCRIPT_TITLE)}/cite.bib"]),
    (toggle_pick, ["papers.json"], [f"papers/{paper_id(OVERRIDE_TITLE)}/cite.bib"]),
    (hide_a_paper, ["days/2026-01-01/day.bib", "days/2026-01-02/day.bib", "papers.json"], []),
], ids=lambda value: getattr(value, "__name__", ""))
def test_exports_follow_the_content(hostile_root: Path, tmp_path: Path,
                                    change: Callable[[Path], None], changed: list[str],
                                    kept: list[str]) -> None:
    """BibTeX and papers.json are re-made when what they show changes, left alone when
    it does not (a note's text is in no BibTeX entry), and equal a cold build."""
    out = tmp_path / "site"
    time.sleep(0.1)
    build(hostile_root, out)
    before = tree_bytes(out)
    stamps = {name: (out / name).stat().st_mtime_ns for name in kept}
    change(hostile_root)
    build(hostile_root, out)
    after = tree_bytes(out)
    for name in changed:
        assert after[name] != before[name], name
    for name in kept:
        assert (out / name).stat().st_mtime_ns == stamps[name], name
    if change is hide_a_paper:
        assert f"papers/{paper_id(SCRIPT_TITLE)}/cite.bib" in before
        assert f"papers/{paper_id(SCRIPT_TITLE)}/cite.bib" not in after
    shutil.rmtree(hostile_root / ".paperpress-cache")
    build(hostile_root, tmp_path / "cold")
    assert after == tree_bytes(tmp_path / "cold")


DIGESTS = ["weeks/2026-W01/index.html", "months/2026-01/index.html",
           *(f"{kind}/{name}" for kind in ("weeks", "months") for name in FEEDS)]


@pytest.mark.parametrize(("change", "changed", "shown"), [
    (retitle_pick, DIGESTS, "revisited"),
    (add_a_later_day, [f"{kind}/{name}" for kind in ("weeks", "months") for name in FEEDS],
     paper_id(REAGENTS_TITLE)),
])
def test_digests_follow_their_papers_and_new_days(hostile_root: Path, tmp_path: Path,
                                                  change: Callable[[Path], None],
                                                  changed: list[str], shown: str) -> None:
    """A retitled paper is renamed in the digests that list it and in their feeds; a later
    day closes a period, which then joins the digest feeds."""
    before, after = warm_then_cold(hostile_root, tmp_path, change)
    for name in changed:
        assert after[name] != before[name], name
        assert shown in after[name].decode("utf-8"), name


def test_a_retitled_related_paper_is_renamed_on_the_pages_that_list_it(
        hostile_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    time.sleep(0.1)
    build(hostile_root, out)
    page = out / "papers" / paper_id(TEMPLATE_TITLE) / "index.html"

    def related_titles() -> list[str]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        return [a.get_text() for a in soup.select(".related li a")]

    assert REAGENTS_TITLE in related_titles()
    retitle_related(hostile_root)
    build(hostile_root, out)
    assert "Chemical reagents in the wet lab" in related_titles()
    assert REAGENTS_TITLE not in related_titles()


def test_a_partial_edited_between_builds_reaches_every_page_that_includes_it(
        hostile_root: Path, tmp_path: Path) -> None:
    """A build takes the last build's template digests while the theme's files are as they
    were; a partial edited since (same name, the theme otherwise untouched) is seen."""
    theme = hostile_root / "themes" / "mine"
    (theme / "templates" / "partials").mkdir(parents=True)
    partial = theme / "templates" / "partials" / "feeds.html"
    partial.write_text('<p class="mine">Feeds: {{ own_feeds | length }}</p>\n')
    site_yaml = hostile_root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("theme: default", "theme: mine"))
    out = tmp_path / "site"
    time.sleep(0.1)
    build(hostile_root, out)
    build(hostile_root, out)  # with the record's digests
    partial.write_text('<p class="mine">Feeds now: {{ own_feeds | length }}</p>\n')
    build(hostile_root, out)
    after = tree_bytes(out)
    shutil.rmtree(hostile_root / ".paperpress-cache")
    build(hostile_root, tmp_path / "cold")
    assert after == tree_bytes(tmp_path / "cold")
    assert b"Feeds now:" in after["index.html"]


# -- the dev server's rebuild, told by its watcher which files changed -----------------
def dev_builder(root: Path, out: Path) -> Builder:
    """The dev server's builder after its first build."""
    builder = Builder(ContentPaths(root), out, BASE, persist=False)
    builder.private = True
    time.sleep(0.1)
    builder.run()
    return builder


def watched(root: Path, *paths: Path) -> set[str]:
    """Changed files as the dev server names them to the parse cache: by where they are
    (a link's target), under the content folder (`DevServer.content_names`)."""
    content = ContentPaths(root).content
    return {str(content / os.path.relpath(os.path.realpath(path), os.path.realpath(content)))
            for path in paths}


def note_text(out: Path, title: str) -> str:
    return (out / "papers" / paper_id(title) / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_watched_rebuild_reads_a_note_edited_through_a_link(
        hostile_root: Path, tmp_path: Path, linked: str) -> None:
    """The watcher names the file it saw change, never the link that reads it: a note
    shared by a link (or a notes folder that is a link) is read again all the same."""
    notes = hostile_root / "content" / "notes"
    if linked == "folder":
        notes.rename(notes.with_name("kept-notes"))
        notes.symlink_to("kept-notes")
    else:
        note(hostile_root, RAW_TITLE).symlink_to(f"{paper_id(OVERRIDE_TITLE)}.md")
    builder = dev_builder(hostile_root, tmp_path / "site")
    edited = note(hostile_root, OVERRIDE_TITLE)
    edited.write_text("Edited through the link.\n", encoding="utf-8")
    time.sleep(0.1)
    builder.cache.trust(watched(hostile_root, edited))
    builder.run()
    shown = RAW_TITLE if linked == "file" else OVERRIDE_TITLE
    assert "Edited through the link." in note_text(tmp_path / "site", shown)


def test_a_watched_rebuild_reads_a_notes_folder_swapped_in(hostile_root: Path,
                                                            tmp_path: Path) -> None:
    """A folder moved into place is one change to the watcher: the folder's name alone,
    none of the files it brings."""
    builder = dev_builder(hostile_root, tmp_path / "site")
    notes = hostile_root / "content" / "notes"
    fresh = hostile_root / "fresh-notes"
    shutil.copytree(notes, fresh)
    edited = fresh / note(hostile_root, OVERRIDE_TITLE).name
    edited.write_text("From the swapped folder.\n", encoding="utf-8")
    notes.rename(hostile_root / "old-notes")
    fresh.rename(notes)
    time.sleep(0.1)
    builder.cache.trust(watched(hostile_root, notes))
    builder.run()
    assert "From the swapped folder." in note_text(tmp_path / "site", OVERRIDE_TITLE)


def test_a_watched_rebuild_that_read_nothing_keeps_the_changes_it_was_told(
        hostile_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save while an import holds the archive: that rebuild fails before reading any
    file, and the next one, told only of later changes, still reads the saved note."""
    monkeypatch.setenv("PAPERPRESS_LOCK_WAIT", "0")
    builder = dev_builder(hostile_root, tmp_path / "site")
    edited = note(hostile_root, OVERRIDE_TITLE)
    edited.write_text("Saved during an import.\n", encoding="utf-8")
    time.sleep(0.1)
    builder.cache.trust(watched(hostile_root, edited))
    with archive_lock(ContentPaths(hostile_root).cache_dir), pytest.raises(ContentError):
        builder.run()
    builder.cache.trust(set())
    builder.run()
    assert "Saved during an import." in note_text(tmp_path / "site", OVERRIDE_TITLE)

"""`paperpress enrich` against a local server answering with recorded paper-search responses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from archive_helpers import day_text, entry, import_days, new_archive, run, tree, write
from test_fetch import Source
from test_paper_links import links

from generator.cli import SEARCH_SOURCE
from generator.core.ids import paper_id
from generator.core.paths import ContentPaths
from generator.ingest import enrich, fetch

API = Path(__file__).resolve().parent / "fixtures" / "api"
SEARCH = API / "search"
FLASH = "LLM in a flash: Efficient Large Language Model Inference with Limited Memory"
MAMBA = "Mamba: Linear-Time Sequence Modeling with Selective State Spaces"
SPARSE = "Scaling Laws for Sparse Experts"
ATTENTION = "Attention Is All You Need"
FLASH_ID, MAMBA_ID = paper_id(FLASH), paper_id(MAMBA)
SPARSE_ID, ATTENTION_ID = paper_id(SPARSE), paper_id(ATTENTION)


def answer(name: str, status: int = 200, headers: dict | None = None
           ) -> tuple[int, dict, bytes, float]:
    return status, headers or {}, (SEARCH / f"{name}.json").read_bytes(), 0.0


FOUND = {FLASH: [answer("flash")], MAMBA: [answer("bare-papers")],
         SPARSE: [answer("near-match")], ATTENTION: [answer("ambiguous")]}


@pytest.fixture
def search() -> Iterator[Source]:
    server = Source()
    server.param = "q"
    server.script = {title: list(answers) for title, answers in FOUND.items()}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def search_url(server: Source) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/api/papers/search"


def archive(tmp_path: Path, *titles: str) -> Path:
    """An archive of one text day (no arXiv ids) listing `titles`."""
    root = new_archive(tmp_path / "archive")
    titles = titles or (FLASH, MAMBA, SPARSE, ATTENTION)
    day = write(tmp_path / "in" / "2026-03-02.txt", day_text("Mar 2", *(
        entry(t, f"We study {t.lower()}.", when="Mar 1, 2026 3") for t in titles)))
    assert import_days(root, day) == 0
    return root


def run_enrich(root: Path, server: Source, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERPRESS_FETCH_PACE": "0"}
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "enrich",
                           "--source", search_url(server), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def paper(root: Path, pid: str) -> dict:
    return yaml.safe_load((root / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


def test_exact_matches_are_recorded_near_and_ambiguous_ones_left(tmp_path: Path,
                                                                search: Source) -> None:
    root = archive(tmp_path)
    note = write(root / "content" / "notes" / f"{FLASH_ID}.md", "---\npick: true\n---\nRead.\n")
    before = note.read_bytes()
    result = run_enrich(root, search)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "4 papers without an arXiv id; searching for 4"
    assert lines[1:4] == ["matched 2:", f"  {FLASH_ID} -> 2312.11514",
                          f"  {MAMBA_ID} -> 2312.00752"]
    assert lines[4] == "left 2 (1 ambiguous, 1 no match):"
    assert f"  {ATTENTION_ID}: ambiguous: 1706.03762, 2501.00002 have this title" in lines
    assert f"  {SPARSE_ID}: no match" in lines
    assert lines[-1] == "recorded 2 arXiv id(s) in content/papers/"
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"
    # case, spacing and punctuation aside, "Mamba:  linear-time sequence modeling..." matched
    assert paper(root, MAMBA_ID)["arxiv"] == "2312.00752"
    assert "arxiv" not in paper(root, SPARSE_ID) and "arxiv" not in paper(root, ATTENTION_ID)
    assert list(paper(root, FLASH_ID))[-3:] == ["first_seen", "last_seen", "arxiv"]
    assert paper(root, FLASH_ID)["authors"] == 3  # only the id: the text day's count stays
    assert note.read_bytes() == before
    assert all(agent.startswith("paperpress/") for _, agent in search.hits)
    assert sorted(q for q, _ in search.hits) == sorted(FOUND)
    assert run(root, "check", "--quiet") == 0
    # found once: the next run asks only for the papers still without an id
    search.hits.clear()
    done = tree(root)
    again = run_enrich(root, search, "--quiet")
    assert again.returncode == 0, again.stderr
    assert sorted(q for q, _ in search.hits) == sorted([SPARSE, ATTENTION])
    assert tree(root) == done


def test_the_same_archive_enriched_twice_gives_the_same_bytes(tmp_path: Path,
                                                              search: Source) -> None:
    one = archive(tmp_path / "one")
    two = archive(tmp_path / "two", ATTENTION, SPARSE, MAMBA, FLASH)
    for root in (one, two):
        assert run_enrich(root, search, "--quiet").returncode == 0
    papers = [{k: v for k, v in tree(root / "content" / "papers").items()} for root in (one, two)]
    assert papers[0] == papers[1]


def test_a_dry_run_searches_and_reports_but_writes_nothing(tmp_path: Path,
                                                           search: Source) -> None:
    root = archive(tmp_path)
    before = tree(root)
    result = run_enrich(root, search, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"  {FLASH_ID} -> 2312.11514" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "dry run: nothing written"
    assert tree(root) == before


def test_papers_with_an_id_in_a_note_or_hidden_are_not_searched(tmp_path: Path,
                                                               search: Source) -> None:
    root = archive(tmp_path)
    notes = root / "content" / "notes"
    write(notes / f"{FLASH_ID}.md", "---\narxiv: '2312.11514'\n---\nRead.\n")
    write(notes / f"{SPARSE_ID}.md", "---\nhidden: true\n---\nNot ours.\n")
    result = run_enrich(root, search, "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2 papers without an arXiv id; searching for 1"
    assert len(search.hits) == 1 and search.hits[0][0] in (MAMBA, ATTENTION)
    assert "arxiv" not in paper(root, FLASH_ID)  # the note's id is the curator's


def test_a_server_error_is_tried_again(tmp_path: Path, search: Source) -> None:
    root = archive(tmp_path, FLASH)
    search.script[FLASH] = [(500, {}, b"oops", 0.0), answer("flash")]
    result = run_enrich(root, search)
    assert result.returncode == 0, result.stderr
    assert [q for q, _ in search.hits] == [FLASH, FLASH]
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"


def test_429_waits_as_retry_after_asks(tmp_path: Path, search: Source) -> None:
    root = archive(tmp_path, FLASH)
    search.script[FLASH] = [(429, {"Retry-After": "1"}, b"slow down", 0.0), answer("flash")]
    result = run_enrich(root, search, "--quiet")
    assert result.returncode == 0, result.stderr
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"
    slept: list[float] = []
    search.script[FLASH] = [(429, {"Retry-After": "1"}, b"slow down", 0.0), answer("flash")]
    client = fetch.Client(search_url(search), pace=0, sleep=slept.append)
    outcome = enrich.search(client, [enrich.Wanted(FLASH_ID, FLASH)])
    assert [arxiv for _, arxiv in outcome.matched] == ["2312.11514"]
    assert 1.0 in slept


@pytest.mark.parametrize(("answers", "said"), [
    ([answer("malformed")], "malformed JSON"),
    ([(500, {}, b"oops", 0.0)], "HTTP 500"),
    ([(200, {}, b'{"error": "Invalid query"}', 0.0)], "expected a JSON list of papers"),
])
def test_a_failed_search_names_the_title_and_the_rest_is_recorded(
        tmp_path: Path, search: Source, answers: list, said: str) -> None:
    root = archive(tmp_path)
    search.script[ATTENTION] = answers
    result = run_enrich(root, search)
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 2, result.stderr
    assert errors[0].startswith(f"paperpress: {ATTENTION!r}: ") and said in errors[0]
    assert errors[1] == "paperpress: 1 search(es) failed; run enrich again later"
    assert "Traceback" not in result.stderr
    assert f"  {ATTENTION_ID}: search failed" in result.stdout.splitlines()
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"
    assert paper(root, MAMBA_ID)["arxiv"] == "2312.00752"


def test_a_source_failing_again_and_again_stops_the_searches(tmp_path: Path,
                                                             search: Source) -> None:
    root = archive(tmp_path)
    before = tree(root)
    search.script = {title: [(503, {}, b"down", 0.0)] for title in FOUND}
    result = run_enrich(root, search)
    assert result.returncode == 1
    assert len({q for q, _ in search.hits}) == enrich.STOP_AFTER == 3  # each tried 3 times
    assert "not searched 1: the source failed 3 times in a row" in result.stdout
    assert result.stderr.count("HTTP 503") == 3 and "Traceback" not in result.stderr
    assert tree(root) == before


def test_ctrl_c_keeps_the_ids_found_so_far(tmp_path: Path, search: Source) -> None:
    root = archive(tmp_path, FLASH, MAMBA)
    search.script[MAMBA] = [(200, {}, b"[]", 60.0)]  # the second search hangs
    env = {**os.environ, "PAPERPRESS_FETCH_PACE": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), "enrich",
                             "--source", search_url(search)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60  # a hang guard only
    while len(search.hits) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"  {FLASH_ID} -> 2312.11514" in out.splitlines()
    assert "not searched 1: interrupted" in out
    assert err.splitlines() == ["paperpress: interrupted; the ids found so far were recorded"]
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"


def test_a_later_text_import_keeps_the_id_found(tmp_path: Path, search: Source) -> None:
    root = archive(tmp_path, FLASH, MAMBA)
    assert run_enrich(root, search, "--quiet").returncode == 0
    later = write(tmp_path / "in" / "2026-03-05.txt", day_text("Mar 5", entry(
        FLASH, "We study it again.", when="Mar 1, 2026 9")))
    assert import_days(root, later) == 0
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"
    assert paper(root, FLASH_ID)["last_seen"].isoformat() == "2026-03-05"
    # a new scrape of the first day that no longer lists the paper rebuilds it from the days
    # that still do: none gives an id, the one enrich found stays
    again = write(tmp_path / "in" / "again.txt", day_text("Mar 2", entry(
        MAMBA, "We study mamba.", when="Mar 1, 2026 30")))
    assert import_days(root, again, date="2026-03-02") == 0
    assert paper(root, FLASH_ID)["first_seen"].isoformat() == "2026-03-05"
    assert paper(root, FLASH_ID)["arxiv"] == "2312.11514"
    assert paper(root, MAMBA_ID)["arxiv"] == "2312.00752"


def test_a_text_snapshot_replacing_a_json_one_takes_its_id_away_in_any_order(
        tmp_path: Path) -> None:
    """The id an import keeps is one no day gave: a JSON snapshot's id goes with it."""
    text = write(tmp_path / "in" / "jan9.txt", day_text(
        "Jan 9", entry(FLASH, "A later abstract.", when="Dec 12, 2023 9000"),
        entry("Anchor", "Dates the page.", when="Jan 2, 2026 1")))
    other = write(tmp_path / "in" / "jan12.txt", day_text(
        "Jan 12", entry(FLASH, "Again.", when="Dec 12, 2023 5")))
    trees = []
    for name, order in (("tj", (text, API / "2026-01-09.json", other)),
                        ("jt", (API / "2026-01-09.json", other, text))):
        root = new_archive(tmp_path / name)
        for path in order:
            assert import_days(root, path) == 0
        assert "arxiv" not in paper(root, FLASH_ID)
        trees.append(tree(root / "content"))
    assert trees[0] == trees[1]


def json_day(tmp_path: Path, day: str, arxiv: str) -> Path:
    """The recorded day's flash paper, featured on `day`, with the id `arxiv`."""
    item = json.loads((API / "2026-01-09.json").read_text("utf-8"))[0]
    item["publishedAt"] = f"{day}T00:00:00.000Z"
    item["paper"]["id"] = arxiv
    return write(tmp_path / "in" / f"{day}.json", json.dumps([item]))


@pytest.mark.parametrize("day", ["2026-02-20", "2026-03-09"])
def test_the_sources_listing_wins_over_a_title_match(tmp_path: Path, search: Source,
                                                     day: str) -> None:
    root = archive(tmp_path, FLASH)
    assert run_enrich(root, search, "--quiet").returncode == 0
    assert import_days(root, json_day(tmp_path, day, "2401.99999")) == 0
    assert paper(root, FLASH_ID)["arxiv"] == "2401.99999"


def test_the_built_paper_page_links_arxiv_pdf_and_hugging_face(tmp_path: Path,
                                                               search: Source) -> None:
    root = archive(tmp_path, FLASH)
    assert run(root, "build", "--quiet") == 0
    assert set(links(root, FLASH_ID)) == {"Search arXiv"}
    assert run_enrich(root, search, "--quiet").returncode == 0
    assert run(root, "build", "--quiet", "--base-url", "https://example.org/papers/") == 0
    found = links(root, FLASH_ID)
    assert found["arXiv"] == "https://arxiv.org/abs/2312.11514"
    assert found["PDF"] == "https://arxiv.org/pdf/2312.11514"
    assert found["Hugging Face"] == "https://huggingface.co/papers/2312.11514"
    assert "Search arXiv" not in found


def test_a_paper_an_import_changed_meanwhile_is_left_as_the_import_made_it(
        tmp_path: Path) -> None:
    root = archive(tmp_path, FLASH, MAMBA)
    path = root / "content" / "papers" / f"{FLASH_ID}.yaml"
    write(path, path.read_text("utf-8") + "arxiv: '2401.99999'\n")
    outcome = enrich.Outcome(matched=[(enrich.Wanted(FLASH_ID, FLASH), "2312.11514"),
                                      (enrich.Wanted(MAMBA_ID, MAMBA), "2312.00752")])
    assert enrich.record(ContentPaths(root), outcome) == 1
    assert paper(root, FLASH_ID)["arxiv"] == "2401.99999"
    assert paper(root, MAMBA_ID)["arxiv"] == "2312.00752"
    assert outcome.lines(None)[-1] == (f"  {FLASH_ID}: changed meanwhile: "
                                       "an import gave it 2401.99999")


def test_matching_is_exact_after_normalizing() -> None:
    found = [("2312.00752", "MAMBA — Linear Time Sequence Modeling, with Selective State Spaces!"),
             ("hf-only-paper", "Something Else")]
    assert enrich.match(MAMBA, found) == ("2312.00752", "", "")
    assert enrich.match("Mamba: Linear-Time Sequence Modeling", found)[1] == enrich.NO_MATCH
    assert enrich.match("Something else", found)[1] == enrich.NOT_ARXIV
    versions = [("2312.00752v1", MAMBA), ("2312.00752v2", MAMBA)]
    assert enrich.match(MAMBA, versions)[0] == "2312.00752v1"  # one paper, two versions
    assert enrich.results(b'[{"paper": {"id": "1", "title": "A"}}, {"id": "2", "title": "B"},'
                          b' {"id": 3}, "x", {"paper": null}]') == [("1", "A"), ("2", "B")]


def test_the_report_shows_ten_of_each_kind_unless_verbose() -> None:
    outcome = enrich.Outcome(matched=[(enrich.Wanted(f"p{n:02d}", "T"), f"2501.000{n:02d}")
                                      for n in range(12)])
    for n in range(11):
        outcome.leave(f"q{n:02d}", enrich.NO_MATCH)
    short = outcome.lines(10)
    assert short[0] == "matched 12:" and short[1] == "  p00 -> 2501.00000"
    assert short[11] == "  … and 2 more (--verbose lists all)"
    assert short[12] == "left 11 (11 no match):" and short[-1].startswith("  … and 1 more")
    assert len(outcome.lines(None)) == 2 + 12 + 11


def test_the_default_source_is_the_public_paper_search() -> None:
    assert SEARCH_SOURCE == enrich.DEFAULT_SEARCH == "https://huggingface.co/api/papers/search"


def test_a_bad_limit_is_a_usage_error(tmp_path: Path, search: Source) -> None:
    root = archive(tmp_path, FLASH)
    result = run_enrich(root, search, "--limit", "0")
    assert result.returncode == 2
    assert "'0' is not a whole number of papers (1 or more)" in result.stderr
    assert search.hits == []

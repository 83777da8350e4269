"""The benchmark's own measurements: output bytes per page kind, serve save-to-reload,
the table, and which generators a size runs. The full benchmark is not run here."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# bench/ sits beside generator/ but is not part of the installed package.
sys.path.insert(0, str(REPO))
measure = importlib.import_module("bench.measure")
reload = importlib.import_module("bench.reload")
report = importlib.import_module("bench.report")
run = importlib.import_module("bench.run")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped archive copied and built by the real CLI: (archive, output)."""
    root = tmp_path_factory.mktemp("bench-measure") / "archive"
    shutil.copytree(REPO / "content", root / "content")
    out = root / "site"
    subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "--quiet", "build",
                    "--out", str(out), "--no-search"], check=True)
    return root, out


def test_kinds_name_the_top_folder_and_what_the_file_is() -> None:
    kind = measure.file_kind
    assert kind("papers/some-paper/index.html") == "papers html"
    assert kind("papers/some-paper/cite.bib") == "papers bib"
    assert kind("topics/agents/page/2/index.html") == "topics html"
    assert kind("topics/agents/feed.json") == "topics feeds"
    assert kind("feed.xml") == kind("atom.xml") == "root feeds"
    assert kind("papers.json") == "root json"
    assert kind("index.html") == "root html"
    assert kind("sitemap.xml") == "sitemap"
    assert kind("static/style.0a1b2c3d.css") == "static"
    assert kind(".nojekyll") == "root other"


def test_output_bytes_are_file_bytes_by_kind_without_the_search_index(
        shipped: tuple[Path, Path]) -> None:
    out = shipped[1]
    index = out / "pagefind" / "2026" / "pagefind-entry.json"
    index.parent.mkdir(parents=True)
    index.write_text("{" + " " * 5000 + "}", encoding="utf-8")
    files = [p for p in out.rglob("*") if p.is_file() and "pagefind" not in p.parts]
    found = measure.output_bytes(out)
    shutil.rmtree(out / "pagefind")
    assert found["files"] == len(files)
    assert found["bytes"] == sum(os.path.getsize(p) for p in files)
    kinds = found["kinds"]
    assert sum(k["bytes"] for k in kinds.values()) == found["bytes"]
    assert kinds["papers html"]["files"] == len(list(out.glob("papers/*/index.html")))
    assert "root feeds" in kinds and "topics html" in kinds
    sizes = [k["bytes"] for k in kinds.values()]
    assert sizes == sorted(sizes, reverse=True)  # largest first


@pytest.mark.slow  # a real server
def test_serve_reload_is_timed_for_both_save_styles_and_leaves_the_note_as_it_was(
        shipped: tuple[Path, Path]) -> None:
    root = shipped[0]
    pid = sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml"))[3]
    note = root / "content" / "notes" / f"{pid}.md"
    assert not note.exists()
    found = reload.measure(root, pid, saves=2, timeout=120)
    for style in ("in_place", "rename"):
        assert len(found[style]["reload_ms"]) == 2
        assert all(ms > 0 for ms in found[style]["reload_ms"])
        assert found[style]["shown_median_ms"] >= found[style]["median_ms"]
        assert found[style]["rebuild_median_ms"] > 0  # the server's own figure, as it logs it
    assert found["median_ms"] > 0 and found["startup_s"] > 0 and found["stop_s"] > 0
    assert not note.exists()


@pytest.mark.slow  # a real server
def test_a_save_the_server_cannot_build_is_a_clear_failure(shipped: tuple[Path, Path]) -> None:
    root = shipped[0]
    papers = sorted((root / "content" / "papers").glob("*.yaml"))
    broken, good = papers[5], papers[5].read_bytes()
    pid = papers[4].stem
    server, _ = reload.start(root, 120)
    try:
        events = reload.Events(server.port)
        events.settle()
        broken.write_text("title: [broken\n", encoding="utf-8")
        assert events.next(60)[0] == "problems"
        events.settle()
        with pytest.raises(reload.ReloadError, match=f"{pid}'s note gave problems"):
            reload.time_save(server, events, pid, "A note.", "in_place", 60)
        events.close()
    finally:
        server.stop()
        broken.write_bytes(good)
        (root / "content" / "notes" / f"{pid}.md").unlink()
    assert server.proc.returncode == 0 and not server.scratch.exists()


def test_peers_are_skipped_above_ten_thousand_papers_unless_asked(tmp_path: Path) -> None:
    args = run.arguments(["--sizes", "100000", "--out", str(tmp_path)])
    tools = {t.name: t for t in run.select(100_000, args)}
    assert tools["paperpress"].skip is None
    assert "--pelican-max" in (tools["pelican"].skip or "")
    assert "--hugo-max" in (tools["hugo"].skip or "")
    args = run.arguments(["--hugo-max", "200000", "--out", str(tmp_path)])
    assert "--hugo-max" not in (run.select(100_000, args)[2].skip or "")
    assert run.arguments(["--repeat", "1"]).repeat == 1


def test_phases_per_paper_are_microseconds() -> None:
    assert run.per_paper({"load": 1.8, "render": 7.16}, 10_000) == {"load": 180.0,
                                                                   "render": 716.0}


def test_the_table_shows_reload_and_bytes_for_paperpress_and_na_for_peers() -> None:
    ok = {"status": "ok", "pages": 100, "feeds": 10, "pages_per_s": 50.0,
          "cold": {"seconds": 2.0, "peak_mb": 80.0, "phases": {"load": 0.5},
                   "us_per_paper": {"load": 5000.0}},
          "rebuild": {"seconds": 0.5, "peak_mb": 70.0},
          "output": {"files": 3, "bytes": 1_500_000, "bytes_per_paper": 15_000,
                     "kinds": {"papers html": {"files": 2, "bytes": 1_000_000,
                                               "bytes_per_file": 500_000},
                               "root feeds": {"files": 1, "bytes": 500_000,
                                              "bytes_per_file": 500_000}}}}
    serve = {"startup_s": 3.0, "median_ms": 250.0,
             **{s: {"reload_ms": [240.0, 260.0], "median_ms": 250.0, "shown_median_ms": 260.0,
                     "rebuild_median_ms": 180.0}
                for s in ("in_place", "rename")}}
    peer = {k: v for k, v in ok.items() if k != "output"}
    result = {"size": 100, "seed": 1, "repeat": 3,
              "facts": {"papers": 100, "days": 3, "first_day": "2024-01-02",
                        "last_day": "2024-01-04", "entries": 150, "orgs": 5, "topics": 15},
              "imports": {"archive": {"days": 2, "seconds": 1.0, "peak_mb": 50.0},
                          "one_day": {"seconds": 0.3, "peak_mb": 40.0}},
              "machine": {"load_average": [1.0, 1.2]},
              "tools": {"paperpress": {**ok, "serve": serve}, "hugo": peer,
                        "pelican": {"status": "n/a: skipped above 10,000 papers"}}}
    lines = report.table(result).splitlines()
    header = next(line for line in lines if line.startswith("generator"))
    assert "reload ms" in header and "KB/paper" in header
    paperpress = next(line for line in lines if line.startswith("paperpress "))
    assert paperpress.split()[3] == "250" and paperpress.split()[-1] == "15.0"
    hugo = next(line for line in lines if line.startswith("hugo "))
    assert hugo.split()[3] == "n/a" and hugo.split()[-1] == "n/a"
    assert any("per paper (µs): load 5,000" in line for line in lines)
    assert any("in place 250 ms (rebuild 180 ms, page shown 260 ms)" in line
               and "rename 250 ms" in line for line in lines)
    kinds = [line.split() for line in lines if line.startswith("  papers html")]
    assert kinds == [["papers", "html", "2", "1.00", "500.0", "10.00"]]

"""The curator's command line, run as a user runs it: what `import` says it added,
`note` by title words, `list`, the note stub's topics, `check --explain` and the
`exclude:` keywords of topics.yaml."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from archive_helpers import (
    REAL,
    REPO,
    _command,
    _env,
    cli,
    day_text,
    entry,
    new_archive,
    tree,
    write,
)
from bs4 import BeautifulSoup

from generator.archive import titles
from generator.archive.content import load
from generator.archive.listings import index
from generator.archive.topics import compile_rules, explain
from generator.core.paths import ContentPaths

HORIZON = "horizon-lm-a-ram-centric-architecture-for-llm-training"


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


def day_ids(root: Path, day: str) -> list[str]:
    data = yaml.safe_load((root / "content" / "days" / f"{day}.yaml").read_text("utf-8"))
    return [item["id"] for item in data["papers"]]


def paper_files(root: Path) -> list[Path]:
    return sorted((root / "content" / "papers").glob("*.yaml"))


def paper(root: Path, pid: str) -> dict:
    return yaml.safe_load((root / "content" / "papers" / f"{pid}.yaml").read_text("utf-8"))


def imported(tmp_path: Path, *days: str) -> Path:
    root = new_archive(tmp_path / "a")
    assert cli("import", "-q", *(REAL[d] for d in days), cwd=root).returncode == 0
    return root


def build_topics(root: Path) -> dict[str, tuple[str, ...]]:
    """Every paper's topics as the build's listings give them."""
    return index(load(ContentPaths(root))).paper_topics


# -- import: the new papers ---------------------------------------------------------
def test_import_ends_with_the_new_papers_first_ten_and_a_count(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    result = cli("import", REAL["2026-04-20"], REAL["2026-01-08"], cwd=root)  # newest first
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    order = list(dict.fromkeys(day_ids(root, "2026-01-08") + day_ids(root, "2026-04-20")))
    assert lines[0].startswith(f"2 day(s): 2 new, 0 replaced, 0 unchanged; papers: "
                               f"{len(order)} new,")
    assert lines[1] == "new papers:"
    expected = [f"  {pid}  {' '.join(paper(root, pid)['title'].split())}" for pid in order]
    assert lines[2:] == [*expected[:10], f"  … and {len(order) - 10} more (--verbose lists all)"]


def test_import_verbose_lists_every_new_paper_oldest_day_first(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-01-08")
    result = cli("import", "--verbose", REAL["2026-05-20"], REAL["2026-04-20"], cwd=root)
    assert result.returncode == 0
    known = set(day_ids(root, "2026-01-08"))
    later = day_ids(root, "2026-04-20") + day_ids(root, "2026-05-20")
    order = [pid for pid in dict.fromkeys(later) if pid not in known]
    assert len(order) < len(later)  # papers listed again are not new
    assert [line.split()[0] for line in result.stdout.splitlines()[2:]] == order
    again = cli("import", "-v", REAL["2026-05-20"], cwd=root)  # nothing new: no list
    assert again.stdout == ("1 day(s): 0 new, 0 replaced, 1 unchanged; papers: 0 new, "
                            "0 updated, 0 removed; 0 warning(s)\n")
    quiet = cli("import", "-q", "-v", REAL["2026-01-08"], cwd=new_archive(tmp_path / "q"))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


# -- note by title words -------------------------------------------------------------
def test_note_by_title_words_or_their_starts_in_any_case(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-05-20")
    result = cli("note", "horizon-LM", "RAM-centric", "arch", cwd=root)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"content/notes/{HORIZON}.md\n", "")
    text = (root / "content" / "notes" / f"{HORIZON}.md").read_text("utf-8")
    assert text.startswith("---\n# Horizon-LM: A RAM-Centric Architecture for LLM Training\n")
    before = tree(root)
    inside = cli("note", "orizon", "ram", cwd=root)  # a word's middle is no match
    assert inside.returncode == 1 and "no paper's id or title has these words" in inside.stderr
    assert tree(root) == before


def test_note_with_several_matches_lists_them_newest_first_and_writes_nothing(
        tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-01-08", "2026-04-20", "2026-05-20")
    before = tree(root)
    result = cli("note", "Memory", cwd=root)
    no_traceback(result)
    lines = result.stdout.splitlines()
    more = re.fullmatch(r"  … and (\d+) more: add words to narrow it down", lines[-1])
    assert more and len(lines) == 21
    total = 20 + int(more.group(1))
    assert result.stderr == (f"paperpress: Memory: {total} papers match; run 'paperpress "
                             "note ID' with one of the ids above\n")
    assert result.returncode == 1 and tree(root) == before
    shown = [line.split("  ")[1] for line in lines[:20]]
    records = [paper(root, pid) for pid in shown]
    for record in records:
        assert re.search(r"(?<!\w)memory", record["title"], re.IGNORECASE), record["title"]
    keys = [(-record["last_seen"].toordinal(), record["title"].lower()) for record in records]
    assert keys == sorted(keys)  # newest first, then by title
    assert [f"  {r['id']}  {r['title']}" for r in records] == lines[:20]


def test_note_keeps_a_titles_index_and_reads_only_changed_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = imported(tmp_path, "2026-01-08", "2026-04-20", "2026-05-20")
    index = root / ".paperpress-cache" / titles.FILE
    words = [("note", "memory"), ("note", "transfromers", "memroy"), ("note", "zzqx")]
    time.sleep(0.1)  # files saved in the instant they are read are read again next time
    cold = [cli(*args, cwd=root) for args in words]
    assert index.is_file()
    warm = [cli(*args, cwd=root) for args in words]
    assert [(r.returncode, r.stdout, r.stderr) for r in warm] == [
        (r.returncode, r.stdout, r.stderr) for r in cold]
    scanned: list[str] = []
    real_scan = titles._scan
    monkeypatch.setattr(titles, "_scan", lambda *a: scanned.append(a[0]) or real_scan(*a))
    assert len(titles.entries(ContentPaths(root))) == len(paper_files(root))
    assert scanned == []  # every title came from the index
    changed = root / "content" / "papers" / f"{HORIZON}.yaml"
    changed.write_text(changed.read_text("utf-8").replace("Horizon-LM", "Zenith-LM", 1), "utf-8")
    assert cli("note", "zenith", cwd=root).stdout == f"content/notes/{HORIZON}.md\n"
    index.write_bytes(index.read_bytes()[:100])  # damaged: ignored, never a traceback
    again = cli("note", "memory", cwd=root)
    assert (again.returncode, again.stdout, again.stderr) == (
        cold[0].returncode, cold[0].stdout, cold[0].stderr)


def test_note_without_a_match_suggests_the_closest_titles(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-05-20")
    before = tree(root)
    result = cli("note", "transfromers", "memroy", cwd=root)  # misspelt
    assert result.returncode == 1 and tree(root) == before
    assert result.stderr == ("paperpress: 'transfromers memroy': no paper's id or title has "
                             "these words; the closest titles are above\n")
    lines = result.stdout.splitlines()
    assert 1 <= len(lines) <= 5
    first = paper(root, lines[0].split()[0])["title"].lower()
    assert "transformer" in first and "memory" in first, first


def test_note_stub_names_the_automatic_topics_the_build_gives(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-05-20")
    topics = build_topics(root)
    several = next(pid for pid in day_ids(root, "2026-05-20") if len(topics[pid]) >= 2)
    none = next(pid for pid in day_ids(root, "2026-05-20") if not topics[pid])
    for pid in (several, none):
        assert cli("note", pid, cwd=root).returncode == 0
        note = root / "content" / "notes" / f"{pid}.md"
        lines = note.read_text("utf-8").splitlines()
        assert lines[3] == (f"# topics: [{', '.join(topics[pid])}]   # automatic; "
                            "uncomment to override")
        note.write_text(note.read_text("utf-8").replace("# topics:", "topics:"), "utf-8")
    assert cli("check", cwd=root).returncode == 0  # uncommented, the line is valid
    assert build_topics(root) == topics  # and sets the very same topics


# -- list ----------------------------------------------------------------------------
def test_list_shows_a_day_in_order_with_ranks_upvotes_and_topics(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-01-08", "2026-05-20")
    ids = day_ids(root, "2026-05-20")
    notes = root / "content" / "notes"
    write(notes / f"{ids[1]}.md", "---\nhidden: true\n---\nNot for readers.\n")
    write(notes / f"{ids[2]}.md", "---\ntopics: [agents, code]\npick: true\n---\n")
    result = cli("list", cwd=root)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == f"2026-05-20: {len(ids)} papers, 1 hidden"
    assert lines[1].split() == ["rank", "upvotes", "id", "topics"]
    rows = [line.split(maxsplit=3) for line in lines[2:]]
    assert [row[2] for row in rows] == ids
    assert len({line.index(row[2]) for line, row in zip(lines[2:], rows, strict=True)}) == 1
    assert [row[0] for row in rows] == ["1", "-", *map(str, range(2, len(ids)))]
    data = yaml.safe_load((root / "content" / "days" / "2026-05-20.yaml").read_text("utf-8"))
    assert [int(row[1]) for row in rows] == [p["upvotes"] for p in data["papers"]]
    topics = build_topics(root)
    assert rows[1][3].endswith("  (hidden)")
    assert rows[2][3] == "agents, code  (set by note; pick)"
    for row in rows[3:]:
        assert row[3] == (", ".join(topics[row[2]]) or "-")


def test_list_of_a_date_as_json_and_quiet(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-01-08", "2026-05-20")
    listed = json.loads(cli("list", "2026-01-08", "--json", cwd=root).stdout)
    assert listed["date"] == "2026-01-08"
    assert [p["id"] for p in listed["papers"]] == day_ids(root, "2026-01-08")
    first = listed["papers"][0]
    assert first["rank"] == 1 and first["title"] == paper(root, first["id"])["title"]
    quiet = cli("list", "-q", "2026-01-08", cwd=root).stdout.splitlines()
    assert [line.split()[2] for line in quiet] == day_ids(root, "2026-01-08")


def test_list_refuses_an_unknown_day_or_a_broken_paper_in_one_line(tmp_path: Path) -> None:
    empty = cli("list", cwd=new_archive(tmp_path / "empty"))
    assert (empty.returncode, empty.stdout, empty.stderr) == (
        1, "", "paperpress: content/days: no days yet; import one with 'paperpress import FILE'\n")
    root = imported(tmp_path, "2026-01-08", "2026-05-20")
    unknown = cli("list", "2026-01-09", cwd=root)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (
        1, "", "paperpress: 2026-01-09: no such day in content/days/ (the latest is "
               "2026-05-20; 'paperpress list' shows it)\n")
    pid = day_ids(root, "2026-05-20")[3]
    broken = root / "content" / "papers" / f"{pid}.yaml"
    broken.write_text(broken.read_text("utf-8").replace("title:", "title: [", 1), "utf-8")
    result = cli("list", cwd=root)
    no_traceback(result)
    assert result.returncode == 1 and result.stdout == ""
    assert re.fullmatch(rf"content/papers/{pid}\.yaml:2: YAML syntax: [^\n]+\n", result.stderr)


def test_list_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    root = imported(tmp_path, "2026-05-20")
    read, written = os.pipe()
    os.close(read)  # as `paperpress list | head -1` once head has its line
    try:
        done = subprocess.run(_command(("list",)), cwd=root, stdout=written,
                              stderr=subprocess.PIPE, text=True, env=_env(), timeout=120)
    finally:
        os.close(written)
    assert (done.returncode, done.stderr) == (1, "")


# -- topics: exclude and --explain -------------------------------------------------------
TOPICS = """\
topics:
- slug: agents
  name: Agents
  keywords: [agent, tool use]
  exclude: [reagent]
- slug: chemistry
  name: Chemistry
  keywords: [reagent, wet lab]
"""
CHEMISTS = "Agent chemists"


def chemistry_archive(tmp_path: Path) -> Path:
    root = new_archive(tmp_path / "a")
    write(root / "content" / "topics.yaml", TOPICS)
    day = write(tmp_path / "in" / "jan8.txt", day_text(
        "Jan 8",
        entry(CHEMISTS, "An agent handles each reagent, with tool use.",
              when="Dec 30, 2025 3"),
        entry("Tool use by agents", "Agents call tools.", when="Dec 30, 2025 2")))
    assert cli("import", "-q", day, cwd=root).returncode == 0
    return root


def page_topics(site: Path, pid: str) -> set[str]:
    """The topics a built paper page links to."""
    soup = BeautifulSoup((site / "papers" / pid / "index.html").read_text("utf-8"),
                         "html.parser")
    return {m.group(1) for a in soup.find_all("a", href=True)
            if (m := re.search(r"topics/([^/]+)/$", a["href"]))}


def test_exclude_keeps_a_topic_off_in_the_built_site(tmp_path: Path) -> None:
    root = chemistry_archive(tmp_path)
    built = cli("build", "-q", "--out", tmp_path / "site", cwd=root)
    assert built.returncode == 0, built.stderr
    assert page_topics(tmp_path / "site", "agent-chemists") == {"chemistry"}
    assert page_topics(tmp_path / "site", "tool-use-by-agents") == {"agents"}
    topics = root / "content" / "topics.yaml"
    topics.write_text(TOPICS.replace("  exclude: [reagent]\n", ""), "utf-8")
    assert cli("build", "-q", "--out", tmp_path / "site", cwd=root).returncode == 0
    assert page_topics(tmp_path / "site", "agent-chemists") == {"agents", "chemistry"}


def test_check_explain_names_the_keywords_and_the_exclude(tmp_path: Path) -> None:
    root = chemistry_archive(tmp_path)
    result = cli("check", "--explain", "agent-chemists", cwd=root)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "agent-chemists: Agent chemists\n"
        "  agents: 'agent' (title), 'tool use' (abstract); excluded by 'reagent' (abstract)\n"
        "  chemistry: 'reagent' (abstract)\n"
        "automatic topics: chemistry\n"
        "no note: the automatic topics are its topics\n")
    stub = cli("note", "agent", "chemists", cwd=root)
    assert stub.returncode == 0
    note = root / "content" / "notes" / "agent-chemists.md"
    assert "\n# topics: [chemistry]   # automatic; uncomment to override\n" in note.read_text()
    note.write_text("---\ntopics: [agents]\n---\n", "utf-8")
    result = cli("check", "--explain", "agent-chemists", cwd=root)
    assert result.stdout.splitlines()[-2:] == [
        "automatic topics: chemistry",
        "content/notes/agent-chemists.md sets its topics, replacing the automatic ones: agents"]
    unknown = cli("check", "--explain", "no-such-paper", cwd=root)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (
        1, "", "paperpress: no-such-paper: no such paper in content/papers/ "
               "(ids are shown on paper pages)\n")


def test_a_bad_exclude_is_one_line_with_its_line_number(tmp_path: Path) -> None:
    root = chemistry_archive(tmp_path)
    write(root / "content" / "topics.yaml", (
        "topics:\n"
        "- slug: agents\n  name: Agents\n  keywords: [agent]\n  exclude: reagent\n"
        "- slug: chemistry\n  name: Chemistry\n  exlude: [agent]\n"))
    expected = [
        "content/topics.yaml:5: topic 'agents': exclude must be a list of words or phrases",
        "content/topics.yaml:8: topic 'chemistry': unknown key 'exlude' "
        "(known: slug, name, description, keywords, exclude)",
    ]
    before = tree(root)
    for args in (("check",), ("build", "-q"), ("note", "agent-chemists"),
                 ("check", "--explain", "agent-chemists"), ("list",)):
        result = cli(*args, cwd=root)
        no_traceback(result)
        assert (result.returncode, result.stderr.splitlines()) == (1, expected), args
    assert tree(root) == before


def test_the_starter_topics_show_an_exclude_that_works(tmp_path: Path) -> None:
    root = new_archive(tmp_path / "a")
    starter = yaml.safe_load((root / "content" / "topics.yaml").read_text("utf-8"))
    code = next(t for t in starter["topics"] if t["slug"] == "code")
    assert "dynamic programming" in code["exclude"]
    day = write(tmp_path / "jan8.txt", day_text(
        "Jan 8",
        entry("Programming with small models", "Models write programs.", when="Dec 30, 2025 3"),
        entry("Faster dynamic programming", "Dynamic programming on GPUs.",
              when="Dec 30, 2025 2")))
    assert cli("import", "-q", day, cwd=root).returncode == 0
    rows = [line.split(maxsplit=3) for line in cli("list", "-q", cwd=root).stdout.splitlines()]
    assert [(row[2], row[3]) for row in rows] == [
        ("programming-with-small-models", "code"), ("faster-dynamic-programming", "-")]


# -- the README shows what the commands print ------------------------------------------
def readme_examples() -> list[tuple[list[str], list[str]]]:
    """Each one-command `sh` block of the README followed by a plain block: the
    command's arguments and the lines shown ('...' ends an excerpt)."""
    text = (REPO / "README.md").read_text("utf-8")
    found = re.findall(r"```sh\npaperpress ([^\n]+)\n```\n\n```\n(.*?)```", text, re.DOTALL)
    return [(args.split(), shown.splitlines()) for args, shown in found]


def test_readme_list_and_explain_examples_are_what_the_commands_print(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    shutil.copytree(REPO / "content", root / "content")
    hidden = "sam2long-enhancing-sam-2-for-long-video-segmentation-with-a-training-40d2db1b"
    write(root / "content" / "notes" / f"{hidden}.md", "---\nhidden: true\n---\n")
    examples = {args[0]: (args, shown) for args, shown in readme_examples()
                if args[0] in ("list", "check")}
    assert set(examples) == {"list", "check"}
    for args, shown in examples.values():
        result = cli(*args, cwd=root)
        assert (result.returncode, result.stderr) == (0, "")
        excerpt = shown[:-1] if shown[-1] == "..." else shown
        assert result.stdout.splitlines()[:len(excerpt)] == excerpt, args
    result = cli("note", "llm", "in", "a", "flash", cwd=root)  # the README's note example
    assert result.stdout == ("content/notes/llm-in-a-flash-efficient-large-language-model-"
                             "inference-with-limited-memory.md\n")


def test_explain_agrees_with_the_build_on_every_shipped_paper() -> None:
    archive = index(load(ContentPaths(REPO)))
    topics = tuple(replace(t, exclude=("image-text alignment", "survey", "C++", "GPT-4o"))
                   for t in archive.topics)
    rules = compile_rules(topics)
    excluded = 0
    for paper in archive.papers.values():
        found = explain(paper, topics)
        assert tuple(e.topic.slug for e in found if e.assigned) == rules.match(
            f"{paper.title}\n{paper.abstract}"), paper.id
        excluded += sum(bool(e.excluded_by) for e in found)
    assert excluded > 10  # the excludes were put to the test

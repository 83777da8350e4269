"""Hostile and broken input: every command answers with one line naming the file.

Links that lead out of the archive, YAML values that cannot be built, absurd
numbers in a scraped day, megabyte abstracts, damaged parse caches and
shapes found by fuzzing. Each case runs the real command and checks that it
stops with exit status 1 and one `path:line: message` line (or, where the
input is fine, that it works), never a traceback and never a hang.
"""

from __future__ import annotations

import os
import pickle
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from archive_helpers import (
    FIXTURES,
    REAL,
    cli,
    day_text,
    entry,
    import_days,
    line_of,
    new_archive,
    run,
    tree,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from generator.archive.cache import VERSION
from generator.core import ids
from generator.ingest import scrape
from generator.ingest.scrape import ScrapeError, links
from generator.site.render import linkify

MARKER = "OUTSIDE-MARKER-5e1f"
PID = "memory-layers-at-scale"
PAPER = f"content/papers/{PID}.yaml"
OTHER = "titans-learning-to-memorize-at-test-time"
DAY = "content/days/2024-03-03.yaml"
NOTE = f"content/notes/{PID}.md"
SCRAPED = "content/scraped/2024-03-03.txt"
OUT_FILE = "a link to a file outside {}; replace it with the file itself"
OUT_FOLDER = "a link to a folder outside {}; replace it with the folder itself"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture day (2024-03-03, four papers) imported into a fresh archive."""
    root = new_archive(tmp_path_factory.mktemp("faults") / "base")
    assert import_days(root, FIXTURES / "small-day.txt") == 0
    return root


@pytest.fixture
def root(base: Path, tmp_path: Path) -> Path:
    """A private copy of the base archive to break."""
    copy = tmp_path / "archive"
    shutil.copytree(base, copy)
    return copy


def paperpress(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`paperpress ARGS` run in the archive; `cli`'s timeout is the hang guard."""
    return cli(*args, cwd=root)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a refused command prints, after checking how it stopped."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "<unicode string>" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def files_with(folder: Path, marker: str) -> list[str]:
    if not folder.is_dir():
        return []
    return [name for name, data in tree(folder).items() if marker.encode() in data]


# -- links that leave the archive -------------------------------------------
def _link(root: Path, relative: str, target: Path) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target, target_is_directory=target.is_dir())


def _outside(root: Path, name: str, text: str) -> Path:
    path = root.parent / "outside" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _mine(root: Path) -> None:
    """Use a theme of the archive's own, `themes/mine`."""
    site = root / "content/site.yaml"
    site.write_text(site.read_text().replace("theme: default", "theme: mine"))
    (root / "themes/mine/templates").mkdir(parents=True, exist_ok=True)


def link_note(root: Path) -> str:
    _link(root, NOTE, _outside(root, "note.md", f"---\npick: true\n---\n{MARKER}\n"))
    return NOTE


def link_paper(root: Path) -> str:
    text = (root / PAPER).read_text().replace("title: Memory Layers at Scale", f"title: {MARKER}")
    _link(root, PAPER, _outside(root, "paper.yaml", text))
    return PAPER


def link_day(root: Path) -> str:
    _link(root, DAY, _outside(root, "day.yaml", (root / DAY).read_text() + f"# {MARKER}\n"))
    return DAY


def link_site(root: Path) -> str:
    text = (root / "content/site.yaml").read_text().replace("title: Daily Papers Archive",
                                                            f"title: {MARKER}")
    _link(root, "content/site.yaml", _outside(root, "site.yaml", text))
    return "content/site.yaml"


def link_topics(root: Path) -> str:
    text = (root / "content/topics.yaml").read_text().replace("name: Agents", f"name: {MARKER}")
    _link(root, "content/topics.yaml", _outside(root, "topics.yaml", text))
    return "content/topics.yaml"


def link_scraped(root: Path) -> str:
    text = (root / SCRAPED).read_text().replace("Memory layers use", f"{MARKER} use")
    _link(root, SCRAPED, _outside(root, "day.txt", text))
    return SCRAPED


def link_template(root: Path) -> str:
    _mine(root)
    relative = "themes/mine/templates/paper.html"
    _link(root, relative, _outside(root, "paper.html", f"{MARKER} {{{{ page.title }}}}\n"))
    return relative


def link_static(root: Path) -> str:
    _mine(root)
    relative = "themes/mine/static/style.css"
    _link(root, relative, _outside(root, "style.css", f"/* {MARKER} */\n"))
    return relative


def link_notes_folder(root: Path) -> str:
    _outside(root, f"notes/{PID}.md", f"---\npick: true\n---\n{MARKER}\n")
    _link(root, "content/notes", root.parent / "outside/notes")
    return "content/notes"


def link_static_folder(root: Path) -> str:
    _mine(root)
    _outside(root, "static/style.css", f"/* {MARKER} */\n")
    _link(root, "themes/mine/static", root.parent / "outside/static")
    return "themes/mine/static"


def link_content_folder(root: Path) -> str:
    moved = root.parent / "outside/content"
    moved.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(root / "content", moved)
    (moved / "notes" / f"{PID}.md").write_text(f"---\npick: true\n---\n{MARKER}\n")
    _link(root, "content", moved)
    return "content"


LINKS: dict[str, tuple[Callable[[Path], str], str, bool]] = {
    # kind: (make the link, what the message says it leaves, whether `build` reads it)
    "note": (link_note, OUT_FILE.format("the archive"), True),
    "paper": (link_paper, OUT_FILE.format("the archive"), True),
    "day": (link_day, OUT_FILE.format("the archive"), True),
    "site.yaml": (link_site, OUT_FILE.format("the archive"), True),
    "topics.yaml": (link_topics, OUT_FILE.format("the archive"), True),
    "scraped copy": (link_scraped, OUT_FILE.format("the archive"), False),
    "template": (link_template, OUT_FILE.format("the theme"), True),
    "static file": (link_static, OUT_FILE.format("the theme"), True),
    "notes folder": (link_notes_folder, OUT_FOLDER.format("the archive"), True),
    "static folder": (link_static_folder, OUT_FOLDER.format("the theme"), True),
    "content folder": (link_content_folder, OUT_FOLDER.format("the archive"), True),
}


@pytest.mark.parametrize("kind", LINKS)
def test_a_link_out_of_the_archive_is_refused_and_never_published(root: Path, kind: str) -> None:
    make, message, built = LINKS[kind]
    relative = make(root)
    assert one_line(paperpress(root, "check")) == f"{relative}: {message}"
    result = paperpress(root, "build", "--quiet")
    if built:
        assert one_line(result) == f"{relative}: {message}"
    else:  # `build` never reads scraped copies; it still publishes nothing of them
        assert (result.returncode, result.stderr) == (0, "")
    assert files_with(root / "site", MARKER) == []


def test_a_note_shared_by_a_link_inside_the_archive_is_allowed(root: Path) -> None:
    (root / NOTE).write_text(f"---\npick: true\n---\nShared {MARKER}\n")
    (root / f"content/notes/{OTHER}.md").symlink_to(f"{PID}.md")
    assert paperpress(root, "check").returncode == 0
    assert paperpress(root, "build", "--quiet").returncode == 0
    assert {f"papers/{PID}/index.html", f"papers/{OTHER}/index.html"} <= set(
        files_with(root / "site", MARKER))


def test_note_command_does_not_read_a_linked_paper(root: Path) -> None:
    link_paper(root)
    result = paperpress(root, "note", PID)
    assert one_line(result) == f"paperpress: {PAPER}: {OUT_FILE.format('the archive')}"
    assert not (root / NOTE).exists()


def test_a_pipe_in_place_of_a_note_is_refused_without_waiting_on_it(root: Path) -> None:
    os.mkfifo(root / NOTE)
    assert one_line(paperpress(root, "check")) == (
        f"{NOTE}: not a plain file; replace it with a file")


# -- megabyte abstracts ------------------------------------------------------
MEGA = 1_000_000
ABSTRACTS = {  # shape: (abstract, the links the paper file keeps)
    "one URL and a million ')'": ("See http://a/" + ")" * MEGA, ["http://a/"]),
    "fifty thousand URLs": (" ".join(["http://a.example/x)."] * (MEGA // 20)),
                            ["http://a.example/x"]),
    "a million '('": ("(" * MEGA + " done.", []),
    "a URL of a megabyte": ("See https://a.example/" + "a" * MEGA + ".",
                            ["https://a.example/" + "a" * MEGA]),
}


@pytest.mark.parametrize("shape", ABSTRACTS)
def test_a_megabyte_abstract_imports_and_builds(tmp_path: Path, shape: str) -> None:
    abstract, kept = ABSTRACTS[shape]
    root = new_archive(tmp_path / "archive")
    day = tmp_path / "huge.txt"
    day.write_text(day_text("Mar 3", entry("A huge abstract", abstract, when="Feb 1, 2024 2")))
    assert paperpress(root, "import", "--quiet", day).returncode == 0
    paper = (root / "content/papers/a-huge-abstract.yaml").read_text()
    assert paper.count("\n- http") == len(kept) and all(url in paper for url in kept)
    assert paperpress(root, "build", "--quiet").returncode == 0
    page = (root / "site/papers/a-huge-abstract/index.html").read_text()
    assert all(f'<a href="{url}" rel="nofollow">' in page for url in kept)


def _trim_reference(url: str, trailing: str, drop_git: bool) -> str:
    """URL trimming as a reader states it: drop one piece off the end at a time."""
    while True:
        stripped = url.rstrip(trailing)
        if drop_git and stripped.endswith(".git"):
            stripped = stripped[:-4]
        if stripped.endswith(")") and stripped.count("(") < stripped.count(")"):
            stripped = stripped[:-1]
        if stripped == url:
            return url
        url = stripped


PIECES = ["http://", "https://", "a", "x.y", "/", "(", ")", ")", ".", ",", ";", "!", "?", "*",
          ".git", "git", " ", "\n", "'", "]", "é"]


def _linkify_reference(text: str) -> str:
    out, last = [], 0
    for match in scrape.URL.finditer(text):
        url = _trim_reference(match.group(0), ".,;:!?'\"*", drop_git=False)
        if urlsplit(url).netloc:
            out += [str(escape(text[last : match.start()])),
                    f'<a href="{escape(url)}" rel="nofollow">{escape(url)}</a>']
            last = match.start() + len(url)
    return "".join([*out, str(escape(text[last:]))])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_links_match_trimming_one_piece_at_a_time(text: str) -> None:
    expected: dict[str, None] = {}
    for match in scrape.URL.finditer(text):
        url = _trim_reference(match.group(0), ".,;:!?]}'\"*", drop_git=True)
        if url.split("://", 1)[1]:
            expected.setdefault(url, None)
    assert links(text) == tuple(expected)
    assert str(linkify(text)) == _linkify_reference(text)


# -- YAML values that cannot be built, in every kind of file ------------------
VALUES = {
    "bool of text": '!!bool "x"',
    "int of text": '!!int "x"',
    "int of an underscore": '!!int "_"',
    "float of text": '!!float "x"',
    "timestamp of text": '!!timestamp "x"',
    "binary that is not base64": '!!binary "a"',
    "set of a list": "!!set [1]",
    "omap of a mapping": "!!omap {a: 1}",
    "merge of a number": "{<<: 1}",
    "huge int": "9" * 5000,
    "huge hex int": "0x" + "f" * 200,
    "sexagesimal int": "1" + ":5" * 300,
    "nested past the limit": "[" * 150 + "]" * 150,
    "nested past the parser's limit": "[" * 100_000 + "]" * 100_000,
    "NUL": '"a\x00b"',
}
FILES = {  # kind: (file, the text the value replaces, its line; 0: where it lands)
    "site.yaml": ("content/site.yaml", "feed_size: 50", 5),
    "topics.yaml": ("content/topics.yaml", "name: Agents", 0),
    "day": (DAY, "upvotes: 12", 5),
    "paper": (PAPER, "published: 2024-02-27", 6),
    "note": (NOTE, "", 3),
}


def _put_value(root: Path, kind: str, value: str) -> int:
    """Write `value` into one file of the archive; the line it is on."""
    relative, old, line = FILES[kind]
    path = root / relative
    if kind == "note":
        path.write_text(f"---\nhidden: false\npick: {value}\n---\nBody.\n")
        return line
    text = path.read_text()
    key = old.split(":")[0]
    text = text.replace(old, f"{key}: {value}", 1)
    path.write_text(text)
    return line or text[: text.index(f"{key}: {value}")].count("\n") + 1


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("kind", FILES)
def test_a_value_yaml_cannot_build_is_one_line_with_its_file_and_line(
        root: Path, kind: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _put_value(root, kind, VALUES[value])
    assert run(root, "check") == 1
    err = capsys.readouterr().err
    assert "<unicode string>" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"{FILES[kind][0]}:{line}: "), err


def test_nul_in_a_note_header_names_the_file_and_line(root: Path) -> None:
    (root / NOTE).write_text("---\npick: true\ntags: [a\x00]\n---\nBody.\n")
    assert one_line(paperpress(root, "check")) == (
        f"{NOTE}:3: YAML: unacceptable character #x0000: control characters are not allowed")


def _day_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "day.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("who", "when", "message"), [
    ("  • 3 authors", "Oct 4, 2024 " + "9" * 400 + "k",
     "upvote count '999999999999…999k' is not believable; fix the line and import again"),
    ("  • 3 authors", "Oct 4, 2024 " + "9" * 4000,
     "upvote count '999999999999…9999' is not believable; fix the line and import again"),
    ("  • 3 authors", "Oct 4, 2024 12345678901",
     "upvote count '12345678901' is not believable; fix the line and import again"),
    ("  • " + "9" * 5000 + " authors", "Oct 4, 2024 3",
     "author count '999999999999…9999' is not believable; fix the line and import again"),
])
def test_an_absurd_count_in_a_scraped_day_is_refused_with_its_line(
        root: Path, tmp_path: Path, who: str, when: str, message: str) -> None:
    text = day_text("Mar 3", entry("Fine", "A fine abstract."),
                    entry("Absurd", "An abstract.", who=who, when=when))
    bad = who if "author count" in message else when
    before = tree(root / "content")
    day = _day_with(tmp_path, text)
    assert one_line(paperpress(root, "import", day)) == f"{day}:{line_of(text, bad)}: {message}"
    assert tree(root / "content") == before


@pytest.mark.parametrize("when", ["May 9, 9999 3", "Jan 1, 0000 3"])  # years 10000 and 0
def test_an_entry_dated_past_the_calendar_asks_for_the_date(
        root: Path, tmp_path: Path, when: str) -> None:
    text = day_text("Jan 1", entry("Far future", "An abstract.", when=when))
    day = _day_with(tmp_path, text)
    header = text.count("\n", 0, text.index("Jan 1")) + 1
    message = one_line(paperpress(root, "import", day))
    assert message.startswith(f"{day}:{header}: cannot tell the day's year")
    assert message.endswith("pass --date YYYY-MM-DD")
    assert paperpress(root, "import", "--quiet", "--date", "2026-01-01", day).returncode == 0


# -- a damaged parse cache is no cache ----------------------------------------
def _valid_cache(cache: Path) -> tuple:
    return pickle.loads((cache / "content-papers.pickle").read_bytes())


def _first(entries: dict) -> str:
    return sorted(entries)[0]


CACHES: dict[str, Callable[[tuple], object]] = {
    "a list": lambda good: [1, 2],
    "a short tuple": lambda good: (VERSION,),
    "a long tuple": lambda good: (*good, None),
    "entries a list": lambda good: (VERSION, [1], None),
    "entries of numbers": lambda good: (VERSION, {1: 2}, None),
    "an entry of the wrong length": lambda good: (
        VERSION, {k: v[:2] for k, v in good[1].items()}, good[2]),
    "a value of the wrong kind": lambda good: (
        VERSION, {k: (v[0], "x", v[2]) for k, v in good[1].items()}, good[2]),
    "a parse time of text": lambda good: (
        VERSION, {k: (v[0], v[1], "x") for k, v in good[1].items()}, good[2]),
    "a key of text": lambda good: (
        VERSION, {k: ("key", v[1], v[2]) for k, v in good[1].items()}, good[2]),
    "derived a list": lambda good: (VERSION, good[1], [1]),
    "topic memo a list": lambda good: (VERSION, good[1], {"topics": [1]}),
    "topic memo of numbers": lambda good: (
        VERSION, good[1], {"topics": {**good[2]["topics"], "papers": {PID: 1}}}),
}


@pytest.fixture(scope="module")
def built(base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, tuple]:
    """An archive built once: its site's files and its papers' parse cache.

    Every test of a damaged cache builds this same archive again: a copy
    would have other inodes, and the cache would never be asked.
    """
    root = tmp_path_factory.mktemp("cache") / "archive"
    shutil.copytree(base, root)
    time.sleep(0.1)  # past the cache's racy window, so that the next builds trust it
    # no search index: Pagefind's filter files differ from run to run (see test_search.py)
    assert paperpress(root, "build", "--quiet", "--no-search").returncode == 0
    return root, tree(root / "site"), _valid_cache(root / ".paperpress-cache")


@pytest.mark.parametrize("shape", CACHES)
def test_a_parse_cache_of_the_wrong_shape_is_no_cache(
        built: tuple[Path, dict, tuple], shape: str) -> None:
    root, site, good = built
    (root / ".paperpress-cache/content-papers.pickle").write_bytes(
        pickle.dumps(CACHES[shape](good)))
    shutil.rmtree(root / "site")
    result = paperpress(root, "build", "--quiet", "--no-search")
    assert (result.returncode, result.stderr) == (0, "")
    assert tree(root / "site") == site


# -- ids with a trailing newline ----------------------------------------------
def test_an_id_or_slug_with_a_trailing_newline_is_not_safe() -> None:
    assert ids.is_safe_id("agents") and not ids.is_safe_id("agents\n")
    assert ids.is_safe_slug("Org.x") and not ids.is_safe_slug("Org.x\n")


def test_a_topic_slug_with_a_trailing_newline_is_refused(root: Path) -> None:
    topics = root / "content/topics.yaml"
    text = topics.read_text().replace("- slug: agents", '- slug: "agents\\n"', 1)
    topics.write_text(text)
    line = text[: text.index('"agents\\n"')].count("\n") + 1
    assert one_line(paperpress(root, "check")) == (
        f"content/topics.yaml:{line}: topic slug 'agents\\n' must be lowercase letters, "
        "digits and hyphens")


# -- found by fuzzing ---------------------------------------------------------------
def _laughs() -> str:
    text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 10):
        text += f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]\n"
    return text


def _merges(count: int) -> str:
    return "m0: &m0 {k: 1}\n" + "".join(
        f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: 1}}\n" for i in range(1, count))


def test_an_alias_bomb_in_a_paper_file_stops_import_at_once(root: Path) -> None:
    """An unknown key holding "billion laughs": an import that keeps the paper's own
    fields (an older day) would write all 10^10 values out."""
    paper = root / PAPER
    text = paper.read_text().replace("last_seen: 2024-03-03", "last_seen: 2025-01-01")
    paper.write_text(text.replace("first_seen: 2024-03-03", "first_seen: 2024-06-01") + _laughs())
    older = root.parent / "older.txt"
    older.write_text((FIXTURES / "small-day.txt").read_text().replace("Mar 3", "Mar 2"))
    line = line_of(paper.read_text(), "l5:")  # 1 + 10 * 111,111 values
    assert one_line(paperpress(root, "import", older)) == (
        f"{PAPER}:{line}: aliases expand to more than 1,000,000 values; "
        "write the values out instead")


def test_merge_keys_that_expand_quadratically_are_refused(root: Path) -> None:
    (root / "content/topics.yaml").write_text(_merges(20_000))
    assert one_line(paperpress(root, "check")).startswith(
        "content/topics.yaml:100: values nested more than 100 levels deep")


def test_a_value_nested_a_thousand_levels_in_a_paper_is_one_line(root: Path) -> None:
    paper = root / PAPER
    paper.write_text(paper.read_text().replace(
        "title: Memory Layers at Scale", "title: " + "[" * 990 + "]" * 990))
    assert one_line(paperpress(root, "check")) == (
        f"{PAPER}:2: values nested more than 100 levels deep")


def test_a_settings_file_with_twenty_thousand_keys_is_checked_in_linear_time(root: Path) -> None:
    site = root / "content/site.yaml"
    settings = site.read_text()
    site.write_text(settings + "".join(f"k{i}: {i}\n" for i in range(20_000)))
    result = paperpress(root, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = settings.count("\n") + 20_000
    assert result.stderr.splitlines()[-1] == f"content/site.yaml:{last}: unknown setting 'k19999'"


def _mutations(raw: bytes, rng: random.Random) -> bytes:
    """One of the ways a saved day gets damaged."""
    at = rng.randrange(len(raw))
    how = rng.randrange(8)
    if how == 0:
        return raw[:at]
    if how == 1:
        return raw[:at] + raw[rng.randrange(len(raw)):][: rng.randrange(2000)] + raw[at:]
    if how == 2:
        return raw[:at] + bytes([rng.choice([0, 1, 8, 13, 27, 127, 0x80, 0xc3, 0xff])]) + raw[at:]
    if how == 3:
        return raw[:at] + rng.choice([b"(", b")", b"http://x/", b"a", b"9"]) * 100_000 + raw[at:]
    if how == 4:
        return rng.choice([b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"]) + raw
    if how == 5:
        return raw.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n\n"]))
    nines = b"9" * rng.randrange(1, 6000)
    if how == 6:  # a garbled upvote count
        return re.sub(rb"(?m)^([A-Z][a-z]{2} \d{1,2}, \d{4})( \d+)?$",
                      rb"\1 " + nines + rng.choice([b"", b"k"]), raw, count=3)
    return re.sub(rb"(?m)^(\s*\xe2\x80\xa2 )\d+ authors$", rb"\g<1>" + nines + b" authors",
                  raw, count=3)  # a garbled author count


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(REAL)), st.integers(0, 2**32), st.integers(1, 3))
def test_a_damaged_real_day_parses_or_is_refused(name: str, seed: int, rounds: int) -> None:
    raw, rng = REAL[name].read_bytes(), random.Random(seed)
    for _ in range(rounds):
        raw = _mutations(raw, rng) or b"x"
    try:
        day = scrape.parse(raw)
    except ScrapeError as err:
        assert err.message and err.line >= 0
        return
    assert day.entries and all(0 <= e.upvotes < 10**18 for e in day.entries)  # fits YAML

"""`paperpress check`: every problem in the content tree as `path:line: message`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from archive_helpers import FIXTURES, cli, import_days, new_archive, write

from generator.archive.content import load
from generator.core.paths import ContentPaths
from generator.core.store import ContentError

LAYERS = "content/papers/memory-layers-at-scale.yaml"
DAY = "content/days/2024-03-03.yaml"
NOTE = "content/notes/memory-layers-at-scale.md"
VIDEO = "- slug: video\n  name: Video\n  keywords:\n  - video\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid archive: the fixture day (2024-03-03, four papers) imported."""
    root = new_archive(tmp_path_factory.mktemp("check") / "base")
    assert import_days(root, FIXTURES / "small-day.txt") == 0
    return root


@pytest.fixture
def root(base: Path, tmp_path: Path) -> Path:
    """A private copy of the base archive to break."""
    copy = tmp_path / "archive"
    for path in base.rglob("*"):
        if path.is_file():
            write(copy / path.relative_to(base), path.read_bytes())
    return copy


def problems(root: Path) -> list[str]:
    try:
        load(ContentPaths(root), strict=True)
    except ContentError as err:
        return [str(p) for p in err.problems]
    return []


def edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text("utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), "utf-8")
    return change


def put(relative: str, text: str) -> Callable[[Path], None]:
    return lambda root: write(root / relative, text)


def remove(relative: str) -> Callable[[Path], None]:
    return lambda root: (root / relative).unlink()


def test_the_base_archive_is_clean(base: Path) -> None:
    assert problems(base) == []
    text = (base / LAYERS).read_text()  # the line numbers the cases below rely on
    assert text.splitlines()[1] == "title: Memory Layers at Scale"
    assert text.splitlines()[6:8] == ["organization:", "  slug: facebook"]
    assert (base / DAY).read_text().splitlines()[4:7] == [
        "  upvotes: 12", "- id: memory-layers-at-scale", "  upvotes: 3"]


CASES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    # paper files
    "yaml syntax": (edit(LAYERS, "title: Memory Layers at Scale", "title: Memory: Layers: x"),
                    [f"{LAYERS}:2: YAML syntax: mapping values are not allowed"]),
    "impossible date": (edit(LAYERS, "published: 2024-02-27", "published: 2024-02-30"),
                        [f"{LAYERS}:6: invalid value: day is out of range for month"]),
    "unsafe python tag": (edit(LAYERS, "links:\n", "links: !!python/name:os.system\n"),
                          [f"{LAYERS}:10: YAML syntax: could not determine a constructor for "
                           "the tag 'tag:yaml.org,2002:python/name:os.system'"]),
    "missing abstract": (edit(LAYERS, "abstract: >-\n  Memory layers use a trainable key-value "
                              "lookup mechanism to add extra parameters\n  to a model (see "
                              "https://github.com/facebookresearch/memory).\n", ""),
                         [f"{LAYERS}:1: abstract is required text"]),
    "empty title": (edit(LAYERS, "title: Memory Layers at Scale", "title: ''"),
                    [f"{LAYERS}:2: title is required text"]),
    "id differs from name": (edit(LAYERS, "id: memory-layers-at-scale", "id: other"),
                             [f"{LAYERS}:1: id must be 'memory-layers-at-scale', the file's name"]),
    "first_seen not a date": (edit(LAYERS, "first_seen: 2024-03-03", "first_seen: soon"),
                              [f"{LAYERS}:12: first_seen must be a date (YYYY-MM-DD)"]),
    "hostile org slug": (edit(LAYERS, "slug: facebook", "slug: ../x"),
                         [f"{LAYERS}:7: organization needs a slug (letters, digits, - _ .) "
                          "and a name"]),
    "links not a list": (edit(LAYERS, "links:\n- https", "links: https://x\nold:\n- https"),
                         [f"{LAYERS}:10: links must be a list of URLs"]),
    "paper not a mapping": (put(LAYERS, "- just\n- a list\n"),
                            [f"{LAYERS}:1: a paper file must be a mapping of fields"]),
    "paper file name": (put("content/papers/Not_An_Id.yaml", "id: x\n"),
                        ["content/papers/Not_An_Id.yaml: file name is not a valid paper id"]),
    "not utf-8": (put("content/papers/bad-bytes.yaml", "id: caf\u00e9\n".encode("latin-1")),
                  ["content/papers/bad-bytes.yaml: cannot read: 'utf-8' codec can't decode "
                   "byte 0xe9 in position 7: invalid continuation byte"]),
    # day files
    "day names a missing paper": (remove("content/papers/memory-layers-at-scale.yaml"),
                                  [f"{DAY}:6: paper 'memory-layers-at-scale' has no file in "
                                   "content/papers/"]),
    "day names a path": (edit(DAY, "- id: memory-layers-at-scale", "- id: ../../x"),
                         [f"{DAY}:6: each paper needs a valid id"]),
    "day lists a paper twice": (edit(DAY, "- id: seed-mem-a-memory-benchmark",
                                     "- id: memory-layers-at-scale"),
                                [f"{DAY}:10: paper 'memory-layers-at-scale' is listed twice"]),
    "negative upvotes": (edit(DAY, "upvotes: 3", "upvotes: -3"),
                         [f"{DAY}:6: upvotes must be a whole number"]),
    "date differs from name": (edit(DAY, "date: 2024-03-03", "date: 2024-03-04"),
                               [f"{DAY}:1: date must be 2024-03-03, the file's name"]),
    "source outside content": (edit(DAY, "source: scraped/2024-03-03.txt",
                                    "source: ../../etc/passwd"),
                               [f"{DAY}:2: source '../../etc/passwd' names no file in content/; "
                                "expected scraped/2024-03-03.txt"]),
    "day without papers": (put(DAY, "date: 2024-03-03\n"),
                           [f"{DAY}:1: a day file needs date, source and a papers list"]),
    "day file name": (put("content/days/latest.yaml", "date: 2024-03-03\npapers: []\n"),
                      ["content/days/latest.yaml: a day file is named YYYY-MM-DD.yaml"]),
    # notes
    "note unknown key": (put(NOTE, "---\npick: true\nstar: yes\n---\nText.\n"),
                         [f"{NOTE}:3: unknown front matter key 'star' "
                          "(known: topics, pick, hidden, tags, arxiv, published, updated)"]),
    "note pick not bool": (put(NOTE, "---\ntags: [a]\npick: maybe\n---\n"),
                           [f"{NOTE}:3: pick must be true or false"]),
    "note yaml syntax": (put(NOTE, "---\npick: true\ntags: [a, b\n---\nBody\n"),
                         [f"{NOTE}:4: YAML syntax: "]),
    "note never closed": (put(NOTE, "---\npick: true\nBody\n"),
                          [f"{NOTE}:1: front matter opened with '---' is never closed"]),
    "note topics not a list": (put(NOTE, "---\n\ntopics: {a: 1}\n---\n"),
                               [f"{NOTE}:3: topics must be a list of names"]),
    "note unknown topic": (put(NOTE, "---\npick: false\ntopics: [video, time-travel]\n---\n"),
                           [f"{NOTE}:3: unknown topic(s) time-travel: define them in "
                            "topics.yaml"]),
    "note for unknown paper": (put("content/notes/no-such-paper.md", "Just text.\n"),
                               ["content/notes/no-such-paper.md:1: note for unknown paper "
                                "'no-such-paper'"]),
    "note file name": (put("content/notes/My Note.md", "x\n"),
                       ["content/notes/My Note.md: file name is not a valid paper id"]),
    # topics.yaml and site.yaml
    "topic defined twice": (put("content/topics.yaml", f"topics:\n{VIDEO}{VIDEO}"),
                            ["content/topics.yaml:6: topic 'video' is defined twice"]),
    "topic bad slug": (put("content/topics.yaml", f"topics:\n{VIDEO}- slug: Bad Slug\n"),
                       ["content/topics.yaml:6: topic slug 'Bad Slug' must be lowercase "
                        "letters, digits and hyphens"]),
    "relative base_url": (edit("content/site.yaml", "base_url: https://example.github.io/papers/",
                               "base_url: /papers/"),
                          ["content/site.yaml:3: base_url must be an absolute http(s) URL, "
                           "e.g. https://user.github.io/repo/"]),
    "unknown setting": (edit("content/site.yaml", "theme: default", "theme: default\ncolour: red"),
                        ["content/site.yaml:8: unknown setting 'colour'"]),
    "feed_size zero": (edit("content/site.yaml", "feed_size: 50", "feed_size: 0"),
                       ["content/site.yaml:5: feed_size must be at least 1"]),
    "site.yaml missing": (remove("content/site.yaml"), ["content/site.yaml: missing"]),
    # stray files
    "stray top-level file": (put("content/notes.txt", "x"),
                             ["content/notes.txt: stray file: not part of the archive's layout"]),
    "stray in papers": (put("content/papers/README.md", "x"),
                        ["content/papers/README.md: stray file: papers/ holds *.yaml files"]),
    "stray folder": (put("content/days/2024/old.yaml", "x"),
                     ["content/days/2024: stray file: days/ holds *.yaml files"]),
    "stray in scraped": (put("content/scraped/2024-03-03.yaml", "x"),
                         ["content/scraped/2024-03-03.yaml: stray file: scraped/ holds *.json, "
                          "*.html, *.txt files"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_names_its_file_and_line(root: Path, case: str) -> None:
    breakage, expected = CASES[case]
    breakage(root)
    assert agree(problems(root), expected) == expected


def agree(got: list[str], expected: list[str]) -> list[str]:
    """`got`, with YAML's own wording after `YAML syntax:` (it varies by parser) cut to
    what `expected` spells out."""
    return [next((e for e in expected if "YAML syntax:" in e and g.startswith(e)), g)
            for g in got]


def test_every_problem_is_reported_at_once(root: Path) -> None:
    chosen = ["yaml syntax", "note unknown topic", "stray in papers", "relative base_url",
              "note for unknown paper", "day names a path", "topic bad slug"]
    for case in chosen:
        CASES[case][0](root)
    result = cli("check", cwd=root)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    expected = [line for case in chosen for line in CASES[case][1]]
    assert sorted(agree(result.stderr.splitlines(), expected)) == sorted(expected)


def test_a_broken_paper_is_not_also_called_missing(root: Path) -> None:
    edit(LAYERS, "first_seen: 2024-03-03", "first_seen: soon")(root)
    assert problems(root) == [f"{LAYERS}:12: first_seen must be a date (YYYY-MM-DD)"]


def test_hidden_files_and_gitkeep_are_fine(root: Path) -> None:
    write(root / "content" / "papers" / ".gitkeep", "")
    write(root / "content" / ".DS_Store", "x")
    assert problems(root) == []


def test_check_finds_template_syntax_errors_in_a_user_theme(root: Path) -> None:
    write(root / "themes" / "mine" / "templates" / "paper.html",
          '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    edit("content/site.yaml", "theme: default", "theme: mine")(root)
    done = cli("check", cwd=root)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        "themes/mine/templates/paper.html:3: template syntax: "
        "Expected an expression, got 'end of statement block'"]

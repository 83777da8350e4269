"""Deterministic YAML, safe loading only, atomic writes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core import store
from generator.core.store import (
    ContentError,
    Problem,
    dump,
    item_lines,
    key_lines,
    load_text,
    write_atomic,
    write_yaml,
)


def test_dump_keeps_key_order_and_types() -> None:
    data = {"id": "x", "title": "T", "published": date(2024, 10, 4), "authors": 9,
            "links": [], "organization": {"slug": "nvidia", "name": "NVIDIA"}}
    text = dump(data)
    assert text == (
        "id: x\ntitle: T\npublished: 2024-10-04\nauthors: 9\nlinks: []\n"
        "organization:\n  slug: nvidia\n  name: NVIDIA\n"
    )
    assert load_text(text, "x.yaml") == data


def test_long_text_is_folded_and_reads_back_the_same() -> None:
    abstract = " ".join(["Large language models (LLMs) are central: to modern NLP."] * 12)
    text = dump({"abstract": abstract})
    assert text.startswith("abstract: >-\n  Large language models")
    assert max(len(line) for line in text.splitlines()) <= 90
    assert load_text(text, "p.yaml") == {"abstract": abstract}


def test_dump_is_byte_identical_for_equal_data() -> None:
    one = {"title": "Über: «Mémoire» — 大型", "n": [1, 2], "d": date(2026, 1, 8)}
    two = {"title": "Über: «Mémoire» — 大型", "n": [1, 2], "d": date(2026, 1, 8)}
    assert dump(one).encode("utf-8") == dump(two).encode("utf-8")
    assert "Über: «Mémoire» — 大型" in dump(one)  # UTF-8, not escapes


@pytest.mark.parametrize("value", [
    "yes", "no", "null", "~", "true", "2024-01-01", "1.0", "0x1F", "- item", "# not a comment",
    "key: value", "@at", "`tick`", "'quoted'", '"double"', "", " padded ", "tab\there",
    "line\nbreak", "trailing\n", "\u2028sep", "nul\x00byte", "\ufeffbom", "{a: 1}", "[1]",
    "!!python/object:os.system", "*alias", "&anchor", "%TAG", "?", ":", "a  double  space " * 9,
])
def test_tricky_strings_stay_strings(value: str) -> None:
    assert load_text(dump({"v": value, "l": [value]}), "x") == {"v": value, "l": [value]}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=40), max_size=5))
def test_any_text_round_trips_and_dumps_deterministically(text: str, words: list[str]) -> None:
    data = {"title": text, "abstract": " ".join(words + [text] * 3), "links": words}
    assert load_text(dump(data), "x") == data
    assert dump(load_text(dump(data), "x")) == dump(data)


def reference(data: object) -> str:
    """What PyYAML's own (Python) emitter writes: the bytes `dump` must keep."""
    return yaml.dump(data, Dumper=store._Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=80, indent=2)


# words that make an emitter choose a style: indicators, look-alikes of other types,
# long words at the wrap column, wide and accented characters, spaces at the edges
WORDS = st.sampled_from([
    "yes", "null", "~", "1.5", "0x1F", "2024-01-02", "12:30", "- ", ": ", "#", " #", "...",
    "---", "<<", "'", '"', "a:b", "http://x.y/z?q=1#f", "@x", "`", "!t", "&a", "*a", "%Y",
    "? ", "|", ">", "[]", "{}", "", " ", "  ", "é", "—", "漢字", "\xa0", "\u3000", "\ufffd",
    "\u2027", "\u202a", "\u200b", "\ufeff", "\u2028", "\t", "\n", "😀", "\x85", "\x7f",
    "w" * 79, "w" * 80, "w" * 81, "word",
])
TEXT = st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=40).map("".join) | st.lists(
    WORDS, max_size=60).map(" ".join)


@settings(max_examples=1500, deadline=None)
@given(TEXT, TEXT, st.lists(TEXT, max_size=4), st.dictionaries(TEXT, TEXT, max_size=3),
       st.one_of(st.none(), st.booleans(), st.integers(), st.dates()))
def test_dump_writes_what_pyyamls_own_emitter_writes(title: str, abstract: str,
                                                     names: list[str], more: dict,
                                                     value: object) -> None:
    """`dump` hands most records to libyaml's emitter: it must write PyYAML's bytes."""
    data = {"id": "x", "title": title, "abstract": abstract, "authors": names,
            "organization": {"slug": title[:20], "name": abstract}, "first_seen": date(2024, 1, 2),
            "more": more, "value": value, "papers": [{"id": title, "upvotes": 3}]}
    assert dump(data) == reference(data)


@pytest.mark.parametrize("key", ["", "k" * 99, "k" * 100, "k" * 128, "k" * 129, "é" * 130])
def test_dump_writes_long_and_empty_keys_as_pyyaml_does(key: str) -> None:
    data = {"id": "x", key: "value", "list": [{key: 1}]}
    assert dump(data) == reference(data)


def test_loading_is_safe_only(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f'x: !!python/object/apply:os.system ["touch {marker}"]\n'
    with pytest.raises(ContentError) as err:
        load_text(hostile, "content/papers/x.yaml")
    assert not marker.exists()
    [problem] = err.value.problems
    assert (problem.path, problem.line) == ("content/papers/x.yaml", 1)


def test_syntax_error_names_the_line() -> None:
    text = "id: x\ntitle: fine\nabstract: [unclosed\nauthors: 3\n"
    with pytest.raises(ContentError) as err:
        load_text(text, "content/papers/x.yaml")
    [problem] = err.value.problems
    assert problem.path == "content/papers/x.yaml"
    assert problem.line == 4
    assert str(problem).startswith("content/papers/x.yaml:4: YAML syntax:")


def test_key_and_item_lines() -> None:
    text = "date: 2026-01-08\nsource: s\npapers:\n- id: a\n  upvotes: 1\n- id: b\n"
    assert key_lines(text) == {"date": 1, "source": 2, "papers": 3}
    assert item_lines(text, "papers") == [4, 6]
    assert item_lines(text, "nothing") == [] and key_lines("- a\n") == {}


def test_problem_formatting() -> None:
    assert str(Problem("content/days/x.yaml", 3, "bad")) == "content/days/x.yaml:3: bad"
    assert str(Problem("content/foo.txt", 0, "stray")) == "content/foo.txt: stray"


def test_write_atomic_writes_and_skips_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "file.yaml"
    assert write_atomic(path, b"one\n") is True
    assert path.read_bytes() == b"one\n"
    before = os.stat(path)
    assert write_atomic(path, b"one\n") is False
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert write_yaml(path, {"a": 1}) is True
    assert path.read_bytes() == b"a: 1\n"
    assert os.stat(path).st_ino != before.st_ino  # replaced by rename, not rewritten in place
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.yaml"]


def test_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    keep = tmp_path / "keep.txt"
    keep.write_bytes(b"old")
    with pytest.raises(TypeError):  # fails while writing the temp file
        write_atomic(keep, "not bytes")  # type: ignore[arg-type]
    assert keep.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "taken"]


@pytest.mark.parametrize(("text", "line"), [
    ("id: x\npublished: 2024-02-30\n", 2),
    ("a: 1\nb:\n  - 2024-13-01\n", 3),
    ("a: !!int many\n", 1),
    ("a: ok\nb: !!timestamp someday\n", 2),
])
def test_values_that_cannot_be_built_are_problems_with_lines(text: str, line: int) -> None:
    with pytest.raises(ContentError) as err:
        load_text(text, "f.yaml")
    [problem] = err.value.problems
    assert (problem.path, problem.line) == ("f.yaml", line)
    assert problem.message.startswith("invalid value: ")

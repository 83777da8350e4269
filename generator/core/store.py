"""Deterministic YAML and atomic file writes: the only way content reaches disk.

Everything the tool writes under `content/` goes through `dump` and
`write_atomic`, so the same data always gives the same bytes and a crash
never leaves a half-written file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; semantics are the same
    from yaml import CSafeDumper as FastDumper
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - pure-Python PyYAML
    from yaml import SafeDumper as FastDumper  # type: ignore[assignment]
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

LONG_TEXT = 60


@dataclass(frozen=True)
class Problem:
    """A problem with one input file, printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ContentError(Exception):
    """One or more problems that stop a command; the CLI prints each and exits 1."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _Dumper(yaml.SafeDumper):
    """Block style, long text folded, no aliases, no Python tags."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_BREAKS = re.compile("[\r\x85\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _foldable(value: str) -> bool:
    """Folded style round-trips only single-spaced text without edge spaces or tabs."""
    return " " in value and value == value.strip() and "  " not in value and "\t" not in value


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _BREAKS.search(value):  # YAML folds these as line breaks: quote them
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > LONG_TEXT and _foldable(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


class _FastDumper(FastDumper):
    """libyaml's emitter with `_Dumper`'s choices: about 20 times faster, and the same
    bytes for every value `_same_in_c` accepts (`tests/test_store.py` holds it to that)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_FastDumper.add_representer(str, _str)

# Text both emitters write alike: printable, on one line, in the Basic Multilingual
# Plane (PyYAML writes characters past it as they are, libyaml escapes them). Text
# outside it is written double-quoted, and the two wrap double-quoted text differently.
_SAME_TEXT = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
_SAME_KEY = 100  # longer keys are written as `? key` by one emitter, not the other


def _same_in_c(data: Any) -> bool:
    """Whether libyaml writes `data` exactly as PyYAML's own emitter does: only the
    types content holds, only `_SAME_TEXT`, keys non-empty and short."""
    kind = type(data)
    if kind is str:
        return _SAME_TEXT.fullmatch(data) is not None
    if kind is dict:
        return all(type(k) is str and 0 < len(k) < _SAME_KEY and _same_in_c(k)
                   and _same_in_c(v) for k, v in data.items())
    if kind is list:
        return all(_same_in_c(v) for v in data)
    return data is None or kind in (bool, int, date)


def dump(data: Any) -> str:
    """YAML text for `data`: keys in the order given, UTF-8, block style, wrapped at 80.

    PyYAML's own emitter is the reference. libyaml's writes the same bytes at
    a twentieth of the cost for what content holds, and an import writes a
    file per paper, so it writes every value `_same_in_c` vouches for.
    """
    return yaml.dump(
        data,
        Dumper=_FastDumper if _same_in_c(data) else _Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=80,
        indent=2,
    )


MAX_DIGITS = 18  # no count in an archive comes near; bigger ints only make trouble
MAX_VALUES = 1_000_000  # values a document may hold once its aliases are expanded
MAX_DEPTH = 100  # levels of nesting; content has five at most, YAML writers fail at ~300
# every error a constructor can raise on a well-formed value it cannot build:
# `!!int x` (ValueError), `!!bool x` (KeyError), `!!int _` (IndexError), `!!timestamp x`
# (AttributeError), and whatever a future PyYAML raises in their place
BAD_VALUE = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError,
             RecursionError)
_DEEP_INDENT = re.compile(r"\n[ ?-]{25}")  # a line indented 25 columns or more
# what YAML 1.1 accepts as text (the reader refuses anything else)
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Loader(FastLoader):
    """The safe loader with ints bounded: a 4,000-digit count is damage, not data."""


def _bounded_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    too_big = ValueError(f"a number of more than {MAX_DIGITS} digits")
    if len(node.value) > 4 * MAX_DIGITS:  # before Python spends time (or refuses) on it
        raise too_big
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) >= 10**MAX_DIGITS:
        raise too_big
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


def load_text(text: str, path: str) -> Any:
    """Parse YAML safely; anything it cannot build becomes a Problem with the line."""
    try:
        return _load(text)
    except _Refused as err:
        raise ContentError([Problem(path, err.line, err.message)]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        raise ContentError([Problem(path, line, f"YAML syntax: {err.problem}")]) from None
    except yaml.reader.ReaderError as err:  # a character YAML refuses, such as NUL
        raise ContentError([Problem(path, _unprintable_line(text),
                                    f"YAML: unacceptable character #x{_code(err):04x}: "
                                    f"{err.reason}")]) from None
    except yaml.YAMLError as err:
        raise ContentError([Problem(path, 0, f"YAML: {' '.join(str(err).split())}")]) from None
    except BAD_VALUE as err:
        # a well-formed value that cannot be built: `2024-02-30`, `!!int x`
        why = str(err) if isinstance(err, ValueError) else "its tag cannot hold it"
        line = _bad_value_line(text)
        raise ContentError([Problem(path, line, f"invalid value: {why}")]) from None


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _load(text: str) -> Any:
    """Compose, refuse a shape no reader survives before it is built, then construct."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text or _may_nest_deep(text):  # else nothing to expand, nothing deep
            _check_shape(node)
            return loader.construct_document(node)
        try:
            return _plain(loader, node)
        except Exception:  # anything unusual, even an error: PyYAML's own way says it
            return loader.construct_document(node)
    finally:
        loader.dispose()


_TAG = "tag:yaml.org,2002:"
# the scalars a document of plain maps, lists and implicit values holds, each built by the
# loader's own constructor (or as it builds it); any other tag goes PyYAML's own way
_SCALARS: dict[str, Any] = {
    f"{_TAG}str": lambda loader, node: node.value,
    f"{_TAG}int": lambda loader, node: _bounded_int(loader, node),
    f"{_TAG}timestamp": yaml.constructor.SafeConstructor.construct_yaml_timestamp,
    f"{_TAG}null": yaml.constructor.SafeConstructor.construct_yaml_null,
    f"{_TAG}bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    f"{_TAG}float": yaml.constructor.SafeConstructor.construct_yaml_float,
}


class _Unusual(Exception):
    """A node `_plain` leaves to PyYAML's constructor (a merge key, a tag, a set)."""


def _plain(loader: _Loader, node: yaml.Node) -> Any:
    """The value PyYAML's constructor builds, for a document of plain maps, lists and
    scalars without aliases, built without its generic machinery: most of a paper file's
    cost was that machinery. Only for shallow documents (the caller checks), as it recurs."""
    kind = type(node)
    if kind is yaml.ScalarNode:
        build = _SCALARS.get(node.tag)
        if build is None:
            raise _Unusual
        return build(loader, node)
    if kind is yaml.SequenceNode and node.tag == f"{_TAG}seq":
        return [_plain(loader, item) for item in node.value]
    if kind is not yaml.MappingNode or node.tag != f"{_TAG}map":
        raise _Unusual
    out = {}
    for key_node, value_node in node.value:
        key = _plain(loader, key_node)
        if isinstance(key, list | dict):  # unhashable: PyYAML says so, with its line
            raise _Unusual
        out[key] = _plain(loader, value_node)
    return out


def _may_nest_deep(text: str) -> bool:
    """Whether the text could nest past MAX_DEPTH. Only brackets open levels, and block
    collections, each indented (by spaces, `- ` or `? `) about a column past the last:
    under 25 of each, the depth stays under 50. Two scans in C, no walk."""
    return text.count("[") + text.count("{") > 25 or bool(_DEEP_INDENT.search("\n" + text))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_shape(root: yaml.Node) -> None:
    """Refuse a node graph that expands past MAX_VALUES, nests past MAX_DEPTH, or whose
    aliases refer to themselves.

    Aliases share one node, so loading stays cheap, but whatever walks the
    data (or writes it out again) pays the expanded size: ten lines of
    "billion laughs" are 10^9 values, and a thousand nested lists overflow
    the writer's recursion. Walked iteratively, post-order, each node once.
    """
    done: dict[int, tuple[int, int]] = {}  # node id: (values expanded, levels deep)
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            below = [done[id(child)] for child in _children(node)]
            done[key] = (1 + sum(b[0] for b in below), 1 + max((b[1] for b in below), default=0))
            _refuse_shape(node, *done[key])
        elif key in open_nodes:
            raise _Refused(node.start_mark.line + 1,
                           "an alias inside the value it names; write the value out instead")
        elif key not in done:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in done)


def _refuse_shape(node: yaml.Node, values: int, depth: int) -> None:
    line = node.start_mark.line + 1
    if values > MAX_VALUES:
        raise _Refused(line, f"aliases expand to more than {MAX_VALUES:,} values; "
                             "write the values out instead")
    if depth > MAX_DEPTH:
        raise _Refused(line, f"values nested more than {MAX_DEPTH} levels deep")


def _code(err: yaml.reader.ReaderError) -> int:
    char = err.character
    return ord(char) if isinstance(char, str) else int(char or 0)


def _unprintable_line(text: str) -> int:
    """The line of the first character YAML refuses (the reader counts bytes, not lines)."""
    found = _UNPRINTABLE.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def _bad_value_line(text: str) -> int:
    """The line of the first scalar that cannot be constructed (0 if none is found).

    Walks the parser's events rather than a composed tree, so nesting as
    deep as the parser allows needs no recursion.
    """
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.ScalarEvent) and not _constructs(loader, event):
                return event.start_mark.line + 1
    except yaml.YAMLError:
        return 0
    finally:
        loader.dispose()
    return 0


def _constructs(loader: _Loader, event: yaml.ScalarEvent) -> bool:
    """Whether one scalar, tagged as the composer would tag it, builds a value."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        loader.construct_object(node, deep=True)
    except (*BAD_VALUE, yaml.YAMLError):
        return False
    return True


def key_lines(text: str) -> Mapping[str, int]:
    """1-based line of each top-level key, for messages about a field."""
    return _outline(text)[0]


def item_lines(text: str, key: str) -> list[int]:
    """1-based line of each item of a top-level list, for messages about one item."""
    return list(_outline(text)[1].get(key, ()))


def item_line(text: str, key: str, index: int) -> int:
    """The line of one item of a top-level list (1 when unknown); no copy per call, as
    a file may ask once for each of a hundred thousand items."""
    lines = _outline(text)[1].get(key, ())
    return lines[index] if index < len(lines) else 1


@lru_cache(maxsize=8)
def _outline(text: str) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """Lines of the top-level keys and of their lists' items; composed once per text,
    as a file with a hundred thousand problems asks for a line per problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        return {}, {}
    keys: dict[str, int] = {}
    items: dict[str, tuple[int, ...]] = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode):
            keys[k.value] = k.start_mark.line + 1
            if isinstance(v, yaml.SequenceNode) and k.value not in items:
                items[k.value] = tuple(item.start_mark.line + 1 for item in v.value)
    return keys, items


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temp file and rename; skip when unchanged.

    Returns whether the file changed, so callers can count real updates and
    leave mtimes (and deploy diffs) alone.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_yaml(path: Path, data: Any) -> bool:
    return write_atomic(path, dump(data).encode("utf-8"))

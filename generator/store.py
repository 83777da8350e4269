"""Deterministic YAML and atomic file writes: the only way content reaches disk.

Everything the tool writes under `content/` goes through `dump` and
`write_atomic`, so the same data always gives the same bytes and a crash
never leaves a half-written file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; semantics are the same
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - pure-Python PyYAML
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


def dump(data: Any) -> str:
    """YAML text for `data`: keys in the order given, UTF-8, block style, wrapped at 80."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=80,
        indent=2,
    )


def load_text(text: str, path: str) -> Any:
    """Parse YAML safely; a syntax error becomes a Problem with the line."""
    try:
        return yaml.load(text, Loader=FastLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        raise ContentError([Problem(path, line, f"YAML syntax: {err.problem}")]) from None
    except yaml.YAMLError as err:
        raise ContentError([Problem(path, 0, f"YAML: {err}")]) from None
    except (ValueError, TypeError, AttributeError) as err:
        # a well-formed value that cannot be built: `2024-02-30`, `!!int x`
        why = str(err) if isinstance(err, ValueError) else "its tag cannot hold it"
        line = _bad_value_line(text)
        raise ContentError([Problem(path, line, f"invalid value: {why}")]) from None


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(key)
            yield from _scalars(value)


def _bad_value_line(text: str) -> int:
    """The line of the first scalar that cannot be constructed (0 if none is found)."""
    loader = yaml.SafeLoader(text)
    try:
        for node in _scalars(loader.get_single_node()):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, AttributeError, yaml.YAMLError):
                return node.start_mark.line + 1
    finally:
        loader.dispose()
    return 0


def key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level key, for messages about a field."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    }


def item_lines(text: str, key: str) -> list[int]:
    """1-based line of each item of a top-level list, for messages about one item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, v in node.value:
        if getattr(k, "value", None) == key and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


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

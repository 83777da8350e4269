"""The archive's YAML reader builds exactly what PyYAML's own safe loader builds.

`load_text` builds plain documents (maps, lists and implicit scalars, no aliases) its
own quicker way; PyYAML stays the reference. Checked on a generated benchmark archive
and on inputs that leave the plain shape, whose values (or refusals) must not change.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from archive_helpers import cli, new_archive

from generator.core.store import ContentError, load_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
synth = importlib.import_module("bench.synth")


def typed(value: Any) -> Any:
    """A value with every type spelled out: `True == 1` and `1.0 == 1` must not pass."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def reference(text: str) -> Any:
    return yaml.load(text, Loader=yaml.SafeLoader)


def test_a_generated_archive_reads_as_pyyaml_reads_it(tmp_path: Path) -> None:
    maker = synth.Synth(5)
    synth.write_days(tmp_path / "scraped", list(maker.days(6)))
    root = new_archive(tmp_path / "arch")
    done = cli("--root", root, "--quiet", "import", tmp_path / "scraped", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = sorted((root / "content").rglob("*.yaml"))
    assert len(files) > 200  # six days, their papers, site.yaml and topics.yaml
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert typed(load_text(text, path.name)) == typed(reference(text)), path.name


PLAIN_AND_NOT = [
    "a: yes\nb: No\nc: on\nd: ~\ne: null\nf: ''\n",
    "n: 1_000\no: 012\nx: 0x1f\ns: 1:30\nf: .inf\ng: -.NaN\nh: 1.5e3\n",
    "when: 2024-01-02\nat: 2024-01-02 10:20:30\nz: 2024-01-02T10:20:30Z\n",
    "base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n",
    "plain:\n  <<: {x: 1}\n  y: 2\n",
    "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\npairs: !!pairs [{a: 1}]\n",
    "bytes: !!binary aGVsbG8=\nforced: !!str 123\nnum: !!int '7'\n",
    "= : value key\nk: v\n",
    "same: 1\nsame: 2\n",
    "? [a, b]\n: unhashable\n",
    "? {a: 1}\n: unhashable\n",
    "text: !!str [a]\n",
    "odd: !thing x\n",
    "id: x\npublished: 2024-02-30\n",
    "a: !!int many\n",
    "list:\n- 1\n- [2, {3: four}]\n- !!float 5\n- 'quoted: yes'\n- \"tab\\tthere\"\n",
    "",
    "# only a comment\n",
    "just text\n",
    "- 1\n- two\n",
]


@pytest.mark.parametrize("text", PLAIN_AND_NOT)
def test_unusual_documents_build_or_fail_as_before(text: str) -> None:
    try:
        expected = reference(text)
    except (yaml.YAMLError, ValueError, TypeError):
        with pytest.raises(ContentError) as err:
            load_text(text, "f.yaml")
        assert [p.path for p in err.value.problems] == ["f.yaml"]
        return
    assert typed(load_text(text, "f.yaml")) == typed(expected)

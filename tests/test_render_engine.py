"""The render path's shortcuts give the bytes the plain ways give: printed values escaped
as markupsafe escapes them, fingerprints whatever the pages before, files written whole."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import jinja2
import pytest
from archive_helpers import cli, import_days, new_archive, tree
from markupsafe import Markup, escape

from generator.site.output import Writer
from generator.site.pieces import Page
from generator.site.record import Fingerprinter
from generator.site.render import Context, Template, output_escape

HOSTILE = ["<script>alert('x')</script>", 'a "quoted" & <b>', "", "plain", "ünïcode « » →"]


class Html:
    """A value that renders itself (as Markup and jinja's own helpers do)."""

    def __html__(self) -> str:
        return "<i>own</i>"


@pytest.mark.parametrize("value", [*HOSTILE, Markup("<b>safe</b>"), 42, 3.5, None, True,
                                   date(2026, 5, 20), Html(), ("<t>", 1)])
def test_output_escape_gives_markupsafe_bytes(value: object) -> None:
    assert output_escape(value) == str(escape(value))
    assert type(output_escape(value)) in (str, Markup)


TEMPLATE = """\
{% macro box(title) %}<div title="{{ title }}">{{ caller() }}</div>{% endmacro %}
{% set block %}<p>{{ text }}</p>{% endset %}
<h1>{{ text }}</h1>{{ block }}{{ number }} {{ day }} {{ nothing }} {{ safe }} {{ own }}
{{ text ~ number }} {{ items | join(", ") }} {{ text | replace("<", "[") }}
{% for item in items %}<li>{{ item }}{{ loop.index }}</li>{% endfor %}
{% call box(text) %}{{ text }}{% endcall %}
{{ text | e }} {{ text | safe }} {{ "<lit>" }}
{{ day.isoformat() }} {{ plain(text) }} {{ which() }} {{ stop() }}|{{ keyed(a=text) }}
{% for item in items %}{{ plain(item) }}{{ which() }}{{ day.replace(day=loop.index) }}{% endfor %}
"""


def plain(value: str) -> str:
    return value.upper()


@jinja2.pass_context
def which(context: jinja2.runtime.Context) -> str:
    return f"<{context.get('item', 'outside')}>"


def stop() -> str:
    raise StopIteration


def keyed(a: str = "") -> Markup:
    return Markup("<k>") + a


def test_templates_print_what_stock_jinja_prints() -> None:
    context = {"text": HOSTILE[0] + HOSTILE[1], "number": 7, "day": date(2026, 1, 8),
               "nothing": None, "safe": Markup("<em>ok</em>"), "own": Html(),
               "items": HOSTILE, "plain": plain, "which": which, "stop": stop,
               "keyed": keyed}
    stock = jinja2.Environment(autoescape=True)
    fast = jinja2.Environment(autoescape=True)
    fast.template_class = Template
    fast.context_class = Context
    expected = stock.from_string(TEMPLATE).render(context)
    assert fast.from_string(TEMPLATE).render(context) == expected
    assert "<h1>&lt;script&gt;" in expected
    strict = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    strict.template_class, strict.context_class = Template, Context
    with pytest.raises(jinja2.UndefinedError):  # a missing value still fails the page
        strict.from_string("{{ missing }}").render()


def test_fingerprints_do_not_depend_on_the_pages_before() -> None:
    """A page's fingerprint is the same whether a large page was fingerprinted before it
    (the pickler is replaced after one) or not."""
    page = Page("x/", "page.html")
    small = {"title": "t", "ids": ("a", "b"), "day": date(2026, 1, 1)}
    large = {"entries": tuple((i, str(i), date(2026, 1, 1)) for i in range(20_000))}
    fresh = Fingerprinter().digest(page, small)
    used = Fingerprinter()
    assert used.digest(page, small) == fresh
    big = used.digest(page, large)
    assert used.digest(page, small) == fresh
    assert used.digest(page, large) == big == Fingerprinter().digest(page, large)


def test_writer_writes_whole_files_in_new_and_existing_folders(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    (tmp_path / "made").mkdir()  # made by another worker meanwhile
    data = bytes(range(256)) * 4096  # larger than one write may take
    writer.write("index.html", b"<p>home</p>")
    writer.write("papers/x/index.html", data)
    writer.write("papers/x/cite.bib", b"@misc{x}")
    writer.write("made/deep/er/file.xml", b"<x/>")
    writer.write("papers/x/cite.bib", b"@m")  # rewritten shorter: nothing of the old stays
    assert (tmp_path / "index.html").read_bytes() == b"<p>home</p>"
    assert (tmp_path / "papers/x/index.html").read_bytes() == data
    assert (tmp_path / "papers/x/cite.bib").read_bytes() == b"@m"
    assert (tmp_path / "made/deep/er/file.xml").read_bytes() == b"<x/>"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "index.html").stat().st_mode & 0o777 == 0o666 & ~umask


def test_fingerprints_see_every_field_of_nested_dataclasses() -> None:
    """A page shows its pieces' fields: a change to any one of them is a new fingerprint,
    equal pieces give the same one."""
    from generator.site.pieces import Pager, Placing

    page = Page("x/", "page.html")
    fingerprint = Fingerprinter().digest

    def context(rank: int = 3, prev: tuple | None = ("A", "a/"), total: int = 4) -> dict:
        return {"placings": (Placing(date(2026, 1, 2), "days/x/", rank, 9, 12, prev, None),),
                "pager": Pager(1, total, "topics/x/", None, "topics/x/page/2/")}

    same = fingerprint(page, context())
    assert fingerprint(page, context()) == same
    assert len({same, fingerprint(page, context(rank=4)), fingerprint(page, context(prev=None)),
                fingerprint(page, context(prev=("B", "a/"))),
                fingerprint(page, context(total=5))}) == 5


# -- a build large enough to render in forked workers ---------------------------------
def _synth_archive(root: Path, days: int) -> Path:
    """An archive of `days` benchmark days (50 entries each), imported by the CLI."""
    import importlib
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    synth = importlib.import_module("bench.synth")
    new_archive(root)
    files = synth.write_days(root.parent / f"{root.name}-days",
                             list(synth.Synth(5).days(days)))
    assert import_days(root, *files) == 0
    return root


def test_a_parallel_cold_build_records_stamps_the_next_build_trusts(tmp_path: Path) -> None:
    """Pages rendered in forked workers: the record's stamps of them are those of the files
    in the output, so the next build rewrites nothing, a build into another folder makes
    the same bytes, and a file changed behind the build's back is put back."""
    from generator.site.build import PARALLEL_MIN

    root = _synth_archive(tmp_path / "arch", 4)
    first = cli("--root", root, "build", "--no-search", "--out", tmp_path / "a", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rendered = int(first.stdout.split(": ")[1].split(" rendered")[0])
    assert rendered >= PARALLEL_MIN  # on the forked workers' path
    again = cli("--root", root, "build", "--no-search", "--out", tmp_path / "a", cwd=tmp_path)
    assert ": 0 rendered, 0 written, 0 removed" in again.stdout
    other = cli("--root", root, "build", "--no-search", "--out", tmp_path / "b", cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    page = next((tmp_path / "a" / "papers").glob("*/index.html"))
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<html", b"<HTML", 1))  # same size, another mtime
    fixed = cli("--root", root, "build", "--no-search", "--out", tmp_path / "a", cwd=tmp_path)
    assert ", 1 written, " in fixed.stdout
    assert page.read_bytes() == data

"""The package as a user installs it: a wheel, into a fresh virtualenv, outside the checkout.

`pip install .` (not editable) is what the Pages and Netlify builds run, so
everything a build needs, the default theme included, must be in the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "themes" / "default"
SCRAPED = ROOT / "content" / "scraped"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel .` of a copy of the repository, as a user builds it."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "paperpress"
    top_level = {".venv", "site", ".paperpress-cache", "build", ".git", "test-artifacts", "bench"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        """Build output and tooling at the top only: `generator/site/` is source."""
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        return skipped | (top_level & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, source, ignore=ignore)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                           "-w", str(out), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower(), done.stderr
    (found,) = out.glob("paperpress-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; the bin/ folder.

    The project's dependencies are made visible through a .pth file, so the
    install downloads nothing.
    """
    env_dir = tmp_path_factory.mktemp("user") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "project-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return env_dir / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_holds_every_template_and_static_file_of_the_default_theme(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"generator/default_theme/{p.relative_to(THEME).as_posix()}"
                for p in THEME.rglob("*") if p.is_file()}
    assert expected
    assert expected <= names, sorted(expected - names)


def test_an_installed_wheel_makes_a_whole_site_outside_the_checkout(installed, tmp_path):
    archive = tmp_path / "my-archive"
    done = run(installed, "paperpress", "init", str(archive), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    day = sorted(SCRAPED.glob("*.txt"))[0]
    done = run(installed, "paperpress", "import", str(day), cwd=archive)
    assert done.returncode == 0, done.stderr
    done = run(installed, "paperpress", "check", cwd=archive)
    assert done.returncode == 0, done.stderr
    done = run(installed, "paperpress", "build", cwd=archive)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    site = archive / "site"
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    papers = [a["href"] for a in home.select("a[href*='/papers/']")]
    assert papers, "the home page lists the imported day's papers"
    assert home.find("link", rel="stylesheet") is not None
    assert list((site / "static").glob("style.*.css"))
    assert (site / "feed.xml").is_file() and (site / "atom.xml").is_file()
    paper_pages = list((site / "papers").glob("*/index.html"))
    assert len(paper_pages) >= 40


def test_python_dash_m_generator_reports_its_version(installed, tmp_path):
    done = run(installed, "python", "-m", "generator", "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("paperpress ")
    imported = run(installed, "python", "-c", "import generator; print(generator.__file__)",
                   cwd=tmp_path)
    assert str(ROOT) not in imported.stdout, "the test must run the installed copy"


def test_a_missing_template_is_one_line_naming_it_and_where_it_looked(installed, tmp_path):
    archive = tmp_path / "archive"
    assert run(installed, "paperpress", "init", str(archive), cwd=tmp_path).returncode == 0
    theme = archive / "themes" / "mine" / "templates"
    theme.mkdir(parents=True)
    (theme / "home.html").write_text('{% include "partials/nowhere.html" %}', encoding="utf-8")
    site_yaml = archive / "content" / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    assert "theme: default" in text
    site_yaml.write_text(text.replace("theme: default", "theme: mine"), encoding="utf-8")
    done = run(installed, "paperpress", "build", cwd=archive)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "partials/nowhere.html" in lines[0] and "looked in" in lines[0]
    assert "themes/mine/templates" in lines[0]
    assert "generator/default_theme/templates" in lines[0]

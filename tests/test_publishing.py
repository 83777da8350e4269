"""Publishing: the GitHub workflows, netlify.toml and the README's commands and messages.

The deploy configurations are run, not only read: their build steps run in a
copy of the repository, in a throwaway virtualenv that stands for the host's
fresh Python (its own pip; the project's dependencies visible so nothing is
downloaded but the build backend), with the base URL the host would give. The
built pages are then checked for that URL's path.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
README = ROOT / "README.md"
# what a host checks out and the build reads (README.md: pyproject's `readme`)
COPIED = ("generator", "themes", "content", "pyproject.toml", "Makefile", "README.md")
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
HASHED_CSS = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
SHORT_CACHE = 600  # seconds: "short" for pages and feeds


# -- reading the configuration files -----------------------------------------
def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), name
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def action(step: dict) -> tuple[str, str] | None:
    """`actions/checkout@v4` as ('actions/checkout', 'v4')."""
    if "uses" not in step:
        return None
    name, _, version = step["uses"].partition("@")
    return name, version


def step_using(steps: list[dict], name: str) -> dict:
    found = [s for s in steps if (action(s) or ("",))[0] == name]
    assert len(found) == 1, f"expected one step using {name}, found {len(found)}"
    return found[0]


def commands(shell: str) -> list[list[str]]:
    """Each simple command of a shell text (lines and `&&` chains), as words."""
    out = []
    for line in shell.replace("\\\n", " ").splitlines():
        for part in line.split("&&"):
            words = shlex.split(part, comments=True)
            if words:
                out.append(words)
    return out


def paperpress_calls(shell: str) -> list[str]:
    """The paperpress subcommands a shell text runs, in order (`python -m generator` too)."""
    calls = []
    for words in commands(shell):
        if Path(words[0]).name == "paperpress":
            calls.append(words[1])
        elif words[:3] in (["python", "-m", "generator"], ["python3", "-m", "generator"]):
            calls.append(words[3])
    return calls


def apt_packages(run: list[list[str]]) -> set[str]:
    """The packages `apt-get install` commands name."""
    found: set[str] = set()
    for words in run:
        if "apt-get" in words and "install" in words[words.index("apt-get"):]:
            rest = words[words.index("install", words.index("apt-get")) + 1:]
            found.update(w for w in rest if not w.startswith(("-", ">")))
    return found


def make_recipe(target: str) -> str:
    """The recipe lines of one Makefile target, with $(BIN) spelled out."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.MULTILINE)
    assert match, f"Makefile has no target {target!r}"
    return match.group(1).replace("$(BIN)", ".venv/bin").replace("\t", "")


def netlify() -> dict:
    return tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


# -- running a host's build --------------------------------------------------
@pytest.fixture(scope="module")
def host_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtualenv standing for the host's Python.

    It has its own pip, so `pip install .` installs paperpress into it (never
    into the project's .venv); the project's installed dependencies are made
    visible through a .pth file so the install needs no download but the build
    backend's.
    """
    env_dir = tmp_path_factory.mktemp("host") / "python"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(purelib, "project-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return env_dir / "bin"


def checkout(target: Path) -> Path:
    """A copy of the repository as a host checks it out (no .venv, no build output)."""
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".paperpress-cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def run_shell(script: str, cwd: Path, host: Path, env: dict[str, str]) -> None:
    """Run `script` the way a CI host does: bash, stop at the first failure."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "URL", "DEPLOY_PRIME_URL")}
    base.update(PATH=f"{host}{os.pathsep}{os.environ.get('PATH', '')}",
                PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", **env)
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                            cwd=cwd, env=base, capture_output=True, text=True)
    report = f"{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, report


def expand(value: str, known: dict[str, str]) -> str:
    """GitHub's `${{ expr }}` with the values a run would have; unknown ones fail."""
    def one(match: re.Match[str]) -> str:
        assert match.group(1) in known, f"no value for ${{{{ {match.group(1)} }}}}"
        return known[match.group(1)]

    return EXPRESSION.sub(one, value)


def local_target(site: Path, prefix: str, ref: str) -> Path:
    path = urlsplit(ref).path[len(prefix):]
    return site / (path + "index.html" if path == "" or path.endswith("/") else path)


def assert_built_for(site: Path, base_url: str) -> None:
    """Every link carries the base URL's path, canonical URLs its host; links resolve."""
    parts = urlsplit(base_url)
    prefix = parts.path
    origin = f"{parts.scheme}://{parts.netloc}"
    papers = sorted((site / "papers").iterdir())
    pages = [site / "index.html", papers[0] / "index.html", site / "topics" / "index.html"]
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        refs = [tag[attr] for attr in ("href", "src") for tag in soup.find_all(attrs={attr: True})]
        local = [r for r in refs if r.startswith("/") and not r.startswith("//")]
        assert local, page
        outside = [r for r in local if not r.startswith(prefix)]
        assert not outside, f"{page}: links outside {prefix}: {outside[:5]}"
        missing = [r for r in local if not local_target(site, prefix, r).is_file()]
        assert not missing, f"{page}: links to no file: {missing[:5]}"
        canonical = soup.find("link", rel="canonical")
        assert canonical is not None and canonical["href"].startswith(origin + prefix), page
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.find("link", rel="canonical")["href"] == origin + prefix
    channel = ET.parse(site / "feed.xml").getroot().find("channel")
    assert channel is not None and channel.findtext("link", "").startswith(origin + prefix)


# -- GitHub Pages ----------------------------------------------------------------
def test_pages_workflow_runs_on_push_to_main_and_by_hand():
    on = workflow("pages.yml")["on"]
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on


def test_pages_workflow_permissions_and_concurrency_are_the_documented_ones():
    data = workflow("pages.yml")
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert data["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_pages_workflow_uses_the_pages_actions_in_order():
    jobs = workflow("pages.yml")["jobs"]
    build = jobs["build"]["steps"]
    used = [action(s) for s in build if action(s)]
    assert used == [
        ("actions/checkout", "v4"),
        ("actions/setup-python", "v5"),
        ("actions/cache", "v4"),
        ("actions/configure-pages", "v5"),
        ("actions/upload-pages-artifact", "v3"),
    ]
    python = step_using(build, "actions/setup-python")["with"]
    assert python["cache"] == "pip"
    assert str(python["python-version"]) == "3.11"
    assert step_using(build, "actions/upload-pages-artifact")["with"]["path"] == "site"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [action(s) for s in deploy["steps"]] == [("actions/deploy-pages", "v4")]
    deploy_id = deploy["steps"][0]["id"]
    assert deploy["environment"]["url"] == f"${{{{ steps.{deploy_id}.outputs.page_url }}}}"


def test_pages_workflow_builds_with_the_base_url_pages_gives():
    steps = workflow("pages.yml")["jobs"]["build"]["steps"]
    pages_id = step_using(steps, "actions/configure-pages")["id"]
    build = [s for s in steps if "build" in paperpress_calls(s.get("run", ""))]
    assert len(build) == 1
    flag = commands(build[0]["run"])[-1]
    value = flag[flag.index("--base-url") + 1]
    assert value == "$BASE_URL/"
    assert build[0]["env"]["BASE_URL"] == f"${{{{ steps.{pages_id}.outputs.base_url }}}}"


def test_pages_workflow_runs_the_same_build_as_make_site():
    steps = workflow("pages.yml")["jobs"]["build"]["steps"]
    calls = [c for s in steps for c in paperpress_calls(s.get("run", ""))]
    assert calls == paperpress_calls(make_recipe("site")) == ["check", "build"]


def test_pages_workflow_build_steps_give_a_project_site_its_path(host_python, tmp_path):
    """Every `run:` step of the build job, in order, with a project site's base URL;
    then once more with a custom domain's, which has no path."""
    repo = checkout(tmp_path / "repo")
    steps = workflow("pages.yml")["jobs"]["build"]["steps"]
    pages_id = step_using(steps, "actions/configure-pages")["id"]
    project, custom = "https://octo.github.io/paperpress-fork", "https://papers.example.org"
    for base in (project, custom):
        known = {f"steps.{pages_id}.outputs.base_url": base}
        for step in steps:
            if "run" not in step or (base == custom and not paperpress_calls(step["run"])):
                continue  # installed once is enough
            env = {k: expand(str(v), known) for k, v in step.get("env", {}).items()}
            run_shell(expand(step["run"], known), repo, host_python, env)
        assert_built_for(repo / "site", base + "/")


# -- the pull-request tests ----------------------------------------------------
def test_tests_workflow_runs_make_test_on_pull_requests_and_main_with_the_ci_packages():
    data = workflow("tests.yml")
    assert "pull_request" in data["on"]
    assert data["on"]["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read"}
    (job,) = data["jobs"].values()
    assert str(job["container"]).startswith("python:3.11")  # Debian, where .ci/run's apt works
    steps = job["steps"]
    assert action(steps[0]) == ("actions/checkout", "v4")
    runs = [words for s in steps for words in commands(s.get("run", ""))]
    assert runs[-1] == ["make", "test"]
    assert ["bash", ".ci/system-packages", "make", "python3-venv"] in runs


def test_one_recipe_installs_the_system_packages_without_recommends():
    recipe = (ROOT / ".ci" / "system-packages").read_text(encoding="utf-8")
    for package in ("chromium", "default-jre-headless"):
        assert package in recipe
    assert "--no-install-recommends" in recipe
    ci = commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert ["bash", ".ci/system-packages", "make", "python3-venv"] in ci
    assert ci[-1] == ["make", "test"]
    assert "bash .ci/system-packages" in make_recipe("system-deps")
    assert "apt-get" not in (ROOT / "Makefile").read_text(encoding="utf-8").split("bench:")[0]


def test_pages_workflow_restores_and_saves_the_parse_cache():
    steps = workflow("pages.yml")["jobs"]["build"]["steps"]
    cached = [s for s in steps if (action(s) or ("",))[0] == "actions/cache"]
    assert len(cached) == 1 and cached[0]["with"]["path"] == ".paperpress-cache"
    assert cached[0]["with"]["restore-keys"]
    names = [s.get("name", "") for s in steps]
    assert steps.index(cached[0]) < names.index("Build the site")


# -- Netlify ---------------------------------------------------------------------
NETLIFY_PREVIEW = "https://deploy-preview-7--example.netlify.app"
NETLIFY_MAIN = "https://main--example.netlify.app"


def test_netlify_builds_like_make_site_with_pinned_python():
    config = netlify()
    build = config["build"]
    assert build["publish"] == "site"
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert build["environment"]["PYTHON_VERSION"] == required.removeprefix(">=") == "3.11"
    contexts = {"production": build["command"],
                "deploy-preview": config["context"]["deploy-preview"]["command"],
                "branch-deploy": config["context"]["branch-deploy"]["command"]}
    for name, command in contexts.items():
        first = commands(command)[0]
        assert first[:4] == ["python", "-m", "pip", "install"] and first[-1] == ".", name
        assert paperpress_calls(command) == paperpress_calls(make_recipe("site")), name
    assert '--base-url "$URL/"' in contexts["production"]
    assert '--base-url "$DEPLOY_PRIME_URL/"' in contexts["deploy-preview"]
    assert '--base-url "$DEPLOY_PRIME_URL/"' in contexts["branch-deploy"]


@pytest.fixture(scope="module")
def preview_site(host_python, tmp_path_factory) -> Path:
    """The deploy-preview command, run as Netlify runs it (its URL variables set)."""
    repo = checkout(tmp_path_factory.mktemp("netlify") / "repo")
    command = netlify()["context"]["deploy-preview"]["command"]
    run_shell(command, repo, host_python,
              {"DEPLOY_PRIME_URL": NETLIFY_PREVIEW, "URL": "https://example.netlify.app"})
    return repo / netlify()["build"]["publish"]


def test_netlify_deploy_preview_links_point_at_the_preview(preview_site):
    assert_built_for(preview_site, NETLIFY_PREVIEW + "/")


def test_netlify_production_build_carries_the_base_path_through(host_python, tmp_path):
    """Netlify URLs have no path; one with a path (a site proxied under /hf-daily/)
    proves the path reaches every link."""
    repo = checkout(tmp_path / "repo")
    run_shell(netlify()["build"]["command"], repo, host_python,
              {"URL": "https://example.org/hf-daily", "DEPLOY_PRIME_URL": NETLIFY_MAIN})
    assert_built_for(repo / "site", "https://example.org/hf-daily/")


def netlify_pattern(rule: str) -> re.Pattern[str]:
    """A Netlify path rule: `*` matches anything, `:name` one path segment."""
    out = []
    for token in re.split(r"(\*|:[A-Za-z_]\w*)", rule):
        out.append(".*" if token == "*" else "[^/]+" if token.startswith(":") else re.escape(token))
    return re.compile("^" + "".join(out) + "$")


def served_paths(site: Path) -> dict[str, Path]:
    """Request path to file, as a static host serves the built site."""
    paths = {}
    for file in sorted(site.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(site).as_posix()
        paths["/" + rel] = file
        if file.name == "index.html":
            paths["/" + rel.removesuffix("index.html")] = file
    return paths


def headers_for(path: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule in netlify()["headers"]:
        if netlify_pattern(rule["for"]).match(path):
            for name, value in rule["values"].items():
                found.setdefault(name.lower(), []).append(value)
    return found


def max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    assert match, cache_control
    return int(match.group(1))


def test_netlify_serves_every_feed_with_its_content_type(preview_site):
    served = served_paths(preview_site)
    media = {"feed.xml": "application/rss+xml", "atom.xml": "application/atom+xml",
             "feed.json": "application/feed+json", "feeds.opml": "text/x-opml"}
    feeds = {p: f for p, f in served.items() if f.name in media}
    assert {"/feed.xml", "/atom.xml", "/feed.json", "/feeds.opml"} <= set(feeds)
    for where in ("/topics/", "/orgs/", "/picks/", "/notes/"):
        assert {name for p, f in feeds.items() if p.startswith(where)
                for name in [f.name]} == {"feed.xml", "atom.xml", "feed.json"}, where
    for path, file in feeds.items():
        wanted = media[file.name]
        types = headers_for(path).get("content-type", [])
        assert len(types) == 1 and types[0].split(";")[0] == wanted, (path, types)


def test_netlify_caches_hashed_assets_for_a_year_and_pages_briefly(preview_site):
    served = served_paths(preview_site)
    assets = [p for p in served if p.startswith("/static/")]
    assert assets
    for path in assets:
        (cache,) = headers_for(path)["cache-control"]
        assert "immutable" in cache and max_age(cache) == 365 * 24 * 3600, path
        assert re.search(r"\.[0-9a-f]{8}\.\w+$", path), f"{path}: not a hashed name"
    pages = [p for p in served if p.endswith("/")] + ["/404.html"]
    assert len(pages) > 100
    for path in pages:
        caches = headers_for(path).get("cache-control")
        assert caches and len(caches) == 1 and max_age(caches[0]) <= SHORT_CACHE, (path, caches)


def test_netlify_rules_never_set_one_header_twice_on_a_path(preview_site):
    """Netlify applies every matching rule: two values for one header would be combined."""
    for path in served_paths(preview_site):
        doubled = {k: v for k, v in headers_for(path).items() if len(v) > 1}
        assert not doubled, (path, doubled)


def test_netlify_answers_unknown_addresses_with_the_404_page(preview_site):
    rules = netlify()["redirects"]
    assert {"from": "/*", "to": "/404.html", "status": 404} in rules
    assert (preview_site / "404.html").is_file()


# -- theme assets --------------------------------------------------------------
def test_pages_link_the_content_hashed_stylesheet(preview_site):
    css = (ROOT / "themes" / "default" / "static" / "style.css").read_bytes()
    digest = hashlib.sha256(css).hexdigest()[:8]
    links = set()
    for page in preview_site.rglob("*.html"):
        links.update(HASHED_CSS.findall(page.read_text(encoding="utf-8")))
    links -= {link for link in links if link.startswith("/pagefind/")}  # Pagefind's own
    assert links == {f"/static/style.{digest}.css"}
    assert (preview_site / "static" / f"style.{digest}.css").read_bytes() == css


# -- README ----------------------------------------------------------------------
def test_readme_quick_start_is_what_ci_and_the_makefile_run():
    section = readme_section("Quick start")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, re.DOTALL)
    shown = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert shown == ["make site", "make test"]
    ci = commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert ci[-1] == ["make", "test"]
    assert paperpress_calls(make_recipe("site")) == ["check", "build"]
    assert ".venv/bin/python -m pytest" in make_recipe("test")


def test_readme_shows_the_screenshots_make_screenshots_takes():
    """Home and a paper page, 390 and 1280 pixels wide, light and dark: eight pictures."""
    recipe = make_recipe("screenshots")
    assert ".venv/bin/pytest -q tests/test_browser.py -k readme_screenshots" in recipe
    assert "cp test-artifacts/screenshots/readme/*.png docs/screenshots/" in recipe
    text = README.read_text(encoding="utf-8")
    names = [f"{page}-{width}-{scheme}.png" for page in ("home", "paper")
             for width in (390, 1280) for scheme in ("light", "dark")]
    for name in names:
        assert f"](docs/screenshots/{name})" in text
        assert (ROOT / "docs" / "screenshots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (ROOT / "docs" / "screenshots").iterdir()) == sorted(names)


def test_readme_has_the_publishing_steps_and_a_benchmark_section():
    text = README.read_text(encoding="utf-8")
    assert "Settings → Pages → Source: GitHub Actions" in text
    assert "netlify.toml" in readme_section("Publishing on Netlify")
    assert readme_section("Benchmark").strip()
    routine = readme_section("Daily routine")
    for command in ("paperpress import", "paperpress note", "paperpress serve",
                    "git commit", "git push"):
        assert command in routine


def test_readme_daily_routine_import_and_note_say_what_the_readme_shows(tmp_path, capsys):
    """A new day saved in a folder (with other files beside it), imported, noted, checked."""
    root = tmp_path / "archive"
    shutil.copytree(ROOT / "content", root / "content")
    daily = tmp_path / "daily"
    daily.mkdir()
    text = (ROOT / "content" / "scraped" / "2026-05-20.txt").read_text(encoding="utf-8")
    assert "\nMay 20\n" in text
    (daily / "2026-05-21.txt").write_text(text.replace("\nMay 20\n", "\nMay 21\n", 1),
                                          encoding="utf-8")
    (daily / "notes to self.md").write_text("not a day", encoding="utf-8")
    routine = readme_section("Daily routine")
    shown = re.search(r"^(\d+ day\(s\): .*warning\(s\))$", routine, re.MULTILINE)
    assert shown, "the README shows no import summary"
    shape = re.sub(r"\d+", r"\\d+", re.escape(shown.group(1)))

    capsys.readouterr()
    assert main(["--root", str(root), "import", str(daily)]) == 0
    said = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(shape, said), said
    assert said.startswith("1 day(s): 1 new, 0 replaced, 0 unchanged; papers: 0 new, ")
    assert (root / "content" / "days" / "2026-05-21.yaml").is_file()
    assert (root / "content" / "scraped" / "2026-05-21.txt").read_text(encoding="utf-8") == (
        daily / "2026-05-21.txt").read_text(encoding="utf-8")

    paper = first_paper(root)
    assert main(["--root", str(root), "note", paper]) == 0
    assert capsys.readouterr().out.strip() == f"content/notes/{paper}.md"
    assert main(["--root", str(root), "check"]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 days, ")


# -- troubleshooting: the README quotes what the command really says ------------
def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str]]:
    """Run paperpress in this process; the exit status and its stderr lines."""
    capsys.readouterr()
    status = main([str(a) for a in args])
    return status, capsys.readouterr().err.splitlines()


def message(line: str) -> str:
    """`path:line: message` to `message` (paths differ between machines)."""
    return re.sub(r"^(?:paperpress: )?[^\s:]+(?::\d+)?: ", "", line)


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """A copy of the shipped archive and theme."""
    root = tmp_path / "archive"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copytree(ROOT / "themes", root / "themes")
    return root


def first_paper(root: Path) -> str:
    return sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml"))[0]


def broken_input(case: str, root: Path, tmp: Path) -> list[str]:
    """Set up one broken input; the paperpress arguments that meet it."""
    paper = first_paper(root)
    note = root / "content" / "notes" / f"{paper}.md"
    note.parent.mkdir(parents=True, exist_ok=True)
    scraped = tmp / "day.txt"
    if case == "empty file":
        scraped.write_bytes(b"")
    elif case == "binary file":
        scraped.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif case == "not UTF-8":
        scraped.write_bytes("Jan 8\n\nCaf\u00e9 models\n\nAn abstract.\n".encode("latin-1"))
    elif case == "no day header":
        scraped.write_text("A Title\n\nAn abstract.\n", encoding="utf-8")
    elif case == "broken YAML in a note":
        note.write_text("---\ntopics: [agents\npick: true\n---\nGood.\n", encoding="utf-8")
        return ["check"]
    elif case == "broken YAML in a day file":
        day = sorted((root / "content" / "days").glob("*.yaml"))[0]
        day.write_text(day.read_text(encoding="utf-8").replace("source: ", "source: [", 1),
                       encoding="utf-8")
        return ["check"]
    elif case == "unknown topic in a note":
        note.write_text("---\ntopics: [agents, quantum-gravity]\n---\n", encoding="utf-8")
        return ["check"]
    elif case == "note for an unknown paper":
        note.with_name("no-such-paper.md").write_text("---\npick: true\n---\n", encoding="utf-8")
        return ["check"]
    elif case == "template syntax error":
        template = root / "themes" / "default" / "templates" / "paper.html"
        template.write_text(template.read_text(encoding="utf-8") + "{% if %}\n", encoding="utf-8")
        return ["build", "--out", str(tmp / "site")]
    elif case == "note exists":
        note.write_text("---\npick: true\n---\n", encoding="utf-8")
        return ["note", paper]
    elif case == "note on an unknown paper":
        return ["note", "no-such-paper"]
    return ["import", str(scraped)]


TROUBLE = ["empty file", "binary file", "not UTF-8", "no day header", "broken YAML in a note",
           "broken YAML in a day file", "unknown topic in a note", "note for an unknown paper",
           "template syntax error", "note exists", "note on an unknown paper"]


@pytest.mark.parametrize("case", TROUBLE)
def test_readme_troubleshooting_quotes_the_real_message(case, archive, tmp_path, capsys):
    args = broken_input(case, archive, tmp_path)
    status, errors = cli(capsys, "--root", archive, "--quiet", *args)
    assert status == 1 and errors, case
    section = readme_section("Troubleshooting")
    for line in errors:
        assert message(line) in section, f"{case}: README does not quote {message(line)!r}"


def test_readme_troubleshooting_quotes_the_port_in_use_message(archive):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(archive), "serve",
             "--port", str(port), "--no-open"],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 1
    (line,) = [x for x in result.stderr.splitlines() if f"port {port} " in x]
    said = message(line).replace(f"port {port} ", "port 8000 ")
    assert said in readme_section("Troubleshooting")


# -- the daily fetch ---------------------------------------------------------------
def test_fetch_workflow_runs_daily_and_by_hand():
    data = workflow("fetch.yml")
    on = data["on"]
    assert len(on["schedule"]) == 1 and len(on["schedule"][0]["cron"].split()) == 5
    assert "workflow_dispatch" in on
    assert data["concurrency"]["cancel-in-progress"] is False


def test_fetch_workflow_fetches_yesterday_checks_and_commits():
    job = workflow("fetch.yml")["jobs"]["fetch"]
    assert job["permissions"] == {"contents": "write"}
    runs = [s.get("run", "") for s in job["steps"]]
    assert "python -m pip install ." in runs
    fetch_at = runs.index("paperpress fetch")  # no date: yesterday, UTC
    check_at = runs.index("paperpress check")
    commit = next(i for i, run in enumerate(runs) if "git commit" in run)
    assert fetch_at < check_at < commit
    assert "git add content" in runs[commit] and "git push" in runs[commit]
    assert "git diff --cached --quiet" in runs[commit]  # an empty day commits nothing
    step_id = job["steps"][commit]["id"]
    assert job["outputs"]["commit"] == f"${{{{ steps.{step_id}.outputs.commit }}}}"


def test_fetch_workflow_publishes_through_the_pages_workflow():
    """A push with the workflow's token starts no workflow: it calls pages.yml itself."""
    publish = workflow("fetch.yml")["jobs"]["publish"]
    assert publish["needs"] == "fetch"
    assert publish["uses"] == "./.github/workflows/pages.yml"
    assert publish["with"]["ref"] == "${{ needs.fetch.outputs.commit }}"
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    pages = workflow("pages.yml")
    assert pages["on"]["workflow_call"]["inputs"]["ref"]["type"] == "string"
    checkout = step_using(pages["jobs"]["build"]["steps"], "actions/checkout")
    assert checkout["with"]["ref"] == "${{ inputs.ref || github.sha }}"

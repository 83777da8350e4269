"""`python -m bench.run [--sizes 2000 10000]`: time paperpress, Pelican and Hugo.

For each size: generate synthetic scraped days, import them with paperpress
(timed, and one more day into the result, timed), write the same archive as
a Pelican and a Hugo project (each skipped above 10,000 papers unless asked),
then for each generator: cold builds (output and caches deleted first),
one-note rebuilds (`--repeat` different papers, caches kept), peak memory,
pages and feeds produced and output bytes per paper; for paperpress also its
phases per paper, its output bytes per page kind and the save-to-reload time
of `paperpress serve` (bench/reload.py). Prints a table per size
(bench/report.py) and writes `bench/results-<size>.json`. Work folders go to
`bench/out/<size>/`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__ as paperpress_version
from generator.ingest.scrape import parse

from . import reload, report, sites, synth
from .measure import Run, count_output, empty, has_gnu_time, output_bytes, remove, timed
from .mirror import mirror

HERE = Path(__file__).resolve().parent
PHASE = re.compile(r"([a-z]+) (\d+(?:\.\d+)?)s\b")
DEFAULT_SIZES = (2000, 10000)
TRASH = ".trash"  # under --out: what `measure.remove` moved aside, deleted at the end


@dataclass
class Tool:
    """How to build one generator's site, what to delete for a cold build, how to edit a note."""

    name: str
    command: list[str]
    cwd: Path
    output: Path
    caches: list[Path]
    add_note: Callable[[str, int], None]
    timeout: float
    skip: str | None = None  # why this generator is not run, shown as n/a
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass
class Prepared:
    """One size's work folder, ready to build: the archive and its two mirrors."""

    work: Path
    facts: dict
    imports: dict
    probes: list[str]  # paper ids whose note the rebuilds change


# -- preparing an archive -------------------------------------------------------
def generate(work: Path, papers: int, seed: int) -> tuple[list[Path], Path, dict]:
    """Scraped days for about `papers` papers, plus one more day kept apart; all checked."""
    count = synth.days_for(papers)
    maker = synth.Synth(seed, org_pool=synth.org_pool(count))
    days = list(maker.days(count + 1))
    for day in days:
        parsed = parse(day.data)
        if parsed.date != day.when or len(parsed.entries) != maker.per_day:
            raise SystemExit(f"synthetic day {day.when} parsed as {parsed.date} with "
                             f"{len(parsed.entries)} entries; the generator is broken")
    files = synth.write_days(work / "scraped", days[:-1])
    extra = synth.write_days(work / "extra", days[-1:])[0]
    facts = {"days": len(days), "entries": sum(len(d.titles) for d in days),
             "first_day": days[0].when.isoformat(), "last_day": days[-1].when.isoformat()}
    return files, extra, facts


def paperpress(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args]


def import_archive(root: Path, scraped: Path, extra: Path, timeout: float) -> dict:
    """`paperpress import` of every day at once, then of one more day into that archive."""
    subprocess.run(paperpress("--quiet", "init", str(root)), check=True)
    out = {}
    for name, source in (("archive", scraped), ("one_day", extra)):
        run = timed(paperpress("--root", str(root), "--quiet", "import", str(source)),
                    timeout=timeout)
        if not run.ok:
            raise SystemExit(f"paperpress import failed: {run.problem()}")
        out[name] = {"seconds": round(run.seconds, 3), "peak_mb": run.peak_mb}
    return out


def prepare(size: int, seed: int, out: Path, timeout: float, probes: int = 3,
            peers: Sequence[str] = ("pelican", "hugo")) -> Prepared:
    """Generate, import, and write the projects of the `peers` that will run."""
    work = out / str(size)
    remove(work, trash=out / TRASH)
    work.mkdir(parents=True)
    print(f"[{size}] generating synthetic days", flush=True)
    _, extra, facts = generate(work, size, seed)
    print(f"[{size}] importing {facts['days'] - 1} days, then one more", flush=True)
    imports = import_archive(work / "paperpress", work / "scraped", extra, timeout)
    imports["archive"]["days"] = facts["days"] - 1
    archive = mirror(work / "paperpress")
    writers = {"pelican": sites.write_pelican, "hugo": sites.write_hugo}
    for name in peers:
        print(f"[{size}] writing the {name.capitalize()} project", flush=True)
        writers[name](archive, work / name)
    facts.update(papers=len(archive.papers), orgs=len(archive.orgs), topics=len(archive.topics),
                 topic_memberships=sum(len(p.topics) for p in archive.papers))
    ids = [p.id for p in archive.papers]  # newest first: the first is on the home page
    step = max(1, (len(ids) - 1) // max(1, probes - 1))
    return Prepared(work, facts, imports, ids[::step][:probes])


# -- the three generators -------------------------------------------------------
def paperpress_tool(work: Path, timeout: float) -> Tool:
    root = work / "paperpress"

    def add_note(pid: str, number: int) -> None:
        note = root / "content" / "notes" / f"{pid}.md"
        note.write_text(f"---\ntags: [bench]\n---\n\n{sites.note_text(number)}", encoding="utf-8")

    skip = None
    if importlib.util.find_spec("generator.site.build") is None:
        skip = "paperpress has no build command yet"
    # --no-search: Pelican and Hugo build no search index either (the README gives its cost)
    command = paperpress("--root", str(root), "build", "--verbose", "--no-search")
    return Tool("paperpress", command, root, root / "site", [root / ".paperpress-cache"],
                add_note, timeout, skip)


def pelican_tool(work: Path, timeout: float, size: int, pelican_max: int) -> Tool:
    root = work / "pelican"
    skip = None
    if size > pelican_max:
        skip = f"skipped above {pelican_max:,} papers (--pelican-max)"
    elif not all(importlib.util.find_spec(name) for name in ("pelican", "markdown")):
        skip = "Pelican not installed (pip install -e '.[bench]')"
    return Tool("pelican", [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py",
                            "-o", "output", "-q"], root, root / "output", [root / "cache"],
                lambda pid, n: sites.add_note(root / "content" / "papers" / f"{pid}.md", n),
                timeout, skip)


def hugo_tool(work: Path, timeout: float, size: int, hugo_max: int) -> Tool:
    root = work / "hugo"
    hugo = shutil.which("hugo")
    cache = root / ".hugo-cache"
    skip = None
    if size > hugo_max:
        skip = f"skipped above {hugo_max:,} papers (--hugo-max)"
    elif not hugo:
        skip = "hugo not installed (apt-get install hugo)"
    command = [hugo or "hugo", "--source", str(root), "--destination", "public",
               "--cacheDir", str(cache), "--quiet"]
    return Tool("hugo", command, root, root / "public", [cache, root / "resources"],
                lambda pid, n: sites.add_note(root / "content" / "papers" / f"{pid}.md", n),
                timeout, skip)


# -- measuring ------------------------------------------------------------------
def phases(run: Run) -> dict[str, float]:
    """paperpress's `--verbose` phase timings ('load 0.858s  plan 0.069s ...')."""
    for line in run.stdout.splitlines():
        if line.startswith("load "):
            return {name: float(secs) for name, secs in PHASE.findall(line)}
    return {}


def median_phases(runs: list[Run]) -> dict[str, float]:
    found = [phases(r) for r in runs]
    names = list(found[0]) if found else []
    return {n: round(statistics.median(f.get(n, 0.0) for f in found), 3) for n in names}


def summary(runs: list[Run]) -> dict:
    times = [r.seconds for r in runs]
    peaks = [r.peak_mb for r in runs if r.peak_mb is not None]
    return {"seconds": round(statistics.median(times), 3),
            "runs": [round(t, 3) for t in times],
            "peak_mb": max(peaks) if peaks else None}


@dataclass
class Tally:
    """One generator's runs so far; `error` stops its remaining runs."""

    tool: Tool
    cold: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    error: str | None = None
    warm_error: str | None = None


def _attempt(tally: Tally, runs: list[Run], rebuild: bool) -> None:
    tool = tally.tool
    run = timed(tool.command, cwd=tool.cwd, timeout=tool.timeout, env=tool.env)
    if run.ok:
        runs.append(run)
    elif rebuild:
        tally.warm_error = f"failed: {run.problem()}"
    else:
        tally.error = f"failed: {run.problem()}"


def bench_tools(tools: Sequence[Tool], probes: Sequence[str], repeat: int,
                trash: Path | None = None) -> dict[str, dict]:
    """Cold builds, then one-note rebuilds, taking the generators in turn each round.

    Interleaving spreads any background load on the machine over all three
    instead of penalizing whichever happened to run during it. Each
    generator's work folder is its own, so its last cold build's output and
    caches are still in place for its rebuilds.
    """
    tallies = [Tally(tool) for tool in tools if not tool.skip]
    for round_number in range(1, repeat + 1):
        print(f"  cold builds, round {round_number} of {repeat}", flush=True)
        for tally in tallies:
            if tally.error is None:
                remove(tally.tool.output, *tally.tool.caches, trash=trash)
                _attempt(tally, tally.cold, rebuild=False)
    for number, pid in enumerate(probes, start=1):
        print(f"  one-note rebuilds, round {number} of {len(probes)}", flush=True)
        for tally in tallies:
            if tally.error is None and tally.warm_error is None:
                tally.tool.add_note(pid, number)
                _attempt(tally, tally.warm, rebuild=True)
    results = {tool.name: {"status": f"n/a: {tool.skip}"} for tool in tools if tool.skip}
    results.update({tally.tool.name: _result(tally) for tally in tallies})
    return {tool.name: results[tool.name] for tool in tools}


def _result(tally: Tally) -> dict:
    if tally.error:
        return {"status": tally.error}
    pages, feeds = count_output(tally.tool.output)
    result = {"status": "ok", "cold": summary(tally.cold), "pages": pages, "feeds": feeds}
    result["pages_per_s"] = round(pages / result["cold"]["seconds"], 1)
    result["rebuild"] = {"status": tally.warm_error} if tally.warm_error else summary(tally.warm)
    if tally.tool.name == "paperpress":
        result["cold"]["phases"] = median_phases(tally.cold)
        if tally.warm:
            result["rebuild"]["phases"] = median_phases(tally.warm)
            # what the last rebuild re-rendered and rewrote, as paperpress reports it
            result["rebuild"]["report"] = (tally.warm[-1].stdout.splitlines() or [""])[0]
    return result


def machine() -> dict:
    """Versions and cores: what a reader needs to compare two results files."""
    hugo = shutil.which("hugo")
    hugo_version = None
    if hugo:
        words = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()
        hugo_version = words[1] if len(words) > 1 else None
    pelican_version = None
    if importlib.util.find_spec("pelican"):
        from pelican import __version__ as pelican_version
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "system": platform.system(), "paperpress": paperpress_version,
            "pelican": pelican_version, "hugo": hugo_version, "gnu_time": has_gnu_time()}


# -- command line ---------------------------------------------------------------
def select(size: int, args: argparse.Namespace) -> list[Tool]:
    """The three generators for one size, with the reason each one is skipped, if it is."""
    work = args.out / str(size)
    tools = [
        paperpress_tool(work, args.timeout),
        pelican_tool(work, args.pelican_timeout, size, args.pelican_max),
        hugo_tool(work, args.timeout, size, args.hugo_max),
    ]
    for tool in tools:
        if args.only and tool.name not in args.only:
            tool.skip = "not selected (--only)"
    return tools


def per_paper(phases_s: dict[str, float], papers: int) -> dict[str, float]:
    """Phase seconds as microseconds per paper: whether growth is linear shows at a glance."""
    return {name: round(secs * 1e6 / max(1, papers), 1) for name, secs in phases_s.items()}


def add_output(results: dict[str, dict], tools: Sequence[Tool], papers: int) -> None:
    """Output file bytes for every generator that built; per page kind for paperpress."""
    for tool in tools:
        result = results[tool.name]
        if result.get("status") != "ok":
            continue
        output = output_bytes(tool.output)
        if tool.name != "paperpress":
            output.pop("kinds")
        output["bytes_per_paper"] = round(output["bytes"] / max(1, papers))
        result["output"] = output


def add_serve(result: dict, tool: Tool, pid: str, args: argparse.Namespace) -> None:
    """paperpress's save-to-reload times under `paperpress serve` (Pelican and Hugo: n/a)."""
    if result.get("status") != "ok" or args.no_serve:
        return
    print(f"  serve: {2 * args.saves} note saves, in place and renamed over", flush=True)
    try:
        result["serve"] = reload.measure(tool.cwd, pid, args.saves, args.timeout)
    except reload.ReloadError as err:
        result["serve"] = {"status": f"failed: {err}"}


def run_size(size: int, args: argparse.Namespace) -> dict:
    tools = select(size, args)
    peers = [t.name for t in tools if t.name != "paperpress" and not t.skip]
    prepared = prepare(size, args.seed, args.out, args.timeout, args.repeat, peers)
    result = {"size": size, "seed": args.seed, "repeat": args.repeat, "facts": prepared.facts,
              "imports": prepared.imports, "machine": machine()}
    load_before = os.getloadavg()[0]
    result["tools"] = bench_tools(tools, prepared.probes, args.repeat, args.out / TRASH)
    papers = prepared.facts["papers"]
    add_output(result["tools"], tools, papers)
    paperpress = result["tools"]["paperpress"]
    if paperpress.get("cold", {}).get("phases"):
        paperpress["cold"]["us_per_paper"] = per_paper(paperpress["cold"]["phases"], papers)
    add_serve(paperpress, tools[0], prepared.probes[0], args)
    # Other work on the machine skews every number; say how busy it was.
    result["machine"]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="papers per archive (default: 2000 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="cold builds and rebuilds each")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folders")
    parser.add_argument("--results", type=Path, default=HERE, help="where results-*.json go")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--pelican-timeout", type=float, default=900,
                        help="seconds per Pelican run")
    parser.add_argument("--pelican-max", type=int, default=10_000,
                        help="skip Pelican above this many papers")
    parser.add_argument("--hugo-max", type=int, default=10_000,
                        help="skip Hugo above this many papers")
    parser.add_argument("--saves", type=int, default=6,
                        help="note saves per save style in the serve-reload measurement")
    parser.add_argument("--no-serve", action="store_true",
                        help="leave out the serve-reload measurement")
    parser.add_argument("--only", nargs="+", choices=("paperpress", "pelican", "hugo"),
                        help="run only these generators")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    args.out = args.out.resolve()
    # Every generator runs as installed, with Python's compiled modules kept (pip writes
    # them at install): a shell that turns that off would charge each run the compiling.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if not has_gnu_time():
        print("note: /usr/bin/time not found; peak memory is n/a (apt-get install time)")
    for size in args.sizes:
        result = run_size(size, args)
        print(report.table(result), flush=True)
        path = args.results / f"results-{size}.json"
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.name}", flush=True)
    empty(args.out / TRASH)  # nothing more is timed
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m bench.run [--sizes 2000 10000]`: time paperpress, Pelican and Hugo.

For each size: generate synthetic scraped days, import them with paperpress
(timed, and one more day into the result, timed), write the same archive as
a Pelican and a Hugo project, then for each generator: cold builds (output
and caches deleted first), one-note rebuilds (three different papers, caches
kept), peak memory, pages and feeds produced. Prints a table per size and
writes `bench/results-<size>.json`. Work folders go to `bench/out/<size>/`.
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

from . import sites, synth
from .measure import Run, count_output, has_gnu_time, remove, timed
from .mirror import mirror

HERE = Path(__file__).resolve().parent
PHASE = re.compile(r"([a-z]+) (\d+(?:\.\d+)?)s\b")
DEFAULT_SIZES = (2000, 10000)


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


def prepare(size: int, seed: int, out: Path, timeout: float, probes: int = 3) -> Prepared:
    work = out / str(size)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"[{size}] generating synthetic days", flush=True)
    _, extra, facts = generate(work, size, seed)
    print(f"[{size}] importing {facts['days'] - 1} days, then one more", flush=True)
    imports = import_archive(work / "paperpress", work / "scraped", extra, timeout)
    imports["archive"]["days"] = facts["days"] - 1
    print(f"[{size}] writing the Pelican and Hugo projects", flush=True)
    archive = mirror(work / "paperpress")
    sites.write_pelican(archive, work / "pelican")
    sites.write_hugo(archive, work / "hugo")
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
    if importlib.util.find_spec("pelican") is None or importlib.util.find_spec("markdown") is None:
        skip = "Pelican not installed (pip install -e '.[bench]')"
    elif size > pelican_max:
        skip = f"skipped above {pelican_max:,} papers (--pelican-max)"
    return Tool("pelican", [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py",
                            "-o", "output", "-q"], root, root / "output", [root / "cache"],
                lambda pid, n: sites.add_note(root / "content" / "papers" / f"{pid}.md", n),
                timeout, skip)


def hugo_tool(work: Path, timeout: float) -> Tool:
    root = work / "hugo"
    hugo = shutil.which("hugo")
    cache = root / ".hugo-cache"
    command = [hugo or "hugo", "--source", str(root), "--destination", "public",
               "--cacheDir", str(cache), "--quiet"]
    return Tool("hugo", command, root, root / "public", [cache, root / "resources"],
                lambda pid, n: sites.add_note(root / "content" / "papers" / f"{pid}.md", n),
                timeout, None if hugo else "hugo not installed (apt-get install hugo)")


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


def bench_tools(tools: Sequence[Tool], probes: Sequence[str], repeat: int) -> dict[str, dict]:
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
                remove(tally.tool.output, *tally.tool.caches)
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


# -- reporting ------------------------------------------------------------------
def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def table(result: dict) -> str:
    f, imp = result["facts"], result["imports"]
    lines = [
        f"\n== {result['size']:,} papers requested: {f['papers']:,} papers, {f['days']} days "
        f"({f['first_day']} .. {f['last_day']}), {f['entries']:,} entries, {f['orgs']} orgs, "
        f"{f['topics']} topics; seed {result['seed']}; load average "
        f"{' -> '.join(map(str, result['machine'].get('load_average', [])))}",
        f"{'generator':<11} {'cold s':>9} {'rebuild s':>10} {'peak MB':>9} {'rebuild MB':>11} "
        f"{'pages':>8} {'feeds':>6} {'pages/s':>9}",
    ]
    for name, tool in result["tools"].items():
        if tool.get("status") != "ok":
            lines.append(f"{name:<11} {tool.get('status', 'n/a')}")
            continue
        cold, warm = tool["cold"], tool.get("rebuild", {})
        lines.append(
            f"{name:<11} {_num(cold['seconds']):>9} {_num(warm.get('seconds')):>10} "
            f"{_num(cold['peak_mb'], 0):>9} {_num(warm.get('peak_mb'), 0):>11} "
            f"{tool['pages']:>8,} {tool['feeds']:>6,} {_num(tool['pages_per_s'], 0):>9}")
        if "status" in warm:
            lines.append(f"{'':<11} rebuild {warm['status']}")
        for label, part in (("cold", cold), ("rebuild", warm)):
            if part.get("phases"):
                text = "  ".join(f"{k} {v:.2f}s" for k, v in part["phases"].items())
                lines.append(f"{'':<11} {label} phases: {text}")
    lines.append(
        f"paperpress import: {imp['archive']['days']} days {_num(imp['archive']['seconds'])} s "
        f"(peak {_num(imp['archive']['peak_mb'], 0)} MB); one more day "
        f"{_num(imp['one_day']['seconds'])} s (peak {_num(imp['one_day']['peak_mb'], 0)} MB)")
    return "\n".join(lines)


# -- command line ---------------------------------------------------------------
def run_size(size: int, args: argparse.Namespace) -> dict:
    prepared = prepare(size, args.seed, args.out, args.timeout, args.repeat)
    tools = [
        paperpress_tool(prepared.work, args.timeout),
        pelican_tool(prepared.work, args.pelican_timeout, size, args.pelican_max),
        hugo_tool(prepared.work, args.timeout),
    ]
    result = {"size": size, "seed": args.seed, "repeat": args.repeat, "facts": prepared.facts,
              "imports": prepared.imports, "machine": machine()}
    load_before = os.getloadavg()[0]
    for tool in tools:
        if args.only and tool.name not in args.only:
            tool.skip = "not selected (--only)"
    result["tools"] = bench_tools(tools, prepared.probes, args.repeat)
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
    parser.add_argument("--only", nargs="+", choices=("paperpress", "pelican", "hugo"),
                        help="run only these generators")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    args.out = args.out.resolve()
    if not has_gnu_time():
        print("note: /usr/bin/time not found; peak memory is n/a (apt-get install time)")
    for size in args.sizes:
        result = run_size(size, args)
        print(table(result), flush=True)
        path = args.results / f"results-{size}.json"
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.name}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

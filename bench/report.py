"""The benchmark's printed table for one size, from the results that go to the JSON.

One row per generator (cold and one-note rebuild medians, serve save-to-reload
median, peak memory, pages, feeds, pages per second, output KB per paper),
then paperpress's build phases in seconds and in microseconds per paper, the
serve reloads by save style, the import times, and the output bytes per page
kind. A figure a generator has no counterpart for (Pelican's and Hugo's
serve reload) reads n/a.
"""

from __future__ import annotations

HEADER = (f"{'generator':<11} {'cold s':>9} {'rebuild s':>10} {'reload ms':>10} {'peak MB':>9} "
          f"{'rebuild MB':>11} {'pages':>8} {'feeds':>6} {'pages/s':>9} {'KB/paper':>9}")


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def heading(result: dict) -> str:
    f = result["facts"]
    return (f"\n== {result['size']:,} papers requested: {f['papers']:,} papers, {f['days']} days "
            f"({f['first_day']} .. {f['last_day']}), {f['entries']:,} entries, {f['orgs']} orgs, "
            f"{f['topics']} topics; seed {result['seed']}; repeat {result.get('repeat', 'n/a')}; "
            f"load average "
            f"{' -> '.join(map(str, result['machine'].get('load_average', [])))}")


def row(name: str, tool: dict) -> list[str]:
    """A generator's line, then its rebuild failure and its phases when it has them."""
    if tool.get("status") != "ok":
        return [f"{name:<11} {tool.get('status', 'n/a')}"]
    cold, warm = tool["cold"], tool.get("rebuild", {})
    serve = tool.get("serve", {})
    kb = tool.get("output", {}).get("bytes_per_paper")
    lines = [
        f"{name:<11} {num(cold['seconds']):>9} {num(warm.get('seconds')):>10} "
        f"{num(serve.get('median_ms'), 0):>10} "
        f"{num(cold['peak_mb'], 0):>9} {num(warm.get('peak_mb'), 0):>11} "
        f"{tool['pages']:>8,} {tool['feeds']:>6,} {num(tool['pages_per_s'], 0):>9} "
        f"{num(kb / 1000 if kb is not None else None, 1):>9}"]
    if "status" in warm:
        lines.append(f"{'':<11} rebuild {warm['status']}")
    for label, part in (("cold", cold), ("rebuild", warm)):
        if part.get("phases"):
            text = "  ".join(f"{k} {v:.2f}s" for k, v in part["phases"].items())
            lines.append(f"{'':<11} {label} phases: {text}")
    if cold.get("us_per_paper"):
        text = "  ".join(f"{k} {v:,.0f}" for k, v in cold["us_per_paper"].items())
        lines.append(f"{'':<11} cold phases per paper (µs): {text}")
    return lines + serve_lines(serve)


def serve_lines(serve: dict) -> list[str]:
    """How each save style did: the reload median, and the reloaded page fetched."""
    if not serve:
        return []
    if "status" in serve:
        return [f"{'':<11} serve reload {serve['status']}"]
    styles = "; ".join(
        f"{style.replace('_', ' ')} {serve[style]['median_ms']:,.0f} ms (rebuild "
        f"{num(serve[style].get('rebuild_median_ms'), 0)} ms, page shown "
        f"{serve[style]['shown_median_ms']:,.0f} ms)" for style in ("in_place", "rename"))
    return [f"{'':<11} serve reload, median of {len(serve['in_place']['reload_ms'])} saves "
            f"each: {styles}; serve started in {serve['startup_s']:.1f} s"]


def imports(imp: dict) -> str:
    return (f"paperpress import: {imp['archive']['days']} days {num(imp['archive']['seconds'])} s "
            f"(peak {num(imp['archive']['peak_mb'], 0)} MB); one more day "
            f"{num(imp['one_day']['seconds'])} s (peak {num(imp['one_day']['peak_mb'], 0)} MB)")


def kinds(output: dict, papers: int) -> list[str]:
    """paperpress's output bytes per page kind, largest first, and per paper."""
    if not output.get("kinds"):
        return []
    lines = [f"paperpress output: {output['bytes'] / 1e6:,.1f} MB in {output['files']:,} files, "
             f"{output['bytes_per_paper'] / 1000:,.1f} KB per paper (search index excluded)",
             f"  {'kind':<22} {'files':>8} {'MB':>9} {'KB/file':>9} {'KB/paper':>9}"]
    for kind, item in output["kinds"].items():
        lines.append(f"  {kind:<22} {item['files']:>8,} {item['bytes'] / 1e6:>9,.2f} "
                     f"{item['bytes_per_file'] / 1000:>9,.1f} "
                     f"{item['bytes'] / max(1, papers) / 1000:>9,.2f}")
    return lines


def table(result: dict) -> str:
    lines = [heading(result), HEADER]
    for name, tool in result["tools"].items():
        lines += row(name, tool)
    lines.append(imports(result["imports"]))
    paperpress = result["tools"].get("paperpress", {})
    lines += kinds(paperpress.get("output", {}), result["facts"]["papers"])
    return "\n".join(lines)

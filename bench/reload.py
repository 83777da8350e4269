"""Save-to-reload time of `paperpress serve`, read from its reload channel over a socket.

This is what a curator waits for: a note saved in the editor, the open tab
told to reload. The server is started on a free port, one connection listens
to its Server-Sent Events channel (what the reload script in every page
opens), and a note is saved in the two ways editors save: written in place,
and written to a temporary file renamed over the note (vim, VS Code). Each
save is timed from just before the write to the arrival of the `reload`
event; the page is then fetched to check the note is on it, and the time at
which it was fetched is kept too ("shown"). Saves are spaced until the
server is quiet again, so one save's rebuild never overlaps the next.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

EVENTS = "/__paperpress__/events"
STYLES = ("in_place", "rename")
QUIET = 0.3  # seconds without an event after a reload before the next save


class ReloadError(Exception):
    """The server did not start, a save never reloaded, or it reported problems."""


@dataclass
class Server:
    """A running `paperpress serve` and the lines it printed."""

    proc: subprocess.Popen
    root: Path
    scratch: Path  # the server's TMPDIR: its build folder goes there, gone after stop()
    lines: list[str] = field(default_factory=list)
    port: int = 0

    def pump(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def stop(self, timeout: float = 120.0) -> float:
        """Ctrl-C, as a curator stops it (killed if it does not stop in time); the
        seconds it took. Its temporary folder is removed even when it was killed."""
        started = time.perf_counter()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)
        return time.perf_counter() - started


def start(root: Path, timeout: float) -> tuple[Server, float]:
    """`paperpress serve --port 0` on `root`: the server and seconds until it served."""
    command = [sys.executable, "-m", "generator", "--root", str(root), "serve",
               "--port", "0", "--no-open"]
    scratch = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "TMPDIR": str(scratch)})
    server = Server(proc, root, scratch)
    threading.Thread(target=server.pump, args=(proc.stdout,), daemon=True).start()
    pattern = re.compile(r"serving http://127\.0\.0\.1:(\d+)/")
    while time.perf_counter() - started < timeout and proc.poll() is None:
        found = next((m for m in map(pattern.search, list(server.lines)) if m), None)
        if found:
            server.port = int(found.group(1))
            return server, time.perf_counter() - started
        time.sleep(0.05)
    server.stop()
    raise ReloadError(f"serve did not start in {timeout:.0f}s: {' | '.join(server.lines[-3:])}")


class Events:
    """One open event stream; each event lands in a queue with the time it arrived."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
        self.conn.request("GET", EVENTS)  # no `since`: only builds from now on
        response = self.conn.getresponse()
        if response.getheader("Content-Type") != "text/event-stream":
            raise ReloadError(f"{EVENTS} answered {response.status} without an event stream")
        self.received: queue.Queue[tuple[str, str, float]] = queue.Queue()
        threading.Thread(target=self._read, args=(response,), daemon=True).start()

    def _read(self, response: http.client.HTTPResponse) -> None:
        name = ""
        try:
            for raw in response.fp:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.received.put((name, line[6:], time.perf_counter()))
        except (OSError, ValueError):
            pass

    def next(self, timeout: float) -> tuple[str, str, float]:
        try:
            return self.received.get(timeout=timeout)
        except queue.Empty:
            raise ReloadError(f"no reload within {timeout:.0f}s of a save") from None

    def settle(self) -> int:
        """Wait until no event came for QUIET seconds; how many came meanwhile."""
        extra = 0
        while True:
            try:
                self.received.get(timeout=QUIET)
                extra += 1
            except queue.Empty:
                return extra

    def close(self) -> None:
        self.conn.close()


def save_note(root: Path, pid: str, text: str, style: str) -> None:
    """A note saved as an editor saves it: in place, or a temporary file renamed over it."""
    note = root / "content" / "notes" / f"{pid}.md"
    body = f"---\ntags: [bench]\n---\n\n{text}\n"
    if style == "rename":
        temp = note.with_name(f".{note.name}.swp")
        temp.write_text(body, encoding="utf-8")
        os.replace(temp, note)
    else:
        note.write_text(body, encoding="utf-8")


def page(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()


def time_save(server: Server, events: Events, pid: str, text: str, style: str,
              timeout: float) -> tuple[float, float]:
    """One save: (ms to the reload event, ms until the reloaded page was fetched)."""
    started = time.perf_counter()
    save_note(server.root, pid, text, style)
    name, data, arrived = events.next(timeout)
    if name != "reload":
        raise ReloadError(f"the save of {pid}'s note gave {name}: {data[:200]}")
    body = page(server.port, f"/papers/{pid}/")
    shown = time.perf_counter()
    if text not in body:
        raise ReloadError(f"/papers/{pid}/ does not show the saved note after the reload")
    return (arrived - started) * 1000, (shown - started) * 1000


REBUILT = re.compile(r"^rebuilt after .* in (\d+(?:\.\d+)?)s$")


def rebuild_ms(lines: list[str]) -> list[float]:
    """The server's own rebuild times ("rebuilt after ...: ... in 0.21s"): the rest of
    a reload's time is noticing the save and telling the tab."""
    return [float(m.group(1)) * 1000 for m in map(REBUILT.match, lines) if m]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def measure(root: Path, pid: str, saves: int = 6, timeout: float = 600.0) -> dict:
    """Serve `root`, save `pid`'s note `saves` times in each style, and time the reloads.

    The note is removed again afterwards, so the archive is as it was.
    """
    note = root / "content" / "notes" / f"{pid}.md"
    before = note.read_bytes() if note.exists() else None
    server, startup = start(root, timeout)
    try:
        events = Events(server.port)
        events.settle()
        result: dict = {"startup_s": round(startup, 3), "paper": pid, "extra_events": 0}
        for style in STYLES:
            reload_ms, shown_ms, build_ms = [], [], []
            for number in range(1, saves + 1):
                text = f"Serve benchmark note, {style.replace('_', ' ')} save {number}."
                printed = len(server.lines)
                to_event, to_page = time_save(server, events, pid, text, style, timeout)
                reload_ms.append(round(to_event, 1))
                shown_ms.append(round(to_page, 1))
                result["extra_events"] += events.settle()
                build_ms += rebuild_ms(server.lines[printed:])
            result[style] = {"reload_ms": reload_ms, "median_ms": _median(reload_ms),
                             "shown_median_ms": _median(shown_ms),
                             "rebuild_median_ms": _median(build_ms) if build_ms else None}
        result["median_ms"] = _median([ms for s in STYLES for ms in result[s]["reload_ms"]])
        events.close()
        result["stop_s"] = round(server.stop(), 3)  # Ctrl-C to exit, its folder removed
    finally:
        server.stop()
        if before is None:
            note.unlink(missing_ok=True)
        else:
            note.write_bytes(before)
    return result

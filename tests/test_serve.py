"""`paperpress serve` over a real socket: edits, bursts, errors, recovery, shutdown."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVENTS = "/__paperpress__/events"


def copy_archive(target: Path) -> Path:
    shutil.copytree(REPO / "content", target / "content")
    shutil.copytree(REPO / "themes", target / "themes")
    return target


class Served:
    """A running `paperpress serve` process and what it printed."""

    def __init__(self, root: Path, *extra: str) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "--root", str(root), "serve", "--port", "0",
             "--no-open", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.out), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err), daemon=True).start()
        line = self.wait_for(lambda: any("serving http" in x for x in self.out), 60)
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", "\n".join(self.out))
        assert line and match, (self.out, self.err)
        self.port = int(match.group(1))

    @staticmethod
    def _pump(stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))

    @staticmethod
    def wait_for(condition, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.02)
        return bool(condition())

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        conn.close()
        return response.status, body

    def wait_page(self, path: str, predicate, timeout: float = 20.0) -> str:
        seen = {"body": ""}

        def check() -> bool:
            seen["body"] = self.get(path)[1]
            return predicate(seen["body"])

        assert self.wait_for(check, timeout), (
            f"{path} never matched; server said {self.out} {self.err}; "
            f"last body:\n{seen['body']}")
        return seen["body"]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def current_generation(port: int) -> int:
    """The build a page served now belongs to, as the reload script tells the server."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    body = conn.getresponse().read().decode("utf-8")
    conn.close()
    found = re.search(r"since=(\d+)", body)
    assert found, body[-500:]
    return int(found.group(1))


class EventStream:
    """An open Server-Sent Events connection collecting event names and data."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", f"{EVENTS}?since={current_generation(port)}")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.events: list[tuple[str, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = ""
        try:
            for raw in self.response.fp:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.events.append((name, line[6:]))
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return copy_archive(tmp_path / "archive")


@pytest.fixture
def served(archive: Path) -> Iterator[Served]:
    server = Served(archive)
    yield server
    server.stop()


def some_paper(root: Path, index: int = 0) -> str:
    return sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml"))[index]


def write_note(root: Path, pid: str, text: str, rename: bool = False) -> None:
    note = root / "content" / "notes" / f"{pid}.md"
    body = f"---\npick: false\n---\n{text}\n"
    if rename:  # how vim and VS Code save: a temp file renamed over the original
        temp = note.with_name(f".{note.name}.swp")
        temp.write_text(body, encoding="utf-8")
        os.replace(temp, note)
    else:
        note.write_text(body, encoding="utf-8")


def test_serves_pages_at_the_root_with_the_reload_script(served: Served) -> None:
    status, body = served.get("/")
    assert status == 200
    assert EVENTS in body
    assert 'href="/topics/"' in body  # links work at the server's root, not base_url's path
    status, body = served.get("/no/such/page/")
    assert status == 404 and "Page not found" in body
    pid = some_paper(served.root)
    status, body = served.get(f"/papers/{pid}/")
    assert status == 200 and EVENTS in body


def test_build_output_never_carries_the_reload_script(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "built"
    subprocess.run([sys.executable, "-m", "generator", "--root", str(archive), "build", "--out",
                    str(out), "--quiet"], check=True)
    for page in out.rglob("*.html"):
        assert "__paperpress__" not in page.read_text(encoding="utf-8"), page


@pytest.mark.parametrize("rename", [False, True], ids=["in-place", "rename-over"])
def test_a_saved_note_shows_on_its_page(served: Served, rename: bool) -> None:
    pid = some_paper(served.root, 3)
    stream = EventStream(served.port)
    write_note(served.root, pid, "First thoughts on *this* paper.", rename=rename)
    served.wait_page(f"/papers/{pid}/", lambda b: "First thoughts on <em>this</em> paper." in b)
    assert served.wait_for(lambda: ("reload", "[]") in stream.events)
    write_note(served.root, pid, "Second thoughts.", rename=rename)
    served.wait_page(f"/papers/{pid}/", lambda b: "Second thoughts." in b)
    stream.close()


def test_a_burst_of_saves_is_one_rebuild(served: Served) -> None:
    pid = some_paper(served.root, 4)
    before = sum("rebuilt after" in line for line in served.out)
    for i in range(8):  # a formatter or a checkout: several saves within milliseconds
        write_note(served.root, pid, f"Burst save {i}.")
    served.wait_page(f"/papers/{pid}/", lambda b: "Burst save 7." in b)
    time.sleep(1.0)
    assert sum("rebuilt after" in line for line in served.out) - before == 1, served.out


def test_saves_a_second_apart_are_all_shown(served: Served) -> None:
    pid = some_paper(served.root, 5)
    stream = EventStream(served.port)
    for i in range(3):
        reloads = sum(name == "reload" for name, _ in stream.events)
        write_note(served.root, pid, f"Save number {i}.")
        served.wait_page(f"/papers/{pid}/", lambda b, i=i: f"Save number {i}." in b, 5)
        assert served.wait_for(
            lambda r=reloads: sum(n == "reload" for n, _ in stream.events) > r, 5)
        time.sleep(1.0)
    stream.close()


def test_a_note_deleted_and_recreated(served: Served) -> None:
    pid = some_paper(served.root, 6)
    write_note(served.root, pid, "Here today.")
    served.wait_page(f"/papers/{pid}/", lambda b: "Here today." in b)
    (served.root / "content" / "notes" / f"{pid}.md").unlink()
    served.wait_page(f"/papers/{pid}/", lambda b: "Here today." not in b)
    write_note(served.root, pid, "Back again.")
    served.wait_page(f"/papers/{pid}/", lambda b: "Back again." in b)


def test_broken_yaml_shows_an_error_then_recovers(served: Served) -> None:
    pid = some_paper(served.root, 7)
    paper = served.root / "content" / "papers" / f"{pid}.yaml"
    good = paper.read_text(encoding="utf-8")
    stream = EventStream(served.port)
    paper.write_text(good.replace("title:", "title: [unclosed", 1), encoding="utf-8")
    assert served.wait_for(lambda: any(n == "problems" for n, _ in stream.events))
    data = next(d for n, d in stream.events if n == "problems")
    assert f"content/papers/{pid}.yaml:" in data
    assert served.wait_for(lambda: any(f"content/papers/{pid}.yaml:" in x for x in served.err))
    assert not any("Traceback" in x for x in served.err)
    status, body = served.get(f"/papers/{pid}/")  # the last good page, with the problem on it
    assert status == 200 and f"content/papers/{pid}.yaml:" in body
    paper.write_text(good, encoding="utf-8")
    assert served.wait_for(lambda: stream.events and stream.events[-1] == ("reload", "[]"))
    status, body = served.get(f"/papers/{pid}/")
    assert f"content/papers/{pid}.yaml:" not in body
    assert served.proc.poll() is None
    stream.close()


def test_a_broken_file_stays_refused_while_other_files_are_saved(served: Served) -> None:
    """Rebuilds look again only at the files the watcher names: a file that failed to
    parse is never taken from before its breakage when a later save names another."""
    pid, other = some_paper(served.root, 13), some_paper(served.root, 14)
    paper = served.root / "content" / "papers" / f"{pid}.yaml"
    good = paper.read_text(encoding="utf-8")
    stream = EventStream(served.port)
    paper.write_text(good.replace("title:", "title: [unclosed", 1), encoding="utf-8")
    assert served.wait_for(lambda: any(n == "problems" for n, _ in stream.events))
    count = len(stream.events)
    write_note(served.root, other, "Saved while another file is broken.")
    assert served.wait_for(lambda: len(stream.events) > count)
    name, data = stream.events[count]
    assert name == "problems" and f"content/papers/{pid}.yaml:" in data, stream.events
    paper.write_text(good, encoding="utf-8")
    served.wait_page(f"/papers/{other}/", lambda b: "Saved while another file is broken." in b)
    assert served.wait_for(lambda: stream.events[-1] == ("reload", "[]"))
    stream.close()


def test_bad_note_front_matter_and_template_errors_name_file_and_line(served: Served) -> None:
    pid = some_paper(served.root, 8)
    stream = EventStream(served.port)
    note = served.root / "content" / "notes" / f"{pid}.md"
    note.write_text("---\npick: maybe\n---\nText\n", encoding="utf-8")
    assert served.wait_for(
        lambda: any(f"content/notes/{pid}.md:2" in d for n, d in stream.events if n == "problems"))
    note.unlink()
    assert served.wait_for(lambda: stream.events[-1] == ("reload", "[]"))
    template = served.root / "themes" / "default" / "templates" / "day.html"
    good = template.read_text(encoding="utf-8")
    template.write_text(good.replace("{% block main %}", "{% block main %}\n{% if %}", 1),
                        encoding="utf-8")
    assert served.wait_for(lambda: any(
        "themes/default/templates/day.html:" in d for n, d in stream.events if n == "problems"))
    template.write_text(good, encoding="utf-8")
    assert served.wait_for(lambda: stream.events[-1] == ("reload", "[]"))
    assert served.proc.poll() is None
    stream.close()


def test_importing_a_day_while_serving_shows_it(served: Served) -> None:
    scraped = sorted((served.root / "content" / "scraped").glob("*.txt"))[-1]
    subprocess.run([sys.executable, "-m", "generator", "--root", str(served.root), "import",
                    str(scraped), "--date", "2026-12-30", "--quiet"], check=True)
    served.wait_page("/archive/", lambda b: "/days/2026-12-30/" in b)
    assert served.get("/days/2026-12-30/")[0] == 200
    served.wait_page("/", lambda b: "/days/2026-12-30/" in b)


def test_files_in_hidden_folders_of_the_content_start_no_rebuild(served: Served) -> None:
    """The import journal (and a `.git`) live in hidden folders: their churn is no edit."""
    folders = [served.root / "content" / name for name in (".journal", ".git/objects")]
    for hidden in folders:
        hidden.mkdir(parents=True)
    time.sleep(1.5)  # let the watcher take up the new folders and settle
    served.out.clear()
    for hidden in folders:
        (hidden / "papers.yaml").write_text("id: x\n", encoding="utf-8")
    pid = some_paper(served.root)
    write_note(served.root, pid, "A visible edit after the hidden ones.")
    served.wait_page(f"/papers/{pid}/", lambda b: "A visible edit after the hidden ones." in b)
    assert served.wait_for(lambda: any(x.startswith("rebuilt after") for x in served.out))
    rebuilt = [line for line in served.out if line.startswith("rebuilt after")]
    assert not any(".journal" in line or ".git" in line for line in rebuilt), rebuilt


def test_ctrl_c_stops_cleanly_and_frees_the_port(archive: Path) -> None:
    server = Served(archive)
    port = server.port
    assert server.stop() == 0
    assert served_output_clean(server)
    assert any(line == "stopped" for line in server.out)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def served_output_clean(server: Served) -> bool:
    Served.wait_for(lambda: server.proc.stdout.closed or server.proc.poll() is not None, 2)
    return not any("Traceback" in line for line in server.err)


def test_a_taken_port_is_a_clear_error(archive: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(archive), "serve", "--port",
             str(port), "--no-open"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"port {port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_another_interface_is_served_with_a_warning(archive: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(archive), "serve", "--host",
         "0.0.0.0", "--port", "0", "--no-open"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "warning: serving on 0.0.0.0" in line
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_the_open_page_shows_a_saved_note_without_reloading_by_hand(served: Served,
                                                                     browser) -> None:
    pid = some_paper(served.root, 9)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{served.port}/papers/{pid}/", wait_until="load")
    page.wait_for_timeout(300)  # the event stream connects
    write_note(served.root, pid, "Seen live in the browser.")
    page.get_by_text("Seen live in the browser.").wait_for(timeout=10_000)
    paper = served.root / "content" / "papers" / f"{pid}.yaml"
    good = paper.read_text(encoding="utf-8")
    paper.write_text("title: [broken\n", encoding="utf-8")
    overlay = page.locator("#paperpress-error")
    overlay.wait_for(timeout=10_000)
    assert f"content/papers/{pid}.yaml:" in overlay.inner_text()
    paper.write_text(good, encoding="utf-8")
    page.wait_for_function("!document.getElementById('paperpress-error')", timeout=10_000)
    assert page.get_by_text("Seen live in the browser.").count() == 1
    assert errors == []
    context.close()


def test_a_tab_that_connects_late_still_hears_of_the_rebuild(served: Served) -> None:
    pid = some_paper(served.root, 10)
    since = current_generation(served.port)  # the page as a tab loaded it
    rebuilt = sum("rebuilt after" in line for line in served.out)
    write_note(served.root, pid, "Saved before the tab listened.")
    assert served.wait_for(lambda: sum("rebuilt after" in x for x in served.out) > rebuilt)
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    conn.request("GET", f"{EVENTS}?since={since}")
    response = conn.getresponse()
    lines = [response.fp.readline().decode().strip() for _ in range(4)]
    conn.close()
    assert "event: reload" in lines, lines


def get_bytes(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


def test_what_the_server_serves_after_edits_is_a_cold_build(served: Served,
                                                            tmp_path: Path) -> None:
    pid = some_paper(served.root, 11)
    write_note(served.root, pid, "Edited while serving.")
    served.wait_page(f"/papers/{pid}/", lambda b: "Edited while serving." in b)
    other = some_paper(served.root, 12)
    write_note(served.root, other, "---\n", rename=True)
    write_note(served.root, other, "A second note, saved the way editors do.", rename=True)
    served.wait_page(f"/papers/{other}/", lambda b: "saved the way editors do" in b)
    cold = tmp_path / "cold"
    subprocess.run([sys.executable, "-m", "generator", "--root", str(served.root), "build",
                    "--out", str(cold), "--base-url", f"http://127.0.0.1:{served.port}/",
                    "--quiet"], check=True)
    script = re.compile(rb"<script>\n\(\(\) => \{\n  const source = new EventSource.*?</script>\n",
                        re.S)
    files = [p for p in sorted(cold.rglob("*")) if p.is_file()]
    assert len(files) > 100
    for path in files:
        name = path.relative_to(cold).as_posix()
        if name.startswith("pagefind/"):  # the search index: tests/test_search.py
            continue
        url = "/" + name.removesuffix("index.html")
        served_bytes, cold_bytes = get_bytes(served.port, url), path.read_bytes()
        if name.endswith(".html"):
            served_bytes = script.sub(b"", served_bytes)
        if name == ".paperpress-manifest":  # less the index's files, named by Pagefind
            served_bytes, cold_bytes = (re.sub(rb"(?m)^pagefind/.*\n", b"", data)
                                        for data in (served_bytes, cold_bytes))
        assert served_bytes == cold_bytes, name


def test_exports_are_served_with_their_types(served: Served) -> None:
    """BibTeX as UTF-8 text a browser shows, papers.json as JSON; neither gets the script."""
    pid = some_paper(served.root)
    day = sorted(p.stem for p in (served.root / "content" / "days").glob("*.yaml"))[0]
    expected = {f"/papers/{pid}/cite.bib": "text/plain; charset=utf-8",
                f"/days/{day}/day.bib": "text/plain; charset=utf-8",
                "/papers.json": "application/json"}
    for path, kind in expected.items():
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        conn.close()
        assert (response.status, response.getheader("Content-Type")) == (200, kind), path
        assert body.startswith("@misc{" if path.endswith(".bib") else '{"version":1,'), path

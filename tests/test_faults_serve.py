"""The dev server under hostile or careless use: markup in problems, forged Host headers,
crowds, dropped and idle connections, HEAD, failed starts, bad ports, escaping paths.

Everything runs over real sockets against `paperpress serve` in a subprocess, or
against `DevServer` in a thread where a test needs its build folder or a short
idle timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from site_helpers import write_hostile_archive
from test_serve import EVENTS, EventStream, Served, copy_archive, some_paper

from generator.core.paths import ContentPaths
from generator.serve import DevServer
from generator.site.render import hashed_name

HANG_GUARD = 30.0  # seconds; only to end a hung test, never a speed requirement
TOPIC_ATTACK = "</script><img src=x onerror=alert(1)>"
KEY_ATTACK = "</script><script>alert(2)</script>"
SITE_ATTACK = "</script><svg onload=alert(3)>"
LINE_ATTACK = "line\nbreak\u2028and\u2029more & <b>"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return copy_archive(tmp_path / "archive")


@pytest.fixture
def served(archive: Path) -> Iterator[Served]:
    server = Served(archive)
    yield server
    server.stop()


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON is valid YAML for these strings)."""
    return json.dumps(text)


def write_hostile_notes(root: Path) -> tuple[str, str]:
    """A note whose topics, and another whose front-matter key, are markup; their ids."""
    topics_pid, key_pid = some_paper(root, 1), some_paper(root, 2)
    notes = root / "content" / "notes"
    (notes / f"{topics_pid}.md").write_text(
        f"---\ntopics: [{yaml_quoted(TOPIC_ATTACK)}, {yaml_quoted(LINE_ATTACK)}]\n---\nText.\n",
        encoding="utf-8")
    (notes / f"{key_pid}.md").write_text(
        f"---\n{yaml_quoted(KEY_ATTACK)}: true\n---\nText.\n", encoding="utf-8")
    return topics_pid, key_pid


def add_hostile_setting(root: Path) -> None:
    site = root / "content" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8") + f"{yaml_quoted(SITE_ATTACK)}: 1\n",
                    encoding="utf-8")


# -- 1. problems are text, never markup -------------------------------------------
class Tab:
    """A browser tab on the dev server, recording dialogs and script errors."""

    def __init__(self, browser: object) -> None:
        self.context = browser.new_context()  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    def error_box(self) -> str:
        box = self.page.locator("#paperpress-error")
        box.wait_for(timeout=15_000)
        return box.inner_text()

    def assert_inert(self, *shown: str) -> None:
        """The problems show literally in the box; nothing in them became markup or ran."""
        text = self.error_box()
        for literal in shown:
            assert literal in text, text
        self.page.wait_for_timeout(300)  # an injected image would fail to load by now
        counts = self.page.evaluate("""() => ({
            scripts: document.scripts.length,
            images: document.images.length,
            svgs: document.querySelectorAll('svg').length,
            handlers: [...document.querySelectorAll('*')].filter(
                el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
        })""")
        assert counts == {"scripts": 1, "images": 0, "svgs": 0, "handlers": 0}
        assert self.dialogs == [] and self.errors == []


def test_hostile_problems_show_as_text_when_the_page_loads(archive: Path, browser) -> None:
    write_hostile_notes(archive)
    add_hostile_setting(archive)
    server = Served(archive)
    tab = Tab(browser)
    try:
        assert server.wait_for(lambda: any("unknown setting" in x for x in server.err))
        tab.page.goto(f"http://127.0.0.1:{server.port}/", wait_until="load")
        tab.assert_inert(TOPIC_ATTACK, KEY_ATTACK, SITE_ATTACK)
    finally:
        tab.context.close()
        server.stop()


def test_a_hostile_note_saved_while_the_page_is_open(served: Served, browser) -> None:
    pid = some_paper(served.root, 1)
    tab = Tab(browser)
    try:
        tab.page.goto(f"http://127.0.0.1:{served.port}/papers/{pid}/", wait_until="load")
        tab.page.wait_for_timeout(300)  # the event stream connects
        write_hostile_notes(served.root)
        tab.assert_inert(TOPIC_ATTACK, KEY_ATTACK)  # arrived over the event stream
        tab.page.reload(wait_until="load")
        tab.assert_inert(TOPIC_ATTACK, KEY_ATTACK)  # in the page as served
    finally:
        tab.context.close()


def initial_problems(html: str) -> str:
    """The JSON text the reload script starts with."""
    found = re.search(r"const initial = (.*);\n", html)
    assert found, html[-800:]
    return found.group(1)


def test_problems_in_the_page_and_the_stream_are_escaped_json(served: Served) -> None:
    stream = EventStream(served.port)
    write_hostile_notes(served.root)
    assert served.wait_for(lambda: any(n == "problems" for n, _ in stream.events))
    data = next(d for n, d in stream.events if n == "problems")
    problems = json.loads(data)  # one data line: a newline in a message did not split it
    assert any(TOPIC_ATTACK in p and LINE_ATTACK in p for p in problems), problems
    assert any(KEY_ATTACK in p for p in problems), problems
    for raw in (data, initial_problems(served.get("/")[1])):
        assert not set(raw) & set("<>&\n\r\u2028\u2029"), raw
        assert json.loads(raw) == problems
    stream.close()


# -- 3. only loopback names and the served name in Host --------------------------
def status_line(port: int, request: bytes, address: str = "127.0.0.1") -> str:
    """The status line a raw request gets (the event stream never ends, so only that)."""
    with socket.create_connection((address, port), timeout=HANG_GUARD) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0].decode("latin-1")


def request(method: str, path: str, host: str | None) -> bytes:
    header = "" if host is None else f"Host: {host}\r\n"
    return f"{method} {path} HTTP/1.1\r\n{header}Connection: close\r\n\r\n".encode()


def served_paths(server: Served) -> list[str]:
    style = server.get("/")[1].split('href="/static/style.', 1)[1].split('"', 1)[0]
    return ["/", f"/papers/{some_paper(server.root)}/", "/no/such/page/",
            f"/static/style.{style}", f"{EVENTS}?since=0"]


FORGED = ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
          "localhost.evil.example", "127.0.0.1:{port}@evil.example", "[::1].evil.example",
          "", None]
LOOPBACK = ["localhost", "localhost:{port}", "LocalHost:{port}", "127.0.0.1",
            "127.0.0.1:{port}", "127.45.6.7:{port}", "[::1]", "[::1]:{port}"]


def test_forged_host_headers_get_421_on_every_path(served: Served) -> None:
    for path in served_paths(served):
        for method in ("GET", "HEAD"):
            for host in FORGED:
                named = None if host is None else host.format(port=served.port)
                line = status_line(served.port, request(method, path, named))
                assert line.startswith("HTTP/1.0 421 "), (method, path, named, line)
            for host in LOOPBACK:
                named = host.format(port=served.port)
                line = status_line(served.port, request(method, path, named))
                assert line.split()[1] in ("200", "404"), (method, path, named, line)


class Started(Served):
    """`paperpress serve --host HOST`: where it says it serves."""

    def __init__(self, root: Path, host: str) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "--root", str(root), "serve", "--host", host,
             "--port", "0", "--no-open"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
        self.out, self.err = [], []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.out), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err), daemon=True).start()
        assert self.wait_for(lambda: any("serving http" in x for x in self.out), 60), self.err
        self.port = int(re.search(r"serving http://\S+:(\d+)/", "\n".join(self.out)).group(1))


def test_the_host_it_was_started_on_is_accepted(archive: Path) -> None:
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's name does not resolve")
    server = Started(archive, name)
    try:
        for host in (name, f"{name}:{server.port}", f"{name.upper()}:{server.port}"):
            assert " 200 " in status_line(server.port, request("GET", "/", host), address)
        assert " 421 " in status_line(server.port, request("GET", "/", "evil.example"), address)
    finally:
        server.stop()


def test_all_interfaces_accept_addresses_but_not_names(archive: Path) -> None:
    """Bound to 0.0.0.0, other machines type an address; a rebound name is still refused."""
    server = Started(archive, "0.0.0.0")
    try:
        for host in ("0.0.0.0", "192.0.2.7:{port}", "[2001:db8::7]:{port}", "localhost"):
            line = status_line(server.port, request("GET", "/", host.format(port=server.port)))
            assert " 200 " in line, (host, line)
        for host in ("evil.example", "evil.example:{port}", "192.0.2.7.evil.example"):
            line = status_line(server.port, request("GET", "/", host.format(port=server.port)))
            assert " 421 " in line, (host, line)
    finally:
        server.stop()


# -- 11. a crowd of requests --------------------------------------------------------
def test_two_hundred_concurrent_requests_all_succeed(served: Served) -> None:
    paths = [p for p in served_paths(served)[:4] if "no/such" not in p]
    start = threading.Barrier(200)
    results: list[object] = []

    def fetch(index: int) -> None:
        start.wait()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
            conn.request("GET", paths[index % 3])
            response = conn.getresponse()
            response.read()
            conn.close()
            results.append(response.status)
        except OSError as err:
            results.append(repr(err))

    threads = [threading.Thread(target=fetch, args=(i,), daemon=True) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD)
    assert sorted(map(str, results)) == ["200"] * 200, [r for r in results if r != 200][:5]


# -- 12. clients that hang up ------------------------------------------------------
def big_asset(root: Path) -> str:
    """A 16 MB file in the theme: far more than a socket buffers; its served path."""
    data = os.urandom(1 << 20) * 16
    (root / "themes" / "default" / "static" / "big.bin").write_bytes(data)
    return "/static/" + hashed_name("big.bin", data)


def hang_up(port: int, path: str, read: int, reset: bool) -> None:
    """Ask for `path`, read `read` bytes of the answer, then close (or reset) the connection."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD)
    sock.sendall(request("GET", path, f"127.0.0.1:{port}"))
    received = 0
    while received < read:
        received += len(sock.recv(min(65536, read - received)))
    if reset:  # SO_LINGER 0: the close sends RST, as a cancelled browser load may
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_that_hang_up_leave_no_traceback(archive: Path) -> None:
    path = big_asset(archive)
    server = Served(archive)
    try:
        for reset in (True, False):
            for read in (0, 1, 200_000):
                hang_up(server.port, path, read, reset)
            hang_up(server.port, "/", 0, reset)
        assert not server.wait_for(lambda: any("Traceback" in x for x in server.err), 3), \
            "\n".join(server.err)
        assert server.get("/")[0] == 200
    finally:
        assert server.stop() == 0
    assert not any("Traceback" in x or "Error" in x for x in server.err), server.err


# -- 13. idle connections, HEAD, failed starts -------------------------------------
@contextmanager
def dev_server(root: Path, **options: float) -> Iterator[DevServer]:
    """A DevServer running in a thread of this process; stopped on exit."""
    server = DevServer(ContentPaths(root), "127.0.0.1", 0, quiet=True, **options)
    thread = threading.Thread(target=server.run, args=(False,), daemon=True)
    thread.start()
    try:
        assert Served.wait_for(lambda: server.serving, 60)
        yield server
    finally:
        server.stop.set()
        thread.join(HANG_GUARD)


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(HANG_GUARD)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_idle_and_half_sent_connections_are_closed(tmp_path: Path) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    with dev_server(root, idle_timeout=0.5) as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        half = socket.create_connection(("127.0.0.1", server.port))
        half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        assert closed_by_server(idle) and closed_by_server(half)
        idle.close()
        half.close()


def test_the_event_stream_outlives_the_idle_timeout(tmp_path: Path) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    with dev_server(root, idle_timeout=0.5) as server:
        server.hub.keepalive = 0.2
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HANG_GUARD)
        conn.request("GET", f"{EVENTS}?since={server.hub.generation}")
        response = conn.getresponse()
        stream = response.fp
        assert stream.readline() == b"retry: 500\n"
        keepalives = 0
        started = time.monotonic()
        while time.monotonic() - started < 2.0:  # four idle timeouts
            keepalives += stream.readline() == b": keep-alive\n"
        assert keepalives >= 3
        server.rebuild()
        lines = [stream.readline() for _ in range(6)]
        assert b"event: reload\n" in lines, lines
        conn.close()


def test_head_reports_the_length_get_sends(served: Served) -> None:
    for path in [*served_paths(served)[:4], "/topics"]:
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=HANG_GUARD)
        conn.request("GET", path)
        got = conn.getresponse()
        body = got.read()
        conn.request("HEAD", path)
        head = conn.getresponse()
        assert head.read() == b""
        conn.close()
        assert head.status == got.status, path
        assert head.getheader("Content-Type") == got.getheader("Content-Type"), path
        assert int(head.getheader("Content-Length")) == len(body), path


def test_a_failed_start_leaves_no_temporary_folder(archive: Path, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for options in (["--port", port], ["--host", "256.1.1.1"], ["--host", "192.0.2.1"]):
            done = subprocess.run(
                [sys.executable, "-m", "generator", "--root", str(archive), "serve", "--no-open",
                 *options], capture_output=True, text=True, env=env, timeout=120)
            assert done.returncode == 1, (options, done.stderr)
            errors = [x for x in done.stderr.splitlines() if not x.startswith("warning:")]
            assert "Traceback" not in done.stderr and len(errors) == 1, done.stderr
            assert not list(temp.glob("paperpress-serve-*")), options


# -- 15. the port number -----------------------------------------------------------
@pytest.mark.parametrize("port", ["99999", "-1", "65536", "eighty"])
def test_a_port_out_of_range_is_a_usage_error(archive: Path, port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(archive), "serve", "--no-open",
         f"--port={port}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "--port" in errors[0] and "0-65535" in errors[0], done.stderr


# -- paths stay inside the build folder ----------------------------------------------
def test_no_request_path_leaves_the_build_folder(tmp_path: Path) -> None:
    root = write_hostile_archive(tmp_path / "archive")
    secret = b"outside the site"
    (tmp_path / "secret.txt").write_bytes(secret)
    with dev_server(root) as server:
        (server.workdir / "secret.txt").write_bytes(secret)
        (server.out / "leak.txt").symlink_to(tmp_path / "secret.txt")
        (server.out / "leak").symlink_to(tmp_path)
        (server.out / "leak.html").symlink_to(tmp_path / "secret.txt")
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt",
                     "/..%2fsecret.txt", "/static/../../secret.txt", "//../secret.txt",
                     "/leak.txt", "/leak/secret.txt", "/leak/", "/leak.html"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=HANG_GUARD) as s:
                s.sendall(request("GET", path, "127.0.0.1"))
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            assert secret not in answer, path
            assert answer.split(b" ", 2)[1] == b"404", (path, answer[:200])

"""`paperpress serve`: build, serve over HTTP, watch, rebuild what changed, reload tabs.

Why not python-livereload: it polls every 0.8 s and drops any reload within
3 s of the last one, so saves take up to 1.3 s to show and a second save a
second later is never shown. Here `watchfiles` (inotify) reports a save in
milliseconds, a burst of saves is one rebuild (debounced), and the reload
reaches every open tab over a Server-Sent Events channel at once.

The site is built into a temporary folder with the server's own address as
its base URL, so links work at the server's root whatever `base_url` says,
and `site/` is left alone. The reload script is added to HTML responses by
the server only; it never reaches `build` output.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .build import Builder, Result
from .cache import ParseCache
from .paths import ContentPaths
from .store import ContentError, Problem

EVENTS = "/__paperpress__/events"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
IGNORED_NAMES = ("~", ".swp", ".swx", ".tmp", ".part")
CLIENT_SCRIPT = """<script>
(() => {
  const source = new EventSource("%(events)s?since=%(generation)d");
  let box = null;
  function show(problems) {
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("role", "alert");
      box.id = "paperpress-error";
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "margin:0;padding:1rem 1.25rem;background:#2b0b0e;color:#ffe3e6;" +
        "font:14px/1.5 ui-monospace,monospace;z-index:2147483647;white-space:pre-wrap;" +
        "border-top:4px solid #ff6b7a";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed; the page shows the last good build.\\n\\n" +
      problems.join("\\n");
  }
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("problems", (event) => show(JSON.parse(event.data)));
  const initial = %(problems)s;
  if (initial.length) {
    if (document.body) show(initial);
    else addEventListener("DOMContentLoaded", () => show(initial));
  }
})();
</script>
"""


class Hub:
    """The reload channel: the build state and the tabs waiting to hear of changes."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.generation = 0
        self.event = "reload"
        self.problems: list[str] = []
        self.closed = False

    def publish(self, problems: list[str]) -> None:
        with self.cond:
            self.generation += 1
            self.problems = problems
            self.event = "problems" if problems else "reload"
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def _next(self, seen: int, timeout: float) -> tuple[int, str | None]:
        """Wait for a build after generation `seen`: (generation, message or None)."""
        with self.cond:
            self.cond.wait_for(lambda: self.generation != seen or self.closed, timeout)
            if self.closed:
                return seen, None
            if self.generation == seen:
                return seen, ": keep-alive\n\n"
            data = json.dumps(self.problems)
            return self.generation, f"event: {self.event}\ndata: {data}\n\n"

    def messages(self, seen: int, timeout: float = 15.0) -> Iterator[str]:
        """Server-Sent Events for a tab that saw build `seen`: each later build's outcome
        (one already missed comes at once), keep-alives between."""
        while True:
            seen, message = self._next(seen, timeout)
            if message is None:
                return
            yield message


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the build folder, the reload script in HTML, the event stream."""

    hub: Hub
    root: Path

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.root), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a quiet terminal: build results are what the curator needs to see

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == EVENTS:
            self.stream_events()
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                super().do_GET()  # the standard redirect to the slash form
                return
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            self.send_html(path.read_bytes(), 200)
        elif path.exists():
            super().do_GET()
        else:
            missing = self.root / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"<h1>Not found</h1>"
            self.send_html(body, 404)

    def send_html(self, body: bytes, status: int) -> None:
        script = CLIENT_SCRIPT % {"events": EVENTS, "problems": json.dumps(self.hub.problems),
                                  "generation": self.hub.generation}
        marker = body.rfind(b"</body>")
        data = script.encode("utf-8")
        body = body[:marker] + data + body[marker:] if marker >= 0 else body + data
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream_events(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        try:
            seen = int(query.get("since", [""])[0])
        except ValueError:
            seen = self.hub.generation
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            for message in self.hub.messages(seen):
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def relevant(path: str) -> bool:
    """Changes worth a rebuild: not editor swap, backup or temp files."""
    name = os.path.basename(path)
    return not (name.startswith((".", "#")) or name.endswith(IGNORED_NAMES) or name == "4913")


class DevServer:
    """The server, its watcher and the builder they share."""

    def __init__(self, paths: ContentPaths, host: str, port: int, quiet: bool = False) -> None:
        self.paths = paths
        self.host = host
        self.quiet = quiet
        self.hub = Hub()
        self.stop = threading.Event()
        self.workdir = Path(tempfile.mkdtemp(prefix="paperpress-serve-"))
        self.out = self.workdir / "site"
        handler = type("BoundHandler", (Handler,), {"hub": self.hub, "root": self.out})
        server_class = Server
        if ":" in host:
            server_class = type("Server6", (Server,), {"address_family": socket.AF_INET6})
        self.httpd = server_class((host, port), handler)
        self.port = self.httpd.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/"
        self.builder = Builder(paths, self.out, self.url, ParseCache(None), persist=False)
        self.lock = threading.Lock()
        self.serving = False

    def log(self, message: str) -> None:
        if not self.quiet:
            print(message, flush=True)

    def rebuild(self) -> Result | None:
        """Build once; report problems to the terminal and the open tabs, never raise."""
        with self.lock:
            try:
                result = self.builder.run()
            except ContentError as err:
                lines = [str(p) for p in err.problems]
                for line in lines:
                    print(line, file=sys.stderr, flush=True)
                self.hub.publish(lines)
                return None
            except Exception as err:  # a bug must not take the server down
                line = f"paperpress: build failed: {type(err).__name__}: {err}"
                print(line, file=sys.stderr, flush=True)
                self.hub.publish([line])
                return None
        self.hub.publish([])
        return result

    def watch_folders(self) -> list[Path]:
        return [p for p in (self.paths.content, self.paths.themes_dir) if p.is_dir()]

    def watch(self) -> None:
        """Rebuild after each burst of changes, until stopped."""
        import watchfiles

        for changes in watchfiles.watch(
            *self.watch_folders(), debounce=800, step=50, stop_event=self.stop,
            raise_interrupt=False, watch_filter=lambda _change, path: relevant(path),
        ):
            if self.stop.is_set():
                return
            started = time.perf_counter()
            result = self.rebuild()
            if result is not None:
                names = sorted({os.path.relpath(p, self.paths.root) for _, p in changes})
                self.log(f"rebuilt after {', '.join(names[:3])}{' …' if len(names) > 3 else ''}:"
                         f" {result.rendered} rendered, {result.written} written in "
                         f"{time.perf_counter() - started:.2f}s")

    def run(self, open_browser: bool) -> None:
        """Build, then serve and watch until Ctrl-C (or SIGTERM); always cleans up."""
        try:
            # watch first: a save made while the first build runs is then never missed
            threading.Thread(target=self.watch, name="watch", daemon=True).start()
            started = time.perf_counter()
            result = self.rebuild()
            if result is not None:
                self.log(f"built {result.pages} pages, {result.feeds} feeds in "
                         f"{time.perf_counter() - started:.2f}s")
            threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True).start()
            self.serving = True
            self.log(f"serving {self.url} (Ctrl-C to stop)")
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
            if open_browser and _has_display():
                webbrowser.open(self.url)
            while not self.stop.wait(0.5):
                pass
        finally:
            self.close()

    def close(self) -> None:
        self.stop.set()
        self.hub.close()
        if self.serving:  # shutdown() waits for serve_forever, which may never have run
            self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def serve(paths: ContentPaths, host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = True, quiet: bool = False) -> None:
    """`paperpress serve`: runs until Ctrl-C."""
    if not paths.content.is_dir():
        raise ContentError([Problem(str(paths.content), 0,
                                    "no archive here; run 'paperpress init DIR' or pass --root")])
    if host not in LOCAL_HOSTS:
        print(f"warning: serving on {host}: other machines on the network can open the site",
              file=sys.stderr)
    try:
        server = DevServer(paths, host, port, quiet)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            message = (f"port {port} on {host} is in use; pass --port with another number "
                       "(or --port 0 for any free port)")
        else:
            message = f"cannot listen on {host}:{port}: {err.strerror or err}"
        raise ContentError([Problem("serve", 0, message)]) from None
    with contextlib.suppress(KeyboardInterrupt):
        server.run(open_browser)
    if not quiet:
        print("stopped")

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

The server is for the curator's own browser, and any web page that browser
opens can reach it too. So it answers only requests addressed to a loopback
name or the `--host` it was started on (a DNS-rebinding page sends its own
name and gets 421), never serves a file outside its build folder, escapes
build problems (which quote the curator's text) before they enter a script,
and closes connections idle for `idle_timeout` seconds.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import ipaddress
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
from collections.abc import Iterable, Iterator, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from .archive.cache import ParseCache
from .core.paths import ContentPaths
from .core.store import ContentError, Problem
from .site import search
from .site.build import Builder, Result
from .site.exports import BIBTEX_MIME, JSON_MIME

EVENTS = "/__paperpress__/events"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ALL_INTERFACES = {"", "0.0.0.0", "::"}
# a browser reload or a cancelled load drops the connection mid-answer: normal, not an error
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
# what must not appear raw in JSON placed in a <script>: tags, entities, JS line breaks
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})
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


def script_json(value: Any) -> str:
    """JSON that stays inert inside a <script> element and on one event-stream line.

    Problems quote the curator's text, so `</script>` or `<!--` in a topic name
    must not end the script; newlines are already escaped by JSON (one SSE
    `data:` line), and U+2028/2029 by `ensure_ascii`.
    """
    return json.dumps(value, ensure_ascii=True).translate(_SCRIPT_SAFE)


def host_name(header: str) -> str | None:
    """The name in a Host header, lower case, without port or IPv6 brackets; None if malformed."""
    text = header.strip().lower()
    if text.startswith("["):
        name, bracket, port = text[1:].partition("]")
        port = port.removeprefix(":") if bracket else "-"
    else:
        name, _, port = text.partition(":")
    return name if name and (port == "" or port.isdigit()) else None


def host_allowed(header: str | None, served: str) -> bool:
    """Whether a request is addressed to this server: a loopback name or `--host`.

    A DNS-rebinding page carries its own name, so names are refused unless
    loopback or the served one. When serving on every interface, any address
    typed as digits is accepted too: no DNS lookup stands behind it to rebind.
    """
    name = host_name(header) if header else None
    served = served.strip("[]").lower()
    if name is None:
        return False
    if name in ("localhost", served):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or served in ALL_INTERFACES


class Hub:
    """The reload channel: the build state and the tabs waiting to hear of changes."""

    def __init__(self, keepalive: float = 15.0) -> None:
        self.keepalive = keepalive  # seconds between comments that keep a stream open
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
            data = script_json(self.problems)
            return self.generation, f"event: {self.event}\ndata: {data}\n\n"

    def messages(self, seen: int) -> Iterator[str]:
        """Server-Sent Events for a tab that saw build `seen`: each later build's outcome
        (one already missed comes at once), keep-alives between."""
        while True:
            seen, message = self._next(seen, self.keepalive)
            if message is None:
                return
            yield message


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the build folder, the reload script in HTML, the event stream."""

    hub: Hub
    root: Path
    served_host: str  # what --host says; requests must be addressed to it or to loopback
    timeout: float | None = 30.0  # an idle or half-sent request frees its thread after this
    # types the platform's table may lack: BibTeX shown as text, in UTF-8, as published
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".bib": BIBTEX_MIME, ".json": JSON_MIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.root), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a quiet terminal: build results are what the curator needs to see

    def handle(self) -> None:
        """Requests until the client leaves; leaving mid-answer (a reload) is no error."""
        with contextlib.suppress(*DISCONNECTS):
            super().handle()

    def finish(self) -> None:
        with contextlib.suppress(*DISCONNECTS):
            super().finish()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def parse_request(self) -> bool:
        """The standard parse, then 421 for a Host that is not this server's (DNS rebinding)."""
        if not super().parse_request():
            return False
        hosts = self.headers.get_all("Host") or []
        if len(hosts) == 1 and host_allowed(hosts[0], self.served_host):
            return True
        self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "Unknown host",
                        "This server answers to localhost and the name it was started on.")
        return False

    def do_GET(self) -> None:
        self.respond(body=True)

    def do_HEAD(self) -> None:
        self.respond(body=False)

    def respond(self, body: bool) -> None:
        """GET and HEAD alike, so HEAD reports the length GET sends (script included)."""
        route = self.path.split("?", 1)[0]
        if route == EVENTS:
            self.stream_events(body)
            return
        path = self.local_path()
        if path is not None and path.is_dir():
            if not route.endswith("/"):  # the standard redirect to the slash form
                self.standard(body)
                return
            path = path / "index.html"
        if path is None or not path.is_file():
            missing = self.root / "404.html"
            page = missing.read_bytes() if missing.is_file() else b"<h1>Not found</h1>"
            self.send_html(page, 404, body)
        elif path.suffix == ".html":
            self.send_html(path.read_bytes(), 200, body)
        else:
            self.standard(body)

    def standard(self, body: bool) -> None:
        """The standard library's answer: a file copied as is, or the redirect to `dir/`."""
        if body:
            super().do_GET()
        else:
            super().do_HEAD()

    def local_path(self) -> Path | None:
        """The file a request names; None if it resolves outside the build folder (a symlink)."""
        path = Path(self.translate_path(self.path))
        try:
            inside = path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):  # a symlink loop
            return None
        return path if inside else None

    def send_html(self, page: bytes, status: int, body: bool = True) -> None:
        script = CLIENT_SCRIPT % {"events": EVENTS, "problems": script_json(self.hub.problems),
                                  "generation": self.hub.generation}
        marker = page.rfind(b"</body>")
        data = script.encode("utf-8")
        page = page[:marker] + data + page[marker:] if marker >= 0 else page + data
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if body:
            self.wfile.write(page)

    def stream_events(self, body: bool = True) -> None:
        """The event stream; it only writes, so the idle timeout never cuts it."""
        query = parse_qs(urlsplit(self.path).query)
        try:
            seen = int(query.get("since", [""])[0])
        except ValueError:
            seen = self.hub.generation
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.close_connection = True
        if not body:
            return
        with contextlib.suppress(*DISCONNECTS, TimeoutError):
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            for message in self.hub.messages(seen):
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # the default 5 drops connections when a page loads many files


def relevant(path: str, roots: Sequence[Path] = ()) -> bool:
    """Changes worth a rebuild: not editor swap, backup or temp files, nor anything in a
    hidden folder under a watched root (the import journal, a `.git`)."""
    name = os.path.basename(path)
    if name.startswith((".", "#")) or name.endswith(IGNORED_NAMES) or name == "4913":
        return False
    for root in roots:
        inside = os.path.relpath(path, root)
        if not inside.startswith(".."):
            return not any(part.startswith(".") for part in Path(inside).parts)
    return True


def listen(host: str, port: int, handler: type[Handler]) -> Server:
    """A bound, listening server; an address in use or unusable is one clear line."""
    server_class = Server
    if ":" in host:
        server_class = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    try:
        return server_class((host, port), handler)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            message = (f"port {port} on {host} is in use; pass --port with another number "
                       "(or --port 0 for any free port)")
        else:
            message = f"cannot listen on {host}:{port}: {err.strerror or err}"
        raise ContentError([Problem("serve", 0, message)]) from None


class BackgroundIndex:
    """Re-indexes search after each build, off the reload path: Pagefind takes seconds at
    scale, and the reload must not wait for it. A newer build cancels a run under way;
    the finished index goes in under the build lock, so it always matches the pages."""

    def __init__(self, server: DevServer) -> None:
        self.server = server
        self.indexer = search.Indexer(niceness=10)
        self.cond = threading.Condition()
        self.wanted = 0  # builds that asked for an index
        self.done = 0  # the last build whose index is in place (or needed none)

    def request(self) -> None:
        """A build finished: index it, dropping a run for an older one."""
        with self.cond:
            self.wanted += 1
            self.cond.notify_all()
        self.indexer.cancel()

    def close(self) -> None:
        with self.cond:
            self.cond.notify_all()
        self.indexer.cancel()

    def loop(self) -> None:
        """Index each requested build in turn, until the server stops."""
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.wanted != self.done or self.server.stop.is_set())
                if self.server.stop.is_set():
                    return
                generation = self.wanted
            self.index(generation)

    def index(self, generation: int) -> None:
        """Re-index the years the build changed, one at a time; each finished bundle goes
        in only while its build is still the newest."""
        server = self.server
        builder = server.builder
        with server.lock:
            record, pages = builder.record, builder.years
            todo = search.needed(builder.out, record, pages) if record and builder.has_search \
                else {}
            if record and builder.has_search:
                search.drop(builder.out, record, pages)
        for year, key in todo.items():
            try:
                dest = search.index_year(builder.out, pages[year], self.indexer,
                                         len(pages) == 1)
            except search.Cancelled:
                return
            except ContentError as err:
                print("\n".join(str(p) for p in err.problems), file=sys.stderr, flush=True)
                continue
            with server.lock:
                if generation != self.wanted or builder.record is not record:
                    return
                search.install(builder.out, dest, record, year, key)
                server.log(f"search index updated ({year})")
        with self.cond:
            self.done = max(self.done, generation)


class DevServer:
    """The server, its watcher and the builder they share."""

    def __init__(self, paths: ContentPaths, host: str, port: int, quiet: bool = False,
                 idle_timeout: float = 30.0) -> None:
        self.paths = paths
        self.host = host
        self.quiet = quiet
        self.hub = Hub()
        self.stop = threading.Event()
        handler = type("BoundHandler", (Handler,), {"hub": self.hub, "served_host": host,
                                                    "timeout": idle_timeout})
        self.httpd = listen(host, port, handler)
        try:  # only now: a failed start leaves no empty folder behind
            self.workdir = Path(tempfile.mkdtemp(prefix="paperpress-serve-"))
        except BaseException:
            self.httpd.server_close()
            raise
        self.out = handler.root = self.workdir / "site"
        self.port = self.httpd.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/"
        self.builder = Builder(paths, self.out, self.url, ParseCache(None), persist=False)
        self.builder.index_now = False  # the search index follows in the background
        self.builder.private = True  # a folder of its own: no one else changes its files
        self.lock = threading.Lock()
        self.serving = False
        self.index = BackgroundIndex(self)

    def log(self, message: str) -> None:
        if not self.quiet:
            print(message, flush=True)

    def rebuild(self, changed: Iterable[str] | None = None) -> Result | None:
        """Build once; report problems to the terminal and the open tabs, never raise.
        `changed`: the files the watcher saw change since the last build (None: unknown),
        so the others are not looked at again."""
        self.index.indexer.cancel()  # its index would be outdated: the cores go to the build
        with self.lock:
            try:
                self.builder.cache.trust(None if changed is None else self.content_names(changed))
                result = self.builder.run()
                self.index.request()
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

    def content_names(self, changed: Iterable[str]) -> set[str]:
        """The changed content files as the loader names them (the watcher's paths may be
        absolute, or reach the folder through a link)."""
        content = os.path.realpath(self.paths.content)
        names = set()
        for path in changed:
            inside = os.path.relpath(os.path.realpath(path), content)
            if not inside.startswith(".."):
                names.add(str(self.paths.content / inside))
        return names

    def watch_folders(self) -> list[Path]:
        return [p for p in (self.paths.content, self.paths.themes_dir) if p.is_dir()]

    def watch(self) -> None:
        """Rebuild after each burst of changes, until stopped."""
        import watchfiles

        roots = self.watch_folders()
        # a burst ends after `step` ms without a change: an editor's save (a write, or a
        # rename over) and a formatter's are each one burst; the reload waits 30 to 60 ms
        for changes in watchfiles.watch(
            *roots, debounce=800, step=30, stop_event=self.stop,
            raise_interrupt=False, watch_filter=lambda _change, path: relevant(path, roots),
        ):
            if self.stop.is_set():
                return
            started = time.perf_counter()
            result = self.rebuild(path for _, path in changes)
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
            threading.Thread(target=self.index.loop, name="search", daemon=True).start()
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
        self.index.close()
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
    server = DevServer(paths, host, port, quiet)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(open_browser)
    if not quiet:
        print("stopped")

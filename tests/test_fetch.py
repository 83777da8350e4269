"""`paperpress fetch` against a local server answering with recorded API responses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from archive_helpers import new_archive, tree

from generator.ingest import fetch

API = Path(__file__).resolve().parent / "fixtures" / "api"
BIG = (API / "2026-01-09.json").read_bytes()
EMPTY = (API / "2026-01-10.json").read_bytes()
OK = (200, {}, BIG, 0.0)


class Source(ThreadingHTTPServer):
    """Answers `/api/daily_papers?date=D` from a script: per date, responses in turn (the last
    one repeats); records every request's date and User-Agent. `param` names the query
    parameter the script is keyed by (the paper search's is `q`)."""

    daemon_threads = True
    param = "date"

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: dict[str, list[tuple[int, dict, bytes, float]]] = {}
        self.hits: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/daily_papers"

    def count(self, day: str) -> int:
        return sum(1 for hit, _ in self.hits if hit == day)


class _Handler(BaseHTTPRequestHandler):
    server: Source

    def do_GET(self) -> None:
        day = parse_qs(urlsplit(self.path).query).get(self.server.param, [""])[0]
        self.server.hits.append((day, self.headers.get("User-Agent", "")))
        answers = self.server.script.get(day) or [(200, {}, EMPTY, 0.0)]
        status, headers, body, delay = answers.pop(0) if len(answers) > 1 else answers[0]
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def source() -> Iterator[Source]:
    server = Source()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def featured(day: str, items: int = 50) -> bytes:
    """The recorded day's first `items` items, featured on `day`."""
    data = json.loads(BIG)[:items]
    for item in data:
        item["publishedAt"] = f"{day}T00:00:00.000Z"
    return json.dumps(data).encode()


def run_fetch(root: Path, source: Source, *args: str, pace: str = "0"
              ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERPRESS_FETCH_PACE": pace}
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "fetch",
                           "--source", source.url, *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_fetch_a_range_into_a_fresh_archive(tmp_path: Path, source: Source) -> None:
    source.script = {"2026-01-09": [OK], "2026-01-12": [(200, {}, featured("2026-01-12", 5), 0)]}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--since", "2026-01-09", "--until", "2026-01-12")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "2026-01-09: 52 papers", "2026-01-10: no papers", "2026-01-11: no papers",
        "2026-01-12: 5 papers"]
    assert "2 day(s): 2 new" in result.stdout
    scraped = root / "content" / "scraped"
    assert (scraped / "2026-01-09.json").read_bytes() == BIG
    assert sorted(p.name for p in scraped.glob("2026-*")) == ["2026-01-09.json",
                                                             "2026-01-12.json"]
    assert [hit for hit, _ in source.hits] == ["2026-01-09", "2026-01-10", "2026-01-11",
                                               "2026-01-12"]
    assert all(agent.startswith("paperpress/") for _, agent in source.hits)
    day = yaml.safe_load((root / "content" / "days" / "2026-01-12.yaml").read_text("utf-8"))
    assert day["source"] == "scraped/2026-01-12.json"
    check = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "check"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("pace", ["soon", "-1", "nan", "inf"])
def test_a_bad_pace_setting_is_one_line_and_asks_nothing(tmp_path: Path, source: Source,
                                                         pace: str) -> None:
    source.script = {"2026-01-09": [OK]}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--date", "2026-01-09", pace=pace)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"paperpress: PAPERPRESS_FETCH_PACE={pace!r}: must be a number of seconds, 0 or more"]
    assert source.hits == []


@pytest.mark.parametrize("command", ["fetch", "enrich"])
@pytest.mark.parametrize("address", ["ftp://example.org/api", "huggingface.co/api/daily_papers",
                                     "http://", "http://127.0.0.1:99999/"])
def test_a_source_that_is_no_http_address_is_a_usage_error(tmp_path: Path, command: str,
                                                           address: str) -> None:
    root = new_archive(tmp_path / "archive")
    result = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), command,
                             "--source", address], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"paperpress {command}: error: argument --source: {address!r} is not an http(s) address")


def test_a_server_error_is_tried_again(tmp_path: Path, source: Source) -> None:
    source.script = {"2026-01-09": [(500, {}, b"oops", 0), OK]}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--date", "2026-01-09", "--quiet")
    assert result.returncode == 0, result.stderr
    assert source.count("2026-01-09") == 2
    assert (root / "content" / "scraped" / "2026-01-09.json").read_bytes() == BIG


def test_429_waits_as_retry_after_asks(tmp_path: Path, source: Source) -> None:
    source.script = {"2026-01-09": [(429, {"Retry-After": "1"}, b"slow down", 0), OK]}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--date", "2026-01-09", "--quiet")
    assert result.returncode == 0, result.stderr
    assert source.count("2026-01-09") == 2
    slept: list[float] = []
    source.script = {"2026-01-09": [(429, {"Retry-After": "1"}, b"slow down", 0), OK]}
    client = fetch.Client(source.url, pace=0, sleep=slept.append)
    assert client.get(date(2026, 1, 9)) == BIG
    assert slept == [1.0]


def test_a_slow_answer_times_out_and_nothing_is_written(tmp_path: Path,
                                                          source: Source) -> None:
    source.script = {"2026-01-09": [(200, {}, BIG, 3.0)]}
    root = new_archive(tmp_path / "archive")
    before = tree(root)
    result = run_fetch(root, source, "--date", "2026-01-09", "--timeout", "0.3")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"paperpress: 2026-01-09: no answer within 0.3 s from {source.url}?date=2026-01-09, "
        "3 tries; nothing was imported"]
    assert source.count("2026-01-09") == 3
    assert tree(root) == before


@pytest.mark.parametrize(("answers", "message", "tries"), [
    ([(404, {}, b"{}", 0)], "2026-01-10: HTTP 404 Not Found from ", 1),
    ([(503, {}, b"", 0)], "2026-01-10: HTTP 503 Service Unavailable from ", 3),
])
def test_a_failure_names_the_date_and_status_and_writes_nothing(
        tmp_path: Path, source: Source, answers: list, message: str, tries: int) -> None:
    source.script = {"2026-01-09": [OK], "2026-01-10": answers}
    root = new_archive(tmp_path / "archive")
    before = tree(root)
    result = run_fetch(root, source, "--since", "2026-01-09", "--until", "2026-01-11")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"paperpress: {message}")
    assert "Traceback" not in result.stderr
    assert source.count("2026-01-10") == tries and source.count("2026-01-11") == 0
    assert tree(root) == before


@pytest.mark.parametrize(("name", "message"), [
    ("malformed.json", "malformed JSON"),
    ("missing-field.json", "item 2: missing required field paper.summary"),
])
def test_a_bad_response_is_one_line_naming_the_date(tmp_path: Path, source: Source,
                                                     name: str, message: str) -> None:
    source.script = {"2026-01-12": [(200, {}, (API / name).read_bytes(), 0)]}
    root = new_archive(tmp_path / "archive")
    before = tree(root)
    result = run_fetch(root, source, "--date", "2026-01-12")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"2026-01-12 ({source.url}?date=2026-01-12)")
    assert message in lines[0]
    assert tree(root) == before


def test_an_empty_day_is_no_error(tmp_path: Path, source: Source) -> None:
    root = new_archive(tmp_path / "archive")
    before = tree(root)
    result = run_fetch(root, source, "--date", "2026-01-10")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2026-01-10: no papers", "no papers to import"]
    assert tree(root) == before


def test_requests_are_paced(source: Source) -> None:
    slept: list[float] = []
    client = fetch.Client(source.url, pace=1.0, sleep=slept.append)
    for day in range(10, 13):
        client.get(date(2026, 1, day))
    assert len(slept) == 2 and all(0 < s <= 1.0 for s in slept)


def test_a_spent_budget_waits_for_its_reset(source: Source) -> None:
    spent = {"RateLimit": '"api";r=0;t=7'}
    source.script = {"2026-01-10": [(200, spent, EMPTY, 0)]}
    slept: list[float] = []
    client = fetch.Client(source.url, pace=0, sleep=slept.append)
    client.get(date(2026, 1, 10))
    client.get(date(2026, 1, 11))
    assert len(slept) == 1 and 6 < slept[0] <= 7


def test_the_wait_a_429_asks_for() -> None:
    now = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert fetch.wait_asked({"Retry-After": "12"}, now) == 12
    assert fetch.wait_asked({"Retry-After": later}, now) == 30
    assert fetch.wait_asked({"RateLimit-Reset": "9"}, now) == 9
    assert fetch.wait_asked({"RateLimit": "limit=500, remaining=0, reset=40"}, now) == 40
    assert fetch.wait_asked({"RateLimit": '"api";r=0;t=25'}, now) == 25
    assert fetch.wait_asked({}, now) is None


def test_a_wait_too_long_is_try_later(tmp_path: Path, source: Source) -> None:
    source.script = {"2026-01-09": [(429, {"Retry-After": "3600"}, b"", 0)]}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--date", "2026-01-09")
    assert result.returncode == 1
    assert result.stderr.strip() == ("paperpress: 2026-01-09: HTTP 429 Too Many Requests: the "
                                     "source asks to wait 3600 s; fetch again later; nothing "
                                     "was imported")


@pytest.mark.parametrize("args", [
    ("--date", "2026-01-09", "--since", "2026-01-01"),
    ("--until", "2026-01-09"),
    ("--since", "2026-01-09", "--until", "2026-01-01"),
    ("--since", "20260109"),
    ("--timeout", "0"),
])
def test_wrong_usage_is_exit_2(tmp_path: Path, source: Source, args: tuple[str, ...]) -> None:
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, *args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) >= 1
    assert "Traceback" not in result.stderr and source.hits == []


def test_thirty_days_in_one_import(tmp_path: Path, source: Source) -> None:
    start = date(2026, 2, 1)
    days = [(start + timedelta(days=n)).isoformat() for n in range(30)]
    source.script = {day: [(200, {}, featured(day), 0)] for day in days}
    root = new_archive(tmp_path / "archive")
    result = run_fetch(root, source, "--since", days[0], "--until", days[-1], "--quiet")
    assert result.returncode == 0, result.stderr
    assert len(list((root / "content" / "days").glob("*.yaml"))) == 30

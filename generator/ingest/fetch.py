"""Days from the Daily Papers API, downloaded politely, then imported as one.

`download` asks for each day in turn (`?date=YYYY-MM-DD`), at most one request
per `pace` seconds (the source allows 500 per 5 minutes; one a second stays
far inside that even for a year), with a User-Agent naming paperpress and a
timeout. A 5xx answer or a timeout is tried again after a growing pause (three
tries in all); a 429 waits as long as `Retry-After` (seconds or an HTTP date)
or `RateLimit-Reset`/`RateLimit` ask, within reason. A day with no papers (a
weekend) is reported, not an error. Everything stays in memory until every day
has arrived, so a failure names the date and the status and writes nothing.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from .. import __version__
from ..core.store import ContentError, Problem
from . import api
from .importer import Source
from .scrape import ScrapeError

DEFAULT_SOURCE = "https://huggingface.co/api/daily_papers"
USER_AGENT = f"paperpress/{__version__}"
TRIES = 3
TIMEOUT = 30.0  # seconds, to connect and between bytes read
PACE = 1.0  # seconds between requests; also the first pause before a retry
LONGEST_WAIT = 120.0  # a source asking for more than this is answered "try later"
_RESET = re.compile(r"(?:^|[;,\s])(?:reset|t)=(\d+)")
_LEFT = re.compile(r"(?:^|[;,\s])(?:remaining|r)=(\d+)")


class FetchError(Exception):
    """A day that could not be downloaded: the message names the date and the status."""


@dataclass
class Client:
    """One source, asked one request at a time, never faster than `pace`."""

    source: str = DEFAULT_SOURCE
    timeout: float = TIMEOUT
    pace: float = PACE
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    next_at: float = field(default=0.0)

    def url(self, day: date) -> str:
        joiner = "&" if "?" in self.source else "?"
        return f"{self.source}{joiner}{urlencode({'date': day.isoformat()})}"

    def wait_turn(self) -> None:
        delay = self.next_at - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.next_at = self.clock() + self.pace

    def get(self, day: date) -> bytes:
        """The day's response body; FetchError once the tries are used up or on a 4xx."""
        return self.ask(self.url(day), str(day))

    def ask(self, url: str, what: str) -> bytes:
        """`url`'s body, politely; a FetchError's message starts with `what` (a date, a title)."""
        why = ""
        for attempt in range(TRIES):
            self.wait_turn()
            try:
                return self.once(url)
            except HTTPError as err:
                why, delay = self.refused(what, err, attempt)
            except TimeoutError:
                why, delay = f"no answer within {self.timeout:g} s", None
            except URLError as err:
                if not isinstance(err.reason, OSError):
                    raise FetchError(f"{what}: cannot fetch {url}: {err.reason}") from None
                why, delay = f"cannot connect ({err.reason})", None
            except (ConnectionError, http.client.HTTPException) as err:
                why, delay = f"the connection broke ({err or type(err).__name__})", None
            if attempt + 1 < TRIES:
                self.sleep(delay if delay is not None else self.pace * 2 ** attempt)
        raise FetchError(f"{what}: {why} from {url}, {TRIES} tries")

    def once(self, url: str) -> bytes:
        request = Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        with urlopen(request, timeout=self.timeout) as response:
            body = response.read()
            self.note_budget(response.headers)
            return body

    def refused(self, what: str, err: HTTPError, attempt: int) -> tuple[str, float | None]:
        """(what happened, how long to wait) for an answer worth trying again; FetchError else."""
        status = f"HTTP {err.code} {err.reason}".strip()
        if err.code == 429:
            delay = wait_asked(err.headers)
            if delay is not None and delay > LONGEST_WAIT:
                raise FetchError(f"{what}: {status}: the source asks to wait {delay:.0f} s; "
                                 "fetch again later") from None
            return status, delay
        if err.code >= 500:
            return status, None
        raise FetchError(f"{what}: {status} from {err.url}") from None

    def note_budget(self, headers) -> None:
        """A response saying no requests are left until a reset: wait that long first."""
        budget = headers.get("RateLimit") or headers.get("RateLimit-Remaining") or ""
        left = _LEFT.search(budget) or re.fullmatch(r"\s*(\d+)\s*", budget)
        if left and int(left.group(1)) == 0:
            delay = wait_asked(headers)
            if delay is not None:
                self.next_at = max(self.next_at, self.clock() + min(delay, LONGEST_WAIT))


def wait_asked(headers, now: datetime | None = None) -> float | None:
    """Seconds a 429 (or a spent budget) asks to wait: `Retry-After` (seconds or an HTTP
    date), else `RateLimit-Reset`, else the `reset`/`t` of a `RateLimit` header."""
    after = (headers.get("Retry-After") or "").strip()
    if after.isdigit():
        return float(after)
    if after:
        try:
            when = parsedate_to_datetime(after)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            now = now or datetime.now(UTC)
            return max((when - now).total_seconds(), 0.0)
    reset = (headers.get("RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return float(reset)
    found = _RESET.search(headers.get("RateLimit") or "")
    return float(found.group(1)) if found else None


def day_range(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def is_empty(raw: bytes) -> bool:
    """A day with no papers: an empty list (or an object with one)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    items = data.get(api.LIST_KEY) if isinstance(data, dict) else data
    return items == []


def download(client: Client, days: list[date],
             report: Callable[[str], None]) -> list[Source]:
    """Every day's response, parsed; a day without papers is reported and left out.

    A response that is not a day of papers raises ContentError naming the date
    and the address, before anything is written.
    """
    sources: list[Source] = []
    for day in days:
        raw = client.get(day)
        if is_empty(raw):
            report(f"{day}: no papers")
            continue
        try:
            parsed = api.parse(raw)
        except ScrapeError as err:
            raise ContentError([Problem(f"{day} ({client.url(day)})", err.line,
                                        err.message)]) from None
        if parsed.date != day:
            raise ContentError([Problem(f"{day} ({client.url(day)})", 0, (
                f"the source answered with the papers of {parsed.date}; check --source"))])
        sources.append(Source(Path(f"{day.isoformat()}.json"), raw, parsed))
        report(f"{day}: {len(parsed.entries)} papers")
    return sources

"""A saved Daily Papers listing page (`huggingface.co/papers/date/...`) into entries.

The page renders its list from JSON it embeds for the browser: an element
`data-target="DailyPapers"` whose `data-props` attribute holds an object with
a `dailyPapers` list of the API's items. That JSON, not the rendered cards,
is read (the markup changes more often than the data). A page saved another
way may keep the list in a `<script type="application/json">`; that is read
too. Either way the items go through `api`, so one day reads the same from
the API, the page or (without the richer fields) the text dump.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bs4 import BeautifulSoup

from . import api
from .scrape import ScrapedDay, ScrapeError

TARGET = "DailyPapers"
LOOKED_FOR = (f'no Daily Papers list in this page: looked for an element with '
              f'data-target="{TARGET}" and a data-props attribute, or a '
              f'<script type="application/json"> holding the list; save the listing page again')


def parse(raw: bytes, override: date | None = None) -> ScrapedDay:
    """A saved page's bytes into its day, from the JSON the page embeds."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScrapeError("the page is not UTF-8; save it again as UTF-8") from None
    data = embedded(BeautifulSoup(text, "html.parser"))
    return api.day_of(data, override, "html")


def embedded(soup: BeautifulSoup) -> Any:
    """The decoded list (or the object holding it) the page embeds; ScrapeError when none."""
    element = soup.find(attrs={"data-target": TARGET, "data-props": True})
    if element is not None:
        return _decode(str(element["data-props"]), "the data-props attribute")
    for script in soup.find_all("script", attrs={"type": "application/json"}):
        try:
            data = json.loads(script.string or "")
        except json.JSONDecodeError:
            continue
        if isinstance(data, list) or (isinstance(data, dict) and api.LIST_KEY in data):
            return data
    raise ScrapeError(LOOKED_FOR)


def _decode(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ScrapeError(f"malformed JSON in {where} of the {TARGET} element "
                          f"({err.msg}); save the listing page again") from None

"""Which reader a scraped file needs, told by its content (never by its name).

JSON (a list, or an object) is an API response, HTML a saved listing page,
anything else the listing dumped as text. Each reader gives a `ScrapedDay`
whose `form` names the suffix of the archive's copy, so everything after
reading is one path whatever the form.
"""

from __future__ import annotations

import re
from datetime import date

from ..core.paths import SCRAPED_FORMS as FORMS
from . import api, scrape

__all__ = ["FORMS", "form_of", "parse"]
_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)


def form_of(raw: bytes) -> str:
    """`json`, `html` or `txt`, from the first bytes that are not blank."""
    head = raw.removeprefix(b"\xef\xbb\xbf").lstrip()[:1024]
    if head[:1] in (b"[", b"{"):
        return "json"
    if head[:1] == b"<" and _HTML.search(head):
        return "html"
    return "txt"


def parse(raw: bytes, override: date | None = None) -> scrape.ScrapedDay:
    """A scraped file of any form into its day."""
    form = form_of(raw)
    if form == "json":
        return api.parse(raw, override)
    if form == "html":  # imported here: its HTML parser costs more to load than a day's import
        from . import listing_page

        return listing_page.parse(raw, override)
    return scrape.parse(raw, override)

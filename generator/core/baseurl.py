"""What a site's base URL may be: one check shared by `site.yaml` and `build --base-url`.

Kept apart from `urls.py` so that `content.py`, a lower stage, can use it too.
Every link and feed address is made from the base URL, so anything a browser
or feed reader would not take as it stands is refused here, not published.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"`{}|\\^]")  # not allowed unescaped in a URL


def is_base_url(text: str) -> bool:
    """An absolute http(s) URL with a host: scheme in any case, a valid port if any; no
    whitespace or control characters, no user name, no query or fragment (links are
    made from its path alone, so anything after `?` or `#` would be silently lost)."""
    if _UNSAFE.search(text) or "?" in text or "#" in text:
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc

"""Paper ids, slugs and the check that keeps them safe to use as path parts."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG = 80
CUT_SLUG = 71
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SAFE_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?")
SAFE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def slugify(text: str) -> str:
    """Fold to ASCII, lowercase, one hyphen per run of anything else, none at the ends."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", folded.lower()).strip("-")


def paper_id(title: str) -> str:
    """The id a title gives: its slug, shortened with a hash when long, hashed when empty.

    Identical for the same title whichever day it came from, so it is the
    paper's identity and its permanent URL.
    """
    slug = slugify(title)
    if not slug:
        return "paper-" + _sha(unicodedata.normalize("NFC", title))[:12]
    if len(slug) <= MAX_SLUG:
        return slug
    cut = slug[: CUT_SLUG + 1]
    cut = cut[: cut.rfind("-")] if "-" in cut else slug[:CUT_SLUG]
    return cut.rstrip("-")[:CUT_SLUG] + "-" + _sha(slug)[:8]


def is_safe_id(value: str) -> bool:
    """True when `value` can name a file or URL part without leaving its folder."""
    return bool(SAFE_ID.fullmatch(value))  # `$` would let a trailing newline through


def is_safe_slug(value: str) -> bool:
    """Organization and topic slugs: a little wider than ids (case, dots, underscores)."""
    return bool(SAFE_SLUG.fullmatch(value)) and value not in {".", ".."} and ".." not in value


def org_path_slug(slug: str) -> str:
    """The URL part for an organization: lowercase, as hub slugs are case-insensitive."""
    return slugify(slug) or "org-" + _sha(slug)[:12]


# punctuation that only separates words: titles differing in these alone are one title
SOFT_PUNCTUATION = frozenset(
    "-\u2010\u2011\u2012\u2013\u2014\u2015:;,.!?'\"\u2018\u2019\u201c\u201d()[]/")


def title_key(title: str) -> str:
    """What two spellings of one title share: case, accents, spaces and soft punctuation aside.

    Symbols that carry meaning stay (`C++` and `C#` differ, though both give
    the id `c-for-ml`), so two papers merged by the id rule can be told apart.
    """
    folded = unicodedata.normalize("NFKD", title).casefold()
    return "".join(c for c in folded if not (
        unicodedata.combining(c) or c.isspace() or c in SOFT_PUNCTUATION))

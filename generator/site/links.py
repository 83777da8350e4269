"""A paper's pages elsewhere and its authors, as every page kind and feed shows them.

One place for both so that a paper page, a listing card and a feed item can
never disagree about where a paper lives or who wrote it. Pure: no I/O.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from ..core.model import ARXIV_ID, Paper

CARD_AUTHORS = 3  # a listing card names this many, then "et al."
FEED_AUTHORS = 10  # a feed item names this many: some papers list hundreds, and a feed
#                    must stay under its size cap (feeds.LIMIT)


def is_web_url(link: str) -> bool:
    """Only http(s) URLs become links: a hand-edited paper file cannot add `javascript:`."""
    parts = urlsplit(link.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def arxiv_abs(arxiv: str | None) -> str | None:
    """The arXiv abstract page of a well-formed id; None for none (or a malformed one)."""
    return f"https://arxiv.org/abs/{arxiv}" if arxiv and ARXIV_ID.fullmatch(arxiv) else None


def by_id(arxiv: str | None) -> tuple[tuple[str, str], ...]:
    """(label, URL) of the paper's arXiv abstract, PDF and Hugging Face pages."""
    if arxiv_abs(arxiv) is None:
        return ()
    return (("arXiv", f"https://arxiv.org/abs/{arxiv}"),
            ("PDF", f"https://arxiv.org/pdf/{arxiv}"),
            ("Hugging Face", f"https://huggingface.co/papers/{arxiv}"))


def named(paper: Paper) -> tuple[tuple[str, str], ...]:
    """(label, URL) of the code and project pages the source named, when they are web URLs."""
    return tuple((label, url) for label, url in (("Code", paper.github),
                                                 ("Project page", paper.project_page))
                 if url and is_web_url(url))


def external(paper: Paper, arxiv: str | None) -> tuple[tuple[str, str], ...]:
    """(label, URL) of the paper's pages elsewhere: from its arXiv id (the note's, else the
    source's) its abstract, PDF and Hugging Face pages; without one, a title search on
    arXiv. Then the code and project pages the source named."""
    found = by_id(arxiv)
    if not found:
        query = urlencode({"query": " ".join(paper.title.split()), "searchtype": "title"})
        found = (("Search arXiv", f"https://arxiv.org/search/?{query}"),)
    return found + named(paper)


def first_authors(names: tuple[str, ...], count: int = CARD_AUTHORS) -> str:
    """The first `count` names, and "et al." when there are more: a card stays one line."""
    shown = ", ".join(name for name in names[:count])
    return f"{shown} et al." if len(names) > count else shown

"""Notes: markdown rendering and the one-line excerpt listings show."""

from __future__ import annotations

from bs4 import BeautifulSoup

from generator.archive import notes


def test_excerpt_joins_wrapped_lines_with_spaces() -> None:
    body = "A note wrapped over a\nmemory bank and *more*\nlines.\n\nSecond paragraph."
    assert notes.excerpt(body) == "A note wrapped over a memory bank and more lines."


def test_excerpt_is_cut_at_a_word_with_an_ellipsis() -> None:
    body = " ".join(["word"] * 100)
    found = notes.excerpt(body, limit=40)
    assert found.endswith("…") and len(found) <= 40 and "wor…" not in found


def test_render_keeps_raw_html_as_text_and_drops_unsafe_links() -> None:
    html = notes.render(
        "<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](https://example.org/) "
        "[c](mailto:x@example.org) [d](../../days/2026-01-02/) [e](vbscript:x)"
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert "<script>alert(1)</script>" in soup.get_text()
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs == ["https://example.org/", "mailto:x@example.org", "../../days/2026-01-02/"]


def test_percent_encoded_schemes_are_refused() -> None:
    html = notes.render("[t](<java\tscript:alert(3)>) [u](java%0ascript:x) [ok](https://a.b/%20c)")
    hrefs = [a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert hrefs == ["https://a.b/%20c"]

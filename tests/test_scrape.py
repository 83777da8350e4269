"""The scraped-day parser: the format as scraped-day.md describes it, and real damage."""

from __future__ import annotations

from datetime import date

import pytest
from archive_helpers import CHROME, FIXTURES, REAL, day_text, entry, line_of

from generator.ingest import scrape
from generator.ingest.scrape import ScrapeError, links, parse


def real(name: str) -> bytes:
    return REAL[name].read_bytes()


def one(text: str, override: date | None = None) -> scrape.ScrapedDay:
    return parse(text.encode("utf-8"), override)


# -- the three shipped days ---------------------------------------------------
@pytest.mark.parametrize(("name", "count"), [
    ("2026-01-08", 65), ("2026-04-20", 60), ("2026-05-20", 44),
])
def test_real_days_parse_with_exact_counts(name: str, count: int) -> None:
    day = parse(real(name))
    assert day.date == date.fromisoformat(name)
    assert len(day.entries) == count
    assert day.warnings == ()


def test_real_days_hold_124_distinct_papers_among_169_entries() -> None:
    titles = [e.title for name in REAL for e in parse(real(name)).entries]
    assert len(titles) == 169
    assert len(set(titles)) == 124


def test_real_entry_with_author_count() -> None:
    day = parse(real("2026-01-08"))
    first = day.entries[0]
    assert first.title == ("Grounded-VideoLLM: Sharpening Fine-grained Temporal Grounding "
                           "in Video Large Language Models")
    assert first.abstract.startswith("Video Large Language Models (Video-LLMs) have")
    assert first.abstract.endswith("general video understanding.")
    assert (first.authors, first.org_slug, first.upvotes) == (9, None, 2)
    assert day.published(first) == date(2024, 10, 4)
    assert first.line == 13  # nine lines of chrome, the header, then the entry


def test_real_entries_with_organizations_and_yearless_dates() -> None:
    day = parse(real("2026-04-20"))
    by_title = {e.title.split(":")[0]: e for e in day.entries}
    msa = by_title["MSA"]
    assert (msa.org_slug, msa.org_name, msa.authors) == ("EverMindAI", "EverMind-AI", None)
    tongyi = by_title["QwenLong-L1.5"]
    assert (tongyi.org_slug, tongyi.org_name) == ("AlibabaTongyiLab", "TongyiLab")
    yearless = [e for e in day.entries if e.month is not None and e.year is None]
    assert len(yearless) == 10
    assert all(day.published(e).year == 2026 for e in yearless)
    later = parse(real("2026-05-20"))
    assert {e.org_name for e in later.entries if e.org_slug == "EverMindAI"} == {"EverMind"}


def test_real_entry_without_meta_block() -> None:
    day = parse(real("2026-01-08"))
    bare = [e for e in day.entries if e.month is None]
    assert [e.title[:40] for e in bare] == ["Fine-Grained Detection of Context-Ground"]
    only = bare[0]
    assert (only.authors, only.org_slug, only.upvotes) == (None, None, 0)
    assert day.published(only) is None
    assert len([e for e in parse(real("2026-05-20")).entries if e.month is None]) == 4


# -- the format, on small synthetic pages -------------------------------------
def test_fixture_day_covers_the_meta_variants() -> None:
    day = parse((FIXTURES / "small-day.txt").read_bytes())
    assert day.date == date(2024, 3, 3)  # latest dated entry Dec 12, 2023
    flash, layers, titans, seed = day.entries
    assert (flash.authors, flash.upvotes, day.published(flash)) == (8, 12, date(2023, 12, 12))
    assert (layers.org_slug, layers.org_name) == ("facebook", "AI at Meta")
    assert (layers.upvotes, day.published(layers)) == (3, date(2024, 2, 27))
    assert (titans.month, titans.authors, titans.org_slug, titans.upvotes) == (None, None, None, 0)
    assert (seed.org_slug, seed.org_name) == ("ByteDance-Seed", "ByteDance Seed")
    assert (seed.upvotes, day.published(seed)) == (0, date(2023, 10, 7))
    assert day.warnings == ()


def test_page_chrome_is_skipped_and_optional() -> None:
    body = [entry("A Paper", when="Jan 2, 2025 4")]
    with_chrome = one(day_text("Jan 8", *body))
    without = one(day_text("Jan 8", *body, chrome=False))
    assert with_chrome.entries[0].title == without.entries[0].title == "A Paper"
    assert with_chrome.date == without.date == date(2025, 1, 8)


def test_changed_chrome_before_the_header_is_still_chrome() -> None:
    text = "Trending now\n\nSign in\n\nJan 8\n\n" + entry("A Paper", when="Jan 2, 2025")
    day = one(text)
    assert [e.title for e in day.entries] == ["A Paper"]
    assert day.date == date(2025, 1, 8)


@pytest.mark.parametrize(("who", "slug", "name", "authors"), [
    ("  • 9 authors", None, None, 9),
    ("• 1 author", None, None, 1),
    ("nvidia NVIDIA", "nvidia", "NVIDIA", None),
    ("facebook AI at Meta", "facebook", "AI at Meta", None),
    ("ByteDance-Seed ByteDance Seed", "ByteDance-Seed", "ByteDance Seed", None),
    ("EverMindAI EverMind-AI", "EverMindAI", "EverMind-AI", None),
    ("openai", "openai", "openai", None),
])
def test_who_line(who: str, slug: str | None, name: str | None, authors: int | None) -> None:
    got = one(day_text("Jan 8", entry("A Paper", who=who, when="Jan 2, 2025"))).entries[0]
    assert (got.org_slug, got.org_name, got.authors) == (slug, name, authors)


@pytest.mark.parametrize(("when", "published", "upvotes"), [
    ("Oct 4, 2024 2", date(2024, 10, 4), 2),
    ("Oct 7, 2023", date(2023, 10, 7), 0),
    ("Jan 13 2", date(2025, 1, 13), 2),
    ("Mar 5", date(2025, 3, 5), 0),
    ("Oct 4, 2024 1,234", date(2024, 10, 4), 1234),
    ("Oct 4, 2024 1.2k", date(2024, 10, 4), 1200),
])
def test_when_line(when: str, published: date, upvotes: int) -> None:
    page = day_text("Apr 20", entry("A Paper", when=when), entry("Anchor", when="Apr 1, 2025"))
    day = one(page)
    got = day.entries[0]
    assert (day.published(got), got.upvotes) == (published, upvotes)


def test_entry_without_meta_between_others() -> None:
    page = day_text("Jan 8", entry("First", when="Jan 2, 2025 5"),
                    entry("Bare", "No meta block follows this abstract.", who=None),
                    entry("Third", when="Jan 3, 2025 1"))
    first, bare, third = one(page).entries
    assert (first.upvotes, bare.upvotes, third.upvotes) == (5, 0, 1)
    assert bare.abstract == "No meta block follows this abstract."
    assert (bare.month, bare.authors, bare.org_slug) == (None, None, None)
    assert third.line == line_of(page, "Third")


# -- the day's year -----------------------------------------------------------
@pytest.mark.parametrize(("header", "whens", "expected"), [
    ("Jan 8", ["Dec 30, 2025"], date(2026, 1, 8)),          # Dec/Jan boundary
    ("Jan 3", ["Dec 31, 2025 4", "Jan 2"], date(2026, 1, 3)),
    ("Dec 31", ["Dec 30, 2025"], date(2025, 12, 31)),
    ("Jan 8", ["Jan 8, 2025"], date(2025, 1, 8)),            # on the day itself
    ("Jan 8", ["Jan 9, 2025"], date(2026, 1, 8)),
    ("Apr 20", ["Oct 4, 2024", "Mar 1, 2019 3"], date(2025, 4, 20)),
    ("Feb 29", ["Mar 1, 2023"], date(2024, 2, 29)),
    ("Feb 29", ["Feb 29, 2024"], date(2024, 2, 29)),
    ("Feb 29", ["Mar 1, 2024"], date(2028, 2, 29)),
    ("Feb 29", ["Feb 28, 2025"], date(2028, 2, 29)),
    ("Feb 29", ["Mar 1, 2096"], date(2104, 2, 29)),          # 2100 is no leap year
])
def test_year_inference(header: str, whens: list[str], expected: date) -> None:
    entries = [entry(f"Paper {i}", when=w) for i, w in enumerate(whens)]
    assert one(day_text(header, *entries)).date == expected


def test_entries_without_a_year_take_the_days_year() -> None:
    day = one(day_text("Apr 20", entry("Old", when="Oct 4, 2024"), entry("New", when="Jan 13 2")))
    assert day.date == date(2025, 4, 20)
    assert day.published(day.entries[1]) == date(2025, 1, 13)


def test_yearless_feb_29_in_a_non_leap_day_has_no_published_date() -> None:
    day = one(day_text("Mar 3", entry("Anchor", when="Mar 5, 2024"), entry("Leap", when="Feb 29")))
    assert day.date == date(2025, 3, 3)
    assert day.published(day.entries[1]) is None


def test_no_year_anywhere_is_refused_with_the_header_line() -> None:
    page = day_text("Jan 8", entry("A", when="Jan 2"), entry("B", who=None))
    with pytest.raises(ScrapeError) as err:
        one(page)
    assert "--date" in err.value.message
    assert err.value.line == line_of(page, "Jan 8")


def test_date_override_wins_and_dates_yearless_entries() -> None:
    page = day_text("Jan 8", entry("A", when="Dec 30, 2025"), entry("B", when="Jan 2 7"))
    day = one(page, date(2027, 1, 9))
    assert day.date == date(2027, 1, 9)
    assert day.published(day.entries[1]) == date(2027, 1, 2)


def test_no_header_needs_a_date() -> None:
    page = CHROME + entry("A", when="Jan 2, 2025")
    with pytest.raises(ScrapeError) as err:
        one(page)
    assert "day header" in err.value.message and "--date" in err.value.message
    day = one(page, date(2025, 1, 8))
    assert [e.title for e in day.entries] == ["A"]


@pytest.mark.parametrize("header", ["Feb 30", "Apr 31", "Jan 0", "Jan 32"])
def test_header_that_is_no_date_is_refused(header: str) -> None:
    page = day_text(header, entry("A", when="Jan 2, 2025"))
    with pytest.raises(ScrapeError) as err:
        one(page)
    assert header in err.value.message and "--date" in err.value.message
    assert err.value.line == line_of(page, header)


# -- real-world damage --------------------------------------------------------
def test_crlf_and_bom_parse_like_the_original() -> None:
    raw = real("2026-04-20")
    damaged = b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")
    clean, crlf = parse(raw), parse(damaged)
    assert crlf == clean
    old_mac = parse(raw.replace(b"\n", b"\r"))
    assert old_mac.entries == clean.entries


def test_the_same_entry_twice_is_kept_once() -> None:
    text = real("2026-05-20").decode("utf-8")
    start = text.index("Horizon-LM")
    block = text[start:text.index("\n\n", text.index("\n\n", start) + 2)]
    doubled = text.replace(block, block + "\n\n" + block, 1)
    day = one(doubled)
    assert len(day.entries) == 44
    second = line_of(doubled, block, start + 1)
    assert day.warnings == ((second, "the same entry listed again; kept the first"),)


def _last_entry_cut(where: str) -> tuple[bytes, int]:
    """The last real day cut inside its last entry; returns (bytes, line the warning names)."""
    text = real("2026-05-20").decode("utf-8")
    title = text.rindex("\n\n", 0, text.rindex("\n\n", 0, text.rindex("\n\n")) - 1) + 2
    title_line = text.count("\n", 0, title) + 1
    meta = text.rindex("\n\n") + 2
    meta_line = text.count("\n", 0, meta) + 1
    cuts = {
        "mid-title": (text[: title + 20], title_line),
        "after-title": (text[: text.index("\n", title) + 2], title_line),
        "mid-abstract": (text[: meta - 200], title_line),
        "in-who-line": (text[: meta + 8], meta_line),
        "after-separator": (text[: text.index("·", meta) + 2], meta_line),
        "mid-date": (text[: len(text) - 2], meta_line),
    }
    cut, line = cuts[where]
    return cut.encode("utf-8"), line


@pytest.mark.parametrize("where", [
    "mid-title", "after-title", "mid-abstract", "in-who-line", "after-separator", "mid-date",
])
def test_cut_off_last_entry_is_dropped_with_its_line(where: str) -> None:
    raw, line = _last_entry_cut(where)
    day = parse(raw)
    assert day.entries == parse(real("2026-05-20")).entries[:-1]
    assert len(day.warnings) == 1
    assert day.warnings[0][0] == line
    assert "cut off" in day.warnings[0][1]


@pytest.mark.parametrize("cut", [
    "nvidia NVI", "nvidia NVIDIA\n\u00b7", "nvidia NVIDIA\n\u00b7\nJan",
])
def test_cut_in_an_organization_meta_block(cut: str) -> None:
    last = entry("B", "Text.", who=None) + "\n\n" + cut
    page = day_text("Jan 8", entry("A", when="Jan 2, 2025"), last)
    day = one(page)
    assert [e.title for e in day.entries] == ["A"]
    assert day.warnings == ((line_of(page, "nvidia"), "entry cut off in its meta block; "
                                                      "entry dropped"),)


def test_cut_inside_a_multibyte_character_drops_the_last_entry() -> None:
    text = real("2026-05-20").decode("utf-8")
    raw = text.encode("utf-8")
    last_dot = raw.rindex("·".encode())
    day = parse(raw[: last_dot + 1])  # half of the two-byte '·'
    assert day.entries == parse(raw).entries[:-1]
    assert "cut off" in day.warnings[0][1]
    accented = day_text("Jan 8", entry("A", when="Jan 2, 2025"),
                        entry("B", "Une étude", who=None)).encode("utf-8")
    day = parse(accented[:-5])  # ends inside the 'é'
    assert [e.title for e in day.entries] == ["A"]
    assert day.warnings[0][0] == line_of(accented.decode(), "B")


def test_stray_meta_and_titles_without_abstract_are_skipped() -> None:
    page = day_text("Jan 8", "  • 3 authors\n·\nJan 2, 2025", entry("Good", when="Jan 2, 2025"),
                    "Lonely title\n\n  • 2 authors\n·\nJan 3, 2025", entry("Also good"))
    day = one(page)
    assert [e.title for e in day.entries] == ["Good", "Also good"]
    assert [line for line, _ in day.warnings] == [line_of(page, "•"), line_of(page, "Lonely")]


@pytest.mark.parametrize(("raw", "words"), [
    (b"", "empty"),
    (b"  \n\r\n\t\n", "empty"),
    (b"\xef\xbb\xbf", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ("Jan 8\n\nA title\n".encode("utf-16"), "UTF-16"),
    ("Jan 8\n\nA title\n\nAn abstract.\n".encode("utf-16-le"), "UTF-16"),
    ("Jan 8\n\nA title\n\nAn abstract.\n".encode("utf-16-be"), "UTF-16"),
])
def test_files_that_are_not_scraped_text_are_refused(raw: bytes, words: str) -> None:
    with pytest.raises(ScrapeError) as err:
        parse(raw)
    assert words in err.value.message
    assert err.value.message.endswith(("again", "export"))  # says what to do


def test_latin1_is_refused_with_the_line_of_the_first_bad_byte() -> None:
    page = day_text("Jan 8", entry("Caf\u00e9 au lait: une \u00e9tude", who="inria Inria",
                                      when="Jan 2, 2025"))
    with pytest.raises(ScrapeError) as err:
        parse(page.encode("latin-1"))
    assert "UTF-8" in err.value.message
    assert err.value.line == line_of(page, "Caf")


def test_page_without_entries_is_refused() -> None:
    with pytest.raises(ScrapeError) as err:
        one(CHROME + "Jan 8\n")
    assert "no papers" in err.value.message


# -- hostile text stays text --------------------------------------------------
def test_path_like_titles_are_just_titles() -> None:
    page = day_text("Jan 8", entry("../../etc/passwd", when="Jan 2, 2025"), entry(".."))
    assert [e.title for e in one(page).entries] == ["../../etc/passwd", ".."]


@pytest.mark.parametrize("slug", ["../x", "..", "a/b", "/etc", "x\\y", ".hidden"])
def test_hostile_org_slug_is_left_out_with_a_warning(slug: str) -> None:
    page = day_text("Jan 8", entry("A", who=f"{slug} Evil Org", when="Jan 2, 2025"))
    day = one(page)
    got = day.entries[0]
    assert (got.org_slug, got.org_name, got.upvotes) == (None, None, 0)
    assert day.published(got) == date(2025, 1, 2)
    assert day.warnings == ((line_of(page, "Evil Org"),
                             f"organization slug {slug!r} is not a valid slug; "
                             "organization left out"),)


# -- links --------------------------------------------------------------------
@pytest.mark.parametrize(("abstract", "expected"), [
    ("Code: https://github.com/x/y.", ["https://github.com/x/y"]),
    ("Code: https://github.com/SDU-L/FineCIR.git.", ["https://github.com/SDU-L/FineCIR"]),
    ("at https://github.com/a/b.git", ["https://github.com/a/b"]),
    ("see https://github.com/WujiangXu/AgenticMemory, and more",
     ["https://github.com/WujiangXu/AgenticMemory"]),
    ("(code: https://a.example/c).", ["https://a.example/c"]),
    ("https://en.wikipedia.org/wiki/Foo_(bar).", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
    ("page https://shramanpramanick.github.io/VistaLLM/.",
     ["https://shramanpramanick.github.io/VistaLLM/"]),
    ("https://github.com/microsoft/MInference/tree/main/MTraining.",
     ["https://github.com/microsoft/MInference/tree/main/MTraining"]),
    ("twice https://x.example/a and https://x.example/a.", ["https://x.example/a"]),
    ("two https://a.example; http://b.example!", ["https://a.example", "http://b.example"]),
    ("mirror https://huggingface.selenelake.com/MedSG-Bench",
     ["https://huggingface.selenelake.com/MedSG-Bench"]),
    ("none here, just http:// and ftp://x.example", []),
])
def test_links_found_in_abstracts(abstract: str, expected: list[str]) -> None:
    assert list(links(abstract)) == expected


def test_links_of_a_real_day() -> None:
    found = {url for e in parse(real("2026-04-20")).entries for url in links(e.abstract)}
    assert "https://github.com/OswaldHe/HMT-pytorch" in found
    assert all(not url.endswith((".", ",", ".git")) for url in found)

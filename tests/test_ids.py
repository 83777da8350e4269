"""Paper ids as product.md defines them; expected values are worked out by hand here."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.ids import is_safe_id, is_safe_slug, org_path_slug, paper_id, slugify


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("title", "expected"), [
    ("LLM in a flash: Efficient Large Language Model Inference with Limited Memory",
     "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"),
    ("Titans: Learning to Memorize at Test Time", "titans-learning-to-memorize-at-test-time"),
    ("QwenLong-L1.5: Post-Training Recipe", "qwenlong-l1-5-post-training-recipe"),
    ("Let's Not Just Put Things in Context", "let-s-not-just-put-things-in-context"),
    ("  --Spaces & Symbols!!  ", "spaces-symbols"),
    ("Über-Café: naïve Reasoning", "uber-cafe-naive-reasoning"),
    ("\ufb01ne-tuning \u2160", "fine-tuning-i"),  # ligature and roman numeral fold too
    ("../../etc/passwd", "etc-passwd"),
    ("<script>alert(1)</script>", "script-alert-1-script"),
])
def test_short_titles_are_their_slug(title: str, expected: str) -> None:
    assert paper_id(title) == expected


def test_long_title_is_cut_at_a_hyphen_and_hashed() -> None:
    title = ("Grounded-VideoLLM: Sharpening Fine-grained Temporal Grounding in Video "
             "Large Language Models")
    full = ("grounded-videollm-sharpening-fine-grained-temporal-grounding-in-video-"
            "large-language-models")
    # character 72 falls inside "large": the cut is at the hyphen before it (69 characters)
    assert sha(full)[:8] == "0098a015"
    assert paper_id(title) == (
        "grounded-videollm-sharpening-fine-grained-temporal-grounding-in-video-0098a015")


def test_cut_exactly_at_71_when_a_hyphen_follows() -> None:
    head = "a" * 35 + "-" + "b" * 35  # 71 characters, then a hyphen at index 71
    title = head + " " + "c" * 20
    assert paper_id(title) == head + "-" + sha(head + "-" + "c" * 20)[:8]


def test_slug_without_hyphens_is_cut_at_71() -> None:
    title = "x" * 100
    assert paper_id(title) == "x" * 71 + "-" + sha("x" * 100)[:8]
    assert len(paper_id(title)) == 80


def test_exactly_80_is_kept_and_81_is_cut() -> None:
    eighty = "word-" * 15 + "abcde"  # 80 characters
    assert len(eighty) == 80 and paper_id(eighty) == eighty
    longer = eighty + "f"  # the last hyphen within 72 characters is at index 69
    assert paper_id(longer) == "word-" * 13 + "word" + "-" + sha(longer)[:8]


def test_long_titles_sharing_a_start_stay_apart() -> None:
    start = "A Very Long Shared Beginning of a Title About Memory in Large Language Models "
    one, two = paper_id(start + "Part One"), paper_id(start + "Part Two")
    assert one != two
    assert one.rsplit("-", 1)[0] == two.rsplit("-", 1)[0]


@pytest.mark.parametrize("title", [
    "大型语言模型的记忆", "..", "---", "\u03b1-\u03b2: \u221e", "🙂🙂",
])
def test_titles_folding_to_nothing_get_a_hash_of_their_nfc_text(title: str) -> None:
    assert paper_id(title) == "paper-" + sha(unicodedata.normalize("NFC", title))[:12]


def test_nfc_and_nfd_spellings_are_one_paper() -> None:
    nfc = "한국어 언어 모델"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert paper_id(nfd) == paper_id(nfc) == "paper-" + sha(nfc)[:12]
    assert paper_id(unicodedata.normalize("NFD", "Café")) == paper_id("Café") == "cafe"


def _reference(title: str) -> str:
    """The spec's rule written out independently of the code under test."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = "-".join(part for part in "".join(
        c if c.isascii() and c.isalnum() else " " for c in folded).split())
    if not slug:
        return "paper-" + sha(unicodedata.normalize("NFC", title))[:12]
    if len(slug) <= 80:
        return slug
    hyphens = [i for i, c in enumerate(slug[:72]) if c == "-"]
    return (slug[: hyphens[-1]] if hyphens else slug[:71]) + "-" + sha(slug)[:8]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=160) | st.lists(
    st.sampled_from(["LLM", "memory", "a", "über", "x" * 30, "—", "..", "/", "大"]),
    max_size=30).map(" ".join))
def test_ids_follow_the_rule_and_are_safe(title: str) -> None:
    pid = paper_id(title)
    assert pid == _reference(title)
    assert is_safe_id(pid) and len(pid) <= 80
    assert paper_id(title) == pid  # the same whichever day it came from


@pytest.mark.parametrize("value", [
    "", ".", "..", "../x", "a/b", "a\\b", "-a", "a-", "A", "a b", "a.b", "x\x00", "é",
    "a" * 121,
])
def test_unsafe_ids_are_rejected(value: str) -> None:
    assert not is_safe_id(value)


@pytest.mark.parametrize(("value", "safe"), [
    ("nvidia", True), ("ByteDance-Seed", True), ("deepseek-ai", True), ("a.b_c", True),
    ("..", False), ("../x", False), ("a..b", False), (".hidden", False), ("a/b", False),
    ("", False), ("x" * 101, False), ("a b", False),
])
def test_org_slugs(value: str, safe: bool) -> None:
    assert is_safe_slug(value) is safe


def test_org_path_slug_is_lowercase_and_safe() -> None:
    assert org_path_slug("ByteDance-Seed") == "bytedance-seed"
    assert org_path_slug("EverMindAI") == "evermindai"
    assert org_path_slug("...") == "org-" + sha("...")[:12]
    assert slugify("../x") == "x"

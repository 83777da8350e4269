"""Topic assignment: keyword rules from topics.yaml, overridden by a note's topics.

Rules match whole words, case-insensitively, over title and abstract. Each
topic's keywords compile into one regular expression, once per build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Note, Paper, Topic

Rules = list[tuple[str, re.Pattern[str] | None]]


def compile_rules(topics: Iterable[Topic]) -> Rules:
    """One pattern per topic (None without keywords); a keyword must stand as whole words."""
    rules: Rules = []
    for topic in topics:
        words = sorted({k.strip() for k in topic.keywords if k.strip()}, key=lambda k: (-len(k), k))
        pattern = None
        if words:
            alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        rules.append((topic.slug, pattern))
    return rules


def assign(paper: Paper, note: Note | None, rules: Rules) -> tuple[str, ...]:
    """The paper's topic slugs in topics.yaml order; a note's `topics:` replaces the rules."""
    if note is not None and note.topics is not None:
        order = {slug: i for i, (slug, _) in enumerate(rules)}
        return tuple(sorted(dict.fromkeys(note.topics), key=lambda s: (order.get(s, 1 << 30), s)))
    text = f"{paper.title}\n{paper.abstract}"
    return tuple(slug for slug, pattern in rules if pattern and pattern.search(text))

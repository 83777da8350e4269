"""Topic assignment: keyword rules from topics.yaml, overridden by a note's topics.

Rules match whole words, case-insensitively, over title and abstract; inside
a phrase, spaces and hyphens are interchangeable ("chain of thought" matches
"chain-of-thought"). Matching tokenizes each text once and looks keywords up
in sets, so it costs the same for 15 topics or 150 and scales to archives of
100,000 papers; keywords with symbols (`C++`) fall back to a regex.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ..core.model import Note, Paper, Topic

WORD = re.compile(r"\w+")
PLAIN = re.compile(r"\w+(?:[\s_-]+\w+)*")


class Rules:
    """Every topic's keywords, compiled once per build."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self.order: dict[str, int] = {}
        self.words: dict[str, set[str]] = defaultdict(set)
        self.phrases: list[tuple[frozenset[str], re.Pattern[str], str]] = []
        for index, topic in enumerate(topics):
            self.order[topic.slug] = index
            for keyword in topic.keywords:
                self._add(keyword.strip(), topic.slug)

    def _add(self, keyword: str, slug: str) -> None:
        if not keyword:
            return
        tokens = WORD.findall(keyword.lower())
        if PLAIN.fullmatch(keyword) and len(tokens) == 1:
            self.words[tokens[0]].add(slug)
            return
        if PLAIN.fullmatch(keyword):
            body = r"[\s_-]+".join(map(re.escape, tokens))
        else:
            body = re.escape(keyword)
        pattern = re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
        self.phrases.append((frozenset(tokens), pattern, slug))

    def match(self, text: str) -> tuple[str, ...]:
        """Topic slugs whose keywords occur in `text`, in topics.yaml order."""
        tokens = set(WORD.findall(text.lower()))
        found: set[str] = set()
        for token in tokens & self.words.keys():
            found |= self.words[token]
        for needed, pattern, slug in self.phrases:
            if slug not in found and needed <= tokens and pattern.search(text):
                found.add(slug)
        return tuple(sorted(found, key=self.order.__getitem__))


def compile_rules(topics: Iterable[Topic]) -> Rules:
    return Rules(topics)


def assign(paper: Paper, note: Note | None, rules: Rules) -> tuple[str, ...]:
    """The paper's topic slugs in topics.yaml order; a note's `topics:` replaces the rules."""
    if note is not None and note.topics is not None:
        chosen = dict.fromkeys(note.topics)
        return tuple(sorted(chosen, key=lambda s: (rules.order.get(s, 1 << 30), s)))
    return rules.match(f"{paper.title}\n{paper.abstract}")

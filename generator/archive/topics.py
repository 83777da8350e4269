"""Topic assignment: keyword rules from topics.yaml, overridden by a note's topics.

Rules match whole words, case-insensitively, over title and abstract; inside
a phrase, spaces and hyphens are interchangeable ("chain of thought" matches
"chain-of-thought"). A topic's `exclude:` keywords follow the same rules: a
paper matching any of them is not given that topic automatically (a note may
still name it). Matching tokenizes each text once and looks keywords up in
sets, so it costs the same for 15 topics or 150 and scales to archives of
100,000 papers; keywords with symbols (`C++`) fall back to a regex.
`explain` tells, for one paper, which keyword decided each topic, so a
curator can tune topics.yaml.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.model import Note, Paper, Topic

WORD = re.compile(r"\w+")
PLAIN = re.compile(r"\w+(?:[\s_-]+\w+)*")


class _Index:
    """Keywords to topic slugs: single words looked up in a set, phrases by regex."""

    def __init__(self) -> None:
        self.words: dict[str, set[str]] = defaultdict(set)
        self.phrases: list[tuple[frozenset[str], re.Pattern[str], str]] = []

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    def add(self, keyword: str, slug: str) -> None:
        keyword = keyword.strip()
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

    def hits(self, text: str, tokens: set[str], among: set[str] | None = None) -> set[str]:
        """Slugs with a keyword in `text` (whose lowercased words are `tokens`);
        with `among`, only those slugs are looked for."""
        found: set[str] = set()
        for token in tokens & self.words.keys():
            found |= self.words[token]
        if among is not None:
            found &= among
        for needed, pattern, slug in self.phrases:
            if (slug not in found and (among is None or slug in among)
                    and needed <= tokens and pattern.search(text)):
                found.add(slug)
        return found


class Rules:
    """Every topic's keywords and exclude keywords, compiled once per build."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self.order: dict[str, int] = {}
        self.include = _Index()
        self.exclude = _Index()
        for index, topic in enumerate(topics):
            self.order[topic.slug] = index
            for keyword in topic.keywords:
                self.include.add(keyword, topic.slug)
            for keyword in topic.exclude:
                self.exclude.add(keyword, topic.slug)

    def match(self, text: str) -> tuple[str, ...]:
        """Topic slugs whose keywords, and none of whose exclude keywords, occur in `text`,
        in topics.yaml order."""
        tokens = set(WORD.findall(text.lower()))
        found = self.include.hits(text, tokens)
        if found and self.exclude:
            found -= self.exclude.hits(text, tokens, among=found)
        return tuple(sorted(found, key=self.order.__getitem__))


def compile_rules(topics: Iterable[Topic]) -> Rules:
    return Rules(topics)


def paper_text(paper: Paper) -> str:
    """What keywords are looked for in: the title, then the abstract."""
    return f"{paper.title}\n{paper.abstract}"


def assign(paper: Paper, note: Note | None, rules: Rules) -> tuple[str, ...]:
    """The paper's topic slugs in topics.yaml order; a note's `topics:` replaces the rules."""
    if note is not None and note.topics is not None:
        chosen = dict.fromkeys(note.topics)
        return tuple(sorted(chosen, key=lambda s: (rules.order.get(s, 1 << 30), s)))
    return rules.match(paper_text(paper))


@dataclass(frozen=True)
class Hit:
    """One keyword found in a paper, and where: 'title' or 'abstract'."""

    keyword: str
    where: str


@dataclass(frozen=True)
class Explanation:
    """Why a topic is, or is not, among a paper's automatic topics."""

    topic: Topic
    matched: tuple[Hit, ...]
    excluded_by: tuple[Hit, ...]

    @property
    def assigned(self) -> bool:
        return bool(self.matched) and not self.excluded_by


def explain(paper: Paper, topics: Iterable[Topic]) -> list[Explanation]:
    """Each topic with a keyword in the paper, with every keyword (and exclude keyword)
    found; the same matching `assign` does, one keyword at a time."""
    out = []
    for topic in topics:
        matched = _hits(topic.keywords, paper)
        if matched:
            out.append(Explanation(topic, matched, _hits(topic.exclude, paper)))
    return out


def _hits(keywords: Iterable[str], paper: Paper) -> tuple[Hit, ...]:
    text = paper_text(paper)
    tokens = set(WORD.findall(text.lower()))
    found = []
    for keyword in dict.fromkeys(keywords):
        index = _Index()
        index.add(keyword, "")
        if index.hits(text, tokens):
            in_title = index.hits(paper.title, set(WORD.findall(paper.title.lower())))
            found.append(Hit(keyword.strip(), "title" if in_title else "abstract"))
    return tuple(found)

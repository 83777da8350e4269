"""Related papers: each visible paper's most similar visible papers, by title and abstract.

TF-IDF over sparse vectors in plain Python (sublinear tf, smooth idf, l2-normalised,
title words counted more), compared by cosine. Comparing every pair is out of reach
at 100,000 papers, so candidates are pruned the usual way: each paper keeps only its
most telling words (never one no other paper has, nor one most papers share), and each
word's inverted list keeps only the papers it weighs most in. A near-duplicate shares
all its rare words, so it is always found.

The result depends only on the visible papers' ids, titles and abstracts; it is kept
under the build cache folder keyed by a digest of them, so a note edit, a rebuild or
the dev server's next save reuses it. A cache written by other code, or damaged, is no
cache: it is computed again.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from operator import itemgetter, mul
from pathlib import Path
from typing import Any

from ..core import parallel
from ..core.model import Archive
from ..core.store import write_atomic

SHOWN = 5  # related papers per paper
TITLE_WEIGHT = 3  # a title word counts as this many abstract words
TERMS = 16  # the words a paper is compared by
POSTINGS = 32  # the papers kept per word (those it weighs most in)
COMMON = 0.5  # a word in more than this share of the papers tells nothing
PARALLEL_MIN = 4000  # papers; fewer rank faster than a worker pool starts
FILE = "related.pickle"

_STOP_WORDS = """
a about above after again all also an and any are as at be been before being below between
both but by can could did do does doing during each few for from further had has have
having here how if in into is it its itself just more most no nor not of off on once only
or other our ours out over own same should so some such than that the their theirs them
then there these they this those through to too under until up very was we were what when
where which while who whom why will with within without would you your yet however thus
via use used using show shows shown propose proposed present paper approach method methods
results new based work"""
STOP = frozenset(_STOP_WORDS.split())  # a small English stop list, and words every abstract has
_WORD = re.compile(r"[a-z0-9]+")

Doc = tuple[str, str, str]  # (id, title, abstract)
Vector = tuple[tuple[str, float], ...]  # (word, weight), heaviest first


def _code_digest() -> str:
    """This module's own digest: a change to the ranking discards every cached result."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


VERSION = (1, _code_digest())


def stem(word: str) -> str | None:
    """A word as compared, or None for a stop word, a single character or a number:
    plural endings go ("models" and "model" are one word), nothing else."""
    if len(word) < 2 or word in STOP or word.isdigit():
        return None
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _Stems(dict):
    """Raw word to compared word, each worked out once: looking a word up stays in C."""

    def __missing__(self, word: str) -> str | None:
        found = self[word] = stem(word)
        return found


def counts(title: str, abstract: str, stems: dict[str, str | None]) -> Counter[str]:
    """A paper's word counts, title words weighted up; `stems` (a `_Stems`) maps each raw
    word, so the counting runs in C: it is most of the cost at 100,000 papers."""
    words = _WORD.findall(abstract.lower()) + _WORD.findall(title.lower()) * TITLE_WEIGHT
    found = Counter(map(stems.__getitem__, words))
    found.pop(None, None)
    return found


_TF = [0.0] + [1 + math.log(n) for n in range(1, 4096)]  # sublinear tf, looked up in C


def vectors(docs: Sequence[Doc]) -> list[Vector]:
    """Each paper's TF-IDF vector, l2-normalised over all its words, then cut to its
    `TERMS` heaviest words that some other paper has and most papers do not."""
    stems = _Stems()
    tfs = [counts(title, abstract, stems) for _, title, abstract in docs]
    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    total = len(docs)
    idf = {term: math.log((1 + total) / (1 + n)) + 1 for term, n in df.items()}
    usable = {term for term, n in df.items() if 1 < n <= COMMON * total}
    return [_vector(tf, idf, usable) for tf in tfs]


def _weights(tf: Counter[str], terms: Iterable[str], idf: dict[str, float]) -> list[float]:
    """(1 + log tf) * idf of these terms, each map in C."""
    return list(map(mul, map(_TF.__getitem__, map(tf.__getitem__, terms)),
                    map(idf.__getitem__, terms)))


def _vector(tf: Counter[str], idf: dict[str, float], usable: set[str]) -> Vector:
    if tf and max(tf.values()) >= len(_TF):  # a word thousands of times: capped
        tf = Counter({term: min(n, len(_TF) - 1) for term, n in tf.items()})
    norm = math.hypot(*_weights(tf, tf, idf)) or 1.0
    kept = list(filter(usable.__contains__, tf))
    weights = _weights(tf, kept, idf)
    # stable: equal weights keep the text's order, so the cut is the same every time
    order = sorted(range(len(kept)), key=weights.__getitem__, reverse=True)[:TERMS]
    return tuple((kept[i], weights[i] / norm) for i in order)


def postings(vecs: Sequence[Vector]) -> dict[str, tuple[tuple[int, float], ...]]:
    """Each word's papers (by index) with its weight in them, the heaviest `POSTINGS`."""
    lists: dict[str, list[tuple[int, float]]] = {}
    for index, vec in enumerate(vecs):
        for term, weight in vec:
            lists.setdefault(term, []).append((index, weight))
    return {term: tuple(sorted(found, key=lambda dw: (-dw[1], dw[0]))[:POSTINGS])
            for term, found in lists.items()}


Index = tuple[Sequence[Vector], dict[str, tuple[tuple[int, float], ...]]]


def nearest(index: Index, doc: int, k: int = SHOWN) -> tuple[int, ...]:
    """The `k` papers most similar to `doc`, best first; equal scores by index (papers are
    indexed in id order, so ties go by id)."""
    vecs, lists = index
    scores: dict[int, float] = {}
    get = scores.get
    for term, weight in vecs[doc]:
        for other, w in lists[term]:
            scores[other] = get(other, 0.0) + weight * w
    scores.pop(doc, None)
    if len(scores) <= k:
        return tuple(sorted(scores, key=lambda d: (-scores[d], d)))
    best = sorted(scores.items(), key=itemgetter(1), reverse=True)[:k]
    last = best[-1][1]
    if sum(1 for _, s in best if s == last) < list(scores.values()).count(last):
        best = sorted(scores.items(), key=lambda ds: (-ds[1], ds[0]))[:k]  # a tie at the cut
    else:
        best.sort(key=lambda ds: (-ds[1], ds[0]))
    return tuple(d for d, _ in best)


def _chunk(index: Index, docs: Sequence[int]) -> list[tuple[int, tuple[int, ...]]]:
    return [(doc, nearest(index, doc)) for doc in docs]


def rank(docs: Iterable[Doc], parallel_ok: bool = True) -> dict[str, tuple[str, ...]]:
    """Every paper's `SHOWN` most similar others, by id; on every core when there are many."""
    ordered = sorted(docs)
    vecs = vectors(ordered)
    index: Index = (vecs, postings(vecs))
    found: dict[int, tuple[int, ...]] = {}
    parts = parallel.chunks(range(len(ordered)), 500)
    parallel.run(_chunk, parts, found.update, shared=index,
                 parallel=parallel_ok and len(ordered) >= PARALLEL_MIN)
    ids = [pid for pid, _, _ in ordered]
    return {ids[doc]: tuple(ids[d] for d in near) for doc, near in sorted(found.items())}


def corpus(archive: Archive) -> list[Doc]:
    """The visible papers as the ranking reads them."""
    return [(pid, paper.title, paper.abstract) for pid, paper in archive.papers.items()
            if archive.is_visible(pid)]


def digest(docs: Sequence[Doc]) -> str:
    """What the ranking depends on, in one digest: ids, titles and abstracts, in id order."""
    hasher = hashlib.blake2b(digest_size=20)
    for doc in sorted(docs):
        for text in doc:
            hasher.update(text.encode())
            hasher.update(b"\0")
    return hasher.hexdigest()


class RelatedCache:
    """The last ranking and the digest of the texts it was computed from: in memory, and
    (with a folder) in `related.pickle` there, written only when computed afresh."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.key: str | None = None
        self.value: dict[str, tuple[str, ...]] = {}
        self.computed = False  # this run's ranking was computed, not found
        self._read = folder is None

    def related(self, archive: Archive) -> dict[str, tuple[str, ...]]:
        """Each visible paper's related papers, computed only when the texts changed."""
        docs = corpus(archive)
        key = digest(docs)
        if not self._read:
            self._read = True
            self._load()
        self.computed = key != self.key
        if self.computed:
            self.key, self.value = key, rank(docs)
        return self.value

    def _load(self) -> None:
        assert self.folder is not None
        try:
            data = pickle.loads((self.folder / FILE).read_bytes())
        except Exception:  # missing or damaged: computed again
            return
        if _valid(data):
            _, self.key, self.value = data

    def save(self) -> None:
        """Write the ranking when it was computed this run and there is a folder."""
        if self.folder is None or not self.computed:
            return
        data = pickle.dumps((VERSION, self.key, self.value), protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(self.folder / FILE, data)
        self.computed = False


def _valid(data: Any) -> bool:
    """The very shape `save` writes, by this version of the code."""
    return (type(data) is tuple and len(data) == 3 and data[0] == VERSION
            and type(data[1]) is str and type(data[2]) is dict
            and all(type(pid) is str and type(near) is tuple
                    and all(type(other) is str for other in near)
                    for pid, near in data[2].items()))

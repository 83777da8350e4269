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
from itertools import compress
from operator import mul
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
CHUNK = 2000  # papers a worker counts at a time
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
Vector = tuple[tuple[str, ...], tuple[float, ...]]  # words and weights, heaviest first


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


Counts = tuple[str, bytes | tuple[int, ...]]  # a paper's words, space-separated, and counts


def vectors(docs: Sequence[Doc], parallel_ok: bool = True) -> list[Vector]:
    """Each paper's TF-IDF vector, l2-normalised over all its words, then cut to its
    `TERMS` heaviest words that some other paper has and most papers do not. Counting
    and weighing run on every core when there are many papers; counts are kept as
    tuples meanwhile (a `Counter` per paper would take a gigabyte at 100,000)."""
    parts = parallel.chunks(range(len(docs)), CHUNK)
    on_cores = parallel_ok and len(docs) >= PARALLEL_MIN
    tfs: list[Counts] = _gather(_count_part, parts, docs, on_cores, len(docs))
    df: Counter[str] = Counter()
    for terms, _ in tfs:
        df.update(terms.split(" ") if terms else ())
    total = len(docs)
    idf = {term: math.log((1 + total) / (1 + n)) + 1 for term, n in df.items()}
    # each usable word to itself: the vectors then share one string per word
    usable = {term: term for term, n in df.items() if 1 < n <= COMMON * total}
    return _gather(_vector_part, parts, (tfs, idf, usable), on_cores, len(docs))


def _gather(function: Any, parts: Sequence[range], shared: Any, on_cores: bool,
            size: int) -> list:
    """`function(shared, part)` for every part (a range of paper indices), in index order."""
    out: list = [None] * size

    def keep(found: tuple[int, list]) -> None:
        start, values = found
        out[start:start + len(values)] = values

    parallel.run(function, parts, keep, shared=shared, parallel=on_cores)
    return out


def _count_part(docs: Sequence[Doc], part: range) -> tuple[int, list[Counts]]:
    stems = _Stems()
    found = []
    for index in part:
        tf = counts(docs[index][1], docs[index][2], stems)
        found.append(_pack(tf))
    return part.start, found


def _pack(tf: Counter[str]) -> Counts:
    """A paper's counts in two flat objects: its words joined by spaces (a word has none)
    and the counts as bytes. Held for every paper at once, this is a third of two tuples."""
    ns = tf.values()
    return " ".join(tf), bytes(ns) if max(ns, default=0) < 256 else tuple(ns)


def _vector_part(shared: tuple[Sequence[Counts], dict[str, float], dict[str, str]],
                 part: range) -> tuple[int, list[Vector]]:
    tfs, idf, usable = shared
    return part.start, [_vector(*tfs[index], idf, usable) for index in part]


def _vector(joined: str, ns: Sequence[int], idf: dict[str, float],
            usable: dict[str, str]) -> Vector:
    """One paper's vector from its word counts, each step a map in C."""
    terms = joined.split(" ") if joined else []
    if ns and max(ns) >= len(_TF):  # a word thousands of times: capped
        ns = tuple(min(n, len(_TF) - 1) for n in ns)
    weights = list(map(mul, map(_TF.__getitem__, ns), map(idf.__getitem__, terms)))
    norm = math.hypot(*weights) or 1.0
    kept = compress(range(len(terms)), map(usable.__contains__, terms))
    # stable: equal weights keep the text's order, so the cut is the same every time
    order = sorted(kept, key=weights.__getitem__, reverse=True)[:TERMS]
    return tuple(usable[terms[i]] for i in order), tuple(weights[i] / norm for i in order)


Postings = dict[str, tuple[tuple[int, ...], tuple[float, ...]]]


def postings(vecs: Sequence[Vector]) -> Postings:
    """Each word's papers (by index) and its weight in them: the `POSTINGS` heaviest."""
    papers: dict[str, list[int]] = {}
    weighs: dict[str, list[float]] = {}
    for index, (terms, weights) in enumerate(vecs):  # no object made per (word, paper)
        for term, weight in zip(terms, weights, strict=True):
            if term in papers:
                papers[term].append(index)
                weighs[term].append(weight)
            else:
                papers[term], weighs[term] = [index], [weight]
    out: Postings = {}
    for term, found in papers.items():
        weight = weighs[term]
        # heaviest first; a stable sort keeps equal weights in index order, as `found` is
        top = sorted(range(len(found)), key=weight.__getitem__, reverse=True)[:POSTINGS]
        out[term] = tuple(found[i] for i in top), tuple(weight[i] for i in top)
    return out


Index = tuple[Sequence[Vector], Postings]


def nearest(index: Index, doc: int, k: int = SHOWN) -> tuple[int, ...]:
    """The `k` papers most similar to `doc`, best first; equal scores by index (papers are
    indexed in id order, so ties go by id)."""
    vecs, lists = index
    scores: dict[int, float] = {}
    get = scores.get
    terms, weights = vecs[doc]
    for term, weight in zip(terms, weights, strict=True):
        others, their = lists[term]
        for other, w in zip(others, their, strict=True):
            scores[other] = get(other, 0.0) + weight * w
    scores.pop(doc, None)
    near: Iterable[int] = scores
    if len(scores) > k:  # only those scoring at least the k-th best are sorted by id
        last = sorted(scores.values(), reverse=True)[k - 1]
        near = compress(scores, map(last.__le__, scores.values()))
    return tuple(sorted(near, key=lambda d: (-scores[d], d))[:k])


def _chunk(index: Index, docs: Sequence[int]) -> list[tuple[int, tuple[int, ...]]]:
    return [(doc, nearest(index, doc)) for doc in docs]


def rank(docs: Iterable[Doc], parallel_ok: bool = True) -> dict[str, tuple[str, ...]]:
    """Every paper's `SHOWN` most similar others, by id; on every core when there are many."""
    ordered = sorted(docs)
    vecs = vectors(ordered, parallel_ok)
    index: Index = (vecs, postings(vecs))
    found: dict[int, tuple[int, ...]] = {}
    parts = parallel.chunks(range(len(ordered)), CHUNK // 4)
    parallel.run(_chunk, parts, found.update, shared=index,
                 parallel=parallel_ok and len(ordered) >= PARALLEL_MIN)
    ids = [pid for pid, _, _ in ordered]
    return {ids[doc]: tuple(ids[d] for d in near) for doc, near in sorted(found.items())}


def corpus(archive: Archive) -> list[Doc]:
    """The visible papers as the ranking reads them, in id order (sorting them again, for
    the digest and the ranking, then costs one pass)."""
    return sorted((pid, paper.title, paper.abstract) for pid, paper in archive.papers.items()
                  if archive.is_visible(pid))


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
        self._last: tuple[list[Doc], str] | None = None  # the last texts, and their digest

    def _digest(self, docs: list[Doc]) -> str:
        """The texts' digest; the last one when they are the last texts (a builder that
        runs again mostly finds the very same strings, compared by identity first)."""
        if self._last is None or self._last[0] != docs:
            self._last = (docs, digest(docs))
        return self._last[1]

    def related(self, archive: Archive) -> dict[str, tuple[str, ...]]:
        """Each visible paper's related papers, computed only when the texts changed."""
        docs = corpus(archive)
        key = self._digest(docs)
        if not self._read:
            self._read = True
            self._load()
        self.computed = key != self.key
        if self.computed:
            many = len(docs) >= PARALLEL_MIN  # its working memory is given back whole
            self.key, self.value = key, parallel.apart(rank, docs) if many else rank(docs)
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

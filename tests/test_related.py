"""Related papers: what each paper page lists, how they are ranked, and the cache that
keeps a rebuild, a note edit or the dev server's next save from ranking them again."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml
from archive_helpers import SHIPPED, cli
from bs4 import BeautifulSoup
from site_helpers import paper_id, tree_bytes
from test_serve import Served

from generator.archive import related
from generator.core.paths import ContentPaths
from generator.site.build import Builder

ORIGINAL = "llm-in-a-flash-efficient-large-language-model-inference-with-limited-memory"
NEAR_TITLE = "LLM in a flash, revisited: Efficient Large Language Model Inference"
HIDDEN_TITLE = "Flash memory for language model inference, left out by the curator"
DAY = "2026-05-21"


def _write_paper(content: Path, title: str, abstract: str) -> str:
    """A copy of the original paper under another title and abstract, listed on DAY."""
    data = yaml.safe_load((content / "papers" / f"{ORIGINAL}.yaml").read_text("utf-8"))
    pid = paper_id(title)
    data.update(id=pid, title=title, abstract=abstract)
    data["first_seen"] = data["last_seen"] = yaml.safe_load(DAY)
    (content / "papers" / f"{pid}.yaml").write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return pid


def write_archive(root: Path) -> Path:
    """The shipped archive, plus a near-duplicate of one paper (its abstract with one word
    changed) and a hidden exact copy of it, both listed on a new day."""
    shutil.copytree(SHIPPED, root / "content")
    content = root / "content"
    abstract = yaml.safe_load((content / "papers" / f"{ORIGINAL}.yaml").read_text("utf-8"))[
        "abstract"]
    assert "exceptional performance" in abstract
    near = _write_paper(content, NEAR_TITLE,
                        abstract.replace("exceptional performance", "remarkable performance"))
    hidden = _write_paper(content, HIDDEN_TITLE, abstract)
    (content / "notes" / f"{hidden}.md").write_text("---\nhidden: true\n---\nA copy.\n",
                                                    encoding="utf-8")
    (content / "scraped" / f"{DAY}.txt").write_text(f"Hand-written test day {DAY}\n",
                                                    encoding="utf-8")
    (content / "days" / f"{DAY}.yaml").write_text(
        f"date: {DAY}\nsource: scraped/{DAY}.txt\npapers:\n"
        f"- id: {near}\n  upvotes: 3\n- id: {hidden}\n  upvotes: 1\n", encoding="utf-8")
    return root


def build(root: Path, out: Path, *extra: str) -> str:
    """`paperpress build` as a user runs it; its output (quiet unless `extra` asks more)."""
    done = cli("--root", root, "build", "--out", out, *(extra or ("--quiet",)), cwd=root)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_archive(tmp_path_factory.mktemp("related"))
    build(root, root / "site")
    return root / "site"


def page(site: Path, pid: str) -> BeautifulSoup:
    return BeautifulSoup((site / "papers" / pid / "index.html").read_text("utf-8"),
                         "html.parser")


def related_ids(soup: BeautifulSoup) -> list[str]:
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in soup.select(".related li a")]


def first_listed(soup: BeautifulSoup) -> str:
    dt = next(dt for dt in soup.select(".facts dt") if dt.get_text() == "First listed")
    return dt.find_next_sibling("dd").time["datetime"]


def test_each_visible_paper_lists_five_visible_others_with_their_first_day(site: Path) -> None:
    hidden = paper_id(HIDDEN_TITLE)
    pages = sorted(p.name for p in (site / "papers").iterdir() if p.is_dir())
    assert len(pages) == 124 + 2
    for pid in pages:
        soup = page(site, pid)
        if pid == hidden:
            assert not soup.select(".related"), "a hidden paper's page lists none"
            continue
        found = related_ids(soup)
        assert len(found) == len(set(found)) == 5, pid
        assert pid not in found and hidden not in found, pid
        for item, other in zip(soup.select(".related li"), found, strict=True):
            target = page(site, other)
            assert item.a.get_text() == target.h1.get_text(), (pid, other)
            assert item.time["datetime"] == first_listed(target), (pid, other)
            assert item.a["href"] == f"/paperpress/papers/{other}/"


def test_a_near_duplicate_ranks_first_and_a_hidden_copy_never_shows(site: Path) -> None:
    near = paper_id(NEAR_TITLE)
    assert related_ids(page(site, ORIGINAL))[0] == near
    assert related_ids(page(site, near))[0] == ORIGINAL
    assert paper_id(HIDDEN_TITLE) not in (site / "papers" / ORIGINAL / "index.html").read_text(
        "utf-8")


def test_two_cold_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    root = write_archive(tmp_path / "again")
    build(root, root / "site")
    assert tree_bytes(root / "site") == tree_bytes(site)


def test_the_ranking_is_kept_until_a_title_abstract_or_visibility_changes(
        tmp_path: Path) -> None:
    root = write_archive(tmp_path)
    out, cached = root / "site", root / ".paperpress-cache" / related.FILE
    assert "(related papers computed)" in build(root, out, "--verbose")
    stamp = cached.stat().st_mtime_ns
    assert "(related papers cached)" in build(root, out, "--verbose")
    (root / "content" / "notes" / f"{ORIGINAL}.md").write_text("Worth a read.\n", "utf-8")
    assert "(related papers cached)" in build(root, out, "--verbose")
    assert cached.stat().st_mtime_ns == stamp
    assert "Worth a read." in (out / "papers" / ORIGINAL / "index.html").read_text("utf-8")

    near = paper_id(NEAR_TITLE)
    (root / "content" / "notes" / f"{near}.md").write_text("---\nhidden: true\n---\n", "utf-8")
    assert "(related papers computed)" in build(root, out, "--verbose")
    assert cached.stat().st_mtime_ns != stamp
    assert near not in related_ids(page(out, ORIGINAL))
    stamp = cached.stat().st_mtime_ns
    paper = root / "content" / "papers" / f"{ORIGINAL}.yaml"
    paper.write_text(paper.read_text("utf-8").replace("exceptional", "outstanding", 1), "utf-8")
    assert "(related papers computed)" in build(root, out, "--verbose")
    assert cached.stat().st_mtime_ns != stamp


def test_a_damaged_cache_is_ranked_again(site: Path, tmp_path: Path) -> None:
    root = write_archive(tmp_path)
    cached = root / ".paperpress-cache" / related.FILE
    for damage in (b"not a pickle", b"\x80\x05N."):  # garbage, and a pickled None
        cached.parent.mkdir(exist_ok=True)
        cached.write_bytes(damage)
        assert "(related papers computed)" in build(root, root / "site", "--verbose")
        assert tree_bytes(root / "site") == tree_bytes(site)
        shutil.rmtree(root / "site")


def test_the_dev_servers_builder_keeps_the_ranking_across_a_note_edit(tmp_path: Path) -> None:
    """The dev server's builder keeps everything in memory (no cache folder)."""
    root = write_archive(tmp_path)
    builder = Builder(ContentPaths(root), root / "site", persist=False)
    assert builder.run().related == "computed"
    (root / "content" / "notes" / f"{ORIGINAL}.md").write_text("Worth a read.\n", "utf-8")
    assert builder.run().related == "cached"
    assert not (root / ".paperpress-cache" / related.FILE).exists()



def test_serve_shows_a_retitled_paper_on_the_page_that_lists_it(tmp_path: Path) -> None:
    root = write_archive(tmp_path)
    server = Served(root)
    try:
        near = paper_id(NEAR_TITLE)
        soup = BeautifulSoup(server.get(f"/papers/{ORIGINAL}/")[1], "html.parser")
        assert soup.select_one(".related li a").get_text() == NEAR_TITLE
        path = root / "content" / "papers" / f"{near}.yaml"
        path.write_text(path.read_text("utf-8").replace("flash, revisited:", "flash, seen again:"),
                        "utf-8")
        server.wait_page(f"/papers/{ORIGINAL}/",
                         lambda body: "LLM in a flash, seen again" in body)
    finally:
        server.stop()


# -- the ranking on small corpora ------------------------------------------------------------
CORPUS = [
    ("gauss", "Gaussian splatting for scenes",
     "We render scenes with Gaussian splatting and radiance fields in real time."),
    ("gauss-again", "Gaussian splatting for scenes, again",
     "We render scenes with Gaussian splatting and radiance fields at interactive rates."),
    ("nerf", "Radiance fields for scenes",
     "Neural radiance fields reconstruct scenes from photographs."),
    ("speech", "Speech recognition in noise",
     "Robust speech recognition for noisy recordings and accented speakers."),
    ("tts", "Expressive speech synthesis",
     "Speech synthesis with expressive prosody from recordings of speakers."),
    ("proteins", "Protein folding",
     "Predicting protein structures from amino acid sequences."),
    ("alone", "Quasicrystal tilings", "Aperiodic tilings of the hyperbolic plane."),
]


def test_a_near_duplicate_ranks_first_and_unrelated_papers_are_left_out() -> None:
    found = related.rank(CORPUS)
    assert found["gauss"][0] == "gauss-again"
    assert found["gauss-again"][0] == "gauss"
    assert found["gauss"][:2] == ("gauss-again", "nerf")
    assert found["speech"][0] == "tts"
    assert "alone" not in {other for near in found.values() for other in near}
    assert found["alone"] == ()
    assert all(pid not in near for pid, near in found.items())


def test_the_ranking_does_not_depend_on_the_order_papers_come_in() -> None:
    shuffled = CORPUS[:]
    random.Random(7).shuffle(shuffled)
    assert related.rank(shuffled) == related.rank(CORPUS)
    assert list(related.rank(shuffled)) == sorted(pid for pid, _, _ in CORPUS)


# papers that share no word with any other: a word in more than half the papers is
# left out (it tells nothing), so a small corpus of alike papers needs company
FILLER = [(f"zz{n:02}", f"Unrelated{n}", f"Words{n} nobody{n} else{n} uses.") for n in range(20)]


def test_equal_scores_go_by_id() -> None:
    same = ("Sparse attention kernels", "Sparse attention kernels for long inputs.")
    docs = [(pid, *same) for pid in ("d", "b", "a", "c")] + FILLER
    found = related.rank(docs)
    assert found["a"] == ("b", "c", "d")
    assert found["c"] == ("a", "b", "d")


def test_at_most_five_even_when_many_are_alike() -> None:
    docs = [(f"p{n:02}", f"Memory paper {n}", "Memory in language agents.") for n in range(12)]
    found = related.rank(docs + FILLER, parallel_ok=False)
    assert all(len(found[pid]) == related.SHOWN for pid, _, _ in docs)
    assert found["p00"] == ("p01", "p02", "p03", "p04", "p05")


@pytest.mark.parametrize(("word", "stem"), [
    ("models", "model"), ("studies", "study"), ("class", "class"), ("corpus", "corpus"),
    ("analysis", "analysis"), ("the", None), ("a", None), ("2024", None), ("3d", "3d"),
])
def test_words_lose_their_plural_and_stop_words_go(word: str, stem: str | None) -> None:
    assert related.stem(word) == stem


def test_the_ranking_is_the_same_on_one_core_and_on_many() -> None:
    """Above PARALLEL_MIN papers the work is split over forked workers: the same result."""
    rng = random.Random(3)
    words = [f"w{n}" for n in range(3000)]
    docs = [(f"p{n:05}", " ".join(rng.sample(words, 6)), " ".join(rng.choices(words, k=60)))
            for n in range(related.PARALLEL_MIN + 100)]
    assert related.rank(docs) == related.rank(docs, parallel_ok=False)


def _reference_rank(docs: list[tuple[str, str, str]]) -> dict[str, tuple[str, ...]]:
    """The ranking as the module's docstring states it, written plainly: each paper's
    TF-IDF vector cut to its TERMS heaviest usable words, each word's POSTINGS heaviest
    papers, and every candidate's score summed in the paper's word order."""
    import math
    from collections import Counter

    docs = sorted(docs)
    stems: dict = {}
    tfs = []
    for _, title, abstract in docs:
        words = re_words(abstract) + re_words(title) * related.TITLE_WEIGHT
        found = Counter(stems.setdefault(w, related.stem(w)) for w in words)
        found.pop(None, None)
        tfs.append(found)
    df = Counter(term for tf in tfs for term in tf)
    total = len(docs)
    vecs = []
    for tf in tfs:
        weights = {t: (1 + math.log(n)) * (math.log((1 + total) / (1 + df[t])) + 1)
                   for t, n in tf.items()}
        norm = math.hypot(*weights.values()) or 1.0
        usable = [t for t in tf if 1 < df[t] <= related.COMMON * total]
        kept = sorted(usable, key=lambda t: -weights[t])[:related.TERMS]
        vecs.append([(t, weights[t] / norm) for t in kept])
    lists: dict[str, list[tuple[float, int]]] = {}
    for index, vec in enumerate(vecs):
        for term, weight in vec:
            lists.setdefault(term, []).append((-weight, index))
    top = {term: sorted(found)[:related.POSTINGS] for term, found in lists.items()}
    out = {}
    for index, vec in enumerate(vecs):
        scores: dict[int, float] = {}
        for term, weight in vec:
            for w, other in top[term]:
                scores[other] = scores.get(other, 0.0) + weight * -w
        scores.pop(index, None)
        best = sorted(scores, key=lambda d: (-scores[d], d))[:related.SHOWN]
        out[docs[index][0]] = tuple(docs[d][0] for d in best)
    return out


def re_words(text: str) -> list[str]:
    return related._WORD.findall(text.lower())


def test_a_generated_archive_ranks_as_the_plain_statement_of_the_method() -> None:
    """Benchmark days (real-looking titles and abstracts, relisted papers, shared topics):
    the compact counts, postings and top-k selection give the plain method's lists."""
    import importlib
    import sys

    from generator.core.ids import paper_id
    from generator.ingest.scrape import parse

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    synth = importlib.import_module("bench.synth")
    docs = {paper_id(e.title): (paper_id(e.title), e.title, e.abstract)
            for day in synth.Synth(11).days(10) for e in parse(day.data).entries}
    assert len(docs) > 300
    expected = _reference_rank(list(docs.values()))
    assert related.rank(docs.values(), parallel_ok=False) == expected
    assert sum(len(near) == related.SHOWN for near in expected.values()) > 250


def _double(value: int) -> int:
    return value * 2


def _refuse(value: int) -> int:
    raise ValueError(f"no {value}")


def test_work_done_apart_returns_its_result_or_raises_its_error() -> None:
    """The ranking of a large archive runs in a process of its own (its working memory
    then leaves with it): the caller gets its value, or its very exception."""
    from generator.core import parallel

    assert parallel.apart(_double, 21) == 42
    with pytest.raises(ValueError, match="no 7"):
        parallel.apart(_refuse, 7)

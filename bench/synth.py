"""Synthetic scraped days in the real Daily Papers text format, deterministic by seed.

The benchmark needs archives of 2,000 to 100,000 papers, far more than any
real scrape, that still look like the real thing to the importer and the
build: 50 entries a day, about a quarter of them papers already listed on an
earlier day (124 distinct papers among 169 entries in the real sample),
titles of 26 to 130 characters, abstracts of about 1,600, an organization on
about one entry in ten (a few organizations shown under two display names),
code and project URLs in about one abstract in five, and dates written the
way the page writes them (no year for the current year, upvotes left out
when zero). Only `random.Random(seed)` drives it, so a seed always gives the
same bytes.
"""

from __future__ import annotations

import calendar
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from generator.core.ids import org_path_slug, paper_id

START = date(2024, 1, 2)
PER_DAY = 50
RECUR = 0.27  # share of a day's entries that are papers listed before (45 of 169 real ones)
ORG_SHARE = 0.10
URL_SHARE = 0.22
CHROME = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
)

# Phrases that paperpress's starter topics.yaml recognises, one list per topic, so
# synthetic papers land in topics about as often as real ones (1.5 topics a paper).
THEMES: dict[str, tuple[str, ...]] = {
    "llm-reasoning": ("chain-of-thought reasoning", "test-time scaling", "long-context reasoning",
                      "multi-step reasoning", "reasoning traces"),
    "agents": ("LLM agents", "tool use", "multi-agent collaboration", "GUI agents",
               "agentic workflows", "web agents"),
    "multimodal": ("multimodal large language models", "vision-language models", "MLLMs",
                   "visual question answering", "image-text alignment"),
    "vision-generation": ("text-to-image diffusion", "image editing", "flow matching",
                          "diffusion transformers", "image synthesis"),
    "video": ("video understanding", "text-to-video generation", "long videos",
              "temporal grounding", "Video-LLMs"),
    "speech-audio": ("speech recognition", "text-to-speech", "audio generation",
                     "spoken dialogue", "music generation"),
    "robotics": ("robot manipulation", "embodied agents", "vision-language-action models",
                 "robotic control", "legged locomotion"),
    "reinforcement-learning": ("reinforcement learning", "RLHF", "GRPO", "reward models",
                               "policy optimization", "RLVR"),
    "efficiency": ("quantization", "KV cache compression", "speculative decoding",
                   "mixture-of-experts", "pruning", "knowledge distillation"),
    "safety-alignment": ("jailbreak attacks", "hallucination", "safety alignment",
                         "red-teaming", "privacy leakage"),
    "retrieval-rag": ("retrieval-augmented generation", "dense retrieval", "text embeddings",
                      "RAG pipelines", "memory retrieval"),
    "code": ("code generation", "software engineering", "program synthesis", "SWE-bench",
             "code LLMs"),
    "math": ("mathematical reasoning", "theorem proving", "olympiad problems", "GSM8K",
             "formal proofs in Lean"),
    "3d": ("3D reconstruction", "Gaussian splatting", "NeRF", "point cloud",
           "novel view synthesis"),
    "medical-science": ("medical imaging", "clinical notes", "protein design",
                        "molecular generation", "radiology reports"),
}
THEME_WEIGHTS = (14, 7, 7, 4, 4, 2, 3, 6, 10, 5, 9, 3, 3, 4, 2)
GENERIC = ("large language models", "language models", "transformers", "state space models",
           "continual learning", "instruction tuning", "data curation", "long-term memory",
           "representation learning", "in-context learning", "tokenization", "pretraining",
           "foundation models", "small language models")
ADJECTIVES = ("hierarchical", "adaptive", "sparse", "dual-stream", "self-evolving",
              "training-free", "unified", "progressive", "contrastive", "lightweight",
              "scalable", "fine-grained", "modular", "robust")
MODULES = ("memory module", "routing network", "adapter", "controller", "verifier",
           "scheduler", "curriculum", "critic", "tokenizer", "planner-free decoder")
VERBS = ("aligns", "compresses", "decomposes", "selects", "calibrates", "refines",
         "schedules", "routes", "summarizes", "reweights")
OBJECTS = ("intermediate representations", "the most informative tokens",
           "task-specific knowledge", "hierarchical context", "fine-grained evidence",
           "latent plans", "noisy supervision signals", "cross-modal features",
           "long histories", "redundant computation")
SYLLABLES = ("Mem", "Arc", "Zoom", "Ground", "Lumi", "Nova", "Vista", "Aero", "Echo", "Flux",
             "Orca", "Pixel", "Quill", "Rift", "Sage", "Tide", "Volt", "Weave", "Xeno",
             "Hydra", "Kairos", "Lyra", "Mosaic", "Nimbus", "Onyx", "Prism", "Quasar", "Helix",
             "Möbius", "Astra", "Cortex", "Delta", "Ember", "Fable", "Gecko", "Iris")
SUFFIXES = ("", "", "", "Net", "LM", "Agent", "Gen", "Former", "Mind", "-VL", "-R1", "-Zero",
            "2", "++", "X", "Flow", "Coder", "-7B", "Bench")
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
               "the", "to", "via", "with", "through"}
TITLES = (
    "{name}: {Adj} {Module} for {T1}",
    "{name}: Towards {Adj} {T1} with {T2}",
    "{Adj} {T1} via {Adj2} {Module}s",
    "{name}: Improving {T1} through {Obj}",
    "Rethinking {T1}: {Adj} {Module}s for {G}",
    "{name}: A Benchmark for {T1} in {G}",
    "When {G} Meet {T1}: {Adj} {Module}s and {Obj}",
    "{name}",
)
OPENERS = (
    "{G_cap} have achieved remarkable progress on {t1}, yet they still struggle when the "
    "input grows beyond what they saw during training.",
    "Recent advances in {t1} have been driven by ever larger {g}, but the cost of training "
    "and serving such systems keeps rising.",
    "{T1_cap} is a cornerstone of capable {g}, and a growing body of work studies how to "
    "make it reliable outside curated benchmarks.",
)
INTROS = (
    "In this paper, we introduce {name}, a simple and scalable framework for {t1} that "
    "{verb} {obj}.",
    "To address this limitation, we propose {name}, a {adj} {module} that adaptively "
    "{verb} {obj} at each step.",
    "We present {name}, which combines {t1} with {t2} through a {adj} {module} trained "
    "end to end.",
)
MIDDLES = (
    "Existing approaches to {t1} either rely on expensive human annotation or fail to "
    "generalize across domains, which limits their use in practice.",
    "{name} combines {t1} with {t2} through a lightweight {module} that is trained end to end.",
    "We further construct {name}-Bench, a benchmark of {n} carefully curated tasks covering "
    "{t2} and {g}.",
    "Extensive experiments on {k} benchmarks demonstrate that {name} outperforms strong "
    "baselines by {p}% on average while using {x}x fewer parameters.",
    "Our analysis reveals that the gains come mainly from {obj}, and that they persist across "
    "model sizes from {s1}B to {s2}B parameters.",
    "Ablation studies confirm the contribution of each component, and qualitative results "
    "show that {name} produces more faithful outputs.",
    "Moreover, {name} reduces inference cost by {p}% compared with prior work, making it "
    "practical for deployment on a single GPU.",
    "Unlike previous methods that treat {g} as a black box, our approach exposes intermediate "
    "states that can be inspected and corrected.",
    "A {adj} training recipe, which first warms up on synthetic data and then {verb} {obj}, "
    "keeps optimization stable at scale.",
    "We also show that {name} transfers to {t2} without any task-specific tuning, reaching "
    "{p}.{k}% of the fully supervised upper bound.",
    "Compared with dense attention, the {module} attends to only {p}% of the context — a "
    "{x}\u00d7 speedup on sequences of {n}K tokens.",
    "Human evaluation with {n} annotators indicates a clear preference for {name} over the "
    "strongest open baseline.",
    "Finally, we discuss failure cases in which {obj} are missing, and outline how {g} could "
    "recover them.",
    "The method requires no additional labels: it {verb} {obj} using signals already present "
    "in standard training data.",
    "On the hardest split, {name} improves accuracy from {s1}.{k}% to {s2}.{k}%, closing most "
    "of the gap to proprietary systems.",
)
CLOSERS = (
    "We hope this work provides a solid foundation for future research on {t1}.",
    "These results suggest that {obj} deserve more attention in the design of {g}.",
)
REAL_ORGS = (
    ("nvidia", ("NVIDIA",)), ("facebook", ("AI at Meta",)), ("ByteDance-Seed", ("ByteDance Seed",)),
    ("tencent", ("Tencent",)), ("deepseek-ai", ("DeepSeek",)),
    ("EverMindAI", ("EverMind-AI", "EverMind")), ("qualcomm", ("Qualcomm",)),
    ("AlibabaTongyiLab", ("TongyiLab",)), ("apple", ("Apple",)), ("google", ("Google",)),
    ("microsoft", ("Microsoft", "Microsoft Research")), ("Qwen", ("Qwen",)),
    ("allenai", ("Ai2", "Allen Institute for AI")), ("openbmb", ("OpenBMB",)),
)


@dataclass(frozen=True, slots=True)
class SynthOrg:
    """An organization; with two display names it switches from the first at `switch`."""

    slug: str
    names: tuple[str, ...]
    switch: int

    def name_on(self, day_index: int) -> str:
        return self.names[-1] if day_index >= self.switch else self.names[0]


@dataclass(frozen=True, slots=True)
class SynthPaper:
    """A paper; its abstract is regenerated from `seed`, so big archives stay small in memory."""

    title: str
    name: str
    seed: int
    themes: tuple[str, ...]
    published: date
    authors: int
    org: SynthOrg | None


@dataclass(frozen=True, slots=True)
class SynthDay:
    when: date
    text: str
    titles: tuple[str, ...]

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def weekdays(start: date, count: int) -> list[date]:
    """`count` consecutive Monday-to-Friday dates from `start` (moved to a weekday)."""
    out: list[date] = []
    current = start
    while len(out) < count:
        if current.weekday() < 5:
            out.append(current)
        current += timedelta(days=1)
    return out


def days_for(papers: int, per_day: int = PER_DAY) -> int:
    """Days needed for about `papers` distinct papers: the first day is all new."""
    new_per_day = per_day * (1 - RECUR)
    return max(3, 1 + round(max(0, papers - per_day) / new_per_day))


def title_case(text: str) -> str:
    """Headline capitals, leaving acronyms and names as written."""
    words = text.split(" ")
    out = []
    for index, word in enumerate(words):
        if index and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        elif word[:1].islower():
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def anchor_window(when: date) -> tuple[date, date]:
    """Publication dates that give a day's year away: last year, less than a year ago.

    The page writes no year for the current year, and the year is inferred as
    the smallest one putting the header on or after every dated entry; one
    entry from this window makes that the day's own year.
    """
    try:
        start = date(when.year - 1, when.month, when.day) + timedelta(days=1)
    except ValueError:  # Feb 29
        start = date(when.year - 1, 3, 1)
    return start, date(when.year - 1, 12, 31)


class Synth:
    """Generates days one after another, remembering papers so later days relist them."""

    def __init__(self, seed: int = 1, start: date = START, per_day: int = PER_DAY,
                 org_pool: int = 40) -> None:
        self.rng = random.Random(seed)
        self.start = start
        self.per_day = per_day
        self.papers: list[SynthPaper] = []
        self.ids: set[str] = set()
        self.orgs = self._orgs(org_pool)
        self.org_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(self.orgs))]

    # -- organizations ------------------------------------------------------
    def _orgs(self, count: int) -> list[SynthOrg]:
        """Real hub organizations first, then made-up ones; about one in five has two names."""
        out = [SynthOrg(slug, names, self.rng.randrange(1, 60)) for slug, names in REAL_ORGS]
        taken = {org_path_slug(o.slug) for o in out}
        while len(out) < count:
            base = self.rng.choice(SYLLABLES) + self.rng.choice(SYLLABLES).lower()
            kind = self.rng.randrange(4)
            slug = (f"{base}AI", f"{base.lower()}-lab", f"{base}-Research", base)[kind]
            slug = slug.replace("ö", "o")
            if org_path_slug(slug) in taken:
                continue
            taken.add(org_path_slug(slug))
            name = (f"{base} AI", f"{base} Lab", f"{base} Research", base)[kind]
            names = (name, f"{name} Group") if self.rng.random() < 0.2 else (name,)
            out.append(SynthOrg(slug, names, self.rng.randrange(1, 400)))
        return out

    # -- papers -------------------------------------------------------------
    def _name(self) -> str:
        return self.rng.choice(SYLLABLES) + self.rng.choice(SYLLABLES).lower() + self.rng.choice(
            SUFFIXES)

    def _themes(self) -> tuple[str, ...]:
        slugs = list(THEMES)
        first = self.rng.choices(slugs, THEME_WEIGHTS)[0] if self.rng.random() < 0.88 else ""
        if self.rng.random() < 0.4:
            second = self.rng.choices(slugs, THEME_WEIGHTS)[0]
            if second != first:
                return (first, second)
        return (first,)

    def _phrase(self, rng: random.Random, theme: str) -> str:
        return rng.choice(THEMES[theme]) if theme else rng.choice(GENERIC)

    def _title(self, name: str, themes: tuple[str, ...]) -> str:
        rng = self.rng
        pattern = rng.choice(TITLES)
        if pattern == "{name}":  # a bare name is rare and short, like "Efficient Reasoning"
            pattern = "{name}: {Adj} {T1}"
        t1 = self._phrase(rng, themes[0])
        t2 = self._phrase(rng, themes[-1] if len(themes) > 1 else "")
        text = pattern.format(
            name=name, Adj=rng.choice(ADJECTIVES), Adj2=rng.choice(ADJECTIVES),
            Module=rng.choice(MODULES), T1=t1, T2=t2, G=rng.choice(GENERIC),
            Obj=rng.choice(OBJECTS),
        )
        if len(text) < 72 and " for " not in text and rng.random() < 0.6:
            text += f" for {rng.choice(GENERIC)}"
        return title_case(text)[:130].rstrip(" :")

    def _published(self, when: date) -> date:
        fresh = self.rng.random() < 0.4
        return when - timedelta(days=self.rng.randrange(0, 30 if fresh else 1000))

    def _authors(self) -> int:
        return max(1, min(60, round(self.rng.lognormvariate(1.9, 0.45))))

    def new_paper(self, when: date) -> SynthPaper:
        """A paper with a title no earlier paper's id collides with."""
        while True:
            name = self._name()
            themes = self._themes()
            title = self._title(name, themes)
            pid = paper_id(title)
            if pid not in self.ids:
                break
        self.ids.add(pid)
        org = None
        if self.rng.random() < ORG_SHARE:
            org = self.rng.choices(self.orgs, self.org_weights)[0]
        paper = SynthPaper(title, name, self.rng.getrandbits(48), themes, self._published(when),
                           self._authors(), org)
        self.papers.append(paper)
        return paper

    def with_published(self, paper: SynthPaper, published: date) -> SynthPaper:
        """The same new paper with another publication date (to anchor the day's year)."""
        changed = SynthPaper(paper.title, paper.name, paper.seed, paper.themes, published,
                             paper.authors, paper.org)
        self.papers[self.papers.index(paper)] = changed
        return changed

    # -- days ---------------------------------------------------------------
    def _recurring(self, chosen: set[str]) -> SynthPaper | None:
        """An earlier paper not yet on this day: mostly recent ones, some from anywhere."""
        for _ in range(8):
            pool = self.papers[-10 * self.per_day:] if self.rng.random() < 0.6 else self.papers
            paper = self.rng.choice(pool)
            if paper.title not in chosen:
                return paper
        return None

    def _lineup(self, when: date) -> tuple[list[SynthPaper], set[str]]:
        """The day's papers in page order and the titles of those that are new."""
        lineup: list[SynthPaper] = []
        chosen: set[str] = set()
        new: set[str] = set()
        for _ in range(self.per_day):
            paper = self._recurring(chosen) if self.papers and self.rng.random() < RECUR else None
            if paper is None:
                paper = self.new_paper(when)
                new.add(paper.title)
            chosen.add(paper.title)
            lineup.append(paper)
        return lineup, new

    def _anchor(self, when: date, lineup: list[SynthPaper], new: set[str]) -> set[str]:
        """Make sure one entry carries a year that lets the parser infer the day's year.

        Returns the titles whose date must show its year although it is the
        current one: only on Dec 31, when no earlier year can give it away.
        """
        low, high = anchor_window(when)
        if low > high:
            same_year = [p for p in lineup if p.published.year == when.year]
            if not same_year:
                index = self._new_index(when, lineup, new)
                lineup[index] = self.with_published(lineup[index], when)
                same_year = [lineup[index]]
            return {same_year[0].title}
        if not any(low <= p.published <= high for p in lineup):
            index = self._new_index(when, lineup, new)
            published = low + timedelta(days=self.rng.randrange((high - low).days + 1))
            lineup[index] = self.with_published(lineup[index], published)
        return set()

    def _new_index(self, when: date, lineup: list[SynthPaper], new: set[str]) -> int:
        """A slot holding a paper new today (made so when there is none): its date is free."""
        index = next((i for i, p in enumerate(lineup) if p.title in new), None)
        if index is None:
            index = len(lineup) - 1
            lineup[index] = self.new_paper(when)
            new.add(lineup[index].title)
        return index

    def day(self, index: int, when: date) -> SynthDay:
        lineup, new = self._lineup(when)
        explicit = self._anchor(when, lineup, new)
        blocks = [*CHROME, f"{calendar.month_abbr[when.month]} {when.day}"]
        for paper in lineup:
            relisted = paper.title not in new
            blocks.extend(self._entry(paper, index, when, relisted, paper.title in explicit))
        return SynthDay(when, "\n\n".join(blocks), tuple(p.title for p in lineup))

    def days(self, count: int) -> Iterator[SynthDay]:
        for index, when in enumerate(weekdays(self.start, count)):
            yield self.day(index, when)

    # -- text ---------------------------------------------------------------
    def _entry(self, paper: SynthPaper, index: int, when: date, relisted: bool,
               year: bool = False) -> list[str]:
        variant = relisted and self.rng.random() < 0.15
        who = f"{paper.org.slug} {paper.org.name_on(index)}" if paper.org else (
            f"  • {paper.authors} author{'s' if paper.authors != 1 else ''}")
        return [paper.title, abstract(paper, variant), f"{who}\n·\n{self._when(paper, when, year)}"]

    def _when(self, paper: SynthPaper, when: date, year: bool = False) -> str:
        """`Oct 4, 2024 2`: the year only for earlier years, upvotes only when not zero."""
        pub = paper.published
        text = f"{calendar.month_abbr[pub.month]} {pub.day}"
        if year or pub.year != when.year:
            text += f", {pub.year}"
        votes = self._upvotes()
        return f"{text} {votes}" if votes else text

    def _upvotes(self) -> int:
        if self.rng.random() < 0.62:
            return 0
        return min(999, int(self.rng.paretovariate(1.1)))


def abstract(paper: SynthPaper, variant: bool = False) -> str:
    """The paper's abstract, the same for the same paper; a variant differs slightly.

    Real days relist a paper with a slightly different abstract now and then
    (a mirror host in a link, an added sentence); `variant` does the same.
    """
    rng = random.Random(paper.seed)
    t1 = THEMES[paper.themes[0]] if paper.themes[0] else GENERIC
    t2 = THEMES[paper.themes[-1]] if paper.themes[-1] else GENERIC
    words = {
        "name": paper.name, "t1": rng.choice(t1), "t2": rng.choice(t2), "g": rng.choice(GENERIC),
        "adj": rng.choice(ADJECTIVES), "module": rng.choice(MODULES), "verb": rng.choice(VERBS),
        "obj": rng.choice(OBJECTS), "n": rng.randrange(8, 900), "k": rng.randrange(3, 30),
        "p": rng.randrange(2, 60), "x": rng.randrange(2, 12), "s1": rng.randrange(1, 8),
        "s2": rng.randrange(13, 72),
    }
    words.update(G_cap=_cap(words["g"]), T1_cap=_cap(words["t1"]))
    target = int(rng.triangular(1280, 1840, 1520))
    middles = [s.format(**words) for s in MIDDLES]
    rng.shuffle(middles)
    sentences = [rng.choice(OPENERS).format(**words), rng.choice(INTROS).format(**words)]
    closer = rng.choice(CLOSERS).format(**words)
    url = _url(rng, paper.name) if rng.random() < URL_SHARE else None
    tail = len(closer) + (len(url) + 40 if url else 0)
    while middles and sum(len(s) + 1 for s in sentences) + tail < target:
        sentences.append(middles.pop())
    sentences.append(closer)
    text = " ".join(sentences)
    if url:
        text += f" Code and models are available at {url}"
    if variant:
        text = text.replace("huggingface.co", "huggingface.selenelake.com")
        text += " An extended version adds results on two more benchmarks."
    return text


def _url(rng: random.Random, name: str) -> str:
    """A code or project link with the trailing punctuation real abstracts have."""
    repo = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-+")).strip("-+")
    user = rng.choice(SYLLABLES).lower().replace("ö", "o") + rng.choice(
        ("", "-lab", "98", "-ai", "X", "-nlp", "-group"))
    return rng.choice((
        f"https://github.com/{user}/{repo}.",
        f"https://github.com/{user}/{repo}.git.",
        f"https://github.com/{user}/{repo}/",
        f"https://{repo.lower()}.github.io.",
        f"https://huggingface.co/{user}/{repo}",
    ))


def write_days(folder: Path, days: list[SynthDay]) -> list[Path]:
    """Each day as `NNNN_<hash>.txt`, named like real scrapes: by hash, not by date."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for number, day in enumerate(days):
        data = day.data
        path = folder / f"{number:04d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        path.write_bytes(data)
        out.append(path)
    return out


def org_pool(days: int) -> int:
    """About one organization per synthetic day: a long tail, as on the hub.

    Capped well below the 5,000-odd slugs the syllables can make.
    """
    return min(3000, max(20, days))

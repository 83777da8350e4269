"""Day pages list their papers by id in rank order: give templates an id lookup.

Pelican runs every generator's context step before any output, and the
generators share one context, so page templates see what articles put here.
"""

from pelican import signals


def _index(generator) -> None:
    generator.context["papers_by_slug"] = {a.slug: a for a in generator.articles}


def register() -> None:
    signals.article_generator_finalized.connect(_index)

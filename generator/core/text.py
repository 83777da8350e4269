"""Scraped text as a reader expects to see it: LaTeX leftovers turned into plain text.

Abstracts and titles come from arXiv sources, so they carry `60\\%`, `\\&` and
`$\\alpha$`. `plain_tex` turns the common ones into the characters they stand
for and leaves everything else exactly as written. It is applied when a page
or a feed shows the text, never to the stored content: ids and the archive
stay the scrape. The result is plain text; templates escape it like any other.
"""

# This module maps TeX to look-alike Unicode characters on purpose.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
         "upsilon", "phi", "chi", "psi", "omega")
SYMBOLS = {
    **dict(zip(GREEK, "αβγδεζηθικλμνξοπρστυφχψω", strict=True)),
    **{name.capitalize(): letter for name, letter in zip(GREEK, "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
                                                         strict=True)},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varsigma": "ς",
    "varrho": "ϱ", "varpi": "ϖ", "ell": "ℓ",
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "ll": "≪", "gg": "≫", "sim": "∼", "approx": "≈", "simeq": "≃", "equiv": "≡",
    "propto": "∝", "rightarrow": "→", "to": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "leftrightarrow": "↔", "uparrow": "↑", "downarrow": "↓", "infty": "∞",
    "ldots": "…", "cdots": "⋯", "dots": "…", "circ": "∘", "degree": "°",
    "in": "∈", "sum": "∑", "prod": "∏", "partial": "∂", "nabla": "∇", "sqrt": "√",
}
# `\%` and friends: the character itself; `\,` and `~` are spaces in TeX
ESCAPES = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
           ",": "\u202f", " ": " "}
SUPERSCRIPT = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
SUBSCRIPT = str.maketrans("0123456789+-=()ijknt", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ᵢⱼₖₙₜ")
SUPERSCRIPT_CHARS = frozenset("0123456789+-=()ni")
SUBSCRIPT_CHARS = frozenset("0123456789+-=()ijknt")

# Outside math: an escaped character, or a `$...$` span (on one line, not too long).
_OUTSIDE = re.compile(r"\\([%&_#$,{}])|\$((?:\\.|[^$\\\n]){1,120}?)\$")
# Inside math: a font or text command around plain text, a command, an escaped
# character, a super/subscript, or plain text.
_PLAIN = r"[A-Za-z0-9 +\-=()\[\].,:;/|!'*]"
_INSIDE = re.compile(
    r"\\(?:math[a-z]+|text[a-z]*|operatorname)\{(" + _PLAIN + r"{1,40})\}"
    r"|\\([A-Za-z]+)|\\([%&_#$,{} ])|([\^_])(?:\{(" + _PLAIN + r"{1,12})\}|([A-Za-z0-9]))"
    r"|(" + _PLAIN + r"+)|(~)"
)


def plain_tex(text: str) -> str:
    """`60\\%`, `\\&`, `$\\alpha$`, `$10^{3}$` as `60%`, `&`, `α`, `10³`; anything else untouched.

    A `$...$` span changes only when all of it is understood and it holds a
    command or a super/subscript: `$5 and $10` and `$<b>$` stay as written.
    """
    if "\\" not in text and "$" not in text:
        return text
    return _OUTSIDE.sub(_outside, text)


def _outside(match: re.Match[str]) -> str:
    if match[1] is not None:
        return ESCAPES[match[1]]
    math = _math(match[2])
    return match[0] if math is None else math


def _math(body: str) -> str | None:
    """A math span's text, or None when any part of it is not understood."""
    out: list[str] = []
    position, marked = 0, False
    for found in _INSIDE.finditer(body):
        if found.start() != position:
            return None
        position = found.end()
        styled, command, escaped, mark, group, single, plain, tilde = found.groups()
        if styled is not None:
            out.append(styled)
            marked = True
        elif command is not None:
            if command not in SYMBOLS:
                return None
            out.append(SYMBOLS[command])
            marked = True
        elif escaped is not None:
            out.append(ESCAPES[escaped])
            marked = True
        elif mark is not None:
            out.append(_script(mark, group if group is not None else single))
            marked = True
        else:
            out.append(plain if plain is not None else " " if tilde else "")
    if position != len(body) or not marked:
        return None
    return "".join(out).strip()


def _script(mark: str, text: str) -> str:
    """`^{2}` as `²` when every character has a Unicode superscript, else `^2` as text."""
    chars, table = ((SUPERSCRIPT_CHARS, SUPERSCRIPT) if mark == "^"
                    else (SUBSCRIPT_CHARS, SUBSCRIPT))
    if text and set(text) <= chars:
        return text.translate(table)
    return mark + text


# a sentence ends at . ! or ? before a capital, unless the word is a common abbreviation
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "cf.", "Fig.", "Eq.", "approx.",
                  "No.", "Sec.")


def clip(text: str, limit: int = 230) -> str:
    """The first sentence or two of `text`, at most `limit` characters, ending in "…" when
    cut: a listing shows what a paper is about without the whole abstract."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    ends = [m.start() for m in _SENTENCE_END.finditer(head)
            if m.start() <= limit - 2 and not head[: m.start()].endswith(_ABBREVIATIONS)]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]] + " …"
    cut = head[:limit].rsplit(" ", 1)[0] if " " in head[:limit] else head[: limit - 1]
    return cut.rstrip(",;:-–— ") + "…"

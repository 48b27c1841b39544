"""TeX math as Unicode text for the terminal: ``\\lambda`` → λ, ``x^2`` → x², ``\\mathbb{R}`` → ℝ.

pylatexenc parses the TeX and names the symbols (its latex2text macro table); the
layout is ours: scripts become Unicode sub- and superscript characters, ``\\frac{a}{b}``
becomes ``a/b`` (with brackets around a part longer than one symbol), ``\\sqrt{x}``
becomes ``√x``, and ``\\mathbb``, ``\\mathcal``, ``\\mathbf``, ``\\mathfrak`` pick the
letters of Unicode's mathematical alphabets.

A formula is converted whole or not at all: :func:`tex_to_unicode` returns None as soon
as one part has no faithful Unicode form (a script Unicode has no characters for, a
matrix, an unknown command), and the caller shows the TeX as it was written. Half a
conversion would show a different formula.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from pylatexenc import latex2text, latexwalker
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexNode,
    LatexSpecialsNode,
    LatexWalker,
    LatexWalkerError,
)
from pylatexenc.macrospec import MacroSpec


class _Unfaithful(Exception):
    """Some part of the formula has no faithful Unicode form."""


_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ'*",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ′*",
        strict=True,
    )
)
_SUPERSCRIPTS.update({"−": "⁻", "′": "′", "″": "″", "ϕ": "ᵠ", "ϑ": "ᶿ", "ϵ": "ᵋ"})

_SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
_SUBSCRIPTS.update({"−": "₋", "ϕ": "ᵩ", "ϐ": "ᵦ"})  # TeX's \phi is ϕ, Unicode's script φ


def _alphabet(capitals: int, small: int | None, holes: dict[str, str]) -> dict[str, str]:
    """A mathematical alphabet: A–Z from *capitals*, a–z from *small*, *holes* filled in."""
    letters = {chr(ord("A") + n): chr(capitals + n) for n in range(26)}
    if small is not None:
        letters.update({chr(ord("a") + n): chr(small + n) for n in range(26)})
    letters.update(holes)
    return letters


# Unicode left out the letters that existed before the mathematical alphabets (ℝ, ℒ):
# those are the holes, filled with the older characters.
_FONTS: dict[str, dict[str, str]] = {
    "mathbb": {
        **_alphabet(
            0x1D538,
            0x1D552,
            {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"},
        ),
        **{str(n): chr(0x1D7D8 + n) for n in range(10)},
    },
    "mathcal": _alphabet(
        0x1D49C,
        None,
        {
            "B": "ℬ",
            "E": "ℰ",
            "F": "ℱ",
            "H": "ℋ",
            "I": "ℐ",
            "L": "ℒ",
            "M": "ℳ",
            "R": "ℛ",
        },
    ),
    "mathfrak": _alphabet(0x1D504, 0x1D51E, {"C": "ℭ", "H": "ℌ", "I": "ℑ", "R": "ℜ", "Z": "ℨ"}),
    "mathbf": {
        **_alphabet(0x1D400, 0x1D41A, {}),
        **{str(n): chr(0x1D7CE + n) for n in range(10)},
    },
}
_FONTS["mathscr"] = _FONTS["mathcal"]
_FONTS["boldsymbol"] = _FONTS["bm"] = _FONTS["mathbf"]

_PLAIN = frozenset(
    "mathrm text textrm textup mathit textit mathsf textsf mathtt texttt mbox operatorname"
    " textnormal mathnormal textbf".split()
)
"""Commands whose argument is shown as plain text (the terminal has one font)."""

_ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "vec": "\u20d7",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "dot": "\u0307",
    "ddot": "\u0308",
}
"""Accents, as combining characters on a single symbol."""

_DROPPED = frozenset(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr"
    " displaystyle textstyle scriptstyle limits nolimits".split()
)
"""Commands that only size or place what follows."""

_SPACES = {",": " ", ":": " ", ";": " ", " ": " ", "quad": "  ", "qquad": "    ", "!": ""}

_OPERATORS = frozenset("arg cot csc deg det dim gcd hom ker lg Pr sec".split())
"""Operator names pylatexenc's table lacks; they show as their name."""

_OPENING = frozenset("lVert lvert lfloor lceil langle lbrace lbrack".split())
"""Opening delimiters, which the space typed after them does not part from what they open."""

_ESCAPED = frozenset("%&#$_{}")

_ROOTS = {"": "√", "2": "√", "3": "∛", "4": "∜"}

_CHARACTERS = {"-": "−", "*": "∗", "'": "′", "~": " "}
"""Characters math typesets differently from text (a minus is not a hyphen)."""


def tex_to_unicode(tex: str) -> str | None:
    """The formula *tex* (without its ``$``) as Unicode text, or None when not faithful."""
    try:
        walker = LatexWalker(tex, latex_context=_syntax(), tolerant_parsing=False)
        nodes = walker.get_latex_nodes()[0]
        text = _render(nodes or [])
    except (_Unfaithful, LatexWalkerError, RecursionError):
        return None
    text = " ".join(text.split())
    if not text or "\\" in text:
        return None
    return text


@cache
def _syntax() -> Any:
    """Which commands take arguments, for the parser (pylatexenc's, and a few more)."""
    syntax = latexwalker.get_default_latex_context_db()
    syntax.add_context_category(
        "flashgen",
        macros=[
            MacroSpec(name, "*{" if name == "operatorname" else "{")
            for name in ("operatorname", "boldsymbol", "bm", "textnormal")
        ]
        + [MacroSpec(name, "{{") for name in ("dfrac", "tfrac")],
        prepend=True,
    )
    return syntax


@cache
def _symbols() -> Any:
    """What each command shows as text (pylatexenc's latex2text table)."""
    return latex2text.get_default_latex_context_db()


def _render(nodes: Sequence[LatexNode]) -> str:
    """Render a node list; scripts take the item after ``^`` or ``_``."""
    items = list(_items(nodes))
    parts: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if isinstance(item, LatexMacroNode) and item.macroname in ("left", "right"):
            if index < len(items) and items[index] == ".":
                index += 1  # an empty delimiter
            continue
        if isinstance(item, str) and item in "^_":
            while index < len(items) and _is_space(items[index]):
                index += 1
            if index == len(items):
                raise _Unfaithful
            table = _SUPERSCRIPTS if item == "^" else _SUBSCRIPTS
            parts.append(_script(_render_item(items[index]), table))
            index += 1
        else:
            parts.append(_render_item(item))
    return "".join(parts)


def _is_space(item: str | LatexNode) -> bool:
    return isinstance(item, str) and item.isspace()


def _items(nodes: Sequence[LatexNode]) -> Iterator[str | LatexNode]:
    """Nodes with their characters one by one, so that ``x^2y`` scripts only the 2."""
    for node in nodes:
        if isinstance(node, LatexCharsNode):
            yield from node.chars
        elif isinstance(node, LatexSpecialsNode):
            yield from node.specials_chars
        else:
            yield node


def _render_item(item: str | LatexNode) -> str:
    if isinstance(item, str):
        if item in "&#$":
            raise _Unfaithful  # alignment, parameters: no linear form
        return " " if item.isspace() else _CHARACTERS.get(item, item)
    if isinstance(item, LatexGroupNode):
        return _render(item.nodelist)
    if isinstance(item, LatexMacroNode):
        space = item.macro_post_space and item.macroname not in _OPENING
        return _macro(item) + (" " if space else "")
    raise _Unfaithful  # environments (matrices, cases), nested math, comments


def _script(text: str, table: dict[str, str]) -> str:
    text = text.strip()
    if not text or any(char not in table for char in text if not char.isspace()):
        raise _Unfaithful
    return "".join(table.get(char, "") for char in text)


def _arguments(node: LatexMacroNode) -> list[LatexNode | None]:
    return list(node.nodeargd.argnlist) if node.nodeargd is not None else []


def _macro(node: LatexMacroNode) -> str:
    name = str(node.macroname)
    arguments = _arguments(node)
    present = [argument for argument in arguments if argument is not None]
    if name in _ESCAPED or name in _OPERATORS:
        return name
    if name in _SPACES:
        return _SPACES[name]
    if name in _DROPPED:
        return ""
    if name in ("frac", "dfrac", "tfrac") and len(present) == 2:
        return f"{_bracketed(_node(present[0]))}/{_bracketed(_node(present[1]))}"
    if name == "sqrt" and len(arguments) == 2 and arguments[1] is not None:
        degree = "" if arguments[0] is None else _node(arguments[0]).strip()
        if degree not in _ROOTS:
            raise _Unfaithful
        return _ROOTS[degree] + _bracketed(_node(arguments[1]))
    if name in _FONTS and len(present) == 1:
        return _font(_node(present[0]), _FONTS[name])
    if name in _PLAIN and len(present) == 1:
        return _node(present[0])
    if name in _ACCENTS and len(present) == 1:
        base = _node(present[0]).strip()
        if len(base) != 1:
            raise _Unfaithful
        return base + _ACCENTS[name]
    if present:
        raise _Unfaithful
    return _symbol(name)


def _node(node: LatexNode) -> str:
    return _render_item(node) if not isinstance(node, LatexCharsNode) else _render([node])


def _symbol(name: str) -> str:
    """A command without arguments: the symbol pylatexenc's table names, or nothing."""
    spec = _symbols().get_macro_spec(name)
    replacement = getattr(spec, "simplify_repl", None)
    if not isinstance(replacement, str) or "%" in replacement or not replacement.strip():
        raise _Unfaithful
    return str(replacement)


def _bracketed(text: str) -> str:
    """*text* in brackets when an operator outside brackets would bind it wrongly."""
    text = text.strip()
    depth = 0
    for char in text:
        depth += (char in "([{⟨") - (char in ")]}⟩")
        if depth == 0 and (char.isspace() or char in _LOOSE):
            return f"({text})"
    return text


_LOOSE = frozenset("+-−=<>≤≥≠≈±∓·×∗/,;:|→←↔∈∉⊂⊆∪∩")
"""Operators that bind less tightly than juxtaposition: ``a+b`` over ``c`` needs brackets."""


def _font(text: str, letters: dict[str, str]) -> str:
    if any(char not in letters for char in text if not char.isspace()):
        raise _Unfaithful
    return "".join(letters.get(char, char) for char in text)

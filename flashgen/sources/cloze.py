"""Cloze deletions, shared by the sources that read them (spaced repetition, Obsidian_to_Anki)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from flashgen.markdown.source import Delimited, list_marker

_CURLY_CLOZE = Delimited(
    re.compile(r"\{\{c(\d+)::(.+?)(?:::([^{}]*?))?\}\}", re.DOTALL),
    re.compile(r"\}\}"),
    multiline=True,
)


@dataclass(frozen=True, slots=True)
class Deletion:
    """One cloze deletion in a card's Markdown text."""

    start: int
    """Offset of its first character, markup included."""
    end: int
    """Offset just past its last character, markup (and hint) included."""
    text: str
    """The Markdown it hides."""
    hint: str
    """What the front shows instead (``[hint]``); empty for ``[...]``."""
    group: str
    """Deletions sharing a group are hidden on one card (Anki's ``c1``)."""


def curly_deletions(text: str, masked: str | None = None) -> list[Deletion]:
    """The ``{{c1::text}}`` / ``{{c1::text::hint}}`` deletions of *text*, grouped by number.

    *masked* is *text* with the parts that cannot hold a deletion (code, math) blanked
    out, offset for offset; by default nothing is.
    """
    return [
        Deletion(m.start(), m.end(), text[m.start(2) : m.end(2)], m[3] or "", f"c{m[1]}")
        for m in _CURLY_CLOZE.finditer(text if masked is None else masked)
    ]


MAX_CLOZE_CHARACTERS = 5_000_000
"""Most characters the cloze cards of one text may hold together, each holding the whole
text: a pasted log full of ``==`` would make thousands of cards of a megabyte each."""


def cloze_overflow(text: str, cards: int) -> str | None:
    """Why *text* makes none of its *cards* cloze cards, or None when they are not too large."""
    total = len(text) * cards
    if total <= MAX_CLOZE_CHARACTERS:
        return None
    return (
        f"{cards:,} cloze deletions in a text of {len(text):,} characters would make cards of"
        f" {total:,} characters in all (at most {MAX_CLOZE_CHARACTERS:,}); no cloze card is"
        " made from it: split it with blank lines"
    )


def cloze_groups(deletions: list[Deletion]) -> list[list[Deletion]]:
    """The deletions one card each hides, in order of first appearance."""
    groups: dict[str, list[Deletion]] = {}
    for deletion in deletions:
        groups.setdefault(deletion.group, []).append(deletion)
    return list(groups.values())


def cloze_sides(text: str, deletions: list[Deletion], group: str) -> tuple[str, str]:
    """Front and back of the card that asks for *group*.

    The front hides the group's deletions as ``[...]`` (or ``[hint]``), the back shows
    them highlighted; every other deletion is plain text on both sides.
    """
    front: list[str] = []
    back: list[str] = []
    last = 0
    for deletion in sorted(deletions, key=lambda d: d.start):
        front.append(text[last : deletion.start])
        back.append(text[last : deletion.start])
        if deletion.group == group:
            front.append(f"[{deletion.hint or '...'}]")
            back.append(f"=={deletion.text}==")
        else:
            front.append(deletion.text)
            back.append(deletion.text)
        last = deletion.end
    front.append(text[last:])
    back.append(text[last:])
    return "".join(front), "".join(back)


def cloze_passage(text: str, deletions: list[Deletion]) -> str:
    """*text* with its deletions in Anki's syntax, ``{{cN::text}}`` or ``{{cN::text::hint}}``.

    N is the deletion's card in :func:`cloze_groups` order (1 for the first card): the
    Anki writer gives each card its lasting number. ``}}`` inside a deletion (math such
    as ``x^{a_{b}}``) would end Anki's cloze early, so it gets a space: ``} }``.
    """
    numbers: dict[str, int] = {}
    for deletion in deletions:
        numbers.setdefault(deletion.group, len(numbers) + 1)
    parts: list[str] = []
    last = 0
    for deletion in sorted(deletions, key=lambda d: d.start):
        hidden = deletion.text.replace("}}", "} }")
        hint = deletion.hint.replace("}}", "} }").replace("::", ": :")
        parts.append(text[last : deletion.start])
        parts.append(f"{{{{c{numbers[deletion.group]}::{hidden}{'::' + hint if hint else ''}}}}}")
        last = deletion.end
    parts.append(text[last:])
    return "".join(parts)


PASSAGE = "cloze"
"""``Card.extra`` key of a cloze card's passage, as :func:`cloze_passage` writes it."""
PASSAGE_CARD = "cloze_card"
"""``Card.extra`` key of the number of the card within its passage (``"1"`` first)."""
BACK_EXTRA = "cloze_back_extra"
"""``Card.extra`` key of the text shown below the passage on the back (O2A's Back Extra)."""


def cloze_extra(passage: str, index: int, back_extra: str = "") -> tuple[tuple[str, str], ...]:
    """The ``Card.extra`` of the *index*-th card (0 for the first) of a cloze *passage*."""
    extra = ((PASSAGE, passage), (PASSAGE_CARD, str(index + 1)))
    return (*extra, (BACK_EXTRA, back_extra)) if back_extra else extra


# --- which part of a passage a card shows -------------------------------------------


def list_items(texts: list[str]) -> tuple[int, list[range]] | None:
    """For card lines that form a list of two or more items: how many lines lead in, and
    each top-level item's lines; None for lines that are no such list."""
    starts = [i for i, text in enumerate(texts) if list_marker(text)]
    if len(starts) < 2:
        return None
    indent = min(len(texts[i]) - len(texts[i].lstrip()) for i in starts)
    tops = [i for i in starts if len(texts[i]) - len(texts[i].lstrip()) == indent]
    if len(tops) < 2:
        return None
    bounds = [*tops, len(texts)]
    return tops[0], [range(a, b) for a, b in itertools.pairwise(bounds)]


def pick_lines(text: str, chosen: list[int]) -> str:
    """The lines *chosen* (0-based, in order) of *text*."""
    lines = text.split("\n")
    return "\n".join(lines[i] for i in chosen)


def hide_in(heading: str, hidden: tuple[str, ...]) -> str:
    """*heading* with each of the *hidden* texts (as plain text) shown as ``[...]``."""
    for text in hidden:
        plain = text.strip("*_=~` ")
        if plain:
            heading = re.sub(re.escape(plain), "[...]", heading, flags=re.IGNORECASE)
    return heading

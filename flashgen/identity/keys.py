"""Deriving card ids from their keys: what identifies a card within its note.

A card's key comes from its source: an explicit id the user wrote (an Obsidian block id
``^my-id``, read from the parser's tokens, or an Obsidian_to_Anki ``<!--ID: …-->``) as
``("block", id, …)`` or ``("o2a", id, …)``, else the kind and identifying text.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from flashgen.identity.ledger import EXPLICIT_KEYS
from flashgen.model import Card, Diagnostic

ID_LENGTH = 16
"""Hex digits in a card id."""


def derive_id(note: str, key: tuple[str, ...]) -> str:
    """The id derived from a note path and a card key (whitespace and case folded).

    An explicit key (``("block", id)``, ``("o2a", id)``) ignores the note, so the id
    survives a rename.
    """
    if key and key[0] in EXPLICIT_KEYS:
        note = ""
    material = "\x1f".join((note, *(" ".join(part.split()).casefold() for part in key)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:ID_LENGTH]


def derive_ids(cards: Iterable[Card]) -> tuple[list[Card], list[Diagnostic]]:
    """Give cards their derived ids; a card repeated in its note gets a numbered one.

    A repeat is reported as a warning, and numbered in order: its id then depends on
    how many equal cards come before it.
    """
    seen: dict[tuple[str, str], int] = {}
    result: list[Card] = []
    diagnostics: list[Diagnostic] = []
    for card in cards:
        key = card.key
        card_id = derive_id(card.note, key)
        count = seen.get((card.note, card_id), 0)
        seen[(card.note, card_id)] = count + 1
        if count:
            diagnostics.append(
                Diagnostic(
                    card.note,
                    card.line,
                    "warning",
                    f"the same {card.kind} card appears {count + 1} times in this note;"
                    " remove the repeat or reword it",
                )
            )
            card_id = derive_id(card.note, (*key, f"#{count + 1}"))
        result.append(dataclasses.replace(card, id=card_id))
    return result, diagnostics

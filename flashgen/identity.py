"""Card identity: a stable id per card, the Anki GUID and the review-store key.

The id hashes the note's path with the key extraction gave the card (its kind and
front, or a comparison's names, item and fact), never line numbers, so moving a card
within its note keeps its id.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from flashgen.model import Card, Diagnostic

ID_LENGTH = 16


def derive_id(note: str, key: tuple[str, ...]) -> str:
    """The id derived from a note path and a card key (whitespace and case folded)."""
    material = "\x1f".join((note, *(" ".join(part.split()).casefold() for part in key)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:ID_LENGTH]


def assign_ids(cards: Iterable[Card]) -> tuple[list[Card], list[Diagnostic]]:
    """Give every card its id; a repeated card in one note gets a numbered one and a warning."""
    seen: dict[str, int] = {}
    result: list[Card] = []
    diagnostics: list[Diagnostic] = []
    for card in cards:
        card_id = derive_id(card.note, card.key)
        count = seen.get(card_id, 0)
        seen[card_id] = count + 1
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
            card_id = derive_id(card.note, (*card.key, f"#{count + 1}"))
        result.append(dataclasses.replace(card, id=card_id))
    return result, diagnostics

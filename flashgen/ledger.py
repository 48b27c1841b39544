"""The ledger: the ids the previous build gave, so that edited cards keep theirs.

It lives in ``<vault>/.flashgen/ledger.pickle`` and, unlike the cache, is state: it
remembers the id each edited, renamed or moved card inherited. Deleting it is harmless
for cards never edited (their ids are derived again from their content) but gives the
edited ones new ids, which Anki and the review store would see as new cards.

For each note it keeps the stable id and the derived id of each card, in order; what the
cards said comes from the cache, which the identity stage reads for the notes that
changed. Removed cards are kept whole, :data:`REMOVED_RETENTION` seconds: they take
their id back should they return, and the Anki export keeps them, tagged, meanwhile.

File layout (a state file, see :func:`flashgen.cache.save_state`): header ``{"format":
"flashgen-ledger", "version": 2, "generation": str, "crc": int}``; body ``{"notes":
{note path: (stable ids, derived ids)}, "removed": {stable id: (derived id, removed at,
card record or None)}}``, ids joined by NUL, card records as in the cache.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flashgen.cache import Record, StateError, load_state, save_state
from flashgen.model import Diagnostic

LEDGER_NAME = "ledger.pickle"
FORMAT = "flashgen-ledger"
VERSION = 2
REMOVED_RETENTION = 90 * 24 * 3600.0
"""Seconds a removed card is remembered (and exported tagged ``flashgen::removed``)."""

_RECORD_FIELDS = 12


@dataclass(slots=True)
class Ledger:
    """The ids of the previous build's cards by note, and the cards removed since."""

    notes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Note path → (stable ids, derived ids) of its cards in order, each joined by NUL."""
    removed: dict[str, tuple[str, float, Record | None]] = field(default_factory=dict)
    """Stable id → (derived id, when it vanished, its last record if known)."""
    generation: str = ""
    """A new random token at each save ('' for a ledger never saved)."""


def load_ledger(folder: Path) -> tuple[Ledger, list[Diagnostic]]:
    """The ledger in *folder*; an empty one when missing or, with a warning, unreadable."""
    path = folder / LEDGER_NAME
    if not path.exists():
        return Ledger(), []
    try:
        header, body = load_state(path)
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise StateError("not a flashgen ledger of this version")
        generation = header.get("generation")
        if not isinstance(generation, str) or not isinstance(body, dict):
            raise StateError("malformed")
        ledger = Ledger(_notes(body.get("notes")), _removed(body.get("removed")), generation)
    except StateError as err:
        return Ledger(), [
            Diagnostic(
                f".flashgen/{LEDGER_NAME}",
                0,
                "warning",
                f"the id ledger cannot be read ({err}); it is started afresh, so cards"
                " edited before now may get new ids",
            )
        ]
    return ledger, []


def save_ledger(folder: Path, ledger: Ledger) -> str:
    """Write *ledger* atomically into *folder*; return (and set) its new generation.

    Raises ``OutputError`` when the file cannot be written.
    """
    generation = secrets.token_hex(8)
    header = {"format": FORMAT, "version": VERSION, "generation": generation}
    save_state(folder / LEDGER_NAME, header, {"notes": ledger.notes, "removed": ledger.removed})
    ledger.generation = generation
    return generation


def _notes(value: object) -> dict[str, tuple[str, str]]:
    if not isinstance(value, dict):
        raise StateError("notes missing")
    for note, entry in value.items():
        if not (
            isinstance(note, str)
            and isinstance(entry, tuple)
            and len(entry) == 2
            and all(isinstance(ids, str) for ids in entry)
            and entry[0].count("\0") == entry[1].count("\0")
        ):
            raise StateError("a note is malformed")
    return value


def _removed(value: object) -> dict[str, tuple[str, float, Record | None]]:
    if not isinstance(value, dict):
        raise StateError("removed cards missing")
    for stable, entry in value.items():
        if not (
            isinstance(stable, str)
            and isinstance(entry, tuple)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and isinstance(entry[1], float)
            and (entry[2] is None or _is_record(entry[2]))
        ):
            raise StateError("a removed card is malformed")
    return value


def _is_record(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == _RECORD_FIELDS

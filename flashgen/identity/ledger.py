"""The ledger: the ids the previous build gave, and what each card said, so that edited
cards keep their ids.

It lives in ``<vault>/.flashgen/ledger.pickle`` (the build stage reads and writes the
file) and, unlike the cache, is state: it remembers the id each edited, renamed or moved
card inherited. It stands on its own: for every card it keeps the texts that matching
compares (the identifying text, the front and the back, normalised), so deleting the
build cache or the files beside the deck never changes an id. Deleting the ledger
itself is harmless for cards never edited (their ids are derived again from their
content) but gives the edited ones new ids, which Anki and the review store would see
as new cards.

Removed cards are kept whole, :data:`REMOVED_RETENTION` seconds: they take their id
back should they return, and the Anki export keeps them, tagged, meanwhile.

Plain layout (the body of a state file, version 3): ``{"notes": {note path: (stable
ids, derived ids, texts)}, "removed": {stable id: (derived id, removed at, card record
or None)}}``; ids joined by NUL; texts one :func:`card_texts` per card joined by
``\\x1e`` (``""`` for a note saved by a version-2 ledger, which had none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flashgen.model import Card, CardKind, Record

FORMAT = "flashgen-ledger"
VERSION = 3
READABLE_VERSIONS = frozenset({2, 3})
"""Version 2 kept no texts; its notes are read with texts unknown, and filled in."""
REMOVED_RETENTION = 90 * 24 * 3600.0
"""Seconds a removed card is remembered (and exported tagged ``flashgen::removed``)."""
SEPARATOR = "\0"
"""Between the ids of a note's cards."""
EXPLICIT_KEYS = frozenset({"block", "o2a"})
"""First key parts that mark an id the user gave the card."""

_FIELD = "\x1f"
_CARD = "\x1e"
# Both are whitespace to str.split(), so normalised text never holds them.


def split_ids(joined: str) -> list[str]:
    """The ids of a joined id list ('' is no id at all)."""
    return joined.split(SEPARATOR) if joined else []


def id_count(joined: str) -> int:
    """How many ids a joined id list holds."""
    return joined.count(SEPARATOR) + 1 if joined else 0


def normal(text: str) -> str:
    """*text* with its spacing folded and its case ignored, as matching compares it."""
    return " ".join(text.split()).casefold()


def match_text(card: Card) -> str:
    """What identifies a card when matching: its key's text, or the front for an explicit id."""
    key = card.key
    if len(key) < 2 or key[0] in EXPLICIT_KEYS:
        return normal(card.front)
    return normal(" ".join(key[1:]))


@dataclass(frozen=True, slots=True)
class Texts:
    """What the ledger keeps of one card for matching."""

    kind: str
    """The card's kind."""
    line: int
    """Its line in its note."""
    text: str
    """Its identifying text (:func:`match_text`)."""
    front: str
    """Its front, normalised."""
    back: str
    """Its back, normalised."""

    @classmethod
    def of(cls, card: Card) -> Texts:
        """The texts of *card*."""
        return cls(
            card.kind.value, card.line, match_text(card), normal(card.front), normal(card.back)
        )

    def encode(self) -> str:
        """One card's entry in a note's texts."""
        return _FIELD.join((self.kind, str(self.line), self.text, self.front, self.back))


def card_texts(cards: Iterator[Card] | list[Card]) -> str:
    """The texts of a note's cards, as the ledger keeps them."""
    return _CARD.join(Texts.of(card).encode() for card in cards)


def decode_texts(joined: str, count: int) -> list[Texts] | None:
    """The texts of a note's *count* cards; None when unknown (an old ledger) or damaged."""
    if not joined:
        return None
    parts = joined.split(_CARD)
    if len(parts) != count:
        return None
    found: list[Texts] = []
    for part in parts:
        fields = part.split(_FIELD)
        if len(fields) != 5 or not fields[1].isdigit() or fields[0] not in _KINDS:
            return None
        found.append(Texts(fields[0], int(fields[1]), fields[2], fields[3], fields[4]))
    return found


_KINDS = frozenset(kind.value for kind in CardKind)


@dataclass(frozen=True, slots=True)
class NoteIds:
    """The ledger's line for one note: its cards' ids and texts, in order."""

    stables: str
    """The stable id of each card, joined by NUL."""
    deriveds: str
    """The derived id of each card (``identity.keys.derive_ids``), joined by NUL."""
    texts: str = ""
    """:func:`card_texts` of the cards; ``""`` when unknown."""

    def complete(self) -> bool:
        """True when the texts of every card are known (by their shape: a build asks this
        of every note, and :func:`decode_texts` still checks them when they are read)."""
        if not self.stables:
            return True
        count = id_count(self.stables)
        return (
            bool(self.texts)
            and self.texts.count(_CARD) == count - 1
            and self.texts.count(_FIELD) == 4 * count
        )


@dataclass(frozen=True, slots=True)
class Removed:
    """A card gone from the notes, remembered for a while."""

    derived: str
    """Its derived id."""
    at: float
    """When it vanished (seconds since the epoch)."""
    record: Record | None
    """Its last content (``Card.to_record``), when known."""

    def card(self) -> Card | None:
        """The card as it last was, or None when unknown or unreadable."""
        if self.record is None:
            return None
        try:
            return Card.from_record(self.record)
        except ValueError:
            return None


@dataclass(slots=True)
class Ledger:
    """The ids of the previous build's cards by note, and the cards removed since."""

    notes: dict[str, NoteIds] = field(default_factory=dict)
    """Note path → its cards' ids and texts."""
    removed: dict[str, Removed] = field(default_factory=dict)
    """Stable id → the removed card."""

    def to_plain(self) -> dict[str, Any]:
        """The ledger as plain values (the body of its state file)."""
        return {
            "notes": {
                note: (ids.stables, ids.deriveds, ids.texts) for note, ids in self.notes.items()
            },
            "removed": {
                stable: (gone.derived, gone.at, gone.record)
                for stable, gone in self.removed.items()
            },
        }

    @classmethod
    def from_plain(cls, body: object, version: int) -> Ledger:
        """The ledger :meth:`to_plain` made (or a version-2 one); ``ValueError`` if malformed."""
        if not isinstance(body, dict):
            raise ValueError("malformed")
        notes = _notes(body.get("notes"), version)
        return cls(notes, _removed(body.get("removed"), version))


def _notes(value: object, version: int) -> dict[str, NoteIds]:
    if not isinstance(value, dict):
        raise ValueError("notes missing")
    notes: dict[str, NoteIds] = {}
    size = 3 if version >= 3 else 2
    for note, entry in value.items():
        if not (
            isinstance(note, str)
            and isinstance(entry, tuple)
            and len(entry) == size
            and all(isinstance(part, str) for part in entry)
            and id_count(entry[0]) == id_count(entry[1])
        ):
            raise ValueError("a note is malformed")
        notes[note] = NoteIds(*entry)
    return notes


def _removed(value: object, version: int) -> dict[str, Removed]:
    if not isinstance(value, dict):
        raise ValueError("removed cards missing")
    removed: dict[str, Removed] = {}
    for stable, entry in value.items():
        if not (
            isinstance(stable, str)
            and isinstance(entry, tuple)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and isinstance(entry[1], float)
            and (entry[2] is None or isinstance(entry[2], tuple))
        ):
            raise ValueError("a removed card is malformed")
        record = entry[2]
        if version == 2 and record is not None and len(record) == 12:
            record = (*record[:11], None, "", record[11])  # version 2: no history, no family
        removed[stable] = Removed(entry[0], entry[1], record)
    return removed

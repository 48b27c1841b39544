"""The change report: the cards a deck gained, changed and lost since the last one.

A deck's state (``outputs``) keeps each note's cards under the note's key (``CardGroup.
key``) as one pickled blob: a note whose key and images are those of the last deck is
unchanged as a whole, without decoding anything; the cards of the other notes are
compared one by one with the last deck's notes that found no such match. The changes
themselves are made when they are read (:class:`Changes`): a first build's 110,000 new
cards are never all at hand at once.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

from flashgen.build.cache import PRINT_SIZE
from flashgen.build.state import StateError, plain_loads
from flashgen.model import Card, CardKind

if TYPE_CHECKING:  # outputs imports this module
    from flashgen.build.outputs import CardGroup

Mark = Literal["+", "~", "-"]
Held = dict[bytes, bytes]
"""A note's cards' key (``CardGroup.key``) → those cards in a deck, as a pickled tuple of
``(id, fingerprint, note, line, kind, front, media)``, one per card: a rebuild copies the
bytes of the notes that did not change, and decodes none of them."""
Stamps = dict[str, bytes]
"""Vault path → its file's stamp (``repr`` of a ``FileStamp``), for the images of a deck."""
_HeldCard = tuple[str, bytes, str, int, str, str, tuple[str, ...]]
_KINDS = frozenset(kind.value for kind in CardKind)
_SAME = " "
"""The mark of a card of a changed note that did not change itself."""


@dataclass(frozen=True, slots=True)
class CardChange:
    """A card added (``+``), changed (``~``) or removed (``-``) since the previous deck."""

    mark: Mark
    """What happened to it."""
    card: Card
    """The card's id, kind, front, note and line (what a report shows of it); a removed
    card the deck still carries, whole, as it last was."""


@dataclass(frozen=True, slots=True)
class _Changed:
    """A note whose cards differ from the last deck's: each card's mark, in order."""

    group: CardGroup
    marks: str
    """``+``, ``~`` or ``_SAME`` for each card."""


class Changes(Sequence[CardChange]):
    """The changes since the last deck, in note order, the removed cards last; each made
    from its note's cards' briefs when it is read."""

    def __init__(self, changed: Sequence[_Changed] = (), removed: Sequence[CardChange] = ()):
        self._changed = tuple(changed)
        self._removed = tuple(removed)
        self._counts = Counter(mark for one in self._changed for mark in one.marks)
        self._counts["-"] = len(self._removed)

    def marked(self, mark: Mark) -> int:
        """How many changes carry *mark*."""
        return self._counts[mark]

    def __iter__(self) -> Iterator[CardChange]:
        for one in self._changed:
            for brief, mark in zip(one.group.briefs(), one.marks, strict=True):
                if mark != _SAME:
                    card_id, note, line, kind, front, _deck, _media = brief
                    card = Card(card_id, CardKind(kind), front, "", note, line)
                    yield CardChange(mark, card)  # type: ignore[arg-type]  # "+" or "~"
        yield from self._removed

    def __len__(self) -> int:
        return self._counts["+"] + self._counts["~"] + len(self._removed)

    @overload
    def __getitem__(self, index: int) -> CardChange: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CardChange]: ...
    def __getitem__(self, index: int | slice) -> CardChange | Sequence[CardChange]:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to other sequences: not hashable

    def __repr__(self) -> str:
        return f"Changes({list(self)!r})"


def changes_since(
    groups: Sequence[CardGroup],
    before: Held,
    images: Stamps,
    stamps: Stamps,
    kept: Sequence[Card],
) -> tuple[Changes, int, list[tuple[bytes, bytes | CardGroup]]]:
    """What changed in the notes *groups* since the deck whose state held *before* (and
    its images' stamps *images*), with the images' stamps now *stamps*: the changes, how
    many cards are unchanged, and what the new deck holds, note by note: the blob the
    last deck held, or the group to make it of (:func:`held_blob`), so that a first
    build's blobs are not all in memory while the deck is written. *kept* are the removed
    cards the deck still carries, whole.
    """
    holds: list[tuple[bytes, bytes | CardGroup]] = []
    fresh: list[tuple[bytes, CardGroup]] = []
    matched: set[bytes] = set()
    unchanged = 0
    for group in groups:
        key = group.key()
        known = before.get(key)
        if known is not None and all(images.get(path) == stamps.get(path) for path in group.media):
            holds.append((key, known))
            matched.add(key)
            unchanged += len(group.ids)
        else:
            holds.append((key, group))
            fresh.append((key, group))
    olds: dict[str, _HeldCard] = {}
    for key, known in before.items():
        if key not in matched:
            olds.update((card[0], card) for card in _held_cards(known))
    changed: list[_Changed] = []
    for _key, group in fresh:
        marks = []
        for index, (card_id, *_brief, media) in enumerate(group.briefs()):
            old = olds.pop(card_id, None)
            if old is None:
                marks.append("+")
            elif old[1] != group.prints[index * PRINT_SIZE : (index + 1) * PRINT_SIZE] or any(
                images.get(path) != stamps.get(path) for path in media
            ):
                marks.append("~")
            else:
                marks.append(_SAME)
                unchanged += 1
        changed.append(_Changed(group, "".join(marks)))
    last = {card.id: card for card in kept}
    removed = [
        CardChange("-", last.get(card_id) or Card(card_id, CardKind(kind), front, "", note, line))
        for card_id, _mark, note, line, kind, front, _media in olds.values()
    ]
    return Changes(changed, removed), unchanged, holds


def held_blob(group: CardGroup) -> bytes:
    """The blob a deck's state keeps of the cards of *group* (see :data:`Held`)."""
    prints = group.prints
    return pickle.dumps(
        tuple(
            (card_id, prints[index * PRINT_SIZE : (index + 1) * PRINT_SIZE], *brief, media)
            for index, (card_id, *brief, _deck, media) in enumerate(group.briefs())
        ),
        protocol=5,
    )


def _held_cards(known: bytes) -> tuple[_HeldCard, ...]:
    """The cards of one note in a deck state (see :data:`Held`); none when malformed."""
    try:
        cards = plain_loads(known)
    except StateError:
        return ()
    if not isinstance(cards, tuple) or not all(
        isinstance(card, tuple) and len(card) == 7 and card[4] in _KINDS for card in cards
    ):
        return ()
    return cards

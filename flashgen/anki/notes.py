"""Anki notes made from cards: their note type, GUID, fields, tags, deck and ``mod``.

This is what any writer of notes shares: the package writer (:mod:`.package`) turns
these notes into genanki's and a file, the sync writes them into a collection. Each
note's ``mod`` is when its content last changed (see :mod:`.note_state`), so that
Anki, which updates a note only when the incoming one is newer, keeps the edits made
to every other note in Anki.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

from flashgen.anki.note_state import NoteState
from flashgen.anki.notetypes import CLOZE, COMPARISON, QA, REVERSIBLE, NoteType
from flashgen.anki.render_cache import _Renderer
from flashgen.build.outputs import REMOVED_TAG
from flashgen.model import Card, CardKind, SrHistory
from flashgen.sources.cloze import BACK_EXTRA, PASSAGE, PASSAGE_CARD, hide_in

DEFAULT_DECK = "flashgen"
"""Deck of the cards that name none."""


@dataclass(frozen=True, slots=True)
class Note:
    """One Anki note, ready to write."""

    guid: str
    """Its GUID: how Anki recognises it on the next import or sync."""
    note_type: NoteType
    """Its note type."""
    fields: tuple[str, ...]
    """Its fields' HTML, in the note type's order."""
    tags: tuple[str, ...]
    """Its Anki tags."""
    deck: str
    """The deck of its cards."""
    mod: int
    """When its content last changed (seconds since the epoch)."""
    cards: tuple[tuple[int, str], ...]
    """(card ordinal, flashgen card id) of each of its cards: the template's index, or
    the cloze number less one."""
    history: tuple[tuple[int, SrHistory], ...] = ()
    """(card ordinal, review history) of the cards that bring one."""


@dataclass(slots=True)
class NoteMaker:
    """Makes the notes of cards, rendering their fields and keeping their times."""

    media_names: Mapping[str, str]
    """Vault path of each packed image → its Anki media name."""
    vault_name: str
    """The vault's name, for the ``obsidian://`` links back to the notes."""
    renderer: _Renderer
    """Renders (or finds in the render cache) the cards' fields."""
    state: NoteState
    """Note times and cloze numbers."""
    timestamp: float
    """The build time: no note is newer."""
    vault_root: Path | None = None
    """The vault, to date a changed note by its file; None: by the build time."""

    claimed: set[str] = field(default_factory=set)
    """GUIDs given to a note of this build."""
    _links: dict[str, tuple[str, str]] = field(default_factory=dict)
    _tags: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    def notes(self, cards: Sequence[Card]) -> list[Note]:
        """The notes of *cards*, in card order: one per card, but one per cloze passage
        and one per card and its reverse."""
        notes: list[Note] = []
        for group in note_groups(cards):
            if group[0].get(PASSAGE):
                note = self._cloze(group)
                if note is not None:
                    notes.append(note)
            else:
                notes.append(self._plain(group))
        return notes

    def _plain(self, group: list[Card]) -> Note:
        """The note of one card, or of a card and its reverse (*group*'s second card)."""
        card = group[0]
        rendered = self.renderer.fields(card, self._media(card))
        body: tuple[str, ...]
        if card.kind.is_comparison:
            front, back, context, title, others = rendered
            body = (front, back, title, others, context, self._source(card), card.id)
            note_type = COMPARISON
            guid = card.id
        else:
            # A pair's GUID differs from the id its card had as a note of its own: Anki
            # refuses a GUID that changes note type.
            guid = card.id if len(group) == 1 else f"pair-{card.id}"
            body = (*rendered, self._source(card), guid)
            note_type = QA if len(group) == 1 else REVERSIBLE
        self.claimed.add(guid)
        ords = tuple(enumerate(member.id for member in group))
        history = tuple(
            (ord_, member.history)
            for ord_, member in enumerate(group)
            if member.history is not None
        )
        return self._note(card, guid, note_type, body, ords, history)

    def _cloze(self, group: list[Card]) -> Note | None:
        """The note of a cloze passage, one card per deletion; None for a passage of
        removed deletions whose note lives on (it merely lost them)."""
        given = self._numbers(group)
        if given is None:
            return None
        guid, numbered = given
        by_index = {card.get(PASSAGE_CARD): number for card, number in numbered}
        first = group[0]
        text = _CLOZE_RE.sub(lambda m: _renumber(m, by_index), first.get(PASSAGE))
        media: dict[str, str] = {}
        for card in group:
            media.update(self._media(card))
        # Each card's context hides its own deletions; the note's hides all of them.
        hidden = tuple(found[2] for found in _CLOZE_RE.finditer(text))
        context = tuple(hide_in(heading, hidden) for heading in first.context)
        rendered = self.renderer.cloze(context, text, first.get(BACK_EXTRA), media)
        fields = (*rendered, self._source(first), guid)
        ords = tuple((number - 1, card.id) for card, number in numbered)
        history = tuple(
            (number - 1, card.history) for card, number in numbered if card.history is not None
        )
        return self._note(first, guid, CLOZE, fields, ords, history)

    def anki_cards(self, cards: Sequence[Card]) -> dict[tuple[str, int], str]:
        """(note GUID, card ordinal) → card id of each card the notes of *cards* have;
        nothing rendered (what tests and benchmarks read Anki's cards back with)."""
        found: dict[tuple[str, int], str] = {}
        for group in note_groups(cards):
            if group[0].get(PASSAGE):
                given = self._numbers(group)
                if given is not None:
                    guid, numbered = given
                    found.update(((guid, number - 1), card.id) for card, number in numbered)
            else:
                guid = group[0].id if len(group) == 1 else f"pair-{group[0].id}"
                found.update(((guid, ord_), card.id) for ord_, card in enumerate(group))
        return found

    def _numbers(self, group: list[Card]) -> tuple[str, list[tuple[Card, int]]] | None:
        """A cloze passage's GUID, and its cards with their cloze numbers, in order."""
        group = sorted(group, key=lambda card: int(card.get(PASSAGE_CARD, "0") or 0))
        guid = self._cloze_guid(group, REMOVED_TAG in group[0].tags)
        if guid is None:
            return None
        self.claimed.add(guid)
        numbers = self.state.numbers(guid, [card.id for card in group])
        return guid, list(zip(group, numbers, strict=True))

    def _cloze_guid(self, group: list[Card], removed: bool) -> str | None:
        """The GUID of a passage's note: the one most of its deletions had, else a new one.

        New ones differ from the card ids, which were the GUIDs of the one-note-per-
        deletion decks before: Anki refuses a GUID that changes note type.
        """
        had = Counter(guid for card in group if (guid := self.state.guid_of(card.id)))
        for guid, _count in had.most_common():
            if guid not in self.claimed:
                return guid
            if removed:
                return None
        guid = f"cloze-{group[0].id}"
        while guid in self.claimed:
            guid += "+"
        return guid

    def _source(self, card: Card) -> str:
        start, label = self._links.get(card.note) or self._links.setdefault(
            card.note, link_parts(card.note, self.vault_name)
        )
        return f"{start}{label}:{card.line}</a>"

    def _media(self, card: Card) -> dict[str, str]:
        names = self.media_names
        return {path: names[path] for path in card.media if path in names}

    def _note(
        self,
        card: Card,
        guid: str,
        note_type: NoteType,
        fields: tuple[str, ...],
        ords: tuple[tuple[int, str], ...],
        history: tuple[tuple[int, SrHistory], ...],
    ) -> Note:
        tags = self._tags.get(card.tags)
        if tags is None:
            tags = self._tags[card.tags] = tuple(
                _distinct(tag for tag in map(anki_tag, card.tags) if tag)
            )
        mod = self.state.mod(
            guid,
            content_digest(note_type, fields, tags, card.note),
            timestamp=self.timestamp,
            edited=lambda: self._edited(card.note),
        )
        return Note(guid, note_type, fields, tags, card.deck or DEFAULT_DECK, mod, ords, history)

    def _edited(self, note: str) -> float | None:
        if self.vault_root is None:
            return None
        try:
            return (self.vault_root / note).stat().st_mtime
        except OSError:
            return None


def anki_cards(cards: Sequence[Card], state: NoteState | None = None) -> dict[tuple[str, int], str]:
    """(note GUID, card ordinal) → card id of each Anki card a deck of *cards* has, with
    the cloze numbers of *state* (those of a deck without one by default)."""
    maker = NoteMaker({}, "", _Renderer(), state or NoteState(), 0.0)
    return maker.anki_cards(cards)


def note_groups(cards: Sequence[Card]) -> list[list[Card]]:
    """The cards that make one note each, in card order.

    A cloze passage's deletions make one note, and so do a card and its reverse (a
    family of a basic and a reversed card); every other card is a note of its own.
    Removed cards (tagged ``flashgen/removed``) never join live ones.
    """
    families: dict[tuple[str, str, bool, str], list[Card]] = {}
    groups: list[list[Card]] = []
    for card in cards:
        if card.family and (card.kind in _PAIRED or card.get(PASSAGE)):
            # A passage's cards that show different blocks (list items) are notes apart.
            key = (card.note, card.family, REMOVED_TAG in card.tags, card.get(PASSAGE))
            group = families.get(key)
            if group is None:
                group = families[key] = []
                groups.append(group)
            group.append(card)
        else:
            groups.append([card])
    result: list[list[Card]] = []
    for group in groups:
        kinds = [card.kind for card in group]
        if kinds == [CardKind.BASIC, CardKind.REVERSED] or all(
            card.kind == CardKind.CLOZE and card.get(PASSAGE) for card in group
        ):
            result.append(group)
        else:  # a cloze card of an older flashgen, for one: a note of its own, as it was
            result.extend([card] for card in group)
    return result


_PAIRED = (CardKind.BASIC, CardKind.REVERSED)
_CLOZE_RE = re.compile(r"\{\{c(\d+)::((?:(?!\}\}).)*?)(::(?:(?!\}\}).)*?)?\}\}", re.DOTALL)
"""A deletion in a passage as :func:`flashgen.sources.cloze.cloze_passage` writes it."""


def _renumber(found: re.Match[str], numbers: Mapping[str, int]) -> str:
    """A passage's deletion with its lasting number; a deletion of no card as plain text."""
    number = numbers.get(found[1])
    if number is None:
        return found[2]
    return f"{{{{c{number}::{found[2]}{found[3] or ''}}}}}"


def content_digest(
    note_type: NoteType, fields: Sequence[str], tags: Sequence[str], note: str
) -> bytes:
    """What a note's ``mod`` follows: its note type, fields and tags.

    The ``Source`` field is left out, and its note path put in: the line it names
    moves whenever a line is added above the card, which changes nothing the card asks.
    """
    kept = [text for name, text in zip(note_type.fields, fields, strict=True) if name != "Source"]
    material = repr((note_type.id, kept, tuple(tags), note))
    return hashlib.blake2b(material.encode(), digest_size=16).digest()


def anki_tag(tag: str) -> str:
    """An Obsidian tag as an Anki tag: nesting ``a/b`` becomes ``a::b``, spaces ``_``."""
    return "_".join(tag.split()).replace("/", "::")


def link_parts(note: str, vault_name: str) -> tuple[str, str]:
    """The opening ``<a href=…>`` of a link to *note*, and its label without the line."""
    file = note.removesuffix(".md")
    href = f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"
    return f'<a href="{escape(href)}">', escape(note)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

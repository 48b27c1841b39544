"""Anki notes made from cards: their note type, GUID, fields, tags, deck and ``mod``.

This is what any writer of notes shares: the package writer (:mod:`.package`) turns
these notes into genanki's and a file, the sync writes them into a collection. Each
note's ``mod`` is when its content last changed (see :mod:`.note_state`), so that
Anki, which updates a note only when the incoming one is newer, keeps the edits made
to every other note in Anki.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from flashgen.anki.note_state import NoteState
from flashgen.anki.notetypes import COMPARISON, QA, NoteType
from flashgen.anki.render_cache import _Renderer
from flashgen.model import Card, SrHistory

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

    def notes(self, cards: Sequence[Card]) -> list[Note]:
        """The notes of *cards*, in card order."""
        links: dict[str, tuple[str, str]] = {}
        tags: dict[tuple[str, ...], tuple[str, ...]] = {}
        notes: list[Note] = []
        for card in cards:
            start, label = links.get(card.note) or links.setdefault(
                card.note, link_parts(card.note, self.vault_name)
            )
            rendered = self.renderer.fields(card, self._media(card))
            body: tuple[str, ...]
            if card.kind.is_comparison:
                front, back, context, title, others = rendered
                body = (front, back, title, others, context)
                note_type = COMPARISON
            else:
                body = rendered
                note_type = QA
            if card.tags not in tags:
                tags[card.tags] = tuple(_distinct(t for t in map(anki_tag, card.tags) if t))
            source = f"{start}{label}:{card.line}</a>"
            fields = (*body, source, card.id)
            notes.append(
                self._note(card, card.id, note_type, fields, tags[card.tags], ((0, card.id),))
            )
        return notes

    def _media(self, card: Card) -> dict[str, str]:
        names = self.media_names
        return {path: names[path] for path in card.media if path in names}

    def _note(
        self,
        card: Card,
        guid: str,
        note_type: NoteType,
        fields: tuple[str, ...],
        tags: tuple[str, ...],
        ords: tuple[tuple[int, str], ...],
        history: tuple[tuple[int, SrHistory], ...] | None = None,
    ) -> Note:
        mod = self.state.mod(
            guid,
            content_digest(note_type, fields, tags, card.note),
            timestamp=self.timestamp,
            edited=lambda: self._edited(card.note),
        )
        if history is None:
            history = () if card.history is None else ((0, card.history),)
        return Note(guid, note_type, fields, tags, card.deck or DEFAULT_DECK, mod, ords, history)

    def _edited(self, note: str) -> float | None:
        if self.vault_root is None:
            return None
        try:
            return (self.vault_root / note).stat().st_mtime
        except OSError:
            return None


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

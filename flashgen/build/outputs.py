"""Writing the outputs: the deck and the card listing, only when their cards changed, and
the report of what changed since the last deck.

The deck is written by a :class:`DeckWriter` the caller passes in (the Anki package
writer), so this stage knows no deck format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from flashgen import __version__
from flashgen.build.atomic import write_atomic
from flashgen.build.cache import PRINT_SIZE, code_stamp, fingerprint
from flashgen.build.pipeline import VaultCards
from flashgen.build.state import (
    STATE_FOLDER,
    StateError,
    bulk,
    load_state,
    read_header,
    save_state,
    state_outside,
)
from flashgen.errors import OutputError
from flashgen.model import Card, CardKind, Diagnostic
from flashgen.vault.index import VaultIndex

REMOVED_TAG = "flashgen/removed"
"""Tag of the removed cards the deck still carries (``flashgen::removed`` in Anki)."""


@dataclass(frozen=True, slots=True)
class DeckSummary:
    """What a written deck holds."""

    notes: int
    """Anki notes: one per card, but one per cloze passage and per two-way card."""
    decks: int
    """Distinct decks."""
    media: int
    """Distinct media files packed."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Images that could not be read when packing, each shown as missing, by note."""


class DeckWriter(Protocol):
    """Writes cards into a deck file, replacing it atomically (``anki.package.write_apkg``).

    Media paths in the cards are read from *vault_root*; *vault_name* names the vault in
    links back to the notes; *timestamp* stamps the deck; *render_cache* is a file the
    writer may keep rendered fields in; *sanitize_html* strips scripts from the HTML;
    *line_breaks* shows a single newline inside a paragraph as a line break; *note_state*
    is the vault's file of note times and cloze numbers (``note_state_path``).
    """

    def __call__(
        self,
        cards: Sequence[Card],
        out: Path,
        *,
        vault_root: Path,
        vault_name: str,
        timestamp: float,
        render_cache: Path | None,
        sanitize_html: bool,
        line_breaks: bool,
        note_state: Path | None,
    ) -> DeckSummary: ...


Mark = Literal["+", "~", "-"]


@dataclass(frozen=True, slots=True)
class CardChange:
    """A card added (``+``), changed (``~``) or removed (``-``) since the previous deck."""

    mark: Mark
    """What happened to it."""
    card: Card
    """The card (for a removed one, as it last was)."""


@dataclass(frozen=True, slots=True)
class Export:
    """What :func:`update_outputs` did."""

    deck: Path
    """The deck file."""
    written: bool
    """False when the deck already held exactly these cards and was left alone."""
    summary: DeckSummary
    """What the deck holds."""
    changes: tuple[CardChange, ...]
    """Cards added, changed and removed since the deck was last written, in note order."""
    unchanged: int
    """Cards the same as in the previous deck."""
    removed_kept: int
    """Removed cards the deck still carries, tagged ``flashgen::removed``."""

    def count(self, mark: Mark) -> int:
        """How many changes carry *mark*."""
        return sum(1 for change in self.changes if change.mark == mark)

    def summary_line(self) -> str:
        """``+N new ~N changed -N removed =N unchanged``."""
        return (
            f"+{self.count('+'):,} new ~{self.count('~'):,} changed -{self.count('-'):,} removed"
            f" ={self.unchanged:,} unchanged"
        )


def _write_text(handle: BinaryIO, text: str) -> None:
    handle.write(text.encode("utf-8") + b"\n")


def deck_path(out_dir: Path, built: VaultCards) -> Path:
    """Where the vault's deck goes: ``<out>/<vault name>.apkg``."""
    return out_dir / f"{built.vault.name}.apkg"


def deck_state_path(out_dir: Path, built: VaultCards) -> Path:
    """What the deck holds, for the next build: ``<out>/.<vault name>.apkg.state``."""
    return out_dir / f".{built.vault.name}.apkg.state"


NOTE_STATE_NAME = "anki-notes.pickle"
"""The vault's state file of Anki note times and cloze numbers, in ``.flashgen``."""


def note_state_path(vault_root: Path) -> Path | None:
    """Where the vault keeps its Anki notes' times and cloze numbers (see
    ``anki.note_state``); None when its state folder leads outside it."""
    return None if state_outside(vault_root) else vault_root / STATE_FOLDER / NOTE_STATE_NAME


def sync_render_cache_path(vault_root: Path) -> Path | None:
    """Where ``flashgen sync`` keeps the cards' rendered HTML (as the deck's ``.render``
    file does, a cache: safe to delete); None when the state folder leads outside."""
    return None if state_outside(vault_root) else vault_root / STATE_FOLDER / "sync.render"


def package_timestamp(now: float, deck: Path) -> float:
    """The deck's timestamp: *now*, but always a whole second past the previous deck's.

    Anki updates a re-imported note only when the package is newer (by its whole-second
    note times) than the last import, so two builds within one second must still differ.
    """
    try:
        previous = deck.stat().st_mtime
    except OSError:
        return now
    return max(now, float(int(previous) + 1))


def write_outputs(
    built: VaultCards, out_dir: Path, *, now: float, write_deck: DeckWriter
) -> DeckSummary:
    """Write the deck and the card listing (``<vault>.json``) into *out_dir*, always.

    *now* is the build time (the CLI reads the clock); see ``package_timestamp``.
    """
    return update_outputs(built, out_dir, now=now, write_deck=write_deck, force=True).summary


def update_outputs(
    built: VaultCards,
    out_dir: Path,
    *,
    now: float,
    write_deck: DeckWriter,
    force: bool = False,
) -> Export:
    """Write the deck and the listing into *out_dir*, unless they already hold these cards.

    The deck also carries the removed cards it held before (see ``VaultCards.removed``),
    tagged ``flashgen::removed``: an Anki import cannot delete notes, so this is how the
    user learns which to delete. Beside the deck, a hidden ``.<vault>.apkg.state`` file
    records what it holds, to report changes and to skip writing an unchanged deck, and
    ``.<vault>.apkg.render`` keeps the cards' rendered HTML, so that only changed cards
    are rendered again (see :mod:`flashgen.anki.render_cache`). *write_deck* writes
    the deck file.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create output folder {out_dir}: {err.strerror}") from err
    deck = deck_path(out_dir, built)
    listing = out_dir / f"{built.vault.name}.json"
    previous = _DeckState.read(deck_state_path(out_dir, built))
    kept = [card for card in built.removed if previous.holds(card.id)]
    digest = _deck_digest(built, kept)
    if (
        not force
        and previous.digest == digest
        and previous.deck == _stamp(deck)
        and listing.exists()
    ):
        return Export(deck, False, previous.summary, (), built.card_count(), len(kept))
    with bulk():  # a tuple or a dict for each card, none in a cycle (see state.bulk)
        changes, unchanged, held = _changes(built, previous, kept)
    summary = write_deck(
        [*built.cards, *(_tagged_removed(card, built.vault) for card in kept)],
        deck,
        vault_root=built.vault.root,
        vault_name=built.vault.name,
        timestamp=package_timestamp(now, deck),
        render_cache=out_dir / f".{built.vault.name}.apkg.render",
        sanitize_html=built.config.sanitize_html,
        line_breaks=built.line_breaks,
        note_state=note_state_path(built.vault.root),
    )
    if summary.diagnostics:  # an image could not be read: the next build writes the deck again
        digest = b""
    with bulk():
        text = json.dumps([card.to_dict() for card in built.cards], indent=1, ensure_ascii=False)
    write_atomic(listing, lambda handle: _write_text(handle, text))
    state = _DeckState(digest, _stamp(deck), summary, tuple(card.id for card in kept), held)
    state.write(deck_state_path(out_dir, built))
    return Export(deck, True, summary, changes, unchanged, len(kept))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


def _deck_digest(built: VaultCards, kept: Sequence[Card]) -> bytes:
    """What the deck's bytes depend on, apart from its timestamp."""
    ids, prints, media = built.content()
    digest = hashlib.blake2b(digest_size=20)
    html = (built.config.sanitize_html, built.line_breaks)  # the same cards, other HTML
    digest.update(f"{__version__}\0{code_stamp()}\0{built.vault.name}\0{html}\0".encode())
    digest.update(ids.encode())
    digest.update(prints)
    for card in kept:
        digest.update(f"\0removed\0{card.id}\0".encode() + fingerprint(card))
        media.update(card.media)
    digest.update(repr([(path, built.vault.files.get(path)) for path in sorted(media)]).encode())
    return digest.digest()


_Held = dict[str, tuple[bytes, str, int, str, str]]
"""Card id → (fingerprint with images, note, line, kind, front) of each live card in a deck."""


def _changes(
    built: VaultCards, previous: _DeckState, kept: Sequence[Card]
) -> tuple[tuple[CardChange, ...], int, _Held]:
    """What changed since the deck *previous* describes, and what the new deck holds."""
    before = previous.held()
    prints = built.fingerprints()
    stamps = {path: repr(stamp).encode() for path, stamp in built.vault.files.items()}
    held: _Held = {}
    changes: list[CardChange] = []
    unchanged = 0
    for card in built.cards:
        mark = prints.get(card.id) or fingerprint(card)
        if card.media:  # a changed image changes the card
            parts = [mark, *(stamps.get(path, b"") for path in card.media)]
            mark = hashlib.blake2b(b"\0".join(parts), digest_size=PRINT_SIZE).digest()
        held[card.id] = (mark, card.note, card.line, card.kind.value, card.front)
        old = before.get(card.id)
        if old is None:
            changes.append(CardChange("+", card))
        elif old[0] != mark:
            changes.append(CardChange("~", card))
        else:
            unchanged += 1
    last = {card.id: card for card in kept}
    for card_id, (_mark, note, line, kind, front) in before.items():
        if card_id not in held:
            card = last.get(card_id) or Card(card_id, CardKind(kind), front, "", note, line)
            changes.append(CardChange("-", card))
    return tuple(changes), unchanged, held


def _tagged_removed(card: Card, vault: VaultIndex) -> Card:
    """A removed card as the deck carries it: tagged, and without images now gone."""
    return dataclasses.replace(
        card,
        tags=(*card.tags, REMOVED_TAG),
        media=tuple(path for path in card.media if path in vault.files),
    )


@dataclass(slots=True)
class _DeckState:
    """What a written deck holds: ``.<vault>.apkg.state`` beside it (a state file).

    Header ``{"format", "version", "digest", "deck": (size, mtime_ns), "summary":
    (notes, decks, media), "removed": ids}``; body ``{id: (fingerprint, note, line,
    kind, front)}``, read only when the deck is rewritten or a removed card is new.
    """

    digest: bytes = b""
    deck: tuple[int, int] | None = None
    summary: DeckSummary = field(default_factory=lambda: DeckSummary(0, 0, 0))
    removed: tuple[str, ...] = ()
    body: _Held | None = None
    path: Path | None = None

    FORMAT = "flashgen-deck-state"
    VERSION = 1

    @classmethod
    def read(cls, path: Path) -> _DeckState:
        """The state at *path*; an empty one when missing or unreadable (the deck is rewritten)."""
        try:
            header = read_header(path)
            if header.get("format") != cls.FORMAT or header.get("version") != cls.VERSION:
                return cls()
            deck = header["deck"]
            notes, decks, media = header["summary"]
            return cls(
                digest=bytes(header["digest"]),
                deck=(int(deck[0]), int(deck[1])),
                summary=DeckSummary(int(notes), int(decks), int(media)),
                removed=tuple(str(card_id) for card_id in header["removed"]),
                path=path,
            )
        except (StateError, KeyError, TypeError, ValueError, IndexError):
            return cls()

    def held(self) -> _Held:
        """The live cards of the deck (read on first use)."""
        if self.body is None:
            self.body = {}
            if self.path is not None:
                try:
                    _header, body = load_state(self.path)
                    if isinstance(body, dict):
                        self.body = body
                except StateError:
                    pass
        return self.body

    def holds(self, card_id: str) -> bool:
        """Whether the deck holds the card *card_id*, live or removed."""
        return card_id in self.removed or card_id in self.held()

    def write(self, path: Path) -> None:
        """Save this state at *path* (atomically)."""
        header: dict[str, Any] = {
            "format": self.FORMAT,
            "version": self.VERSION,
            "digest": self.digest,
            "deck": self.deck,
            "summary": (self.summary.notes, self.summary.decks, self.summary.media),
            "removed": self.removed,
        }
        save_state(path, header, self.body if self.body is not None else {})


def iter_changes(export: Export) -> Iterator[str]:
    """Each change as a line: ``+ path:line kind front…``."""
    for change in export.changes:
        card = change.card
        front = " ".join(card.front.split())
        short = front[:60] + ("…" * (len(front) > 60))
        yield f"{change.mark} {card.note}:{card.line} {card.kind} {short}".rstrip()

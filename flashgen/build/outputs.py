"""Writing the outputs: the deck and the card listing, only when their cards changed, and
the report of what changed since the last deck.

The deck is written by a :class:`DeckWriter` the caller passes in (the Anki package
writer), so this stage knows no deck format.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol, overload

from flashgen import __version__
from flashgen.build.atomic import write_atomic
from flashgen.build.cache import code_stamp, fingerprint
from flashgen.build.changes import CardChange as CardChange  # re-exported
from flashgen.build.changes import Changes, Held, Mark, Stamps, changes_since, held_blob
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
from flashgen.identity.ledger import SEPARATOR, split_ids
from flashgen.model import Brief, Card, Diagnostic
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
    is the vault's file of note times and cloze numbers (``note_state_path``); *parts* is
    a file the writer may keep what the deck is made of in, to patch it next time (the
    same deck, made faster); *progress* is told how far the writing is.
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
        parts: Path | None,
        progress: StageProgress | None,
    ) -> DeckSummary: ...


@dataclass(frozen=True, slots=True)
class CardGroup:
    """The cards of one note (or the removed cards a deck carries), decoded on demand.

    A rebuild after an edit leaves most notes' cards as they were: their ids and
    fingerprints say so without decoding them, and a deck writer may keep what it
    made of them last time.
    """

    ids: tuple[str, ...]
    """The cards' ids, in order."""
    prints: bytes
    """Their fingerprints (``cache.fingerprint``), concatenated."""
    media: tuple[str, ...]
    """The vault paths the cards embed, each once, in order of first use."""
    load: Callable[[], Sequence[Card]] = field(compare=False)
    """Decodes the cards (anew each time: a big deck's cards are never all decoded at once)."""
    briefs: Callable[[], Sequence[Brief]] = field(compare=False)
    """Each card's ``Card.brief``, without decoding the cards."""
    dicts: Callable[[], Sequence[dict[str, Any]]] = field(compare=False)
    """Each card's ``Card.to_dict`` (for the listing), without decoding the cards."""
    _digest: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        digest = hashlib.blake2b(SEPARATOR.join(self.ids).encode(), digest_size=16)
        digest.update(self.prints)
        object.__setattr__(self, "_digest", digest.digest())  # asked for three times a build

    def key(self, *more: bytes) -> bytes:
        """A digest of the cards' ids and content (and of *more*)."""
        if not more:
            return self._digest
        digest = hashlib.blake2b(self._digest, digest_size=16)
        for part in more:
            digest.update(b"\0" + part)
        return digest.digest()

    @classmethod
    def of(cls, cards: Sequence[Card]) -> CardGroup:
        """A group of cards at hand."""
        media = tuple(dict.fromkeys(path for card in cards for path in card.media))
        prints = b"".join(fingerprint(card) for card in cards)
        ids = tuple(card.id for card in cards)
        return cls(
            ids,
            prints,
            media,
            lambda: cards,
            lambda: [card.brief() for card in cards],
            lambda: [card.to_dict() for card in cards],
        )


class DeckCards(Sequence[Card]):
    """A deck's cards, by group (see :class:`CardGroup`); decoded all at once when used
    as a plain sequence."""

    def __init__(self, groups: Sequence[CardGroup]) -> None:
        self.groups = tuple(groups)
        self._cards: list[Card] | None = None

    def _all(self) -> list[Card]:
        if self._cards is None:
            with bulk():
                self._cards = [card for group in self.groups for card in group.load()]
        return self._cards

    def __len__(self) -> int:
        return sum(len(group.ids) for group in self.groups)

    @overload
    def __getitem__(self, index: int) -> Card: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Card]: ...
    def __getitem__(self, index: int | slice) -> Card | Sequence[Card]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Card]:
        return iter(self._all())


def card_groups(cards: Sequence[Card]) -> tuple[CardGroup, ...]:
    """The groups of *cards*: a :class:`DeckCards`'s own, else one per note, in order."""
    if isinstance(cards, DeckCards):
        return cards.groups
    groups: list[CardGroup] = []
    start = 0
    for end in range(1, len(cards) + 1):
        if end == len(cards) or cards[end].note != cards[start].note:
            groups.append(CardGroup.of(cards[start:end]))
            start = end
    return tuple(groups)


def _deck_cards(built: VaultCards, removed: Sequence[Card]) -> DeckCards:
    """The cards the deck is written from: each note's, then the removed ones it carries."""
    if built.entries or not built.card_count():
        # decoded by the deck writer and the listing as they need them, not kept: the
        # change report and the deck's list of decks need only the cards' briefs
        groups = [
            CardGroup(
                tuple(split_ids(entry.ids)),
                entry.prints,
                entry.media,
                entry.cards,
                entry.briefs,
                entry.dicts,
            )
            for entry in built.entries
            if entry.count
        ]
    else:
        groups = list(card_groups(built.cards))
    if removed:
        groups.append(CardGroup.of(removed))
    return DeckCards(groups)


Stage = Literal["cards rendered", "media packed"]
"""The steps of writing a deck that a progress display can follow."""
StageProgress = Callable[[Stage, int, int], None]
"""Called with (stage, items done, items in all) as a deck is written."""


@dataclass(frozen=True, slots=True)
class Export:
    """What :func:`update_outputs` did."""

    deck: Path
    """The deck file."""
    written: bool
    """False when the deck already held exactly these cards and was left alone."""
    summary: DeckSummary
    """What the deck holds."""
    changes: Changes
    """Cards added, changed and removed since the deck was last written, in note order."""
    unchanged: int
    """Cards the same as in the previous deck."""
    removed_kept: int
    """Removed cards the deck still carries, tagged ``flashgen::removed``."""

    def count(self, mark: Mark) -> int:
        """How many changes carry *mark*."""
        return self.changes.marked(mark)

    def summary_line(self) -> str:
        """``+N new ~N changed -N removed =N unchanged``."""
        return (
            f"+{self.count('+'):,} new ~{self.count('~'):,} changed -{self.count('-'):,} removed"
            f" ={self.unchanged:,} unchanged"
        )


_Lines = dict[bytes, tuple[int, int]]
"""A note's cards' key (``CardGroup.key``) → where their lines are in the listing."""


def _write_listing(
    handle: BinaryIO, groups: Sequence[CardGroup], before: _Lines, old: Path
) -> _Lines:
    """The card listing: a JSON array, one card per line (compact, and easy to grep).

    A note whose cards' lines the listing written last (*old*) holds at *before* has them
    copied from it, without decoding its cards; notes that follow one another there too
    are copied in one piece. Returns where each note's lines now are.
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines: _Lines = {}
    with ExitStack() as stack:
        previous = stack.enter_context(old.open("rb")) if before else None
        run: list[int] = []  # (start, end) in *old* of the lines to copy next
        end = 1  # where the listing ends, the run to copy counted
        handle.write(b"[")
        for number, group in enumerate(groups):
            key = group.key()
            where = before.get(key) if previous is not None else None
            separator = b"\n" if number == 0 else b",\n"
            if where is not None and run and where[0] == run[1] + len(separator):
                run[1] = where[1]  # copied with the ",\n" before it, as the old listing has it
                size = where[1] - where[0]
            else:
                _copy_run(previous, run, handle)
                handle.write(separator)
                if where is not None:
                    run = [where[0], where[1]]
                    size = where[1] - where[0]
                else:
                    with bulk():
                        text = ",\n".join(encode(card) for card in group.dicts())
                    size = handle.write(text.encode("utf-8"))
            lines[key] = (end + len(separator), end + len(separator) + size)
            end += len(separator) + size
        _copy_run(previous, run, handle)
        handle.write(b"\n]\n" if groups else b"]\n")
    return lines


def _copy_run(source: BinaryIO | None, run: list[int], handle: BinaryIO) -> None:
    """Copy the bytes *run* (start, end) of *source* to *handle*, and empty *run*."""
    if source is None or not run:
        return
    source.seek(run[0])
    left = run[1] - run[0]
    while left > 0:
        data = source.read(min(left, 1 << 20))
        if not data:
            raise OutputError("the previous listing is shorter than it was when written")
        handle.write(data)
        left -= len(data)
    run.clear()


def _listing_digest(built: VaultCards) -> bytes:
    """What the listing's bytes depend on: the cards' ids and content (not the images)."""
    ids, prints, _media = built.content()
    return hashlib.blake2b(ids.encode() + b"\0" + prints, digest_size=20).digest()


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
    progress: StageProgress | None = None,
) -> Export:
    """Write the deck and the listing into *out_dir*, unless they already hold these cards.

    The deck also carries the removed cards it held before (see ``VaultCards.removed``),
    tagged ``flashgen::removed``: an Anki import cannot delete notes, so this is how the
    user learns which to delete. Beside the deck, a hidden ``.<vault>.apkg.state`` file
    records what it holds, to report changes and to skip writing an unchanged deck, and
    ``.<vault>.apkg.parts`` (with ``.collection``) what it is made of, so that only the
    notes whose cards changed are rendered and written again. *write_deck* writes
    the deck file; *progress*, if given, is told how far it is (see :data:`Stage`).
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
        and previous.deck == file_stamp(deck)
        and listing.exists()
    ):
        return Export(deck, False, previous.summary, Changes(), built.card_count(), len(kept))
    cards = _deck_cards(built, [_tagged_removed(card, built.vault) for card in kept])
    stamps = {path: repr(stamp).encode() for path, stamp in built.vault.files.items()}
    with bulk():  # a tuple or a dict for each card, none in a cycle (see state.bulk)
        live = cards.groups[: len(cards.groups) - bool(kept)]
        changes, unchanged, holds = changes_since(
            live, previous.held(), previous.media(), stamps, kept
        )
    ids = built.content()[0]
    summary = write_deck(
        cards,
        deck,
        vault_root=built.vault.root,
        vault_name=built.vault.name,
        timestamp=package_timestamp(now, deck),
        render_cache=None,  # the parts hold every note's fields: nothing is rendered twice
        sanitize_html=built.config.sanitize_html,
        line_breaks=built.line_breaks,
        note_state=note_state_path(built.vault.root),
        parts=out_dir / f".{built.vault.name}.apkg.parts",
        progress=progress,
    )
    if summary.diagnostics:  # an image could not be read: the next build writes the deck again
        digest = b""
    listed = _listing_digest(built)
    lines = previous.lines if previous.listing == file_stamp(listing) else {}
    if force or previous.listed != listed or not listing.exists():
        written: _Lines = {}
        write_atomic(
            listing, lambda handle: written.update(_write_listing(handle, live, lines, listing))
        )
        lines = written
    media = {path: stamps.get(path, b"") for group in cards.groups for path in group.media}
    state = _DeckState(
        digest,
        file_stamp(deck),
        summary,
        tuple(card.id for card in kept),
        listed,
        file_stamp(listing),
        body=({key: _held(part) for key, part in holds}, media, lines, ids),
    )
    state.write(deck_state_path(out_dir, built))
    return Export(deck, True, summary, changes, unchanged, len(kept))


def file_stamp(path: Path) -> tuple[int, int] | None:
    """A file's (size, mtime_ns), or None when it cannot be read."""
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


def _held(part: bytes | CardGroup) -> bytes:
    return part if isinstance(part, bytes) else held_blob(part)


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
    (notes, decks, media), "removed": ids, "listed": digest of the listing, "listing":
    (size, mtime_ns)}``; body ``({note's cards' key: its cards (see Held)}, {image
    path: stamp}, {note's cards' key: (start, end) of their lines in the listing}, the
    live cards' ids joined by NUL)``, read only when the deck is rewritten or a removed
    card is new. A version-2 state (by card: ``{id: (fingerprint, note, line, kind,
    front)}``, then the stamps and the lines) is read as one note no note matches: the
    first deck after an upgrade compares its cards one by one, and carries the removed
    ones on.
    """

    digest: bytes = b""
    deck: tuple[int, int] | None = None
    summary: DeckSummary = field(default_factory=lambda: DeckSummary(0, 0, 0))
    removed: tuple[str, ...] = ()
    listed: bytes = b""
    """A digest of what the listing beside the deck was written from (``_listing_digest``)."""
    listing: tuple[int, int] | None = None
    """The listing's (size, mtime_ns) when written."""
    body: tuple[Held, Stamps, _Lines, str] | None = None
    path: Path | None = None
    version: int = 3
    _ids: set[str] | None = None

    FORMAT = "flashgen-deck-state"
    VERSION = 3

    @classmethod
    def read(cls, path: Path) -> _DeckState:
        """The state at *path*; an empty one when missing or unreadable (the deck is rewritten)."""
        try:
            header = read_header(path)
            version = header.get("version")
            if header.get("format") != cls.FORMAT or version not in (2, cls.VERSION):
                return cls()
            deck = header["deck"]
            notes, decks, media = header["summary"]
            listing = header["listing"]
            return cls(
                digest=bytes(header["digest"]),
                deck=(int(deck[0]), int(deck[1])),
                summary=DeckSummary(int(notes), int(decks), int(media)),
                removed=tuple(str(card_id) for card_id in header["removed"]),
                listed=bytes(header["listed"]),
                listing=None if listing is None else (int(listing[0]), int(listing[1])),
                path=path,
                version=int(version),
            )
        except (StateError, KeyError, TypeError, ValueError, IndexError):
            return cls()

    def _body(self) -> tuple[Held, Stamps, _Lines, str]:
        if self.body is None:
            self.body = ({}, {}, {}, "")
            if self.path is not None:
                try:
                    _header, body = load_state(self.path)
                    if self.version == 2:
                        body = _from_version_2(body)
                    if (
                        isinstance(body, tuple)
                        and len(body) == 4
                        and all(isinstance(part, dict) for part in body[:3])
                        and isinstance(body[3], str)
                    ):
                        self.body = body
                except StateError:
                    pass
        return self.body

    def held(self) -> Held:
        """The live cards of the deck (read on first use)."""
        return self._body()[0]

    def media(self) -> Stamps:
        """The stamps of the deck's images when it was written."""
        return self._body()[1]

    @property
    def lines(self) -> _Lines:
        """Where each note's cards are in the listing written with the deck."""
        return self._body()[2]

    def holds(self, card_id: str) -> bool:
        """Whether the deck holds the card *card_id*, live or removed."""
        if card_id in self.removed:
            return True
        if self._ids is None:
            self._ids = set(split_ids(self._body()[3]))
        return card_id in self._ids

    def write(self, path: Path) -> None:
        """Save this state at *path* (atomically)."""
        header: dict[str, Any] = {
            "format": self.FORMAT,
            "version": self.VERSION,
            "digest": self.digest,
            "deck": self.deck,
            "summary": (self.summary.notes, self.summary.decks, self.summary.media),
            "removed": self.removed,
            "listed": self.listed,
            "listing": self.listing,
        }
        save_state(path, header, self.body if self.body is not None else ({}, {}, {}, ""))


def _from_version_2(body: Any) -> Any:
    """A version-2 body (see ``_DeckState``) in the form of this version, or None."""
    if not (isinstance(body, tuple) and len(body) == 3 and isinstance(body[0], dict)):
        return None
    cards = tuple((card_id, *held, ()) for card_id, held in body[0].items())
    ids = SEPARATOR.join(body[0])
    return ({b"version 2": pickle.dumps(cards, protocol=5)}, body[1], body[2], ids)


def iter_changes(export: Export) -> Iterator[str]:
    """Each change as a line: ``+ path:line kind front…``."""
    for change in export.changes:
        card = change.card
        front = " ".join(card.front.split())
        short = front[:60] + ("…" * (len(front) > 60))
        yield f"{change.mark} {card.note}:{card.line} {card.kind} {short}".rstrip()

"""The pipeline: read the vault, parse notes, extract cards, give them ids, export.

Builds are incremental. :func:`collect` takes unchanged notes from the cache
(:mod:`flashgen.cache`) and keeps card ids through edits with the ledger
(:mod:`flashgen.ledger`, :mod:`flashgen.identity`), both in ``<vault>/.flashgen/``.
:func:`update_outputs` rewrites the deck only when what it would hold changed, and
says which cards were added, changed and removed since the deck it last wrote.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from flashgen import __version__
from flashgen.apkg import ApkgSummary, write_apkg
from flashgen.cache import (
    PRINT_SIZE,
    SEPARATOR,
    STATE_FOLDER,
    LinkRecorder,
    NoteCache,
    NoteEntry,
    Record,
    StateError,
    bulk,
    cache_key,
    cache_unreadable,
    card_record,
    code_stamp,
    files_digest,
    fingerprint,
    load_cache,
    load_state,
    read_header,
    save_cache,
    save_state,
    split_ids,
    state_outside,
)
from flashgen.config import Config, load_config
from flashgen.errors import OutputError
from flashgen.extract import extract_cards, is_selected
from flashgen.files import write_atomic
from flashgen.identity import NoteCards, derive_ids, keep_ids, removed_cards
from flashgen.ledger import REMOVED_RETENTION, Ledger, load_ledger, save_ledger
from flashgen.model import Card, Diagnostic
from flashgen.parse import parse_note
from flashgen.vault import FileStamp, NoteSource, VaultIndex, read_note, scan_vault

Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) as the build goes."""

REMOVED_TAG = "flashgen/removed"
"""Tag of the removed cards the deck still carries (``flashgen::removed`` in Anki)."""


@dataclass(slots=True)
class VaultCards:
    """The cards of a vault and everything said about it while making them."""

    vault: VaultIndex
    """The vault that was read."""
    config: Config
    """Its configuration."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every problem found, in note order."""
    notes_read: int = 0
    """Notes read, from the files or from the cache (skipped and unreadable files not counted)."""
    notes_parsed: int = 0
    """Notes parsed this time; the others came from the cache unchanged."""
    removed: list[Card] = field(default_factory=list)
    """Cards gone from the notes lately (kept ``ledger.REMOVED_RETENTION``), for the deck."""
    matched: int = 0
    """Cards that kept the id of an edited, renamed or moved card."""
    entries: tuple[NoteEntry, ...] = ()
    """Each note's entry, in note order; :attr:`cards` decodes their cards on first use."""
    _cards: list[Card] | None = None

    @property
    def cards(self) -> list[Card]:
        """Every card, in note order."""
        if self._cards is None:
            cards: list[Card] = []
            with bulk():
                for entry in self.entries:
                    cards.extend(entry.cards())
            self._cards = cards
        return self._cards

    @cards.setter
    def cards(self, cards: list[Card]) -> None:
        self._cards = cards
        self.entries = ()

    def kinds(self) -> Counter[str]:
        """Cards counted by kind."""
        if self._cards is not None:
            return Counter(card.kind for card in self._cards)
        counts: Counter[str] = Counter()
        for entry in self.entries:
            counts.update(dict(entry.kinds))
        return counts

    def count(self, severity: str) -> int:
        """How many diagnostics have *severity*."""
        return sum(1 for d in self.diagnostics if d.severity == severity)

    def card_count(self) -> int:
        """How many cards there are (without decoding them)."""
        if self._cards is not None:
            return len(self._cards)
        return sum(entry.count for entry in self.entries)

    def content(self) -> tuple[str, bytes, set[str]]:
        """The card ids (joined by NUL), their fingerprints (concatenated) and their images."""
        if self.entries or self._cards is None:
            ids = SEPARATOR.join(entry.ids for entry in self.entries if entry.ids)
            prints = b"".join(entry.prints for entry in self.entries)
            media = {path for entry in self.entries for path in entry.media}
            return ids, prints, media
        cards = self._cards
        ids = SEPARATOR.join(card.id for card in cards)
        prints = b"".join(fingerprint(card_record(card)) for card in cards)
        return ids, prints, {path for card in cards for path in card.media}

    def fingerprints(self) -> dict[str, bytes]:
        """Card id → its fingerprint (``cache.fingerprint``)."""
        ids, prints, _media = self.content()
        return {
            card_id: prints[index * PRINT_SIZE : (index + 1) * PRINT_SIZE]
            for index, card_id in enumerate(split_ids(ids))
        }


def collect(
    root: Path,
    *,
    progress: Progress | None = None,
    cache: bool = True,
    ledger: bool = True,
    now: float | None = None,
) -> VaultCards:
    """Read every note of the vault at *root* into cards. Bad notes become diagnostics.

    With *cache*, notes unchanged since the last build are taken from
    ``<vault>/.flashgen/cache.pickle`` instead of being parsed. With *ledger*, card ids
    come from ``<vault>/.flashgen/ledger.pickle``, so that edited cards keep theirs, and
    the ledger is updated. *now* (seconds since the epoch) dates the cards removed since
    the last build; the CLI passes the clock, and without it the vault's latest change
    stands in (the library never reads the clock). Problems with either file are warnings.
    """
    if now is None:
        now = _latest_change(root)
    try:
        return _collect(root, progress, cache, cache, ledger, now)
    except StateError as err:  # a cached note whose cards cannot be decoded
        result = _collect(root, progress, False, cache, ledger, now)
        result.diagnostics.insert(0, cache_unreadable(str(err)))
        return result


def _latest_change(root: Path) -> float:
    """The newest modification time under *root* (its own when empty or unreadable)."""
    try:
        return max(
            (path.stat().st_mtime for path in root.rglob("*") if path.is_file()),
            default=root.stat().st_mtime,
        )
    except OSError:
        return 0.0


def _collect(
    root: Path,
    progress: Progress | None,
    read_cache: bool,
    write_cache: bool,
    use_ledger: bool,
    now: float,
) -> VaultCards:
    scanned_ns = int(now * 1_000_000_000)  # racy-file check: files this recent get hashed
    vault = scan_vault(root)
    result = VaultCards(vault, load_config(vault.root))
    result.diagnostics.extend(vault.diagnostics)
    if state_outside(vault.root):
        read_cache = write_cache = use_ledger = False
        result.diagnostics.append(
            Diagnostic(
                STATE_FOLDER,
                0,
                "warning",
                "is a symlink leading outside the vault, and flashgen reads and writes nothing"
                " there; no build cache, and edited cards get new ids: make it a folder",
            )
        )
    key = cache_key(result.config.stamp(), vault.name)
    old, problems = load_cache(vault.root, key) if read_cache else (NoteCache(), [])
    result.diagnostics.extend(problems)
    notes = _read_notes(vault, result.config, old, progress)
    result.notes_read = len(notes.entries)
    result.notes_parsed = len(notes.extracted)
    result.diagnostics.extend(notes.problems)
    for entry in notes.entries.values():
        result.diagnostics.extend(entry.read_problems)
        result.diagnostics.extend(entry.diagnostics)
    _assign(result, notes, old, use_ledger, now)
    result.entries = tuple(notes.entries.values())
    if write_cache and (notes.dirty or old.notes.keys() != notes.entries.keys()):
        fresh = NoteCache(notes.entries, scanned_ns, files_digest(vault))
        try:
            save_cache(vault.root, fresh, key)
        except OutputError as err:
            result.diagnostics.append(_unsaved("build cache", err))
    result.diagnostics.sort(key=lambda d: (d.path, d.line))
    return result


@dataclass(slots=True)
class _Notes:
    """The notes of one build, each read, taken from the cache or parsed."""

    entries: dict[str, NoteEntry] = field(default_factory=dict)
    """Note path → what it gave, in note order (unreadable notes left out)."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Why the notes left out could not be read."""
    extracted: set[str] = field(default_factory=set)
    """Notes parsed and extracted this time."""
    dirty: bool = False
    """Whether any entry differs from the cache's."""


def _read_notes(
    vault: VaultIndex, config: Config, old: NoteCache, progress: Progress | None
) -> _Notes:
    """Each note's entry: cached when its file is unchanged, else read (and parsed if new)."""
    result = _Notes()
    links_moved = old.files != files_digest(vault)
    recorder = LinkRecorder.of(vault)
    paths = vault.notes()
    for done, path in enumerate(paths, start=1):
        entry = None if old.stale else old.notes.get(path)
        stamp = vault.files[path]
        if (
            entry is not None
            and entry.same_file(stamp, old.scanned_ns)
            and (not links_moved or entry.links_hold(vault))
        ):
            result.entries[path] = entry
        else:
            fresh = _read_note(vault, path, stamp, entry, recorder, config, result)
            if fresh is not None:
                result.entries[path] = fresh
            result.dirty = True
        if progress is not None:
            progress(done, len(paths))
    return result


def _read_note(
    vault: VaultIndex,
    path: str,
    stamp: FileStamp,
    entry: NoteEntry | None,
    recorder: LinkRecorder,
    config: Config,
    notes: _Notes,
) -> NoteEntry | None:
    source, problems = read_note(vault.root, path, stamp.size)
    if source is None:
        notes.problems.extend(problems)
        return None
    sha = hashlib.sha256(source.text.encode("utf-8")).digest()
    if entry is not None and entry.sha256 == sha and entry.links_hold(vault):
        return dataclasses.replace(
            entry, size=stamp.size, mtime_ns=stamp.mtime_ns, read_problems=tuple(problems)
        )
    notes.extracted.add(path)
    return _extract(source, problems, stamp, sha, recorder, config)


def _extract(
    source: NoteSource,
    read_problems: Sequence[Diagnostic],
    stamp: FileStamp,
    sha: bytes,
    recorder: LinkRecorder,
    config: Config,
) -> NoteEntry:
    """Parse a note and extract its cards, with their derived ids and what they link to."""
    note = parse_note(source)
    diagnostics = list(note.diagnostics)
    cards: list[Card] = []
    if is_selected(note, config):
        found, problems = extract_cards(note, recorder, config)
        diagnostics.extend(problems)
        cards, problems = derive_ids(found)
        diagnostics.extend(problems)
    links = recorder.take()
    derived = [card.id for card in cards]
    return NoteEntry.of(stamp, sha, read_problems, diagnostics, links, cards, derived)


def _assign(
    result: VaultCards, notes: _Notes, old: NoteCache, use_ledger: bool, now: float
) -> None:
    """Give the cards their ids (stored in the entries) and keep the ledger.

    Notes read from the cache whose ids are those the ledger holds keep them untouched;
    only the others go through :func:`identity.keep_ids`.
    """
    state = result.vault.root / STATE_FOLDER
    previous, problems = load_ledger(state) if use_ledger else (Ledger(), [])
    result.diagnostics.extend(problems)
    kept: set[str] = set()
    changed: dict[str, NoteCards] = {}
    for path, entry in notes.entries.items():
        before = previous.notes.get(path)
        if before is not None and before[0] == entry.ids and path not in notes.extracted:
            kept.add(path)
        elif before is not None or entry.count:
            changed[path] = list(zip(split_ids(entry.derived), entry.cards(), strict=True))
    gone = previous.notes.keys() - notes.entries.keys()
    expiring = any(now - at > REMOVED_RETENTION for _d, at, _r in previous.removed.values())
    if not changed and not gone and not expiring:
        result.removed = removed_cards(previous)
        return
    old_cards: dict[str, dict[str, Record]] = {}
    for path in (changed.keys() | gone) & previous.notes.keys():
        last = old.notes.get(path)
        if last is not None:
            old_cards[path] = dict(zip(split_ids(last.derived), last.records(), strict=True))
    assignment = keep_ids(changed, kept, previous, old_cards, notes=notes.entries.keys(), now=now)
    for path, ids in assignment.ids.items():
        entry = notes.entries[path]
        if SEPARATOR.join(ids) != entry.ids:
            notes.entries[path] = entry.with_ids(ids)
            notes.dirty = True
    result.matched = assignment.matched
    result.diagnostics.extend(assignment.diagnostics)
    result.removed = removed_cards(assignment.ledger) if use_ledger else []
    if use_ledger and assignment.changed:
        try:
            save_ledger(state, assignment.ledger)
        except OutputError as err:
            result.diagnostics.append(_unsaved("id ledger", err))


def _unsaved(what: str, err: OutputError) -> Diagnostic:
    return Diagnostic(
        STATE_FOLDER,
        0,
        "warning",
        f"cannot save the {what} ({err}); the next build reads every note again"
        " and edited cards may get new ids: make the folder writable",
    )


# Output


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
    summary: ApkgSummary
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
            f"+{self.count('+')} new ~{self.count('~')} changed -{self.count('-')} removed"
            f" ={self.unchanged} unchanged"
        )


def _write_text(handle: BinaryIO, text: str) -> None:
    handle.write(text.encode("utf-8") + b"\n")


def deck_path(out_dir: Path, built: VaultCards) -> Path:
    """Where the vault's deck goes: ``<out>/<vault name>.apkg``."""
    return out_dir / f"{built.vault.name}.apkg"


def deck_state_path(out_dir: Path, built: VaultCards) -> Path:
    """What the deck holds, for the next build: ``<out>/.<vault name>.apkg.state``."""
    return out_dir / f".{built.vault.name}.apkg.state"


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


def write_outputs(built: VaultCards, out_dir: Path, *, now: float) -> ApkgSummary:
    """Write the deck and the card listing (``<vault>.json``) into *out_dir*, always.

    *now* is the build time (the CLI reads the clock); see ``package_timestamp``.
    """
    return update_outputs(built, out_dir, now=now, force=True).summary


def update_outputs(built: VaultCards, out_dir: Path, *, now: float, force: bool = False) -> Export:
    """Write the deck and the listing into *out_dir*, unless they already hold these cards.

    The deck also carries the removed cards it held before (see ``VaultCards.removed``),
    tagged ``flashgen::removed``: an Anki import cannot delete notes, so this is how the
    user learns which to delete. Beside the deck, a hidden ``.<vault>.apkg.state`` file
    records what it holds, to report changes and to skip writing an unchanged deck, and
    ``.<vault>.apkg.render`` keeps the cards' rendered HTML, so that only changed cards
    are rendered again (see :mod:`flashgen.apkg`).
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
    with bulk():  # a tuple or a dict for each card, none in a cycle (see cache.bulk)
        changes, unchanged, held = _changes(built, previous, kept)
    summary = write_apkg(
        [*built.cards, *(_tagged_removed(card, built.vault) for card in kept)],
        deck,
        vault_root=built.vault.root,
        vault_name=built.vault.name,
        timestamp=package_timestamp(now, deck),
        render_cache=out_dir / f".{built.vault.name}.apkg.render",
        sanitize_html=built.config.sanitize_html,
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
    sanitized = built.config.sanitize_html  # the same cards, other HTML
    digest.update(f"{__version__}\0{code_stamp()}\0{built.vault.name}\0{sanitized}\0".encode())
    digest.update(ids.encode())
    digest.update(prints)
    for card in kept:
        digest.update(f"\0removed\0{card.id}\0".encode() + fingerprint(card_record(card)))
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
        mark = prints.get(card.id) or fingerprint(card_record(card))
        if card.media:  # a changed image changes the card
            parts = [mark, *(stamps.get(path, b"") for path in card.media)]
            mark = hashlib.blake2b(b"\0".join(parts), digest_size=PRINT_SIZE).digest()
        held[card.id] = (mark, card.note, card.line, card.kind, card.front)
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
            card = last.get(card_id) or Card(card_id, kind, front, "", note, line)
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
    summary: ApkgSummary = field(default_factory=lambda: ApkgSummary(0, 0, 0))
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
                summary=ApkgSummary(int(notes), int(decks), int(media)),
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

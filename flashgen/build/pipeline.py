"""The pipeline: read the vault, parse notes, extract cards, give them ids.

Builds are incremental. :func:`collect` takes unchanged notes from the cache
(:mod:`.cache`) and keeps card ids through edits with the ledger (:mod:`.ledger_file`,
:mod:`flashgen.identity`), both in ``<vault>/.flashgen/``. Writing the outputs is
:mod:`.outputs`'s.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flashgen.build.cache import (
    PRINT_SIZE,
    LinkRecorder,
    NoteCache,
    NoteEntry,
    cache_key,
    cache_unreadable,
    files_digest,
    fingerprint,
    load_cache,
    save_cache,
)
from flashgen.build.ledger_file import load_ledger, save_ledger
from flashgen.build.state import STATE_FOLDER, StateError, bulk, state_outside
from flashgen.config import Config, load_config
from flashgen.errors import OutputError
from flashgen.identity.ledger import REMOVED_RETENTION, SEPARATOR, Ledger, split_ids
from flashgen.identity.matching import NoteCards, keep_ids, removed_cards
from flashgen.model import Card, Diagnostic
from flashgen.vault.index import FileStamp, VaultIndex, scan_vault
from flashgen.vault.notes import NoteSource, read_note

# The parser, the card sources and the process pool are imported when a note has to be
# read: a rebuild that takes every note from the cache (a quiz's start) needs none.

Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) as the build goes."""


@dataclass(slots=True)
class VaultCards:
    """The cards of a vault and everything said about it while making them."""

    vault: VaultIndex
    """The vault that was read."""
    config: Config
    """Its configuration."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every problem found, in note order."""
    recalled: frozenset[Diagnostic] = frozenset()
    """Those of :attr:`diagnostics` that notes unchanged since the last build said then
    (taken from the cache): a rebuild need not repeat them."""
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
    _starts: list[int] | None = None
    """Where each entry's cards start among all cards, once :meth:`card_at` needed it."""
    _decoded: dict[int, tuple[Card, ...]] = field(default_factory=dict)
    """The cards :meth:`card_at` decoded, by entry."""

    @property
    def line_breaks(self) -> bool:
        """Whether a single newline inside a paragraph shows as a line break (as Obsidian
        does by default): ``markdown.strict_line_breaks`` of ``flashgen.yaml``, else the
        vault's own setting. The deck writer and the quiz render cards with it."""
        return self.config.line_breaks(self.vault.settings.strict_line_breaks)

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
        self._starts, self._decoded = None, {}

    def families(self) -> list[str]:
        """Every card's ``Card.family``, in note order, without decoding the cards."""
        if self._cards is not None:
            return [card.family for card in self._cards]
        joined = SEPARATOR.join(entry.families for entry in self.entries if entry.count)
        return joined.split(SEPARATOR) if self.card_count() else []

    def card_at(self, index: int) -> Card:
        """The card at *index* in note order, decoding only the cards of its note."""
        if self._cards is not None:
            return self._cards[index]
        if self._starts is None:
            self._starts = list(itertools.accumulate((e.count for e in self.entries), initial=0))
        if not 0 <= index < self._starts[-1]:
            raise IndexError(f"no card at {index}")
        at = bisect.bisect_right(self._starts, index) - 1
        if at not in self._decoded:
            self._decoded[at] = self.entries[at].cards()
        return self._decoded[at][index - self._starts[at]]

    def history_cards(self) -> list[Card]:
        """The cards that carry review history from the notes (``Card.history``), in note
        order, decoding only the notes that have some."""
        if self._cards is not None:
            return [card for card in self._cards if card.history is not None]
        return [
            card
            for entry in self.entries
            if entry.histories
            for card in entry.cards()
            if card.history is not None
        ]

    def card_ids(self) -> list[str]:
        """Every card's id, in note order, without decoding the cards."""
        if self._cards is not None:
            return [card.id for card in self._cards]
        return [card_id for entry in self.entries for card_id in split_ids(entry.ids)]

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
        prints = b"".join(fingerprint(card) for card in cards)
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
    save: bool = True,
    now: float | None = None,
) -> VaultCards:
    """Read every note of the vault at *root* into cards. Bad notes become diagnostics.

    With *cache*, notes unchanged since the last build are taken from
    ``<vault>/.flashgen/cache.pickle`` instead of being parsed. With *ledger*, card ids
    come from ``<vault>/.flashgen/ledger.pickle``, so that edited cards keep theirs, and
    the ledger is updated. Without *save*, neither file is written: the build leaves the
    vault as it found it (``flashgen check``). *now* (seconds since the epoch) dates the
    cards removed since the last build; the CLI passes the clock, and without it the
    vault's latest change stands in (the library never reads the clock). Problems with
    either file are warnings.
    """
    if now is None:
        now = _latest_change(root)
    try:
        return _collect(root, progress, cache, cache and save, ledger, save, now)
    except StateError as err:  # a cached note whose cards cannot be decoded
        result = _collect(root, progress, False, cache and save, ledger, save, now)
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
    save: bool,
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
    recalled: list[Diagnostic] = []
    for path, entry in notes.entries.items():
        result.diagnostics.extend(entry.read_problems)
        result.diagnostics.extend(entry.diagnostics)
        if path not in notes.extracted:
            recalled.extend((*entry.read_problems, *entry.diagnostics))
    result.recalled = frozenset(recalled)
    _assign(result, notes, old, use_ledger, save, now)
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
    """Each note's entry: cached when its file is unchanged, else read (and parsed if new).

    The notes to read go through :func:`parallel.map_chunks`: a first build of a big
    vault reads and parses them on every core, in chunks, merged back in note order.
    """
    result = _Notes()
    links_moved = old.files != files_digest(vault)
    paths = vault.notes()
    found: dict[str, NoteEntry | None] = {}
    to_read: list[_ToRead] = []
    for path in paths:
        entry = None if old.stale else old.notes.get(path)
        stamp = vault.files[path]
        if (
            entry is not None
            and entry.same_file(stamp, old.scanned_ns)
            and (not links_moved or entry.links_hold(vault))
        ):
            found[path] = entry
        else:
            found[path] = None
            to_read.append((path, stamp, entry))
    counted = len(paths) - len(to_read)
    if progress is not None:
        progress(counted, len(paths))

    def advance(count: int) -> None:
        nonlocal counted
        counted += count
        if progress is not None:
            progress(counted, len(paths))

    if not to_read:
        result.entries = {path: entry for path, entry in found.items() if entry is not None}
        return result
    from flashgen.build.parallel import map_chunks

    job = _ReadJob(vault, config)
    for path, (fresh, problems, extracted) in zip(
        (path for path, _stamp, _entry in to_read),
        map_chunks(_read_chunk, job, to_read, done=advance),
        strict=True,
    ):
        result.problems.extend(problems)
        found[path] = fresh
        if extracted:
            result.extracted.add(path)
        result.dirty = True
    result.entries = {path: entry for path, entry in found.items() if entry is not None}
    return result


_ToRead = tuple[str, FileStamp, "NoteEntry | None"]
"""A note to read: its path, its file's stamp, and what the cache held for it."""
_Read = tuple["NoteEntry | None", list[Diagnostic], bool]
"""What reading a note gave: its entry (None when unreadable), why not, whether parsed."""


@dataclass(frozen=True, slots=True)
class _ReadJob:
    """What every note read needs: the vault (to resolve links) and its configuration."""

    vault: VaultIndex
    config: Config


def _read_chunk(job: _ReadJob, chunk: Sequence[_ToRead]) -> list[_Read]:
    """Read the notes of *chunk* (in a worker process, or here for a small batch)."""
    recorder = LinkRecorder.of(job.vault)
    results: list[_Read] = []
    for path, stamp, entry in chunk:
        results.append(_read_note(job.vault, path, stamp, entry, recorder, job.config))
    return results


def _read_note(
    vault: VaultIndex,
    path: str,
    stamp: FileStamp,
    entry: NoteEntry | None,
    recorder: LinkRecorder,
    config: Config,
) -> _Read:
    source, problems = read_note(vault.root, path, stamp.size)
    if source is None:
        return None, problems, False
    sha = hashlib.sha256(source.text.encode("utf-8")).digest()
    if entry is not None and entry.sha256 == sha and entry.links_hold(vault):
        fresh = dataclasses.replace(
            entry, size=stamp.size, mtime_ns=stamp.mtime_ns, read_problems=tuple(problems)
        )
        return fresh, [], False
    return _extract(source, problems, stamp, sha, recorder, config), [], True


def _extract(
    source: NoteSource,
    read_problems: Sequence[Diagnostic],
    stamp: FileStamp,
    sha: bytes,
    recorder: LinkRecorder,
    config: Config,
) -> NoteEntry:
    """Parse a note and extract its cards, with their derived ids and what they link to."""
    from flashgen.identity.keys import derive_ids
    from flashgen.markdown.note import parse_note
    from flashgen.sources.registry import extract_cards, is_selected

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
    result: VaultCards, notes: _Notes, old: NoteCache, use_ledger: bool, save: bool, now: float
) -> None:
    """Give the cards their ids (stored in the entries) and keep the ledger (with *save*).

    Notes read from the cache whose ids are those the ledger holds keep them untouched;
    only the others go through :func:`identity.matching.keep_ids`, which reads the ledger
    alone. The cache only lends the last cards of vanished ones, for the deck to carry.
    """
    state = result.vault.root / STATE_FOLDER
    previous, problems = load_ledger(state) if use_ledger else (Ledger(), [])
    result.diagnostics.extend(problems)
    kept: set[str] = set()
    changed: dict[str, NoteCards] = {}
    for path, entry in notes.entries.items():
        before = previous.notes.get(path)
        if (
            before is not None
            and before.stables == entry.ids
            and path not in notes.extracted
            and before.complete()
        ):
            kept.add(path)
        elif before is not None or entry.count:
            changed[path] = list(zip(split_ids(entry.derived), entry.cards(), strict=True))
    gone = previous.notes.keys() - notes.entries.keys()
    expiring = any(now - removed.at > REMOVED_RETENTION for removed in previous.removed.values())
    if not changed and not gone and not expiring:
        result.removed = removed_cards(previous)
        return
    last_cards: dict[str, Card] = {}
    for path in (changed.keys() | gone) & previous.notes.keys():
        last = old.notes.get(path)
        if last is not None:
            with contextlib.suppress(StateError):  # only lent: the deck carries less, that's all
                last_cards.update((card.id, card) for card in last.cards())
    assignment = keep_ids(
        changed, kept, previous, notes=notes.entries.keys(), now=now, last_cards=last_cards
    )
    for path, ids in assignment.ids.items():
        entry = notes.entries[path]
        if SEPARATOR.join(ids) != entry.ids:
            notes.entries[path] = entry.with_ids(ids)
            notes.dirty = True
    result.matched = assignment.matched
    result.diagnostics.extend(assignment.diagnostics)
    result.removed = removed_cards(assignment.ledger) if use_ledger else []
    if use_ledger and save and assignment.changed:
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

"""The per-note build cache: what each note gave last time, so unchanged notes are not parsed.

One file, ``<vault>/.flashgen/cache.pickle``, and beside it ``cache.delta``: the entries
that changed since it was written. A build that changed a few notes rewrites the delta
alone (a few kilobytes, not the 40 MB of a 10,000-note vault's cache); one that changed
many, or finds no delta made against this cache file, rewrites the cache and removes the
delta. Both are written atomically. Deleting either is safe: without the delta the cache
tells of the notes as they were, which are read again when their files changed; without
the cache, the next build parses every note again. Card ids do not depend on it (the
ledger keeps what identity needs).

A note is reused without being read when its size and modification time are those
cached, unless that time was within :data:`RACY_NS` of the scan that cached it (a file
system with coarse times could hide a second edit); a note whose stamp changed is read
and reused when the SHA-256 of its text is the cached one. Either way, a note whose links
resolved to other files is extracted again when any of them now resolves differently
(a renamed image, a new note taking a linked name). When flashgen's version or code, the
vault's configuration or its name changed, no entry is reused.

Each note's cards are kept as one pickled blob and decoded only when someone asks for
them: a build that changed nothing needs only their ids and fingerprints.

File layout: two pickles of plain values (tuples, strings, numbers, bytes, dicts; a
restricted unpickler refuses anything else, so a foreign file runs no code):

1. header: ``{"format": "flashgen-cache", "version": 7, "key": (flashgen version, code
   stamp, config stamp, vault name), "scanned_ns": int, "files": bytes, "crc": int}``
   (the CRC-32 of the body's bytes, see :func:`save_state`);
2. body: ``{note path: (size, mtime_ns, sha256, read problems, diagnostics, links,
   cards blob, ids, derived ids, fingerprints, kinds, media, families, histories)}``:
   diagnostics as ``(path,
   line, severity, message, minor)``; links as ``(target, from note, resolved path or None)``;
   the blob a pickled tuple of card records (``Card.to_record``); ids and derived
   ids joined by NUL; fingerprints 16 bytes per card, concatenated; kinds as ``(kind,
   count)`` pairs; media the vault paths the cards embed; families each card's
   ``Card.family`` joined by NUL; histories whether any card carries review history.

The delta: header ``{"format": "flashgen-cache-delta", "version": 1, "base": (the
cache's CRC, its scanned_ns), "key", "scanned_ns", "files"}`` (the latter three replace the
cache's), body ``{note path: an entry as in the cache, or None for a note gone}``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import flashgen
from flashgen.build.state import STATE_FOLDER, StateError, bulk, load_state, plain_loads, save_state
from flashgen.identity.ledger import SEPARATOR, id_count, split_ids
from flashgen.model import Brief, Card, Diagnostic, Record
from flashgen.vault.index import FileStamp, VaultIndex

T = TypeVar("T")

CACHE_NAME = "cache.pickle"
DELTA_NAME = "cache.delta"
FORMAT = "flashgen-cache"
DELTA_FORMAT = "flashgen-cache-delta"
VERSION = 7
"""The layout above; 7: card records carry the HTML rendered from the note (``Card.html``)."""
DELTA_VERSION = 1
DELTA_SHARE = 8
"""The cache is rewritten whole once more than one note in this many differ from it."""
RACY_NS = 2_000_000_000
"""A note modified this close to the scan is read again next time (2 s: FAT's resolution)."""
PRINT_SIZE = 16
"""Bytes in a card fingerprint."""
Link = tuple[str, str, str | None]
"""A link resolved while extracting: (target, from note, vault path or None)."""


def fingerprint(card: Card) -> bytes:
    """A digest of a card's content: every field but its id and key."""
    return hashlib.blake2b(repr(card.content()).encode("utf-8"), digest_size=PRINT_SIZE).digest()


@dataclass(slots=True)
class NoteEntry:
    """What one note gave when it was last read; never changed once made (a new entry
    replaces it). Not a frozen dataclass: a frozen one's ``__init__`` made loading a
    10,000-note cache take 13 ms longer, paid by every build and every quiz."""

    size: int
    """File size then, in bytes."""
    mtime_ns: int
    """Modification time then."""
    sha256: bytes
    """SHA-256 of the note's decoded text."""
    read_problems: tuple[Diagnostic, ...]
    """Problems met decoding the file (not UTF-8, empty)."""
    diagnostics: tuple[Diagnostic, ...]
    """Problems met parsing it and extracting its cards."""
    links: tuple[Link, ...]
    """Each link resolved while extracting, and where to."""
    blob: bytes
    """Its cards: a pickled tuple of records, each with the id the last build gave it."""
    ids: str
    """Those ids, joined by NUL."""
    derived: str
    """Each card's derived id (``identity.derive_ids``), joined by NUL."""
    prints: bytes
    """Each card's fingerprint (:func:`fingerprint`), concatenated."""
    kinds: tuple[tuple[str, int], ...]
    """How many cards of each kind."""
    media: tuple[str, ...]
    """The vault paths its cards embed."""
    families: str
    """Each card's ``Card.family``, joined by NUL: the quiz orders its queue by ids and
    families, and decodes a card only when it shows it."""
    histories: bool
    """Whether any card carries review history (``Card.history``), which seeds the quiz."""
    decoded: tuple[Card, ...] | None = field(default=None, compare=False)
    """The cards, when at hand (never stored)."""

    @classmethod
    def of(
        cls,
        stamp: FileStamp,
        sha256: bytes,
        read_problems: Sequence[Diagnostic],
        diagnostics: Sequence[Diagnostic],
        links: Sequence[Link],
        cards: Sequence[Card],
        derived: Sequence[str],
    ) -> NoteEntry:
        """The entry of a note just read, whose *cards* have their ids."""
        records = tuple(card.to_record() for card in cards)
        return cls(
            size=stamp.size,
            mtime_ns=stamp.mtime_ns,
            sha256=sha256,
            read_problems=tuple(read_problems),
            diagnostics=tuple(diagnostics),
            links=tuple(links),
            blob=pickle.dumps(records, protocol=5),
            ids=SEPARATOR.join(card.id for card in cards),
            derived=SEPARATOR.join(derived),
            prints=b"".join(fingerprint(card) for card in cards),
            kinds=tuple(Counter(card.kind.value for card in cards).items()),
            media=tuple(dict.fromkeys(path for card in cards for path in card.media)),
            families=SEPARATOR.join(card.family for card in cards),
            histories=any(card.history is not None for card in cards),
            decoded=tuple(cards),
        )

    @property
    def count(self) -> int:
        """How many cards the note gave."""
        return len(self.prints) // PRINT_SIZE

    def family_list(self) -> list[str]:
        """Each card's ``Card.family``, in card order (without decoding the cards)."""
        return self.families.split(SEPARATOR) if self.count else []

    def cards(self) -> tuple[Card, ...]:
        """The cards (decoded from the blob unless at hand); ``StateError`` if it is damaged."""
        if self.decoded is not None:
            return self.decoded
        return self._each_record(Card.from_record)

    def matched(self) -> tuple[Card, ...]:
        """The cards with only what identity matching reads of them (id, kind, front,
        back, note, line, key; see ``identity.matching``): a first build gives all its
        cards to matching at once, and these take two thirds of the memory."""
        if self.decoded is not None:
            return tuple(
                Card(c.id, c.kind, c.front, c.back, c.note, c.line, key=c.key) for c in self.decoded
            )
        return self._each_record(Card.for_matching)

    def briefs(self) -> tuple[Brief, ...]:
        """Each card's ``Card.brief``, read from the blob without making the cards (a
        tenth of the time); ``StateError`` if it is damaged."""
        if self.decoded is not None:
            return tuple(card.brief() for card in self.decoded)
        return self._each_record(Card.brief_of)

    def dicts(self) -> tuple[dict[str, Any], ...]:
        """Each card's ``Card.to_dict``, read from the blob without making the cards;
        ``StateError`` if it is damaged."""
        if self.decoded is not None:
            return tuple(card.to_dict() for card in self.decoded)
        return self._each_record(Card.dict_of)

    def _each_record(self, read: Callable[[Record], T]) -> tuple[T, ...]:
        """*read* of each card record of the blob; ``StateError`` if it is damaged."""
        records = plain_loads(self.blob)
        if not isinstance(records, tuple) or len(records) != self.count:
            raise StateError("a note's cards are malformed")
        try:
            return tuple(read(record) for record in records)
        except ValueError as err:
            raise StateError("a note's cards are malformed") from err

    def without_cards(self) -> NoteEntry:
        """This entry without its decoded cards (decoded again when asked for)."""
        return self if self.decoded is None else dataclasses.replace(self, decoded=None)

    def with_ids(self, ids: Sequence[str]) -> NoteEntry:
        """This entry with its cards renamed to *ids*."""
        cards = [
            card if card.id == new else dataclasses.replace(card, id=new)
            for card, new in zip(self.cards(), ids, strict=True)
        ]
        return NoteEntry.of(
            FileStamp(self.size, self.mtime_ns),
            self.sha256,
            self.read_problems,
            self.diagnostics,
            self.links,
            cards,
            split_ids(self.derived),
        )

    def same_file(self, stamp: FileStamp, scanned_ns: int) -> bool:
        """True when *stamp* shows the file unchanged since a scan at *scanned_ns*."""
        return (
            self.size == stamp.size
            and self.mtime_ns == stamp.mtime_ns
            and self.mtime_ns + RACY_NS < scanned_ns
        )

    def links_hold(self, vault: VaultIndex) -> bool:
        """True when every link of the note still resolves to the same file in *vault*."""
        return all(vault.resolve(target, note) == found for target, note, found in self.links)


@dataclass(slots=True)
class NoteCache:
    """The cached notes of a vault."""

    notes: dict[str, NoteEntry] = field(default_factory=dict)
    """Vault-relative note path → entry."""
    scanned_ns: int = 0
    """When the scan that stamped the entries began (``time.time_ns()``)."""
    files: bytes = b""
    """Digest of the vault's file list then: links resolve alike while it is equal."""
    stale: bool = False
    """True when made by another flashgen or config: entries tell the old cards only."""
    base: _Base | None = field(default=None, repr=False)
    """The cache file as read, for the next save's delta against it."""


@dataclass(frozen=True, slots=True)
class _Base:
    """The cache file a delta is made against: its identity, key and records by path."""

    ident: tuple[int, int]
    """Its body's CRC-32 and its scanned_ns: what a delta names it by."""
    key: tuple[str, ...]
    records: dict[str, tuple[Any, ...]]


def cache_key(config_stamp: str, vault_name: str) -> tuple[str, ...]:
    """What every entry depends on: flashgen's version and code, the config, the vault's name."""
    return (flashgen.__version__, code_stamp(), config_stamp, vault_name)


@cache
def code_stamp() -> str:
    """A digest of flashgen's own files' names, sizes and times: any code change shows."""
    package = Path(flashgen.__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
            info = path.stat()
            name = path.relative_to(package).as_posix()
            digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def files_digest(vault: VaultIndex) -> bytes:
    """A digest of the vault's file paths: what link resolution depends on."""
    return hashlib.blake2b("\0".join(vault.files).encode("utf-8"), digest_size=16).digest()


def cache_path(vault_root: Path) -> Path:
    """Where the cache of the vault at *vault_root* lives."""
    return vault_root / STATE_FOLDER / CACHE_NAME


def load_cache(vault_root: Path, key: tuple[str, ...]) -> tuple[NoteCache, list[Diagnostic]]:
    """The vault's cache, with its delta, or an empty one when absent or unreadable (with
    a warning; a delta that cannot be used is let go).

    A cache made by another flashgen or for another config comes back ``stale``.
    """
    path = cache_path(vault_root)
    if not path.exists():
        return NoteCache(), []
    try:
        header, body = load_state(path)
        if header.get("format") != FORMAT:
            raise StateError("not a flashgen cache")
        if header.get("version") != VERSION:
            return NoteCache(), []  # another layout: start afresh
        if not isinstance(body, dict):
            raise StateError("notes missing")
        scanned_ns = _typed(header.get("scanned_ns"), int)
        files = _typed(header.get("files"), bytes)
        base = _Base((header.get("crc", 0), scanned_ns), header.get("key", ()), body)
        records = body
        later = _delta(vault_root, base)
        if later is not None:
            delta_header, changed = later
            records = {**body, **changed}
            header, scanned_ns, files = (
                delta_header,
                delta_header["scanned_ns"],
                delta_header["files"],
            )
        with bulk():
            notes = _entries({path: raw for path, raw in records.items() if raw is not None})
        found = NoteCache(
            notes=notes,
            scanned_ns=scanned_ns,
            files=files,
            stale=header.get("key") != key,
            base=base,
        )
    except StateError as err:
        return NoteCache(), [cache_unreadable(str(err))]
    return found, []


def _delta(vault_root: Path, base: _Base) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The delta beside the cache *base*, when it was made against it and is sound."""
    path = vault_root / STATE_FOLDER / DELTA_NAME
    if not path.exists():
        return None
    try:
        header, body = load_state(path)
    except StateError:
        return None
    if (
        header.get("format") != DELTA_FORMAT
        or header.get("version") != DELTA_VERSION
        or header.get("base") != base.ident
        or not isinstance(header.get("scanned_ns"), int)
        or not isinstance(header.get("files"), bytes)
        or not isinstance(body, dict)
    ):
        return None
    return header, body


def save_cache(vault_root: Path, notes: NoteCache, key: tuple[str, ...]) -> None:
    """Write the cache atomically, or only its delta against the cache file *notes* was
    read with (``NoteCache.base``) when few notes differ from it; raises ``OutputError``
    when it cannot be written."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "key": key,
        "scanned_ns": notes.scanned_ns,
        "files": notes.files,
    }
    body = _records(notes)
    base = notes.base
    delta_path = vault_root / STATE_FOLDER / DELTA_NAME
    if base is not None and base.key == key:
        records = base.records
        changed: dict[str, Any] = {p: raw for p, raw in body.items() if records.get(p) != raw}
        changed.update((path, None) for path in records.keys() - body.keys())
        if len(changed) * DELTA_SHARE <= len(body):
            delta = {**header, "format": DELTA_FORMAT, "version": DELTA_VERSION}
            save_state(delta_path, {**delta, "base": base.ident}, changed)
            return
    save_state(cache_path(vault_root), header, body)
    with suppress(OSError):  # made against the old cache: never used with the new one
        delta_path.unlink()


def _records(notes: NoteCache) -> dict[str, tuple[Any, ...]]:
    """The cache's body: each entry as a tuple of plain values."""
    return {
        path: (
            entry.size,
            entry.mtime_ns,
            entry.sha256,
            tuple(_diagnostic_record(d) for d in entry.read_problems),
            tuple(_diagnostic_record(d) for d in entry.diagnostics),
            entry.links,
            entry.blob,
            entry.ids,
            entry.derived,
            entry.prints,
            entry.kinds,
            entry.media,
            entry.families,
            entry.histories,
        )
        for path, entry in notes.notes.items()
    }


def cache_unreadable(reason: str) -> Diagnostic:
    """The warning for a cache that cannot be read."""
    return Diagnostic(
        f"{STATE_FOLDER}/{CACHE_NAME}",
        0,
        "warning",
        f"the build cache cannot be read ({reason}); every note is read again and the"
        " cache rewritten",
    )


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise StateError("header malformed")
    return value


def _entries(body: Any) -> dict[str, NoteEntry]:
    if not isinstance(body, dict):
        raise StateError("notes missing")
    notes: dict[str, NoteEntry] = {}
    try:
        for path, raw in body.items():
            size, mtime_ns, sha, problems, diagnostics, links, blob, ids, derived, prints = raw[:10]
            kinds, media, families, histories = raw[10:]
            entry = NoteEntry(
                size,
                mtime_ns,
                sha,
                tuple(Diagnostic(*d) for d in problems) if problems else (),
                tuple(Diagnostic(*d) for d in diagnostics) if diagnostics else (),
                links,
                blob,
                ids,
                derived,
                prints,
                kinds,
                media,
                families,
                histories,
            )
            if not (
                isinstance(path, str)
                and isinstance(blob, bytes)
                and isinstance(prints, bytes)
                and isinstance(families, str)
                and isinstance(histories, bool)
                and id_count(ids) == id_count(derived) == entry.count
                and families.count(SEPARATOR) == max(entry.count - 1, 0)
            ):
                raise StateError("a note entry is malformed")
            notes[path] = entry
    except (TypeError, ValueError) as err:
        raise StateError("a note entry is malformed") from err
    return notes


def _diagnostic_record(diagnostic: Diagnostic) -> tuple[str, int, str, str, bool]:
    return (
        diagnostic.path,
        diagnostic.line,
        diagnostic.severity,
        diagnostic.message,
        diagnostic.minor,
    )


@dataclass(slots=True)
class LinkRecorder(VaultIndex):
    """The vault, remembering each link resolved through it (for :attr:`NoteEntry.links`)."""

    seen: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(target, from note) → what it resolved to, since the last :meth:`take`."""

    @classmethod
    def of(cls, vault: VaultIndex) -> LinkRecorder:
        """A recorder over the files of *vault*, sharing its index of file names (built
        once, not once per recorder: a small vault reads its notes one recorder each)."""
        return cls(
            root=vault.root, files=vault.files, settings=vault.settings, _by_name=vault._by_name
        )

    def resolve(self, target: str, from_note: str) -> str | None:
        """Resolve as :meth:`VaultIndex.resolve` does, and remember the answer."""
        found = VaultIndex.resolve(self, target, from_note)
        self.seen[(target, from_note)] = found
        return found

    def take(self) -> tuple[Link, ...]:
        """The links resolved since the last call, and forget them."""
        links = tuple((target, note, found) for (target, note), found in self.seen.items())
        self.seen.clear()
        return links

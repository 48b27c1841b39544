"""The per-note build cache: what each note gave last time, so unchanged notes are not parsed.

One file, ``<vault>/.flashgen/cache.pickle``, rewritten atomically after a build that
changed anything. Deleting it is safe: the next build parses every note again (and can
then match an edited card to its old id only by the ledger's ids, not by its text).

A note is reused without being read when its size and modification time are those
cached, unless that time was within :data:`RACY_NS` of the scan that cached it (a file
system with coarse times could hide a second edit); a note whose stamp changed is read
and reused when the SHA-256 of its text is the cached one. Either way, a note whose links
resolved to other files is extracted again when any of them now resolves differently
(a renamed image, a new note taking a linked name). When flashgen's version or code, the
vault's configuration or its name changed, no entry is reused, but the entries still
tell the identity stage what the last build's cards were.

Each note's cards are kept as one pickled blob and decoded only when someone asks for
them: a build that changed nothing needs only their ids and fingerprints.

File layout: two pickles of plain values (tuples, strings, numbers, bytes, dicts; a
restricted unpickler refuses anything else, so a foreign file runs no code):

1. header: ``{"format": "flashgen-cache", "version": 2, "key": (flashgen version, code
   stamp, config stamp, vault name), "scanned_ns": int, "files": bytes, "crc": int}``
   (the CRC-32 of the body's bytes, see :func:`save_state`);
2. body: ``{note path: (size, mtime_ns, sha256, read problems, diagnostics, links,
   cards blob, ids, derived ids, fingerprints, kinds, media)}``: diagnostics as ``(path,
   line, severity, message)``; links as ``(target, from note, resolved path or None)``;
   the blob a pickled tuple of card records (see :func:`card_record`); ids and derived
   ids joined by NUL; fingerprints 16 bytes per card, concatenated; kinds as ``(kind,
   count)`` pairs; media the vault paths the cards embed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import pickle
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import flashgen
from flashgen.files import write_atomic
from flashgen.model import Card, Diagnostic
from flashgen.vault import FileStamp, VaultIndex, inside_vault

CACHE_NAME = "cache.pickle"
STATE_FOLDER = ".flashgen"
FORMAT = "flashgen-cache"
VERSION = 2
RACY_NS = 2_000_000_000
"""A note modified this close to the scan is read again next time (2 s: FAT's resolution)."""
PRINT_SIZE = 16
"""Bytes in a card fingerprint."""
SEPARATOR = "\0"
"""Between the ids of a note's cards."""

Record = tuple[Any, ...]
"""A card as a plain tuple of its fields, in declaration order (see :func:`card_record`)."""
Link = tuple[str, str, str | None]
"""A link resolved while extracting: (target, from note, vault path or None)."""

_RECORD_FIELDS = 12


class StateError(Exception):
    """A state file cannot be read; callers turn it into a warning and start afresh."""


# Plain pickles


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles builtin values only: a foreign or forged file cannot name a class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Make many long-lived objects without the cyclic garbage collector looking at them.

    A cache holds hundreds of thousands of tuples, none in a cycle. The collector would
    traverse them all, again and again while they are made and once more afterwards;
    instead it is paused, and what was made goes straight to the oldest generation.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def plain_loads(data: bytes) -> Any:
    """Unpickle *data*, plain values only; ``StateError`` when it is not such a pickle."""
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as err:  # a damaged pickle raises nearly anything
        raise StateError(f"damaged: {type(err).__name__}") from err


def load_state(path: Path) -> tuple[dict[str, Any], Any]:
    """A state file's header and body (see :func:`save_state`); ``StateError`` if unreadable."""
    _refuse_symlink(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StateError(err.strerror or str(err)) from err
    stream = io.BytesIO(data)
    try:
        header = _PlainUnpickler(stream).load()
    except Exception as err:  # a damaged pickle raises nearly anything
        raise StateError(f"damaged: {type(err).__name__}") from err
    if not isinstance(header, dict):
        raise StateError("not a flashgen state file")
    if zlib.crc32(memoryview(data)[stream.tell() :]) != header.get("crc"):
        raise StateError("damaged: checksum mismatch")
    try:
        with bulk():
            body = _PlainUnpickler(stream).load()
    except Exception as err:
        raise StateError(f"damaged: {type(err).__name__}") from err
    return header, body


def read_header(path: Path) -> dict[str, Any]:
    """The header of a state file; the body is neither read nor checked."""
    _refuse_symlink(path)
    try:
        with path.open("rb") as handle:
            header = _PlainUnpickler(handle).load()
    except OSError as err:
        raise StateError(err.strerror or str(err)) from err
    except Exception as err:
        raise StateError(f"damaged: {type(err).__name__}") from err
    if not isinstance(header, dict):
        raise StateError("not a flashgen state file")
    return header


def _refuse_symlink(path: Path) -> None:
    # State files are only ever written in place (atomically), never as links: a link is
    # someone's attempt to make flashgen read a file elsewhere.
    if path.is_symlink():
        raise StateError("it is a symlink, not read")


def state_outside(vault_root: Path) -> bool:
    """True when the vault's state folder ``.flashgen`` is a symlink leading out of it."""
    folder = vault_root / STATE_FOLDER
    return folder.is_symlink() and not inside_vault(vault_root.resolve(), folder)


def save_state(path: Path, header: dict[str, Any], body: Any) -> None:
    """Write a state file atomically: *header*, with a CRC-32 of the body, then *body*.

    Both are pickles of plain values. Raises ``OutputError`` when it cannot be written.
    """
    data = pickle.dumps(body, protocol=5)
    head = pickle.dumps({**header, "crc": zlib.crc32(data)}, protocol=5)

    def write(handle: BinaryIO) -> None:
        handle.write(head)
        handle.write(data)

    write_atomic(path, write)


# Cards


def card_record(card: Card) -> Record:
    """*card* as a plain tuple of its fields in declaration order (fast to pickle and load)."""
    return (
        card.id,
        card.kind,
        card.front,
        card.back,
        card.note,
        card.line,
        card.context,
        card.tags,
        card.deck,
        card.media,
        card.extra,
        card.key,
    )


def card_from_record(record: Record) -> Card:
    """The card a record holds."""
    return Card(*record)


def fingerprint(record: Record) -> bytes:
    """A digest of a card's content: every field but its id and key."""
    return hashlib.blake2b(repr(record[1:11]).encode("utf-8"), digest_size=PRINT_SIZE).digest()


def split_ids(joined: str) -> list[str]:
    """The ids of a joined id list ('' is no id at all)."""
    return joined.split(SEPARATOR) if joined else []


def id_count(joined: str) -> int:
    """How many ids a joined id list holds."""
    return joined.count(SEPARATOR) + 1 if joined else 0


# Entries


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """What one note gave when it was last read."""

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
        records = tuple(card_record(card) for card in cards)
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
            prints=b"".join(fingerprint(record) for record in records),
            kinds=tuple(Counter(card.kind for card in cards).items()),
            media=tuple(dict.fromkeys(path for card in cards for path in card.media)),
            decoded=tuple(cards),
        )

    @property
    def count(self) -> int:
        """How many cards the note gave."""
        return len(self.prints) // PRINT_SIZE

    def records(self) -> tuple[Record, ...]:
        """The cards as records; ``StateError`` when the blob is damaged."""
        records = plain_loads(self.blob)
        if not isinstance(records, tuple) or len(records) != self.count:
            raise StateError("a note's cards are malformed")
        for record in records:
            if not isinstance(record, tuple) or len(record) != _RECORD_FIELDS:
                raise StateError("a note's cards are malformed")
        return records

    def cards(self) -> tuple[Card, ...]:
        """The cards (decoded from the blob unless at hand)."""
        if self.decoded is not None:
            return self.decoded
        try:
            return tuple(card_from_record(record) for record in self.records())
        except TypeError as err:
            raise StateError("a note's cards are malformed") from err

    def with_ids(self, ids: Sequence[str]) -> NoteEntry:
        """This entry with its cards renamed to *ids*."""
        cards = [
            card if card.id == new else _renamed(card, new)
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


def _renamed(card: Card, card_id: str) -> Card:
    record = card_record(card)
    return card_from_record((card_id, *record[1:]))


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
    """The vault's cache, or an empty one when absent or unreadable (with a warning).

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
        with bulk():
            notes = _entries(body)
        found = NoteCache(
            notes=notes,
            scanned_ns=_typed(header.get("scanned_ns"), int),
            files=_typed(header.get("files"), bytes),
            stale=header.get("key") != key,
        )
    except StateError as err:
        return NoteCache(), [cache_unreadable(str(err))]
    return found, []


def save_cache(vault_root: Path, notes: NoteCache, key: tuple[str, ...]) -> None:
    """Write the cache atomically; raises ``OutputError`` when it cannot be written."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "key": key,
        "scanned_ns": notes.scanned_ns,
        "files": notes.files,
    }
    body = {
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
        )
        for path, entry in notes.notes.items()
    }
    save_state(cache_path(vault_root), header, body)


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
            kinds, media = raw[10:]
            entry = NoteEntry(
                size,
                mtime_ns,
                sha,
                tuple(Diagnostic(*d) for d in problems),
                tuple(Diagnostic(*d) for d in diagnostics),
                links,
                blob,
                ids,
                derived,
                prints,
                kinds,
                media,
            )
            if not (
                isinstance(path, str)
                and isinstance(blob, bytes)
                and isinstance(prints, bytes)
                and id_count(ids) == id_count(derived) == entry.count
            ):
                raise StateError("a note entry is malformed")
            notes[path] = entry
    except (TypeError, ValueError) as err:
        raise StateError("a note entry is malformed") from err
    return notes


def _diagnostic_record(diagnostic: Diagnostic) -> tuple[str, int, str, str]:
    return (diagnostic.path, diagnostic.line, diagnostic.severity, diagnostic.message)


@dataclass(slots=True)
class LinkRecorder(VaultIndex):
    """The vault, remembering each link resolved through it (for :attr:`NoteEntry.links`)."""

    seen: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(target, from note) → what it resolved to, since the last :meth:`take`."""

    @classmethod
    def of(cls, vault: VaultIndex) -> LinkRecorder:
        """A recorder over the files of *vault*."""
        return cls(root=vault.root, files=vault.files)

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

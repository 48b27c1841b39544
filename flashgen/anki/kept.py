"""What the last deck was made of, kept beside it so that the next deck patches it.

Two files beside ``<vault>.apkg``:

- ``.<vault>.apkg.collection``: the deck's collection database, as the deck holds it;
- ``.<vault>.apkg.parts`` (a state file, see ``build.state``): header ``{"format",
  "version", "stamp", "deck": (size, mtime_ns), "collection": (size, mtime_ns)}``; body
  ``{"groups": {a group's key: Made}, "media": {media name: (method, crc,
  size, raw size, offset in the deck)}, "files": {vault path: (size, mtime_ns, media
  name)}, "packed": (the collection's entry in the deck, as the media's, and its pieces:
  ((raw size, compressed size), ...))}``.

A group is one note's cards (``outputs.CardGroup``), keyed by what its rows are made
of. The next package copies the collection, keeps the rows of every group whose key it
holds, without decoding their cards, and writes the other groups' notes again; it
copies unchanged media entries raw from the deck (offsets and CRCs from the parts)
and the collection's deflated pieces whose bytes did not change (``apkg_zip.Before``),
and names an image whose file kept its size and time without reading it. Both
files are trusted only while the deck and the collection are exactly those they were
written with (same size and time) and flashgen, its libraries and zlib are the same;
otherwise the package is made from nothing, which gives the same bytes, only slower.
"""

from __future__ import annotations

import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import flashgen
from flashgen.anki.apkg_zip import Entry, Pieces
from flashgen.build.cache import code_stamp
from flashgen.build.outputs import file_stamp
from flashgen.build.state import StateError, load_state, save_state
from flashgen.errors import OutputError

FORMAT = "flashgen-deck-parts"
VERSION = 6

Made = tuple[tuple[str, str, int, int, int], ...]
"""A group's notes in the collection: (GUID, deck name, note type id, mod, note id) of each."""
FileName = tuple[int, int, str]
"""A vault file's (size, mtime_ns) when it was named, and its media name."""


@dataclass(slots=True)
class Kept:
    """The parts of the previous deck that can be used again (none, for a first build)."""

    groups: dict[bytes, Made] = field(default_factory=dict)
    """A group's key → its notes in :attr:`collection`."""
    media: dict[str, Entry] = field(default_factory=dict)
    """Media name → its entry in :attr:`deck`."""
    files: dict[str, FileName] = field(default_factory=dict)
    """Vault path → what it was named (see :data:`FileName`)."""
    collection: Path | None = None
    """The previous collection database, when it can be patched."""
    deck: Path | None = None
    """The previous deck, when its entries can be copied."""
    packed: tuple[Entry, Pieces] | None = None
    """The collection's entry in :attr:`deck`, and how its data was cut."""


def collection_path(parts: Path) -> Path:
    """Where the collection kept with the parts file *parts* lives."""
    return parts.with_name(parts.name.removesuffix(".parts") + ".collection")


def load_kept(parts: Path, deck: Path) -> Kept:
    """What *parts* says of the deck *deck*; nothing when either changed since or is unreadable."""
    collection = collection_path(parts)
    try:
        header, body = load_state(parts)
        if (
            header.get("format") != FORMAT
            or header.get("version") != VERSION
            or header.get("stamp") != _stamp()
            or header.get("deck") != file_stamp(deck)
            or header.get("collection") != file_stamp(collection)
            or header.get("deck") is None
        ):
            return Kept()
        return Kept(
            groups=dict(body["groups"]),
            media={name: Entry(*entry) for name, entry in body["media"].items()},
            files={path: (int(a), int(b), str(c)) for path, (a, b, c) in body["files"].items()},
            collection=collection,
            deck=deck,
            packed=_packed(body["packed"]),
        )
    except (StateError, KeyError, TypeError, ValueError, AttributeError):
        return Kept()


def save_kept(parts: Path, deck: Path, kept: Kept) -> None:
    """Record *kept* as what the deck just written at *deck* is made of.

    Its collection must be at :func:`collection_path` already. When the parts cannot be
    saved, any older parts file is removed, so that it never describes the wrong deck.
    """
    header = {
        "format": FORMAT,
        "version": VERSION,
        "stamp": _stamp(),
        "deck": file_stamp(deck),
        "collection": file_stamp(collection_path(parts)),
    }
    body = {
        "groups": kept.groups,
        "media": {name: _entry(entry) for name, entry in kept.media.items()},
        "files": kept.files,
        "packed": None if kept.packed is None else (_entry(kept.packed[0]), kept.packed[1]),
    }
    try:
        save_state(parts, header, body)
    except OutputError:  # the deck is written; the next one is made from nothing, that's all
        with suppress(OSError):
            parts.unlink()


def _entry(entry: Entry) -> tuple[int, ...]:
    return (entry.method, entry.crc, entry.size, entry.raw_size, entry.offset)


def _packed(found: Any) -> tuple[Entry, Pieces] | None:
    """The collection's entry and pieces as the parts hold them (see :data:`Pieces`);
    malformed ones raise what ``load_kept`` catches."""
    if found is None:
        return None
    entry, pieces = found
    return Entry(*(int(value) for value in entry)), tuple((int(a), int(b)) for a, b in pieces)


def _stamp() -> tuple[str, ...]:
    """What the kept parts' bytes depend on besides the cards: flashgen, genanki and zlib."""
    return (flashgen.__version__, code_stamp(), version("genanki"), zlib.ZLIB_RUNTIME_VERSION)

"""The zip container of an Anki package, written entry by entry so entries can be copied.

An ``.apkg`` is a plain zip: the collection, the ``media`` list, and each media file
under its number. :class:`ZipWriter` writes such a zip with the same bytes whatever the
way an entry's data came: compressed now, or copied raw (compressed bytes and CRC as
they are) from the previous deck, which is what lets a rebuild copy unchanged images
without compressing them again. Formats that are compressed already (PNG, JPEG, GIF,
WebP and the like) are stored: deflating them costs time and saves nothing.

Entries are dated by the deck's timestamp and carry nothing else that varies, so the
same entries give the same bytes. The classic zip format is used (no zip64): an entry or
an archive of 4 GiB or more, or more than 65,534 entries, is refused with an
``OutputError`` rather than written in a form some readers reject.
"""

from __future__ import annotations

import struct
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flashgen.errors import OutputError

ZIP_EPOCH = 315_532_800
"""1980-01-01: zip entries cannot be dated earlier."""
LEVEL = 1
"""Deflate level: 3x as fast as the default 6 on a collection, for a package 12 % larger."""
STORED, DEFLATED = 0, 8
"""The zip compression methods used."""
COMPRESSED_ALREADY = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".heic", ".mp3", ".mp4", ".m4a", ".ogg"}
)
"""Suffixes of formats that deflate cannot shrink: their entries are stored as they are."""
_LIMIT = 0xFFFF_FFFF
_MOST_ENTRIES = 0xFFFE
_CHUNK = 1 << 20
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry as written: how to copy it into the next zip without touching its data."""

    method: int
    """``STORED`` or ``DEFLATED``."""
    crc: int
    """CRC-32 of the uncompressed data."""
    size: int
    """Bytes of data as written (compressed when deflated)."""
    raw_size: int
    """Bytes of data uncompressed."""
    offset: int
    """Where the data starts in the zip file."""


def method_for(name: str) -> int:
    """How a media file called *name* is written: stored if compressed already, else deflated."""
    return STORED if PurePosixPath(name).suffix.lower() in COMPRESSED_ALREADY else DEFLATED


class ZipWriter:
    """Writes zip entries in order to a seekable binary file, then the central directory."""

    def __init__(self, handle: BinaryIO, timestamp: float) -> None:
        self._handle = handle
        moment = time.gmtime(max(timestamp, ZIP_EPOCH))
        self._time = moment.tm_hour << 11 | moment.tm_min << 5 | moment.tm_sec // 2
        self._date = (moment.tm_year - 1980) << 9 | moment.tm_mon << 5 | moment.tm_mday
        self._directory: list[tuple[bytes, int, Entry]] = []

    def write(self, name: str, chunks: Iterable[bytes], method: int) -> Entry:
        """Write the entry *name* from its uncompressed data, compressing it with *method*."""
        return self.write_pieces(name, chunks, method)[0]

    def write_pieces(
        self, name: str, chunks: Iterable[bytes], method: int, before: Before | None = None
    ) -> tuple[Entry, Pieces]:
        """Write the entry *name* from its uncompressed data, compressing it with *method*;
        return it and how its data was cut (for the next zip's *before*).

        Deflated data is compressed a chunk at a time, each piece on its own and ended
        on a byte boundary (a sync flush, as pigz does), two at once on two threads (zlib
        lets go of the GIL): the pieces joined are one deflate stream, the same for the
        same data, made in half the time of one stream for a collection of 100 MB. A
        piece depends on its chunk alone, so one that *before* (the entry as the
        previous zip holds it) has for the same bytes at the same place is copied from
        there: a collection patched for one edit deflates a few chunks, not all.
        """
        start = self._begin(name)
        crc = raw_size = size = 0
        pieces: list[tuple[int, int]] = []

        def put(data: bytes) -> None:
            nonlocal size
            self._handle.write(data)
            size += len(data)

        with ThreadPoolExecutor(max_workers=2) as threads:
            pending: deque[tuple[int, Future[bytes] | bytes]] = deque()
            for chunk in chunks:
                crc = zlib.crc32(chunk, crc)
                if method != DEFLATED:
                    put(chunk)
                else:
                    index = len(pieces) + len(pending)
                    work: Future[bytes] | bytes | None = None
                    if before is not None:
                        work = before.piece(index, raw_size, chunk)
                    if work is None:
                        work = threads.submit(_deflate, chunk, zlib.Z_SYNC_FLUSH)
                    pending.append((len(chunk), work))
                    while len(pending) > 2:
                        pieces.append(_take(pending.popleft(), put))
                raw_size += len(chunk)
            while pending:
                pieces.append(_take(pending.popleft(), put))
        if method == DEFLATED:
            put(_deflate(b"", zlib.Z_FINISH))  # the final, empty block
        entry = self._end(name, start, Entry(method, crc, size, raw_size, 0))
        return entry, tuple(pieces)

    def copy(self, name: str, source: BinaryIO, entry: Entry) -> Entry:
        """Write the entry *name* with the data of *entry*, read raw from the zip *source*."""
        start = self._begin(name)
        source.seek(entry.offset)
        left = entry.size
        while left:
            data = source.read(min(_CHUNK, left))
            if not data:
                raise OutputError("the previous deck is shorter than it was when written")
            self._handle.write(data)
            left -= len(data)
        return self._end(name, start, entry)

    def close(self) -> None:
        """Write the central directory and the end record."""
        start = self._handle.tell()
        for encoded, header, entry in self._directory:
            common = self._common(entry, encoded)
            # made by: zip 2.0 on Unix; no extra field, comment, disk or internal attributes
            central = _CENTRAL.pack(0x02014B50, 0x0314, *common, 0, 0, 0, 0, 0o644 << 16, header)
            self._handle.write(central + encoded)
        end = self._handle.tell()
        count = len(self._directory)
        _check(count <= _MOST_ENTRIES and end <= _LIMIT, "more than 65,534 files or 4 GiB")
        self._handle.write(_END.pack(0x06054B50, 0, 0, count, count, end - start, start, 0))

    def _common(self, entry: Entry, encoded: bytes) -> tuple[int, ...]:
        """The fields both headers of an entry share: version needed (2.0) to name length."""
        return (20, 0, entry.method, self._time, self._date, entry.crc, entry.size,
                entry.raw_size, len(encoded))  # fmt: skip

    def _begin(self, name: str) -> int:
        start = self._handle.tell()
        self._handle.write(_LOCAL.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) + name.encode())
        return start

    def _end(self, name: str, start: int, entry: Entry) -> Entry:
        """Fill in the local header of the entry at *start* once its data is written."""
        _check(max(entry.size, entry.raw_size, self._handle.tell()) <= _LIMIT, "4 GiB")
        encoded = name.encode()
        after = self._handle.tell()
        self._handle.seek(start)
        self._handle.write(_LOCAL.pack(0x04034B50, *self._common(entry, encoded), 0))
        self._handle.seek(after)
        placed = Entry(entry.method, entry.crc, entry.size, entry.raw_size, after - entry.size)
        self._directory.append((encoded, start, placed))
        return placed


Pieces = tuple[tuple[int, int], ...]
"""How a deflated entry's data was cut: (bytes uncompressed, bytes compressed) of each
piece, in order (the final empty block not counted)."""


class Before:
    """A deflated entry of the previous zip and the file of its uncompressed data: the
    pieces of it that a new entry can copy (see :meth:`ZipWriter.write_pieces`)."""

    def __init__(self, raw: BinaryIO, deck: BinaryIO, entry: Entry, pieces: Pieces) -> None:
        self._raw = raw
        self._deck = deck
        self._pieces = pieces
        self._where: list[tuple[int, int]] = []  # (uncompressed, compressed) start of each
        raw_at, packed_at = 0, entry.offset
        for raw_size, size in pieces:
            self._where.append((raw_at, packed_at))
            raw_at += raw_size
            packed_at += size
        if packed_at > entry.offset + entry.size or raw_at > entry.raw_size:
            self._pieces = ()  # not this entry's pieces: copy none

    def piece(self, index: int, offset: int, chunk: bytes) -> bytes | None:
        """The compressed piece *index* when it holds *chunk*, found at *offset* in the
        uncompressed data then as now; None when the data there differs."""
        if index >= len(self._pieces):
            return None
        raw_size, size = self._pieces[index]
        raw_at, packed_at = self._where[index]
        if raw_at != offset or raw_size != len(chunk):
            return None
        self._raw.seek(raw_at)
        if self._raw.read(raw_size) != chunk:
            return None
        self._deck.seek(packed_at)
        data = self._deck.read(size)
        if len(data) != size:
            raise OutputError("the previous deck is shorter than it was when written")
        return data


def _take(
    pending: tuple[int, Future[bytes] | bytes], put: Callable[[bytes], None]
) -> tuple[int, int]:
    """Write a piece (copied, or being deflated); its (uncompressed, compressed) size."""
    raw_size, work = pending
    data = work if isinstance(work, bytes) else work.result()
    put(data)
    return raw_size, len(data)


def _deflate(data: bytes, mode: int) -> bytes:
    """*data* as raw deflate on its own, ended by *mode* (a sync flush, or the end)."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(mode)


def _check(fits: bool, what: str) -> None:
    if not fits:
        raise OutputError(f"the deck would hold {what}, more than a zip file can: split the vault")


def file_chunks(path: Path) -> Iterable[bytes]:
    """The bytes of the file at *path*, a megabyte at a time."""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk

"""The images of a deck: their media names in the package, read from the vault.

A media name is ``{stem}-{sha1[:10]}{suffix}``: stable across builds, and two files that
share a basename get different ones. An image deleted or unreadable since the vault was
scanned is left out and said so, once per note that embeds it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from flashgen.anki.kept import Kept
from flashgen.model import Card, Diagnostic

_UNSAFE_IN_MEDIA_NAME = re.compile(r"[^\w.-]+")
"""Anki rewrites or rejects some characters in media names; keep only the plainest ones."""
_VANISHED = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
"""What reading an image deleted or replaced since the vault was scanned raises."""


def read_media(
    cards: Sequence[Card], vault_root: Path
) -> tuple[dict[str, str], dict[str, bytes], dict[str, str]]:
    """The images *cards* embed: vault path → media name, media name → content, and
    vault path → why it could not be read (see ``unread_images``)."""
    media, unread = _read_media(distinct(path for card in cards for path in card.media), vault_root)
    names = {path: name for path, (name, _data) in media.items()}
    return names, {name: data for name, data in media.values()}, unread


def media_name(path: str, data: bytes, *, digits: int = 10) -> str:
    """The Anki media name of the vault file *path* holding *data*: ``{stem}-{sha1[:10]}{suffix}``.

    Two different files that share a basename get different names; the same content under
    the same basename shares one.
    """
    pure = PurePosixPath(path)
    stem = _safe_name_part(pure.stem)[:60] or "image"
    suffix = _safe_name_part(pure.suffix)
    return f"{stem}-{hashlib.sha1(data).hexdigest()[:digits]}{'.' if suffix else ''}{suffix}"


def distinct(items: Iterable[str]) -> list[str]:
    """*items*, each once, in order of first appearance."""
    return list(dict.fromkeys(items))


def _safe_name_part(text: str) -> str:
    return _UNSAFE_IN_MEDIA_NAME.sub("_", unicodedata.normalize("NFC", text)).strip("._")


Named = tuple[str, tuple[int, int]]
"""A media file's name in the package, and its vault file's (size, mtime_ns) when named."""


def name_media(
    paths: Sequence[str], vault_root: Path, kept: Kept
) -> tuple[dict[str, Named], dict[str, str]]:
    """Map each vault path to its media name, and each unreadable one to why.

    A file whose size and time are those it had when the last package named it keeps
    that name unread; the others are read (and let go: the package reads them again).
    """
    media: dict[str, Named] = {}
    unread: dict[str, str] = {}
    taken: dict[str, str] = {}
    for path in paths:
        try:
            info = (vault_root / path).stat()
        except OSError as err:
            unread[path] = _unreadable(path, err)
            continue
        stamp = (info.st_size, info.st_mtime_ns)
        known = kept.files.get(path)
        if known is not None and known[:2] == stamp:
            media[path] = (known[2], stamp)
            continue
        data = _read_image(vault_root, path, unread)
        if data is not None:
            media[path] = (_unique_name(path, data, taken), stamp)
    return media, unread


def _read_image(vault_root: Path, path: str, unread: dict[str, str]) -> bytes | None:
    """The bytes of the image *path*; None, and why in *unread*, when it cannot be read."""
    try:
        return (vault_root / path).read_bytes()
    except OSError as err:
        unread[path] = _unreadable(path, err)
        return None


def _unreadable(path: str, err: OSError) -> str:
    if isinstance(err, _VANISHED):
        return f"image {path} vanished during the build; rebuild to include it"
    return (
        f"cannot read image {path} ({err.strerror or err}); it is shown as missing:"
        " make it readable and rebuild"
    )


def _unique_name(path: str, data: bytes, taken: dict[str, str]) -> str:
    """The media name of *path* holding *data*, unlike the names *taken* (name → SHA-1)."""
    name = media_name(path, data)
    digest = hashlib.sha1(data).hexdigest()
    if taken.setdefault(name, digest) != digest:
        # Ten hex digits of SHA-1 collided: fall back to the whole digest.
        name = media_name(path, data, digits=40)
        taken[name] = digest
    return name


def distinct_files(media: Mapping[str, Named], vault_root: Path) -> dict[str, Path]:
    """Media name → the file it is read from, each name once, in order of first use."""
    files: dict[str, Path] = {}
    for path, (name, _stamp) in media.items():
        files.setdefault(name, vault_root / path)
    return files


def _read_media(
    paths: Sequence[str], vault_root: Path
) -> tuple[dict[str, tuple[str, bytes]], dict[str, str]]:
    """Map each vault path to its media name and content, and each unreadable one to why."""
    media: dict[str, tuple[str, bytes]] = {}
    unread: dict[str, str] = {}
    taken: dict[str, str] = {}
    for path in paths:
        data = _read_image(vault_root, path, unread)
        if data is not None:
            media[path] = (_unique_name(path, data, taken), data)
    return media, unread


def unread_images(cards: Iterable[Card], unread: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """A warning for each note whose cards embed an image that could not be read."""
    if not unread:
        return ()
    found: dict[tuple[str, str], Diagnostic] = {}
    for card in cards:
        for path in card.media:
            if path in unread and (card.note, path) not in found:
                found[card.note, path] = Diagnostic(card.note, card.line, "warning", unread[path])
    return tuple(sorted(found.values(), key=lambda d: (d.path, d.line, d.message)))

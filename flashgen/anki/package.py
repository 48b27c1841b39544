"""Cards → an Anki package (``.apkg``); the only module that knows genanki.

Anki matches what it imports by identity, so everything here is stable across builds:
note types by their fixed model ids, notes by their GUID (the card id), decks by a hash
of their name, and media by a name derived from the file's content.  Importing a newer
package therefore updates the notes in place and keeps their review history.

Cards that bring review history from obsidian-spaced-repetition (``Card.history``)
are written as review cards with that due day, interval
and ease. Anki keeps this only for cards new to the collection, and only when the import
is asked to ("Import any learning progress"); otherwise they arrive new.

Rendering the cards' Markdown is most of a package's cost, so each card's rendered fields
are kept in a render cache file (``write_apkg``'s *render_cache*) by a digest of what they
are made from; the next package renders only the cards that changed. The file is a state
file (``cache.save_state``) keyed by flashgen's version and code and the Markdown parser's
versions; when it is missing, damaged or from another flashgen, every card is rendered.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing, suppress
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import quote

import genanki

from flashgen.anki.notetypes import COMPARISON, NOTE_TYPES, QA, NoteType
from flashgen.anki.render_cache import _load_renders, _Renderer, _save_renders
from flashgen.build.atomic import write_atomic
from flashgen.build.outputs import DeckSummary
from flashgen.build.state import bulk
from flashgen.errors import OutputError
from flashgen.model import Card, Diagnostic, SrHistory

DEFAULT_DECK = "flashgen"
"""Deck of the cards that name none."""

_DECK_IDS = range(1 << 30, 1 << 31)
"""The ids genanki recommends for decks (and models)."""
_ZIP_EPOCH = 315_532_800
"""1980-01-01: zip entries cannot be dated earlier."""
_ZIP_LEVEL = 1
"""Deflate level: 3x as fast as the default 6 on a collection, for a package 12 % larger."""
_UNSAFE_IN_MEDIA_NAME = re.compile(r"[^\w.-]+")
"""Anki rewrites or rejects some characters in media names; keep only the plainest ones."""
_REVIEW = 2
"""Anki's card type and queue for a card in review (``CARD_TYPE_REV``, ``QUEUE_TYPE_REV``)."""
_VANISHED = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
"""What reading an image deleted or replaced since the vault was scanned raises."""
_DAY_COUNTING = {"schedVer": 2, "rollover": 4, "creationOffset": 0}
"""Package settings that fix which day the package's day numbers count from.

On import, Anki moves a review card's due day by (package's day number today) -
(collection's day number today). genanki's collection has no scheduler settings, so
Anki upgrades it and dates its ``crt`` (2014-09-19 11:00 UTC) in the importer's time
zone: day 0 would be 20 September at UTC+13 and beyond (cards due a day late) and
18 September at UTC-12 (a day early).
Declared created in UTC, day 0 is ``crt``'s UTC day everywhere; with both collections
starting their days at 4 am local time, the shift is then a whole number of calendar days.
"""


def write_apkg(
    cards: Sequence[Card],
    out: Path,
    *,
    vault_root: Path,
    vault_name: str,
    timestamp: float,
    render_cache: Path | None = None,
    sanitize_html: bool = False,
    line_breaks: bool = False,
) -> DeckSummary:
    """Write *cards* to the Anki package *out*, replacing it atomically.

    Media paths in the cards are read from *vault_root*; an image that cannot be read
    (deleted since the vault was scanned) is shown as missing, with a warning in the
    summary's diagnostics. *vault_name* builds the ``obsidian://`` links back to each
    card's note; *timestamp* (seconds since the epoch) stamps the notes, and must grow
    between builds for Anki to update imported notes. With *render_cache*, cards whose
    fields that file holds are not rendered again, and the file is updated. With
    *sanitize_html*, scripts, event handlers and ``javascript:`` links are removed from
    the fields (see :mod:`flashgen.sanitize`); by default the notes' HTML is kept. With
    *line_breaks*, a single newline inside a paragraph shows as a line break.
    Raises ``OutputError`` when the package cannot be written; *out* is then unchanged.
    """
    _check_unique_ids(cards)
    media, unread = _read_media(
        _distinct(path for card in cards for path in card.media), vault_root
    )
    names = {path: name for path, (name, _data) in media.items()}
    files = {name: data for name, data in media.values()}
    with bulk():  # a note, its fields and its tags for each card: none in a cycle
        renderer = _Renderer(
            found=_load_renders(render_cache), sanitize=sanitize_html, line_breaks=line_breaks
        )
        decks = _build_decks(cards, names, vault_name, renderer)
        _write_package(genanki.Package(decks), files, out, timestamp, _review_history(cards))
    if render_cache is not None:
        _save_renders(render_cache, renderer)
    return DeckSummary(
        notes=len(cards),
        decks=len(decks),
        media=len(files),
        diagnostics=_unread_images(cards, unread),
    )


def media_name(path: str, data: bytes, *, digits: int = 10) -> str:
    """The Anki media name of the vault file *path* holding *data*: ``{stem}-{sha1[:10]}{suffix}``.

    Two different files that share a basename get different names; the same content under
    the same basename shares one.
    """
    pure = PurePosixPath(path)
    stem = _safe_name_part(pure.stem)[:60] or "image"
    suffix = _safe_name_part(pure.suffix)
    return f"{stem}-{hashlib.sha1(data).hexdigest()[:digits]}{'.' if suffix else ''}{suffix}"


def anki_tag(tag: str) -> str:
    """An Obsidian tag as an Anki tag: nesting ``a/b`` becomes ``a::b``, spaces ``_``."""
    return "_".join(tag.split()).replace("/", "::")


def deck_id(name: str) -> int:
    """A stable deck id for the deck *name*, in the range genanki accepts."""
    digest = int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big")
    return _DECK_IDS.start + digest % len(_DECK_IDS)


def obsidian_link(note: str, line: int, vault_name: str) -> str:
    """An HTML link that opens *note* in Obsidian, labelled ``note:line``."""
    start, label = _link_parts(note, vault_name)
    return f"{start}{label}:{line}</a>"


def _link_parts(note: str, vault_name: str) -> tuple[str, str]:
    """The opening ``<a href=…>`` of a link to *note*, and its label without the line."""
    file = note.removesuffix(".md")
    href = f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"
    return f'<a href="{escape(href)}">', escape(note)


def _check_unique_ids(cards: Sequence[Card]) -> None:
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise ValueError(f"two cards share the id {card.id!r}; card ids must be unique")
        seen.add(card.id)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _safe_name_part(text: str) -> str:
    return _UNSAFE_IN_MEDIA_NAME.sub("_", unicodedata.normalize("NFC", text)).strip("._")


def _read_media(
    paths: Sequence[str], vault_root: Path
) -> tuple[dict[str, tuple[str, bytes]], dict[str, str]]:
    """Map each vault path to its media name and content, and each unreadable one to why."""
    media: dict[str, tuple[str, bytes]] = {}
    unread: dict[str, str] = {}
    taken: dict[str, bytes] = {}
    for path in paths:
        try:
            data = (vault_root / path).read_bytes()
        except _VANISHED:
            unread[path] = f"image {path} vanished during the build; rebuild to include it"
            continue
        except OSError as err:
            unread[path] = (
                f"cannot read image {path} ({err.strerror or err}); it is shown as missing:"
                " make it readable and rebuild"
            )
            continue
        name = media_name(path, data)
        if taken.setdefault(name, data) != data:
            # Ten hex digits of SHA-1 collided: fall back to the whole digest.
            name = media_name(path, data, digits=40)
            taken[name] = data
        media[path] = (name, data)
    return media, unread


def _unread_images(cards: Iterable[Card], unread: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """A warning for each note whose cards embed an image that could not be read."""
    if not unread:
        return ()
    found: dict[tuple[str, str], Diagnostic] = {}
    for card in cards:
        for path in card.media:
            if path in unread and (card.note, path) not in found:
                found[card.note, path] = Diagnostic(card.note, card.line, "warning", unread[path])
    return tuple(sorted(found.values(), key=lambda d: (d.path, d.line, d.message)))


def _build_decks(
    cards: Sequence[Card], media_names: Mapping[str, str], vault_name: str, renderer: _Renderer
) -> list[genanki.Deck]:
    models = {note_type.id: _model(note_type) for note_type in NOTE_TYPES}
    names = sorted({card.deck or DEFAULT_DECK for card in cards})
    decks: dict[str, genanki.Deck] = {}
    used_ids: set[int] = set()
    for name in names:
        did = deck_id(name)
        while did in used_ids:  # two names hashed alike: probe, in name order, so it is stable
            did = _DECK_IDS.start + (did + 1 - _DECK_IDS.start) % len(_DECK_IDS)
        used_ids.add(did)
        decks[name] = genanki.Deck(did, name)
    links: dict[str, tuple[str, str]] = {}
    tags: dict[tuple[str, ...], list[str]] = {}
    for card in cards:
        own_media = {path: media_names[path] for path in card.media if path in media_names}
        rendered = renderer.fields(card, own_media)
        start, label = links.get(card.note) or links.setdefault(
            card.note, _link_parts(card.note, vault_name)
        )
        source = f"{start}{label}:{card.line}</a>"
        if card.kind.is_comparison:
            front, back, context, title, others = rendered
            fields = [front, back, title, others, context, source, card.id]
            model = models[COMPARISON.id]
        else:
            fields = [*rendered, source, card.id]
            model = models[QA.id]
        if card.tags not in tags:
            tags[card.tags] = _distinct(tag for tag in map(anki_tag, card.tags) if tag)
        note = _Note(model=model, fields=fields, tags=tags[card.tags], guid=card.id)
        decks[card.deck or DEFAULT_DECK].add_note(note)
    return list(decks.values())


def _model(note_type: NoteType) -> genanki.Model:
    """The genanki model of a flashgen note type."""
    return genanki.Model(
        note_type.id,
        note_type.name,
        fields=[{"name": name} for name in note_type.fields],
        templates=[
            {"name": template.name, "qfmt": template.front, "afmt": template.back}
            for template in note_type.templates
        ],
        css=note_type.css,
    )


class _Note(genanki.Note):  # type: ignore[misc]  # genanki has no type hints
    """A genanki note that skips genanki's check of its fields' HTML.

    The check only warns, about HTML that notes may well hold (see ``_write_collection``),
    and costs a regular expression over every field of every note of every package.
    """

    def _check_invalid_html_tags_in_fields(self) -> None:
        pass


def _write_package(
    package: genanki.Package,
    media: Mapping[str, bytes],
    out: Path,
    timestamp: float,
    history: Mapping[str, SrHistory],
) -> None:
    """Build the collection in a temporary SQLite file, then zip it atomically onto *out*."""
    db_name: str | None = None
    try:
        db_fd, db_name = tempfile.mkstemp(prefix="flashgen-", suffix=".anki2")
        os.close(db_fd)
        _write_collection(package, db_name, timestamp, history)
        write_atomic(out, lambda file: _write_zip(file, db_name or "", media, timestamp))
    except OSError as err:
        raise OutputError(f"cannot write {out}: {err.strerror or err}") from err
    except sqlite3.Error as err:
        raise OutputError(f"cannot write {out}: {err}") from err
    finally:
        if db_name is not None:
            with suppress(OSError):
                os.unlink(db_name)


def _write_collection(
    package: genanki.Package, db_name: str, timestamp: float, history: Mapping[str, SrHistory]
) -> None:
    """Write the package's collection to *db_name*, with *history* (card id → state)."""
    with closing(sqlite3.connect(db_name)) as conn:
        with warnings.catch_warnings():
            # genanki flags raw HTML it does not recognise; notes may hold any HTML.
            warnings.filterwarnings("ignore", message="^Field contained", module="genanki")
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        if history:
            _set_day_counting(conn)
            _schedule_reviews(conn, history)
        conn.commit()


def _review_history(cards: Iterable[Card]) -> dict[str, SrHistory]:
    """Card id → review history, for the cards that have one."""
    return {card.id: card.history for card in cards if card.history is not None}


def _set_day_counting(conn: sqlite3.Connection) -> None:
    """Give the package collection the settings ``_DAY_COUNTING``."""
    (conf,) = conn.execute("select conf from col").fetchone()
    conn.execute("update col set conf = ?", (json.dumps({**json.loads(conf), **_DAY_COUNTING}),))


def _creation_day(conn: sqlite3.Connection) -> date:
    """The package collection's day 0, from which review cards count their due day."""
    (crt,) = conn.execute("select crt from col").fetchone()
    return datetime.fromtimestamp(crt, UTC).date()


def _schedule_reviews(conn: sqlite3.Connection, history: Mapping[str, SrHistory]) -> None:
    """Make the card of each note whose GUID is in *history* a review card in that state."""
    day0 = _creation_day(conn)
    conn.executemany(
        "update cards set type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = 1"
        " where nid in (select id from notes where guid = ?)",
        [
            (_REVIEW, _REVIEW, (state.due - day0).days, state.interval, state.ease * 10, guid)
            for guid, state in history.items()
        ],
    )


def _write_zip(file: IO[bytes], db_name: str, media: Mapping[str, bytes], timestamp: float) -> None:
    # The package lists media as {"0": name, ...} and stores each file as its number.
    names = json.dumps({str(i): name for i, name in enumerate(media)}).encode()
    entries = [("collection.anki2", Path(db_name).read_bytes()), ("media", names)]
    entries += [(str(i), data) for i, data in enumerate(media.values())]
    with zipfile.ZipFile(file, "w") as archive:
        for name, data in entries:
            archive.writestr(_entry(name, timestamp), data, compresslevel=_ZIP_LEVEL)


def _entry(name: str, timestamp: float) -> zipfile.ZipInfo:
    """A compressed zip entry dated *timestamp*, so equal builds give equal bytes."""
    entry = zipfile.ZipInfo(name, date_time=time.gmtime(max(timestamp, _ZIP_EPOCH))[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry

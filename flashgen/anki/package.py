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
import json
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from flashgen.anki.apkg_zip import DEFLATED, Entry, ZipWriter, file_chunks, method_for
from flashgen.anki.kept import Kept, Made, collection_path, load_kept, save_kept
from flashgen.anki.notetypes import COMPARISON, NOTE_TYPES, QA, NoteType
from flashgen.anki.render_cache import _load_renders, _Renderer, _save_renders
from flashgen.build.atomic import write_atomic
from flashgen.build.outputs import CardGroup, DeckSummary, StageProgress, card_groups
from flashgen.build.state import bulk
from flashgen.errors import OutputError
from flashgen.model import Card, Diagnostic, SrHistory

DEFAULT_DECK = "flashgen"
"""Deck of the cards that name none."""

_DECK_IDS = range(1 << 30, 1 << 31)
"""The ids genanki recommends for decks (and models)."""
_ROW_IDS = range(1 << 40, 1 << 52)
"""The note and card ids of a package (see ``_row_id``)."""
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
    parts: Path | None = None,
    progress: StageProgress | None = None,
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
    *line_breaks*, a single newline inside a paragraph shows as a line break. With
    *parts*, what the package is made of is kept there and beside it (see :mod:`.kept`),
    and the next package patches it: only changed notes are written again, unchanged
    media entries are copied. Either way the package's bytes are the same. *progress* is
    told how many cards are rendered and media files packed, as they are.
    Raises ``OutputError`` when the package cannot be written; *out* is then unchanged.
    """
    groups = card_groups(cards)
    _check_unique_ids(card_id for group in groups for card_id in group.ids)
    kept = load_kept(parts, out) if parts is not None else Kept()
    media, unread = _name_media(
        _distinct(path for group in groups for path in group.media), vault_root, kept
    )
    names = {path: name for path, (name, _stamp) in media.items()}
    html = (sanitize_html, line_breaks)
    keys = [_group_key(group, names, vault_name, html) for group in groups]
    known = kept.groups if kept.collection is not None else None
    made = _made_of(keys, groups, known or {})
    decks = _decks(made)
    files = _distinct_files(media, vault_root)
    fresh = [group for key, group in zip(keys, groups, strict=True) if key not in (known or {})]
    # Kept parts hold every note's fields already: the render cache is for packages
    # made without them. Without it, rows go into the collection as they are rendered.
    use_cache = render_cache is not None and parts is None
    with bulk():  # a row, its fields and its tags for each card: none in a cycle
        found = _load_renders(render_cache) if use_cache else {}
        renderer = _Renderer(found=found, sanitize=sanitize_html, line_breaks=line_breaks)
        rows = _row_batches(fresh, names, vault_name, renderer, progress, remember=use_cache)
        entries = _write_package(
            made, rows, decks, files, out, timestamp, kept, parts, known, progress
        )
    if render_cache is not None and use_cache:
        _save_renders(render_cache, renderer)
    if parts is not None:
        named = {path: (*stamp, name) for path, (name, stamp) in media.items()}
        save_kept(parts, out, Kept(groups=made, media=entries, files=named))
    return DeckSummary(
        notes=sum(len(group.ids) for group in groups),
        decks=len(decks),
        media=len(files),
        diagnostics=_unread_images(cards, unread) if unread else (),
    )


_FEW_IDS = 2000
"""Fewer new notes than this: look each id up in the collection rather than read them all."""


def _group_key(
    group: CardGroup, names: Mapping[str, str], vault_name: str, html: tuple[bool, bool]
) -> bytes:
    """What a group's notes in the collection are made of: its cards, their images' names,
    the vault's name (in the links back) and how the HTML is made (sanitised, breaks)."""
    images = "\0".join(names.get(path, "") for path in group.media)
    return group.key(images.encode(), vault_name.encode(), repr(html).encode())


def _made_of(
    keys: Sequence[bytes], groups: Sequence[CardGroup], known: Mapping[bytes, Made]
) -> dict[bytes, Made]:
    """Each group's notes in the collection: kept from the last package, or its cards'."""
    return {
        key: known[key]
        if key in known
        else tuple((card.id, card.deck or DEFAULT_DECK, _model_id(card)) for card in group.load())
        for key, group in zip(keys, groups, strict=True)
    }


def _model_id(card: Card) -> int:
    """The note type a card's note has."""
    return COMPARISON.id if card.kind.is_comparison else QA.id


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


def _check_unique_ids(card_ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for card_id in card_ids:
        if card_id in seen:
            raise ValueError(f"two cards share the id {card_id!r}; card ids must be unique")
        seen.add(card_id)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _safe_name_part(text: str) -> str:
    return _UNSAFE_IN_MEDIA_NAME.sub("_", unicodedata.normalize("NFC", text)).strip("._")


_Named = tuple[str, tuple[int, int]]
"""A media file's name in the package, and its vault file's (size, mtime_ns) when named."""


def _name_media(
    paths: Sequence[str], vault_root: Path, kept: Kept
) -> tuple[dict[str, _Named], dict[str, str]]:
    """Map each vault path to its media name, and each unreadable one to why.

    A file whose size and time are those it had when the last package named it keeps
    that name unread; the others are read (and let go: the package reads them again).
    """
    media: dict[str, _Named] = {}
    unread: dict[str, str] = {}
    taken: dict[str, str] = {}
    for path in paths:
        try:
            info = (vault_root / path).stat()
            stamp = (info.st_size, info.st_mtime_ns)
            known = kept.files.get(path)
            if known is not None and known[:2] == stamp:
                media[path] = (known[2], stamp)
                continue
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
        digest = hashlib.sha1(data).hexdigest()
        if taken.setdefault(name, digest) != digest:
            # Ten hex digits of SHA-1 collided: fall back to the whole digest.
            name = media_name(path, data, digits=40)
        media[path] = (name, stamp)
    return media, unread


def _distinct_files(media: Mapping[str, _Named], vault_root: Path) -> dict[str, Path]:
    """Media name → the file it is read from, each name once, in order of first use."""
    files: dict[str, Path] = {}
    for path, (name, _stamp) in media.items():
        files.setdefault(name, vault_root / path)
    return files


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


@dataclass(frozen=True, slots=True)
class _Row:
    """One note of the package, as the collection holds it."""

    guid: str
    model: genanki.Model
    deck: str
    fields: list[str]
    tags: list[str]
    history: SrHistory | None


_BATCH = 20_000
"""Cards rendered and written into the collection at a time, so that a big vault's
rendered fields are never all in memory at once."""


def _row_batches(
    groups: Sequence[CardGroup],
    media_names: Mapping[str, str],
    vault_name: str,
    renderer: _Renderer,
    progress: StageProgress | None,
    *,
    remember: bool,
) -> Iterator[list[_Row]]:
    """The notes of the cards of *groups*, a batch at a time; *renderer* forgets each
    batch's fields once it is made unless it must *remember* them (for a render cache)."""
    total = sum(len(group.ids) for group in groups)
    done = 0
    batch: list[Card] = []
    for number, group in enumerate(groups, start=1):
        batch.extend(group.load())
        if len(batch) < _BATCH and number < len(groups):
            continue

        def told(rendered: int, _batch_total: int, before: int = done) -> None:
            if progress is not None:
                progress("cards rendered", before + rendered, total)

        yield _note_rows(batch, media_names, vault_name, renderer, told)
        done += len(batch)
        batch = []
        if not remember:
            renderer.kept.clear()


def _note_rows(
    cards: Sequence[Card],
    media_names: Mapping[str, str],
    vault_name: str,
    renderer: _Renderer,
    progress: Callable[[int, int], None] | None,
) -> list[_Row]:
    """Each card's note."""
    models = {note_type.id: _model(note_type) for note_type in NOTE_TYPES}
    links: dict[str, tuple[str, str]] = {}
    tags: dict[tuple[str, ...], list[str]] = {}
    no_media: dict[str, str] = {}  # shared by the cards without images
    with_media = [
        (card, {p: media_names[p] for p in card.media if p in media_names} or no_media)
        for card in cards
    ]
    rows: list[_Row] = []
    for (card, _media), rendered in zip(
        with_media, renderer.fields(with_media, progress), strict=True
    ):
        start, label = links.get(card.note) or links.setdefault(
            card.note, _link_parts(card.note, vault_name)
        )
        source = f"{start}{label}:{card.line}</a>"
        if card.kind.is_comparison:
            front, back, context, title, others = rendered
            fields = [front, back, title, others, context, source, card.id]
        else:
            fields = [*rendered, source, card.id]
        if card.tags not in tags:
            tags[card.tags] = _distinct(tag for tag in map(anki_tag, card.tags) if tag)
        model = models[_model_id(card)]
        deck = card.deck or DEFAULT_DECK
        rows.append(_Row(card.id, model, deck, fields, tags[card.tags], card.history))
    return rows


def _decks(made: Mapping[bytes, Made]) -> dict[str, genanki.Deck]:
    """A deck for each deck name the notes use (sorted), with ids stable across builds,
    holding no notes, only the models its notes use."""
    models = {note_type.id: _model(note_type) for note_type in NOTE_TYPES}
    used = {(deck, model) for rows in made.values() for _guid, deck, model in rows}
    decks: dict[str, genanki.Deck] = {}
    used_ids: set[int] = set()
    for name in sorted({deck for deck, _model_id in used}):
        did = deck_id(name)
        while did in used_ids:  # two names hashed alike: probe, in name order, so it is stable
            did = _DECK_IDS.start + (did + 1 - _DECK_IDS.start) % len(_DECK_IDS)
        used_ids.add(did)
        decks[name] = genanki.Deck(did, name)
    for deck, model_id in sorted(used):
        decks[deck].add_model(models[model_id])
    return decks


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
    made: Mapping[bytes, Made],
    rows: Iterable[list[_Row]],
    decks: Mapping[str, genanki.Deck],
    files: Mapping[str, Path],
    out: Path,
    timestamp: float,
    kept: Kept,
    parts: Path | None,
    known: Mapping[bytes, Made] | None,
    progress: StageProgress | None,
) -> dict[str, Entry]:
    """Patch a copy of the kept collection (or make one), then zip it atomically onto *out*.

    The collection that goes into the zip is a ``VACUUM INTO`` copy of the patched one:
    SQLite lays it out from its rows alone, so a patched collection and one made from
    nothing give the same bytes. With *parts*, it becomes the next build's kept one.
    *made* says which notes each group has, *known* which the kept collection has (None:
    there is none), *rows* are the notes of the other groups, in batches. Returns the
    media entries written, by media name.
    """
    temps: list[str] = []
    try:
        work = _temp_file(temps)
        if kept.collection is not None:
            shutil.copyfile(kept.collection, work)
        _patch_collection(work, made, rows, decks, timestamp, known)
        canonical = _temp_file(temps)
        os.unlink(canonical)  # VACUUM INTO writes a new file only
        with closing(sqlite3.connect(work)) as conn:
            conn.execute("VACUUM INTO ?", (canonical,))
        _reset_schema_cookie(canonical)
        entries: dict[str, Entry] = {}
        write_atomic(
            out,
            lambda file: entries.update(
                _write_zip(file, canonical, files, timestamp, kept, progress)
            ),
        )
        if parts is not None:
            os.replace(canonical, collection_path(parts))
        return entries
    except OSError as err:
        raise OutputError(f"cannot write {out}: {err.strerror or err}") from err
    except sqlite3.Error as err:
        raise OutputError(f"cannot write {out}: {err}") from err
    finally:
        for name in temps:
            with suppress(OSError):
                os.unlink(name)


_SCHEMA_COOKIE = slice(40, 44)
"""Where a SQLite file's header counts its schema's changes (a big-endian 32-bit number)."""


def _reset_schema_cookie(db_name: str) -> None:
    """Set the schema cookie of the closed database *db_name* to 1.

    ``VACUUM INTO`` carries the count on from the source, so a collection patched from
    the kept one would differ from one made from nothing in these four bytes alone. The
    count only tells open connections that the schema changed; the file has none.
    """
    with open(db_name, "r+b") as handle:
        handle.seek(_SCHEMA_COOKIE.start)
        handle.write((1).to_bytes(_SCHEMA_COOKIE.stop - _SCHEMA_COOKIE.start, "big"))


def _temp_file(temps: list[str]) -> str:
    """A new empty temporary file, listed in *temps* to be removed."""
    db_fd, db_name = tempfile.mkstemp(prefix="flashgen-", suffix=".anki2")
    os.close(db_fd)
    temps.append(db_name)
    return db_name


def _patch_collection(
    db_name: str,
    made: Mapping[bytes, Made],
    rows: Iterable[list[_Row]],
    decks: Mapping[str, genanki.Deck],
    timestamp: float,
    known: Mapping[bytes, Made] | None,
) -> None:
    """Make the collection at *db_name* hold the notes of the groups *made*.

    *known* are the groups the collection holds (None: it is empty); the notes of the
    groups not among them are deleted, and *rows* (every other group's notes) inserted.
    """
    with closing(sqlite3.connect(db_name)) as conn:
        cursor = conn.cursor()
        if known is None:
            cursor.executescript(APKG_SCHEMA)
            known = {}
        stay = {guid for key, notes in made.items() if key in known for guid, _d, _m in notes}
        gone = [(guid,) for notes in known.values() for guid, _d, _m in notes if guid not in stay]
        cursor.execute("CREATE TEMP TABLE gone (guid TEXT PRIMARY KEY)")
        cursor.executemany("INSERT OR IGNORE INTO gone VALUES (?)", gone)
        cursor.execute(
            "DELETE FROM cards WHERE nid IN"
            " (SELECT id FROM notes WHERE guid IN (SELECT guid FROM gone))"
        )
        cursor.execute("DELETE FROM notes WHERE guid IN (SELECT guid FROM gone)")
        fresh_history: dict[str, SrHistory] = {}
        for batch in rows:
            _insert_notes(cursor, batch, decks, timestamp)
            fresh_history.update((r.guid, r.history) for r in batch if r.history is not None)
        # Every note is stamped with the package's time, for Anki to take it as newer.
        cursor.execute("UPDATE notes SET mod = ?", (int(timestamp),))
        cursor.execute("UPDATE cards SET mod = ?", (int(timestamp),))
        _write_col(conn, list(decks.values()), timestamp)
        (history,) = cursor.execute("SELECT count(*) FROM cards WHERE type = ?", (_REVIEW,))
        if history[0] or fresh_history:
            _set_day_counting(conn)
            _schedule_reviews(conn, fresh_history)
        conn.commit()


def _insert_notes(
    cursor: sqlite3.Cursor,
    rows: Sequence[_Row],
    decks: Mapping[str, genanki.Deck],
    timestamp: float,
) -> None:
    """Insert each row's note and cards, with ids drawn from its GUID (see ``_row_id``)."""
    if not rows:
        return
    used = _UsedIds(cursor, everything=len(rows) > _FEW_IDS)
    with warnings.catch_warnings():
        # genanki flags raw HTML it does not recognise; notes may hold any HTML.
        warnings.filterwarnings("ignore", message="^Field contained", module="genanki")
        for row in rows:
            note = _Note(model=row.model, fields=row.fields, tags=row.tags, guid=row.guid)
            ids = [_row_id(row.guid, used)]
            ids += [_row_id(f"{row.guid}\0{card.ord}", used) for card in note.cards]
            note.write_to_db(cursor, timestamp, decks[row.deck].deck_id, iter(ids))


class _UsedIds:
    """The note and card ids a collection holds: read all at once for many new notes,
    else looked up one by one (a patch for a few notes need not read 200,000 ids)."""

    def __init__(self, cursor: sqlite3.Cursor, *, everything: bool) -> None:
        self._cursor = cursor
        self._ids: set[int] = set()
        self._all = everything
        if everything:
            query = "SELECT id FROM notes UNION ALL SELECT id FROM cards"
            self._ids = {found for (found,) in cursor.execute(query)}

    def __contains__(self, id_: int) -> bool:
        if id_ in self._ids:
            return True
        if self._all:
            return False
        query = "SELECT 1 FROM notes WHERE id = ? UNION ALL SELECT 1 FROM cards WHERE id = ?"
        return self._cursor.execute(query, (id_, id_)).fetchone() is not None

    def add(self, id_: int) -> None:
        self._ids.add(id_)


def _row_id(name: str, used: _UsedIds) -> int:
    """A note or card id drawn from *name*, so that it is the same in every package.

    Ids fall in 2**40 … 2**52 (past any millisecond time Anki gives, below 2**53 for
    JavaScript); one already *used* (two names hashed alike) probes upwards.
    """
    digest = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")
    found = _ROW_IDS.start + digest % len(_ROW_IDS)
    while found in used:
        found = _ROW_IDS.start + (found + 1 - _ROW_IDS.start) % len(_ROW_IDS)
    used.add(found)
    return found


def _write_col(conn: sqlite3.Connection, decks: Sequence[genanki.Deck], timestamp: float) -> None:
    """Give the collection genanki's ``col`` row, with *decks* and the models they use.

    What ``genanki.Package.write_to_db`` writes, in one pass: it reads and rewrites the
    whole JSON once per deck, seconds for a vault of many folders. A model is listed with
    the last deck that uses it, as genanki lists it.
    """
    conn.execute("DELETE FROM col")
    conn.execute(APKG_COL)  # one INSERT (executescript would commit the patch so far)
    (decks_text, models_text) = conn.execute("SELECT decks, models FROM col").fetchone()
    all_decks = json.loads(decks_text)
    models = {str(key): value for key, value in json.loads(models_text).items()}
    for deck in decks:
        all_decks[str(deck.deck_id)] = deck.to_json()
        for model in deck.models.values():
            models[str(model.model_id)] = model.to_json(timestamp, deck.deck_id)
    conn.execute(
        "UPDATE col SET decks = ?, models = ?", (json.dumps(all_decks), json.dumps(models))
    )


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


def _write_zip(
    file: BinaryIO,
    collection: str,
    files: Mapping[str, Path],
    timestamp: float,
    kept: Kept,
    progress: StageProgress | None,
) -> dict[str, Entry]:
    """Zip the collection, the media list and the media; media entries by media name.

    A media entry the previous deck holds is copied from it raw; the others are read
    from the vault and stored or deflated (``apkg_zip.method_for``).
    """
    # The package lists media as {"0": name, ...} and stores each file as its number.
    names = json.dumps({str(i): name for i, name in enumerate(files)}).encode()
    writer = ZipWriter(file, timestamp)
    writer.write("collection.anki2", file_chunks(Path(collection)), DEFLATED)
    writer.write("media", [names], DEFLATED)
    entries: dict[str, Entry] = {}
    with ExitStack() as stack:
        previous = stack.enter_context(kept.deck.open("rb")) if kept.deck else None
        for number, (name, path) in enumerate(files.items()):
            entry = kept.media.get(name)
            if entry is not None and previous is not None:
                entries[name] = writer.copy(str(number), previous, entry)
            else:
                entries[name] = writer.write(str(number), file_chunks(path), method_for(name))
            if progress is not None:
                progress("media packed", number + 1, len(files))
    writer.close()
    return entries

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
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, suppress
from datetime import UTC, date, datetime
from itertools import chain, compress, repeat
from operator import itemgetter, ne
from pathlib import Path
from typing import Any, BinaryIO

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from flashgen.anki.apkg_zip import (
    DEFLATED,
    Before,
    Entry,
    Pieces,
    ZipWriter,
    file_chunks,
    method_for,
)
from flashgen.anki.kept import Kept, Made, collection_path, load_kept, save_kept
from flashgen.anki.media import distinct, distinct_files, name_media, unread_images
from flashgen.anki.media import media_name as media_name  # re-exported
from flashgen.anki.media import read_media as read_media  # re-exported
from flashgen.anki.note_state import NoteState, load_note_state, save_note_state
from flashgen.anki.notes import DEFAULT_DECK as DEFAULT_DECK  # re-exported
from flashgen.anki.notes import Note, NoteMaker, link_parts
from flashgen.anki.notes import anki_tag as anki_tag  # re-exported
from flashgen.anki.notetypes import NOTE_TYPES, NoteType
from flashgen.anki.render_cache import _load_renders, _Renderer, _save_renders
from flashgen.anki.rows import UsedIds, reset_schema_cookie, row_id
from flashgen.build.atomic import write_atomic
from flashgen.build.outputs import CardGroup, DeckSummary, StageProgress, card_groups
from flashgen.build.parallel import keep_workers
from flashgen.build.state import bulk
from flashgen.errors import OutputError
from flashgen.model import Card, SrHistory

_DECK_IDS = range(1 << 30, 1 << 31)
"""The ids genanki recommends for decks (and models)."""
_REVIEW = 2
"""Anki's card type and queue for a card in review (``CARD_TYPE_REV``, ``QUEUE_TYPE_REV``)."""
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
    note_state: Path | None = None,
    parts: Path | None = None,
    progress: StageProgress | None = None,
) -> DeckSummary:
    """Write *cards* to the Anki package *out*, replacing it atomically.

    Media paths in the cards are read from *vault_root*; an image that cannot be read
    (deleted since the vault was scanned) is shown as missing, with a warning in the
    summary's diagnostics. *vault_name* builds the ``obsidian://`` links back to each
    card's note; *timestamp* (seconds since the epoch) is the build time. With
    *note_state* (see :mod:`.note_state`), each note is stamped with the time its content
    last changed, kept in that file, so that a re-import updates only the notes that
    changed; without it, every note is stamped *timestamp*, which must then grow between
    builds for Anki to update imported notes. With *render_cache*, cards whose
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
    _check_unique_ids(chain.from_iterable(group.ids for group in groups))
    kept = load_kept(parts, out) if parts is not None else Kept()
    media, unread = name_media(
        distinct(path for group in groups for path in group.media), vault_root, kept
    )
    names = {path: name for path, (name, _stamp) in media.items()}
    html = (sanitize_html, line_breaks)
    keys = [_group_key(group, names, vault_name, html) for group in groups]
    state = load_note_state(note_state)
    maker = NoteMaker(
        names, vault_name, _Renderer(), state, timestamp, vault_root if note_state else None
    )
    known = _still_known(kept, keys, state, maker, dated=note_state is not None)
    files = distinct_files(media, vault_root)
    fresh = [group for key, group in zip(keys, groups, strict=True) if key not in known]
    # Kept parts hold every note's fields already: the render cache is for packages
    # made without them. Without it, notes go into the collection as they are rendered.
    use_cache = render_cache is not None and parts is None
    with bulk():  # a note, its fields and its tags for each card: none in a cycle
        found = _load_renders(render_cache) if use_cache else {}
        maker.renderer = _Renderer(found=found, sanitize=sanitize_html, line_breaks=line_breaks)
        made = {key: known[key] for key in keys if key in known}
        batches = _note_batches(fresh, keys, groups, maker, progress, remember=use_cache)
        decks = _deck_ids(groups, keys, known)
        entries, packed = _write_package(
            batches, made, decks, files, out, timestamp, kept, parts, progress, known,
            dated=note_state is not None,
        )  # fmt: skip
    if render_cache is not None and use_cache:
        _save_renders(render_cache, maker.renderer)
    save_note_state(note_state, state)
    if parts is not None:
        named = {path: (*stamp, name) for path, (name, stamp) in media.items()}
        save_kept(parts, out, Kept(groups=made, media=entries, files=named, packed=packed))
    return DeckSummary(
        notes=sum(len(notes) for notes in made.values()),
        decks=len(decks),
        media=len(files),
        diagnostics=unread_images(cards, unread) if unread else (),
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


def _still_known(
    kept: Kept, keys: Sequence[bytes], state: NoteState, maker: NoteMaker, *, dated: bool
) -> dict[bytes, Made]:
    """The groups of this package whose notes the kept collection holds as they must be.

    A group is kept when its key is the one the collection's notes were made from and,
    for *dated* notes (a note state), each note still has the time the state gives it.
    Their notes count as made: the note state keeps their times, and their GUIDs are
    taken for the notes made anew.
    """
    if kept.collection is None:
        return {}
    groups = kept.groups
    known = {key: groups[key] for key in keys if key in groups}
    if dated:
        # the notes whose time is not the state's, found a C loop at a time (none, mostly)
        notes = list(chain.from_iterable(known.values()))
        times = map(state.times.get, map(itemgetter(0), notes), repeat((b"", -1)))
        off = map(ne, map(itemgetter(3), notes), map(itemgetter(1), times))
        stale = set(map(itemgetter(0), compress(notes, off)))
        if stale:
            known = {k: made for k, made in known.items() if all(n[0] not in stale for n in made)}
    guids = list(map(itemgetter(0), chain.from_iterable(known.values())))
    state.used.update(guids)
    maker.claimed.update(guids)
    return known


def deck_id(name: str) -> int:
    """A stable deck id for the deck *name*, in the range genanki accepts."""
    digest = int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big")
    return _DECK_IDS.start + digest % len(_DECK_IDS)


def obsidian_link(note: str, line: int, vault_name: str) -> str:
    """An HTML link that opens *note* in Obsidian, labelled ``note:line``."""
    start, label = link_parts(note, vault_name)
    return f"{start}{label}:{line}</a>"


def _check_unique_ids(card_ids: Iterable[str]) -> None:
    every = list(card_ids)
    if len(set(every)) == len(every):  # one C loop, for the usual case
        return
    seen: set[str] = set()
    for card_id in every:
        if card_id in seen:
            raise ValueError(f"two cards share the id {card_id!r}; card ids must be unique")
        seen.add(card_id)


_Made = tuple[bytes, list[Note]]
"""A group's key and its notes, made to be inserted."""
_BATCH = 10_000
"""Cards rendered and written into the collection at a time, so that a big vault's
rendered fields are never all in memory at once (one pool renders every batch)."""


def _note_batches(
    fresh: Sequence[CardGroup],
    keys: Sequence[bytes],
    groups: Sequence[CardGroup],
    maker: NoteMaker,
    progress: StageProgress | None,
    *,
    remember: bool,
) -> Iterator[list[_Made]]:
    """The notes of the groups *fresh*, a batch at a time, each group's by its key; the
    renderer forgets each batch's fields once it is made unless it must *remember* them
    (for a render cache)."""
    key_of = {id(group): key for key, group in zip(keys, groups, strict=True)}
    total = sum(len(group.ids) for group in fresh)
    done = 0
    batch: list[CardGroup] = []
    size = 0
    for number, group in enumerate(fresh, start=1):
        batch.append(group)
        size += len(group.ids)
        if size < _BATCH and number < len(fresh):
            continue

        def told(rendered: int, _batch_total: int, before: int = done) -> None:
            if progress is not None:
                progress("cards rendered", before + rendered, total)

        loaded = [one.load() for one in batch]  # decoded once for this batch, then let go
        no_media: dict[str, str] = {}  # shared by the cards without images
        names = maker.media_names
        maker.renderer.prepare(
            [
                (card, {p: names[p] for p in card.media if p in names} or no_media)
                for cards in loaded
                for card in cards
            ],
            told,
        )
        yield [
            (key_of[id(one)], maker.notes(cards)) for one, cards in zip(batch, loaded, strict=True)
        ]
        done += sum(len(cards) for cards in loaded)
        batch, size = [], 0
        if not remember:
            maker.renderer.kept.clear()
            maker.renderer.headings.clear()  # a section's headings are its note's


def _deck_ids(
    groups: Sequence[CardGroup], keys: Sequence[bytes], known: Mapping[bytes, Made]
) -> dict[str, genanki.Deck]:
    """A deck for each deck name the cards use (sorted), with ids stable across builds;
    they get the models their notes use as the notes are written (``_write_col``)."""
    names: set[str] = set()
    for key, group in zip(keys, groups, strict=True):
        notes = known.get(key)
        if notes is not None:
            names.update(map(itemgetter(1), notes))
        else:
            names.update(brief[5] or DEFAULT_DECK for brief in group.briefs())
    decks: dict[str, genanki.Deck] = {}
    used_ids: set[int] = set()
    for name in sorted(names):
        did = deck_id(name)
        while did in used_ids:  # two names hashed alike: probe, in name order, so it is stable
            did = _DECK_IDS.start + (did + 1 - _DECK_IDS.start) % len(_DECK_IDS)
        used_ids.add(did)
        decks[name] = genanki.Deck(did, name)
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
        model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
    )


class _Note(genanki.Note):  # type: ignore[misc]  # genanki has no type hints
    """A genanki note stamped with its own ``mod``, and without genanki's check of its
    fields' HTML.

    genanki stamps every note (and its cards) with the package's timestamp; this one
    writes the time its content last changed. The check only warns, about HTML that
    notes may well hold (see ``_write_collection``), and costs a regular expression over
    every field of every note of every package.
    """

    def __init__(self, *, mod: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mod, deck_id, id_gen)

    def _check_invalid_html_tags_in_fields(self) -> None:
        pass


def _write_package(
    batches: Iterable[list[_Made]],
    made: dict[bytes, Made],
    decks: Mapping[str, genanki.Deck],
    files: Mapping[str, Path],
    out: Path,
    timestamp: float,
    kept: Kept,
    parts: Path | None,
    progress: StageProgress | None,
    known: Mapping[bytes, Made],
    *,
    dated: bool,
) -> tuple[dict[str, Entry], tuple[Entry, Pieces]]:
    """Patch a copy of the kept collection (or make one), then zip it atomically onto *out*.

    The collection that goes into the zip is a ``VACUUM INTO`` copy of the patched one:
    SQLite lays it out from its rows alone, so a patched collection and one made from
    nothing give the same bytes. With *parts*, it becomes the next build's kept one.
    *known* are the groups whose notes the kept collection holds as they are, *batches*
    the notes of the others, which fill *made* (every group's notes) as they come.
    Returns the media entries written, by media name, and the collection's (see ``Kept``).
    """
    temps: list[str] = []
    try:
        work = _temp_file(temps)
        if kept.collection is not None:
            shutil.copyfile(kept.collection, work)
        _patch_collection(work, batches, made, decks, timestamp, kept, known, dated=dated)
        canonical = _temp_file(temps)
        os.unlink(canonical)  # VACUUM INTO writes a new file only
        with closing(sqlite3.connect(work)) as conn:
            conn.execute("VACUUM INTO ?", (canonical,))
        reset_schema_cookie(canonical)
        written: list[tuple[dict[str, Entry], tuple[Entry, Pieces]]] = []
        write_atomic(
            out,
            lambda file: written.append(
                _write_zip(file, canonical, files, timestamp, kept, progress)
            ),
        )
        if parts is not None:
            os.replace(canonical, collection_path(parts))
        return written[0]
    except OSError as err:
        raise OutputError(f"cannot write {out}: {err.strerror or err}") from err
    except sqlite3.Error as err:
        raise OutputError(f"cannot write {out}: {err}") from err
    finally:
        for name in temps:
            with suppress(OSError):
                os.unlink(name)


def _temp_file(temps: list[str]) -> str:
    """A new empty temporary file, listed in *temps* to be removed."""
    db_fd, db_name = tempfile.mkstemp(prefix="flashgen-", suffix=".anki2")
    os.close(db_fd)
    temps.append(db_name)
    return db_name


def _patch_collection(
    db_name: str,
    batches: Iterable[list[_Made]],
    made: dict[bytes, Made],
    decks: Mapping[str, genanki.Deck],
    timestamp: float,
    kept: Kept,
    known: Mapping[bytes, Made],
    *,
    dated: bool,
) -> None:
    """Make the collection at *db_name* (the kept one, or an empty file) hold every note.

    The notes of the groups *known* stay; every other note it holds is deleted, and the
    notes of *batches* are inserted, each group's noted in *made*. Undated notes (no note
    state) are all stamped *timestamp*, as genanki stamps them.
    """
    with closing(sqlite3.connect(db_name)) as conn:
        cursor = conn.cursor()
        # A scratch copy, thrown away if anything fails: no journal on disk, no fsync
        # (neither is in the file, which VACUUM INTO lays out anew anyway).
        cursor.execute("PRAGMA journal_mode = MEMORY")
        cursor.execute("PRAGMA synchronous = OFF")
        if kept.collection is None:
            cursor.executescript(APKG_SCHEMA)
        # by note id (the collection has no index of GUIDs); no note is in two groups
        gone = [notes for key, notes in kept.groups.items() if key not in known]
        cursor.execute("CREATE TEMP TABLE gone (id INTEGER PRIMARY KEY)")
        cursor.executemany(
            "INSERT OR IGNORE INTO gone VALUES (?)", ((n[4],) for n in chain.from_iterable(gone))
        )
        cursor.execute("DELETE FROM cards WHERE nid IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM notes WHERE id IN (SELECT id FROM gone)")
        history: dict[tuple[int, int], SrHistory] = {}
        used: UsedIds | None = None  # one for all batches: a big first one reads every id
        with keep_workers():  # the batches' fields are rendered by one pool
            for batch in batches:
                if used is None:
                    used = UsedIds(cursor, everything=sum(len(n) for _k, n in batch) > _FEW_IDS)
                notes = [note for _key, own in batch for note in own]
                nids = iter(_insert_notes(cursor, notes, decks, used))
                for key, own in batch:
                    rows = [(note, next(nids)) for note in own]
                    made[key] = tuple((n.guid, n.deck, n.note_type.id, n.mod, i) for n, i in rows)
                    history.update(((i, o), h) for n, i in rows for o, h in n.history)
        if not dated:
            cursor.execute("UPDATE notes SET mod = ?", (int(timestamp),))
            cursor.execute("UPDATE cards SET mod = ?", (int(timestamp),))
        _write_col(conn, _with_models(decks, made), timestamp)
        (reviews,) = cursor.execute("SELECT count(*) FROM cards WHERE type = ?", (_REVIEW,))
        if reviews[0] or history:
            _set_day_counting(conn)
            _schedule_reviews(conn, history)
        conn.commit()


def _with_models(
    decks: Mapping[str, genanki.Deck], made: Mapping[bytes, Made]
) -> list[genanki.Deck]:
    """*decks*, the ones some note uses, each with the models of its notes."""
    models = {note_type.id: _model(note_type) for note_type in NOTE_TYPES}
    used = sorted(set(map(itemgetter(1, 2), chain.from_iterable(made.values()))))
    for deck, model in used:
        decks[deck].add_model(models[model])
    return [deck for name, deck in decks.items() if deck.models]


def _insert_notes(
    cursor: sqlite3.Cursor,
    notes: Sequence[Note],
    decks: Mapping[str, genanki.Deck],
    used: UsedIds,
) -> list[int]:
    """Insert each note and its cards, with ids drawn from its GUID (see ``rows.row_id``)
    unlike those *used*; return the id of each note."""
    if not notes:
        return []
    nids: list[int] = []
    models = {note_type.id: _model(note_type) for note_type in NOTE_TYPES}
    with warnings.catch_warnings():
        # genanki flags raw HTML it does not recognise; notes may hold any HTML.
        warnings.filterwarnings("ignore", message="^Field contained", module="genanki")
        for note in notes:
            row = _Note(
                model=models[note.note_type.id],
                fields=list(note.fields),
                tags=list(note.tags),
                guid=note.guid,
                mod=note.mod,
            )
            ids = [row_id(note.guid, used)]
            ids += [row_id(f"{note.guid}\0{card.ord}", used) for card in row.cards]
            row.write_to_db(cursor, note.mod, decks[note.deck].deck_id, iter(ids))
            nids.append(ids[0])
    return nids


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


def _set_day_counting(conn: sqlite3.Connection) -> None:
    """Give the package collection the settings ``_DAY_COUNTING``."""
    (conf,) = conn.execute("select conf from col").fetchone()
    conn.execute("update col set conf = ?", (json.dumps({**json.loads(conf), **_DAY_COUNTING}),))


def _creation_day(conn: sqlite3.Connection) -> date:
    """The package collection's day 0, from which review cards count their due day."""
    (crt,) = conn.execute("select crt from col").fetchone()
    return datetime.fromtimestamp(crt, UTC).date()


def _schedule_reviews(
    conn: sqlite3.Connection, history: Mapping[tuple[int, int], SrHistory]
) -> None:
    """Make each card in *history* (by note id and ordinal) a review card in its state."""
    day0 = _creation_day(conn)
    conn.executemany(
        "update cards set type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = 1"
        " where nid = ? and ord = ?",
        [
            (_REVIEW, _REVIEW, (state.due - day0).days, state.interval, state.ease * 10, n, o)
            for (n, o), state in history.items()
        ],
    )


def _write_zip(
    file: BinaryIO,
    collection: str,
    files: Mapping[str, Path],
    timestamp: float,
    kept: Kept,
    progress: StageProgress | None,
) -> tuple[dict[str, Entry], tuple[Entry, Pieces]]:
    """Zip the collection, the media list and the media; return the media entries by
    media name, and the collection's entry and pieces.

    The collection's pieces that the kept one has alike, and the media entries the
    previous deck holds, are copied from it raw; the other media are read from the
    vault and stored or deflated (``apkg_zip.method_for``).
    """
    # The package lists media as {"0": name, ...} and stores each file as its number.
    names = json.dumps({str(i): name for i, name in enumerate(files)}).encode()
    writer = ZipWriter(file, timestamp)
    entries: dict[str, Entry] = {}
    with ExitStack() as stack:
        previous = stack.enter_context(kept.deck.open("rb")) if kept.deck else None
        before = None
        if previous is not None and kept.collection is not None and kept.packed is not None:
            raw = stack.enter_context(kept.collection.open("rb"))
            before = Before(raw, previous, *kept.packed)
        chunks = file_chunks(Path(collection))
        packed = writer.write_pieces("collection.anki2", chunks, DEFLATED, before)
        writer.write("media", [names], DEFLATED)
        for number, (name, path) in enumerate(files.items()):
            entry = kept.media.get(name)
            if entry is not None and previous is not None:
                entries[name] = writer.copy(str(number), previous, entry)
            else:
                entries[name] = writer.write(str(number), file_chunks(path), method_for(name))
            if progress is not None:
                progress("media packed", number + 1, len(files))
    writer.close()
    return entries, packed

"""``flashgen sync``: the cards straight into an Anki collection file, with Anki's own
``anki`` package (the only module that imports it; an optional extra, AGPL-3.0).

The notes are the package writer's (:mod:`.notes`: same GUIDs, fields, times and
cloze numbers), so a deck imported before and a sync after meet the same notes. A sync
adds the new notes, updates the changed ones by Anki's own rule (only when flashgen's
note is newer than the collection's: an edit made in Anki since is kept), moves cards
whose deck changed, and deletes the notes whose cards left the vault (or, with
*keep_removed*, tags them ``flashgen::removed``). It never touches a note of another
note type than flashgen's, and with nothing to change it writes nothing at all.

Before it opens a file, it checks that the file is an SQLite database with Anki's
``col`` table and a schema this ``anki`` package knows (Anki would silently make a new
collection of a missing, empty or foreign file), and that it is writable. A collection
that Anki holds open is refused. Before the first write it makes Anki's own backup
(``backups/`` beside the collection, as Anki's profiles have), and every change to the
collection happens in one transaction: a failure midway leaves it as it was.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from anki.collection import (  # before anki.cards: alone, that is a circular import
    AddNoteRequest,
    Collection,
)

from anki.cards import CardId  # isort: skip
from anki.decks import DeckId
from anki.errors import BackendError, DBError
from anki.models import NotetypeDict, NotetypeId
from anki.notes import NoteId

from flashgen.anki.note_state import load_note_state, save_note_state
from flashgen.anki.notes import Note, NoteMaker
from flashgen.anki.notetypes import NOTE_TYPES, QA_MODEL_ID, NoteType
from flashgen.anki.package import read_media
from flashgen.anki.render_cache import _load_renders, _Renderer, _save_renders
from flashgen.build.atomic import write_atomic
from flashgen.errors import OutputError, SyncError
from flashgen.model import Card, SrHistory

NEWEST_SCHEMA = 18
"""The newest collection schema (``col.ver``) this flashgen writes; newer ones are refused."""
REMOVED_TAG = "flashgen::removed"
"""Tag of the notes whose cards left the vault, with ``--keep-removed``."""
ANKI_TAGS = frozenset({"leech", "marked"})
"""Tags Anki itself gives notes; a sync keeps them."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_FIELD_SEPARATOR = "\x1f"
_ANKI_CLOZE = 1
"""Anki's ``type`` of a cloze note type."""
_REVIEW = 2
"""Anki's card type and queue of a card in review."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did (or, with nothing to do, would have done: nothing)."""

    collection: Path
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    """Notes deleted, or tagged with ``keep_removed``."""
    kept: int = 0
    """Notes changed in the vault but edited in Anki since: Anki's newer edit stays."""
    inherited: int = 0
    """Cards that took over the schedule of the one-card note of an older deck."""
    unchanged: int = 0
    media: int = 0
    """Media files added to the collection's media folder."""
    note_types: int = 0
    """flashgen note types added or updated."""
    keep_removed: bool = False
    not_removed: int = 0
    """Notes that would have been removed, left alone because the vault has errors."""
    backup: Path | None = None
    """The folder of the backup made before writing; None when nothing was written."""
    taken: int = 0
    """flashgen notes not written: a note of another note type holds their GUID."""

    @property
    def written(self) -> bool:
        """Whether the collection changed."""
        return self.backup is not None

    def summary_line(self) -> str:
        """``+N added ~N updated >N moved -N deleted =N unchanged``, and what was kept."""
        removed = f"#{self.removed} tagged" if self.keep_removed else f"-{self.removed} deleted"
        line = (
            f"+{self.added} added ~{self.updated} updated >{self.moved} moved {removed}"
            f" ={self.unchanged} unchanged"
        )
        if self.kept:
            line += f", {self.kept} kept as edited in Anki (newer than the vault)"
        if self.taken:
            line += f", {self.taken} left out: a note of another note type has their GUID"
        if self.inherited:
            line += f", {self.inherited} cards took over the schedule of their old one-card notes"
        return line


@dataclass(slots=True)
class _Plan:
    """What a sync will write."""

    note_types: list[NotetypeDict] = field(default_factory=list)
    add: list[Note] = field(default_factory=list)
    update: list[tuple[NoteId, Note, list[str]]] = field(default_factory=list)
    """(note id, note, tags to write) of the notes to update."""
    retag: list[tuple[NoteId, list[str]]] = field(default_factory=list)
    """Notes back in the vault, unchanged but tagged removed: their tags without it."""
    move: list[tuple[list[CardId], str]] = field(default_factory=list)
    remove: list[NoteId] = field(default_factory=list)
    inherit: list[tuple[str, int, NoteId]] = field(default_factory=list)
    """(GUID, ordinal, old note id): cards taking over an old one-card note's schedule."""
    inherited: int = 0
    """Cards that took over a schedule (known once written)."""
    media: dict[str, bytes] = field(default_factory=dict)
    kept: int = 0
    unchanged: int = 0
    not_removed: int = 0
    taken: int = 0

    def empty(self) -> bool:
        return not (
            self.note_types
            or self.add
            or self.update
            or self.retag
            or self.move
            or self.remove
            or self.media
        )


def sync_collection(
    cards: Sequence[Card],
    collection: Path,
    *,
    vault_root: Path,
    vault_name: str,
    timestamp: float,
    note_state: Path | None,
    render_cache: Path | None = None,
    sanitize_html: bool = False,
    line_breaks: bool = False,
    keep_removed: bool = False,
    remove: bool = True,
) -> SyncReport:
    """Bring the Anki collection file *collection* up to date with *cards*.

    The arguments are ``write_apkg``'s (*render_cache* a file of rendered fields for
    the next sync); *keep_removed* tags the notes whose cards left
    the vault instead of deleting them; without *remove*, they are left alone (the
    vault had errors: its unread cards are not gone). Raises ``SyncError``, one line,
    when the collection cannot be synced; it is then unchanged.
    """
    check_collection(collection)
    names, files, _unread = read_media(cards, vault_root)
    state = load_note_state(note_state)
    renderer = _Renderer(
        found=_load_renders(render_cache), sanitize=sanitize_html, line_breaks=line_breaks
    )
    maker = NoteMaker(names, vault_name, renderer, state, timestamp, vault_root)
    notes = maker.notes(cards)
    col = _open(collection)
    try:
        plan = _plan(col, notes, files, keep_removed=keep_removed, remove=remove)
        moved = len(plan.move)
        backup = None
        if not plan.empty():
            backup = _backup(col, collection)
            _write_media(col, plan.media)
            _db(col).transact(lambda: _apply(col, plan, timestamp, keep_removed))
    except BackendError as err:
        raise SyncError(f"cannot sync {collection}: {_why(err)}; it is unchanged") from err
    finally:
        col.close()
    save_note_state(note_state, state)
    if render_cache is not None:
        _save_renders(render_cache, renderer)
    return SyncReport(
        collection,
        added=len(plan.add),
        updated=len(plan.update),
        moved=moved,
        removed=len(plan.remove),
        kept=plan.kept,
        inherited=plan.inherited,
        unchanged=plan.unchanged,
        media=len(plan.media),
        note_types=len(plan.note_types),
        keep_removed=keep_removed,
        not_removed=plan.not_removed,
        backup=backup,
        taken=plan.taken,
    )


_KNOWN_FAILURES = ("disk I/O error", "database or disk is full", "readonly database")
"""SQLite's words for why a write failed, which Anki's errors wrap in a debug dump."""


def _why(err: BackendError) -> str:
    """Why Anki failed, in a few words."""
    text = str(err)
    for known in _KNOWN_FAILURES:
        if known in text:
            return f"{known} (is the disk full?)" if "disk" in known else known
    return text.splitlines()[0][:200] if text else type(err).__name__


def check_collection(path: Path) -> None:
    """Refuse (``SyncError``) a path that is no Anki collection this flashgen can write.

    The file is read through SQLite's immutable mode, which takes no lock and writes
    nothing, not even beside it.
    """
    try:
        info = path.stat()
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        raise SyncError(f"no Anki collection at {path}: give a collection.anki2 file") from None
    except OSError as err:
        raise SyncError(f"cannot read {path}: {err.strerror or err}") from err
    if not stat.S_ISREG(info.st_mode) or header != _SQLITE_HEADER:
        raise SyncError(f"{path} is not an Anki collection (give its collection.anki2 file)")
    version = _schema_version(path)
    if version > NEWEST_SCHEMA:
        raise SyncError(
            f"{path} is a collection of a newer Anki (schema {version}, this flashgen writes"
            f' up to {NEWEST_SCHEMA}); update flashgen: pip install -U "flashgen[anki]"'
        )
    folder = path.parent
    if not (info.st_mode & stat.S_IWUSR) or not _writable(path) or not _writable(folder):
        raise SyncError(f"{path} is read-only (the file or its folder); make it writable")


def _schema_version(path: Path) -> int:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            (version,) = db.execute("select ver from col").fetchone()
    except (sqlite3.Error, TypeError, ValueError) as err:
        raise SyncError(f"{path} is not an Anki collection ({err})") from err
    if not isinstance(version, int):
        raise SyncError(f"{path} is not an Anki collection (its version is {version!r})")
    return version


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _open(path: Path) -> Collection:
    """The collection at *path*, opened; ``SyncError`` when Anki holds it."""
    try:
        return Collection(str(path))
    except DBError as err:
        if "already open" in str(err):
            raise SyncError(
                f"{path} is open in Anki (or syncing its media): close Anki first"
            ) from err
        raise SyncError(f"cannot open {path}: {_why(err)}") from err
    except BackendError as err:
        raise SyncError(f"cannot open {path}: {_why(err)}") from err


def _plan(
    col: Collection,
    notes: Sequence[Note],
    files: Mapping[str, bytes],
    *,
    keep_removed: bool,
    remove: bool,
) -> _Plan:
    """What to write into *col* to bring it up to date with *notes*; nothing is written."""
    plan = _Plan(note_types=_note_types_to_write(col))
    ours = {note_type.id for note_type in NOTE_TYPES}
    existing = _notes_of(col)
    decks = _card_decks(col, ours)
    wanted = {note.guid for note in notes}
    for note in notes:
        found = existing.get(note.guid)
        if found is None:
            plan.add.append(note)
            continue
        nid, mid, mod, fields, tags = found
        if mid != note.note_type.id:
            plan.taken += 1  # the GUID is another note type's: never touched
            continue
        _plan_note(plan, nid, note, mod, fields, tags)
        elsewhere = [card for card, deck in decks.get(nid, ()) if deck != note.deck]
        if elsewhere:
            plan.move.append((elsewhere, note.deck))
    for guid, (nid, mid, _mod, _fields, tags) in existing.items():
        if mid in ours and guid not in wanted and not (keep_removed and REMOVED_TAG in tags):
            if remove:
                plan.remove.append(nid)
            else:
                plan.not_removed += 1
    if remove:
        plan.inherit = _inheritances(notes, existing, wanted)
    media = Path(col.media.dir())
    plan.media = {name: data for name, data in files.items() if not (media / name).exists()}
    return plan


def _inheritances(
    notes: Sequence[Note],
    existing: Mapping[str, tuple[NoteId, int, int, list[str], list[str]]],
    wanted: set[str],
) -> list[tuple[str, int, NoteId]]:
    """(GUID, card ordinal, old note id) of each card that was a note of its own.

    Decks before native clozes and two-way notes made a Q/A note per card, its GUID the
    card's id; the card of the note that replaces it takes over its schedule.
    """
    found: list[tuple[str, int, NoteId]] = []
    for note in notes:
        for ord_, card_id in note.cards:
            old = existing.get(card_id)
            if card_id != note.guid and card_id not in wanted and old and old[1] == QA_MODEL_ID:
                found.append((note.guid, ord_, old[0]))
    return found


def _plan_note(
    plan: _Plan, nid: NoteId, note: Note, mod: int, fields: list[str], tags: list[str]
) -> None:
    """Plan one note that the collection holds: unchanged, retagged, updated or kept."""
    tags_to_write = sorted({*note.tags, *(tag for tag in tags if tag in ANKI_TAGS)})
    same_fields = fields == list(note.fields)
    if same_fields and sorted(tags) == tags_to_write:
        plan.unchanged += 1
    elif same_fields and sorted(tag for tag in tags if tag != REMOVED_TAG) == tags_to_write:
        plan.retag.append((nid, tags_to_write))  # back in the vault: flashgen's own tag goes
    elif note.mod > mod:
        plan.update.append((nid, note, tags_to_write))
    else:
        plan.kept += 1


def _notes_of(col: Collection) -> dict[str, tuple[NoteId, int, int, list[str], list[str]]]:
    """GUID → (note id, note type id, mod, fields, tags) of every note of *col*."""
    return {
        str(guid): (NoteId(nid), int(mid), int(mod), str(flds).split(_FIELD_SEPARATOR), tags)
        for guid, nid, mid, mod, flds, tags in _db(col).all(
            "select guid, id, mid, mod, flds, tags from notes"
        )
        for tags in [str(tags).split()]
    }


def _card_decks(col: Collection, ours: set[int]) -> dict[NoteId, list[tuple[CardId, str]]]:
    """Note id → (card id, deck name) of each card of flashgen's notes."""
    names = {int(entry.id): entry.name for entry in col.decks.all_names_and_ids()}
    marks = ",".join("?" * len(ours))
    rows = _db(col).all(
        f"select c.id, c.nid, c.did from cards c join notes n on n.id = c.nid"
        f" where n.mid in ({marks}) order by c.ord",
        *sorted(ours),
    )
    decks: dict[NoteId, list[tuple[CardId, str]]] = {}
    for card_id, nid, did in rows:
        decks.setdefault(NoteId(nid), []).append((CardId(card_id), names.get(int(did), "")))
    return decks


def _db(col: Collection) -> Any:
    if col.db is None:
        raise SyncError("the collection was closed during the sync")
    return col.db


def _note_types_to_write(col: Collection) -> list[NotetypeDict]:
    """flashgen's note types the collection lacks or holds with other templates or style."""
    result: list[NotetypeDict] = []
    for note_type in NOTE_TYPES:
        existing = col.models.get(NotetypeId(note_type.id))
        if existing is None:
            result.append(_new_note_type(col, note_type))
            continue
        fields = [entry["name"] for entry in existing["flds"]]
        templates = [entry["name"] for entry in existing["tmpls"]]
        if fields != list(note_type.fields) or templates != [t.name for t in note_type.templates]:
            raise SyncError(
                f"the collection's note type '{existing['name']}' has fields {fields} and card"
                f" types {templates}, not flashgen's; restore them in Anki (Tools → Manage"
                " Note Types) and sync again"
            )
        changed = existing["css"] != note_type.css
        for entry, template in zip(existing["tmpls"], note_type.templates, strict=True):
            changed |= (entry["qfmt"], entry["afmt"]) != (template.front, template.back)
            entry["qfmt"], entry["afmt"] = template.front, template.back
        existing["css"] = note_type.css
        if changed:
            result.append(existing)
    return result


def _new_note_type(col: Collection, note_type: NoteType) -> NotetypeDict:
    """*note_type* as a note type dict for *col*, not yet added."""
    models = col.models
    notetype = models.new(note_type.name)
    for name in note_type.fields:
        models.add_field(notetype, models.new_field(name))
    for template in note_type.templates:
        entry = models.new_template(template.name)
        entry["qfmt"], entry["afmt"] = template.front, template.back
        models.add_template(notetype, entry)
    notetype["css"] = note_type.css
    if note_type.cloze:
        notetype["type"] = _ANKI_CLOZE
    notetype["id"] = note_type.id
    return notetype


def _deck_id(col: Collection, name: str) -> DeckId:
    """The id of the deck *name*, made when missing."""
    did = col.decks.id(name, create=True)
    assert did is not None  # made when missing
    return did


def _note_type(col: Collection, note_type_id: int) -> NotetypeDict:
    found = col.models.get(NotetypeId(note_type_id))
    if found is None:
        raise SyncError(f"note type {note_type_id} vanished from the collection during the sync")
    return found


def _backup(col: Collection, collection: Path) -> Path:
    """Make Anki's backup of *col* in ``backups/`` beside it; the folder."""
    folder = collection.parent / "backups"
    try:
        folder.mkdir(exist_ok=True)
        col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)
    except (OSError, BackendError) as err:
        raise SyncError(
            f"cannot back up {collection} into {folder} ({err}); it is unchanged"
        ) from err
    return folder


def _add_notes(col: Collection, notes: Sequence[Note]) -> None:
    """Add *notes* to *col* in one call, dated and scheduled as ``_date``, ``_schedule``."""
    note_types: dict[int, NotetypeDict] = {}
    decks: dict[str, DeckId] = {}
    requests: list[AddNoteRequest] = []
    for note in notes:
        type_id = note.note_type.id
        if type_id not in note_types:
            note_types[type_id] = _note_type(col, type_id)
        if note.deck not in decks:
            decks[note.deck] = _deck_id(col, note.deck)
        anki_note = col.new_note(note_types[type_id])
        anki_note.fields[:] = note.fields
        anki_note.tags = list(note.tags)
        anki_note.guid = note.guid
        requests.append(AddNoteRequest(anki_note, decks[note.deck]))
    if not requests:
        return
    col.add_notes(requests)
    added = [(request.note.id, note) for request, note in zip(requests, notes, strict=True)]
    _db(col).executemany(
        "update notes set mod = ? where id = ?", [(note.mod, nid) for nid, note in added]
    )
    for nid, note in added:
        _schedule(col, nid, note.history)


def _date(col: Collection, nid: NoteId, mod: int) -> None:
    """Date a written note as the deck would: when its content last changed, not now.

    Anki's own date of the write would beat a vault edit made in the same second, and on
    AnkiWeb an edit made on the phone meanwhile: the newer edit must win.
    """
    _db(col).execute("update notes set mod = ? where id = ?", mod, nid)


_SCHEDULE = 'type, queue, due, ivl, factor, reps, lapses, "left", flags, data'
"""A card's scheduling columns."""


def _inherit(col: Collection, guid: str, ord_: int, old_nid: NoteId, timestamp: float) -> bool:
    """Give the never-reviewed card *ord_* of the note *guid* the schedule of the old
    note *old_nid*'s card (outside a filtered deck); whether it did."""
    db = _db(col)
    new = db.first(
        "select c.id, c.reps from cards c join notes n on n.id = c.nid"
        " where n.guid = ? and c.ord = ?",
        guid,
        ord_,
    )
    old = db.first(
        f"select {_SCHEDULE} from cards where nid = ? and odid = 0 order by ord limit 1", old_nid
    )
    if new is None or old is None or new[1] or not old[5]:
        return False
    db.execute(
        f"update cards set ({_SCHEDULE}, mod, usn) = ({', '.join('?' * 10)}, ?, -1) where id = ?",
        *old,
        int(timestamp),
        new[0],
    )
    return True


def _schedule(col: Collection, nid: NoteId, history: Sequence[tuple[int, SrHistory]]) -> None:
    """Make the new cards with obsidian-spaced-repetition history review cards in that
    state (what the package's "Import any learning progress" does)."""
    if not history:
        return
    today = col.sched.today
    # Anki's day starts at its rollover hour; the day before the next one is today.
    today_date = datetime.fromtimestamp(col.sched.day_cutoff - 86_400).date()
    for ord_, state in history:
        _db(col).execute(
            "update cards set type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = 1"
            " where nid = ? and ord = ?",
            _REVIEW,
            _REVIEW,
            today + (state.due - today_date).days,
            state.interval,
            state.ease * 10,
            nid,
            ord_,
        )


def _write_media(col: Collection, media: Mapping[str, bytes]) -> None:
    """Put the files in the media folder under the package's names, as Anki's importer
    does; Anki registers them on its next media check or sync. (``media.write_data``
    would lowercase the names, which the notes' fields then no longer match.)"""
    folder = Path(col.media.dir())
    try:
        for name, data in media.items():
            write_atomic(folder / name, partial(_write_bytes, data))
    except OutputError as err:
        raise SyncError(
            f"cannot write media into {folder}: {err}; the notes are unchanged"
        ) from err


def _write_bytes(data: bytes, handle: BinaryIO) -> None:
    handle.write(data)


def _apply(col: Collection, plan: _Plan, timestamp: float, keep_removed: bool) -> None:
    """Write *plan* into *col* (inside one transaction)."""
    for notetype in plan.note_types:
        if col.models.get(NotetypeId(notetype["id"])) is None:
            # A new note type keeps flashgen's id: a deck imported later meets it.
            notetype["mod"], notetype["usn"] = int(timestamp), -1
            col.models.update(notetype, preserve_usn=True)
        else:
            col.models.update_dict(notetype)
    _add_notes(col, plan.add)
    for nid, note, tags in plan.update:
        anki_note = col.get_note(nid)
        anki_note.fields[:] = note.fields
        anki_note.tags = tags
        col.update_note(anki_note)
        _date(col, nid, note.mod)
        # A new cloze number's card goes where Anki puts new cards: bring it to the deck.
        did = _deck_id(col, note.deck)
        strays = [card for card in anki_note.card_ids() if col.get_card(card).did != did]
        if strays:
            col.set_deck(strays, did)
    for nid, tags in plan.retag:
        anki_note = col.get_note(nid)
        anki_note.tags = tags
        col.update_note(anki_note)
    for card_ids, deck in plan.move:
        col.set_deck(card_ids, _deck_id(col, deck))
    plan.inherited = sum(_inherit(col, *entry, timestamp) for entry in plan.inherit)
    if keep_removed:
        col.tags.bulk_add(plan.remove, REMOVED_TAG)
    elif plan.remove:
        col.remove_notes(plan.remove)

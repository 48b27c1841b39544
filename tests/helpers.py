"""Test helpers: note templates, image bytes, the CLI runner, and a real, headless Anki
collection to import packages into and inspect."""

from __future__ import annotations

import re
import sqlite3
import struct
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anki.collection  # noqa: F401  (before anki.cards, which alone is a circular import)
from anki.cards import CardId
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.dbproxy import DBProxy
from anki.scheduler.v3 import CardAnswer, Scheduler
from click.testing import CliRunner

from flashgen.anki.note_state import load_note_state
from flashgen.anki.notes import anki_cards
from flashgen.build.outputs import note_state_path
from flashgen.cli.commands import cli
from flashgen.model import Card

QA = "> [!QUESTION] {q}\n> {a}\n\n"
"""A question callout: ``QA.format(q=..., a=...)``."""


def tiny_png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = tiny_png((255, 0, 0))
"""A small real image."""


def run_cli(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``flashgen *args`` in-process: (exit status, stdout, stderr)."""
    result = CliRunner().invoke(
        cli, list(args), input=input, env=env, catch_exceptions=False, prog_name="flashgen"
    )
    return result.exit_code, result.stdout, result.stderr


def shown_text(html: str) -> str:
    """What a rendered card side shows, as one line: no style, no tags."""
    html = re.sub(r"(?s)<style>.*?</style>", "", html)
    html = re.sub(r"<(?:/?div|hr|br)\b[^>]*>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def cards_by_anki_card(cards: list[Card], vault: Path) -> dict[tuple[str, int], Card]:
    """The flashgen card of each Anki card, by (note GUID, card ordinal), after a build."""
    by_id = {card.id: card for card in cards}
    state = load_note_state(note_state_path(vault))
    return {place: by_id[card_id] for place, card_id in anki_cards(cards, state).items()}


def build_deck(vault: Path, out: Path) -> Path:
    """Run ``flashgen build VAULT -o OUT``, which must succeed; the deck it wrote."""
    status, _out, err = run_cli("build", str(vault), "-o", str(out))
    assert status == 0, err
    return out / f"{vault.name}.apkg"


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """One imported note, as the tests look at it."""

    id: int
    """Anki's note id."""
    guid: str
    """The note's GUID; flashgen's card id."""
    notetype: str
    """Name of the note type."""
    notetype_id: int
    """Id of the note type."""
    fields: dict[str, str]
    """Field name → HTML."""
    tags: tuple[str, ...]
    """Tags, sorted."""
    decks: tuple[str, ...]
    """Deck name of each of the note's cards."""
    card_ids: tuple[int, ...]
    """Ids of the note's cards."""


def open_collection(folder: Path) -> Collection:
    """A new, empty collection in *folder* (its media folder sits beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_apkg(col: Collection, package: Path) -> Any:
    """Import *package* as Anki's import dialog does by default, merging note types.

    Anki updates an existing note (same GUID) only when the package's note is newer.
    """
    request = ImportAnkiPackageRequest(
        package_path=str(package),
        options=ImportAnkiPackageOptions(merge_notetypes=True),
    )
    return col.import_anki_package(request)


def notes_by_guid(col: Collection) -> dict[str, AnkiNote]:
    """Every note of *col*, keyed by GUID."""
    result: dict[str, AnkiNote] = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        notetype = note.note_type()
        assert notetype is not None
        cards = note.cards()
        result[note.guid] = AnkiNote(
            id=note.id,
            guid=note.guid,
            notetype=notetype["name"],
            notetype_id=note.mid,
            fields=dict(note.items()),
            tags=tuple(sorted(note.tags)),
            decks=tuple(col.decks.name(card.did) for card in cards),
            card_ids=tuple(card.id for card in cards),
        )
    return result


def review(col: Collection, card_id: int, rating: Any = CardAnswer.GOOD) -> None:
    """Answer the card *card_id* through the v3 scheduler, as a study session would.

    The answer uses the scheduling states Anki computes for that card now, so any card
    can be answered, not only the one at the head of the study queue.
    """
    sched = col.sched
    assert isinstance(sched, Scheduler)
    card = col.get_card(CardId(card_id))
    states = col._backend.get_scheduling_states(card.id)
    card.start_timer()
    sched.answer_card(sched.build_answer(card=card, states=states, rating=rating))


def revlog(col: Collection, card_id: int) -> list[tuple[int, int]]:
    """The review log of *card_id* as ``(entry id, button pressed)`` pairs."""
    rows: list[tuple[int, int]] = [
        (int(entry_id), int(ease))
        for entry_id, ease in _db(col).all(
            "select id, ease from revlog where cid = ? order by id", card_id
        )
    ]
    return rows


def scheduling(col: Collection, card_id: int) -> tuple[int, int, int, int, int]:
    """The card's ``(type, queue, due, interval, reps)``: what a review changes."""
    card = col.get_card(CardId(card_id))
    return (card.type, card.queue, card.due, card.ivl, card.reps)


def media_files(col: Collection) -> dict[str, bytes]:
    """The files in the collection's media folder, name → content."""
    folder = Path(col.media.dir())
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def _db(col: Collection) -> DBProxy:
    assert col.db is not None, "the collection is closed"
    return col.db


def package_notes(deck: Path) -> list[tuple[str, str, list[str]]]:
    """(GUID, tags, fields) of each note stored in the package *deck*, read without Anki."""
    with zipfile.ZipFile(deck) as archive:
        data = archive.read("collection.anki2")
    copy = deck.with_name(f".{deck.name}.read.anki2")
    copy.write_bytes(data)
    try:
        with closing(sqlite3.connect(copy)) as db:
            rows = db.execute("SELECT guid, tags, flds FROM notes ORDER BY id").fetchall()
    finally:
        copy.unlink()
    return [(guid, tags.strip(), flds.split("\x1f")) for guid, tags, flds in rows]

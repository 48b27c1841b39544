"""``flashgen sync`` into real collections made with the ``anki`` package."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection  # before anki.cards: alone, that is a circular import

from anki.cards import CardId  # isort: skip
from anki.notes import NoteId  # isort: skip
from flashgen.anki.package import write_apkg
from flashgen.build.pipeline import collect
from tests.conftest import REPO, MakeVault
from tests.helpers import (
    QA,
    build_deck,
    import_apkg,
    notes_by_guid,
    open_collection,
    review,
    run_cli,
    scheduling,
    shown_text,
)

HEART = "Bio/Heart.md"
LUNGS = "Bio/Lungs.md"
CELLS = "Bio/Cells.md"


def vault_files() -> dict[str, str | bytes]:
    return {
        HEART: "# Heart\n\n" + QA.format(q="How many chambers has the heart?", a="Four"),
        LUNGS: "---\ntags: flashcards\n---\n# Lungs\n\nGas exchange happens in the ==alveoli=="
        " of the ==lungs==.\n",
        CELLS: "# Cells\n\n" + QA.format(q="What is the powerhouse of the cell?", a="Mitochondria"),
    }


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    col = open_collection(tmp_path / "anki")
    col.close()
    return tmp_path / "anki" / "collection.anki2"


def sync(vault: Path, collection: Path, *more: str) -> tuple[int, str, str]:
    """Run ``flashgen sync``: its status, its stdout (the counts), its stderr (problems)."""
    return run_cli("sync", str(vault), "--collection", str(collection), *more)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def opened(path: Path) -> Iterator[Collection]:
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def revlog_rows(col: Collection) -> list[tuple[int, int]]:
    assert col.db is not None
    return [(int(a), int(b)) for a, b in col.db.all("select id, cid from revlog order by id")]


def test_sync_adds_then_deletes_moves_and_updates_keeping_every_review(
    make_vault: MakeVault, collection: Path
) -> None:
    vault = make_vault(vault_files())
    status, out, err = sync(vault, collection)
    assert status == 0, err
    assert "+3 added ~0 updated >0 moved -0 deleted =0 unchanged" in out
    with opened(collection) as col:
        first = notes_by_guid(col)
        assert sorted(len(note.card_ids) for note in first.values()) == [1, 1, 2]
        for note in first.values():
            for card_id in note.card_ids:
                review(col, card_id)
        logged = revlog_rows(col)
        assert len(logged) == 4
        by_front = {next(iter(n.fields.values())): n for n in first.values()}

    (vault / HEART).unlink()
    (vault / "Physiology").mkdir()
    (vault / LUNGS).rename(vault / "Physiology" / "Lungs.md")
    cells = vault / CELLS
    cells.write_text(cells.read_text().replace("Mitochondria", "The mitochondria"))
    status, out, err = sync(vault, collection)

    assert status == 0, err
    # The moved note's source link changed: it is updated as well as moved.
    assert "+0 added ~2 updated >1 moved -1 deleted =0 unchanged" in out
    with opened(collection) as col:
        after = notes_by_guid(col)
        heart = by_front["How many chambers has the heart?"]
        lungs = by_front["Gas exchange happens in the {{c1::alveoli}} of the {{c2::lungs}}."]
        cell = by_front["What is the powerhouse of the cell?"]
        assert heart.guid not in after
        assert after[lungs.guid].card_ids == lungs.card_ids
        assert after[lungs.guid].decks == ("vault::Physiology", "vault::Physiology")
        assert after[cell.guid].fields["Back"] == "The mitochondria"
        assert after[cell.guid].card_ids == cell.card_ids
        assert revlog_rows(col) == logged  # the deleted note's reviews too
        assert len(col.find_cards("")) == 3


def test_nothing_to_change_writes_nothing(make_vault: MakeVault, collection: Path) -> None:
    vault = make_vault(vault_files())
    assert sync(vault, collection)[0] == 0
    before = files_of(collection.parent)
    status, out, err = sync(vault, collection)
    assert status == 0, err
    assert "=3 unchanged" in out and "unchanged" in out.splitlines()[-1]
    assert files_of(collection.parent) == before  # not even a backup


def test_a_deck_imported_before_meets_the_same_notes(
    make_vault: MakeVault, collection: Path, tmp_path: Path
) -> None:
    vault = make_vault(vault_files())
    deck = build_deck(vault, tmp_path / "out")
    with opened(collection) as col:
        import_apkg(col, deck)
    status, out, err = sync(vault, collection)
    assert status == 0, err
    assert "+0 added ~0 updated >0 moved -0 deleted =3 unchanged" in out


def test_notes_flashgen_did_not_make_are_never_touched(
    make_vault: MakeVault, collection: Path
) -> None:
    with opened(collection) as col:
        basic = col.models.by_name("Basic")
        assert basic is not None
        note = col.new_note(basic)
        note["Front"], note["Back"] = "My own card", "Mine"
        col.add_note(note, col.decks.id("Default") or 1)  # type: ignore[arg-type]
        mine = (note.id, col.get_note(note.id).mod)
    vault = make_vault(vault_files())
    assert sync(vault, collection)[0] == 0
    (vault / HEART).unlink()
    assert sync(vault, collection)[0] == 0
    with opened(collection) as col:
        kept = col.get_note(NoteId(mine[0]))
        assert (kept.id, kept.mod, kept["Front"]) == (*mine, "My own card")


def test_an_edit_made_in_anki_since_the_last_sync_survives(
    make_vault: MakeVault, collection: Path
) -> None:
    vault = make_vault(vault_files())
    assert sync(vault, collection)[0] == 0
    with opened(collection) as col:
        (nid,) = col.find_notes('"Front:What is the powerhouse of the cell?"')
        note = col.get_note(nid)
        note["Back"] = "Mitochondria (fixed in Anki)"
        col.update_note(note)
    status, out, err = sync(vault, collection)
    assert status == 0 and "=2 unchanged, 1 kept as edited in Anki" in out, err
    with opened(collection) as col:
        assert col.get_note(nid)["Back"] == "Mitochondria (fixed in Anki)"


def test_keep_removed_tags_instead_of_deleting(make_vault: MakeVault, collection: Path) -> None:
    vault = make_vault(vault_files())
    assert sync(vault, collection)[0] == 0
    (vault / HEART).unlink()
    status, out, err = sync(vault, collection, "--keep-removed")
    assert status == 0 and "#1 tagged" in out, err
    with opened(collection) as col:
        assert len(col.find_notes("tag:flashgen::removed")) == 1
    assert "#0 tagged" in sync(vault, collection, "--keep-removed")[1]


def test_a_collection_anki_holds_open_is_refused_and_unchanged(
    make_vault: MakeVault, collection: Path
) -> None:
    vault = make_vault(vault_files())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(collection)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        before = files_of(collection.parent)
        status, _out, err = sync(vault, collection)
        assert status == 1
        assert err.strip().splitlines()[-1] == (
            f"Error: {collection} is open in Anki (or syncing its media): close Anki first"
        )
        assert files_of(collection.parent) == before
    finally:
        holder.kill()
        holder.wait()


HOLD = """
import sys, time
from anki.collection import Collection
col = Collection(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def newer_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("update col set ver = 99")
        db.commit()


def foreign_sqlite(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as db:
        db.execute("create table notes (id integer)")
        db.commit()


BAD: dict[str, tuple[Callable[[Path], object], str]] = {
    "text file": (lambda p: p.write_text("hello"), "is not an Anki collection"),
    "empty file": (lambda p: p.write_bytes(b""), "is not an Anki collection"),
    "another database": (foreign_sqlite, "is not an Anki collection (no such table: col)"),
    "newer schema": (newer_schema, "is a collection of a newer Anki (schema 99"),
    "read-only": (lambda p: p.chmod(0o444), "is read-only (the file or its folder)"),
    "missing": (lambda p: p.unlink(), "no Anki collection at"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_collections_get_one_line_and_stay_unchanged(
    case: str, make_vault: MakeVault, collection: Path
) -> None:
    spoil, message = BAD[case]
    spoil(collection)
    before = files_of(collection.parent)
    status, _out, err = sync(make_vault(vault_files()), collection)
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("Error: ") and message in last, err
    assert "Traceback" not in err
    assert files_of(collection.parent) == before


def test_new_cards_bring_their_spaced_repetition_history(
    make_vault: MakeVault, collection: Path
) -> None:
    with opened(collection) as col:
        today = datetime.fromtimestamp(col.sched.day_cutoff - 86_400).date()
    soon, later = today + timedelta(days=3), today + timedelta(days=40)
    vault = make_vault(
        {
            "Geo.md": "#flashcards\n\nKenya::Nairobi <!--SR:!" + f"{soon},5,230-->\n\n"
            "==Lima== is the capital of ==Peru==.\n"
            f"<!--SR:!{soon},5,230!{later},30,250-->\n"
        }
    )
    assert sync(vault, collection)[0] == 0
    with opened(collection) as col:
        states = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            states[shown_text(card.question())] = (card.type, card.due - col.sched.today, card.ivl)
        assert states == {
            "Kenya": (2, 3, 5),
            "[...] is the capital of Peru.": (2, 3, 5),
            "Lima is the capital of [...].": (2, 40, 30),
        }


FILLED_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from flashgen.cli.commands import cli
cli(["sync", sys.argv[2], "--collection", sys.argv[3]])
"""


def test_a_disk_that_fills_during_the_write_leaves_the_collection_unchanged(
    make_vault: MakeVault, collection: Path
) -> None:
    long = "lorem ipsum " * 20
    vault = make_vault(
        {
            f"n{i}.md": "".join(QA.format(q=f"Question {i}-{j}?", a=long) for j in range(5))
            for i in range(60)
        }
    )
    before = digest(collection)
    done = subprocess.run(
        [sys.executable, "-c", FILLED_DISK, "200000", str(vault), str(collection)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: cannot sync {collection}: disk I/O error (is the disk full?); it is unchanged"
    )
    assert digest(collection) == before
    with opened(collection) as col:
        assert col.find_notes("") == []


def test_cards_of_an_older_deck_hand_their_schedule_to_the_new_notes(
    make_vault: MakeVault, collection: Path, tmp_path: Path
) -> None:
    """Decks before native clozes made a note per deletion and per side (GUID: the card's
    id); a sync deletes those notes, and their new cards continue their schedule."""
    vault = make_vault(
        {"Geo.md": "#flashcards\n\n==Lima== is the capital of ==Peru==.\n\nFrance:::Paris\n"}
    )
    cards = collect(vault, save=False).cards
    old = [dataclasses.replace(card, extra=(), family="") for card in cards]
    package = tmp_path / "old.apkg"
    write_apkg(old, package, vault_root=vault, vault_name=vault.name, timestamp=1.7e9)
    with opened(collection) as col:
        import_apkg(col, package)
        schedules = {}
        for guid, note in notes_by_guid(col).items():
            review(col, note.card_ids[0])
            schedules[guid] = scheduling(col, note.card_ids[0])
    status, out, err = sync(vault, collection)
    assert status == 0, err
    assert "+2 added ~0 updated >0 moved -4 deleted =0 unchanged" in out
    assert "4 cards took over the schedule of their old one-card notes" in out
    with opened(collection) as col:
        notes = notes_by_guid(col)
        assert sorted(note.notetype for note in notes.values()) == [
            "flashgen Cloze",
            "flashgen Q/A reversible",
        ]
        taken = {}
        for note in notes.values():
            for card_id in note.card_ids:
                card = col.get_card(CardId(card_id))
                (card_of,) = [c for c in cards if shown_text(card.question()).endswith(c.front)]
                taken[card_of.id] = scheduling(col, card_id)
        assert taken == schedules


WITHOUT_ANKI = """
import sys
sys.modules["anki"] = None  # as if the extra were not installed
from flashgen.cli.commands import cli
cli(["sync", sys.argv[1], "--collection", sys.argv[2]])
"""


def test_without_the_anki_extra_sync_says_how_to_install_it(
    make_vault: MakeVault, collection: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_ANKI, str(make_vault(vault_files())), str(collection)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error: flashgen sync needs the anki package: pip install "flashgen[anki]"'
    )


def test_a_guid_held_by_a_note_of_another_type_is_left_alone(
    make_vault: MakeVault, collection: Path
) -> None:
    vault = make_vault(vault_files())
    cards = collect(vault, save=False).cards
    heart = next(card for card in cards if card.note == HEART)
    with opened(collection) as col:
        basic = col.models.by_name("Basic")
        assert basic is not None
        note = col.new_note(basic)
        note["Front"], note["Back"], note.guid = "Someone else's", "note", heart.id
        col.add_note(note, col.decks.id("Default") or 1)  # type: ignore[arg-type]
        before = (note.id, col.get_note(note.id).mod)
    status, out, err = sync(vault, collection)
    assert status == 0 and "1 left out: a note of another note type has their GUID" in out, err
    with opened(collection) as col:
        theirs = col.get_note(NoteId(before[0]))
        assert (theirs.mod, theirs["Front"]) == (before[1], "Someone else's")

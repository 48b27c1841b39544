"""The incremental package: a deck patched from the last one is the deck a full build
writes, byte for byte, and an interrupted patch leaves the previous deck as it was."""

from __future__ import annotations

import functools
import json
import pickle
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import pytest

from flashgen.anki import apkg_zip, package
from flashgen.anki.apkg_zip import DEFLATED, STORED, ZipWriter
from flashgen.anki.note_state import load_note_state, save_note_state
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import update_outputs
from flashgen.build.pipeline import collect
from flashgen.build.state import load_state, save_state
from flashgen.model import Card
from tests.conftest import MakeVault
from tests.helpers import QA, import_apkg, notes_by_guid, open_collection, tiny_png

T0 = 1_700_000_000.0
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4"/></svg>'
COMPARISON = (
    "## Mitosis vs. Meiosis\n\n**Mitosis:**\n- two daughter cells\n- identical copies\n\n"
    "**Meiosis:**\n- four daughter cells\n- half the chromosomes\n"
)


@pytest.fixture
def vault(make_vault: MakeVault) -> Path:
    return make_vault(
        {
            "img/red.png": tiny_png((255, 0, 0)),
            "img/blue.png": tiny_png((0, 0, 255)),
            "img/shape.svg": SVG,
            "Bio/cells.md": "# Cells\n\n"
            + QA.format(q="Powerhouse?", a="![[red.png]] Mitochondria")
            + COMPARISON,
            "Bio/more.md": "---\ntags: [bio]\n---\n" + QA.format(q="Shape?", a="![[shape.svg]]"),
            "Math/sums.md": "".join(QA.format(q=f"{n}+{n}?", a=f"{2 * n}") for n in range(6)),
            "Math/blue.md": QA.format(q="Blue?", a="![[blue.png|100]] $x^2$"),
            "Math/gone.md": QA.format(q="Soon gone?", a="Yes"),
        },
    )


def _cards(vault: Path, when: float) -> Sequence[Card]:
    return collect(vault, now=when).cards


def _write_both(
    cards: Sequence[Card], vault: Path, out: Path, when: float, inserted: list[int] | None = None
) -> tuple[bytes, bytes]:
    """(the deck patched from what *out* keeps, a deck written from nothing), same time.

    With *inserted* (see ``_count_inserted``), it ends up holding how many notes each
    of the two packages inserted into its collection.
    """
    write = functools.partial(write_apkg, vault_root=vault, vault_name="vault", timestamp=when)
    counts = inserted if inserted is not None else []
    counts.clear()
    write(cards, out / "vault.apkg", parts=out / ".vault.apkg.parts")
    patched = sum(counts)
    counts.clear()
    fresh = out.parent / "fresh"
    fresh.mkdir(exist_ok=True)
    write(cards, fresh / "vault.apkg")
    counts[:] = [patched, sum(counts)]
    return (out / "vault.apkg").read_bytes(), (fresh / "vault.apkg").read_bytes()


def _count_inserted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on the real note inserts: how many notes each package wrote into its collection."""
    counts: list[int] = []
    insert = package._insert_notes

    def counted(cursor: object, notes: Sequence[object], *more: object) -> list[int]:
        counts.append(len(notes))
        return insert(cursor, notes, *more)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_insert_notes", counted)
    return counts


def test_a_patched_deck_equals_a_full_build_after_several_edits(
    vault: Path, make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    inserted = _count_inserted(monkeypatch)
    patched, full = _write_both(_cards(vault, T0), vault, out, T0, inserted)
    assert patched == full
    assert inserted[0] == inserted[1] == 16  # the first deck is made from nothing, too
    edits: list[dict[str, str | bytes]] = [
        {"Math/sums.md": (vault / "Math/sums.md").read_text().replace("3+3?", "3 + 3?")},
        {
            "Bio/new.md": QA.format(q="Green?", a="![[green.png]]"),
            "img/green.png": tiny_png((0, 255, 0)),
        },
        {"img/blue.png": tiny_png((0, 0, 128))},  # the image changed, its note did not
        {"Math/gone.md": "no cards any more\n"},
        {"Bio/cells.md": (vault / "Bio/cells.md").read_text().replace("identical", "same")},
    ]
    for step, edit in enumerate(edits, start=1):
        make_vault(edit)
        when = T0 + 10 * step
        patched, full = _write_both(_cards(vault, when), vault, out, when, inserted)
        assert patched == full, f"edit {step}"
        assert inserted[0] < inserted[1], f"edit {step}: the patch rewrote every note"
    # the comparison section edited last: its note's cards only (a question and 6 more)
    assert inserted == [7, 16]
    with zipfile.ZipFile(out / "vault.apkg") as deck:
        assert deck.testzip() is None  # every CRC holds
        methods = {info.filename: info.compress_type for info in deck.infolist()}
        media = json.loads(deck.read("media"))  # {"0": name, ...}
    suffixes = {name.rsplit(".", 1)[1]: methods[number] for number, name in media.items()}
    assert suffixes == {"png": STORED, "svg": DEFLATED}
    assert methods["collection.anki2"] == DEFLATED


def test_the_patched_deck_imports_into_anki_with_the_edit(
    vault: Path, make_vault: MakeVault, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _write_both(_cards(vault, T0), vault, out, T0)
    make_vault({"Math/blue.md": QA.format(q="Blue?", a="![[blue.png|100]] $y^3$")})
    _write_both(_cards(vault, T0 + 5), vault, out, T0 + 5)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out / "vault.apkg")
        notes = notes_by_guid(col)
        assert len(notes) == 16
        (blue,) = (note for note in notes.values() if note.fields["Front"] == "Blue?")
        assert "\\(y^3\\)" in blue.fields["Back"] and 'width="100"' in blue.fields["Back"]
    finally:
        col.close()


def test_an_interrupted_patch_leaves_the_previous_deck_and_parts(
    vault: Path, make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _write_both(_cards(vault, T0), vault, out, T0)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    make_vault({"Math/sums.md": "".join(QA.format(q=f"{n}?", a="yes") for n in range(3))})
    cards = _cards(vault, T0 + 10)
    copy = ZipWriter.copy

    def interrupted(self: ZipWriter, *args: object) -> object:
        raise KeyboardInterrupt  # Ctrl-C while unchanged media are copied

    monkeypatch.setattr(ZipWriter, "copy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_apkg(
            cards,
            out / "vault.apkg",
            vault_root=vault,
            vault_name="vault",
            timestamp=T0 + 10,
            parts=out / ".vault.apkg.parts",
        )
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    monkeypatch.setattr(ZipWriter, "copy", copy)
    patched, full = _write_both(cards, vault, out, T0 + 10)
    assert patched == full and patched != before["vault.apkg"]


def test_rebuilds_after_edits_write_what_a_first_build_writes(
    vault: Path, make_vault: MakeVault, tmp_path: Path
) -> None:
    """Through ``update_outputs``: a rebuild patches the deck and the listing, and writes
    what a build without the kept parts writes (from the same previous deck state)."""
    out = tmp_path / "out"
    now = time.time() + 1000  # past every deck's time, so both builds stamp their deck with it
    update_outputs(collect(vault, now=now), out, now=now, write_deck=write_apkg)
    edits: list[dict[str, str | bytes]] = [
        {"Math/sums.md": (vault / "Math/sums.md").read_text().replace("> 8\n", "> eight\n")},
        {"img/red.png": tiny_png((200, 0, 0))},
        {"Bio/new.md": QA.format(q="New?", a="![[blue.png]]")},
        {"Math/gone.md": ""},
    ]
    reports = []
    for step, edit in enumerate(edits, start=1):
        fresh = tmp_path / f"fresh{step}"
        shutil.copytree(out, fresh)
        for name in (".vault.apkg.parts", ".vault.apkg.collection", "vault.json"):
            (fresh / name).unlink()
        make_vault(edit)
        now += 10
        built = collect(vault, now=now)
        export = update_outputs(built, out, now=now, write_deck=write_apkg)
        reports.append(export.summary_line())
        assert (
            update_outputs(built, fresh, now=now, write_deck=write_apkg).changes == export.changes
        )
        for name in ("vault.apkg", "vault.json", ".vault.apkg.collection"):
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), (step, name)
        listing = json.loads((out / "vault.json").read_text())
        assert [card["id"] for card in listing] == [card.id for card in built.cards]
    assert reports == [
        "+0 new ~1 changed -0 removed =15 unchanged",
        "+0 new ~1 changed -0 removed =15 unchanged",  # the card showing the red image
        "+1 new ~0 changed -0 removed =16 unchanged",
        "+0 new ~0 changed -1 removed =16 unchanged",
    ]


def test_a_patched_collection_deflates_only_the_pieces_that_changed(
    vault: Path, make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut into 4 KiB pieces, a collection of 400 notes has many: an edit to one card
    deflates a few of them again and copies the rest, and the deck is still the one a
    full build writes; pieces cut otherwise (another size) are never copied."""
    monkeypatch.setattr(apkg_zip, "_CHUNK", 4096)
    deflated: list[int] = []
    deflate = apkg_zip._deflate

    def counted(data: bytes, mode: int) -> bytes:
        deflated.append(len(data))
        return deflate(data, mode)

    monkeypatch.setattr(apkg_zip, "_deflate", counted)
    many = "".join(QA.format(q=f"{n} squared?", a=f"{n * n}, a square") for n in range(400))
    make_vault({"Math/squares.md": many})
    out = tmp_path / "out"

    def both(when: float) -> tuple[bytes, bytes, int]:
        """The deck patched, then one from nothing (dated alike by the note state), and
        how many pieces the patched one deflated (the ends of entries included)."""
        write = functools.partial(
            write_apkg, vault_root=vault, vault_name="vault", timestamp=when,
            note_state=tmp_path / "notes.state",
        )  # fmt: skip
        cards = _cards(vault, when)
        deflated.clear()
        write(cards, out / "vault.apkg", parts=out / ".vault.apkg.parts")
        count = len(deflated)
        fresh = tmp_path / f"fresh{when}"
        fresh.mkdir()
        write(cards, fresh / "vault.apkg")
        return (out / "vault.apkg").read_bytes(), (fresh / "vault.apkg").read_bytes(), count

    patched, full, first = both(T0)
    assert patched == full
    pieces = (out / ".vault.apkg.collection").stat().st_size // 4096
    assert pieces >= 40 and first > pieces  # every piece, the media list, the SVG
    make_vault({"Math/squares.md": many.replace("200 squared?", "200 squared, again?")})
    patched, full, again = both(T0 + 10)
    assert patched == full
    assert 4 <= again < pieces // 4, (again, pieces)  # a few pieces, the media list, the ends
    with zipfile.ZipFile(out / "vault.apkg") as deck:
        assert deck.testzip() is None
    monkeypatch.setattr(apkg_zip, "_CHUNK", 8192)
    make_vault({"Math/blue.md": QA.format(q="Blue?", a="![[blue.png|100]] $y$")})
    patched, full, other = both(T0 + 20)
    assert patched == full
    assert other > pieces // 2  # nothing copied from pieces of another size


def test_a_patched_deck_keeps_review_history_as_a_full_build_does(
    vault: Path, make_vault: MakeVault, tmp_path: Path
) -> None:
    """Cards that bring spaced-repetition history are review cards in both decks, the
    ones of a note written anew and the ones kept from the last deck."""
    make_vault(
        {
            "Geo.md": "#flashcards\n\nKenya::Nairobi <!--SR:!2024-02-11,84,290-->\n\n"
            "==Lima== is the capital of ==Peru==.\n<!--SR:!2024-02-11,5,230!2024-03-01,30,250-->\n"
        }
    )
    out = tmp_path / "out"
    patched, full = _write_both(_cards(vault, T0), vault, out, T0)
    assert patched == full
    edits: list[dict[str, str | bytes]] = [
        {"Math/blue.md": QA.format(q="Blue?", a="![[blue.png|100]] $z$")},  # Geo kept
        {"Geo.md": (vault / "Geo.md").read_text().replace("Peru", "Perú")},  # Geo anew
    ]
    for step, edit in enumerate(edits, start=1):
        make_vault(edit)
        patched, full = _write_both(_cards(vault, T0 + step), vault, out, T0 + step)
        assert patched == full, step
        with closing(sqlite3.connect(out / ".vault.apkg.collection")) as db:
            rows = db.execute("SELECT ivl FROM cards WHERE type = 2 ORDER BY ivl").fetchall()
        assert rows == [(5,), (30,), (84,)], step


def test_a_note_redated_since_the_last_deck_is_written_again(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept collection's notes are kept only while the note state still gives them
    their time: a note it now dates otherwise (``flashgen sync`` shares the state) is
    written again, with that time, and only it."""
    inserted = _count_inserted(monkeypatch)
    state_file = tmp_path / "notes.state"
    out = tmp_path / "out"
    cards = _cards(vault, T0)

    def write(where: Path, parts: bool) -> bytes:
        write_apkg(
            cards, where / "vault.apkg", vault_root=vault, vault_name="vault", timestamp=T0,
            note_state=state_file, parts=where / ".vault.apkg.parts" if parts else None,
        )  # fmt: skip
        return (where / "vault.apkg").read_bytes()

    write(out, parts=True)
    state = load_note_state(state_file)
    guid, (digest, mod) = sorted(state.times.items())[0]
    state.times[guid] = (digest, mod - 100)  # as another writer of the state dated it
    state.used.update(state.times)  # the notes to keep (a state keeps the notes it made)
    state.changed = True
    save_note_state(state_file, state)
    inserted.clear()
    patched = write(out, parts=True)
    assert sum(inserted) < 16  # the kept notes stayed
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert patched == write(fresh, parts=False)
    with closing(sqlite3.connect(out / ".vault.apkg.collection")) as db:
        assert db.execute("SELECT mod FROM notes WHERE guid = ?", (guid,)).fetchone() == (
            mod - 100,
        )


def test_a_deck_state_of_version_2_is_read_card_by_card(vault: Path, tmp_path: Path) -> None:
    """The first build after an upgrade reports what changed, not every card as new,
    and carries on the cards removed since, as the last deck held them."""
    out = tmp_path / "out"
    now = time.time() + 1000
    update_outputs(collect(vault, now=now), out, now=now, write_deck=write_apkg)
    state = out / ".vault.apkg.state"
    header, (held, media, lines, _ids) = load_state(state)
    by_card = {
        card[0]: card[1:6] for blob in held.values() for card in pickle.loads(blob)
    }  # version 2: card id → (fingerprint, note, line, kind, front)
    save_state(state, {**header, "version": 2}, (by_card, media, lines))
    (vault / "Math/gone.md").write_text("no cards any more\n")
    now += 10
    export = update_outputs(collect(vault, now=now), out, now=now, write_deck=write_apkg)
    assert export.summary_line() == "+0 new ~0 changed -1 removed =15 unchanged"
    assert export.removed_kept == 1
    assert [(c.mark, c.card.front) for c in export.changes] == [("-", "Soon gone?")]

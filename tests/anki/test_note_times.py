"""Note times: a re-import updates the notes whose content changed, and no other.

Anki updates an imported note only when the incoming one is newer, so a deck that
stamped every note with its build time overwrote every note, edits made in Anki too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from anki.collection import Collection
from anki.notes import NoteId

from flashgen.anki.package import write_apkg
from flashgen.build.outputs import update_outputs
from flashgen.build.pipeline import collect
from tests.conftest import MakeVault
from tests.helpers import QA, build_deck, import_apkg, notes_by_guid, open_collection

NOTE_A = "Biology/Heart.md"
NOTE_B = "Biology/Lungs.md"


def by_front(col: Collection) -> dict[str, tuple[str, str, int]]:
    """Front → (GUID, back, mod) of every note."""
    return {
        note.fields["Front"]: (guid, note.fields["Back"], col.get_note(NoteId(note.id)).mod)
        for guid, note in notes_by_guid(col).items()
    }


def edit_in_anki(col: Collection, guid: str, back: str, *, at: int = 0) -> None:
    """Change a note's Back as the user would in Anki's editor (at the time *at*)."""
    note = col.get_note(NoteId(notes_by_guid(col)[guid].id))
    note["Back"] = back
    col.update_note(note)
    if at:
        assert col.db is not None
        col.db.execute("update notes set mod = ? where id = ?", at, note.id)


def vault_files() -> dict[str, str | bytes]:
    return {
        NOTE_A: "# Heart\n\n"
        + QA.format(q="How many chambers has the heart?", a="Four")
        + QA.format(q="What leaves the left ventricle?", a="The aorta"),
        NOTE_B: "# Lungs\n\n" + QA.format(q="Where does gas exchange happen?", a="In alveoli"),
    }


def test_reimport_updates_only_the_note_edited_in_the_vault(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(vault_files())
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_deck(vault, tmp_path / "out"))
        first = by_front(col)
        guid_a = first["How many chambers has the heart?"][0]
        edit_in_anki(col, guid_a, "Four: two atria, two ventricles")

        lungs = vault / NOTE_B
        lungs.write_text(lungs.read_text().replace("In alveoli", "In the alveoli"))
        log = import_apkg(col, build_deck(vault, tmp_path / "out")).log

        after = by_front(col)
        assert after["How many chambers has the heart?"][1] == "Four: two atria, two ventricles"
        assert after["Where does gas exchange happen?"][1] == "In the alveoli"
        assert after["What leaves the left ventricle?"] == first["What leaves the left ventricle?"]
        assert len(log.updated) == 1
        assert len(log.new) == 0
    finally:
        col.close()


def build_at(vault: Path, out: Path, now: float) -> Path:
    """Build as at the time *now*."""
    export = update_outputs(collect(vault, now=now), out, now=now, write_deck=write_apkg)
    return export.deck


def test_when_both_changed_the_newer_edit_wins(make_vault: MakeVault, tmp_path: Path) -> None:
    t0 = int(time.time()) - 4 * 3600
    vault = make_vault(vault_files())
    heart = vault / NOTE_A
    os.utime(heart, (t0 - 3600, t0 - 3600))
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_at(vault, tmp_path / "out", t0))
        first = by_front(col)
        assert {mod for _guid, _back, mod in first.values()} == {t0}
        guids = {front: guid for front, (guid, _b, _m) in first.items()}
        # In Anki, "Four" edited an hour after the build, "The aorta" two hours after.
        edit_in_anki(col, guids["How many chambers has the heart?"], "4 (Anki)", at=t0 + 3600)
        edit_in_anki(col, guids["What leaves the left ventricle?"], "Aorta (Anki)", at=t0 + 7200)
        # In the vault, both edited in between.
        heart.write_text(
            heart.read_text().replace("Four", "4 (vault)").replace("The aorta", "Aorta (vault)")
        )
        os.utime(heart, (t0 + 5400, t0 + 5400))
        import_apkg(col, build_at(vault, tmp_path / "out", t0 + 3 * 3600))

        after = by_front(col)
        assert after["How many chambers has the heart?"][1:] == ("4 (vault)", t0 + 5400)
        assert after["What leaves the left ventricle?"][1:] == ("Aorta (Anki)", t0 + 7200)
    finally:
        col.close()


def test_an_unchanged_rebuild_updates_nothing(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault(vault_files())
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_deck(vault, tmp_path / "out"))
        (tmp_path / "out" / f"{vault.name}.apkg").unlink()  # the deck is written again
        log = import_apkg(col, build_deck(vault, tmp_path / "out")).log
        assert (len(log.new), len(log.updated)) == (0, 0)
    finally:
        col.close()

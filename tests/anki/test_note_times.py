"""Note times: a re-import updates the notes whose content changed, and no other.

Anki updates an imported note only when the incoming one is newer, so a deck that
stamped every note with its build time overwrote every note, edits made in Anki too.
"""

from __future__ import annotations

import os
from pathlib import Path

from anki.collection import Collection
from anki.notes import NoteId

from tests.conftest import MakeVault
from tests.helpers import QA, import_apkg, notes_by_guid, open_collection, run_cli

NOTE_A = "Biology/Heart.md"
NOTE_B = "Biology/Lungs.md"


def build(vault: Path, out: Path) -> Path:
    status, _out, err = run_cli("build", str(vault), "-o", str(out))
    assert status == 0, err
    return out / f"{vault.name}.apkg"


def by_front(col: Collection) -> dict[str, tuple[str, str, int]]:
    """Front → (GUID, back, mod) of every note."""
    return {
        note.fields["Front"]: (guid, note.fields["Back"], col.get_note(NoteId(note.id)).mod)
        for guid, note in notes_by_guid(col).items()
    }


def edit_in_anki(col: Collection, guid: str, back: str, *, ago: int = 0) -> None:
    """Change a note's Back as the user would in Anki's editor, *ago* seconds ago."""
    note = col.get_note(NoteId(notes_by_guid(col)[guid].id))
    note["Back"] = back
    col.update_note(note)
    if ago:
        assert col.db is not None
        col.db.execute("update notes set mod = mod - ? where id = ?", ago, note.id)


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
        import_apkg(col, build(vault, tmp_path / "out"))
        first = by_front(col)
        guid_a = first["How many chambers has the heart?"][0]
        edit_in_anki(col, guid_a, "Four: two atria, two ventricles")

        lungs = vault / NOTE_B
        lungs.write_text(lungs.read_text().replace("In alveoli", "In the alveoli"))
        log = import_apkg(col, build(vault, tmp_path / "out")).log

        after = by_front(col)
        assert after["How many chambers has the heart?"][1] == "Four: two atria, two ventricles"
        assert after["Where does gas exchange happen?"][1] == "In the alveoli"
        assert after["What leaves the left ventricle?"] == first["What leaves the left ventricle?"]
        assert len(log.updated) == 1
        assert len(log.new) == 0
    finally:
        col.close()


def test_when_both_changed_the_newer_edit_wins(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault(vault_files())
    heart = vault / NOTE_A
    two_hours_ago = int(heart.stat().st_mtime) - 7200
    os.utime(heart, (two_hours_ago, two_hours_ago))  # written then, built now
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, build(vault, tmp_path / "out"))
        first = by_front(col)
        assert first["How many chambers has the heart?"][2] == two_hours_ago  # not the build time
        guids = {front: guid for front, (guid, _b, _m) in first.items()}
        # In Anki: "Four" edited an hour ago; "The aorta" edited just now.
        edit_in_anki(col, guids["How many chambers has the heart?"], "4 (Anki)", ago=3600)
        edit_in_anki(col, guids["What leaves the left ventricle?"], "Aorta (Anki)")
        # In the vault, both edited half an hour ago: after the first, before the second.
        heart.write_text(
            heart.read_text().replace("Four", "4 (vault)").replace("The aorta", "Aorta (vault)")
        )
        half_an_hour_ago = two_hours_ago + 5400
        os.utime(heart, (half_an_hour_ago, half_an_hour_ago))
        import_apkg(col, build(vault, tmp_path / "out"))

        after = by_front(col)
        assert after["How many chambers has the heart?"][1] == "4 (vault)"
        assert after["What leaves the left ventricle?"][1] == "Aorta (Anki)"
    finally:
        col.close()


def test_an_unchanged_rebuild_updates_nothing(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault(vault_files())
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, build(vault, tmp_path / "out"))
        (tmp_path / "out" / f"{vault.name}.apkg").unlink()  # the deck is written again
        log = import_apkg(col, build(vault, tmp_path / "out")).log
        assert (len(log.new), len(log.updated)) == (0, 0)
    finally:
        col.close()

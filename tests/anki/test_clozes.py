"""Native Anki clozes and two-way cards, checked in a real collection.

A passage is one note of the ``flashgen Cloze`` note type, one card per deletion, with
lasting cloze numbers; a card and its reverse are one note of two cards. The terminal
quiz still sees one card per deletion and per side.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection  # before anki.cards: alone, that is a circular import

from anki.cards import CardId  # isort: skip

from flashgen.anki.package import write_apkg
from flashgen.build.pipeline import collect
from flashgen.model import Card
from tests.conftest import MakeVault
from tests.helpers import (
    AnkiNote,
    build_deck,
    import_apkg,
    notes_by_guid,
    open_collection,
    review,
    revlog,
    run_cli,
    shown_text,
)

NOTE = "Bio/Heart.md"
PASSAGE = "The ==aorta== leaves the ==left ventricle==."


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    """An empty Anki collection, closed after the test."""
    collection = open_collection(tmp_path / "anki")
    yield collection
    collection.close()


def heart(*paragraphs: str) -> dict[str, str | bytes]:
    return {NOTE: "---\ntags: flashcards\n---\n# Heart\n\n" + "\n\n".join(paragraphs) + "\n"}


def only(col: Collection, notetype: str) -> AnkiNote:
    (note,) = [note for note in notes_by_guid(col).values() if note.notetype == notetype]
    return note


def question(col: Collection, card_id: int) -> str:
    return shown_text(col.get_card(CardId(card_id)).question())


def answer(col: Collection, card_id: int) -> str:
    return shown_text(col.get_card(CardId(card_id)).answer())


def test_a_passage_is_one_note_and_a_deletion_added_in_front_keeps_the_reviewed_cards(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    vault = make_vault(heart(PASSAGE))
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    note = only(col, "flashgen Cloze")
    assert len(notes_by_guid(col)) == 1 and len(note.card_ids) == 2
    asked = {card_id: question(col, card_id) for card_id in note.card_ids}
    assert sorted(asked.values()) == [
        "Heart The [...] leaves the left ventricle.",
        "Heart The aorta leaves the [...].",
    ]
    for card_id in note.card_ids:
        review(col, card_id)
    logs = {card_id: revlog(col, card_id) for card_id in note.card_ids}
    (vault / NOTE).write_text((vault / NOTE).read_text().replace("The", "==Blood== from the"))
    log = import_apkg(col, build_deck(vault, tmp_path / "out")).log
    assert (len(log.new), len(log.updated)) == (0, 1)
    after = only(col, "flashgen Cloze")
    assert after.guid == note.guid and set(note.card_ids) < set(after.card_ids)
    assert {card_id: revlog(col, card_id) for card_id in note.card_ids} == logs
    (added,) = set(after.card_ids) - set(note.card_ids)
    assert question(col, added) == "Heart [...] from the aorta leaves the left ventricle."
    assert sorted(question(col, card_id) for card_id in note.card_ids) == [
        "Heart Blood from the [...] leaves the left ventricle.",
        "Heart Blood from the aorta leaves the [...].",
    ]


def test_a_removed_deletion_frees_no_number_and_takes_its_own_back(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(heart(PASSAGE))
    note = vault / NOTE

    def edit(old: str, new: str) -> str:
        note.write_text(note.read_text().replace(old, new))
        col = open_collection(tmp_path / "anki")
        try:
            import_apkg(col, build_deck(vault, tmp_path / "out"))
            return only(col, "flashgen Cloze").fields["Text"]
        finally:
            col.close()

    assert edit("", "") == "The {{c1::aorta}} leaves the {{c2::left ventricle}}."
    assert edit("==aorta==", "aorta") == "The aorta leaves the {{c2::left ventricle}}."
    assert edit("leaves", "==leaves==") == "The aorta {{c3::leaves}} the {{c2::left ventricle}}."
    assert edit("The aorta", "The ==aorta==") == (
        "The {{c1::aorta}} {{c3::leaves}} the {{c2::left ventricle}}."
    )


def test_hints_math_and_curly_clozes_as_anki_shows_them(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    vault = make_vault(
        heart(
            "The ==aorta==^[vessel] carries ==$x^{a_{b}}$== litres.",
            "A {{c1::dog}} is a {{c2::chien::noun}}, and a {{c1::cat}} is a chat.",
        )
    )
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    shown = sorted(
        (question(col, card_id), answer(col, card_id))
        for note in notes_by_guid(col).values()
        for card_id in note.card_ids
    )
    assert len(notes_by_guid(col)) == 2
    assert shown == [
        (
            "Heart A [...] is a chien, and a [...] is a chat.",
            "Heart A dog is a chien, and a cat is a chat. Bio/Heart.md:8",
        ),
        (
            "Heart A dog is a [noun], and a cat is a chat.",
            "Heart A dog is a chien, and a cat is a chat. Bio/Heart.md:8",
        ),
        (
            "Heart The [vessel] carries \\(x^{a_{b} }\\) litres.",
            "Heart The aorta carries \\(x^{a_{b} }\\) litres. Bio/Heart.md:6",
        ),
        (
            "Heart The aorta carries [...] litres.",
            "Heart The aorta carries \\(x^{a_{b} }\\) litres. Bio/Heart.md:6",
        ),
    ]


def test_a_two_way_card_is_one_note_of_two_sibling_cards(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    vault = make_vault(heart("France:::Paris", "Which river flows through Cairo?\n??\nThe Nile"))
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    notes = notes_by_guid(col)
    assert {note.notetype for note in notes.values()} == {"flashgen Q/A reversible"}
    asked = sorted(
        (question(col, card_id), answer(col, card_id).split(" ")[-1])
        for note in notes.values()
        for card_id in note.card_ids
    )
    assert len(notes) == 2
    assert [q for q, _a in asked] == [
        "Heart France",
        "Heart Paris",
        "Heart The Nile",
        "Heart Which river flows through Cairo?",
    ]


def test_the_quiz_still_has_one_card_per_deletion_and_side(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(heart(PASSAGE, "France:::Paris"))
    status, out, _err = run_cli("cards", str(vault), "--json")
    assert status == 0
    cards = json.loads(out)
    assert sorted(card["kind"] for card in cards) == ["basic", "cloze", "cloze", "reversed"]
    assert len({card["id"] for card in cards}) == 4


def test_an_obsidian_to_anki_cloze_keeps_its_back_extra(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    block = "START\nCloze\nText: {{c1::Canberra}} is the capital of {{c2::Australia}}.\n"
    vault = make_vault({"Geo.md": block + "Back Extra: Not Sydney.\nEND\n"})
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    note = only(col, "flashgen Cloze")
    assert note.fields["Back Extra"] == "Not Sydney."
    assert [answer(col, card_id) for card_id in note.card_ids] == [
        "Canberra is the capital of Australia. Not Sydney. Geo.md:1"
    ] * 2


def test_a_deck_of_one_note_per_deletion_is_followed_by_the_cloze_note(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    """Decks built before kept a note per deletion, whose GUID was the card's id: the
    cloze note's GUID differs, so the import succeeds and the old notes stay."""
    vault = make_vault(heart(PASSAGE))
    cards = collect(vault, save=False).cards
    old = [dataclasses.replace(card, extra=(), family="") for card in cards]
    timestamp = 1_700_000_000.0
    import_apkg(col, write_apkg_at(old, tmp_path / "old.apkg", vault, timestamp))
    import_apkg(col, write_apkg_at(cards, tmp_path / "new.apkg", vault, timestamp + 60))
    kinds = sorted(note.notetype for note in notes_by_guid(col).values())
    assert kinds == ["flashgen Cloze", "flashgen Q/A", "flashgen Q/A"]


def write_apkg_at(cards: list[Card], out: Path, vault: Path, timestamp: float) -> Path:
    write_apkg(cards, out, vault_root=vault, vault_name=vault.name, timestamp=timestamp)
    return out


def test_a_deleted_passage_stays_one_note_tagged_removed(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    vault = make_vault(heart(PASSAGE, "Kenya::Nairobi"))
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    note = only(col, "flashgen Cloze")
    (vault / NOTE).write_text((vault / NOTE).read_text().replace(PASSAGE, "Gone."))
    log = import_apkg(col, build_deck(vault, tmp_path / "out")).log
    assert (len(log.new), len(log.updated)) == (0, 1)
    after = only(col, "flashgen Cloze")
    assert after.guid == note.guid and after.card_ids == note.card_ids
    assert "flashgen::removed" in after.tags


def test_a_deletion_removed_from_a_live_passage_is_no_note_of_its_own(
    make_vault: MakeVault, tmp_path: Path, col: Collection
) -> None:
    vault = make_vault(heart(PASSAGE))
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    (vault / NOTE).write_text((vault / NOTE).read_text().replace("==aorta==", "aorta"))
    import_apkg(col, build_deck(vault, tmp_path / "out"))
    assert [note.notetype for note in notes_by_guid(col).values()] == ["flashgen Cloze"]
    assert only(col, "flashgen Cloze").fields["Text"] == (
        "The aorta leaves the {{c2::left ventricle}}."
    )

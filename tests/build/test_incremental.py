"""Incremental builds: the cache, the deck left alone, edits seen by Anki and the review store."""

from __future__ import annotations

import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anki.collection  # noqa: F401  (before anki.cards, which alone is a circular import)
import pytest

import flashgen
import flashgen.build.cache
import flashgen.build.pipeline
import flashgen.markdown.note
from flashgen.anki.package import write_apkg
from flashgen.build.cache import cache_path
from flashgen.build.outputs import Export, update_outputs
from flashgen.build.pipeline import VaultCards, collect
from flashgen.build.state import save_state
from flashgen.identity.ledger import REMOVED_RETENTION
from flashgen.markdown.note import ParsedNote, parse_note
from flashgen.model import Diagnostic
from flashgen.review.scheduler import Rating
from flashgen.review.store import ReviewStore
from flashgen.vault.notes import NoteSource, read_note
from tests.conftest import MakeVault
from tests.helpers import (
    PNG,
    QA,
    AnkiNote,
    import_apkg,
    notes_by_guid,
    open_collection,
    package_notes,
    review,
    revlog,
    scheduling,
)

NOW = 1_800_000_000.0
DAY = 86_400.0


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the notes parsed from now on, in order."""
    seen: list[str] = []

    def counting(source: NoteSource) -> ParsedNote:
        seen.append(source.path)
        return parse_note(source)

    # The pipeline imports the parser when a note needs reading, so patch it at home.
    monkeypatch.setattr(flashgen.markdown.note, "parse_note", counting)
    return seen


def age(vault: Path, seconds: float = 3600) -> None:
    """Date every file of *vault* *seconds* back, as files not touched for a while are."""
    past = time.time() - seconds
    for path in vault.rglob("*"):
        if path.is_file() and ".flashgen" not in path.parts:
            os.utime(path, (past, past))


def test_unchanged_notes_are_not_parsed_again(
    make_vault: MakeVault, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(
        {
            "a.md": QA.format(q="A?", a="a"),
            "b.md": "---\ntags: [x\n---\n" + QA.format(q="B?", a="b"),
            "c.md": QA.format(q="C?", a="c"),
        }
    )
    first = collect(vault)
    assert sorted(parsed) == ["a.md", "b.md", "c.md"]
    assert (first.notes_parsed, first.notes_read) == (3, 3)
    again = collect(vault)
    assert (again.notes_parsed, again.notes_read, len(parsed)) == (0, 3, 3)
    assert again.cards == first.cards and again.diagnostics == first.diagnostics != []

    (vault / "b.md").write_text(QA.format(q="B?", a="bee"))
    edited = collect(vault)
    assert parsed[3:] == ["b.md"] and edited.notes_parsed == 1
    assert edited.diagnostics == []

    os.utime(vault / "a.md", (NOW, NOW))  # touched, not changed: the content hash says so
    assert collect(vault).notes_parsed == 0 and len(parsed) == 4

    # Notes whose stamp is old enough are not even read.
    age(vault)
    collect(vault)
    reads: list[str] = []

    def reading(root: Path, rel: str) -> tuple[NoteSource | None, list[Diagnostic]]:
        reads.append(rel)
        return read_note(root, rel)

    monkeypatch.setattr(flashgen.build.pipeline, "read_note", reading)
    assert collect(vault).cards == edited.cards and reads == []


def damaged_body(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda path: path.write_bytes(b"garbage"), "damaged: UnpicklingError"),
        (lambda path: path.write_bytes(pickle.dumps(Path("x"))), "damaged: UnpicklingError"),
        (lambda path: save_state(path, {"format": "something else"}, {}), "not a flashgen cache"),
        (damaged_body, "damaged: checksum mismatch"),
    ],
    ids=["garbage", "a class", "another format", "a flipped byte"],
)
def test_a_damaged_or_foreign_cache_is_rebuilt_with_a_warning(
    make_vault: MakeVault, spoil: Callable[[Path], None], reason: str
) -> None:
    vault = make_vault({"a.md": QA.format(q="A?", a="a"), "b.md": QA.format(q="B?", a="b")})
    first = collect(vault)
    spoil(cache_path(vault))
    built = collect(vault)
    assert [d.format() for d in built.diagnostics] == [
        f".flashgen/cache.pickle: warning: the build cache cannot be read ({reason});"
        " every note is read again and the cache rewritten"
    ]
    assert built.notes_parsed == 2 and built.cards == first.cards
    again = collect(vault)
    assert again.diagnostics == [] and again.notes_parsed == 0


def test_config_version_and_code_changes_drop_the_cache(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault({"a.md": QA.format(q="A?", a="a"), "b.md": QA.format(q="B?", a="b")})
    ids = [card.id for card in collect(vault).cards]
    (vault / "flashgen.yaml").write_text("deck:\n  root: Other\n")
    built = collect(vault)
    assert built.notes_parsed == 2 and {card.deck for card in built.cards} == {"Other"}
    assert collect(vault).notes_parsed == 0
    monkeypatch.setattr(flashgen, "__version__", "99.0")
    assert collect(vault).notes_parsed == 2
    monkeypatch.setattr(flashgen.build.cache, "code_stamp", lambda: "other code")
    built = collect(vault)
    assert built.notes_parsed == 2 and [card.id for card in built.cards] == ids


def test_notes_follow_the_files_their_links_resolve_to(
    make_vault: MakeVault, parsed: list[str]
) -> None:
    vault = make_vault(
        {
            "a.md": QA.format(q="Pic?", a="![[pic.png]]"),
            "b.md": QA.format(q="Other?", a="x"),
            "c.md": "See ![[Glossary]].\n\n" + QA.format(q="Term?", a="t"),
        }
    )
    first = collect(vault)
    assert [d.format() for d in first.diagnostics] == [
        "a.md:2: warning: image 'pic.png' not found in the vault; add the file or fix the name"
    ]
    del parsed[:]
    (vault / "img").mkdir()
    (vault / "img" / "pic.png").write_bytes(PNG)
    built = collect(vault)
    assert parsed == ["a.md"] and built.diagnostics == []
    assert built.cards[0].media == ("img/pic.png",)

    (vault / "img" / "pic.png").rename(vault / "img" / "renamed.png")
    built = collect(vault)
    assert parsed[1:] == ["a.md"] and len(built.diagnostics) == 1
    assert built.cards[0].media == ()

    (vault / "Glossary.md").write_text("# Glossary\n")  # a new note takes the linked name
    collect(vault)
    assert sorted(parsed[2:]) == ["Glossary.md", "c.md"]


def export(vault: Path, out: Path, now: float = NOW) -> tuple[VaultCards, Export]:
    built = collect(vault, now=now)
    return built, update_outputs(built, out, now=now, write_deck=write_apkg)


def deck_notes(deck: Path) -> dict[str, tuple[str, str]]:
    """GUID → (tags, first field) of each note in a package."""
    return {guid: (tags, fields[0]) for guid, tags, fields in package_notes(deck)}


def test_the_deck_is_written_only_when_what_it_holds_changed(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"a.md": QA.format(q="Pic?", a="![[pic.png]]"), "pic.png": PNG})
    out = tmp_path / "out"
    _, first = export(vault, out)
    assert first.written and first.summary_line() == "+1 new ~0 changed -0 removed =0 unchanged"
    stamp = first.deck.stat().st_mtime_ns
    _, again = export(vault, out, NOW + 1)
    assert not again.written and again.summary == first.summary and again.unchanged == 1
    assert first.deck.stat().st_mtime_ns == stamp

    (vault / "pic.png").write_bytes(PNG + b"new pixels")  # the same card, another image
    _, image = export(vault, out, NOW + 2)
    assert image.written and image.summary_line() == "+0 new ~1 changed -0 removed =0 unchanged"
    first.deck.unlink()
    assert export(vault, out, NOW + 3)[1].written
    (out / "vault.json").unlink()
    assert export(vault, out, NOW + 4)[1].written
    assert not export(vault, out, NOW + 5)[1].written


def test_removed_cards_stay_in_the_deck_tagged_for_a_while(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"a.md": QA.format(q="Keep?", a="k") + "\n" + QA.format(q="Drop?", a="d")})
    out = tmp_path / "out"
    built, _ = export(vault, out)
    ids = {card.front: card.id for card in built.cards}

    (vault / "a.md").write_text(QA.format(q="Keep?", a="k") + "\n" + QA.format(q="Brief?", a="b"))
    collect(vault, now=NOW + 1)  # a card made and deleted between two deck writes...
    (vault / "a.md").write_text(QA.format(q="Keep?", a="k"))
    _, dropped = export(vault, out, NOW + 2)
    assert dropped.summary_line() == "+0 new ~0 changed -1 removed =1 unchanged"
    assert [(c.mark, c.card.front) for c in dropped.changes] == [("-", "Drop?")]
    assert dropped.removed_kept == 1 and dropped.summary.notes == 2
    notes = deck_notes(dropped.deck)
    assert notes == {ids["Keep?"]: ("", "Keep?"), ids["Drop?"]: ("flashgen::removed", "Drop?")}
    # ... is never exported; and the removed card goes once it is forgotten
    _, later = export(vault, out, NOW + 2 + REMOVED_RETENTION + 1)
    assert later.written and later.changes == () and later.removed_kept == 0
    assert list(deck_notes(later.deck)) == [ids["Keep?"]]


# The same edits, seen by a real Anki collection and by the review store.

CELLS = """---
tags: [flashcards]
---
# Cells

## Organelles

> [!QUESTION] What is the powerhouse of the cell?
> The mitochondrion.

## Membranes

> [!QUESTION] What surounds evry cell?
> The plasma membrane.

## Energy

The ==mitochondria== make ATP from glucose.
"""
ATOMS = (
    QA.format(q="What is the charge of an electron?", a="Negative.")
    + "\n"
    + QA.format(q="What is in the nucleus?", a="Protons and neutrons.")
)
VAULT = {"Bio/Cells.md": CELLS, "Chem/Atoms.md": ATOMS}


def rewrite(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(vault: Path) -> None:
        text = (vault / rel).read_text(encoding="utf-8")
        assert old in text
        (vault / rel).write_text(text.replace(old, new), encoding="utf-8")

    return edit


def move(rel: str, to: str) -> Callable[[Path], None]:
    def edit(vault: Path) -> None:
        (vault / to).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(vault / rel, vault / to)

    return edit


def reorder(vault: Path) -> None:
    text = (vault / "Bio/Cells.md").read_text(encoding="utf-8")
    head, rest = text.split("## Organelles")
    organelles, rest = rest.split("## Membranes")
    membranes, energy = rest.split("## Energy")
    swapped = f"{head}## Membranes{membranes}## Organelles{organelles}## Energy{energy}"
    (vault / "Bio/Cells.md").write_text(swapped, encoding="utf-8")


@dataclass(frozen=True)
class Scenario:
    """An edit, the front it should show on which old card, and what it adds or removes."""

    edit: Callable[[Path], None]
    expect: tuple[str, str, str]
    """(front before, field, text that field shows after)."""
    added: int = 0
    removed: tuple[str, ...] = ()
    """Fronts of the cards it deletes."""


SCENARIOS = {
    "answer edit": Scenario(
        rewrite("Bio/Cells.md", "The mitochondrion.", "The mitochondrion, which makes ATP."),
        ("What is the powerhouse of the cell?", "Back", "which makes ATP"),
    ),
    "question typo fix": Scenario(
        rewrite("Bio/Cells.md", "What surounds evry cell?", "What surrounds every cell?"),
        ("What surounds evry cell?", "Front", "What surrounds every cell?"),
    ),
    # A card moved within its note is no changed note: Anki keeps it as it was (and edits
    # made to it there), with the line it was on until its content changes.
    "section reorder": Scenario(reorder, ("What surounds evry cell?", "Source", "Cells.md:13<")),
    "note rename": Scenario(
        move("Chem/Atoms.md", "Chem/Atomic structure.md"),
        ("What is in the nucleus?", "Source", "Chem/Atomic structure.md:5"),
    ),
    "note moved to another folder": Scenario(
        move("Chem/Atoms.md", "Physics/Atoms.md"),
        ("What is in the nucleus?", "Source", "Physics/Atoms.md:5"),
    ),
    "cloze deletion added": Scenario(
        rewrite("Bio/Cells.md", "make ATP from", "make ==ATP== from"),
        (
            "The {{c1::mitochondria}} make ATP from glucose.",
            "Text",
            "The {{c1::mitochondria}} make {{c2::ATP}} from glucose.",
        ),
        added=1,
    ),
    "card deleted": Scenario(
        rewrite("Chem/Atoms.md", "> [!QUESTION] What is in the nucleus?\n", "\n"),
        ("What is the charge of an electron?", "Back", "Negative."),
        removed=("What is in the nucleus?",),
    ),
}


def first_field(note: AnkiNote) -> str:
    return next(iter(note.fields.values()))


def card_count(notes: dict[str, AnkiNote]) -> int:
    return sum(len(note.card_ids) for note in notes.values())


@pytest.mark.parametrize("name", SCENARIOS)
def test_anki_keeps_every_reviewed_cards_history_through(
    name: str, make_vault: MakeVault, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]
    vault = make_vault(dict(VAULT))
    out = tmp_path / "out"
    col = open_collection(tmp_path / "anki")
    try:
        built, first = export(vault, out, time.time())  # Anki studies cards of its own today
        assert built.kinds() == {"qa": 4, "cloze": 1}
        import_apkg(col, first.deck)
        before = notes_by_guid(col)
        by_front = {first_field(note): note for note in before.values()}
        for note in before.values():
            review(col, note.card_ids[0])
        history = {
            guid: (note.card_ids, revlog(col, note.card_ids[0]), scheduling(col, note.card_ids[0]))
            for guid, note in before.items()
        }

        scenario.edit(vault)
        _, second = export(vault, out, time.time())  # the same output folder
        assert second.written
        import_apkg(col, second.deck)
        after = notes_by_guid(col)

        assert set(before) == set(after)
        assert card_count(after) == card_count(before) + scenario.added
        for guid, (card_ids, log, state) in history.items():
            assert after[guid].card_ids[: len(card_ids)] == card_ids
            assert revlog(col, card_ids[0]) == log and len(log) == 1
            assert scheduling(col, card_ids[0]) == state
        live = [note for note in after.values() if "flashgen::removed" not in note.tags]
        fronts = [first_field(note) for note in live]
        assert len(fronts) == len(set(fronts)) == 5 - len(scenario.removed)
        assert card_count({n.guid: n for n in live}) == 5 + scenario.added - len(scenario.removed)
        gone = [first_field(note) for note in after.values() if note not in live]
        assert gone == list(scenario.removed)

        front, field, shown = scenario.expect
        assert shown in after[by_front[front].guid].fields[field]
    finally:
        col.close()


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_review_store_keeps_every_reviewed_cards_state_through(
    name: str, make_vault: MakeVault, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]
    vault = make_vault(dict(VAULT))
    built = collect(vault, now=NOW)
    at = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with ReviewStore.open(tmp_path / "reviews.sqlite3", fuzz=False) as store:
        for card in built.cards:
            store.answer(store.preview(card, at), Rating.GOOD, at, 2000)
        states = store.states()
        fronts = {card.id: card.front for card in built.cards}

        scenario.edit(vault)
        after = collect(vault, now=NOW + 60)
        ids = {card.id for card in after.cards}
        assert len(ids) == len(after.cards) == 5 + scenario.added - len(scenario.removed)
        for card_id, state in states.items():
            if fronts[card_id] not in scenario.removed:
                assert card_id in ids and store.state(card_id) == state
        orphans = store.orphans(ids)
        assert [orphan.front for orphan in orphans] == list(scenario.removed)
        assert all(orphan.reviews == 1 for orphan in orphans)
        assert len(store.reviews()) == 5

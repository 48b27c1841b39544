"""The sample vault's deck, imported into a real Anki collection (the ``anki`` package)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from flashgen.cli.commands import cli
from tests.helpers import (
    import_apkg,
    media_files,
    notes_by_guid,
    open_collection,
    review,
    revlog,
    scheduling,
)

SEED = "AI-Notes/Generative/Types of Generative Models.md"


def build(vault: Path, out: Path) -> tuple[Path, list[dict[str, object]]]:
    result = CliRunner().invoke(cli, ["build", str(vault), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out / "notes.apkg", json.loads((out / "notes.json").read_text())


def test_sample_deck_imports_with_fields_decks_tags_and_media(
    sample_vault: Path, tmp_path: Path
) -> None:
    deck, cards = build(sample_vault, tmp_path / "out")
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, deck)
        notes = notes_by_guid(col)
        # A card per card, a note per card but one per cloze passage and two-way card.
        assert sum(len(note.card_ids) for note in notes.values()) == len(cards)
        singles = {card["id"] for card in cards if card["kind"] not in ("cloze", "reversed")}
        paired = {guid.removeprefix("pair-") for guid in notes if guid.startswith("pair-")}
        assert {guid for guid in notes if "-" not in guid} == singles - paired

        by_front = {note.fields.get("Front"): note for note in notes.values()}
        seed = by_front["Why are there two instances of Markov Chains?"]
        assert seed.notetype == "flashgen Q/A"
        assert seed.decks == ("notes::AI-Notes::Generative",)
        assert seed.tags == ("flashcards",)
        assert seed.fields["Back"].startswith(
            "Markov Chains used to be very popular and there are different types"
        )
        assert seed.fields["Source"] == (
            '<a href="obsidian://open?vault=notes&amp;file=AI-Notes%2FGenerative%2FTypes%20of'
            '%20Generative%20Models">AI-Notes/Generative/Types of Generative Models.md:11</a>'
        )

        gan = by_front[
            r"Why is the generator usually trained to maximize \(\log D(G(z))\)"
            r" instead of minimizing \(\log(1 - D(G(z)))\)?"
        ]
        assert "$" not in gan.fields["Front"]

        decks = {deck for note in notes.values() for deck in note.decks}
        assert {"notes::AI-Notes::Generative", "notes::AI-Notes::Vision", "Custom::Deck"} <= decks
        tags = {tag for note in notes.values() for tag in note.tags}
        assert {"deep-learning::cnn", "computer-vision", "databases"} <= tags
        assert "FF00FF" not in tags

        check = col.media.check()
        assert list(check.missing) == [] and list(check.unused) == []
        # two different files named Screen_Shot 1.png, each shown by its own card
        packed = media_files(col)
        vision = (sample_vault / "AI-Notes/Vision/srcs/Screen_Shot 1.png").read_bytes()
        receptive = by_front["What is the receptive field of a unit in a CNN?"]
        (name,) = [n for n, data in packed.items() if data == vision]
        assert f'<img src="{name}" width="300">' in receptive.fields["Back"]
        srcs = "AI-Notes/Generative/types-of-generative-models-srcs/Screen_Shot 1.png"
        seed_image = (sample_vault / srcs).read_bytes()
        assert seed_image != vision
        (seed_name,) = [n for n, data in packed.items() if data == seed_image]
        assert seed_name != name and seed_name.startswith("Screen_Shot_1-")
        density = by_front["What is the difference between Explicit and Implicit Density?"]
        assert density.notetype == "flashgen Comparison"
        assert f'<img src="{seed_name}">' in density.fields["Back"]
    finally:
        col.close()


def test_rebuild_after_answer_edit_updates_in_place_and_keeps_history(
    sample_vault: Path, tmp_path: Path
) -> None:
    col = open_collection(tmp_path / "anki")
    try:
        deck, _ = build(sample_vault, tmp_path / "out")
        import_apkg(col, deck)
        before = notes_by_guid(col)
        front = "Why are there two instances of Markov Chains?"
        (note,) = [n for n in before.values() if n.fields.get("Front") == front]
        card_id = note.card_ids[0]
        review(col, card_id)
        reviewed = scheduling(col, card_id)

        seed = sample_vault / SEED
        seed.write_text(
            seed.read_text().replace("These are not the same algorithms.", "They differ."),
            encoding="utf-8",
        )
        deck, _ = build(sample_vault, tmp_path / "out")  # within the same second, often
        import_apkg(col, deck)

        after = notes_by_guid(col)
        assert sorted(after) == sorted(before)
        assert "They differ." in after[note.guid].fields["Back"]
        assert after[note.guid].card_ids == (card_id,)
        assert len(revlog(col, card_id)) == 1
        assert scheduling(col, card_id) == reviewed
    finally:
        col.close()


def test_comparison_cards_import_with_their_note_type_and_are_listed(
    sample_vault: Path, tmp_path: Path
) -> None:
    listed = CliRunner().invoke(cli, ["cards", str(sample_vault), "--json"])
    assert listed.exit_code == 0, listed.stderr
    seed = [c for c in json.loads(listed.stdout) if c["note"] == SEED]
    kinds = sorted({c["kind"] for c in seed if c["kind"].startswith("comparison")})
    assert kinds == ["comparison-difference", "comparison-item", "comparison-which"]
    item = next(c for c in seed if c["kind"] == "comparison-item" and c["item"] == "GANs")
    assert item["title"] == "Autoregressive vs. Variational Autoencoders vs. GANs"
    assert item["context"] == ["Autoregressive vs. Variational Autoencoders vs. GANs"]

    deck, _ = build(sample_vault, tmp_path / "out")
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, deck)
        note = notes_by_guid(col)[item["id"]]
        assert note.notetype == "flashgen Comparison"
        assert note.fields["Title"] == "Autoregressive vs. Variational Autoencoders vs. GANs"
        assert note.fields["Others"] == "Autoregressive Models, Variational Models"
        assert "<li>Difficult to train because of dual losses</li>" in note.fields["Back"]
    finally:
        col.close()

"""Cards in Obsidian_to_Anki's syntax: START … END blocks, TARGET DECK, FILE TAGS, ID comments."""

from __future__ import annotations

import shutil
from pathlib import Path

from flashgen.build.pipeline import collect
from flashgen.model import Card
from tests.conftest import MakeVault

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spaced"
NOTE = "Anki/Obsidian to Anki.md"
GEOGRAPHY = "Imported::Geography"
BLOCK = "START\nBasic\n{front}\nBack: {back}\n{id}END\n"


def row(card: Card) -> tuple[object, ...]:
    return (card.line, card.kind, card.front, card.back, card.deck, card.tags, card.key)


def test_fixture_note_makes_exactly_the_expected_cards(tmp_path: Path) -> None:
    vault = shutil.copytree(FIXTURES, tmp_path / "spaced")  # a build writes into the vault
    cards = [c for c in collect(vault).cards if c.note == NOTE]
    nile = "The {} flows into the {}.\n\nIt is about 6,650 km long."
    assert [row(card) for card in cards] == [
        (
            8, "basic", "What is the capital of Kenya?", "Nairobi", GEOGRAPHY,
            ("geography", "imported", "africa"), ("o2a", "1566052191670"),
        ),
        (
            16, "basic", "Mount Everest", "The highest mountain on Earth", GEOGRAPHY,
            ("geography", "imported"), ("basic", "Mount Everest"),
        ),
        (
            16, "reversed", "The highest mountain on Earth", "Mount Everest", GEOGRAPHY,
            ("geography", "imported"), ("reversed", "The highest mountain on Earth"),
        ),
        (
            22, "cloze", "The [...] flows into the Mediterranean.",
            nile.format("==Nile==", "Mediterranean"), GEOGRAPHY, ("geography", "imported"),
            ("o2a", "1566052191671", "c1"),
        ),
        (
            22, "cloze", "The Nile flows into the [sea].",
            nile.format("Nile", "==Mediterranean=="), GEOGRAPHY, ("geography", "imported"),
            ("o2a", "1566052191671", "c2"),
        ),
    ]  # fmt: skip
    assert cards[0].get("o2a_id") == "1566052191670"
    assert cards[0].context == ("Countries",)


def test_the_id_comment_keeps_the_card_id_through_edits(tmp_path: Path) -> None:
    def card_id(front: str) -> str:
        vault = tmp_path / front / "v"  # a new vault each time: no state carries ids over
        vault.mkdir(parents=True)
        text = BLOCK.format(front=front, back="B", id="<!--ID: 42-->\n")
        (vault / "n.md").write_text(text, encoding="utf-8")
        (card,) = collect(vault).cards
        assert "ID" not in card.front + card.back
        return card.id

    assert card_id("First wording") == card_id("Second wording")


def test_same_line_keywords_optional_reverse_and_unknown_types(make_vault: MakeVault) -> None:
    text = (
        "TARGET DECK: Trivia::Misc\nFILE TAGS: quiz\n\n"
        "START\nBasic (optional reversed card)\nFront: A\nBack: B\nAdd Reverse: y\nEND\n\n"
        "START\nBasic (optional reversed card)\nFront: C\nBack: D\nEND\n\n"
        "START\nMy Type\nFront text\nBack: back text\nEND\n\n"
        "START\nBasic\nFront only\nEND\n\n"
        "START\nBasic\nNever ended\n"
    )
    built = collect(make_vault({"n.md": text}))
    assert [(c.kind, c.front, c.back, c.deck, c.tags) for c in built.cards] == [
        ("basic", "A", "B", "Trivia::Misc", ("quiz",)),
        ("reversed", "B", "A", "Trivia::Misc", ("quiz",)),
        ("basic", "C", "D", "Trivia::Misc", ("quiz",)),
        ("basic", "Front text", "back text", "Trivia::Misc", ("quiz",)),
    ]
    assert [d.format() for d in built.diagnostics] == [
        "n.md:17: warning: note type 'My Type' is not one flashgen knows (Basic, Basic (and"
        " reversed card), Basic (optional reversed card), Basic (type in the answer), Cloze);"
        " its first field becomes the front and its 'Back:' field the back",
        "n.md:23: warning: 'Basic' note needs both a front and a back field; skipped",
        "n.md:28: warning: 'START' has no 'END' line below it; add one to make a card",
    ]


def test_multi_line_fields_and_spaced_syntax_inside_blocks(make_vault: MakeVault) -> None:
    text = "#flashcards\n\n" + BLOCK.format(front="Line one\nwith a::b", back="x\n\ny", id="")
    (card,) = collect(make_vault({"n.md": text})).cards
    assert (card.kind, card.front, card.back, card.deck) == (
        "basic",
        "Line one\nwith a::b",
        "x\n\ny",
        "vault",
    )


def test_blocks_in_code_and_disabled_source_make_no_cards(make_vault: MakeVault) -> None:
    block = BLOCK.format(front="Q", back="A", id="")
    vault = make_vault({"code.md": f"```\n{block}```\n", "real.md": block})
    assert [c.note for c in collect(vault).cards] == ["real.md"]
    (vault / "flashgen.yaml").write_text("sources:\n  o2a: false\n", encoding="utf-8")
    assert collect(vault).cards == []

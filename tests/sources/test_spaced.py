"""Cards in obsidian-spaced-repetition's syntax, and the history its comments carry."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashgen.build.pipeline import collect
from flashgen.cli.commands import cli
from flashgen.errors import ConfigError
from flashgen.model import Card
from flashgen.review.seeding import initial_states, seed_review_store
from flashgen.review.store import ReviewStore
from flashgen.sources.cloze import PASSAGE, PASSAGE_CARD
from tests.conftest import MakeVault
from tests.helpers import import_apkg, notes_by_guid, open_collection

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spaced"
NOT_CARDS = sorted((FIXTURES / "not-cards").glob("*.md"))

SR = (("sr_due", "2024-02-11"), ("sr_interval", "84"), ("sr_ease", "290"))
FRENCH = "spaced::Languages::French"

# (note, line, kind, front, back, deck, context, extra and history) of every spaced card
EXPECTED = [
    ("Basics.md", 6, "basic", "Kenya", "Nairobi", "spaced", ("Capitals",), SR),
    (
        "Basics.md", 9, "basic", "Canada", "Ottawa", "spaced", ("Capitals",),
        (("sr_due", "2024-03-01"), ("sr_interval", "10"), ("sr_ease", "250")),
    ),
    (
        "Basics.md", 10, "basic", "France", "Paris", "spaced", ("Capitals",),
        (("sr_due", "2024-02-20"), ("sr_interval", "30"), ("sr_ease", "270")),
    ),
    (
        "Basics.md", 10, "reversed", "Paris", "France", "spaced", ("Capitals",),
        (("sr_due", "2024-02-21"), ("sr_interval", "31"), ("sr_ease", "230")),
    ),
    (
        "Basics.md", 15, "basic", "What is the capital\nof Japan?", "Tokyo", "spaced",
        ("Capitals", "Multi-line"),
        (("sr_due", "2024-05-01"), ("sr_interval", "3"), ("sr_ease", "250")),
    ),
    (
        "Basics.md", 21, "basic", "Which river flows through Cairo?", "The Nile", "spaced",
        ("Capitals", "Multi-line"), (),
    ),
    (
        "Basics.md", 21, "reversed", "The Nile", "Which river flows through Cairo?", "spaced",
        ("Capitals", "Multi-line"), (),
    ),
    (
        "Basics.md", 25, "basic", "**Which desert is the largest hot desert?**", "The Sahara",
        "spaced", ("Capitals", "Multi-line"), (),
    ),
    (
        "Basics.md", 32, "basic", "Capital of Peru", "Lima", "spaced",
        ("Capitals", "In callouts"), (),
    ),
    (
        "Basics.md", 35, "basic", "What is the capital of Chile?", "Santiago", "spaced",
        ("Capitals", "In callouts"), (),
    ),
    (
        "Basics.md", 44, "basic", "What is the largest ocean?", "The Pacific", "spaced",
        ("Capitals", "Headings"), (),
    ),
    ("Decks.md", 5, "basic", "Question1", "Answer1", "spaced::deckA", (), ()),
    ("Decks.md", 6, "basic", "Question2", "Answer2", "spaced::deckA", (), ()),
    ("Decks.md", 8, "basic", "Question4", "Answer4", "spaced::deckB", (), ()),
    ("Decks.md", 10, "basic", "Question6", "Answer6", "spaced::deckA", (), ()),
    (
        "Decks.md", 13, "basic", "A group of cats is called a", "clowder",
        "spaced::language::words", (), (),
    ),
    (
        "Languages/French.md", 5, "cloze", "The French word for cat is [...].",
        "The French word for cat is ==chat==.", FRENCH, ("Vocabulary",), (),
    ),
    (
        "Languages/French.md", 7, "cloze", "[...] is the capital of France.",
        "==Paris== is the capital of France.", FRENCH, ("Vocabulary",), SR,
    ),
    (
        "Languages/French.md", 7, "cloze", "Paris is the capital of [...].",
        "Paris is the capital of ==France==.", FRENCH, ("Vocabulary",),
        (("sr_due", "2024-03-01"), ("sr_interval", "5"), ("sr_ease", "230")),
    ),
    (
        "Languages/French.md", 10, "cloze", "A [...] is a chien, and a [...] is a chat.",
        "A ==dog== is a chien, and a ==cat== is a chat.", FRENCH, ("Vocabulary",), (),
    ),
    (
        "Languages/French.md", 10, "cloze", "A dog is a [noun], and a cat is a chat.",
        "A dog is a ==chien==, and a cat is a chat.", FRENCH, ("Vocabulary",), (),
    ),
    (
        "Languages/French.md", 12, "cloze", "The [vessel] leaves the heart.",
        "The ==aorta== leaves the heart.", FRENCH, ("Vocabulary",), (),
    ),
    (
        "Languages/French.md", 14, "cloze",
        "Both **bold** and [...] stay plain on the other cards.",
        "Both **bold** and ==chat== stay plain on the other cards.", FRENCH,
        ("Vocabulary",), (),
    ),
]  # fmt: skip


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A private copy of the fixture vault (a build writes its state into the vault)."""
    return Path(shutil.copytree(FIXTURES, tmp_path / "spaced"))


def cards_in(folder: Path, text: str) -> list[Card]:
    """The cards of a new vault *folder*/v holding *text* as ``n.md``."""
    (folder / "v").mkdir(parents=True)
    (folder / "v" / "n.md").write_text(text, encoding="utf-8")
    return collect(folder / "v").cards


def spaced_cards(cards: list[Card]) -> list[Card]:
    return [c for c in cards if c.kind in ("basic", "reversed", "cloze") and "Anki/" not in c.note]


def row(card: Card) -> tuple[object, ...]:
    return (
        card.note,
        card.line,
        card.kind.value,
        card.front,
        card.back,
        card.deck,
        card.context,
        (
            *((k, v) for k, v in card.extra if k not in (PASSAGE, PASSAGE_CARD)),
            *((k, v) for k, v in card.to_dict().items() if k.startswith("sr_")),
        ),
    )


def test_each_cloze_card_carries_its_passage_in_ankis_syntax(vault: Path) -> None:
    clozes = [c for c in collect(vault).cards if c.kind == "cloze" and "French" in c.note]
    assert [(card.get(PASSAGE), card.get(PASSAGE_CARD)) for card in clozes] == [
        ("The French word for cat is {{c1::chat}}.", "1"),
        ("{{c1::Paris}} is the capital of {{c2::France}}.", "1"),
        ("{{c1::Paris}} is the capital of {{c2::France}}.", "2"),
        ("A {{c1::dog}} is a {{c2::chien::noun}}, and a {{c1::cat}} is a chat.", "1"),
        ("A {{c1::dog}} is a {{c2::chien::noun}}, and a {{c1::cat}} is a chat.", "2"),
        ("The {{c1::aorta::vessel}} leaves the heart.", "1"),
        ("Both **bold** and {{c1::chat}} stay plain on the other cards.", "1"),
    ]
    assert len({card.family for card in clozes}) == 5


def test_fixture_vault_makes_exactly_the_expected_cards(vault: Path) -> None:
    built = collect(vault)
    assert [row(card) for card in spaced_cards(built.cards)] == EXPECTED
    # The untagged note's card is not made, and the user hears why (its highlight is no
    # cloze there, so it is not counted).
    assert [d.format() for d in built.diagnostics] == [
        "Untagged.md:1: warning: 1 card not made: flashcard syntax but no flashcard tag"
        " (the note has no #flashcards); add #flashcards to the note (or to its frontmatter"
        " tags) to make them"
    ]
    questions = [(c.note, c.line, c.front) for c in built.cards if c.kind == "qa"]
    # The Chile callout holds a '?' card, so it is that card and no question card too.
    assert questions == [
        ("Basics.md", 39, "Capital of Spain?"),
        ("Untagged.md", 5, "Is this note read for spaced repetition?"),
    ]


def test_scheduling_comments_and_block_ids_are_never_shown(vault: Path) -> None:
    for card in collect(vault).cards:
        for side in (card.front, card.back):
            assert "<!--" not in side and "^nile" not in side and "^aorta" not in side


@pytest.mark.parametrize("path", NOT_CARDS, ids=[p.stem for p in NOT_CARDS])
def test_not_a_card(path: Path, make_vault: MakeVault) -> None:
    vault = make_vault({path.name: path.read_text(encoding="utf-8")})
    built = collect(vault)
    assert built.cards == []
    assert built.diagnostics == []


def test_keys_follow_the_design_and_ids_survive_edits(vault: Path, tmp_path: Path) -> None:
    built = collect(vault)
    keys = {(c.note, c.kind.value, c.front): c.key for c in built.cards}
    assert keys["Basics.md", "basic", "Kenya"] == ("basic", "Kenya")
    assert keys["Basics.md", "reversed", "Paris"] == ("reversed", "Paris")
    assert keys["Basics.md", "basic", "Which river flows through Cairo?"] == ("block", "nile")
    french = "Languages/French.md"
    assert keys[french, "cloze", "The [vessel] leaves the heart."] == ("block", "aorta", "aorta")
    assert keys[french, "cloze", "A [...] is a chien, and a [...] is a chat."] == (
        "cloze",
        "dog",
        "cat",
    )
    repeated = "Both **bold** and [...] stay plain on the other cards."
    assert keys[french, "cloze", repeated] == ("cloze", "chat", "#2")

    # Two vaults, so that no state kept by the first build can carry the ids over.
    before = {c.front: c.id for c in cards_in(tmp_path / "before", NOTE)}
    edited = NOTE.replace("Nairobi", "Nairobi, since 1905").replace(
        "==Pacific== is an ocean", "==Pacific== and the ==Atlantic== are oceans"
    )
    after = {c.front: c.id for c in cards_in(tmp_path / "after", "# New\n\n" + edited)}
    assert after["Kenya"] == before["Kenya"]
    assert after["Paris"] == before["Paris"]  # the reverse card is keyed by its own front
    assert after["The [...] and the Atlantic are oceans."] == before["The [...] is an ocean."]


NOTE = "#flashcards\n\nKenya::Nairobi\n\nFrance:::Paris\n\nThe ==Pacific== is an ocean.\n"


def test_flashcard_tag_selects_notes_and_config_widens_or_narrows(make_vault: MakeVault) -> None:
    files: dict[str, str | bytes] = {"tagged.md": NOTE, "plain.md": NOTE.replace("#flashcards", "")}
    vault = make_vault(files)
    assert {c.note for c in collect(vault).cards} == {"tagged.md"}

    (vault / "flashgen.yaml").write_text("spaced:\n  tags: []\n", encoding="utf-8")
    assert {c.note for c in collect(vault).cards} == {"tagged.md", "plain.md"}

    (vault / "flashgen.yaml").write_text("spaced:\n  tags: [srs]\n", encoding="utf-8")
    assert collect(vault).cards == []

    (vault / "flashgen.yaml").write_text("sources:\n  spaced: false\n", encoding="utf-8")
    assert collect(vault).cards == []


def test_cloze_settings(make_vault: MakeVault) -> None:
    text = "#flashcards\n\nA ==marked== word, a **bold** one and a {{c1::curly}} one.\n"
    vault = make_vault({"n.md": text})

    def hidden(config: str) -> list[str]:
        (vault / "flashgen.yaml").write_text(config, encoding="utf-8")
        return [c.key[1] for c in collect(vault).cards]

    assert hidden("") == ["marked", "curly"]
    assert hidden("spaced:\n  bold_cloze: true\n") == ["marked", "bold", "curly"]
    assert hidden("spaced:\n  highlight_cloze: false\n  curly_cloze: false\n") == []


def test_unknown_spaced_key_is_an_error(make_vault: MakeVault) -> None:
    vault = make_vault({"flashgen.yaml": "spaced:\n  bold: true\n"})
    with pytest.raises(ConfigError, match=r"unknown key 'spaced\.bold' \(known: tags,"):
        collect(vault)


def test_dataview_page_fields_only_at_the_top_with_a_space(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "fields.md": "---\ntags: [flashcards]\n---\nauthor:: Le Guin\nyear:: 1969\n\n"
            "# Cards\n\nauthor::Ursula K. Le Guin wrote it\n",
            "cards.md": "---\ntags: [flashcards]\n---\nKenya::Nairobi\nCanada:: Ottawa\n",
        }
    )
    fronts = [(c.note, c.front, c.back) for c in collect(vault).cards]
    assert fronts == [
        ("cards.md", "Kenya", "Nairobi"),
        ("cards.md", "Canada", "Ottawa"),
        ("fields.md", "author", "Ursula K. Le Guin wrote it"),
    ]


def test_chunks_questions_and_warnings(make_vault: MakeVault) -> None:
    text = (
        "#flashcards\n\n"
        "The ==heart== pumps blood.\nKenya::Nairobi\n\n"  # a cloze, then a single-line card
        "?\nno question\n\n"
        "A question\n??\n\n"
        "Empty::\n\n"
        "- item one\n- item two\n?\nanswer\n\n"
        "> [!question] A question callout\n> with a ==highlighted== answer stays one card\n"
    )
    built = collect(make_vault({"n.md": text}))
    assert [(c.kind, c.front, c.back, c.line) for c in built.cards] == [
        ("qa", "A question callout", "with a ==highlighted== answer stays one card", 19),
        ("cloze", "The [...] pumps blood.", "The ==heart== pumps blood.", 3),
        ("basic", "Kenya", "Nairobi", 4),
        ("basic", "- item one\n- item two", "answer", 14),
    ]
    assert [d.format() for d in built.diagnostics] == [
        "n.md:6: warning: multi-line card has no question above its '?' line;"
        " write it with no blank line in between",
        "n.md:10: warning: multi-line card has no answer below its '??' line;"
        " write it with no blank line in between",
        "n.md:12: warning: card 'Empty::' has no answer; write it after the '::'",
    ]


def test_fixture_deck_imports_into_anki(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(vault), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    cards = {c.id: c for c in collect(vault).cards}
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out / "spaced.apkg")
        notes = notes_by_guid(col)
        assert sum(len(note.card_ids) for note in notes.values()) == len(cards)
        by_first = {next(iter(note.fields.values())): note for note in notes.values()}
        paris = by_first["{{c1::Paris}} is the capital of {{c2::France}}."]
        assert paris.notetype == "flashgen Cloze" and len(paris.card_ids) == 2
        assert paris.decks == (FRENCH, FRENCH)
        assert paris.tags == ("flashcards::Languages::French",)
        france = by_first["France"]
        assert france.notetype == "flashgen Q/A reversible"
        assert (france.fields["Back"], france.decks) == ("Paris", ("spaced", "spaced"))
        decks = {deck for note in notes.values() for deck in note.decks}
        assert decks >= {"spaced", "spaced::deckA", "spaced::deckB", FRENCH, "Imported::Geography"}
        for note in notes.values():
            assert "SR:" not in "".join(note.fields.values())
    finally:
        col.close()


def test_initial_states_from_scheduling_comments(vault: Path) -> None:
    cards = collect(vault).cards
    states = {card_id: rest for card_id, *rest in initial_states(cards)}
    kenya = next(c for c in cards if c.front == "Kenya")
    assert states[kenya.id] == [date(2024, 2, 11), 84.0, 2.9]
    assert len(states) == 7


def test_sr_comment_seeds_review_state(vault: Path, tmp_path: Path) -> None:
    cards = collect(vault).cards
    kenya = next(c for c in cards if c.front == "Kenya")
    now = datetime(2024, 1, 1, 9, tzinfo=UTC)
    with ReviewStore.open(tmp_path / "reviews.sqlite3", fuzz=False) as store:
        assert seed_review_store(store, cards, UTC, now) == 7
        assert seed_review_store(store, cards, UTC, now) == 0  # known cards keep their state
        state = store.state(kenya.id)
    assert state is not None
    assert state.due == datetime(2024, 2, 11, tzinfo=UTC)
    assert state.stability == 84.0
    assert state.last_review is not None
    assert state.due - state.last_review == timedelta(days=84)

"""Cards from question callouts."""

from __future__ import annotations

from pathlib import Path

from flashgen.build.pipeline import collect
from flashgen.model import Card
from tests.conftest import MakeVault


def cards_of(vault: Path) -> list[Card]:
    return collect(vault).cards


def test_question_help_faq_in_any_case_folded_or_not(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "n.md": "> [!QUESTION] One?\n> A1\n\n> [!help]- Two?\n> A2\n\n"
            "> [!Faq]+ Three?\n> A3\n\n> [!note] Not a question\n> body\n"
        }
    )
    assert [(c.kind, c.front, c.back, c.line) for c in cards_of(vault)] == [
        ("qa", "One?", "A1", 1),
        ("qa", "Two?", "A2", 4),
        ("qa", "Three?", "A3", 7),
    ]


def test_without_title_the_first_paragraph_is_the_front(make_vault: MakeVault) -> None:
    vault = make_vault({"n.md": "> [!question]\n> What is $x$?\n>\n> It is **five**.\n> Really.\n"})
    (card,) = cards_of(vault)
    assert (card.front, card.back) == ("What is $x$?", "It is **five**.\nReally.")


def test_nested_question_inside_a_note_callout(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"n.md": "# H\n> [!note] Outer\n> text\n>\n> > [!question] Inner?\n> > Inner answer\n"}
    )
    (card,) = cards_of(vault)
    assert (card.front, card.back, card.line, card.context) == (
        "Inner?",
        "Inner answer",
        5,
        ("H",),
    )


def test_question_without_answer_warns_and_makes_no_card(make_vault: MakeVault) -> None:
    vault = make_vault({"n.md": "text\n\n> [!question] Lonely?\n"})
    built = collect(vault)
    assert built.cards == []
    assert [d.format() for d in built.diagnostics] == [
        "n.md:3: warning: question callout has no answer; write the answer in the callout's body"
    ]


def test_links_show_their_text_and_images_point_at_vault_paths(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "A/n.md": "> [!question] What is a [[Autoencoders#Variational Autoencoders|VAE]]?\n"
            "> See [[Autoencoders#Variational Autoencoders]] and ![[pic.png|400]]\n"
            "> `[[not a link]]`\n",
            "A/img/pic.png": b"x",
            "Autoencoders.md": "",
        }
    )
    (card,) = cards_of(vault)
    assert card.front == "What is a VAE?"
    assert card.back == (
        "See Autoencoders > Variational Autoencoders and ![[A/img/pic.png|400]]\n`[[not a link]]`"
    )
    assert card.media == ("A/img/pic.png",)
    assert card.deck == "vault::A"


def test_code_and_tables_in_answers_are_kept(make_vault: MakeVault) -> None:
    lines = ["[!faq] Q?", "```python", "x = 1", "```", "| a | b |", "|---|---|", "| 1 | 2 |"]
    vault = make_vault({"n.md": "".join(f"> {line}\n" for line in lines)})
    (card,) = cards_of(vault)
    assert card.back == "```python\nx = 1\n```\n| a | b |\n|---|---|\n| 1 | 2 |"


def test_ids_are_stable_across_moves_and_answer_edits(make_vault: MakeVault) -> None:
    vault = make_vault({"n.md": "> [!question] Q?\n> A\n"})
    (before,) = cards_of(vault)
    (vault / "n.md").write_text("intro\n\n# Moved\n\n> [!question] Q?\n> A, edited\n")
    (after,) = cards_of(vault)
    assert after.id == before.id and after.line == 5


def test_markdown_images_of_vault_files_are_embeds_too(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "A/n.md": "> [!question] Q?\n> ![diagram|300](img/pic%201.png) and "
            "![web](https://example.com/x.png) and ![](<gone.png>)\n",
            "A/img/pic 1.png": b"x",
        }
    )
    built = collect(vault)
    (card,) = built.cards
    assert card.back == (
        "![[A/img/pic 1.png|300]] and ![web](https://example.com/x.png) and ![[gone.png]]"
    )
    assert card.media == ("A/img/pic 1.png",)
    assert [d.format() for d in built.diagnostics] == [
        "A/n.md:2: warning: image 'gone.png' not found in the vault; add the file or fix the name"
    ]

"""Cards as Anki shows them (issue 11): line breaks, lists and comments, in real Anki.

The quality fixtures are built into a deck, imported into a fresh collection, and each
card is read back with ``card.question()`` / ``card.answer()``, the HTML Anki shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flashgen.anki.package import write_apkg
from flashgen.build.outputs import update_outputs
from flashgen.build.pipeline import collect
from tests.helpers import cards_by_anki_card, import_apkg, open_collection
from tests.sources.test_card_quality import FIXTURES

Shown = dict[tuple[str, str], tuple[str, str]]
"""(note, front Markdown) → (question HTML, answer HTML) as Anki renders them."""


def shown(vault: Path, tmp_path: Path) -> Shown:
    """Build *vault*, import its deck into a new Anki collection, and read every card."""
    built = collect(vault, now=1e9)
    export = update_outputs(built, tmp_path / "out", now=1e9, write_deck=write_apkg)
    by_anki = cards_by_anki_card(built.cards, vault)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, export.deck)
        result: Shown = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            ours = by_anki[card.note().guid, card.ord]
            result[ours.note, ours.front] = (card.question(), card.answer())
        return result
    finally:
        col.close()


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES, root)
    return root


MCQ = (
    "01-multiple-choice.md",
    "Which policy can starve long jobs?\nA) Round robin\nB) Shortest job first\nC) FIFO",
)


def test_single_newlines_are_line_breaks_as_in_obsidian(vault: Path, tmp_path: Path) -> None:
    question, answer = shown(vault, tmp_path)[MCQ]
    assert "A) Round robin<br />\nB) Shortest job first<br />\nC) FIFO" in question
    assert "B) Shortest job first<br />\nShort jobs keep arriving ahead of it." in answer


@pytest.mark.parametrize(
    ("app", "config", "breaks"),
    [
        ('{"strictLineBreaks": true}', "", False),
        ('{"strictLineBreaks": true}', "markdown:\n  strict_line_breaks: false\n", True),
        ("{}", "markdown:\n  strict_line_breaks: true\n", False),
    ],
)
def test_the_vault_setting_and_flashgen_yaml_decide_line_breaks(
    vault: Path, tmp_path: Path, app: str, config: str, breaks: bool
) -> None:
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "app.json").write_text(app, encoding="utf-8")
    if config:
        (vault / "flashgen.yaml").write_text(config, encoding="utf-8")
    assert collect(vault, save=False, now=1e9).line_breaks is breaks
    question, _ = shown(vault, tmp_path)[MCQ]
    assert ("Round robin<br />" in question) is breaks
    assert "A) Round robin" in question


def test_a_list_question_loses_its_bullet_and_its_answer_keeps_its_nesting(
    vault: Path, tmp_path: Path
) -> None:
    question, answer = shown(vault, tmp_path)[
        "02-list-question.md", "What does an SSD do better than an HDD?"
    ]
    assert "<li>" not in question
    assert "What does an SSD do better than an HDD?" in question
    back = answer.split('<div class="fg-back">', 1)[1]
    assert back.startswith("<ul>\n<li>Random reads\n<ul>\n<li>no seek time</li>\n</ul>\n</li>")
    assert "<li>Shock resistance</li>\n</ul>" in back


def test_html_comments_are_nowhere_on_the_cards(vault: Path, tmp_path: Path) -> None:
    cards = shown(vault, tmp_path)
    texts = [
        q + a for (note, _front), (q, a) in cards.items() if note != "15-cloze-callout-list.md"
    ]
    assert not any("<!--" in text or "%%" in text for text in texts)
    _, semaphore = cards["16-comments.md", "What is a semaphore?"]
    assert "Dijkstra" not in semaphore and "tutorial" not in semaphore
    mutex_q, mutex_a = cards["16-comments.md", "What is a mutex?"]
    assert "lecture 4" not in mutex_q + mutex_a
    assert "TODO" not in mutex_a
    assert "<code>&lt;!-- not a comment in code --&gt;</code>" in mutex_a
    ssh_q, ssh_a = cards["04-o2a-in-list.md", "Which port does SSH use?"]
    assert "DetailInfo" not in ssh_q + ssh_a
    assert "(usually)" in ssh_a
    assert "START" not in ssh_q + ssh_a and "END" not in ssh_a


def test_embeds_show_the_vault_root_image_and_the_drawing(vault: Path, tmp_path: Path) -> None:
    _, answer = shown(vault, tmp_path)["05-embeds.md", "Where is the kernel in this picture?"]
    assert answer.count('<img src="kernel-') == 2
    assert '<img src="memory.excalidraw-' in answer
    assert "<em>(drawing: missing-drawing)</em>" in answer

# ruff: noqa: E501  (the cards and warnings below are exact strings, kept whole to read)
"""Cards worth reviewing (issue 11): messy notes, each with its exact cards and warnings.

Every note of ``tests/fixtures/quality/`` is built as a vault, as a user's would be;
each case lists the cards the note makes, as (kind, line, front, back), and the
warnings it gets. A card that a careful reviewer would throw away is absent here on
purpose: the lists are exact, so such a card coming back fails the test.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from flashgen.build.pipeline import VaultCards, collect
from flashgen.model import Card, SrHistory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quality"

Row = tuple[str, int, str, str]

EXPECTED: dict[str, tuple[list[Row], list[str]]] = {
    "01-multiple-choice": (
        [
            (
                "basic",
                6,
                "Which policy can starve long jobs?\nA) Round robin\nB) Shortest job first\nC) FIFO",
                "B) Shortest job first\nShort jobs keep arriving ahead of it.",
            ),
        ],
        [],
    ),
    "02-list-question": (
        [
            (
                "basic",
                5,
                "What does an SSD do better than an HDD?",
                "- Random reads\n    - no seek time\n- Shock resistance",
            ),
            ("basic", 11, "What does RAID 1 protect against?", "A disk failure"),
        ],
        [],
    ),
    "03-question-callout-osr": (
        [
            ("basic", 3, "TCP", "A reliable, ordered byte stream"),
            ("reversed", 3, "A reliable, ordered byte stream", "TCP"),
            ("basic", 9, "Port of HTTPS?", "443"),
        ],
        [],
    ),
    "04-o2a-in-list": (
        [
            ("basic", 7, "Which port does SSH use?", "22\n(usually)"),
            ("basic", 19, "Which port does DNS use?", "53"),
        ],
        [
            "04-o2a-in-list.md:16: warning: 'START' has no 'END' line below it; add one to make a card",
        ],
    ),
    "05-embeds": (
        [
            (
                "qa",
                1,
                "Where is the kernel in this picture?",
                "![[attachments/kernel.png]]\nSee also ![[attachments/kernel.png]] and the drawing:\n![[Drawings/memory.excalidraw.png]]\n*(drawing: missing-drawing)*",
            ),
        ],
        [],
    ),
    "06-which-one": (
        [
            (
                "comparison-item",
                2,
                "What characterises **Solid State Drives** compared with Hard Disk Drives?",
                "- Most SSDs have no moving parts\n- Random reads are fast\n- However, these fixes cost more\n- Produce high quality recordings",
            ),
            (
                "comparison-item",
                8,
                "What characterises **Hard Disk Drives** compared with Solid State Drives?",
                "- Store data on spinning platters\n- This causes long seek times\n- It also needs defragmenting\n- Produce very high quality recordings\n- Cheaper per gigabyte than solid state drives",
            ),
            (
                "comparison-which",
                4,
                "Solid State Drives or Hard Disk Drives: which one? — Random reads are fast",
                "Solid State Drives",
            ),
            (
                "comparison-which",
                9,
                "Solid State Drives or Hard Disk Drives: which one? — Store data on spinning platters",
                "Hard Disk Drives",
            ),
            (
                "comparison-which",
                13,
                "Solid State Drives or Hard Disk Drives: which one? — Cheaper per gigabyte than solid state drives",
                "Hard Disk Drives",
            ),
        ],
        [],
    ),
    "07-item-blocks": (
        [
            (
                "comparison-item",
                2,
                "What characterises **Stacks** compared with Queues?",
                "- Last in, first out\n\nA paragraph about stacks that does not start with the name: it backs recursion.",
            ),
            (
                "comparison-item",
                7,
                "What characterises **Queues** compared with Stacks?",
                "- First in, first out",
            ),
        ],
        [],
    ),
    "08-difference-not": (
        [
            ("qa", 15, "Which fragments externally?", "Segmentation"),
            (
                "comparison-difference",
                27,
                "What is the difference between Merge Sort and Quick Sort?",
                "Merge sort is stable and needs extra memory, while quick sort sorts in place.",
            ),
            ("basic", 11, "TCP", "reliable"),
            ("basic", 12, "UDP", "fast"),
        ],
        [],
    ),
    "09-difference-in-o2a": (
        [
            (
                "basic",
                1,
                "## Kernel vs. User mode",
                "Kernel mode may run privileged instructions; user mode may not.",
            ),
        ],
        [],
    ),
    "10-long-difference": (
        [],
        [
            "10-long-difference.md:1: warning: comparison 'Processes vs. Threads' is too long for one card (300 words); no difference card: give each compared thing a sub-heading or a bold label",
        ],
    ),
    "11-question-callouts-not-questions": (
        [
            (
                "qa",
                14,
                "What does the TLB cache?",
                "Recent virtual-to-physical translations. It is confusing at first.",
            ),
        ],
        [
            "11-question-callouts-not-questions.md:3: warning: question callout's title 'Title' is a placeholder; no card: write the question as its title ('> [!QUESTION] What is …?') and the answer below",
            "11-question-callouts-not-questions.md:6: warning: question callout reads as a note to yourself; no card: once you know the answer, write it in the body (or make the callout a [!NOTE] to keep it as a note)",
            "11-question-callouts-not-questions.md:9: warning: question callout has only questions as its answer; no card: once you know the answer, write it in the body (or make the callout a [!NOTE] to keep it as a note)",
            "11-question-callouts-not-questions.md:12: warning: question callout has no answer; write the answer in the callout's body",
        ],
    ),
    "12-unselected-typo": (
        [],
        [
            "12-unselected-typo.md:3: warning: 2 cards not made: flashcard syntax but no flashcard tag ('#flashcrds' is not '#flashcards'); write #flashcards to make them",
        ],
    ),
    "13-unselected-pasted": (
        [],
        [
            "13-unselected-pasted.md:3: warning: 1 card not made: flashcard syntax but no flashcard tag ('word#flashcards' is no tag: a tag needs a space before its '#'); put a space before the '#' to make them",
        ],
    ),
    "14-unselected-none": (
        [],
        [
            "14-unselected-none.md:5: warning: 1 card not made: flashcard syntax but no flashcard tag (the note has no #flashcards); add #flashcards to the note (or to its frontmatter tags) to make them",
        ],
    ),
    "15-cloze-callout-list": (
        [
            (
                "cloze",
                4,
                "Every node of a B-tree:\n- holds [...]",
                "Every node of a B-tree:\n- holds ==several keys==",
            ),
            (
                "cloze",
                5,
                "Every node of a B-tree:\n- has [...]",
                "Every node of a B-tree:\n- has ==one more child than keys==",
            ),
            (
                "cloze",
                17,
                "The [...] make most of the cell's ATP.",
                "The ==mitochondria== make most of the cell's ATP.",
            ),
        ],
        [],
    ),
    "16-comments": (
        [
            (
                "qa",
                8,
                "What does `<!-- x -->` mean in HTML?",
                "A comment that browsers do not show.",
            ),
            # Obsidian's own %% comments, inline and over lines, go too
            ("qa", 11, "What is a semaphore?", "A counter of free slots."),
            (
                "basic",
                2,
                "What is a mutex?",
                "A lock only its holder may release.\nUsed to guard shared data. `<!-- not a comment in code -->`",
            ),
        ],
        [],
    ),
    "17-strict-breaks": (
        [
            ("basic", 2, "Which layer routes packets?\nA) Link\nB) Network", "B) Network"),
        ],
        [],
    ),
    "18-cloze-callout-code": (
        [
            # the paragraph holding the deletion (its inline image too), not the code
            (
                "cloze",
                6,
                "Binary search needs a [...] array and takes $O(\\log n)$ steps.\n![[attachments/kernel.png|200]]",
                "Binary search needs a ==sorted== array and takes $O(\\log n)$ steps.\n![[attachments/kernel.png|200]]",
            ),
            (
                "cloze",
                6,
                "Binary search needs a sorted array and takes [...] steps.\n![[attachments/kernel.png|200]]",
                "Binary search needs a sorted array and takes ==$O(\\log n)$== steps.\n![[attachments/kernel.png|200]]",
            ),
            (
                "cloze",
                19,
                "It also works on [...]: binary search the answer of a monotone predicate.",
                "It also works on ==answers==: binary search the answer of a monotone predicate.",
            ),
        ],
        [],
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> VaultCards:
    vault = tmp_path_factory.mktemp("quality") / "vault"
    shutil.copytree(FIXTURES, vault)
    return collect(vault, cache=False, ledger=False, save=False, now=0.0)


def row(card: Card) -> Row:
    return (card.kind.value, card.line, card.front, card.back)


def test_every_fixture_has_a_case() -> None:
    notes = {p.stem for p in FIXTURES.glob("*.md")}
    assert notes == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_note_makes_exactly_its_cards(built: VaultCards, name: str) -> None:
    cards, warnings = EXPECTED[name]
    note = f"{name}.md"
    assert [row(card) for card in built.cards if card.note == note] == cards
    assert [d.format() for d in built.diagnostics if d.path == note] == warnings


def test_a_question_callout_holding_osr_syntax_reads_its_history(built: VaultCards) -> None:
    tcp = [card for card in built.cards if card.note == "03-question-callout-osr.md"][:2]
    assert [card.history for card in tcp] == [
        SrHistory(date(2026, 3, 1), 4, 250),
        SrHistory(date(2026, 3, 5), 6, 270),
    ]
    assert tcp[0].family == tcp[1].family != ""


def test_embeds_pack_the_vault_root_image_and_the_drawings_export(built: VaultCards) -> None:
    (card,) = [card for card in built.cards if card.note == "05-embeds.md"]
    assert card.media == ("attachments/kernel.png", "Drawings/memory.excalidraw.png")

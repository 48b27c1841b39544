"""Generate a messy cs-student vault, the kind of notes card quality is measured on.

Unlike :mod:`bench.vaultgen` (uniform notes, for speed), every note here is shaped like
a real student's note: multiple-choice questions on consecutive lines, OSR questions
written as list items with indented answers, question callouts holding ``??``,
Obsidian_to_Anki blocks ending inside list items, HTML comments, vault-root embeds and
Excalidraw drawings, comparisons whose facts name their answer or lean on the fact
before them, chart titles with "vs.", placeholder and doubtful question callouts, long
sections, clozes in callouts with code, and untagged or mistagged notes with card syntax.
Output is deterministic for a given seed.

Usage::

    PYTHONPATH=. python bench/messyvault.py /tmp/messy        # 40 notes
    PYTHONPATH=. python bench/messyvault.py /tmp/messy --notes 80 --seed 2
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.vaultgen import _PNG


@dataclass(frozen=True, slots=True)
class Topic:
    """Two things a student compares, with what tells them apart."""

    a: str
    """First thing's name."""
    a_short: str
    """Its acronym or short form, as notes write it in prose."""
    b: str
    """Second thing's name."""
    b_short: str
    """Its short form."""
    a_facts: tuple[str, ...]
    """What only *a* has."""
    b_facts: tuple[str, ...]
    """What only *b* has."""


TOPICS = (
    Topic(
        "Solid State Drives",
        "SSD",
        "Hard Disk Drives",
        "HDD",
        ("Have no moving parts", "Random reads are fast", "Wear out after many writes"),
        ("Store data on spinning platters", "Cheaper per gigabyte", "Seek time dominates"),
    ),
    Topic(
        "Processes",
        "process",
        "Threads",
        "thread",
        ("Have their own address space", "Crash without taking others down"),
        ("Share the heap with their siblings", "Are cheap to create"),
    ),
    Topic(
        "TCP",
        "TCP",
        "UDP",
        "UDP",
        ("Guarantees in-order delivery", "Opens a connection with a handshake"),
        ("Sends datagrams without a connection", "Suits games and voice calls"),
    ),
    Topic(
        "Binary Search Trees",
        "BST",
        "Hash Tables",
        "hash table",
        ("Keep keys in sorted order", "Answer range queries"),
        ("Give O(1) average lookups", "Need a good hash function"),
    ),
    Topic(
        "Stacks",
        "stack",
        "Queues",
        "queue",
        ("Are last in, first out", "Back recursion and undo"),
        ("Are first in, first out", "Schedule jobs fairly"),
    ),
    Topic(
        "Merge Sort",
        "merge sort",
        "Quick Sort",
        "quicksort",
        ("Is stable", "Needs O(n) extra memory"),
        ("Sorts in place", "Degrades to O(n^2) on bad pivots"),
    ),
    Topic(
        "Static Typing",
        "static typing",
        "Dynamic Typing",
        "dynamic typing",
        ("Catches type errors before the program runs", "Helps editors complete code"),
        ("Checks types while the program runs", "Makes quick scripts shorter"),
    ),
    Topic(
        "Paging",
        "paging",
        "Segmentation",
        "segmentation",
        ("Splits memory into fixed-size frames", "Suffers internal fragmentation"),
        ("Splits memory into variable-size parts", "Suffers external fragmentation"),
    ),
)

SUBJECTS = ("Operating Systems", "Networks", "Data Structures", "Algorithms", "Databases")


def _mcq(rng: random.Random, topic: Topic) -> str:
    wrong = rng.sample([t.a for t in TOPICS if t is not topic], 2)
    options = [topic.a, *wrong]
    rng.shuffle(options)
    letters = "ABC"
    right = letters[options.index(topic.a)]
    lines = "\n".join(f"{letters[i]}) {option}" for i, option in enumerate(options))
    return (
        f"Which of these {topic.a_facts[0].lower()}?\n{lines}\n?\n"
        f"{right}) {topic.a}\nBecause the others do not.\n"
    )


def note_flashcards(rng: random.Random, topic: Topic, subject: str) -> str:
    """A tagged note of OSR cards: list-item questions, multiple choice, ``??`` callouts."""
    return (
        f"---\ntags: [flashcards, {subject.lower().replace(' ', '-')}]\n---\n"
        f"# {topic.a} review\n\n"
        f"- What does a {topic.a_short} do better than a {topic.b_short}?\n"
        "?\n"
        f"    - {topic.a_facts[0]}\n"
        f"        - so it suits {rng.choice(('servers', 'laptops', 'phones'))}\n"
        f"    - {topic.a_facts[1]}\n"
        "<!--SR:!2026-01-10,3,250-->\n\n"
        f"{_mcq(rng, topic)}\n"
        f"> [!QUESTION]\n> {topic.b}\n> ??\n> {topic.b_facts[0]}\n"
        "> <!--SR:!2026-01-12,4,250!2026-01-13,5,250-->\n\n"
        f"{topic.a_short}::{topic.a} <!-- check the spelling -->\n\n"
        f"The main drawback of {topic.b_short} is that it =={topic.b_facts[1].lower()}==.\n"
    )


def note_o2a(rng: random.Random, topic: Topic, subject: str) -> str:
    """Obsidian_to_Anki blocks, one ending inside a list item, one holding a comment."""
    return (
        f"---\ntags: [{subject.lower().replace(' ', '-')}]\n---\n"
        f"# {topic.b} (Anki)\n\nTARGET DECK\n{subject}\n\n"
        "- A card inside a list:\n"
        "   START\n   Basic\n"
        f"   Front: What is a {topic.b_short}?\n"
        f"   Back: {topic.b_facts[0]}.\n"
        "   <!-- DetailInfoStart -->\n   Details that Anki should not show.\n"
        "   <!-- DetailInfoEnd -->\n"
        "   END\n\n"
        "START\nBasic\n"
        f"Front: Name one property of {topic.a_short}.\n"
        f"Back: {topic.a_facts[-1]}\n"
        "<!--ID: 1700000000" + f"{rng.randrange(1000):03d}" + "-->\n"
        "END\n"
    )


def note_comparison(rng: random.Random, topic: Topic, subject: str) -> str:
    """A labelled comparison whose facts name their answer, lean on the fact before them,
    or are shared; a summary; and a chart titled with "vs." whose body is a figure."""
    shared = rng.choice(("Are taught in every course", "Appear in interviews"))
    return (
        f"---\ntags: [{subject.lower().replace(' ', '-')}]\n---\n"
        f"# {subject}: {topic.a} and {topic.b}\n\n"
        f"## {topic.a} vs. {topic.b}\n"
        f"**{topic.a}:**\n"
        f"- {topic.a_facts[0]}\n"
        f"- Most {topic.a_short}s {topic.a_facts[1][0].lower()}{topic.a_facts[1][1:]}\n"
        "- However, this makes them more expensive\n"
        f"- {shared} (very often)\n\n"
        f"**{topic.b}:**\n"
        f"- {topic.b_facts[0]}\n"
        f"- {topic.b_facts[1]}\n"
        f"- {shared}\n\n"
        f"In short, pick {topic.a_short} when {topic.a_facts[0].lower()} matters.\n\n"
        f"### Latency vs. Throughput\n![[{topic.a_short.lower().replace(' ', '-')}-chart.png]]\n"
    )


def note_prose_comparison(rng: random.Random, topic: Topic, subject: str) -> str:
    """Prose comparisons: one real, one whose body is already cards, "VS Code", "X - Y",
    and a long section with sub-headings."""
    filler = " ".join(
        rng.choice(("memory", "latency", "cache", "kernel", "disk", "page", "lock", "queue"))
        for _ in range(60)
    )
    return (
        f"---\ntags: [flashcards]\n---\n"
        f"# {topic.a_short} notes\n\n"
        f"## {topic.a_short} vs {topic.b_short}\n"
        f"{topic.a} {topic.a_facts[0].lower()}, while {topic.b} {topic.b_facts[0].lower()}.\n\n"
        f"## {topic.b_short} vs. {topic.a_short} quiz\n"
        f"{topic.b_short} property::{topic.b_facts[1]}\n"
        f"{topic.a_short} property::{topic.a_facts[1]}\n\n"
        "## Setting up VS Code\nInstall the Python extension.\n\n"
        f"## {topic.a} - {topic.b}\nSee the lecture.\n\n"
        f"## Why {topic.a_short} vs. {topic.b_short} matters\n"
        + "\n\n".join(f"{filler.capitalize()}." for _ in range(4))
        + f"\n\n### History\n{filler.capitalize()}.\n\n### Exam tips\nRead the question twice.\n"
    )


def note_questions(rng: random.Random, topic: Topic, subject: str) -> str:
    """Question callouts: a good one, a placeholder title, the author's doubt, unanswered,
    one with an Excalidraw drawing and vault-root embeds."""
    drawing = f"{topic.a_short.lower().replace(' ', '-')}-diagram"
    return (
        f"---\ntags: [{subject.lower().replace(' ', '-')}]\n---\n"
        f"# {topic.a} questions\n\n"
        f"> [!QUESTION] Why does a {topic.a_short} {topic.a_facts[0].lower()}?\n"
        f"> Because of how it is built.\n> ![[{drawing}.excalidraw]]\n\n"
        "> [!QUESTION] Title\n> Something to fill in later.\n\n"
        "> [!QUESTION] Not really sure what this means\n"
        f"> The lecturer said {topic.b_short} is better here?\n\n"
        f"> [!QUESTION] What is the worst case of a {topic.b_short}?\n\n"
        f"> [!QUESTION] Where is it drawn?\n> ![[/attachments/{drawing}.png]]\n"
        f"> and ![](/attachments/{drawing}.png)\n"
    )


def note_cloze(rng: random.Random, topic: Topic, subject: str) -> str:
    """Clozes in a callout's list with a long code block, and one under a heading that
    names what it hides."""
    code = "\n".join(f"> x{i} = step({i})" for i in range(40))
    return (
        f"---\ntags: [flashcards]\n---\n"
        f"# {topic.b_short} clozes\n\n"
        f"> [!NOTE] How {topic.b_short} works\n"
        f"> Intro line about {topic.b}.\n"
        f"> - A {topic.b_short} =={topic.b_facts[0].lower()}==.\n"
        "> - Another point without a deletion.\n>\n"
        f"> ```python\n{code}\n> ```\n\n"
        f"## {topic.a}\n"
        f"=={topic.a}== {topic.a_facts[0].lower()}.\n"
    )


def note_unselected(rng: random.Random, topic: Topic, subject: str) -> str:
    """Card syntax without the flashcard tag: none, a typo, or a tag pasted into a word."""
    tag = rng.choice(("", "#flashcrds", "word#flashcards"))
    return (
        f"# {topic.b_short} scratch {tag}\n\n"
        f"{topic.b_short}::{topic.b}\n"
        f"What is a {topic.a_short}?\n?\n{topic.a}\n"
    )


SHAPES: tuple[Callable[[random.Random, Topic, str], str], ...] = (
    note_flashcards,
    note_o2a,
    note_comparison,
    note_prose_comparison,
    note_questions,
    note_cloze,
    note_unselected,
)


def generate_messy_vault(root: Path, notes: int = 40, seed: int = 1) -> Path:
    """Write a messy vault of *notes* notes into *root* (created) and return it."""
    rng = random.Random(seed)
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    (root / ".obsidian" / "app.json").write_text('{"attachmentFolderPath": "attachments"}\n')
    attachments = root / "attachments"
    attachments.mkdir(exist_ok=True)
    for topic in TOPICS:
        stem = topic.a_short.lower().replace(" ", "-")
        (attachments / f"{stem}-chart.png").write_bytes(_PNG + stem.encode())
        (attachments / f"{stem}-diagram.png").write_bytes(_PNG + stem.encode() + b"d")
        drawings = root / "Excalidraw"
        drawings.mkdir(exist_ok=True)
        (drawings / f"{stem}-diagram.excalidraw.md").write_text(
            "---\nexcalidraw-plugin: parsed\n---\n# Drawing\n", encoding="utf-8"
        )
        if len(stem) % 2:  # half the drawings were exported as images (auto-export on)
            (drawings / f"{stem}-diagram.excalidraw.png").write_bytes(_PNG + stem.encode() + b"x")
    for index in range(notes):
        topic = TOPICS[index % len(TOPICS)]
        subject = SUBJECTS[index % len(SUBJECTS)]
        shape = SHAPES[index % len(SHAPES)]
        folder = root / subject
        folder.mkdir(exist_ok=True)
        text = shape(rng, topic, subject)
        (folder / f"{index:02d} {shape.__name__.removeprefix('note_')}.md").write_text(
            text, encoding="utf-8"
        )
    return root


def main(argv: list[str] | None = None) -> int:
    """Write the vault and say where."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("root", type=Path, help="folder to write the vault into")
    parser.add_argument("--notes", type=int, default=40, help="how many notes")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    root = generate_messy_vault(args.root, args.notes, args.seed)
    print(f"wrote {args.notes} notes to {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

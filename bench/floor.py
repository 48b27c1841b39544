"""The floor: the least a Markdown-to-Anki build can do, to measure flashgen against.

Usage: python bench/floor.py VAULT OUT.apkg

A bare markdown-it-py + genanki script with no features: for each note, read it, parse
it once, find its cards with the plainest line rules (a question callout's title and
body; a bold label and the bullets under it, as an item card and one "which one?" card
per bullet, which is what ``bench.vaultgen`` writes), render each card's two sides once
to HTML, and write every card into one deck. No cache, no ids that survive edits, no
images, no diagnostics. It prints its time and peak memory (max RSS, MiB) as
``floor: <seconds> s, <MiB> MiB, <cards> cards``.
"""

from __future__ import annotations

import hashlib
import resource
import sys
import time
from pathlib import Path

import genanki
from markdown_it import MarkdownIt

MODEL = genanki.Model(
    1_700_000_001,
    "floor",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
)


def cards_of(text: str) -> list[tuple[str, str]]:
    """(front, back) Markdown of each card in a note, by plain line rules."""
    cards: list[tuple[str, str]] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("> [!QUESTION]"):
            body = []
            index += 1
            while index < len(lines) and lines[index].startswith(">"):
                body.append(lines[index][1:].strip())
                index += 1
            cards.append((line.removeprefix("> [!QUESTION]").strip(), "\n".join(body)))
            continue
        if line.startswith("**") and line.endswith(":**"):
            label, bullets = line.strip("*:"), []
            index += 1
            while index < len(lines) and lines[index].startswith("- "):
                bullets.append(lines[index])
                index += 1
            cards.append((label, "\n".join(bullets)))
            cards.extend((bullet[2:], label) for bullet in bullets)
            continue
        index += 1
    return cards


def main(argv: list[str]) -> int:
    """Build the vault *argv[0]* into the package *argv[1]*, then print the figures."""
    vault, out = Path(argv[0]), Path(argv[1])
    started = time.perf_counter()
    md = MarkdownIt("commonmark")
    deck = genanki.Deck(1_700_000_002, "floor")
    count = 0
    for path in sorted(vault.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        md.parse(text)
        for front, back in cards_of(text):
            guid = hashlib.sha1(f"{path}\0{front}".encode()).hexdigest()[:16]
            fields = [md.render(front), md.render(back)]
            deck.add_note(genanki.Note(model=MODEL, fields=fields, guid=guid))
            count += 1
    genanki.Package(deck).write_to_file(out)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"floor: {took:.2f} s, {peak:.0f} MiB, {count} cards")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Generate a vault of Obsidian_to_Anki cards of one note type flashgen does not know.

What a vault made with a custom Anki note type looks like to flashgen: every block gets
the same warning. ``flashgen build`` must say it once, with a count.

    python -m bench.o2a_unknown /tmp/o2a-vault            # 1,000 cards in 100 notes
    flashgen build /tmp/o2a-vault -o /tmp/o2a-out
"""

from __future__ import annotations

import argparse
from pathlib import Path

NOTE_TYPE = "MyCard"


def block(note: int, card: int) -> str:
    """One Obsidian_to_Anki block of the unknown note type."""
    return f"START\n{NOTE_TYPE}\nWhat is card {card} of note {note}?\nBack: Answer {card}\nEND\n"


def generate(root: Path, cards: int = 1_000, per_note: int = 10) -> Path:
    """Write *cards* blocks into notes of *per_note* each, under *root* (created)."""
    root.mkdir(parents=True, exist_ok=True)
    for note in range((cards + per_note - 1) // per_note):
        count = min(per_note, cards - note * per_note)
        blocks = "\n".join(block(note, card) for card in range(count))
        text = f"# Deck note {note}\n\nTARGET DECK\nImported::Custom\n\n{blocks}"
        (root / f"note-{note:04}.md").write_text(text, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--per-note", type=int, default=10)
    args = parser.parse_args()
    generate(args.root, args.cards, args.per_note)
    print(f"wrote {args.cards:,} cards into {args.root}")


if __name__ == "__main__":
    main()

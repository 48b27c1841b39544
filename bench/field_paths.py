"""Count how the deck's fields are rendered: from the note's tokens, or from their Markdown.

Usage: python -m bench.field_paths [NOTES] (default 2000)

For the generated vault (``bench.vaultgen``, NOTES notes), the sample vault (``notes/``)
and a messy vault (``bench.messyvault``), each card side (front, back) that the deck
shows is counted by the path it takes to its HTML:

- ``tokens``: rendered from the note's tokens while the note was read (``Card.html``);
  the deck only fills in images and line breaks;
- ``plain``: text that renders as itself, which skips the parser;
- ``parsed``: Markdown the deck parses and renders (text that is no run of the note's
  blocks: a ``Q::A`` split inside a line, a cloze's ``[...]``, an Obsidian_to_Anki field).

The deck's other fields (context headings, a comparison's title and others, a cloze
passage and its Back Extra: a cloze note shows its passage, not its cards' sides) are
made from text and counted apart, plain or parsed, once per card.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.messyvault import generate_messy_vault
from bench.vaultgen import generate_vault
from flashgen.build.pipeline import collect
from flashgen.markdown.render import is_plain
from flashgen.model import Card
from flashgen.sources.cloze import BACK_EXTRA, PASSAGE

REPO = Path(__file__).resolve().parent.parent
PATHS = ("tokens", "plain", "parsed")


def count(vault: Path) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """(kind, path) → sides, and path → other fields, for the cards of *vault*."""
    built = collect(vault, cache=False, ledger=False, save=False, now=1e9)
    sides: Counter[tuple[str, str]] = Counter()
    others: Counter[str] = Counter()
    for card in built.cards:
        if not card.get(PASSAGE):
            for side, markdown in (("front", card.front), ("back", card.back)):
                sides[card.kind.value, _path(card, side, markdown)] += 1
        for text in _other_fields(card):
            others["plain" if is_plain(text) else "parsed"] += 1
    return sides, others


def _path(card: Card, side: str, markdown: str) -> str:
    if card.rendered(side) is not None:
        return "tokens"
    return "plain" if is_plain(markdown) else "parsed"


def _other_fields(card: Card) -> list[str]:
    texts = list(card.context)
    if card.kind.is_comparison:
        texts += [card.get("title"), card.get("others")]
    if card.get(PASSAGE):
        texts += [card.get(PASSAGE), card.get(BACK_EXTRA)]
    return [text for text in texts if text]


def report(name: str, vault: Path) -> None:
    """Print the counts for one vault."""
    sides, others = count(vault)
    total = sum(sides.values())
    print(f"{name}: {total:,} card sides")
    for path in PATHS:
        share = sum(n for (_kind, p), n in sides.items() if p == path)
        print(f"  {path:7} {share:7,} ({share / max(total, 1):6.1%})")
    for kind in sorted({kind for kind, _path in sides}):
        row = ", ".join(f"{path} {sides[kind, path]:,}" for path in PATHS if sides[kind, path])
        print(f"    {kind:22} {row}")
    fields = sum(others.values())
    print(
        f"  other fields: {fields:,} (plain {others['plain']:,}, parsed {others['parsed']:,}):"
        " context headings, comparison titles and others, cloze passages"
    )


def main(argv: list[str]) -> int:
    """Print the counts for the generated, the sample and a messy vault."""
    notes = int(argv[0]) if argv else 2000
    with tempfile.TemporaryDirectory() as temp:
        report(f"generated vault ({notes} notes)", generate_vault(Path(temp) / "gen", notes))
        report("sample vault (notes/)", REPO / "notes")
        report("messy vault (80 notes)", generate_messy_vault(Path(temp) / "messy", 80))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The card quality report of a vault: what a careful reviewer would throw away.

Builds the vault's deck (no cache, no ledger: the vault is left as it is), imports it
into a fresh, real Anki collection and looks at every card as Anki shows it
(``card.question()`` / ``card.answer()``, HTML tags dropped). It counts:

- cards by kind;
- "which one?" prompts that name their answer (its words, singular or plural, or its
  acronym: "Most SSDs have no moving parts" → Solid State Drives);
- generated cards (question callouts, comparison cards) whose answer is over 250 words;
- cards whose visible text shows syntax the user never meant to see: ``??``, ``==``,
  ``::``, ``<!--``, ``%%``, ``START``/``END``, or a drawing's file name (``x.excalidraw``); and
  cards whose Markdown holds an HTML comment (which a terminal quiz would show);
- cards that show an image as missing;
- cards whose lines Anki runs together: a paragraph of several lines (``A) …`` /
  ``B) …``) shown without a line break, in a vault where Obsidian shows one.

Usage::

    PYTHONPATH=. python bench/quality.py notes                 # the sample vault
    PYTHONPATH=. python bench/messyvault.py /tmp/messy && \\
        PYTHONPATH=. python bench/quality.py /tmp/messy --verbose
"""

from __future__ import annotations

import argparse
import html
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from inspect import signature
from pathlib import Path
from typing import Any

import anki.collection  # noqa: F401  (before anki.cards, which alone is a circular import)
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from markdown_it import MarkdownIt

from flashgen.anki.package import write_apkg
from flashgen.build.pipeline import VaultCards, collect
from flashgen.model import Card, CardKind
from flashgen.sources.comparisons.names import words

LONG_WORDS = 250
"""A generated card's answer longer than this is a page of the note, not a card."""

WHICH_MARK = "which one? — "
GENERATED = frozenset(
    {
        CardKind.QA,
        CardKind.COMPARISON_ITEM,
        CardKind.COMPARISON_WHICH,
        CardKind.COMPARISON_DIFFERENCE,
    }
)
SYNTAX: dict[str, re.Pattern[str]] = {
    "??": re.compile(r"\?\?"),
    "==": re.compile(r"=="),
    "::": re.compile(r"::"),
    "<!--": re.compile(r"<!--"),
    "%%": re.compile(r"%%"),
    "START/END": re.compile(r"\b(?:START|END)\b"),
    ".excalidraw": re.compile(r"\.excalidraw\b"),
}
"""Syntax that must never be visible on a card, as it is looked for in the visible text."""

_HIDDEN_RE = re.compile(r"<(style|script)\b.*?</\1>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")
_COMMONMARK = MarkdownIt("commonmark").enable("table")
_SMALL_WORDS = frozenset({"of", "and", "the", "a", "an", "for", "to", "in", "on"})


@dataclass(slots=True)
class Report:
    """The figures of one vault."""

    cards: int = 0
    """Cards in the deck."""
    kinds: Counter[str] = field(default_factory=Counter)
    """Cards by kind."""
    naming: list[Card] = field(default_factory=list)
    """"Which one?" cards whose prompt names the answer."""
    long: list[tuple[Card, int]] = field(default_factory=list)
    """Generated cards over :data:`LONG_WORDS` words, with their count."""
    visible: dict[str, list[Card]] = field(default_factory=dict)
    """Syntax → the cards whose visible text in Anki shows it."""
    comments: list[Card] = field(default_factory=list)
    """Cards whose Markdown holds ``<!--`` (what a terminal quiz renders)."""
    missing: list[Card] = field(default_factory=list)
    """Cards that show an image as missing."""
    run_together: list[Card] = field(default_factory=list)
    """Cards with a paragraph of several lines that Anki shows as one line."""
    warnings: int = 0
    """Diagnostics of the build."""


def visible_text(rendered_html: str) -> str:
    """What a reader sees of an Anki card's HTML: no tags, comments, styles or scripts."""
    return html.unescape(_TAG_RE.sub(" ", _HIDDEN_RE.sub(" ", rendered_html)))


def names_answer(prompt: str, answer: str) -> bool:
    """True when *prompt* holds *answer*'s words (in order) or its acronym."""
    said, named = words(prompt), words(answer)
    if not named:
        return False
    size = len(named)
    if any(said[i : i + size] == named for i in range(len(said) - size + 1)):
        return True
    initials = "".join(word[0] for word in named if word not in _SMALL_WORDS)
    return len(initials) >= 2 and initials in said


def measure(vault: Path) -> Report:
    """Build *vault*'s deck, import it into a new Anki collection, and count."""
    built = collect(vault, cache=False, ledger=False, save=False, now=0.0)
    report = Report(cards=len(built.cards), warnings=built.count("warning"))
    report.kinds.update(card.kind.value for card in built.cards)
    by_id = {card.id: card for card in built.cards}
    for card in built.cards:
        if card.kind == CardKind.COMPARISON_WHICH:
            fact = card.front.split(WHICH_MARK, 1)[-1]
            if names_answer(fact, card.back):
                report.naming.append(card)
        if card.kind in GENERATED:
            count = len(card.back.split())
            if count > LONG_WORDS:
                report.long.append((card, count))
        if "<!--" in card.front or "<!--" in card.back:
            report.comments.append(card)
    breaks = shows_line_breaks(built)
    for guid, rendered in _anki_texts(built.cards, vault, breaks):
        card = by_id[guid]
        if 'class="missing"' in rendered:
            report.missing.append(card)
        if breaks and _has_softbreak(f"{card.front}\n\n{card.back}") and "<br" not in rendered:
            report.run_together.append(card)
        shown = visible_text(rendered)
        for name, pattern in SYNTAX.items():
            if pattern.search(shown):
                report.visible.setdefault(name, []).append(by_id[guid])
    return report


def _has_softbreak(markdown: str) -> bool:
    """True when *markdown* has a paragraph of several lines (a CommonMark soft break)."""
    return any(
        child.type == "softbreak"
        for token in _COMMONMARK.parse(markdown)
        if token.type == "inline"
        for child in token.children or []
    )


def shows_line_breaks(built: VaultCards) -> bool:
    """Whether the vault shows single newlines as line breaks: its Obsidian setting, or
    ``flashgen.yaml``'s ``markdown.strict_line_breaks`` (read here too, so that the
    report also runs on flashgen versions from before the setting)."""
    strict = getattr(built.config, "strict_line_breaks", None)
    return not (built.vault.settings.strict_line_breaks if strict is None else strict)


def _anki_texts(cards: list[Card], vault: Path, breaks: bool) -> Iterable[tuple[str, str]]:
    """(card id, HTML of its question and answer) for each card, read from Anki."""
    with tempfile.TemporaryDirectory() as scratch:
        deck = Path(scratch) / "deck.apkg"
        options: dict[str, Any] = {"vault_root": vault, "vault_name": vault.name}
        if "line_breaks" in signature(write_apkg).parameters:  # not before issue 11
            options["line_breaks"] = breaks
        write_apkg(cards, deck, timestamp=1e9, **options)
        col = Collection(str(Path(scratch) / "collection.anki2"))
        try:
            request = ImportAnkiPackageRequest(
                package_path=str(deck), options=ImportAnkiPackageOptions(merge_notetypes=True)
            )
            col.import_anki_package(request)
            ids = _card_ids(cards)
            for card_id in col.find_cards(""):
                card = col.get_card(card_id)
                place = (card.note().guid, card.ord)
                yield ids.get(place, place[0]), card.question() + "\n" + card.answer()
        finally:
            col.close()


def _card_ids(cards: list[Card]) -> dict[tuple[str, int], str]:
    """(note GUID, card ordinal) → card id; before issue 12 every card was a note, its
    GUID the card's id."""
    try:
        from flashgen.anki.notes import anki_cards
    except ImportError:
        return {}
    return anki_cards(cards)


def format_report(vault: Path, report: Report, *, verbose: bool) -> str:
    """The figures as lines of text, and with *verbose* the cards behind each."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.kinds.items()))
    lines = [
        f"card quality of {vault}",
        f"cards: {report.cards} ({kinds or 'none'}); build warnings: {report.warnings}",
        f"which-one prompts naming their answer: {len(report.naming)}",
        f"generated cards over {LONG_WORDS} words: {len(report.long)}",
    ]
    shown = ", ".join(f"{name} {len(report.visible.get(name, []))}" for name in SYNTAX)
    lines.append(f"cards showing syntax in Anki: {shown}")
    lines.append(f"cards whose Markdown holds <!-- (quiz): {len(report.comments)}")
    lines.append(f"cards showing a missing image: {len(report.missing)}")
    lines.append(f"cards whose lines Anki runs together: {len(report.run_together)}")
    if verbose:
        lines += [
            f"  naming: {_where(card)} {card.front!r} -> {card.back!r}" for card in report.naming
        ]
        lines += [f"  long ({count} words): {_where(card)}" for card, count in report.long]
        for name, found in report.visible.items():
            lines += [f"  shows {name}: {_where(card)} {card.front[:70]!r}" for card in found]
        lines += [f"  comment: {_where(card)} {card.front[:70]!r}" for card in report.comments]
        lines += [f"  missing image: {_where(card)}" for card in report.missing]
        lines += [
            f"  run together: {_where(card)} {card.front[:70]!r}" for card in report.run_together
        ]
    return "\n".join(lines)


def _where(card: Card) -> str:
    return f"{card.note}:{card.line} [{card.kind.value}]"


def main(argv: list[str] | None = None) -> int:
    """Print the quality report of a vault."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("vault", type=Path, help="the vault folder")
    parser.add_argument("--verbose", action="store_true", help="list the cards behind each figure")
    args = parser.parse_args(argv)
    vault: Path = args.vault.resolve()
    print(format_report(vault, measure(vault), verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

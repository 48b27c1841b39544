"""The card sources, and which ``sources:`` flag of ``flashgen.yaml`` turns each on.

To add a card syntax: write its extractor in a module of this folder (a function from a
:class:`NoteContext` to :class:`Extracted`) and add a :class:`Source` line to
:data:`SOURCES`. Extractors never import each other; what they must know of each other
goes through here: the lines a syntax claims as its own (no other source reads them),
and the question callouts whose content another source turned into its own cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flashgen.config import Config, for_note
from flashgen.markdown.note import ParsedNote
from flashgen.model import Card, Diagnostic
from flashgen.sources.comparisons.cards import extract_comparisons
from flashgen.sources.context import Extracted, NoteContext
from flashgen.sources.o2a import block_lines, extract_o2a
from flashgen.sources.questions import extract_questions
from flashgen.sources.spaced import extract_spaced
from flashgen.vault.index import VaultIndex


@dataclass(frozen=True, slots=True)
class Source:
    """One card syntax."""

    flag: str
    """Its key under ``sources:`` in ``flashgen.yaml`` (a :class:`Config` field)."""
    extract: Callable[[NoteContext], Extracted]
    """Its extractor."""
    claims: Callable[[ParsedNote], set[int]] | None = None
    """The 0-based lines its syntax owns, which no other source reads (on or off)."""


SOURCES: tuple[Source, ...] = (
    Source("questions", extract_questions),
    Source("comparisons", extract_comparisons),
    Source("spaced", extract_spaced),
    Source("o2a", extract_o2a, claims=block_lines),
)
"""Every card source, in the order their cards are listed."""


def is_selected(note: ParsedNote, config: Config) -> bool:
    """True when the note carries a selecting tag (or no tags select notes)."""
    if not config.tags:
        return True
    wanted = {tag.lower() for tag in config.tags}
    for tag in note.tags:
        parts = tag.lower().split("/")
        if any("/".join(parts[: i + 1]) in wanted for i in range(len(parts))):
            return True
    return False


def extract_cards(
    note: ParsedNote, vault: VaultIndex, config: Config
) -> tuple[list[Card], list[Diagnostic]]:
    """All cards of one note (ids not yet assigned) and the problems met."""
    config, problem = for_note(config, note.frontmatter)
    ctx = NoteContext(note, vault, config)
    if problem is not None:
        ctx.warn(1, problem)
    for source in SOURCES:
        if source.claims is not None:
            for line in source.claims(note):
                ctx.claimed.setdefault(line, source.flag)
    ctx.resolve_embeds()
    made: list[tuple[str, Card]] = []
    for source in SOURCES:
        if not getattr(config, source.flag):
            continue
        found = source.extract(ctx)
        if found.replaces:
            # A question callout whose content is another source's cards is those cards.
            made = [
                (flag, card)
                for flag, card in made
                if flag != "questions" or card.line not in found.replaces
            ]
        made.extend((source.flag, card) for card in found.cards)
    ctx.report_missing_images()
    return [card for _flag, card in made], ctx.diagnostics

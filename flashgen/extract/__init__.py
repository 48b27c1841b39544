"""Card extraction: a parsed note and its vault become cards, each from one source."""

from __future__ import annotations

from flashgen.config import Config, for_note
from flashgen.extract.common import NoteContext
from flashgen.extract.comparisons import extract_comparisons
from flashgen.extract.o2a import extract_o2a
from flashgen.extract.questions import extract_questions
from flashgen.extract.spaced import extract_spaced
from flashgen.model import Card, Diagnostic
from flashgen.parse import ParsedNote
from flashgen.vault import VaultIndex

__all__ = ["extract_cards", "is_selected"]


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
    ctx.resolve_embeds()
    cards: list[Card] = []
    if config.questions:
        cards.extend(extract_questions(ctx))
    if config.comparisons:
        cards.extend(extract_comparisons(ctx))
    if config.spaced:
        spaced = extract_spaced(ctx)
        # A question callout holding spaced-repetition cards is those cards, not one more.
        cards = [c for c in cards if c.kind != "qa" or c.line not in spaced.callouts]
        cards.extend(spaced.cards)
    if config.o2a:
        cards.extend(extract_o2a(ctx))
    return cards, ctx.diagnostics

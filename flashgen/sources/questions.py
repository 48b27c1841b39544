"""Cards from question callouts: ``> [!QUESTION] title`` with the answer as body."""

from __future__ import annotations

from collections.abc import Iterator

from flashgen.markdown.blockid import without_block_id
from flashgen.markdown.callout import QUESTION_TYPES
from flashgen.markdown.source import split_first_paragraph, unquote
from flashgen.model import Card, CardKind
from flashgen.sources.context import Extracted, NoteContext

_QUOTE_OPEN = ("blockquote_open", "callout_open")
_QUOTE_CLOSE = ("blockquote_close", "callout_close")


def extract_questions(ctx: NoteContext) -> Extracted:
    """One ``qa`` card per question callout that has an answer."""
    return Extracted(list(_question_cards(ctx)))


def _question_cards(ctx: NoteContext) -> Iterator[Card]:
    """One ``qa`` card per question callout that has an answer."""
    tokens = ctx.note.tokens
    depth = 0
    for index, token in enumerate(tokens):
        if token.type in _QUOTE_OPEN:
            depth += 1
        elif token.type in _QUOTE_CLOSE:
            depth -= 1
        if token.type != "callout_open" or token.meta["type"] not in QUESTION_TYPES:
            continue
        if not token.map:
            continue
        start, end = token.map
        body = "\n".join(unquote(ctx.note.lines[start + 1 : end], depth)).strip("\n")
        title = token.meta["title"].strip()
        front, back = (title, body) if title else split_first_paragraph(body)
        if not front.strip() or not back.strip():
            ctx.warn(
                start + 1,
                "question callout has no answer; write the answer in the callout's body",
            )
            continue
        block = _last_block_id(ctx, start + 1, end)
        yield ctx.card(
            CardKind.QA,
            front,
            without_block_id(back, block),
            line=start + 1,
            context=ctx.note.context_at(index),
            key=("block", block) if block else ("qa", front),
        )


def _last_block_id(ctx: NoteContext, first: int, end: int) -> str:
    """The block id ending the last block of lines ``first..end`` (0-based), or ``""``."""
    lines = ctx.note.lines
    last = next((i for i in range(min(end, len(lines)) - 1, first - 1, -1) if lines[i].strip()), -1)
    return ctx.note.block_ids.get(last, "")

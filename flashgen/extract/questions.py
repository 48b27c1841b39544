"""Cards from question callouts: ``> [!QUESTION] title`` with the answer as body."""

from __future__ import annotations

from collections.abc import Iterator

from flashgen.extract.common import NoteContext, split_first_paragraph, unquote
from flashgen.model import Card

QUESTION_TYPES = frozenset({"question", "help", "faq"})
"""Callout types Obsidian draws as a question (``help`` and ``faq`` are its aliases)."""

_QUOTE_OPEN = ("blockquote_open", "callout_open")
_QUOTE_CLOSE = ("blockquote_close", "callout_close")


def extract_questions(ctx: NoteContext) -> Iterator[Card]:
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
        yield ctx.card(
            "qa",
            front,
            back,
            line=start + 1,
            context=ctx.note.context_at(index),
            key=("qa", front),
        )

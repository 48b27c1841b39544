"""Cards from question callouts: ``> [!QUESTION] title`` with the answer as body.

A callout whose body holds a ``?`` line (``??``: reversed too) is an
obsidian-spaced-repetition card written in a callout: the lines above the separator (or
the title) ask, the lines below answer, and a ``<!--SR:…-->`` comment gives its history.

A callout that is no question makes no card, with a warning saying how to make it one:
its title is a placeholder (``Title``, ``Question``, ``TODO``), or its text is the
author's own doubt ("Not really sure what this means", an answer that only asks).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from flashgen.markdown.blockid import without_block_id
from flashgen.markdown.callout import QUESTION_TYPES
from flashgen.markdown.source import split_first_paragraph, strip_comments, unquote
from flashgen.markdown.tokens import block_end, top_blocks
from flashgen.model import Card, CardKind
from flashgen.sources.context import Extracted, NoteContext, Tokens
from flashgen.sources.history import SR_LINE_RE, sr_groups, without_sr_comments

_QUOTE_OPEN = ("blockquote_open", "callout_open")
_QUOTE_CLOSE = ("blockquote_close", "callout_close")
_SEPARATORS = {"?": False, "??": True}
"""A separator line → whether the card is reversed too."""

_PLACEHOLDER_RE = re.compile(
    r"(?:title|question|questions?\s*\d*|q|faq|help|todo|tbd|tba|fixme|\.{2,}|\?+|-+)",
    re.IGNORECASE,
)
"""Titles a template or a hurried author leaves: no question yet."""
_DOUBT_RE = re.compile(
    r"""\b(?:not\s+(?:really\s+|quite\s+|entirely\s+)?sure|unsure|no\s+idea
        |(?:i|we)\s+(?:don'?t|do\s+not|still\s+don'?t)\s+(?:get|understand|know)
        |(?:don'?t|doesn'?t)\s+make\s+sense|(?:i'?m|i\s+am)\s+(?:confused|lost)
        |ask\s+(?:the\s+)?(?:prof|lecturer|ta)
        |what\s+does\s+this\s+(?:even\s+)?mean)\b""",
    re.IGNORECASE | re.VERBOSE,
)
"""What the author writes to themselves when they do not understand yet."""
_SENTENCE_RE = re.compile(r"[^.!?]+[.!?]*")


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
        lines = unquote(ctx.note.lines[start + 1 : end], depth)
        title = token.meta["title"].strip()
        context = ctx.note.context_at(index)
        if any(line.strip() in _SEPARATORS for line in lines):
            yield from _spaced_cards(ctx, title, lines, (index, start + 1), context)
            continue
        body = "\n".join(lines).strip("\n")
        front, back = (title, body) if title else split_first_paragraph(body)
        if not front.strip() or not back.strip():
            ctx.warn(
                start + 1,
                "question callout has no answer; write the answer in the callout's body",
            )
            continue
        problem = not_a_question(front, back)
        if problem is not None:
            ctx.warn(start + 1, problem)
            continue
        block = _last_block_id(ctx, start + 1, end)
        front_tokens, back_tokens = _sides(ctx, index, lines, front, bool(title))
        card = ctx.card(
            CardKind.QA,
            front,
            without_block_id(back, block),
            line=start + 1,
            context=context,
            key=("block", block) if block else ("qa", front),
            front_tokens=front_tokens,
            back_tokens=back_tokens,
        )
        ctx.warn_if_long(card)
        yield card


def _sides(
    ctx: NoteContext, index: int, lines: list[str], front: str, titled: bool
) -> tuple[Tokens | None, Tokens | None]:
    """The tokens of the callout opened at token *index* that are its card's front and
    back: with a title, the back is the whole content; without, the first paragraph asks
    (when it is what the card's *front* is: a paragraph that ends at a blank line)."""
    tokens = ctx.note.tokens
    close = block_end(tokens, index) - 1
    if titled:
        return None, tokens[index + 1 : close]
    blocks = top_blocks(tokens, index + 1, close)
    if len(blocks) < 2 or blocks[0].kind != "paragraph":
        return None, None
    first = (tokens[index].map or (0, 0))[0] + 1  # the line of lines[0]
    own = "\n".join(lines[blocks[0].start - first : blocks[0].end - first])
    if own != front or lines[blocks[0].end - first].strip():
        return None, None
    return tokens[blocks[0].first : blocks[0].stop], tokens[blocks[1].first : close]


def not_a_question(front: str, back: str) -> str | None:
    """Why a question callout makes no card (a placeholder title, the author's doubt), or None."""
    title = _plain(front)
    if _PLACEHOLDER_RE.fullmatch(title):
        return (
            f"question callout's title '{title}' is a placeholder; no card: write the"
            " question as its title ('> [!QUESTION] What is …?') and the answer below"
        )
    answer = _plain(back)
    sentences = [s.strip() for s in _SENTENCE_RE.findall(answer) if s.strip()]
    if _DOUBT_RE.search(title) or (sentences and _DOUBT_RE.search(sentences[0])):
        why = "reads as a note to yourself"
    elif sentences and all(sentence.endswith("?") for sentence in sentences):
        why = "has only questions as its answer"
    else:
        return None
    return (
        f"question callout {why}; no card: once you know the answer, write it in the"
        " body (or make the callout a [!NOTE] to keep it as a note)"
    )


def _plain(markdown: str) -> str:
    """The words of *markdown*, comments out, spacing folded (for the checks above)."""
    return " ".join(strip_comments(without_sr_comments(markdown)).split())


def _spaced_cards(
    ctx: NoteContext,
    title: str,
    lines: list[str],
    where: tuple[int, int],
    context: tuple[str, ...],
) -> Iterator[Card]:
    """The obsidian-spaced-repetition card a callout holds: ``front`` / ``?`` / ``back``.

    *lines* are the callout's content, without its ``>``; *where* is its opening token
    and the 0-based line *lines* start on (which is the callout's 1-based line)."""
    callout, line = where
    at = next(i for i, text in enumerate(lines) if text.strip() in _SEPARATORS)
    reversed_ = _SEPARATORS[lines[at].strip()]
    groups = sr_groups("\n".join(lines))
    above = textwrap.dedent(without_sr_comments("\n".join(lines[:at]))).strip()
    below = textwrap.dedent(without_sr_comments("\n".join(lines[at + 1 :]))).strip()
    front = above or title
    if not front or not below:
        side = "question above" if not front else "answer below"
        ctx.warn(line, f"question callout has no {side} its '{lines[at].strip()}' line")
        return
    family = ("pair", str(line)) if reversed_ else ()
    asks = _lines_tokens(ctx, callout, line, lines[:at], front)
    answers = _lines_tokens(ctx, callout, line + at + 1, lines[at + 1 :], below)
    yield ctx.card(
        CardKind.BASIC,
        front,
        below,
        line=line,
        context=context,
        key=("basic", front),
        history=groups[0] if groups else None,
        family=family,
        front_tokens=asks,
        back_tokens=answers,
    )
    if reversed_:
        yield ctx.card(
            CardKind.REVERSED,
            below,
            front,
            line=line,
            context=context,
            key=("reversed", below),
            history=groups[1] if len(groups) > 1 else None,
            family=family,
            front_tokens=answers,
            back_tokens=asks,
        )


def _lines_tokens(
    ctx: NoteContext, callout: int, line: int, lines: list[str], text: str
) -> Tokens | None:
    """The note's tokens of *lines* of the callout at token *callout* (the first on the
    note's 0-based *line*), when the card side *text* is their source; blank lines and
    scheduling comments around them left out."""
    kept = [
        i for i, source in enumerate(lines) if source.strip() and not SR_LINE_RE.fullmatch(source)
    ]
    if not kept:
        return None
    first, stop = kept[0], kept[-1] + 1
    return ctx.side_tokens(callout, line + first, lines[first:stop], text)


def _last_block_id(ctx: NoteContext, first: int, end: int) -> str:
    """The block id ending the last block of lines ``first..end`` (0-based), or ``""``."""
    lines = ctx.note.lines
    last = next((i for i in range(min(end, len(lines)) - 1, first - 1, -1) if lines[i].strip()), -1)
    return ctx.note.block_ids.get(last, "")

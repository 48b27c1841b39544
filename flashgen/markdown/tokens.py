"""Helpers over markdown-it tokens: top-level blocks, list items, table rows, plain text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block of a section: a paragraph, list, table, heading, fence …"""

    kind: str
    """Its opening token's type without ``_open``: ``paragraph``, ``bullet_list`` …"""
    first: int
    """Index of its first token."""
    stop: int
    """Index after its last token."""
    start: int
    """0-based first line."""
    end: int
    """0-based line after it."""


def top_blocks(tokens: Sequence[Token], first: int, stop: int) -> list[Block]:
    """The blocks of ``tokens[first:stop]`` that are not inside another block."""
    blocks: list[Block] = []
    index = first
    while index < stop:
        token = tokens[index]
        after = block_end(tokens, index, stop)
        if token.map:
            blocks.append(
                Block(token.type.removesuffix("_open"), index, after, token.map[0], token.map[1])
            )
        index = after
    return blocks


def block_end(tokens: Sequence[Token], index: int, stop: int | None = None) -> int:
    """The index after the block that ``tokens[index]`` opens (or is), before *stop*."""
    stop = len(tokens) if stop is None else stop
    after = index + 1
    if tokens[index].nesting == 1:
        depth = 1
        while after < stop and depth:
            depth += tokens[after].nesting
            after += 1
    return after


def top_level_source(
    tokens: Sequence[Token], lines: Sequence[str], first: int, stop: int
) -> str | None:
    """The source lines of the blocks ``tokens[first:stop]``, from the first block's first
    line to the last one's last; None when they are not all at the top level of the note
    (their lines hold their containers' markers) or there are none."""
    blocks = top_blocks(tokens, first, stop)
    if not blocks or any(tokens[block.first].level for block in blocks):
        return None
    return "\n".join(lines[blocks[0].start : blocks[-1].end])


def children_of(tokens: Sequence[Token], block: Block, level: int, kind: str) -> list[int]:
    """Indexes of the *kind* tokens at nesting *level* inside *block*."""
    return [
        i
        for i in range(block.first, block.stop)
        if tokens[i].type == kind and tokens[i].level == level
    ]


def first_inline(tokens: Sequence[Token], open_index: int) -> Token | None:
    """The inline token of the paragraph that opens the container at *open_index*."""
    if open_index + 2 < len(tokens) and tokens[open_index + 1].type == "paragraph_open":
        inline = tokens[open_index + 2]
        return inline if inline.type == "inline" else None
    return None


def table_rows(tokens: Sequence[Token], block: Block) -> list[tuple[int, list[Token]]]:
    """Each row of a table as (1-based line, cell inline tokens), the header first."""
    rows: list[tuple[int, list[Token]]] = []
    for index in range(block.first, block.stop):
        token = tokens[index]
        if token.type == "tr_open":
            rows.append(((token.map[0] if token.map else 0) + 1, []))
        elif token.type == "inline" and rows:
            rows[-1][1].append(token)
    return rows


def inline_text(inline: Token) -> str:
    """Plain text of an inline token: emphasis dropped, links and math kept readable."""
    return children_text(inline.children or [])


def children_text(children: Sequence[Token]) -> str:
    """Plain text of inline tokens, spacing folded (see :func:`inline_text`)."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "wikilink", "tag"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def inline_children(tokens: Sequence[Token]) -> Iterator[tuple[int, Token]]:
    """(0-based line, child) for every child of every inline token, in order.

    A child's line is its inline token's first line plus the line breaks before it.
    """
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        for child in token.children:
            yield line, child
            if child.type in ("softbreak", "hardbreak"):
                line += 1

"""Helpers over markdown-it tokens: top-level blocks, list items, table rows, plain text."""

from __future__ import annotations

import bisect
import re
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
    (their lines hold their containers' markers), cut short by *stop*, or there are none."""
    blocks = top_blocks(tokens, first, stop)
    if not blocks or any(
        tokens[block.first].level or block_end(tokens, block.first) != block.stop
        for block in blocks
    ):
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


# --- the tokens of a run of lines ----------------------------------------------------------

_SAFE_START_RE = re.compile(r"[^\W\d_]|[*_(~=!\"'`]")
"""How a paragraph's line may start to stay a paragraph's first line when it is one: a
letter or an inline mark. A digit may make a list ("2. x"), a ``[`` a link definition, a
``<`` an HTML block, ``$$`` a math block; inside a paragraph they were text."""
_TRAILING_ID_RE = re.compile(r"(?:^|\s)\^[A-Za-z0-9-]+$")


def starts_paragraph_line(text: str) -> bool:
    """True when *text*, a line of a paragraph, is no block's first line wherever it sits:
    it starts with a letter or an inline mark (see ``_SAFE_START_RE``)."""
    return _SAFE_START_RE.match(text) is not None


def line_tokens(
    tokens: Sequence[Token],
    blocks: Sequence[Block],
    lines: Sequence[str],
    start: int,
    end: int,
    *,
    marker: bool = False,
) -> list[Token] | None:
    """The tokens that lines ``start..end`` (0-based, *end* excluded) of sibling *blocks*
    make when parsed alone, taken from the note's own tokens; None when they are not
    whole blocks and whole lines of paragraphs.

    A paragraph the lines cut is split at its line breaks (none of its emphasis, links
    or code may cross the cut); a list they cut within one item, and end in, gives that
    item's blocks, its paragraphs shown (a tight list hides them). With *marker*, the
    text the lines stand for has the list marker of their first line cut off: that line
    must open a list item, whose content they then start with. *lines* are the note's.
    """
    out: list[Token] = []
    at = bisect.bisect_right(blocks, start, key=lambda block: _last_line(tokens, block))
    for block in blocks[at:]:
        first_line, last_line = block.start, _last_line(tokens, block)
        if first_line >= end:
            break
        is_list = block.kind in ("bullet_list", "ordered_list")
        if marker and first_line <= start and not is_list:
            return None  # what looked like a list marker is text, or code
        if start <= first_line and last_line <= end and not (marker and first_line == start):
            out.extend(tokens[block.first : block.stop])
            continue
        if block.kind == "paragraph":
            piece = _paragraph_lines(tokens, block, max(start, first_line), min(end, last_line))
        elif is_list and end <= last_line:  # alone, lines after the list would join it
            piece = _item_lines(tokens, block, lines, start, end, marker)
        else:
            return None
        if piece is None:
            return None
        out.extend(piece)
    return out or None


_RUNS_OVER = frozenset({"bullet_list_open", "ordered_list_open", "list_item_open"})
"""Tokens whose lines may take in the blank lines after them."""


def _last_line(tokens: Sequence[Token], block: Block) -> int:
    """The line after the block's last line that is not blank: the last that a token in
    it covers, of a list or an item (whose lines take blank lines in) its first."""
    return max(
        token.map[0] + 1 if token.type in _RUNS_OVER else token.map[1]
        for token in tokens[block.first : block.stop]
        if token.map
    )


def _paragraph_lines(
    tokens: Sequence[Token], block: Block, start: int, end: int
) -> list[Token] | None:
    """A paragraph of lines ``start..end`` of the paragraph *block*, or None where the cut
    is inside a span, or a line would start or end differently alone."""
    inline = tokens[block.first + 1]
    children = inline.children or []
    breaks: list[int] = []
    depth = 0
    depths: list[int] = []
    for index, child in enumerate(children):
        if child.type in ("softbreak", "hardbreak"):
            breaks.append(index)
            depths.append(depth)
        depth += child.nesting
    lines = inline.content.split("\n")
    if len(breaks) != block.end - block.start - 1 or len(lines) != len(breaks) + 1:
        return None  # a line break inside a code span or an HTML tag: no clean cut
    first, last = start - block.start, end - block.start  # lines of the paragraph
    if first and (depths[first - 1] or not starts_paragraph_line(lines[first].lstrip())):
        return None
    if last < len(lines):
        ending = lines[last - 1].rstrip()
        if depths[last - 1] or ending.endswith("\\") or _TRAILING_ID_RE.search(ending):
            return None  # alone, a backslash or a block id would end the paragraph
    begin = breaks[first - 1] + 1 if first else 0
    stop = breaks[last - 1] if last < len(lines) else len(children)
    return [
        tokens[block.first].copy(hidden=False),
        inline.copy(children=children[begin:stop], content="\n".join(lines[first:last])),
        tokens[block.first + 2].copy(hidden=False),
    ]


def _item_lines(
    tokens: Sequence[Token],
    block: Block,
    lines: Sequence[str],
    start: int,
    end: int,
    marker: bool,
) -> list[Token] | None:
    """The tokens of lines ``start..end`` inside one item of the list *block*."""
    level = tokens[block.first].level
    items = [
        Block(
            "list_item", index, block_end(tokens, index, block.stop), *(tokens[index].map or (0, 0))
        )
        for index in children_of(tokens, block, level + 1, "list_item_open")
    ]
    hit = [item for item in items if item.start < end and start < _last_line(tokens, item)]
    if len(hit) != 1 or hit[0].start > start or (hit[0].start == start) != marker:
        return None  # the lines take in an item's marker, which alone makes a list
    item = hit[0]
    inner = line_tokens(
        tokens,
        top_blocks(tokens, item.first + 1, item.stop - 1),
        lines,
        start,
        end,
        marker=marker and item.start < start,  # the marker cut is a nested item's
    )
    if inner is None:
        return None
    # Alone, the item's paragraphs are no tight list's: shown with their <p>.
    return [
        token.copy(hidden=False) if token.hidden and token.level == level + 2 else token
        for token in inner
    ]

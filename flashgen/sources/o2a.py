"""Cards in Obsidian_to_Anki's syntax: ``START`` … ``END`` blocks, ``TARGET DECK``, ``FILE TAGS``.

A block names an Anki note type on its first line, then holds that type's fields, each
opened by ``Field:`` at the start of a line (the first field may leave its name out)::

    START
    Basic
    Front: What is the capital of Kenya?
    Back: Nairobi
    Tags: geography africa
    <!--ID: 1566052191670-->
    END

The ``<!--ID: …-->`` comment the plugin writes after adding the note to Anki is never
shown on a card; it becomes the card's identity, so the card keeps its id however its
text changes. ``TARGET DECK`` (the deck on the next line, or after a colon) puts every
card of the note in that deck; ``FILE TAGS`` (tags on the next line, or after a colon)
tags every card of the note. ``START``, ``END`` and these keywords must fill their line.
Blocks inside code are text, as they are to the plugin.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flashgen.markdown.note import ParsedNote
from flashgen.model import Card, CardKind
from flashgen.sources.cloze import (
    cloze_extra,
    cloze_groups,
    cloze_overflow,
    cloze_passage,
    cloze_sides,
    curly_deletions,
)
from flashgen.sources.context import Extracted, NoteContext

START = "START"
END = "END"
TARGET_DECK = "TARGET DECK"
FILE_TAGS = "FILE TAGS"

NOTE_TYPES: dict[str, tuple[str, ...]] = {
    "Basic": ("Front", "Back"),
    "Basic (and reversed card)": ("Front", "Back"),
    "Basic (optional reversed card)": ("Front", "Back", "Add Reverse"),
    "Basic (type in the answer)": ("Front", "Back"),
    "Cloze": ("Text", "Back Extra"),
}
"""Anki's built-in note types and their fields, in order."""

_ID_RE = re.compile(r"(?<![ \t])[ \t]*<!--\s*ID:\s*(\d+)\s*-->")
_TAGS_PREFIX = "Tags:"
_UNREAD_TOKENS = frozenset(
    {"fence", "code_block", "math_block", "math_block_label", "front_matter"}
)


@dataclass(frozen=True, slots=True)
class Block:
    """One ``START`` … ``END`` block."""

    start: int
    """0-based line of ``START``."""
    end: int
    """0-based line of ``END``."""


def find_blocks(note: ParsedNote) -> tuple[list[Block], list[int]]:
    """The note's blocks, and the 0-based lines of ``START`` lines that never end."""
    unread = _unread_lines(note)
    blocks: list[Block] = []
    unended: list[int] = []
    start: int | None = None
    for index, line in enumerate(note.lines):
        if index in unread:
            continue
        word = line.strip()  # a block may sit in a list item: "   START" … "   END"
        if word == START:
            if start is not None:  # a block never runs into the next one
                unended.append(start)
            start = index
        elif start is not None and word == END:
            blocks.append(Block(start, index))
            start = None
    if start is not None:
        unended.append(start)
    return blocks, unended


def block_lines(note: ParsedNote) -> set[int]:
    """0-based lines inside ``START`` … ``END`` blocks, the two keyword lines included,
    and the ``TARGET DECK`` and ``FILE TAGS`` lines with their values."""
    blocks, _ = find_blocks(note)
    lines = {index for block in blocks for index in range(block.start, block.end + 1)}
    unread = _unread_lines(note)
    for index, line in enumerate(note.lines):
        word = line.rstrip()
        if index in unread or not word.startswith((TARGET_DECK, FILE_TAGS)):
            continue
        if word in (TARGET_DECK, FILE_TAGS):
            lines.update((index, index + 1))
        elif word.startswith((TARGET_DECK + ":", FILE_TAGS + ":")):
            lines.add(index)
    return lines


def extract_o2a(ctx: NoteContext) -> Extracted:
    """The cards of every Obsidian_to_Anki block of the note."""
    return Extracted(list(_o2a_cards(ctx)))


def _o2a_cards(ctx: NoteContext) -> Iterator[Card]:
    """The cards of every Obsidian_to_Anki block of the note."""
    note = ctx.note
    unread = _unread_lines(note)
    blocks, unended = find_blocks(note)
    for start in unended:
        ctx.warn(start + 1, f"'{START}' has no '{END}' line below it; add one to make a card")
    deck = _keyword_value(note, TARGET_DECK, unread).strip()
    file_tags = tuple(_keyword_value(note, FILE_TAGS, unread).split())
    tokens = _first_tokens(note) if blocks else []
    for block in blocks:
        context = note.context_at(tokens[block.start])
        yield from _block_cards(ctx, block, deck, file_tags, context)


def _unread_lines(note: ParsedNote) -> set[int]:
    """Lines of code blocks, math blocks and frontmatter: keywords there are text."""
    return {
        index
        for token in note.tokens
        if token.type in _UNREAD_TOKENS and token.map
        for index in range(*token.map)
    }


def _keyword_value(note: ParsedNote, keyword: str, unread: set[int]) -> str:
    """The value of the first ``keyword`` line: after a colon, or the next line."""
    lines = note.lines
    for index, line in enumerate(lines):
        if index in unread:
            continue
        word = line.rstrip()
        if word == keyword and index + 1 < len(lines):
            return lines[index + 1]
        if word.startswith(keyword + ":"):
            return word[len(keyword) + 1 :]
    return ""


@dataclass(frozen=True, slots=True)
class _Block:
    """A block being read: what every card of it shares."""

    ctx: NoteContext
    """The note."""
    line: int
    """1-based line of ``START``."""
    note_id: str
    """The ``<!--ID: …-->`` number, or ``""``."""
    context: tuple[str, ...]
    """Headings above the block."""
    deck: str
    """``TARGET DECK``, or ``""`` for the note's deck."""
    tags: tuple[str, ...]
    """``FILE TAGS`` and the block's ``Tags:``."""

    def card(
        self,
        kind: CardKind,
        front: str,
        back: str,
        suffix: tuple[str, ...],
        key: tuple[str, ...],
        cloze: tuple[tuple[str, str], ...] = (),
    ) -> Card:
        """A card of the block; its identity is the note id when there is one."""
        identity = ("o2a", self.note_id, *suffix) if self.note_id else (kind.value, *key)
        extra = ((("o2a_id", self.note_id),) if self.note_id else ()) + cloze
        card = self.ctx.card(
            kind,
            front,
            back,
            line=self.line,
            context=self.context,
            key=identity,
            extra=extra,
            family=("o2a", str(self.line)),  # a block is one Anki note, its cards siblings
        )
        tags = tuple(dict.fromkeys((*card.tags, *self.tags)))
        return dataclasses.replace(card, deck=self.deck or card.deck, tags=tags)


def _block_cards(
    ctx: NoteContext,
    block: Block,
    deck: str,
    file_tags: tuple[str, ...],
    context: tuple[str, ...],
) -> Iterator[Card]:
    note_id = ""
    body: list[str] = []
    opening = ctx.note.lines[block.start]
    indent = len(opening) - len(opening.lstrip(" \t"))
    for line in ctx.note.lines[block.start + 1 : block.end]:
        blanks = len(line) - len(line.lstrip(" \t"))
        line = line[min(indent, blanks) :]  # a block in a list item: its fields unindented
        found = _ID_RE.search(line)
        if found is not None:
            note_id = found[1]
            line = _ID_RE.sub("", line)
            if not line.strip():
                continue
        body.append(line)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    line_no = block.start + 1
    if not body:
        ctx.warn(line_no, f"'{START}' block is empty; write a note type such as Basic and fields")
        return
    note_type, field_lines = body[0].strip(), body[1:]
    tags: tuple[str, ...] = ()
    if field_lines and field_lines[-1].startswith(_TAGS_PREFIX):
        tags = tuple(field_lines.pop()[len(_TAGS_PREFIX) :].split())
    names = NOTE_TYPES.get(note_type)
    if names is None:
        ctx.warn(
            line_no,
            f"note type '{note_type}' is not one flashgen knows ({', '.join(NOTE_TYPES)});"
            " its first field becomes the front and its 'Back:' field the back",
        )
        names = ("Front", "Back")
    fields = _fields(field_lines, names)
    reader = _Block(ctx, line_no, note_id, context, deck, (*file_tags, *tags))
    if note_type == "Cloze":
        yield from _cloze_cards(reader, fields)
        return
    front, back = fields.get(names[0], ""), fields.get(names[1], "")
    if not front.strip() or not back.strip():
        ctx.warn(line_no, f"'{note_type}' note needs both a front and a back field; skipped")
        return
    yield reader.card(CardKind.BASIC, front, back, (), (front,))
    reverse = note_type == "Basic (and reversed card)" or (
        note_type == "Basic (optional reversed card)" and fields.get("Add Reverse", "").strip()
    )
    if reverse:
        yield reader.card(CardKind.REVERSED, back, front, ("reversed",), (back,))


def _cloze_cards(reader: _Block, fields: dict[str, str]) -> Iterator[Card]:
    text = fields.get("Text", "")
    deletions = curly_deletions(text)
    if not deletions:
        reader.ctx.warn(reader.line, "'Cloze' note has no {{c1::…}} deletion; skipped")
        return
    extra = fields.get("Back Extra", "").strip()
    cards = cloze_groups(deletions)
    overflow = cloze_overflow(text, len(cards))
    if overflow is not None:
        reader.ctx.warn(reader.line, overflow)
        return
    passage = reader.ctx.finish(cloze_passage(text, deletions), [])
    back_extra = reader.ctx.finish(extra, [])
    for number, group in enumerate(cards):
        front, back = cloze_sides(text, deletions, group[0].group)
        if extra:
            back = f"{back}\n\n{extra}"
        key = tuple(d.text for d in group)
        yield reader.card(
            CardKind.CLOZE,
            front,
            back,
            (group[0].group,),
            key,
            cloze_extra(passage, number, back_extra),
        )


def _fields(lines: list[str], names: tuple[str, ...]) -> dict[str, str]:
    """Split field lines at ``Name:`` prefixes; text before any prefix is the first field."""
    prefix = re.compile("|".join(rf"(?P<f{i}>{re.escape(name)}):" for i, name in enumerate(names)))
    current = names[0]
    values: dict[str, list[str]] = {}
    for line in lines:
        found = prefix.match(line)
        if found is not None and found.lastgroup is not None:
            current = names[int(found.lastgroup[1:])]
            line = line[found.end() :].removeprefix(" ")
        values.setdefault(current, []).append(line)
    return {name: "\n".join(text).strip("\n") for name, text in values.items()}


def _first_tokens(note: ParsedNote) -> list[int]:
    """For each line, the index of the first token whose lines hold it (for the heading
    context); the token count for a line no token holds."""
    first = [len(note.tokens)] * len(note.lines)
    for index in range(len(note.tokens) - 1, -1, -1):
        lines = note.tokens[index].map
        if lines:
            start, end = lines[0], min(lines[1], len(first))
            first[start:end] = [index] * (end - start)
    return first

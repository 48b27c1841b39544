"""Finding comparison sections, and the items and facts inside them.

A comparison is a heading naming two or more things joined by ``vs``, ``vs.`` or
``versus``; its section runs to the next heading of the same or a higher level. Inside
it, the compared items are found in the shapes notes use, tried in this order:

1. sub-headings, one per item, at the shallowest level where two or more match;
2. labels and leading names, read block by block: a bold (or linked) label such as
   ``**GANs:**`` followed by a list or paragraphs, a list whose items start with the
   names, a paragraph that starts with a name, or a table whose header row or first
   column names the items.

When two or more items are found, each gets an item card, and each bullet fact a
"which one?" discrimination card. Otherwise the section is prose about the things
compared and gets one difference card, unless it describes a plot ("Residuals vs.
Fitted Values").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from flashgen.markdown.callout import QUESTION_TYPES
from flashgen.markdown.note import Heading, ParsedNote
from flashgen.markdown.source import list_marker
from flashgen.markdown.tokens import (
    Block,
    children_of,
    children_text,
    first_inline,
    inline_text,
    line_tokens,
    table_rows,
    top_blocks,
    top_level_source,
)
from flashgen.sources.comparisons.names import (
    MAX_NAME_WORDS,
    Name,
    heading_names,
    link_spellings,
    match_item,
    match_leading_words,
)

MAX_LABEL_WORDS = 7
"""A bold text longer than this is an emphasised sentence, not a label."""


_SUMMARY_RE = re.compile(
    r"""(?:both|neither|either|overall|together|generally|summary|comparison|note|notes
        |in\s+(?:summary|short|practice|general|contrast|comparison|both\s+cases)
        |the\s+(?:main\s+|key\s+)?differences?|similarit(?:y|ies)|differences?
        |tl;?\s*dr|bottom\s+line|takeaways?|conclusion
        |(?:for\s+|worked\s+)?examples?|e\.g\.)\b""",
    re.IGNORECASE | re.VERBOSE,
)


# --- names -------------------------------------------------------------------------------


# --- sections ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """A heading that compares things, and the section under it."""

    heading: Heading
    """The comparison's heading."""
    title: str
    """The heading's text without a trailing colon."""
    names: tuple[Name, ...]
    """What it compares, in heading order."""
    first: int
    """Index of the section's first token (after the heading)."""
    stop: int
    """Index of the token after the section (the next heading of the same or higher level)."""
    end_line: int
    """0-based line after the section."""
    context: tuple[str, ...]
    """Heading path down to and including the comparison heading."""

    @property
    def key(self) -> str:
        """The comparison's names as they go into card keys."""
        return "|".join(name.key for name in self.names)


def find_comparisons(note: ParsedNote) -> list[Comparison]:
    """Every heading of *note* that compares two or more things, with its section."""
    found: list[Comparison] = []
    ends = _section_ends(note.headings)
    for heading, after in zip(note.headings, ends, strict=True):
        inline = note.tokens[heading.token_index + 1]
        names = heading_names(inline)
        if not names:
            continue
        stop = after.token_index if after else len(note.tokens)
        end_line = after.line - 1 if after else len(note.lines)
        # The path in force just after the heading: it, and no earlier sibling.
        context = note.context_at(heading.token_index + 1)
        title = heading.text.rstrip(": ").strip()
        found.append(
            Comparison(heading, title, names, heading.token_index + 3, stop, end_line, context)
        )
    return found


def _section_ends(headings: Sequence[Heading]) -> list[Heading | None]:
    """For each heading, the next heading of the same or a higher level (None: the end)."""
    ends: list[Heading | None] = [None] * len(headings)
    open_sections: list[int] = []
    for position, heading in enumerate(headings):
        while open_sections and headings[open_sections[-1]].level >= heading.level:
            ends[open_sections.pop()] = heading
        open_sections.append(position)
    return ends


# --- blocks ------------------------------------------------------------------------------


# --- items -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One bullet of an item: a "which one?" card's question."""

    text: str
    """The bullet's first paragraph, Markdown, on one line."""
    line: int
    """1-based line."""


@dataclass(slots=True)
class Item:
    """One compared thing as the section describes it."""

    name: int
    """Index into the comparison's names."""
    label: str
    """How the section names it: ``Autoregressive Models``."""
    line: int
    """1-based line of its label, sub-heading, list item or table row."""
    chunks: list[str] = field(default_factory=list)
    """Markdown pieces of its back, in note order."""
    facts: list[Fact] = field(default_factory=list)
    """Its bullet facts."""
    tokens: list[Token] | None = field(default_factory=list)
    """The note's tokens that its back's pieces are the source of, in order; None when a
    piece is not (a label cut off a line, a table's cells)."""

    @property
    def back(self) -> str:
        """The item card's back."""
        return "\n\n".join(chunk for chunk in self.chunks if chunk.strip())

    def add(self, chunk: str, tokens: Sequence[Token] | None = None) -> None:
        """Add a piece of the back, the source of the note's *tokens* (if it is)."""
        self.chunks.append(chunk)
        if not chunk.strip():
            return
        if tokens is None:
            self.tokens = None
        elif self.tokens is not None:
            self.tokens.extend(tokens)

    def extend(self, other: Item) -> None:
        """Add the pieces and facts of *other* (the same item, found elsewhere)."""
        self.chunks.extend(other.chunks)
        self.facts.extend(other.facts)
        self.tokens = (
            None if self.tokens is None or other.tokens is None else self.tokens + other.tokens
        )


@dataclass(frozen=True, slots=True)
class Lead:
    """How a paragraph or list item starts: a label, or the name of an item."""

    name: int | None
    """The compared thing it names; None for a label such as ``**Note:**``."""
    label: str
    """The label's or name's text, without a colon."""
    is_label: bool
    """A label ("GANs:") whose content follows, rather than a sentence's subject."""


def read_lead(inline: Token, names: Sequence[Name]) -> Lead | None:
    """Read the start of a paragraph: a label (``**GANs:**``, ``[[X|Y]]:``, ``Mean:``) or a name."""
    children = [c for c in inline.children or [] if c.type != "text" or c.content.strip()]
    marked = _leading_mark(children)
    if marked is not None and len(marked[0].split()) <= MAX_LABEL_WORDS:
        label, spellings, rest = marked
        rest_text = children_text(rest)
        whole = not rest_text.strip() or rest[0].type in ("softbreak", "hardbreak")
        colon = label.endswith(":") or rest_text.lstrip().startswith(":")
        label = label.rstrip(": ").strip()
        name = match_item([label, *spellings], names)
        if name is not None:
            return Lead(name, label, colon or whole)
        if colon or whole:
            return Lead(None, label, True)
    text = inline_text(inline)
    head, colon_mark, _ = text.partition(":")
    head = head.strip()
    if colon_mark and 0 < len(head.split()) <= MAX_NAME_WORDS:
        name = match_item([head], names)
        if name is not None:
            return Lead(name, head, True)
        if _SUMMARY_RE.fullmatch(head):
            return Lead(None, head, True)
    name = match_leading_words(text, names)
    if name is not None:
        return Lead(name, names[name].text, False)
    return None


def _leading_mark(children: list[Token]) -> tuple[str, list[str], list[Token]] | None:
    """A label in bold, italics, highlight or a wiki-link at the very start of a paragraph."""
    if not children:
        return None
    first = children[0]
    if first.type == "wikilink":
        return first.content, link_spellings(first), children[1:]
    if first.type not in ("strong_open", "em_open", "mark_open"):
        return None
    closing = first.type.replace("_open", "_close")
    depth = 0
    for index, child in enumerate(children):
        depth += 1 if child.type == first.type else -1 if child.type == closing else 0
        if depth == 0:
            inner = children[1:index]
            spellings = [s for c in inner if c.type == "wikilink" for s in link_spellings(c)]
            return children_text(inner), spellings, children[index + 1 :]
    return None


def items_from_subheadings(note: ParsedNote, comp: Comparison) -> list[Item]:
    """Items written as sub-headings (``### [[Autoencoders|VAE]]``), at any level below."""
    inside = [h for h in note.headings if comp.first <= h.token_index < comp.stop]
    for level in sorted({h.level for h in inside}):
        items: list[Item] = []
        for heading in (h for h in inside if h.level == level):
            label = heading.text.rstrip(": ").strip()
            inline = note.tokens[heading.token_index + 1]
            spellings = [
                s for c in inline.children or [] if c.type == "wikilink" for s in link_spellings(c)
            ]
            name = match_item([label, *spellings], comp.names)
            if name is None or any(item.name == name for item in items):
                continue
            after = next(
                (h for h in inside if h.token_index > heading.token_index and h.level <= level),
                None,
            )
            stop = after.token_index if after else comp.stop
            blocks = own_blocks(note, top_blocks(note.tokens, heading.token_index + 3, stop))
            item = Item(name, label, heading.line)
            if blocks:
                chunk = "\n".join(note.lines[heading.line : blocks[-1].end])
                item.add(chunk, token_run(note, chunk, heading.token_index + 3, blocks[-1].stop))
            item.facts.extend(facts_of(note, blocks))
            items.append(item)
        if len(items) >= 2:
            return items
    return []


def own_blocks(note: ParsedNote, blocks: Sequence[Block]) -> list[Block]:
    """The blocks under an item's sub-heading that are the item's own: up to its first
    sub-heading, rule, or a paragraph that closes the comparison ("In short, …",
    "For example:")."""
    kept: list[Block] = []
    for block in blocks:
        if block.kind in ("heading", "hr"):
            break
        if block.kind == "paragraph" and _SUMMARY_RE.match(
            inline_text(note.tokens[block.first + 1])
        ):
            break
        kept.append(block)
    return kept


def facts_of(note: ParsedNote, blocks: Sequence[Block]) -> list[Fact]:
    """The bullets of the top-level bullet lists among *blocks*."""
    facts = []
    for block in blocks:
        if block.kind != "bullet_list":
            continue
        level = note.tokens[block.first].level
        for index in children_of(note.tokens, block, level + 1, "list_item_open"):
            inline = first_inline(note.tokens, index)
            if inline is None or not inline.content.strip() or not inline.map:
                continue
            text = " ".join(inline.content.split())
            facts.append(Fact(text, inline.map[0] + 1))
    return facts


@dataclass(slots=True)
class _Scan:
    """The state of :func:`items_from_blocks` as it walks a section."""

    labelled: bool
    """The section names its items with labels; then only a label starts an item."""
    items: dict[int, Item] = field(default_factory=dict)
    """Items found so far, by name index."""
    current: Item | None = None
    """The item the next blocks belong to."""
    in_summary: bool = False
    """After a label such as ``**Note:**``: blocks belong to no item until the next label."""

    def start(self, lead: Lead, line: int) -> Item:
        """Make *lead*'s item current (merging with an earlier block of the same item)."""
        assert lead.name is not None
        item = self.items.get(lead.name)
        if item is None:
            item = self.items[lead.name] = Item(lead.name, lead.label, line)
        self.current = item
        self.in_summary = False
        return item

    def close(self, *, summary: bool = False) -> None:
        """End the current item (and start a summary)."""
        self.current = None
        self.in_summary = summary

    def merge(self, item: Item) -> None:
        """Add an item found whole (a list item, a table column)."""
        known = self.items.get(item.name)
        if known is None:
            self.items[item.name] = item
        else:
            known.extend(item)


def items_from_blocks(note: ParsedNote, comp: Comparison) -> list[Item]:
    """Items from labels, lists and paragraphs that start with a name, and tables."""
    tokens = note.tokens
    blocks = top_blocks(tokens, comp.first, comp.stop)
    leads = {
        block.first: read_lead(tokens[block.first + 1], comp.names)
        for block in blocks
        if block.kind == "paragraph"
    }
    labelled = any(lead and lead.is_label and lead.name is not None for lead in leads.values())
    scan = _Scan(labelled)
    for block in blocks:
        if block.kind == "paragraph":
            _scan_paragraph(note, scan, block, leads[block.first])
        elif block.kind in ("bullet_list", "ordered_list"):
            labels_only = scan.labelled or scan.in_summary
            listed = items_from_list(note, comp, block, labels_only=labels_only)
            for item in listed:
                scan.merge(item)
            if listed:
                scan.close()
            elif scan.current is not None:
                scan.current.add(*_block_chunk(note, block))
                scan.current.facts.extend(facts_of(note, [block]))
        elif block.kind == "table" and scan.current is None:
            for item in items_from_table(note, comp, block):
                scan.merge(item)
        elif block.kind in ("heading", "hr") or _is_question(tokens[block.first]):
            scan.close()
        elif scan.current is not None:
            scan.current.add(*_block_chunk(note, block))
    items = sorted(scan.items.values(), key=lambda item: item.line)
    return items if len(items) >= 2 else []


def _is_question(token: Token) -> bool:
    # A question callout is its own qa card and usually asks about the whole comparison.
    return token.type == "callout_open" and token.meta.get("type") in QUESTION_TYPES


def _scan_paragraph(note: ParsedNote, scan: _Scan, block: Block, lead: Lead | None) -> None:
    text, run = _block_chunk(note, block)
    if lead is not None and not lead.is_label and (scan.labelled or scan.in_summary):
        lead = None  # where labels name the items, a sentence's subject starts no item
    if lead is None:
        inline = note.tokens[block.first + 1]
        if scan.current is not None and _SUMMARY_RE.match(inline_text(inline)):
            scan.close(summary=True)
        elif scan.current is not None:
            scan.current.add(text, run)
    elif lead.name is None:
        scan.close(summary=True)  # a label such as **Note:** starts a summary, not an item
    else:
        item = scan.start(lead, block.start + 1)
        if lead.is_label:
            item.add(strip_label(text))
        else:
            item.add(text, run)


def items_from_list(
    note: ParsedNote, comp: Comparison, block: Block, *, labels_only: bool = False
) -> list[Item]:
    """Items written as list items that start with the names (``- **L1**: …``).

    With *labels_only*, an item must start with a label, not just a name.
    """
    tokens = note.tokens
    level = tokens[block.first].level
    opens = children_of(tokens, block, level + 1, "list_item_open")
    found: list[tuple[int, Lead]] = []
    for index in opens:
        inline = first_inline(tokens, index)
        lead = read_lead(inline, comp.names) if inline is not None else None
        if lead is not None and lead.name is not None and (lead.is_label or not labels_only):
            found.append((index, lead))
    if len({lead.name for _, lead in found}) < 2:
        return []
    items = []
    for index, lead in found:
        assert lead.name is not None
        start, end = tokens[index].map or (0, 0)
        item = Item(lead.name, lead.label, start + 1)
        item.add(*_item_chunk(note, block, lead, start, end))
        stop = next((i for i in opens if i > index), block.stop)
        nested = top_blocks(tokens, index + 1, stop - 1)
        item.facts.extend(facts_of(note, [b for b in nested if b.kind == "bullet_list"]))
        items.append(item)
    return items


def items_from_table(note: ParsedNote, comp: Comparison, block: Block) -> list[Item]:
    """Items named by a table's header row (one column each) or first column (one row each).

    The back lists the item's cells as ``- **row or column name:** cell``.
    """
    rows = table_rows(note.tokens, block)
    if len(rows) < 2:
        return []
    header_line, header = rows[0]
    body = rows[1:]
    columns = _named_cells(header, comp.names)
    if columns:
        return [
            _table_item(
                name,
                inline_text(header[j]),
                header_line,
                [(None if 0 in columns else row[0], row[j]) for _, row in body if j < len(row)],
            )
            for j, name in columns.items()
        ]
    named_rows = _named_cells([row[0] for _, row in body], comp.names)
    return [
        _table_item(
            name,
            inline_text(body[i][1][0]),
            body[i][0],
            list(zip(header[1:], body[i][1][1:], strict=False)),
        )
        for i, name in named_rows.items()
    ]


def _named_cells(cells: Sequence[Token], names: Sequence[Name]) -> dict[int, int]:
    """Cell index → name index, when two or more cells name different items (else empty)."""
    found: dict[int, int] = {}
    for index, cell in enumerate(cells):
        name = match_item([inline_text(cell)], names)
        if name is not None:
            found[index] = name
    distinct = set(found.values())
    return found if len(distinct) >= 2 and len(distinct) == len(found) else {}


def _table_item(
    name: int, label: str, line: int, cells: Sequence[tuple[Token | None, Token]]
) -> Item:
    item = Item(name, label, line)
    bullets = []
    for key, cell in cells:
        value = cell.content.strip()
        if not value:
            continue
        heading = key.content.strip() if key is not None else ""
        bullets.append(f"- **{heading}:** {value}" if heading else f"- {value}")
    item.add("\n".join(bullets))
    return item


# --- Markdown slicing --------------------------------------------------------------------


def section_source(note: ParsedNote, start: int, end: int) -> str:
    return "\n".join(note.lines[start:end]).strip("\n")


def _block_chunk(note: ParsedNote, block: Block) -> tuple[str, Sequence[Token] | None]:
    """The source of a block of the section, and its tokens when at the note's top level."""
    text = section_source(note, block.start, block.end)
    return text, token_run(note, text, block.first, block.stop)


def _item_chunk(
    note: ParsedNote, block: Block, lead: Lead, start: int, end: int
) -> tuple[str, Sequence[Token] | None]:
    """The back of the item of the list *block* on lines ``start..end``: the item without
    its marker, or without its label when that fills the first line; and its tokens."""
    body = dedent_list_item(list(note.lines[start:end]))
    if note.tokens[block.first].level:
        return (strip_label(body) if lead.is_label else body), None  # its lines hold "> "
    if not lead.is_label:
        return body, line_tokens(note.tokens, [block], note.lines, start, end, marker=True)
    text = strip_label(body)
    if text != body.partition("\n")[2].strip("\n"):
        return text, None  # the label is cut off a line
    return text, line_tokens(note.tokens, [block], note.lines, start + 1, end)


def token_run(note: ParsedNote, text: str, first: int, stop: int) -> Sequence[Token] | None:
    """The note's top-level blocks ``tokens[first:stop]`` when *text* is their source
    (what a card shows of them is then theirs), else None."""
    source = top_level_source(note.tokens, note.lines, first, stop)
    if source is None or source.strip() != text.strip():
        return None
    return note.tokens[first:stop]


_LABEL_RE = re.compile(
    r"""^[ \t]*(?:
        (?P<mark>\*\*|__|\*|_|==)(?P<inner>.+?)(?P=mark)[ \t]*:?   # **GANs:** or **L1**:
        | !?\[\[[^\]]*\]\][ \t]*:                                   # [[X|Y]]:
        | [^:\n]+:                                                  # Mean:
        | \[\[[^\]]*\]\]                                            # [[X]] alone
    )[ \t]*""",
    re.VERBOSE,
)


def strip_label(markdown: str) -> str:
    """Drop the label that starts *markdown* (``**GANs:**``, ``L1:``), keeping what follows."""
    first, newline, rest = markdown.partition("\n")
    match = _LABEL_RE.match(first)
    if match is None:
        return markdown
    remainder = first[match.end() :].strip()
    if not remainder:
        return rest.strip("\n")
    return remainder + newline + rest


def dedent_list_item(lines: list[str]) -> str:
    """A list item's Markdown without its marker and its continuation indent."""
    if not lines:
        return ""
    match = list_marker(lines[0])
    width = match.end() if match else 0
    result = [lines[0][width:]]
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip(" "))
        result.append(line[min(indent, width) :])
    return "\n".join(result).strip("\n")


# --- cards -------------------------------------------------------------------------------

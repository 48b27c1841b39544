"""Cards in obsidian-spaced-repetition's syntax: ``Q::A``, ``Q:::A``, ``?``/``??`` blocks, clozes.

The plugin reads a note line by line, and its syntax is made of lines (a ``?`` line, a
``::`` anywhere in a line, a card ending at a blank line), which markdown-it's tokens do
not keep: inline tokens carry no offsets. So this module reads the note's source lines,
with the tokens saying which block each line belongs to, and it asks the Obsidian syntax
modules of :mod:`flashgen.markdown` for what they recognise in source text (math,
highlights, wiki-links, tags, list markers, code spans); tags, block ids and their lines
come from the parsed note itself. Only lines of
paragraphs and headings can hold a separator or a deletion, so code blocks, math blocks,
tables, HTML and the frontmatter never make cards. Within a line, code spans, math, URLs,
link targets, wiki-links, HTML comments, Dataview's ``[key:: value]`` fields and template
placeholders are blanked out before looking for ``::`` or a deletion.

A *chunk* is a run of non-blank lines in one container (the note, or one blockquote or
callout, read without its ``>`` markers). Within a chunk:

- a line holding ``::`` is a single-line card; ``:::`` makes a reversed card too;
- a line ``?`` (``??``: reversed too) splits the lines above it, back to the chunk's start
  or the last single-line card, from the lines below it, to the chunk's end;
- otherwise, lines holding a deletion (``==highlight==``, ``{{c1::text}}``, ``**bold**``
  when enabled) are cloze text: one card per deletion (per number for ``{{cN::…}}``).

A question callout (flashgen's own syntax) whose body holds a ``::`` or ``?`` card is
that card instead of a question card; a highlight in its body stays a highlight.

A ``<!--SR:!due,interval,ease-->`` comment after a card (at the end of its last line or
on the next line) is never shown; its groups, one per card in order, become the cards'
``history`` (:class:`~flashgen.model.SrHistory`). A card whose text ends with a
block id ``^id`` takes its identity from it.

A multi-line card's question and answer are whole lines of the note's blocks: where
their text is those lines as they stand, they are rendered from the note's tokens
(``NoteContext.side_tokens``); a ``::`` card's halves and a cloze's sides are text.

Notes are read only when they carry one of ``spaced.tags`` (``#flashcards`` by default,
nested tags too). ``#flashcards/Sub/Deck`` puts the cards below it in the deck
``<root deck>::Sub::Deck`` until the next such tag; at the start of a card's first line
it is that card's deck alone.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from flashgen.markdown.blockid import without_block_id
from flashgen.markdown.callout import QUESTION_TYPES
from flashgen.markdown.mark import HIGHLIGHT
from flashgen.markdown.math import MATH
from flashgen.markdown.note import ParsedNote
from flashgen.markdown.source import (
    Delimited,
    Finder,
    code_spans,
    mask,
    pattern_spans,
    strip_list_marker,
    unquote,
)
from flashgen.markdown.tag import leading_tags, only_tags
from flashgen.markdown.wikilink import wikilink_spans
from flashgen.model import Card, CardKind
from flashgen.sources.cloze import (
    Deletion,
    cloze_extra,
    cloze_groups,
    cloze_overflow,
    cloze_passage,
    cloze_sides,
    curly_deletions,
    hide_in,
    list_items,
    pick_lines,
)
from flashgen.sources.context import Extracted, NoteContext, Tokens
from flashgen.sources.history import SR_LINE_RE, SRGroup, sr_groups, without_sr_comments
from flashgen.sources.unselected import why_unselected

# The patterns below stay linear on any line: a run of blanks before what they look for
# is taken from its start only (``(?<![ \t])``), spans go through ``Delimited``, and
# repeated groups are atomic (``(?>…)``) so that a failing match never re-splits them.

_LEAF_KINDS = {
    "paragraph_open": "prose",
    "heading_open": "heading",
    "fence": "code",
    "code_block": "code",
    "math_block": "math",
    "math_block_label": "math",
    "table_open": "table",
    "html_block": "html",
    "hr": "hr",
    "front_matter": "frontmatter",
}
_TEXT_KINDS = ("prose", "heading")
_KEEPS_BLANKS = ("code", "math")

# What cannot hold a separator or a deletion, blanked out of a line before looking.
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)")
_TEMPLATE_RE = re.compile(r"<%.*?(?:%>|$)")
# A bare URL is looked for from the start of its run of scheme characters, and only
# when "://" ends that run: trying each letter of a long "a.b.c.d…" was quadratic.
_URL_RE = re.compile(
    r"<[a-zA-Z][\w+.-]*:[^\s<>]*>"
    r"|(?<![\w+.-])(?=[\w+.-]+://\S)[\w+.-]*?\b[a-zA-Z][\w+.-]*://\S+"
)
_LINK_TARGET = Delimited(re.compile(r"\]\([^)]*\)"), re.compile(r"\)"), multiline=True)
_NOT_CARD_TEXT: tuple[Finder, ...] = (
    code_spans,
    MATH.spans,
    pattern_spans(_COMMENT_RE),
    pattern_spans(_TEMPLATE_RE),
    pattern_spans(_URL_RE),
    _LINK_TARGET.spans,
)
# Never a separator either: wiki-links, Dataview inline fields, template placeholders.
_DATAVIEW_BRACKETS = Delimited(
    re.compile(r"\[[^\[\]]*?::[^\]]*\]"), re.compile(r"\]"), multiline=True
)
_DATAVIEW_PARENS = Delimited(re.compile(r"\([^()]*?::[^)]*\)"), re.compile(r"\)"), multiline=True)
_DOUBLE_BRACES = Delimited(re.compile(r"\{\{.*?\}\}"), re.compile(r"\}\}"))
_NOT_SEPARATOR: tuple[Finder, ...] = (
    *_NOT_CARD_TEXT,
    wikilink_spans,
    _DATAVIEW_BRACKETS.spans,
    _DATAVIEW_PARENS.spans,
    _DOUBLE_BRACES.spans,
)
_TEMPLATE_ONLY_RE = re.compile(r"(?:\s|(?><%.*?%>)|(?>\{\{.*?\}\}))+")
_PAGE_FIELD_RE = re.compile(r"[\w-]+::(?:[ \t]|$)")
"""A Dataview page field: a one-word key, ``::`` and a space (or nothing)."""

_SEPARATOR_RE = re.compile(r"::+")
_MULTILINE = {"?": False, "??": True}
"""Multi-line separator → whether it makes a reversed card too."""
_HINT_RE = re.compile(r"\^\[([^\]\[\n]*)\]")
"""An inline footnote right after a highlight, ``==aorta==^[vessel]``: the cloze's hint."""
_BOLD = Delimited(re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), re.compile(r"(?<=\S)\*\*"))

_HEADING_RE = re.compile(r"\s{0,3}#{1,6}(?:[ \t]+|$)")
_CLOSING_HASHES_RE = re.compile(r"(?<![ \t])[ \t]+#+[ \t]*$")
_SETEXT_RE = re.compile(r"\s{0,3}(?:=+|-+)\s*")


@dataclass(frozen=True, slots=True)
class Line:
    """One source line as this reader sees it."""

    index: int
    """0-based line number."""
    text: str
    """The line without its container's ``>`` markers."""
    kind: str
    """``prose``, ``heading``, ``code``, ``math``, ``table``, ``html``, ``hr``,
    ``frontmatter``, or ``""`` (blank, or a callout's header)."""
    container: int
    """Token index of the innermost blockquote or callout holding it; -1 for none."""
    token: int
    """Token index of the block it belongs to, for the heading context; -1 for none."""


def reads_spaced(note: ParsedNote, tags: Sequence[str]) -> bool:
    """True when the note carries one of *tags*, or a tag nested in one, or *tags* is empty."""
    return not tags or any(tag_under(tag, tags) is not None for tag in note.tags)


def tag_under(tag: str, prefixes: Sequence[str]) -> str | None:
    """The part of *tag* below the first of *prefixes* it is or nests in (``""`` when it
    is one), or None; case is ignored, as Obsidian does."""
    lowered = tag.lower()
    for prefix in prefixes:
        top = prefix.lower().strip("/")
        if lowered == top:
            return ""
        if lowered.startswith(top + "/"):
            return tag[len(top) + 1 :]
    return None


def extract_spaced(ctx: NoteContext) -> Extracted:
    """The spaced-repetition cards of a note, when it carries a flashcard tag."""
    if not reads_spaced(ctx.note, ctx.config.spaced_tags):
        _warn_unselected(ctx)
        return Extracted([])
    reader = _Reader(ctx)
    for chunk in _chunks(reader.lines, reader.skipped):
        reader.read(chunk)
    callouts = {
        _question_callout(ctx.note, reader.lines[card.line - 1].container) for card in reader.cards
    }
    callouts.discard(0)
    return Extracted(_number_repeats(reader.cards), frozenset(callouts))


def _warn_unselected(ctx: NoteContext) -> None:
    """One warning for a note that holds cards in this syntax but no flashcard tag.

    Highlights count only when the note has a damaged flashcard tag: elsewhere they are
    emphasis, not clozes.
    """
    note = ctx.note
    if not any("::" in line or "{{c" in line or line.strip() in _MULTILINE for line in note.lines):
        return
    unselected = why_unselected(note, ctx.config.spaced_tags)
    config = ctx.config
    if not unselected.damaged:
        config = dataclasses.replace(config, highlight_cloze=False, bold_cloze=False)
    reader = _Reader(dataclasses.replace(ctx, config=config, diagnostics=[]))
    for chunk in _chunks(reader.lines, reader.skipped):
        reader.read(chunk)
    # "Author:: Tolkien" is a Dataview field anywhere in a note: no card meant there
    cards = [
        card
        for card in reader.cards
        if unselected.damaged
        or not _PAGE_FIELD_RE.match(strip_list_marker(reader.lines[card.line - 1].text.strip()))
    ]
    if cards:
        ctx.warn(cards[0].line, unselected.message(len(cards)))


def note_lines(note: ParsedNote) -> list[Line]:
    """Every source line of *note*, with the block and container that hold it."""
    count = len(note.lines)
    kind = [""] * count
    container = [-1] * count
    depth = [0] * count
    leaf = [-1] * count
    level = 0
    for index, token in enumerate(note.tokens):
        if token.type in ("blockquote_open", "callout_open"):
            level += 1
            for line in _span(token.map, count):
                container[line], depth[line] = index, level
        elif token.type in ("blockquote_close", "callout_close"):
            level -= 1
        elif token.type in _LEAF_KINDS:
            for line in _span(token.map, count):
                kind[line], leaf[line] = _LEAF_KINDS[token.type], index
    return [
        Line(i, unquote([text], depth[i])[0], kind[i], container[i], leaf[i])
        for i, text in enumerate(note.lines)
    ]


def _span(lines: list[int] | None, count: int) -> range:
    return range(lines[0], min(lines[1], count)) if lines else range(0)


def _chunks(lines: list[Line], skipped: set[int]) -> Iterator[list[Line]]:
    """Runs of non-blank lines of one container."""
    chunk: list[Line] = []
    for line in lines:
        blank = not line.text.strip() and line.kind not in _KEEPS_BLANKS
        ends = blank or line.kind in ("", "frontmatter") or line.index in skipped
        if chunk and (ends or chunk[-1].container != line.container):
            yield chunk
            chunk = []
        if not ends:
            chunk.append(line)
    if chunk:
        yield chunk


def _question_callout(note: ParsedNote, container: int) -> int:
    """The 1-based first line of the question callout at token *container*, else 0."""
    if container < 0:
        return 0
    token = note.tokens[container]
    if token.type != "callout_open" or token.meta.get("type") not in QUESTION_TYPES:
        return 0
    return token.map[0] + 1 if token.map else 0


def _number_repeats(cards: list[Card]) -> list[Card]:
    """Cloze cards hiding the same text twice in a note: the second is ``#2``, and so on."""
    seen: dict[tuple[str, ...], int] = {}
    result: list[Card] = []
    for card in cards:
        if card.kind == CardKind.CLOZE:
            count = seen[card.key] = seen.get(card.key, 0) + 1
            if count > 1:
                card = dataclasses.replace(card, key=(*card.key, f"#{count}"))
        result.append(card)
    return result


@dataclass(slots=True)
class _Reader:
    """The state of reading one note."""

    ctx: NoteContext
    """The note."""
    lines: list[Line] = field(init=False)
    """Its lines."""
    skipped: set[int] = field(init=False)
    """Lines that never hold card text: Obsidian_to_Anki blocks, Dataview page fields,
    template code over several lines."""
    decks: dict[int, list[str | None]] = field(init=False)
    """0-based line → the deck of each flashcard tag on it (None: the note's deck)."""
    switches: list[tuple[int, str | None]] = field(init=False)
    """The lines whose flashcard tag sets the deck of the cards below, and that deck."""
    cards: list[Card] = field(default_factory=list)
    """The cards read so far."""

    def __post_init__(self) -> None:
        note = self.ctx.note
        self.lines = note_lines(note)
        claimed = self.ctx.claimed_by_others("spaced")
        self.skipped = claimed | _page_fields(self.lines) | _template_lines(note)
        self.decks = {}
        for line, tag in note.inline_tags:
            if self.is_deck_tag(tag):
                self.decks.setdefault(line, []).append(self._deck_name(tag))
        self.switches = [
            (index, decks[0])
            for index, decks in sorted(self.decks.items())
            if not self._own_deck_tag(self.lines[index])
        ]

    def is_deck_tag(self, tag: str) -> bool:
        """True for a flashcard tag (``flashcards``, ``flashcards/sub``)."""
        return tag_under(tag, self.ctx.config.spaced_tags) is not None

    # Reading

    def read(self, chunk: list[Line]) -> None:
        """Read the cards of one chunk."""
        start = 0
        separator: int | None = None
        position = 0
        while position < len(chunk):
            line = chunk[position]
            position += 1
            if line.kind not in _TEXT_KINDS:
                continue
            if separator is None and line.text.strip() in _MULTILINE:
                separator = position - 1 - start
                continue
            found = _separator(line.text)
            if found is None:
                continue
            self._flush(chunk[start : position - 1], separator)
            comment: Line | None = None
            if position < len(chunk) and SR_LINE_RE.fullmatch(chunk[position].text):
                comment = chunk[position]
                position += 1
            self._single_line(line, found, comment)
            start, separator = position, None
        self._flush(chunk[start:], separator)

    def _single_line(self, line: Line, found: tuple[int, int], comment: Line | None) -> None:
        offset, length = found
        text = line.text
        groups = sr_groups(text) + (sr_groups(comment.text) if comment else [])
        question = self._strip_start(strip_list_marker(text[:offset])).strip()
        answer, block = self._block_id(without_sr_comments(text[offset + length :]), line)
        answer = answer.strip()
        if not question or _template_only(question) or (answer and _template_only(answer)):
            return  # a template's placeholder, or a line such as ":::" that is no card
        if not answer:
            separator = text[offset : offset + length]
            self.ctx.warn(
                line.index + 1,
                f"card '{question}{separator}' has no answer; write it after the '{separator}'",
            )
            return
        self._two_sided(line, question, answer, block, length == 3, groups)

    def _flush(self, lines: list[Line], separator: int | None) -> None:
        """Make the multi-line or cloze card of *lines*, if they hold one."""
        if separator is not None:
            self._multi_line(lines[:separator], lines[separator], lines[separator + 1 :])
        elif lines and _question_callout(self.ctx.note, lines[0].container):
            return  # a highlight in a question callout's answer is emphasis, not a cloze
        elif any(self._deletions(line.text) for line in lines if line.kind in _TEXT_KINDS):
            self._cloze(lines)

    def _multi_line(self, above: list[Line], separator: Line, below: list[Line]) -> None:
        groups = [group for line in (*above, *below) for group in sr_groups(line.text)]
        question = _card_lines(above)
        answer = _card_lines(below, keep_headings=True)
        marker = separator.text.strip()
        if not question or not answer:
            side = "question above" if not question else "answer below"
            self.ctx.warn(
                separator.index + 1,
                f"multi-line card has no {side} its '{marker}' line;"
                " write it with no blank line in between",
            )
            return
        texts = _texts(question)
        listed = len(texts) == 1 and strip_list_marker(texts[0]) != texts[0]
        if listed:  # a question written as a list item is no list
            texts[0] = strip_list_marker(texts[0])
        texts[0] = self._strip_start(texts[0])
        back, block = self._block_id("\n".join(_texts(answer)), answer[-1])
        # Lines indented under the question keep their nesting: dedent by the common indent.
        front = textwrap.dedent("\n".join(texts)).strip()
        back = textwrap.dedent(back).strip()
        sides = (
            self._side_tokens(question, front, marker=listed),
            self._side_tokens(answer, back, block=block),
        )
        self._two_sided(question[0], front, back, block, _MULTILINE[marker], groups, sides)

    def _side_tokens(
        self, kept: list[Line], text: str, *, block: str = "", marker: bool = False
    ) -> list[Token] | None:
        """The note's tokens of the card lines *kept* (``NoteContext.side_tokens``)."""
        if not kept or kept[-1].index - kept[0].index + 1 != len(kept):
            return None
        container, texts = kept[0].container, [line.text for line in kept]
        return self.ctx.side_tokens(
            container, kept[0].index, texts, text, block=block, marker=marker
        )

    def _two_sided(
        self,
        line: Line,
        question: str,
        answer: str,
        block: str,
        reversed_: bool,
        groups: list[SRGroup],
        sides: tuple[Tokens | None, Tokens | None] = (None, None),
    ) -> None:
        """A basic card, and with *reversed_* its reverse; one scheduling group each.
        *sides* are the note's tokens of the question and the answer, where known."""
        key: tuple[str, ...] = ("block", block) if block else ("basic", question)
        family = ("pair", str(line.index)) if reversed_ else ()
        self._add(CardKind.BASIC, question, answer, line, key, groups[:1], family, sides)
        if reversed_:
            key = ("block", block, "reversed") if block else ("reversed", answer)
            swapped = (sides[1], sides[0])
            self._add(CardKind.REVERSED, answer, question, line, key, groups[1:2], family, swapped)

    def _cloze(self, lines: list[Line]) -> None:
        groups = [group for line in lines for group in sr_groups(line.text)]
        kept = _card_lines(lines)
        if not kept:
            return
        texts = _texts(kept)
        texts[0] = self._strip_start(texts[0])
        texts[-1], block = self._block_id(texts[-1], kept[-1])
        text = "\n".join(texts)
        masked = "\n".join(
            mask(part, _NOT_CARD_TEXT) if line.kind in _TEXT_KINDS else "\0" * len(part)
            for part, line in zip(texts, kept, strict=True)
        )
        deletions = self._deletions(text, masked)
        cards = cloze_groups(deletions)
        overflow = cloze_overflow(text, len(cards))
        if overflow is not None:
            self.ctx.warn(kept[0].index + 1, overflow)
            return
        items = list_items(texts)
        starts = [0, *(found.end() for found in re.finditer("\n", text))]
        passage = cloze_passage(text, deletions)
        for number, group in enumerate(cards):
            front, back = cloze_sides(text, deletions, group[0].group)
            first = kept[0]
            shown = passage  # what the card's Anki cloze note holds: the lines it shows
            if front.count("\n") == back.count("\n") == len(texts) - 1:
                hit = {bisect.bisect_right(starts, d.start) - 1 for d in group}
                chosen, at = _cloze_lines(kept, items, hit)
                front, back = pick_lines(front, chosen), pick_lines(back, chosen)
                if passage.count("\n") == len(texts) - 1:
                    shown = pick_lines(passage, chosen)
                first = kept[at]
            hidden = tuple(deletion.text for deletion in group)
            key = ("block", block, *hidden) if block else ("cloze", *hidden)
            history = groups[number : number + 1]
            family = ("passage", str(kept[0].index))
            extra = cloze_extra(self.ctx.finish(shown, []), number)
            self._add(
                CardKind.CLOZE, front, back, first, key, history, family, hidden=hidden, extra=extra
            )

    def _deletions(self, text: str, masked: str | None = None) -> list[Deletion]:
        """The cloze deletions in *text* that the vault's settings turn on, in order."""
        config = self.ctx.config
        if masked is None:
            masked = mask(text, _NOT_CARD_TEXT)
        found: list[Deletion] = []
        if config.curly_cloze:
            found.extend(curly_deletions(text, masked))
        if config.highlight_cloze:
            found.extend(_highlights(text, masked))
        if config.bold_cloze:
            found.extend(
                Deletion(m.start(), m.end(), text[m.start(1) : m.end(1)], "", "")
                for m in _BOLD.finditer(masked)
            )
        kept: list[Deletion] = []
        for deletion in sorted(found, key=lambda d: d.start):
            if kept and deletion.start < kept[-1].end:
                continue  # inside another deletion
            group = deletion.group or f"#{len(kept)}"
            kept.append(dataclasses.replace(deletion, group=group))
        return kept

    def _add(
        self,
        kind: CardKind,
        front: str,
        back: str,
        line: Line,
        key: tuple[str, ...],
        groups: Sequence[SRGroup],
        family: tuple[str, ...] = (),
        sides: tuple[Tokens | None, Tokens | None] = (None, None),
        hidden: tuple[str, ...] = (),
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Add a card; a heading of its context that shows *hidden* text shows ``[...]``."""
        context = self.ctx.note.context_at(line.token)
        if hidden:
            context = tuple(hide_in(heading, hidden) for heading in context)
        card = self.ctx.card(
            kind,
            front,
            back,
            line=line.index + 1,
            context=context,
            key=key,
            extra=extra,
            history=groups[0] if groups else None,
            family=family,
            front_tokens=sides[0],
            back_tokens=sides[1],
        )
        deck = self._deck_at(line)
        self.cards.append(card if deck is None else dataclasses.replace(card, deck=deck))

    def _block_id(self, text: str, line: Line) -> tuple[str, str]:
        """*text* (ending on *line*) without the block id that ends it, and the id (or "")."""
        block = self.ctx.note.block_ids.get(line.index, "")
        return without_block_id(text, block), block

    def _strip_start(self, text: str) -> str:
        """A card's first line without its heading marker and its leading flashcard tags."""
        text = _strip_heading(text)
        start = 0
        for name, end in leading_tags(text):
            if not self.is_deck_tag(name):
                break
            start = end
        return text[start:]

    # Decks

    def _deck_name(self, tag: str) -> str | None:
        """``flashcards/Sub/Deck`` → ``<root>::Sub::Deck``; a bare flashcard tag → None."""
        sub = tag_under(tag, self.ctx.config.spaced_tags)
        if not sub:
            return None
        root = self.ctx.config.deck_root or self.ctx.vault.name
        return "::".join((root, *(part for part in sub.split("/") if part)))

    def _deck_at(self, line: Line) -> str | None:
        """The deck of the card whose first line is *line*; None for the note's deck."""
        if self._own_deck_tag(line):
            return self.decks[line.index][0]
        before = bisect.bisect_left(self.switches, line.index, key=lambda switch: switch[0])
        return self.switches[before - 1][1] if before else self._frontmatter_deck()

    def _own_deck_tag(self, line: Line) -> bool:
        """True when *line* starts with a flashcard tag that is followed by card text."""
        if line.index not in self.decks:
            return False
        text = _strip_heading(strip_list_marker(line.text))
        first = next(leading_tags(text), None)
        return first is not None and self.is_deck_tag(first[0]) and not only_tags(text)

    def _frontmatter_deck(self) -> str | None:
        for tag in self.ctx.note.frontmatter_tags:
            if self.is_deck_tag(tag):
                return self._deck_name(tag)
        return None


# --- helpers on lines and text ---------------------------------------------------------


def _separator(text: str) -> tuple[int, int] | None:
    """Offset and length of the line's ``::`` (2) or ``:::`` (3) separator, if any."""
    if "::" not in text:
        return None
    found = _SEPARATOR_RE.search(mask(text, _NOT_SEPARATOR))
    if found is None:
        return None
    return found.start(), min(len(found[0]), 3)


def _highlights(text: str, masked: str) -> Iterator[Deletion]:
    """The ``==highlight==`` deletions of *text* (found in *masked*), with their hints."""
    for found in HIGHLIGHT.finditer(masked):
        hint = _HINT_RE.match(masked, found.end())
        end = found.end() if hint is None else hint.end()
        shown = "" if hint is None else text[hint.start(1) : hint.end(1)]
        yield Deletion(found.start(), end, text[found.start(1) : found.end(1)], shown, "")


def _cloze_lines(
    kept: list[Line], items: tuple[int, list[range]] | None, hit: set[int]
) -> tuple[list[int], int]:
    """Which of a cloze passage's lines a card shows, and the one it starts at.

    The block holding the deletion (a paragraph, or in a list the item, after the
    list's lead-in text), not the passage's other blocks: a diagram, a code block or
    a paragraph the answer does not need.
    """
    if items is not None:
        lead, ranges = items
        shown = [i for i in range(lead) if kept[i].kind in _TEXT_KINDS]
        own = [i for r in ranges if hit.intersection(r) for i in r]
        if own:
            return [*shown, *own], own[0]
    blocks = {kept[i].token for i in hit}
    chosen = [i for i, line in enumerate(kept) if line.token in blocks]
    return chosen, chosen[0]


def _template_only(text: str) -> bool:
    """True for text made of template placeholders (``<% … %>``, ``{{title}}``) alone."""
    return bool(_TEMPLATE_ONLY_RE.fullmatch(text))


def _strip_heading(text: str) -> str:
    if _HEADING_RE.match(text) is None:
        return text
    return _CLOSING_HASHES_RE.sub("", _HEADING_RE.sub("", text, count=1))


def _card_lines(lines: list[Line], *, keep_headings: bool = False) -> list[Line]:
    """The lines of a card side: without comment-only lines, tag-only lines and setext
    underlines, and (unless *keep_headings*) without the headings above the text, unless
    they are all there is."""
    kept = [
        line
        for line in lines
        if not SR_LINE_RE.fullmatch(line.text)
        and not (line.kind in _TEXT_KINDS and only_tags(line.text))
        and not (line.kind == "heading" and _SETEXT_RE.fullmatch(line.text))
    ]
    if keep_headings:
        return kept
    body = 0
    while body < len(kept) and kept[body].kind == "heading":
        body += 1
    return kept[body:] if body < len(kept) else kept


def _texts(lines: list[Line]) -> list[str]:
    """The Markdown of card lines: headings as plain lines, scheduling comments removed."""
    return [
        without_sr_comments(_strip_heading(line.text) if line.kind == "heading" else line.text)
        for line in lines
    ]


def _page_fields(lines: list[Line]) -> set[int]:
    """Dataview page fields: the ``key:: value`` lines that open a note's body.

    Only the lines before any other text count, and only with a one-word key followed by
    ``::`` and a space; a card such as ``Kenya::Nairobi`` there stays a card.
    """
    fields: set[int] = set()
    for line in lines:
        if line.kind == "frontmatter" or (not fields and not line.text.strip()):
            continue
        if line.kind != "prose" or line.container >= 0 or not _PAGE_FIELD_RE.match(line.text):
            break
        fields.add(line.index)
    return fields


_TEMPLATE_CODE = Delimited(re.compile(r"<%.*?%>", re.DOTALL), re.compile("%>"), multiline=True)


def _template_lines(note: ParsedNote) -> set[int]:
    """Lines of Templater code that spans several lines (``<%* … %>``)."""
    text = "\n".join(note.lines)
    lines: set[int] = set()
    for found in _TEMPLATE_CODE.finditer(text):
        first = text.count("\n", 0, found.start())
        last = first + found[0].count("\n")
        if last > first:
            lines.update(range(first, last + 1))
    return lines

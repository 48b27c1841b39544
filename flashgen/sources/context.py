"""What every card source shares: the note in hand, Markdown slicing and finishing, and
rendering a card side that is whole blocks of the note from the note's tokens."""

from __future__ import annotations

import hashlib
import posixpath
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from flashgen.config import Config
from flashgen.markdown.blockid import without_block_id
from flashgen.markdown.note import ParsedNote
from flashgen.markdown.render import (
    Unrenderable,
    image_marker,
    is_plain,
    missing_image,
    render_blocks,
    text_html,
)
from flashgen.markdown.source import (
    list_marker,
    replace_wikilinks,
    strip_comments,
    strip_list_marker,
)
from flashgen.markdown.tokens import (
    Block,
    block_end,
    line_tokens,
    starts_paragraph_line,
    top_blocks,
)
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS, WikiRef
from flashgen.model import Card, CardKind, Diagnostic, Severity, SrHistory
from flashgen.vault.index import VaultIndex, leaves_vault

LONG_CARD_WORDS = 250
"""A card made from prose whose answer is longer than this is hard to review: warned of."""


def is_image(target: str) -> bool:
    """True when an embed target names an image file."""
    return posixpath.splitext(target)[1].lower() in IMAGE_EXTENSIONS


Tokens = Sequence[Token]
"""Tokens of whole blocks of a note (or of whole lines of its paragraphs, see
``markdown.tokens.line_tokens``): what a card side made of them shows."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What one source made of a note."""

    cards: list[Card]
    """Its cards, in note order."""
    replaces: frozenset[int] = frozenset()
    """1-based first lines of question callouts whose content these cards are: such a
    callout is these cards, not one more question card."""


@dataclass(slots=True)
class NoteContext:
    """One note being turned into cards, with the vault it resolves links against."""

    note: ParsedNote
    """The parsed note."""
    vault: VaultIndex
    """The vault, for link and embed resolution."""
    config: Config
    """The vault's flashgen configuration."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems found while extracting."""
    resolved: dict[str, str | None] = field(default_factory=dict)
    """Embed target → vault path (None when missing or outside the vault)."""
    claimed: dict[int, str] = field(default_factory=dict)
    """0-based line → the source whose syntax owns it (see ``registry.Source.claims``)."""
    missing: dict[str, int] = field(default_factory=dict)
    """Embedded image not found → the 1-based line it is first embedded on."""
    missing_on_cards: set[str] = field(default_factory=set)
    """Those of :attr:`missing` that a card embeds."""
    rendered: dict[int, tuple[Tokens, str]] = field(default_factory=dict)
    """The HTML of the tokens rendered so far, by ``id`` (with them, so that the id stays
    theirs): a card and its reverse share theirs."""
    _blocks: dict[int, list[Block] | None] = field(default_factory=dict)

    def claimed_by_others(self, source: str) -> set[int]:
        """The lines that sources other than *source* own."""
        return {line for line, owner in self.claimed.items() if owner != source}

    @property
    def deck(self) -> str:
        """The note's deck: frontmatter ``deck:``, else vault name and folders."""
        if self.note.deck:
            return self.note.deck.replace("/", "::")
        folder = posixpath.dirname(self.note.path)
        folders = folder.split("/") if self.config.deck_folders else []
        parts = [self.config.deck_root or self.vault.name, *(p for p in folders if p)]
        return "::".join(parts)

    def warn(
        self, line: int, message: str, severity: Severity = "warning", *, minor: bool = False
    ) -> None:
        """Record a diagnostic at a 1-based line of this note."""
        self.diagnostics.append(Diagnostic(self.note.path, line, severity, message, minor))

    def warn_if_long(self, card: Card) -> None:
        """Warn when *card*'s answer is over :data:`LONG_CARD_WORDS` words."""
        words = len(card.back.split())
        if words > LONG_CARD_WORDS:
            self.warn(
                card.line,
                f"card is long ({words} words); split the answer into smaller cards"
                " or sub-headings",
            )

    def resolve_embeds(self) -> None:
        """Resolve every image embed of the note once, reporting missing and outside ones."""
        for embed in self.note.embeds:
            target = embed.ref.target
            if target in self.resolved:
                continue
            if leaves_vault(target, self.note.path):
                self.resolved[target] = None
                self.warn(embed.line, f"embed '{target}' points outside the vault; not read")
                continue
            found = self.vault.resolve(target, self.note.path)
            if is_drawing(target):
                found = self._drawing_image(target)
            self.resolved[target] = found
            if found is None and is_image(target):
                self.missing.setdefault(target, embed.line)

    def report_missing_images(self) -> None:
        """Warn about each image not found; minor unless a card embeds it (after extraction).

        A note that makes no card of its pictures (a diary, a lecture transcript) would
        otherwise bury the warnings that matter: ``flashgen check`` still lists them all.
        """
        for target, line in self.missing.items():
            folder = self.vault.settings.attachment_folder_of(self.note.path)
            where = f" (new attachments go to '{folder}/')" if folder else ""
            self.warn(
                line,
                f"image '{target}' not found in the vault{where}; add the file or fix the name",
                minor=target not in self.missing_on_cards,
            )

    def _drawing_image(self, target: str) -> str | None:
        """The image an Excalidraw drawing was exported as (``x.excalidraw.png``/``.svg``)."""
        stem = re.sub(r"(?i)\.md$", "", target)
        for suffix in (".png", ".svg"):
            found = self.vault.resolve(stem + suffix, self.note.path)
            if found is not None:
                return found
        return None

    def card(
        self,
        kind: CardKind,
        front: str,
        back: str,
        *,
        line: int,
        context: tuple[str, ...],
        key: tuple[str, ...],
        extra: tuple[tuple[str, str], ...] = (),
        history: SrHistory | None = None,
        family: tuple[str, ...] = (),
        front_tokens: Tokens | None = None,
        back_tokens: Tokens | None = None,
    ) -> Card:
        """Build a card of this note: finishes the Markdown and gathers its media.

        A side whose Markdown is the source of whole blocks of the note (*front_tokens*,
        *back_tokens*: their tokens) is rendered from them here (:meth:`render`).
        """
        html = tuple(
            (tokens and self.render(text, tokens)) or ""
            for text, tokens in ((front, front_tokens), (back, back_tokens))
        )
        media: list[str] = []
        front = self.finish(front, media)
        back = self.finish(back, media)
        return Card(
            id="",
            kind=kind,
            front=front,
            back=back,
            note=self.note.path,
            line=line,
            context=context,
            tags=self.note.tags,
            deck=self.deck,
            media=tuple(dict.fromkeys(media)),
            extra=extra,
            history=history,
            family=self.family_id(family) if family else "",
            html=html if any(html) else (),
            key=tuple(map(str, key)),  # plain strings: keys go into state files
        )

    def render(self, markdown: str, tokens: Tokens) -> str | None:
        """The field HTML of *tokens*, whose source is *markdown* (before :meth:`finish`),
        from the note's tokens; None when their tokens are not what the card shows: the
        comments that :meth:`finish` drops are in them, or a paragraph line that alone
        underlines a heading; or the deck would not parse it anyway (plain text, which
        renders as itself)."""
        if "<!--" in markdown or "%%" in markdown or is_plain(markdown) or _underlines(tokens):
            return None
        known = self.rendered.get(id(tokens))
        if known is not None and known[0] is tokens:
            return known[1] or None
        html = render_blocks(_as_last(tokens, self.note.lines), self.embed)
        self.rendered[id(tokens)] = (tokens, html or "")
        return html

    def line_tokens(
        self, container: int, start: int, end: int, *, marker: bool = False
    ) -> list[Token] | None:
        """The tokens of lines ``start..end`` (0-based) of the note's blockquote or callout
        opened at token *container* (-1: outside any), as ``markdown.tokens.line_tokens``
        gives them: what those lines show, parsed alone; None when they are no whole blocks
        and paragraph lines, or the container is in a list (its lines, without their
        ``>``, still hold the list's markers)."""
        note = self.note
        if container not in self._blocks:
            self._blocks[container] = _container_blocks(note.tokens, container)
        blocks = self._blocks[container]
        if blocks is None:
            return None
        return line_tokens(note.tokens, blocks, note.lines, start, end, marker=marker)

    def side_tokens(
        self,
        container: int,
        first: int,
        lines: Sequence[str],
        text: str,
        *,
        block: str = "",
        marker: bool = False,
    ) -> list[Token] | None:
        """The note's tokens of *lines*, consecutive lines from the 0-based line *first* of
        the container at token *container* (without its ``>``), when *text*, the card side
        made of them, is their source as it stands: nothing cut from it but their common
        indent, the block id *block* and with *marker* the first line's list marker (no
        heading marker, tag, comment or task box, which their tokens show)."""
        if not lines:
            return None
        raw = list(lines)
        if marker:
            found = list_marker(raw[0])
            if found is None or strip_list_marker(raw[0]) != raw[0][found.end() :]:
                return None
            raw[0] = raw[0][found.end() :]
        if textwrap.dedent(without_block_id("\n".join(raw), block)).strip() != text:
            return None
        tokens = self.line_tokens(container, first, first + len(lines), marker=marker)
        if tokens is None:
            return None
        base = self.note.tokens[container].level + 1 if container >= 0 else 0
        inside = tokens[0].level > base
        return tokens if _same_nesting(raw, first, tokens, inside=inside) else None

    def embed(self, ref: WikiRef) -> str:
        """The HTML of an embed of the note: what its Markdown after :meth:`finish` renders
        as (an image marker for an image of the vault)."""
        found = self.resolved.get(ref.target)
        if is_drawing(ref.target) and (found is None or not is_image(found)):
            raise Unrenderable(ref.target)  # its emphasis depends on the text around it
        if found is None or not is_image(found):
            return missing_image(ref.target) if is_image(ref.target) else text_html(ref.display)
        return image_marker(found, ref.width, ref.height)

    def family_id(self, block: tuple[str, ...]) -> str:
        """The ``Card.family`` of the cards of *block* (a key naming it within the note)."""
        material = "\x1f".join((self.note.path, *block))
        return hashlib.blake2b(material.encode("utf-8"), digest_size=8).hexdigest()

    def finish(self, markdown: str, media: list[str]) -> str:
        """Show wiki-links as their text, point image embeds at their vault path and drop
        HTML comments (invisible in Obsidian, so on no card either)."""

        def replace(ref: WikiRef) -> str:
            if not ref.embed:
                return ref.display
            found = self.resolved.get(ref.target)
            if is_drawing(ref.target) and (found is None or not is_image(found)):
                return _drawing_text(ref.target)
            if found is None or not is_image(found):
                # a missing image stays an embed, which the exporters show as missing
                if ref.target in self.missing:
                    self.missing_on_cards.add(ref.target)
                return f"![[{ref.target}]]" if is_image(ref.target) else ref.display
            media.append(found)
            return f"![[{found}{_size(ref)}]]"

        return replace_wikilinks(strip_comments(markdown), replace).strip()


_DRAWING_RE = re.compile(r"(?i)\.excalidraw(?:\.md)?$")


_UNDERLINE_RE = re.compile(r"\n[ \t]*(?:=+|-+)[ \t]*(?:\n|$)")
"""A line of a paragraph that, in the card's Markdown alone, underlines the lines above."""


def _underlines(tokens: Tokens) -> bool:
    """True when a paragraph among *tokens* holds a line of ``=`` or ``-`` after its first:
    a lazy line of a list item or quote in the note, which the card's Markdown, parsed
    alone, reads as a heading's underline."""
    return any(
        token.type == "inline" and "\n" in token.content and _UNDERLINE_RE.search(token.content)
        for token in tokens
    )


def _as_last(tokens: Tokens, lines: Sequence[str]) -> Tokens:
    """*tokens* as the end of a card side's Markdown makes them: the last block's last
    line has no line break after it, which an HTML block or an unclosed fence then lacks
    (in the note, a line follows)."""
    last = len(tokens) - 1
    while last >= 0 and tokens[last].nesting == -1:
        last -= 1
    token = tokens[last] if last >= 0 else None
    if token is None or token.type not in ("html_block", "fence") or not token.map:
        return tokens
    if token.type == "fence" and lines[token.map[1] - 1].strip(" \t>").startswith(token.markup):
        return tokens  # closed: its content ends with a line break either way
    ending = token.copy(content=token.content.removesuffix("\n"))
    return [*tokens[:last], ending, *tokens[last + 1 :]]


def _container_blocks(tokens: Sequence[Token], container: int) -> list[Block] | None:
    """The blocks directly inside the blockquote or callout opened at token *container*
    (-1: the note's top-level blocks); None when it sits in a list."""
    if container < 0:
        return top_blocks(tokens, 0, len(tokens))
    level, index = tokens[container].level, container - 1
    while level and index >= 0:  # up through its parents: the nearest opener a level up
        token = tokens[index]
        if token.nesting == 1 and token.level == level - 1:
            if token.type not in ("blockquote_open", "callout_open"):
                return None
            level -= 1
        index -= 1
    return top_blocks(tokens, container + 1, block_end(tokens, container) - 1)


def _same_nesting(
    lines: Sequence[str], first: int, tokens: Sequence[Token], *, inside: bool
) -> bool:
    """True when *lines* (from the note's line *first*), dedented as a card side is, still
    make what their *tokens* are (*inside* a list item, whose indent the note's lines had
    on top).

    Cutting the common indent, and the first line's, changes nothing when there is none;
    it keeps lists lists when they are nothing but lists starting on the first line, and a
    paragraph a paragraph, as long as no line but an item's first could open a block
    (moved left, it might). Anything else may turn code into text or text into a list.
    """
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    if not indents or indents[0] != min(indents):
        return not indents
    kinds = {block.kind for block in top_blocks(tokens, 0, len(tokens))}
    listed = kinds <= {"bullet_list", "ordered_list"}
    if not (listed or (inside and kinds == {"paragraph"} and len(tokens) == 3)):
        return not inside and not indents[0]
    items = {token.map[0] for token in tokens if token.type == "list_item_open" and token.map}
    return all(
        first + offset in items or starts_paragraph_line(line.lstrip())
        for offset, line in enumerate(lines)
        if offset and line.strip()
    )


def is_drawing(target: str) -> bool:
    """True when an embed target names an Excalidraw drawing (``x.excalidraw[.md]``)."""
    return _DRAWING_RE.search(target) is not None


def _drawing_text(target: str) -> str:
    """What a card shows for a drawing that was never exported as an image."""
    return f"*(drawing: {_DRAWING_RE.sub('', posixpath.basename(target))})*"


def _size(ref: WikiRef) -> str:
    if ref.width is None:
        return ""
    return f"|{ref.width}" + (f"x{ref.height}" if ref.height is not None else "")


# --- searching in linear time ----------------------------------------------------------


# --- cloze deletions, shared by the spaced-repetition and Obsidian_to_Anki sources ---------

"""Note parsing: Markdown text → tokens, frontmatter, tags, headings and embeds.

Parsing is per note and never looks at other files; resolving links against the
vault happens in card extraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from flashgen.model import Diagnostic
from flashgen.obsidian import WikiRef, make_parser, markdown_image
from flashgen.vault import NoteSource


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a note."""

    level: int
    """1 for ``#`` … 6 for ``######``."""
    text: str
    """Plain text as Obsidian shows it (wiki-links as their display text)."""
    line: int
    """1-based line number."""
    token_index: int
    """Index of its ``heading_open`` token."""


@dataclass(frozen=True, slots=True)
class EmbedRef:
    """An ``![[…]]`` embed and the line it sits on."""

    line: int
    """1-based line number."""
    ref: WikiRef
    """What it embeds."""


@dataclass(frozen=True, slots=True)
class ParsedNote:
    """A parsed note: everything card extraction needs, nothing from other files."""

    path: str
    """Vault-relative POSIX path."""
    lines: tuple[str, ...]
    """Source lines, without line endings."""
    tokens: tuple[Token, ...]
    """markdown-it block tokens (``map`` holds 0-based line ranges)."""
    frontmatter: dict[str, Any]
    """The YAML frontmatter mapping (empty when absent or broken)."""
    tags: tuple[str, ...]
    """Frontmatter and inline tags, without ``#``, in order of first appearance."""
    aliases: tuple[str, ...]
    """Frontmatter aliases."""
    deck: str | None
    """Frontmatter ``deck:`` override, if any."""
    headings: tuple[Heading, ...]
    """All headings in order."""
    embeds: tuple[EmbedRef, ...]
    """All embeds in order."""
    diagnostics: tuple[Diagnostic, ...]
    """Problems found while parsing (broken YAML, bad frontmatter types)."""

    def context_at(self, token_index: int) -> tuple[str, ...]:
        """The heading path in force at *token_index*, outermost first."""
        stack: list[Heading] = []
        for heading in self.headings:
            if heading.token_index >= token_index:
                break
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
        return tuple(h.text for h in stack)


@cache
def parser() -> MarkdownIt:
    """The one configured parser (building it is costly; it holds no per-note state)."""
    return make_parser()


def parse_note(source: NoteSource) -> ParsedNote:
    """Parse one note. Never raises on bad Markdown or bad YAML."""
    tokens = parser().parse(source.text)
    diagnostics: list[Diagnostic] = []
    frontmatter: dict[str, Any] = {}
    if tokens and tokens[0].type == "front_matter":
        frontmatter = _load_frontmatter(source.path, tokens[0], diagnostics)
    tags = _unique(
        [
            *_string_list(source.path, frontmatter, ("tags", "tag"), diagnostics),
            *_inline_tags(tokens),
        ]
    )
    aliases = tuple(_string_list(source.path, frontmatter, ("aliases", "alias"), diagnostics))
    deck = frontmatter.get("deck")
    if deck is not None and not isinstance(deck, str):
        diagnostics.append(_fm_type(source.path, "deck", "a deck name such as Biology::Cells"))
        deck = None
    return ParsedNote(
        path=source.path,
        lines=tuple(source.text.split("\n")),
        tokens=tuple(tokens),
        frontmatter=frontmatter,
        tags=tags,
        aliases=aliases,
        deck=deck.strip() if deck and deck.strip() else None,
        headings=tuple(_headings(tokens)),
        embeds=tuple(_embeds(tokens)),
        diagnostics=tuple(diagnostics),
    )


def _load_frontmatter(path: str, token: Token, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(token.content)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(err, "problem", None) or "invalid YAML"
        diagnostics.append(
            Diagnostic(
                path,
                line,
                "warning",
                f"frontmatter is not valid YAML ({problem}); it is ignored, the note is still"
                " read: fix the YAML between the --- lines",
            )
        )
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        diagnostics.append(
            Diagnostic(path, 1, "warning", "frontmatter is not a key: value mapping; ignored")
        )
        return {}
    return {str(key): value for key, value in data.items()}


def _fm_type(path: str, key: str, expected: str) -> Diagnostic:
    return Diagnostic(path, 1, "warning", f"frontmatter '{key}' should be {expected}; ignored")


def _string_list(
    path: str, frontmatter: dict[str, Any], keys: Sequence[str], diagnostics: list[Diagnostic]
) -> list[str]:
    """Read a frontmatter list that Obsidian also accepts as a comma/space separated string."""
    for key in keys:
        value = frontmatter.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            separator = "," if "," in value or key.startswith("alias") else None
            items: list[Any] = value.split(separator)
        elif isinstance(value, list):
            items = value
        else:
            diagnostics.append(_fm_type(path, key, "a list or a string"))
            return []
        cleaned = (str(item).strip().lstrip("#").strip() for item in items if item is not None)
        return [item for item in cleaned if item]
    return []


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _children(tokens: Sequence[Token]) -> Iterable[tuple[Token, Token]]:
    """Each inline child with its parent inline token."""
    for token in tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                yield token, child


def _inline_tags(tokens: Sequence[Token]) -> list[str]:
    return [child.meta["name"] for _, child in _children(tokens) if child.type == "tag"]


def _embeds(tokens: Sequence[Token]) -> Iterable[EmbedRef]:
    for parent, child in _children(tokens):
        if child.type == "embed":
            ref: WikiRef | None = WikiRef(embed=True, **child.meta)
        elif child.type == "image":
            ref = markdown_image(child.content, str(child.attrs.get("src", "")))
        else:
            continue
        if ref is not None:
            line = (parent.map[0] if parent.map else 0) + _softbreaks_before(parent, child) + 1
            yield EmbedRef(line, ref)


def _softbreaks_before(parent: Token, child: Token) -> int:
    count = 0
    for sibling in parent.children or []:
        if sibling is child:
            break
        if sibling.type in ("softbreak", "hardbreak"):
            count += 1
    return count


def _headings(tokens: Sequence[Token]) -> Iterable[Heading]:
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            inline = tokens[index + 1]
            yield Heading(int(token.tag[1]), inline_text(inline), token.map[0] + 1, index)


def inline_text(inline: Token) -> str:
    """Plain text of an inline token: emphasis dropped, links and math kept readable."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "wikilink", "tag"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())

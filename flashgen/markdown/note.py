"""Note parsing: Markdown text → tokens, frontmatter, tags, headings and embeds.

Parsing is per note and never looks at other files; resolving links against the
vault happens in card extraction.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it.token import Token

from flashgen.markdown.parser import parser
from flashgen.markdown.tokens import inline_children, inline_text
from flashgen.markdown.wikilink import WikiRef, markdown_image
from flashgen.model import Diagnostic
from flashgen.vault.notes import NoteSource, clean_text, replace_unreadable

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""YAML's safe loader, in C where PyYAML was built with libyaml (ten times as fast)."""


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
    heading_paths: tuple[tuple[str, ...], ...] = ()
    """For each heading, the heading path it starts (it last), outermost first."""
    frontmatter_tags: tuple[str, ...] = ()
    """The frontmatter's tags, in order."""
    inline_tags: tuple[tuple[int, str], ...] = ()
    """(0-based line, tag) of each tag written in the text, in order."""
    block_ids: dict[int, str] = field(default_factory=dict)
    """0-based line → the Obsidian block id (``^id``) that ends the block on it."""

    def context_at(self, token_index: int) -> tuple[str, ...]:
        """The heading path in force at *token_index*, outermost first."""
        before = bisect.bisect_left(self.headings, token_index, key=lambda h: h.token_index)
        return self.heading_paths[before - 1] if before else ()


def parse_note(source: NoteSource) -> ParsedNote:
    """Parse one note. Never raises, whatever the text: bad Markdown, bad YAML, NUL bytes.

    Line endings are read as markdown-it reads them (``\\r\\n`` and ``\\r`` are line
    breaks), so every token's line range holds in :attr:`ParsedNote.lines`; NUL and lone
    surrogates become U+FFFD.
    """
    text = clean_text(source.text)
    md = parser()
    tokens = md.parse(text)
    diagnostics: list[Diagnostic] = []
    deepest = _too_deep(tokens, md.options["maxNesting"])
    if deepest is not None:
        diagnostics.append(
            Diagnostic(
                source.path,
                deepest,
                "warning",
                f"nested too deeply (more than {md.options['maxNesting']} levels of"
                " blockquotes, callouts and lists, a list level counting twice); what is"
                " deeper is not read: nest less",
            )
        )
    frontmatter: dict[str, Any] = {}
    if tokens and tokens[0].type == "front_matter":
        frontmatter = _load_frontmatter(source.path, tokens[0], diagnostics)
    frontmatter_tags = tuple(_string_list(source.path, frontmatter, ("tags", "tag"), diagnostics))
    inline_tags: list[tuple[int, str]] = []
    embeds: list[EmbedRef] = []
    block_ids: dict[int, str] = {}
    for line, child in inline_children(tokens):
        if child.type == "tag":
            inline_tags.append((line, child.meta["name"]))
        elif child.type == "block_id":
            block_ids[line] = child.meta["id"]
        elif (ref := _embed(child)) is not None:
            embeds.append(EmbedRef(line + 1, ref))
    tags = _unique([*frontmatter_tags, *(name for _line, name in inline_tags)])
    aliases = tuple(_string_list(source.path, frontmatter, ("aliases", "alias"), diagnostics))
    deck = frontmatter.get("deck")
    if deck is not None and not isinstance(deck, str):
        diagnostics.append(_fm_type(source.path, "deck", "a deck name such as Biology::Cells"))
        deck = None
    headings = tuple(_headings(tokens))
    return ParsedNote(
        path=source.path,
        lines=tuple(text.split("\n")),
        tokens=tuple(tokens),
        frontmatter=frontmatter,
        tags=tags,
        aliases=aliases,
        deck=deck.strip() if deck and deck.strip() else None,
        headings=headings,
        heading_paths=tuple(_heading_paths(headings)),
        embeds=tuple(embeds),
        diagnostics=tuple(diagnostics),
        frontmatter_tags=frontmatter_tags,
        inline_tags=tuple(inline_tags),
        block_ids=block_ids,
    )


def _too_deep(tokens: Sequence[Token], limit: int) -> int | None:
    """The 1-based line of the first container at markdown-it's nesting limit, if any.

    markdown-it stops reading blocks nested *limit* deep (its guard against runaway
    recursion), so the user must hear that the content below is not read.
    """
    for token in tokens:
        if token.type in _CONTAINERS and token.level >= limit - 1:
            return (token.map[0] + 1) if token.map else 1
    return None


_CONTAINERS = frozenset(
    {"blockquote_open", "callout_open", "bullet_list_open", "ordered_list_open", "list_item_open"}
)
"""The blocks whose content markdown-it reads one level deeper (a paragraph's does not)."""


def _load_frontmatter(path: str, token: Token, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    try:
        data = _clean_value(_load_yaml(token.content), {})
    except RecursionError:
        diagnostics.append(_bad_yaml(path, 1, "nested too deeply"))
        return {}
    except ValueError as err:  # a well-formed value that is none: "date: 2024-02-30"
        diagnostics.append(_bad_yaml(path, 1, str(err)))
        return {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(err, "problem", None) or "invalid YAML"
        diagnostics.append(_bad_yaml(path, line, problem))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        diagnostics.append(
            Diagnostic(path, 1, "warning", "frontmatter is not a key: value mapping; ignored")
        )
        return {}
    return {str(key): value for key, value in data.items()}


def _load_yaml(text: str) -> Any:
    """The YAML *text*, loaded in C; when that fails, by PyYAML's own loader, whose error
    messages say where and what (libyaml's are vaguer, and its line one lower)."""
    try:
        return yaml.load(text, Loader=_LOADER)
    except (yaml.YAMLError, ValueError, RecursionError):
        return yaml.load(text, Loader=yaml.SafeLoader)


def _bad_yaml(path: str, line: int, problem: str) -> Diagnostic:
    return Diagnostic(
        path,
        line,
        "warning",
        f"frontmatter is not valid YAML ({problem}); it is ignored, the note is still"
        " read: fix the YAML between the --- lines",
    )


def _clean_value(value: Any, done: dict[int, Any]) -> Any:
    """*value* (loaded YAML) with NUL and lone surrogates in its strings as U+FFFD.

    YAML escapes (``"\\ud800"``, ``"\\0"``) make them; a shared or recursive part (an
    alias) is cleaned once and stays shared, so a "billion laughs" costs nothing.
    """
    if isinstance(value, str):
        return replace_unreadable(value)
    if not isinstance(value, list | dict):
        return value
    if id(value) in done:
        return done[id(value)]
    if isinstance(value, list):
        items: list[Any] = []
        done[id(value)] = items
        items.extend(_clean_value(item, done) for item in value)
        return items
    mapping: dict[Any, Any] = {}
    done[id(value)] = mapping
    for key, item in value.items():
        mapping[_clean_value(key, done)] = _clean_value(item, done)
    return mapping


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
        # Only scalars: str() of a nested list of aliases could be astronomically long.
        cleaned = (str(item).strip().lstrip("#").strip() for item in items if _is_scalar(item))
        return [item for item in cleaned if item]
    return []


def _is_scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, list | dict | set)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _embed(child: Token) -> WikiRef | None:
    """What an inline token embeds: an ``![[…]]`` embed or an image of a vault file."""
    if child.type == "embed":
        return WikiRef(embed=True, **child.meta)
    if child.type == "image":
        return markdown_image(child.content, str(child.attrs.get("src", "")))
    return None


def _headings(tokens: Sequence[Token]) -> Iterable[Heading]:
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            inline = tokens[index + 1]
            yield Heading(int(token.tag[1]), inline_text(inline), token.map[0] + 1, index)


def _heading_paths(headings: Sequence[Heading]) -> Iterable[tuple[str, ...]]:
    stack: list[Heading] = []
    for heading in headings:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
        yield tuple(h.text for h in stack)

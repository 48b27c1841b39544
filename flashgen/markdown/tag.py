"""Obsidian tags: ``#tag``, ``#nested/tag``, ``#tag-with_dash``, ``#über``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from flashgen.markdown.inline import starts_word

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# Colours are common in notes about CSS; words like ``#bad`` or ``#cafe`` pay for it.
_HEX_COLOUR_RE = re.compile(r"[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8}")


def tag_plugin(md: MarkdownIt) -> None:
    """Parse Obsidian tags into ``tag`` tokens.

    A tag is ``#`` at the start of the inline content or after whitespace, followed by
    letters, digits, ``_``, ``-`` and ``/``; it needs one non-digit and must not look
    like a hex colour (``#fff``, ``#FF00FF``). The token has ``meta = {"name": ...}``
    (no ``#``), ``content`` = ``#name``, and renders as ``<span class="tag">#name</span>``.
    Code spans and code blocks never contain tags: their rules consume the text first.
    """
    md.inline.ruler.before("link", "tag", _tag_rule)
    md.add_render_rule("tag", _render_tag)


def _tag_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: a tag at ``state.pos``."""
    if not starts_word(state, "#"):
        return False
    found = tag_at(state.src, state.pos, state.posMax)
    if found is None:
        return False
    name, end = found
    if not silent:
        token = state.push("tag", "", 0)
        token.meta = {"name": name}
        token.content = f"#{name}"
        token.markup = "#"
    state.pos = end
    return True


def tag_at(text: str, pos: int = 0, end: int | None = None) -> tuple[str, int] | None:
    """The tag whose ``#`` is at ``text[pos]``, as (name, offset after it), or None.

    The rule of :func:`tag_plugin` but the word start (which the caller checks): tag
    characters up to *end*, one non-digit at least, not a hex colour.
    """
    limit = len(text) if end is None else end
    if text[pos : pos + 1] != "#":
        return None
    stop = pos + 1
    while stop < limit and _is_tag_char(text[stop]):
        stop += 1
    name = text[pos + 1 : stop]
    if not name or name.isdigit() or _HEX_COLOUR_RE.fullmatch(name):
        return None
    return name, stop


def leading_tags(text: str) -> Iterator[tuple[str, int]]:
    """Each tag that starts *text* (blanks between them), as (name, offset after its blanks).

    Only tags standing as words count: followed by a blank or the end of *text*.
    """
    pos = len(text) - len(text.lstrip(" \t"))
    while (found := tag_at(text, pos)) is not None:
        name, stop = found
        if stop < len(text) and not text[stop].isspace():
            return
        pos = stop + len(text[stop:]) - len(text[stop:].lstrip(" \t"))
        yield name, pos


def only_tags(text: str) -> bool:
    """True when *text* is tags and blanks alone (and holds a tag)."""
    ends = [end for _name, end in leading_tags(text)]
    return bool(ends) and ends[-1] == len(text)


def _is_tag_char(char: str) -> bool:
    # Combining marks (category M) keep scripts such as Devanagari in one tag.
    return char.isalnum() or char in "_-/" or unicodedata.category(char).startswith("M")


def _render_tag(
    self: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return f'<span class="tag">{escapeHtml(tokens[idx].content)}</span>'

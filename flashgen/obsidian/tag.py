"""Obsidian tags: ``#tag``, ``#nested/tag``, ``#tag-with_dash``, ``#über``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from flashgen.obsidian.inline import starts_word

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
    src, start = state.src, state.pos
    end = start + 1
    while end < state.posMax and _is_tag_char(src[end]):
        end += 1
    name = src[start + 1 : end]
    if name.isdigit() or not name or _HEX_COLOUR_RE.fullmatch(name):
        return False
    if not silent:
        token = state.push("tag", "", 0)
        token.meta = {"name": name}
        token.content = f"#{name}"
        token.markup = "#"
    state.pos = end
    return True


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

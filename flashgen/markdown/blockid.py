"""Obsidian block ids: ``A paragraph. ^my-id`` names the block for ``[[Note#^my-id]]``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from flashgen.markdown.inline import starts_word

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

_BLOCK_ID_RE = re.compile(r"\^([A-Za-z0-9-]+)")


def block_id_plugin(md: MarkdownIt) -> None:
    """Parse a trailing ``^id`` into a ``block_id`` token with ``meta = {"id": ...}``.

    The id (letters, digits, ``-``) must end the inline content of its block (a
    paragraph, a list item, and also a heading or table cell) and follow whitespace or
    start a line, so ``x^2`` is text and ``$a^b$`` stays math. It renders as nothing,
    and the whitespace before it is dropped.
    """
    md.inline.ruler.before("link", "block_id", _block_id_rule)
    md.add_render_rule("block_id", _render_nothing)


def _block_id_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: a block id at ``state.pos`` that ends the inline content."""
    if not starts_word(state, "^"):
        return False
    src, start = state.src, state.pos
    found = _BLOCK_ID_RE.match(src, start)
    # Inside a link label posMax is the label's end, not the end of the block.
    if found is None or found.end() != len(src) or state.posMax != len(src):
        return False
    if not silent:
        state.pending = state.pending.rstrip()
        if not state.pending and state.tokens and state.tokens[-1].type == "softbreak":
            # An id alone on the last line: the line break before it goes too.
            state.tokens.pop()
            state.tokens_meta.pop()
        token = state.push("block_id", "", 0)
        token.meta = {"id": found[1]}
        token.content = found[1]
        token.markup = "^"
    state.pos = found.end()
    return True


def _render_nothing(
    self: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return ""


def without_block_id(text: str, block_id: str) -> str:
    """*text* without the block id ``^block_id`` (the parser found) that ends it."""
    text = text.rstrip()
    marker = f"^{block_id}"
    if block_id and text.endswith(marker):
        return text[: -len(marker)].rstrip()
    return text

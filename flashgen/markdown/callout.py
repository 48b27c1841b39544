"""Obsidian callouts: blockquotes that open with ``[!type]``, e.g. ``> [!QUESTION]- Why?``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

QUESTION_TYPES = frozenset({"question", "help", "faq"})
"""Callout types Obsidian draws as a question (``help`` and ``faq`` are its aliases)."""

_HEADER_RE = re.compile(r"\[!([\w-]+)\]([-+]?)[ \t]*(.*)")


def callout_plugin(md: MarkdownIt) -> None:
    """Turn blockquotes that open with ``[!type]`` into ``callout_open``/``callout_close``.

    A core rule, run between block and inline parsing, rewrites the blockquote tokens
    (tag ``div``). The open token keeps the blockquote's ``map`` (its first line is the
    header) and gets ``info = type`` and ``meta = {"type", "fold", "title"}``: the type
    lower-cased, the fold marker ``-``, ``+`` or ``""``, the title or ``""``. The header
    line's tokens are removed, so the content starts on the next line.

    A block rule first makes the header line a paragraph of its own, as Obsidian reads
    it: otherwise what cannot interrupt a paragraph (a ``$$`` block, a setext ``---``,
    indented code) would be glued to the header.

    The title is rendered as inline Markdown (``md.renderInline``), so links, math and
    emphasis work as in Obsidian; without a title the capitalised type is shown.
    """
    md.block.ruler.before("table", "callout_header", _header_line_rule)
    md.core.ruler.after("block", "callout", _callout_rule)

    def render_open(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        meta = tokens[idx].meta
        kind = str(meta["type"])
        title = md.renderInline(meta["title"], env) if meta["title"] else kind.capitalize()
        return (
            f'<div class="callout" data-callout="{escapeHtml(kind)}">\n'
            f'<div class="callout-title">{title}</div>\n'
            '<div class="callout-content">\n'
        )

    md.add_render_rule("callout_open", render_open)
    md.add_render_rule("callout_close", _render_close)


def _callout_rule(state: StateCore) -> None:
    """Core rule: rewrite each blockquote whose first line is a callout header."""
    tokens = state.tokens
    out: list[Token] = []
    # One entry per open blockquote: does it close as a callout?
    open_callouts: list[bool] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        out.append(token)
        i += 1
        if token.type == "blockquote_open":
            header = _header(tokens, i)
            open_callouts.append(header is not None)
            if header is not None:
                token.type, token.tag, token.info = "callout_open", "div", header.group(1).lower()
                token.meta = {
                    "type": token.info,
                    "fold": header.group(2),
                    "title": header.group(3).strip(),
                }
                i += 3  # the header paragraph
        elif token.type == "blockquote_close" and open_callouts and open_callouts.pop():
            token.type, token.tag = "callout_close", "div"
    tokens[:] = out


def _header_line_rule(state: StateBlock, line: int, end_line: int, silent: bool) -> bool:
    """Block rule: a callout header, the first line of a blockquote, is its own paragraph."""
    if state.parentType != "blockquote" or state.is_code_block(line):
        return False
    if not state.tokens or state.tokens[-1].type != "blockquote_open":
        return False
    text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].strip()
    if not _HEADER_RE.fullmatch(text):
        return False
    if not silent:
        state.push("paragraph_open", "p", 1).map = [line, line + 1]
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = text, [line, line + 1], []
        state.push("paragraph_close", "p", -1)
    state.line = line + 1
    return True


def _header(tokens: list[Token], i: int) -> re.Match[str] | None:
    """Match the callout header paragraph starting at ``tokens[i]``, if there is one."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open":
        return None
    inline, close = tokens[i + 1], tokens[i + 2]
    if inline.type != "inline" or close.type != "paragraph_close":
        return None
    return _HEADER_RE.fullmatch(inline.content)


def _render_close(
    self: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return "</div>\n</div>\n"

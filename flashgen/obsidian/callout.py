"""Obsidian callouts: blockquotes that open with ``[!type]``, e.g. ``> [!QUESTION]- Why?``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

_HEADER_RE = re.compile(r"\[!([\w-]+)\]([-+]?)[ \t]*(.*)")


def callout_plugin(md: MarkdownIt) -> None:
    """Turn blockquotes that open with ``[!type]`` into ``callout_open``/``callout_close``.

    A core rule, run between block and inline parsing, rewrites the blockquote tokens
    (tag ``div``). The open token keeps the blockquote's ``map`` (its first line is the
    header) and gets ``info = type`` and ``meta = {"type", "fold", "title"}``: the type
    lower-cased, the fold marker ``-``, ``+`` or ``""``, the title or ``""``. The header
    line is taken out of the first paragraph, so the content starts on the next line.

    The title is rendered as inline Markdown (``md.renderInline``), so links, math and
    emphasis work as in Obsidian; without a title the capitalised type is shown.
    """
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
                i += _drop_header_line(tokens, i)
        elif token.type == "blockquote_close" and open_callouts and open_callouts.pop():
            token.type, token.tag = "callout_close", "div"
    tokens[:] = out


def _header(tokens: list[Token], i: int) -> re.Match[str] | None:
    """Match the callout header in the paragraph starting at ``tokens[i]``, if any."""
    if i + 2 >= len(tokens) or tokens[i].type != "paragraph_open":
        return None
    inline, close = tokens[i + 1], tokens[i + 2]
    if inline.type != "inline" or close.type != "paragraph_close":
        return None
    return _HEADER_RE.fullmatch(inline.content.split("\n", 1)[0])


def _drop_header_line(tokens: list[Token], i: int) -> int:
    """Remove the header line from the paragraph at ``tokens[i]``; return tokens to skip."""
    paragraph, inline = tokens[i], tokens[i + 1]
    _, newline, rest = inline.content.partition("\n")
    if not newline:
        return 3
    inline.content = rest.lstrip(" \t")
    for token in (paragraph, inline):
        if token.map is not None:
            token.map = [token.map[0] + 1, token.map[1]]
    return 0


def _render_close(
    self: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return "</div>\n</div>\n"

"""The Obsidian dialect of Markdown, as markdown-it plugins.

:func:`make_parser` gives the parser every stage uses: CommonMark with raw HTML, tables,
strikethrough, YAML front matter, ``$math$``, ``==highlight==``, callouts, wiki-links,
embeds, tags and block ids. Each Obsidian feature is a plugin in its own module.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from mdit_py_plugins.front_matter import front_matter_plugin

from flashgen.obsidian.blockid import block_id_plugin
from flashgen.obsidian.callout import callout_plugin
from flashgen.obsidian.mark import mark_plugin
from flashgen.obsidian.tag import tag_plugin
from flashgen.obsidian.wikilink import (
    IMAGE_EXTENSIONS,
    WikiRef,
    find_wikilinks,
    markdown_image,
    match_wikilink,
    replace_wikilinks,
    wikilink_plugin,
)

__all__ = [
    "IMAGE_EXTENSIONS",
    "WikiRef",
    "block_id_plugin",
    "callout_plugin",
    "find_wikilinks",
    "make_parser",
    "mark_plugin",
    "markdown_image",
    "match_wikilink",
    "replace_wikilinks",
    "tag_plugin",
    "wikilink_plugin",
]


def make_parser() -> MarkdownIt:
    """Return a new Markdown parser for Obsidian notes.

    Inline math needs no space inside its ``$`` and no digit outside them, so a price
    such as ``costs $5 and $10`` stays text; ``$$...$$`` is display math, also inline.
    """
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
        .use(mark_plugin)
        .use(callout_plugin)
        .use(wikilink_plugin)
        .use(tag_plugin)
        .use(block_id_plugin)
    )
    md.inline.ruler.at("math_inline", _math_inline_rule())
    return md


def _math_inline_rule() -> Callable[[StateInline, bool], bool]:
    """dollarmath's inline rule, without its misreading at the start of the content.

    With ``allow_digits=False`` dollarmath rejects an opening ``$`` after a digit by
    reading ``src[pos - 1]``; at position 0 that is ``src[-1]``, the *last* character,
    so ``$x$ is 5`` was not math. At position 0 we run the rule with the digit check
    off and make the remaining check, no digit after the closing ``$``, ourselves.
    """
    strict = math_inline_dollar(allow_space=False, allow_digits=False, allow_double=True)
    at_start = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)

    def rule(state: StateInline, silent: bool) -> bool:
        if state.pos != 0:
            return strict(state, silent)
        if not at_start(state, True):
            return False
        end, state.pos = state.pos, 0
        if state.src[end : end + 1].isdigit():
            return False
        return at_start(state, silent)

    return rule

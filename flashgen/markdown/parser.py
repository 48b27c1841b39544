"""The one Markdown parser: CommonMark with the Obsidian plugins.

:func:`make_parser` gives the parser every stage uses: CommonMark with raw HTML, tables,
strikethrough, YAML front matter, ``$math$``, ``==highlight==``, callouts, wiki-links,
embeds, tags and block ids. Each Obsidian feature is a plugin in its own module of this
folder. :func:`parser` is the shared instance for parsing (renderers that add their own
render rules make their own with :func:`make_parser`).
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from flashgen.markdown.blockid import block_id_plugin
from flashgen.markdown.callout import callout_plugin
from flashgen.markdown.mark import mark_plugin
from flashgen.markdown.math import math_plugin
from flashgen.markdown.tag import tag_plugin
from flashgen.markdown.wikilink import wikilink_plugin


@cache
def parser() -> MarkdownIt:
    """The shared parser (building one is costly; it holds no per-note state)."""
    return make_parser()


def make_parser(*, breaks: bool = False) -> MarkdownIt:
    """Return a new Markdown parser for Obsidian notes.

    Math follows :mod:`.math`: a price such as ``costs $5 and $10`` stays text. With
    *breaks*, a single newline inside a paragraph renders as a line break (``<br>``), as
    Obsidian shows it unless "Strict line breaks" is on; parsing is the same either way.
    """
    md = (
        MarkdownIt("commonmark", {"html": True, "breaks": breaks})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(mark_plugin)
        .use(callout_plugin)
        .use(wikilink_plugin)
        .use(tag_plugin)
        .use(block_id_plugin)
    )
    math_plugin(md)
    return md

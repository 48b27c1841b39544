"""Card Markdown → HTML for Anki fields.

Math becomes MathJax delimiters (``\\(…\\)`` inline, ``\\[…\\]`` display), which Anki
typesets itself; image embeds become ``<img>`` tags naming the packed media file;
wiki-links, note embeds and tags become their text; callouts keep the parser's own
``<div class="callout">`` rendering.  The media names travel in markdown-it's ``env``,
so the one cached parser is never changed after it is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from pathlib import PurePosixPath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from flashgen.markdown.parser import make_parser
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS

_MEDIA_KEY = "flashgen_media_names"
"""Key of the ``env`` entry that carries *media_names* to the render rules."""
_SPECIAL = r"\x00-\x1f\x7f\"#$&*<=>\[\\\]^_`{|}~"
"""Characters that Markdown, an Obsidian plugin or HTML escaping gives a meaning to."""
_PLAIN = re.compile(rf"(?:[^\W\d_](?:[^{_SPECIAL}]*[^\s{_SPECIAL}])?)?")
"""One line of text that renders as itself, as a paragraph or inline: it starts with a
letter (no list, heading, quote, fence or HTML block), ends without a space (which a
paragraph would strip) and holds none of ``_SPECIAL``. Headings and short answers
mostly are such text, and skip the parser."""


def to_html(markdown: str, media_names: Mapping[str, str], *, line_breaks: bool = False) -> str:
    """Render a card's Markdown *markdown* as HTML for an Anki field.

    *media_names* maps each vault-relative image path the card may embed to the name
    of its file in the Anki media folder; an image embed whose target is not in it is
    shown as a visible ``<span class="missing">`` placeholder.  Text is HTML-escaped,
    but raw HTML written in the note is kept as written: the notes are the user's own,
    and HTML is how Obsidian users add what Markdown cannot express (``<sub>``, ``<br>``).
    A single paragraph is returned without its ``<p>``. With *line_breaks*, a single
    newline inside a paragraph is a ``<br>`` (Obsidian's default, "Strict line breaks" off).
    """
    if _PLAIN.fullmatch(markdown):
        return markdown
    html: str = _parser(line_breaks).render(markdown, {_MEDIA_KEY: media_names}).strip("\n")
    # A lone paragraph goes without its <p>, as Anki's editor writes a one-line field.
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def to_inline_html(markdown: str, media_names: Mapping[str, str]) -> str:
    """Render one line of Markdown (a title, a heading) as HTML without a ``<p>`` around it."""
    if _PLAIN.fullmatch(markdown):
        return markdown
    html: str = _parser(False).renderInline(markdown, {_MEDIA_KEY: media_names})
    return html


@cache
def _parser(line_breaks: bool = False) -> MarkdownIt:
    """The Obsidian parser with Anki render rules; built once per *line_breaks*, never
    changed afterwards."""
    md = make_parser(breaks=line_breaks)
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_display)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("math_block_label", _render_math_block)
    md.add_render_rule("embed", _render_embed)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("tag", _render_tag)
    md.add_render_rule("block_id", _render_nothing)
    return md


# Render rules: markdown-it binds each to the renderer, hence the ``self`` argument.
def _render_math_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"\\({escape(tokens[idx].content, quote=False)}\\)"


def _render_math_display(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"\\[{escape(tokens[idx].content.strip(), quote=False)}\\]"


def _render_math_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    math = escape(tokens[idx].content.strip(), quote=False)
    return f'<div class="math">\\[{math}\\]</div>\n'


def _render_embed(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    target = str(_meta(token, "target"))
    media_names: Mapping[str, str] = env.get(_MEDIA_KEY, {})
    if target in media_names:
        size = "".join(
            f' {attr}="{escape(str(value))}"'
            for attr in ("width", "height")
            if (value := _meta(token, attr))
        )
        return f'<img src="{escape(media_names[target])}"{size}>'
    if PurePosixPath(target).suffix.lower() in IMAGE_EXTENSIONS:
        return f'<span class="missing">{escape(PurePosixPath(target).name)}</span>'
    return escape(token.content)


def _render_wikilink(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return escape(tokens[idx].content)


def _render_tag(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return escape(tokens[idx].content)


def _render_nothing(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""


def _meta(token: Token, key: str) -> Any:
    """The token's ``meta[key]``, or ``None``; plugins leave absent parts out or ``None``."""
    return token.meta.get(key) if token.meta else None

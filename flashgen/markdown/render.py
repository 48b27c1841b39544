"""Field HTML: Obsidian Markdown as the HTML of a flashcard's field (an Anki note's).

Math becomes MathJax delimiters (``\\(…\\)`` inline, ``\\[…\\]`` display), which Anki
typesets itself; image embeds become ``<img>`` tags naming the packed media file;
wiki-links, note embeds and tags become their text; block ids nothing; callouts keep the
parser's own ``<div class="callout">`` rendering.

A field is rendered one of two ways, to the same HTML:

- from its Markdown text, once the media names are known (``anki.fields.to_html``:
  parsed, then rendered with :func:`field_parser`);
- from the tokens of the note it is a run of blocks of, while the note is read
  (:func:`render_blocks`): the note is not parsed twice. The media names are not known
  yet, and whether a single newline is a line break is the deck's to say, so each image
  and each soft line break is left as a marker (between NULs, which no note's text
  holds: reading a note turns them into U+FFFD) that :func:`fill` replaces.

What an embed becomes depends on the vault (is the image there?), which this module does
not see: the caller passes a function that says (``sources.context``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from html import escape
from pathlib import PurePosixPath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from flashgen.markdown.parser import make_parser
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS, WikiRef, markdown_image

MEDIA_KEY = "flashgen_media_names"
"""Key of the ``env`` entry that carries the media names to the render rules."""
_EMBED_KEY = "flashgen_embed"
"""Key of the ``env`` entry of a render from a note's tokens: what an embed shows."""

Embedder = Callable[[WikiRef], str]
"""What an embed of the note shows on a card: HTML, with :func:`image_marker` for an image."""

_MARK = "\x00"
_MARK_RE = re.compile("\x00([^\x00]*)\x00")
_SOFT_BREAK = _MARK + _MARK
"""A soft line break, whose HTML the deck's line-break setting decides (see :func:`fill`)."""
_SPECIAL = r"\x00-\x1f\x7f\"#$&*<=>\[\\\]^_`{|}~"
"""Characters that Markdown, an Obsidian plugin or HTML escaping gives a meaning to."""
_PLAIN = re.compile(rf"(?:[^\W\d_](?:[^{_SPECIAL}]*[^\s{_SPECIAL}])?)?")
"""One line of text that renders as itself, as a paragraph or inline: it starts with a
letter (no list, heading, quote, fence or HTML block), ends without a space (which a
paragraph would strip) and holds none of ``_SPECIAL``. Headings and short answers
mostly are such text, and skip the parser."""
_SHOWN_AS_IS = re.compile(r"(?!\d{1,9}[.)](?:\s|$))[^\W_][^\\`*_\[\]!<&$=~^#{}|%\x00-\x1f]*")
"""A link's text that renders as itself wherever a card's Markdown holds it: it starts
with a letter or a digit (no list marker) and holds nothing Markdown, an Obsidian plugin
or HTML reads (``>`` is text but at the start of a line)."""


class Unrenderable(Exception):
    """What a card side shows depends on where its text sits in its Markdown: the side is
    rendered from its Markdown instead (see :func:`render_blocks`)."""


@cache
def field_parser(line_breaks: bool = False) -> MarkdownIt:
    """The Obsidian parser with the field render rules; built once per *line_breaks*
    (a single newline inside a paragraph is then a ``<br>``), never changed afterwards."""
    md = make_parser(breaks=line_breaks)
    for kind, rule in _RULES.items():
        md.add_render_rule(kind, rule)
    return md


def is_plain(markdown: str) -> bool:
    """True for Markdown that renders as itself, as a field or inline (see ``_PLAIN``)."""
    return _PLAIN.fullmatch(markdown) is not None


def lone_paragraph(html: str) -> str:
    """*html* without the ``<p>`` of a lone paragraph, as Anki's editor writes a one-line field."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def render_blocks(tokens: Sequence[Token], embed: Embedder) -> str | None:
    """The field HTML of *tokens*, whole blocks of a note, with markers for :func:`fill`.

    It is what ``anki.fields.to_html`` gives for the Markdown of those blocks, where
    *embed* says what each embed shows as the card's Markdown would (the vault's image,
    a missing one, a note's name). None when a link's or an embed's text would render
    differently there, depending on the text around it (:class:`Unrenderable`).
    """
    md = field_parser()
    try:
        html: str = md.renderer.render(tokens, md.options, {_EMBED_KEY: embed})
    except Unrenderable:
        return None
    return lone_paragraph(html.strip("\n"))


def text_html(text: str) -> str:
    """The HTML of a link's or an embed's *text* in a card's Markdown, where it renders
    as itself; :class:`Unrenderable` elsewhere."""
    if _SHOWN_AS_IS.fullmatch(text) is None:
        raise Unrenderable(text)
    return escapeHtml(text)


def image_marker(path: str, width: int | None, height: int | None) -> str:
    """The marker of the vault image *path* (shown *width* by *height*), for :func:`fill`."""
    return f"{_MARK}{width or ''}|{height or ''}|{path}{_MARK}"


def fill(html: str, media_names: Mapping[str, str], *, line_breaks: bool) -> str:
    """*html* from :func:`render_blocks` with its markers replaced: each image by its
    ``<img>`` (or a missing placeholder when *media_names* has no name for it), each soft
    line break by a newline, or with *line_breaks* a ``<br />`` too."""
    if _MARK not in html:
        return html
    brk = ("<br />\n" if field_parser().options["xhtmlOut"] else "<br>\n") if line_breaks else "\n"

    def replace(found: re.Match[str]) -> str:
        if not found[1]:
            return brk
        width, height, path = found[1].split("|", 2)
        name = media_names.get(path)
        return missing_image(path) if name is None else image_html(name, width, height)

    return _MARK_RE.sub(replace, html)


def image_html(name: str, width: object, height: object) -> str:
    """The ``<img>`` of the media file *name*, with the size given (falsy: none)."""
    size = "".join(
        f' {attr}="{escape(str(value))}"'
        for attr, value in (("width", width), ("height", height))
        if value
    )
    return f'<img src="{escape(name)}"{size}>'


def missing_image(target: str) -> str:
    """The visible placeholder of an image that is not in the deck."""
    return f'<span class="missing">{escape(PurePosixPath(target).name)}</span>'


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
    embed: Embedder | None = env.get(_EMBED_KEY)
    if embed is not None:
        return embed(WikiRef(embed=True, **token.meta))
    target = str(_meta(token, "target"))
    media_names: Mapping[str, str] = env.get(MEDIA_KEY, {})
    if target in media_names:
        return image_html(media_names[target], _meta(token, "width"), _meta(token, "height"))
    if PurePosixPath(target).suffix.lower() in IMAGE_EXTENSIONS:
        return missing_image(target)
    return escape(token.content)


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # From a note's tokens, a Markdown image of a vault file is an embed (as the note's
    # reader takes it); a card's Markdown has it as ``![[…]]`` already.
    embed: Embedder | None = env.get(_EMBED_KEY)
    if embed is not None:
        token = tokens[idx]
        ref = markdown_image(token.content, str(token.attrs.get("src", "")))
        if ref is not None:
            return embed(ref)
    html: str = self.image(tokens, idx, options, env)
    return html


def _render_wikilink(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    if _EMBED_KEY in env:  # a card's Markdown has the link's text in its place
        return text_html(tokens[idx].content)
    return escape(tokens[idx].content)


def _render_tag(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return escape(tokens[idx].content)


def _render_nothing(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""


def _render_paragraph(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # A block id alone in its paragraph names the block above it; Obsidian shows nothing.
    inline = tokens[idx + 1] if tokens[idx].nesting == 1 else tokens[idx - 1]
    children = inline.children
    if children and len(children) == 1 and children[0].type == "block_id":
        return ""
    html: str = self.renderToken(tokens, idx, options, env)
    return html


def _render_softbreak(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    if _EMBED_KEY in env:
        return _SOFT_BREAK
    html: str = self.softbreak(tokens, idx, options, env)
    return html


_RULES = {
    "math_inline": _render_math_inline,
    "math_inline_double": _render_math_display,
    "math_block": _render_math_block,
    "math_block_label": _render_math_block,
    "embed": _render_embed,
    "image": _render_image,
    "wikilink": _render_wikilink,
    "tag": _render_tag,
    "block_id": _render_nothing,
    "softbreak": _render_softbreak,
    "paragraph_open": _render_paragraph,
    "paragraph_close": _render_paragraph,
}
"""The field render rules, by token type."""


def _meta(token: Token, key: str) -> Any:
    """The token's ``meta[key]``, or ``None``; plugins leave absent parts out or ``None``."""
    return token.meta.get(key) if token.meta else None

"""A card side as terminal text: rich's Markdown fed by the Obsidian parser.

Math shows as Unicode where it converts faithfully (:mod:`.texmath`), otherwise as its
TeX, dimmed; image embeds as their vault path (a terminal hyperlink to the file) and,
when images are on, the picture under the paragraph (:mod:`.images`); wiki-links and
tags as their text. HTML shows as the text the note wrote (a terminal runs no script),
and control characters as symbols (see :func:`printable`). Code blocks keep rich's
highlighting by the fence's language and wrap their long lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar, Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown, MarkdownElement

from flashgen.cli.images import ImageBlock, ImageCache
from flashgen.cli.terminal import printable
from flashgen.markdown.parser import make_parser
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS

_IMAGE_TOKEN = "flashgen_image"


@dataclass(frozen=True, slots=True)
class Look:
    """How card sides are drawn, the same for every card of a session."""

    vault_root: Path
    """Absolute vault folder, for image paths."""
    images: ImageCache | None = None
    """Where pictures are decoded; None draws no pictures (``--no-images``, ``--plain``)."""
    line_breaks: bool = True
    """A single newline in a paragraph is a line break (Obsidian's strict line breaks off)."""


class _ImageElement(MarkdownElement):
    """A picture under the paragraph that embeds it."""

    def __init__(self, target: str, path: Path, images: ImageCache) -> None:
        self.target = target
        self.path = path
        self.images = images

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> MarkdownElement:
        look = getattr(markdown, "look", None)
        assert isinstance(look, Look) and look.images is not None
        return cls(token.content, Path(token.meta["path"]), look.images)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield ImageBlock(self.path, self.images, caption=f"image: {self.target}")


class CardMarkdown(Markdown):
    """One card side, drawn with the session's :class:`Look`."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        _IMAGE_TOKEN: _ImageElement,
    }

    def __init__(self, markup: str, look: Look) -> None:
        markup = printable(markup)
        super().__init__(markup, code_theme="ansi_dark")
        self.inlines = {*Markdown.inlines, "math", "math_tex", "mark", "image"}
        self.look = look
        self.parsed = _for_rich(_obsidian_parser().parse(markup), look)


@cache
def _obsidian_parser() -> MarkdownIt:
    return make_parser()


def _for_rich(tokens: Sequence[Token], look: Look) -> list[Token]:
    """Rewrite the Obsidian parser's own tokens into those rich's Markdown draws."""
    result: list[Token] = []
    split = False  # the paragraph was cut at its pictures; its closing token is drawn
    for token in tokens:
        if split and token.type == "paragraph_close":
            split = False
        elif token.type in ("math_block", "math_block_label"):
            result.extend(_display_math(token.content))
        elif token.type == "callout_open":
            title = str(token.meta.get("title") or token.meta.get("type", "note")).strip()
            result.append(_token("blockquote_open", "blockquote", 1))
            result.extend(
                _paragraph(
                    [
                        _token("strong_open", "strong", 1),
                        _text(title),
                        _token("strong_close", "strong", -1),
                    ]
                )
            )
        elif token.type == "callout_close":
            result.append(_token("blockquote_close", "blockquote", -1))
        elif token.type == "html_block":
            result.extend(_paragraph([_text(token.content.strip())]))
        elif token.type == "front_matter":
            continue
        elif token.type == "inline":
            children = _inline_for_rich(token.children or [], look)
            split = bool(result) and result[-1].type == "paragraph_open"
            split = split and any(child.type == _IMAGE_TOKEN for child in children)
            if split:  # pictures break the paragraph where they are embedded
                result.extend(_around_pictures(children, result.pop()))
            else:  # a heading or a table cell has no room for a picture: its path shows
                token.children = [
                    part
                    for child in children
                    for part in (
                        _image_path(child.content, child.meta["path"])
                        if child.type == _IMAGE_TOKEN
                        else [child]
                    )
                ]
                result.append(token)
        else:
            result.append(token)
    return result


def _around_pictures(children: list[Token], opening: Token) -> list[Token]:
    """A paragraph's text in pieces, each picture a block between them."""
    result: list[Token] = []
    piece: list[Token] = []

    def flush() -> None:
        while piece and piece[0].type in ("softbreak", "hardbreak"):
            piece.pop(0)
        while piece and piece[-1].type in ("softbreak", "hardbreak"):
            piece.pop()
        if piece:
            inline = _token("inline", "", content="")
            inline.children = list(piece)
            closing = _token("paragraph_close", "p", -1)
            opened = _token("paragraph_open", "p", 1)
            opened.hidden = closing.hidden = opening.hidden
            result.extend([opened, inline, closing])
        piece.clear()

    for child in children:
        if child.type == _IMAGE_TOKEN:
            flush()
            result.append(child)
        else:
            piece.append(child)
    flush()
    return result


def _image_path(target: str, path: Path) -> list[Token]:
    return [
        _token("link_open", "a", 1, href=path.as_uri()),
        _token("image_path", "image", content=f"image: {target}"),
        _token("link_close", "a", -1),
    ]


def _display_math(tex: str) -> list[Token]:
    """A display formula as an indented Unicode line, or its TeX, dimmed."""
    from flashgen.cli.texmath import tex_to_unicode  # pylatexenc: only for a card with math

    tex = tex.strip()
    text = tex_to_unicode(tex)
    if text is None:
        return _paragraph([_token("math_tex", "math_tex", content=tex)])
    return _paragraph([_text("    "), _token("math_inline", "math", content=text)])


def _inline_math(tex: str) -> Token:
    from flashgen.cli.texmath import tex_to_unicode

    text = tex_to_unicode(tex.strip())
    if text is None:
        return _token("math_tex", "math_tex", content=f"${tex.strip()}$")
    return _token("math_inline", "math", content=text)


def _inline_for_rich(tokens: Sequence[Token], look: Look) -> list[Token]:
    result: list[Token] = []
    for token in tokens:
        if token.type in ("math_inline", "math_inline_double"):
            result.append(_inline_math(token.content))
        elif token.type == "embed":
            target = str(token.meta.get("target", ""))
            if Path(target).suffix.lower() in IMAGE_EXTENSIONS and look.images is not None:
                picture = _token(_IMAGE_TOKEN, "", content=target)
                picture.meta["path"] = look.vault_root / target
                result.append(picture)
            elif Path(target).suffix.lower() in IMAGE_EXTENSIONS:
                result.extend(_image_path(target, look.vault_root / target))
            else:
                result.append(_text(token.content or target))
        elif token.type in ("wikilink", "tag"):
            result.append(_text(token.content))
        elif _is_break(token, look):
            result.append(_token("hardbreak", "br"))
        elif token.type == "html_inline":
            result.append(_text(token.content))  # rich would drop it: show what was written
        elif token.type == "block_id":
            continue
        else:
            result.append(token)
    return result


_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _is_break(token: Token, look: Look) -> bool:
    """A ``<br>``, or a newline inside a paragraph where Obsidian shows those as breaks."""
    if token.type == "softbreak":
        return look.line_breaks
    return token.type == "html_inline" and _BREAK_RE.fullmatch(token.content) is not None


def _token(
    kind: str,
    tag: str,
    nesting: Literal[-1, 0, 1] = 0,
    *,
    content: str = "",
    info: str = "",
    href: str | None = None,
) -> Token:
    token = Token(kind, tag, nesting, content=content, info=info)
    if href is not None:
        token.attrs["href"] = href
    return token


def _text(content: str) -> Token:
    return _token("text", "", content=content)


def _paragraph(children: list[Token]) -> list[Token]:
    inline = _token("inline", "", content="")
    inline.children = children
    return [_token("paragraph_open", "p", 1), inline, _token("paragraph_close", "p", -1)]

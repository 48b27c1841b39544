"""Obsidian wiki-links ``[[Note#Heading|alias]]`` and embeds ``![[image.png|400]]``.

One function, :func:`match_wikilink`, knows the ``[[...]]`` syntax. The markdown-it
plugin uses it on inline content (``wikilink`` and ``embed`` tokens), and
:mod:`flashgen.markdown.source` on raw Markdown source (``replace_wikilinks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

if TYPE_CHECKING:
    from markdown_it.renderer import RendererProtocol
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".avif"}
)
"""Lower-case suffixes (with the dot) of the embeds rendered as ``<img>``."""

_SIZE_RE = re.compile(r"(\d+)(?:x(\d+))?")


@dataclass(frozen=True, slots=True)
class WikiRef:
    """One ``[[...]]`` wiki-link or ``![[...]]`` embed."""

    embed: bool
    """True for ``![[...]]``."""
    target: str
    """The note or file linked to; empty for ``[[#Heading]]`` (the same note)."""
    heading: str | None = None
    """The part after ``#`` (nested headings keep their ``#``), or None."""
    block: str | None = None
    """The block id after ``#^``, without the ``^``, or None."""
    alias: str | None = None
    """The text after ``|``, or None (for embeds, a size is not an alias)."""
    width: int | None = None
    """Embed width from ``|400`` or ``|400x300``; always None for links."""
    height: int | None = None
    """Embed height from ``|400x300``; always None for links."""
    raw: str = ""
    """The original source text, brackets and ``!`` included."""

    @property
    def display(self) -> str:
        """The text Obsidian shows for the link: alias, else ``target > heading``, else target."""
        if self.alias is not None:
            return self.alias
        if self.heading is not None:
            sub = self.heading.replace("#", " > ")
        elif self.block is not None:
            sub = f"^{self.block}"
        else:
            return self.target
        return f"{self.target} > {sub}" if self.target else sub

    @property
    def is_image(self) -> bool:
        """True when the target's extension is one of :data:`IMAGE_EXTENSIONS`."""
        return PurePosixPath(self.target).suffix.lower() in IMAGE_EXTENSIONS

    def meta(self) -> dict[str, Any]:
        """The ``token.meta`` of the ``wikilink`` or ``embed`` token for this reference."""
        meta: dict[str, Any] = {
            "target": self.target,
            "heading": self.heading,
            "block": self.block,
            "alias": self.alias,
        }
        if self.embed:
            meta["width"] = self.width
            meta["height"] = self.height
        return meta


def match_wikilink(text: str, pos: int = 0, end: int | None = None) -> WikiRef | None:
    """Parse the ``[[...]]`` or ``![[...]]`` starting exactly at ``text[pos]``.

    The link must close before *end* (default: the end of *text*) and on the same line.
    Returns None when there is no well-formed link there; ``len(ref.raw)`` is its length.
    """
    limit = len(text) if end is None else end
    embed = text.startswith("![[", pos)
    inner_start = pos + (3 if embed else 2)
    if not embed and not text.startswith("[[", pos):
        return None
    # The link ends before the next line and the next ``[[``; bounding the search by
    # both keeps a line full of ``[[`` linear.
    for stop in ("\n", "[["):
        found = text.find(stop, inner_start, limit)
        limit = limit if found < 0 else found
    close = text.find("]]", inner_start, limit)
    if close < 0:
        return None
    return _parse_inner(text[inner_start:close], embed, text[pos : close + 2])


# Neither part may hold the bracket that opens the next image, so a line of 10,000
# unclosed "![](" is read in linear time.
_MD_IMAGE_RE = re.compile(r"!\[([^\[\]\n]*)\]\((<[^<>\n]+>|[^()\s]+)(?:[ \t]+\"[^\"\n]*\")?\)")
_URL_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_image(alt: str, src: str, raw: str = "") -> WikiRef | None:
    """A Markdown image ``![alt|400](path)`` of a vault file as an embed, or None for a URL.

    Obsidian embeds local files written this way like ``![[path|400]]``: the size goes
    in the alt text after ``|``, and the path may be percent-encoded or in ``<…>``.
    """
    target = unquote(src.strip().removeprefix("<").removesuffix(">"))
    if not target or _URL_SCHEME_RE.match(target) or target.startswith("//"):
        return None
    text, _, size = alt.rpartition("|") if "|" in alt else (alt, "", "")
    dims = _SIZE_RE.fullmatch(size.strip())
    width = int(dims[1]) if dims else None
    height = int(dims[2]) if dims and dims[2] else None
    return WikiRef(
        True, target, alias=(text if dims else alt) or None, width=width, height=height, raw=raw
    )


def match_markdown_image(text: str, pos: int, end: int) -> WikiRef | None:
    """The Markdown image ``![alt](path)`` of a vault file starting at ``text[pos]``, if any."""
    found = _MD_IMAGE_RE.match(text, pos, end)
    return None if found is None else markdown_image(found[1], found[2], found[0])


def _parse_inner(inner: str, embed: bool, raw: str) -> WikiRef | None:
    """Split ``target#heading|alias`` (or ``target#^block``) into a :class:`WikiRef`."""
    link, bar, rest = inner.partition("|")
    # Inside a table Obsidian writes the separator as ``\|``.
    link = link.removesuffix("\\") if bar else link
    target, hash_, sub = link.partition("#")
    target, sub = target.strip(), sub.strip()
    heading = block = None
    if sub.startswith("^"):
        block = sub[1:].strip() or None
    elif hash_:
        heading = sub or None
    if not (target or heading or block):
        return None
    alias = rest.strip() or None
    width = height = None
    size = _SIZE_RE.fullmatch(alias) if embed and alias else None
    if size:
        width = int(size[1])
        height = int(size[2]) if size[2] else None
        alias = None
    return WikiRef(embed, target, heading, block, alias, width, height, raw)


def wikilink_plugin(md: MarkdownIt) -> None:
    """Parse ``[[...]]`` into ``wikilink`` tokens and ``![[...]]`` into ``embed`` tokens.

    Both carry ``meta`` from :meth:`WikiRef.meta` and the display text as ``content``.
    The default renderers show a link as its escaped display text, an image embed as
    ``<img>`` and any other embed as ``<span class="embed">``; exporters override them.
    """
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)

    def render_embed(
        self: RendererProtocol,
        tokens: Sequence[Token],
        idx: int,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        meta = tokens[idx].meta
        target = str(meta["target"])
        if PurePosixPath(target).suffix.lower() not in IMAGE_EXTENSIONS:
            return f'<span class="embed">{escapeHtml(target)}</span>'
        src = escapeHtml(md.normalizeLink(target))
        size = "".join(
            f' {name}="{meta[name]}"' for name in ("width", "height") if meta[name] is not None
        )
        return f'<img src="{src}" alt="{escapeHtml(tokens[idx].content)}"{size}>'

    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("embed", render_embed)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: a wiki-link or embed at ``state.pos``."""
    if state.src[state.pos] not in "[!":
        return False
    ref = match_wikilink(state.src, state.pos, state.posMax)
    if ref is None:
        return False
    if not silent:
        token = state.push("embed" if ref.embed else "wikilink", "", 0)
        token.meta = ref.meta()
        token.content = ref.display
        token.markup = ref.raw
    state.pos += len(ref.raw)
    return True


def _render_wikilink(
    self: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return escapeHtml(tokens[idx].content)


def wikilink_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each wiki-link and embed in *text*, by :func:`match_wikilink`."""
    pos = text.find("[[")
    while pos >= 0:
        start = pos - 1 if pos and text[pos - 1] == "!" else pos
        ref = match_wikilink(text, start)
        if ref is None:
            pos = text.find("[[", pos + 2)
            continue
        yield start, start + len(ref.raw)
        pos = text.find("[[", start + len(ref.raw))

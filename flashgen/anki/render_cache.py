"""Rendering cards' fields, reusing the HTML the render cache kept from the last package.

Rendering the cards' Markdown is most of a package's cost, so each card's rendered fields
are kept in a render cache file by a digest of what they are made from; the next package
renders only the cards that changed. The file is a state file (``build.state``) keyed by
flashgen's version and code and the Markdown parser's versions; when it is missing,
damaged or from another flashgen, every card is rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import markdown_it
import mdit_py_plugins

import flashgen
from flashgen.anki.fields import to_html, to_inline_html
from flashgen.anki.sanitize import sanitize_html
from flashgen.build.cache import code_stamp
from flashgen.build.state import StateError, load_state, save_state
from flashgen.errors import OutputError
from flashgen.model import Card

CONTEXT_SEPARATOR = " \u203a "
"""Between the headings of a card's context (a single right-pointing angle quote)."""


_RENDER_CACHE_FORMAT = "flashgen-render-cache"
"""The ``format`` in a render cache's header."""


_RENDER_CACHE_VERSION = 1
"""The layout of a render cache: body ``{digest of a card's Markdown: its fields' HTML}``."""


def _field_html(
    markdown: str,
    media: Mapping[str, str],
    *,
    inline: bool = False,
    sanitize: bool = False,
    line_breaks: bool = False,
) -> str:
    """The HTML of one field of an exported note (or one heading of its context).

    Every field made from the notes' text is made here, and only here: the place for
    whatever all exported HTML must go through. What it returns is kept in the render
    cache, keyed by ``_render_stamp``: flashgen's own code is in it, but a library called
    here must add its version there.
    """
    if inline:
        html = to_inline_html(markdown, media)
    else:
        html = to_html(markdown, media, line_breaks=line_breaks)
    return sanitize_html(html) if sanitize else html


_MediaItems = tuple[tuple[str, str], ...]
"""A card's media names, as (vault path, media name) pairs."""


@dataclass(slots=True)
class _Renderer:
    """Renders the fields of cards, reusing those the render cache holds."""

    found: Mapping[bytes, object] = field(default_factory=dict)
    """What the render cache held: render key → fields (checked when used)."""
    kept: dict[bytes, tuple[str, ...]] = field(default_factory=dict)
    """Render key → fields, for this package's cards: what the cache holds next."""
    rendered: int = 0
    """Cards rendered this time."""
    headings: dict[tuple[str, _MediaItems], str] = field(default_factory=dict)
    """Context headings rendered this time: the cards of a section share theirs."""
    sanitize: bool = False
    """Whether fields go through :func:`flashgen.sanitize.sanitize_html`."""
    line_breaks: bool = False
    """Whether a single newline inside a paragraph is a line break (see ``to_html``)."""

    def fields(self, card: Card, media: Mapping[str, str]) -> tuple[str, ...]:
        """Front, back and context, then for a comparison its title and others."""
        items = tuple(media.items())
        comparison = card.kind.is_comparison
        what = (
            self.sanitize,
            self.line_breaks,
            comparison,
            card.front,
            card.back,
            card.context,
            card.extra,
            items,
        )
        key = hashlib.blake2b(repr(what).encode(), digest_size=16).digest()
        fields = self.kept.get(key)
        if fields is not None:
            return fields
        found = self.found.get(key)
        if (
            isinstance(found, tuple)
            and len(found) == (5 if comparison else 3)
            and all(isinstance(text, str) for text in found)
        ):
            fields = found
        else:
            fields = self._render(card, media, items, comparison)
            self.rendered += 1
        self.kept[key] = fields
        return fields

    def _render(
        self, card: Card, media: Mapping[str, str], items: _MediaItems, comparison: bool
    ) -> tuple[str, ...]:
        headings = card.context
        if comparison and headings and headings[-1] == card.get("title"):
            headings = headings[:-1]  # the Title field shows it: the comparison's title once
        context = CONTEXT_SEPARATOR.join(self._heading(text, media, items) for text in headings)
        clean, breaks = self.sanitize, self.line_breaks
        front = _field_html(card.front, media, sanitize=clean, line_breaks=breaks)
        back = _field_html(card.back, media, sanitize=clean, line_breaks=breaks)
        if not comparison:
            return (front, back, context)
        title = _field_html(card.get("title"), media, inline=True, sanitize=clean)
        return (front, back, context, title, _field_html(card.get("others"), media, sanitize=clean))

    def _heading(self, text: str, media: Mapping[str, str], items: _MediaItems) -> str:
        html = self.headings.get((text, items))
        if html is None:
            html = self.headings[text, items] = _field_html(
                text, media, inline=True, sanitize=self.sanitize
            )
        return html


def _render_stamp() -> tuple[str, ...]:
    """What rendered HTML depends on besides the Markdown: the code that renders it."""
    return (
        flashgen.__version__,
        code_stamp(),
        markdown_it.__version__,
        mdit_py_plugins.__version__,
    )


def _load_renders(path: Path | None) -> Mapping[bytes, object]:
    """The fields the render cache at *path* holds; none when it is missing or unusable."""
    if path is None:
        return {}
    try:
        header, body = load_state(path)
    except StateError:
        return {}  # the cache is only a shortcut: every card is rendered afresh
    if (
        header.get("format") != _RENDER_CACHE_FORMAT
        or header.get("version") != _RENDER_CACHE_VERSION
        or header.get("stamp") != _render_stamp()
        or not isinstance(body, dict)
    ):
        return {}
    return body


def _save_renders(path: Path, renderer: _Renderer) -> None:
    """Keep the fields of this package's cards at *path*, if they differ from what it held."""
    if renderer.rendered == 0 and len(renderer.kept) == len(renderer.found):
        return
    header = {
        "format": _RENDER_CACHE_FORMAT,
        "version": _RENDER_CACHE_VERSION,
        "stamp": _render_stamp(),
    }
    with suppress(OutputError):  # the package is written; the next one renders more, that's all
        save_state(path, header, renderer.kept)

"""Rendering cards' fields, reusing the HTML the render cache kept from the last package.

Rendering the cards' Markdown is most of a package's cost, so each card's rendered fields
are kept in a render cache file by a digest of what they are made from; the next package
renders only the cards that changed. The file is a state file (``build.state``) keyed by
flashgen's version and code and the Markdown parser's versions; when it is missing,
damaged or from another flashgen, every card is rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import markdown_it
import mdit_py_plugins

import flashgen
from flashgen.anki.fields import to_html, to_inline_html
from flashgen.anki.sanitize import sanitize_html
from flashgen.build.cache import code_stamp
from flashgen.build.parallel import map_chunks
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

    def fields(
        self,
        cards: Sequence[tuple[Card, Mapping[str, str]]],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[tuple[str, ...]]:
        """Each card's front, back and context, then for a comparison its title and others.

        Each card comes with its media names. The cards the cache lacks are rendered, on
        every core for a big batch; *progress* is called with (rendered, to render) as
        chunks finish.
        """
        keys = [self._key(card, media) for card, media in cards]
        missing: dict[bytes, tuple[Card, _MediaItems]] = {}
        for key, (card, media) in zip(keys, cards, strict=True):
            if key not in self.kept and key not in missing:
                found = self._found(key, card)
                if found is None:
                    missing[key] = (card, tuple(media.items()))
                else:
                    self.kept[key] = found
        work = list(missing.values())
        rendered = 0

        def done(count: int) -> None:
            nonlocal rendered
            rendered += count
            if progress is not None:
                progress(rendered, len(work))

        settings = (self.sanitize, self.line_breaks)
        for key, fields in zip(
            missing, map_chunks(_render_chunk, settings, work, done=done), strict=True
        ):
            self.kept[key] = fields
        self.rendered += len(work)
        return [self.kept[key] for key in keys]

    def _key(self, card: Card, media: Mapping[str, str]) -> bytes:
        what = (
            self.sanitize,
            self.line_breaks,
            card.kind.is_comparison,
            card.front,
            card.back,
            card.context,
            card.extra,
            tuple(media.items()),
        )
        return hashlib.blake2b(repr(what).encode(), digest_size=16).digest()

    def _found(self, key: bytes, card: Card) -> tuple[str, ...] | None:
        """The fields the render cache held for *key*, if they are well-formed."""
        found = self.found.get(key)
        if (
            isinstance(found, tuple)
            and len(found) == (5 if card.kind.is_comparison else 3)
            and all(isinstance(text, str) for text in found)
        ):
            return found
        return None

    def _render(self, card: Card, media: Mapping[str, str]) -> tuple[str, ...]:
        items = tuple(media.items())
        comparison = card.kind.is_comparison
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


def _render_chunk(
    settings: tuple[bool, bool], chunk: Sequence[tuple[Card, _MediaItems]]
) -> list[tuple[str, ...]]:
    """Render the fields of each card of *chunk* (in a worker process, or here), with
    *settings* (sanitize, line breaks)."""
    renderer = _Renderer(sanitize=settings[0], line_breaks=settings[1])
    return [renderer._render(card, dict(items)) for card, items in chunk]


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

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
from flashgen.anki.fields import from_blocks, to_html, to_inline_html
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
"""The layout of a render cache: body ``{digest of a card's Markdown (and of the HTML it
brought from its note): its fields' HTML}``."""


def _field_html(
    markdown: str,
    media: Mapping[str, str],
    *,
    inline: bool = False,
    sanitize: bool = False,
    line_breaks: bool = False,
    rendered: str | None = None,
) -> str:
    """The HTML of one field of an exported note (or one heading of its context).

    Every field made from the notes' text is made here, and only here: the place for
    whatever all exported HTML must go through. What it returns is kept in the render
    cache, keyed by ``_render_stamp``: flashgen's own code is in it, but a library called
    here must add its version there. *rendered* is the field's HTML as the card brought
    it from its note's tokens (``Card.html``), if it did: it is not rendered again.
    """
    if rendered is not None:
        html = from_blocks(rendered, media, line_breaks=line_breaks)
    elif inline:
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
        return self._cached(
            self._what(card, items),
            5 if comparison else 3,
            lambda: self._render(card, media, items, comparison),
        )

    def prepare(
        self,
        cards: Sequence[tuple[Card, Mapping[str, str]]],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Render the fields of every card of *cards* (each with its media names) that
        neither this package nor the cache has yet, on every core for a big batch
        (``build.parallel``), so that :meth:`fields` finds them. *progress* is called
        with (cards rendered, cards to render) as chunks finish."""
        missing: dict[bytes, tuple[Card, _MediaItems]] = {}
        for card, media in cards:
            items = tuple(media.items())
            key = _key(self._what(card, items))
            if key not in self.kept and key not in missing and self._found(key, card) is None:
                missing[key] = (card, items)
        work = list(missing.values())
        rendered = 0

        def done(count: int) -> None:
            nonlocal rendered
            rendered += count
            if progress is not None:
                progress(rendered, len(work))

        settings = (self.sanitize, self.line_breaks)
        results = map_chunks(_render_chunk, settings, work, done=done)
        for key, fields in zip(missing, results, strict=True):
            self.kept[key] = fields
        self.rendered += len(work)

    def _what(self, card: Card, items: _MediaItems) -> object:
        """What a card's fields are rendered from (and its render key is a digest of)."""
        return (
            self.sanitize,
            self.line_breaks,
            card.kind.is_comparison,
            card.front,
            card.back,
            card.context,
            card.extra,
            card.html,
            items,
        )

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

    def cloze(
        self, context: tuple[str, ...], text: str, back_extra: str, media: Mapping[str, str]
    ) -> tuple[str, ...]:
        """A cloze note's Text (the Markdown *text*, in Anki's cloze syntax), Back Extra
        and the headings of *context*."""
        items = tuple(media.items())
        what = ("cloze", self.sanitize, self.line_breaks, text, back_extra, context, items)

        def render() -> tuple[str, ...]:
            clean, breaks = self.sanitize, self.line_breaks
            return (
                _field_html(text, media, sanitize=clean, line_breaks=breaks),
                _field_html(back_extra, media, sanitize=clean, line_breaks=breaks),
                self._context(context, media, items),
            )

        return self._cached(what, 3, render)

    def _cached(
        self, what: object, size: int, render: Callable[[], tuple[str, ...]]
    ) -> tuple[str, ...]:
        """The *size* fields rendered from *what*: kept, found in the cache, or rendered."""
        key = _key(what)
        fields = self.kept.get(key)
        if fields is not None:
            return fields
        found = self.found.get(key)
        if (
            isinstance(found, tuple)
            and len(found) == size
            and all(isinstance(text, str) for text in found)
        ):
            fields = found
        else:
            fields = render()
            self.rendered += 1
        self.kept[key] = fields
        return fields

    def _context(
        self, headings: tuple[str, ...], media: Mapping[str, str], items: _MediaItems
    ) -> str:
        return CONTEXT_SEPARATOR.join(self._heading(text, media, items) for text in headings)

    def _render(
        self, card: Card, media: Mapping[str, str], items: _MediaItems, comparison: bool
    ) -> tuple[str, ...]:
        headings = card.context
        if comparison and headings and headings[-1] == card.get("title"):
            headings = headings[:-1]  # the Title field shows it: the comparison's title once
        context = self._context(headings, media, items)
        clean, breaks = self.sanitize, self.line_breaks
        front = _field_html(
            card.front, media, sanitize=clean, line_breaks=breaks, rendered=card.rendered("front")
        )
        back = _field_html(
            card.back, media, sanitize=clean, line_breaks=breaks, rendered=card.rendered("back")
        )
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


def _key(what: object) -> bytes:
    return hashlib.blake2b(repr(what).encode(), digest_size=16).digest()


def _render_chunk(
    settings: tuple[bool, bool], chunk: Sequence[tuple[Card, _MediaItems]]
) -> list[tuple[str, ...]]:
    """Render the fields of each card of *chunk* (in a worker process, or here), with
    *settings* (sanitize, line breaks)."""
    renderer = _Renderer(sanitize=settings[0], line_breaks=settings[1])
    return [
        renderer._render(card, dict(items), items, card.kind.is_comparison) for card, items in chunk
    ]


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

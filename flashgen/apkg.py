"""Cards → an Anki package (``.apkg``); the only module that knows genanki.

Anki matches what it imports by identity, so everything here is stable across builds:
note types by their fixed model ids, notes by their GUID (the card id), decks by a hash
of their name, and media by a name derived from the file's content.  Importing a newer
package therefore updates the notes in place and keeps their review history.

Cards that bring review history from obsidian-spaced-repetition (``sr_due``,
``sr_interval``, ``sr_ease``) are written as review cards with that due day, interval
and ease. Anki keeps this only for cards new to the collection, and only when the import
is asked to ("Import any learning progress"); otherwise they arrive new.

Rendering the cards' Markdown is most of a package's cost, so each card's rendered fields
are kept in a render cache file (``write_apkg``'s *render_cache*) by a digest of what they
are made from; the next package renders only the cards that changed. The file is a state
file (``cache.save_state``) keyed by flashgen's version and code and the Markdown parser's
versions; when it is missing, damaged or from another flashgen, every card is rendered.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import quote

import genanki
import markdown_it
import mdit_py_plugins

import flashgen
from flashgen.cache import StateError, bulk, code_stamp, load_state, save_state
from flashgen.errors import OutputError
from flashgen.files import write_atomic
from flashgen.model import Card, Diagnostic
from flashgen.render import to_html, to_inline_html
from flashgen.sanitize import sanitize_html

QA_MODEL_ID = 1159097102
"""Anki id of the ``flashgen Q/A`` note type; never change it, Anki matches note types by id."""
COMPARISON_MODEL_ID = 1589227826
"""Anki id of the ``flashgen Comparison`` note type; never change it either."""
CONTEXT_SEPARATOR = " \u203a "
"""Between the headings of a card's context (a single right-pointing angle quote)."""
DEFAULT_DECK = "flashgen"
"""Deck of the cards that name none."""

_DECK_IDS = range(1 << 30, 1 << 31)
"""The ids genanki recommends for decks (and models)."""
_ZIP_EPOCH = 315_532_800
"""1980-01-01: zip entries cannot be dated earlier."""
_ZIP_LEVEL = 1
"""Deflate level: 3x as fast as the default 6 on a collection, for a package 12 % larger."""
_UNSAFE_IN_MEDIA_NAME = re.compile(r"[^\w.-]+")
"""Anki rewrites or rejects some characters in media names; keep only the plainest ones."""
_MIN_SR_EASE = 130
"""SM-2's lowest ease, in percent; obsidian-spaced-repetition never goes below it."""
_REVIEW = 2
"""Anki's card type and queue for a card in review (``CARD_TYPE_REV``, ``QUEUE_TYPE_REV``)."""
_RENDER_CACHE_FORMAT = "flashgen-render-cache"
"""The ``format`` in a render cache's header."""
_RENDER_CACHE_VERSION = 1
"""The layout of a render cache: body ``{digest of a card's Markdown: its fields' HTML}``."""
_VANISHED = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
"""What reading an image deleted or replaced since the vault was scanned raises."""
_DAY_COUNTING = {"schedVer": 2, "rollover": 4, "creationOffset": 0}
"""Package settings that fix which day the package's day numbers count from.

On import, Anki moves a review card's due day by (package's day number today) -
(collection's day number today). genanki's collection has no scheduler settings, so
Anki upgrades it and dates its ``crt`` (2014-09-19 11:00 UTC) in the importer's time
zone: day 0 would be 20 September at UTC+13 and beyond (cards due a day late) and
18 September at UTC-12 (a day early).
Declared created in UTC, day 0 is ``crt``'s UTC day everywhere; with both collections
starting their days at 4 am local time, the shift is then a whole number of calendar days.
"""


@dataclass(frozen=True, slots=True)
class ReviewState:
    """A card's review history from obsidian-spaced-repetition, as Anki will schedule it."""

    due: date
    """The day the card is next due, in the user's time zone."""
    interval: int
    """Days between the last review and *due*."""
    ease: int
    """SM-2 ease in percent, such as 290."""


@dataclass(frozen=True, slots=True)
class ApkgSummary:
    """What a written package holds."""

    notes: int
    """Notes (one per card)."""
    decks: int
    """Distinct decks."""
    media: int
    """Distinct media files packed."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Images that could not be read when packing, each shown as missing, by note."""


def write_apkg(
    cards: Sequence[Card],
    out: Path,
    *,
    vault_root: Path,
    vault_name: str,
    timestamp: float,
    render_cache: Path | None = None,
    sanitize_html: bool = False,
) -> ApkgSummary:
    """Write *cards* to the Anki package *out*, replacing it atomically.

    Media paths in the cards are read from *vault_root*; an image that cannot be read
    (deleted since the vault was scanned) is shown as missing, with a warning in the
    summary's diagnostics. *vault_name* builds the ``obsidian://`` links back to each
    card's note; *timestamp* (seconds since the epoch) stamps the notes, and must grow
    between builds for Anki to update imported notes. With *render_cache*, cards whose
    fields that file holds are not rendered again, and the file is updated. With
    *sanitize_html*, scripts, event handlers and ``javascript:`` links are removed from
    the fields (see :mod:`flashgen.sanitize`); by default the notes' HTML is kept.
    Raises ``OutputError`` when the package cannot be written; *out* is then unchanged.
    """
    _check_unique_ids(cards)
    media, unread = _read_media(
        _distinct(path for card in cards for path in card.media), vault_root
    )
    names = {path: name for path, (name, _data) in media.items()}
    files = {name: data for name, data in media.values()}
    with bulk():  # a note, its fields and its tags for each card: none in a cycle
        renderer = _Renderer(found=_load_renders(render_cache), sanitize=sanitize_html)
        decks = _build_decks(cards, names, vault_name, renderer)
        _write_package(genanki.Package(decks), files, out, timestamp, _review_history(cards))
    if render_cache is not None:
        _save_renders(render_cache, renderer)
    return ApkgSummary(
        notes=len(cards),
        decks=len(decks),
        media=len(files),
        diagnostics=_unread_images(cards, unread),
    )


def media_name(path: str, data: bytes, *, digits: int = 10) -> str:
    """The Anki media name of the vault file *path* holding *data*: ``{stem}-{sha1[:10]}{suffix}``.

    Two different files that share a basename get different names; the same content under
    the same basename shares one.
    """
    pure = PurePosixPath(path)
    stem = _safe_name_part(pure.stem)[:60] or "image"
    suffix = _safe_name_part(pure.suffix)
    return f"{stem}-{hashlib.sha1(data).hexdigest()[:digits]}{'.' if suffix else ''}{suffix}"


def anki_tag(tag: str) -> str:
    """An Obsidian tag as an Anki tag: nesting ``a/b`` becomes ``a::b``, spaces ``_``."""
    return "_".join(tag.split()).replace("/", "::")


def deck_id(name: str) -> int:
    """A stable deck id for the deck *name*, in the range genanki accepts."""
    digest = int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big")
    return _DECK_IDS.start + digest % len(_DECK_IDS)


def obsidian_link(note: str, line: int, vault_name: str) -> str:
    """An HTML link that opens *note* in Obsidian, labelled ``note:line``."""
    start, label = _link_parts(note, vault_name)
    return f"{start}{label}:{line}</a>"


def _link_parts(note: str, vault_name: str) -> tuple[str, str]:
    """The opening ``<a href=…>`` of a link to *note*, and its label without the line."""
    file = note.removesuffix(".md")
    href = f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"
    return f'<a href="{escape(href)}">', escape(note)


def review_state(card: Card) -> ReviewState | None:
    """The review history *card* brings from its note, or None when it has none.

    A comment that is malformed, has an interval of 0 or an ease below 130 % is no
    history: the card was never answered, or the comment was edited by hand.
    """
    extra = dict(card.extra)
    if "sr_due" not in extra:
        return None
    try:
        state = ReviewState(
            date.fromisoformat(extra["sr_due"]),
            int(extra.get("sr_interval", "")),
            int(extra.get("sr_ease", "")),
        )
    except ValueError:
        return None
    return state if state.interval > 0 and state.ease >= _MIN_SR_EASE else None


def _check_unique_ids(cards: Sequence[Card]) -> None:
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise ValueError(f"two cards share the id {card.id!r}; card ids must be unique")
        seen.add(card.id)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _safe_name_part(text: str) -> str:
    return _UNSAFE_IN_MEDIA_NAME.sub("_", unicodedata.normalize("NFC", text)).strip("._")


def _read_media(
    paths: Sequence[str], vault_root: Path
) -> tuple[dict[str, tuple[str, bytes]], dict[str, str]]:
    """Map each vault path to its media name and content, and each unreadable one to why."""
    media: dict[str, tuple[str, bytes]] = {}
    unread: dict[str, str] = {}
    taken: dict[str, bytes] = {}
    for path in paths:
        try:
            data = (vault_root / path).read_bytes()
        except _VANISHED:
            unread[path] = f"image {path} vanished during the build; rebuild to include it"
            continue
        except OSError as err:
            unread[path] = (
                f"cannot read image {path} ({err.strerror or err}); it is shown as missing:"
                " make it readable and rebuild"
            )
            continue
        name = media_name(path, data)
        if taken.setdefault(name, data) != data:
            # Ten hex digits of SHA-1 collided: fall back to the whole digest.
            name = media_name(path, data, digits=40)
            taken[name] = data
        media[path] = (name, data)
    return media, unread


def _unread_images(cards: Iterable[Card], unread: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """A warning for each note whose cards embed an image that could not be read."""
    if not unread:
        return ()
    found: dict[tuple[str, str], Diagnostic] = {}
    for card in cards:
        for path in card.media:
            if path in unread and (card.note, path) not in found:
                found[card.note, path] = Diagnostic(card.note, card.line, "warning", unread[path])
    return tuple(sorted(found.values(), key=lambda d: (d.path, d.line, d.message)))


def _build_decks(
    cards: Sequence[Card], media_names: Mapping[str, str], vault_name: str, renderer: _Renderer
) -> list[genanki.Deck]:
    models = {QA_MODEL_ID: _qa_model(), COMPARISON_MODEL_ID: _comparison_model()}
    names = sorted({card.deck or DEFAULT_DECK for card in cards})
    decks: dict[str, genanki.Deck] = {}
    used_ids: set[int] = set()
    for name in names:
        did = deck_id(name)
        while did in used_ids:  # two names hashed alike: probe, in name order, so it is stable
            did = _DECK_IDS.start + (did + 1 - _DECK_IDS.start) % len(_DECK_IDS)
        used_ids.add(did)
        decks[name] = genanki.Deck(did, name)
    links: dict[str, tuple[str, str]] = {}
    tags: dict[tuple[str, ...], list[str]] = {}
    for card in cards:
        own_media = {path: media_names[path] for path in card.media if path in media_names}
        rendered = renderer.fields(card, own_media)
        start, label = links.get(card.note) or links.setdefault(
            card.note, _link_parts(card.note, vault_name)
        )
        source = f"{start}{label}:{card.line}</a>"
        if card.kind.startswith("comparison"):
            front, back, context, title, others = rendered
            fields = [front, back, title, others, context, source, card.id]
            model = models[COMPARISON_MODEL_ID]
        else:
            fields = [*rendered, source, card.id]
            model = models[QA_MODEL_ID]
        if card.tags not in tags:
            tags[card.tags] = _distinct(tag for tag in map(anki_tag, card.tags) if tag)
        note = _Note(model=model, fields=fields, tags=tags[card.tags], guid=card.id)
        decks[card.deck or DEFAULT_DECK].add_note(note)
    return list(decks.values())


class _Note(genanki.Note):  # type: ignore[misc]  # genanki has no type hints
    """A genanki note that skips genanki's check of its fields' HTML.

    The check only warns, about HTML that notes may well hold (see ``_write_collection``),
    and costs a regular expression over every field of every note of every package.
    """

    def _check_invalid_html_tags_in_fields(self) -> None:
        pass


def _field_html(
    markdown: str, media: Mapping[str, str], *, inline: bool = False, sanitize: bool = False
) -> str:
    """The HTML of one field of an exported note (or one heading of its context).

    Every field made from the notes' text is made here, and only here: the place for
    whatever all exported HTML must go through. What it returns is kept in the render
    cache, keyed by ``_render_stamp``: flashgen's own code is in it, but a library called
    here must add its version there.
    """
    html = to_inline_html(markdown, media) if inline else to_html(markdown, media)
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

    def fields(self, card: Card, media: Mapping[str, str]) -> tuple[str, ...]:
        """Front, back and context, then for a comparison its title and others."""
        items = tuple(media.items())
        comparison = card.kind.startswith("comparison")
        what = (self.sanitize, comparison, card.front, card.back, card.context, card.extra, items)
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
        context = CONTEXT_SEPARATOR.join(self._heading(text, media, items) for text in card.context)
        clean = self.sanitize
        front = _field_html(card.front, media, sanitize=clean)
        back = _field_html(card.back, media, sanitize=clean)
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


def _write_package(
    package: genanki.Package,
    media: Mapping[str, bytes],
    out: Path,
    timestamp: float,
    history: Mapping[str, ReviewState],
) -> None:
    """Build the collection in a temporary SQLite file, then zip it atomically onto *out*."""
    db_name: str | None = None
    try:
        db_fd, db_name = tempfile.mkstemp(prefix="flashgen-", suffix=".anki2")
        os.close(db_fd)
        _write_collection(package, db_name, timestamp, history)
        write_atomic(out, lambda file: _write_zip(file, db_name or "", media, timestamp))
    except OSError as err:
        raise OutputError(f"cannot write {out}: {err.strerror or err}") from err
    except sqlite3.Error as err:
        raise OutputError(f"cannot write {out}: {err}") from err
    finally:
        if db_name is not None:
            with suppress(OSError):
                os.unlink(db_name)


def _write_collection(
    package: genanki.Package, db_name: str, timestamp: float, history: Mapping[str, ReviewState]
) -> None:
    """Write the package's collection to *db_name*, with *history* (card id → state)."""
    with closing(sqlite3.connect(db_name)) as conn:
        with warnings.catch_warnings():
            # genanki flags raw HTML it does not recognise; notes may hold any HTML.
            warnings.filterwarnings("ignore", message="^Field contained", module="genanki")
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        if history:
            _set_day_counting(conn)
            _schedule_reviews(conn, history)
        conn.commit()


def _review_history(cards: Iterable[Card]) -> dict[str, ReviewState]:
    """Card id → review state, for the cards that have one."""
    return {card.id: state for card in cards if (state := review_state(card)) is not None}


def _set_day_counting(conn: sqlite3.Connection) -> None:
    """Give the package collection the settings ``_DAY_COUNTING``."""
    (conf,) = conn.execute("select conf from col").fetchone()
    conn.execute("update col set conf = ?", (json.dumps({**json.loads(conf), **_DAY_COUNTING}),))


def _creation_day(conn: sqlite3.Connection) -> date:
    """The package collection's day 0, from which review cards count their due day."""
    (crt,) = conn.execute("select crt from col").fetchone()
    return datetime.fromtimestamp(crt, UTC).date()


def _schedule_reviews(conn: sqlite3.Connection, history: Mapping[str, ReviewState]) -> None:
    """Make the card of each note whose GUID is in *history* a review card in that state."""
    day0 = _creation_day(conn)
    conn.executemany(
        "update cards set type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = 1"
        " where nid in (select id from notes where guid = ?)",
        [
            (_REVIEW, _REVIEW, (state.due - day0).days, state.interval, state.ease * 10, guid)
            for guid, state in history.items()
        ],
    )


def _write_zip(file: IO[bytes], db_name: str, media: Mapping[str, bytes], timestamp: float) -> None:
    # The package lists media as {"0": name, ...} and stores each file as its number.
    names = json.dumps({str(i): name for i, name in enumerate(media)}).encode()
    entries = [("collection.anki2", Path(db_name).read_bytes()), ("media", names)]
    entries += [(str(i), data) for i, data in enumerate(media.values())]
    with zipfile.ZipFile(file, "w") as archive:
        for name, data in entries:
            archive.writestr(_entry(name, timestamp), data, compresslevel=_ZIP_LEVEL)


def _entry(name: str, timestamp: float) -> zipfile.ZipInfo:
    """A compressed zip entry dated *timestamp*, so equal builds give equal bytes."""
    entry = zipfile.ZipInfo(name, date_time=time.gmtime(max(timestamp, _ZIP_EPOCH))[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


_CSS = """\
.card {
  --fg-text: #1f2328;
  --fg-muted: #6e7781;
  --fg-accent: #0969da;
  --fg-rule: #d0d7de;
  --fg-soft: #f6f8fa;
  --fg-mark: #fff8c5;
  font-family: -apple-system, "Segoe UI", system-ui, Roboto, "Helvetica Neue", sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: var(--fg-text);
  background-color: #ffffff;
  max-width: 42em;
  margin: 0 auto;
  padding: 0.5em 1em;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --fg-text: #e6edf3;
  --fg-muted: #8d96a0;
  --fg-accent: #4493f8;
  --fg-rule: #3d444d;
  --fg-soft: #262c36;
  --fg-mark: #5c4a00;
  background-color: #1e2228;
}
.fg-context { font-size: 0.7em; color: var(--fg-muted); margin-bottom: 0.6em; }
.fg-title { font-size: 0.8em; font-weight: 600; color: var(--fg-accent); }
.fg-others { font-size: 0.75em; color: var(--fg-muted); margin: 0.2em 0 0.8em; }
.fg-others p, .fg-others ul { display: inline; margin: 0; padding: 0; }
.fg-others li { display: inline; }
.fg-others li + li::before { content: " · "; }
.fg-source { font-size: 0.6em; color: var(--fg-muted); margin-top: 1.5em; }
.fg-source a { color: inherit; }
hr#answer { border: none; border-top: 1px solid var(--fg-rule); margin: 1em 0; }
p:first-child { margin-top: 0; }
p:last-child { margin-bottom: 0; }
a { color: var(--fg-accent); }
img { max-width: 100%; height: auto; }
mark { background-color: var(--fg-mark); color: inherit; padding: 0 0.15em; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.85em;
  background-color: var(--fg-soft); border-radius: 4px; padding: 0.1em 0.3em; }
pre { background-color: var(--fg-soft); border-radius: 6px; padding: 0.7em 1em; overflow-x: auto; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--fg-rule); padding: 0.3em 0.6em; }
th { background-color: var(--fg-soft); }
blockquote { margin: 0.5em 0; padding-left: 1em; border-left: 3px solid var(--fg-rule);
  color: var(--fg-muted); }
.callout { margin: 0.6em 0; padding: 0.5em 0.8em; border-left: 4px solid var(--fg-accent);
  border-radius: 4px; background-color: var(--fg-soft); }
.callout-title { font-weight: 600; margin-bottom: 0.2em; }
.missing { color: #cf222e; border: 1px dashed currentColor; border-radius: 4px;
  padding: 0 0.3em; font-size: 0.8em; }
.missing::before { content: "missing image: "; }
"""

_QA_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
<div class="fg-front">{{Front}}</div>"""

_QA_BACK = """\
{{FrontSide}}
<hr id=answer>
<div class="fg-back">{{Back}}</div>
<div class="fg-source">{{Source}}</div>"""

_COMPARISON_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
{{#Title}}<div class="fg-title">{{Title}}</div>{{/Title}}
{{#Others}}<div class="fg-others">compared with {{Others}}</div>{{/Others}}
<div class="fg-front">{{Front}}</div>"""


def _qa_model() -> genanki.Model:
    return genanki.Model(
        QA_MODEL_ID,
        "flashgen Q/A",
        fields=[{"name": name} for name in ("Front", "Back", "Context", "Source", "Id")],
        templates=[{"name": "Card 1", "qfmt": _QA_FRONT, "afmt": _QA_BACK}],
        css=_CSS,
    )


def _comparison_model() -> genanki.Model:
    # Front comes first: Anki flags notes whose first field repeats as duplicates, and
    # the items of one comparison all share its title.
    names = ("Front", "Back", "Title", "Others", "Context", "Source", "Id")
    return genanki.Model(
        COMPARISON_MODEL_ID,
        "flashgen Comparison",
        fields=[{"name": name} for name in names],
        templates=[{"name": "Item", "qfmt": _COMPARISON_FRONT, "afmt": _QA_BACK}],
        css=_CSS,
    )

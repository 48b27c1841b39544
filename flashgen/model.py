"""The data every stage shares: diagnostics, card kinds, review history and the card model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Literal

Severity = Literal["warning", "error"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a note, reported as ``path:line: severity: message``."""

    path: str
    """Vault-relative POSIX path of the file (or ``flashgen.yaml``)."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    severity: Severity
    """``warning`` keeps the build going; ``error`` makes it exit 1."""
    message: str
    """What is wrong and how to fix it."""
    minor: bool = False
    """True for a problem that changes no card (an image missing from a note's text but
    from none of its cards): ``flashgen check`` lists it, a build only counts it."""

    def format(self, prefix: str = "") -> str:
        """Render as ``prefix/path:line: severity: message``."""
        location = f"{prefix}{self.path}" + (f":{self.line}" if self.line else "")
        return f"{location}: {self.severity}: {self.message}"


class CardKind(StrEnum):
    """Where a card came from, and so how it is shown."""

    QA = "qa"
    """A question callout: title (or first paragraph) → body."""
    BASIC = "basic"
    """A spaced-repetition or Obsidian_to_Anki card: front → back."""
    REVERSED = "reversed"
    """The reverse of a two-way card: back → front."""
    CLOZE = "cloze"
    """A passage with one deletion (or one numbered group) hidden."""
    COMPARISON_ITEM = "comparison-item"
    """What characterises one item of a comparison."""
    COMPARISON_WHICH = "comparison-which"
    """Which item of a comparison a fact belongs to."""
    COMPARISON_DIFFERENCE = "comparison-difference"
    """The difference between the things a prose-only comparison compares."""

    @property
    def is_comparison(self) -> bool:
        """True for the kinds made from comparison sections."""
        return self.value.startswith("comparison")


@dataclass(frozen=True, slots=True)
class SrHistory:
    """Review history obsidian-spaced-repetition wrote after a card: ``<!--SR:!due,ivl,ease-->``."""

    due: date
    """The day the card is next due, in the user's time zone."""
    interval: int
    """Days between the last review and *due* (at least 1)."""
    ease: int
    """SM-2 ease in percent, such as 290 (at least :attr:`MIN_EASE`)."""

    MIN_EASE: ClassVar[int] = 130
    """SM-2's lowest ease, in percent; the plugin never goes below it."""

    @classmethod
    def parse(cls, due: str, interval: str, ease: str) -> SrHistory | None:
        """The history a comment's ``due,interval,ease`` group gives, or None when it is none.

        A malformed group, an interval of 0 or an ease below 130 % is no history: the
        card was never answered, or the comment was edited by hand.
        """
        try:
            history = cls(date.fromisoformat(due), int(interval), int(ease))
        except ValueError:
            return None
        return history if history.interval > 0 and history.ease >= cls.MIN_EASE else None


Record = tuple[Any, ...]
Brief = tuple[str, str, int, str, str, str, tuple[str, ...]]
"""A card's id, note, line, kind, front, deck and media (see :meth:`Card.brief`)."""
"""A card as a tuple of plain values (strings, numbers, tuples), for state files."""


@dataclass(frozen=True, slots=True)
class Card:
    """One flashcard, whatever syntax it came from."""

    id: str
    """Stable identity: survives edits; the Anki GUID and the review-store key."""
    kind: CardKind
    """Where it came from (see :class:`CardKind`)."""
    front: str
    """Question side, Markdown source; wiki-links shown as their display text."""
    back: str
    """Answer side, Markdown source; embeds rewritten to vault-relative paths."""
    note: str
    """Vault-relative POSIX path of the note the card came from."""
    line: int
    """1-based line of the card's first line in the note."""
    context: tuple[str, ...] = ()
    """Heading path above the card, outermost first."""
    tags: tuple[str, ...] = ()
    """Obsidian tags of the note and the card, without ``#``."""
    deck: str = ""
    """Anki deck name, ``::``-separated."""
    media: tuple[str, ...] = ()
    """Vault-relative paths of the images the card embeds."""
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Kind-specific fields (e.g. a comparison's ``title`` and ``others``)."""
    history: SrHistory | None = None
    """Review history the note carries for the card (obsidian-spaced-repetition)."""
    family: str = ""
    """Shared by the cards of one source block, which are siblings: the deletions of one
    cloze passage, a card and its reverse, the cards of one comparison section. Set by
    the sources from the note and the block; the same within a build, not across edits
    (it is no identity). ``""``: the card has no siblings."""
    html: tuple[str, ...] = field(default=(), repr=False)
    """``(front, back)``: the HTML of the sides rendered from the note's tokens as it was
    read (see :mod:`flashgen.markdown.render`), which the deck fills in with images and
    line breaks rather than render their Markdown again; ``""`` for a side rendered from
    its Markdown, and ``()`` for a card with neither."""
    key: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """What identifies the card within its note; the identity stage derives ``id`` from it."""

    def get(self, key: str, default: str = "") -> str:
        """Return the kind-specific field *key*."""
        return dict(self.extra).get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with the keys ``flashgen cards --json`` promises."""
        return Card.dict_of(self.to_record())

    @staticmethod
    def dict_of(record: Record) -> dict[str, Any]:
        """The :meth:`to_dict` of the card *record* holds (see :meth:`to_record`), without
        making the card; ``ValueError`` when *record* is not a card's."""
        _check_record(record)
        card_id, kind, front, back, note, line, context, tags, deck, media, extra, sr = record[:12]
        try:
            return {
                "id": card_id,
                "kind": kind,
                "front": front,
                "back": back,
                "note": note,
                "line": line,
                "context": list(context),
                "tags": list(tags),
                "deck": deck,
                "media": list(media),
                **dict(extra),
                **(
                    {}
                    if sr is None
                    else {"sr_due": sr[0], "sr_interval": str(sr[1]), "sr_ease": str(sr[2])}
                ),
            }
        except (TypeError, ValueError, IndexError) as err:
            raise ValueError("a card record field has the wrong type") from err

    def content(self) -> Record:
        """What the card shows and where it is, as plain values: every field but id and key."""
        history = self.history
        return (
            self.kind.value,
            self.front,
            self.back,
            self.note,
            self.line,
            self.context,
            self.tags,
            self.deck,
            self.media,
            self.extra,
            None if history is None else (history.due.isoformat(), history.interval, history.ease),
            self.family,
            self.html,
        )

    def rendered(self, side: str) -> str | None:
        """The HTML of *side* (``"front"`` or ``"back"``) rendered from the note, if any."""
        if not self.html:
            return None
        return self.html[side == "back"] or None

    def brief(self) -> Brief:
        """``(id, note, line, kind, front, deck, media)``: what a report of changes and a
        deck's list of decks need of a card."""
        return (self.id, self.note, self.line, self.kind.value, self.front, self.deck, self.media)

    @staticmethod
    def brief_of(record: Record) -> Brief:
        """The :meth:`brief` of the card *record* holds (see :meth:`to_record`), without
        making the card; ``ValueError`` when *record* is not a card's."""
        _check_record(record)
        card_id, kind, front, _back, note, line, _context, _tags, deck, media = record[:10]
        if not (
            _all_str(card_id, front, note, deck) and isinstance(line, int) and _str_tuple(media)
        ):
            raise ValueError("a card record field has the wrong type")
        if kind not in _KINDS:
            raise ValueError("a card record's kind is unknown")
        return (card_id, note, line, kind, front, deck, media)

    @staticmethod
    def for_matching(record: Record) -> Card:
        """The card *record* holds with only what identity matching reads of it (id, kind,
        front, back, note, line, key), without making the whole card; ``ValueError`` when
        *record* is not a card's."""
        _check_record(record)
        card_id, kind, front, back, note, line = record[:6]
        key = record[-1]
        if not (_all_str(card_id, front, back, note) and isinstance(line, int) and _str_tuple(key)):
            raise ValueError("a card record field has the wrong type")
        if kind not in _KINDS:
            raise ValueError("a card record's kind is unknown")
        return Card(card_id, CardKind(kind), front, back, note, line, key=key)

    def to_record(self) -> Record:
        """The card as plain values: ``(id, *content(), key)``; :meth:`from_record` reads it."""
        return (self.id, *self.content(), self.key)

    @classmethod
    def from_record(cls, record: Record) -> Card:
        """The card :meth:`to_record` made; ``ValueError`` when *record* is not one.

        A record of a flashgen that rendered no side from the note (one value fewer, as
        the id ledger may keep it) is read too.
        """
        _check_record(record)
        if len(record) < max(_RECORD_LENGTHS):
            record = (*record[:-1], (), record[-1])
        (
            card_id,
            kind,
            front,
            back,
            note,
            line,
            context,
            tags,
            deck,
            media,
            extra,
            sr,
            family,
            html,
            key,
        ) = record
        if not (
            _all_str(card_id, front, back, note, deck, family)
            and isinstance(line, int)
            and _str_tuple(context)
            and _str_tuple(tags)
            and _str_tuple(media)
            and _str_tuple(key)
            and _str_pairs(extra)
            and _str_tuple(html)
            and len(html) in (0, 2)
        ):
            raise ValueError("a card record field has the wrong type")
        history = None
        if sr is not None:
            if not (isinstance(sr, tuple) and len(sr) == 3):
                raise ValueError("a card record's history is malformed")
            history = SrHistory(date.fromisoformat(sr[0]), int(sr[1]), int(sr[2]))
        return cls(
            card_id,
            CardKind(kind),
            front,
            back,
            note,
            line,
            context,
            tags,
            deck,
            media,
            extra,
            history,
            family,
            html,
            key,
        )


_RECORD_LENGTHS = (14, 15)
"""The lengths of a card record: without :attr:`Card.html` (flashgen before it), with it."""
_KINDS = frozenset(kind.value for kind in CardKind)


def _check_record(record: object) -> None:
    """Raise ``ValueError`` unless *record* has the shape of a :meth:`Card.to_record`."""
    if not isinstance(record, tuple) or len(record) not in _RECORD_LENGTHS:
        raise ValueError("not a card record")


def _all_str(*values: object) -> bool:
    return all(isinstance(value, str) for value in values)


def _str_pairs(value: object) -> bool:
    return isinstance(value, tuple) and all(
        isinstance(pair, tuple) and len(pair) == 2 and _all_str(*pair) for pair in value
    )


def _str_tuple(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(item, str) for item in value)

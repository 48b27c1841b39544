"""A quiz session: which card comes next, answers, undo and the closing summary.

No input, output or clock here: the terminal layer asks :class:`QuizSession` for the
next card, shows it, and passes the rating and the time in. Every answer goes straight
to the review store, so the session itself holds nothing that a crash could lose.

Order, as in Anki: learning cards that are due, then due review cards (oldest due
first), then new cards (in note order, at most ``new_limit`` per session), then learning
cards due within :data:`LEARN_AHEAD`, so that a card failed a minute ago comes back
before the session ends.

Siblings (cards of one ``Card.family``: a cloze passage's deletions, a card and its
reverse, a comparison's cards, an Obsidian_to_Anki block) are kept apart: the next card
is never a sibling of the one before while another card can come instead. And, as Anki
buries them, new siblings of a card answered today wait until tomorrow.

The queue holds what ordering needs of each card, its id and family; given a
:class:`Lineup`, the session decodes a card only when it shows it, and reads from the
store only which cards it knows and when the due ones are due.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from flashgen.model import Card
from flashgen.review.scheduler import CardState, Phase, Rating, utc
from flashgen.review.store import Due, Preview, Review, ReviewStore

DEFAULT_NEW_LIMIT = 20
"""New cards shown per session unless ``--new`` says otherwise."""

LEARN_AHEAD = timedelta(minutes=20)
"""When nothing else is left, learning cards due this soon are shown early (Anki's default)."""


@dataclass(frozen=True, slots=True)
class CardFilter:
    """Which cards a session takes; an empty field lets every card through."""

    decks: tuple[str, ...] = ()
    """Deck names, any case, ``::`` or ``/`` between levels; a deck also takes its subdecks
    (``A`` takes ``A::B``), and a name may leave out the decks above it: ``Physics`` is
    ``Vault::Physics``, and ``Waves`` is ``Vault::Physics::Waves``."""
    tags: tuple[str, ...] = ()
    """Tags, with or without ``#``, any case; a tag also takes its children (``a`` takes
    ``a/b``), and may leave out its parents (``b`` is ``a/b``)."""
    notes: tuple[str, ...] = ()
    """Note paths (``.md`` optional), folders, or glob patterns such as ``Math/*``."""

    def matches(self, card: Card) -> bool:
        """True when *card* passes every non-empty field (any value of a field will do)."""
        return (
            (not self.decks or any(_deck_matches(card.deck, deck) for deck in self.decks))
            and (not self.tags or any(_tag_matches(card.tags, tag) for tag in self.tags))
            and (not self.notes or any(_note_matches(card.note, note) for note in self.notes))
        )

    def select(self, cards: Iterable[Card]) -> list[Card]:
        """The cards that match, in their order."""
        return [card for card in cards if self.matches(card)]

    def unmatched(self, cards: Sequence[Card]) -> list[str]:
        """A line for each ``--deck`` or ``--tag`` value that names nothing in *cards*,
        with the closest names there are."""
        decks = sorted({card.deck for card in cards})
        tags = sorted({tag for card in cards for tag in card.tags})
        lines = [
            _no_such("deck", wanted, decks, "::")
            for wanted in self.decks
            if not any(_deck_matches(deck, wanted) for deck in decks)
        ]
        lines += [
            _no_such("tag", wanted, tags, "/")
            for wanted in self.tags
            if not _tag_matches(tags, wanted)
        ]
        return lines


def _levels(name: str, separator: str) -> list[str]:
    """A deck or tag name's levels, folded: ``Vault::Physics`` → ``["vault", "physics"]``."""
    cleaned = name.strip().lstrip("#").casefold().replace("/", separator)
    return [level.strip() for level in cleaned.split(separator) if level.strip()]


def _names(name: str, wanted: str, separator: str) -> bool:
    """True when *wanted* names *name* or a parent of it, leaving out any levels above."""
    levels, sought = _levels(name, separator), _levels(wanted, separator)
    return bool(sought) and any(
        levels[start : start + len(sought)] == sought for start in range(len(levels))
    )


def _deck_matches(deck: str, wanted: str) -> bool:
    return _names(deck, wanted, "::")


def _tag_matches(tags: Sequence[str], wanted: str) -> bool:
    return any(_names(tag, wanted, "/") for tag in tags)


def _no_such(kind: str, wanted: str, names: Sequence[str], separator: str) -> str:
    """``no deck 'Physcs'; the closest: Vault::Physics, Vault::Physiology``."""
    # Compare with each name and each of its tails, so "Physcs" finds "Vault::Physics".
    tails = {
        separator.join(_levels(name, separator)[start:]): name
        for name in names
        for start in range(len(_levels(name, separator)))
    }
    sought = separator.join(_levels(wanted, separator))
    close = difflib.get_close_matches(sought, list(tails), n=8, cutoff=0.6)
    closest = list(dict.fromkeys(tails[tail] for tail in close))[:3]
    if not closest:
        closest = list(names[:3])
    shown = ", ".join(closest) if closest else "none"
    return f"no {kind} '{wanted}' among the cards; the closest: {shown}"


def _note_matches(note: str, wanted: str) -> bool:
    wanted = wanted.strip().strip("/")
    if any(char in wanted for char in "*?["):
        return fnmatch.fnmatchcase(note, wanted) or fnmatch.fnmatchcase(note, wanted + ".md")
    return note in (wanted, wanted + ".md") or note.startswith(wanted + "/")


@dataclass(frozen=True, slots=True)
class Lineup:
    """A session's cards by id and family, in note order, and how to get a card whole.

    The session asks for a card only when it shows it, so a big vault's cards need not
    all be decoded before the first one is on screen.
    """

    ids: Sequence[str]
    """Each card's id, in note order."""
    families: Sequence[str]
    """Each card's ``Card.family``, in the same order (``""``: no siblings)."""
    card: Callable[[int], Card]
    """The card at a position of :attr:`ids`."""

    @classmethod
    def of(cls, cards: Sequence[Card]) -> Lineup:
        """The lineup of cards already at hand."""
        return cls([card.id for card in cards], [card.family for card in cards], cards.__getitem__)


@dataclass(frozen=True, slots=True)
class Progress:
    """What the header line shows."""

    due: int
    """Cards seen before still to come this session (due reviews and learning steps)."""
    new: int
    """New cards still to come this session."""
    done: int
    """Answers given this session."""


@dataclass(frozen=True, slots=True)
class Summary:
    """The end of a session."""

    reviewed: int
    """Answers given (undone ones not counted)."""
    ratings: tuple[tuple[Rating, int], ...]
    """Answers per rating, every rating listed."""
    time_spent: timedelta
    """Time from showing a card to answering it, summed."""
    next_due: datetime | None
    """When the earliest of the session's cards is next due; None if none was ever answered."""
    new_waiting: int
    """New cards left out by the new-card limit (or not reached)."""
    buried: int = 0
    """New cards held back until tomorrow: siblings of cards answered today."""


@dataclass(frozen=True, slots=True)
class _Answered:
    card: Card
    review: Review
    buried: tuple[int, ...] = ()
    """New siblings this answer held back, by position (an undo brings them back)."""


class QuizSession:
    """The queue of one quiz session over a review store."""

    def __init__(
        self,
        store: ReviewStore,
        cards: Sequence[Card] | Lineup,
        now: datetime,
        *,
        new_limit: int = DEFAULT_NEW_LIMIT,
        bury_since: datetime | None = None,
    ) -> None:
        """A session over *cards* (cards, or a :class:`Lineup` that decodes them when
        shown); *bury_since* (the start of the user's day) holds back new siblings of
        the cards answered since then; None buries nothing."""
        now = utc(now)
        self._store = store
        lineup = cards if isinstance(cards, Lineup) else Lineup.of(cards)
        # The queues hold positions in note order; a card is decoded when it is taken.
        self._ids, self._families, self._load = lineup.ids, lineup.families, lineup.card
        self._position = dict(zip(self._ids, range(len(self._ids)), strict=True))
        # Only what the queue needs is read: which cards have a state (the others are
        # new), and when the cards due soon or in (re)learning are due.
        self._seen = store.card_ids()  # orphans' ids too: they match no card of the session
        loaded = store.due_by(now + LEARN_AHEAD)
        self._states = {
            card_id: due for card_id, due in loaded.items() if card_id in self._position
        }
        due_now = sorted(
            (due.due, self._position[card_id])
            for card_id, due in self._states.items()
            if due.due <= now
        )
        self._due = [index for _due, index in due_now]  # oldest first, then in note order
        self._learning = sorted(
            self._position[card_id]
            for card_id, due in self._states.items()
            if due.due > now and due.phase != Phase.REVIEW
        )
        self._bury = bury_since is not None
        self._buried_families: set[str] = set()
        if bury_since is not None:
            answered = {review.card_id for review in store.reviews(bury_since)}
            self._buried_families = {
                self._families[self._position[card_id]]
                for card_id in answered
                if card_id in self._position and self._families[self._position[card_id]]
            }
        seen, families, buried = self._seen, self._families, self._buried_families
        new = [index for index, card_id in enumerate(self._ids) if card_id not in seen]
        fresh = [index for index in new if families[index] not in buried] if buried else new
        self._buried = len(new) - len(fresh)
        self._new = fresh[: max(new_limit, 0)]
        self._new_rest = fresh[len(self._new) :]
        self._front: list[Card] = []
        self._history: list[_Answered] = []
        self._last_family = ""

    def has_cards(self) -> bool:
        """Whether the session has any card at all (due or not)."""
        return bool(self._ids)

    def next_card(self, now: datetime) -> Card | None:
        """Take the next card to show, or None when the session is over."""
        now = utc(now)
        self._learning.sort(key=self._due_at)
        if self._front:
            card: Card | None = self._front.pop()
        else:
            index = self._take(now, apart=True)
            if index is None:
                index = self._take(now, apart=False)  # only siblings are left
            card = None if index is None else self._load(index)
        self._last_family = "" if card is None else card.family
        return card

    def _due_at(self, index: int) -> datetime:
        return self._states[self._ids[index]].due

    def _take(self, now: datetime, *, apart: bool) -> int | None:
        """Pop the first card in queue order; with *apart*, no sibling of the last one."""
        queues: tuple[tuple[list[int], datetime | None], ...] = (
            (self._learning, now),
            (self._due, None),
            (self._new, None),
            (self._learning, now + LEARN_AHEAD),
        )
        last = self._last_family
        for queue, until in queues:
            for at, index in enumerate(queue):
                if until is not None and self._due_at(index) > until:
                    break  # learning cards are in due order
                family = self._families[index]
                if not apart or not family or family != last:
                    return queue.pop(at)
        return None

    def put_back(self, card: Card) -> None:
        """Return a card taken with :meth:`next_card` but not answered; it comes next."""
        self._front.append(card)

    def preview(self, card: Card, now: datetime) -> Preview:
        """What each rating would do to *card* (call when its answer is shown)."""
        return self._store.preview(card, now)

    def answer(self, preview: Preview, rating: Rating, now: datetime, duration_ms: int) -> None:
        """Record the answer (committed before this returns) and requeue learning cards."""
        card = preview.card
        review = self._store.answer(preview, rating, now, duration_ms)
        state = self._store.state(card.id)
        assert state is not None
        self._states[card.id] = Due(state.due, state.phase)
        self._seen.add(card.id)
        if state.phase != Phase.REVIEW:
            self._learning.append(self._position[card.id])
        buried = self._bury_siblings(card.family) if self._bury and card.family else ()
        self._history.append(_Answered(card, review, buried))

    def _bury_siblings(self, family: str) -> tuple[int, ...]:
        """Hold back the new cards of *family* until tomorrow; others take their places."""
        self._buried_families.add(family)
        new = (*self._new, *self._new_rest)
        buried = tuple(index for index in new if self._families[index] == family)
        if buried:
            self._buried += len(buried)
            self._refill([index for index in new if self._families[index] != family])
        return buried

    def _refill(self, new: list[int]) -> None:
        """Make *new* the new cards, in note order: as many as now come, the rest wait."""
        new.sort()
        room = len(self._new)
        self._new, self._new_rest = new[:room], new[room:]

    def undo(self) -> Card | None:
        """Take back this session's last answer; return its card, which comes next.

        None when this session has no answer left to undo.
        """
        if not self._history:
            return None
        last = self._history[-1]
        restored = self._store.undo(last.review)
        self._history.pop()
        card = last.card
        self._learning = [index for index in self._learning if self._ids[index] != card.id]
        self._set_state(card.id, restored)
        self._front.append(card)
        if last.buried:
            self._buried_families.discard(card.family)
            self._buried -= len(last.buried)
            self._refill([*self._new, *self._new_rest, *last.buried])
        return card

    def _set_state(self, card_id: str, state: CardState | None) -> None:
        if state is None:
            self._states.pop(card_id, None)
            self._seen.discard(card_id)
        else:
            self._states[card_id] = Due(state.due, state.phase)

    def can_undo(self) -> bool:
        """True when this session has an answer to take back."""
        return bool(self._history)

    def progress(self, now: datetime, current: Card | None = None) -> Progress:
        """Counts for the header, *current* (the card on screen) included in its group."""
        horizon = utc(now) + LEARN_AHEAD
        waiting = [*self._front, *([current] if current is not None else [])]
        new = len(self._new) + sum(1 for card in waiting if card.id not in self._seen)
        due = len(self._due) + sum(1 for card in waiting if card.id in self._seen)
        due += sum(1 for index in self._learning if self._due_at(index) <= horizon)
        return Progress(due, new, len(self._history))

    def summary(self) -> Summary:
        """Totals for the session so far."""
        counts = Counter(answered.review.rating for answered in self._history)
        spent = sum(answered.review.duration_ms for answered in self._history)
        return Summary(
            reviewed=len(self._history),
            ratings=tuple((rating, counts[rating]) for rating in Rating),
            time_spent=timedelta(milliseconds=spent),
            next_due=self._store.first_due(self._position.keys()),
            new_waiting=len(self._new_rest)
            + len(self._new)
            + sum(1 for card in self._front if card.id not in self._seen),
            buried=self._buried,
        )


def format_interval(interval: timedelta) -> str:
    """An interval as Anki shows it: ``45s``, ``10m``, ``3h``, ``4d``, ``1.5mo``, ``12mo``, ``2y``.

    Months are 30 days, years 365; a whole number shows no ``.0``.
    """
    seconds = max(interval.total_seconds(), 0.0)
    if seconds < 60:
        return f"{round(seconds)}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{_one_decimal(days / 30)}mo"
    return f"{_one_decimal(days / 365)}y"


def _one_decimal(value: float) -> str:
    """``1.5``, ``12`` (not ``12.0``)."""
    return f"{value:.1f}".removesuffix(".0")


def source_location(card: Card, prefix: str = "") -> str:
    """Where the card is written, as ``prefix/note.md:line`` (editors open that form)."""
    return f"{prefix}{card.note}:{card.line}"


def obsidian_uri(vault_name: str, note: str) -> str:
    """The ``obsidian://open`` link that opens *note* of the vault named *vault_name*."""
    file = note.removesuffix(".md")
    return f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"

"""Scheduling: what an answer does to a card, by FSRS; the only module that knows ``fsrs``.

Pure functions of a card's state, the rating and the time (py-fsrs's own shape): no
storage, no clock. The rest of flashgen sees :class:`CardState`, :class:`Rating` and
:class:`Phase`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a card is first scheduled: a quiz shows its first card sooner
    import fsrs

DEFAULT_RETENTION = 0.9
"""FSRS desired retention: the recall probability at which a card comes due."""


SM2_RETENTION = 0.9
"""The recall probability assumed when an SM-2 card (obsidian-spaced-repetition) was due."""


class Rating(IntEnum):
    """An answer to a card, as in Anki and FSRS."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Phase(IntEnum):
    """Where a card is in its schedule (FSRS's ``State``)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class CardState:
    """A card's FSRS memory state and its next due time."""

    phase: Phase
    """Learning, review or relearning."""
    step: int | None
    """Learning or relearning step; None in review."""
    stability: float | None
    """Days until the recall probability falls to 90%; None before the first answer."""
    difficulty: float | None
    """1 (easy) to 10 (hard); None before the first answer."""
    due: datetime
    """When the card is next due (UTC)."""
    last_review: datetime | None
    """When the card was last answered (UTC)."""


def utc(moment: datetime) -> datetime:
    """*moment* in UTC; a naive datetime is API misuse and raises ``ValueError``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} must be timezone-aware")
    return moment.astimezone(UTC)


def _to_fsrs(state: CardState | None, now: datetime) -> fsrs.Card:
    import fsrs

    # card_id only labels fsrs's own ReviewLog, which is not kept; passing one also
    # avoids the 1 ms sleep fsrs takes to make up a unique id.
    if state is None:
        return fsrs.Card(card_id=0, due=now)
    return fsrs.Card(
        card_id=0,
        state=fsrs.State(int(state.phase)),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def _from_fsrs(card: fsrs.Card) -> CardState:
    return CardState(
        Phase(int(card.state)),
        card.step,
        None if card.stability is None else float(card.stability),
        None if card.difficulty is None else float(card.difficulty),
        utc(card.due),
        None if card.last_review is None else utc(card.last_review),
    )


@dataclass(frozen=True, slots=True)
class Scheduler:
    """FSRS with a desired retention: what each answer does to a card's state."""

    retention: float = DEFAULT_RETENTION
    """The recall probability at which a card comes due (0 < retention < 1)."""
    fuzz: bool = True
    """Spread review intervals a little, as Anki does; off for reproducible schedules."""
    _fsrs: fsrs.Scheduler | None = field(default=None, init=False, repr=False, compare=False)
    """The FSRS scheduler, made on first use."""

    def __post_init__(self) -> None:
        if not 0 < self.retention < 1:
            raise ValueError(f"retention {self.retention} must be between 0 and 1")

    def _engine(self) -> fsrs.Scheduler:
        if self._fsrs is None:
            import fsrs

            engine = fsrs.Scheduler(desired_retention=self.retention, enable_fuzzing=self.fuzz)
            object.__setattr__(self, "_fsrs", engine)  # frozen: set once, on first use
            return engine
        return self._fsrs

    def review(self, before: CardState | None, rating: Rating, now: datetime) -> CardState:
        """The state a card in state *before* (None: new) has after *rating* at *now*."""
        import fsrs

        now = utc(now)
        engine = self._engine()
        after, _log = engine.review_card(_to_fsrs(before, now), fsrs.Rating(int(rating)), now)
        return _from_fsrs(after)

    def outcomes(self, before: CardState | None, now: datetime) -> Mapping[Rating, CardState]:
        """The state each rating would give, as if answered at *now*."""
        return {rating: self.review(before, rating, now) for rating in Rating}

    def from_sm2(
        self, due: datetime, interval_days: float, ease: float, now: datetime
    ) -> CardState:
        """The review state of a card that SM-2 (obsidian-spaced-repetition) scheduled.

        *ease* is the SM-2 factor (250 % → 2.5). The card enters FSRS's review phase,
        due at *due*:

        - stability = *interval_days*. FSRS's stability is the time after which recall
          falls to 90%, and SM-2 reviews a card when its interval ends, where it expects
          about that recall (:data:`SM2_RETENTION`).
        - difficulty from *ease*: a successful FSRS review at recall R multiplies
          stability by ``1 + e^w8 · (11 - D) · S^-w9 · (e^(w10·(1-R)) - 1)``; SM-2
          multiplies the interval by the ease. Setting the two equal at R = 0.9 and
          solving for D gives ``D = 11 - (ease - 1) / (e^w8 · S^-w9 · (e^(w10·0.1) - 1))``,
          clamped to FSRS's 1..10 (w are the scheduler's default parameters).
        - last review = *due* - interval, or *now* if that is later.
        """
        if interval_days <= 0 or not math.isfinite(interval_days):
            raise ValueError(
                f"interval_days must be a positive number of days, not {interval_days}"
            )
        if not 1.0 <= ease <= 10.0:
            raise ValueError(f"ease {ease} is not an SM-2 factor; pass e.g. 2.5 (250 / 100)")
        due, now = utc(due), utc(now)
        stability = float(interval_days)
        w = self._engine().parameters
        growth = math.exp(w[8]) * stability ** -w[9] * math.expm1(w[10] * (1 - SM2_RETENTION))
        difficulty = float(min(max(11 - (ease - 1) / growth, 1.0), 10.0))
        last = min(due - timedelta(days=interval_days), now)
        return CardState(Phase.REVIEW, None, stability, difficulty, due, last)

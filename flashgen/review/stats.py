"""Review statistics of a vault: card states, what comes due, retention, daily counts.

Days are calendar days in the time zone passed in (the user's), counted from midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from flashgen.model import Card
from flashgen.review.scheduler import Phase, Rating, utc
from flashgen.review.store import ReviewStore

DAYS = 30
"""Length of both daily series."""

_BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Stats:
    """What ``flashgen stats`` reports."""

    new: int
    """Cards never answered."""
    learning: int
    """Cards in their (re)learning steps."""
    review: int
    """Cards in review."""
    orphans: int
    """Stored cards the notes no longer make."""
    due_today: int
    """Cards due by the end of today, overdue ones included (new cards not counted)."""
    due_week: int
    """Cards due by the end of the 7th day, today included."""
    retention: float | None
    """Share of answers on review cards that were not Again (last 30 days); None if none."""
    retention_answers: int
    """How many answers that share is taken over."""
    reviews_per_day: tuple[int, ...]
    """Answers per day, oldest first: 29 days ago .. today."""
    due_per_day: tuple[int, ...]
    """Cards coming due per day: today (overdue included) .. 29 days ahead."""


def collect_stats(cards: Sequence[Card], store: ReviewStore, now: datetime, zone: tzinfo) -> Stats:
    """Statistics of *cards* (the vault's cards now) from *store* at *now*, days in *zone*."""
    now = utc(now)
    today = now.astimezone(zone).date()
    stored = store.states()
    known = {card.id for card in cards}
    states = [stored[card.id] for card in cards if card.id in stored]
    phases = [state.phase for state in states]

    due_per_day = [0] * DAYS
    for state in states:
        offset = max((state.due.astimezone(zone).date() - today).days, 0)
        if offset < DAYS:
            due_per_day[offset] += 1

    first_day = today - timedelta(days=DAYS - 1)
    reviews = store.reviews(since=_midnight(first_day, zone))
    reviews_per_day = [0] * DAYS
    for review in reviews:
        offset = (review.reviewed_at.astimezone(zone).date() - first_day).days
        if 0 <= offset < DAYS:
            reviews_per_day[offset] += 1
    on_review = [r for r in reviews if r.before is not None and r.before.phase == Phase.REVIEW]
    passed = sum(1 for review in on_review if review.rating != Rating.AGAIN)

    return Stats(
        new=len(cards) - len(states),
        learning=sum(1 for phase in phases if phase != Phase.REVIEW),
        review=sum(1 for phase in phases if phase == Phase.REVIEW),
        orphans=sum(1 for card_id in stored if card_id not in known),
        due_today=due_per_day[0],
        due_week=sum(due_per_day[:7]),
        retention=passed / len(on_review) if on_review else None,
        retention_answers=len(on_review),
        reviews_per_day=tuple(reviews_per_day),
        due_per_day=tuple(due_per_day),
    )


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def bar_chart(values: Sequence[int], height: int = 4, width: int = 2) -> list[str]:
    """Vertical bars in block characters, top row first; each bar *width* columns.

    The tallest bar fills *height* rows; any non-zero value shows at least a sliver.
    """
    top = max(values, default=0)
    eighths = [
        0 if value <= 0 or top == 0 else max(1, round(value * height * 8 / top)) for value in values
    ]
    rows = []
    for row in range(height - 1, -1, -1):
        cells = [_BLOCKS[min(max(level - row * 8, 0), 8)] * (width - 1) + " " for level in eighths]
        rows.append("".join(cells).rstrip())
    return rows

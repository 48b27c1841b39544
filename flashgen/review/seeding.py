"""Review history written in the notes: obsidian-spaced-repetition's scheduling comments.

A card that the plugin has scheduled carries ``<!--SR:!2024-02-11,84,290-->``: due on
11 February 2024, after an interval of 84 days, with an SM-2 ease of 290 %. Extraction
keeps this as the card's ``history`` (checked there, once); this module turns it into a
starting point for the review store, which converts it to FSRS.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo

from flashgen.model import Card
from flashgen.review.store import ReviewStore

InitialState = tuple[str, date, float, float]
"""(card id, due date, interval in days, SM-2 ease factor such as 2.9)."""


def initial_states(cards: Iterable[Card]) -> list[InitialState]:
    """The scheduling each card brings from the notes, for cards that have one.

    The due date is a calendar day in the user's time zone, as the plugin writes it;
    the ease is the comment's percentage divided by 100 (``290`` → ``2.9``).
    """
    return [
        (card.id, card.history.due, float(card.history.interval), card.history.ease / 100)
        for card in cards
        if card.history is not None
    ]


def seed_review_store(
    store: ReviewStore, cards: Iterable[Card], zone: tzinfo, now: datetime
) -> int:
    """Start every card never reviewed in flashgen from the history its note carries.

    The plugin's due dates are days in the user's time zone *zone*; a card is due from
    that day's midnight. Cards the store already knows keep their state. Returns how
    many cards were seeded.
    """
    seeded = 0
    for card_id, day, interval, ease in initial_states(cards):
        due = datetime.combine(day, time(), zone)
        seeded += store.seed_state(card_id, due, interval, ease, now)
    return seeded

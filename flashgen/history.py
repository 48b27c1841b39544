"""Review history written in the notes: obsidian-spaced-repetition's scheduling comments.

A card that the plugin has scheduled carries ``<!--SR:!2024-02-11,84,290-->``: due on
11 February 2024, after an interval of 84 days, with an SM-2 ease of 290 %. Extraction
keeps these as the card's ``sr_due``, ``sr_interval`` and ``sr_ease``; this module turns
them into starting points for the review store, which converts them to FSRS.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo

from flashgen.model import Card
from flashgen.review import ReviewStore

InitialState = tuple[str, date, float, float]
"""(card id, due date, interval in days, SM-2 ease factor such as 2.9)."""

MIN_EASE = 1.3
"""SM-2's lowest ease factor; the plugin never goes below 130 %."""


def initial_states(cards: Iterable[Card]) -> list[InitialState]:
    """The scheduling each card brings from the notes, for cards that have one.

    The due date is a calendar day in the user's time zone, as the plugin writes it;
    the ease is the comment's percentage divided by 100 (``290`` → ``2.9``). A card
    whose comment has an interval of 0 or an ease below 130 % is left out: it was
    never answered, or the comment was edited by hand.
    """
    states: list[InitialState] = []
    for card in cards:
        due, interval, ease = card.get("sr_due"), card.get("sr_interval"), card.get("sr_ease")
        if not (due and interval and ease):
            continue
        try:
            day = date.fromisoformat(due)
        except ValueError:
            continue
        days, factor = float(interval), int(ease) / 100
        if days > 0 and factor >= MIN_EASE:
            states.append((card.id, day, days, factor))
    return states


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

"""The scheduler alone: what each answer does to a card, with no store (py-fsrs's way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashgen.review.scheduler import CardState, Phase, Rating, Scheduler

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FSRS = Scheduler(fuzz=False)


def test_new_card_intervals_with_default_parameters() -> None:
    outcomes = FSRS.outcomes(None, T0)
    assert {rating: state.due - T0 for rating, state in outcomes.items()} == {
        Rating.AGAIN: timedelta(minutes=1),
        Rating.HARD: timedelta(minutes=5, seconds=30),
        Rating.GOOD: timedelta(minutes=10),
        Rating.EASY: timedelta(days=8),
    }


def test_learning_steps_then_review_exact_dates() -> None:
    first = FSRS.review(None, Rating.GOOD, T0)
    assert (first.phase, first.step, first.due) == (Phase.LEARNING, 1, T0 + timedelta(minutes=10))
    second = FSRS.review(first, Rating.GOOD, first.due)
    assert second.phase == Phase.REVIEW
    assert second.due == datetime(2026, 1, 3, 9, 10, tzinfo=UTC)
    assert second.stability == pytest.approx(2.3065)
    third = FSRS.review(second, Rating.GOOD, second.due)
    assert third.due == datetime(2026, 1, 14, 9, 10, tzinfo=UTC)
    assert third.stability == pytest.approx(10.971048263078135)


def test_again_on_a_review_card_relearns_for_ten_minutes() -> None:
    learning = FSRS.review(None, Rating.GOOD, T0)
    in_review = FSRS.review(learning, Rating.GOOD, T0 + timedelta(minutes=10))
    lapsed = FSRS.review(in_review, Rating.AGAIN, in_review.due)
    assert lapsed.phase == Phase.RELEARNING
    assert lapsed.due == datetime(2026, 1, 3, 9, 20, tzinfo=UTC)
    relearned = FSRS.review(lapsed, Rating.GOOD, lapsed.due)
    assert relearned.phase == Phase.REVIEW
    assert relearned.due == datetime(2026, 1, 4, 9, 20, tzinfo=UTC)


def test_reviewing_returns_a_new_state_and_keeps_the_old_one() -> None:
    first = FSRS.review(None, Rating.GOOD, T0)
    copy = CardState(**{name: getattr(first, name) for name in CardState.__slots__})
    FSRS.review(first, Rating.EASY, first.due)
    assert first == copy


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FSRS.review(None, Rating.GOOD, datetime(2026, 1, 1, 9))


def test_retention_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Scheduler(retention=1.5)


def test_sm2_history_becomes_a_review_state() -> None:
    due = datetime(2026, 1, 5, tzinfo=UTC)
    state = FSRS.from_sm2(due, 10, 2.5, T0)
    assert (state.phase, state.step, state.due) == (Phase.REVIEW, None, due)
    assert state.stability == 10.0
    assert state.last_review == datetime(2025, 12, 26, tzinfo=UTC)
    # D = 11 - 1.5 / (e^1.8722 * 10^-0.1666 * (e^0.0796 - 1)) with the default parameters
    assert state.difficulty == pytest.approx(6.914, abs=0.001)


def test_sm2_ease_orders_difficulty() -> None:
    due = datetime(2026, 1, 5, tzinfo=UTC)
    hard, default, easy = (FSRS.from_sm2(due, 30, ease, T0).difficulty for ease in (1.3, 2.5, 3.5))
    assert hard is not None and default is not None and easy is not None
    assert hard == 10.0 and hard > default > easy >= 1.0


def test_an_sm2_card_reviewed_on_time_grows_its_interval() -> None:
    due = datetime(2026, 1, 5, tzinfo=UTC)
    after = FSRS.review(FSRS.from_sm2(due, 10, 2.5, T0), Rating.GOOD, due)
    assert after.phase == Phase.REVIEW
    assert after.due - due > timedelta(days=10)


@pytest.mark.parametrize(("interval", "ease"), [(0, 2.5), (-3, 2.5), (10, 250), (10, 0.5)])
def test_sm2_history_with_bad_numbers_is_refused(interval: float, ease: float) -> None:
    with pytest.raises(ValueError):
        FSRS.from_sm2(T0, interval, ease, T0)

"""``flashgen stats``: counts, due days, retention and the two bar charts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashgen.cli.commands import cli
from flashgen.model import Card, CardKind
from flashgen.review.scheduler import Rating
from flashgen.review.stats import DAYS, bar_chart, collect_stats
from flashgen.review.store import ReviewStore
from tests.conftest import MakeVault

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def make_card(card_id: str) -> Card:
    return Card(card_id, CardKind.QA, f"front {card_id}", "back", "a.md", 1)


def answer(store: ReviewStore, card: Card, rating: Rating, at: datetime) -> None:
    store.answer(store.preview(card, at), rating, at, 1000)


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the process in UTC, so that calendar days are UTC days."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_collect_stats(tmp_path: Path) -> None:
    cards = [make_card(name) for name in ("review", "lapsed", "learning", "new1", "new2")]
    by_id = {card.id: card for card in cards}
    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        day_before = T0 - timedelta(days=2)
        answer(store, by_id["review"], Rating.EASY, day_before - timedelta(days=8))  # due T0-2d
        answer(store, by_id["lapsed"], Rating.EASY, day_before - timedelta(days=8))
        answer(store, by_id["review"], Rating.GOOD, day_before)  # on a review card: passed
        answer(store, by_id["lapsed"], Rating.AGAIN, day_before)  # on a review card: failed
        answer(store, by_id["lapsed"], Rating.GOOD, day_before + timedelta(minutes=10))
        answer(store, by_id["learning"], Rating.GOOD, T0)
        answer(store, make_card("gone"), Rating.GOOD, T0)  # an orphan
        states = store.states()
        stats = collect_stats(cards, store, T0, UTC)

    assert (stats.new, stats.learning, stats.review, stats.orphans) == (2, 1, 2, 1)
    assert stats.retention == 0.5
    assert stats.retention_answers == 2
    assert len(stats.reviews_per_day) == len(stats.due_per_day) == DAYS
    assert stats.reviews_per_day[-1] == 2  # today: learning and the orphan
    assert stats.reviews_per_day[-3] == 3  # two days ago
    assert stats.reviews_per_day[-11] == 2  # the first answers, 10 days ago
    assert sum(stats.reviews_per_day) == 7
    assert states["review"].due == datetime(2026, 2, 16, 12, 0, tzinfo=UTC)  # beyond 30 days
    assert states["lapsed"].due == datetime(2026, 1, 9, 12, 10, tzinfo=UTC)  # overdue
    assert states["learning"].due == T0 + timedelta(minutes=10)
    assert stats.due_per_day == (2,) + (0,) * (DAYS - 1)
    assert (stats.due_today, stats.due_week) == (2, 2)


def test_stats_of_an_empty_store(tmp_path: Path) -> None:
    with ReviewStore.open(tmp_path / "none.sqlite3", create=False) as store:
        stats = collect_stats([make_card("a")], store, T0, UTC)
    assert (stats.new, stats.learning, stats.review, stats.retention) == (1, 0, 0, None)
    assert sum(stats.due_per_day) == sum(stats.reviews_per_day) == 0
    assert not (tmp_path / "none.sqlite3").exists()


def test_bar_chart() -> None:
    assert bar_chart([0, 1, 2, 4], height=2) == [
        "      █",
        "  ▄ █ █",
    ]
    assert bar_chart([0, 0], height=2) == ["", ""]
    assert bar_chart([1, 100], height=1) == ["▁ █"]  # a small value still shows


def test_stats_command(make_vault: MakeVault, utc_zone: None) -> None:
    vault = make_vault({"a.md": "> [!QUESTION] Q1\n> A1\n\n> [!QUESTION] Q2\n> A2\n"})
    env = {"FLASHGEN_NOW": "2026-01-10T12:00:00Z"}
    runner = CliRunner()
    quiz = runner.invoke(cli, ["quiz", str(vault), "--plain"], input="\n4\nq\n", env=env)
    assert quiz.exit_code == 0, quiz.stderr
    result = runner.invoke(cli, ["stats", str(vault)], env=env)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Cards      new 1 · learning 0 · review 1",
        "Due        today 0 · within 7 days 0",
        "Retention  no answers on review cards in the last 30 days",
    ]
    assert "Reviews per day, last 30 days (max 1)" in lines
    assert "Cards coming due per day, next 30 days (max 1)" in lines
    reviews_chart = lines[lines.index("Reviews per day, last 30 days (max 1)") + 4]
    assert reviews_chart.endswith("█")  # today's answer, the last bar
    assert "-29d" in result.stdout and "+29d" in result.stdout


def test_stats_without_a_store_creates_none(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "> [!QUESTION] Q1\n> A1\n"})
    result = CliRunner().invoke(cli, ["stats", str(vault)])
    assert result.exit_code == 0, result.stderr
    assert "Cards      new 1 · learning 0 · review 0" in result.stdout
    assert not (vault / ".flashgen" / "reviews.sqlite3").exists()

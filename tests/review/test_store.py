"""The review store: FSRS scheduling with fixed UTC times, the log, undo, seeding, safety."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashgen.build import pipeline
from flashgen.build.pipeline import VaultCards, collect
from flashgen.cli.commands import cli
from flashgen.model import Card, CardKind, Diagnostic
from flashgen.review import store as review
from flashgen.review.scheduler import CardState, Phase, Rating
from flashgen.review.store import (
    CorruptStore,
    ReviewStore,
    ReviewStoreError,
    StoreBusy,
    default_store_path,
)
from tests.conftest import MakeVault
from tests.helpers import QA

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def card(card_id: str = "c1", front: str = "What is 2+2?") -> Card:
    return Card(card_id, CardKind.QA, front, "4", "maths.md", 3)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReviewStore]:
    with ReviewStore.open(tmp_path / ".flashgen" / "reviews.sqlite3", fuzz=False) as opened:
        yield opened


def answer(store: ReviewStore, c: Card, rating: Rating, at: datetime) -> CardState:
    store.answer(store.preview(c, at), rating, at, 1500)
    state = store.state(c.id)
    assert state is not None
    return state


def test_default_path_is_inside_the_vault(tmp_path: Path) -> None:
    assert default_store_path(tmp_path) == tmp_path / ".flashgen" / "reviews.sqlite3"


def test_answers_are_logged_with_the_state_before(store: ReviewStore) -> None:
    c = card()
    answer(store, c, Rating.GOOD, T0)
    answer(store, c, Rating.EASY, T0 + timedelta(minutes=10))
    log = store.reviews()
    assert [(r.card_id, r.rating, r.reviewed_at, r.duration_ms) for r in log] == [
        ("c1", Rating.GOOD, T0, 1500),
        ("c1", Rating.EASY, T0 + timedelta(minutes=10), 1500),
    ]
    assert log[0].before is None
    assert log[1].before is not None and log[1].before.phase == Phase.LEARNING
    assert log[1].id > log[0].id


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    with ReviewStore.open(path, fuzz=False) as first:
        state = answer(first, card(), Rating.EASY, T0)
    with ReviewStore.open(path, fuzz=False) as again:
        assert again.state("c1") == state
        assert len(again.reviews()) == 1


def test_shown_interval_is_the_given_interval_with_fuzz(tmp_path: Path) -> None:
    fuzzed = ReviewStore.open(tmp_path / "fuzz.sqlite3", fuzz=True)
    for number in range(20):
        c = card(f"c{number}")
        preview = fuzzed.preview(c, T0)
        later = T0 + timedelta(seconds=7)  # the answer comes a little after the reveal
        fuzzed.answer(preview, Rating.EASY, later, 7000)
        state = fuzzed.state(c.id)
        assert state is not None
        assert state.due - later == preview.interval(Rating.EASY)
        assert state.last_review == later


def test_answer_after_another_session_answered_is_rescheduled(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    one = ReviewStore.open(path, fuzz=False)
    two = ReviewStore.open(path, fuzz=False)
    c = card()
    stale = one.preview(c, T0)
    answer(two, c, Rating.GOOD, T0)
    one.answer(stale, Rating.GOOD, T0 + timedelta(minutes=10), 0)
    state = one.state(c.id)
    assert state is not None and state.phase == Phase.REVIEW  # second Good, not a first one
    assert len(one.reviews()) == 2


def test_undo_restores_the_state_before_and_drops_the_log_row(store: ReviewStore) -> None:
    c = card()
    first = answer(store, c, Rating.GOOD, T0)
    preview = store.preview(c, first.due)
    second = store.answer(preview, Rating.AGAIN, first.due, 0)
    assert store.undo(second) == first
    assert store.state(c.id) == first
    assert len(store.reviews()) == 1


def test_undo_of_a_first_answer_makes_the_card_new_again(store: ReviewStore) -> None:
    c = card()
    logged = store.answer(store.preview(c, T0), Rating.GOOD, T0, 0)
    assert store.undo(logged) is None
    assert store.state(c.id) is None
    assert store.reviews() == []


def test_only_the_newest_answer_of_a_card_can_be_undone(store: ReviewStore) -> None:
    c = card()
    older = store.answer(store.preview(c, T0), Rating.GOOD, T0, 0)
    answer(store, c, Rating.GOOD, T0 + timedelta(minutes=10))
    with pytest.raises(ReviewStoreError, match="answered again"):
        store.undo(older)
    newest = store.reviews()[-1]
    store.undo(newest)
    with pytest.raises(ReviewStoreError, match="no longer in the review log"):
        store.undo(newest)


def test_naive_datetimes_are_refused(store: ReviewStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.preview(card(), datetime(2026, 1, 1, 9))


def test_seed_state_from_sm2_history(store: ReviewStore) -> None:
    due = datetime(2026, 1, 5, tzinfo=UTC)
    assert store.seed_state("c1", due, 10, 2.5, T0)
    state = store.state("c1")
    assert state is not None
    assert (state.phase, state.step, state.due) == (Phase.REVIEW, None, due)
    assert state.stability == 10.0
    assert state.last_review == datetime(2025, 12, 26, tzinfo=UTC)
    # D = 11 - 1.5 / (e^1.8722 * 10^-0.1666 * (e^0.0796 - 1)) with the default parameters
    assert state.difficulty == pytest.approx(6.914, abs=0.001)
    assert not store.seed_state("c1", due + timedelta(days=3), 20, 2.5, T0)
    assert store.state("c1") == state
    assert store.reviews() == []


def test_orphans_and_delete(store: ReviewStore) -> None:
    kept, gone = card("kept"), card("gone", "Old question")
    answer(store, kept, Rating.GOOD, T0)
    answer(store, gone, Rating.GOOD, T0)
    answer(store, gone, Rating.GOOD, T0 + timedelta(minutes=10))
    orphans = store.orphans({"kept"})
    assert [(o.card_id, o.note, o.line, o.front, o.reviews) for o in orphans] == [
        ("gone", "maths.md", 3, "Old question", 2)
    ]
    assert store.delete(["gone"]) == 1
    assert store.orphans({"kept"}) == []
    assert {r.card_id for r in store.reviews()} == {"kept"}


def test_store_file_uses_wal_strict_tables_and_a_schema_version(store: ReviewStore) -> None:
    answer(store, card(), Rating.GOOD, T0)
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == review.SCHEMA_VERSION
    tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert "STRICT" in tables["card_state"] and "STRICT" in tables["review_log"]
    with pytest.raises(sqlite3.Error):
        db.execute(
            "INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms)"
            " VALUES ('x', 'now', 'good', 0)"
        )


def test_missing_store_is_not_created_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "reviews.sqlite3"
    with ReviewStore.open(path, create=False) as empty:
        assert empty.states() == {}
    assert not path.parent.exists()


def test_corrupt_store_is_kept_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "reviews.sqlite3"
    garbage = b"this is not a database, just some bytes " * 200
    path.write_bytes(garbage)
    (tmp_path / "reviews.sqlite3-wal").write_bytes(b"its journal")
    (tmp_path / "reviews.sqlite3.corrupt-1").write_bytes(b"an older one")
    with ReviewStore.open(path) as store:
        assert store.notice == (
            f"{path} is damaged (file is not a database); it is kept as {path}.corrupt-2, and"
            " a new review store is started: your notes are fine, but the review history"
            " starts afresh"
        )
        assert store.states() == {}
    # nothing overwritten, nothing deleted: the journal follows its database
    assert (tmp_path / "reviews.sqlite3.corrupt-2").read_bytes() == garbage
    assert (tmp_path / "reviews.sqlite3.corrupt-2-wal").read_bytes() == b"its journal"
    assert (tmp_path / "reviews.sqlite3.corrupt-1").read_bytes() == b"an older one"
    with ReviewStore.open(path) as again:
        assert again.notice is None


def test_corrupt_store_that_cannot_be_moved_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reviews.sqlite3"
    path.write_bytes(b"garbage" * 1000)

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(CorruptStore) as caught:
        ReviewStore.open(path)
    assert f"mv '{path}' '{path}.corrupt-1'" in str(caught.value)
    assert path.read_bytes() == b"garbage" * 1000


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(CorruptStore, match="not a flashgen review store"):
        ReviewStore.open(path)
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [
        ("recipes",)
    ]


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reviews.sqlite3"
    ReviewStore.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {review.SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ReviewStoreError, match="newer flashgen"):
        ReviewStore.open(path)


def test_a_second_writer_waits_then_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reviews.sqlite3"
    ReviewStore.open(path).close()
    monkeypatch.setattr(review, "BUSY_TIMEOUT", 0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with ReviewStore.open(path, fuzz=False) as waiting:
        preview = waiting.preview(card(), T0)  # reading still works under WAL
        with pytest.raises(StoreBusy, match="another flashgen session"):
            waiting.answer(preview, Rating.GOOD, T0, 0)
        blocker.execute("COMMIT")
        waiting.answer(preview, Rating.GOOD, T0, 0)
        assert len(waiting.reviews()) == 1


# flashgen orphans


def orphan_vault(make_vault: MakeVault) -> Path:
    vault = make_vault(
        {"maths.md": QA.format(q="What is 2+2?", a="4") + QA.format(q="3+3?", a="6")}
    )
    runner = CliRunner()
    quiz = runner.invoke(
        cli,
        ["quiz", str(vault), "--plain"],
        input="\n3\n\n3\nq\n",
        env={"FLASHGEN_NOW": "2026-01-01T09:00:00Z"},
    )
    assert quiz.exit_code == 0, quiz.stderr
    (vault / "maths.md").write_text(QA.format(q="What is 2+2?", a="4"))  # 3+3 deleted
    return vault


def test_orphans_are_listed_kept_and_deleted_after_confirmation(make_vault: MakeVault) -> None:
    vault = orphan_vault(make_vault)
    runner = CliRunner()
    listed = runner.invoke(cli, ["orphans", str(vault)])
    assert listed.exit_code == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert re.fullmatch(r"[0-9a-f]{16}  maths\.md:4  1 review  3\+3\?", line)
    store_path = vault / ".flashgen" / "reviews.sqlite3"
    assert listed.stderr == f"1 orphaned card in {store_path}\n"

    refused = runner.invoke(cli, ["orphans", str(vault), "--delete"], input="n\n")
    assert refused.exit_code == 0
    assert refused.stderr.splitlines()[-2:] == [
        "Delete the state and review log of 1 card? [y/N]: n",
        "nothing deleted",
    ]
    with ReviewStore.open(store_path) as store:
        assert len(store.states()) == 2

    deleted = runner.invoke(cli, ["orphans", str(vault), "--delete", "--yes"])
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stderr.endswith("deleted 1 card\n")
    with ReviewStore.open(store_path) as store:
        assert len(store.states()) == 1
        assert len(store.reviews()) == 1
    assert runner.invoke(cli, ["orphans", str(vault)]).stdout == ""


def test_orphans_are_not_deleted_while_notes_have_errors(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = orphan_vault(make_vault)
    real_collect = collect

    def unreadable_note(root: Path, **options: Any) -> VaultCards:
        built = real_collect(root, **options)
        built.diagnostics.append(Diagnostic("other.md", 0, "error", "cannot read note"))
        return built

    monkeypatch.setattr(pipeline, "collect", unreadable_note)
    result = CliRunner().invoke(cli, ["orphans", str(vault), "--delete", "--yes"])
    assert result.exit_code == 1
    assert "Error: the notes have errors" in result.stderr
    with ReviewStore.open(vault / ".flashgen" / "reviews.sqlite3") as store:
        assert len(store.states()) == 2


def test_orphans_without_a_store(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Q", a="A")})
    result = CliRunner().invoke(cli, ["orphans", str(vault)])
    assert result.exit_code == 0
    assert result.stderr.startswith("no review store at ")
    assert not (vault / ".flashgen" / "reviews.sqlite3").exists()

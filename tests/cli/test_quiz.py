"""``flashgen quiz``: the session queue, the line mode, and the key-driven UI in a real pty."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import stat
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pexpect
import pytest
from click.testing import CliRunner

from flashgen.build.pipeline import collect
from flashgen.cli.commands import cli
from flashgen.model import Card, CardKind
from flashgen.review.scheduler import Rating
from flashgen.review.session import CardFilter, QuizSession, format_interval, obsidian_uri
from flashgen.review.store import ReviewStore
from tests.conftest import REPO, MakeVault
from tests.helpers import QA

NOW = "2026-01-01T09:00:00Z"
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_card(
    card_id: str, *, deck: str = "v", tags: tuple[str, ...] = (), note: str = "a.md"
) -> Card:
    return Card(card_id, CardKind.QA, f"front {card_id}", "back", note, 1, deck=deck, tags=tags)


def answer(session: QuizSession, card: Card, rating: Rating, at: datetime) -> None:
    session.answer(session.preview(card, at), rating, at, 1000)


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore.open(tmp_path / "reviews.sqlite3", fuzz=False)


# The session queue


def test_due_cards_oldest_first_then_new_cards_in_note_order(store: ReviewStore) -> None:
    a, b, c, d = (make_card(name) for name in "abcd")
    setup = QuizSession(store, [a, b, c, d], T0 - timedelta(days=1), new_limit=20)
    answer(setup, c, Rating.EASY, T0 - timedelta(days=1))  # due T0 + 7d
    answer(setup, a, Rating.EASY, T0)  # due T0 + 8d
    later = T0 + timedelta(days=9)
    session = QuizSession(store, [a, b, c, d], later)
    shown = []
    while (card := session.next_card(later)) is not None:
        shown.append(card.id)
    assert shown == ["c", "a", "b", "d"]


def test_new_cards_per_session_are_limited(store: ReviewStore) -> None:
    cards = [make_card(str(n)) for n in range(5)]
    session = QuizSession(store, cards, T0, new_limit=2)
    assert session.progress(T0).new == 2
    assert [session.next_card(T0), session.next_card(T0), session.next_card(T0)] == [
        cards[0],
        cards[1],
        None,
    ]
    assert session.summary().new_waiting == 3


def test_a_failed_card_comes_back_before_the_session_ends(store: ReviewStore) -> None:
    first, second = make_card("first"), make_card("second")
    session = QuizSession(store, [first, second], T0)
    assert session.next_card(T0) == first
    answer(session, first, Rating.AGAIN, T0)  # due in 1 minute
    assert session.next_card(T0) == second
    answer(session, second, Rating.GOOD, T0)  # due in 10 minutes
    assert session.progress(T0) == session.progress(T0).__class__(due=2, new=0, done=2)
    assert session.next_card(T0) == first  # learning ahead: nothing else is left
    answer(session, first, Rating.EASY, T0 + timedelta(minutes=1))
    assert session.next_card(T0 + timedelta(minutes=2)) == second
    answer(session, second, Rating.EASY, T0 + timedelta(minutes=2))
    assert session.next_card(T0 + timedelta(minutes=2)) is None
    summary = session.summary()
    assert summary.reviewed == 4
    assert dict(summary.ratings) == {
        Rating.AGAIN: 1,
        Rating.HARD: 0,
        Rating.GOOD: 1,
        Rating.EASY: 2,
    }
    assert summary.time_spent == timedelta(seconds=4)
    assert summary.next_due == datetime(2026, 1, 2, 9, 1, tzinfo=UTC)  # Easy after Again: 1d


def test_undo_shows_the_card_again_and_restores_counts(store: ReviewStore) -> None:
    first, second = make_card("first"), make_card("second")
    session = QuizSession(store, [first, second], T0)
    assert not session.can_undo()
    assert session.next_card(T0) == first
    answer(session, first, Rating.EASY, T0)
    current = session.next_card(T0)
    assert current == second
    assert session.progress(T0, current) == session.progress(T0).__class__(0, 1, 1)
    session.put_back(current)
    assert session.undo() == first
    assert store.state("first") is None
    assert session.next_card(T0) == first
    assert session.progress(T0, first).new == 2
    assert session.progress(T0, first).done == 0
    assert session.next_card(T0) == second


def test_card_filter() -> None:
    cards = [
        make_card("math", deck="v::Math", tags=("school/algebra",), note="Math/Alg.md"),
        make_card("mathematics", deck="v::Mathematics", note="Mathematics.md"),
        make_card("geo", deck="v::Geo", tags=("travel",), note="Geo/France.md"),
    ]

    def ids(**fields: tuple[str, ...]) -> list[str]:
        return [card.id for card in CardFilter(**fields).select(cards)]

    assert ids() == ["math", "mathematics", "geo"]
    assert ids(decks=("v::math",)) == ["math"]
    assert ids(decks=("v",)) == ["math", "mathematics", "geo"]
    assert ids(tags=("#school",)) == ["math"]
    assert ids(tags=("school/algebra", "travel")) == ["math", "geo"]
    assert ids(notes=("Math",)) == ["math"]
    assert ids(notes=("Geo/France",)) == ["geo"]
    assert ids(notes=("Math*",)) == ["math", "mathematics"]
    assert ids(decks=("v::Math",), tags=("travel",)) == []


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=5, seconds=30), "6m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=45), "1.5mo"),
        (timedelta(days=360), "12mo"),
        (timedelta(days=800), "2.2y"),
        (timedelta(days=730), "2y"),
    ],
)
def test_format_interval(interval: timedelta, text: str) -> None:
    assert format_interval(interval) == text


def test_obsidian_uri() -> None:
    assert obsidian_uri("My Vault", "Math/Linear algebra.md") == (
        "obsidian://open?vault=My%20Vault&file=Math%2FLinear%20algebra"
    )


# The command, line mode


def sums_vault(make_vault: MakeVault) -> Path:
    note = "# Sums\n\n" + "".join(
        QA.format(q=f"What is {n}+{n}?", a=f"{2 * n} ![[pic.png]]" if n == 2 else str(2 * n))
        for n in (2, 4, 6)
    )
    return make_vault({"maths.md": note, "pic.png": PNG})


def quiz(vault: Path, *args: str, input: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["quiz", str(vault), "--plain", *args],
        input=input,
        env={"FLASHGEN_NOW": NOW, "TZ": "UTC"},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_plain_reveal_rate_undo_quit_then_resume(make_vault: MakeVault) -> None:
    vault = sums_vault(make_vault)
    # card 1: reveal, Good; card 2: reveal, Again; on card 3, undo: card 2 again,
    # reveal, Easy; card 3 again: quit
    code, out, err = quiz(vault, input="\n3\n\n1\nu\n\n4\nq\n")
    assert code == 0, err
    assert out.count("What is 2+2?") == 1
    assert out.count("What is 4+4?") == 2
    assert out.count("What is 6+6?") == 2
    assert "1 Again · 1m   2 Hard · 6m   3 Good · 10m   4 Easy · 8d" in out
    assert "1/3 · due 0 · new 3 · done 0   vault   maths.md > Sums" in out
    assert "3/4 · due 1 · new 1 · done 2   vault   maths.md > Sums" in out  # after undo, Easy
    assert "Undone" in out
    assert "Reviewed 2 cards in " in out
    assert "Again 0 · Hard 0 · Good 1 · Easy 1" in out
    assert "Next card due in 10m (2026-01-01 09:10)." in out
    assert "1 new card waiting." in out
    with ReviewStore.open(vault / ".flashgen" / "reviews.sqlite3") as store:
        assert [r.rating for r in store.reviews()] == [Rating.GOOD, Rating.EASY]

    code, out, _ = quiz(vault, input="q\n")
    assert code == 0
    assert re.search(r"due 1 · new 1 · done 0 .*\n\nWhat is 6\+6\?", out)


def test_plain_commands_e_and_missing_image(make_vault: MakeVault) -> None:
    vault = sums_vault(make_vault)
    code, out, _ = quiz(vault, "--note", "maths", input="e\n\n4\no\nq\n")
    assert code == 0
    assert f"{vault.as_posix()}/maths.md:3" in out
    assert "image: pic.png" in out  # the embed, shown as its path
    assert "This card has no image." in out


def test_plain_new_limit_and_nothing_due(make_vault: MakeVault) -> None:
    vault = sums_vault(make_vault)
    code, out, _ = quiz(vault, "--new", "0", input="")
    assert code == 0
    assert "Nothing is due" in out
    assert "3 new cards waiting." in out


def test_filter_matching_nothing_is_an_error(make_vault: MakeVault) -> None:
    code, _, err = quiz(sums_vault(make_vault), "--deck", "Nope")
    assert code == 1
    assert err == "Error: no deck 'Nope' among the cards; the closest: vault\n"


def test_without_a_terminal_quiz_refuses(make_vault: MakeVault) -> None:
    result = CliRunner().invoke(cli, ["quiz", str(sums_vault(make_vault))], input="")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: flashgen quiz reads single keys and needs a terminal;"
        " use --plain to answer line by line from a script\n"
    )


def test_state_option_moves_the_store_and_build_keeps_it(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = sums_vault(make_vault)
    elsewhere = tmp_path / "state" / "mine.sqlite3"
    assert quiz(vault, "--state", str(elsewhere), input="\n3\nq\n")[0] == 0
    assert elsewhere.is_file()
    assert not (vault / ".flashgen" / "reviews.sqlite3").exists()
    assert quiz(vault, input="\n3\nq\n")[0] == 0
    default = vault / ".flashgen" / "reviews.sqlite3"
    before = default.stat().st_size
    result = CliRunner().invoke(cli, ["build", str(vault), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert default.is_file() and default.stat().st_size == before


def test_corrupt_store_is_kept_aside_with_a_warning(make_vault: MakeVault) -> None:
    vault = sums_vault(make_vault)
    path = vault / ".flashgen" / "reviews.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"garbage" * 1000)
    code, _, err = quiz(vault, input="\n3\nq\n")
    assert code == 0
    assert err.startswith(
        f"warning: {path} is damaged (file is not a database); it is kept as"
        f" {path}.corrupt-1, and a new review store is started"
    )
    assert (path.parent / "reviews.sqlite3.corrupt-1").read_bytes() == b"garbage" * 1000
    with ReviewStore.open(path) as store:
        assert len(store.reviews()) == 1


# The key-driven UI in a real pseudo-terminal


def spawn(
    vault: Path,
    state: Path,
    now: str = NOW,
    *options: str,
    size: tuple[int, int] = (50, 200),
    **env: str,
) -> pexpect.spawn:
    """``flashgen quiz`` in a pseudo-terminal of *size* (rows, columns); no editor set."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL", "TMUX")},
        "FLASHGEN_NOW": now,
        "TZ": "UTC",
        "PYTHONPATH": str(REPO),
        **env,
    }
    command = ["-m", "flashgen", "quiz", str(vault), "--state", str(state), *options]
    return pexpect.spawn(
        sys.executable,
        command,
        env=environment,
        dimensions=size,
        encoding="utf-8",
        timeout=15,
    )


def fsrs_choices(history: list[tuple[fsrs.Rating, datetime]], at: datetime) -> str:
    """The rating line FSRS itself gives after *history*, fuzz off."""
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=T0)
    for rating, moment in history:
        card, _ = scheduler.review_card(card, rating, moment)
    parts = []
    for rating in fsrs.Rating:
        after, _ = scheduler.review_card(card, rating, at)
        parts.append(f"{int(rating)} {rating.name} · {format_interval(after.due - at)}")
    return "   ".join(parts)


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_pty_keys_show_fsrs_intervals_and_resume_later(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    child = spawn(vault, state)
    child.expect_exact("due 0 · new 3 · done 0")
    child.expect_exact("What is 2+2?")
    child.send(" ")
    child.expect_exact(fsrs_choices([], T0))
    child.send("4")
    child.expect_exact("What is 4+4?")
    child.send("q")
    assert "Reviewed 1 card in " in finish(child)

    eight_days = T0 + timedelta(days=8)
    child = spawn(vault, state, now=eight_days.isoformat())
    child.expect_exact("due 1 · new 2 · done 0")
    child.expect_exact("What is 2+2?")  # due again: shown before the new cards
    child.send("\r")
    child.expect_exact(fsrs_choices([(fsrs.Rating.Easy, T0)], eight_days))
    child.send("3")
    child.expect_exact("What is 4+4?")
    child.send("q")
    finish(child)


def test_pty_undo_quit_and_resume(make_vault: MakeVault, tmp_path: Path) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    child = spawn(vault, state)
    child.expect_exact("What is 2+2?")
    child.send("3")  # a rating before the answer is shown does nothing
    child.expect_exact("show the answer first")
    child.send(" ")
    child.expect_exact("3 Good · 10m")
    child.send("3")
    child.expect_exact("What is 4+4?")
    child.send("u")
    child.expect_exact("Undone")  # in the status line, under the card it brings back
    assert "What is 2+2?" in child.before.rsplit("\x1b[2J", 1)[-1]
    child.send(" ")
    child.expect_exact("1 Again · 1m")
    child.send("1")
    child.expect_exact("What is 4+4?")
    child.send("q")
    out = finish(child)
    assert "Reviewed 1 card in " in out
    assert "Again 1 · Hard 0 · Good 0 · Easy 0" in out
    with ReviewStore.open(state) as store:
        assert [(r.rating, r.reviewed_at) for r in store.reviews()] == [(Rating.AGAIN, T0)]

    child = spawn(vault, state)
    child.expect_exact("due 1 · new 2 · done 0")  # the failed card comes after the new ones
    child.expect_exact("What is 4+4?")
    child.send("q")
    finish(child)


def test_sigkill_right_after_an_answer_keeps_it(make_vault: MakeVault, tmp_path: Path) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    child = spawn(vault, state)
    child.expect_exact("What is 2+2?")
    child.send(" ")
    child.expect_exact("4 Easy · 8d")
    child.send("2")
    child.expect_exact("What is 4+4?")  # shown only once the answer is committed
    child.kill(signal.SIGKILL)
    child.wait()
    with ReviewStore.open(state) as store:
        assert [r.rating for r in store.reviews()] == [Rating.HARD]
        assert store.state(store.reviews()[0].card_id) is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fakes xdg-open")
def test_pty_source_image_and_obsidian_keys(make_vault: MakeVault, tmp_path: Path) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    bin_dir, opened = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    fake = bin_dir / "xdg-open"
    fake.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    child = spawn(vault, state, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    child.expect_exact("What is 2+2?")
    child.send("e")
    child.expect_exact(f"{vault.as_posix()}/maths.md:3")
    child.send("o")
    child.expect_exact("opening ")
    child.send("O")
    child.expect_exact("opening obsidian://open?vault=vault&file=maths")
    child.send("q")
    finish(child)
    for _ in range(50):  # the opener runs in the background
        if opened.exists() and len(opened.read_text().splitlines()) == 2:
            break
        time.sleep(0.05)
    assert opened.read_text().splitlines() == [
        str(vault / "pic.png"),
        "obsidian://open?vault=vault&file=maths",
    ]


def test_pty_without_an_opener_prints_the_target(make_vault: MakeVault, tmp_path: Path) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    child = spawn(vault, state, PATH=str(empty))
    child.expect_exact("What is 2+2?")
    child.send("o")
    child.expect_exact(f"no opener found; open it yourself: {vault / 'pic.png'}")
    child.send("q")
    finish(child)


def test_a_second_session_on_the_store_is_refused(make_vault: MakeVault, tmp_path: Path) -> None:
    vault, state = sums_vault(make_vault), tmp_path / "r.sqlite3"
    first = spawn(vault, state)
    first.expect_exact("What is 2+2?")
    second = spawn(vault, state)
    second.expect_exact("another flashgen quiz is running on")
    second.expect_exact("answer or quit it (q) first, then start this one again")
    second.expect(pexpect.EOF)
    second.close()
    assert second.exitstatus == 1
    first.send(" ")
    first.expect_exact("4 Easy")
    first.send("3")
    first.expect_exact("What is 4+4?")
    first.send("q")
    finish(first)
    third = spawn(vault, state)  # the lock went with the first session
    third.expect_exact("What is 4+4?")
    third.send("q")
    finish(third)
    with ReviewStore.open(state) as store:
        assert [r.rating for r in store.reviews()] == [Rating.GOOD]
    assert sqlite3.connect(state).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_ctrl_c_quits_with_a_summary(make_vault: MakeVault, tmp_path: Path) -> None:
    child = spawn(sums_vault(make_vault), tmp_path / "r.sqlite3")
    child.expect_exact("What is 2+2?")
    child.sendintr()
    out = finish(child)
    assert "Reviewed 0 cards in 0s" in out
    assert "3 new cards waiting." in out


def test_spaced_repetition_history_starts_the_quiz_state(make_vault: MakeVault) -> None:
    note = (
        "---\ntags: [flashcards]\n---\n"
        "Kenya::Nairobi <!--SR:!2026-02-11,84,290-->\n\nFrance::Paris\n"
    )
    vault = make_vault({"geo.md": note})
    code, out, err = quiz(vault, input="q\n")
    assert code == 0, err
    # Kenya is due on 2026-02-11 by its history, so only the new card is shown
    assert "France" in out and "Kenya" not in out
    kenya = next(card for card in collect(vault).cards if card.front == "Kenya")
    with ReviewStore.open(vault / ".flashgen" / "reviews.sqlite3") as store:
        state = store.state(kenya.id)
    assert state is not None and state.last_review is not None
    assert state.due == datetime(2026, 2, 11, tzinfo=UTC)  # TZ=UTC in quiz()
    assert state.due - state.last_review == timedelta(days=84)

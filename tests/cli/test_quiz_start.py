"""The quiz's start on a warm build cache: only what the first card needs is loaded.

Counted, never timed: which cards are decoded, which store rows are read, which modules
are imported. And a quiz after an edit still shows the notes as they are now.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

from flashgen.build.pipeline import collect
from flashgen.cli.progress import Bars
from flashgen.model import Card, CardKind
from flashgen.review.scheduler import Phase, Rating
from flashgen.review.session import Lineup, QuizSession
from flashgen.review.store import ReviewStore
from tests.cli.test_cli import LOADED
from tests.cli.test_quiz import NOW, T0, answer, quiz
from tests.conftest import REPO, MakeVault
from tests.helpers import QA

HISTORY = (
    "---\ntags: [flashcards]\n---\n"
    "A ==dog== is a chien, a ==cat== is a chat.\n\n"
    "Kenya::Nairobi <!--SR:!2026-02-11,84,290-->\n\nFrance::Paris\n"
)


def questions(note: int, count: int) -> str:
    """A note of *count* question callouts: ``Question <card> of note <note>?``."""
    return f"# Note {note}\n\n" + "".join(
        QA.format(q=f"Question {card} of note {note}?", a=f"Answer {card}.")
        for card in range(count)
    )


def age(vault: Path) -> None:
    """Date the vault's files an hour back: the build cache takes them whole from then on."""
    past = time.time() - 3600
    for path in vault.rglob("*"):
        if path.is_file() and ".flashgen" not in path.parts:
            os.utime(path, (past, past))


def warm_vault(make_vault: MakeVault) -> Path:
    """Notes of 2, 3 and 4 cards and one without cards, read once (the cache written)."""
    vault = make_vault(
        {
            "a.md": questions(1, 2),
            "b.md": "Just prose, no cards.\n",
            "c.md": questions(2, 3),
            "d.md": questions(3, 4),
        }
    )
    age(vault)
    collect(vault, now=time.time())  # as the CLI does: a scan now, not as old as the files
    return vault


def shown(out: str) -> list[str]:
    """The questions a --plain quiz printed, in order."""
    return re.findall(r"Question \d of note \d[^?\n]*\?", out)


def test_the_quiz_decodes_only_the_note_of_the_card_it_shows(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = warm_vault(make_vault)
    decoded: list[str] = []
    original = Card.from_record

    def counted(record: tuple[object, ...]) -> Card:
        card = original(record)
        decoded.append(card.front)
        return card

    monkeypatch.setattr(Card, "from_record", staticmethod(counted))
    code, out, err = quiz(vault, input="q\n")
    assert code == 0, err
    assert shown(out) == ["Question 0 of note 1?"]
    assert "1/9 · due 0 · new 9" in out  # the whole queue is known...
    assert decoded == ["Question 0 of note 1?", "Question 1 of note 1?"]  # ...one note decoded


def test_the_quiz_after_an_edit_shows_the_notes_as_they_are_now(make_vault: MakeVault) -> None:
    vault = warm_vault(make_vault)
    assert quiz(vault, input="q\n")[0] == 0  # a quiz on the warm cache, then an edit
    (vault / "a.md").write_text(
        "# Note 1\n\n" + QA.format(q="Question 0 of note 1, edited?", a="Answer 0."),
        encoding="utf-8",
    )
    (vault / "d.md").unlink()
    code, out, err = quiz(vault, input="\n4\n" * 4)  # Easy: none comes back today
    assert code == 0, err
    assert shown(out) == [
        "Question 0 of note 1, edited?",
        *(f"Question {card} of note 2?" for card in range(3)),
    ]
    assert "Reviewed 4 cards" in out
    assert "Question 1 of note 1?" not in out and "note 3" not in out  # removed cards


def test_cards_come_whole_from_the_cache_by_position(make_vault: MakeVault) -> None:
    vault = warm_vault(make_vault)
    (vault / "e.md").write_text(HISTORY, encoding="utf-8")
    fresh = collect(vault)  # a.md to d.md from the cache, e.md just parsed
    assert fresh.notes_parsed == 1
    for built in (fresh, collect(vault)):  # and all of them from the cache
        cards = [built.card_at(index) for index in range(built.card_count())]
        assert cards == collect(vault, cache=False, save=False).cards
        assert built.card_ids() == [card.id for card in cards]
        assert built.families() == [card.family for card in cards]
        assert [card.front for card in built.history_cards()] == ["Kenya"]
        with pytest.raises(IndexError):
            built.card_at(len(cards))
    families = [card.family for card in cards if card.kind == CardKind.CLOZE]
    assert len(families) == 2 and families[0] == families[1] != ""  # the passage's siblings


def test_history_from_the_cache_seeds_a_new_store(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"geo.md": HISTORY})
    age(vault)
    collect(vault, now=time.time())  # as the CLI does: a scan now, not as old as the files
    code, out, err = quiz(vault, "--state", str(tmp_path / "new.sqlite3"), input="\n4\n" * 3)
    assert code == 0, err
    assert "France" in out and "Kenya" not in out  # due on 2026-02-11 by its history
    assert "Reviewed 2 cards" in out  # a deletion (its sibling waits) and France


def test_a_session_takes_each_card_whole_only_when_it_shows_it(tmp_path: Path) -> None:
    ids = [f"c{n}" for n in range(100)]
    families = [f"f{n // 2}" for n in range(100)]  # pairs of siblings
    asked: list[int] = []

    def card_at(index: int) -> Card:
        asked.append(index)
        return Card(ids[index], CardKind.QA, f"front {index}", "back", "a.md", index + 1,
                    family=families[index])  # fmt: skip

    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        lineup = Lineup(ids, families, card_at)
        session = QuizSession(store, lineup, T0, new_limit=50, bury_since=T0)
        assert session.progress(T0).new == 50 and session.summary().new_waiting == 100
        assert asked == []
        first = session.next_card(T0)
        assert first is not None and first.id == "c0" and asked == [0]
        answer(session, first, Rating.EASY, T0)
        second = session.next_card(T0)
        assert second is not None and second.id == "c2"  # its sibling c1 is buried today
        assert asked == [0, 2]
        assert session.summary().new_waiting == 97  # c0 and c2 shown, c1 buried
        assert session.summary().buried == 1
    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        session = QuizSession(store, lineup, T0, bury_since=T0)
        assert session.summary().buried == 1
        assert asked == [0, 2]


def test_the_store_reads_only_the_due_and_learning_states(tmp_path: Path) -> None:
    with ReviewStore.open(tmp_path / "r.sqlite3", fuzz=False) as store:
        assert store.card_ids() == set() and store.due_by(T0) == {}
        store.seed_state("overdue", T0 - timedelta(days=1), 10, 2.5, T0)
        store.seed_state("later", T0 + timedelta(days=5), 10, 2.5, T0)
        learning = Card("learning", CardKind.QA, "front", "back", "a.md", 1)
        store.answer(store.preview(learning, T0), Rating.AGAIN, T0, 1000)
        assert store.card_ids() == {"overdue", "later", "learning"}
        due = store.due_by(T0)
        assert due.keys() == {"overdue", "learning"}  # learning ones whenever they are due
        assert due["overdue"].due == T0 - timedelta(days=1)
        assert due["overdue"].phase == Phase.REVIEW and due["learning"].phase == Phase.LEARNING
        assert store.due_by(T0 + timedelta(days=6)).keys() == {"overdue", "later", "learning"}


def test_a_quiz_on_a_warm_cache_loads_only_what_its_first_card_needs(make_vault: MakeVault) -> None:
    vault = warm_vault(make_vault)
    done = subprocess.run(
        [sys.executable, "-c", LOADED, "quiz", str(vault), "--plain"],
        input="q\n",
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "FLASHGEN_NOW": NOW},
    )
    assert "Question 0 of note 1?" in done.stdout
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    assert {"flashgen.review.session", "flashgen.cli.quiz_screen"} <= loaded  # a real quiz
    unneeded = {
        "flashgen.sources.registry",  # no note to parse
        "multiprocessing",  # nor a pool to parse them in
        "yaml",  # no flashgen.yaml
        "rich.progress",  # no bar: nothing to read
        "fsrs",  # no card scheduled before its answer is shown
        "pylatexenc",  # no math on the card
        "PIL",  # no picture
    }
    assert unneeded & loaded == set()


def test_progress_bars_start_with_a_step_that_has_work_left() -> None:
    def drawn(*steps: tuple[int, int]) -> str:
        file = io.StringIO()
        bars = Bars(Console(file=file, force_terminal=True, width=80))
        for done, total in steps:
            bars.notes(done, total)
        bars.stop()
        return file.getvalue()

    assert drawn((400, 400)) == ""  # every note from the cache: nothing to show
    assert drawn((10, 20), (20, 20)) == ""  # too few to be worth a bar
    assert "reading notes" in drawn((100, 400), (400, 400))

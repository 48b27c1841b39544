"""Review history from obsidian-spaced-repetition, carried into a real Anki collection."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import anki.collection  # noqa: F401  (before anki.cards, which alone is a circular import)
import pytest
from anki.cards import Card as AnkiCard
from anki.cards import CardId
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from flashgen.anki.package import write_apkg
from flashgen.model import Card, CardKind, SrHistory
from tests.helpers import notes_by_guid, open_collection, review, revlog, scheduling

T0 = 1_700_000_000.0
REPO = Path(__file__).resolve().parent.parent.parent
SR_DUE = date(2024, 2, 11)
NEW, REVIEW = 0, 2
"""Anki's card type (and queue) of a new card and of a card in review."""

SEEN = Card(
    id="sr-1",
    kind=CardKind.QA,
    front="What does SM-2 multiply the interval by?",
    back="The ease",
    note="Memory.md",
    line=3,
    deck="notes",
    history=SrHistory(SR_DUE, 84, 290),
)
UNSEEN = Card(
    id="plain-1",
    kind=CardKind.QA,
    front="Who wrote SM-2?",
    back="Piotr Wozniak",
    note="Memory.md",
    line=7,
    deck="notes",
)

# Runs in a child process whose TZ is the importer's time zone: Anki reads it once.
IMPORT_IN_ZONE = """
import sys
from pathlib import Path
from tests.helpers import open_collection
from tests.anki.test_history import card_of, due_date, import_package
col = open_collection(Path(sys.argv[2]))
import_package(col, Path(sys.argv[1]), with_scheduling=True)
print(due_date(col, card_of(col, "sr-1")).isoformat(), end="")
col.close()
"""


def build(cards: tuple[Card, ...], out: Path, timestamp: float = T0) -> Path:
    write_apkg(cards, out, vault_root=out.parent, vault_name="Vault", timestamp=timestamp)
    return out


def import_package(col: Collection, package: Path, *, with_scheduling: bool) -> None:
    """Import *package* as Anki's import dialog does, ticking "Import any learning progress"
    when *with_scheduling*."""
    options = ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=with_scheduling)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))


def card_of(col: Collection, guid: str) -> AnkiCard:
    """The only card of the note *guid*."""
    (card_id,) = notes_by_guid(col)[guid].card_ids
    return col.get_card(CardId(card_id))


def due_date(col: Collection, card: AnkiCard) -> date:
    """The local day the review card *card* is due on.

    Its ``due`` counts days from the collection's creation day; Anki dates a collection
    it creates at 4 am local time, the hour its days start.
    """
    return date.fromtimestamp(col.crt) + timedelta(days=card.due)


def anki_today(col: Collection) -> date:
    """The day Anki considers today: the local date, until the rollover hour (4 am)."""
    return (datetime.now() - timedelta(hours=col.get_config("rollover", 4))).date()


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = open_collection(tmp_path / "anki")
    yield collection
    collection.close()


def test_history_arrives_as_a_review_card_with_learning_progress(
    col: Collection, tmp_path: Path
) -> None:
    import_package(col, build((SEEN, UNSEEN), tmp_path / "deck.apkg"), with_scheduling=True)

    seen = card_of(col, "sr-1")
    assert (seen.type, seen.queue, seen.ivl, seen.factor) == (REVIEW, REVIEW, 84, 2900)
    assert seen.reps == 1
    assert due_date(col, seen) == SR_DUE
    # Anki's own reading of the due day, against the real date: overdue since 2024-02-11.
    days = (SR_DUE - anki_today(col)).days
    assert col.find_cards(f"prop:due={days}") == [seen.id]
    assert col.find_cards("is:due") == [seen.id]

    unseen = card_of(col, "plain-1")
    assert (unseen.type, unseen.queue, unseen.ivl, unseen.reps) == (NEW, NEW, 0, 0)


def test_without_learning_progress_cards_arrive_new_and_stay_new(
    col: Collection, tmp_path: Path
) -> None:
    package = build((SEEN, UNSEEN), tmp_path / "deck.apkg")
    import_package(col, package, with_scheduling=False)
    assert {guid: card_of(col, guid).type for guid in ("sr-1", "plain-1")} == {
        "sr-1": NEW,
        "plain-1": NEW,
    }

    # Ticking the option later is too late: Anki never reschedules a card it has.
    import_package(col, build((SEEN, UNSEEN), package, T0 + 60), with_scheduling=True)
    seen = card_of(col, "sr-1")
    assert (seen.type, seen.queue, seen.ivl) == (NEW, NEW, 0)


def test_reimport_keeps_ankis_own_reviews(col: Collection, tmp_path: Path) -> None:
    package = build((SEEN, UNSEEN), tmp_path / "deck.apkg")
    import_package(col, package, with_scheduling=True)
    card_id = card_of(col, "sr-1").id
    review(col, card_id)
    state, reviews = scheduling(col, card_id), revlog(col, card_id)
    assert len(reviews) == 1 and state[3] != 84

    # Meanwhile the note changed and was reviewed in Obsidian once more.
    later = dataclasses.replace(
        SEEN,
        back="The ease factor",
        history=SrHistory(date(2024, 9, 30), 200, 310),
    )
    import_package(col, build((later, UNSEEN), package, T0 + 60), with_scheduling=True)

    assert notes_by_guid(col)["sr-1"].fields["Back"] == "The ease factor"
    assert scheduling(col, card_id) == state
    assert revlog(col, card_id) == reviews
    assert card_of(col, "sr-1").factor == 2900  # "Good" kept the ease; the note's 310 % is ignored


# POSIX TZ strings (no tz database needed); "XXX-13" is 13 hours east of UTC. The
# zones far from UTC are where genanki's own day count would put the card a day off.
ZONES = ("UTC0", "XXX-13", "XXX-14", "XXX+12", "XXX-5:30", "NZST-12NZDT,M9.5.0,M4.1.0/3")


@pytest.mark.parametrize("zone", ZONES)
def test_due_day_is_the_same_in_every_time_zone(zone: str, tmp_path: Path) -> None:
    package = build((SEEN,), tmp_path / "deck.apkg")
    env = {**os.environ, "TZ": zone, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_ZONE, str(package), str(tmp_path / "anki")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == SR_DUE.isoformat()


def test_package_is_the_same_whenever_it_is_built(tmp_path: Path) -> None:
    first = build((SEEN, UNSEEN), tmp_path / "one.apkg").read_bytes()
    assert build((SEEN, UNSEEN), tmp_path / "two.apkg").read_bytes() == first

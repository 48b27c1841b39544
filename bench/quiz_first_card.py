"""Time from ``flashgen quiz`` to the first card, on a vault of 10,000 notes / 50,000 cards.

Run: ``python bench/quiz_first_card.py [--notes N]`` from the repository root.

It writes the notes (5 question callouts each) into a temporary folder, then measures

1. the library calls the command makes, one by one (read the notes, open the store,
   build the session, take the first card), with an empty store and with a store that
   holds a state and a log row for every card;
2. the whole command, end to end: ``python -m flashgen quiz VAULT --plain`` in a
   pseudo-terminal, from spawning the process until the first card's question is shown.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flashgen.build.pipeline import collect  # noqa: E402
from flashgen.review.scheduler import Phase  # noqa: E402
from flashgen.review.session import QuizSession  # noqa: E402
from flashgen.review.store import ReviewStore  # noqa: E402

NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
CARDS_PER_NOTE = 5


def write_vault(root: Path, notes: int) -> None:
    """*notes* notes in folders of 100, each with a heading and 5 question callouts."""
    for number in range(notes):
        folder = root / f"topic{number // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        questions = "\n".join(
            f"> [!QUESTION] Question {card} of note {number}: what is **{card} x {number}**?\n"
            f"> It is {card * number}, see $a \\cdot b$.\n"
            for card in range(CARDS_PER_NOTE)
        )
        (folder / f"note{number:05d}.md").write_text(
            f"---\ntags: [bench]\n---\n# Note {number}\n\n## Questions\n\n{questions}",
            encoding="utf-8",
        )


def fill_store(path: Path, card_ids: list[str]) -> None:
    """Give every card a review state (due from today on) and one log row, in one go."""
    ReviewStore.open(path).close()  # creates the schema
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO card_state (card_id, phase, step, stability, difficulty, due,"
            " last_review, note, line, front) VALUES (?, ?, NULL, 10.0, 5.0, ?, ?, '', 0, '')",
            [
                (
                    card_id,
                    int(Phase.REVIEW),
                    (NOW + timedelta(days=index % 30 - 5)).isoformat(timespec="microseconds"),
                    (NOW - timedelta(days=10)).isoformat(timespec="microseconds"),
                )
                for index, card_id in enumerate(card_ids)
            ],
        )
        db.executemany(
            "INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms)"
            " VALUES (?, ?, 3, 4000)",
            [
                (card_id, (NOW - timedelta(days=10)).isoformat(timespec="microseconds"))
                for card_id in card_ids
            ],
        )
    db.close()


def library_timings(vault: Path, store_path: Path) -> dict[str, float]:
    """Seconds for each step of the command before the first card is drawn."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    built = collect(vault)
    timings["read notes (collect)"] = time.perf_counter() - start
    mark = time.perf_counter()
    with ReviewStore.open(store_path) as store:
        timings["open store"] = time.perf_counter() - mark
        mark = time.perf_counter()
        session = QuizSession(store, built.cards, NOW)
        timings["build session"] = time.perf_counter() - mark
        mark = time.perf_counter()
        card = session.next_card(NOW)
        assert card is not None
        session.preview(card, NOW)
        timings["first card + intervals"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    return timings


def end_to_end(vault: Path, store_path: Path) -> float:
    """Seconds from spawning ``flashgen quiz --plain`` to its first question on screen."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "FLASHGEN_NOW": NOW.isoformat()}
    start = time.perf_counter()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "flashgen", "quiz", str(vault), "--plain", "--state", str(store_path)],
        env=env,
        encoding="utf-8",
        timeout=600,
        dimensions=(50, 200),
    )
    child.expect(r"Question \d of note \d+")
    elapsed = time.perf_counter() - start
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def main() -> None:
    """Generate the vault, run both measurements with both stores, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="notes to generate")
    notes = parser.parse_args().notes
    with tempfile.TemporaryDirectory(prefix="flashgen-bench-") as temp:
        vault = Path(temp) / "vault"
        mark = time.perf_counter()
        write_vault(vault, notes)
        print(f"wrote {notes} notes in {time.perf_counter() - mark:.1f}s")
        mark = time.perf_counter()
        card_ids = collect(vault).card_ids()
        print(f"{len(card_ids)} cards; first read of the notes: {time.perf_counter() - mark:.1f}s")
        print("(later runs read unchanged notes from the build cache, if the build has one)")
        empty, full = Path(temp) / "empty.sqlite3", Path(temp) / "full.sqlite3"
        fill_store(full, card_ids)
        for label, store_path in (("empty store", empty), (f"{len(card_ids)} states", full)):
            print(f"\nlibrary calls, {label}:")
            for step, seconds in library_timings(vault, store_path).items():
                print(f"  {step:<24} {seconds * 1000:8.0f} ms")
        for label, store_path in (("empty store", empty), (f"{len(card_ids)} states", full)):
            seconds = end_to_end(vault, store_path)
            print(f"\nflashgen quiz --plain, {label}: first card after {seconds:.2f}s")


if __name__ == "__main__":
    main()

"""Time from ``flashgen quiz`` to the first card, on a vault of 10,000 notes / 50,000 cards.

Run: ``python bench/quiz_first_card.py [--notes N] [--runs R] [OTHER_TREE ...]`` from the
repository root; an older source tree to compare with (timed end to end only, on its own
copy of the vault) can be made with ``git archive <commit> | tar -x -C DIR``.

It writes the notes (5 question callouts each) into a temporary folder, reads them once
(the build cache is then warm, as after any build), and measures, with an empty store and
with a store that holds a state and a log row for every card:

1. the whole command, end to end: ``python -m flashgen quiz VAULT --plain`` in a
   pseudo-terminal, from spawning the process until the first card's question is shown
   (the best and the median of *R* runs, after one unmeasured run that leaves Python's
   bytecode cache written, as an installed flashgen has it);
2. what that time is made of: the same steps in a fresh process, one by one (the
   interpreter's start, the imports, reading the notes, the session, drawing the card),
   each the best of three processes.

The machine's load is printed beside the figures: compare figures of one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flashgen.build.cache import RACY_NS  # noqa: E402
from flashgen.build.pipeline import collect  # noqa: E402
from flashgen.review.scheduler import Phase  # noqa: E402
from flashgen.review.store import ReviewStore  # noqa: E402

NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
CARDS_PER_NOTE = 5
ENV = {
    **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": str(REPO),
    "FLASHGEN_NOW": NOW.isoformat(),
}
"""The quiz's environment: this checkout, a fixed clock, and bytecode caching left on."""


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


def end_to_end(vault: Path, store_path: Path, source: Path = REPO) -> float:
    """Seconds from spawning ``flashgen quiz --plain`` (of the tree *source*) to its first
    question on screen."""
    start = time.perf_counter()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "flashgen", "quiz", str(vault), "--plain", "--state", str(store_path)],
        env={**ENV, "PYTHONPATH": str(source)},
        cwd=source,  # ``-m`` looks in the working folder first
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


STEPS = r"""
import io, sys, time
start = time.perf_counter()
marks = []
def mark(label):
    global start
    now = time.perf_counter()
    marks.append((label, now - start))
    start = now
from pathlib import Path
from datetime import UTC, datetime
import flashgen.cli.commands
mark("import the CLI (click)")
from flashgen.build.pipeline import collect
from flashgen.cli.card_markdown import CardMarkdown, Look
from flashgen.cli.screen import make_console
import flashgen.cli.quiz_screen, flashgen.cli.images
from flashgen.review.lock import QuizLock
from flashgen.review.seeding import seed_review_store
from flashgen.review.session import Lineup, QuizSession
from flashgen.review.store import ReviewStore
mark("import the quiz (rich, markdown-it)")
vault, store_path = Path(sys.argv[1]), Path(sys.argv[2])
now = datetime.fromisoformat(sys.argv[3])
built = collect(vault, now=time.time())
mark("read the notes (collect)")
lineup = Lineup(built.card_ids(), built.families(), built.card_at)
seeds = built.history_cards()
mark("ids and families")
lock = QuizLock.take(store_path)
with ReviewStore.open(store_path) as store:
    seed_review_store(store, seeds, UTC, now)
    session = QuizSession(store, lineup, now, bury_since=now)
    mark("open the store, make the session")
    card = session.next_card(now)
    mark("take the first card (decode it)")
    console = make_console(io.StringIO())
    console.print(CardMarkdown(card.front, Look(built.vault.root, None, built.line_breaks)))
    mark("draw its question")
lock.close()
for label, seconds in marks:
    print(f"{label}\t{seconds}")
"""


def breakdown(vault: Path, store_path: Path, runs: int = 3) -> list[tuple[str, float]]:
    """The quiz's steps up to its first card, timed one by one in a fresh process: the
    best of *runs* processes for each step."""
    best: dict[str, float] = {}
    for _run in range(runs):
        floor = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=ENV, cwd=REPO, check=True)
        steps = [("start Python (python -c pass)", time.perf_counter() - floor)]
        done = subprocess.run(
            [sys.executable, "-c", STEPS, str(vault), str(store_path), NOW.isoformat()],
            env=ENV,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stdout.splitlines():
            label, figure = line.split("\t")
            steps.append((label, float(figure)))
        for label, seconds in steps:
            best[label] = min(best.get(label, seconds), seconds)
    return list(best.items())


def main() -> None:
    """Generate the vault, run both measurements with both stores, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="notes to generate")
    parser.add_argument("--runs", type=int, default=5, help="end-to-end runs per store")
    parser.add_argument("others", nargs="*", type=Path, help="other source trees to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flashgen-bench-") as temp:
        vault = Path(temp) / "vault"
        mark = time.perf_counter()
        write_vault(vault, args.notes)
        print(f"wrote {args.notes} notes in {time.perf_counter() - mark:.1f}s")
        # Notes modified within RACY_NS of a build are read again by the next one: wait,
        # so that the first read leaves a cache every later run takes whole.
        time.sleep(RACY_NS / 1e9)
        mark = time.perf_counter()
        card_ids = collect(vault).card_ids()
        print(f"{len(card_ids)} cards; first read of the notes: {time.perf_counter() - mark:.1f}s")
        empty, full = Path(temp) / "empty.sqlite3", Path(temp) / "full.sqlite3"
        fill_store(full, card_ids)
        stores = (("empty store", empty), (f"{len(card_ids):,} states", full))
        # Each tree reads its own copy of the vault: the build cache is made per version.
        trees = [(REPO, vault)] + [
            (other, shutil.copytree(vault, Path(temp) / f"vault-{number}", symlinks=True))
            for number, other in enumerate(args.others)
        ]
        for source, copy in trees:  # writes the bytecode cache, the build cache, the store
            end_to_end(copy, empty, source)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        cores = os.cpu_count()
        print(f"\nflashgen quiz --plain, first card, warm cache (load {load}, {cores} cores)")
        for label, store_path in stores:
            times: dict[Path, list[float]] = {source: [] for source, _copy in trees}
            for _run in range(args.runs):  # the trees in turn, so that load hits them alike
                for source, copy in trees:
                    times[source].append(end_to_end(copy, store_path, source))
            for source, taken in times.items():
                name = "this checkout" if source == REPO else str(source)
                print(
                    f"  {label:<16} {name:<24} best {min(taken):.3f}s"
                    f"  median {statistics.median(taken):.3f}s  ({args.runs} runs)"
                )
        for label, store_path in stores:
            steps = breakdown(vault, store_path)
            total = sum(seconds for _label, seconds in steps)
            print(f"\nwhat it is made of, {label} (best of 3 processes, {total:.3f}s in all):")
            for step, seconds in steps:
                print(f"  {step:<40} {seconds * 1000:6.0f} ms")
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"\nload at the end: {load}")


if __name__ == "__main__":
    main()

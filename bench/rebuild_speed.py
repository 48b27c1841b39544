"""Time incremental builds of a generated vault: full, no change, one note edited.

Usage: python -m bench.rebuild_speed [NOTES] (default 10000)

Each figure is one ``collect`` plus ``update_outputs`` (what ``flashgen build`` does), in
this process, after an untimed warm-up build of a small vault (imports). The export
(decoding every card, rendering the deck, the listing) is timed apart: the no-change
rebuild skips it, the one-edit rebuild cannot. Peak memory is this process's maximum
resident set size, reached during the full build.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.vaultgen import generate_vault
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import update_outputs
from flashgen.build.pipeline import collect


def timed_build(vault: Path, out: Path) -> tuple[int, int, str, float, float]:
    """Collect and export once, as ``flashgen build`` does.

    Returns (notes parsed, cards, the change summary, collect seconds, export seconds);
    the results themselves are dropped, as a process ending would.
    """
    started = time.perf_counter()
    built = collect(vault, now=time.time())  # the CLI passes the clock, too
    collected = time.perf_counter()
    export = update_outputs(built, out, now=time.time(), write_deck=write_apkg)
    exported = time.perf_counter()
    line = f"{export.summary_line()}, deck {'written' if export.written else 'unchanged'}"
    return built.notes_parsed, built.card_count(), line, collected - started, exported - collected


def edit_one_note(vault: Path) -> Path:
    """Fix a "typo" in one question of one note, as a user would."""
    note = next(iter(sorted(vault.glob("area3/sub3/*.md"))))
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("> [!QUESTION] What is", "> [!QUESTION] What's", 1), "utf-8")
    return note


def main(argv: list[str]) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", nargs="?", type=int, default=10_000, help="notes to generate")
    notes: int = parser.parse_args(argv).notes
    with tempfile.TemporaryDirectory() as temp:
        warm = generate_vault(Path(temp) / "warm", 20)
        timed_build(warm, Path(temp) / "warm-out")
        vault = generate_vault(Path(temp) / "vault", notes)
        out = Path(temp) / "out"
        parsed, cards, line, read, write = timed_build(vault, out)
        print(f"vault: {notes} notes, {cards} cards")
        print(f"full build:        {read:6.2f} s + export {write:6.2f} s  ({parsed} parsed)")
        time.sleep(2.1)  # past the cache's racy window, as between two real edits
        timed_build(vault, out)  # confirms the notes written just before the full build
        parsed, cards, line, read, write = timed_build(vault, out)
        assert parsed == 0 and line.endswith("unchanged"), line
        print(f"no-change rebuild: {read + write:6.2f} s  ({line})")
        edited = edit_one_note(vault)
        parsed, cards, line, read, write = timed_build(vault, out)
        assert parsed == 1, parsed
        print(f"one-note edit:     {read:6.2f} s + export {write:6.2f} s  ({line}; {edited.name})")
        time.sleep(2.1)
        timed_build(vault, out)
        parsed, cards, line, read, write = timed_build(vault, out)
        print(f"no-change again:   {read + write:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory:       {peak:6.0f} MB (max RSS)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

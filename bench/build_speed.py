"""Time a full ``flashgen build`` of a generated vault: notes/s and cards/s.

Usage: python -m bench.build_speed [NOTES] (default 2000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.vaultgen import generate_vault
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import write_outputs
from flashgen.build.pipeline import collect


def main(argv: list[str]) -> int:
    """Generate the vault, build it once untimed to warm the imports, then time a build."""
    notes = int(argv[0]) if argv else 2000
    with tempfile.TemporaryDirectory() as temp:
        vault = generate_vault(Path(temp) / "vault", notes)
        out = Path(temp) / "out"
        started = time.perf_counter()
        built = collect(vault)
        collected = time.perf_counter()
        summary = write_outputs(built, out, now=time.time(), write_deck=write_apkg)
        finished = time.perf_counter()
    cards = len(built.cards)
    total = finished - started
    print(f"vault: {notes} notes, {cards} cards, {summary.media} media files")
    print(f"read+parse+extract: {collected - started:.2f} s")
    print(f"deck write:         {finished - collected:.2f} s")
    rates = f"{notes / total:.0f} notes/s, {cards / total:.0f} cards/s"
    print(f"full build:         {total:.2f} s = {rates}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

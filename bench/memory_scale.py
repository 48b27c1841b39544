"""Peak memory and time of a first ``flashgen build`` against vault size, in one run.

Usage: python -m bench.memory_scale [NOTES ...] (default 1000 5000 10000 20000)

For each size, generates a vault (``bench.vaultgen``: 11 cards a note) and runs
``flashgen build`` on it as a fresh process with empty caches, then prints its wall
time, its own peak resident memory (``os.wait4``) and, beside it, the peak of it and
its worker processes together (sampled: their resident sets summed, and their
proportional sets summed, which counts the pages the workers share with the fork
server once), and how much each grows per 1,000 notes, so that growth is seen, not
guessed. The vaults are made and deleted one at a time.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

from bench.build_speed import load_average, measure
from bench.vaultgen import generate_vault


def main(argv: list[str]) -> int:
    """Print one line per vault size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="vault sizes in notes")
    sizes: list[int] = parser.parse_args(argv).sizes or [1000, 5000, 10_000, 20_000]
    print(f"load average before: {load_average()}")
    print(
        "peak memory in MiB: main = flashgen's own process; with workers = it and its pool's"
        " processes, resident sets summed; (PSS) = the same, each shared page counted once"
    )
    print(f"{'notes':>6} {'cards':>7} {'time':>8} {'main':>6} {'with workers':>13} {'(PSS)':>7}")
    rows: list[tuple[int, float, float]] = []
    for notes in sizes:
        with tempfile.TemporaryDirectory() as temp:
            vault = generate_vault(Path(temp) / "vault", notes)
            took, peak, output, tree, proportional = measure(
                [sys.executable, "-m", "flashgen", "build", str(vault), "-o", f"{temp}/out"]
            )
        cards = next((line.split()[3] for line in output.splitlines() if "notes read" in line), "?")
        print(
            f"{notes:6d} {cards:>7} {took:7.1f}s {peak:6.0f} {tree:13.0f} {proportional:7.0f}",
            flush=True,
        )
        rows.append((notes, peak, tree))
    for (small, low, low_tree), (big, high, high_tree) in itertools.pairwise(rows):
        per = 1000 / (big - small)
        print(
            f"{small}→{big} notes: +{(high - low) * per:.1f} MiB per 1,000 notes"
            f" (with workers +{(high_tree - low_tree) * per:.1f})"
        )
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

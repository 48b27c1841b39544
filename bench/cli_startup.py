"""Time ``flashgen --version`` and ``--help``: what every command pays before it starts.

    python -m bench.cli_startup                      # this checkout, 10 runs each
    python -m bench.cli_startup --runs 20 /tmp/old   # and an older source tree beside it

Each figure is the wall time of one whole process (``python -m flashgen …``), the mean
and the best of the runs, beside ``python -c pass`` (the interpreter's own start-up).
An older tree to compare with can be made with ``git archive <commit> | tar -x -C DIR``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str], source: Path, runs: int) -> tuple[float, float]:
    """Mean and best wall time of *runs* runs of *command*, importing flashgen from *source*."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=source, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.mean(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, help="other source trees to time")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    floor = timed([sys.executable, "-c", "pass"], REPO, args.runs)
    print(f"{'python -c pass':<40} mean {floor[0]:.3f} s  best {floor[1]:.3f} s")
    for source in (REPO, *args.sources):
        for option in ("--version", "--help"):
            mean, best = timed([sys.executable, "-m", "flashgen", option], source, args.runs)
            label = f"flashgen {option} ({source.name})"
            print(f"{label:<40} mean {mean:.3f} s  best {best:.3f} s")


if __name__ == "__main__":
    main()

"""Time a first ``flashgen build`` of a generated vault beside the floor, in one run.

Usage: python -m bench.build_speed [NOTES] (default 2000)

Generates the vault (``bench.vaultgen``), then runs, each as a fresh process, the floor
(``bench/floor.py``: one parse and one render per card, genanki, no features) and
``flashgen build`` (empty caches, as a first build), and prints each one's wall time and
peak memory (its maximum resident set size) and flashgen's ratio to the floor. The
machine is shared and noisy: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.vaultgen import generate_vault

REPO = Path(__file__).resolve().parent.parent


def measure(command: list[str]) -> tuple[float, float, str]:
    """Run *command*; return its wall time (s), its peak RSS (MiB) and its stderr+stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{output}")
    return took, usage.ru_maxrss / 1024, output


def main(argv: list[str]) -> int:
    """Print the floor's and flashgen's figures for one generated vault."""
    notes = int(argv[0]) if argv else 2000
    with tempfile.TemporaryDirectory() as temp:
        vault = generate_vault(Path(temp) / "vault", notes)
        floor = measure([sys.executable, "bench/floor.py", str(vault), f"{temp}/floor.apkg"])
        build = measure(
            [sys.executable, "-m", "flashgen", "build", str(vault), "-o", f"{temp}/out"]
        )
    print(f"vault: {notes} notes; {floor[2].strip()}")
    print(f"floor:          {floor[0]:6.2f} s  {floor[1]:5.0f} MiB")
    print(f"flashgen build: {build[0]:6.2f} s  {build[1]:5.0f} MiB")
    print(f"ratio:          {build[0] / floor[0]:6.2f}x time, {build[1] / floor[1]:.2f}x memory")
    for line in build[2].splitlines()[-3:]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

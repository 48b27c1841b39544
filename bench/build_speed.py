"""Time a first ``flashgen build`` of a generated vault beside the floor, in one run.

Usage: python -m bench.build_speed [NOTES] (default 2000)

Generates the vault (``bench.vaultgen``), then runs, each as a fresh process, the floor
(``bench/floor.py``: one parse and one render per card, genanki, no features) and
``flashgen build`` (empty caches, as a first build), and prints each one's wall time and
peak memory (its maximum resident set size) and flashgen's ratio to the floor. The
machine is shared and noisy: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.vaultgen import generate_vault

REPO = Path(__file__).resolve().parent.parent


def _tree_memory(pid: int) -> tuple[int, int]:
    """Resident bytes of process *pid* and all its descendants, summed two ways (0 once
    gone): their resident sets (pages shared by the fork server and its workers counted
    in each), and their proportional sets (each shared page counted once in all)."""
    rss = pss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text().splitlines()
            found = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in rollup[1:]}
            rss += found["Rss"]
            pss += found["Pss"]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, KeyError, IndexError, ValueError):
            continue
    return rss, pss


def measure(
    command: list[str], env: dict[str, str] | None = None, cwd: Path = REPO
) -> tuple[float, float, str, float, float]:
    """Run *command*; return its wall time (s), its peak RSS (MiB), its stderr+stdout,
    and the peaks of it and its worker processes together (MiB, sampled every 20 ms):
    their resident sets summed, and their proportional sets summed.

    The first is the process's own maximum resident set size (``os.wait4``); worker
    processes (flashgen's pool, started by a fork server) are not in it, hence the others.
    The workers share the pages the fork server imported: the resident sum counts those
    once per process, the proportional one once in all (what the machine really holds).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env
    )
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            rss, pss = _tree_memory(process.pid)
            peak[:] = [max(peak[0], rss), max(peak[1], pss)]

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    stop.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed:\n{output}")
    return took, usage.ru_maxrss / 1024, output, peak[0] / 2**20, peak[1] / 2**20


def load_average() -> str:
    """The machine's load averages (1, 5, 15 minutes): the machine is shared."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str]) -> int:
    """Print the floor's and flashgen's figures for one generated vault."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", nargs="?", type=int, default=2000, help="notes to generate")
    notes: int = parser.parse_args(argv).notes
    with tempfile.TemporaryDirectory() as temp:
        vault = generate_vault(Path(temp) / "vault", notes)
        load = load_average()
        floor = measure([sys.executable, "bench/floor.py", str(vault), f"{temp}/floor.apkg"])
        build = measure(
            [sys.executable, "-m", "flashgen", "build", str(vault), "-o", f"{temp}/out"]
        )
    print(f"vault: {notes} notes; {floor[2].strip()}")
    print(f"load average before: {load}")
    print(f"floor:          {floor[0]:6.2f} s  {floor[1]:5.0f} MiB")
    print(
        f"flashgen build: {build[0]:6.2f} s  {build[1]:5.0f} MiB"
        f" (with its workers: {build[3]:.0f} MiB, {build[4]:.0f} MiB proportional)"
    )
    print(f"ratio:          {build[0] / floor[0]:6.2f}x time, {build[1] / floor[1]:.2f}x memory")
    print(f"load average after: {load_average()}")
    for line in build[2].splitlines()[-3:]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

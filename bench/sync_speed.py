"""``flashgen sync`` speed on a generated vault: the first sync into an empty collection,
a sync with nothing to change, and one after a single edit.

    python -m bench.sync_speed 2000
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bench.build_speed import measure
from bench.vaultgen import generate_vault


def main(argv: list[str]) -> int:
    """Print wall time, peak memory and the sync's own summary of each run."""
    notes = int(argv[0]) if argv else 2000
    with tempfile.TemporaryDirectory() as temp:
        vault = generate_vault(Path(temp) / "vault", notes)
        collection = Path(temp) / "anki" / "collection.anki2"
        collection.parent.mkdir()
        make = "import sys; from anki.collection import Collection; Collection(sys.argv[1]).close()"
        subprocess.run([sys.executable, "-c", make, str(collection)], check=True)
        sync = [sys.executable, "-m", "flashgen", "sync", str(vault), "--collection"]
        runs = [("first sync", measure([*sync, str(collection)]))]
        runs.append(("nothing changed", measure([*sync, str(collection)])))
        edited = sorted(vault.rglob("*.md"))[0]
        edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n")
        runs.append(("one note edited", measure([*sync, str(collection)])))
    print(f"vault: {notes} notes")
    for name, (took, memory, output, *_with_workers) in runs:
        summary = [line for line in output.splitlines() if line.startswith("+")]
        print(f"{name:16} {took:6.2f} s  {memory:5.0f} MiB  {summary[-1] if summary else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

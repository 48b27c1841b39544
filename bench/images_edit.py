"""Time a one-note edit in a vault with thousands of images, end to end, in one run.

Usage: python -m bench.images_edit [--images N] [--kib K] [--baseline CHECKOUT]

The vault: N images (default 3,900; half PNG, half JPEG) of K KiB each (default 20) of
random bytes, which do not compress, as photos and screenshots do not; 1,300 notes
of 3 question callouts, each callout embedding one image. A real vault of ~3,900 images
makes a ~300 MB deck; 3,900 x 20 KiB (~80 MB) keeps this inside a small disk budget,
and the figures scale with the bytes copied (``--kib 75`` gives ~300 MB).

Each figure is a fresh ``flashgen build`` process, as a user runs it: a first build,
a no-change rebuild, then one note's question edited, timed. With ``--baseline``, the
same steps are run first with the flashgen of another checkout (``PYTHONPATH``), in
another copy of the vault, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import os
import random
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

from bench.build_speed import REPO, load_average, measure

NOTES = 1300


def _png(rng: random.Random, size: int) -> bytes:
    """A valid PNG of random pixels, *size* bytes or so, stored (noise does not deflate)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    width = 256
    rows = max(1, size // (width * 3))
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(rows))
    header = struct.pack(">IIBBBBB", width, rows, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 0))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def _jpeg(rng: random.Random, size: int) -> bytes:
    """JPEG markers around random bytes: compressed data as far as a zip is concerned."""
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size) + b"\xff\xd9"


def write_vault(root: Path, images: int, kib: int) -> Path:
    """The vault described in the module's docstring."""
    rng = random.Random(7)
    (root / "attachments").mkdir(parents=True)
    names = []
    for number in range(images):
        name = f"shot-{number}.{'png' if number % 2 else 'jpg'}"
        make = _png if name.endswith("png") else _jpeg
        (root / "attachments" / name).write_bytes(make(rng, kib * 1024))
        names.append(name)
    for number in range(NOTES):
        folder = root / f"course{number % 13}"
        folder.mkdir(exist_ok=True)
        questions = "".join(
            f"> [!QUESTION] What does figure {number}.{card} show?\n"
            f"> ![[{names[(number * 3 + card) % images]}|400]] The answer {number}.{card}.\n\n"
            for card in range(3)
        )
        (folder / f"lecture-{number}.md").write_text(f"# Lecture {number}\n\n{questions}")
    return root


def run_steps(vault: Path, out: Path, checkout: Path) -> dict[str, float]:
    """First build, no-change rebuild, one-note edit: seconds of each (fresh processes of
    the flashgen in *checkout*)."""
    command = [sys.executable, "-m", "flashgen", "build", str(vault), "-o", str(out)]
    # Bytecode is cached, as an installed flashgen has it, but in a folder of the run's
    # own: no .pyc files written into the other checkout. The first build warms it.
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "PYTHONPYCACHEPREFIX": str(out.parent / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run() -> float:
        return measure(command, env=env, cwd=checkout)[0]

    figures: dict[str, float] = {}
    figures["first build"] = run()
    time.sleep(2.1)  # past the build cache's racy window, as between two real edits
    run()  # confirms the notes written just before the first build
    figures["no-change rebuild"] = run()
    note = vault / "course3" / "lecture-3.md"
    note.write_text(note.read_text().replace("What does", "What is it that", 1))
    figures["one-note edit"] = run()
    deck = next(out.glob("*.apkg"))
    figures["deck MB"] = deck.stat().st_size / 1e6
    return figures


def main() -> int:
    """Build the vault(s) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3900)
    parser.add_argument("--kib", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="a flashgen checkout to compare with")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as temp:
        runs = [("this checkout", REPO)]
        if args.baseline is not None:
            runs.insert(0, (f"baseline {args.baseline}", args.baseline.resolve()))
        for number, (label, checkout) in enumerate(runs):
            vault = write_vault(Path(temp) / f"vault{number}" / "vault", args.images, args.kib)
            figures = run_steps(vault, Path(temp) / f"out{number}", checkout)
            print(f"{label}: {args.images} images x {args.kib} KiB, {NOTES} notes")
            for name, value in figures.items():
                print(f"  {name:<18} {value:7.2f}{'' if 'MB' in name else ' s'}")
            for path in sorted(Path(temp, f"vault{number}").rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()  # room for the next vault
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""(Re)create the PNG images of the sample vault ``notes/``.

Pure standard library: each image is drawn pixel by pixel and written as an
8-bit RGB PNG with :mod:`zlib` and :mod:`struct`. Every image has its own
background colour, its own pattern and its own number in the top-left corner,
so a person can tell them apart (two of them share the name ``Screen_Shot 1.png``).
The output is deterministic: running the script twice gives the same bytes.

Usage::

    python tests/make_sample_images.py            # writes into notes/
    python tests/make_sample_images.py --vault DIR
"""

from __future__ import annotations

import argparse
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

WIDTH = 160
HEIGHT = 100

RGB = tuple[int, int, int]
Pattern = Callable[[int, int], bool]
"""True where the pixel at ``(x, y)`` takes the foreground colour."""

DEFAULT_VAULT = Path(__file__).resolve().parent.parent / "notes"


@dataclass(frozen=True, slots=True)
class SampleImage:
    """One image of the sample vault."""

    path: str
    """Vault-relative POSIX path."""
    number: int
    """Drawn in the top-left corner so the image can be recognised."""
    background: RGB
    foreground: RGB
    pattern: str
    """A key of :data:`PATTERNS`."""


def _stripes(x: int, y: int) -> bool:
    return (y // 10) % 2 == 0


def _columns(x: int, y: int) -> bool:
    return (x // 10) % 2 == 0


def _checker(x: int, y: int) -> bool:
    return ((x // 20) + (y // 20)) % 2 == 0


def _box(x: int, y: int) -> bool:
    return 50 <= x < 130 and 30 <= y < 85


def _diagonal(x: int, y: int) -> bool:
    return ((x + y) // 8) % 3 == 0


def _disc(x: int, y: int) -> bool:
    return (x - 95) ** 2 + (y - 55) ** 2 <= 35**2


def _cross(x: int, y: int) -> bool:
    return abs(x - 95) < 10 or abs(y - 55) < 10


def _grid(x: int, y: int) -> bool:
    return x % 16 < 3 or y % 16 < 3


def _triangle(x: int, y: int) -> bool:
    # Apex at (95, 15), base from (45, 90) to (145, 90).
    return 15 <= y <= 90 and abs(x - 95) * 75 <= (y - 15) * 50


def _rings(x: int, y: int) -> bool:
    distance_squared = (x - 95) ** 2 + (y - 55) ** 2
    return int(distance_squared**0.5) // 7 % 2 == 0


PATTERNS: dict[str, Pattern] = {
    "stripes": _stripes,
    "columns": _columns,
    "checker": _checker,
    "box": _box,
    "diagonal": _diagonal,
    "disc": _disc,
    "cross": _cross,
    "grid": _grid,
    "triangle": _triangle,
    "rings": _rings,
}

SAMPLE_IMAGES: tuple[SampleImage, ...] = (
    SampleImage(
        "AI-Notes/Generative/types-of-generative-models-srcs/Screen_Shot.png",
        1,
        (230, 240, 255),
        (40, 80, 200),
        "box",
    ),
    SampleImage(
        "AI-Notes/Generative/types-of-generative-models-srcs/Screen_Shot 1.png",
        2,
        (255, 235, 205),
        (210, 110, 20),
        "stripes",
    ),
    SampleImage(
        "AI-Notes/Generative/types-of-generative-models-srcs/Screen_Shot 2.png",
        3,
        (220, 250, 220),
        (30, 140, 60),
        "checker",
    ),
    SampleImage(
        "AI-Notes/Generative/types-of-generative-models-srcs/Screen_Shot 3.png",
        4,
        (250, 220, 235),
        (180, 30, 110),
        "diagonal",
    ),
    SampleImage(
        "AI-Notes/Generative/screenshot-2022-11-09_09-21-44.png",
        5,
        (255, 255, 200),
        (150, 130, 0),
        "disc",
    ),
    SampleImage(
        "AI-Notes/Generative/gan-ddm-vae.png",
        6,
        (210, 245, 250),
        (0, 120, 140),
        "triangle",
    ),
    SampleImage(
        "attachments/Diffusion models from scratch in PyTorch 1-5 screenshot.png",
        7,
        (235, 225, 255),
        (100, 50, 180),
        "columns",
    ),
    SampleImage(
        "attachments/Diffusion models from scratch in PyTorch 1-30 screenshot.png",
        8,
        (255, 215, 215),
        (190, 30, 30),
        "cross",
    ),
    SampleImage(
        "attachments/Diffusion models from scratch in PyTorch 2-34 screenshot.png",
        9,
        (225, 225, 225),
        (70, 70, 70),
        "grid",
    ),
    # Same file name as number 2, different folder and picture.
    SampleImage(
        "AI-Notes/Vision/srcs/Screen_Shot 1.png",
        10,
        (40, 40, 70),
        (240, 200, 60),
        "rings",
    ),
)

# A 3x5 bitmap font for the digits, one string of five rows per digit.
_DIGITS: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
}
_SCALE = 4
_MARGIN = 4
_WHITE: RGB = (255, 255, 255)
_BLACK: RGB = (0, 0, 0)


def _label_pixels(number: int) -> tuple[int, int, set[tuple[int, int]]]:
    """The label box size and the set of its black pixels, box-relative."""
    text = str(number)
    black: set[tuple[int, int]] = set()
    for index, char in enumerate(text):
        left = _MARGIN + index * 4 * _SCALE
        for row, bits in enumerate(_DIGITS[char]):
            for column, bit in enumerate(bits):
                if bit != "#":
                    continue
                for dy in range(_SCALE):
                    for dx in range(_SCALE):
                        black.add((left + column * _SCALE + dx, _MARGIN + row * _SCALE + dy))
    width = 2 * _MARGIN + (4 * len(text) - 1) * _SCALE
    height = 2 * _MARGIN + 5 * _SCALE
    return width, height, black


def render(image: SampleImage) -> list[list[RGB]]:
    """The image's pixels, row by row."""
    pattern = PATTERNS[image.pattern]
    label_width, label_height, label_black = _label_pixels(image.number)
    rows: list[list[RGB]] = []
    for y in range(HEIGHT):
        row: list[RGB] = []
        for x in range(WIDTH):
            if x < label_width and y < label_height:
                row.append(_BLACK if (x, y) in label_black else _WHITE)
            elif x in (0, WIDTH - 1) or y in (0, HEIGHT - 1):
                row.append(image.foreground)
            else:
                row.append(image.foreground if pattern(x, y) else image.background)
        rows.append(row)
    return rows


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def encode_png(rows: Sequence[Sequence[RGB]]) -> bytes:
    """Encode 8-bit RGB pixels as a PNG file."""
    height = len(rows)
    width = len(rows[0]) if rows else 0
    raw = bytearray()
    for row in rows:
        raw.append(0)  # filter type: None
        for red, green, blue in row:
            raw.extend((red, green, blue))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def write_images(vault: Path) -> list[Path]:
    """Write every sample image under *vault*; return the paths written."""
    written: list[Path] = []
    for image in SAMPLE_IMAGES:
        target = vault / image.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encode_png(render(image)))
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--vault",
        type=Path,
        default=DEFAULT_VAULT,
        help="vault folder to write into (default: the repository's notes/)",
    )
    args = parser.parse_args(argv)
    vault: Path = args.vault
    for path in write_images(vault):
        print(path.relative_to(vault).as_posix())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

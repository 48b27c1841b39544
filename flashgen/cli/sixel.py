"""Sixel: a picture as the DEC graphics sequence that xterm, foot, mlterm and others draw.

The image is quantized to at most :data:`COLOURS` colours (Pillow), then written band by
band, six pixel rows per band: for each colour in the band, one character per column
whose six bits say which of the six pixels have that colour (``?`` + bits), runs
compressed as ``!<count><char>``. Bit masks are built with ``bytes.translate`` and big
integers rather than a loop per pixel, so a screen-sized picture encodes in milliseconds.
Transparent pixels get no colour and show the terminal's background.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

COLOURS = 128
"""Palette size; sixel terminals hold at least 256 registers, most photos need fewer."""

_TRANSPARENT = 255
_PLUS_63 = bytes(min(value, 63) + 63 for value in range(256))
_RUN = re.compile(r"(.)\1{3,}")


def encode(image: Any, width: int, height: int) -> str:
    """*image* (a Pillow RGBA image) scaled to *width* x *height* pixels, as sixel."""
    from PIL import Image

    small = image.resize((width, height), Image.Resampling.LANCZOS)
    indexed = small.convert("RGB").quantize(colors=COLOURS)
    hidden = small.getchannel("A").point(lambda alpha: 255 * (alpha < 128))
    indexed.paste(_TRANSPARENT, (0, 0, width, height), mask=hidden)
    pixels = indexed.tobytes()  # one palette index per pixel
    palette = indexed.getpalette() or []
    rows = [pixels[y * width : (y + 1) * width] for y in range(height)]
    used = sorted(set(pixels) - {_TRANSPARENT})
    parts = [f'\x1bP0;1q"1;1;{width};{height}']
    parts.extend(
        f"#{index};2;{_percent(palette[3 * index])};{_percent(palette[3 * index + 1])};"
        f"{_percent(palette[3 * index + 2])}"
        for index in used
    )
    for top in range(0, height, 6):
        parts.append(_band(rows[top : top + 6], width) + "-")
    parts.append("\x1b\\")
    return "".join(parts)


def _band(rows: list[bytes], width: int) -> str:
    """Six pixel rows (fewer at the bottom): one run of characters per colour."""
    colours = sorted(set().union(*(set(row) for row in rows)) - {_TRANSPARENT})
    runs = []
    for colour in colours:
        mask = 0
        for bit, row in enumerate(rows):
            mask |= int.from_bytes(row.translate(_table(colour, bit)), "big")
        characters = mask.to_bytes(width, "big").translate(_PLUS_63).decode("ascii")
        characters = characters.rstrip("?")  # nothing to draw after the last pixel
        runs.append(f"#{colour}" + _RUN.sub(_compress, characters))
    return "$".join(runs)


@cache
def _table(colour: int, bit: int) -> bytes:
    """A translation that turns pixel *colour* into ``1 << bit`` and any other into 0."""
    return bytes((1 << bit) if value == colour else 0 for value in range(256))


def _compress(run: re.Match[str]) -> str:
    return f"!{len(run.group(0))}{run.group(1)}"


def _percent(value: int) -> int:
    return round(value * 100 / 255)

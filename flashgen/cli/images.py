"""Images in the terminal: half-block cells everywhere, kitty or iTerm2 graphics where known.

Pillow decodes and scales. A picture is drawn as half-block cells (``▀`` with a 24-bit
foreground for the upper pixel and background for the lower one: two pixels per cell),
which every colour terminal shows, tmux included. Where the terminal speaks a graphics
protocol (kitty's, also WezTerm, Ghostty and Konsole; iTerm2's inline images; sixel),
the quiz screen puts the real image over those cells when all of it is on screen.

The graphics sequences are written here rather than by a library: textual-image (the
maintained one) needs Python 3.12 from 0.13 on and writes to the terminal when imported
before that; rich-pixels draws half-blocks only and is unmaintained; term-image pins an
old Pillow. kitty's and iTerm2's are a few lines (base64 PNG in an escape sequence);
sixel is :mod:`.sixel`.

Pillow is imported on the first image, so that a session without images starts as fast
as before, and every picture is decoded once per size (:class:`ImageCache`).
"""

from __future__ import annotations

import base64
import io
import os
import re
import select
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import ControlType, Segment
from rich.style import Style
from rich.text import Text

MAX_ROWS = 20
"""The most terminal rows an image takes (a card is more than its picture)."""

_KITTY_CHUNK = 4096
"""kitty takes base64 data in chunks of at most this many bytes."""

_QUERY_TIMEOUT = 0.15
"""Seconds the terminal has to answer the graphics query; no answer means no protocol."""

_CELL_PIXELS = (10, 20)
"""Pixels per cell sent to a graphics protocol (width, height); the terminal scales."""


class Graphics(StrEnum):
    """How images are drawn."""

    CELLS = "cells"
    """Unicode half-block cells."""
    KITTY = "kitty"
    """kitty's graphics protocol over the cells."""
    ITERM = "iterm"
    """iTerm2's inline images over the cells."""
    SIXEL = "sixel"
    """DEC sixel graphics over the cells (xterm with sixel on, foot, mlterm...)."""


@dataclass(frozen=True, slots=True)
class Drawing:
    """What the terminal draws pictures with, and its cell size in pixels."""

    graphics: Graphics = Graphics.CELLS
    cell: tuple[int, int] = (10, 20)
    """Pixels per cell (width, height); sixel draws pixels, so they must be right."""


def graphics_from_environment(environ: Mapping[str, str]) -> Graphics | None:
    """What the environment says the terminal draws; None when it does not say.

    tmux passes no graphics through unless configured to, so inside tmux it is cells.
    """
    if environ.get("TMUX") or environ.get("TERM") == "linux":  # the Linux console draws none
        return Graphics.CELLS
    program = environ.get("TERM_PROGRAM", "")
    if environ.get("TERM") == "xterm-kitty" or environ.get("KITTY_WINDOW_ID"):
        return Graphics.KITTY
    if program in ("WezTerm", "ghostty") or environ.get("TERM") == "xterm-ghostty":
        return Graphics.KITTY
    if program == "iTerm.app":
        return Graphics.ITERM
    return None


_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" + "\x1b[16t" + "\x1b[c"
"""kitty's graphics query, the cell size in pixels, and the device attributes."""

_CELL_ANSWER = re.compile(rb"\x1b\[6;(\d+);(\d+)t")
_ATTRIBUTES_ANSWER = re.compile(rb"\x1b\[\?([\d;]*)c")


def query_terminal(fd_in: int, write: Callable[[str], None]) -> Drawing:
    """Ask the terminal on *fd_in* how it draws pictures.

    kitty's graphics query and a cell-size request are followed by a device-attributes
    request, which every terminal answers: a kitty reply before that answer means kitty
    graphics; attribute 4 in it means sixel (used when the cell size came too). Waits at
    most :data:`_QUERY_TIMEOUT` seconds in all, so a terminal that answers nothing costs
    that and no more. The terminal must be in cbreak mode (answers read, not echoed).
    """
    write(_QUERY)
    answer = b""
    deadline = time.monotonic() + _QUERY_TIMEOUT
    while (remaining := deadline - time.monotonic()) > 0:
        if not select.select([fd_in], [], [], remaining)[0]:
            break
        answer += os.read(fd_in, 1024)
        if _ATTRIBUTES_ANSWER.search(answer):
            break  # the device attributes come last: nothing more will come
    if b"\x1b_Gi=31;OK" in answer:
        return Drawing(Graphics.KITTY)
    attributes = _ATTRIBUTES_ANSWER.search(answer)
    cell = _CELL_ANSWER.search(answer)
    if attributes and b"4" in attributes.group(1).split(b";") and cell:
        height, width = int(cell.group(1)), int(cell.group(2))
        if width > 0 and height > 0:
            return Drawing(Graphics.SIXEL, (width, height))
    return Drawing(Graphics.CELLS)


@dataclass(frozen=True)
class Picture:
    """An image scaled to *columns* x *rows* cells, ready to draw."""

    path: Path
    columns: int
    rows: int
    pixels: tuple[tuple[tuple[int, int, int, int], ...], ...]
    """RGBA pixels, ``2 * rows`` rows of ``columns``."""
    source: Any = field(compare=False, repr=False)
    """The decoded image (Pillow, RGBA), for the graphics protocols."""
    _sixels: dict[tuple[int, int], str] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def png(self) -> bytes:
        """The image as PNG, at most :data:`_CELL_PIXELS` per cell (the terminal scales)."""
        sent = self.source.copy()
        sent.thumbnail((self.columns * _CELL_PIXELS[0], self.rows * _CELL_PIXELS[1]))
        buffer = io.BytesIO()
        sent.save(buffer, format="PNG")
        return buffer.getvalue()

    def sixel(self, cell: tuple[int, int]) -> str:
        """The sixel sequence drawing the picture at the cursor (saved and restored)."""
        from flashgen.cli.sixel import encode

        size = (self.columns * cell[0], self.rows * cell[1])
        if size not in self._sixels:
            self._sixels[size] = encode(self.source, *size)
        return "\x1b7" + self._sixels[size] + "\x1b8"

    def cells(self) -> list[list[Segment]]:
        """The picture as half-block cells, one list of segments per terminal row."""
        lines = []
        for row in range(self.rows):
            upper, lower = self.pixels[2 * row], self.pixels[2 * row + 1]
            lines.append([_cell(top, bottom) for top, bottom in zip(upper, lower, strict=True)])
        return lines

    def kitty(self) -> str:
        """kitty's sequence drawing the picture at the cursor, which does not move."""
        data = base64.standard_b64encode(self.png).decode("ascii")
        chunks = [data[i : i + _KITTY_CHUNK] for i in range(0, len(data), _KITTY_CHUNK)] or [""]
        parts = []
        for number, chunk in enumerate(chunks):
            more = int(number < len(chunks) - 1)
            head = f"a=T,f=100,c={self.columns},r={self.rows},C=1,q=2," if number == 0 else ""
            parts.append(f"\x1b_G{head}m={more};{chunk}\x1b\\")
        return "".join(parts)

    def iterm(self) -> str:
        """iTerm2's sequence drawing the picture at the cursor (saved and restored)."""
        data = base64.standard_b64encode(self.png).decode("ascii")
        return (
            f"\x1b7\x1b]1337;File=inline=1;size={len(self.png)};width={self.columns};"
            f"height={self.rows};preserveAspectRatio=0:{data}\x07\x1b8"
        )


def _cell(top: tuple[int, int, int, int], bottom: tuple[int, int, int, int]) -> Segment:
    """Two pixels in one cell; transparent ones show the terminal's background."""
    top_seen, bottom_seen = top[3] >= 128, bottom[3] >= 128
    if top_seen and bottom_seen:
        return Segment("▀", Style(color=_rgb(top), bgcolor=_rgb(bottom)))
    if top_seen:
        return Segment("▀", Style(color=_rgb(top)))
    if bottom_seen:
        return Segment("▄", Style(color=_rgb(bottom)))
    return Segment(" ")


def _rgb(pixel: tuple[int, int, int, int]) -> str:
    return f"#{pixel[0]:02x}{pixel[1]:02x}{pixel[2]:02x}"


def fit(width: int, height: int, columns: int, rows: int) -> tuple[int, int]:
    """Cells for a *width* x *height* pixel image within *columns* x *rows*, aspect kept.

    A cell holds two square pixels, one above the other; images are made smaller, never
    larger, except that they take at least one cell.
    """
    scale = min(columns / width, 2 * rows / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale / 2))


@dataclass(slots=True)
class ImageCache:
    """Pictures decoded once per path and size; a file that is not an image gives None.

    With :attr:`defer` set, a picture not decoded yet is drawn as blank cells of its
    size (read from the file's header only) and :attr:`deferred` is set: the screen
    shows the card's text at once, then decodes and draws again.
    """

    defer: bool = False
    """Draw pictures not decoded yet as blank cells of their size."""
    deferred: bool = False
    """Some picture was drawn blank since this was last cleared."""
    _pictures: dict[tuple[Path, int, int], Picture | None] = field(default_factory=dict)

    def picture(self, path: Path, columns: int, rows: int) -> Picture | tuple[int, int] | None:
        """*path* fitted into *columns* x *rows* cells, None when it cannot be read, or
        (deferred) the cells it will take."""
        key = (path, columns, rows)
        if key not in self._pictures and self.defer:
            size = _size(path)
            if size is not None:
                self.deferred = True
                return fit(*size, columns, rows)
        if key not in self._pictures:
            self._pictures[key] = _load(path, columns, rows)
        return self._pictures[key]


def _size(path: Path) -> tuple[int, int] | None:
    """The pixel size in *path*'s header (nothing decoded), or None when unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            width, height = opened.size
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def _load(path: Path, columns: int, rows: int) -> Picture | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            opened.seek(0)  # the first frame of an animation
            image = opened.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    cols, lines = fit(image.width, image.height, columns, rows)
    small = image.resize((cols, 2 * lines), Image.Resampling.LANCZOS, reducing_gap=3.0)
    raw = small.tobytes()  # RGBA, row after row
    pixels = tuple(
        tuple(_pixel(raw, 4 * (y * cols + x)) for x in range(cols)) for y in range(2 * lines)
    )
    return Picture(path, cols, lines, pixels, image)


def _pixel(raw: bytes, at: int) -> tuple[int, int, int, int]:
    return raw[at], raw[at + 1], raw[at + 2], raw[at + 3]


@dataclass(frozen=True, slots=True)
class ImageMark:
    """Where a picture starts among rendered lines, for the screen to draw it over."""

    picture: Picture


class ImageBlock:
    """A rich renderable: an embedded image as cells, or a one-line note when unreadable.

    The first line starts with a zero-width control segment holding an :class:`ImageMark`,
    so that the screen finds where the picture lies after layout and paging.
    """

    def __init__(
        self, path: Path, cache: ImageCache, *, caption: str = "", max_rows: int = MAX_ROWS
    ) -> None:
        self.path = path
        self.cache = cache
        self.caption = caption
        """A line under the picture (its name, linked to the file)."""
        self.max_rows = max_rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = min(self.max_rows, max(3, (options.height or console.height) // 2))
        picture = self.cache.picture(self.path, options.max_width, rows)
        if picture is None:
            yield Segment(f"(cannot draw {self.path.name}; o opens it)", Style(dim=True))
            yield Segment.line()
        elif isinstance(picture, tuple):  # not decoded yet: its room
            for _ in range(picture[1]):
                yield Segment(" " * picture[0])
                yield Segment.line()
        else:
            for number, line in enumerate(picture.cells()):
                if number == 0:
                    yield mark_segment(picture)
                yield from line
                yield Segment.line()
        if self.caption:
            link = Style(dim=True, link=self.path.as_uri())
            yield from console.render(Text(self.caption, style=link), options)


def mark_segment(picture: Picture) -> Segment:
    """A zero-width segment that carries *picture* to the screen."""
    return Segment("", None, [(ImageMark(picture),)])  # type: ignore[list-item]


def find_mark(line: list[Segment]) -> tuple[Picture, int] | None:
    """The picture starting on *line* and the column it starts at, if one does."""
    column = 0
    for segment in line:
        for code in segment.control or ():
            if isinstance(code[0], ImageMark):
                return code[0].picture, column
        column += segment.cell_length
    return None


def draw_over(lines: list[list[Segment]], index: int, drawing: Drawing) -> bool:
    """Put the picture marked on ``lines[index]`` over its cells, as *drawing* says.

    Only when all of it is among *lines* (a picture cut by paging stays as cells, which
    can be cut); returns whether it was drawn. Its cells become cursor moves (on a
    cleared screen: nothing written over the picture, which in some terminals would
    erase it), and the sequence is written where the picture starts.
    """
    found = find_mark(lines[index])
    if found is None or drawing.graphics is Graphics.CELLS:
        return False
    picture, column = found
    if index + picture.rows > len(lines):
        return False
    for row in range(index, index + picture.rows):
        lines[row] = _blank(lines[row], column, picture.columns)
    if drawing.graphics is Graphics.KITTY:
        sequence = picture.kitty()
    elif drawing.graphics is Graphics.ITERM:
        sequence = picture.iterm()
    else:
        sequence = picture.sixel(drawing.cell)
    head, tail = _split(lines[index], column)
    lines[index] = [*head, Segment(sequence, None, [(ControlType.BELL,)]), *tail]
    return True


def _split(line: list[Segment], column: int) -> tuple[list[Segment], list[Segment]]:
    width = sum(segment.cell_length for segment in line)
    head, tail = list(Segment.divide(line, [column, max(width, column)]))
    return head, tail


def _blank(line: list[Segment], column: int, width: int) -> list[Segment]:
    total = sum(segment.cell_length for segment in line)
    cuts = [column, min(column + width, total), max(total, column + width)]
    head, middle, tail = list(Segment.divide(line, cuts))
    cells = sum(segment.cell_length for segment in middle)
    move = Segment(f"\x1b[{cells}C", None, [(ControlType.CURSOR_FORWARD, cells)])
    return [*head, move, *tail] if cells else [*head, *tail]


KITTY_CLEAR = "\x1b_Ga=d,d=A,q=2\x1b\\"
"""Deletes every kitty image on screen (before a new screen is drawn)."""

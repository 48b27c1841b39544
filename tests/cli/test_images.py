"""Pictures in the terminal: fitting, what the environment says, the bounded query."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from flashgen.cli.images import (
    Drawing,
    Graphics,
    ImageCache,
    Picture,
    draw_over,
    fit,
    graphics_from_environment,
    mark_segment,
    query_terminal,
)
from flashgen.cli.sixel import encode


@pytest.mark.parametrize(
    ("size", "room", "cells"),
    [
        ((1000, 500), (100, 20), (80, 20)),  # rows limit: 40 pixel rows
        ((1000, 100), (100, 20), (100, 5)),  # width limits
        ((4, 4), (60, 20), (4, 2)),  # never larger
        ((3000, 1), (50, 20), (50, 1)),  # at least one cell
    ],
)
def test_fit(size: tuple[int, int], room: tuple[int, int], cells: tuple[int, int]) -> None:
    assert fit(*size, *room) == cells


@pytest.mark.parametrize(
    ("environ", "graphics"),
    [
        ({"TERM": "xterm-kitty"}, Graphics.KITTY),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, Graphics.KITTY),
        ({"TERM_PROGRAM": "WezTerm"}, Graphics.KITTY),
        ({"TERM_PROGRAM": "iTerm.app"}, Graphics.ITERM),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, Graphics.CELLS),
        ({"TERM": "xterm-256color"}, None),  # not known: ask the terminal
    ],
)
def test_graphics_from_environment(environ: dict[str, str], graphics: Graphics | None) -> None:
    assert graphics_from_environment(environ) == graphics


@contextmanager
def answering(answer: bytes) -> Iterator[int]:
    """A file descriptor from which the terminal's *answer* can be read."""
    read, write = os.pipe()
    os.write(write, answer)
    try:
        yield read
    finally:
        os.close(read)
        os.close(write)


QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[16t\x1b[c"


@pytest.mark.parametrize(
    ("answer", "drawing"),
    [
        (b"\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;22c", Drawing(Graphics.KITTY)),
        (b"\x1b[6;18;9t\x1b[?62;4;22c", Drawing(Graphics.SIXEL, (9, 18))),
        (b"\x1b[?62;4;22c", Drawing()),  # sixel, but no cell size to draw pixels by
        (b"\x1b[6;18;9t\x1b[?62;22c", Drawing()),  # neither kitty nor sixel
        (b"", Drawing()),  # a terminal that answers nothing: given up after a moment
    ],
)
def test_query_terminal(answer: bytes, drawing: Drawing) -> None:
    sent: list[str] = []
    with answering(answer) as fd:
        assert query_terminal(fd, sent.append) == drawing
    assert sent == [QUERY]


def test_sixel_bands_colours_and_runs() -> None:
    image = Image.new("RGBA", (12, 7), (255, 0, 0, 255))
    image.paste((0, 0, 255, 255), (6, 0, 12, 7))
    image.putpixel((0, 6), (0, 0, 0, 0))  # transparent: no colour at all
    sixel = encode(image, 12, 7)
    assert sixel.split("#", 1)[0] == '\x1bP0;1q"1;1;12;7'
    assert sixel.endswith("-\x1b\\") and sixel.count("-") == 2  # two bands of six rows
    red, blue = ("0", "1") if "#0;2;100;0;0" in sixel else ("1", "0")
    assert f"#{red};2;100;0;0" in sixel and f"#{blue};2;0;0;100" in sixel
    first, second = sixel.split("-")[:2]
    assert f"#{red}!6~" in first and f"#{blue}!6?!6~" in first  # six rows each, 6 columns
    assert f"#{red}?!5@" in second  # the last row: column 0 transparent, 1-5 red (bit 0)


def test_a_picture_waits_for_its_turn_and_stays_as_cells_when_cut(tmp_path: Path) -> None:
    Image.new("RGB", (6, 8), (9, 9, 9)).save(tmp_path / "p.png")
    cache = ImageCache(defer=True)
    assert cache.picture(tmp_path / "p.png", 40, 20) == (6, 4)  # its room, nothing decoded
    assert cache.deferred
    cache.defer = False
    picture = cache.picture(tmp_path / "p.png", 40, 20)
    assert isinstance(picture, Picture) and (picture.columns, picture.rows) == (6, 4)
    lines = [[mark_segment(picture), *picture.cells()[0]], *picture.cells()[1:]]
    assert not draw_over(lines[:3], 0, Drawing(Graphics.KITTY))  # a row is out of view
    assert not draw_over(lines, 0, Drawing(Graphics.CELLS))
    assert draw_over(lines, 0, Drawing(Graphics.KITTY))
    assert lines[0][0].text.startswith("\x1b_Ga=T,f=100,c=6,r=4")
    assert all("▀" not in segment.text for line in lines for segment in line)

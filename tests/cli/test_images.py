"""Pictures in the terminal: fitting, what the environment says, the bounded query."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from flashgen.cli.images import (
    Graphics,
    ImageCache,
    draw_over,
    fit,
    graphics_from_environment,
    mark_segment,
    query_kitty,
)


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


@pytest.mark.parametrize(
    ("answer", "kitty"),
    [
        (b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c", True),
        (b"\x1b[?62;22c", False),  # only the device attributes: no kitty graphics
        (b"", False),  # a terminal that answers nothing: given up after a moment
    ],
)
def test_query_kitty(answer: bytes, kitty: bool) -> None:
    sent: list[str] = []
    with answering(answer) as fd:
        assert query_kitty(fd, sent.append) is kitty
    assert sent == ["\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[c"]


def test_a_picture_cut_by_paging_stays_as_cells(tmp_path: Path) -> None:
    Image.new("RGB", (6, 8), (9, 9, 9)).save(tmp_path / "p.png")
    picture = ImageCache().picture(tmp_path / "p.png", 40, 20)
    assert picture is not None and (picture.columns, picture.rows) == (6, 4)
    lines = [[mark_segment(picture), *picture.cells()[0]], *picture.cells()[1:]]
    assert not draw_over(lines[:3], 0, Graphics.KITTY)  # a row is out of view
    assert draw_over(lines, 0, Graphics.KITTY)
    assert lines[0][0].text.startswith("\x1b_Ga=T,f=100,c=6,r=4")
    assert all("▀" not in segment.text for line in lines for segment in line)

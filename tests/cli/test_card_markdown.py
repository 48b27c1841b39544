"""Card sides as terminal text: display math, code, line breaks, pictures in callouts."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from rich.console import Console

from flashgen.cli.card_markdown import CardMarkdown, Look
from flashgen.cli.images import ImageCache
from flashgen.cli.screen import THEME

ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\][^\x1b]*\x1b\\")
"""Styles and hyperlinks."""


def render(markup: str, look: Look, width: int = 60) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=True, color_system="truecolor", theme=THEME
    )
    console.print(CardMarkdown(markup, look))
    return out.getvalue()


def text(markup: str, look: Look, width: int = 60) -> list[str]:
    return [line.rstrip() for line in ANSI.sub("", render(markup, look, width)).splitlines()]


def test_display_math_converts_or_shows_its_tex_dimmed(tmp_path: Path) -> None:
    look = Look(tmp_path)
    assert "    ∑ᵢ₌₁ⁿ i = n(n+1)/2" in text("$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$", look)
    styled = render("$$\n\\begin{pmatrix} a \\\\ b \\end{pmatrix}\n$$", look)
    assert "\x1b[2m\\begin{pmatrix} a \\\\ b \\end{pmatrix}" in styled  # dim, as written


def test_code_keeps_highlighting_and_long_lines_stay_in_the_width(tmp_path: Path) -> None:
    long = "result = compute(" + ", ".join(f"argument_{n}" for n in range(20)) + ")"
    markup = f"```python\ndef f():\n    {long}\n```"
    styled = render(markup, Look(tmp_path), width=60)
    assert re.search(r"\x1b\[9\dmdef", styled)  # coloured by the python lexer
    lines = text(markup, Look(tmp_path), width=60)
    assert all(len(line) <= 60 for line in lines)
    assert "".join(line.strip() for line in lines).count("argument_19") == 1


def test_single_newlines_follow_obsidians_strict_line_breaks(tmp_path: Path) -> None:
    markup = "first line\nsecond line"
    assert text(markup, Look(tmp_path, line_breaks=True)) == ["first line", "second line"]
    assert text(markup, Look(tmp_path, line_breaks=False)) == ["first line second line"]


def test_a_picture_in_a_callout_is_drawn_inside_it(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4), (0, 255, 0)).save(tmp_path / "dot.png")
    markup = "> [!NOTE] Look\n> ![[dot.png]]"
    lines = text(markup, Look(tmp_path, ImageCache()))
    assert "▌ image: dot.png" in lines
    assert lines.count("▌ ▀▀▀▀") == 2  # 4 x 4 pixels: two rows of four cells, in the quote
    missing = text("![[gone.png]]", Look(tmp_path, ImageCache()))
    assert "(cannot draw gone.png; o opens it)" in missing
    assert not any("▀" in line for line in text(markup, Look(tmp_path)))  # pictures off

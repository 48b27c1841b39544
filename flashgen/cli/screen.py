"""The quiz session's frame (terminal, keys, summary) and the statistics view, drawn with rich."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, Group, RenderableType
from rich.text import Text
from rich.theme import Theme

from flashgen.cli.terminal import (
    Keys,
    LineKeys,
    TerminalKeys,
    check_terminal,
    editor_command,
    key_mode,
    local_zone,
    now,
    open_external,
    printable,
    run_editor,
)
from flashgen.model import Card
from flashgen.review.session import QuizSession, Summary, format_interval
from flashgen.review.stats import DAYS, Stats, bar_chart

if TYPE_CHECKING:
    from flashgen.cli.images import Drawing

THEME = Theme(
    {
        "markdown.math": "italic bright_magenta",
        "markdown.math_tex": "dim",
        "markdown.mark": "black on yellow",
        "markdown.image": "underline bright_blue",
        "quiz.header": "bold",
        "quiz.deck": "cyan",
        "quiz.context": "dim",
        "quiz.hint": "dim",
        "quiz.rating": "bold",
        "quiz.note": "yellow",
    }
)


def make_console(file: TextIO | None = None) -> Console:
    """A console with the quiz's styles."""
    return Console(file=file, theme=THEME, highlight=False)


def run_quiz(
    session: QuizSession,
    *,
    plain: bool,
    vault_root: Path,
    vault_name: str,
    location_prefix: str,
    images: bool = True,
    line_breaks: bool = True,
) -> Summary:
    """Run a session on stdin/stdout, then print its summary; key mode needs a TTY.

    Key mode draws on the alternate screen, so the terminal's own lines come back when
    the session ends; *images* draws pictures there (a colour terminal is needed).
    """
    # The card drawing (rich's Markdown, pylatexenc) loads only for a quiz.
    from flashgen.cli.card_markdown import Look
    from flashgen.cli.images import ImageCache
    from flashgen.cli.quiz_screen import QuizScreen, ScreenOptions

    check_terminal(plain)
    console = make_console()
    pictures = images and not plain and console.color_system is not None
    look = Look(vault_root, ImageCache() if pictures else None, line_breaks)
    keys: AbstractContextManager[Keys]
    keys = _nothing(LineKeys(sys.stdin)) if plain else key_mode(sys.stdin)
    with keys as reader:
        options = ScreenOptions(
            look, vault_name, location_prefix, _detector(reader, console), _editor(vault_root)
        )
        screen = QuizScreen(session, console, reader, options, now, open_external)
        if plain:
            summary = screen.run()
        else:
            with console.screen(hide_cursor=True):
                summary = screen.run()
    print_summary(console, summary, now())
    return summary


def _detector(keys: Keys, console: Console) -> Callable[[], Drawing]:
    """How to learn what the terminal draws: its environment, else one bounded query."""

    def write(text: str) -> None:
        console.file.write(text)
        console.file.flush()

    from flashgen.cli.images import Drawing, graphics_from_environment, query_terminal

    def detect() -> Drawing:
        known = graphics_from_environment(os.environ)
        if known is not None:
            return Drawing(known)
        if isinstance(keys, TerminalKeys):
            return query_terminal(keys.fd, write)
        return Drawing()

    return detect


def _editor(vault_root: Path) -> Callable[[Card], str] | None:
    """``e``: the card's note in ``$VISUAL``/``$EDITOR`` at its line; None when neither is set."""
    command = editor_command(os.environ)
    if command is None:
        return None

    def edit(card: Card) -> str:
        failure = run_editor(command, vault_root / card.note, card.line)
        where = printable(f"{card.note}:{card.line}")
        if failure is not None:
            return printable(f"{failure}; the card is at {where}")
        return f"edited {where}; the quiz shows the change when it next starts"

    return edit


@contextmanager
def _nothing(keys: Keys) -> Iterator[Keys]:
    yield keys


def print_summary(console: Console, summary: Summary, moment: datetime) -> None:
    """The end of a session: answers, per rating, time spent, when to come back."""
    ratings = " · ".join(f"{rating.name.capitalize()} {count}" for rating, count in summary.ratings)
    console.print()
    console.print(
        f"Reviewed {summary.reviewed} card{'s' * (summary.reviewed != 1)}"
        f" in {format_duration(summary.time_spent)}: {ratings}",
        style="bold",
    )
    if summary.next_due is not None:
        wait = summary.next_due - moment
        when = "now" if wait <= timedelta(0) else f"in {format_interval(wait)}"
        local = summary.next_due.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
        console.print(f"Next card due {when} ({local}).")
    if summary.new_waiting:
        console.print(f"{summary.new_waiting} new card{'s' * (summary.new_waiting != 1)} waiting.")
    if summary.buried:
        console.print(
            f"{summary.buried} new sibling{'s' * (summary.buried != 1)} of cards answered today"
            " wait until tomorrow (--no-bury shows them)."
        )


def format_duration(spent: timedelta) -> str:
    """``45s``, ``2m 05s``, ``1h 02m``."""
    seconds = round(spent.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def render_stats(stats: Stats) -> RenderableType:
    """Counts, retention and the two daily bar charts."""
    retention = (
        f"{stats.retention:.0%} of {stats.retention_answers} answers on review cards,"
        f" last {DAYS} days"
        if stats.retention is not None
        else f"no answers on review cards in the last {DAYS} days"
    )
    lines: list[RenderableType] = [
        Text.assemble(
            ("Cards      ", "bold"),
            f"new {stats.new} · learning {stats.learning} · review {stats.review}"
            + (f" · orphans {stats.orphans}" if stats.orphans else ""),
        ),
        Text.assemble(
            ("Due        ", "bold"), f"today {stats.due_today} · within 7 days {stats.due_week}"
        ),
        Text.assemble(("Retention  ", "bold"), retention),
        Text(),
        *_chart(
            f"Reviews per day, last {DAYS} days", stats.reviews_per_day, f"-{DAYS - 1}d", "today"
        ),
        Text(),
        *_chart(
            f"Cards coming due per day, next {DAYS} days",
            stats.due_per_day,
            "today",
            f"+{DAYS - 1}d",
        ),
    ]
    return Group(*lines)


def _chart(title: str, values: Sequence[int], left: str, right: str) -> list[Text]:
    width = 2 * len(values) - 1
    rows = [Text(row, style="cyan") for row in bar_chart(values)]
    axis = Text("─" * width, style="dim")
    labels = Text(left + right.rjust(width - len(left)), style="dim")
    return [Text.assemble((title, "bold"), f" (max {max(values, default=0)})"), *rows, axis, labels]

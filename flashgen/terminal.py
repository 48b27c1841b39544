"""The interactive terminal: reading keys, drawing cards and charts, the clock, opening files.

Only ``cli.py`` imports this module; everything below it takes ``now`` as an argument
and prints nothing.

For tests, the environment variable ``FLASHGEN_NOW`` (an ISO 8601 time with a zone,
e.g. ``2026-01-01T09:00:00Z``) replaces the clock and turns interval fuzz off, so that a
session's schedule is reproducible.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal, Protocol, TextIO

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from rich.theme import Theme

from flashgen.errors import FlashgenError
from flashgen.model import Card
from flashgen.obsidian import IMAGE_EXTENSIONS, make_parser
from flashgen.quiz import (
    QuizSession,
    Summary,
    format_interval,
    obsidian_uri,
    source_location,
)
from flashgen.review import Preview, Rating
from flashgen.stats import DAYS, Stats, bar_chart

NOW_VARIABLE = "FLASHGEN_NOW"
"""Environment variable that fixes the clock (and turns fuzz off); for tests."""

THEME = Theme(
    {
        "markdown.math": "italic bright_magenta",
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

_RATING_KEYS = {"1": Rating.AGAIN, "2": Rating.HARD, "3": Rating.GOOD, "4": Rating.EASY}
_REVEAL_KEYS = frozenset({" ", "\n", "\r"})
_QUIT_KEYS = frozenset({"q", "Q", "\x04"})


class TerminalError(FlashgenError):
    """The terminal cannot be used as asked (no TTY, bad ``FLASHGEN_NOW``)."""


# The clock


def fixed_now() -> datetime | None:
    """The time ``FLASHGEN_NOW`` fixes, or None when it is not set."""
    value = os.environ.get(NOW_VARIABLE)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise TerminalError(f"{NOW_VARIABLE}={value} is not an ISO 8601 time") from err
    if moment.tzinfo is None:
        raise TerminalError(f"{NOW_VARIABLE}={value} needs a zone, e.g. 2026-01-01T09:00:00Z")
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current time in UTC (``FLASHGEN_NOW`` when set)."""
    return fixed_now() or datetime.now(UTC)


def local_zone() -> tzinfo:
    """The user's time zone, for calendar days."""
    zone = datetime.now(UTC).astimezone().tzinfo
    assert zone is not None
    return zone


# What a terminal would obey rather than show: C0 controls (but tab and line feed) as
# their Control Pictures (ESC as ␛), DEL as ␡, C1 controls (8-bit CSI, OSC) as U+FFFD.
_PRINTABLE = str.maketrans(
    {
        **{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"},
        0x7F: 0x2421,
        **{code: 0xFFFD for code in range(0x80, 0xA0)},
    }
)


def printable(text: str) -> str:
    """*text* safe to print on a terminal: control characters shown, never obeyed.

    A note may hold escape sequences (pasted terminal output, or a shared vault made to
    move the cursor, retitle the window or write the clipboard); printed raw, the
    terminal would run them.
    """
    return text.translate(_PRINTABLE)


def make_console(file: TextIO | None = None) -> Console:
    """A console with the quiz's styles."""
    return Console(file=file, theme=THEME, highlight=False)


# Keys


class Keys(Protocol):
    """Where answers come from: one key (or line) at a time, None at end of input."""

    plain: bool

    def read(self) -> str | None:
        """The next key: a character, ``\\n`` for Enter, or None at the end of input."""


class LineKeys:
    """``--plain``: one answer per line, for scripts and tests; an empty line is Enter."""

    plain = True

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def read(self) -> str | None:
        """The next line's text, or ``\\n`` for an empty line."""
        line = self._stream.readline()
        if not line:
            return None
        return line.strip() or "\n"


class TerminalKeys:
    """Single key presses from a TTY in cbreak mode (no echo, Ctrl-C still works)."""

    plain = False

    def __init__(self, stream: TextIO) -> None:
        self._fd = stream.fileno()

    def read(self) -> str | None:
        """The next key; escape sequences (arrows) are read whole and returned as-is."""
        data = os.read(self._fd, 1)
        if not data:
            return None
        if data == b"\x1b":
            while select.select([self._fd], [], [], 0.03)[0]:
                data += os.read(self._fd, 16)
        elif data[0] >= 0xC0:
            length = 2 if data[0] < 0xE0 else 3 if data[0] < 0xF0 else 4
            data += os.read(self._fd, length - 1)
        return data.decode("utf-8", errors="replace")


@contextmanager
def key_mode(stream: TextIO) -> Iterator[TerminalKeys]:
    """Put the terminal in cbreak mode for the duration; restore it however we leave."""
    try:
        import termios
        import tty
    except ImportError as err:
        raise TerminalError("key mode needs a Unix terminal; use --plain") from err
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield TerminalKeys(stream)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


# Card rendering


class CardMarkdown(Markdown):
    """A card side as terminal text: rich's Markdown fed by the Obsidian parser.

    Math shows as its TeX source (inline in its own style, display math as a block);
    wiki-links and tags as their text; image embeds as their vault path, a terminal
    hyperlink to the file. HTML shows as the text the note wrote (a terminal runs no
    script), and control characters as symbols (see :func:`printable`).
    """

    def __init__(self, markup: str, vault_root: Path) -> None:
        markup = printable(markup)
        super().__init__(markup, code_theme="ansi_dark")
        self.inlines = {*Markdown.inlines, "math", "mark", "image"}
        self.parsed = _for_rich(_obsidian_parser().parse(markup), vault_root)


@cache
def _obsidian_parser() -> MarkdownIt:
    return make_parser()


def _for_rich(tokens: Sequence[Token], vault_root: Path) -> list[Token]:
    """Rewrite the Obsidian parser's own tokens into those rich's Markdown draws."""
    result: list[Token] = []
    for token in tokens:
        if token.type in ("math_block", "math_block_label"):
            result.append(
                _token("fence", "code", content=token.content.strip() + "\n", info="latex")
            )
        elif token.type == "callout_open":
            title = str(token.meta.get("title") or token.meta.get("type", "note")).strip()
            result.append(_token("blockquote_open", "blockquote", 1))
            result.extend(
                _paragraph(
                    [
                        _token("strong_open", "strong", 1),
                        _text(title),
                        _token("strong_close", "strong", -1),
                    ]
                )
            )
        elif token.type == "callout_close":
            result.append(_token("blockquote_close", "blockquote", -1))
        elif token.type == "html_block":
            result.extend(_paragraph([_text(token.content.strip())]))
        elif token.type == "front_matter":
            continue
        elif token.type == "inline":
            token.children = _inline_for_rich(token.children or [], vault_root)
            result.append(token)
        else:
            result.append(token)
    return result


def _inline_for_rich(tokens: Sequence[Token], vault_root: Path) -> list[Token]:
    result: list[Token] = []
    for token in tokens:
        if token.type in ("math_inline", "math_inline_double"):
            result.append(_token("math_inline", "math", content=token.content.strip()))
        elif token.type == "embed":
            target = str(token.meta.get("target", ""))
            if Path(target).suffix.lower() in IMAGE_EXTENSIONS:
                result.append(_token("link_open", "a", 1, href=(vault_root / target).as_uri()))
                result.append(_token("image_path", "image", content=f"image: {target}"))
                result.append(_token("link_close", "a", -1))
            else:
                result.append(_text(token.content or target))
        elif token.type in ("wikilink", "tag"):
            result.append(_text(token.content))
        elif token.type == "html_inline" and _BREAK_RE.fullmatch(token.content):
            result.append(_token("hardbreak", "br"))
        elif token.type == "html_inline":
            result.append(_text(token.content))  # rich would drop it: show what was written
        elif token.type == "block_id":
            continue
        else:
            result.append(token)
    return result


_BREAK_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _token(
    kind: str,
    tag: str,
    nesting: Literal[-1, 0, 1] = 0,
    *,
    content: str = "",
    info: str = "",
    href: str | None = None,
) -> Token:
    token = Token(kind, tag, nesting, content=content, info=info)
    if href is not None:
        token.attrs["href"] = href
    return token


def _text(content: str) -> Token:
    return _token("text", "", content=content)


def _paragraph(children: list[Token]) -> list[Token]:
    inline = _token("inline", "", content="")
    inline.children = children
    return [_token("paragraph_open", "p", 1), inline, _token("paragraph_close", "p", -1)]


# The quiz screen


@dataclass(slots=True)
class QuizScreen:
    """One quiz session on a console, driven by keys or lines."""

    session: QuizSession
    """The queue."""
    console: Console
    """Where cards are drawn."""
    keys: Keys
    """Where answers come from."""
    vault_root: Path
    """Absolute vault folder, for image paths."""
    vault_name: str
    """The vault's name in Obsidian."""
    location_prefix: str
    """What goes before ``note.md:line`` when printing a card's source."""
    clock: Callable[[], datetime]
    """The time, UTC."""
    opener: Callable[[str], bool]
    """Opens a path or link with the desktop's opener; False when there is none."""
    notice: str = ""
    """A message for the top of the next card's screen."""

    def run(self) -> Summary:
        """Show cards until none is left or the user quits; every answer is committed."""
        card = self.session.next_card(self.clock())
        if card is None:
            self.console.print("Nothing is due. Come back later, or raise --new.")
        try:
            while card is not None:
                card = self._show(card)
        except KeyboardInterrupt:  # Ctrl-C quits like q: every answer is already saved
            if card is not None:
                self.session.put_back(card)
            self.console.print()
        return self.session.summary()

    def _show(self, card: Card) -> Card | None:
        """Ask one card; return the card to show next (None: the session is over)."""
        if not self.keys.plain:
            self.console.clear()
        self._header(card)
        self.console.print(CardMarkdown(card.front, self.vault_root))
        self._hint("space/enter: show answer · u undo · e source · o image · O Obsidian · q quit")
        shown = time.monotonic()
        preview: Preview | None = None
        while True:
            key = self._read()
            if key is None or key in _QUIT_KEYS:
                self.session.put_back(card)
                return None
            if key in _REVEAL_KEYS and preview is None:
                preview = self.session.preview(card, self.clock())
                self.console.rule(style="quiz.hint")
                self.console.print(CardMarkdown(card.back, self.vault_root))
                self._choices(preview)
            elif key in _RATING_KEYS and preview is not None:
                duration = round((time.monotonic() - shown) * 1000)
                self.session.answer(preview, _RATING_KEYS[key], self.clock(), duration)
                return self.session.next_card(self.clock())
            elif key == "u" and not self.session.can_undo():
                self.console.print("Nothing to undo in this session.", style="quiz.note")
            elif key == "u":
                self.session.put_back(card)
                self.session.undo()
                self.notice = "Undone: the last answer is taken back."
                return self.session.next_card(self.clock())
            elif key == "e":
                where = printable(source_location(card, self.location_prefix))
                self.console.print(Text(where, style="quiz.note"))
            elif key == "o":
                self._open_image(card)
            elif key == "O":
                self._open(obsidian_uri(self.vault_name, card.note))
            elif key in _RATING_KEYS:
                self._hint("show the answer first (space or enter)")
            else:
                self._hint("keys: space/enter, 1-4 after the answer, u, e, o, O, q")

    def _read(self) -> str | None:
        if self.keys.plain:
            self.console.print("> ", end="")
            self.console.file.flush()
        return self.keys.read()

    def _header(self, card: Card) -> None:
        progress = self.session.progress(self.clock(), current=card)
        header = Text.assemble(
            (f"due {progress.due} · new {progress.new} · done {progress.done}", "quiz.header"),
            "   ",
            (printable(card.deck), "quiz.deck"),
        )
        if card.context:
            header.append("   " + printable(" > ".join(card.context)), style="quiz.context")
        self.console.print(header)
        if self.notice:
            self.console.print(self.notice, style="quiz.note")
            self.notice = ""
        self.console.print()

    def _choices(self, preview: Preview) -> None:
        parts = [
            f"{key} {rating.name.capitalize()} · {format_interval(preview.interval(rating))}"
            for key, rating in _RATING_KEYS.items()
        ]
        self.console.print("   ".join(parts), style="quiz.rating")

    def _hint(self, text: str) -> None:
        self.console.print(text, style="quiz.hint")

    def _open_image(self, card: Card) -> None:
        images = [path for path in card.media if Path(path).suffix.lower() in IMAGE_EXTENSIONS]
        if not images:
            self.console.print("This card has no image.", style="quiz.note")
            return
        self._open(str(self.vault_root / images[0]))

    def _open(self, target: str) -> None:
        shown = printable(target)
        if self.opener(target):
            self.console.print(Text(f"opening {shown}", style="quiz.note"), soft_wrap=True)
        else:
            self.console.print(
                Text(f"no opener found; open it yourself: {shown}", style="quiz.note"),
                soft_wrap=True,
            )


def open_external(target: str) -> bool:
    """Open a file or link with the desktop's opener (xdg-open, open, start), not waiting."""
    if sys.platform == "win32":
        startfile: Callable[[str], None] | None = getattr(os, "startfile", None)
        if startfile is None:
            return False
        try:
            startfile(target)
        except OSError:
            return False
        return True
    command = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if command is None:
        return False
    try:
        subprocess.Popen(
            [command, target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def run_quiz(
    session: QuizSession,
    *,
    plain: bool,
    vault_root: Path,
    vault_name: str,
    location_prefix: str,
) -> Summary:
    """Run a session on stdin/stdout, then print its summary; key mode needs a TTY."""
    check_terminal(plain)
    console = make_console()
    keys: AbstractContextManager[Keys]
    keys = _nothing(LineKeys(sys.stdin)) if plain else key_mode(sys.stdin)
    with keys as reader:
        screen = QuizScreen(
            session, console, reader, vault_root, vault_name, location_prefix, now, open_external
        )
        summary = screen.run()
    print_summary(console, summary, now())
    return summary


def check_terminal(plain: bool) -> None:
    """Refuse key mode when stdin is not a terminal."""
    if not plain and not sys.stdin.isatty():
        raise TerminalError(
            "flashgen quiz reads single keys and needs a terminal;"
            " use --plain to answer line by line from a script"
        )


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


def format_duration(spent: timedelta) -> str:
    """``45s``, ``2m 05s``, ``1h 02m``."""
    seconds = round(spent.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


# Statistics


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

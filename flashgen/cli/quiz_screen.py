"""The quiz screen: one card per screen, the answer paged under the question.

Key mode draws every card from the top of the (alternate) screen: a header (progress,
deck, note, time in the session), the question, after reveal a rule and the answer, one
status line whose messages replace each other, and the key hints at the bottom. An
answer taller than the terminal is paged (space, arrows, PgDn/PgUp) while the question
stays on screen. ``--plain`` prints the same parts one after another, for scripts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.segment import ControlType, Segment, Segments
from rich.style import Style
from rich.text import Text

from flashgen.cli.card_markdown import CardMarkdown, Look
from flashgen.cli.images import KITTY_CLEAR, Drawing, Graphics, draw_over, find_mark
from flashgen.cli.terminal import RESIZE_KEY, Keys, printable
from flashgen.markdown.wikilink import IMAGE_EXTENSIONS
from flashgen.model import Card
from flashgen.review.scheduler import Rating
from flashgen.review.session import (
    QuizSession,
    Summary,
    format_interval,
    obsidian_uri,
    source_location,
)
from flashgen.review.store import Preview

Line = list[Segment]

_LATE_ANSWER = re.compile(r"(?:\x1b(?:_G[^\x1b]*\x1b\\|\[\?[\d;]*c|\[6;\d+;\d+t))+")
"""Answers to the graphics query that came after it gave up waiting."""

_SYNC_START, _SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
"""Synchronized output (DEC mode 2026): the terminal draws what comes between at once."""

RATING_KEYS = {"1": Rating.AGAIN, "2": Rating.HARD, "3": Rating.GOOD, "4": Rating.EASY}
_REVEAL_KEYS = frozenset({" ", "\n", "\r"})
_QUIT_KEYS = frozenset({"q", "Q", "\x04"})
_DOWN = frozenset({"\x1b[B", "\x1bOB", "j"})
_UP = frozenset({"\x1b[A", "\x1bOA", "k"})
_PAGE_DOWN = frozenset({" ", "\x1b[6~", "f"})
_PAGE_UP = frozenset({"\x1b[5~", "b"})

_KEYS = ("u undo", "e edit", "o image", "O Obsidian", "q quit")
_HINT = ("space/enter show answer", *_KEYS)
_HINT_REVEALED = ("1-4 rate", *_KEYS)
_HINT_PAGED = ("1-4 rate", "space ↓↑ scroll", *_KEYS)


@dataclass(slots=True)
class _View:
    """What one card's screen shows now."""

    card: Card
    question: CardMarkdown
    answer: CardMarkdown | None = None
    preview: Preview | None = None
    offset: int = 0
    """First line shown of the paged part (the answer, or before it the question)."""
    status: str = ""
    printed: int = 0
    """--plain: how many parts are printed (1 question, 2 answer)."""
    lines: dict[tuple[int, bool], tuple[list[Line], list[Line]]] = field(default_factory=dict)
    """Rendered question and answer lines by (width, revealed)."""


@dataclass(frozen=True, slots=True)
class ScreenOptions:
    """What the screen needs besides the session."""

    look: Look
    """How card sides are drawn."""
    vault_name: str
    """The vault's name in Obsidian."""
    location_prefix: str
    """What goes before ``note.md:line`` when printing a card's source."""
    detect: Callable[[], Drawing] = Drawing
    """How pictures go over their cells; asked on the first card with a picture."""
    edit: Callable[[Card], str] | None = None
    """Opens the card's note in the user's editor and says how it went; None: no editor."""


@dataclass(slots=True)
class QuizScreen:
    """One quiz session on a console, driven by keys or lines."""

    session: QuizSession
    console: Console
    keys: Keys
    options: ScreenOptions
    clock: Callable[[], datetime]
    """The time, UTC."""
    opener: Callable[[str], bool]
    """Opens a path or link with the desktop's opener; False when there is none."""
    notice: str = ""
    """A message for the status line of the next card's screen."""
    drawing: Drawing | None = None
    """How pictures are drawn; learnt on the first card with a picture."""
    started: float = field(default_factory=time.monotonic)

    def run(self) -> Summary:
        """Show cards until none is left or the user quits; every answer is committed."""
        card = self.session.next_card(self.clock())
        if card is None:
            self.console.print(self._nothing_to_show())
        try:
            while card is not None:
                card = self._show(card)
        except KeyboardInterrupt:  # Ctrl-C quits like q: every answer is already saved
            if card is not None:
                self.session.put_back(card)
        return self.session.summary()

    def _nothing_to_show(self) -> str:
        """Why the session has no card: no cards at all, or none due (and what waits)."""
        summary = self.session.summary()
        if not self.session.has_cards():
            return (
                "No cards to review: the notes make none yet (see 'Writing cards' in the"
                " README), or the filters leave none."
            )
        message = "Nothing is due now."
        if summary.new_waiting:
            message += " Raise --new to see new cards."
        if summary.buried:
            message += " New siblings of cards answered today wait until tomorrow (--no-bury)."
        return message

    def _show(self, card: Card) -> Card | None:
        """Ask one card; return the card to show next (None: the session is over)."""
        view = _View(card, CardMarkdown(card.front, self.options.look), status=self.notice)
        self.notice = ""
        shown = time.monotonic()
        while True:
            self._draw(view)
            key = self._read()
            if key == RESIZE_KEY or (key is not None and _LATE_ANSWER.fullmatch(key)):
                continue  # drawn again at the new size; a terminal's late answer is no key
            view.status = ""
            if key is None or key in _QUIT_KEYS:
                self.session.put_back(card)
                return None
            if key in _REVEAL_KEYS and view.preview is None:
                view.preview = self.session.preview(card, self.clock())
                view.answer = CardMarkdown(card.back, self.options.look)
                view.offset = 0
            elif key in RATING_KEYS and view.preview is not None:
                duration = round((time.monotonic() - shown) * 1000)
                self.session.answer(view.preview, RATING_KEYS[key], self.clock(), duration)
                return self.session.next_card(self.clock())
            elif key == "u" and self.session.can_undo():
                self.session.put_back(card)
                self.session.undo()
                self.notice = "Undone: the last answer is taken back."
                return self.session.next_card(self.clock())
            elif not self._scroll(view, key):
                view.status = self._command(card, key, view.preview is not None)

    def _command(self, card: Card, key: str, revealed: bool) -> str:
        """What a key that is not an answer does; returns the status line's message."""
        if key == "u":
            return "Nothing to undo in this session."
        if key == "e":
            if self.options.edit is not None and not self.keys.plain:
                return self._edit(card)
            return printable(source_location(card, self.options.location_prefix))
        if key == "o":
            return self._open_image(card)
        if key == "O":
            return self._open(obsidian_uri(self.options.vault_name, card.note))
        if key in RATING_KEYS:
            return "show the answer first (space or enter)"
        if revealed:
            return "keys: 1-4 rate, space/arrows scroll, u, e, o, O, q"
        return "keys: space/enter, 1-4 after the answer, u, e, o, O, q"

    def _edit(self, card: Card) -> str:
        assert self.options.edit is not None
        with self.keys.paused():
            self.console.set_alt_screen(False)
            self.console.show_cursor(True)
            try:
                return self.options.edit(card)
            finally:
                self.console.set_alt_screen(True)
                self.console.show_cursor(False)

    def _scroll(self, view: _View, key: str) -> bool:
        """Move the paged part for scrolling keys; False for any other key."""
        page = max(1, self.console.height - 8)
        steps = {**dict.fromkeys(_DOWN, 1), **dict.fromkeys(_UP, -1)}
        steps.update({**dict.fromkeys(_PAGE_DOWN, page), **dict.fromkeys(_PAGE_UP, -page)})
        if key not in steps or self.keys.plain or (key == " " and view.preview is None):
            return False
        view.offset = max(0, view.offset + steps[key])
        return True

    def _read(self) -> str | None:
        if self.keys.plain:
            self.console.print("> ", end="")
            self.console.file.flush()
        return self.keys.read()

    # Drawing

    def _draw(self, view: _View) -> None:
        images = self.options.look.images
        if self.keys.plain:
            self._print(view)
        elif images is None or not _has_image(view.card):
            self._paint(view)
        else:  # the text at once, then the pictures once decoded
            images.defer, images.deferred = True, False
            try:
                self._paint(view)
            finally:
                images.defer = False
            if images.deferred:
                view.lines.clear()
                self._paint(view)

    def _header(self, card: Card) -> Text:
        progress = self.session.progress(self.clock(), current=card)
        total = progress.done + progress.due + progress.new
        where = printable(" > ".join((card.note, *card.context)))
        return Text.assemble(
            (f"{progress.done + 1}/{total}", "quiz.header"),
            (f" · due {progress.due} · new {progress.new} · done {progress.done}", "quiz.header"),
            "   ",
            (printable(card.deck), "quiz.deck"),
            "   ",
            (where, "quiz.context"),
        )

    def _choices(self, preview: Preview) -> Text:
        parts = [
            f"{key} {rating.name.capitalize()} · {format_interval(preview.interval(rating))}"
            for key, rating in RATING_KEYS.items()
        ]
        return Text("   ".join(parts), style="quiz.rating")

    def _print(self, view: _View) -> None:
        """--plain: print what is new since the last key."""
        console = self.console
        if view.printed == 0:
            console.print(self._header(view.card))
            console.print()
            console.print(view.question)
            console.print(" · ".join(_HINT), style="quiz.hint")
            view.printed = 1
        if view.answer is not None and view.preview is not None and view.printed == 1:
            console.rule(style="quiz.hint")
            console.print(view.answer)
            console.print(self._choices(view.preview))
            view.printed = 2
        if view.status:
            console.print(Text(view.status, style="quiz.note"), soft_wrap=True)

    def _paint(self, view: _View) -> None:
        """Key mode: the whole screen, from the top."""
        width, height = self.console.size
        question, answer = self._lines(view, width)
        footer = [_hint(_HINT, width)]
        if view.preview is not None:
            footer = [self._choices(view.preview)]
        body_rows = max(1, height - 4 - (view.preview is not None))
        shown = page(question, answer, body_rows, view.offset)
        view.offset = shown.offset
        body = self._overlay(shown.top)
        if shown.rule is not None:
            body.append(self._one_line(Rule(shown.rule, style="quiz.hint"), width))
        body.extend(self._overlay(shown.window))
        if view.preview is not None:
            hint = _HINT_PAGED if shown.paged else _HINT_REVEALED
            footer.append(_hint(hint, width))
        elapsed = _clock(time.monotonic() - self.started)
        rows = [
            self._one_line(_with_right(self._header(view.card), elapsed, width), width),
            [],
            *body,
            *([[]] * (body_rows - len(body))),
            self._one_line(Text(view.status, style="quiz.note"), width),
            *(self._one_line(text, width) for text in footer),
        ]
        segments: list[Segment] = []
        for number, row in enumerate(rows[:height]):
            segments.extend(row)
            if number < min(len(rows), height) - 1:
                segments.append(Segment.line())
        kitty = self.drawing is not None and self.drawing.graphics is Graphics.KITTY
        # One write, inside synchronized output (terminals that lack it ignore it): the
        # terminal shows the new screen whole, without flicker.
        start = _SYNC_START + "\x1b[H\x1b[2J" + (KITTY_CLEAR if kitty else "")
        segments.insert(0, Segment(start, None, [(ControlType.HOME,)]))
        segments.append(Segment(_SYNC_END, None, [(ControlType.HOME,)]))
        self.console.print(Segments(segments), end="")
        self.console.file.flush()

    def _lines(self, view: _View, width: int) -> tuple[list[Line], list[Line] | None]:
        """The question's and the answer's lines at *width*, pictures drawn over."""
        key = (width, view.answer is not None)
        if key not in view.lines:
            self._detect(view.card)
            options = self.console.options.update(width=width, height=None)
            question = self.console.render_lines(view.question, options, pad=False)
            answer = (
                None
                if view.answer is None
                else self.console.render_lines(view.answer, options, pad=False)
            )
            view.lines[key] = (_trim(question), _trim(answer or []))
        question, answer = view.lines[key]
        return question, (answer if view.answer is not None else None)

    def _detect(self, card: Card) -> None:
        if self.drawing is None and _has_image(card) and self.options.look.images is not None:
            self.drawing = self.options.detect()

    def _one_line(self, renderable: Text | Rule, width: int) -> Line:
        options = self.console.options.update(width=width, height=1, no_wrap=True)
        lines = self.console.render_lines(renderable, options, pad=False)
        return lines[0] if lines else []

    def _overlay(self, lines: list[Line]) -> list[Line]:
        drawing = self.drawing or Drawing()
        for index in range(len(lines)):
            if find_mark(lines[index]) is not None:
                draw_over(lines, index, drawing)
        return lines

    # Opening things

    def _open_image(self, card: Card) -> str:
        images = [path for path in card.media if Path(path).suffix.lower() in IMAGE_EXTENSIONS]
        if not images:
            return "This card has no image."
        return self._open(str(self.options.look.vault_root / images[0]))

    def _open(self, target: str) -> str:
        shown = printable(target)
        if self.opener(target):
            return f"opening {shown}"
        return f"no opener found; open it yourself: {shown}"


def _trim(lines: list[Line]) -> list[Line]:
    """*lines* without the blank lines rich puts around blocks at the start and end."""

    def blank(line: Line) -> bool:
        return all(not segment.control and not segment.text.strip() for segment in line)

    start, end = 0, len(lines)
    while start < end and blank(lines[start]):
        start += 1
    while end > start and blank(lines[end - 1]):
        end -= 1
    return lines[start:end]


def _has_image(card: Card) -> bool:
    return any(Path(path).suffix.lower() in IMAGE_EXTENSIONS for path in card.media)


@dataclass(frozen=True, slots=True)
class Page:
    """The body of a card's screen: the top, a rule, then the paged window."""

    top: list[Line]
    """The question (before the answer: the part of it shown)."""
    rule: str | None
    """The rule's title between question and answer; None before the answer."""
    window: list[Line]
    """The answer lines shown."""
    offset: int
    """The first line shown of the paged part, kept in range."""
    paged: bool
    """Whether some lines are out of view."""


def page(question: list[Line], answer: list[Line] | None, rows: int, offset: int) -> Page:
    """The body lines that fit in *rows*.

    Before the answer, a question taller than *rows* is paged. After it, the question
    keeps the top (at most half the rows when the whole does not fit) and the answer is
    paged below a rule that says which of its lines are shown.
    """
    if answer is None:
        if len(question) <= rows:
            return Page(list(question), None, [], 0, False)
        offset = min(offset, len(question) - rows)
        return Page(question[offset : offset + rows], None, [], offset, True)
    if len(question) + 1 + len(answer) <= rows:
        return Page(list(question), "", list(answer), 0, False)
    shown = min(len(question), max(1, rows // 2))
    top = list(question[:shown])
    if shown < len(question):
        top[-1] = [Segment("⋯", Style(dim=True))]
    room = max(1, rows - shown - 1)
    offset = min(offset, max(0, len(answer) - room))
    end = min(len(answer), offset + room)
    title = f"answer, lines {offset + 1}-{end} of {len(answer)}"
    return Page(top, title, answer[offset:end], offset, True)


def _hint(parts: tuple[str, ...], width: int) -> Text:
    """The key hints that fit in *width*: the first (what to do now) and the last (quit)
    stay; the others go from the end."""
    kept = list(parts)
    while len(kept) > 2 and len(" · ".join(kept)) > width:
        kept.pop(-2)
    return Text(" · ".join(kept), style="quiz.hint")


def _with_right(left: Text, right: str, width: int) -> Text:
    """*left* cut to leave room for *right* at the end of a *width*-wide line."""
    room = max(0, width - len(right) - 1)
    left.truncate(room, overflow="ellipsis", pad=True)
    return Text.assemble(left, " ", (right, "quiz.hint"))


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"

"""The quiz screen and the statistics view: cards, prompts and charts drawn with rich."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal, TextIO

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from rich.theme import Theme

from flashgen.cli.terminal import (
    Keys,
    LineKeys,
    check_terminal,
    key_mode,
    local_zone,
    now,
    open_external,
    printable,
)
from flashgen.markdown.parser import make_parser
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
from flashgen.review.stats import DAYS, Stats, bar_chart
from flashgen.review.store import Preview

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


def make_console(file: TextIO | None = None) -> Console:
    """A console with the quiz's styles."""
    return Console(file=file, theme=THEME, highlight=False)


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

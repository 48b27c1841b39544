"""Making a card's HTML safe to show in Anki, where cards run JavaScript.

By default a deck keeps the HTML a note wrote as written: the notes are the user's own,
and HTML is how they add what Markdown cannot say. A vault from someone else may hold
``<script>`` or ``<img onerror=…>``; with ``anki.sanitize_html: true`` each field goes
through :func:`sanitize_html` first.

The HTML is read with the standard library's tolerant parser and written out again,
keeping only what cannot run: elements that run or embed code (``<script>``,
``<iframe>``, ``<object>``…) go with their content, event-handler attributes
(``onclick``…) and ``javascript:``/``vbscript:`` links go, and ``data:`` links stay
only on images. Whatever the parser reads as text is written as text (``<`` and ``&``
escaped), so markup the parser and a browser would read differently cannot slip through.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "applet",
        "frameset",
        "noembed",
        "noframes",
        "noscript",
        "template",
        # SVG animation can set an attribute, such as a link's href, to a script URL.
        "animate",
        "animatemotion",
        "animatetransform",
        "set",
    }
)
"""Elements removed together with everything inside them."""

DROPPED = frozenset({"embed", "frame", "base", "link", "meta"})
"""Elements (void ones) removed."""

URL_ATTRIBUTES = frozenset(
    {
        "action",
        "background",
        "cite",
        "data",
        "dynsrc",
        "formaction",
        "href",
        "longdesc",
        "lowsrc",
        "poster",
        "src",
        "xlink:href",
    }
)
"""Attributes holding a URL that a browser may follow or load."""

_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
"""Browsers skip blanks and control characters in a URL's scheme: ``java\\tscript:``."""
_NAME_RE = re.compile(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*")
"""A tag or attribute name as HTML writes it; anything stranger is written as text."""


def sanitize_html(html: str) -> str:
    """*html* without scripts, embedded content, event handlers and script links."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out)


def is_script_url(value: str, *, image: bool = False) -> bool:
    """True for a ``javascript:``, ``vbscript:`` or (unless an *image* source) ``data:`` URL."""
    url = _IGNORED_IN_SCHEME.sub("", value).lower()
    if url.startswith(("javascript:", "vbscript:")):
        return True
    return url.startswith("data:") and not (image and url.startswith("data:image/"))


class _Cleaner(HTMLParser):
    """Writes back what it reads, minus what could run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping: list[str] = []  # the open elements being dropped, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, " /")

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if self._skipping:
            if tag in DROPPED_WITH_CONTENT and not close:
                self._skipping.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            if not close:
                self._skipping.append(tag)
            return
        if tag in DROPPED:
            return
        if not _NAME_RE.fullmatch(tag):  # "<scr<script>": a browser reads one odd name too
            self.handle_data(self.get_starttag_text() or "")
            return
        kept = "".join(
            f" {name}" if value is None else f' {name}="{escape(value)}"'
            for name, value in attrs
            if _NAME_RE.fullmatch(name) and _safe_attribute(tag, name, value)
        )
        self.out.append(f"<{tag}{kept}{close}>")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag in self._skipping:
                while self._skipping.pop() != tag:
                    pass
            return
        if tag not in DROPPED_WITH_CONTENT and tag not in DROPPED and _NAME_RE.fullmatch(tag):
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        # Character references come decoded; escaping again (as markdown-it escapes text)
        # shows the same text.
        if not self._skipping:
            self.out.append(escape(data, quote=False).replace('"', "&quot;"))

    # Comments, declarations (<!DOCTYPE>), processing instructions and CDATA are dropped:
    # none of them shows on a card, and old browsers ran conditional comments.
    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass


def _safe_attribute(tag: str, name: str, value: str | None) -> bool:
    if name.startswith("on") or name == "srcdoc":
        return False
    if name in URL_ATTRIBUTES and value is not None:
        return not is_script_url(value, image=tag == "img" and name == "src")
    return True

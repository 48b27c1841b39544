"""Card Markdown → HTML for Anki fields (the rules are :mod:`flashgen.markdown.render`'s).

The media names travel in markdown-it's ``env``, so the one cached parser is never
changed after it is built. Fields rendered from a note's tokens while it was read come
here with markers instead (:func:`from_blocks`).
"""

from __future__ import annotations

from collections.abc import Mapping

from flashgen.markdown.render import MEDIA_KEY, field_parser, fill, is_plain, lone_paragraph


def to_html(markdown: str, media_names: Mapping[str, str], *, line_breaks: bool = False) -> str:
    """Render a card's Markdown *markdown* as HTML for an Anki field.

    *media_names* maps each vault-relative image path the card may embed to the name
    of its file in the Anki media folder; an image embed whose target is not in it is
    shown as a visible ``<span class="missing">`` placeholder.  Text is HTML-escaped,
    but raw HTML written in the note is kept as written: the notes are the user's own,
    and HTML is how Obsidian users add what Markdown cannot express (``<sub>``, ``<br>``).
    A single paragraph is returned without its ``<p>``. With *line_breaks*, a single
    newline inside a paragraph is a ``<br>`` (Obsidian's default, "Strict line breaks" off).
    """
    if is_plain(markdown):
        return markdown
    html: str = field_parser(line_breaks).render(markdown, {MEDIA_KEY: media_names})
    return lone_paragraph(html.strip("\n"))


def to_inline_html(markdown: str, media_names: Mapping[str, str]) -> str:
    """Render one line of Markdown (a title, a heading) as HTML without a ``<p>`` around it."""
    if is_plain(markdown):
        return markdown
    html: str = field_parser(False).renderInline(markdown, {MEDIA_KEY: media_names})
    return html


def from_blocks(html: str, media_names: Mapping[str, str], *, line_breaks: bool = False) -> str:
    """The field HTML a card brought from its note's tokens (``markdown.render``), with
    its images named by *media_names* and its line breaks as *line_breaks* says: what
    :func:`to_html` gives for the card's Markdown."""
    return fill(html, media_names, line_breaks=line_breaks)

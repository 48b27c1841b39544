"""flashgen's Anki note types: their fixed ids, fields, card templates and style.

Anki matches note types by id, so the ids here never change. The note types are plain
data (:class:`NoteType`); the package writer turns them into genanki models.
"""

from __future__ import annotations

from dataclasses import dataclass

QA_MODEL_ID = 1159097102
"""Anki id of the ``flashgen Q/A`` note type; never change it, Anki matches note types by id."""


COMPARISON_MODEL_ID = 1589227826
"""Anki id of the ``flashgen Comparison`` note type; never change it either."""


REVERSIBLE_MODEL_ID = 1263390047
"""Anki id of the ``flashgen Q/A reversible`` note type; never change it."""


CLOZE_MODEL_ID = 1406613561
"""Anki id of the ``flashgen Cloze`` note type (Anki's cloze kind); never change it."""


CSS = """\
.card {
  --fg-text: #1f2328;
  --fg-muted: #6e7781;
  --fg-accent: #0969da;
  --fg-rule: #d0d7de;
  --fg-soft: #f6f8fa;
  --fg-mark: #fff8c5;
  font-family: -apple-system, "Segoe UI", system-ui, Roboto, "Helvetica Neue", sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: var(--fg-text);
  background-color: #ffffff;
  max-width: 42em;
  margin: 0 auto;
  padding: 0.5em 1em;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --fg-text: #e6edf3;
  --fg-muted: #8d96a0;
  --fg-accent: #4493f8;
  --fg-rule: #3d444d;
  --fg-soft: #262c36;
  --fg-mark: #5c4a00;
  background-color: #1e2228;
}
.fg-context { font-size: 0.7em; color: var(--fg-muted); margin-bottom: 0.6em; }
.fg-title { font-size: 0.8em; font-weight: 600; color: var(--fg-accent); }
.fg-others { font-size: 0.75em; color: var(--fg-muted); margin: 0.2em 0 0.8em; }
.fg-others p, .fg-others ul { display: inline; margin: 0; padding: 0; }
.fg-others li { display: inline; }
.fg-others li + li::before { content: " · "; }
.fg-source { font-size: 0.6em; color: var(--fg-muted); margin-top: 1.5em; }
.fg-source a { color: inherit; }
hr#answer { border: none; border-top: 1px solid var(--fg-rule); margin: 1em 0; }
p:first-child { margin-top: 0; }
p:last-child { margin-bottom: 0; }
a { color: var(--fg-accent); }
img { max-width: 100%; height: auto; }
mark { background-color: var(--fg-mark); color: inherit; padding: 0 0.15em; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.85em;
  background-color: var(--fg-soft); border-radius: 4px; padding: 0.1em 0.3em; }
pre { background-color: var(--fg-soft); border-radius: 6px; padding: 0.7em 1em; overflow-x: auto; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--fg-rule); padding: 0.3em 0.6em; }
th { background-color: var(--fg-soft); }
blockquote { margin: 0.5em 0; padding-left: 1em; border-left: 3px solid var(--fg-rule);
  color: var(--fg-muted); }
.callout { margin: 0.6em 0; padding: 0.5em 0.8em; border-left: 4px solid var(--fg-accent);
  border-radius: 4px; background-color: var(--fg-soft); }
.callout-title { font-weight: 600; margin-bottom: 0.2em; }
.missing { color: #cf222e; border: 1px dashed currentColor; border-radius: 4px;
  padding: 0 0.3em; font-size: 0.8em; }
.missing::before { content: "missing image: "; }
.cloze { font-weight: 600; color: var(--fg-accent); }
"""


_QA_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
<div class="fg-front">{{Front}}</div>"""


_QA_BACK = """\
{{FrontSide}}
<hr id=answer>
<div class="fg-back">{{Back}}</div>
<div class="fg-source">{{Source}}</div>"""


_REVERSE_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
<div class="fg-front">{{Back}}</div>"""


_REVERSE_BACK = """\
{{FrontSide}}
<hr id=answer>
<div class="fg-back">{{Front}}</div>
<div class="fg-source">{{Source}}</div>"""


_CLOZE_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
<div class="fg-front">{{cloze:Text}}</div>"""


_CLOZE_BACK = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
<div class="fg-front">{{cloze:Text}}</div>
{{#Back Extra}}<hr id=answer>
<div class="fg-back">{{Back Extra}}</div>{{/Back Extra}}
<div class="fg-source">{{Source}}</div>"""


_COMPARISON_FRONT = """\
{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}
{{#Title}}<div class="fg-title">{{Title}}</div>{{/Title}}
{{#Others}}<div class="fg-others">compared with {{Others}}</div>{{/Others}}
<div class="fg-front">{{Front}}</div>"""


@dataclass(frozen=True, slots=True)
class Template:
    """One card template of a note type: a card per note (Anki's ``qfmt``/``afmt``)."""

    name: str
    """The template's name in Anki."""
    front: str
    """The question side."""
    back: str
    """The answer side."""


@dataclass(frozen=True, slots=True)
class NoteType:
    """A flashgen note type as Anki knows it."""

    id: int
    """Anki's id for it; fixed for ever."""
    name: str
    """Its name in Anki."""
    fields: tuple[str, ...]
    """Its fields, in order (the first is the one Anki checks for duplicates)."""
    templates: tuple[Template, ...]
    """Its card templates."""
    css: str = CSS
    """Its style."""
    cloze: bool = False
    """Whether it is of Anki's cloze kind: one card per cloze number of its first field."""


QA = NoteType(
    QA_MODEL_ID,
    "flashgen Q/A",
    ("Front", "Back", "Context", "Source", "Id"),
    (Template("Card 1", _QA_FRONT, _QA_BACK),),
)
"""Question and answer: every card that is neither a comparison, a cloze nor two-way."""

REVERSIBLE = NoteType(
    REVERSIBLE_MODEL_ID,
    "flashgen Q/A reversible",
    ("Front", "Back", "Context", "Source", "Id"),
    (Template("Forward", _QA_FRONT, _QA_BACK), Template("Reverse", _REVERSE_FRONT, _REVERSE_BACK)),
)
"""A card and its reverse, back → front (``:::``, ``??``, O2A's "Basic (and reversed
card)"): one note of two cards, so Anki buries them as siblings. A note type of its own
rather than a second template of Q/A: changing Q/A would make every collection merge
note types (and upload in full to AnkiWeb) once."""

CLOZE = NoteType(
    CLOZE_MODEL_ID,
    "flashgen Cloze",
    ("Text", "Back Extra", "Context", "Source", "Id"),
    (Template("Cloze", _CLOZE_FRONT, _CLOZE_BACK),),
    cloze=True,
)
"""A passage with deletions: one note, one card per deletion (per cloze number)."""

COMPARISON = NoteType(
    COMPARISON_MODEL_ID,
    "flashgen Comparison",
    # Front comes first: Anki flags notes whose first field repeats as duplicates, and
    # the items of one comparison all share its title.
    ("Front", "Back", "Title", "Others", "Context", "Source", "Id"),
    (Template("Item", _COMPARISON_FRONT, _QA_BACK),),
)
"""Comparison cards: the comparison's title and the other items shown on the front."""

NOTE_TYPES = (QA, COMPARISON, CLOZE, REVERSIBLE)
"""Every note type a deck may hold."""

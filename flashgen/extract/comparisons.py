"""Cards from comparison sections: a heading such as ``### L1 vs. L2`` and what it holds.

A comparison is a heading naming two or more things joined by ``vs``, ``vs.`` or
``versus``; its section runs to the next heading of the same or a higher level. Inside
it, the compared items are found in the shapes notes use, tried in this order:

1. sub-headings, one per item, at the shallowest level where two or more match;
2. labels and leading names, read block by block: a bold (or linked) label such as
   ``**GANs:**`` followed by a list or paragraphs, a list whose items start with the
   names, a paragraph that starts with a name, or a table whose header row or first
   column names the items.

When two or more items are found, each gets an item card, and each bullet fact a
"which one?" discrimination card. Otherwise the section is prose about the things
compared and gets one difference card, unless it describes a plot ("Residuals vs.
Fitted Values").

Names in the section rarely repeat the heading's words exactly, so they are matched
tolerantly (:func:`similarity`): case, plurals, punctuation, wiki-link targets,
leading words ("Variational Models" for "Variational Autoencoders") and acronyms
("GANs" for "Generative Adversarial Networks").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from markdown_it.token import Token

from flashgen.extract.common import NoteContext
from flashgen.model import Card
from flashgen.parse import Heading, ParsedNote, inline_text

__all__ = [
    "Comparison",
    "Item",
    "Name",
    "extract_comparisons",
    "find_comparisons",
    "match_item",
    "similarity",
    "split_names",
]

MAX_NAME_WORDS = 5
"""A "name" longer than this is a sentence that happens to contain "vs", not a name."""

MAX_NAMES = 12
"""A heading comparing more things than this is a list (or pasted text), not a comparison;
the names are matched pairwise, so a thousand "vs" would take minutes."""

MAX_LABEL_WORDS = 7
"""A bold text longer than this is an emphasised sentence, not a label."""

MIN_SCORE = 59
"""The lowest :func:`similarity` that still counts as naming a compared item."""

_VS_RE = re.compile(r"(?<!\S)(?:vs\.?|versus)(?!\S)", re.IGNORECASE)
# Spaces inside code, math and parentheses become this, so "vs" there never splits.
_GLUE = "\ue000"
_PROTECTED_RE = re.compile(r"`[^`]*`|\$[^$]*\$|\([^()]*\)")
_LEAD_INS = re.compile(
    r"""^(?:
        (?:when|where|why|how)\s+(?:to|should\s+(?:i|you|we|one)|do\s+(?:i|you|we))
            \s+(?:use|choose|pick|prefer|apply)
        | (?:which|what)\s+(?:to\s+(?:use|choose|pick)|should\s+(?:i|you|we)\s+use)
            (?:\s+between)?
        | (?:choosing|picking|deciding|comparing)(?:\s+between)?
        | (?:the\s+)?(?:differences?|comparison|contrast)\s+(?:between|of)
        | (?:what\s+is|what's)\s+the\s+difference\s+between
    )\s+""",
    re.IGNORECASE | re.VERBOSE,
)
_LEAD_OUT = re.compile(r"\s+(?:for|in|when|during)\s+\S.*$", re.IGNORECASE)
_EDGE_PUNCT = " \t*_~=:;,.?!\"'\u2018\u2019\u201c\u201d"
_PARENS_RE = re.compile(r"\s*\([^()]*\)")
_WORD_RE = re.compile(r"[\w+#]+")
_ARTICLES = frozenset({"a", "an", "the"})
_SKIPPABLE = frozenset({"a", "an", "the", "of", "and", "for", "to", "in", "on"})
_SUMMARY_RE = re.compile(
    r"""(?:both|neither|either|overall|together|generally|summary|comparison|note|notes
        |in\s+(?:summary|short|practice|general|contrast|comparison|both\s+cases)
        |the\s+(?:main\s+|key\s+)?differences?|similarit(?:y|ies)|differences?
        |tl;?\s*dr|bottom\s+line|takeaways?|conclusion)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A prose-only "X vs. Y" section that talks about a plot names its axes, not things
# to compare: "Residuals vs. Fitted Values".
_PLOT_RE = re.compile(
    r"\b(?:plot|plots|plotted|plotting|scatter\s*plot|x-axis|y-axis|axis|axes)\b",
    re.IGNORECASE,
)
_LIST_MARKER_RE = re.compile(r"^([ \t]*(?:[-+*]|\d{1,9}[.)]))([ \t]+|$)")
_QUESTION_CALLOUTS = frozenset({"question", "help", "faq"})


# --- names -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """One of the things a comparison heading names."""

    text: str
    """As the heading writes it (wiki-links as their display text): ``Variational Autoencoders``."""
    full: str = ""
    """With a trailing noun it shares with the last name: ``L1 Distance`` for ``L1``."""
    forms: tuple[str, ...] = ()
    """Other spellings to match against: wiki-link targets, a shared leading word added."""

    @property
    def key(self) -> str:
        """The name as it goes into card keys: case and spacing folded."""
        return " ".join(self.text.casefold().split())

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every spelling the name is matched by."""
        return (self.text, *((self.full,) if self.full != self.text else ()), *self.forms)


def split_names(text: str) -> tuple[str, ...]:
    """The names a heading's plain text compares, or ``()`` when it is no comparison.

    ``vs``, ``vs.`` and ``versus`` (any case, standing as a word) separate the names,
    except inside inline code, math or parentheses. A lead-in such as "When to use" or
    "Pooling:" before the first name and a tail such as "for skewed data" after the
    last are dropped. A heading whose "names" are long is a sentence, and one with more
    than :data:`MAX_NAMES` of them a list: ``()``.
    """
    glued = _PROTECTED_RE.sub(lambda m: m.group(0).replace(" ", _GLUE), text.strip())
    parts = [part.replace(_GLUE, " ") for part in _VS_RE.split(glued)]
    if not 2 <= len(parts) <= MAX_NAMES:
        return ()
    first = parts[0].rsplit(": ", 1)[-1]
    parts[0] = _LEAD_INS.sub("", first.strip())
    parts[-1] = _LEAD_OUT.sub("", parts[-1].strip())
    names = tuple(part.strip(_EDGE_PUNCT) for part in parts)
    if any(not name or len(name.split()) > MAX_NAME_WORDS for name in names):
        return ()
    if len({" ".join(name.casefold().split()) for name in names}) < len(names):
        return ()  # "Kramer vs. Kramer" names one thing twice: a title, not a comparison
    return names


def shared_noun_forms(names: Sequence[str]) -> list[str]:
    """``L1 vs L2 Distance`` → ``L1 Distance``: single-word names borrow the last name's tail.

    Only used for matching: cards show the names as the heading writes them, since the
    guess is wrong as often as not ("Docker vs. Virtual Machines" is no "Docker Machines").
    """
    last = names[-1].split()
    if len(last) < 2 or any(len(name.split()) != 1 for name in names[:-1]):
        return ["" for _ in names]
    tail = " ".join(last[1:])
    return [f"{name} {tail}" for name in names[:-1]] + [""]


def shared_prefix_forms(names: Sequence[str]) -> list[str]:
    """``Git merge vs rebase`` → ``merge`` and ``Git rebase``: a leading word shared by all.

    Only when the first name has two words and every other name one; matching only.
    """
    first = names[0].split()
    if len(first) != 2 or any(len(name.split()) != 1 for name in names[1:]):
        return ["" for _ in names]
    return [first[1]] + [f"{first[0]} {name}" for name in names[1:]]


def words(text: str) -> tuple[str, ...]:
    """Case-folded, singular words of *text*, without articles and punctuation."""
    found = tuple(singular(word) for word in _WORD_RE.findall(text.casefold().replace("_", " ")))
    while found and found[0] in _ARTICLES:
        found = found[1:]
    return found


def singular(word: str) -> str:
    """A crude singular: ``gans`` → ``gan``, ``processes`` → ``process``, ``lasso`` kept."""
    if len(word) <= 3 or not word.isalpha():
        return word[:-1] if len(word) > 2 and word[-1] == "s" and word[-2].isdigit() else word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_acronym(text: str) -> bool:
    """``GANs``, ``VAE``, ``CNNs``: one short word with at least two capitals."""
    stripped = text.strip()
    core = stripped[:-1] if stripped.endswith("s") else stripped
    return (
        core.isalnum()
        and 2 <= len(core) <= 6
        and sum(ch.isupper() for ch in core) >= 2
        and core[0].isalpha()
    )


def _abbreviates(acronym: str, spelled: tuple[str, ...]) -> bool:
    """True when *acronym* is made of the initials of *spelled*, in order.

    Each word gives its first letter and may give more from inside it: ``vae``
    abbreviates "variational autoencoder" (V-ariational A-uto-E-ncoder), ``gan``
    "generative adversarial network"; small words such as "of" may give none.
    """
    if len(spelled) < 2:
        return False

    def fits(pos: int, index: int) -> bool:
        if index == len(spelled):
            return pos == len(acronym)
        word = spelled[index]
        if word in _SKIPPABLE and fits(pos, index + 1):
            return True
        if pos >= len(acronym) or word[0] != acronym[pos]:
            return False
        pos, inside = pos + 1, 1
        while True:
            if fits(pos, index + 1):
                return True
            found = word.find(acronym[pos], inside) if pos < len(acronym) else -1
            if found < 0:
                return False
            pos, inside = pos + 1, found + 1

    return fits(0, 0)


def _word_match(a: str, b: str) -> bool:
    """Two words match when equal or one abbreviates the other (``norm``/``normalization``)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and long.startswith(short)


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if not _word_match(x, y):
            break
        count += 1
    return count


def similarity(a: str, b: str) -> int:
    """How surely two spellings name the same thing, 0 (not at all) to 100 (the same words).

    95: the same words, some abbreviated ("Batch norm" / "Batch Normalization");
    90: one is the acronym of the other ("GANs" / "Generative Adversarial Networks");
    80: one's words start the other's ("Diffusion Models" / "Diffusion");
    65-75: they share leading words ("Variational Models" / "Variational Autoencoders");
    59-70: near-identical spelling (typos).
    """
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0
    if wa == wb:
        return 100
    if len(wa) == len(wb) and _common_prefix(wa, wb) == len(wa):
        return 95
    if (_is_acronym(a) and _abbreviates(wa[0], wb)) or (_is_acronym(b) and _abbreviates(wb[0], wa)):
        return 90
    common = _common_prefix(wa, wb)
    if common == min(len(wa), len(wb)):
        return 80
    if common:
        return 60 + 5 * min(common, 3)
    ratio = SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio()
    return int(ratio * 70) if ratio >= 0.85 else 0


def match_item(candidates: Sequence[str], names: Sequence[Name]) -> int | None:
    """The index of the name that *candidates* (spellings of one label) stand for.

    None when no name scores :data:`MIN_SCORE` or two names score the same best.
    """
    scores: list[int] = []
    for name in names:
        best = 0
        for candidate in candidates:
            for spelling in name.spellings:
                for variant in (candidate, _PARENS_RE.sub("", candidate)):
                    best = max(best, similarity(variant.strip(_EDGE_PUNCT), spelling))
        scores.append(best)
    top = max(scores, default=0)
    if top < MIN_SCORE or scores.count(top) > 1:
        return None
    return scores.index(top)


def match_leading_words(text: str, names: Sequence[Name]) -> int | None:
    """The name a sentence starts with ("Max pooling keeps …" → "Max Pooling"), or None.

    Stricter than :func:`match_item`: the sentence must start with all of the name's
    words, with all but its last (``Two stage methods`` for "Two stage detectors"), or
    with its acronym or the words it abbreviates.
    """
    sentence = words(text)
    scores: list[int] = []
    for name in names:
        best = 0
        for spelling in name.spellings:
            form = words(spelling)
            if not form or not sentence:
                continue
            common = _common_prefix(sentence, form)
            if common == len(form):
                best = max(best, 100 + len(form))
            elif len(form) >= 2 and common >= len(form) - 1:
                best = max(best, 70)
            elif _acronym_starts(text, sentence, spelling, form):
                best = max(best, 90)
        scores.append(best)
    top = max(scores, default=0)
    if top == 0 or scores.count(top) > 1:
        return None
    return scores.index(top)


def _acronym_starts(
    text: str, sentence: tuple[str, ...], spelling: str, form: tuple[str, ...]
) -> bool:
    """The sentence starts with the name's acronym ("GANs are …"), or spells out its acronym."""
    first_word = _WORD_RE.findall(text)[:1]
    if first_word and _is_acronym(first_word[0]) and _abbreviates(sentence[0], form):
        return True
    return _is_acronym(spelling) and any(
        _abbreviates(form[0], sentence[:size]) for size in range(2, 5)
    )


# --- sections ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """A heading that compares things, and the section under it."""

    heading: Heading
    """The comparison's heading."""
    title: str
    """The heading's text without a trailing colon."""
    names: tuple[Name, ...]
    """What it compares, in heading order."""
    first: int
    """Index of the section's first token (after the heading)."""
    stop: int
    """Index of the token after the section (the next heading of the same or higher level)."""
    end_line: int
    """0-based line after the section."""
    context: tuple[str, ...]
    """Heading path down to and including the comparison heading."""

    @property
    def key(self) -> str:
        """The comparison's names as they go into card keys."""
        return "|".join(name.key for name in self.names)


def find_comparisons(note: ParsedNote) -> list[Comparison]:
    """Every heading of *note* that compares two or more things, with its section."""
    found: list[Comparison] = []
    ends = _section_ends(note.headings)
    for heading, after in zip(note.headings, ends, strict=True):
        inline = note.tokens[heading.token_index + 1]
        names = heading_names(inline)
        if not names:
            continue
        stop = after.token_index if after else len(note.tokens)
        end_line = after.line - 1 if after else len(note.lines)
        # The path in force just after the heading: it, and no earlier sibling.
        context = note.context_at(heading.token_index + 1)
        title = heading.text.rstrip(": ").strip()
        found.append(
            Comparison(heading, title, names, heading.token_index + 3, stop, end_line, context)
        )
    return found


def _section_ends(headings: Sequence[Heading]) -> list[Heading | None]:
    """For each heading, the next heading of the same or a higher level (None: the end)."""
    ends: list[Heading | None] = [None] * len(headings)
    open_sections: list[int] = []
    for position, heading in enumerate(headings):
        while open_sections and headings[open_sections[-1]].level >= heading.level:
            ends[open_sections.pop()] = heading
        open_sections.append(position)
    return ends


def heading_names(inline: Token) -> tuple[Name, ...]:
    """The names a heading compares (empty when it is not a comparison).

    Inline code is kept out of the split: a heading about ``a vs b`` in code compares nothing.
    """
    pieces: list[str] = []
    links: list[tuple[str, list[str]]] = []
    for child in inline.children or []:
        if child.type == "code_inline":
            pieces.append("`" + child.content.replace(" ", _GLUE) + "`")
        elif child.type == "wikilink":
            pieces.append(child.content)
            links.append((child.content, _link_spellings(child)))
        elif child.type in ("text", "tag"):
            pieces.append(child.content)
        elif child.type in ("math_inline", "math_inline_double"):
            pieces.append(f"${child.content}$")
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
    texts = split_names(" ".join("".join(pieces).split()))
    if not texts:
        return ()
    texts = tuple(text.replace(_GLUE, " ").replace("`", "") for text in texts)
    shared = shared_noun_forms(texts)
    prefixed = shared_prefix_forms(texts)
    names: list[Name] = []
    for text, expanded, other in zip(texts, shared, prefixed, strict=True):
        forms = [s for display, spellings in links if display.strip() == text for s in spellings]
        forms = [f for f in dict.fromkeys([other, *forms]) if f and f not in (text, expanded)]
        names.append(Name(text, expanded or text, tuple(forms)))
    return tuple(names)


def _link_spellings(child: Token) -> list[str]:
    """A wiki-link's target note name and heading, other spellings of what it shows."""
    meta = child.meta or {}
    found = []
    target = str(meta.get("target") or "")
    if target:
        found.append(posixpath.splitext(posixpath.basename(target))[0])
    heading = meta.get("heading")
    if heading:
        found.append(str(heading).rsplit("#", 1)[-1])
    return found


# --- blocks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block of a section: a paragraph, list, table, heading, fence …"""

    kind: str
    """Its opening token's type without ``_open``: ``paragraph``, ``bullet_list`` …"""
    first: int
    """Index of its first token."""
    stop: int
    """Index after its last token."""
    start: int
    """0-based first line."""
    end: int
    """0-based line after it."""


def top_blocks(tokens: Sequence[Token], first: int, stop: int) -> list[Block]:
    """The blocks of ``tokens[first:stop]`` that are not inside another block."""
    blocks: list[Block] = []
    index = first
    while index < stop:
        token = tokens[index]
        after = index + 1
        if token.nesting == 1:
            depth = 1
            while after < stop and depth:
                depth += tokens[after].nesting
                after += 1
        if token.map:
            blocks.append(
                Block(token.type.removesuffix("_open"), index, after, token.map[0], token.map[1])
            )
        index = after
    return blocks


def _children_of(tokens: Sequence[Token], block: Block, level: int, kind: str) -> list[int]:
    """Indexes of the *kind* tokens at nesting *level* inside *block*."""
    return [
        i
        for i in range(block.first, block.stop)
        if tokens[i].type == kind and tokens[i].level == level
    ]


def _first_inline(tokens: Sequence[Token], open_index: int) -> Token | None:
    """The inline token of the paragraph that opens the container at *open_index*."""
    if open_index + 2 < len(tokens) and tokens[open_index + 1].type == "paragraph_open":
        inline = tokens[open_index + 2]
        return inline if inline.type == "inline" else None
    return None


# --- items -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One bullet of an item: a "which one?" card's question."""

    text: str
    """The bullet's first paragraph, Markdown, on one line."""
    line: int
    """1-based line."""


@dataclass(slots=True)
class Item:
    """One compared thing as the section describes it."""

    name: int
    """Index into the comparison's names."""
    label: str
    """How the section names it: ``Autoregressive Models``."""
    line: int
    """1-based line of its label, sub-heading, list item or table row."""
    chunks: list[str] = field(default_factory=list)
    """Markdown pieces of its back, in note order."""
    facts: list[Fact] = field(default_factory=list)
    """Its bullet facts."""

    @property
    def back(self) -> str:
        """The item card's back."""
        return "\n\n".join(chunk for chunk in self.chunks if chunk.strip())


@dataclass(frozen=True, slots=True)
class Lead:
    """How a paragraph or list item starts: a label, or the name of an item."""

    name: int | None
    """The compared thing it names; None for a label such as ``**Note:**``."""
    label: str
    """The label's or name's text, without a colon."""
    is_label: bool
    """A label ("GANs:") whose content follows, rather than a sentence's subject."""


def read_lead(inline: Token, names: Sequence[Name]) -> Lead | None:
    """Read the start of a paragraph: a label (``**GANs:**``, ``[[X|Y]]:``, ``Mean:``) or a name."""
    children = [c for c in inline.children or [] if c.type != "text" or c.content.strip()]
    marked = _leading_mark(children)
    if marked is not None and len(marked[0].split()) <= MAX_LABEL_WORDS:
        label, spellings, rest = marked
        rest_text = _plain(rest)
        whole = not rest_text.strip() or rest[0].type in ("softbreak", "hardbreak")
        colon = label.endswith(":") or rest_text.lstrip().startswith(":")
        label = label.rstrip(": ").strip()
        name = match_item([label, *spellings], names)
        if name is not None:
            return Lead(name, label, colon or whole)
        if colon or whole:
            return Lead(None, label, True)
    text = inline_text(inline)
    head, colon_mark, _ = text.partition(":")
    head = head.strip()
    if colon_mark and 0 < len(head.split()) <= MAX_NAME_WORDS:
        name = match_item([head], names)
        if name is not None:
            return Lead(name, head, True)
        if _SUMMARY_RE.fullmatch(head):
            return Lead(None, head, True)
    name = match_leading_words(text, names)
    if name is not None:
        return Lead(name, names[name].text, False)
    return None


def _leading_mark(children: list[Token]) -> tuple[str, list[str], list[Token]] | None:
    """A label in bold, italics, highlight or a wiki-link at the very start of a paragraph."""
    if not children:
        return None
    first = children[0]
    if first.type == "wikilink":
        return first.content, _link_spellings(first), children[1:]
    if first.type not in ("strong_open", "em_open", "mark_open"):
        return None
    closing = first.type.replace("_open", "_close")
    depth = 0
    for index, child in enumerate(children):
        depth += 1 if child.type == first.type else -1 if child.type == closing else 0
        if depth == 0:
            inner = children[1:index]
            spellings = [s for c in inner if c.type == "wikilink" for s in _link_spellings(c)]
            return _plain(inner), spellings, children[index + 1 :]
    return None


def _plain(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "wikilink", "tag"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def items_from_subheadings(note: ParsedNote, comp: Comparison) -> list[Item]:
    """Items written as sub-headings (``### [[Autoencoders|VAE]]``), at any level below."""
    inside = [h for h in note.headings if comp.first <= h.token_index < comp.stop]
    for level in sorted({h.level for h in inside}):
        items: list[Item] = []
        for heading in (h for h in inside if h.level == level):
            label = heading.text.rstrip(": ").strip()
            inline = note.tokens[heading.token_index + 1]
            spellings = [
                s for c in inline.children or [] if c.type == "wikilink" for s in _link_spellings(c)
            ]
            name = match_item([label, *spellings], comp.names)
            if name is None or any(item.name == name for item in items):
                continue
            after = next(
                (h for h in inside if h.token_index > heading.token_index and h.level <= level),
                None,
            )
            stop = after.token_index if after else comp.stop
            end_line = after.line - 1 if after else comp.end_line
            item = Item(name, label, heading.line)
            item.chunks.append("\n".join(note.lines[heading.line : end_line]))
            blocks = top_blocks(note.tokens, heading.token_index + 3, stop)
            item.facts.extend(facts_of(note, blocks))
            items.append(item)
        if len(items) >= 2:
            return items
    return []


def facts_of(note: ParsedNote, blocks: Sequence[Block]) -> list[Fact]:
    """The bullets of the top-level bullet lists among *blocks*."""
    facts = []
    for block in blocks:
        if block.kind != "bullet_list":
            continue
        level = note.tokens[block.first].level
        for index in _children_of(note.tokens, block, level + 1, "list_item_open"):
            inline = _first_inline(note.tokens, index)
            if inline is None or not inline.content.strip() or not inline.map:
                continue
            text = " ".join(inline.content.split())
            facts.append(Fact(text, inline.map[0] + 1))
    return facts


@dataclass(slots=True)
class _Scan:
    """The state of :func:`items_from_blocks` as it walks a section."""

    labelled: bool
    """The section names its items with labels; then only a label starts an item."""
    items: dict[int, Item] = field(default_factory=dict)
    """Items found so far, by name index."""
    current: Item | None = None
    """The item the next blocks belong to."""
    in_summary: bool = False
    """After a label such as ``**Note:**``: blocks belong to no item until the next label."""

    def start(self, lead: Lead, line: int) -> Item:
        """Make *lead*'s item current (merging with an earlier block of the same item)."""
        assert lead.name is not None
        item = self.items.get(lead.name)
        if item is None:
            item = self.items[lead.name] = Item(lead.name, lead.label, line)
        self.current = item
        self.in_summary = False
        return item

    def close(self, *, summary: bool = False) -> None:
        """End the current item (and start a summary)."""
        self.current = None
        self.in_summary = summary

    def merge(self, item: Item) -> None:
        """Add an item found whole (a list item, a table column)."""
        known = self.items.get(item.name)
        if known is None:
            self.items[item.name] = item
        else:
            known.chunks.extend(item.chunks)
            known.facts.extend(item.facts)


def items_from_blocks(note: ParsedNote, comp: Comparison) -> list[Item]:
    """Items from labels, lists and paragraphs that start with a name, and tables."""
    tokens = note.tokens
    blocks = top_blocks(tokens, comp.first, comp.stop)
    leads = {
        block.first: read_lead(tokens[block.first + 1], comp.names)
        for block in blocks
        if block.kind == "paragraph"
    }
    labelled = any(lead and lead.is_label and lead.name is not None for lead in leads.values())
    scan = _Scan(labelled)
    for block in blocks:
        if block.kind == "paragraph":
            _scan_paragraph(note, scan, block, leads[block.first])
        elif block.kind in ("bullet_list", "ordered_list"):
            labels_only = scan.labelled or scan.in_summary
            listed = items_from_list(note, comp, block, labels_only=labels_only)
            for item in listed:
                scan.merge(item)
            if listed:
                scan.close()
            elif scan.current is not None:
                scan.current.chunks.append(_source(note, block.start, block.end))
                scan.current.facts.extend(facts_of(note, [block]))
        elif block.kind == "table" and scan.current is None:
            for item in items_from_table(note, comp, block):
                scan.merge(item)
        elif block.kind in ("heading", "hr") or _is_question(tokens[block.first]):
            scan.close()
        elif scan.current is not None:
            scan.current.chunks.append(_source(note, block.start, block.end))
    items = sorted(scan.items.values(), key=lambda item: item.line)
    return items if len(items) >= 2 else []


def _is_question(token: Token) -> bool:
    # A question callout is its own qa card and usually asks about the whole comparison.
    return token.type == "callout_open" and token.meta.get("type") in _QUESTION_CALLOUTS


def _scan_paragraph(note: ParsedNote, scan: _Scan, block: Block, lead: Lead | None) -> None:
    text = _source(note, block.start, block.end)
    if lead is not None and not lead.is_label and (scan.labelled or scan.in_summary):
        lead = None  # where labels name the items, a sentence's subject starts no item
    if lead is None:
        inline = note.tokens[block.first + 1]
        if scan.current is not None and _SUMMARY_RE.match(inline_text(inline)):
            scan.close(summary=True)
        elif scan.current is not None:
            scan.current.chunks.append(text)
    elif lead.name is None:
        scan.close(summary=True)  # a label such as **Note:** starts a summary, not an item
    else:
        item = scan.start(lead, block.start + 1)
        item.chunks.append(strip_label(text) if lead.is_label else text)


def items_from_list(
    note: ParsedNote, comp: Comparison, block: Block, *, labels_only: bool = False
) -> list[Item]:
    """Items written as list items that start with the names (``- **L1**: …``).

    With *labels_only*, an item must start with a label, not just a name.
    """
    tokens = note.tokens
    level = tokens[block.first].level
    opens = _children_of(tokens, block, level + 1, "list_item_open")
    found: list[tuple[int, Lead]] = []
    for index in opens:
        inline = _first_inline(tokens, index)
        lead = read_lead(inline, comp.names) if inline is not None else None
        if lead is not None and lead.name is not None and (lead.is_label or not labels_only):
            found.append((index, lead))
    if len({lead.name for _, lead in found}) < 2:
        return []
    items = []
    for index, lead in found:
        assert lead.name is not None
        start, end = tokens[index].map or (0, 0)
        body = dedent_list_item(list(note.lines[start:end]))
        item = Item(lead.name, lead.label, start + 1)
        item.chunks.append(strip_label(body) if lead.is_label else body)
        stop = next((i for i in opens if i > index), block.stop)
        nested = top_blocks(tokens, index + 1, stop - 1)
        item.facts.extend(facts_of(note, [b for b in nested if b.kind == "bullet_list"]))
        items.append(item)
    return items


def items_from_table(note: ParsedNote, comp: Comparison, block: Block) -> list[Item]:
    """Items named by a table's header row (one column each) or first column (one row each).

    The back lists the item's cells as ``- **row or column name:** cell``.
    """
    rows = table_rows(note.tokens, block)
    if len(rows) < 2:
        return []
    header_line, header = rows[0]
    body = rows[1:]
    columns = _named_cells(header, comp.names)
    if columns:
        return [
            _table_item(
                name,
                inline_text(header[j]),
                header_line,
                [(None if 0 in columns else row[0], row[j]) for _, row in body if j < len(row)],
            )
            for j, name in columns.items()
        ]
    named_rows = _named_cells([row[0] for _, row in body], comp.names)
    return [
        _table_item(
            name,
            inline_text(body[i][1][0]),
            body[i][0],
            list(zip(header[1:], body[i][1][1:], strict=False)),
        )
        for i, name in named_rows.items()
    ]


def _named_cells(cells: Sequence[Token], names: Sequence[Name]) -> dict[int, int]:
    """Cell index → name index, when two or more cells name different items (else empty)."""
    found: dict[int, int] = {}
    for index, cell in enumerate(cells):
        name = match_item([inline_text(cell)], names)
        if name is not None:
            found[index] = name
    distinct = set(found.values())
    return found if len(distinct) >= 2 and len(distinct) == len(found) else {}


def _table_item(
    name: int, label: str, line: int, cells: Sequence[tuple[Token | None, Token]]
) -> Item:
    item = Item(name, label, line)
    bullets = []
    for key, cell in cells:
        value = cell.content.strip()
        if not value:
            continue
        heading = key.content.strip() if key is not None else ""
        bullets.append(f"- **{heading}:** {value}" if heading else f"- {value}")
    item.chunks.append("\n".join(bullets))
    return item


def table_rows(tokens: Sequence[Token], block: Block) -> list[tuple[int, list[Token]]]:
    """Each row of a table as (1-based line, cell inline tokens), the header first."""
    rows: list[tuple[int, list[Token]]] = []
    for index in range(block.first, block.stop):
        token = tokens[index]
        if token.type == "tr_open":
            rows.append(((token.map[0] if token.map else 0) + 1, []))
        elif token.type == "inline" and rows:
            rows[-1][1].append(token)
    return rows


# --- Markdown slicing --------------------------------------------------------------------


def _source(note: ParsedNote, start: int, end: int) -> str:
    return "\n".join(note.lines[start:end]).strip("\n")


_LABEL_RE = re.compile(
    r"""^[ \t]*(?:
        (?P<mark>\*\*|__|\*|_|==)(?P<inner>.+?)(?P=mark)[ \t]*:?   # **GANs:** or **L1**:
        | !?\[\[[^\]]*\]\][ \t]*:                                   # [[X|Y]]:
        | [^:\n]+:                                                  # Mean:
        | \[\[[^\]]*\]\]                                            # [[X]] alone
    )[ \t]*""",
    re.VERBOSE,
)


def strip_label(markdown: str) -> str:
    """Drop the label that starts *markdown* (``**GANs:**``, ``L1:``), keeping what follows."""
    first, newline, rest = markdown.partition("\n")
    match = _LABEL_RE.match(first)
    if match is None:
        return markdown
    remainder = first[match.end() :].strip()
    if not remainder:
        return rest.strip("\n")
    return remainder + newline + rest


def dedent_list_item(lines: list[str]) -> str:
    """A list item's Markdown without its marker and its continuation indent."""
    if not lines:
        return ""
    match = _LIST_MARKER_RE.match(lines[0])
    width = match.end() if match else 0
    result = [lines[0][width:]]
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip(" "))
        result.append(line[min(indent, width) :])
    return "\n".join(result).strip("\n")


# --- cards -------------------------------------------------------------------------------


def extract_comparisons(ctx: NoteContext) -> Iterator[Card]:
    """Item, "which one?" and difference cards for every comparison section of the note."""
    for comp in find_comparisons(ctx.note):
        items = items_from_subheadings(ctx.note, comp) or items_from_blocks(ctx.note, comp)
        if items:
            yield from item_cards(ctx, comp, items)
            if ctx.config.discrimination:
                yield from discrimination_cards(ctx, comp, items)
        else:
            card = difference_card(ctx, comp)
            if card is not None:
                yield card


def join_names(names: Sequence[str], conjunction: str) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _capitalise(text: str) -> str:
    """Upper-case the first letter when the first word is all lower case (``mean`` → ``Mean``)."""
    first = text.split(" ", 1)[0]
    return text[0].upper() + text[1:] if first.isalpha() and first.islower() else text


def item_front(comp: Comparison, item: Item, others: Sequence[str]) -> str:
    """``In *A vs. B*, what characterises **A models** compared with B?``"""
    return (
        f"In *{comp.title}*, what characterises **{item.label}**"
        f" compared with {join_names(others, 'and')}?"
    )


def which_front(comp: Comparison, fact: Fact) -> str:
    """``A, B or C: which one? — fact``"""
    options = join_names([name.text for name in comp.names], "or")
    return f"{_capitalise(options)}: which one? — {fact.text}"


def difference_front(comp: Comparison) -> str:
    """``What is the difference between A and B?`` (``differences`` for three or more)."""
    names = join_names([name.text for name in comp.names], "and")
    noun = "difference" if len(comp.names) == 2 else "differences"
    verb = "is" if len(comp.names) == 2 else "are"
    return f"What {verb} the {noun} between {names}?"


def item_cards(ctx: NoteContext, comp: Comparison, items: Sequence[Item]) -> Iterator[Card]:
    """One card per item: what characterises it, and its facts as the back."""
    for item in items:
        others = [other.label for other in items if other is not item]
        if not item.back.strip():
            ctx.warn(
                item.line,
                f"comparison item '{item.label}' has nothing under it; no card:"
                " write its facts below it",
            )
            continue
        yield ctx.card(
            "comparison-item",
            item_front(comp, item, others),
            item.back,
            line=item.line,
            context=comp.context,
            key=("comparison-item", comp.key, comp.names[item.name].key),
            extra=(("title", comp.title), ("item", item.label), ("others", ", ".join(others))),
        )


def discrimination_cards(
    ctx: NoteContext, comp: Comparison, items: Sequence[Item]
) -> Iterator[Card]:
    """One "which one?" card per bullet fact that only one item has."""
    owners: dict[str, set[int]] = {}
    for item in items:
        for fact in item.facts:
            owners.setdefault(_fact_key(fact), set()).add(item.name)
    for item in items:
        name = comp.names[item.name]
        for fact in item.facts:
            if len(owners[_fact_key(fact)]) > 1:
                continue  # the same fact under two items has no single answer
            # "others" stays empty: the note type shows it on the front, where it
            # would give the answer away.
            yield ctx.card(
                "comparison-which",
                which_front(comp, fact),
                name.text,
                line=fact.line,
                context=comp.context,
                key=("comparison-which", comp.key, name.key, _fact_key(fact)),
                extra=(("title", comp.title), ("item", name.text), ("others", "")),
            )


def _fact_key(fact: Fact) -> str:
    return " ".join(fact.text.casefold().split())


def difference_card(ctx: NoteContext, comp: Comparison) -> Card | None:
    """The card of a prose-only comparison; None when empty or about a plot."""
    body = _source(ctx.note, comp.heading.line, comp.end_line)
    if not body.strip() or is_plot(comp, body):
        return None
    return ctx.card(
        "comparison-difference",
        difference_front(comp),
        body,
        line=comp.heading.line,
        context=comp.context,
        key=("comparison-difference", comp.key),
        extra=(("title", comp.title), ("item", ""), ("others", "")),
    )


def is_plot(comp: Comparison, body: str) -> bool:
    """True when "Y vs. X" names a plot's axes rather than things to compare."""
    return bool(_PLOT_RE.search(comp.title) or _PLOT_RE.search(body))

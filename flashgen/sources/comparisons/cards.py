"""Making the cards of a comparison: one per item, "which one?" per fact, or a difference."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.token import Token

from flashgen.markdown.render import is_plain
from flashgen.model import Card, CardKind
from flashgen.sources.comparisons.names import facts_alike, names_item
from flashgen.sources.comparisons.sections import (
    Comparison,
    Fact,
    Item,
    find_comparisons,
    items_from_blocks,
    items_from_subheadings,
    section_source,
    token_run,
)
from flashgen.sources.context import LONG_CARD_WORDS, Extracted, NoteContext

# A prose-only "X vs. Y" section that talks about a plot names its axes, not things
# to compare: "Residuals vs. Fitted Values".
_PLOT_RE = re.compile(
    r"\b(?:plot|plots|plotted|plotting|scatter\s*plot|x-axis|y-axis|axis|axes)\b",
    re.IGNORECASE,
)


def extract_comparisons(ctx: NoteContext) -> Extracted:
    """Item, "which one?" and difference cards for every comparison section of the note."""
    return Extracted(list(_comparison_cards(ctx)))


def _comparison_cards(ctx: NoteContext) -> Iterator[Card]:
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


def item_front(item: Item, others: Sequence[str]) -> str:
    """``What characterises **A models** compared with B?`` (the card's context and title
    name the comparison: the front does not repeat it)."""
    return f"What characterises **{item.label}** compared with {join_names(others, 'and')}?"


def item_front_tokens(item: Item, others: Sequence[str]) -> list[Token] | None:
    """The tokens :func:`item_front` parses into, made without parsing it: when the names
    are plain text (``markdown.render.is_plain``), bold the label and nothing else."""
    if not all(map(is_plain, (item.label, *others))):
        return None
    parts = (
        Token("text", "", 0, content="What characterises "),
        Token("strong_open", "strong", 1, markup="**"),
        Token("text", "", 0, content=item.label),
        Token("strong_close", "strong", -1, markup="**"),
        Token("text", "", 0, content=f" compared with {join_names(others, 'and')}?"),
    )
    return [
        Token("paragraph_open", "p", 1, block=True),
        Token("inline", "", 0, children=list(parts), block=True),
        Token("paragraph_close", "p", -1, block=True),
    ]


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
        card = ctx.card(
            CardKind.COMPARISON_ITEM,
            item_front(item, others),
            item.back,
            line=item.line,
            context=comp.context,
            key=("comparison-item", comp.key, comp.names[item.name].key),
            family=("comparison", str(comp.heading.line)),
            extra=(("title", comp.title), ("item", item.label), ("others", ", ".join(others))),
            front_tokens=item_front_tokens(item, others),
            back_tokens=item.tokens,
        )
        ctx.warn_if_long(card)
        yield card


def discrimination_cards(
    ctx: NoteContext, comp: Comparison, items: Sequence[Item]
) -> Iterator[Card]:
    """One "which one?" card per bullet fact that only one item has."""
    for item in items:
        name = comp.names[item.name]
        for fact in item.facts:
            if not answerable(fact, item, items, comp):
                continue
            # "others" stays empty: the note type shows it on the front, where it
            # would give the answer away.
            yield ctx.card(
                CardKind.COMPARISON_WHICH,
                which_front(comp, fact),
                name.text,
                line=fact.line,
                context=comp.context,
                key=("comparison-which", comp.key, name.key, _fact_key(fact)),
                family=("comparison", str(comp.heading.line)),
                extra=(("title", comp.title), ("item", name.text), ("others", "")),
            )


_LEANS_BACK_RE = re.compile(
    r"""(?:however|but|also|so|thus|hence|therefore|additionally|furthermore|moreover
        |in\s+addition|as\s+a\s+result|because\s+of\s+(?:this|that)|this|these|that|those
        |such|which|(?:it|they)\s+also)\b""",
    re.IGNORECASE | re.VERBOSE,
)
"""How a fact starts that only makes sense after the fact before it."""


def answerable(fact: Fact, item: Item, items: Sequence[Item], comp: Comparison) -> bool:
    """True when "which one? — *fact*" has one answer, *item*, that it does not give away.

    Not: a fact that names its item (or its plural, singular or acronym); a fact that
    leans on the one before it ("However, …", "This causes …", "It also …"); a fact
    that another item has too, or nearly ("high quality images" / "extremely high …").
    """
    text = fact.text.lstrip("*_ ")
    if _LEANS_BACK_RE.match(text):
        return False
    if names_item(text, comp.names[item.name], item.label):
        return False
    return not any(
        facts_alike(fact.text, theirs.text)
        for other in items
        if other.name != item.name
        for theirs in other.facts
    )


def _fact_key(fact: Fact) -> str:
    return " ".join(fact.text.casefold().split())


def difference_card(ctx: NoteContext, comp: Comparison) -> Card | None:
    """The card of a prose-only comparison, ending at the section's first sub-heading.

    None when the section is no comparison in prose: empty, about a plot or a chart
    (its text only an image, a link or a placeholder), already cards (``Q::A`` lines,
    ``?`` blocks, callouts, an Obsidian_to_Anki block), or too long to be one card.
    """
    end, stop = _first_subheading(ctx, comp)
    body = section_source(ctx.note, comp.heading.line, end)
    if is_plot(comp, body) or not _prose(body) or _holds_cards(ctx, comp, end):
        return None
    words = len(body.split())
    if words > LONG_CARD_WORDS:
        ctx.warn(
            comp.heading.line,
            f"comparison '{comp.title}' is too long for one card ({words} words); no"
            " difference card: give each compared thing a sub-heading or a bold label",
        )
        return None
    return ctx.card(
        CardKind.COMPARISON_DIFFERENCE,
        difference_front(comp),
        body,
        line=comp.heading.line,
        context=comp.context,
        key=("comparison-difference", comp.key),
        extra=(("title", comp.title), ("item", ""), ("others", "")),
        back_tokens=token_run(ctx.note, body, comp.first, stop),
    )


_NOT_PROSE_RE = re.compile(
    r"!?\[\[[^\]]*\]\]|!?\[[^\]]*\]\([^)]*\)|https?://\S+|<[^>]+>|[?.…_*-]{2,}"
)


def _prose(body: str) -> bool:
    """True when *body* has words of its own besides images, links and placeholders."""
    return len(_NOT_PROSE_RE.sub(" ", body).split()) >= 3


def _first_subheading(ctx: NoteContext, comp: Comparison) -> tuple[int, int]:
    """The 0-based line where the comparison's prose ends, its first sub-heading, and the
    index of that heading's first token."""
    return next(
        (
            (h.line - 1, h.token_index)
            for h in ctx.note.headings
            if comp.first <= h.token_index < comp.stop
        ),
        (comp.end_line, comp.stop),
    )


def _holds_cards(ctx: NoteContext, comp: Comparison, end: int) -> bool:
    """True when the section's text is another source's cards, or sits in an
    Obsidian_to_Anki block."""
    start = comp.heading.line - 1
    if any(start <= line < end for line in ctx.claimed):
        return True
    lines = ctx.note.lines[start + 1 : end]
    if any(line.strip().lstrip("> ").strip() in ("?", "??") or "::" in line for line in lines):
        return True
    return any(
        token.type == "callout_open" and token.map and start <= token.map[0] < end
        for token in ctx.note.tokens[comp.first : comp.stop]
    )


_FIGURE_WORDS_RE = re.compile(
    r"\b(?:chart|graph|diagonal|curves?|the\s+points|the\s+line|bends?|slopes?)\b", re.IGNORECASE
)
_EMBED_START_RE = re.compile(r"\s*!\[")


def is_plot(comp: Comparison, body: str) -> bool:
    """True when "Y vs. X" names a plot's axes rather than things to compare: the text
    says so, or a figure opens the section and the text reads it ("the points lie …")."""
    if _PLOT_RE.search(comp.title) or _PLOT_RE.search(body):
        return True
    return bool(_EMBED_START_RE.match(body) and _FIGURE_WORDS_RE.search(body))

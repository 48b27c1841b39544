"""Matching the names a comparison heading compares to the labels a section uses.

Names in the section rarely repeat the heading's words exactly, so they are matched
tolerantly (:func:`similarity`): case, plurals, punctuation, wiki-link targets,
leading words ("Variational Models" for "Variational Autoencoders") and acronyms
("GANs" for "Generative Adversarial Networks").
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from markdown_it.token import Token

MAX_NAME_WORDS = 5
"""A "name" longer than this is a sentence that happens to contain "vs", not a name."""


MAX_NAMES = 12
"""A heading comparing more things than this is a list (or pasted text), not a comparison;
the names are matched pairwise, so a thousand "vs" would take minutes."""


MIN_SCORE = 59
"""The lowest :func:`similarity` that still counts as naming a compared item."""


_VS_RE = re.compile(r"(?<!\S)(?:vs\.?|versus)(?!\S)(?!(?<=VS) Code\b)", re.IGNORECASE)
"""``vs``, ``vs.`` or ``versus`` as a word; not the editor "VS Code"."""


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
    # A lead-in ends at a colon or a dash: "Lecture 3 - TCP vs. UDP", "Pooling: max vs. avg"
    first = re.split(r": | [-\u2013\u2014] ", parts[0])[-1]
    parts[0] = _LEAD_INS.sub("", first.strip())
    parts[-1] = _LEAD_OUT.sub("", re.split(r" [-\u2013\u2014] ", parts[-1].strip())[0])
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


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Case-folded, singular words of *text*, without articles and punctuation (kept for
    the texts asked about last: a section's names are compared with each of its labels
    and facts)."""
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
    """The sentence starts with the name's acronym ("GANs are …"), or spells out its acronym
    in capitalised words ("Generative Adversarial Networks are …"; "Generate a new image"
    and "Very awkward example" spell out nothing)."""
    written = _WORD_RE.findall(text)
    if written and _is_acronym(written[0]) and _abbreviates(sentence[0], form):
        return True
    if not _is_acronym(spelling):
        return False
    capitalised = 1  # the first word is capitalised as any sentence's is
    for word in written[1:]:
        if not (word[0].isupper() or word.casefold() in _SKIPPABLE):
            break
        capitalised += 1
    return any(_abbreviates(form[0], sentence[:size]) for size in range(2, min(capitalised, 4) + 1))


_FILLER = frozenset(
    {"a", "an", "the", "of", "very", "extremely", "really", "quite", "highly", "much", "most"}
)
"""Words whose presence does not make two facts different ones."""


_FORMULA_RE = re.compile(r"\$[^$]+\$|`[^`]+`")
"""Math and code in a fact: compared as written, not as words."""


def facts_alike(a: str, b: str) -> bool:
    """True when two facts say nearly the same: the same words but one, intensifiers and
    articles aside ("high quality images" / "extremely high quality images")."""
    if _FORMULA_RE.findall(a) != _FORMULA_RE.findall(b):
        return False  # "$\\sum |w_i|$" and "$\\sum w_i^2$" differ in all that matters
    words_a = set(words(a)) - _FILLER
    words_b = set(words(b)) - _FILLER
    return bool(words_a and words_b) and len(words_a ^ words_b) <= 1


def names_item(text: str, name: Name, label: str = "") -> bool:
    """True when *text* names the item *name* (as *label* too): its words in order, in the
    singular or plural, or its acronym ("Most SSDs have…" names Solid State Drives)."""
    said = words(text)
    for spelling in (*name.spellings, label):
        named = words(spelling)
        if not named:
            continue
        size = len(named)
        if any(_common_prefix(said[i : i + size], named) == size for i in range(len(said))):
            return True
        if size >= 2 and any(
            _is_acronym(word) and _abbreviates(singular(word.casefold()), named)
            for word in _WORD_RE.findall(text)
        ):
            return True
    return False


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
            links.append((child.content, link_spellings(child)))
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


def link_spellings(child: Token) -> list[str]:
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

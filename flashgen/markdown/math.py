"""Math: ``$inline$`` and ``$$display$$``, as Obsidian reads them.

Inline math needs no space inside its ``$`` and no digit outside them, so a price such as
``costs $5 and $10`` stays text; ``$$...$$`` is display math, also within a line. The
parser reads math with mdit-py-plugins' dollarmath (:func:`math_plugin`); readers of
source text find the same spans with :data:`MATH`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from flashgen.markdown.source import Delimited

MATH = Delimited(
    re.compile(r"\$\$.+?\$\$|(?<![\\\d$])\$(?![\s$]).*?(?<![\s\\])\$(?!\d)"),
    re.compile(r"\$\$|(?<![\s\\])\$(?!\d)"),
)
"""Math in a line of source text, by the parser's rules."""


def math_plugin(md: MarkdownIt) -> None:
    """Parse ``$…$`` into ``math_inline``, ``$$…$$`` into ``math_inline_double`` (within a
    line) or ``math_block`` tokens."""
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.inline.ruler.at("math_inline", _math_inline_rule())


def _math_inline_rule() -> Callable[[StateInline, bool], bool]:
    """dollarmath's inline rule, without its misreading at the start of the content.

    With ``allow_digits=False`` dollarmath rejects an opening ``$`` after a digit by
    reading ``src[pos - 1]``; at position 0 that is ``src[-1]``, the *last* character,
    so ``$x$ is 5`` was not math. At position 0 we run the rule with the digit check
    off and make the remaining check, no digit after the closing ``$``, ourselves.
    """
    strict = math_inline_dollar(allow_space=False, allow_digits=False, allow_double=True)
    at_start = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)

    def rule(state: StateInline, silent: bool) -> bool:
        if state.pos != 0:
            return strict(state, silent)
        if not at_start(state, True):
            return False
        end, state.pos = state.pos, 0
        if state.src[end : end + 1].isdigit():
            return False
        return at_start(state, silent)

    return rule

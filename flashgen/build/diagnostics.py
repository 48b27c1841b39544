"""Which of a build's diagnostics to show, and how to say many alike once.

A vault of thousands of notes can repeat one warning thousands of times (a note type
flashgen does not know, once per card); a screen shows each distinct problem once, with
a count. A rebuild repeats nothing that notes unchanged since the last build already
said, and a problem that changes no card (:attr:`Diagnostic.minor`) is only counted:
``flashgen check`` lists everything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from flashgen.model import Diagnostic


@dataclass(frozen=True, slots=True)
class DiagnosticGroup:
    """Diagnostics that say the same thing (same severity and message) in several places."""

    first: Diagnostic
    """The first of them, in note order."""
    count: int
    """How many there are."""
    notes: int
    """In how many files."""


GROUP_FROM = 3
"""The same problem this many times or more is said once; fewer times, each is said."""


def group_diagnostics(diagnostics: Sequence[Diagnostic]) -> list[DiagnosticGroup]:
    """One group per distinct (severity, message) said :data:`GROUP_FROM` times or more,
    at its first place; the others one by one, in note order."""
    counts: dict[tuple[str, str], int] = {}
    paths: dict[tuple[str, str], set[str]] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.severity, diagnostic.message)
        counts[key] = counts.get(key, 0) + 1
        paths.setdefault(key, set()).add(diagnostic.path)
    groups: list[DiagnosticGroup] = []
    for diagnostic in diagnostics:
        key = (diagnostic.severity, diagnostic.message)
        if counts[key] < GROUP_FROM:
            groups.append(DiagnosticGroup(diagnostic, 1, 1))
        elif key in paths:  # its first place: said here, for all of them
            groups.append(DiagnosticGroup(diagnostic, counts[key], len(paths.pop(key))))
    return groups


@dataclass(frozen=True, slots=True)
class Selection:
    """The diagnostics to show, and how many are left out and why."""

    shown: tuple[Diagnostic, ...]
    """What to show, in note order."""
    unchanged: int = 0
    """Left out: said before by notes unchanged since the last build."""
    minor: int = 0
    """Left out: problems that change no card."""
    warnings: int = 0
    """Left out: warnings, when only errors are wanted."""

    @property
    def left_out(self) -> int:
        """How many are not shown, whatever the reason."""
        return self.unchanged + self.minor + self.warnings


def select_diagnostics(
    diagnostics: Iterable[Diagnostic],
    recalled: Collection[Diagnostic] = (),
    *,
    errors_only: bool = False,
    everything: bool = False,
) -> Selection:
    """What a build shows of *diagnostics*: not the *recalled* ones (see
    ``VaultCards.recalled``) nor the minor ones, unless *everything*; only errors
    with *errors_only*. An error is always shown."""
    shown: list[Diagnostic] = []
    unchanged = minor = warnings = 0
    for diagnostic in diagnostics:
        if diagnostic.severity == "error":
            shown.append(diagnostic)
        elif errors_only:
            warnings += 1
        elif everything:
            shown.append(diagnostic)
        elif diagnostic in recalled:
            unchanged += 1
        elif diagnostic.minor:
            minor += 1
        else:
            shown.append(diagnostic)
    return Selection(tuple(shown), unchanged, minor, warnings)

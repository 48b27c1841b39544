"""Precision and recall of comparison cards over the fixture set.

Each ``tests/fixtures/comparisons/*.md`` holds a section and, after ``<!-- expected``,
the cards it should give as YAML. A produced card is correct when an expected card has
the same kind and names the same thing: the same item (item cards), the same item and
fact (discrimination cards), the same front (difference cards). Cases marked
``known_failure`` count like any other: the figures are over every case.

Usage::

    PYTHONPATH=. python bench/comparisons_eval.py            # the figures
    PYTHONPATH=. python bench/comparisons_eval.py --verbose  # and every miss
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flashgen.config import Config
from flashgen.markdown.note import parse_note
from flashgen.sources.registry import extract_cards
from flashgen.vault.index import scan_vault
from flashgen.vault.notes import NoteSource

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "comparisons"
EXPECTED_MARK = "<!-- expected\n"
WHICH_MARK = "which one? — "

Identity = tuple[str, ...]
"""What makes two cards "the same card" here: kind and item, fact or front."""


def identity(kind: str, item: str, front: str) -> Identity:
    """The identity of a card as this benchmark counts it."""
    if kind == "comparison-which":
        fact = front.split(WHICH_MARK, 1)[-1]
        return (kind, _fold(item), _fold(fact))
    if kind == "comparison-item":
        return (kind, _fold(item))
    return (kind, _fold(front))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class Score:
    """Cards counted by outcome, over one kind or all of them."""

    expected: int = 0
    """Cards the fixtures expect."""
    produced: int = 0
    """Cards extraction made."""
    correct: int = 0
    """Produced cards that match an expected one."""
    exact: int = 0
    """Correct cards whose front and back are also exactly the expected ones."""

    def add(self, other: Score) -> None:
        """Count *other* in."""
        self.expected += other.expected
        self.produced += other.produced
        self.correct += other.correct
        self.exact += other.exact

    @property
    def precision(self) -> float:
        """Share of produced cards that are correct (1 when none was produced)."""
        return self.correct / self.produced if self.produced else 1.0

    @property
    def recall(self) -> float:
        """Share of expected cards that were produced (1 when none was expected)."""
        return self.correct / self.expected if self.expected else 1.0


@dataclass(slots=True)
class CaseResult:
    """One fixture's outcome."""

    name: str
    """The fixture's file stem."""
    known_failure: str | None
    """Why the case is expected to fail, if it is."""
    scores: dict[str, Score] = field(default_factory=dict)
    """Score per card kind."""
    missed: list[Identity] = field(default_factory=list)
    """Expected cards not produced."""
    extra: list[Identity] = field(default_factory=list)
    """Produced cards not expected."""
    inexact: list[Identity] = field(default_factory=list)
    """Correct cards whose front or back differs from the expected one."""


def load_case(path: Path) -> tuple[str, dict[str, Any]]:
    """A fixture's Markdown and its expectations."""
    markdown, _, expected = path.read_text(encoding="utf-8").partition(EXPECTED_MARK)
    data = yaml.safe_load(expected.rsplit("-->", 1)[0])
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise SystemExit(f"{path}: no '<!-- expected' block with 'cards:'")
    return markdown.rstrip("\n") + "\n", data


def run_case(path: Path, fixtures: Path) -> CaseResult:
    """Extract the cards of one fixture and compare them with its expectations."""
    markdown, data = load_case(path)
    note = parse_note(NoteSource(path.name, markdown))
    cards, _ = extract_cards(note, scan_vault(fixtures), Config())
    produced = [
        (identity(c.kind, c.get("item"), c.front), (c.front, c.back))
        for c in cards
        if c.kind.startswith("comparison")
    ]
    expected = [
        (identity(e["kind"], e.get("item") or "", e["front"]), (e["front"], e["back"]))
        for e in data["cards"]
    ]
    result = CaseResult(path.stem, data.get("known_failure"))
    want = Counter(ident for ident, _ in expected)
    got = Counter(ident for ident, _ in produced)
    exact = Counter(expected) & Counter(produced)
    for kind in {ident[0] for ident in want | got}:
        score = result.scores.setdefault(kind, Score())
        score.expected = sum(n for ident, n in want.items() if ident[0] == kind)
        score.produced = sum(n for ident, n in got.items() if ident[0] == kind)
        score.correct = sum(n for ident, n in (want & got).items() if ident[0] == kind)
        score.exact = sum(n for (ident, _), n in exact.items() if ident[0] == kind)
    result.missed = list((want - got).elements())
    result.extra = list((got - want).elements())
    exact_idents = Counter(ident for ident, _ in exact.elements())
    result.inexact = list(((want & got) - exact_idents).elements())
    return result


def total(results: Iterable[CaseResult]) -> dict[str, Score]:
    """Scores per kind over every case, plus ``all``."""
    sums: dict[str, Score] = {}
    for result in results:
        for kind, score in result.scores.items():
            sums.setdefault(kind, Score()).add(score)
            sums.setdefault("all", Score()).add(score)
    return sums


def report(results: list[CaseResult], *, verbose: bool) -> str:
    """The figures as a table, and the misses when *verbose*."""
    sums = total(results)
    known = sum(1 for result in results if result.known_failure)
    empty = sum(1 for result in results if not any(s.expected for s in result.scores.values()))
    lines = [
        f"comparison cards over {len(results)} fixture sections"
        f" ({empty} expecting no card, {known} known failures)",
        "",
        f"{'kind':<24}{'expected':>9}{'produced':>9}{'correct':>9}{'exact':>7}"
        f"{'precision':>11}{'recall':>8}",
    ]
    for kind in sorted(sums, key=lambda k: (k == "all", k)):
        s = sums[kind]
        lines.append(
            f"{kind:<24}{s.expected:>9}{s.produced:>9}{s.correct:>9}{s.exact:>7}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}"
        )
    lines += ["", "correct: same kind and item/fact; exact: same front and back too"]
    failing = [r for r in results if r.missed or r.extra or r.inexact]
    if failing:
        lines += ["", "cases with misses:"]
        for result in failing:
            note = f"  (known: {result.known_failure})" if result.known_failure else ""
            lines.append(
                f"  {result.name}: {len(result.missed)} missed, {len(result.extra)} extra,"
                f" {len(result.inexact)} inexact{note}"
            )
            if verbose:
                for label, idents in (
                    ("missed ", result.missed),
                    ("extra  ", result.extra),
                    ("inexact", result.inexact),
                ):
                    lines += [f"    {label} {' / '.join(ident)}" for ident in idents]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print precision and recall of comparison cards over the fixture set."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="fixture folder")
    parser.add_argument("--verbose", action="store_true", help="list every missed card")
    args = parser.parse_args(argv)
    fixtures: Path = args.fixtures
    results = [run_case(path, fixtures) for path in sorted(fixtures.glob("*.md"))]
    print(report(results, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

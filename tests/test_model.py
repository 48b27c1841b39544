"""The shared model: review history read once, card records that round-trip."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashgen.model import Card, CardKind, SrHistory

TEXT = st.text(max_size=20)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (("2024-02-11", "84", "290"), SrHistory(date(2024, 2, 11), 84, 290)),
        (("2024-02-11", "0", "250"), None),  # never answered
        (("2024-02-11", "3", "120"), None),  # below SM-2's lowest ease
        (("2024-02-31", "3", "250"), None),  # no such day
        (("2024-02-11", "3.5", "250"), None),
    ],
)
def test_review_history_is_parsed_and_checked_once(
    group: tuple[str, str, str], expected: SrHistory | None
) -> None:
    assert SrHistory.parse(*group) == expected


@given(
    st.builds(
        Card,
        id=TEXT,
        kind=st.sampled_from(CardKind),
        front=TEXT,
        back=TEXT,
        note=TEXT,
        line=st.integers(0, 10**6),
        context=st.tuples(TEXT),
        tags=st.tuples(TEXT, TEXT),
        deck=TEXT,
        media=st.tuples(TEXT),
        extra=st.tuples(st.tuples(TEXT, TEXT)),
        history=st.none()
        | st.builds(SrHistory, st.dates(), st.integers(1, 999), st.integers(130, 999)),
        html=st.just(()) | st.tuples(TEXT, TEXT),
        key=st.tuples(TEXT, TEXT),
    )
)
def test_a_card_record_holds_the_card(card: Card) -> None:
    record = card.to_record()
    assert all(not isinstance(value, CardKind) for value in record)  # plain values only
    again = Card.from_record(record)
    assert again == card and again.key == card.key


def test_a_record_of_a_card_without_html_is_read() -> None:
    card = Card("a", CardKind.QA, "f", "b", "n.md", 1, key=("k",))
    record = card.to_record()
    older = (*record[:-2], record[-1])  # as flashgen wrote it before Card.html
    assert Card.from_record(older) == card


@pytest.mark.parametrize(
    "record",
    [(), ("id",) * 13, (*Card("a", CardKind.QA, "f", "b", "n.md", 1).to_record()[:12], ("k", 1))],
)
def test_what_is_not_a_record_is_refused(record: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        Card.from_record(record)

"""Card identity through edits: explicit ids, the ledger, matching, removed cards."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen.build.cache import cache_path
from flashgen.build.pipeline import VaultCards, collect
from flashgen.build.state import load_state, save_state
from flashgen.identity.keys import derive_id, derive_ids
from flashgen.identity.ledger import REMOVED_RETENTION, Ledger
from flashgen.identity.matching import keep_ids
from flashgen.model import Card, CardKind
from tests.conftest import MakeVault
from tests.helpers import QA, package_notes, run_cli

NOW = 1_800_000_000.0
DAY = 86_400.0


def build(vault: Path, now: float = NOW) -> VaultCards:
    return collect(vault, now=now)


def ids(vault: Path, now: float = NOW) -> dict[str, str]:
    """Front → id of every card, after an incremental build."""
    return {card.front: card.id for card in build(vault, now).cards}


def qa(*pairs: tuple[str, str]) -> str:
    return "\n".join(QA.format(q=q, a=a) for q, a in pairs)


def test_explicit_ids_ignore_the_note_path() -> None:
    assert derive_id("a.md", ("block", "x")) == derive_id("b/c.md", ("block", "x"))
    assert derive_id("a.md", ("o2a", "1700")) == derive_id("z.md", ("o2a", "1700"))
    assert derive_id("a.md", ("qa", "Q?")) != derive_id("b.md", ("qa", "Q?"))
    assert derive_id("a.md", ("qa", "Q?")) == derive_id("a.md", ("qa", "  q? "))


def test_a_block_id_ending_an_answer_names_the_card(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="What is a GAN?", a="A generator and a critic ^gan")})
    (card,) = build(vault).cards
    assert card.key == ("block", "gan")
    (vault / "a.md").rename(vault / "b.md")
    (vault / "b.md").write_text(QA.format(q="Define GANs.", a="Two networks. ^gan"))
    assert ids(vault) == {"Define GANs.": card.id}


def test_question_typo_fix_and_answer_edit_keep_the_ids(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"a.md": qa(("What is the capitol of France?", "Paris"), ("What is 2+2?", "4"))}
    )
    before = ids(vault)
    (vault / "a.md").write_text(
        qa(("What is the capital of France?", "Paris"), ("What is 2+2?", "Four"))
    )
    after = ids(vault)
    assert after["What is the capital of France?"] == before["What is the capitol of France?"]
    assert after["What is 2+2?"] == before["What is 2+2?"]
    # and again from the cache, and without it (from the ledger alone)
    assert ids(vault) == after
    assert {c.front: c.id for c in collect(vault, cache=False, now=NOW).cards} == after


def test_reordered_sections_keep_their_ids(make_vault: MakeVault) -> None:
    first = "## One\n\n" + QA.format(q="First?", a="1")
    second = "## Two\n\n" + QA.format(q="Second?", a="2")
    vault = make_vault({"a.md": first + "\n" + second})
    before = ids(vault)
    (vault / "a.md").write_text(second + "\n" + first)
    assert ids(vault) == before


def test_a_renamed_note_keeps_its_ids_even_with_a_typo_fixed(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"a.md": qa(("What is entropy in physics?", "Disorder"), ("What is a joule?", "Energy"))}
    )
    before = ids(vault)
    (vault / "a.md").unlink()
    (vault / "Thermo.md").write_text(
        qa(("What is entropy in physics ?", "Disorder"), ("What is a joule?", "Energy"))
    )
    after = ids(vault)
    assert after["What is entropy in physics ?"] == before["What is entropy in physics?"]
    assert after["What is a joule?"] == before["What is a joule?"]


def test_a_note_moved_to_another_folder_keeps_its_ids(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": qa(("Q one?", "1"), ("Q two?", "2"))})
    before = ids(vault)
    (vault / "Deep" / "er").mkdir(parents=True)
    shutil.move(vault / "a.md", vault / "Deep" / "er" / "a.md")
    built = build(vault)
    assert {c.front: c.id for c in built.cards} == before
    assert {c.deck for c in built.cards} == {"vault::Deep::er"}


def test_a_different_question_gets_a_new_id(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": qa(("What is a GAN?", "A generative adversarial network"))})
    (old,) = ids(vault).values()
    (vault / "a.md").write_text(qa(("What is a VAE?", "A variational autoencoder")))
    built = build(vault)
    assert [c.id for c in built.cards] != [old]
    assert [c.id for c in built.removed] == [old]


def test_a_reworded_question_with_the_same_distinctive_answer_keeps_its_id(
    make_vault: MakeVault,
) -> None:
    vault = make_vault(
        {"a.md": qa(("What does CNN stand for?", "Convolutional neural network"), ("X?", "Yes"))}
    )
    before = ids(vault)
    (vault / "a.md").write_text(
        qa(("Expand the acronym CNN.", "Convolutional neural network"), ("Is Y so?", "Yes"))
    )
    after = ids(vault)
    assert after["Expand the acronym CNN."] == before["What does CNN stand for?"]
    assert after["Is Y so?"] != before["X?"]  # "Yes" identifies nothing


def test_one_vanished_card_gives_its_id_to_one_new_card(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": qa(("What is entropy in physics?", "Disorder"))})
    (old,) = ids(vault).values()
    (vault / "a.md").write_text(
        qa(("What is entropy in physic?", "Disorder"), ("What is entropy in physics!", "Chaos"))
    )
    after = ids(vault)
    assert len(set(after.values())) == 2
    assert after["What is entropy in physic?"] == old  # the same answer makes it the better match


def test_two_notes_with_one_block_id_get_distinct_ids(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="A?", a="a ^same")})
    (first,) = ids(vault).values()
    (vault / "b.md").write_text(QA.format(q="B?", a="b ^same"))
    built = build(vault)
    assert {c.front: c.id for c in built.cards}["A?"] == first
    assert len({c.id for c in built.cards}) == 2
    messages = [d.format() for d in built.diagnostics]
    assert messages == [
        "b.md:1: warning: the block id 'same' is also used in a.md; this card gets an id"
        " of its own: give one of the two another id"
    ]


def test_a_removed_card_is_remembered_for_a_while(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": qa(("Keep?", "k"), ("Drop?", "d"))})
    before = ids(vault)
    (vault / "a.md").write_text(qa(("Keep?", "k")))
    built = build(vault, NOW + DAY)
    assert [(c.front, c.id) for c in built.removed] == [("Drop?", before["Drop?"])]
    (vault / "a.md").write_text(qa(("Keep?", "k"), ("Drop?", "d, back again")))
    assert ids(vault, NOW + 2 * DAY) == before
    (vault / "a.md").write_text(qa(("Keep?", "k")))
    assert [c.front for c in build(vault, NOW + 3 * DAY).removed] == ["Drop?"]
    assert build(vault, NOW + 3 * DAY + REMOVED_RETENTION + 1).removed == []


def test_cloze_deletions_keep_their_own_ids(make_vault: MakeVault) -> None:
    head = "---\ntags: [flashcards]\n---\n"
    vault = make_vault({"bio.md": head + "The ==mitochondria== makes ATP from glucose.\n"})
    (card,) = build(vault).cards
    assert card.kind == "cloze"
    (vault / "bio.md").write_text(head + "The ==mitochondria== makes ==ATP== from glucose.\n")
    cards = build(vault).cards
    assert cards[0].id == card.id and len({c.id for c in cards}) == 2
    # a block cloze whose hidden text gets a typo fix keeps its id (its front is unchanged)
    (vault / "bio.md").write_text(head + "Plain {{c1::ribosome}} make {{c2::proteins}} ^ribo\n")
    before = {c.back: c.id for c in build(vault).cards}
    (vault / "bio.md").write_text(head + "Plain {{c1::ribosomes}} make {{c2::proteins}} ^ribo\n")
    after = {c.back: c.id for c in build(vault).cards}
    assert after["Plain ==ribosomes== make proteins"] == before["Plain ==ribosome== make proteins"]
    assert after["Plain ribosomes make ==proteins=="] == before["Plain ribosome make ==proteins=="]


def test_an_unreadable_ledger_is_a_warning_and_starts_afresh(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": qa(("Q?", "A"))})
    before = ids(vault)
    (vault / ".flashgen" / "ledger.pickle").write_bytes(b"\x80\x05garbage")
    built = build(vault)
    assert {c.front: c.id for c in built.cards} == before  # a card never edited: derived
    assert [d.format() for d in built.diagnostics] == [
        ".flashgen/ledger.pickle: warning: the id ledger cannot be read (damaged:"
        " UnpicklingError); it is started afresh, so cards edited before now may get new ids"
    ]
    assert build(vault).diagnostics == []


# Matching, property-checked on keep_ids itself

FRONTS = st.text(alphabet="ab ?", min_size=1, max_size=6)
GENERATION = st.lists(
    st.tuples(st.sampled_from(["n1.md", "n2.md", "d/n1.md"]), FRONTS, st.sampled_from("xyz")),
    max_size=12,
)


def by_note(generation: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, Card]]]:
    """The cards of a generation, with their derived ids, by note."""
    cards = [
        Card("", CardKind.QA, front, back, note, line, key=("qa", front))
        for line, (note, front, back) in enumerate(generation, start=1)
    ]
    notes: dict[str, list[tuple[str, Card]]] = {}
    for card in derive_ids(cards)[0]:
        notes.setdefault(card.note, []).append((card.id, card))
    return notes


@settings(max_examples=200, deadline=None)
@given(GENERATION, GENERATION, GENERATION)
def test_ids_of_a_build_are_always_distinct(
    first: list[tuple[str, str, str]],
    second: list[tuple[str, str, str]],
    third: list[tuple[str, str, str]],
) -> None:
    ledger = Ledger()
    for step, generation in enumerate((first, second, third)):
        changed = by_note(generation)
        changed.update({note: [] for note in ledger.notes if note not in changed})
        outcome = keep_ids(changed, (), ledger, notes=changed.keys(), now=NOW + step)
        card_ids = [card_id for ids in outcome.ids.values() for card_id in ids]
        assert len(set(card_ids)) == len(card_ids)
        assert not set(card_ids) & set(outcome.ledger.removed)
        ledger = outcome.ledger


# Identity stands on its own: nothing the README calls safe to delete holds any of it


SAFE_TO_DELETE = (
    ".flashgen/cache.pickle",
    "../out/.vault.apkg.state",
    "../out/.vault.apkg.parts",
    "../out/.vault.apkg.collection",
    "../out/vault.apkg",
    "../out/vault.json",
)
"""Every file the README calls safe to delete, relative to the vault."""


def test_a_typo_fix_keeps_the_id_when_the_cache_is_gone(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Where is the mitocondria found?", a="In cells")})
    (card,) = build(vault).cards
    (vault / "a.md").write_text(QA.format(q="Where is the mitochondria found?", a="In cells"))
    cache_path(vault).unlink()
    (fixed,) = build(vault).cards
    assert fixed.front == "Where is the mitochondria found?"
    assert fixed.id == card.id


def test_ids_survive_deleting_everything_called_safe_to_delete(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Where is the mitocondria found?", a="In cells")})
    out = vault.parent / "out"
    assert run_cli("build", str(vault), "-o", str(out))[0] == 0
    (card,) = build(vault).cards
    (vault / "a.md").write_text(QA.format(q="Where is the mitochondria found?", a="In cells"))
    for name in SAFE_TO_DELETE:
        (vault / name).unlink()
    assert run_cli("build", str(vault), "-o", str(out))[0] == 0
    (fixed,) = build(vault).cards
    assert (fixed.front, fixed.id) == ("Where is the mitochondria found?", card.id)
    assert [guid for guid, _tags, _fields in package_notes(out / "vault.apkg")] == [card.id]


def test_a_ledger_from_before_texts_is_read_and_filled_in(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": QA.format(q="Where is the mitocondria found?", a="In cells")})
    (card,) = build(vault).cards
    ledger = vault / ".flashgen" / "ledger.pickle"
    _header, body = load_state(ledger)
    old = {note: entry[:2] for note, entry in body["notes"].items()}  # version 2: no texts
    save_state(ledger, {"format": "flashgen-ledger", "version": 2}, {**body, "notes": old})
    assert [c.id for c in build(vault).cards] == [card.id]  # read, and its texts filled in
    (vault / "a.md").write_text(QA.format(q="Where is the mitochondria found?", a="In cells"))
    cache_path(vault).unlink()
    assert [c.id for c in build(vault).cards] == [card.id]

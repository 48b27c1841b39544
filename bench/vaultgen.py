"""Generate synthetic Obsidian vaults for benchmarks.

Each note has frontmatter, headings, question callouts (with math, links and image
embeds in their answers), a comparison section and plain prose, so a build exercises
every stage. Output is deterministic for a given seed.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

WORDS = tuple(
    "gradient entropy matrix vector kernel tensor model sample density latent encoder decoder"
    " network layer softmax sigmoid loss batch epoch optimizer momentum variance bias prior"
    " posterior likelihood graph node edge queue stack heap hash tree".split()
)

_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def note_text(rng: random.Random, index: int, notes: int, cards: int) -> str:
    """One synthetic note with *cards* question callouts."""
    folder_tag = f"topic{index % 17}"
    parts = [
        f"---\ntags: [{folder_tag}, generated]\naliases: [Note {index}]\n---\n",
        f"# Note {index}\n\n{_sentence(rng, 30)} #inline/{folder_tag}\n",
    ]
    for card in range(cards):
        link = f"[[note-{rng.randrange(notes)}#Section|see also]]"
        image = f"![[img-{index % 50}.png|300]]"
        parts.append(
            f"\n## Section {card}\n\n> [!QUESTION] What is {rng.choice(WORDS)} {index}.{card}?\n"
            f"> {_sentence(rng)} $x_{card}^2 + y$ {link}.\n> {image}\n"
        )
    parts.append(
        f"\n### Alpha{index} vs. Beta{index}\n\n**Alpha{index}:**\n- {_sentence(rng, 6)}\n"
        f"- {_sentence(rng, 6)}\n\n**Beta{index}:**\n- {_sentence(rng, 6)}\n- {_sentence(rng, 6)}\n"
    )
    parts.append(f"\n{_sentence(rng, 40)} costs $5 and $10. `echo $HOME`\n")
    return "".join(parts)


def generate_vault(root: Path, notes: int, cards_per_note: int = 5, seed: int = 1) -> Path:
    """Write a vault of *notes* notes into *root* (created) and return it."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    images = root / "attachments"
    images.mkdir(exist_ok=True)
    for number in range(50):
        # each image differs (its name is in a trailing chunk) so media names are unique
        (images / f"img-{number}.png").write_bytes(_PNG + zlib.compress(str(number).encode()))
    for index in range(notes):
        folder = root / f"area{index % 20}" / f"sub{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        text = note_text(rng, index, notes, cards_per_note)
        (folder / f"note-{index}.md").write_text(text, encoding="utf-8")
    return root

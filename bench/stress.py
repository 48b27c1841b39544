"""Stress a build: a generated vault seeded with pathological notes.

Usage: python -m bench.stress [NOTES] [--defaults] [--each] (default 10000 notes)

Writes NOTES generated notes (``bench.vaultgen``) plus every note of
:data:`PATHOLOGICAL` into a temporary vault, turns on every card source for every note
(``spaced.tags: []``, ``spaced.bold_cloze: true``; ``--defaults`` keeps the default
configuration instead), then runs ``collect`` and
``update_outputs`` as ``flashgen build`` does, and prints the time of each, the peak
memory (this process's maximum resident set size) and the diagnostics by severity.

The pathological notes are what years of messy notes hold: pasted logs and HTML, broken
YAML, runaway nesting, lone syntax characters by the thousand, bad bytes. The tests
(``tests/test_robustness.py``) build each of them too, for what it makes; how long each
takes is measured here: ``--each`` builds every pathological note alone (beside one good
note) and prints its time, the guard against scans that turn quadratic (each takes
about a second or two; those scans took minutes).
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.vaultgen import generate_vault
from flashgen.anki.package import write_apkg
from flashgen.build.outputs import update_outputs
from flashgen.build.pipeline import collect

QA = "> [!question] {q}\n> {a}\n\n"
"""A question callout: every pathological note holds one, which must still be a card."""

CONFIG = "spaced:\n  tags: []\n  bold_cloze: true\n"
"""Every card source on for every note: the most work each note can make."""


def _prose_lines(count: int, words: int = 12) -> str:
    rng = random.Random(count)
    vocabulary = "the a log error value cache node retry socket == $ [[ # :: ` *".split()
    lines = (" ".join(rng.choice(vocabulary) for _ in range(words)) for _ in range(count))
    return "".join(line + "\n" for line in lines)


def huge_note() -> str:
    """10 MB of pasted text (more than flashgen reads)."""
    return QA.format(q="Huge?", a="Yes") + _prose_lines(2_000, 32) * 40


def many_lines() -> str:
    """A 200,000-line note (more lines than flashgen reads)."""
    return QA.format(q="Long?", a="Yes") + "line\n" * 200_000


def nested_callouts() -> str:
    """500 question callouts, each nested in the one before."""
    return "".join(
        "> " * depth + f"[!question] Level {depth}?\n" + "> " * depth + f"Answer {depth}\n"
        for depth in range(1, 501)
    )


def nested_quotes() -> str:
    """500 nested blockquotes, on one line and on 500 lines."""
    return (
        QA.format(q="Quotes?", a="Yes")
        + ">" * 500
        + " deep\n\n"
        + "".join(">" * depth + f" level {depth}\n" for depth in range(1, 501))
    )


def dollars() -> str:
    """10,000 ``$`` in the shapes that made math scanning quadratic."""
    return (
        QA.format(q="Dollars?", a="$x$ is math, $5 is money")
        + "$" * 10_000
        + "\n\n"
        + "$a " * 10_000
        + "\n\n"
        + "costs $5 " * 10_000
        + "\n\n"
        + "$$ " * 10_000
        + "\n"
    )


def brackets() -> str:
    """10,000 unclosed ``[[`` (and ``![[``, ``![](``, ``{{``): links with no end."""
    return (
        QA.format(q="Brackets?", a="[[Yes]]")
        + "[[" * 10_000
        + "\n\n"
        + "[[a " * 10_000
        + "\n\n"
        + "![[a|" * 10_000
        + "\n\n"
        + "![](" * 10_000
        + "\n\n"
        + "{{c1::" * 10_000
        + "\n"
    )


def long_line() -> str:
    """A 1 MB single line: minified JSON, as pasted from a browser."""
    rng = random.Random(1)
    items = [
        {
            "id": rng.randrange(10**6),
            "name": f"item_{rng.randrange(999)}",
            "tags": ["a", "b#c", "[x]", "==y=="],
            "url": "https://example.com/a?b=c&d=$e",
            "n": {"v": [1.5, None, True], "s": "`code` **bold** [[link]] ::"},
        }
        for _ in range(5_500)
    ]
    return QA.format(q="One line?", a="Yes") + json.dumps(items, separators=(",", ":")) + "\n"


def long_syntax_lines() -> str:
    """Lines of 10,000 openers that never close: highlights, bold, comments, templates."""
    parts = ("==a ", "**a ", "<!--SR:", "<%", "](", "[k:: ", "(k:: ", "a.b", "`` `", "==a==^[")
    return QA.format(q="Openers?", a="Yes") + "".join(part * 10_000 + "\n\n" for part in parts)


def bad_bytes() -> bytes:
    """NUL bytes past the first 8 KB, bytes that are not UTF-8, a BOM and CR line ends."""
    return (
        b"\xef\xbb\xbf"
        + QA.format(q="Bytes?", a="Yes").encode()
        + b"x" * 9000
        + b"\n\0\0 nul\r\nlatin-1 caf\xe9\rlone \xed\xa0\x80 surrogate\n"
    )


def line_ends() -> bytes:
    """CRLF and lone CR line endings, and a BOM."""
    return (
        b"\xef\xbb\xbf# Title\r\n\r\n> [!question] CRLF?\r\n> Yes\r\n\r> [!question] CR?\r> Yes\r"
    )


def broken_yaml() -> str:
    """Frontmatter that is YAML, but not valid: a date that is none."""
    return "---\ndate: 2024-02-30\ntags: [a\n---\n" + QA.format(q="YAML?", a="Yes")


def deep_yaml() -> str:
    """Frontmatter nested past Python's recursion limit."""
    return "---\nkey: " + "[" * 5_000 + "]" * 5_000 + "\n---\n" + QA.format(q="Deep?", a="Yes")


def yaml_bomb() -> str:
    """A "billion laughs": nine aliases of nine aliases, nine levels deep, as tags."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        below = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{below}]")
    frontmatter = "\n".join(lines) + "\ntags: *a8\naliases: *a8\n"
    return f"---\n{frontmatter}---\n" + QA.format(q="Laughs?", a="Yes")


def yaml_escapes() -> str:
    """YAML escapes that make NUL, a lone surrogate and an escape sequence."""
    return '---\ndeck: "D\\ud800"\ntags: ["t\\0", "\\e[31m"]\n---\n' + QA.format(q="Esc?", a="Yes")


def exported_html() -> str:
    """A web page saved as a note: scripts, styles, nested divs, event handlers."""
    div = '<div class="c" onclick="go()">' * 300 + "text" + "</div>" * 300
    return (
        "<!DOCTYPE html><html><head><style>body{}</style><script>alert(1)</script></head>"
        f"<body>\n{div}\n<img src=x onerror=alert(1)>\n</body></html>\n\n"
        + QA.format(q="HTML?", a="<b>bold</b> <script>alert(2)</script>")
    )


def excalidraw() -> str:
    """An Excalidraw drawing kept as a plain note: a large compressed-JSON block."""
    rng = random.Random(2)
    blob = "".join(
        rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/") for _ in range(300_000)
    )
    return (
        "---\nexcalidraw-plugin: parsed\n---\n"
        + QA.format(q="Drawing?", a="Yes")
        + "# Drawing\n```compressed-json\n"
        + "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))
        + "\n```\n"
    )


def terminal_log() -> str:
    """Pasted terminal output: colour codes, a window title, a bell."""
    line = "\x1b[31mERROR\x1b[0m \x1b]0;title\x07 retry == 3 $HOME [[x \x08\n"
    return QA.format(q="Log?", a="\x1b[1mbold\x1b[0m") + line * 5_000


PATHOLOGICAL: dict[str, Callable[[], str | bytes]] = {
    "huge.md": huge_note,
    "many-lines.md": many_lines,
    "nested-callouts.md": nested_callouts,
    "nested-quotes.md": nested_quotes,
    "dollars.md": dollars,
    "brackets.md": brackets,
    "long-line.md": long_line,
    "openers.md": long_syntax_lines,
    "bad-bytes.md": bad_bytes,
    "line-ends.md": line_ends,
    "broken-yaml.md": broken_yaml,
    "deep-yaml.md": deep_yaml,
    "yaml-bomb.md": yaml_bomb,
    "yaml-escapes.md": yaml_escapes,
    "exported.md": exported_html,
    "Drawing.md": excalidraw,
    "terminal-log.md": terminal_log,
}
"""File name → a function making the note's content."""


def seed(vault: Path) -> None:
    """Write every pathological note into *vault*, under ``pathological/``."""
    folder = vault / "pathological"
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in PATHOLOGICAL.items():
        content = make()
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def each_alone() -> None:
    """Build every pathological note in a vault of its own and print how long it took."""
    for name, make in PATHOLOGICAL.items():
        with tempfile.TemporaryDirectory() as temp:
            vault = Path(temp) / "vault"
            vault.mkdir()
            content = make()
            path = vault / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            (vault / "good.md").write_text(QA.format(q="Still a card?", a="Yes"))
            (vault / "flashgen.yaml").write_text(CONFIG, encoding="utf-8")
            started = time.perf_counter()
            built = collect(vault, now=time.time(), save=False)
            took = time.perf_counter() - started
        print(f"  {name:<20} {took:6.2f} s  {built.card_count()} cards")


def main(argv: list[str]) -> int:
    """Generate and seed the vault, build it once, print the figures."""
    if "--each" in argv:
        print("each pathological note, built alone:")
        each_alone()
        return 0
    numbers = [arg for arg in argv if not arg.startswith("--")]
    notes = int(numbers[0]) if numbers else 10_000
    with tempfile.TemporaryDirectory() as temp:
        vault = generate_vault(Path(temp) / "vault", notes)
        seed(vault)
        if "--defaults" not in argv:
            (vault / "flashgen.yaml").write_text(CONFIG, encoding="utf-8")
        started = time.perf_counter()
        built = collect(vault, now=time.time())
        collected = time.perf_counter()
        export = update_outputs(built, Path(temp) / "out", now=time.time(), write_deck=write_apkg)
        exported = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    severities = Counter(d.severity for d in built.diagnostics)
    by_note = Counter(d.path for d in built.diagnostics if d.path.startswith("pathological/"))
    sources = "default sources" if "--defaults" in argv else "every source on for every note"
    print(f"vault:    {notes} generated + {len(PATHOLOGICAL)} pathological notes, {sources}")
    print(f"read:     {built.notes_read} notes, {built.card_count()} cards")
    print(f"collect:  {collected - started:.2f} s")
    print(f"export:   {exported - collected:.2f} s ({export.summary.notes} notes in the deck)")
    print(f"total:    {exported - started:.2f} s")
    print(f"peak RSS: {peak:.0f} MiB")
    print(
        f"diagnostics: {sum(severities.values())} ("
        + ", ".join(f"{severity} {count}" for severity, count in sorted(severities.items()))
        + ")"
    )
    for path, count in sorted(by_note.items()):
        print(f"  {path}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

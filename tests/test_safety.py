"""Safety: nothing outside the vault is read, and a note's HTML or escape sequences run
neither in the terminal nor, when asked, in Anki."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flashgen.anki.sanitize import sanitize_html
from flashgen.build.pipeline import collect
from flashgen.config import Config, parse_config
from flashgen.errors import ConfigError
from tests.conftest import REPO, MakeVault
from tests.helpers import QA, package_notes, run_cli

CANARY = b"\x89PNG canary: this file is outside the vault"
NOW = 1_767_258_000.0


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    return run_cli(*args, input=input, env={"FLASHGEN_NOW": "2026-01-01T09:00:00Z", "TZ": "UTC"})


def deck_fields(deck: Path) -> list[str]:
    return ["\x1f".join(fields) for _guid, _tags, fields in package_notes(deck)]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the vault holding a secret image and a secret config."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.png").write_bytes(CANARY)
    (folder / "flashgen.yaml").write_text("deck:\n  root: Stolen\n")
    return folder


# Nothing outside the vault is read


def test_embeds_links_and_symlinks_never_read_outside(
    make_vault: MakeVault, outside: Path, tmp_path: Path
) -> None:
    ways_out = [
        "![[../outside/secret.png]]",
        f"![[{outside}/secret.png]]",
        "![](../outside/secret.png)",
        f"![](file://{outside}/secret.png)",
        "![[~/secret.png]]",
        "![[linked/secret.png]]",  # a folder symlink leading out
        "![[leak.png]]",  # a file symlink leading out
        "[[../outside/secret.png]]",
    ]
    vault = make_vault(
        {f"way{n}.md": QA.format(q=f"Way {n}?", a=way) for n, way in enumerate(ways_out)}
    )
    os.symlink(outside, vault / "linked")
    os.symlink(outside / "secret.png", vault / "leak.png")
    out = tmp_path / "out"
    code, _, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    assert CANARY not in (out / "vault.apkg").read_bytes()
    assert all(not card["media"] for card in json.loads((out / "vault.json").read_text()))
    assert f"{vault}/linked: warning: symlink leads outside the vault; not followed" in err
    assert f"{vault}/leak.png: warning: symlink leads outside the vault; not followed" in err


def test_a_config_symlink_leading_outside_is_refused(make_vault: MakeVault, outside: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    os.symlink(outside / "flashgen.yaml", vault / "flashgen.yaml")
    code, _, err = run("check", str(vault))
    assert code == 1
    assert err == (
        "Error: flashgen.yaml is a symlink leading outside the vault, and flashgen reads"
        " nothing outside the vault: put a copy of the file in its place\n"
    )
    # A symlink to a file inside the vault is read.
    (vault / "flashgen.yaml").unlink()
    (vault / "config").mkdir()
    (vault / "config" / "shared.yaml").write_text("deck:\n  root: Mine\n")
    os.symlink("config/shared.yaml", vault / "flashgen.yaml")
    assert [card.deck for card in collect(vault, now=NOW).cards] == ["Mine"]


def test_a_state_folder_leading_outside_is_not_used(
    make_vault: MakeVault, outside: Path, tmp_path: Path
) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    state = tmp_path / "elsewhere"
    state.mkdir()
    os.symlink(state, vault / ".flashgen")
    code, _, err = run("build", str(vault), "-o", str(tmp_path / "out"))
    assert code == 0
    assert (
        f"{vault}/.flashgen: warning: is a symlink leading outside the vault, and flashgen"
        " reads and writes nothing there; no build cache, and edited cards get new ids: make"
        " it a folder"
    ) in err.splitlines()
    assert list(state.iterdir()) == []
    code, _, err = run("quiz", str(vault), "--plain", input="q\n")
    assert code == 1
    assert err.splitlines()[-1] == (
        f"Error: {vault}/.flashgen is a symlink leading outside the vault, where flashgen"
        " reads nothing; to keep the review store elsewhere, pass --state FILE"
    )
    assert list(state.iterdir()) == []
    code, _, err = run("quiz", str(vault), "--plain", "--state", str(state / "r.sqlite3"))
    assert code == 0, err  # told to: it may


def test_state_files_that_are_symlinks_are_not_read(make_vault: MakeVault, outside: Path) -> None:
    vault = make_vault({"a.md": QA.format(q="Q?", a="A")})
    (vault / ".flashgen").mkdir()
    os.symlink(outside / "secret.png", vault / ".flashgen" / "cache.pickle")
    built = collect(vault, now=NOW)
    assert [d.format() for d in built.diagnostics] == [
        ".flashgen/cache.pickle: warning: the build cache cannot be read (it is a symlink,"
        " not read); every note is read again and the cache rewritten"
    ]
    assert not (vault / ".flashgen" / "cache.pickle").is_symlink()  # replaced, not followed
    assert (outside / "secret.png").read_bytes() == CANARY


# HTML and escape sequences in notes

SCRIPTED = QA.format(
    q="Safe?", a="<script>alert(1)</script> and <img src=x onerror=alert(2)> \x1b]0;pwned\x07"
)


def test_note_html_is_plain_text_in_the_quiz(make_vault: MakeVault) -> None:
    vault = make_vault({"html.md": SCRIPTED})
    code, out, err = run("quiz", str(vault), "--plain", input="\nq\n")
    assert code == 0, err
    assert "<script>alert(1)</script> and <img src=x onerror=alert(2)> ␛]0;pwned␇" in out
    assert "\x1b" not in out and "\x07" not in out


def test_note_html_is_kept_as_written_in_the_deck(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"html.md": SCRIPTED})
    code, _, err = run("build", str(vault), "-o", str(tmp_path / "out"))
    assert code == 0, err
    (fields,) = deck_fields(tmp_path / "out" / "vault.apkg")
    assert "<script>alert(1)</script> and <img src=x onerror=alert(2)>" in fields


def test_sanitize_html_switch_cleans_the_deck(make_vault: MakeVault, tmp_path: Path) -> None:
    config = "anki:\n  sanitize_html: true\n"
    vault = make_vault({"html.md": SCRIPTED, "flashgen.yaml": config})
    out = tmp_path / "out"
    code, _, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    (fields,) = deck_fields(out / "vault.apkg")
    assert "<script" not in fields and "onerror" not in fields
    assert "<img src=" in fields  # the image itself stays
    # turning the switch off again re-renders the cached fields as written
    (vault / "flashgen.yaml").write_text("anki:\n  sanitize_html: false\n")
    code, _, err = run("build", str(vault), "-o", str(out))
    assert code == 0, err
    (fields,) = deck_fields(out / "vault.apkg")
    assert "<script>alert(1)</script>" in fields


def test_escape_sequences_are_shown_not_obeyed_in_every_listing(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault(
        {
            "esc.md": "Q\x1b[2J::\n\n#flashcards\n" + SCRIPTED,
            "bad\x1b]0;t\x07.md": "#flashcards\nx::",
        }
    )
    for command in (
        ["check", str(vault)],
        ["cards", str(vault)],
        ["build", str(vault), "-o", str(tmp_path / "out"), "--diff"],
    ):
        _, out, err = run(*command)
        assert "\x1b" not in out + err and "\x07" not in out + err, command
    _, listed, _ = run("check", str(vault))
    assert f"{vault}/bad␛]0;t␇.md:2: warning: card 'x::' has no answer" in listed


def test_sanitize_html_is_a_config_switch() -> None:
    assert Config().sanitize_html is False
    assert parse_config({"anki": {"sanitize_html": True}}).sanitize_html is True
    with pytest.raises(ConfigError, match=r"'anki\.sanitize_html' should be true or false"):
        parse_config({"anki": {"sanitize_html": "yes"}})
    with pytest.raises(ConfigError, match=r"unknown key 'anki.sanitise' \(known: sanitize_html\)"):
        parse_config({"anki": {"sanitise": True}})


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        (
            "<b>kept</b> &amp; <i>kept</i> \\(a &lt; b\\) &quot;q&quot;",
            "<b>kept</b> &amp; <i>kept</i> \\(a &lt; b\\) &quot;q&quot;",
        ),
        ("<script>alert(1)</script>after", "after"),
        (
            '<img src="pic-1a2b.png" width="400" onerror="alert(1)">',
            '<img src="pic-1a2b.png" width="400">',
        ),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>', "<a>x</a>"),
        (
            '<a href="obsidian://open?vault=v&amp;file=a">a.md:1</a>',
            '<a href="obsidian://open?vault=v&amp;file=a">a.md:1</a>',
        ),
        ("<iframe src=x><b>in</b></iframe>out", "out"),
        ("<style>.card{display:none}</style><p>p</p>", "<p>p</p>"),
        (
            '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>t</a></svg>',
            "<svg><a>t</a></svg>",
        ),
        ('<img src="data:image/png;base64,AAAA">', '<img src="data:image/png;base64,AAAA">'),
        ('<a href="data:text/html,x">d</a>', "<a>d</a>"),
        ("<object data=x></object><embed src=x><base href=x><meta http-equiv=refresh>", ""),
        ("<scr<script>ipt>alert(1)</script>", "&lt;scr&lt;script&gt;ipt&gt;alert(1)"),
        ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', ""),
        (
            '<!-- comment --><div class="callout" data-callout="tip">c</div>',
            '<div class="callout" data-callout="tip">c</div>',
        ),
        ("AT&T <b>unclosed", "AT&amp;T <b>unclosed"),
        ("<a onclick='x'", "&lt;a onclick='x'"),
    ],
)
def test_sanitize_html(html: str, clean: str) -> None:
    assert sanitize_html(html) == clean
    assert sanitize_html(clean) == clean


def test_the_sample_deck_survives_sanitizing(tmp_path: Path) -> None:
    """What flashgen writes itself (callouts, math, images, links) passes unchanged."""
    code, _, err = run("build", str(REPO / "notes"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    for fields in deck_fields(tmp_path / "out" / "notes.apkg"):
        for field in fields.split("\x1f"):
            if "<script" not in field and "<!--" not in field:
                assert _same_html(sanitize_html(field), field), field


def _same_html(a: str, b: str) -> bool:
    """Equal but for how attributes are quoted and void tags closed."""

    def norm(text: str) -> str:
        return text.replace("'", '"').replace(" />", ">").replace("/>", ">")

    return norm(a) == norm(b)

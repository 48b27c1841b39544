"""The vault's ``flashgen.yaml``: which card sources are on, which notes, deck naming.

Every key is optional. Unknown keys and wrong types raise ``ConfigError`` naming the
key, so a typo never silently changes what gets built.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from flashgen.errors import ConfigError
from flashgen.vault.notes import clean_text
from flashgen.vault.paths import inside_vault

CONFIG_NAME = "flashgen.yaml"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings of one vault (defaults apply when ``flashgen.yaml`` is absent)."""

    questions: bool = True
    """``sources.questions``: cards from question callouts."""
    comparisons: bool = True
    """``sources.comparisons``: cards from "X vs. Y" sections."""
    discrimination: bool = True
    """``sources.discrimination``: "which item has this fact?" cards for comparisons."""
    tags: tuple[str, ...] = ()
    """``select.tags``: only notes carrying one of these tags (empty: every note)."""
    deck_root: str = ""
    """``deck.root``: the top deck's name (empty: the vault folder's name)."""
    deck_folders: bool = True
    """``deck.folders``: sub-decks from the note's folders."""
    spaced: bool = True
    """``sources.spaced``: obsidian-spaced-repetition cards (``::``, ``?``, clozes)."""
    o2a: bool = True
    """``sources.o2a``: Obsidian_to_Anki ``START`` … ``END`` blocks."""
    spaced_tags: tuple[str, ...] = ("flashcards",)
    """``spaced.tags``: notes whose spaced-repetition syntax is read (empty: every note)."""
    highlight_cloze: bool = True
    """``spaced.highlight_cloze``: ``==highlights==`` are cloze deletions."""
    bold_cloze: bool = False
    """``spaced.bold_cloze``: ``**bold text**`` is a cloze deletion."""
    curly_cloze: bool = True
    """``spaced.curly_cloze``: ``{{c1::text}}`` and ``{{c1::text::hint}}`` are cloze deletions."""
    sanitize_html: bool = False
    """``anki.sanitize_html``: strip scripts, event handlers and ``javascript:`` links from
    the HTML of the Anki deck (by default the notes' own HTML is kept as written)."""

    strict_line_breaks: bool | None = None
    """``markdown.strict_line_breaks``: a single newline inside a paragraph is only a space
    (true) or a line break (false); unset, the vault's own Obsidian setting decides
    (``.obsidian/app.json`` ``strictLineBreaks``, off by default)."""

    def line_breaks(self, strict_in_obsidian: bool) -> bool:
        """Whether a single newline shows as a line break, given the vault's Obsidian setting."""
        strict = strict_in_obsidian if self.strict_line_breaks is None else self.strict_line_breaks
        return not strict

    def stamp(self) -> str:
        """A string that changes whenever a setting does (for caches)."""
        return repr(tuple(getattr(self, f.name) for f in fields(self)))


# YAML section → key → (Config field, expected type, description for messages)
_SCHEMA: dict[str, dict[str, tuple[str, type, str]]] = {
    "sources": {
        "questions": ("questions", bool, "true or false"),
        "comparisons": ("comparisons", bool, "true or false"),
        "discrimination": ("discrimination", bool, "true or false"),
        "spaced": ("spaced", bool, "true or false"),
        "o2a": ("o2a", bool, "true or false"),
    },
    "select": {"tags": ("tags", list, "a list of tags")},
    "deck": {
        "root": ("deck_root", str, "a deck name"),
        "folders": ("deck_folders", bool, "true or false"),
    },
    "spaced": {
        "tags": ("spaced_tags", list, "a list of tags (empty: every note)"),
        "highlight_cloze": ("highlight_cloze", bool, "true or false"),
        "bold_cloze": ("bold_cloze", bool, "true or false"),
        "curly_cloze": ("curly_cloze", bool, "true or false"),
    },
    "anki": {"sanitize_html": ("sanitize_html", bool, "true or false")},
    "markdown": {"strict_line_breaks": ("strict_line_breaks", bool, "true or false")},
}


def load_config(vault_root: Path) -> Config:
    """Read ``flashgen.yaml`` at the vault root, or return the defaults.

    A ``flashgen.yaml`` that is a symlink leading outside the vault is refused: nothing
    outside the vault is read.
    """
    path = vault_root / CONFIG_NAME
    if path.is_symlink() and not inside_vault(vault_root.resolve(), path):
        raise ConfigError(
            f"{CONFIG_NAME} is a symlink leading outside the vault, and flashgen reads nothing"
            " outside the vault: put a copy of the file in its place"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{CONFIG_NAME}: cannot read it ({err})") from err
    import yaml  # only for a vault that has the file

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{CONFIG_NAME}{where}: not valid YAML; fix the syntax") from err
    return parse_config(data)


def parse_config(data: Any) -> Config:
    """Validate a loaded ``flashgen.yaml`` mapping into a ``Config``."""
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_NAME}: expected sections such as 'sources:' at the top")
    values: dict[str, Any] = {}
    for section, body in data.items():
        keys = _SCHEMA.get(str(section))
        if keys is None:
            raise ConfigError(
                f"{CONFIG_NAME}: unknown section '{section}' (known: {', '.join(_SCHEMA)})"
            )
        if not isinstance(body, dict):
            raise ConfigError(
                f"{CONFIG_NAME}: '{section}' should hold keys such as '{next(iter(keys))}:'"
            )
        for key, value in body.items():
            spec = keys.get(str(key))
            if spec is None:
                raise ConfigError(
                    f"{CONFIG_NAME}: unknown key '{section}.{key}' (known: {', '.join(keys)})"
                )
            name, expected, description = spec
            if value is None and getattr(_DEFAULTS, name) is None:
                continue  # "strict_line_breaks:" left empty: unset, as if not written
            if isinstance(value, list) and expected is list:
                if not all(isinstance(item, str) for item in value):
                    raise ConfigError(f"{CONFIG_NAME}: '{section}.{key}' should be {description}")
                values[name] = tuple(clean_text(item).lstrip("#") for item in value)
            elif isinstance(value, str) and expected is str:
                values[name] = clean_text(value)  # YAML escapes can make NUL, lone surrogates
            elif isinstance(value, expected):
                values[name] = value
            else:
                raise ConfigError(f"{CONFIG_NAME}: '{section}.{key}' should be {description}")
    return Config(**values)


_DEFAULTS = Config()


NOTE_KEY = "flashgen"
"""The frontmatter mapping that overrides ``sources:`` for one note."""


def for_note(config: Config, frontmatter: dict[str, Any]) -> tuple[Config, str | None]:
    """The settings for one note: *config* with the note's ``flashgen:`` frontmatter applied.

    ``flashgen:`` takes the keys of ``sources:`` (``questions``, ``comparisons``,
    ``discrimination`` …), e.g. ``flashgen: {discrimination: false}``. Returns the config
    and, when a key or a value is wrong, a message saying how to fix it (for a warning on
    line 1); the keys that are right still apply.
    """
    overrides = frontmatter.get(NOTE_KEY)
    if overrides is None:
        return config, None
    keys = _SCHEMA["sources"]
    if not isinstance(overrides, dict):
        return config, (
            f"frontmatter '{NOTE_KEY}' should hold settings such as"
            f" '{NOTE_KEY}: {{discrimination: false}}' (known: {', '.join(keys)}); ignored"
        )
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in overrides.items():
        spec = keys.get(str(key))
        if spec is None:
            problems.append(f"'{NOTE_KEY}.{key}' is unknown (known: {', '.join(keys)})")
            continue
        name, expected, description = spec
        if not isinstance(value, expected):
            problems.append(f"'{NOTE_KEY}.{key}' should be {description}")
            continue
        values[name] = value
    message = f"frontmatter {'; '.join(problems)}; ignored" if problems else None
    return replace(config, **values), message

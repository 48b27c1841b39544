"""The package layout is the architecture: stages import only the stages below them.

Stages, lowest first: the shared modules (``model``, ``errors``), ``vault``, then
``markdown`` and ``config``, ``sources``, ``identity``, ``build``, then ``anki`` and
``review`` side by side, and ``cli`` on top. A module may import its own stage and any
stage below; libraries with one home are imported there only; nothing below the CLI
prints or reads the clock.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "flashgen"

RANKS = {
    "model": 0,
    "errors": 0,
    "vault": 1,
    "markdown": 2,
    "config": 2,
    "sources": 3,
    "identity": 4,
    "build": 5,
    "anki": 6,
    "review": 6,
    "cli": 7,
    "__main__": 8,
}
"""Each stage's height; a stage imports only stages that are lower, or itself."""

ONE_HOME = {
    "genanki": {"flashgen/anki/package.py"},
    "fsrs": {"flashgen/review/scheduler.py"},
    "anki": {"flashgen/anki/sync.py"},
}
"""Libraries that exactly one module may import."""

LOOSE = {"__init__.py", "__main__.py", "model.py", "errors.py", "config.py"}
"""The only modules directly in ``flashgen/``."""


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def stage(module: str) -> str | None:
    """The stage a dotted module name (``flashgen.build.cache``) belongs to."""
    parts = module.split(".")
    if parts[0] != "flashgen" or len(parts) == 1:
        return None
    if not ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
        return None  # a name from flashgen/__init__.py, such as __version__
    return parts[1]


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in *path*, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            # "from flashgen import x" imports the module flashgen.x when there is one.
            yield node.lineno, node.module if node.module != "flashgen" else names[0]


def own_stage(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def violations(path: Path) -> Iterator[str]:
    mine = own_stage(path)
    for line, module in imports(path):
        theirs = stage(module)
        if theirs is None or theirs == mine or mine == "__init__":
            continue
        if RANKS[theirs] >= RANKS[mine]:
            yield f"{path.relative_to(REPO)}:{line}: {mine} imports {module}"


def test_every_stage_is_ranked() -> None:
    assert {own_stage(path) for path in modules()} - {"__init__"} <= RANKS.keys()


def test_stages_import_only_lower_stages() -> None:
    found = [problem for path in modules() for problem in violations(path)]
    assert found == []


def test_a_lower_stage_importing_a_higher_one_is_caught(tmp_path: Path) -> None:
    sneaky = PACKAGE / "markdown" / "sneaky_test_module.py"
    sneaky.write_text("from flashgen.build.pipeline import collect\n", encoding="utf-8")
    try:
        assert list(violations(sneaky)) == [
            "flashgen/markdown/sneaky_test_module.py:1: markdown imports flashgen.build.pipeline"
        ]
    finally:
        sneaky.unlink()


@pytest.mark.parametrize("library", sorted(ONE_HOME))
def test_libraries_with_one_home(library: str) -> None:
    users = {
        path.relative_to(REPO).as_posix()
        for path in modules()
        for _line, module in imports(path)
        if module == library or module.startswith(library + ".")
    }
    assert users <= ONE_HOME[library]


def test_few_loose_modules_and_none_too_long() -> None:
    loose = {path.name for path in PACKAGE.glob("*.py")}
    assert loose <= LOOSE
    long = {
        path.relative_to(REPO).as_posix(): count
        for path in modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert long == {}


def test_every_stage_folder_says_what_it_holds() -> None:
    for folder in (path for path in PACKAGE.iterdir() if path.is_dir()):
        if folder.name == "__pycache__":
            continue
        init = folder / "__init__.py"
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and len(docstring.split()) >= 20, folder.name


CLOCK_AND_OUTPUT = ("print", "time.time", "time.time_ns", "datetime.now", "date.today")


def test_nothing_below_the_cli_prints_or_reads_the_clock() -> None:
    found = []
    for path in modules():
        if own_stage(path) in ("cli", "__main__"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in CLOCK_AND_OUTPUT:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node.func)}")
    assert found == []

"""docs/architecture.md's tree stays true: every module it names exists, every package
is in it, and module sizes stay within the bounds it states."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from tests.architecture.imports import SOURCE, modules

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"
_NAME = re.compile(r"[\w.]+(\.py|/)")
MEDIAN_LINES = 150
MOST_LINES = 400
# A migration revision is history, listed by its folder (`migrations/`), not by name.
_HISTORY = SOURCE / "store" / "migrations" / "versions"


def listed_paths() -> set[Path]:
    """The modules and packages the tree names, as paths under src/keystead."""
    text = ARCHITECTURE.read_text()
    start = text.index("```\nsrc/keystead/\n") + len("```\n")
    block = text[start : text.index("```", start)].splitlines()
    assert block[0] == "src/keystead/"
    listed: set[Path] = set()
    parents: list[Path] = [SOURCE]
    for line in block[1:]:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        del parents[depth:]
        for token in line.split():
            if not _NAME.fullmatch(token):
                break  # the names end where the description begins
            path = parents[-1] / token.rstrip("/")
            listed.add(path)
            if token.endswith("/"):
                parents.append(path)
    return listed


def packages() -> set[Path]:
    return {path.parent for path in modules() if path.parent != _HISTORY}


def test_every_module_the_tree_names_exists() -> None:
    missing = sorted(str(path.relative_to(SOURCE)) for path in listed_paths() if not path.exists())
    assert missing == []


def test_every_package_is_in_the_tree() -> None:
    listed = listed_paths() | {SOURCE}
    unlisted = sorted(str(path.relative_to(SOURCE)) for path in packages() - listed)
    assert unlisted == []


def test_the_tree_is_read_as_a_tree() -> None:
    # A parse that lost the nesting would find no file under a sub-package.
    listed = listed_paths()
    assert SOURCE / "access" / "guard.py" in listed
    assert SOURCE / "trading" / "wire" / "types.py" in listed
    assert SOURCE / "store" / "migrations" / "env.py" in listed


def test_modules_stay_small() -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in modules()}
    oversized = sorted(
        f"{path.relative_to(SOURCE)}: {lines}"
        for path, lines in sizes.items()
        if lines > MOST_LINES
    )
    assert oversized == []
    assert statistics.median(sizes.values()) <= MEDIAN_LINES

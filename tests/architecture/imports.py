"""keystead's own imports, read from the source (no module is executed)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keystead

SOURCE = Path(keystead.__file__).parent


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    """The importing module, dotted (`keystead.access.guard`)."""
    imported: str
    """The module or name imported, dotted (`keystead.runtime.Runtime`)."""
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[Path]:
    yield from sorted(SOURCE.rglob("*.py"))


def imports_of(path: Path) -> Iterator[Import]:
    """Every `keystead` import in the file, wherever it sits: top level, inside a
    function, or under `if TYPE_CHECKING:`."""
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield Import(importer, f"{base}.{alias.name}", node.lineno)


def keystead_imports() -> list[Import]:
    return [
        found
        for path in modules()
        for found in imports_of(path)
        if found.imported == "keystead" or found.imported.startswith("keystead.")
    ]


def top_package(name: str) -> str:
    """`keystead.access.guard` → `access`; `keystead.runtime.Runtime` → `runtime`."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""

"""The platform and the API it guards are two packages joined at one seam, and no
import runs back up the layers (docs/architecture.md, "The tree")."""

from __future__ import annotations

from tests.architecture.imports import Import, keystead_imports, top_package

GUARDED_API = "trading"
UPSTREAM_PROXY = "proxy"
PLUG_INS = frozenset({GUARDED_API, UPSTREAM_PROXY})
"""The guarded APIs keystead ships: mounted through the seam, imported by nobody."""

# Lower layers first. A module may import its own layer and the layers below it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"version", "clock", "errors", "paths", "allowlist", "background"}),
    frozenset({"config", "store", "envelope", "observability"}),
    frozenset({"events", "limiter", "mail", "audit", "edge"}),
    frozenset({"access"}),
    frozenset({"services", "gateway"}),
    frozenset({"jobs"}),
    frozenset({"runtime", "guarded_api"}),
    frozenset({"api", "web"}),
    frozenset({"app", "cli", "", "__main__"}),
    PLUG_INS,
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def _shown(found: Import) -> str:
    return f"{found.importer}:{found.line} imports {found.imported}"


def test_nothing_outside_a_guarded_api_package_imports_it() -> None:
    # Not even the other one: the proxy learns the trading API's routes through the seam.
    leaks = [
        _shown(found)
        for found in keystead_imports()
        if top_package(found.imported) in PLUG_INS
        and top_package(found.importer) != top_package(found.imported)
    ]
    assert leaks == []


def test_every_package_sits_in_a_layer() -> None:
    packages = {top_package(found.importer) for found in keystead_imports()}
    assert sorted(packages - RANK.keys()) == []


def test_no_import_runs_back_up_the_layers() -> None:
    upward = [
        _shown(found)
        for found in keystead_imports()
        if RANK[top_package(found.imported)] > RANK[top_package(found.importer)]
    ]
    assert upward == []


def test_the_walk_sees_the_imports_it_judges() -> None:
    # A walk that found nothing would pass every rule above.
    found = {(top_package(i.importer), top_package(i.imported)) for i in keystead_imports()}
    assert ("access", "clock") in found
    assert ("trading", "guarded_api") in found
    assert ("proxy", "guarded_api") in found
    assert ("app", "runtime") in found

"""requirements/lock.txt, the pip constraints every install in the Makefile (and so CI,
and a deployment) uses, pins every dependency pyproject.toml declares, at a version
that satisfies it. A dependency added or changed without `make lock` fails here
instead of being installed at whatever version PyPI has that day."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"


def pinned() -> dict[str, Version]:
    versions: dict[str, Version] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, equals, version = line.partition("==")
        assert equals, f"not an exact pin: {line!r}"
        versions[canonicalize_name(name)] = Version(version)
    return versions


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lists = [project["dependencies"], *project["optional-dependencies"].values()]
    return [Requirement(text) for texts in lists for text in texts]


def test_every_declared_dependency_is_pinned_at_a_version_it_accepts() -> None:
    versions = pinned()
    wrong = []
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = versions.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} (lock: {version or 'absent'})")
    assert wrong == [], "requirements/lock.txt is stale: run `make lock`"

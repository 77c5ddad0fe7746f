"""What the fuzz run did, kept for the terminal summary: cases sent, operations reached,
server errors, and the distinct findings with the smallest request that showed each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True, slots=True)
class FindingKey:
    operation: str
    failure: str
    status: int


@dataclass
class FuzzStats:
    operations_in_schema: set[str] = field(default_factory=set)
    cases_per_operation: Counter[str] = field(default_factory=Counter)
    cases_per_backend: Counter[str] = field(default_factory=Counter)
    operations_per_backend: dict[str, set[str]] = field(default_factory=dict)
    succeeded: set[str] = field(default_factory=set)
    """Operations that answered 2xx at least once: their handlers ran to the end."""
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    findings: dict[FindingKey, tuple[int, str]] = field(default_factory=dict)
    """Each finding with the smallest request (by size) that showed it."""

    def __repr__(self) -> str:
        # Hypothesis prints the test's arguments with a failure: keep this one short.
        return f"FuzzStats({self.cases_sent} cases)"

    def record_response(self, operation: str, status: int, backend: str) -> None:
        self.cases_per_operation[operation] += 1
        self.cases_per_backend[backend] += 1
        self.operations_per_backend.setdefault(backend, set()).add(operation)
        self.statuses[status] += 1
        if 200 <= status < 300:
            self.succeeded.add(operation)
        if status >= 500:
            self.server_errors += 1

    def record_finding(self, key: FindingKey, size: int, request: str) -> None:
        # Hypothesis replays shrunk inputs through the same test, so the smallest request
        # seen for a finding is the minimal one it arrived at.
        known = self.findings.get(key)
        if known is None or size < known[0]:
            self.findings[key] = (size, request)

    @property
    def cases_sent(self) -> int:
        return sum(self.cases_per_operation.values())

    @property
    def operations_covered(self) -> set[str]:
        return set(self.cases_per_operation) & self.operations_in_schema

    def summary_lines(self) -> list[str]:
        covered = len(self.operations_covered)
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        backends = ", ".join(f"{name} {n}" for name, n in sorted(self.cases_per_backend.items()))
        lines = [
            f"keystead fuzz: {self.cases_sent} cases sent ({backends}), "
            f"{covered}/{len(self.operations_in_schema)} operations covered, "
            f"{self.server_errors} server errors (5xx), "
            f"{len(self.findings)} distinct findings",
            f"responses by status: {statuses}",
        ]
        lines.append(
            f"operations answering 2xx at least once: "
            f"{len(self.succeeded & self.operations_in_schema)}/{len(self.operations_in_schema)}"
        )
        missing = sorted(self.operations_in_schema - self.operations_covered)
        if missing:
            lines.append(f"operations not fuzzed in this run: {', '.join(missing)}")
        never_ok = sorted(self.operations_covered - self.succeeded)
        if never_ok:
            lines.append(f"operations never answering 2xx: {', '.join(never_ok)}")
        for key in sorted(self.findings, key=lambda k: (k.operation, k.status, k.failure)):
            lines.append(f"finding: {key.operation} -> {key.status} [{key.failure}]")
            lines.append(f"    {self.findings[key][1]}")
        return lines


STATS_KEY = pytest.StashKey[FuzzStats]()

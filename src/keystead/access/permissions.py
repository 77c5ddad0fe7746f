"""The permission catalogue: ids, labels and what each one guards (CONTRACT §3).

keystead declares one permission of its own (`account:read`, for `/v1/account`); the
guarded API brings the rest. The catalogue is assembled once at start-up, in display
order, and every check of a permission id (token edits, account-key settings, the
token page, the OpenAPI document) reads that one object.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

ACCOUNT_READ = "account:read"


@dataclass(frozen=True, slots=True)
class PermissionInfo:
    id: str
    label: str
    resource: str
    guards: str


PLATFORM_PERMISSIONS: tuple[PermissionInfo, ...] = (
    PermissionInfo(ACCOUNT_READ, "Read Account", "Account", "GET /v1/account"),
)


class PermissionCatalogue:
    """Every permission a token may hold, in the order pages and errors list them."""

    def __init__(self, entries: Iterable[PermissionInfo]) -> None:
        self.entries: tuple[PermissionInfo, ...] = tuple(entries)
        self.ids: tuple[str, ...] = tuple(info.id for info in self.entries)
        self._by_id = {info.id: info for info in self.entries}
        duplicated = sorted({id for id in self.ids if self.ids.count(id) > 1})
        if duplicated:
            raise ValueError(f"permission(s) declared twice: {', '.join(duplicated)}")

    def __iter__(self) -> Iterator[PermissionInfo]:
        return iter(self.entries)

    def __contains__(self, permission: object) -> bool:
        return permission in self._by_id

    def label(self, permission: str) -> str:
        info = self._by_id.get(permission)
        return info.label if info is not None else permission

    def described(self, permissions: Iterable[str]) -> list[str]:
        """`Label (id)` for each permission, as mail names them."""
        return [f"{self.label(permission)} ({permission})" for permission in permissions]

    def normalise(self, requested: Sequence[str]) -> list[str]:
        """Known ids, deduplicated, in catalogue order. Raises ValueError naming unknown ones."""
        unknown = sorted(set(requested) - self._by_id.keys())
        if unknown:
            raise ValueError(
                f"unknown permission(s): {', '.join(unknown)}; valid ones are {', '.join(self.ids)}"
            )
        if not requested:
            raise ValueError("at least one permission is required")
        wanted = set(requested)
        return [id for id in self.ids if id in wanted]

"""Principal: who a guarded request acts for, handed from stage to stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    account_number: str
    credential_id: str
    preview: str
    permissions: frozenset[str]
    expires_at: float | None
    """Epoch seconds, or None for a credential that does not expire."""

    @property
    def rate_key(self) -> str:
        """The rate limit is per account: every credential of one account shares it."""
        return str(self.account_id)

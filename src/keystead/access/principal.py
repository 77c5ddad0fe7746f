"""Principal: who a guarded request acts for, handed from stage to stage."""

from __future__ import annotations

from dataclasses import dataclass

from keystead.allowlist import Network


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    account_number: str
    credential_id: str
    preview: str
    permissions: frozenset[str]
    expires_at: float | None
    """Epoch seconds when this secret stops working, or None if it never does."""
    expiration: bytes = b""
    """`expires_at` as the ISO 8601 header value, formatted once at load."""
    allowed_networks: tuple[Network, ...] = ()
    """Where the credential may be used from; empty: anywhere."""
    rolled: bool = False
    """The secret is a rolled token's old one, working until its grace period ends."""

    @property
    def rate_key(self) -> str:
        """The rate limit is per account: every credential of one account shares it."""
        return str(self.account_id)

"""Token introspection (RFC 7662): whether a token or account key is live, and whose.

The operator's own services ask it about the bearer values they receive. The answer
follows the access path exactly (a revoked, expired, suspended or rolled-out secret
is not live), but counts nothing: introspection is not a use of the credential.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from keystead.access.authenticate import Authenticator
from keystead.access.permissions import PermissionCatalogue
from keystead.store.db import Database
from keystead.store.models import ApiToken

INACTIVE: dict[str, Any] = {"active": False}
"""What anything not live is told: exactly this, so nothing about it leaks."""


class Introspection:
    def __init__(
        self,
        authenticator: Authenticator,
        db: Database,
        permissions: PermissionCatalogue,
        issuer: str,
    ) -> None:
        self._authenticator = authenticator
        self._db = db
        self._permissions = permissions
        self._issuer = issuer

    async def introspect(self, value: str) -> dict[str, Any]:
        principal = await self._authenticator.resolve(value)
        if principal is None:
            return INACTIVE
        async with self._db.read() as session:
            issued = await session.scalar(
                select(ApiToken.created_at).where(ApiToken.id == principal.credential_id)
            )
        if issued is None:  # deleted between the two reads
            return INACTIVE
        answer: dict[str, Any] = {
            "active": True,
            "scope": " ".join(p for p in self._permissions.ids if p in principal.permissions),
            "client_id": principal.credential_id,
            "sub": principal.account_number,
            "token_type": "Bearer",
            "iat": int(issued.timestamp()),
        }
        if principal.expires_at is not None:
            answer["exp"] = int(principal.expires_at)
        answer["iss"] = self._issuer
        return answer

"""`Keystead-Assertion`: a JWT (JWS compact, EdDSA) that tells an upstream who is
calling, for which method and URL, for the next 60 seconds. Any JWT library verifies
it against `/.well-known/jwks.json`."""

from __future__ import annotations

import json
import secrets
from typing import Any

from keystead.access.permissions import PermissionCatalogue
from keystead.access.principal import Principal
from keystead.gateway.keys import ASSERTION_LIFETIME, SigningKeys, b64url


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


class Assertions:
    def __init__(
        self, keys: SigningKeys, permissions: PermissionCatalogue, issuer: str, audience: str
    ) -> None:
        self._keys = keys
        self._permissions = permissions
        self._issuer = issuer
        self._audience = audience

    def scope(self, principal: Principal) -> str:
        """The principal's permissions, space-separated, in catalogue order."""
        return " ".join(p for p in self._permissions.ids if p in principal.permissions)

    def claims(self, principal: Principal, method: str, url: str, now: int) -> dict[str, Any]:
        return {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": principal.account_number,
            "cred": principal.credential_id,
            "scope": self.scope(principal),
            "htm": method,
            "htu": url,
            "iat": now,
            "exp": now + int(ASSERTION_LIFETIME.total_seconds()),
            "jti": secrets.token_urlsafe(16),
        }

    async def mint(self, principal: Principal, method: str, url: str, now: int) -> str:
        key = await self._keys.current()
        header = {"alg": "EdDSA", "typ": "JWT", "kid": key.kid}
        signing_input = f"{_segment(header)}.{_segment(self.claims(principal, method, url, now))}"
        signature = key.private_key.sign(signing_input.encode())
        return f"{signing_input}.{b64url(signature)}"

"""Assertions checked the way an operator's upstream would: PyJWT, an independent
library, against keystead's own `/.well-known/jwks.json`."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import jwt

PUBLIC_URL = "http://127.0.0.1:8000"
"""keystead's public URL (the `iss`) when the tests set none."""


async def verified(
    client: httpx.AsyncClient, assertion: str, audience: str, issuer: str = PUBLIC_URL
) -> Any:
    keys = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    kid = jwt.get_unverified_header(assertion)["kid"]
    return jwt.decode(
        assertion, keys[kid].key, algorithms=["EdDSA"], audience=audience, issuer=issuer
    )


def tampered(assertion: str, **claims: object) -> str:
    """The assertion with claims changed and the signature kept: a forgery."""
    header, payload, signature = assertion.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(claims)
    encoded = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"

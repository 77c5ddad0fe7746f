"""`WWW-Authenticate` on the guard's refusals (RFC 6750 §3): what a bearer client
needs to know, and no more. A 401 names the realm, and `invalid_token` when a token
was sent; a 403 names the permission the route needs (`insufficient_scope`)."""

from __future__ import annotations

_NAME = b"www-authenticate"
_REALM = b'Bearer realm="keystead"'


def unauthenticated(*, token_sent: bool) -> tuple[bytes, bytes]:
    return (_NAME, _REALM + b', error="invalid_token"' if token_sent else _REALM)


def insufficient_scope(permission: str) -> tuple[bytes, bytes]:
    scope = f', error="insufficient_scope", scope="{permission}"'.encode()
    return (_NAME, _REALM + scope)

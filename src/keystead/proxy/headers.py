"""Which headers cross keystead in proxy mode, each way.

To the upstream: the client's headers less its credentials (`Authorization`,
`Cookie`), hop-by-hop headers (RFC 9110 §7.6.1, and any the client's `Connection`
names), the forwarding headers keystead writes itself and every `Keystead-*` header
the client sent, which could otherwise pass for keystead's; then keystead's identity
headers and the signed assertion. `X-Forwarded-For` is the client as keystead
determined it (`KEYSTEAD_TRUSTED_PROXIES`), never a value the client wrote.

To the client: the upstream's headers less hop-by-hop ones and those keystead sets
on every `/v1` answer itself (date, rate limits, request id, token expiry), so each
appears once, with keystead's value.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import Scope

from keystead.access.principal import Principal

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {
    b"authorization",
    b"cookie",
    b"host",
    b"expect",
    b"forwarded",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"x-real-ip",
    b"x-request-id",
}
_SET_BY_KEYSTEAD = HOP_BY_HOP | {
    b"date",
    b"server",
    b"x-request-id",
    b"ratelimit",
    b"ratelimit-policy",
}
_OWN_PREFIXES = (b"keystead-", b"x-ratelimit-")
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> bytes:
    """The client's `X-Request-Id` when it is a plain token, otherwise a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _REQUEST_ID.fullmatch(value):
            return bytes(value)
    return uuid.uuid4().hex.encode()


def has_body(scope: Scope) -> bool:
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])


def _connection_named(headers: list[tuple[bytes, bytes]]) -> set[bytes]:
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    return named


def request_headers(
    scope: Scope, principal: Principal, permissions: str, assertion: str, request_id: bytes
) -> list[tuple[bytes, bytes]]:
    incoming: list[tuple[bytes, bytes]] = scope["headers"]
    dropped = _NOT_FORWARDED | _connection_named(incoming)
    headers = [
        (name, value)
        for name, value in incoming
        if name not in dropped and not name.startswith(b"keystead-")
    ]
    host = next((value for name, value in incoming if name == b"host"), None)
    client = scope.get("client")
    headers += [
        (b"keystead-account", principal.account_number.encode()),
        (b"keystead-credential", principal.credential_id.encode()),
        (b"keystead-permissions", permissions.encode()),
        (b"keystead-assertion", assertion.encode()),
        (b"x-request-id", request_id),
        (b"x-forwarded-for", (client[0] if client else "unknown").encode()),
        (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
    ]
    if host is not None:
        headers.append((b"x-forwarded-host", host))
    return headers


def answer_headers(
    upstream: list[tuple[bytes, bytes]], request_id: bytes
) -> list[tuple[bytes, bytes]]:
    dropped = _SET_BY_KEYSTEAD | _connection_named(upstream)
    headers = []
    for name, value in upstream:
        lowered = name.lower()
        if lowered not in dropped and not lowered.startswith(_OWN_PREFIXES):
            headers.append((lowered, value))
    headers.append((b"x-request-id", request_id))
    return headers

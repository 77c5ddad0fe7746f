"""Which headers cross keystead in proxy mode, each way.

To the upstream: the client's headers less its credentials (`Authorization`,
`Cookie`), hop-by-hop headers (RFC 9110 §7.6.1, and any the client's `Connection`
names), every `Keystead-*`, `X-Forwarded-*` and `X-Original-*` header the client
sent (they could pass for keystead's or a proxy's word), method and URL overrides,
and any name with `_`; then keystead's identity headers and the signed assertion.
`X-Forwarded-For` is the client as keystead determined it (`KEYSTEAD_TRUSTED_PROXIES`),
never a value the client wrote.

To the client: the upstream's headers less hop-by-hop ones, cookies, and those
keystead sets on every `/v1` answer itself (date, rate limits, request id, token
expiry, the security headers), so each appears once, with keystead's value.
"""

from __future__ import annotations

from starlette.types import Scope

from keystead.access.principal import Principal
from keystead.errors import UnsupportedTransferCoding
from keystead.observability import request_id_of

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
    b"via",
    b"x-real-ip",
    b"x-request-id",
    # Frameworks that honour these would route to another method or path than the
    # one keystead checked the permission of.
    b"x-http-method-override",
    b"x-http-method",
    b"x-method-override",
    b"x-rewrite-url",
}
# Whatever a client writes under these could pass for a proxy's statement.
_NOT_FORWARDED_PREFIXES = (b"keystead-", b"x-forwarded-", b"x-original-")
_SET_BY_KEYSTEAD = HOP_BY_HOP | {
    b"date",
    b"server",
    b"x-request-id",
    b"ratelimit",
    b"ratelimit-policy",
    # The answer is served from keystead's origin, beside its signed-in pages: the
    # upstream sets no cookie there, and keystead's strict policy applies to it.
    b"set-cookie",
    b"content-security-policy",
    b"x-content-type-options",
    b"referrer-policy",
    b"strict-transport-security",
}
_OWN_PREFIXES = (b"keystead-", b"x-ratelimit-")


def has_body(scope: Scope) -> bool:
    """Whether the request carries a body; one in a transfer coding other than
    chunked (which the server has undone) would be forwarded still encoded: refused."""
    found = False
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" and value.strip().lower() != b"chunked":
            raise UnsupportedTransferCoding
        found = found or name in (b"content-length", b"transfer-encoding")
    return found


def _connection_named(headers: list[tuple[bytes, bytes]]) -> set[bytes]:
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    return named


def request_headers(
    scope: Scope, principal: Principal, permissions: str, assertion: str
) -> list[tuple[bytes, bytes]]:
    incoming: list[tuple[bytes, bytes]] = scope["headers"]
    dropped = _NOT_FORWARDED | _connection_named(incoming)
    headers = [
        (name, value)
        for name, value in incoming
        # A name with `_` reads as its `-` twin to CGI-style servers
        # (`Keystead_Account` is HTTP_KEYSTEAD_ACCOUNT): dropped, as nginx does.
        if name not in dropped and not name.startswith(_NOT_FORWARDED_PREFIXES) and b"_" not in name
    ]
    host = next((value for name, value in incoming if name == b"host"), None)
    client = scope.get("client")
    headers += [
        (b"keystead-account", principal.account_number.encode()),
        (b"keystead-credential", principal.credential_id.encode()),
        (b"keystead-permissions", permissions.encode()),
        (b"keystead-assertion", assertion.encode()),
        (b"x-request-id", request_id_of(scope).encode()),
        (b"x-forwarded-for", (client[0] if client else "unknown").encode()),
        (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
    ]
    if host is not None:
        headers.append((b"x-forwarded-host", host))
    return headers


def answer_headers(upstream: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    dropped = _SET_BY_KEYSTEAD | _connection_named(upstream)
    headers = []
    for name, value in upstream:
        lowered = name.lower()
        if lowered not in dropped and not lowered.startswith(_OWN_PREFIXES):
            headers.append((lowered, value))
    return headers

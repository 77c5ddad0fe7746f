"""Security headers on every response: pages, JSON answers, errors and the guard's refusals
(put on by `edge/front.py`, and by the 500 and the parser's 400 themselves).

A response that sets one of these itself keeps its own value (pages carry a
Content-Security-Policy that lets them load keystead's script and stylesheet);
everything else gets the strictest policy, since a JSON answer loads nothing.

Each header costs the server about 9,000 instructions to send (uvicorn checks and
copies it), some 1.5 % of a request: `frame-ancestors 'none'` is therefore the
only framing rule of JSON answers, and the legacy `X-Frame-Options` goes on pages,
the only answers a browser would frame.
"""

from __future__ import annotations

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def default_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", API_CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]
    # Only a server reached over https may pin browsers to https (RFC 6797 §7.2).
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers

"""Headers every page carries: its own Content-Security-Policy, which lets it load
keystead's script and stylesheet (`edge/headers.py` adds the rest to every response).

Pages load only keystead's own script and stylesheet; no inline script or style is
allowed, so an injected `<script>` or `style=` attribute does nothing.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    # For browsers older than CSP's frame-ancestors; only pages can be framed usefully.
    "X-Frame-Options": "DENY",
    # Pages show per-account data and, once, new secrets: no cache may keep them.
    "Cache-Control": "no-store",
}

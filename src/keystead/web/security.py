"""Headers every page carries: a strict Content-Security-Policy and its companions.

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
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show per-account data and, once, new secrets: no cache may keep them.
    "Cache-Control": "no-store",
}

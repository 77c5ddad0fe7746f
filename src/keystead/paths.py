"""The URL prefixes that decide how keystead answers: `/v1` is guarded by the access
path (and its failures carry `data: []`), `/user/` answers in the account-key envelope."""

from __future__ import annotations

from urllib.parse import unquote

GUARDED_PREFIX = "/v1"
ACCOUNT_KEY_PREFIX = "/user/"


def is_guarded(path: str) -> bool:
    return path == GUARDED_PREFIX or path.startswith(GUARDED_PREFIX + "/")


def leaves_its_route(raw_path: str) -> bool:
    """Whether a path, as the client wrote it, has a segment another server could
    resolve away: `.` or `..` (percent-encoded or not), a `/` or `\\` encoded inside
    one, or a `;` (servlet containers drop `;…`, so `..;` is `..` to them). Matched
    against `/v1/files/{name:path}` it would be admitted, then reach whatever the
    upstream makes of `/v1/files/../../admin`."""
    for segment in raw_path.split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or any(char in decoded for char in "/\\;"):
            return True
    return False

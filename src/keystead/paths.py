"""The URL prefixes that decide how keystead answers: `/v1` is guarded by the access
path (and its failures carry `data: []`), `/user/` answers in the account-key envelope."""

from __future__ import annotations

GUARDED_PREFIX = "/v1"
ACCOUNT_KEY_PREFIX = "/user/"


def is_guarded(path: str) -> bool:
    return path == GUARDED_PREFIX or path.startswith(GUARDED_PREFIX + "/")

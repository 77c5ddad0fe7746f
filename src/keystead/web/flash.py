"""One-time notices carried across a redirect (Post/Redirect/Get).

The notice travels in a short-lived cookie sealed with AES-GCM and bound to the
session it was made for. The page that shows it deletes it, so a reload shows the
page without it: this is how a new token is shown exactly once without keeping
its plain text anywhere on the server.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from keystead.access.sealing import Sealer, SealError
from keystead.access.sessions import cookie_name

FLASH_COOKIE = "keystead_flash"
FLASH_MAX_AGE_SECONDS = 120
SUCCESS = "success"
ERROR = "error"


@dataclass(frozen=True, slots=True)
class Flash:
    message: str
    kind: str = SUCCESS
    secret: str | None = None
    """A secret to show once (a new token), or None."""


class FlashCookie:
    def __init__(self, sealer: Sealer, secure: bool) -> None:
        self._sealer = sealer
        self._secure = secure
        self._name = cookie_name(FLASH_COOKIE, secure)

    def put(self, response: Response, flash: Flash, binding: str) -> None:
        sealed = self._sealer.seal(orjson.dumps(asdict(flash)).decode(), _context(binding))
        response.set_cookie(
            self._name,
            sealed,
            max_age=FLASH_MAX_AGE_SECONDS,
            httponly=True,
            samesite="strict",
            secure=self._secure,
        )

    def take(self, request: Request, binding: str) -> Flash | None:
        """The notice sent with this request, if it was made for this session."""
        sealed = request.cookies.get(self._name)
        if not sealed:
            return None
        try:
            fields = orjson.loads(self._sealer.unseal(sealed, _context(binding)))
            return Flash(**fields)
        except (SealError, ValueError, TypeError):
            return None

    def clear(self, response: Response) -> None:
        response.delete_cookie(self._name, httponly=True, samesite="strict", secure=self._secure)


def _context(binding: str) -> str:
    return f"flash:{binding}"

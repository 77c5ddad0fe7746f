"""Reading posted forms: the CSRF token first, then plain text fields."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request

from keystead.access.sessions import SessionManager
from keystead.errors import CsrfRejected
from keystead.web.visitor import Visitor

CSRF_FIELD = "csrf_token"
_MAX_FIELDS = 50
_MAX_PART_BYTES = 64 * 1024
_MAX_PATH_LENGTH = 500


async def checked_form(request: Request, visitor: Visitor, sessions: SessionManager) -> FormData:
    """The posted form, once its CSRF token proves it came from one of our pages."""
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_PART_BYTES)
    if not sessions.csrf_matches(visitor.secret, text(form, CSRF_FIELD) or None):
        raise CsrfRejected
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def local_path(candidate: str, default: str) -> str:
    """`candidate` if it is a plain path on this site, else `default`: no open redirects.

    Browsers drop tabs and newlines from URLs and read `\\` as `/`, so a path with
    any of them (a tab after the first `/`) could still leave the site: refused.
    """
    if (
        len(candidate) <= _MAX_PATH_LENGTH
        and candidate.startswith("/")
        and not candidate.startswith("//")
        and candidate.isprintable()
        and " " not in candidate
        and "\\" not in candidate
    ):
        parts = urlsplit(candidate)
        if not parts.scheme and not parts.netloc:
            return candidate
    return default

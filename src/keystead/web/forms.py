"""Reading posted forms: the CSRF token first, then plain text fields; and what is
wrong with them, every field at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request

from keystead.access.sessions import SessionManager
from keystead.errors import CsrfRejected, InvalidInput
from keystead.web.visitor import Visitor

T = TypeVar("T")

CSRF_FIELD = "csrf_token"
PASSWORDS_DIFFER = "The two passwords differ; type the same password twice."
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


def sentence(label: str, reason: str) -> str:
    """A reason about one field as a sentence that reads on its own, as the summary at
    the top of a form lists it: `must not be empty` → `Name must not be empty.`"""
    text = reason.strip().rstrip(".")
    if not text:
        return f"Check {label.lower()}."
    if text[0].isupper():
        return f"{text}."
    if text.startswith(("must ", "is ", "has ")):
        return f"{label} {text}."
    return f"{label}: {text}."


class FieldErrors(dict[str, str]):
    """What is wrong with a posted form, a sentence per field name, the first reason of
    each field kept. Templates read it as a dict (`error_for`, `error_summary`).

    Check every field before giving up, so a person fixes them all in one go::

        errors = FieldErrors({"name": "Name", "email": "Email"})
        name = errors.check(lambda: clean_name(form_name))
        email = errors.check(lambda: valid_email(form_email))
        if errors:
            return render(..., errors=errors, status=422)
    """

    def __init__(self, labels: Mapping[str, str], wording: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.labels = dict(labels)
        """Field name to the label the form shows beside it."""
        self.wording = dict(wording or {})
        """A service's reason to the sentence this form says instead."""

    def add(self, field: str, reason: str) -> None:
        if field not in self:
            label = self.labels.get(field, field.replace("_", " "))
            self[field] = self.wording.get(reason) or sentence(label, reason)

    def add_invalid(self, error: InvalidInput) -> None:
        for item in error.data["errors"]:
            self.add(item["field"], item["message"])

    def check(self, check: Callable[[], T]) -> T | None:
        """`check()`, or None when it refuses the input (its reasons are kept)."""
        try:
            return check()
        except InvalidInput as error:
            self.add_invalid(error)
            return None

"""Turning templates into page responses: security headers, one-time notices, cookies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from keystead.access.sealing import Sealer
from keystead.config import Settings
from keystead.version import __version__
from keystead.web.flash import FLASH_COOKIE, Flash, FlashCookie
from keystead.web.security import PAGE_HEADERS
from keystead.web.visitor import FORM_COOKIE, Visitor

FLASH_PURPOSE = b"keystead page notices v1"
# Terms are operator-written Markdown; raw HTML in them is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def day(moment: datetime | date | None) -> str:
    if moment is None:
        return "never"
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return moment.strftime("%d %b %Y")


def money(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):.2f}%"


def markdown(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text))  # noqa: S704 - rendered with raw HTML disabled


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("keystead.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(when=when, day=day, money=money, percent=percent, markdown=markdown)
    environment.globals["version"] = __version__
    return environment


class Pages:
    """Renders pages and redirects for one keystead process."""

    def __init__(self, settings: Settings) -> None:
        self._environment = _environment()
        self._secure = settings.cookies_secure
        self._flash = FlashCookie(Sealer(settings.secret_bytes, FLASH_PURPOSE), self._secure)

    def render(
        self,
        request: Request,
        visitor: Visitor,
        template: str,
        *,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        flash = self._flash.take(request, visitor.csrf_token)
        html = self._environment.get_template(template).render(
            visitor=visitor,
            account=visitor.account,
            flash=flash,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status, headers=PAGE_HEADERS)
        if FLASH_COOKIE in request.cookies:
            # Shown (or unusable) now, so never again: a reload shows the page without it.
            self._flash.clear(response)
        if visitor.new_form_secret:
            response.set_cookie(
                FORM_COOKIE,
                visitor.secret,
                httponly=True,
                samesite="strict",
                secure=self._secure,
            )
        return response

    def redirect(
        self, to: str, visitor: Visitor | None = None, flash: Flash | None = None
    ) -> Response:
        """303 See Other, so a reload of the next page never re-sends the form."""
        response = RedirectResponse(to, status_code=303, headers={"Cache-Control": "no-store"})
        if flash is not None and visitor is not None:
            self._flash.put(response, flash, visitor.csrf_token)
        return response

    def put_flash(self, response: Response, flash: Flash, binding: str) -> None:
        self._flash.put(response, flash, binding)
